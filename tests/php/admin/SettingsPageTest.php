<?php
/**
 * Settings → Two-Factor over HTTP, as a browser without JavaScript would use it: the Settings
 * API form with its real nonce, the status box, "Send test email", and refusals for users
 * without manage_options.
 */

require_once __DIR__ . '/class-admin-testcase.php';

final class SettingsPageTest extends Admin_TestCase {

	const PAGE = '/wp-admin/options-general.php?page=twofa-settings';

	/**
	 * A nonce valid for $user's session in $http (as the served site would have made it).
	 *
	 * @param Http_Client $http    Logged-in client.
	 * @param int         $user_id That client's user.
	 * @param string      $action  Nonce action.
	 */
	private function nonce_for( Http_Client $http, int $user_id, string $action ): string {
		$saved                      = $_COOKIE;
		$_COOKIE[ LOGGED_IN_COOKIE ] = urldecode( $http->cookies[ LOGGED_IN_COOKIE ] );
		wp_set_current_user( $user_id );
		$nonce   = wp_create_nonce( $action );
		$_COOKIE = $saved;
		wp_set_current_user( 0 );
		return $nonce;
	}

	/**
	 * The settings form of the page, as the admin's browser would send it back.
	 *
	 * @param Http_Client $http Client logged in as an administrator.
	 */
	private function settings_form( Http_Client $http ): array {
		$http->get( self::PAGE );
		$this->assertSame( 200, $http->last['status'] );
		return $this->nest( $this->form_fields( $http, 'options.php' ) );
	}

	public function test_page_shows_the_form_and_the_status_box(): void {
		$http = $this->login( $this->make_user( 'administrator' ) );
		$http->get( self::PAGE );
		$this->assertSame( 200, $http->last['status'] );
		$body = $http->last['body'];
		$this->assertStringContainsString( 'Version ' . twofa_version(), $body );
		$this->assertStringContainsString( 'Loaded from ' . getenv( 'TWOFA_KEY_FILE' ), $body );
		$this->assertMatchesRegularExpression( '/Sidecar<\/th><td><span class="dashicons dashicons-yes-alt"[^>]*><\/span> <strong>OK<\/strong> Reachable at [^<]*, version \d+\.\d+\.\d+/', $body );
		$this->assertStringContainsString( 'name="twofa_settings[methods][]" value="totp" checked', $body );
		$this->assertStringContainsString( 'name="twofa_settings[required_roles][]" value="editor"', $body );
		$this->assertStringContainsString( 'value="twofa_send_test_email"', $body );
		$this->assertSame( 1, substr_count( $body, 'id="_wpnonce"' ), 'one #_wpnonce on the page' );
		$this->assertSame( 1, substr_count( $body, 'id="submit"' ), 'one #submit on the page' );
		$this->assertStringNotContainsString( bin2hex( (string) file_get_contents( (string) getenv( 'TWOFA_KEY_FILE' ) ) ), $body );
		$this->assertStringNotContainsString( base64_encode( (string) file_get_contents( (string) getenv( 'TWOFA_KEY_FILE' ) ) ), $body );
	}

	public function test_valid_values_are_saved(): void {
		$http = $this->login( $this->make_user( 'administrator' ) );
		$form = $this->settings_form( $http );
		$form['twofa_settings']['methods']         = array( 'email' );
		$form['twofa_settings']['required_roles']  = array( 'editor', 'administrator' );
		$form['twofa_settings']['grace_days']      = '5';
		$form['twofa_settings']['email_ttl']       = '300';
		$form['twofa_settings']['resend_cooldown'] = '45';
		$form['twofa_settings']['backoff_after']   = '4';
		$form['twofa_settings']['lockout_after']   = '12';
		$form['twofa_settings']['lockout_minutes'] = '30';
		$form['twofa_settings']['app_passwords']   = 'deny';
		$http->post( '/wp-admin/options.php', $form );
		$this->assertSame( 302, $http->last['status'] );
		$this->assertStringContainsString( 'settings-updated=true', $http->location() );

		$stored = $this->stored_settings();
		$this->assertSame( array( 'email' ), $stored['methods'] );
		$this->assertSame( array( 'editor', 'administrator' ), $stored['required_roles'] );
		$this->assertSame( 5, $stored['grace_days'] );
		$this->assertSame( 300, $stored['email_ttl'] );
		$this->assertSame( 45, $stored['resend_cooldown'] );
		$this->assertSame( 4, $stored['backoff_after'] );
		$this->assertSame( 12, $stored['lockout_after'] );
		$this->assertSame( 30, $stored['lockout_minutes'] );
		$this->assertSame( 'deny', $stored['app_passwords'] );
		$this->assertSame( getenv( 'TWOFA_SIDECAR_URL' ), $stored['sidecar_url'] );

		$http->get( $http->location() );
		$this->assertStringContainsString( 'Settings saved.', $http->last['body'] );
		$this->assertStringContainsString( 'name="twofa_settings[methods][]" value="email" checked', $http->last['body'] );
		$this->assertStringNotContainsString( 'name="twofa_settings[methods][]" value="totp" checked', $http->last['body'] );
	}

	public function test_invalid_values_are_reported_and_nothing_changes(): void {
		Twofa_Settings::update( array( 'grace_days' => 2, 'lockout_minutes' => 20 ) );
		$before = $this->stored_settings();
		$http   = $this->login( $this->make_user( 'administrator' ) );
		$cases  = array(
			'grace_days'      => array( '999', 'grace_days must be a whole number from 0 to 365.' ),
			'lockout_after'   => array( 'many', 'lockout_after must be a whole number from 3 to 1000.' ),
			'email_ttl'       => array( '10', 'email_ttl must be a whole number from 60 to 3600.' ),
			'sidecar_url'     => array( 'http://mail.example.com:8787', 'The sidecar address must be http://127.0.0.1:PORT' ),
			'app_passwords'   => array( 'maybe', 'The application password policy must be' ),
			'required_roles'  => array( array( 'no_such_role' ), 'Required roles must be existing roles of this site.' ),
			'methods'         => array( null, 'Choose at least one method' ),
		);
		foreach ( $cases as $field => list( $value, $message ) ) {
			$form = $this->settings_form( $http );
			// A valid change alongside the bad one must not be saved either.
			$form['twofa_settings']['lockout_minutes'] = '45';
			if ( null === $value ) {
				unset( $form['twofa_settings'][ $field ] ); // No box ticked.
			} else {
				$form['twofa_settings'][ $field ] = $value;
			}
			$http->post( '/wp-admin/options.php', $form );
			$this->assertSame( 302, $http->last['status'], $field );
			$this->assertSame( $before, $this->stored_settings(), "$field: the option is unchanged" );
			$http->get( $http->location() );
			$body = html_entity_decode( $http->last['body'], ENT_QUOTES );
			$this->assertStringContainsString( $message, $body, $field );
			$this->assertStringContainsString( 'Nothing was saved.', $body, $field );
			$this->assertStringNotContainsString( 'Settings saved.', $body, $field );
			$this->assertMatchesRegularExpression( '/notice-error|class="error/', $body, $field );
		}
	}

	public function test_settings_form_needs_a_valid_nonce(): void {
		$before = $this->stored_settings();
		$http   = $this->login( $this->make_user( 'administrator' ) );
		$form   = $this->settings_form( $http );
		$form['twofa_settings']['grace_days'] = '9';
		$form['_wpnonce']                     = 'bad0bad0';
		$http->post( '/wp-admin/options.php', $form );
		$this->assertContains( $http->last['status'], array( 403, 200 ) );
		$this->assertStringContainsString( 'The link you followed has expired', $http->last['body'] );
		$this->assertSame( $before, $this->stored_settings() );
	}

	public function test_editor_and_subscriber_are_refused_everywhere(): void {
		$before = $this->stored_settings();
		$admin  = $this->login( $this->make_user( 'administrator' ) );
		$form   = $this->settings_form( $admin );
		$form['twofa_settings']['grace_days'] = '11';
		foreach ( array( 'editor', 'subscriber' ) as $role ) {
			$user = $this->make_user( $role );
			$http = $this->login( $user );

			$http->get( self::PAGE );
			$this->assertSame( 403, $http->last['status'], "$role: settings page" );
			$this->assertStringNotContainsString( 'twofa_settings[', $http->last['body'] );

			// The settings form with a nonce that is valid for this user's own session.
			$own             = $form;
			$own['_wpnonce'] = $this->nonce_for( $http, $user['id'], Twofa_Settings_Page::GROUP . '-options' );
			$http->post( '/wp-admin/options.php', $own );
			$this->assertSame( 403, $http->last['status'], "$role: options.php" );
			$this->assertSame( $before, $this->stored_settings(), "$role: nothing saved" );

			$start = time();
			$http->post(
				'/wp-admin/admin-post.php',
				array(
					'action'   => Twofa_Settings_Page::TEST_ACTION,
					'_wpnonce' => $this->nonce_for( $http, $user['id'], Twofa_Settings_Page::TEST_ACTION ),
				)
			);
			$this->assertSame( 403, $http->last['status'], "$role: send test email" );
			$this->assertStringContainsString( 'not allowed to send test emails', $http->last['body'] );
			$this->assertNull( $this->latest_mail( $user['email'], $start ), "$role: no email sent" );
		}
	}

	public function test_send_test_email_needs_the_nonce(): void {
		$admin = $this->make_user( 'administrator' );
		$http  = $this->login( $admin );
		$start = time();
		foreach ( array( array(), array( '_wpnonce' => 'bad0bad0' ) ) as $extra ) {
			$http->post( '/wp-admin/admin-post.php', array( 'action' => Twofa_Settings_Page::TEST_ACTION ) + $extra );
			$this->assertSame( 403, $http->last['status'] );
			$this->assertStringContainsString( 'The link you followed has expired', $http->last['body'] );
		}
		$this->assertNull( $this->latest_mail( $admin['email'], $start ) );
	}

	public function test_send_test_email_reaches_the_admin(): void {
		$admin = $this->make_user( 'administrator' );
		$http  = $this->login( $admin );
		$http->get( self::PAGE );
		$fields = $this->form_fields( $http, 'admin-post.php' );
		$this->assertSame( Twofa_Settings_Page::TEST_ACTION, $fields['action'] );
		$start = time();
		$http->post( '/wp-admin/admin-post.php', $fields );
		$this->assertSame( 302, $http->last['status'] );
		$this->assertStringContainsString( 'page=twofa-settings', $http->location() );
		$http->get( $http->location() );
		$this->assertStringContainsString( 'A test email was sent to ' . $admin['email'], $http->last['body'] );
		$this->assertNotNull( $this->latest_mail( $admin['email'], $start ) );
		// Shown once.
		$http->get( self::PAGE );
		$this->assertStringNotContainsString( 'A test email was sent', $http->last['body'] );
	}

	public function test_send_test_email_failure_is_shown_plainly(): void {
		$admin = $this->make_user( 'administrator' );
		$http  = $this->login( $admin );
		$http->get( self::PAGE );
		$fields = $this->form_fields( $http, 'admin-post.php' );
		$sock   = stream_socket_server( 'tcp://127.0.0.1:0' );
		$port   = (int) substr( strrchr( stream_socket_get_name( $sock, false ), ':' ), 1 );
		fclose( $sock );
		Twofa_Settings::update( array( 'sidecar_url' => 'http://127.0.0.1:' . $port ) );
		$http->post( '/wp-admin/admin-post.php', $fields );
		$this->assertSame( 302, $http->last['status'] );
		$http->get( $http->location() );
		$this->assertStringContainsString( 'The test email was not sent: The email service is not reachable right now.', html_entity_decode( $http->last['body'], ENT_QUOTES ) );
		$this->assertMatchesRegularExpression( '/Sidecar<\/th><td><span class="dashicons dashicons-warning"/', $http->last['body'] );
	}
}
