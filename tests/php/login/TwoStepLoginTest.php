<?php
/**
 * The two-step login through the served wp-login.php: happy paths, what survives
 * the second step, and what does not exist between the two steps.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class TwoStepLoginTest extends Login_TestCase {

	public function test_user_without_2fa_logs_in_with_the_password_alone(): void {
		$user   = $this->make_user( 'editor' );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertSame( 302, $client->last['status'] );
		$this->assertTrue( $client->has_login_cookie() );
		$this->assertStringNotContainsString( 'twofa_challenge', $client->location() );
	}

	public function test_authenticator_login_gives_a_session_only_after_the_code(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();

		$this->password_step( $client, $user );
		$this->assertChallenge( $client, $user );
		$this->assertStringContainsString( 'Google Authenticator', $client->last['body'] );

		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( admin_url(), $client->location(), 'an editor goes to the dashboard' );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_User_State::LOGIN_NONCE ), 'the nonce is used up' );
		$used = json_decode( (string) $this->meta( $user['id'], Twofa_User_State::LAST_USED ), true );
		$this->assertSame( 'totp', $used['method'] ?? null );

		$client->get( '/wp-admin/' );
		$this->assertSame( 200, $client->last['status'], 'the dashboard opens with the new session' );
	}

	public function test_a_returning_users_second_step_adds_its_session_to_the_one_sessions_row(): void {
		global $wpdb;
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		// A session from an earlier login, so the user's sessions have their row.
		$earlier = WP_Session_Tokens::get_instance( $user['id'] )->create( time() + HOUR_IN_SECONDS );

		// The step writes the sessions it read with one UPDATE (plain ASCII), then a user agent
		// WordPress's charset check must see (not ASCII) goes through WordPress's own write.
		$agents = array(
			2 => 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0',
			3 => "Mozilla/5.0 (Gr\u{fc}\u{df}e) Navigateur/\u{e9}t\u{e9}",
		);
		foreach ( $agents as $count => $agent ) {
			$client = new Http_Client();
			$this->password_step( $client, $user );
			$this->submit_code( $client, 'totp', $this->totp( $secret, 30 * ( $count - 2 ) ), array( 'User-Agent' => $agent ) );
			$this->assertSame( 302, $client->last['status'], "login $count: " . $this->error_text( $client ) );
			$this->assertTrue( $client->has_login_cookie() );
			$this->assertSame( $count, $this->sessions( $user['id'] ), "login $count adds one session and keeps the others" );
			$rows = $wpdb->get_col( $wpdb->prepare( "SELECT meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = 'session_tokens'", $user['id'] ) );
			$this->assertCount( 1, $rows, 'in one row' );
			$this->assertContains( $agent, array_column( (array) maybe_unserialize( $rows[0] ), 'ua' ), 'the session records its browser as sent' );
			$client->get( '/wp-admin/' );
			$this->assertSame( 200, $client->last['status'], "the session of login $count opens the dashboard" );
		}
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertTrue( WP_Session_Tokens::get_instance( $user['id'] )->verify( $earlier ), 'the earlier session is still there' );
	}

	public function test_visiting_the_login_page_with_a_complete_session_keeps_it(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );

		// This client sends the auth cookie to every path, so wp-login.php re-checks it.
		$client->get( '/wp-login.php' );
		$this->assertStringNotContainsString( 'twofa_code', $client->last['body'], 'no second step for a complete session' );
		$this->assertTrue( $client->has_login_cookie() );
		$client->get( '/wp-admin/' );
		$this->assertSame( 200, $client->last['status'] );

		// A forged cookie for the same user proves nothing: no session, no challenge bypass.
		$forged = new Http_Client();
		foreach ( $client->cookies as $name => $value ) {
			$forged->cookies[ $name ] = 0 === strpos( $name, 'wordpress_' ) && 'wordpress_test_cookie' !== $name ? substr( $value, 0, -4 ) . 'abcd' : $value;
		}
		$forged->get( '/wp-admin/' );
		$this->assertSame( 302, $forged->last['status'] );
	}

	public function test_nothing_is_logged_in_between_the_two_steps(): void {
		$user = $this->make_user( 'administrator' );
		$this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertChallenge( $client, $user );
		$this->assertSame( array(), array_filter( array_keys( $client->cookies ), static fn( $n ) => 0 === strpos( $n, 'wordpress_' ) && 'wordpress_test_cookie' !== $n ), 'no auth cookie of any kind' );

		$client->get( '/wp-admin/' );
		$this->assertSame( 302, $client->last['status'] );
		$this->assertStringContainsString( '/wp-login.php', $client->location(), '/wp-admin/ sends to the login' );

		$client->post( '/wp-admin/admin-ajax.php', array( 'action' => 'heartbeat', 'data' => array() ) );
		$this->assertStringNotContainsString( 'wp-auth-check":true', $client->last['body'] );
		$this->assertStringContainsString( '"wp-auth-check":false', $client->last['body'], 'heartbeat sees no logged-in user' );

		$client->get( '/?rest_route=/wp/v2/users/me' );
		$this->assertSame( 401, $client->last['status'], 'REST sees no user' );
	}

	public function test_email_login_and_switching_methods(): void {
		$this->requireSidecar();
		$user   = $this->make_user( 'author' );
		$secret = $this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$client = new Http_Client();

		$this->password_step( $client, $user );
		$this->assertChallenge( $client, $user );
		$this->assertStringContainsString( 'Use another method:', $client->last['body'] );
		$this->assertStringContainsString( 'OTP over Email', $client->last['body'] );

		// Switch to email: same nonce, the Send OTP button appears.
		$fields = array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
			'twofa_method' => 'email',
		);
		$this->second_step( $client, $fields + array( 'twofa_do' => 'switch' ) );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertStringContainsString( 'Send OTP', $client->last['body'] );
		$this->assertStringContainsString( 'Click Send OTP', $client->last['body'], 'the help names the button as it reads' );
		$this->assertStringContainsString( 'Google Authenticator', $client->last['body'], 'the way back to the authenticator is offered' );
		$this->assertStringNotContainsString( $user['email'], $client->last['body'], 'the address is masked' );

		$before = time();
		$this->second_step( $client, $fields + array( 'twofa_do' => 'send' ) );
		$this->assertSame( '', $this->error_text( $client ), 'sending works' );
		$this->assertStringContainsString( 'We emailed a 6-digit code', $client->last['body'] );
		$this->assertStringContainsString( 'Resend', $client->last['body'] );
		$this->assertStringContainsString( 'If it has not arrived, click Resend.', $client->last['body'], 'the help follows the button: Resend now' );
		$this->assertStringNotContainsString( 'Click Send OTP', $client->last['body'], 'no help naming a button that is not there' );
		$this->assertNotNull( $this->latest_mail( $user['email'], $before - 1 ) );
		$code = $this->mailed_code( $user['email'] );
		$this->assertStringNotContainsString( $code, $client->last['body'], 'the code is never on the page' );

		// Resend at once: refused by the cooldown, counter untouched.
		$this->second_step( $client, $fields + array( 'twofa_do' => 'send' ) );
		$this->assertStringContainsString( 'You can ask for another one', $this->error_text( $client ) );

		$this->submit_code( $client, 'email', $code );
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
		// The authenticator was not involved.
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ) );
		$this->assertNotSame( '', $secret );
	}

	public function test_sidecar_down_email_fails_plainly_and_the_authenticator_still_works(): void {
		// A loopback port with nothing listening.
		$sock = stream_socket_server( 'tcp://127.0.0.1:0' );
		$port = (int) substr( strrchr( stream_socket_get_name( $sock, false ), ':' ), 1 );
		fclose( $sock );
		$this->settings( array( 'sidecar_url' => 'http://127.0.0.1:' . $port ) );

		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$fields = array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
			'twofa_method' => 'email',
		);
		$this->second_step( $client, $fields + array( 'twofa_do' => 'send' ) );
		$this->assertStringContainsString( 'not reachable', $this->error_text( $client ) );
		$this->assertStringContainsString( 'use another method', $this->error_text( $client ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Email::CODE ), 'no code stored when nothing was sent' );

		$fields['twofa_method'] = 'totp';
		$this->second_step( $client, $fields + array( 'twofa_do' => 'switch' ) );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
	}

	public function test_a_resend_does_not_reset_the_failure_count(): void {
		$this->assertSame( '1', getenv( 'TWOFA_SIDECAR_RUNNING' ), 'the sidecar runs in this stack' );
		$this->settings( array( 'backoff_after' => 100 ) );
		$user = $this->make_user( 'editor' );
		$this->give_email( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertChallenge( $client, $user );
		$this->assertStringContainsString( 'Send OTP', $client->last['body'], 'email is the primary method here' );
		$fields = array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
			'twofa_method' => 'email',
		);
		$this->second_step( $client, $fields + array( 'twofa_do' => 'send' ) );
		$code  = $this->mailed_code( $user['email'] );
		$wrong = '123456' === $code ? '654321' : '123456';
		$this->submit_code( $client, 'email', $wrong );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );

		// Past the cooldown (moved back in the database), a resend: the count stays.
		$record            = json_decode( (string) $this->meta( $user['id'], Twofa_Provider_Email::CODE ), true );
		$record['sent_at'] = time() - 3600;
		update_user_meta( $user['id'], Twofa_Provider_Email::CODE, wp_slash( wp_json_encode( $record ) ) );
		$fields['twofa_nonce'] = (string) $client->field( 'twofa_nonce' );
		$before                = $this->outbox_files();
		$this->second_step( $client, $fields + array( 'twofa_do' => 'send' ) );
		$this->assertSame( '', $this->error_text( $client ) );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
		$this->submit_code( $client, 'email', $this->new_mailed_code( $user['email'], $before ) );
		$this->assertLoggedIn( $client, $user );
	}

	public function test_a_get_request_never_checks_a_code(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$query = http_build_query(
			array(
				'action'       => 'twofa_challenge',
				'twofa_user'   => $user['id'],
				'twofa_nonce'  => $client->field( 'twofa_nonce' ),
				'twofa_method' => 'totp',
				'twofa_do'     => 'verify',
				'twofa_code'   => $this->totp( $secret ),
			)
		);
		$client->get( '/wp-login.php?' . $query );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ), 'the code was not used' );
		$this->assertNotSame( '', (string) $this->meta( $user['id'], Twofa_User_State::LOGIN_NONCE ), 'the nonce was not used' );
	}

	public function test_remember_me_and_local_redirect_survive_the_second_step(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$target = admin_url( 'edit.php?post_type=page' );
		$this->password_step(
			$client,
			$user,
			array(
				'rememberme'  => 'forever',
				'redirect_to' => $target,
			)
		);
		$this->assertChallenge( $client, $user );
		$this->assertStringNotContainsString( 'redirect_to', $client->last['body'], 'the redirect is kept server-side' );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( $target, $client->location() );
		$logged_in = array_values( array_filter( $client->last['headers']['set-cookie'], static fn( $c ) => 0 === strpos( $c, 'wordpress_logged_in_' ) ) );
		$this->assertNotEmpty( $logged_in );
		$this->assertMatchesRegularExpression( '/expires=/i', $logged_in[0], 'remember me: a persistent cookie' );
	}

	public function test_without_remember_me_the_cookie_ends_with_the_browser(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
		$logged_in = array_values( array_filter( $client->last['headers']['set-cookie'], static fn( $c ) => 0 === strpos( $c, 'wordpress_logged_in_' ) ) );
		$this->assertDoesNotMatchRegularExpression( '/expires=/i', $logged_in[0] );
	}

	public function test_external_redirect_is_refused(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user, array( 'redirect_to' => 'https://evil.example/steal' ) );
		$this->assertChallenge( $client, $user );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
		$this->assertStringNotContainsString( 'evil.example', $client->location() );
		$this->assertSame( admin_url(), $client->location() );
	}

	public function test_subscriber_goes_to_the_profile(): void {
		$user   = $this->make_user( 'subscriber' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( admin_url( 'profile.php' ), $client->location() );
	}

	public function test_wrong_password_never_reaches_the_second_step(): void {
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user, array(), '', 'not-the-password' );
		$this->assertStringNotContainsString( 'twofa_code', $client->last['body'] );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_User_State::LOGIN_NONCE ) );
	}

	/**
	 * Skips email tests when the stack runs without the sidecar.
	 */
	private function requireSidecar(): void {
		if ( '1' !== getenv( 'TWOFA_SIDECAR_RUNNING' ) ) {
			$this->fail( 'the sidecar is not running in this stack (TWOFA_SIDECAR_RUNNING != 1)' );
		}
	}
}
