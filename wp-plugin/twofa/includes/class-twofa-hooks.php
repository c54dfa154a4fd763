<?php
/**
 * The autoloader and the hooks a page view may need.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The one class a front-end request loads. Every hook is a row (hook, callback
 * array( class, method ), priority, accepted arguments) of a group here or in
 * Twofa_Hook_Groups, added by add(); the callback's class is named as a string, so
 * adding the hook loads nothing, and the callback is passed to add_filter() as the
 * table holds it (no array built per row). Hook names are literals: a class constant
 * would load its class.
 * No option, no query, no extension call (docs/DESIGN.md, "Loading").
 */
final class Twofa_Hooks {

	/**
	 * Every request: fired only by a login, a user or settings write, a user's deletion or
	 * REST, never by a page view. The rows of login(), user_write() and settings_write() are
	 * triggers that add the hooks of what started.
	 */
	const EVERYWHERE = array(
		// A login starts (wp_signon(), XML-RPC, any form calling wp_authenticate()).
		array( 'authenticate', array( 'Twofa_Hooks', 'login' ), PHP_INT_MIN, 3 ),
		// Early, so that no other wp_login listener acts on a login that is not complete yet.
		array( 'wp_login', array( 'Twofa_Login', 'on_wp_login' ), 1, 2 ),
		// The session token of every auth cookie (one token for both cookies).
		array( 'set_auth_cookie', array( 'Twofa_Login', 'collect_token' ), 10, 6 ),
		// A user is inserted or updated.
		array( 'wp_pre_insert_user_data', array( 'Twofa_Hook_Groups', 'user_write' ), PHP_INT_MIN, 1 ),
		// An email change over REST asks who is there.
		array( 'rest_request_before_callbacks', array( 'Twofa_Email_Change', 'check_rest_change' ), 10, 3 ),
		// The settings option is written (SETTINGS_OPTION).
		array( 'pre_update_option_twofa_settings', array( 'Twofa_Hook_Groups', 'settings_write' ), PHP_INT_MIN, 1 ),
		// A deleted account's passkeys go with it (the table is not user meta); wpmu_delete_user()
		// fires deleted_user too (WordPress 5.5+), so one row covers a network's deletion.
		array( 'deleted_user', array( 'Twofa_Passkeys', 'remove_all' ), 10, 1 ),
	);

	/**
	 * A password reset forgets remembered devices: WordPress before 6.2 fires only this.
	 */
	const PASSWORD_RESET = array(
		array( 'after_password_reset', array( 'Twofa_Remember_Device', 'on_password_reset' ), 10, 1 ),
	);

	/**
	 * WordPress 6.2+ fires wp_set_password for every wp_set_password(), resets included.
	 */
	const SET_PASSWORD = array(
		array( 'wp_set_password', array( 'Twofa_Remember_Device', 'on_set_password' ), 10, 2 ),
	);

	/**
	 * `authenticate` with no username and no password (login()): the login's hooks only when a
	 * user comes out of it. Added by login() while `authenticate` runs; wp-login.php's log-in
	 * view calls wp_signon() on every view, so there it is added when the plugin loads
	 * (register()) instead of to the running hook, and login() finds it added.
	 */
	const NO_CREDENTIALS = array(
		array( 'authenticate', array( 'Twofa_Hooks', 'login_without_credentials' ), PHP_INT_MAX - 1, 1 ),
	);

	/**
	 * wp-login.php?action=twofa_challenge (Twofa_Login::ACTION): every form of the second step.
	 */
	const LOGIN_SCREEN = array(
		array( 'login_form_twofa_challenge', array( 'Twofa_Login', 'on_challenge_request' ), 10, 1 ),
	);

	/**
	 * A POST of wp-login.php's password form: causal reads before wp-login.php reads the account.
	 */
	const PASSWORD_POST = array(
		array( 'login_form_login', array( 'Twofa_Auth_Policy', 'before_lookup' ), PHP_INT_MIN, 0 ),
	);

	/**
	 * wp-login.php's password form: "Log in with a passkey" (Twofa_Passwordless), added only
	 * when the stored settings may turn passwordless login on (passwordless_stored()).
	 */
	const LOGIN_FORM = array(
		array( 'login_form', array( 'Twofa_Passwordless', 'render_button' ), 10, 1 ),
	);

	/**
	 * wp-login.php?action=twofa_passwordless (Twofa_Passwordless::ACTION): begin and finish.
	 */
	const PASSWORDLESS = array(
		array( 'login_form_twofa_passwordless', array( 'Twofa_Passwordless', 'on_request' ), 10, 1 ),
	);

	/**
	 * A POST to wp-login.php?action=twofa_challenge is handled when the plugins are loaded.
	 */
	const EARLY_CHALLENGE = array(
		array( 'plugins_loaded', array( 'Twofa_Login', 'early_challenge' ), PHP_INT_MAX, 1 ),
	);

	/**
	 * The settings' option (Twofa_Settings::OPTION is this) and its passwordless field: here,
	 * as a constant of Twofa_Settings cannot be read without loading that class, and
	 * wp-login.php reads the field without it (passwordless_stored()).
	 */
	const SETTINGS_OPTION      = 'twofa_settings';
	const PASSWORDLESS_SETTING = 'passwordless';

	/**
	 * Folders of includes/ searched by autoload(), in order.
	 */
	const FOLDERS = array( '', '/login', '/providers', '/state', '/services', '/admin', '/cli', '/importers' );

	/**
	 * The includes folder.
	 *
	 * @var string
	 */
	private static $includes = '';

	/**
	 * Groups added in this request.
	 *
	 * @var array<string,bool>
	 */
	private static $added = array();

	/**
	 * Registers the autoloader (here, so a front-end request loads two files).
	 *
	 * @param string $includes The includes folder.
	 */
	public static function autoload_from( string $includes ): void {
		self::$includes = $includes;
		spl_autoload_register( array( __CLASS__, 'autoload' ) );
	}

	/**
	 * Loads Twofa_Foo_Bar from class-twofa-foo-bar.php in includes/ or one of its folders,
	 * the first one after registering the translations (load_textdomain()): every string of
	 * the plugin is in a class, so a request that loads none, a page view, registers nothing.
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
				self::load_textdomain();
				require_once self::$includes . $folder . $file;
				return;
			}
		}
	}

	/**
	 * Adds the hooks of this request (from the plugin's main file).
	 */
	public static function register(): void {
		self::add( 'EVERYWHERE', self::EVERYWHERE );
		if ( version_compare( $GLOBALS['wp_version'], '6.2', '>=' ) ) {
			self::add( 'SET_PASSWORD', self::SET_PASSWORD );
		} else {
			self::add( 'PASSWORD_RESET', self::PASSWORD_RESET );
		}
		if ( ( defined( 'WP_CLI' ) && WP_CLI ) || is_admin() ) {
			Twofa_Hook_Groups::register_all();
		} elseif ( 'wp-login.php' === self::script() ) {
			// wp-login.php fires login_form_{action} only for the action asked for.
			$action = isset( $_REQUEST['action'] ) ? $_REQUEST['action'] : ''; // phpcs:ignore WordPress.Security.NonceVerification, WordPress.Security.ValidatedSanitizedInput -- compared to literals only.
			if ( 'twofa_challenge' === $action ) {
				self::add( 'LOGIN_SCREEN' );
				if ( isset( $_SERVER['REQUEST_METHOD'] ) && 'POST' === $_SERVER['REQUEST_METHOD'] ) {
					self::add( 'EARLY_CHALLENGE' );
				}
			} elseif ( 'twofa_passwordless' === $action ) {
				self::add( 'PASSWORDLESS' );
			} else {
				// The log-in view signs on with no credentials on every view (NO_CREDENTIALS).
				self::add( 'NO_CREDENTIALS', self::NO_CREDENTIALS );
				if ( isset( $_POST['log'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification -- only whether a name was sent.
					self::add( 'PASSWORD_POST', self::PASSWORD_POST );
				}
				if ( self::passwordless_stored() ) {
					self::add( 'LOGIN_FORM' );
				}
			}
		}
		if ( wp_installing() || isset( $_SERVER['PHP_AUTH_USER'] ) || ( defined( 'DOING_CRON' ) && DOING_CRON ) || defined( 'TWOFA_DEMO' ) ) {
			// An installer activating the plugin, HTTP Basic credentials, cron, demo mode.
			Twofa_Hook_Groups::register_more();
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
		if ( ( is_string( $username ) && '' !== $username ) || ( is_string( $password ) && '' !== $password ) || 'authenticate' !== current_filter() ) {
			self::add( 'LOGIN' );
		} else {
			// Nothing when wp-login.php added the group already (register()).
			self::add( 'NO_CREDENTIALS' );
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
	 * The requested script, as $GLOBALS['pagenow'] names it; a network-activated plugin
	 * loads before WordPress sets that global, so then the same rule on PHP_SELF.
	 */
	private static function script(): string {
		if ( isset( $GLOBALS['pagenow'] ) ) {
			return (string) $GLOBALS['pagenow'];
		}
		// phpcs:ignore WordPress.Security.ValidatedSanitizedInput -- matched against a pattern only.
		return isset( $_SERVER['PHP_SELF'] ) && preg_match( '#([^/]+\.php)([?/].*?)?$#i', (string) $_SERVER['PHP_SELF'], $m ) ? strtolower( $m[1] ) : '';
	}

	/**
	 * Adds the rows of one group once per request (a group of this class or of Twofa_Hook_Groups).
	 *
	 * @param string     $group Name of the group's constant.
	 * @param array|null $rows  The group's rows when the caller names the constant itself
	 *                          (register(): no lookup of the constant by its name).
	 */
	public static function add( string $group, ?array $rows = null ): void {
		if ( isset( self::$added[ $group ] ) ) {
			return;
		}
		self::$added[ $group ] = true;
		if ( null === $rows ) {
			$rows = defined( 'self::' . $group ) ? constant( 'self::' . $group ) : constant( 'Twofa_Hook_Groups::' . $group );
		}
		foreach ( $rows as $row ) {
			add_filter( $row[0], $row[1], $row[2], $row[3] );
		}
	}

	/**
	 * Whether the stored settings may turn passwordless login on, asked when wp-login.php
	 * loads the plugin: a value that Twofa_Settings reads as on is never empty, so with the
	 * setting off (the default) the login page adds no hook and loads no other class;
	 * Twofa_Passwordless::render_button() checks the setting as Twofa_Settings validates it,
	 * and the rest. A wrong "on" costs only that check; "off" must be what get_option()
	 * would give. On a network the option may be the network's: Twofa_Settings::stored()
	 * knows which.
	 *
	 * With no filter on the option yet (none added before twofa loaded), the value is read
	 * from WordPress's cache of autoloaded options, where it is the stored string, without
	 * get_option() and its unserialize: the field is off when every `"passwordless";` in it
	 * is followed by `b:0;` (false, as PHP serializes it) or there is none. A key is
	 * serialized `s:N:"passwordless";`, so the field's key is among those; the string must
	 * have no `S:` (PHP's escaped string, which may spell the name otherwise). Any other
	 * text after the key (true, 1, "1", an array, a reference) counts as on.
	 */
	private static function passwordless_stored(): bool {
		global $wp_filter;
		if ( is_multisite() ) {
			$stored = Twofa_Settings::stored();
		} elseif ( isset( $wp_filter['pre_option_twofa_settings'] ) || isset( $wp_filter['pre_option'] ) || isset( $wp_filter['option_twofa_settings'] ) || wp_installing() ) {
			$stored = get_option( self::SETTINGS_OPTION, array() );
		} else {
			// wp_load_alloptions() is this cache read, then its filter.
			$all = isset( $wp_filter['alloptions'] ) ? wp_load_alloptions() : wp_cache_get( 'alloptions', 'options' );
			$raw = isset( $all[ self::SETTINGS_OPTION ] ) ? $all[ self::SETTINGS_OPTION ] : null;
			if ( is_string( $raw ) && false === strpos( $raw, 'S:' ) ) {
				$key = '"' . self::PASSWORDLESS_SETTING . '";';
				$len = strlen( $key );
				for ( $at = strpos( $raw, $key ); false !== $at; $at = strpos( $raw, $key, $at + $len ) ) {
					if ( 'b:0;' !== substr( $raw, $at + $len, 4 ) ) {
						return true;
					}
				}
				return false;
			}
			// Not autoloaded (Twofa_Settings::update() stores it so): get_option() queries it.
			$stored = null === $raw ? get_option( self::SETTINGS_OPTION, array() ) : maybe_unserialize( $raw );
		}
		return is_array( $stored ) && ! empty( $stored[ self::PASSWORDLESS_SETTING ] );
	}

	/**
	 * Registers languages/ as where twofa's translations are, once, when the first class
	 * loads (autoload()). WordPress 6.1+ reads the .mo file when a twofa string is first
	 * translated, so requests that show none of them never read it.
	 */
	public static function load_textdomain(): void {
		global $wp_textdomain_registry;
		if ( ! isset( self::$added['textdomain'] ) && $wp_textdomain_registry instanceof WP_Textdomain_Registry ) {
			self::$added['textdomain'] = true;
			// The plugin's folder from the includes folder: uninstall.php loads classes too.
			$wp_textdomain_registry->set_custom_path( 'twofa', dirname( self::$includes ) . '/languages' );
		}
	}
}
