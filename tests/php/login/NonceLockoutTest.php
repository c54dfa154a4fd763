<?php
/**
 * The login nonce (single use, expiry, bound to the user), failures, back-off,
 * lockout, and races: parallel submissions and two PHP servers on one database.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class NonceLockoutTest extends Login_TestCase {

	public function test_wrong_code_counts_and_issues_a_new_nonce(): void {
		$this->settings( array( 'backoff_after' => 5 ) );
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$first = (string) $client->field( 'twofa_nonce' );

		$this->submit_code( $client, 'totp', $this->wrong_totp( $secret ) );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertStringContainsString( 'That code is not right', $this->error_text( $client ) );
		$this->assertStringContainsString( 'role="alert"', $client->last['body'] );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
		$second = (string) $client->field( 'twofa_nonce' );
		$this->assertNotSame( $first, $second, 'a new nonce after a failure' );

		// The old nonce is gone; the new one works.
		$this->second_step(
			$client,
			array(
				'twofa_user'   => (string) $user['id'],
				'twofa_nonce'  => $first,
				'twofa_method' => 'totp',
				'twofa_do'     => 'verify',
				'twofa_code'   => $this->totp( $secret ),
			)
		);
		$this->assertSame( 403, $client->last['status'] );
		$this->assertStringContainsString( 'expired or is no longer valid', $this->error_text( $client ) );

		$this->second_step(
			$client,
			array(
				'twofa_user'   => (string) $user['id'],
				'twofa_nonce'  => $second,
				'twofa_method' => 'totp',
				'twofa_do'     => 'verify',
				'twofa_code'   => $this->totp( $secret ),
			)
		);
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ), 'success resets the count' );
	}

	public function test_a_used_nonce_does_not_pass_again(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$nonce = (string) $client->field( 'twofa_nonce' );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );

		$other = new Http_Client();
		$other->post(
			'/wp-login.php?action=twofa_challenge',
			array(
				'twofa_user'   => (string) $user['id'],
				'twofa_nonce'  => $nonce,
				'twofa_method' => 'totp',
				'twofa_do'     => 'verify',
				'twofa_code'   => $this->totp( $secret, 30 ),
			)
		);
		$this->assertSame( 403, $other->last['status'] );
		$this->assertFalse( $other->has_login_cookie() );
		$this->assertSame( 1, $this->sessions( $user['id'] ) );
	}

	public function test_an_expired_nonce_is_refused(): void {
		global $wpdb;
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$record            = json_decode( (string) $this->meta( $user['id'], Twofa_User_State::LOGIN_NONCE ), true );
		$this->assertSame( 64, strlen( $client->field( 'twofa_nonce' ) ) );
		$this->assertNotSame( $client->field( 'twofa_nonce' ), $record['hash'], 'only a hash is stored' );
		$this->assertStringNotContainsString( (string) $client->field( 'twofa_nonce' ), (string) $this->meta( $user['id'], Twofa_User_State::LOGIN_NONCE ) );
		$record['expires'] = time() - 1;
		$wpdb->update( $wpdb->usermeta, array( 'meta_value' => wp_json_encode( $record ) ), array( 'user_id' => $user['id'], 'meta_key' => Twofa_User_State::LOGIN_NONCE ) );

		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertSame( 403, $client->last['status'] );
		$this->assertStringContainsString( 'expired or is no longer valid', $this->error_text( $client ) );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ), 'the code was not even checked' );
	}

	public function test_a_nonce_of_another_user_is_refused(): void {
		$alice        = $this->make_user( 'editor' );
		$bob          = $this->make_user( 'editor' );
		$alice_secret = $this->give_totp( $alice['id'] );
		$bob_secret   = $this->give_totp( $bob['id'] );

		$alice_client = new Http_Client();
		$this->password_step( $alice_client, $alice );
		$alice_nonce = (string) $alice_client->field( 'twofa_nonce' );
		$bob_client  = new Http_Client();
		$this->password_step( $bob_client, $bob );

		// Alice's nonce presented for Bob, with Bob's valid code.
		$attacker = new Http_Client();
		$attacker->post(
			'/wp-login.php?action=twofa_challenge',
			array(
				'twofa_user'   => (string) $bob['id'],
				'twofa_nonce'  => $alice_nonce,
				'twofa_method' => 'totp',
				'twofa_do'     => 'verify',
				'twofa_code'   => $this->totp( $bob_secret ),
			)
		);
		$this->assertSame( 403, $attacker->last['status'] );
		$this->assertFalse( $attacker->has_login_cookie() );
		$this->assertSame( 0, $this->sessions( $bob['id'] ) );
		$this->assertSame( 0, $this->sessions( $alice['id'] ) );

		// Both real logins still complete.
		$this->submit_code( $bob_client, 'totp', $this->totp( $bob_secret ) );
		$this->assertLoggedIn( $bob_client, $bob );
		$this->submit_code( $alice_client, 'totp', $this->totp( $alice_secret ) );
		$this->assertLoggedIn( $alice_client, $alice );
	}

	public function test_garbage_in_the_form_is_refused_cleanly(): void {
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		$client = new Http_Client();
		foreach ( array(
			array( 'twofa_user' => 'abc', 'twofa_nonce' => str_repeat( 'a', 64 ) ),
			array( 'twofa_user' => (string) $user['id'], 'twofa_nonce' => '<script>alert(7)</script>', 'twofa_method' => '"><b>x' ),
			array( 'twofa_user' => array( '1' ), 'twofa_nonce' => array( 'x' ), 'twofa_code' => array( '1' ), 'twofa_do' => 'verify' ),
			array(),
		) as $fields ) {
			$client->post( '/wp-login.php?action=twofa_challenge', $fields );
			$this->assertSame( 403, $client->last['status'] );
			$this->assertStringNotContainsString( 'alert(7)', $client->last['body'] );
			$this->assertStringNotContainsString( '<b>x', $client->last['body'] );
			$this->assertStringNotContainsString( 'Fatal', $client->last['body'] );
		}
	}

	public function test_twenty_parallel_submissions_of_one_code_give_one_session(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$fields    = array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
			'twofa_method' => 'totp',
			'twofa_do'     => 'verify',
			'twofa_code'   => $this->totp( $secret ),
		);
		$url       = getenv( 'TWOFA_WP_URL' ) . '/wp-login.php?action=twofa_challenge';
		$responses = $this->parallel_posts( array_fill( 0, 20, $url ), $fields );
		$this->assertSame( 1, $this->count_logins( $responses ), 'exactly one response logs in' );
		$this->assertSame( 1, count( array_filter( $responses, static fn( $r ) => 302 === $r['status'] ) ) );
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'exactly one session token' );
	}

	public function test_two_servers_on_one_database_accept_a_code_once(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$second = $this->start_server();
		$code   = $this->totp( $secret );

		// Two logins in progress (one per server), the same code sent to both at once.
		$a = new Http_Client();
		$this->password_step( $a, $user );
		$b = new Http_Client( $second );
		$this->password_step( $b, $user );
		$this->assertChallenge( $b, $user );
		// The second password step replaced the first nonce: give each server its own request
		// of the newest login, plus the stale one, all at the same moment.
		$fields = array(
			'twofa_user'   => (string) $user['id'],
			'twofa_nonce'  => (string) $b->field( 'twofa_nonce' ),
			'twofa_method' => 'totp',
			'twofa_do'     => 'verify',
			'twofa_code'   => $code,
		);
		$urls   = array();
		for ( $i = 0; $i < 10; $i++ ) {
			$urls[] = getenv( 'TWOFA_WP_URL' ) . '/wp-login.php?action=twofa_challenge';
			$urls[] = $second . '/wp-login.php?action=twofa_challenge';
		}
		$responses = $this->parallel_posts( $urls, $fields );
		$this->assertSame( 1, $this->count_logins( $responses ), 'one login across both servers' );
		$this->assertSame( 1, $this->sessions( $user['id'] ) );
	}

	public function test_two_servers_refuse_a_replayed_code_with_separate_nonces(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$second = $this->start_server();
		$code   = $this->totp( $secret );

		$a = new Http_Client();
		$this->password_step( $a, $user );
		$a_nonce = (string) $a->field( 'twofa_nonce' );
		$this->submit_code( $a, 'totp', $code );
		$this->assertLoggedIn( $a, $user );

		// A second login on the other server with the code just used.
		$b = new Http_Client( $second );
		$this->password_step( $b, $user );
		$this->assertNotSame( $a_nonce, $b->field( 'twofa_nonce' ) );
		$this->submit_code( $b, 'totp', $code );
		$this->assertSame( 200, $b->last['status'] );
		$this->assertStringContainsString( 'already', strtolower( $this->error_text( $b ) ), 'the replay is named' );
		$this->assertFalse( $b->has_login_cookie() );
		$this->assertSame( 1, $this->sessions( $user['id'] ) );
	}

	public function test_back_off_refuses_to_check_the_next_code_too_soon(): void {
		$this->settings(
			array(
				'backoff_after' => 1,
				'lockout_after' => 10,
			)
		);
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->submit_code( $client, 'totp', $this->wrong_totp( $secret ) );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );

		// 2^(1-1) = 1 s of back-off: pretend the failure was just now.
		update_user_meta( $user['id'], Twofa_User_State::LAST_FAILURE, (string) ( time() + 5 ) );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertStringContainsString( 'the code was not checked', $this->error_text( $client ) );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ), 'a refused attempt is not counted' );
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ), 'the code was not used up' );

		// Once the back-off has passed, the same nonce and code pass.
		update_user_meta( $user['id'], Twofa_User_State::LAST_FAILURE, (string) ( time() - 10 ) );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
	}

	public function test_lockout_refuses_a_correct_code_until_it_expires(): void {
		global $wpdb;
		$this->settings(
			array(
				'backoff_after'   => 100,
				'lockout_after'   => 3,
				'lockout_minutes' => 7,
			)
		);
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$start  = time();
		$this->password_step( $client, $user );
		for ( $i = 1; $i <= 3; $i++ ) {
			$this->submit_code( $client, 'totp', $this->wrong_totp( $secret ) );
		}
		$this->assertSame( '3', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
		$until = (int) $this->meta( $user['id'], Twofa_User_State::LOCKED_UNTIL );
		$this->assertGreaterThanOrEqual( $start + 7 * 60, $until );
		$this->assertStringContainsString( 'locked', $this->error_text( $client ) );
		$this->assertStringContainsString( '7 minutes', $this->error_text( $client ) );

		// The correct code is refused while locked, and not used up.
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertStringContainsString( 'Even a correct code is refused', $this->error_text( $client ) );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ) );

		// A new password step does not lift it either.
		$fresh = new Http_Client();
		$this->password_step( $fresh, $user );
		$this->assertStringContainsString( 'locked', $this->error_text( $fresh ) );
		$this->submit_code( $fresh, 'totp', $this->totp( $secret ) );
		$this->assertFalse( $fresh->has_login_cookie() );

		// The user was told once.
		$this->assertNotNull( $this->latest_mail( $user['email'], $start - 1 ), 'a lockout notice was emailed' );

		$this->assertSame( 1, $this->mails_to( $user['email'] ), 'one lockout notice' );

		// Expiry (simulated in the database). A wrong code right after it locks again at once
		// (the count only resets on success), without another email.
		$past = (string) ( time() - 1 );
		$wpdb->update( $wpdb->usermeta, array( 'meta_value' => $past ), array( 'user_id' => $user['id'], 'meta_key' => Twofa_User_State::LOCKED_UNTIL ) );
		$this->submit_code( $fresh, 'totp', $this->wrong_totp( $secret ) );
		$this->assertStringContainsString( 'locked', $this->error_text( $fresh ) );
		$this->assertSame( '4', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
		$this->assertSame( 1, $this->mails_to( $user['email'] ), 'still one lockout notice' );

		// Expiry again: the correct code passes.
		$wpdb->update( $wpdb->usermeta, array( 'meta_value' => $past ), array( 'user_id' => $user['id'], 'meta_key' => Twofa_User_State::LOCKED_UNTIL ) );
		$this->submit_code( $fresh, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $fresh, $user );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_User_State::LOCKED_UNTIL ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
	}

	public function test_failures_count_across_methods_and_fire_wp_login_failed(): void {
		$this->settings( array( 'backoff_after' => 100 ) );
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$wp_user = get_userdata( $user['id'] );
		$seen    = array();
		$spy     = static function ( $login, $error ) use ( &$seen ) {
			$seen[] = array( $login, $error instanceof WP_Error ? $error->get_error_code() : null );
		};
		add_action( 'wp_login_failed', $spy, 10, 2 );
		Twofa_Lockout::record_failure( $wp_user, new WP_Error( 'twofa_totp_wrong', 'x' ) );
		Twofa_Lockout::record_failure( $wp_user, new WP_Error( 'twofa_email_wrong', 'y' ) );
		remove_action( 'wp_login_failed', $spy, 10 );
		$this->assertSame( array( array( $user['login'], 'twofa_totp_wrong' ), array( $user['login'], 'twofa_email_wrong' ) ), $seen );
		$this->assertSame( 2, Twofa_Lockout::failures( $user['id'] ) );

		// And over HTTP, an email attempt adds to the same counter.
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->submit_code( $client, 'email', '123456' );
		$this->assertSame( 3, Twofa_Lockout::failures( $user['id'] ) );
	}

	/**
	 * How many emails in the outbox are addressed to $email.
	 *
	 * @param string $email Recipient.
	 */
	private function mails_to( string $email ): int {
		$n = 0;
		foreach ( glob( getenv( 'TWOFA_OUTBOX' ) . '/*.eml' ) ?: array() as $file ) {
			if ( preg_match( '/^To:.*' . preg_quote( $email, '/' ) . '/mi', (string) file_get_contents( $file ) ) ) {
				++$n;
			}
		}
		return $n;
	}

	public function test_backoff_grows_and_is_capped(): void {
		$this->settings( array( 'backoff_after' => 3 ) );
		$this->assertSame( 0, Twofa_Lockout::backoff_for( 2 ) );
		$this->assertSame( 1, Twofa_Lockout::backoff_for( 3 ) );
		$this->assertSame( 2, Twofa_Lockout::backoff_for( 4 ) );
		$this->assertSame( 64, Twofa_Lockout::backoff_for( 9 ) );
		$this->assertSame( Twofa_Lockout::MAX_BACKOFF, Twofa_Lockout::backoff_for( 40 ) );
		$this->assertSame( Twofa_Lockout::MAX_BACKOFF, Twofa_Lockout::backoff_for( PHP_INT_MAX ) );
	}
}
