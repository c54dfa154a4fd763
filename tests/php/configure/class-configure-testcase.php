<?php
/**
 * Shared helpers of the Configure 2FA tests: a logged-in browser-like client,
 * the page's forms, posting them like a browser without JavaScript.
 */

/**
 * Base class of the Configure 2FA tests.
 */
abstract class Configure_TestCase extends Twofa_TestCase {

	/**
	 * Settings keys changed by a test are restored by Twofa_TestCase; the
	 * sidecar address is read from the stack here to detect a running sidecar.
	 */
	protected function sidecar_running(): bool {
		return '1' === (string) getenv( 'TWOFA_SIDECAR_RUNNING' );
	}

	/**
	 * The page's path for a user (add_users_page puts it under profile.php for
	 * users who cannot edit users).
	 *
	 * @param int                  $user_id User ID.
	 * @param array<string,string> $args    Query arguments.
	 */
	protected function page_path( int $user_id, array $args = array() ): string {
		$parent = user_can( $user_id, 'edit_users' ) ? 'users.php' : 'profile.php';
		return '/wp-admin/' . $parent . '?' . http_build_query( array( 'page' => 'twofa-configure' ) + $args );
	}

	/**
	 * GETs the page and asserts it answered 200.
	 *
	 * @param Http_Client          $client  Logged-in client.
	 * @param int                  $user_id User ID.
	 * @param array<string,string> $args    Query arguments.
	 */
	protected function open_page( Http_Client $client, int $user_id, array $args = array() ): string {
		$response = $client->get( $this->page_path( $user_id, $args ) );
		$this->assertSame( 200, $response['status'], 'the Configure 2FA page answers 200' );
		return $response['body'];
	}

	/**
	 * The fields (inputs with a name) of the form posting $action in $html, or null.
	 *
	 * @param string $html   Page HTML.
	 * @param string $action twofa_action value.
	 * @return array<string,string>|null
	 */
	protected function form_fields( string $html, string $action ): ?array {
		$form = $this->form_node( $html, $action );
		if ( ! $form ) {
			return null;
		}
		$fields = array();
		foreach ( $form->getElementsByTagName( 'input' ) as $input ) {
			$name = $input->getAttribute( 'name' );
			$type = strtolower( $input->getAttribute( 'type' ) );
			if ( '' === $name || in_array( $type, array( 'checkbox', 'password', 'text' ), true ) ) {
				continue;
			}
			$fields[ $name ] = $input->getAttribute( 'value' );
		}
		return $fields;
	}

	/**
	 * The DOM node of the form posting $action.
	 *
	 * @param string $html   Page HTML.
	 * @param string $action twofa_action value.
	 */
	protected function form_node( string $html, string $action ): ?DOMElement {
		$xpath = $this->xpath( $html );
		$nodes = $xpath->query( sprintf( '//form[.//input[@name="twofa_action" and @value="%s"]]', $action ) );
		return $nodes && $nodes->length ? $nodes->item( 0 ) : null;
	}

	/**
	 * An XPath over a page.
	 *
	 * @param string $html Page HTML.
	 */
	protected function xpath( string $html ): DOMXPath {
		$doc = new DOMDocument();
		libxml_use_internal_errors( true );
		$doc->loadHTML( $html );
		libxml_clear_errors();
		return new DOMXPath( $doc );
	}

	/**
	 * Posts the page's form for $action (its hidden fields, plus $extra) to
	 * admin-post.php and, on a redirect back, loads the page it leads to.
	 *
	 * @param Http_Client          $client Logged-in client.
	 * @param string               $html   The page the form is on.
	 * @param string               $action twofa_action value.
	 * @param array<string,string> $extra  Fields the user fills in.
	 * @return array{status:int, location:string, body:string} The post's status and Location, and the page it redirected to.
	 */
	protected function submit( Http_Client $client, string $html, string $action, array $extra = array() ): array {
		$fields = $this->form_fields( $html, $action );
		$this->assertNotNull( $fields, "the page has a form for $action" );
		return $this->post_fields( $client, $extra + $fields );
	}

	/**
	 * Posts raw fields to admin-post.php and follows one redirect.
	 *
	 * @param Http_Client          $client Client.
	 * @param array<string,string> $fields Form fields.
	 * @return array{status:int, location:string, body:string}
	 */
	protected function post_fields( Http_Client $client, array $fields ): array {
		$response = $client->post( '/wp-admin/admin-post.php', $fields );
		$location = $client->location();
		$out      = array(
			'status'   => $response['status'],
			'location' => $location,
			'body'     => $response['body'],
		);
		if ( 302 === $response['status'] && '' !== $location ) {
			$next        = $client->get( $location );
			$out['body'] = $next['body'];
		}
		return $out;
	}

	/**
	 * Posts several forms at the same moment with one session (curl_multi), as
	 * parallel browser tabs or a script would; redirects are not followed.
	 *
	 * @param Http_Client                      $client Logged-in client (its cookies are used).
	 * @param array<int,array<string,string>>  $posts  Form fields of each request.
	 * @return array<int,array{status:int, location:string}>
	 */
	protected function post_parallel( Http_Client $client, array $posts ): array {
		$requests = array();
		foreach ( $posts as $i => $fields ) {
			$requests[ $i ] = array(
				'url'    => $client->base . '/wp-admin/admin-post.php',
				'fields' => $fields,
				'cookie' => $client->cookie_header(),
			);
		}
		$out = array();
		foreach ( Http_Client::parallel_posts( $requests ) as $i => $response ) {
			$out[ $i ] = array(
				'status'   => $response['status'],
				'location' => $response['headers']['location'][0] ?? '',
			);
		}
		return $out;
	}

	/**
	 * The text of the page's message region.
	 *
	 * @param string $html Page HTML.
	 */
	protected function messages( string $html ): string {
		$nodes = $this->xpath( $html )->query( '//*[@id="twofa-messages"]' );
		return $nodes && $nodes->length ? trim( preg_replace( '/\s+/', ' ', $nodes->item( 0 )->textContent ) ) : '';
	}

	/**
	 * The setup key shown under "Can't scan?", without spaces.
	 *
	 * @param string $html Page HTML.
	 */
	protected function shown_secret( string $html ): string {
		$nodes = $this->xpath( $html )->query( '//code[@id="twofa-secret"]' );
		$this->assertSame( 1, $nodes->length, 'the page shows the key as text' );
		return str_replace( ' ', '', trim( $nodes->item( 0 )->textContent ) );
	}

	/**
	 * The status badge of a method's card.
	 *
	 * @param string $html   Page HTML.
	 * @param string $method Method id.
	 */
	protected function card_status( string $html, string $method ): string {
		$nodes = $this->xpath( $html )->query( sprintf( '//*[@id="twofa-card-%s"]//*[contains(@class,"twofa-badge")]', $method ) );
		return $nodes && $nodes->length ? trim( $nodes->item( 0 )->textContent ) : '';
	}

	/**
	 * The text of a method's card.
	 *
	 * @param string $html   Page HTML.
	 * @param string $method Method id.
	 */
	protected function card_text( string $html, string $method ): string {
		$nodes = $this->xpath( $html )->query( sprintf( '//*[@id="twofa-card-%s"]', $method ) );
		return $nodes && $nodes->length ? trim( preg_replace( '/\s+/', ' ', $nodes->item( 0 )->textContent ) ) : '';
	}

	/**
	 * Raw meta value straight from the database (no cache at all).
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 */
	protected function db_meta( int $user_id, string $key ): ?string {
		global $wpdb;
		$value = $wpdb->get_var( $wpdb->prepare( "SELECT meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s LIMIT 1", $user_id, $key ) );
		return null === $value ? null : (string) $value;
	}

	/**
	 * Rewrites fields of a JSON meta value in the database (e.g. to expire it).
	 *
	 * @param int                 $user_id User ID.
	 * @param string              $key     Meta key.
	 * @param array<string,mixed> $changes Fields to overwrite.
	 */
	protected function edit_json_meta( int $user_id, string $key, array $changes ): void {
		global $wpdb;
		$raw = $this->db_meta( $user_id, $key );
		$this->assertNotNull( $raw, "$key exists" );
		$value = json_decode( $raw, true );
		$this->assertIsArray( $value );
		$wpdb->update( $wpdb->usermeta, array( 'meta_value' => wp_json_encode( array_merge( $value, $changes ) ) ), array( 'user_id' => $user_id, 'meta_key' => $key ) );
		wp_cache_delete( $user_id, 'user_meta' );
	}

	/**
	 * Changes settings for this test (restored by the base class).
	 *
	 * @param array<string,mixed> $changes Settings.
	 */
	protected function set_settings( array $changes ): void {
		$this->assertTrue( Twofa_Settings::update( $changes ), 'settings accepted' );
	}

	/**
	 * A loopback port where nothing listens.
	 */
	protected function closed_port(): int {
		$socket = stream_socket_server( 'tcp://127.0.0.1:0' );
		$name   = stream_socket_get_name( $socket, false );
		fclose( $socket );
		return (int) substr( strrchr( $name, ':' ), 1 );
	}

	/**
	 * Number of .eml files in the outbox addressed to $email.
	 *
	 * @param string $email Recipient.
	 */
	protected function mail_count( string $email ): int {
		$count = 0;
		foreach ( glob( getenv( 'TWOFA_OUTBOX' ) . '/*.eml' ) ?: array() as $file ) {
			if ( preg_match( '/^To:.*' . preg_quote( $email, '/' ) . '/mi', (string) file_get_contents( $file ) ) ) {
				++$count;
			}
		}
		return $count;
	}
}
