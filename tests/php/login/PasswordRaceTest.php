<?php
/**
 * Concurrent password steps for one 2FA account (issue 17, item 4): the user keeps exactly
 * the sessions they had, and exactly one login nonce row is left.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class PasswordRaceTest extends Login_TestCase {

	public function test_parallel_password_steps_leave_no_session_and_one_nonce(): void {
		global $wpdb;
		$user = $this->make_user();
		$this->give_totp( $user['id'] );
		// A session the user already has (another browser).
		WP_Session_Tokens::get_instance( $user['id'] )->create( time() + HOUR_IN_SECONDS );
		$this->assertSame( 1, $this->sessions( $user['id'] ) );

		$url  = rtrim( (string) getenv( 'TWOFA_WP_URL' ), '/' ) . '/wp-login.php';
		// Three PHP servers on the one database, as a site with several web nodes.
		$other = array( $this->start_server() . '/wp-login.php', $this->start_server() . '/wp-login.php' );
		$urls  = array();
		for ( $i = 0; $i < 8; $i++ ) {
			$urls[] = 0 === $i % 3 ? $url : $other[ $i % 3 - 1 ];
		}
		$out  = $this->parallel_posts(
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
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'exactly the session the user had before' );
		$rows = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s", $user['id'], Twofa_User_State::LOGIN_NONCE ) );
		$this->assertSame( 1, $rows, 'exactly one login nonce row' );
	}
}
