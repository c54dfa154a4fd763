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
	 * A POST to wp-login.php?action=twofa_challenge: the code step is handled when the
	 * plugins are loaded, last (Twofa_Login::early_challenge()), before the theme and `init`.
	 *
	 * @var array<int,array{0:string,1:string,2:string,3:int,4:int}>
	 */
	const EARLY_CHALLENGE = array(
		array( 'plugins_loaded', 'Twofa_Login', 'early_challenge', PHP_INT_MAX, 1 ),
	);

	/**
	 * Folders of includes/ searched by autoload(), in order.
	 */
	const FOLDERS = array( '', '/login', '/providers', '/state', '/services', '/admin', '/cli' );

	/**
	 * Folders whose classes print the plugin's strings: loading one of them loads
	 * the translations first (load_textdomain()).
	 */
	const PRINTING = array( '/login', '/providers', '/services', '/admin', '/cli' );

	/**
	 * The includes folder.
	 *
	 * @var string
	 */
	private static $includes = '';

	/**
	 * Registers the autoloader: one class per file, found by name (Twofa_Sidecar_Client
	 * lives in class-twofa-sidecar-client.php, in includes/ or one of its folders).
	 * It lives here, not in a file of its own, so a front-end request loads two files.
	 *
	 * @param string $includes The includes folder.
	 */
	public static function autoload_from( string $includes ): void {
		self::$includes = $includes;
		spl_autoload_register( array( __CLASS__, 'autoload' ) );
	}

	/**
	 * Loads a class if it is one of ours.
	 *
	 * @param string $class_name Class being requested.
	 */
	public static function autoload( string $class_name ): void {
		if ( 0 !== strpos( $class_name, 'Twofa_' ) ) {
			return;
		}
		$file = '/class-' . str_replace( '_', '-', strtolower( $class_name ) ) . '.php';
		foreach ( self::FOLDERS as $folder ) {
			if ( is_readable( self::$includes . $folder . $file ) ) {
				if ( in_array( $folder, self::PRINTING, true ) ) {
					self::load_textdomain();
				}
				require_once self::$includes . $folder . $file;
				return;
			}
		}
	}

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
			// phpcs:ignore WordPress.Security.NonceVerification,WordPress.Security.ValidatedSanitizedInput -- compared to literals only.
			if ( isset( $_REQUEST['action'], $_SERVER['REQUEST_METHOD'] ) && 'twofa_challenge' === $_REQUEST['action'] && 'POST' === $_SERVER['REQUEST_METHOD'] ) {
				self::add( 'EARLY_CHALLENGE' );
			}
		}
		if ( wp_installing() ) {
			// activate_plugin() by an installer: the table and the purge are created.
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
			foreach ( Twofa_Hook_Groups::COMMANDS as $command ) {
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
		// The front end's groups are here; the others in Twofa_Hook_Groups, loaded only when one is added.
		$rows = defined( 'self::' . $group ) ? constant( 'self::' . $group ) : constant( 'Twofa_Hook_Groups::' . $group );
		foreach ( $rows as $row ) {
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
