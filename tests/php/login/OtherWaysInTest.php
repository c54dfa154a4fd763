<?php
/**
 * Every other way in: XML-RPC and REST with the account password, application
 * passwords (allow and deny), the session-expired modal login, the password
 * reset flow, wp_signon() from another login form.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class OtherWaysInTest extends Login_TestCase {

	/**
	 * The wp_signon() fixture inside the test site.
	 *
	 * @var string
	 */
	private static $fixture = '';

	public static function setUpBeforeClass(): void {
		parent::setUpBeforeClass();
		self::$fixture = rtrim( (string) getenv( 'TWOFA_WP_DIR' ), '/' ) . '/twofa-test-signon.php';
		copy( __DIR__ . '/fixtures/twofa-test-signon.php', self::$fixture );
	}

	public static function tearDownAfterClass(): void {
		if ( '' !== self::$fixture ) {
			@unlink( self::$fixture );
		}
		parent::tearDownAfterClass();
	}

	public function test_xmlrpc_with_the_account_password_is_refused_for_2fa_users(): void {
		$plain = $this->make_user( 'editor' );
		$body  = $this->xmlrpc_users_blogs( (string) getenv( 'TWOFA_WP_URL' ), $plain['login'], $plain['password'] );
		$this->assertStringContainsString( 'blogName', $body, 'control: a user without 2FA gets the blog list' );

		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		$body = $this->xmlrpc_users_blogs( (string) getenv( 'TWOFA_WP_URL' ), $user['login'], $user['password'] );
		$this->assertStringContainsString( 'faultCode', $body );
		$this->assertStringNotContainsString( 'blogName', $body );
	}

	public function test_xmlrpc_password_is_refused_for_a_required_role_without_2fa(): void {
		$this->settings( array( 'required_roles' => array( 'author' ) ) );
		$user = $this->make_user( 'author' );
		$body = $this->xmlrpc_users_blogs( (string) getenv( 'TWOFA_WP_URL' ), $user['login'], $user['password'] );
		$this->assertStringContainsString( 'faultCode', $body );
	}

	public function test_rest_basic_auth_with_the_account_password_is_refused(): void {
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		$this->assertSame( 401, $this->rest_me_basic( $user['login'], $user['password'] ) );
		$this->assertSame( 0, $this->sessions( $user['id'] ) );
	}

	public function test_application_passwords_allowed(): void {
		$this->settings( array( 'app_passwords' => 'allow' ) );
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		list( $app_password ) = WP_Application_Passwords::create_new_application_password( $user['id'], array( 'name' => 'test client' ) );

		$this->assertSame( 200, $this->rest_me_basic( $user['login'], $app_password ), 'REST accepts the application password' );
		$body = $this->xmlrpc_users_blogs( (string) getenv( 'TWOFA_WP_URL' ), $user['login'], $app_password );
		$this->assertStringContainsString( 'blogName', $body, 'XML-RPC accepts the application password' );
		// The account password still is not enough.
		$this->assertSame( 401, $this->rest_me_basic( $user['login'], $user['password'] ) );
	}

	public function test_application_passwords_denied(): void {
		$this->settings( array( 'app_passwords' => 'deny' ) );
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		list( $app_password ) = WP_Application_Passwords::create_new_application_password( $user['id'], array( 'name' => 'test client' ) );

		$this->assertSame( 401, $this->rest_me_basic( $user['login'], $app_password ) );
		$body = $this->xmlrpc_users_blogs( (string) getenv( 'TWOFA_WP_URL' ), $user['login'], $app_password );
		$this->assertStringContainsString( 'faultCode', $body );

		// Deny is about accounts with 2FA: a user without it keeps using theirs.
		$plain = $this->make_user( 'editor' );
		list( $plain_app ) = WP_Application_Passwords::create_new_application_password( $plain['id'], array( 'name' => 'test client' ) );
		$this->assertSame( 200, $this->rest_me_basic( $plain['login'], $plain_app ) );
	}

	public function test_session_expired_modal_login_ends_in_the_challenge(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user, array( 'interim-login' => '1' ), 'interim-login=1' );
		$this->assertChallenge( $client, $user );
		$this->assertSame( '1', $client->field( 'interim-login' ), 'the modal flag is kept' );

		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertStringContainsString( 'interim-login-success', $client->last['body'], 'the modal closes itself' );
		$this->assertTrue( $client->has_login_cookie() );
		$this->assertSame( 1, $this->sessions( $user['id'] ) );
	}

	public function test_wp_signon_from_another_login_form_ends_in_the_challenge(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$client->post(
			'/twofa-test-signon.php',
			array(
				'log' => $user['login'],
				'pwd' => $user['password'],
			)
		);
		$this->assertSame( 302, $client->last['status'], 'redirected to the second step' );
		$this->assertStringNotContainsString( 'signon-ok', $client->last['body'] );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( 0, $this->sessions( $user['id'] ) );
		$location = $client->location();
		$this->assertStringContainsString( '/wp-login.php?action=twofa_challenge', $location );

		$client->get( $location );
		$this->assertChallenge( $client, $user );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
	}

	public function test_wp_signon_for_a_user_without_2fa_is_untouched(): void {
		$user   = $this->make_user( 'editor' );
		$client = new Http_Client();
		$client->post(
			'/twofa-test-signon.php',
			array(
				'log' => $user['login'],
				'pwd' => $user['password'],
			)
		);
		$this->assertStringContainsString( 'signon-ok', $client->last['body'] );
		$this->assertTrue( $client->has_login_cookie() );
	}

	public function test_password_reset_then_the_next_login_is_challenged(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$key    = get_password_reset_key( get_userdata( $user['id'] ) );
		$this->assertIsString( $key );
		$new    = wp_generate_password( 24, false );
		$client = new Http_Client();

		$client->get( '/wp-login.php?action=rp&key=' . rawurlencode( $key ) . '&login=' . rawurlencode( $user['login'] ) );
		$this->assertSame( 302, $client->last['status'] );
		$client->get( '/wp-login.php?action=rp' );
		$this->assertNotNull( $client->field( 'rp_key' ) );
		$client->post(
			'/wp-login.php?action=resetpass',
			array(
				'pass1'       => $new,
				'pass2'       => $new,
				'rp_key'      => (string) $client->field( 'rp_key' ),
				'wp-submit'   => 'Save Password',
			)
		);
		$this->assertStringContainsString( 'Your password has been reset', $client->last['body'] );
		$this->assertFalse( $client->has_login_cookie(), 'no login from the reset itself' );

		$this->password_step( $client, $user, array(), '', $new );
		$this->assertChallenge( $client, $user );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
	}
}
