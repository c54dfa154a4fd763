<?php
/**
 * "Remember this device" at the served wp-login.php: off by default, the cookie and what the
 * database keeps, the challenge skipped (never the password), the token bound to its user,
 * forged, expired and revoked tokens, Forget one of two devices, and every device forgotten on a
 * password change, a 2FA reset and a method removal.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class RememberedDeviceTest extends Login_TestCase {

	const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

	protected function setUp(): void {
		parent::setUp();
		$this->settings(
			array(
				'remember_devices' => true,
				'remember_days'    => 7,
			)
		);
	}

	/**
	 * A complete login that ticks "Remember this device"; returns the client (its jar holds the device cookie).
	 *
	 * @param array  $user   From make_user().
	 * @param string $secret TOTP secret.
	 */
	private function remembered_login( array $user, string $secret ): Http_Client {
		// Each login of a test uses the current code: forget the step the previous one spent.
		wp_cache_delete( $user['id'], 'user_meta' );
		update_user_meta( $user['id'], Twofa_Provider_Totp::LAST_STEP, '-1' );
		$before = $this->sessions( $user['id'] );
		$client = new Http_Client();
		$client->request(
			'POST',
			'/wp-login.php',
			http_build_query(
				array(
					'log' => $user['login'],
					'pwd' => $user['password'],
				)
			),
			array(
				'Content-Type' => 'application/x-www-form-urlencoded',
				'User-Agent'   => self::FIREFOX_LINUX,
			)
		);
		$this->assertChallenge( $client, $user, $before );
		$this->assertStringContainsString( 'Remember this device for 7 days', $client->last['body'] );
		$client->request(
			'POST',
			'/wp-login.php?action=twofa_challenge',
			http_build_query(
				array(
					'twofa_user'            => (string) $client->field( 'twofa_user' ),
					'twofa_nonce'           => (string) $client->field( 'twofa_nonce' ),
					'twofa_method'          => 'totp',
					'twofa_do'              => 'verify',
					'twofa_code'            => $this->totp( $secret ),
					'twofa_remember_device' => '1',
				)
			),
			array(
				'Content-Type' => 'application/x-www-form-urlencoded',
				'User-Agent'   => self::FIREFOX_LINUX,
			)
		);
		$this->assertSame( 302, $client->last['status'], 'logged in: ' . $this->error_text( $client ) );
		$this->assertArrayHasKey( Twofa_Devices::cookie_name( $user['id'] ), $client->cookies, 'the device cookie is set' );
		return $client;
	}

	/**
	 * A fresh client carrying only the device cookie of $from (no session).
	 *
	 * @param Http_Client $from    Client holding the cookie.
	 * @param int         $user_id Whose cookie.
	 * @param string|null $as_name Cookie name to send it under (the same when null).
	 */
	private function with_device_cookie( Http_Client $from, int $user_id, ?string $as_name = null ): Http_Client {
		$client = new Http_Client();
		$client->cookies[ $as_name ?? Twofa_Devices::cookie_name( $user_id ) ] = $from->cookies[ Twofa_Devices::cookie_name( $user_id ) ];
		return $client;
	}

	/**
	 * The user's device rows straight from the database.
	 *
	 * @param int $user_id User ID.
	 * @return string[]
	 */
	private function device_rows( int $user_id ): array {
		global $wpdb;
		return $wpdb->get_col( $wpdb->prepare( "SELECT meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s", $user_id, Twofa_Devices::META ) );
	}

	public function test_off_by_default_no_checkbox_and_a_forged_tick_remembers_nothing(): void {
		update_option( Twofa_Settings::OPTION, array() );
		$this->assertFalse( Twofa_Settings::get( 'remember_devices' ) );
		$this->assertSame( 30, Twofa_Settings::get( 'remember_days' ) );
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertStringNotContainsString( 'Remember this device', $client->last['body'] );
		$this->second_step(
			$client,
			array(
				'twofa_user'            => (string) $client->field( 'twofa_user' ),
				'twofa_nonce'           => (string) $client->field( 'twofa_nonce' ),
				'twofa_method'          => 'totp',
				'twofa_do'              => 'verify',
				'twofa_code'            => $this->totp( $secret ),
				'twofa_remember_device' => '1',
			)
		);
		$this->assertLoggedIn( $client, $user );
		$this->assertArrayNotHasKey( Twofa_Devices::cookie_name( $user['id'] ), $client->cookies );
		$this->assertSame( array(), $this->device_rows( $user['id'] ) );
	}

	public function test_settings_refuse_days_outside_one_to_ninety(): void {
		foreach ( array( 0, 91, '-1', 'x' ) as $bad ) {
			$this->assertTrue( is_wp_error( Twofa_Settings::update( array( 'remember_days' => $bad ) ) ), "remember_days $bad refused" );
		}
		$this->assertTrue( is_wp_error( Twofa_Settings::update( array( 'remember_devices' => 'maybe' ) ) ) );
		$this->assertTrue( Twofa_Settings::update( array( 'remember_days' => 90 ) ) );
		$this->assertTrue( Twofa_Settings::update( array( 'remember_days' => '1' ) ) );
	}

	public function test_remembering_sets_a_safe_cookie_and_stores_only_a_keyed_hash(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = $this->remembered_login( $user, $secret );
		$set    = '';
		foreach ( $client->last['headers']['set-cookie'] ?? array() as $header ) {
			if ( 0 === strpos( $header, Twofa_Devices::cookie_name( $user['id'] ) . '=' ) ) {
				$set = $header;
			}
		}
		$this->assertNotSame( '', $set );
		$this->assertMatchesRegularExpression( '/;\s*HttpOnly/i', $set );
		$this->assertMatchesRegularExpression( '/;\s*SameSite=Lax/i', $set );
		$this->assertDoesNotMatchRegularExpression( '/;\s*Secure/i', $set, 'plain HTTP: no Secure flag (it would never come back)' );
		$this->assertMatchesRegularExpression( '/;\s*expires=/i', $set );

		$value = $client->cookies[ Twofa_Devices::cookie_name( $user['id'] ) ];
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{16}\.[0-9a-f]{64}$/', $value );
		list( $id, $token ) = explode( '.', $value );
		$rows               = $this->device_rows( $user['id'] );
		$this->assertCount( 1, $rows );
		$this->assertStringNotContainsString( $token, $rows[0], 'the token is not stored' );
		$record = json_decode( $rows[0], true );
		$this->assertSame( $id, $record['id'] );
		$this->assertTrue( twofa_verify_code( $record['hash'], $token, 'device:' . $user['id'] ), 'a keyed hash of the token' );
		$this->assertSame( 'Firefox on Linux', $record['label'] );
		$this->assertSame( '127.0.0.1', $record['ip'] );
		$this->assertEqualsWithDelta( time() + 7 * DAY_IN_SECONDS, $record['expires'], 60 );
		$this->assertEqualsWithDelta( time(), $record['created'], 60 );
	}

	public function test_a_remembered_device_skips_the_challenge_but_never_the_password(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$first  = $this->remembered_login( $user, $secret );
		global $wpdb;
		// Make last_used old, to see the login refresh it.
		$raw    = $this->device_rows( $user['id'] )[0];
		$record = json_decode( $raw, true );
		$record['last_used'] = time() - 3600;
		$wpdb->update( $wpdb->usermeta, array( 'meta_value' => wp_json_encode( $record ) ), array( 'user_id' => $user['id'], 'meta_key' => Twofa_Devices::META ) );

		$wrong = $this->with_device_cookie( $first, $user['id'] );
		$this->password_step( $wrong, $user, array(), '', 'not-the-password' );
		$this->assertFalse( $wrong->has_login_cookie(), 'a wrong password is still refused' );
		$this->assertStringNotContainsString( 'twofa_code', $wrong->last['body'] );

		$again = $this->with_device_cookie( $first, $user['id'] );
		$this->password_step( $again, $user );
		$this->assertSame( 302, $again->last['status'] );
		$this->assertTrue( $again->has_login_cookie(), 'logged in with the password alone on this device' );
		$this->assertStringNotContainsString( 'twofa_challenge', $again->location() );
		$this->assertSame( 2, $this->sessions( $user['id'] ) );
		$again->get( '/wp-admin/' );
		$this->assertSame( 200, $again->last['status'] );
		$after = json_decode( $this->device_rows( $user['id'] )[0], true );
		$this->assertEqualsWithDelta( time(), $after['last_used'], 60, 'last used is refreshed' );
	}

	public function test_the_cookie_is_refused_for_another_user(): void {
		$alice        = $this->make_user( 'editor' );
		$alice_secret = $this->give_totp( $alice['id'] );
		$bob          = $this->make_user( 'editor' );
		$this->give_totp( $bob['id'] );
		$alices = $this->remembered_login( $alice, $alice_secret );

		// Alice's cookie under its own name and under Bob's: Bob still gets the challenge.
		foreach ( array( null, Twofa_Devices::cookie_name( $bob['id'] ) ) as $name ) {
			$client = $this->with_device_cookie( $alices, $alice['id'], $name );
			$this->password_step( $client, $bob );
			$this->assertChallenge( $client, $bob );
		}
		$this->assertSame( 0, $this->sessions( $bob['id'] ) );
	}

	public function test_forged_expired_and_revoked_tokens_do_nothing(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$first  = $this->remembered_login( $user, $secret );
		$name   = Twofa_Devices::cookie_name( $user['id'] );
		$value  = $first->cookies[ $name ];
		list( $id, $token ) = explode( '.', $value );

		$forgeries = array(
			$id . '.' . substr( $token, 0, -1 ) . ( '0' === substr( $token, -1 ) ? '1' : '0' ),
			$id . '.' . str_repeat( '0', 64 ),
			bin2hex( random_bytes( 8 ) ) . '.' . $token,
			$token,
			$value . 'ff',
			"' OR 1=1 --",
			'',
		);
		foreach ( $forgeries as $forged ) {
			$client                   = new Http_Client();
			$client->cookies[ $name ] = rawurlencode( $forged );
			$this->password_step( $client, $user );
			$this->assertChallenge( $client, $user, 1 );
		}

		// Expired: the normal challenge, and the stale row is gone.
		global $wpdb;
		$record            = json_decode( $this->device_rows( $user['id'] )[0], true );
		$record['expires'] = time() - 1;
		$wpdb->update( $wpdb->usermeta, array( 'meta_value' => wp_json_encode( $record ) ), array( 'user_id' => $user['id'], 'meta_key' => Twofa_Devices::META ) );
		$expired = $this->with_device_cookie( $first, $user['id'] );
		$this->password_step( $expired, $user );
		$this->assertChallenge( $expired, $user, 1 );
		$this->assertSame( array(), $this->device_rows( $user['id'] ), 'the expired device is deleted' );

		// Revoked: remembered again, then forgotten.
		$second = $this->remembered_login( $user, $secret );
		$this->assertCount( 1, $this->device_rows( $user['id'] ) );
		$this->assertTrue( Twofa_Devices::forget( $user['id'], explode( '.', $second->cookies[ $name ] )[0] ) );
		$revoked = $this->with_device_cookie( $second, $user['id'] );
		$this->password_step( $revoked, $user );
		$this->assertChallenge( $revoked, $user, 2 );
	}

	public function test_a_locked_account_gets_the_challenge_even_on_a_remembered_device(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$first  = $this->remembered_login( $user, $secret );
		update_user_meta( $user['id'], Twofa_User_State::LOCKED_UNTIL, (string) ( time() + 600 ) );
		$client = $this->with_device_cookie( $first, $user['id'] );
		$this->password_step( $client, $user );
		$this->assertChallenge( $client, $user, 1 );
	}

	public function test_password_change_forgets_every_device(): void {
		// WordPress mails "your password was changed" through sendmail, which the stack has not.
		add_filter( 'pre_wp_mail', '__return_true' );
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$first  = $this->remembered_login( $user, $secret );
		$this->remembered_login( $user, $secret );
		$this->assertCount( 2, $this->device_rows( $user['id'] ) );

		// Another profile change keeps them.
		wp_update_user(
			array(
				'ID'           => $user['id'],
				'display_name' => 'Renamed',
			)
		);
		$this->assertCount( 2, $this->device_rows( $user['id'] ) );

		wp_update_user(
			array(
				'ID'        => $user['id'],
				'user_pass' => 'new-' . $user['password'],
			)
		);
		$this->assertSame( array(), $this->device_rows( $user['id'] ), 'a new password forgets every device' );
		$user['password'] = 'new-' . $user['password'];
		$client           = $this->with_device_cookie( $first, $user['id'] );
		$this->password_step( $client, $user );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertStringContainsString( 'id="twofa_code"', $client->last['body'], 'the challenge again' );
		$this->assertFalse( $client->has_login_cookie() );

		// A reset by email link too.
		$this->remembered_login( $user, $secret );
		$this->assertCount( 1, $this->device_rows( $user['id'] ) );
		reset_password( get_userdata( $user['id'] ), 'third-' . $user['password'] );
		$this->assertSame( array(), $this->device_rows( $user['id'] ) );
		remove_filter( 'pre_wp_mail', '__return_true' );
	}

	public function test_a_2fa_reset_and_a_method_removal_forget_every_device(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$this->remembered_login( $user, $secret );
		$this->assertCount( 1, $this->device_rows( $user['id'] ) );
		Twofa_Method_Removal::remove( $user['id'], 'email', Twofa_Method_Removal::BY_ADMIN );
		$this->assertSame( array(), $this->device_rows( $user['id'] ), 'a method removal forgets every device' );

		$this->remembered_login( $user, $secret );
		$this->assertCount( 1, $this->device_rows( $user['id'] ) );
		Twofa_Reset::reset_user( $user['id'] );
		$this->assertSame( array(), $this->device_rows( $user['id'] ), 'a reset forgets every device' );
	}
}
