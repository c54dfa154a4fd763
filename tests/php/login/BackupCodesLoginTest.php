<?php
/**
 * Backup codes at the served wp-login.php: offered under "Use another method", single use
 * (also for 20 parallel submissions and across two PHP servers on one database), counted
 * towards the account's back-off and lockout, the notice email with the number left, and
 * the warning when few are left.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class BackupCodesLoginTest extends Login_TestCase {

	/**
	 * The store-race fixture inside the test site, and its token file.
	 *
	 * @var string[]
	 */
	private $fixture_files = array();

	protected function tearDown(): void {
		foreach ( $this->fixture_files as $file ) {
			@unlink( $file );
		}
		$this->fixture_files = array();
		parent::tearDown();
	}

	/**
	 * A user with an authenticator and a set of backup codes.
	 *
	 * @return array{0: array, 1: string, 2: string[]} The user, the TOTP secret, the codes.
	 */
	private function user_with_codes(): array {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$codes  = Twofa_Backup_Codes::generate( $user['id'] );
		$this->assertCount( 10, $codes );
		return array( $user, $secret, $codes );
	}

	/**
	 * The password step, then "Use another method: Backup codes".
	 *
	 * @param Http_Client $client Browser.
	 * @param array       $user   From make_user().
	 * @param int         $before Sessions the user already has.
	 */
	private function open_backup_challenge( Http_Client $client, array $user, int $before = 0 ): void {
		$this->password_step( $client, $user );
		$this->assertChallenge( $client, $user, $before );
		$this->second_step(
			$client,
			array(
				'twofa_user'   => (string) $client->field( 'twofa_user' ),
				'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
				'twofa_method' => 'backup_codes',
				'twofa_do'     => 'switch',
			)
		);
		$this->assertSame( 200, $client->last['status'] );
		$this->assertStringContainsString( 'Backup code', $client->last['body'], 'the backup code form is shown' );
		$this->assertSame( 'backup_codes', $client->field( 'twofa_method' ) );
	}

	/**
	 * Unused codes counted in the database.
	 *
	 * @param int $user_id User ID.
	 */
	private function remaining( int $user_id ): int {
		return Twofa_Backup_Codes::remaining( $user_id );
	}

	public function test_backup_codes_are_offered_under_another_method_and_never_first(): void {
		list( $user ) = $this->user_with_codes();
		$client       = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertChallenge( $client, $user );
		$this->assertSame( 'totp', $client->field( 'twofa_method' ), 'the challenge opens on the primary method' );
		$this->assertMatchesRegularExpression( '#Use another method:.*Backup codes#s', $client->last['body'] );
	}

	public function test_a_code_logs_in_once_typed_in_any_case_and_without_dashes_and_the_notice_says_how_many_are_left(): void {
		list( $user, , $codes ) = $this->user_with_codes();
		$client                 = new Http_Client();
		$before                 = $this->outbox_files();
		$this->open_backup_challenge( $client, $user );
		$typed = strtolower( str_replace( '-', ' ', $codes[3] ) );
		$this->submit_code( $client, 'backup_codes', $typed );
		$this->assertLoggedIn( $client, $user );
		$this->assertSame( 9, $this->remaining( $user['id'] ), 'the code is spent' );
		$used = json_decode( (string) $this->meta( $user['id'], Twofa_User_State::LAST_USED ), true );
		$this->assertSame( 'backup_codes', $used['method'] ?? null );

		$mails = array();
		foreach ( array_diff( $this->outbox_files(), $before ) as $file ) {
			$raw = quoted_printable_decode( (string) file_get_contents( $file ) );
			if ( preg_match( '/^To:.*' . preg_quote( $user['email'], '/' ) . '/mi', $raw ) ) {
				$mails[] = $raw;
			}
		}
		$this->assertCount( 1, $mails, 'one notice email' );
		$this->assertStringContainsString( 'A backup code was used to log in', $mails[0] );
		$this->assertStringContainsString( '9 unused backup codes are left', $mails[0] );
		$this->assertStringNotContainsString( $codes[3], $mails[0], 'the notice does not carry the code' );

		// The same code again, in a new login: refused, counted as a failure, no session.
		$again = new Http_Client();
		$this->open_backup_challenge( $again, $user, 1 );
		$this->submit_code( $again, 'backup_codes', $codes[3] );
		$this->assertSame( 200, $again->last['status'] );
		$this->assertStringContainsString( 'already been used', $this->error_text( $again ) );
		$this->assertFalse( $again->has_login_cookie() );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'still only the first session' );
		$this->assertSame( 9, $this->remaining( $user['id'] ) );
	}

	public function test_malformed_and_oversized_input_is_refused_without_spending_anything(): void {
		list( $user, , $codes ) = $this->user_with_codes();
		foreach ( array( 'not a code', substr( $codes[0], 0, -1 ), $codes[0] . 'A', str_repeat( 'A', 5000 ), '<script>alert(5)</script>' ) as $bad ) {
			$client = new Http_Client();
			$this->open_backup_challenge( $client, $user );
			$this->submit_code( $client, 'backup_codes', $bad );
			$this->assertSame( 200, $client->last['status'] );
			$this->assertFalse( $client->has_login_cookie() );
			$this->assertStringNotContainsString( '<script>alert(5)', $client->last['body'] );
			Twofa_Lockout::reset( $user['id'] );
		}
		$this->assertSame( 10, $this->remaining( $user['id'] ) );
		$this->assertSame( 0, $this->sessions( $user['id'] ) );
	}

	public function test_twenty_parallel_submissions_of_one_code_give_one_session(): void {
		list( $user, , $codes ) = $this->user_with_codes();
		$client                 = new Http_Client();
		$this->open_backup_challenge( $client, $user );
		$fields    = array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
			'twofa_method' => 'backup_codes',
			'twofa_do'     => 'verify',
			'twofa_code'   => $codes[0],
		);
		$url       = getenv( 'TWOFA_WP_URL' ) . '/wp-login.php?action=twofa_challenge';
		$responses = $this->parallel_posts( array_fill( 0, 20, $url ), $fields );
		$this->assertSame( 1, $this->count_logins( $responses ), 'exactly one response logs in' );
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'exactly one session token' );
		$this->assertSame( 9, $this->remaining( $user['id'] ), 'one code spent' );
	}

	public function test_two_servers_on_one_database_give_one_session_for_one_code(): void {
		list( $user, , $codes ) = $this->user_with_codes();
		$second                 = $this->start_server();
		$a                      = new Http_Client();
		$this->open_backup_challenge( $a, $user );
		$b = new Http_Client( $second );
		$this->open_backup_challenge( $b, $user );
		$fields = array(
			'twofa_user'   => (string) $user['id'],
			'twofa_nonce'  => (string) $b->field( 'twofa_nonce' ),
			'twofa_method' => 'backup_codes',
			'twofa_do'     => 'verify',
			'twofa_code'   => $codes[1],
		);
		$urls   = array();
		for ( $i = 0; $i < 10; $i++ ) {
			$urls[] = getenv( 'TWOFA_WP_URL' ) . '/wp-login.php?action=twofa_challenge';
			$urls[] = $second . '/wp-login.php?action=twofa_challenge';
		}
		$responses = $this->parallel_posts( $urls, $fields );
		$this->assertSame( 1, $this->count_logins( $responses ), 'one login across both servers' );
		$this->assertSame( 1, $this->sessions( $user['id'] ) );
		$this->assertSame( 9, $this->remaining( $user['id'] ) );
	}

	public function test_the_single_delete_spends_a_code_once_across_two_servers_without_the_login_nonce(): void {
		list( $user, , $codes ) = $this->user_with_codes();
		$dir                    = rtrim( (string) getenv( 'TWOFA_WP_DIR' ), '/' );
		$token                  = bin2hex( random_bytes( 24 ) );
		$this->fixture_files    = array( $dir . '/twofa-test-consume-backup.php', $dir . '/twofa-test-consume-backup.token' );
		copy( __DIR__ . '/fixtures/twofa-test-consume-backup.php', $this->fixture_files[0] );
		file_put_contents( $this->fixture_files[1], $token );
		$second = $this->start_server();

		$requests = array();
		for ( $i = 0; $i < 20; $i++ ) {
			$requests[] = array(
				'url'    => ( 0 === $i % 2 ? getenv( 'TWOFA_WP_URL' ) : $second ) . '/twofa-test-consume-backup.php',
				'fields' => array(
					'token' => $token,
					'user'  => (string) $user['id'],
					// Each request types it differently; all normalize to the same code.
					'code'  => 0 === $i % 3 ? strtolower( $codes[2] ) : ( 1 === $i % 3 ? str_replace( '-', '', $codes[2] ) : $codes[2] ),
				),
			);
		}
		$bodies = array();
		$multi  = curl_multi_init();
		$hs     = array();
		foreach ( $requests as $i => $r ) {
			$ch = curl_init( $r['url'] );
			curl_setopt_array(
				$ch,
				array(
					CURLOPT_POST           => true,
					CURLOPT_POSTFIELDS     => http_build_query( $r['fields'] ),
					CURLOPT_RETURNTRANSFER => true,
					CURLOPT_TIMEOUT        => 60,
				)
			);
			curl_multi_add_handle( $multi, $ch );
			$hs[ $i ] = $ch;
		}
		do {
			$status = curl_multi_exec( $multi, $running );
			if ( $running ) {
				curl_multi_select( $multi, 1.0 );
			}
		} while ( $running && CURLM_OK === $status );
		foreach ( $hs as $i => $ch ) {
			$bodies[ $i ] = trim( (string) curl_multi_getcontent( $ch ) );
			curl_multi_remove_handle( $multi, $ch );
			curl_close( $ch );
		}
		curl_multi_close( $multi );

		$consumed = array_filter( $bodies, static fn( $b ) => 'consumed' === $b );
		$refused  = array_filter( $bodies, static fn( $b ) => 'refused: twofa_backup_wrong' === $b );
		$this->assertCount( 1, $consumed, 'exactly one request spent the code: ' . implode( ' | ', $bodies ) );
		$this->assertCount( 19, $refused, 'every other request was refused' );
		$this->assertSame( 9, $this->remaining( $user['id'] ) );
	}

	public function test_wrong_backup_codes_count_towards_the_lockout_of_every_method(): void {
		$this->settings(
			array(
				'backoff_after' => 100,
				'lockout_after' => 3,
			)
		);
		list( $user, $secret, $codes ) = $this->user_with_codes();
		$client                        = new Http_Client();
		$this->open_backup_challenge( $client, $user );
		for ( $i = 0; $i < 3; $i++ ) {
			$wrong = Twofa_Backup_Codes::generate( $this->make_user()['id'] )[0];
			$this->submit_code( $client, 'backup_codes', $wrong );
			$this->assertFalse( $client->has_login_cookie() );
		}
		$this->assertStringContainsString( 'locked', $this->error_text( $client ) );
		$this->assertGreaterThan( 0, Twofa_Lockout::locked_for( $user['id'] ) );

		// While locked, neither a right backup code nor a right authenticator code passes.
		$this->submit_code( $client, 'backup_codes', $codes[0] );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertStringContainsString( 'locked', $this->error_text( $client ) );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( 10, $this->remaining( $user['id'] ), 'nothing was spent while locked' );
		$this->assertSame( 0, $this->sessions( $user['id'] ) );
	}

	public function test_with_two_or_fewer_left_the_login_and_the_challenge_say_so(): void {
		list( $user, , $codes ) = $this->user_with_codes();
		for ( $i = 0; $i < 7; $i++ ) {
			$this->assertTrue( Twofa_Backup_Codes::consume( $user['id'], $codes[ $i ] ) );
		}
		$client = new Http_Client();
		$this->open_backup_challenge( $client, $user );
		$this->assertStringNotContainsString( 'unused backup code', $client->last['body'], 'three left: no warning yet' );
		$this->submit_code( $client, 'backup_codes', $codes[7] );
		$this->assertLoggedIn( $client, $user );
		$this->assertStringContainsString( 'page=twofa-configure', $client->location(), 'the login goes by Configure 2FA first' );
		$this->assertStringContainsString( 'step=low', $client->location() );
		$client->get( $client->location() );
		$this->assertSame( 200, $client->last['status'] );
		$this->assertStringContainsString( 'You have 2 unused backup codes left', html_entity_decode( $client->last['body'] ) );
		$this->assertStringContainsString( 'Not now, continue', $client->last['body'] );

		// The next challenge says so too.
		$next = new Http_Client();
		$this->open_backup_challenge( $next, $user, 1 );
		$this->assertStringContainsString( 'You have 2 unused backup codes left.', $next->last['body'] );
	}

	public function test_a_user_whose_last_code_was_used_is_not_offered_backup_codes(): void {
		list( $user, , $codes ) = $this->user_with_codes();
		foreach ( $codes as $code ) {
			$this->assertTrue( Twofa_Backup_Codes::consume( $user['id'], $code ) );
		}
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertChallenge( $client, $user );
		$this->assertStringNotContainsString( 'Backup codes', $client->last['body'] );
	}
}
