<?php
/**
 * Setup at first login for roles that must use 2FA, the grace period, and
 * failing closed when the extension's key is missing.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class SetupFailClosedTest extends Login_TestCase {

	public function test_required_role_sets_up_an_authenticator_before_any_session(): void {
		$this->settings( array( 'required_roles' => array( 'author' ) ) );
		$user   = $this->make_user( 'author' );
		$client = new Http_Client();
		$this->password_step( $client, $user, array( 'redirect_to' => admin_url( 'edit.php' ) ) );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertStringContainsString( 'Set up two-factor authentication', $client->last['body'] );
		$this->assertStringContainsString( 'Google Authenticator', $client->last['body'] );
		$this->assertStringContainsString( 'OTP over Email', $client->last['body'] );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( 0, $this->sessions( $user['id'] ) );

		$fields = array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
			'twofa_method' => 'totp',
			'twofa_do'     => 'choose',
		);
		$this->second_step( $client, $fields );
		$this->assertStringContainsString( '<svg', $client->last['body'], 'a QR code' );
		$this->assertMatchesRegularExpression( '#<svg[^>]*>.*<path[^>]* d="M#s', $client->last['body'], 'the QR code keeps its drawing after wp_kses' );
		$this->assertSame( 1, preg_match( '#<code class="twofa-key">(.*?)</code>#s', $client->last['body'], $m ), 'the key as text' );
		$this->assertMatchesRegularExpression( '/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/', html_entity_decode( wp_strip_all_tags( $m[1] ) ), 'the key in groups of four' );
		$secret = str_replace( ' ', '', wp_strip_all_tags( $m[1] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Totp::SECRET ), 'nothing active before the code verifies' );

		// A wrong code first: counted, the QR code stays.
		$this->submit_code( $client, 'totp', $this->wrong_totp( $secret ) );
		$this->assertStringContainsString( 'not right', $this->error_text( $client ) );
		$this->assertSame( 1, preg_match( '#<code class="twofa-key">(.*?)</code>#s', $client->last['body'], $m ), 'the key is shown again' );
		$this->assertSame( $secret, str_replace( ' ', '', wp_strip_all_tags( $m[1] ) ), 'the same pending key' );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );

		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
		// Backup codes are offered first (issue 11); the requested page comes after.
		parse_str( (string) wp_parse_url( $client->location(), PHP_URL_QUERY ), $query );
		$this->assertSame( 'offer', $query['step'] ?? '', 'backup codes are offered before continuing' );
		$this->assertSame( admin_url( 'edit.php' ), $query['continue'] ?? '' );
		$this->assertSame( 'totp', (string) $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );
		$this->assertNotSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Totp::SECRET ) );

		// From now on the login is a challenge.
		$next = new Http_Client();
		$this->password_step( $next, $user );
		$this->assertChallenge( $next, $user, 1 );
	}

	public function test_required_role_sets_up_email_at_first_login(): void {
		$this->assertSame( '1', getenv( 'TWOFA_SIDECAR_RUNNING' ), 'the sidecar runs in this stack' );
		$this->settings( array( 'required_roles' => array( 'author' ) ) );
		$user   = $this->make_user( 'author' );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$fields = array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
			'twofa_method' => 'email',
		);
		$this->second_step( $client, $fields + array( 'twofa_do' => 'choose' ) );
		$this->assertStringContainsString( 'Send OTP', $client->last['body'] );
		$this->second_step( $client, $fields + array( 'twofa_do' => 'send' ) );
		$this->assertSame( '', $this->error_text( $client ) );
		$code = $this->mailed_code( $user['email'] );

		$this->submit_code( $client, 'email', $code );
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );
		$this->assertSame( 'email', (string) $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );
	}

	public function test_only_enabled_methods_are_offered_at_setup(): void {
		$this->settings(
			array(
				'required_roles' => array( 'author' ),
				'methods'        => array( 'totp' ),
			)
		);
		$user   = $this->make_user( 'author' );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertStringContainsString( 'Google Authenticator', $client->last['body'] );
		$this->assertStringNotContainsString( 'OTP over Email', $client->last['body'] );
		// Asking for email anyway gets the choice again, nothing is sent.
		$this->second_step(
			$client,
			array(
				'twofa_user'   => (string) $client->field( 'twofa_user' ),
				'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
				'twofa_method' => 'email',
				'twofa_do'     => 'send',
			)
		);
		$this->assertStringNotContainsString( 'Send OTP', $client->last['body'] );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Email::CODE ) );
	}

	public function test_grace_period_lets_in_with_a_notice_until_it_runs_out(): void {
		$this->settings(
			array(
				'required_roles' => array( 'author' ),
				'grace_days'     => 3,
			)
		);
		$user   = $this->make_user( 'author' );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertSame( 302, $client->last['status'] );
		$this->assertTrue( $client->has_login_cookie(), 'logged in during the grace period' );
		$started = (int) $this->meta( $user['id'], Twofa_User_State::GRACE_STARTED );
		$this->assertGreaterThan( time() - 60, $started );

		$client->get( '/wp-admin/' );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertStringContainsString( 'Set up two-factor authentication within 3 days', $client->last['body'] );

		// A second login does not restart the period.
		update_user_meta( $user['id'], Twofa_User_State::GRACE_STARTED, (string) ( time() - 4 * DAY_IN_SECONDS ) );
		$late = new Http_Client();
		$this->password_step( $late, $user );
		$this->assertSame( 200, $late->last['status'] );
		$this->assertStringContainsString( 'Set up two-factor authentication', $late->last['body'] );
		$this->assertFalse( $late->has_login_cookie(), 'after the grace period: setup first' );
	}

	public function test_missing_key_fails_closed_for_2fa_users_only(): void {
		$broken = $this->start_server( '/nonexistent/twofa.key' );
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );

		$client = new Http_Client( $broken );
		$this->password_step( $client, $user );
		$this->assertStringContainsString( "This site's two-factor authentication is misconfigured. Please contact the site owner.", html_entity_decode( $client->last['body'], ENT_QUOTES ) );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( 0, $this->sessions( $user['id'] ) );
		$this->assertStringNotContainsString( '/nonexistent', $client->last['body'], 'no server paths on the login page' );

		// Application passwords are refused there too (allowed by the setting on a working server).
		$this->settings( array( 'app_passwords' => 'allow' ) );
		list( $app_password ) = WP_Application_Passwords::create_new_application_password( $user['id'], array( 'name' => 'test client' ) );
		$this->assertSame( 200, $this->rest_me_basic( $user['login'], $app_password ), 'control: the working server accepts it' );
		$this->assertSame( 401, $this->rest_me_basic( $user['login'], $app_password, $broken ) );
		$this->assertStringContainsString( 'faultCode', $this->xmlrpc_users_blogs( $broken, $user['login'], $app_password ) );

		// A second step begun on a working server cannot be finished on the broken one.
		$good = new Http_Client();
		$this->password_step( $good, $user );
		$this->assertChallenge( $good, $user );
		$broken_client          = new Http_Client( $broken );
		$broken_client->cookies = $good->cookies;
		$broken_client->post(
			'/wp-login.php?action=twofa_challenge',
			array(
				'twofa_user'   => (string) $good->field( 'twofa_user' ),
				'twofa_nonce'  => (string) $good->field( 'twofa_nonce' ),
				'twofa_method' => 'totp',
				'twofa_do'     => 'verify',
				'twofa_code'   => $this->totp( $secret ),
			)
		);
		$this->assertSame( 503, $broken_client->last['status'] );
		$this->assertFalse( $broken_client->has_login_cookie() );

		// A required-role user without 2FA is refused too; a user without 2FA is not.
		$this->settings( array( 'required_roles' => array( 'author' ) ) );
		$author = $this->make_user( 'author' );
		$c      = new Http_Client( $broken );
		$this->password_step( $c, $author );
		$this->assertFalse( $c->has_login_cookie() );
		$this->assertStringContainsString( 'misconfigured', $c->last['body'] );

		$plain = $this->make_user( 'editor' );
		$p     = new Http_Client( $broken );
		$this->password_step( $p, $plain );
		$this->assertTrue( $p->has_login_cookie(), 'control: users without 2FA are not affected' );
	}
}
