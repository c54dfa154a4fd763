<?php
/**
 * `wp twofa` and backup codes / remembered devices: status shows the unused count, reset removes
 * the codes and the devices, `devices` lists and forgets (with a notice email), and no command
 * ever prints a code, a token or a hash.
 */

require_once __DIR__ . '/class-admin-testcase.php';

final class MethodsCliTest extends Admin_TestCase {

	public function test_status_shows_the_unused_count_and_no_command_prints_a_code(): void {
		$u     = $this->make_user();
		$this->give_totp( $u['id'] );
		$codes = Twofa_Backup_Codes::generate( $u['id'] );
		Twofa_Backup_Codes::consume( $u['id'], $codes[0] );
		$token = Twofa_Devices::issue( $u['id'], 'Firefox (X11; Linux)', '127.0.0.1' )['cookie'];

		$r = $this->cli( 'status', $u['login'], '--format=json' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$row = json_decode( $r['stdout'], true );
		$this->assertSame( 9, (int) $row['backup_codes_unused'] );
		$this->assertContains( 'backup_codes', (array) $row['methods'] );
		$this->assertSame( 'totp', $row['primary'], 'never the primary method' );

		$outputs = array( $r['stdout'] );
		foreach ( array(
			array( 'status', $u['login'] ),
			array( 'list', '--format=json' ),
			array( 'devices', $u['login'], '--format=json' ),
			array( 'devices', $u['login'], '--format=yaml' ),
			array( 'devices', $u['login'] ),
		) as $words ) {
			$r = $this->cli( ...$words );
			$this->assertSame( 0, $r['exit'], implode( ' ', $words ) . ': ' . $r['stderr'] );
			$outputs[] = $r['stdout'] . $r['stderr'];
		}
		$all    = implode( "\n", $outputs );
		$hashes = $this->rows( $u['id'], Twofa_Backup_Codes::META_CODE );
		foreach ( $codes as $code ) {
			$this->assertStringNotContainsString( $code, $all );
			$this->assertStringNotContainsString( str_replace( '-', '', $code ), $all );
		}
		foreach ( $hashes as $hash ) {
			$this->assertStringNotContainsString( $hash, $all );
		}
		$this->assertStringNotContainsString( explode( '.', $token )[1], $all, 'no device token' );
		$this->assertStringNotContainsString( 'h1.', $all, 'no hash at all' );
	}

	public function test_devices_lists_and_forget_all_sends_a_notice(): void {
		$u = $this->make_user();
		$this->give_totp( $u['id'] );
		$r = $this->cli( 'devices', $u['login'] );
		$this->assertSame( 0, $r['exit'] );
		$this->assertStringContainsString( 'has no remembered devices', $r['stdout'] );

		$first  = Twofa_Devices::issue( $u['id'], 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', '192.0.2.1' );
		$second = Twofa_Devices::issue( $u['id'], 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1', '192.0.2.2' );
		$r      = $this->cli( 'devices', (string) $u['id'], '--format=json' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$list = json_decode( $r['stdout'], true );
		$this->assertCount( 2, $list );
		$this->assertEqualsCanonicalizing( array( $first['id'], $second['id'] ), array_column( $list, 'id' ) );
		$this->assertEqualsCanonicalizing( array( 'Firefox on Linux', 'Safari on iOS' ), array_column( $list, 'label' ) );
		$this->assertSame( array( 'id', 'label', 'created', 'last_used', 'expires', 'ip' ), array_keys( $list[0] ) );
		$this->assertSame( "2\n", $this->cli( 'devices', $u['email'], '--format=count' )['stdout'] );
		$this->assertSame( 1, $this->cli( 'devices', $u['login'], '--format=xml' )['exit'], 'an unknown format is refused' );
		$this->assertSame( 1, $this->cli( 'devices', 'no-such-user-' . bin2hex( random_bytes( 3 ) ) )['exit'] );

		$since = time();
		$r     = $this->cli( 'devices', $u['login'], '--forget-all' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertStringContainsString( 'Forgot 2 devices', $r['stdout'] );
		$this->assertSame( array(), Twofa_Devices::all( $u['id'] ) );
		$this->assertNull( Twofa_Devices::check( $u['id'], $first['cookie'] ) );
		$mail = $this->latest_mail( $u['email'], $since );
		$this->assertNotNull( $mail, 'an administrator\'s forget-all emails the user' );
		$this->assertStringContainsString( 'forget every remembered device', quoted_printable_decode( $mail ) );
	}

	public function test_reset_removes_backup_codes_and_devices(): void {
		$u = $this->make_user();
		$this->give_totp( $u['id'] );
		Twofa_Backup_Codes::generate( $u['id'] );
		Twofa_Devices::issue( $u['id'], 'Firefox', '127.0.0.1' );
		$r = $this->cli( 'reset', $u['login'], '--yes' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertSame( 0, Twofa_Backup_Codes::remaining( $u['id'] ) );
		$this->assertFalse( Twofa_Backup_Codes::has_set( $u['id'] ) );
		$this->assertSame( array(), Twofa_Devices::all( $u['id'] ) );
		$r = $this->cli( 'status', $u['login'], '--format=json' );
		$row = json_decode( $r['stdout'], true );
		$this->assertSame( array(), $row['methods'] );
		$this->assertArrayNotHasKey( 'backup_codes_unused', $row, 'no backup codes left to count' );
	}

	/**
	 * Raw meta values of a key.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @return string[]
	 */
	private function rows( int $user_id, string $key ): array {
		global $wpdb;
		return $wpdb->get_col( $wpdb->prepare( "SELECT meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s", $user_id, $key ) );
	}
}
