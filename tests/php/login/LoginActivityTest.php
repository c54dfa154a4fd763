<?php
/**
 * The activity log from the login step, over HTTP: a passed login, each refused code,
 * the back-off, the lockout and first-login setup are each recorded exactly once; a log
 * that cannot be written never stops a login.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class LoginActivityTest extends Login_TestCase {

	const UA = 'twofa-activity-test/1.0 (login)';

	/**
	 * A client whose requests carry the test's user agent.
	 */
	private function browser(): Http_Client {
		return new Http_Client();
	}

	/**
	 * The password step with the test's user agent.
	 *
	 * @param Http_Client $client Client.
	 * @param array       $user   User.
	 */
	private function password( Http_Client $client, array $user ): void {
		$client->post(
			'/wp-login.php',
			array(
				'log' => $user['login'],
				'pwd' => $user['password'],
			),
			array( 'User-Agent' => self::UA )
		);
	}

	/**
	 * Submits a code with the test's user agent.
	 *
	 * @param Http_Client $client Client.
	 * @param string      $method Method.
	 * @param string      $code   Code.
	 */
	private function code( Http_Client $client, string $method, string $code ): void {
		$client->post(
			'/wp-login.php?action=twofa_challenge',
			array(
				'twofa_user'   => (string) $client->field( 'twofa_user' ),
				'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
				'twofa_method' => $method,
				'twofa_do'     => 'verify',
				'twofa_code'   => $code,
			),
			array( 'User-Agent' => self::UA )
		);
	}

	public function test_a_passed_login_is_one_event_with_method_address_and_browser(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = $this->browser();
		$this->password( $client, $user );
		$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::LOGIN_PASSED ), 'the password alone is not a passed login' );
		$code = $this->totp( $secret );
		$this->code( $client, 'totp', $code );
		$this->assertLoggedIn( $client, $user );

		$row = $this->assertOneEvent( $user['id'], Twofa_Events::LOGIN_PASSED, 'totp' );
		$this->assertSame( (string) $user['id'], $row['actor_id'] );
		$this->assertSame( 'web', $row['via'] );
		$this->assertSame( '127.0.0.1', $row['ip'] );
		$this->assertSame( self::UA, $row['user_agent'] );
		$this->assertSame( array( Twofa_Events::METHOD_CONFIGURED, Twofa_Events::LOGIN_PASSED ), $this->event_names( $user['id'] ) );
		$this->assertStringNotContainsString( $code, implode( '|', $row ) );
	}

	public function test_refused_codes_backoff_and_lockout_are_each_recorded_once(): void {
		global $wpdb;
		$this->settings(
			array(
				'backoff_after'   => 2,
				'lockout_after'   => 4,
				'lockout_minutes' => 5,
			)
		);
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$client = $this->browser();
		$this->password( $client, $user );
		$wrong = array();
		for ( $i = 1; $i <= 4; $i++ ) {
			// Past the back-off each time, so every code is checked.
			update_user_meta( $user['id'], Twofa_User_State::LAST_FAILURE, (string) ( time() - 3600 ) );
			$wrong[] = $this->wrong_totp( $secret );
			$this->code( $client, 1 === $i ? 'email' : 'totp', end( $wrong ) );
		}
		$this->assertSame( '4', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );

		$refused = $this->events_of( $user['id'], Twofa_Events::CODE_REFUSED );
		$this->assertCount( 4, $refused, 'one event per refused code' );
		$this->assertSame( array( 'email', 'totp', 'totp', 'totp' ), array_column( $refused, 'method' ) );
		$this->assertSame( 'reason=twofa_totp_wrong failures=4', $refused[3]['details'] );
		$this->assertSame( self::UA, $refused[0]['user_agent'] );
		$backoff = $this->assertOneEvent( $user['id'], Twofa_Events::BACKOFF );
		$this->assertSame( 'failures=2', $backoff['details'] );
		$lock = $this->assertOneEvent( $user['id'], Twofa_Events::LOCKOUT );
		$this->assertSame( 'failures=4 minutes=5', $lock['details'] );

		// While locked, a code is not checked: nothing more is recorded.
		$this->code( $client, 'totp', $this->totp( $secret ) );
		$this->assertCount( 4, $this->events_of( $user['id'], Twofa_Events::CODE_REFUSED ) );
		$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::LOGIN_PASSED ) );

		// A wrong code after the lock expired locks again: one more refusal and one more lockout.
		$wpdb->update( $wpdb->usermeta, array( 'meta_value' => (string) ( time() - 1 ) ), array( 'user_id' => $user['id'], 'meta_key' => Twofa_User_State::LOCKED_UNTIL ) );
		update_user_meta( $user['id'], Twofa_User_State::LAST_FAILURE, (string) ( time() - 3600 ) );
		$wrong[] = $this->wrong_totp( $secret );
		$this->code( $client, 'totp', end( $wrong ) );
		$this->assertCount( 5, $this->events_of( $user['id'], Twofa_Events::CODE_REFUSED ) );
		$this->assertCount( 2, $this->events_of( $user['id'], Twofa_Events::LOCKOUT ) );
		$this->assertCount( 1, $this->events_of( $user['id'], Twofa_Events::BACKOFF ), 'the back-off started once' );

		foreach ( $this->events_of( $user['id'] ) as $row ) {
			foreach ( $wrong as $code ) {
				$this->assertStringNotContainsString( $code, implode( '|', $row ), 'no typed code in a row' );
			}
		}
	}

	public function test_first_login_setup_records_the_method_and_the_login(): void {
		$this->settings( array( 'required_roles' => array( 'author' ) ) );
		$user   = $this->make_user( 'author' );
		$client = $this->browser();
		$this->password( $client, $user );
		$client->post(
			'/wp-login.php?action=twofa_challenge',
			array(
				'twofa_user'   => (string) $client->field( 'twofa_user' ),
				'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
				'twofa_method' => 'totp',
				'twofa_do'     => 'choose',
			)
		);
		$this->assertSame( 1, preg_match( '#<code class="twofa-key">(.*?)</code>#s', $client->last['body'], $m ) );
		$secret = str_replace( ' ', '', wp_strip_all_tags( $m[1] ) );
		$this->code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );

		$this->assertSame( array( Twofa_Events::METHOD_CONFIGURED, Twofa_Events::LOGIN_PASSED ), $this->event_names( $user['id'] ) );
		$row = $this->assertOneEvent( $user['id'], Twofa_Events::METHOD_CONFIGURED, 'totp' );
		$this->assertSame( (string) $user['id'], $row['actor_id'], 'set up by the user' );
		$this->assertStringNotContainsString( $secret, implode( '|', $row ) );
	}

	public function test_a_log_that_cannot_be_written_never_stops_a_login(): void {
		global $wpdb;
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$table  = Twofa_Events::table();
		$moved  = $table . '_away';
		$log    = (string) getenv( 'TWOFA_WP_DEBUG_LOG' );
		$size   = is_file( $log ) ? filesize( $log ) : 0;
		delete_transient( Twofa_Events::ERROR_TRANSIENT );
		$wpdb->query( "RENAME TABLE {$table} TO {$moved}" );
		try {
			$client = $this->browser();
			$this->password( $client, $user );
			$this->code( $client, 'totp', $this->wrong_totp( $secret ) );
			$this->assertStringContainsString( 'not right', $this->error_text( $client ), 'a refused code is still refused' );
			$this->code( $client, 'totp', $this->totp( $secret ) );
			$this->assertLoggedIn( $client, $user );
			$this->assertStringNotContainsString( 'database error', strtolower( $client->last['body'] ) );
		} finally {
			$wpdb->query( "RENAME TABLE {$moved} TO {$table}" );
		}
		$this->assertSame( array( Twofa_Events::METHOD_CONFIGURED ), $this->event_names( $user['id'] ), 'nothing was written meanwhile' );
		if ( '' !== $log && is_file( $log ) ) {
			clearstatcache();
			$new = (string) file_get_contents( $log, false, null, $size );
			$this->assertSame( 1, substr_count( $new, 'twofa: the activity log could not record an event' ), "one line in the site's error log for two failed writes:\n" . $new );
		}
		delete_transient( Twofa_Events::ERROR_TRANSIENT );
	}
}
