<?php
/**
 * The light code step: the second step's POST is handled when the plugins are
 * loaded, before the theme and `init`; a passed code logs in from there, with
 * wp_login fired once, anything else goes on to wp-login.php, which shows the
 * form without handling the POST a second time.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class LightCodeStepTest extends Login_TestCase {

	/**
	 * The witness must-use plugin in the test site.
	 *
	 * @var string
	 */
	private static $witness = '';

	public static function setUpBeforeClass(): void {
		parent::setUpBeforeClass();
		self::$witness = rtrim( (string) getenv( 'TWOFA_WP_DIR' ), '/' ) . '/wp-content/mu-plugins/twofa-test-hook-witness.php';
		copy( __DIR__ . '/fixtures/twofa-test-hook-witness.php', self::$witness );
	}

	public static function tearDownAfterClass(): void {
		@unlink( self::$witness );
		parent::tearDownAfterClass();
	}

	/**
	 * What the witness saw in the last response.
	 *
	 * @param Http_Client $client Browser.
	 * @return array<string,int>
	 */
	private function hooks( Http_Client $client ): array {
		$line = $client->last['headers']['x-twofa-test-hooks'][0] ?? '';
		$this->assertNotSame( '', $line, 'the witness answered' );
		$seen = array();
		foreach ( explode( ';', $line ) as $pair ) {
			list( $hook, $count ) = explode( '=', $pair );
			$seen[ $hook ] = (int) $count;
		}
		return $seen;
	}

	/**
	 * A code POST with the witness header.
	 *
	 * @param Http_Client $client Browser.
	 * @param string      $code   Code.
	 */
	private function post_code( Http_Client $client, string $code ): void {
		$this->submit_code( $client, 'totp', $code, array( 'X-Twofa-Test-Witness' => '1' ) );
	}

	public function test_a_passed_code_logs_in_before_the_theme_and_init(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user, array( 'redirect_to' => admin_url( 'profile.php' ) ) );
		$this->assertChallenge( $client, $user );

		$this->post_code( $client, $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( admin_url( 'profile.php' ), $client->location(), 'redirect_to of the password step' );
		$seen = $this->hooks( $client );
		$this->assertSame( 1, $seen['plugins_loaded'] );
		$this->assertSame( 0, $seen['setup_theme'], 'no theme' );
		$this->assertSame( 0, $seen['init'], 'no init' );
		$this->assertSame( 0, $seen['login_init'], 'wp-login.php itself did not run' );
		$this->assertSame( 1, $seen['wp_login'], 'wp_login fired once' );
		$this->assertSame( 0, $seen['wp_login_failed'] );
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'one session' );
	}

	public function test_a_wrong_code_shows_the_form_and_counts_once(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );

		$this->post_code( $client, $this->wrong_totp( $secret ) );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertNotSame( '', $this->error_text( $client ), 'the error is shown' );
		$this->assertNotNull( $client->field( 'twofa_nonce' ), 'the challenge form again' );
		$this->assertFalse( $client->has_login_cookie() );
		$seen = $this->hooks( $client );
		$this->assertSame( 1, $seen['init'], 'the form is shown by the full wp-login.php' );
		$this->assertSame( 1, $seen['login_init'] );
		$this->assertSame( 1, $seen['wp_login_failed'], 'wp_login_failed fired once' );
		$this->assertSame( 0, $seen['wp_login'] );
		$this->assertSame( 1, Twofa_Lockout::failures( $user['id'] ), 'the POST was handled once' );

		// The form shown after the early handling still works.
		$this->post_code( $client, $this->totp( $secret ) );
		$this->assertLoggedIn( $client, $user );
	}

	public function test_the_steps_read_of_the_account_is_one_query_in_wordpress_order(): void {
		global $wpdb;
		$user = $this->make_user( 'editor' );
		$id   = $user['id'];
		// A key with several values, added out of alphabetical order and around another key.
		foreach ( array( 'm3', 'm1', 'm2' ) as $value ) {
			add_user_meta( $id, 'twofa_test_multi', $value );
		}
		add_user_meta( $id, 'twofa_test_single', 'x' );
		add_user_meta( $id, 'twofa_test_multi', 'm0' );
		clean_user_cache( $id );
		$wordpress = array( get_user_meta( $id ), get_userdata( $id )->data );
		clean_user_cache( $id );

		$before = $wpdb->num_queries;
		$step   = Twofa_User_State::in_one_read(
			$id,
			static function () use ( $id ): array {
				return array( get_user_meta( $id ), get_userdata( $id )->data );
			}
		);
		$this->assertSame( 1, $wpdb->num_queries - $before, 'the account and all of its meta in one query' );
		$this->assertSame( array( 'm3', 'm1', 'm2', 'm0' ), $step[0]['twofa_test_multi'], 'values in the order they were added' );
		$this->assertSame( $wordpress[0], $step[0], 'the meta as WordPress reads it, keys and values in its order' );
		$this->assertEquals( $wordpress[1], $step[1], 'the account row as WordPress reads it' );
	}
}
