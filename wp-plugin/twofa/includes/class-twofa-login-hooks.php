<?php
/**
 * The hooks of wp-login.php and the login trigger.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The groups only wp-login.php adds, and the `authenticate` trigger that adds a login's
 * hooks. Out of Twofa_Hooks so that a page view loads as little code as it can: under
 * OPcache's file cache every script a request loads is copied into its memory.
 * Rows and rules as in Twofa_Hooks; every group is added through Twofa_Hooks::add().
 */
final class Twofa_Login_Hooks {

	/**
	 * `authenticate` with no username and no password (login()): the login's hooks only when a
	 * user comes out of it. Added by login() while `authenticate` runs; wp-login.php's log-in
	 * view calls wp_signon() on every view, so there it is added when the plugin loads
	 * (register()) instead of to the running hook, and login() finds it added.
	 */
	const NO_CREDENTIALS = array(
		array( 'authenticate', array( 'Twofa_Login_Hooks', 'login_without_credentials' ), PHP_INT_MAX - 1, 1 ),
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
	 * Adds the groups of this wp-login.php request (Twofa_Hooks::register()).
	 */
	public static function register(): void {
		// wp-login.php fires login_form_{action} only for the action asked for.
		$action = isset( $_REQUEST['action'] ) ? $_REQUEST['action'] : ''; // phpcs:ignore WordPress.Security.NonceVerification, WordPress.Security.ValidatedSanitizedInput -- compared to literals only.
		if ( 'twofa_challenge' === $action ) {
			Twofa_Hooks::add( 'LOGIN_SCREEN', self::LOGIN_SCREEN );
			if ( isset( $_SERVER['REQUEST_METHOD'] ) && 'POST' === $_SERVER['REQUEST_METHOD'] ) {
				Twofa_Hooks::add( 'EARLY_CHALLENGE', self::EARLY_CHALLENGE );
			}
		} elseif ( 'twofa_passwordless' === $action ) {
			Twofa_Hooks::add( 'PASSWORDLESS', self::PASSWORDLESS );
		} else {
			// The log-in view signs on with no credentials on every view (NO_CREDENTIALS).
			Twofa_Hooks::add( 'NO_CREDENTIALS', self::NO_CREDENTIALS );
			if ( isset( $_POST['log'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification -- only whether a name was sent.
				Twofa_Hooks::add( 'PASSWORD_POST', self::PASSWORD_POST );
			}
			if ( self::passwordless_stored() ) {
				Twofa_Hooks::add( 'LOGIN_FORM', self::LOGIN_FORM );
			}
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
			Twofa_Hooks::add( 'LOGIN', Twofa_Hook_Groups::LOGIN );
		} else {
			// Nothing when wp-login.php added the group already (register()).
			Twofa_Hooks::add( 'NO_CREDENTIALS', self::NO_CREDENTIALS );
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
			Twofa_Hooks::add( 'LOGIN', Twofa_Hook_Groups::LOGIN );
		}
		return $user;
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
}
