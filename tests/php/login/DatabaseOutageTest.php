<?php
/**
 * A database outage between accepting a code and creating the session (issue 17, item 5):
 * the code is not used up, and the same step submitted again logs in, once.
 *
 * The database is really stopped: the test stack's must-use plugin twofa-fault-point.php
 * holds the request right after the code was accepted, the test stops MariaDB, lets the
 * request go on, and starts MariaDB again.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class DatabaseOutageTest extends Login_TestCase {

	/**
	 * The handshake folder of the fault point.
	 */
	private function fault_dir(): string {
		return WP_CONTENT_DIR . '/twofa-fault';
	}

	protected function tearDown(): void {
		foreach ( array( 'armed', 'armed-session', 'reached', 'go' ) as $file ) {
			@unlink( $this->fault_dir() . '/' . $file );
		}
		// Whatever happened, the database runs again for the tests after this one.
		if ( ! $this->database_up() ) {
			$this->start_database();
		}
		parent::tearDown();
	}

	/**
	 * @return array<string,array{0:string}>
	 */
	public function methods(): array {
		return array(
			'Google Authenticator' => array( 'totp' ),
			'OTP over Email'       => array( 'email' ),
		);
	}

	/**
	 * Down until the request has given up: WordPress's own database error page, and the
	 * same form submitted once the database is back logs in.
	 *
	 * @dataProvider methods
	 * @param string $method Method id.
	 */
	public function test_code_survives_an_outage_that_outlasts_the_request( string $method ): void {
		list( $user, $client, $fields ) = $this->challenge_with_code( $method );

		$held = $this->post_with_database_stopped( $client, $fields, false );
		$this->assertGreaterThanOrEqual( 500, $held['status'], 'the request failed with the database gone' );
		$this->assertStringNotContainsString( 'wordpress_logged_in_', implode( "\n", $held['cookies'] ), 'no cookie without a session' );
		$this->start_database();

		$this->assertSame( 0, $this->sessions( $user['id'] ), 'no session was kept' );
		$this->assertNotSame( '', (string) $this->meta( $user['id'], Twofa_User_State::LOGIN_NONCE ), 'the login nonce is still live' );
		if ( 'totp' === $method ) {
			$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ), 'the code was not used up' );
		} else {
			$this->assertTrue( Twofa_Providers::get( 'email' )->has_live_code( $user['id'], 'login' ), 'the code was not used up' );
		}
		$this->assert_retry_logs_in_once( $client, $user, $fields );
	}

	/**
	 * Back while the request still retries its connection: wpdb goes on over a new
	 * connection, outside the step's transaction, which the server rolled back. The
	 * step must not pass then (the code would stay usable): it is shown again.
	 */
	public function test_a_reconnect_inside_the_step_shows_the_step_again(): void {
		list( $user, $client, $fields ) = $this->challenge_with_code( 'totp' );

		$held = $this->post_with_database_stopped( $client, $fields, true );
		$this->assertSame( 200, $held['status'], 'the step is shown again' );
		$this->assertStringContainsString( 'Your code was not used up', $held['body'] );
		$this->assertStringContainsString( $fields['twofa_nonce'], $held['body'], 'the same step, the same nonce' );
		$this->assertStringNotContainsString( 'wordpress_logged_in_', implode( "\n", $held['cookies'] ), 'no cookie without a session' );
		$this->assertSame( 0, $this->sessions( $user['id'] ), 'no session was kept' );
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ), 'the code was not used up' );

		$this->assert_retry_logs_in_once( $client, $user, $fields );
	}

	/**
	 * Gone after the session token was written in the step's transaction, before its cookies:
	 * the request fails, and no logged-in cookie leaves with the error page (it would name a
	 * session that was never committed).
	 */
	public function test_an_outage_after_the_session_was_written_sends_no_cookie(): void {
		list( $user, $client, $fields ) = $this->challenge_with_code( 'totp' );

		$held = $this->post_with_database_stopped( $client, $fields, false, 'armed-session' );
		$this->assertGreaterThanOrEqual( 500, $held['status'], 'the request failed with the database gone' );
		$this->assertStringNotContainsString( 'wordpress_logged_in_', implode( "\n", $held['cookies'] ), 'no cookie without a committed session' );
		$this->start_database();

		$this->assertSame( 0, $this->sessions( $user['id'] ), 'no session was kept' );
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ), 'the code was not used up' );
		$this->assert_retry_logs_in_once( $client, $user, $fields );
	}

	/**
	 * A user with the method, past the password step, and the filled-in code form.
	 *
	 * @param string $method totp|email.
	 * @return array{0:array, 1:Http_Client, 2:array<string,string>}
	 */
	private function challenge_with_code( string $method ): array {
		$user   = $this->make_user();
		$secret = 'totp' === $method ? $this->give_totp( $user['id'] ) : '';
		if ( 'email' === $method ) {
			$this->give_email( $user['id'] );
		}
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$fields = $this->step_fields( $client, $method );
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{64}$/', $fields['twofa_nonce'] );
		if ( 'totp' === $method ) {
			$code = $this->totp( $secret );
		} else {
			$before = $this->outbox_files();
			$this->second_step( $client, $fields + array( 'twofa_do' => 'send' ) );
			$this->assertSame( '', $this->error_text( $client ), 'the code was sent' );
			$code = $this->new_mailed_code( $user['email'], $before );
		}
		return array(
			$user,
			$client,
			$fields + array(
				'twofa_do'   => 'verify',
				'twofa_code' => $code,
			),
		);
	}

	/**
	 * The same form posted again logs in; posted once more, it does not.
	 *
	 * @param Http_Client          $client Browser.
	 * @param array                $user   From make_user().
	 * @param array<string,string> $fields The second step's fields.
	 */
	private function assert_retry_logs_in_once( Http_Client $client, array $user, array $fields ): void {
		$this->second_step( $client, $fields );
		$this->assertLoggedIn( $client, $user );
		$this->assertCount( 1, $this->events_of( $user['id'], Twofa_Events::LOGIN_PASSED ), 'one passed step in the log' );

		$replay = new Http_Client();
		$this->second_step( $replay, $fields );
		$this->assertFalse( $replay->has_login_cookie(), 'the step passes once' );
		$this->assertSame( 1, $this->sessions( $user['id'] ) );
	}

	/**
	 * Posts the second step, stops MariaDB while the request is held right after its code was
	 * accepted, lets it go on, and (if $back_early) starts MariaDB again while it still retries.
	 *
	 * @param Http_Client          $client     Browser (its cookies are sent).
	 * @param array<string,string> $fields     Form fields.
	 * @param bool                 $back_early Start the database again before the request ends.
	 * @param string               $point      The fault point: armed (code accepted) or armed-session (session stored).
	 * @return array{status:int, body:string, cookies:string[]}
	 */
	private function post_with_database_stopped( Http_Client $client, array $fields, bool $back_early, string $point = 'armed' ): array {
		$dir = $this->fault_dir();
		if ( ! is_dir( $dir ) ) {
			mkdir( $dir, 0777, true );
		}
		@unlink( $dir . '/reached' );
		@unlink( $dir . '/go' );
		touch( $dir . '/' . $point );

		$cookies = array();
		$ch      = curl_init( rtrim( (string) getenv( 'TWOFA_WP_URL' ), '/' ) . '/wp-login.php?action=twofa_challenge' );
		curl_setopt_array(
			$ch,
			array(
				CURLOPT_POST           => true,
				CURLOPT_POSTFIELDS     => http_build_query( $fields ),
				CURLOPT_HTTPHEADER     => array( 'Cookie: ' . $client->cookie_header() ),
				CURLOPT_RETURNTRANSFER => true,
				CURLOPT_TIMEOUT        => 90,
				CURLOPT_HEADERFUNCTION => static function ( $ch, $line ) use ( &$cookies ) {
					if ( 0 === stripos( $line, 'set-cookie:' ) ) {
						$cookies[] = trim( substr( $line, 11 ) );
					}
					return strlen( $line );
				},
			)
		);
		$multi = curl_multi_init();
		curl_multi_add_handle( $multi, $ch );
		$pump = static function () use ( $multi ): bool {
			curl_multi_exec( $multi, $running );
			return $running > 0;
		};
		$reached = false;
		for ( $i = 0; $i < 600 && $pump(); $i++ ) {
			clearstatcache();
			if ( is_file( $dir . '/reached' ) ) {
				$reached = true;
				break;
			}
			usleep( 50000 );
		}
		$this->assertTrue( $reached, 'the request reached the fault point (' . $point . ')' );

		self::lib( 'mariadb_stop ' . escapeshellarg( $this->mysql_dir() ) );
		$this->assertFalse( $this->database_up(), 'the database is stopped' );
		touch( $dir . '/go' );
		if ( $back_early ) {
			// wpdb retries a lost connection for a few seconds before it gives up.
			for ( $i = 0; $i < 20; $i++ ) {
				$pump();
				usleep( 50000 );
			}
			$this->start_database();
		}
		while ( $pump() ) {
			curl_multi_select( $multi, 0.2 );
		}
		$body   = (string) curl_multi_getcontent( $ch );
		$status = (int) curl_getinfo( $ch, CURLINFO_RESPONSE_CODE );
		curl_multi_remove_handle( $multi, $ch );
		curl_close( $ch );
		curl_multi_close( $multi );
		return array(
			'status'  => $status,
			'body'    => $body,
			'cookies' => $cookies,
		);
	}

	/**
	 * The stack's MariaDB folder.
	 */
	private function mysql_dir(): string {
		return rtrim( (string) getenv( 'TWOFA_STACK_DIR' ), '/' ) . '/mysql';
	}

	/**
	 * Whether MariaDB accepts connections (a connection of its own: $wpdb would give up with wp_die()).
	 */
	private function database_up(): bool {
		mysqli_report( MYSQLI_REPORT_OFF );
		$db = @mysqli_connect( '127.0.0.1', (string) getenv( 'TWOFA_MYSQL_USER' ), (string) getenv( 'TWOFA_MYSQL_PASSWORD' ), (string) getenv( 'TWOFA_MYSQL_DATABASE' ), (int) getenv( 'TWOFA_MYSQL_PORT' ) );
		if ( ! $db ) {
			return false;
		}
		mysqli_close( $db );
		return true;
	}

	/**
	 * Starts the stack's MariaDB again (same folder, port and user) and waits for it.
	 */
	private function start_database(): void {
		self::lib( 'mariadb_start ' . escapeshellarg( $this->mysql_dir() ) . ' ' . (int) getenv( 'TWOFA_MYSQL_PORT' ) );
		$this->assertTrue( $this->database_up(), 'the database is back' );
	}
}
