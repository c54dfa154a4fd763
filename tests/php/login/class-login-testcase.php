<?php
/**
 * Helpers for the two-step login tests: the password step, the second step,
 * session counting and extra php -S servers on the stack's WordPress copy.
 */

abstract class Login_TestCase extends Twofa_TestCase {

	/**
	 * Extra php -S servers started by a test: pidfile => true.
	 *
	 * @var array<string,bool>
	 */
	private $servers = array();

	protected function tearDown(): void {
		foreach ( array_keys( $this->servers ) as $pidfile ) {
			self::lib( 'php_server_stop ' . escapeshellarg( $pidfile ) );
			@unlink( $pidfile );
			@unlink( substr( $pidfile, 0, -4 ) . '.log' );
		}
		$this->servers = array();
		parent::tearDown();
	}

	/**
	 * Changes settings for this test (restored by Twofa_TestCase).
	 *
	 * @param array<string,mixed> $settings Fields.
	 */
	protected function settings( array $settings ): void {
		$this->assertTrue( Twofa_Settings::update( $settings ), 'settings accepted' );
	}

	/**
	 * The password step through wp-login.php.
	 *
	 * @param Http_Client          $client   Browser.
	 * @param array                $user     From make_user().
	 * @param array<string,string> $extra    More fields (rememberme, redirect_to).
	 * @param string               $query    Query string of wp-login.php.
	 * @param string|null          $password Password (the user's when null).
	 */
	protected function password_step( Http_Client $client, array $user, array $extra = array(), string $query = '', ?string $password = null ): array {
		return $client->post(
			'/wp-login.php' . ( '' !== $query ? '?' . $query : '' ),
			array(
				'log' => $user['login'],
				'pwd' => $password ?? $user['password'],
			) + $extra
		);
	}

	/**
	 * Posts one form of the second step.
	 *
	 * @param Http_Client          $client Browser.
	 * @param array<string,string> $fields twofa_* fields.
	 * @param string               $query   Extra query.
	 * @param array<string,string> $headers Extra request headers.
	 */
	protected function second_step( Http_Client $client, array $fields, string $query = '', array $headers = array() ): array {
		return $client->post( '/wp-login.php?action=twofa_challenge' . ( '' !== $query ? '&' . $query : '' ), $fields, $headers );
	}

	/**
	 * The user id, nonce and method fields of the second step shown last.
	 *
	 * @param Http_Client $client Browser.
	 * @param string      $method Method id.
	 * @return array<string,string>
	 */
	protected function step_fields( Http_Client $client, string $method ): array {
		return array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
			'twofa_method' => $method,
		);
	}

	/**
	 * Submits a code with the user id and nonce of the page last shown.
	 *
	 * @param Http_Client $client  Browser.
	 * @param string      $method  totp|email.
	 * @param string      $code    Code.
	 * @param array       $headers Extra request headers.
	 */
	protected function submit_code( Http_Client $client, string $method, string $code, array $headers = array() ): array {
		$user  = $client->field( 'twofa_user' );
		$nonce = $client->field( 'twofa_nonce' );
		$this->assertNotNull( $nonce, 'the page carries a login nonce' );
		$fields = array(
			'twofa_user'   => (string) $user,
			'twofa_nonce'  => (string) $nonce,
			'twofa_method' => $method,
			'twofa_do'     => 'verify',
			'twofa_code'   => $code,
		);
		// A browser posts every hidden field of the form, the modal-login flag included.
		if ( null !== $client->field( 'interim-login' ) ) {
			$fields['interim-login'] = (string) $client->field( 'interim-login' );
		}
		return $this->second_step( $client, $fields, '', $headers );
	}

	/**
	 * The passkey form's options and state id on the current page.
	 *
	 * @param Http_Client $client Client after a page of the second step.
	 * @param string      $mode   get | create.
	 * @return array{options:string, state_id:string}
	 */
	protected function ceremony( Http_Client $client, string $mode = 'get' ): array {
		$doc = new DOMDocument();
		libxml_use_internal_errors( true );
		$doc->loadHTML( $client->last['body'] );
		libxml_clear_errors();
		$nodes = ( new DOMXPath( $doc ) )->query( '//*[@data-twofa-passkey="' . $mode . '"]' );
		$this->assertSame( 1, $nodes->length, 'the page has the passkey form: ' . $this->error_text( $client ) );
		$node = $nodes->item( 0 );
		return array(
			'options'  => (string) $node->getAttribute( 'data-options' ),
			'state_id' => (string) $node->getAttribute( 'data-state' ),
		);
	}

	/**
	 * Posts an assertion (or a created credential) as the passkey form's script does.
	 *
	 * @param Http_Client $client   Client.
	 * @param string      $state_id State id.
	 * @param string      $response Credential JSON.
	 */
	protected function post_passkey( Http_Client $client, string $state_id, string $response ): array {
		return $this->submit_code( $client, 'passkey', $state_id . '.' . $response );
	}

	/**
	 * The current TOTP code of a secret (real time: the served site uses the real clock).
	 *
	 * @param string $secret Base32 secret.
	 * @param int    $offset Seconds from now.
	 */
	protected function totp( string $secret, int $offset = 0 ): string {
		return twofa_totp_code( $secret, time() + $offset );
	}

	/**
	 * A code that is certainly wrong now.
	 *
	 * @param string $secret Base32 secret.
	 */
	protected function wrong_totp( string $secret ): string {
		$valid = array( $this->totp( $secret, -30 ), $this->totp( $secret ), $this->totp( $secret, 30 ), $this->totp( $secret, 60 ) );
		$code  = '000000';
		while ( in_array( $code, $valid, true ) ) {
			$code = sprintf( '%06d', random_int( 0, 999999 ) );
		}
		return $code;
	}

	/**
	 * The outbox files now (to tell a new email from older ones sent in the same second).
	 *
	 * @return string[]
	 */
	protected function outbox_files(): array {
		clearstatcache();
		return glob( getenv( 'TWOFA_OUTBOX' ) . '/*.eml' ) ?: array();
	}

	/**
	 * The 6-digit code of the one email to $email that is not among $before.
	 *
	 * @param string   $email  Recipient.
	 * @param string[] $before From outbox_files() before the send.
	 */
	protected function new_mailed_code( string $email, array $before ): string {
		$found = array();
		foreach ( array_diff( $this->outbox_files(), $before ) as $file ) {
			$raw = (string) file_get_contents( $file );
			if ( preg_match( '/^To:.*' . preg_quote( $email, '/' ) . '/mi', $raw ) ) {
				$found[] = $raw;
			}
		}
		$this->assertCount( 1, $found, 'exactly one new email to ' . $email );
		$this->assertSame( 1, preg_match( '/\b(\d{6})\b/', quoted_printable_decode( $found[0] ), $m ) );
		return $m[1];
	}

	/**
	 * Asks for an email code on the challenge page the client shows ("Send OTP") and returns
	 * the code from the one new email.
	 *
	 * @param Http_Client $client Browser on the challenge page.
	 * @param array       $user   From make_user().
	 */
	protected function send_email_code( Http_Client $client, array $user ): string {
		$before = $this->outbox_files();
		$this->second_step(
			$client,
			array(
				'twofa_user'   => (string) $client->field( 'twofa_user' ),
				'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
				'twofa_method' => 'email',
				'twofa_do'     => 'send',
			)
		);
		$this->assertSame( '', $this->error_text( $client ), 'the code was sent' );
		return $this->new_mailed_code( $user['email'], $before );
	}

	/**
	 * Live session tokens of a user, read fresh from the database.
	 *
	 * @param int $user_id User ID.
	 */
	protected function sessions( int $user_id ): int {
		wp_cache_delete( $user_id, 'user_meta' );
		return count( WP_Session_Tokens::get_instance( $user_id )->get_all() );
	}

	/**
	 * Asserts the page is the challenge for the user, with no session anywhere.
	 *
	 * @param Http_Client $client Browser.
	 * @param array       $user   From make_user().
	 * @param int         $before Sessions the user already had.
	 */
	protected function assertChallenge( Http_Client $client, array $user, int $before = 0 ): void {
		$this->assertSame( 200, $client->last['status'], 'the challenge page answers 200' );
		$this->assertStringContainsString( 'id="twofa_code"', $client->last['body'], 'the challenge asks for a code' );
		$this->assertSame( (string) $user['id'], $client->field( 'twofa_user' ) );
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{64}$/', (string) $client->field( 'twofa_nonce' ) );
		$this->assertFalse( $client->has_login_cookie(), 'no logged-in cookie after the password step' );
		$this->assertSame( $before, $this->sessions( $user['id'] ), 'no new session token after the password step' );
	}

	/**
	 * Asserts the last response completed the login.
	 *
	 * @param Http_Client $client Browser.
	 * @param array       $user   From make_user().
	 */
	protected function assertLoggedIn( Http_Client $client, array $user ): void {
		$this->assertSame( 302, $client->last['status'], 'a redirect after the second step: ' . $this->error_text( $client ) );
		$this->assertTrue( $client->has_login_cookie(), 'the logged-in cookie is set' );
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'exactly one session' );
	}

	/**
	 * The error box of the last page ('' when none).
	 *
	 * @param Http_Client $client Browser.
	 */
	protected function error_text( Http_Client $client ): string {
		if ( preg_match( '#<div id="login_error"[^>]*>(.*?)</div>#s', $client->last['body'], $m ) ) {
			return trim( html_entity_decode( wp_strip_all_tags( $m[1] ) ) );
		}
		return '';
	}

	/**
	 * Starts another php -S on the stack's WordPress copy (same database).
	 *
	 * @param string|null $key_file Key file (the stack's when null).
	 * @return string Base URL.
	 */
	protected function start_server( ?string $key_file = null ): string {
		$port    = (int) trim( self::lib( 'free_port' ) );
		$pidfile = sys_get_temp_dir() . '/twofa-login-php-' . $port . '.pid';
		$log     = sys_get_temp_dir() . '/twofa-login-php-' . $port . '.log';
		$this->servers[ $pidfile ] = true;
		self::lib(
			sprintf(
				'php_server_start %s %d 2 %s %s %s',
				escapeshellarg( (string) getenv( 'TWOFA_WP_DIR' ) ),
				$port,
				escapeshellarg( $pidfile ),
				escapeshellarg( $log ),
				escapeshellarg( $key_file ?? (string) getenv( 'TWOFA_KEY_FILE' ) )
			)
		);
		return 'http://127.0.0.1:' . $port;
	}

	/**
	 * Runs a command with tests/stack/lib.sh sourced; fails the test on error.
	 *
	 * @param string $command Shell command.
	 */
	protected static function lib( string $command ): string {
		$lib = dirname( __DIR__, 2 ) . '/stack/lib.sh';
		$out = array();
		exec( 'bash -c ' . escapeshellarg( '. ' . escapeshellarg( $lib ) . ' && ' . $command ) . ' 2>&1', $out, $rc );
		if ( 0 !== $rc ) {
			throw new RuntimeException( 'stack command failed: ' . $command . "\n" . implode( "\n", $out ) );
		}
		return implode( "\n", $out );
	}

	/**
	 * Sends the same POST from many clients at once.
	 *
	 * @param string[]            $urls   One URL per request.
	 * @param array<string,mixed> $fields Form fields.
	 * @return array<int,array{status:int, cookies:string[]}>
	 */
	protected function parallel_posts( array $urls, array $fields ): array {
		$requests = array();
		foreach ( $urls as $i => $url ) {
			$requests[ $i ] = array(
				'url'    => $url,
				'fields' => $fields,
			);
		}
		$out = array();
		foreach ( Http_Client::parallel_posts( $requests ) as $i => $response ) {
			$out[ $i ] = array(
				'status'  => $response['status'],
				'cookies' => $response['headers']['set-cookie'] ?? array(),
			);
		}
		return $out;
	}

	/**
	 * How many responses carry a (non-clearing) logged-in cookie.
	 *
	 * @param array<int,array{status:int, cookies:string[]}> $responses From parallel_posts().
	 */
	protected function count_logins( array $responses ): int {
		$n = 0;
		foreach ( $responses as $response ) {
			foreach ( $response['cookies'] as $cookie ) {
				if ( 0 === strpos( $cookie, 'wordpress_logged_in_' ) && ! preg_match( '/^[^=]+=(%20)?;|max-age=0(;|$)/i', $cookie ) ) {
					++$n;
					break;
				}
			}
		}
		return $n;
	}

	/**
	 * An XML-RPC call of wp.getUsersBlogs.
	 *
	 * @param string $base     Site URL.
	 * @param string $login    Login.
	 * @param string $password Password.
	 * @return string The response body.
	 */
	protected function xmlrpc_users_blogs( string $base, string $login, string $password ): string {
		$body   = '<?xml version="1.0"?><methodCall><methodName>wp.getUsersBlogs</methodName><params>'
			. '<param><value><string>' . htmlspecialchars( $login, ENT_XML1 ) . '</string></value></param>'
			. '<param><value><string>' . htmlspecialchars( $password, ENT_XML1 ) . '</string></value></param>'
			. '</params></methodCall>';
		$client = new Http_Client( $base );
		$client->request( 'POST', '/xmlrpc.php', $body, array( 'Content-Type' => 'text/xml' ) );
		return $client->last['body'];
	}

	/**
	 * GET /wp/v2/users/me with HTTP Basic credentials; returns the status.
	 *
	 * @param string      $login    Login.
	 * @param string      $password Password.
	 * @param string|null $base     Site URL (the stack's when null).
	 */
	protected function rest_me_basic( string $login, string $password, ?string $base = null ): int {
		$client = new Http_Client( $base );
		$client->get( '/?rest_route=/wp/v2/users/me', array( 'Authorization' => 'Basic ' . base64_encode( $login . ':' . $password ) ) );
		return $client->last['status'];
	}
}
