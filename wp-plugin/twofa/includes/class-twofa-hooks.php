<?php
/**
 * The autoloader and the hooks a page view may need.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The one class a front-end request loads, kept small: OPcache's file cache copies every
 * script a request loads into its memory. Every hook is a row (hook, callback
 * array( class, method ), priority, accepted arguments) of a group here, in
 * Twofa_Login_Hooks or in Twofa_Hook_Groups, added by add(); the callback's class is a
 * string, so adding the hook loads nothing. Hook names are literals: a class constant would
 * load its class. No option, no query, no extension call (docs/DESIGN.md, "Loading").
 */
final class Twofa_Hooks {

	/**
	 * Every request: fired only by a login, a user or settings write, a user's deletion or
	 * REST, never by a page view. The rows of login(), user_write() and settings_write() are
	 * triggers that add the hooks of what started.
	 */
	const EVERYWHERE = array(
		// A login starts (wp_signon(), XML-RPC, any form calling wp_authenticate()).
		array( 'authenticate', array( 'Twofa_Login_Hooks', 'login' ), PHP_INT_MIN, 3 ),
		// Early, so that no other wp_login listener acts on a login that is not complete yet.
		array( 'wp_login', array( 'Twofa_Login', 'on_wp_login' ), 1, 2 ),
		// The session token of every auth cookie (one token for both cookies).
		array( 'set_auth_cookie', array( 'Twofa_Login', 'collect_token' ), 10, 6 ),
		// A user is inserted or updated.
		array( 'wp_pre_insert_user_data', array( 'Twofa_Hook_Groups', 'user_write' ), PHP_INT_MIN, 1 ),
		// An email change over REST asks who is there.
		array( 'rest_request_before_callbacks', array( 'Twofa_Email_Change', 'check_rest_change' ), 10, 3 ),
		// The settings option is written (Twofa_Login_Hooks::SETTINGS_OPTION).
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
	 * Groups added in this request, and 'textdomain' once the translations' path is set.
	 *
	 * @var array<string,bool>
	 */
	private static $added = array();

	/**
	 * Autoloader: Twofa_Foo_Bar from class-twofa-foo-bar.php in includes/ or a folder of it.
	 *
	 * @param string $class_name Class being requested.
	 */
	public static function autoload( string $class_name ): void {
		if ( 0 !== strpos( $class_name, 'Twofa_' ) ) {
			return;
		}
		$file = '/class-' . str_replace( '_', '-', strtolower( $class_name ) ) . '.php';
		foreach ( array( '', '/login', '/providers', '/state', '/services', '/admin', '/cli', '/importers' ) as $folder ) {
			if ( is_readable( __DIR__ . $folder . $file ) ) {
				// The first class registers languages/ as the translations' path (WordPress 6.1+
				// reads the .mo when a twofa string is first translated): every string of the
				// plugin is in a class, so a request that loads none, a page view, registers nothing.
				if ( ! isset( self::$added['textdomain'] ) && isset( $GLOBALS['wp_textdomain_registry'] ) && $GLOBALS['wp_textdomain_registry'] instanceof WP_Textdomain_Registry ) {
					self::$added['textdomain'] = true;
					$GLOBALS['wp_textdomain_registry']->set_custom_path( 'twofa', dirname( __DIR__ ) . '/languages' );
				}
				require_once __DIR__ . $folder . $file;
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
		// $GLOBALS['pagenow'] is not set yet when a network-activated plugin loads: then
		// WordPress's own rule on PHP_SELF.
		// phpcs:ignore WordPress.Security.ValidatedSanitizedInput -- matched against a pattern only.
		$script = isset( $GLOBALS['pagenow'] ) ? $GLOBALS['pagenow'] : ( isset( $_SERVER['PHP_SELF'] ) && preg_match( '#([^/]+\.php)([?/].*?)?$#i', (string) $_SERVER['PHP_SELF'], $m ) ? strtolower( $m[1] ) : '' );
		if ( ( defined( 'WP_CLI' ) && WP_CLI ) || is_admin() ) {
			Twofa_Hook_Groups::register_all();
		} elseif ( 'wp-login.php' === $script ) {
			// Required, not autoloaded: the login page loads it on every view.
			require_once __DIR__ . '/class-twofa-login-hooks.php';
			Twofa_Login_Hooks::register();
		}
		if ( wp_installing() || isset( $_SERVER['PHP_AUTH_USER'] ) || ( defined( 'DOING_CRON' ) && DOING_CRON ) || defined( 'TWOFA_DEMO' ) ) {
			// An installer activating the plugin, HTTP Basic credentials, cron, demo mode.
			Twofa_Hook_Groups::register_more();
		}
	}

	/**
	 * Adds a group's rows, once per request.
	 *
	 * @param string $group The group's name.
	 * @param array  $rows  Its rows, as the table holds them (no array built per row).
	 */
	public static function add( string $group, array $rows ): void {
		if ( ! isset( self::$added[ $group ] ) ) {
			self::$added[ $group ] = true;
			foreach ( $rows as $row ) {
				add_filter( $row[0], $row[1], $row[2], $row[3] );
			}
		}
	}
}
