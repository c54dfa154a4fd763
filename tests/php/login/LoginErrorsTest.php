<?php
/**
 * Enumeration at the password step (issue 18, item 7): one error for an unknown user and a
 * wrong password by default; WordPress's own errors when the site owner chooses them.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class LoginErrorsTest extends Login_TestCase {

	public function test_unknown_user_and_wrong_password_get_the_same_error(): void {
		$user = $this->make_user();
		$this->give_totp( $user['id'] );

		$a = new Http_Client();
		$this->password_step( $a, $user, array(), '', 'wrong-' . $user['password'] );
		$wrong = $this->error_text( $a );

		$b       = new Http_Client();
		$unknown = array( 'login' => 'nobody' . bin2hex( random_bytes( 6 ) ) ) + $user;
		$this->password_step( $b, $unknown );
		$nobody = $this->error_text( $b );

		$c = new Http_Client();
		$this->password_step( $c, array( 'login' => 'nobody' . bin2hex( random_bytes( 4 ) ) . '@example.test' ) + $user );
		$nobody_email = $this->error_text( $c );

		$d = new Http_Client();
		$this->password_step( $d, array( 'login' => $user['email'] ) + $user, array(), '', 'wrong' );
		$wrong_email = $this->error_text( $d );

		$this->assertNotSame( '', $wrong );
		$this->assertSame( $wrong, $nobody, 'unknown user and wrong password look the same' );
		$this->assertSame( $wrong, $nobody_email );
		$this->assertSame( $wrong, $wrong_email );
		$this->assertStringNotContainsString( $user['login'], $wrong, 'the error does not repeat the login' );
		$this->assertSame( 200, $a->last['status'] );
		$this->assertSame( 200, $b->last['status'] );
		$this->assertSame( 0, $this->sessions( $user['id'] ) );
	}

	public function test_wordpress_errors_when_chosen(): void {
		$this->settings( array( 'login_errors' => 'wordpress' ) );
		$user = $this->make_user();
		$a    = new Http_Client();
		$this->password_step( $a, $user, array(), '', 'wrong' );
		$b = new Http_Client();
		$this->password_step( $b, array( 'login' => 'nobody' . bin2hex( random_bytes( 6 ) ) ) + $user );
		$this->assertNotSame( $this->error_text( $a ), $this->error_text( $b ) );
	}

	public function test_an_unknown_user_spends_a_password_check(): void {
		$user   = $this->make_user();
		$nobody = array( 'login' => 'nobody' . bin2hex( random_bytes( 6 ) ) ) + $user;
		// Warm up (the dummy hash is made once), then compare medians.
		$this->password_step( new Http_Client(), $nobody );
		$known = array();
		$unk   = array();
		for ( $i = 0; $i < 5; $i++ ) {
			$t = microtime( true );
			$this->password_step( new Http_Client(), $user, array(), '', 'wrong' );
			$known[] = microtime( true ) - $t;
			$t       = microtime( true );
			$this->password_step( new Http_Client(), $nobody );
			$unk[] = microtime( true ) - $t;
		}
		sort( $known );
		sort( $unk );
		$this->assertNotFalse( get_option( 'twofa_dummy_hash', false ), 'a dummy hash was used for the unknown user' );
		$this->assertGreaterThan( 0.5 * $known[2], $unk[2], 'an unknown user is not answered markedly faster' );
	}
}
