<?php
/**
 * Re-authentication before removing a method.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * A logged-in session alone must not be enough to weaken the account: removing
 * a method asks again for the password or a current authenticator code.
 */
final class Twofa_Reauth {

	/**
	 * Longest password accepted here; longer input is refused before hashing.
	 */
	const MAX_PASSWORD = 4096;

	/**
	 * Checks the password, or else a current authenticator code (consumed, so it
	 * cannot also be replayed at login).
	 *
	 * @param int    $user_id  User ID.
	 * @param string $password Current password ('' if not given).
	 * @param string $code     Authenticator code ('' if not given).
	 * @return true|WP_Error
	 */
	public static function verify( int $user_id, string $password, string $code ) {
		$user = get_userdata( $user_id );
		if ( ! $user ) {
			return new WP_Error( 'twofa_reauth_user', __( 'Unknown account.', 'twofa' ) );
		}
		if ( '' !== $password ) {
			if ( strlen( $password ) <= self::MAX_PASSWORD && wp_check_password( $password, $user->user_pass, $user_id ) ) {
				return true;
			}
			return new WP_Error( 'twofa_reauth_password', __( 'The password is not right.', 'twofa' ) );
		}
		if ( '' !== trim( $code ) ) {
			$totp = Twofa_Providers::get( 'totp' );
			if ( ! $totp || ! $totp->is_configured( $user_id ) ) {
				return new WP_Error( 'twofa_reauth_no_totp', __( 'Enter your password: Google Authenticator is not set up for this account.', 'twofa' ) );
			}
			return $totp->verify_login_code( $user_id, $code );
		}
		return new WP_Error( 'twofa_reauth_missing', __( 'To confirm it is you, enter your password or a current code from your authenticator app.', 'twofa' ) );
	}
}
