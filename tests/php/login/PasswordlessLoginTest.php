<?php
/**
 * "Log in with a passkey" over HTTP: the served wp-login.php as http://localhost:PORT (WebAuthn
 * refuses an IP address as relying party id; the stack's wp-config.php serves the same site
 * and database under that name), answered by the PHP software authenticator of the
 * extension's tests (a real P-256 key and real signatures: the extension verifies them).
 */

require_once dirname( __DIR__, 3 ) . '/ext/tests/setup/soft-authenticator.inc';
require_once __DIR__ . '/class-login-testcase.php';

final class PasswordlessLoginTest extends Login_TestCase {

	const ENDPOINT = '/wp-login.php?action=twofa_passwordless';

	/**
	 * Users given a passkey here, removed after each test (later suites count users by method).
	 *
	 * @var int[]
	 */
	private $passkey_users = array();

	protected function tearDown(): void {
		foreach ( $this->passkey_users as $id ) {
			Twofa_Passkeys::remove_all( $id );
			wp_delete_user( $id );
		}
		$this->passkey_users = array();
		parent::tearDown();
	}

	/**
	 * The site as the browser tests see it.
	 */
	private function origin(): string {
		return 'http://localhost:' . (int) wp_parse_url( (string) getenv( 'TWOFA_WP_URL' ), PHP_URL_PORT );
	}

	private function client(): Http_Client {
		return new Http_Client( $this->origin() );
	}

	/**
	 * Registers a passkey for the user the way Configure 2FA does (register begin/finish, then the table).
	 */
	private function give_passkey( int $user_id, string $name = 'Laptop' ): SoftAuthenticator {
		$this->passkey_users[] = $user_id;
		$auth  = new SoftAuthenticator( $this->origin() );
		$user  = get_userdata( $user_id );
		$begun = twofa_passkey_register_begin( $user_id, $user->user_login, $user->display_name, Twofa_Passkeys::user_handle( $user_id ), Twofa_Passkeys::records_for_user( $user_id ), 'localhost', $this->origin() );
		$done  = twofa_passkey_register_finish( $begun['state'], $auth->register( $begun['options'] ), $user_id );
		Twofa_Passkeys::set_user_handle( $user_id, $done['user_handle'] );
		$this->assertIsInt( Twofa_Passkeys::add( $user_id, $done['credential_id'], $done['record'], $name, time() ) );
		return $auth;
	}

	/**
	 * POSTs begin; returns the options JSON (asserting success).
	 */
	private function begin( Http_Client $client ): string {
		$client->post( self::ENDPOINT, array( 'twofa_do' => 'begin' ) );
		$this->assertSame( 200, $client->last['status'], 'begin answers: ' . $client->last['body'] );
		$json = json_decode( $client->last['body'], true );
		$this->assertIsString( $json['options'] ?? null );
		$this->assertArrayHasKey( Twofa_Passwordless::COOKIE, $client->cookies, 'the state id travels in a cookie' );
		return $json['options'];
	}

	private function finish( Http_Client $client, string $response, array $extra = array() ): array {
		return $client->post( self::ENDPOINT, array( 'twofa_do' => 'finish', 'twofa_response' => $response ) + $extra );
	}

	private function failures( int $user_id ): int {
		return (int) $this->meta( $user_id, Twofa_User_State::FAILURES );
	}

	private function records( int $user_id ): array {
		wp_cache_flush();
		return Twofa_Passkeys::records_for_user( $user_id );
	}

	public function test_off_by_default_no_button_and_every_request_refused(): void {
		$this->assertFalse( Twofa_Settings::defaults()['passwordless'] );
		$this->settings( array( 'passwordless' => false ) );
		$user   = $this->make_user( 'editor' );
		$auth   = $this->give_passkey( $user['id'] );
		$client = $this->client();

		$client->get( '/wp-login.php' );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertStringNotContainsString( 'Log in with a passkey', $client->last['body'] );
		$this->assertStringNotContainsString( 'twofa-passwordless', $client->last['body'] );

		$client->post( self::ENDPOINT, array( 'twofa_do' => 'begin' ) );
		$this->assertSame( 403, $client->last['status'] );
		$this->assertStringContainsString( 'turned off', (string) json_decode( $client->last['body'], true )['message'] );
		$this->assertArrayNotHasKey( Twofa_Passwordless::COOKIE, $client->cookies );

		// A state made while it was on does not help once it is off.
		$begun = twofa_passkey_passwordless_begin( 'localhost', $this->origin() );
		$this->assertTrue( Twofa_Passkey_Ceremonies::store( $begun['state_id'], 0, 'passwordless', $begun['state'], $begun['expires_at'] ) );
		$client->cookies[ Twofa_Passwordless::COOKIE ] = $begun['state_id'];
		$this->finish( $client, $auth->assert( $begun['options'] ) );
		$this->assertSame( 403, $client->last['status'] );
		$this->assertStringContainsString( 'turned off', $this->error_text( $client ) );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( 0, $this->sessions( $user['id'] ) );
		$this->assertSame( 0, $this->failures( $user['id'] ) );

		// Turned on: the button is there (hidden until the script finds WebAuthn).
		$this->settings( array( 'passwordless' => true ) );
		$client->get( '/wp-login.php' );
		$this->assertStringContainsString( 'Log in with a passkey', $client->last['body'] );
		$this->assertStringContainsString( 'twofa-passwordless.js', $client->last['body'] );
		$this->assertStringContainsString( 'twofa-webauthn.js', $client->last['body'] );
	}

	public function test_a_registered_passkey_logs_in_without_the_password(): void {
		$this->settings( array( 'passwordless' => true ) );
		$user   = $this->make_user( 'editor' );
		$auth   = $this->give_passkey( $user['id'] );
		$before = $this->records( $user['id'] );
		$client = $this->client();

		$options = $this->begin( $client );
		$pk      = json_decode( $options, true )['publicKey'];
		$this->assertSame( array(), $pk['allowCredentials'], 'a discoverable credential: nothing named' );
		$this->assertSame( 'required', $pk['userVerification'] );
		$this->assertSame( 'localhost', $pk['rpId'] );

		$to = $this->origin() . '/wp-admin/profile.php?from=passkey';
		$this->finish( $client, $auth->assert( $options ), array( 'redirect_to' => $to, 'rememberme' => 'forever' ) );
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( $to, $client->location(), 'redirect_to is honoured' );
		$this->assertArrayNotHasKey( Twofa_Passwordless::COOKIE, $client->cookies, 'the state cookie is gone' );
		$logged_in = preg_grep( '/^wordpress_logged_in_/', $client->last['headers']['set-cookie'] ?? array() );
		$this->assertNotEmpty( $logged_in );
		$this->assertMatchesRegularExpression( '/expires=/i', (string) reset( $logged_in ), 'remember me: a lasting cookie' );
		$this->assertSame( '1', (string) $this->meta( $user['id'], 'twofa_test_wp_login' ), 'wp_login fired once, to its end' );

		$row = $this->assertOneEvent( $user['id'], Twofa_Events::LOGIN_PASSED, 'passkey' );
		$this->assertSame( 'passwordless=yes', $row['details'] );
		$this->assertNotSame( $before, $this->records( $user['id'] ), 'the record was replaced' );
		$this->assertGreaterThan( 0, (int) Twofa_Passkeys::list_for_user( $user['id'] )[0]['last_used_at'] );

		// The session works: the dashboard opens.
		$client->get( '/wp-admin/profile.php' );
		$this->assertSame( 200, $client->last['status'] );

		// Without "remember me": a browser-session cookie.
		$second = $this->client();
		$this->finish( $second, $auth->assert( $this->begin( $second ) ) );
		$this->assertSame( 302, $second->last['status'], $this->error_text( $second ) );
		$this->assertSame( $this->origin() . '/wp-admin/', $second->location(), 'the dashboard by default' );
		$logged_in = preg_grep( '/^wordpress_logged_in_/', $second->last['headers']['set-cookie'] ?? array() );
		$this->assertDoesNotMatchRegularExpression( '/expires=/i', (string) reset( $logged_in ) );
	}

	public function test_a_used_state_and_a_finish_without_the_cookie_are_refused(): void {
		$this->settings( array( 'passwordless' => true ) );
		$user   = $this->make_user( 'author' );
		$auth   = $this->give_passkey( $user['id'] );
		$client = $this->client();

		$options  = $this->begin( $client );
		$state_id = $client->cookies[ Twofa_Passwordless::COOKIE ];
		$response = $auth->assert( $options );
		$this->finish( $client, $response );
		$this->assertLoggedIn( $client, $user );
		$after = $this->records( $user['id'] );

		// The same assertion and state again (a replay from another browser).
		$replay                                        = $this->client();
		$replay->cookies[ Twofa_Passwordless::COOKIE ] = $state_id;
		$this->finish( $replay, $response );
		$this->assertSame( 403, $replay->last['status'] );
		$this->assertStringContainsString( 'expired or was already used', $this->error_text( $replay ) );
		$this->assertFalse( $replay->has_login_cookie() );
		$this->assertSame( 1, $this->failures( $user['id'] ), 'a replay counts' );
		$this->assertSame( $after, $this->records( $user['id'] ), 'nothing changed' );

		// A fresh state but no cookie (a form posted from another site): no state, refused.
		$csrf = $this->client();
		$this->begin( $csrf );
		unset( $csrf->cookies[ Twofa_Passwordless::COOKIE ] );
		$this->finish( $csrf, $auth->assert( $options ) );
		$this->assertSame( 403, $csrf->last['status'] );
		$this->assertFalse( $csrf->has_login_cookie() );
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'only the first login made a session' );

		// GET does nothing.
		$csrf->get( self::ENDPOINT . '&twofa_do=begin' );
		$this->assertSame( 400, $csrf->last['status'] );
	}

	public function test_an_expired_state_is_refused_and_counted(): void {
		$this->settings( array( 'passwordless' => true ) );
		$user   = $this->make_user( 'editor' );
		$auth   = $this->give_passkey( $user['id'] );
		$before = $this->records( $user['id'] );
		$begun  = twofa_passkey_passwordless_begin( 'localhost', $this->origin(), time() - 301 );
		$this->assertTrue( Twofa_Passkey_Ceremonies::store( $begun['state_id'], 0, 'passwordless', $begun['state'], $begun['expires_at'] ) );
		$client                                        = $this->client();
		$client->cookies[ Twofa_Passwordless::COOKIE ] = $begun['state_id'];
		$this->finish( $client, $auth->assert( $begun['options'] ) );
		$this->assertSame( 403, $client->last['status'] );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( 1, $this->failures( $user['id'] ) );
		$this->assertSame( $before, $this->records( $user['id'] ) );
		$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::LOGIN_PASSED ) );
		$this->assertSame( 'passkey', $this->events_of( $user['id'], Twofa_Events::CODE_REFUSED )[0]['method'] );
	}

	public function test_an_unknown_passkey_gets_the_generic_error_and_counts_nowhere(): void {
		$this->settings( array( 'passwordless' => true ) );
		$user     = $this->make_user( 'editor' );
		$auth     = $this->give_passkey( $user['id'] );
		$stranger = new SoftAuthenticator( $this->origin() );
		// It claims the user's handle: only the credential id finds an account.
		$stranger->userHandle = $auth->userHandle;
		$client               = $this->client();
		$this->finish( $client, $stranger->assert( $this->begin( $client ) ) );
		$this->assertSame( 403, $client->last['status'] );
		$unknown = $this->error_text( $client );
		$this->assertSame( 0, $this->failures( $user['id'] ) );
		$this->assertFalse( $client->has_login_cookie() );

		// A wrong signature of a known passkey reads the same.
		$this->finish( $client, $auth->assert( $this->begin( $client ), array( 'tamper_signature' => true ) ) );
		$this->assertSame( $unknown, $this->error_text( $client ), 'one generic message' );
		$this->assertSame( 1, $this->failures( $user['id'] ) );

		// Malformed JSON: the same message, nothing counted.
		$this->begin( $client );
		$this->finish( $client, '{"id":' );
		$this->assertSame( 403, $client->last['status'] );
		$this->assertSame( $unknown, $this->error_text( $client ) );
		$this->assertSame( 1, $this->failures( $user['id'] ) );
	}

	public function test_a_wrong_origin_counts_towards_the_lockout(): void {
		$this->settings(
			array(
				'passwordless'  => true,
				'backoff_after' => 100,
				'lockout_after' => 3,
			)
		);
		$user   = $this->make_user( 'editor' );
		$auth   = $this->give_passkey( $user['id'] );
		$before = $this->records( $user['id'] );
		$client = $this->client();
		foreach ( array( array( 'origin' => 'http://localhost:1' ), array( 'origin' => 'http://evil.example' ), array( 'rp_id' => 'example.com' ) ) as $i => $knobs ) {
			$this->finish( $client, $auth->assert( $this->begin( $client ), $knobs ) );
			$this->assertSame( 403, $client->last['status'] );
			$this->assertFalse( $client->has_login_cookie() );
			$this->assertSame( $i + 1, $this->failures( $user['id'] ) );
		}
		$this->assertStringContainsString( 'locked', $this->error_text( $client ) );
		$this->assertSame( $before, $this->records( $user['id'] ), 'nothing changed' );

		// Locked: even the right passkey is refused, and nothing more is counted.
		$this->finish( $client, $auth->assert( $this->begin( $client ) ) );
		$this->assertSame( 403, $client->last['status'] );
		$this->assertStringContainsString( 'locked', $this->error_text( $client ) );
		$this->assertSame( 3, $this->failures( $user['id'] ) );
		$this->assertSame( 0, $this->sessions( $user['id'] ) );
	}
}
