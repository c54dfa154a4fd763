<?php
/**
 * The login nonce: what ties the password step to the second step.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * A random value handed to the browser between the two login steps. Only its
 * keyed hash is stored (context `login-nonce:{id}`), so a database dump does not
 * let anyone continue a pending login; it expires after TTL seconds, is bound to
 * one user, and is consumed with a compare-and-delete so it passes once.
 */
final class Twofa_Login_Nonce {

	/**
	 * Seconds a nonce stays valid.
	 */
	const TTL = 600;

	/**
	 * Creates a nonce for the user, replacing any earlier one.
	 *
	 * @param int    $user_id     User ID.
	 * @param string $redirect_to Local URL to go to after the second step ('' for the default).
	 * @param bool   $remember    Whether the session should be remembered.
	 * @return string The nonce (64 hex digits) for the form.
	 * @throws Twofa\Exception When the extension cannot hash (callers check the environment first).
	 */
	public static function create( int $user_id, string $redirect_to, bool $remember ): string {
		$nonce = bin2hex( random_bytes( 32 ) );
		// One row per user whatever races: concurrent password steps leave the newest.
		Twofa_User_State::replace_row(
			$user_id,
			Twofa_User_State::LOGIN_NONCE,
			(string) wp_json_encode(
				array(
					'hash'        => (string) twofa_hash_code( $nonce, self::context( $user_id ) ),
					'expires'     => Twofa_Clock::now() + self::TTL,
					'redirect_to' => $redirect_to,
					'remember'    => $remember,
				)
			)
		);
		return $nonce;
	}

	/**
	 * Checks a nonce without using it up.
	 *
	 * @param int    $user_id User ID from the form.
	 * @param string $nonce   Nonce from the form.
	 * @return array{raw:string, redirect_to:string, remember:bool}|null The stored record (raw
	 *         value for consume()), or null when the nonce is wrong, expired or absent.
	 */
	public static function check( int $user_id, string $nonce ): ?array {
		if ( $user_id <= 0 || ! preg_match( '/^[0-9a-f]{64}$/', $nonce ) ) {
			return null;
		}
		wp_cache_delete( $user_id, 'user_meta' );
		$raw = get_user_meta( $user_id, Twofa_User_State::LOGIN_NONCE, true );
		if ( ! is_string( $raw ) || '' === $raw ) {
			return null;
		}
		$record = json_decode( $raw, true );
		if ( ! is_array( $record ) || ! isset( $record['hash'], $record['expires'] ) || ! is_string( $record['hash'] ) ) {
			return null;
		}
		if ( (int) $record['expires'] <= Twofa_Clock::now() ) {
			return null;
		}
		try {
			$ok = (bool) twofa_verify_code( $record['hash'], $nonce, self::context( $user_id ) );
		} catch ( Throwable $e ) {
			return null;
		}
		if ( ! $ok ) {
			return null;
		}
		return array(
			'raw'         => $raw,
			'redirect_to' => isset( $record['redirect_to'] ) && is_string( $record['redirect_to'] ) ? $record['redirect_to'] : '',
			'remember'    => ! empty( $record['remember'] ),
		);
	}

	/**
	 * Uses up a checked nonce. Of several requests carrying the same nonce at
	 * the same moment, exactly one gets true.
	 *
	 * @param int    $user_id User ID.
	 * @param string $raw     The raw stored value returned by check().
	 */
	public static function consume( int $user_id, string $raw ): bool {
		return Twofa_User_State::consume( $user_id, Twofa_User_State::LOGIN_NONCE, $raw );
	}

	/**
	 * Removes whatever nonce the user has.
	 *
	 * @param int $user_id User ID.
	 */
	public static function clear( int $user_id ): void {
		delete_user_meta( $user_id, Twofa_User_State::LOGIN_NONCE );
	}

	/**
	 * Hash context of the user's nonce (docs/CONTRACTS.md).
	 *
	 * @param int $user_id User ID.
	 */
	public static function context( int $user_id ): string {
		return 'login-nonce:' . $user_id;
	}
}
