<?php
/**
 * Re-authentication before removing a method.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * A logged-in session alone must not be enough to weaken the account: removing
 * a method asks again for the password or a current code of a method that
 * offers it (Twofa_Provider::reauth_prompt(): the authenticator app).
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
		if ( '' === $password && '' === trim( $code ) ) {
			return new WP_Error( 'twofa_reauth_missing', __( 'To confirm it is you, enter your password or a current code from your authenticator app.', 'twofa' ) );
		}
		// Guesses here count like wrong codes at login (same back-off and lockout),
		// so a borrowed session cannot try passwords or codes without limit.
		$locked = Twofa_Lockout::locked_for( $user_id );
		if ( $locked > 0 ) {
			return new WP_Error( 'twofa_locked', Twofa_Lockout::lock_message( $locked ) );
		}
		$wait = Twofa_Lockout::backoff_remaining( $user_id );
		if ( $wait > 0 ) {
			return new WP_Error( 'twofa_backoff', Twofa_Lockout::backoff_message( $wait ) );
		}
		// The failure slot is claimed before the check (one atomic increment), so
		// parallel guesses cannot all pass the back-off read above.
		$claim = Twofa_Lockout::claim_check( $user_id );
		if ( is_wp_error( $claim ) ) {
			return $claim;
		}
		$result = self::check( $user, $password, $code );
		if ( Twofa_User_State::is_busy( $result ) ) {
			// The code's step could not be spent: not passed, not a wrong code.
			return $result;
		}
		if ( Twofa_Provider::cannot_check( $result ) ) {
			// "Cannot check" is never "wrong": nothing is counted.
			Twofa_Lockout::release_check( $user_id );
			return new WP_Error( Twofa_Provider::CANNOT_CHECK, Twofa_Provider::misconfigured_message() );
		}
		if ( is_wp_error( $result ) && 'twofa_reauth_no_totp' !== $result->get_error_code() ) {
			Twofa_Lockout::record_failure( $user, $result, '' !== $password ? '' : 'totp', $claim );
		} else {
			Twofa_Lockout::release_check( $user_id );
		}
		return $result;
	}

	/**
	 * The check itself.
	 *
	 * @param WP_User $user     The account.
	 * @param string  $password Current password ('' if not given).
	 * @param string  $code     Authenticator code ('' if not given).
	 * @return true|WP_Error
	 */
	private static function check( WP_User $user, string $password, string $code ) {
		$user_id = (int) $user->ID;
		if ( '' !== $password ) {
			if ( strlen( $password ) <= self::MAX_PASSWORD && wp_check_password( $password, $user->user_pass, $user_id ) ) {
				return true;
			}
			return new WP_Error( 'twofa_reauth_password', __( 'The password is not right.', 'twofa' ) );
		}
		$provider = self::provider( $user_id );
		if ( null === $provider ) {
			$names = array();
			foreach ( Twofa_Providers::all() as $candidate ) {
				if ( null !== $candidate->reauth_prompt() ) {
					$names[] = $candidate->label();
				}
			}
			return new WP_Error(
				'twofa_reauth_no_totp',
				/* translators: %s: method name, e.g. Google Authenticator. */
				sprintf( __( 'Enter your password: %s is not set up for this account.', 'twofa' ), implode( ', ', $names ) )
			);
		}
		return $provider->verify_login_code( $user_id, $code );
	}

	/**
	 * The configured method whose current code may stand in for the password, or null.
	 *
	 * @param int $user_id User ID.
	 */
	public static function provider( int $user_id ): ?Twofa_Provider {
		foreach ( Twofa_Providers::all() as $provider ) {
			if ( null !== $provider->reauth_prompt() && $provider->is_configured( $user_id ) ) {
				return $provider;
			}
		}
		return null;
	}
}
