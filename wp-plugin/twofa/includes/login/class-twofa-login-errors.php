<?php
/**
 * One error for "unknown user" and "wrong password" at the password step.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * WordPress tells an unknown username or email, a wrong password and a right
 * password apart, and answers an unknown user without hashing anything. With the
 * setting `login_errors` = generic (the default), the first two get one message
 * and an unknown user spends the same password-hash time (a check against a
 * dummy hash). A correct password still shows the second step: that cannot be
 * hidden, since the second step is what follows a correct password.
 */
final class Twofa_Login_Errors {

	/**
	 * Error codes that tell an unknown account or a wrong password.
	 */
	const CODES = array( 'invalid_username', 'invalid_email', 'incorrect_password' );

	/**
	 * Option caching the dummy hash (made with this site's password hashing).
	 */
	const DUMMY_OPTION = 'twofa_dummy_hash';

	/**
	 * Replaces the telling errors with one generic error.
	 *
	 * @param WP_User|WP_Error|null $user     Result so far.
	 * @param string                $username Submitted login.
	 * @param string                $password Submitted password.
	 * @return WP_User|WP_Error|null
	 */
	public static function filter( $user, $username = '', $password = '' ) {
		if ( ! is_wp_error( $user ) ) {
			return $user;
		}
		$codes = $user->get_error_codes();
		// The setting is read only for an error this filter may replace.
		if ( ! array_intersect( $codes, self::CODES ) || 'generic' !== Twofa_Settings::get( 'login_errors' ) ) {
			return $user;
		}
		if ( array_intersect( $codes, array( 'invalid_username', 'invalid_email' ) ) && is_string( $password ) && '' !== $password ) {
			// The same work as for a known user: one password check.
			wp_check_password( $password, self::dummy_hash() );
		}
		return new WP_Error(
			'twofa_login_failed',
			'<strong>' . esc_html__( 'Error:', 'twofa' ) . '</strong> ' . esc_html__( 'The username, email address or password is not right.', 'twofa' )
		);
	}

	/**
	 * A hash of a random password made by this site's wp_hash_password() (cached).
	 */
	private static function dummy_hash(): string {
		$hash = get_option( self::DUMMY_OPTION, '' );
		if ( ! is_string( $hash ) || '' === $hash ) {
			$hash = wp_hash_password( wp_generate_password( 32, true, true ) );
			add_option( self::DUMMY_OPTION, $hash, '', false );
		}
		return $hash;
	}
}
