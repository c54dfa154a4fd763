<?php
/**
 * A state change the database refuses (a Galera certification conflict or a deadlock,
 * error 1213, produced here by a real trigger that SIGNALs SQLSTATE '40001' on one
 * user's row) refuses the attempt with "try again": HTTP 200, no PHP error, nothing
 * let through, nothing spent, nothing counted; the same code works once afterwards.
 * Passkeys too: the ceremony state's DELETE and the record's conditional UPDATE (over HTTP
 * as http://localhost:PORT, answered by the software authenticator).
 */

require_once __DIR__ . '/class-login-testcase.php';
require_once dirname( __DIR__ ) . '/support/trait-passkey-helpers.php';
require_once dirname( __DIR__ ) . '/support/trait-database-conflicts.php';

final class DatabaseConflictTest extends Login_TestCase {

	use Passkey_Helpers;
	use Database_Conflicts;

	/**
	 * Users given a passkey here, removed after each test (later suites count users by method).
	 *
	 * @var int[]
	 */
	private $passkey_users = array();

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
		foreach ( $this->passkey_users as $id ) {
			Twofa_Passkeys::remove_all( $id );
			wp_delete_user( $id );
		}
		$this->passkey_users = array();
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
		$this->conflict_on_rows( $wpdb->usermeta, $event, $user_id, $wpdb->prepare( 'ROW.meta_key = %s', $key ) );
	}

	/**
	 * What the site's error log got during the test: no PHP error and no printed
	 * database error, one line per refused state change naming the error number (a second
	 * step a conflict rolled back runs again in the same request, Twofa_Login::CONFLICT_TRIES
	 * times in all, so each refused second step logs that many).
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
	 * The page says "try again", with a nonce that works and no session.
	 *
	 * @param Http_Client $client Browser.
	 * @param array       $user   From make_user().
	 */
	private function assertTryAgain( Http_Client $client, array $user ): void {
		$this->assertSame( 200, $client->last['status'] );
		$this->assertSame( 'The server was busy and your code was not checked. Please try again.', $this->error_text( $client ) );
		$this->assertFalse( $client->has_login_cookie(), 'no logged-in cookie' );
		$this->assertSame( 0, $this->sessions( $user['id'] ), 'no session' );
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{64}$/', (string) $client->field( 'twofa_nonce' ) );
		// The rollback keeps the refused request's nonce live (a conflict: the same form works
		// again), or a fresh one replaces it: either way the form's nonce is the live one.
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertNotNull( Twofa_Login_Nonce::check( $user['id'], (string) $client->field( 'twofa_nonce' ) ), 'the form carries the live nonce' );
		$this->assertStringNotContainsString( 'Deadlock', $client->last['body'], 'no database message in the page' );
		$this->assertSame( 0, (int) $this->meta( $user['id'], Twofa_User_State::FAILURES ), 'not counted' );
		$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::CODE_REFUSED ), 'no refused code recorded' );
	}

	public function test_a_refused_totp_step_says_try_again_and_the_code_then_passes_once(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$code  = $this->totp( $secret );

		$this->conflict_on( $user['id'], Twofa_Provider_Totp::LAST_STEP, 'UPDATE' );
		$this->submit_code( $client, 'totp', $code );
		$this->assertTryAgain( $client, $user );
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ), 'the step was not spent' );

		$this->drop_triggers();
		$this->submit_code( $client, 'totp', $code );
		$this->assertLoggedIn( $client, $user );
		$again = new Http_Client();
		$this->password_step( $again, $user );
		$this->submit_code( $again, 'totp', $code );
		$this->assertStringContainsString( 'already been used', $this->error_text( $again ), 'the code passed once' );
		// Three tries of one statement, one log line.
		$this->assertCleanLog( Twofa_Login::CONFLICT_TRIES );
	}

	public function test_an_attempt_that_cannot_be_counted_is_not_checked(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->conflict_on( $user['id'], Twofa_User_State::FAILURES, 'INSERT' );
		$this->conflict_on( $user['id'], Twofa_User_State::FAILURES, 'UPDATE' );

		// A wrong code is not "not right" (that would be a free guess) ...
		$this->submit_code( $client, 'totp', $this->wrong_totp( $secret ) );
		$this->assertTryAgain( $client, $user );
		// ... and the right one is not checked either: nothing passes while nothing can be counted.
		$code  = $this->totp( $secret );
		$this->submit_code( $client, 'totp', $code );
		$this->assertTryAgain( $client, $user );
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ), 'the code was not checked' );

		$this->drop_triggers();
		$this->submit_code( $client, 'totp', $code );
		$this->assertLoggedIn( $client, $user );
		$this->assertCleanLog( 2 * Twofa_Login::CONFLICT_TRIES );
	}

	public function test_a_refused_backup_code_delete_spends_nothing(): void {
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		$codes  = Twofa_Backup_Codes::generate( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->conflict_on( $user['id'], Twofa_Backup_Codes::META_CODE, 'DELETE' );

		$this->submit_code( $client, 'backup_codes', $codes[0] );
		$this->assertTryAgain( $client, $user );
		$this->assertSame( 10, Twofa_Backup_Codes::remaining( $user['id'] ), 'nothing spent' );
		$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::BACKUP_CODE_USED ) );

		$this->drop_triggers();
		$this->submit_code( $client, 'backup_codes', $codes[0] );
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( 9, Twofa_Backup_Codes::remaining( $user['id'] ) );
		$this->assertCleanLog( Twofa_Login::CONFLICT_TRIES );
	}

	public function test_a_refused_email_code_use_lets_nothing_through(): void {
		$user = $this->make_user( 'editor' );
		$this->give_email( $user['id'] );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$code = $this->send_email_code( $client, $user );
		$this->conflict_on( $user['id'], Twofa_Provider_Email::CODE, 'UPDATE' );

		$this->submit_code( $client, 'email', $code );
		$this->assertTryAgain( $client, $user );

		$this->drop_triggers();
		$this->submit_code( $client, 'email', $code );
		$this->assertLoggedIn( $client, $user );
		$this->assertCleanLog( Twofa_Login::CONFLICT_TRIES );
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

	/**
	 * A user with an authenticator app and a passkey (shown first at login), removed after the test.
	 *
	 * @return array{0:array, 1:SoftAuthenticator}
	 */
	private function passkey_user(): array {
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		$this->passkey_users[] = $user['id'];
		return array( $user, $this->give_passkey( $user['id'] ) );
	}

	/**
	 * A passkey step whose $event on $table the database refuses: "try again", the stored
	 * record unchanged, nothing passed.
	 *
	 * @param string $table Table of the refused statement.
	 * @param string $event UPDATE|DELETE.
	 * @return array{user:array, auth:SoftAuthenticator, client:Http_Client, ceremony:array, answer:string, rows:array}
	 */
	private function refused_passkey_step( string $table, string $event ): array {
		list( $user, $auth ) = $this->passkey_user();
		$rows                = $this->passkey_rows( $user['id'] );
		$client              = $this->localhost_client();
		$this->password_step( $client, $user );
		$ceremony = $this->ceremony( $client );
		$answer   = $auth->assert( $ceremony['options'] );

		$this->conflict_on_rows( $table, $event, $user['id'] );
		$this->post_passkey( $client, $ceremony['state_id'], $answer );
		$this->assertTryAgain( $client, $user );
		$this->assertSame( $rows, $this->passkey_rows( $user['id'] ), 'the stored record is unchanged' );
		$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::LOGIN_PASSED ) );
		$this->drop_triggers();
		return compact( 'user', 'auth', 'client', 'ceremony', 'answer', 'rows' );
	}

	public function test_a_refused_passkey_record_update_says_try_again_and_a_fresh_answer_then_logs_in_once(): void {
		$step   = $this->refused_passkey_step( Twofa_Passkeys::table(), 'UPDATE' );
		$user   = $step['user'];
		$client = $step['client'];

		$fresh  = $this->ceremony( $client );
		$answer = $step['auth']->assert( $fresh['options'] );
		$this->post_passkey( $client, $fresh['state_id'], $answer );
		$this->assertLoggedIn( $client, $user );
		$this->assertNotSame( $step['rows'][0]['record'], $this->passkey_rows( $user['id'] )[0]['record'], 'the record was replaced once it could be' );
		$this->assertCount( 1, $this->events_of( $user['id'], Twofa_Events::LOGIN_PASSED ) );
		// The answer passed once: posted again in another login, its state is used up.
		$again = $this->localhost_client();
		$this->password_step( $again, $user );
		$this->post_passkey( $again, $fresh['state_id'], $answer );
		$this->assertSame( 200, $again->last['status'] );
		$this->assertFalse( $again->has_login_cookie(), 'the used answer does not log in again' );
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'only the one session' );
		$this->assertCleanLog( Twofa_Login::CONFLICT_TRIES );
	}

	public function test_a_refused_ceremony_state_delete_says_try_again_and_spends_nothing(): void {
		$step = $this->refused_passkey_step( Twofa_Passkey_Ceremonies::table(), 'DELETE' );
		$user = $step['user'];
		$this->assertSame( 2, $this->ceremony_count( $user['id'] ), 'the state is still there, and the page began another' );

		// The state was not used up: the same answer logs in once the database takes the DELETE.
		$this->post_passkey( $step['client'], $step['ceremony']['state_id'], $step['answer'] );
		$this->assertLoggedIn( $step['client'], $user );
		$this->assertCount( 1, $this->events_of( $user['id'], Twofa_Events::LOGIN_PASSED ) );
		$this->assertCleanLog( Twofa_Login::CONFLICT_TRIES );
	}

	public function test_a_refused_passwordless_state_delete_or_record_update_answers_503_try_again_and_counts_nothing(): void {
		$this->settings( array( 'passwordless' => true ) );
		list( $user, $auth ) = $this->passkey_user();
		$rows                = $this->passkey_rows( $user['id'] );
		$endpoint            = '/wp-login.php?action=twofa_passwordless';
		$begin               = function ( Http_Client $client ) use ( $endpoint ): string {
			$client->post( $endpoint, array( 'twofa_do' => 'begin' ) );
			$this->assertSame( 200, $client->last['status'], 'begin answers: ' . $client->last['body'] );
			return (string) json_decode( $client->last['body'], true )['options'];
		};

		$client  = $this->localhost_client();
		$refused = function () use ( $client, $user, $rows ): void {
			$this->assertSame( 503, $client->last['status'] );
			$this->assertSame( 'The server was busy and your code was not checked. Please try again.', $this->error_text( $client ) );
			$this->assertStringNotContainsString( 'Deadlock', $client->last['body'], 'no database message in the page' );
			$this->assertFalse( $client->has_login_cookie(), 'no logged-in cookie' );
			$this->assertSame( 0, $this->sessions( $user['id'] ), 'no session' );
			$this->assertSame( 0, (int) $this->meta( $user['id'], Twofa_User_State::FAILURES ), 'not counted' );
			$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::CODE_REFUSED ), 'no refused code recorded' );
			$this->assertSame( $rows, $this->passkey_rows( $user['id'] ), 'the stored record is unchanged' );
		};

		// The state's DELETE refused (passwordless states belong to no user yet).
		$this->conflict_on_rows( Twofa_Passkey_Ceremonies::table(), 'DELETE', 0 );
		$client->post( $endpoint, array( 'twofa_do' => 'finish', 'twofa_response' => $auth->assert( $begin( $client ) ) ) );
		$refused();
		$this->drop_triggers();

		// The record's UPDATE refused.
		$this->conflict_on_rows( Twofa_Passkeys::table(), 'UPDATE', $user['id'] );
		$client->post( $endpoint, array( 'twofa_do' => 'finish', 'twofa_response' => $auth->assert( $begin( $client ) ) ) );
		$refused();

		$this->drop_triggers();
		$client->post( $endpoint, array( 'twofa_do' => 'finish', 'twofa_response' => $auth->assert( $begin( $client ) ) ) );
		$this->assertLoggedIn( $client, $user );
		// Three tries of each statement outside a transaction, one log line each.
		$this->assertCleanLog( 2 );
	}
}
