<?php
/**
 * The other ways in: XML-RPC, REST, application passwords, and fail-closed.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Runs last on `authenticate`, after WordPress has checked the password, for
 * every account the plugin guards (has 2FA, or has a role that must use it):
 *
 * - the extension or key is missing: refused with a plain message (fail closed);
 * - an API request (XML-RPC, REST, HTTP Basic credentials) authenticated with
 *   the account password: refused — the API cannot show a second step;
 * - an application password: allowed or refused by the `app_passwords` setting
 *   (REST checks them outside `authenticate`, hence the second hook), and
 *   refused too while 2FA is misconfigured;
 * - an interactive login: allowed through, but with auth cookies switched off
 *   and no session stored (Twofa_Unsaved_Sessions), so nothing reaches the
 *   browser or the database before Twofa_Login's second step.
 */
final class Twofa_Auth_Policy {

	/**
	 * User whose valid, complete session was presented in this request instead of
	 * a password (wp-login.php re-checks the auth cookie with empty credentials).
	 *
	 * @var int
	 */
	private static $existing_session = 0;

	/**
	 * The login name (or email) whose account before_checks() made sure is read causally.
	 *
	 * @var string
	 */
	private static $causal_login = '';

	/**
	 * `authenticate`, before WordPress looks the account up (priority 20): the account's 2FA
	 * state may have been written on another database node a moment ago, so reads are made
	 * causal first (Twofa_User_State::causal_reads()), and a copy of the account's meta this
	 * request cached before that is dropped (no query). This policy, the challenge and the
	 * password step then decide on what the cluster has committed.
	 *
	 * @param WP_User|WP_Error|null $user     Result so far (returned unchanged).
	 * @param string                $username Login name or email given.
	 * @return WP_User|WP_Error|null
	 */
	public static function before_checks( $user = null, $username = '' ) {
		if ( '' !== self::$causal_login && $username === self::$causal_login ) {
			return $user; // before_lookup() did it before wp-login.php read the account.
		}
		Twofa_User_State::causal_reads();
		if ( is_string( $username ) && '' !== $username ) {
			$id = wp_cache_get( $username, 'userlogins' );
			if ( ! $id && is_email( $username ) ) {
				$id = wp_cache_get( $username, 'useremail' );
			}
			if ( $id ) {
				wp_cache_delete( (int) $id, 'user_meta' );
			}
			self::$causal_login = $username;
		}
		return $user;
	}

	/**
	 * `login_form_login` on a POST with a login name: wp-login.php reads the account (its
	 * secure-cookie check) before `authenticate`, so before_checks() is done here, ahead of that
	 * read, and at `authenticate` finds it done for the same name: the read is causal and is
	 * not dropped and made again.
	 */
	public static function before_lookup(): void {
		// phpcs:ignore WordPress.Security.NonceVerification, WordPress.Security.ValidatedSanitizedInput -- the name exactly as wp_signon() passes it to `authenticate`, compared and used as a cache key only.
		$name = isset( $_POST['log'] ) && is_string( $_POST['log'] ) ? wp_unslash( $_POST['log'] ) : '';
		if ( '' !== $name ) {
			self::before_checks( null, $name );
			// wp-login.php looks the account up by the sanitized name.
			$id = wp_cache_get( sanitize_user( $name ), 'userlogins' );
			if ( $id ) {
				wp_cache_delete( (int) $id, 'user_meta' );
			}
		}
	}

	/**
	 * Whether the account's meta cached now was read after before_checks() (its login name or
	 * email is the one given to `authenticate`).
	 *
	 * @param WP_User $user The account.
	 */
	public static function read_causally( WP_User $user ): bool {
		return '' !== self::$causal_login && ( self::$causal_login === $user->user_login || self::$causal_login === $user->user_email );
	}

	/**
	 * The policy, applied to the result of the password check.
	 *
	 * @param WP_User|WP_Error|null $user     Result so far.
	 * @param string                $username Login name given ('' for a cookie check).
	 * @param string                $password Password given.
	 * @return WP_User|WP_Error|null
	 */
	public static function authenticate( $user, $username = '', $password = '' ) {
		if ( ! ( $user instanceof WP_User ) || ! Twofa_Login_Flow::is_protected( $user ) ) {
			return $user;
		}
		if ( '' === (string) $username && '' === (string) $password && (int) wp_validate_auth_cookie() === (int) $user->ID ) {
			// Already logged in with a session that passed the second step: nothing to ask again.
			self::$existing_session = (int) $user->ID;
			return $user;
		}
		if ( ! Twofa_Environment::ready() ) {
			return new WP_Error( 'twofa_misconfigured', self::misconfigured_message() );
		}
		if ( self::is_api_request() ) {
			$by_app_password = did_action( 'application_password_did_authenticate' ) > 0;
			if ( $by_app_password && self::app_passwords_allowed() ) {
				return $user;
			}
			return new WP_Error(
				'twofa_api_login_refused',
				$by_app_password
					? __( 'Application passwords are turned off for accounts that use two-factor authentication.', 'twofa' )
					: __( 'This account uses two-factor authentication, so its password cannot be used here. Use an application password instead.', 'twofa' )
			);
		}
		$stage = Twofa_Login_Flow::requirement( $user );
		if ( Twofa_Login_Flow::GRACE !== $stage && ! Twofa_Login::skips_challenge( $user, $stage ) ) {
			// The session WordPress is about to create is never stored, and its cookies never leave.
			Twofa_Unsaved_Sessions::install();
			add_filter( 'send_auth_cookies', '__return_false', PHP_INT_MAX );
		}
		return $user;
	}

	/**
	 * Whether this request authenticated the user by a valid existing session.
	 *
	 * @param int $user_id User ID.
	 */
	public static function has_existing_session( int $user_id ): bool {
		return $user_id > 0 && self::$existing_session === $user_id;
	}

	/**
	 * Refuses application passwords of guarded accounts when the setting says deny.
	 *
	 * @param WP_Error $error Errors to add to.
	 * @param WP_User  $user  The account.
	 */
	public static function application_password_errors( $error, $user = null ): void {
		if ( ! ( $error instanceof WP_Error ) || ! ( $user instanceof WP_User ) || ! Twofa_Login_Flow::is_protected( $user ) ) {
			return;
		}
		if ( ! self::app_passwords_allowed() ) {
			$error->add( 'twofa_app_password_denied', __( 'Application passwords are turned off for accounts that use two-factor authentication.', 'twofa' ) );
		} elseif ( ! Twofa_Environment::ready() ) {
			// Fail closed on every way in, as on wp-login.php and XML-RPC.
			$error->add( 'twofa_misconfigured', self::misconfigured_message() );
		}
	}

	/**
	 * Whether the site allows application passwords for 2FA accounts.
	 */
	public static function app_passwords_allowed(): bool {
		return Twofa_Settings::APP_PASSWORDS_ALLOW === Twofa_Settings::get( 'app_passwords' );
	}

	/**
	 * Whether this request cannot show a second step: XML-RPC, REST, or HTTP
	 * Basic credentials outside wp-login.php (a Basic-auth plugin may check them
	 * before REST_REQUEST is defined).
	 */
	public static function is_api_request(): bool {
		if ( ( defined( 'XMLRPC_REQUEST' ) && XMLRPC_REQUEST ) || ( defined( 'REST_REQUEST' ) && REST_REQUEST ) ) {
			return true;
		}
		return ! did_action( 'login_init' ) && ( isset( $_SERVER['PHP_AUTH_USER'] ) || isset( $_SERVER['HTTP_AUTHORIZATION'] ) );
	}

	/**
	 * What a guarded user sees when 2FA cannot work on this server.
	 */
	public static function misconfigured_message(): string {
		return __( "This site's two-factor authentication is misconfigured. Please contact the site owner.", 'twofa' );
	}
}
