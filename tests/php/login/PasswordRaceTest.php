<?php
/**
 * Concurrent password steps for one 2FA account (issue 17, item 4): the user keeps exactly
 * the sessions they had, and exactly one login nonce row is left.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class PasswordRaceTest extends Login_TestCase {

	/**
	 * Rounds of parallel password steps: one round does not always hit the race on a
	 * loaded machine, a few in a row do.
	 */
	const ROUNDS = 6;

	public function test_parallel_password_steps_leave_no_session_and_one_nonce(): void {
		$user = $this->make_user();
		$this->give_totp( $user['id'] );
		// A session the user already has (another browser).
		WP_Session_Tokens::get_instance( $user['id'] )->create( time() + HOUR_IN_SECONDS );
		$before = $this->session_meta( $user['id'] );
		$this->assertCount( 1, $before );

		$url = rtrim( (string) getenv( 'TWOFA_WP_URL' ), '/' ) . '/wp-login.php';
		// Three PHP servers on the one database, as a site with several web nodes.
		$other = array( $this->start_server() . '/wp-login.php', $this->start_server() . '/wp-login.php' );
		$urls  = array();
		for ( $i = 0; $i < 8; $i++ ) {
			$urls[] = 0 === $i % 3 ? $url : $other[ $i % 3 - 1 ];
		}
		$wrong = array();
		for ( $round = 1; $round <= self::ROUNDS; $round++ ) {
			// No nonce row yet, as at a user's first password step: the rows are created by the race.
			Twofa_Login_Nonce::clear( $user['id'] );
			$out = $this->parallel_posts(
				$urls,
				array(
					'log' => $user['login'],
					'pwd' => $user['password'],
				)
			);
			foreach ( $out as $response ) {
				$this->assertSame( 200, $response['status'], 'each password step shows the challenge' );
			}
			$this->assertSame( 0, $this->count_logins( $out ), 'no logged-in cookie' );
			// The stored array itself, expired or not: no token was ever added, none was lost.
			$sessions = $this->session_meta( $user['id'] );
			if ( $sessions !== $before ) {
				$wrong[] = sprintf( 'round %d: %d session tokens instead of exactly the one the user had', $round, count( $sessions ) );
			}
			$rows = $this->nonce_rows( $user['id'] );
			if ( 1 !== $rows ) {
				$wrong[] = sprintf( 'round %d: %d login nonce rows instead of one', $round, $rows );
			}
		}
		$this->assertSame( array(), $wrong, 'after each round: the sessions the user had, one login nonce row' );
	}

	/**
	 * The user's stored session tokens (verifier => session), read fresh from the database.
	 *
	 * @param int $user_id User ID.
	 * @return array<string,mixed>
	 */
	private function session_meta( int $user_id ): array {
		global $wpdb;
		$raw = $wpdb->get_col( $wpdb->prepare( "SELECT meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = 'session_tokens'", $user_id ) );
		$this->assertLessThanOrEqual( 1, count( $raw ), 'one session_tokens row' );
		$value = $raw ? maybe_unserialize( $raw[0] ) : array();
		return is_array( $value ) ? $value : array();
	}

	/**
	 * Login nonce rows of the user.
	 *
	 * @param int $user_id User ID.
	 */
	private function nonce_rows( int $user_id ): int {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s", $user_id, Twofa_User_State::LOGIN_NONCE ) );
	}
}
