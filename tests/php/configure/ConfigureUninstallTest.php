<?php
/**
 * uninstall.php removes every twofa option, transient and user meta key.
 */

require_once __DIR__ . '/class-configure-testcase.php';

/**
 * Runs the real uninstall.php in a separate PHP process (as WordPress would, with
 * WP_UNINSTALL_PLUGIN defined), then puts back what other tests' users had.
 *
 * @group uninstall
 */
final class ConfigureUninstallTest extends Configure_TestCase {

	public function test_uninstall_removes_all_twofa_data(): void {
		global $wpdb;
		$like = $wpdb->esc_like( '_twofa_' ) . '%';
		// Other users' 2FA state on this shared stack, restored afterwards.
		$saved_meta    = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$wpdb->usermeta} WHERE meta_key LIKE %s", $like ), ARRAY_A );
		$saved_options = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$wpdb->options} WHERE option_name = %s OR option_name LIKE %s OR option_name LIKE %s", Twofa_Settings::OPTION, $wpdb->esc_like( '_transient_twofa_' ) . '%', $wpdb->esc_like( '_transient_timeout_twofa_' ) . '%' ), ARRAY_A );

		$user = $this->make_user( 'subscriber' );
		$this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		update_user_meta( $user['id'], '_twofa_left_by_an_old_version', 'x' );
		update_user_meta( $user['id'], 'unrelated_meta', 'keep me' );
		set_transient( 'twofa_flash_' . $user['id'], array( 'x' ), 300 );
		$this->set_settings( array( 'grace_days' => 3 ) );
		// The activity log's rows are kept aside and put back (the final scan reads them).
		$events = Twofa_Events::table();
		$keep   = $events . '_kept';
		$wpdb->query( "DROP TABLE IF EXISTS {$keep}" );
		$wpdb->query( "CREATE TABLE {$keep} LIKE {$events}" );
		$wpdb->query( "INSERT INTO {$keep} SELECT * FROM {$events}" );
		$this->assertTrue( Twofa_Events::record( Twofa_Events::LOGIN_PASSED, $user['id'], array( 'method' => 'totp' ) ) );
		$this->assertNotFalse( get_site_option( Twofa_Events::DB_VERSION_OPTION ) );

		try {
			$script = tempnam( sys_get_temp_dir(), 'twofa-uninstall' );
			file_put_contents(
				$script,
				'<?php
				$parts = parse_url( getenv( "TWOFA_WP_URL" ) );
				$_SERVER["HTTP_HOST"] = $parts["host"] . ":" . $parts["port"];
				$_SERVER["REQUEST_URI"] = "/wp-admin/plugins.php";
				define( "WP_ADMIN", true );
				require getenv( "TWOFA_WP_DIR" ) . "/wp-load.php";
				define( "WP_UNINSTALL_PLUGIN", "twofa/twofa.php" );
				include WP_PLUGIN_DIR . "/twofa/uninstall.php";
				echo "uninstalled";'
			);
			$output = (string) shell_exec( (string) getenv( 'TWOFA_PHP' ) . ' ' . escapeshellarg( $script ) . ' 2>&1' );
			unlink( $script );
			$this->assertStringEndsWith( 'uninstalled', trim( $output ), $output );

			wp_cache_flush();
			$this->assertSame( '0', (string) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->usermeta} WHERE meta_key LIKE %s", $like ) ), 'no _twofa_ user meta left' );
			$this->assertSame( 'keep me', get_user_meta( $user['id'], 'unrelated_meta', true ) );
			$this->assertFalse( get_option( Twofa_Settings::OPTION ) );
			$this->assertFalse( get_transient( 'twofa_flash_' . $user['id'] ) );
			$this->assertNotFalse( get_userdata( $user['id'] ), 'users themselves stay' );
			$this->assertNull( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $events ) ), 'the activity log table is dropped' );
			wp_cache_delete( 'notoptions', 'options' );
			$this->assertFalse( get_site_option( Twofa_Events::DB_VERSION_OPTION ), 'its schema version is gone' );
			$this->assertFalse( wp_next_scheduled( Twofa_Events::CRON_HOOK ), 'the daily purge is unscheduled' );
		} finally {
			$wpdb->query( "DROP TABLE IF EXISTS {$events}" );
			$wpdb->query( "RENAME TABLE {$keep} TO {$events}" );
			update_site_option( Twofa_Events::DB_VERSION_OPTION, Twofa_Events::DB_VERSION );
			foreach ( $saved_meta as $row ) {
				$wpdb->replace( $wpdb->usermeta, $row );
			}
			foreach ( $saved_options as $row ) {
				$wpdb->replace( $wpdb->options, $row );
			}
			wp_cache_flush();
		}
	}

	public function test_uninstall_does_nothing_when_not_called_by_wordpress(): void {
		$output = (string) shell_exec( (string) getenv( 'TWOFA_PHP' ) . ' ' . escapeshellarg( TWOFA_PLUGIN_DIR . '/uninstall.php' ) . ' 2>&1' );
		$this->assertSame( '', trim( $output ) );
		$this->assertNotFalse( get_option( Twofa_Settings::OPTION, false ) );
	}
}
