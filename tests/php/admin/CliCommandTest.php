<?php
/**
 * `wp twofa …` run through the WP-CLI stand-in inside the real WordPress, against the real
 * database, extension and sidecar.
 */

require_once __DIR__ . '/class-admin-testcase.php';

final class CliCommandTest extends Admin_TestCase {

	/**
	 * A role made for this test, so list/report figures are exact.
	 *
	 * @var string
	 */
	private $role;

	protected function setUp(): void {
		parent::setUp();
		$this->role = $this->make_role( 'twofa_cli_', 'CLI test role' );
	}

	/**
	 * A closed port on loopback: bound by the kernel, then released.
	 */
	private static function closed_port(): int {
		$sock = stream_socket_server( 'tcp://127.0.0.1:0' );
		$name = stream_socket_get_name( $sock, false );
		fclose( $sock );
		return (int) substr( $name, strrpos( $name, ':' ) + 1 );
	}

	public function test_status_by_login_id_and_email_shows_methods_without_secrets(): void {
		$u      = $this->make_user( $this->role );
		$secret = $this->give_totp( $u['id'] );
		$this->give_email( $u['id'] );
		$sealed = $this->meta( $u['id'], Twofa_Provider_Totp::SECRET );

		foreach ( array( $u['login'], (string) $u['id'], $u['email'] ) as $ref ) {
			$r = $this->cli( 'status', $ref, '--format=json' );
			$this->assertSame( 0, $r['exit'], $r['stderr'] );
			$rows = json_decode( $r['stdout'], true );
			$this->assertArrayNotHasKey( 0, $rows, 'one object, not a list' );
			$this->assertSame( $u['id'], $rows['id'] );
			$this->assertSame( array( 'totp', 'email' ), $rows['methods'] );
			$this->assertSame( 'totp', $rows['primary'] );
			$this->assertSame( 'no', $rows['locked'] );
			$this->assertSame( 0, $rows['failures'] );
		}

		$r = $this->cli( 'status', $u['login'] );
		$this->assertSame( 0, $r['exit'] );
		$this->assertMatchesRegularExpression( '/\|\s*methods\s*\|\s*totp, email\s*\|/', $r['stdout'] );
		$this->assertMatchesRegularExpression( '/\|\s*primary\s*\|\s*totp\s*\|/', $r['stdout'] );
		foreach ( array( 'json', 'csv', 'yaml', 'table' ) as $format ) {
			$out = $this->cli( 'status', $u['login'], '--format=' . $format )['stdout'];
			$this->assertStringNotContainsString( $secret, $out, "no secret in --format=$format" );
			$this->assertStringNotContainsString( $sealed, $out, "no sealed secret in --format=$format" );
		}
	}

	public function test_status_shows_failures_last_use_and_lockout(): void {
		$u = $this->make_user( $this->role );
		$this->give_email( $u['id'] );
		Twofa_User_State::mark_used( $u['id'], 'email' );
		update_user_meta( $u['id'], Twofa_User_State::FAILURES, '4' );
		update_user_meta( $u['id'], Twofa_User_State::LOCKED_UNTIL, (string) ( time() + 600 ) );
		$rows = json_decode( $this->cli( 'status', $u['login'], '--format=json' )['stdout'], true );
		$this->assertSame( 4, $rows['failures'] );
		$this->assertSame( 'yes', $rows['locked'] );
		$this->assertStringEndsWith( 'UTC', $rows['locked_until'] );
		$this->assertStringContainsString( '(email)', $rows['last_used'] );
	}

	public function test_status_errors(): void {
		$r = $this->cli( 'status', 'no-such-user-' . bin2hex( random_bytes( 3 ) ) );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'Error: Invalid user ID, email or login', $r['stderr'] );
		$this->assertSame( '', $r['stdout'] );

		$r = $this->cli( 'status' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'Missing required positional argument', $r['stderr'] );

		$u = $this->make_user( $this->role );
		$r = $this->cli( 'status', $u['login'], '--format=xml' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'Invalid value specified for \'format\'', $r['stderr'] );
	}

	public function test_list_filters_by_role_method_and_without_2fa(): void {
		$totp  = $this->make_user( $this->role );
		$email = $this->make_user( $this->role );
		$both  = $this->make_user( $this->role );
		$none  = $this->make_user( $this->role );
		$this->give_totp( $totp['id'] );
		$this->give_email( $email['id'] );
		$this->give_totp( $both['id'] );
		$this->give_email( $both['id'] );
		update_user_meta( $both['id'], Twofa_User_State::PRIMARY, 'email' );

		$ids = function ( array ...$words ): array {
			$r = $this->cli( 'list', '--role=' . $this->role, '--format=json', ...$words[0] );
			$this->assertSame( 0, $r['exit'], $r['stderr'] );
			return array_column( json_decode( $r['stdout'], true ), 'id' );
		};
		$this->assertSame( array( $totp['id'], $email['id'], $both['id'], $none['id'] ), $ids( array() ) );
		$this->assertSame( array( $totp['id'], $both['id'] ), $ids( array( '--method=totp' ) ) );
		$this->assertSame( array( $email['id'], $both['id'] ), $ids( array( '--method=email' ) ) );
		$this->assertSame( array( $none['id'] ), $ids( array( '--without-2fa' ) ) );

		$rows = json_decode( $this->cli( 'list', '--role=' . $this->role, '--format=json' )['stdout'], true );
		$this->assertSame( 'totp,email', $rows[2]['methods'] );
		$this->assertSame( 'email', $rows[2]['primary'] );
		$this->assertSame( '', $rows[3]['methods'] );

		$r = $this->cli( 'list', '--role=' . $this->role, '--format=csv', '--fields=id,login,methods' );
		$lines = explode( "\n", trim( $r['stdout'] ) );
		$this->assertSame( 'id,login,methods', $lines[0] );
		$this->assertSame( $totp['id'] . ',' . $totp['login'] . ',totp', $lines[1] );
		$this->assertCount( 5, $lines );

		$r = $this->cli( 'list', '--role=' . $this->role, '--format=count', '--without-2fa' );
		$this->assertSame( "1\n", $r['stdout'] );

		$r = $this->cli( 'list', '--role=' . $this->role, '--format=yaml', '--fields=id,login' );
		$this->assertStringStartsWith( "---\n- \n  id: " . $totp['id'] . "\n  login: " . $totp['login'] . "\n", $r['stdout'] );

		$r = $this->cli( 'list', '--role=' . $this->role );
		$this->assertMatchesRegularExpression( '/^\+-+\+/', $r['stdout'] );
		$this->assertStringContainsString( $none['login'], $r['stdout'] );
	}

	public function test_list_errors(): void {
		$r = $this->cli( 'list', '--method=sms' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'Unknown method: sms', $r['stderr'] );

		$r = $this->cli( 'list', '--role=no_such_role_x' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'Unknown role: no_such_role_x', $r['stderr'] );

		$r = $this->cli( 'list', '--method=totp', '--without-2fa' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'cannot be used together', $r['stderr'] );

		$r = $this->cli( 'list', '--fields=id,secret' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'Unknown field: secret', $r['stderr'] );

		$r = $this->cli( 'list', '--colour=red' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'unknown --colour parameter', $r['stderr'] );
	}

	public function test_reset_everything_ends_sessions_and_emails_the_user(): void {
		$u = $this->make_user( $this->role );
		$this->give_totp( $u['id'] );
		$this->give_email( $u['id'] );
		update_user_meta( $u['id'], Twofa_User_State::FAILURES, '2' );
		$sessions = WP_Session_Tokens::get_instance( $u['id'] );
		$sessions->create( time() + 3600 );
		$sessions->create( time() + 3600 );
		$this->assertCount( 2, $sessions->get_all() );
		$start = time();

		$r = $this->cli( 'reset', $u['login'], '--yes' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertStringContainsString( 'Success: Two-factor authentication reset for user ' . $u['login'], $r['stdout'] );
		$this->assertSame( '', $r['stderr'], 'the notice was sent' );
		foreach ( Twofa_User_State::all_keys() as $key ) {
			$this->assertSame( '', $this->meta( $u['id'], $key ), "$key removed" );
		}
		$this->assertCount( 0, WP_Session_Tokens::get_instance( $u['id'] )->get_all(), 'sessions destroyed' );
		$mail = $this->latest_mail( $u['email'], $start );
		$this->assertNotNull( $mail, 'the user was emailed' );
		$this->assertStringContainsString( 'reset', quoted_printable_decode( $mail ) );
	}

	public function test_reset_one_method_keeps_the_other(): void {
		$u = $this->make_user( $this->role );
		$this->give_totp( $u['id'] );
		$this->give_email( $u['id'] );
		WP_Session_Tokens::get_instance( $u['id'] )->create( time() + 3600 );
		$start = time();

		$r = $this->cli( 'reset', (string) $u['id'], '--method=totp', '--yes' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertStringContainsString( 'Success: Removed Google Authenticator', $r['stdout'] );
		wp_cache_flush();
		$this->assertSame( array( 'email' ), Twofa_User_State::configured_methods( $u['id'] ) );
		$this->assertSame( 'email', $this->meta( $u['id'], Twofa_User_State::PRIMARY ) );
		$this->assertCount( 0, WP_Session_Tokens::get_instance( $u['id'] )->get_all() );
		$mail = $this->latest_mail( $u['email'], $start );
		$this->assertNotNull( $mail );
		$this->assertStringContainsString( 'Google Authenticator', quoted_printable_decode( $mail ) );
	}

	public function test_reset_refusals_change_nothing(): void {
		$u = $this->make_user( $this->role );
		$this->give_totp( $u['id'] );
		WP_Session_Tokens::get_instance( $u['id'] )->create( time() + 3600 );
		$sealed = $this->meta( $u['id'], Twofa_Provider_Totp::SECRET );

		// No --yes and the question answered "n": WP-CLI exits 0 without doing anything.
		WP_CLI::$answers = array( 'n' );
		$r = $this->cli( 'reset', $u['login'] );
		$this->assertSame( 0, $r['exit'] );
		$this->assertStringContainsString( '[y/n]', $r['stdout'] );
		$this->assertStringNotContainsString( 'Success', $r['stdout'] );

		$r = $this->cli( 'reset', $u['login'], '--method=sms', '--yes' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'Unknown method: sms', $r['stderr'] );

		$r = $this->cli( 'reset', $u['login'], '--method=email', '--yes' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'has not configured OTP over Email', $r['stderr'] );

		$r = $this->cli( 'reset', 'nobody-' . bin2hex( random_bytes( 3 ) ), '--yes' );
		$this->assertSame( 1, $r['exit'] );

		$this->assertSame( $sealed, $this->meta( $u['id'], Twofa_Provider_Totp::SECRET ) );
		$this->assertCount( 1, WP_Session_Tokens::get_instance( $u['id'] )->get_all() );

		// Answered "y": done.
		WP_CLI::$answers = array( 'y' );
		$r = $this->cli( 'reset', $u['login'] );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertSame( '', $this->meta( $u['id'], Twofa_Provider_Totp::SECRET ) );
	}

	public function test_reset_with_the_sidecar_down_still_resets_and_warns(): void {
		$u = $this->make_user( $this->role );
		$this->give_totp( $u['id'] );
		Twofa_Settings::update( array( 'sidecar_url' => 'http://127.0.0.1:' . self::closed_port() ) );
		$r = $this->cli( 'reset', $u['login'], '--yes' );
		$this->assertSame( 0, $r['exit'] );
		$this->assertStringContainsString( 'Warning: The email to the user could not be sent', $r['stderr'] );
		$this->assertSame( '', $this->meta( $u['id'], Twofa_Provider_Totp::SECRET ) );
	}

	public function test_unlock_clears_lockout_and_counter(): void {
		$u = $this->make_user( $this->role );
		$this->give_totp( $u['id'] );
		update_user_meta( $u['id'], Twofa_User_State::FAILURES, '10' );
		update_user_meta( $u['id'], Twofa_User_State::LAST_FAILURE, (string) time() );
		update_user_meta( $u['id'], Twofa_User_State::LOCKED_UNTIL, (string) ( time() + 900 ) );

		$r = $this->cli( 'unlock', $u['login'] );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertStringContainsString( 'Success: User ' . $u['login'] . ' is unlocked.', $r['stdout'] );
		$this->assertSame( '', $this->meta( $u['id'], Twofa_User_State::LOCKED_UNTIL ) );
		$this->assertSame( '', $this->meta( $u['id'], Twofa_User_State::FAILURES ) );
		$this->assertNotSame( '', $this->meta( $u['id'], Twofa_Provider_Totp::SECRET ), 'methods untouched' );

		$r = $this->cli( 'unlock', $u['login'] );
		$this->assertSame( 0, $r['exit'] );
		$this->assertStringContainsString( 'was not locked', $r['stdout'] );

		$r = $this->cli( 'unlock', '999999999' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'Invalid user', $r['stderr'] );
	}

	public function test_policy_get_and_set(): void {
		$r = $this->cli( 'policy', 'get', '--format=json' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$got = json_decode( $r['stdout'], true );
		$this->assertSame( Twofa_Settings::all(), $got, 'one object' );

		$r = $this->cli( 'policy', 'set', '--roles=editor,' . $this->role, '--methods=email', '--grace-days=7' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertStringContainsString( 'Success: Policy updated.', $r['stdout'] );
		$stored = $this->stored_settings();
		$this->assertSame( array( 'editor', $this->role ), $stored['required_roles'] );
		$this->assertSame( array( 'email' ), $stored['methods'] );
		$this->assertSame( 7, $stored['grace_days'] );

		$r = $this->cli( 'policy', 'get' );
		$this->assertMatchesRegularExpression( '/\|\s*grace_days\s*\|\s*7\s*\|/', $r['stdout'] );

		// Clearing the roles with an empty value.
		$r = $this->cli( 'policy', 'set', '--roles=' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertSame( array(), $this->stored_settings()['required_roles'] );
	}

	public function test_policy_set_invalid_changes_nothing(): void {
		Twofa_Settings::update( array( 'grace_days' => 3, 'methods' => array( 'totp', 'email' ) ) );
		$before = $this->stored_settings();
		$cases  = array(
			array( '--methods=sms' ),
			array( '--methods=' ),
			array( '--roles=no_such_role_x' ),
			array( '--grace-days=-1' ),
			array( '--grace-days=366' ),
			array( '--grace-days=7', '--methods=sms' ), // One bad value: the good one is not saved either.
			array(),
		);
		foreach ( $cases as $case ) {
			$r = $this->cli( 'policy', 'set', ...$case );
			$this->assertSame( 1, $r['exit'], 'refused: ' . implode( ' ', $case ) );
			$this->assertStringContainsString( 'Error:', $r['stderr'] );
			$this->assertSame( $before, $this->stored_settings(), 'unchanged after ' . implode( ' ', $case ) );
		}
		$r = $this->cli( 'policy', 'set', '--methods=sms' );
		$this->assertStringContainsString( 'Nothing was changed.', $r['stderr'] );
		$this->assertStringContainsString( 'Choose at least one method', $r['stderr'] );

		$r = $this->cli( 'policy', 'frob' );
		$this->assertSame( 1, $r['exit'] );
	}

	public function test_doctor_passes_on_the_stack(): void {
		$r = $this->cli( 'doctor' );
		$this->assertSame( 0, $r['exit'], $r['stdout'] . $r['stderr'] );
		foreach ( Twofa_CLI_Command::checks_names() as $name ) {
			$this->assertMatchesRegularExpression( '/^OK\s+' . $name . '\s/m', $r['stdout'] );
		}
		$this->assertMatchesRegularExpression( '/^OK\s+sidecar\s+reachable at [^ ]+ version \d+\.\d+\.\d+, signed requests accepted$/m', $r['stdout'] );
		$this->assertStringContainsString( 'Success: All checks passed.', $r['stdout'] );
		$this->assertStringNotContainsString( (string) file_get_contents( (string) getenv( 'TWOFA_KEY_FILE' ) ), $r['stdout'] );
	}

	public function test_doctor_fails_when_the_sidecar_port_is_closed(): void {
		Twofa_Settings::update( array( 'sidecar_url' => 'http://127.0.0.1:' . self::closed_port() ) );
		$r = $this->cli( 'doctor' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertMatchesRegularExpression( '/^FAIL\s+sidecar\s+not reachable/m', $r['stdout'] );
		$this->assertMatchesRegularExpression( '/^OK\s+extension\s/m', $r['stdout'] );
		$this->assertStringContainsString( 'Error: 1 of 5 checks failed.', $r['stderr'] );
	}

	public function test_doctor_fails_on_invalid_stored_settings(): void {
		update_option( Twofa_Settings::OPTION, array( 'lockout_after' => 'many' ) );
		$r = $this->cli( 'doctor' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertMatchesRegularExpression( '/^FAIL\s+settings\s+stored settings are invalid/m', $r['stdout'] );
	}

	public function test_send_test_email(): void {
		$u     = $this->make_user( $this->role );
		$start = time();
		$r     = $this->cli( 'send-test-email', $u['email'] );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertStringContainsString( 'Success: A test email was sent to user ' . $u['login'], $r['stdout'] );
		$this->assertNotNull( $this->latest_mail( $u['email'], $start ), 'the test email reached the outbox' );

		$r = $this->cli( 'send-test-email', 'nobody-' . bin2hex( random_bytes( 3 ) ) );
		$this->assertSame( 1, $r['exit'] );

		Twofa_Settings::update( array( 'sidecar_url' => 'http://127.0.0.1:' . self::closed_port() ) );
		$r = $this->cli( 'send-test-email', $u['login'] );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'Error: The test email was not sent: The email service is not reachable', $r['stderr'] );
	}

	public function test_unknown_subcommand(): void {
		$r = $this->cli( 'frobnicate' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( "'frobnicate' is not a registered subcommand", $r['stderr'] );
	}
}
