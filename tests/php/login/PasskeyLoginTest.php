<?php
/**
 * The passkey step of a login, over HTTP against the served site (as http://localhost:PORT),
 * with the software authenticator: a real ES256 key and signatures, no fake verifier.
 */

require_once __DIR__ . '/class-login-testcase.php';
require_once dirname( __DIR__ ) . '/support/trait-passkey-helpers.php';

/**
 * Login with a passkey; "use another method"; a passkey as the primary method at first-login
 * setup; and every refusal the issue names: refused, counted, nothing changed.
 */
final class PasskeyLoginTest extends Login_TestCase {

	use Passkey_Helpers;

	/**
	 * A user with an authenticator app and then a passkey (the app stays primary).
	 *
	 * @param int $counter The authenticator's signature counter.
	 * @return array{0:array, 1:SoftAuthenticator, 2:string}
	 */
	private function passkey_user( int $counter = 0 ): array {
		$user   = $this->make_user();
		$secret = $this->give_totp( $user['id'] );
		$auth   = $this->give_passkey( $user['id'], $counter );
		return array( $user, $auth, $secret );
	}

	public function test_a_passkey_opens_the_challenge_and_logs_in(): void {
		list( $user, $auth ) = $this->passkey_user();
		$this->assertSame( 'totp', Twofa_User_State::primary( $user['id'] ), 'the app stays primary' );
		$before = $this->passkey_rows( $user['id'] )[0];

		$client = $this->localhost_client();
		$this->password_step( $client, $user );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertFalse( $client->has_login_cookie(), 'no session after the password' );
		$body = $client->last['body'];
		$this->assertStringContainsString( 'twofa-title">Passkeys<', $body, 'the passkey comes first (it resists phishing)' );
		$this->assertStringContainsString( '<noscript>', $body, 'without JavaScript the page says why' );
		$this->assertStringContainsString( 'Use another method', $body );
		$this->assertStringContainsString( '>Google Authenticator</button>', $body );
		$this->assertStringNotContainsString( 'tf1.', $body, 'the sealed state stays on the server' );

		$ceremony = $this->ceremony( $client );
		$this->post_passkey( $client, $ceremony['state_id'], $auth->assert( $ceremony['options'] ) );
		$this->assertLoggedIn( $client, $user );
		$after = $this->passkey_rows( $user['id'] )[0];
		$this->assertNotSame( $before['record'], $after['record'], 'the record was replaced after the login' );
		$this->assertGreaterThan( 0, (int) $after['last_used_at'], 'last used is set' );
		$this->assertOneEvent( $user['id'], Twofa_Events::LOGIN_PASSED, 'passkey' );
		$this->assertSame( 0, $this->ceremony_count( $user['id'] ), 'the state was used up' );
	}

	public function test_use_another_method(): void {
		list( $user, , $secret ) = $this->passkey_user();
		$client = $this->localhost_client();
		$this->password_step( $client, $user );
		$this->ceremony( $client );
		$this->second_step(
			$client,
			array(
				'twofa_user'   => (string) $user['id'],
				'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
				'twofa_method' => 'totp',
				'twofa_do'     => 'switch',
			)
		);
		$this->assertChallenge( $client, $user );
		$this->assertStringContainsString( '>Passkeys</button>', $client->last['body'], 'the passkey is offered as another method' );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
		$this->assertOneEvent( $user['id'], Twofa_Events::LOGIN_PASSED, 'totp' );
	}

	public function test_a_passkey_as_the_primary_method_at_first_login_setup(): void {
		$this->settings( array( 'required_roles' => array( 'editor' ) ) );
		$user   = $this->make_user( 'editor' );
		$client = $this->localhost_client();
		$this->password_step( $client, $user );
		$this->assertStringContainsString( '>Passkeys</button>', $client->last['body'], 'passkeys are offered at setup' );
		$this->second_step(
			$client,
			array(
				'twofa_user'   => (string) $user['id'],
				'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
				'twofa_method' => 'passkey',
				'twofa_do'     => 'choose',
			)
		);
		$ceremony = $this->ceremony( $client, 'create' );
		$this->post_passkey( $client, $ceremony['state_id'], $this->authenticator()->register( $ceremony['options'] ) );
		$this->assertLoggedIn( $client, $user );
		$this->assertCount( 1, Twofa_Passkeys::list_for_user( $user['id'] ) );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertSame( 'passkey', Twofa_User_State::primary( $user['id'] ) );
		$this->assertOneEvent( $user['id'], Twofa_Events::PASSKEY_ADDED, 'passkey' );
	}

	/**
	 * Posts a bad answer and checks: refused, counted once, the record unchanged, no session.
	 *
	 * @param Http_Client $client   Client on the passkey challenge.
	 * @param array       $user     The user.
	 * @param string      $state_id State id to post.
	 * @param string      $response Credential JSON to post.
	 * @param string      $what     What is wrong (for the messages).
	 */
	private function assertRefused( Http_Client $client, array $user, string $state_id, string $response, string $what ): void {
		$rows     = $this->passkey_rows( $user['id'] );
		$failures = (int) $this->meta( $user['id'], Twofa_User_State::FAILURES );
		$refused  = count( $this->events_of( $user['id'], Twofa_Events::CODE_REFUSED ) );
		$this->post_passkey( $client, $state_id, $response );
		$this->assertSame( 200, $client->last['status'], "$what: the challenge is shown again" );
		$this->assertNotSame( '', $this->error_text( $client ), "$what: an error is shown" );
		$this->assertStringNotContainsString( 'Exception', $client->last['body'], "$what: nothing internal leaks" );
		$this->assertFalse( $client->has_login_cookie(), "$what: no logged-in cookie" );
		$this->assertSame( 0, $this->sessions( $user['id'] ), "$what: no session" );
		$this->assertSame( $failures + 1, (int) $this->meta( $user['id'], Twofa_User_State::FAILURES ), "$what: counted in the shared failure counter" );
		$this->assertCount( $refused + 1, $this->events_of( $user['id'], Twofa_Events::CODE_REFUSED ), "$what: one code_refused event" );
		$this->assertSame( $rows, $this->passkey_rows( $user['id'] ), "$what: the stored passkeys are unchanged" );
	}

	public function test_bad_assertions_are_refused_counted_and_change_nothing(): void {
		$this->settings( array( 'backoff_after' => 50, 'lockout_after' => 60 ) );
		list( $user, $auth ) = $this->passkey_user( 10 );
		list( $other, $other_auth ) = $this->passkey_user();

		// A good login first, to have an assertion to replay (the counter is now 11).
		$client = $this->localhost_client();
		$this->password_step( $client, $user );
		$first     = $this->ceremony( $client );
		$used      = $auth->assert( $first['options'] );
		$this->post_passkey( $client, $first['state_id'], $used );
		$this->assertLoggedIn( $client, $user );
		WP_Session_Tokens::get_instance( $user['id'] )->destroy_all();
		delete_user_meta( $user['id'], Twofa_User_State::FAILURES );

		$client = $this->localhost_client();
		$this->password_step( $client, $user );

		// Replayed: the used assertion with its used state, then with a fresh state.
		$this->assertRefused( $client, $user, $first['state_id'], $used, 'a replayed assertion and state' );
		$now = $this->ceremony( $client );
		$this->assertRefused( $client, $user, $now['state_id'], $used, 'a replayed assertion' );

		// Another user's challenge: their state and an answer to it, posted in this login.
		$theirs = $this->localhost_client();
		$this->password_step( $theirs, $other );
		$their = $this->ceremony( $theirs );
		$this->assertRefused( $client, $user, $their['state_id'], $other_auth->assert( $their['options'] ), "another user's challenge" );
		$now = $this->ceremony( $client );
		$this->assertRefused( $client, $user, $now['state_id'], $other_auth->assert( $now['options'] ), "another user's passkey on this challenge" );

		$now = $this->ceremony( $client );
		$this->assertRefused( $client, $user, $now['state_id'], $auth->assert( $now['options'], array( 'origin' => 'http://evil.example' ) ), 'a wrong origin' );
		$now = $this->ceremony( $client );
		$this->assertRefused( $client, $user, $now['state_id'], $auth->assert( $now['options'], array( 'origin' => 'http://localhost:1' ) ), 'another port' );
		$now = $this->ceremony( $client );
		$this->assertRefused( $client, $user, $now['state_id'], $auth->assert( $now['options'], array( 'rp_id' => 'evil.example' ) ), 'a wrong relying party id' );
		$now = $this->ceremony( $client );
		$this->assertRefused( $client, $user, $now['state_id'], $auth->assert( $now['options'], array( 'tamper_signature' => true ) ), 'a tampered signature' );
		$now = $this->ceremony( $client );
		$this->assertRefused( $client, $user, $now['state_id'], $auth->assert( $now['options'], array( 'flags' => FLAG_UP ) ), 'no user verification' );

		// Reused: a state that a failed attempt used up, now with a good answer.
		$now = $this->ceremony( $client );
		$this->assertRefused( $client, $user, $now['state_id'], $auth->assert( $now['options'], array( 'challenge' => 'AAAA' ) ), 'a wrong challenge' );
		$this->assertRefused( $client, $user, $now['state_id'], $auth->assert( $now['options'] ), 'a reused ceremony state' );

		// Expired: a state begun more than five minutes ago (its row still says it is valid).
		$old = twofa_passkey_login_begin( $user['id'], Twofa_Passkeys::records_for_user( $user['id'] ), 'localhost', $this->localhost_base(), time() - 301 );
		$this->assertTrue( Twofa_Passkey_Ceremonies::store( $old['state_id'], $user['id'], Twofa_Passkey_Ceremonies::AUTHENTICATION, $old['state'], time() + 300 ) );
		$this->assertRefused( $client, $user, $old['state_id'], $auth->assert( $old['options'] ), 'an expired ceremony state' );

		// The counter went backwards (the authenticator was at 11; 5 is older).
		$now = $this->ceremony( $client );
		$this->assertRefused( $client, $user, $now['state_id'], $auth->assert( $now['options'], array( 'counter' => 5 ) ), 'a counter that went backwards' );
		$now = $this->ceremony( $client );
		$this->assertRefused( $client, $user, $now['state_id'], $auth->assert( $now['options'], array( 'counter' => 11 ) ), 'a counter that did not increase' );

		// After all that, the real passkey still works (and the failures are cleared).
		$now = $this->ceremony( $client );
		$this->post_passkey( $client, $now['state_id'], $auth->assert( $now['options'] ) );
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
	}

	public function test_two_logins_racing_with_one_record_pass_once(): void {
		list( $user, $auth ) = $this->passkey_user();
		$rows = $this->passkey_rows( $user['id'] );
		// Two ceremonies of two logins, answered; the first finish replaces the record.
		$a = $this->localhost_client();
		$this->password_step( $a, $user );
		$ca = $this->ceremony( $a );
		$this->post_passkey( $a, $ca['state_id'], $auth->assert( $ca['options'] ) );
		$this->assertLoggedIn( $a, $user );
		// The conditional UPDATE on the old record changes nothing now.
		$this->assertFalse( Twofa_Passkeys::replace_record( $user['id'], $rows[0]['credential_id'], $rows[0]['record'], 'tf1.x', time() ) );
		$this->assertNotSame( 'tf1.x', $this->passkey_rows( $user['id'] )[0]['record'] );
	}
}
