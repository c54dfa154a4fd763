<?php
/**
 * A site key file replaced by another valid key while the site runs (issue 17, items 1 and 2):
 * "cannot check" never counts as a wrong code, and another key is reported and fails closed.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class KeyChangeTest extends Login_TestCase {

	/**
	 * The original key file's bytes while a test has replaced it.
	 *
	 * @var string|null
	 */
	private $original_key = null;

	/**
	 * The key id recorded before the test.
	 *
	 * @var mixed
	 */
	private $saved_key_id;

	protected function setUp(): void {
		parent::setUp();
		$this->saved_key_id = get_option( Twofa_Environment::KEY_ID_OPTION, null );
		// The stack's key is the site's key: make sure its id is recorded.
		$this->assertNotSame( Twofa_Environment::KEY_OTHER, Twofa_Environment::key_identity() );
	}

	protected function tearDown(): void {
		if ( null !== $this->original_key ) {
			$this->write_key( $this->original_key );
			$this->original_key = null;
		}
		if ( null === $this->saved_key_id ) {
			delete_option( Twofa_Environment::KEY_ID_OPTION );
		} else {
			update_option( Twofa_Environment::KEY_ID_OPTION, $this->saved_key_id );
		}
		parent::tearDown();
	}

	/**
	 * Writes a key file in place of the stack's (a new file, renamed over the old one).
	 *
	 * @param string $bytes Key bytes.
	 */
	private function write_key( string $bytes ): void {
		$path = (string) getenv( 'TWOFA_KEY_FILE' );
		$tmp  = $path . '.tmp' . getmypid();
		$this->assertNotFalse( file_put_contents( $tmp, $bytes ) );
		chmod( $tmp, 0600 );
		$this->assertTrue( rename( $tmp, $path ) );
		clearstatcache();
	}

	/**
	 * Replaces the stack's key file with another valid key.
	 */
	private function replace_key(): void {
		$path               = (string) getenv( 'TWOFA_KEY_FILE' );
		$this->original_key = (string) file_get_contents( $path );
		$this->assertSame( 32, strlen( $this->original_key ), 'the stack key is 32 bytes' );
		$this->write_key( random_bytes( 32 ) );
	}

	public function test_a_secret_that_does_not_open_is_not_a_wrong_code(): void {
		$user   = $this->make_user();
		$secret = $this->give_totp( $user['id'] );
		$this->replace_key();
		// No key id recorded: the new key counts as first used, so only the sealed secret tells.
		delete_option( Twofa_Environment::KEY_ID_OPTION );

		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertChallenge( $client, $user );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertStringContainsString( 'misconfigured', $this->error_text( $client ) );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( 0, (int) $this->meta( $user['id'], Twofa_User_State::FAILURES ), 'no failure recorded (the attempt counted before the check is given back)' );
		// The same again: still nothing counted, never a back-off.
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertStringContainsString( 'misconfigured', $this->error_text( $client ) );
		$this->assertSame( 0, (int) $this->meta( $user['id'], Twofa_User_State::FAILURES ), 'still no failure recorded' );
	}

	public function test_reauth_that_cannot_check_counts_nothing(): void {
		$user   = $this->make_user();
		$secret = $this->give_totp( $user['id'] );
		$this->replace_key();
		delete_option( Twofa_Environment::KEY_ID_OPTION );
		$result = Twofa_Reauth::verify( $user['id'], '', $this->totp( $secret ) );
		$this->assertWPErrorCode( 'twofa_unavailable', $result );
		$this->assertStringContainsString( 'misconfigured', $result->get_error_message() );
		$this->assertSame( 0, Twofa_Lockout::failures( $user['id'] ), 'no failure recorded' );
	}

	public function test_another_key_is_reported_and_fails_closed(): void {
		$user   = $this->make_user();
		$secret = $this->give_totp( $user['id'] );
		$this->replace_key();

		$this->assertSame( Twofa_Environment::KEY_OTHER, Twofa_Environment::key_identity() );
		$this->assertNotNull( Twofa_Environment::problem(), 'the environment names the problem' );
		$checks = Twofa_Health::checks();
		$this->assertFalse( $checks['key']['ok'], 'Settings status and doctor show the key as a problem' );
		$this->assertStringContainsString( 'not the key', $checks['key']['detail'] );
		// The sidecar still has the old key: its signed request fails, and that is a problem too.
		$this->assertFalse( $checks['sidecar']['ok'], 'a sidecar with another key shows as a problem' );

		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertFalse( $client->has_login_cookie(), 'fails closed' );
		$this->assertStringNotContainsString( 'id="twofa_code"', $client->last['body'], 'no code is asked for' );
		$this->assertSame( 0, $this->sessions( $user['id'] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );

		// The admin notice says so.
		wp_set_current_user( 1 );
		$this->assertStringContainsString( 'not the key', Twofa_Admin_Notices::html() );
	}

	/**
	 * Asserts a WP_Error with the code.
	 *
	 * @param string $code   Error code.
	 * @param mixed  $actual Value.
	 */
	private function assertWPErrorCode( string $code, $actual ): void {
		$this->assertInstanceOf( WP_Error::class, $actual );
		$this->assertSame( $code, $actual->get_error_code() );
	}
}
