<?php
/**
 * Wires the plugin's features into WordPress.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Each feature is one class with a static register() that adds its hooks.
 */
final class Twofa_Plugin {

	/**
	 * Feature classes, in the order their hooks are added.
	 *
	 * @var string[]
	 */
	const FEATURES = array(
		'Twofa_Events',          // The activity log's table, purge and settings-change events.
		'Twofa_Passkeys',        // The passkey tables and the purge of ceremony states.
		'Twofa_Admin_Notices',   // Extension / key problems, told to the site owner.
		'Twofa_User_Query',      // The "has 2FA" condition for user queries.
		'Twofa_Configure_Page',  // Users → Configure 2FA.
		'Twofa_Profile_Section', // The 2FA section of the profile screens.
		'Twofa_Email_Change',    // An email change asks who is there when codes go to it.
		'Twofa_Reset_Screen',    // An administrator resets another user's 2FA.
		'Twofa_Login',           // The second step on wp-login.php, first-login setup.
		'Twofa_Passwordless',    // "Log in with a passkey" on wp-login.php (a setting, off by default).
		'Twofa_Auth_Policy',     // XML-RPC, REST, application passwords.
		'Twofa_Login_Errors',    // One error for unknown users and wrong passwords.
		'Twofa_Settings_Page',   // Settings → Two-Factor.
		'Twofa_Report_Page',     // The adoption report.
		'Twofa_Users_Column',    // The "2FA" column in Users.
		'Twofa_Activity_Page',   // Users → 2FA Activity.
		'Twofa_Event_Privacy',   // The activity log in the personal data export and erasure.
		'Twofa_Demo_Mailbox',    // Demo mode only: the file outbox in the browser.
		'Twofa_Remember_Device', // Remembered devices: forgotten when the password changes.
		'Twofa_Devices_Screen',  // Configure 2FA → Remembered devices (Forget, Forget all).
	);

	/**
	 * Adds every feature's hooks once.
	 */
	public static function boot(): void {
		static $booted = false;
		if ( $booted ) {
			return;
		}
		$booted = true;

		load_plugin_textdomain( 'twofa', false, dirname( plugin_basename( TWOFA_PLUGIN_FILE ) ) . '/languages' );

		foreach ( self::FEATURES as $feature ) {
			if ( class_exists( $feature ) ) {
				$feature::register();
			}
		}

		if ( defined( 'WP_CLI' ) && WP_CLI && class_exists( 'Twofa_CLI_Command' ) ) {
			WP_CLI::add_command( 'twofa', 'Twofa_CLI_Command' );
			WP_CLI::add_command( 'twofa policy', 'Twofa_CLI_Policy_Command' );
			WP_CLI::add_command( 'twofa log', 'Twofa_CLI_Log_Command' );
		}
	}
}
