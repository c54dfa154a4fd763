<?php
/**
 * Every WordPress hook of the plugin, in one table.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The one place where the plugin adds hooks at load time.
 *
 * Each callback is a static method named by its class as a string, so adding
 * the hook loads nothing: the autoloader loads the class only when WordPress
 * calls the callback. Hook names are literals, not class constants, for the
 * same reason (reading `Twofa_Login::ACTION` would load Twofa_Login); a test
 * checks that every literal still equals its constant (HooksTableTest).
 *
 * Nothing here reads an option, queries the database or calls the extension:
 * a front-end request with no login pays for this file and the add_filter()
 * calls, nothing else.
 */
final class Twofa_Hooks {

	/**
	 * Hooks every request adds: each is fired only by a login, a user or settings
	 * write or a REST request, never by a plain page view. Rows: hook, class, method,
	 * priority, accepted arguments; within one hook and priority, the order is the
	 * run order. Three rows are triggers (Twofa_Hooks::login(), user_write(),
	 * settings_write()) that add the hooks of what just started, so the front end
	 * pays for seven add_filter() calls, not for every hook a login needs.
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const EVERYWHERE = array(
		// A login starts (wp_signon(), XML-RPC, any form calling wp_authenticate()): first of all.
		array( 'authenticate', 'Twofa_Hooks', 'login', PHP_INT_MIN, 3 ),
		// Early, so that no other wp_login listener acts on a login that is not complete yet.
		array( 'wp_login', 'Twofa_Login', 'on_wp_login', 1, 2 ),
		// The session token of every auth cookie (one token for both cookies of wp_set_auth_cookie()).
		array( 'set_auth_cookie', 'Twofa_Login', 'collect_token', 10, 6 ),
		// A user is inserted or updated (wp_insert_user(), wp_update_user()): first of all.
		array( 'wp_pre_insert_user_data', 'Twofa_Hooks', 'user_write', PHP_INT_MIN, 1 ),
		// An email change over REST asks who is there when codes go to it.
		array( 'rest_request_before_callbacks', 'Twofa_Email_Change', 'check_rest_change', 10, 3 ),
		// Settings → Two-Factor or `wp twofa policy set` writes the option (Twofa_Settings::OPTION).
		array( 'pre_update_option_twofa_settings', 'Twofa_Hooks', 'settings_write', PHP_INT_MIN, 1 ),
	);

	/**
	 * Added by login() when a login starts.
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const LOGIN = array(
		// One error for unknown users and wrong passwords, after WordPress's own checks (priority 20).
		array( 'authenticate', 'Twofa_Login_Errors', 'filter', 90, 3 ),
		// Last, once the password is known to be right and before WordPress creates a session.
		array( 'authenticate', 'Twofa_Login', 'serialise_password_step', PHP_INT_MAX, 1 ),
		// XML-RPC, REST, application passwords.
		array( 'authenticate', 'Twofa_Auth_Policy', 'authenticate', PHP_INT_MAX, 3 ),
		array( 'wp_authenticate_application_password_errors', 'Twofa_Auth_Policy', 'application_password_errors', 10, 2 ),
		// Remembered devices: asked after a correct password.
		array( 'twofa_skip_challenge', 'Twofa_Remember_Device', 'filter_skip_challenge', 10, 2 ),
	);

	/**
	 * Added by user_write() when a user is inserted or updated.
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const USER_WRITE = array(
		// The old address is told about an email change.
		array( 'wp_pre_insert_user_data', 'Twofa_Email_Change', 'notify_old_address', 10, 3 ),
		// Remembered devices are forgotten when the password changes.
		array( 'profile_update', 'Twofa_Remember_Device', 'on_profile_update', 10, 2 ),
	);

	/**
	 * Added by settings_write() when the settings option is written.
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const SETTINGS_WRITE = array(
		array( 'add_option_twofa_settings', 'Twofa_Settings_Audit', 'on_added', 10, 2 ),
		array( 'update_option_twofa_settings', 'Twofa_Settings_Audit', 'on_updated', 10, 2 ),
	);

	/**
	 * A password reset (reset_password(), also from front-end forms) forgets remembered
	 * devices. WordPress 6.2+ fires wp_set_password for every wp_set_password(),
	 * resets included; older versions only fire after_password_reset. One of the two.
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const PASSWORD_RESET = array(
		array( 'after_password_reset', 'Twofa_Remember_Device', 'on_password_reset', 10, 1 ),
	);

	/**
	 * See PASSWORD_RESET.
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const SET_PASSWORD = array(
		array( 'wp_set_password', 'Twofa_Remember_Device', 'on_set_password', 10, 2 ),
	);

	/**
	 * wp-login.php only: the forms of the second step post to
	 * wp-login.php?action=twofa_challenge (Twofa_Login::ACTION).
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const LOGIN_SCREEN = array(
		array( 'login_form_twofa_challenge', 'Twofa_Login', 'on_challenge_request', 10, 1 ),
	);

	/**
	 * A request with HTTP Basic credentials (an application password for REST or
	 * XML-RPC is checked while WordPress determines the current user, before any
	 * `authenticate` filter).
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const BASIC_AUTH = array(
		array( 'wp_authenticate_application_password_errors', 'Twofa_Auth_Policy', 'application_password_errors', 10, 2 ),
	);

	/**
	 * Cron (wp-cron.php, `wp cron event run`): the activity log's purge
	 * (Twofa_Events::CRON_HOOK, CRON_MORE_HOOK).
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const CRON = array(
		array( 'twofa_events_purge', 'Twofa_Event_Log', 'cron_purge', 10, 1 ),
		array( 'twofa_events_purge_more', 'Twofa_Event_Log', 'cron_purge', 10, 1 ),
	);

	/**
	 * Hooks of the dashboard, its screens and admin-post.php / admin-ajax.php,
	 * and of `wp twofa list` (register_all()).
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const ADMIN = array(
		// The "has 2FA" condition (`twofa_has`) of the Users list and `wp twofa list`.
		array( 'pre_user_query', 'Twofa_User_Query', 'apply', 10, 1 ),
		// The activity log's table is created or upgraded, and its purge scheduled.
		array( 'admin_init', 'Twofa_Events', 'admin_init', 10, 1 ),
		// Extension / key problems, told to the site owner.
		array( 'admin_notices', 'Twofa_Admin_Notices', 'render', 10, 1 ),
		array( 'network_admin_notices', 'Twofa_Admin_Notices', 'render', 10, 1 ),
		// Users → Configure 2FA (Twofa_Configure_Page::POST_ACTION).
		array( 'admin_menu', 'Twofa_Configure_Page', 'add_page', 10, 1 ),
		array( 'admin_post_twofa_configure', 'Twofa_Configure_Page', 'handle_post', 10, 1 ),
		array( 'admin_enqueue_scripts', 'Twofa_Configure_Page', 'enqueue', 10, 1 ),
		// The 2FA section of the profile screens.
		array( 'show_user_profile', 'Twofa_Profile_Section', 'render_own_profile_section', 10, 1 ),
		array( 'edit_user_profile', 'Twofa_Profile_Section', 'render_other_profile_section', 10, 1 ),
		// An email change asks who is there; before WordPress's own send_confirmation_on_profile_email (10).
		array( 'personal_options_update', 'Twofa_Email_Change', 'check_own_change', 1, 1 ),
		array( 'user_profile_update_errors', 'Twofa_Email_Change', 'add_refusal', 10, 1 ),
		array( 'show_user_profile', 'Twofa_Email_Change', 'render_fields', 20, 1 ),
		// An administrator resets another user's 2FA (Twofa_Reset_Screen::ACTION).
		array( 'admin_menu', 'Twofa_Reset_Screen', 'add_page', 10, 1 ),
		array( 'admin_post_twofa_reset_user', 'Twofa_Reset_Screen', 'handle_reset', 10, 1 ),
		array( 'admin_notices', 'Twofa_Reset_Screen', 'render_reset_notice', 10, 1 ),
		// "Set up 2FA within N days".
		array( 'admin_notices', 'Twofa_Login', 'grace_notice', 10, 1 ),
		// Settings → Two-Factor (Twofa_Settings_Page::TEST_ACTION).
		array( 'admin_menu', 'Twofa_Settings_Page', 'add_menu', 10, 1 ),
		array( 'admin_init', 'Twofa_Settings_Page', 'register_settings', 10, 1 ),
		array( 'admin_post_twofa_send_test_email', 'Twofa_Settings_Page', 'handle_test_email', 10, 1 ),
		// The adoption report.
		array( 'admin_menu', 'Twofa_Report_Page', 'add_menu', 10, 1 ),
		// The "2FA" column in Users.
		array( 'manage_users_columns', 'Twofa_Users_Column', 'add_column', 10, 1 ),
		array( 'manage_users_custom_column', 'Twofa_Users_Column', 'render_cell', 10, 3 ),
		array( 'views_users', 'Twofa_Users_Column', 'add_view', 10, 1 ),
		array( 'users_list_table_query_args', 'Twofa_Users_Column', 'filter_query', 10, 1 ),
		// Users → 2FA Activity and its CSV export (Twofa_Activity_Page::EXPORT_ACTION).
		array( 'admin_menu', 'Twofa_Activity_Page', 'add_page', 10, 1 ),
		array( 'admin_post_twofa_activity_export', 'Twofa_Activity_Page', 'handle_export', 10, 1 ),
		// The activity log in the personal data export and erasure.
		array( 'wp_privacy_personal_data_exporters', 'Twofa_Event_Privacy', 'add_exporter', 10, 1 ),
		array( 'wp_privacy_personal_data_erasers', 'Twofa_Event_Privacy', 'add_eraser', 10, 1 ),
		// Configure 2FA → Remembered devices (Twofa_Devices_Screen::POST_ACTION).
		array( 'admin_post_twofa_devices', 'Twofa_Devices_Screen', 'handle_post', 10, 1 ),
	);

	/**
	 * Demo mode only (TWOFA_DEMO and TWOFA_DEMO_OUTBOX): the file outbox in the browser
	 * (Twofa_Demo_Mailbox::ACTION).
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const DEMO = array(
		array( 'admin_menu', 'Twofa_Demo_Mailbox', 'admin_menu', 10, 1 ),
		array( 'login_form_twofa_demo_mailbox', 'Twofa_Demo_Mailbox', 'login_page', 10, 1 ),
		array( 'login_footer', 'Twofa_Demo_Mailbox', 'login_footer_link', 10, 1 ),
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
	);

	/**
	 * Groups already added in this request.
	 *
	 * @var array<string,bool>
	 */
	private static $added = array();

	/**
	 * Adds the hooks of this request once (from the plugin's main file).
	 */
	public static function register(): void {
		if ( isset( self::$added['EVERYWHERE'] ) ) {
			return;
		}
		self::add( 'EVERYWHERE' );
		// The action exists from WordPress 6.2 (wp_set_password() fires it).
		self::add( version_compare( $GLOBALS['wp_version'], '6.2', '>=' ) ? 'SET_PASSWORD' : 'PASSWORD_RESET' );

		$cli = defined( 'WP_CLI' ) && WP_CLI;
		if ( $cli || is_admin() ) {
			self::register_all();
		} elseif ( isset( $GLOBALS['pagenow'] ) && 'wp-login.php' === $GLOBALS['pagenow'] ) {
			self::add( 'LOGIN_SCREEN' );
		}
		if ( 'cli' === PHP_SAPI ) {
			// activate_plugin() from a php-cli script (an installer) creates the table and the purge.
			self::activation();
		}
		if ( isset( $_SERVER['PHP_AUTH_USER'] ) ) {
			self::add( 'BASIC_AUTH' );
		}
		if ( $cli || ( defined( 'DOING_CRON' ) && DOING_CRON ) ) {
			self::add( 'CRON' );
		}
		if ( self::demo_enabled() ) {
			self::add( 'DEMO' );
		}
		if ( $cli ) {
			foreach ( self::COMMANDS as $command ) {
				WP_CLI::add_command( $command[0], $command[1] );
			}
		}
	}

	/**
	 * Every hook but the WP-CLI commands: the dashboard, admin-post.php and admin-ajax.php
	 * (is_admin()) and WP-CLI get them all at load time, and so may a php-cli script that
	 * uses the dashboard's features without a screen (list tables, the privacy tools).
	 */
	public static function register_all(): void {
		foreach ( array( 'EVERYWHERE', 'ADMIN', 'LOGIN', 'USER_WRITE', 'SETTINGS_WRITE', 'LOGIN_SCREEN', 'CRON' ) as $group ) {
			self::add( $group );
		}
		self::activation();
	}

	/**
	 * The activation and deactivation hooks (plugins screen, WP-CLI, php-cli installers).
	 */
	private static function activation(): void {
		if ( ! isset( self::$added['activation'] ) ) {
			self::$added['activation'] = true;
			register_activation_hook( TWOFA_PLUGIN_FILE, array( 'Twofa_Events', 'activate' ) );
			register_deactivation_hook( TWOFA_PLUGIN_FILE, array( 'Twofa_Events', 'deactivate' ) );
		}
	}

	/**
	 * `authenticate` (first): a login starts, its hooks are added. With no username
	 * and no password (wp-login.php calls wp_signon() on every view, and a session
	 * cookie may log in that way), only when some filter came up with a user: then
	 * the hooks at PHP_INT_MAX still run in this same pass.
	 *
	 * @param mixed $user     The filtered value, unchanged.
	 * @param mixed $username Username.
	 * @param mixed $password Password.
	 * @return mixed
	 */
	public static function login( $user = null, $username = '', $password = '' ) {
		if ( ( is_string( $username ) && '' !== $username ) || ( is_string( $password ) && '' !== $password ) ) {
			self::add( 'LOGIN' );
		} elseif ( 'authenticate' === current_filter() ) {
			add_filter( 'authenticate', array( __CLASS__, 'login_without_credentials' ), PHP_INT_MAX - 1, 1 );
		} else {
			self::add( 'LOGIN' );
		}
		return $user;
	}

	/**
	 * `authenticate` (just before the login's own last filters) with no credentials:
	 * the login's hooks only when a user came out of it.
	 *
	 * @param mixed $user The filtered value, unchanged.
	 * @return mixed
	 */
	public static function login_without_credentials( $user = null ) {
		if ( $user instanceof WP_User ) {
			self::add( 'LOGIN' );
		}
		return $user;
	}

	/**
	 * `wp_pre_insert_user_data` (first): a user is written, its hooks are added.
	 *
	 * @param mixed $data The filtered value, unchanged.
	 * @return mixed
	 */
	public static function user_write( $data = null ) {
		self::add( 'USER_WRITE' );
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
		self::add( 'SETTINGS_WRITE' );
		return $value;
	}

	/**
	 * Adds the rows of one group once per request.
	 *
	 * @param string $group Name of one of the tables above.
	 */
	private static function add( string $group ): void {
		if ( isset( self::$added[ $group ] ) ) {
			return;
		}
		self::$added[ $group ] = true;
		foreach ( constant( 'self::' . $group ) as $row ) {
			add_filter( $row[0], array( $row[1], $row[2] ), $row[3], $row[4] );
		}
	}

	/**
	 * Same rule as Twofa_Demo_Mailbox::enabled(), without loading that class.
	 */
	public static function demo_enabled(): bool {
		return defined( 'TWOFA_DEMO' ) && true === TWOFA_DEMO
			&& defined( 'TWOFA_DEMO_OUTBOX' ) && is_string( TWOFA_DEMO_OUTBOX ) && '' !== TWOFA_DEMO_OUTBOX;
	}

	/**
	 * Loads the plugin's translations once, on the first request for a class
	 * that prints (called by the autoloader): a front-end request that shows
	 * none of the plugin's strings never loads them.
	 */
	public static function load_textdomain(): void {
		static $loaded = false;
		if ( $loaded ) {
			return;
		}
		if ( ! did_action( 'plugins_loaded' ) && ! doing_action( 'plugins_loaded' ) ) {
			// Too early to know the user's locale: once the plugins are loaded.
			add_action( 'plugins_loaded', array( __CLASS__, 'load_textdomain' ), 0 );
			return;
		}
		$loaded = true;
		load_plugin_textdomain( 'twofa', false, dirname( plugin_basename( TWOFA_PLUGIN_FILE ) ) . '/languages' );
	}
}
