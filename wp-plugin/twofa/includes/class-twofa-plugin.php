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
		'Twofa_Import_Page',     // Tools → Import two-factor settings.
	);

	/**
	 * Registers languages/ as where twofa's translations are (the `init` hook).
	 */
	public static function load_textdomain(): void {
		global $wp_textdomain_registry;
		if ( $wp_textdomain_registry instanceof WP_Textdomain_Registry ) {
			// WordPress 6.1+: the .mo file is read when a twofa string is first translated,
			// so requests that show none of them never read it.
			$wp_textdomain_registry->set_custom_path( 'twofa', dirname( TWOFA_PLUGIN_FILE ) . '/languages' );
			return;
		}
		load_plugin_textdomain( 'twofa', false, dirname( plugin_basename( TWOFA_PLUGIN_FILE ) ) . '/languages' );
	}

	/**
	 * Adds every feature's hooks once.
	 */
	public static function boot(): void {
		static $booted = false;
		if ( $booted ) {
			return;
		}
		$booted = true;

		// Translations from languages/ (twofa-{locale}.mo), registered on init.
		add_action( 'init', array( __CLASS__, 'load_textdomain' ) );

		foreach ( self::FEATURES as $feature ) {
			if ( class_exists( $feature ) ) {
				$feature::register();
			}
		}

		if ( defined( 'WP_CLI' ) && WP_CLI && class_exists( 'Twofa_CLI_Command' ) ) {
			WP_CLI::add_command( 'twofa', 'Twofa_CLI_Command' );
			WP_CLI::add_command( 'twofa policy', 'Twofa_CLI_Policy_Command' );
			WP_CLI::add_command( 'twofa log', 'Twofa_CLI_Log_Command' );
			WP_CLI::add_command( 'twofa import', 'Twofa_CLI_Import_Command' );
		}
	}
}
