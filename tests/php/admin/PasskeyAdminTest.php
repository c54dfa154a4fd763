<?php
/**
 * Passkeys in `wp twofa` (status, list, reset), the Users column, the report counted in PHP,
 * and the deletion of an account.
 */

require_once __DIR__ . '/class-admin-testcase.php';
require_once dirname( __DIR__ ) . '/support/trait-passkey-helpers.php';

final class PasskeyAdminTest extends Admin_TestCase {

	use Passkey_Helpers;

	public function test_status_list_column_and_report_count_passkeys_without_key_material(): void {
		$u = $this->make_user();
		$this->give_passkey( $u['id'], 0, 'Laptop' );
		$this->give_passkey( $u['id'], 0, 'Phone' );
		$rows = $this->passkey_rows( $u['id'] );

		$r = $this->cli( 'status', $u['login'], '--format=json' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$row = json_decode( $r['stdout'], true );
		$this->assertSame( array( 'passkey' ), $row['methods'] );
		$this->assertSame( 'passkey', $row['primary'] );
		$this->assertSame( 2, $row['passkey_count'] );
		$this->assertCount( 2, $row['passkey_list'] );
		$this->assertStringStartsWith( 'Laptop (created ', $row['passkey_list'][0] );
		$this->assertStringContainsString( 'last used never', $row['passkey_list'][1] );

		$outputs = array( $r['stdout'] );
		foreach ( array( array( 'status', $u['login'] ), array( 'list', '--format=json' ) ) as $words ) {
			$r = $this->cli( ...$words );
			$this->assertSame( 0, $r['exit'], implode( ' ', $words ) . ': ' . $r['stderr'] );
			$outputs[] = $r['stdout'] . $r['stderr'];
		}
		$this->assertStringContainsString( 'Phone', $outputs[1], 'the table lists the names' );
		$listed = array_values( array_filter( json_decode( $outputs[2], true ), static fn( $x ) => (int) $x['id'] === $u['id'] ) );
		$this->assertSame( 'passkey', $listed[0]['methods'], 'wp twofa list shows the method' );
		$all = implode( "\n", $outputs );
		foreach ( $rows as $stored ) {
			$this->assertStringNotContainsString( $stored['credential_id'], $all, 'no credential id' );
			$this->assertStringNotContainsString( $stored['record'], $all, 'no record' );
		}
		$this->assertStringNotContainsString( 'tf1.', $all, 'no sealed value at all' );
		$this->assertStringNotContainsString( (string) Twofa_Passkeys::user_handle( $u['id'] ), $all, 'no user handle' );

		$this->assertStringContainsString( 'Passkeys (2)', Twofa_Users_Column::cell_html( $u['id'] ), 'the Users column counts them' );
		$report = Twofa_Report::compute( 1, 1000 );
		$this->assertGreaterThanOrEqual( 1, $report['by_method']['passkey'] );
		$this->assertNotContains( $u['id'], array_column( $report['without_2fa_users']['items'], 'id' ), 'a passkey is 2FA' );
		$this->assertTrue( Twofa_User_State::has_2fa( $u['id'] ) );
		$without = new WP_User_Query( array( 'twofa_has' => 'none', 'include' => array( $u['id'] ), 'fields' => 'ID' ) );
		$this->assertSame( array(), $without->get_results(), 'not in the Users screen\'s "Without 2FA" view' );
	}

	public function test_reset_method_passkey_and_full_reset_remove_them(): void {
		$u = $this->make_user();
		$this->give_totp( $u['id'] );
		$this->give_passkey( $u['id'] );
		$this->give_passkey( $u['id'] );
		$r = $this->cli( 'reset', $u['login'], '--method=passkey', '--yes' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertSame( array(), $this->passkey_rows( $u['id'] ), 'every passkey removed' );
		$this->assertNull( $this->db_meta( $u['id'], Twofa_Passkeys::COUNT_KEY ) );
		$this->assertOneEvent( $u['id'], Twofa_Events::METHOD_REMOVED, 'passkey' );
		$this->assertSame( array( 'totp' ), Twofa_User_State::configured_methods( $u['id'] ), 'the other method stays' );

		$this->give_passkey( $u['id'] );
		$r = $this->cli( 'reset', $u['login'], '--yes' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertSame( array(), $this->passkey_rows( $u['id'] ), 'a full reset removes the passkeys too' );
		$reset = $this->assertOneEvent( $u['id'], Twofa_Events::RESET );
		$this->assertStringContainsString( 'passkey', $reset['details'] );

		$this->give_passkey( $u['id'] );
		wp_delete_user( $u['id'] );
		$this->assertSame( array(), $this->passkey_rows( $u['id'] ), 'a deleted account takes its passkeys along' );
	}

	/**
	 * One user meta value straight from the table.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 */
	private function db_meta( int $user_id, string $key ): ?string {
		global $wpdb;
		$value = $wpdb->get_var( $wpdb->prepare( "SELECT meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s LIMIT 1", $user_id, $key ) );
		return null === $value ? null : (string) $value;
	}
}
