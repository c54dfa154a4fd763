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
 * one user, and is consumed with a compare-and-set so it passes once.
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
	 * @param string $login_id    The pending login this nonce continues ('' = a new password
	 *                            step: a new random id). Email codes are bound to it.
	 * @return string The nonce (64 hex digits) for the form, '' when the database refused it.
	 * @throws Twofa\Exception When the extension cannot hash (callers check the environment first).
	 */
	public static function create( int $user_id, string $redirect_to, bool $remember, string $login_id = '' ): string {
		$nonce  = bin2hex( random_bytes( 32 ) );
		$record = (string) wp_json_encode(
			array(
				'hash'        => (string) twofa_hash_code( $nonce, self::context( $user_id ) ),
				'expires'     => Twofa_Clock::now() + self::TTL,
				'redirect_to' => $redirect_to,
				'remember'    => $remember,
				'login'       => '' !== $login_id ? $login_id : bin2hex( random_bytes( 16 ) ),
			)
		);
		// One row per user whatever races: the row a returning user has is overwritten, else a new
		// row is inserted and the older ones deleted, so concurrent password steps leave the last
		// one's nonce (a read-then-insert would leave one row each).
		return Twofa_User_State::overwrite_row( $user_id, Twofa_User_State::LOGIN_NONCE, $record ) ? $nonce : '';
	}

	/**
	 * Checks a nonce without using it up.
	 *
	 * @param int    $user_id User ID from the form.
	 * @param string $nonce   Nonce from the form.
	 * @return array{raw:string, redirect_to:string, remember:bool, login:string}|null The stored
	 *         record (raw value for consume(); login: the pending login's id), or null when the
	 *         nonce is wrong, expired or absent.
	 */
	public static function check( int $user_id, string $nonce ): ?array {
		if ( $user_id <= 0 || ! preg_match( '/^[0-9a-f]{64}$/', $nonce ) ) {
			return null;
		}
		Twofa_User_State::fresh( $user_id );
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
			// A record written before login ids existed: its own hash stands in for one.
			'login'       => isset( $record['login'] ) && is_string( $record['login'] ) && '' !== $record['login'] ? $record['login'] : $record['hash'],
		);
	}

	/**
	 * Uses up a checked nonce with a compare-and-set to '' (the row stays for the
	 * next nonce). Of several requests carrying the same nonce at the same moment,
	 * on any number of servers, exactly one gets true.
	 *
	 * @param int    $user_id User ID.
	 * @param string $raw     The raw stored value returned by check().
	 * @return bool|null True if this request used it up, false if another did, null on a database error.
	 */
	public static function consume( int $user_id, string $raw ): ?bool {
		return Twofa_User_State::compare_and_set( $user_id, Twofa_User_State::LOGIN_NONCE, $raw, '' );
	}

	/**
	 * Removes whatever nonce the user has.
	 *
	 * @param int $user_id User ID.
	 */
	public static function clear( int $user_id ): void {
		Twofa_User_State::set_value( $user_id, Twofa_User_State::LOGIN_NONCE, '' );
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
