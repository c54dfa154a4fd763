<?php
/**
 * A state change the database refuses (a Galera certification conflict or a deadlock,
 * error 1213, produced here by a real trigger that SIGNALs SQLSTATE '40001' on one
 * user's row) refuses the attempt with "try again": HTTP 200, no PHP error, nothing
 * let through, nothing spent, nothing counted; the same code works once afterwards.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class DatabaseConflictTest extends Login_TestCase {

	/**
	 * Triggers made by the test.
	 *
	 * @var string[]
	 */
	private $triggers = array();

	/**
	 * Size of the site's error log before the test.
	 *
	 * @var int
	 */
	private $log_size = 0;

	protected function setUp(): void {
		parent::setUp();
		clearstatcache();
		$log            = (string) getenv( 'TWOFA_WP_DEBUG_LOG' );
		$this->log_size = '' !== $log && is_file( $log ) ? (int) filesize( $log ) : 0;
	}

	protected function tearDown(): void {
		$this->drop_triggers();
		parent::tearDown();
	}

	/**
	 * Makes every $event (INSERT, UPDATE, DELETE) of one user's $key rows fail like a deadlock.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param string $event   INSERT|UPDATE|DELETE.
	 */
	private function conflict_on( int $user_id, string $key, string $event ): void {
		global $wpdb;
		$row  = 'DELETE' === $event ? 'OLD' : 'NEW';
		$name = 'twofa_test_conflict_' . strtolower( $event ) . '_' . $user_id . '_' . count( $this->triggers );
		$sql  = $wpdb->prepare(
			"CREATE TRIGGER {$name} BEFORE {$event} ON {$wpdb->usermeta} FOR EACH ROW BEGIN IF {$row}.user_id = %d AND {$row}.meta_key = %s THEN SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found when trying to get lock; try restarting transaction'; END IF; END", // phpcs:ignore WordPress.DB.PreparedSQL
			$user_id,
			$key
		);
		$this->assertNotFalse( $wpdb->query( $sql ), 'trigger created: ' . $wpdb->last_error );
		$this->triggers[] = $name;
	}

	private function drop_triggers(): void {
		global $wpdb;
		foreach ( $this->triggers as $name ) {
			$wpdb->query( "DROP TRIGGER IF EXISTS {$name}" ); // phpcs:ignore WordPress.DB.PreparedSQL
		}
		$this->triggers = array();
	}

	/**
	 * What the site's error log got during the test: no PHP error and no printed
	 * database error, one line per refused state change naming the error number.
	 *
	 * @param int $refusals Lines expected.
	 */
	private function assertCleanLog( int $refusals ): void {
		$log = (string) getenv( 'TWOFA_WP_DEBUG_LOG' );
		if ( '' === $log || ! is_file( $log ) ) {
			return;
		}
		clearstatcache();
		$new = (string) file_get_contents( $log, false, null, $this->log_size );
		$this->assertDoesNotMatchRegularExpression( '/PHP (Warning|Notice|Fatal error)|PHP Deprecated:.*plugins\/twofa\/|WordPress database error/', $new, $new );
		$this->assertSame( $refusals, substr_count( $new, 'twofa: a login state change was refused by the database (error 1213)' ), $new );
	}

	/**
	 * The page says "try again", with a fresh nonce and no session.
	 *
	 * @param Http_Client $client Browser.
	 * @param array       $user   From make_user().
	 * @param string      $nonce  The nonce the refused request carried.
	 */
	private function assertTryAgain( Http_Client $client, array $user, string $nonce ): void {
		$this->assertSame( 200, $client->last['status'] );
		$this->assertSame( 'The server was busy and your code was not checked. Please try again.', $this->error_text( $client ) );
		$this->assertFalse( $client->has_login_cookie(), 'no logged-in cookie' );
		$this->assertSame( 0, $this->sessions( $user['id'] ), 'no session' );
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{64}$/', (string) $client->field( 'twofa_nonce' ) );
		$this->assertNotSame( $nonce, (string) $client->field( 'twofa_nonce' ), 'a fresh nonce' );
		$this->assertStringNotContainsString( 'Deadlock', $client->last['body'], 'no database message in the page' );
		$this->assertSame( 0, (int) $this->meta( $user['id'], Twofa_User_State::FAILURES ), 'not counted' );
		$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::CODE_REFUSED ), 'no refused code recorded' );
	}

	public function test_a_refused_totp_step_says_try_again_and_the_code_then_passes_once(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$nonce = (string) $client->field( 'twofa_nonce' );
		$code  = $this->totp( $secret );

		$this->conflict_on( $user['id'], Twofa_Provider_Totp::LAST_STEP, 'UPDATE' );
		$this->submit_code( $client, 'totp', $code );
		$this->assertTryAgain( $client, $user, $nonce );
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ), 'the step was not spent' );

		$this->drop_triggers();
		$this->submit_code( $client, 'totp', $code );
		$this->assertLoggedIn( $client, $user );
		$again = new Http_Client();
		$this->password_step( $again, $user );
		$this->submit_code( $again, 'totp', $code );
		$this->assertStringContainsString( 'already been used', $this->error_text( $again ), 'the code passed once' );
		// Three tries of one statement, one log line.
		$this->assertCleanLog( 1 );
	}

	public function test_an_attempt_that_cannot_be_counted_is_not_checked(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->conflict_on( $user['id'], Twofa_User_State::FAILURES, 'INSERT' );
		$this->conflict_on( $user['id'], Twofa_User_State::FAILURES, 'UPDATE' );

		// A wrong code is not "not right" (that would be a free guess) ...
		$nonce = (string) $client->field( 'twofa_nonce' );
		$this->submit_code( $client, 'totp', $this->wrong_totp( $secret ) );
		$this->assertTryAgain( $client, $user, $nonce );
		// ... and the right one is not checked either: nothing passes while nothing can be counted.
		$nonce = (string) $client->field( 'twofa_nonce' );
		$code  = $this->totp( $secret );
		$this->submit_code( $client, 'totp', $code );
		$this->assertTryAgain( $client, $user, $nonce );
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ), 'the code was not checked' );

		$this->drop_triggers();
		$this->submit_code( $client, 'totp', $code );
		$this->assertLoggedIn( $client, $user );
		$this->assertCleanLog( 2 );
	}

	public function test_a_refused_backup_code_delete_spends_nothing(): void {
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		$codes  = Twofa_Backup_Codes::generate( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->conflict_on( $user['id'], Twofa_Backup_Codes::META_CODE, 'DELETE' );

		$nonce = (string) $client->field( 'twofa_nonce' );
		$this->submit_code( $client, 'backup_codes', $codes[0] );
		$this->assertTryAgain( $client, $user, $nonce );
		$this->assertSame( 10, Twofa_Backup_Codes::remaining( $user['id'] ), 'nothing spent' );
		$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::BACKUP_CODE_USED ) );

		$this->drop_triggers();
		$this->submit_code( $client, 'backup_codes', $codes[0] );
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( 9, Twofa_Backup_Codes::remaining( $user['id'] ) );
		$this->assertCleanLog( 1 );
	}

	public function test_a_refused_email_code_use_lets_nothing_through(): void {
		$user = $this->make_user( 'editor' );
		$this->give_email( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$code = $this->send_email_code( $client, $user );
		$this->conflict_on( $user['id'], Twofa_Provider_Email::CODE, 'UPDATE' );

		$nonce = (string) $client->field( 'twofa_nonce' );
		$this->submit_code( $client, 'email', $code );
		$this->assertTryAgain( $client, $user, $nonce );

		$this->drop_triggers();
		$this->submit_code( $client, 'email', $code );
		$this->assertLoggedIn( $client, $user );
		$this->assertCleanLog( 1 );
	}

	public function test_a_password_step_whose_nonce_cannot_be_stored_asks_to_log_in_again(): void {
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		$this->conflict_on( $user['id'], Twofa_User_State::LOGIN_NONCE, 'INSERT' );
		$this->conflict_on( $user['id'], Twofa_User_State::LOGIN_NONCE, 'UPDATE' );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertSame( 'The server was busy and this login could not continue. Please log in again.', $this->error_text( $client ) );
		$this->assertNull( $client->field( 'twofa_nonce' ), 'no form that cannot work' );
		$this->assertFalse( $client->has_login_cookie(), 'no logged-in cookie' );
		$this->assertSame( 0, $this->sessions( $user['id'] ), 'no session' );
		$this->assertCleanLog( 1 );
	}
}
