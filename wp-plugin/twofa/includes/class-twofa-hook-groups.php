<?php
/**
 * The hook groups that a plain page view never adds.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The groups of the dashboard, WP-CLI, cron, demo mode, HTTP Basic credentials and
 * those a trigger adds when a login, a user write or a settings write starts, with
 * the triggers themselves. Kept out of Twofa_Hooks so that a front-end request does
 * not load them: same row format (hook, callback array( class, method ), priority,
 * accepted arguments), added by Twofa_Hooks::add(), same rules (docs/DESIGN.md, "How
 * to add a hook without loading a class").
 */
final class Twofa_Hook_Groups {

	/**
	 * Added by login() when a login starts.
	 *
	 * @var array<int,array{0:string,1:array{0:string,1:string},2:int,3:int}>
	 */
	const LOGIN = array(
		// Causal reads before WordPress reads the account (priority 20).
		array( 'authenticate', array( 'Twofa_Auth_Policy', 'before_checks' ), 0, 2 ),
		// One error for unknown users and wrong passwords, after WordPress's own checks (priority 20).
		array( 'authenticate', array( 'Twofa_Login_Errors', 'filter' ), 90, 3 ),
		// XML-RPC, REST, application passwords.
		array( 'authenticate', array( 'Twofa_Auth_Policy', 'authenticate' ), PHP_INT_MAX, 3 ),
		array( 'wp_authenticate_application_password_errors', array( 'Twofa_Auth_Policy', 'application_password_errors' ), 10, 2 ),
		// Remembered devices: asked after a correct password.
		array( 'twofa_skip_challenge', array( 'Twofa_Remember_Device', 'filter_skip_challenge' ), 10, 2 ),
		// WordPress's write of the new session drops the account's cached meta; wp_login reads it next.
		array( 'update_user_meta', array( 'Twofa_Login', 'before_sessions_write' ), 10, 3 ),
		array( 'updated_user_meta', array( 'Twofa_Login', 'after_sessions_write' ), PHP_INT_MAX, 4 ),
	);

	/**
	 * Added by user_write() when a user is inserted or updated.
	 *
	 * @var array<int,array{0:string,1:array{0:string,1:string},2:int,3:int}>
	 */
	const USER_WRITE = array(
		// The old address is told about an email change.
		array( 'wp_pre_insert_user_data', array( 'Twofa_Email_Change', 'notify_old_address' ), 10, 3 ),
		// Remembered devices are forgotten when the password changes.
		array( 'profile_update', array( 'Twofa_Remember_Device', 'on_profile_update' ), 10, 2 ),
	);

	/**
	 * Added by settings_write() when the settings option is written.
	 *
	 * @var array<int,array{0:string,1:array{0:string,1:string},2:int,3:int}>
	 */
	const SETTINGS_WRITE = array(
		array( 'add_option_twofa_settings', array( 'Twofa_Settings_Audit', 'on_added' ), 10, 2 ),
		array( 'update_option_twofa_settings', array( 'Twofa_Settings_Audit', 'on_updated' ), 10, 2 ),
		// The network's settings (multisite, network-activated) are a site option of that name;
		// Network Admin and WP-CLI add this group at load time (register_all()).
		array( 'add_site_option_twofa_settings', array( 'Twofa_Settings_Audit', 'on_network_added' ), 10, 2 ),
		array( 'update_site_option_twofa_settings', array( 'Twofa_Settings_Audit', 'on_network_updated' ), 10, 3 ),
	);

	/**
	 * A request with HTTP Basic credentials (an application password for REST or
	 * XML-RPC is checked while WordPress determines the current user, before any
	 * `authenticate` filter).
	 *
	 * @var array<int,array{0:string,1:array{0:string,1:string},2:int,3:int}>
	 */
	const BASIC_AUTH = array(
		array( 'wp_authenticate_application_password_errors', array( 'Twofa_Auth_Policy', 'application_password_errors' ), 10, 2 ),
	);

	/**
	 * Cron (wp-cron.php, `wp cron event run`): the activity log's purge
	 * (Twofa_Events::CRON_HOOK, CRON_MORE_HOOK).
	 *
	 * @var array<int,array{0:string,1:array{0:string,1:string},2:int,3:int}>
	 */
	const CRON = array(
		array( 'twofa_events_purge', array( 'Twofa_Event_Log', 'cron_purge' ), 10, 1 ),
		array( 'twofa_events_purge_more', array( 'Twofa_Event_Log', 'cron_purge' ), 10, 1 ),
		// The daily purge of expired passkey ceremony states (on Twofa_Events::CRON_HOOK).
		array( 'twofa_events_purge', array( 'Twofa_Passkey_Ceremonies', 'cron_purge' ), 10, 1 ),
	);

	/**
	 * admin-ajax.php (wp_doing_ajax()): adding a passkey on Configure 2FA
	 * (Twofa_Passkey_Screens::AJAX_BEGIN / AJAX_FINISH).
	 *
	 * @var array<int,array{0:string,1:array{0:string,1:string},2:int,3:int}>
	 */
	const AJAX = array(
		array( 'wp_ajax_twofa_passkey_register_begin', array( 'Twofa_Passkey_Screens', 'ajax_register_begin' ), 10, 1 ),
		array( 'wp_ajax_twofa_passkey_register_finish', array( 'Twofa_Passkey_Screens', 'ajax_register_finish' ), 10, 1 ),
	);

	/**
	 * Hooks of the dashboard, its screens and admin-post.php / admin-ajax.php,
	 * and of `wp twofa list` (register_all()).
	 *
	 * @var array<int,array{0:string,1:array{0:string,1:string},2:int,3:int}>
	 */
	const ADMIN = array(
		// The "has 2FA" condition (`twofa_has`) of the Users list and `wp twofa list`.
		array( 'pre_user_query', array( 'Twofa_User_Query', 'apply' ), 10, 1 ),
		// The activity log's table is created or upgraded, and its purge scheduled.
		array( 'admin_init', array( 'Twofa_Events', 'admin_init' ), 10, 1 ),
		// The passkey tables are created or upgraded when their schema version changes.
		array( 'admin_init', array( 'Twofa_Passkeys', 'maybe_upgrade' ), 10, 1 ),
		// Extension / key problems, told to the site owner.
		array( 'admin_notices', array( 'Twofa_Admin_Notices', 'render' ), 10, 1 ),
		array( 'network_admin_notices', array( 'Twofa_Admin_Notices', 'render' ), 10, 1 ),
		// Users → Configure 2FA (Twofa_Configure_Page::POST_ACTION).
		array( 'admin_menu', array( 'Twofa_Configure_Page', 'add_page' ), 10, 1 ),
		array( 'admin_post_twofa_configure', array( 'Twofa_Configure_Page', 'handle_post' ), 10, 1 ),
		array( 'admin_enqueue_scripts', array( 'Twofa_Configure_Page', 'enqueue' ), 10, 1 ),
		// The 2FA section of the profile screens.
		array( 'show_user_profile', array( 'Twofa_Profile_Section', 'render_own_profile_section' ), 10, 1 ),
		array( 'edit_user_profile', array( 'Twofa_Profile_Section', 'render_other_profile_section' ), 10, 1 ),
		// An email change asks who is there; before WordPress's own send_confirmation_on_profile_email (10).
		array( 'personal_options_update', array( 'Twofa_Email_Change', 'check_own_change' ), 1, 1 ),
		array( 'user_profile_update_errors', array( 'Twofa_Email_Change', 'add_refusal' ), 10, 1 ),
		array( 'show_user_profile', array( 'Twofa_Email_Change', 'render_fields' ), 20, 1 ),
		// An administrator resets another user's 2FA (Twofa_Reset_Screen::ACTION).
		array( 'admin_menu', array( 'Twofa_Reset_Screen', 'add_page' ), 10, 1 ),
		array( 'admin_post_twofa_reset_user', array( 'Twofa_Reset_Screen', 'handle_reset' ), 10, 1 ),
		// A permanent lock's Unlock button (Twofa_Reset_Screen::UNLOCK_ACTION) and its form.
		array( 'admin_post_twofa_unlock_user', array( 'Twofa_Reset_Screen', 'handle_unlock' ), 10, 1 ),
		array( 'admin_footer', array( 'Twofa_Reset_Screen', 'render_unlock_form' ), 10, 1 ),
		array( 'admin_notices', array( 'Twofa_Reset_Screen', 'render_reset_notice' ), 10, 1 ),
		// "Set up 2FA within N days".
		array( 'admin_notices', array( 'Twofa_Login', 'grace_notice' ), 10, 1 ),
		// Settings → Two-Factor (Twofa_Settings_Page::TEST_ACTION).
		array( 'admin_menu', array( 'Twofa_Settings_Page', 'add_menu' ), 10, 1 ),
		array( 'admin_init', array( 'Twofa_Settings_Page', 'register_settings' ), 10, 1 ),
		array( 'admin_post_twofa_send_test_email', array( 'Twofa_Settings_Page', 'handle_test_email' ), 10, 1 ),
		// Network Admin → Settings → Two-Factor (Twofa_Settings_Page::NETWORK_ACTION).
		array( 'network_admin_menu', array( 'Twofa_Settings_Page', 'add_network_menu' ), 10, 1 ),
		array( 'network_admin_edit_twofa_network_settings', array( 'Twofa_Settings_Page', 'handle_network_save' ), 10, 1 ),
		// The adoption report, and the network's.
		array( 'admin_menu', array( 'Twofa_Report_Page', 'add_menu' ), 10, 1 ),
		array( 'network_admin_menu', array( 'Twofa_Report_Page', 'add_network_menu' ), 10, 1 ),
		// The "2FA" column in Users.
		array( 'manage_users_columns', array( 'Twofa_Users_Column', 'add_column' ), 10, 1 ),
		array( 'manage_users_custom_column', array( 'Twofa_Users_Column', 'render_cell' ), 10, 3 ),
		array( 'views_users', array( 'Twofa_Users_Column', 'add_view' ), 10, 1 ),
		array( 'users_list_table_query_args', array( 'Twofa_Users_Column', 'filter_query' ), 10, 1 ),
		// Users → 2FA Activity and its CSV export (Twofa_Activity_Page::EXPORT_ACTION).
		array( 'admin_menu', array( 'Twofa_Activity_Page', 'add_page' ), 10, 1 ),
		array( 'network_admin_menu', array( 'Twofa_Activity_Page', 'add_network_page' ), 10, 1 ),
		array( 'admin_post_twofa_activity_export', array( 'Twofa_Activity_Page', 'handle_export' ), 10, 1 ),
		// The activity log in the personal data export and erasure.
		array( 'wp_privacy_personal_data_exporters', array( 'Twofa_Event_Privacy', 'add_exporter' ), 10, 1 ),
		array( 'wp_privacy_personal_data_erasers', array( 'Twofa_Event_Privacy', 'add_eraser' ), 10, 1 ),
		// Configure 2FA → Remembered devices (Twofa_Devices_Screen::POST_ACTION).
		array( 'admin_post_twofa_devices', array( 'Twofa_Devices_Screen', 'handle_post' ), 10, 1 ),
		// Tools → Import two-factor settings.
		array( 'admin_menu', array( 'Twofa_Import_Page', 'add_menu' ), 10, 1 ),
	);

	/**
	 * Demo mode only (TWOFA_DEMO and TWOFA_DEMO_OUTBOX): the file outbox in the browser
	 * (Twofa_Demo_Mailbox::ACTION).
	 *
	 * @var array<int,array{0:string,1:array{0:string,1:string},2:int,3:int}>
	 */
	const DEMO = array(
		array( 'admin_menu', array( 'Twofa_Demo_Mailbox', 'admin_menu' ), 10, 1 ),
		array( 'login_form_twofa_demo_mailbox', array( 'Twofa_Demo_Mailbox', 'login_page' ), 10, 1 ),
		array( 'login_footer', array( 'Twofa_Demo_Mailbox', 'login_footer_link' ), 10, 1 ),
	);

	/**
	 * WP-CLI commands: command, class.
	 *
	 * @var array<int,array{0:string,1:string}>
	 */
	const COMMANDS = array(
		array( 'twofa', 'Twofa_CLI_Command' ),
		array( 'twofa policy', 'Twofa_CLI_Policy_Command' ),
		array( 'twofa log', 'Twofa_CLI_Log_Command' ),
		array( 'twofa import', 'Twofa_CLI_Import_Command' ),
	);

	/**
	 * Every group but the WP-CLI commands' and demo mode's: the dashboard, admin-post.php and
	 * admin-ajax.php (is_admin()) and WP-CLI get them all at load time, and so may a php-cli
	 * script that uses the dashboard's features without a screen (list tables, privacy tools).
	 */
	public static function register_all(): void {
		foreach ( array( 'ADMIN', 'LOGIN', 'USER_WRITE', 'SETTINGS_WRITE', 'CRON' ) as $group ) {
			Twofa_Hooks::add( $group, constant( 'self::' . $group ) );
		}
		Twofa_Hooks::add( 'LOGIN_SCREEN', Twofa_Login_Hooks::LOGIN_SCREEN );
		if ( wp_doing_ajax() ) {
			Twofa_Hooks::add( 'AJAX', self::AJAX );
		}
		self::activation();
		if ( defined( 'WP_CLI' ) && WP_CLI && ! isset( self::$done['commands'] ) ) {
			self::$done['commands'] = true;
			foreach ( self::COMMANDS as $command ) {
				WP_CLI::add_command( $command[0], $command[1] );
			}
		}
		self::register_more();
	}

	/**
	 * The groups of rarer requests: an installer activating the plugin, HTTP Basic
	 * credentials, cron, demo mode.
	 */
	public static function register_more(): void {
		if ( wp_installing() ) {
			self::activation();
		}
		if ( isset( $_SERVER['PHP_AUTH_USER'] ) ) {
			Twofa_Hooks::add( 'BASIC_AUTH', self::BASIC_AUTH );
		}
		if ( defined( 'DOING_CRON' ) && DOING_CRON ) {
			Twofa_Hooks::add( 'CRON', self::CRON );
		}
		if ( defined( 'TWOFA_DEMO' ) && Twofa_Demo_Mailbox::enabled() ) {
			Twofa_Hooks::add( 'DEMO', self::DEMO );
		}
	}

	/**
	 * What register_all() did once already.
	 *
	 * @var array<string,bool>
	 */
	private static $done = array();

	/**
	 * The activation and deactivation hooks (plugins screen, WP-CLI, installers).
	 */
	private static function activation(): void {
		if ( ! isset( self::$done['activation'] ) ) {
			self::$done['activation'] = true;
			register_activation_hook( TWOFA_PLUGIN_FILE, array( 'Twofa_Events', 'activate' ) );
			register_activation_hook( TWOFA_PLUGIN_FILE, array( 'Twofa_Passkeys', 'install' ) );
			register_deactivation_hook( TWOFA_PLUGIN_FILE, array( 'Twofa_Events', 'deactivate' ) );
		}
	}

	/**
	 * `wp_pre_insert_user_data` (first): a user is written, its hooks are added.
	 *
	 * @param mixed $data The filtered value, unchanged.
	 * @return mixed
	 */
	public static function user_write( $data = null ) {
		Twofa_Hooks::add( 'USER_WRITE', self::USER_WRITE );
		return $data;
	}

	/**
	 * `pre_update_option_twofa_settings` (first): the settings are written (update_option()
	 * adds the option when it does not exist yet), the audit's hooks are added.
	 *
	 * @param mixed $value The filtered value, unchanged.
	 * @return mixed
	 */
	public static function settings_write( $value = null ) {
		Twofa_Hooks::add( 'SETTINGS_WRITE', self::SETTINGS_WRITE );
		return $value;
	}
}
