<?php
/**
 * The login's second step reads codes strictly, and first-login authenticator
 * setup works with any site title.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class StrictCodeLoginTest extends Login_TestCase {

	/**
	 * The site title before a test changed it.
	 *
	 * @var string|null
	 */
	private $saved_title = null;

	protected function tearDown(): void {
		if ( null !== $this->saved_title ) {
			update_option( 'blogname', $this->saved_title );
			$this->saved_title = null;
		}
		parent::tearDown();
	}

	public function test_the_challenge_accepts_only_digits_and_spaces(): void {
		$this->settings( array( 'backoff_after' => 20, 'lockout_after' => 50 ) );
		$user   = $this->make_user( 'subscriber' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertChallenge( $client, $user );
		$code = $this->totp( $secret );
		foreach ( array(
			'NUL after' => $code . "\0",
			'tab'       => "\t" . $code,
			'newline'   => $code . "\n",
			'CR LF'     => "\r\n" . $code . "\r\n",
			'dashes'    => implode( '-', str_split( $code ) ),
			'one dash'  => substr( $code, 0, 3 ) . '-' . substr( $code, 3 ),
		) as $what => $input ) {
			$this->submit_code( $client, 'totp', $input );
			$this->assertSame( 200, $client->last['status'], "refused: $what" );
			$this->assertFalse( $client->has_login_cookie(), "no login with $what" );
			$this->assertSame( 0, $this->sessions( $user['id'] ), "no session with $what" );
		}
		$this->submit_code( $client, 'totp', substr( $code, 0, 3 ) . ' ' . substr( $code, 3 ) );
		$this->assertLoggedIn( $client, $user );
	}

	public function test_first_login_setup_works_with_a_colon_in_the_site_title(): void {
		$this->saved_title = (string) get_option( 'blogname' );
		update_option( 'blogname', 'Acme: Blog' );
		$this->settings( array( 'required_roles' => array( 'author' ) ) );
		$user   = $this->make_user( 'author' );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertStringContainsString( 'Set up two-factor authentication', $client->last['body'] );
		$this->second_step(
			$client,
			array(
				'twofa_user'   => (string) $client->field( 'twofa_user' ),
				'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
				'twofa_method' => 'totp',
				'twofa_do'     => 'choose',
			)
		);
		$this->assertSame( 200, $client->last['status'], 'no HTTP 500' );
		$this->assertStringContainsString( '<svg', $client->last['body'], 'a QR code' );
		$this->assertSame( 1, preg_match( '#<code class="twofa-key">(.*?)</code>#s', $client->last['body'], $m ) );
		$secret = str_replace( ' ', '', wp_strip_all_tags( $m[1] ) );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
	}
}
