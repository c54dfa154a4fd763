<?php
/**
 * Backup codes in the database: one row per unused code, consumed by one DELETE.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The extension makes the codes (twofa_backup_codes(): at least 64 bits each from
 * the OS CSPRNG, in groups people can type) and normalizes what people type
 * (twofa_backup_code_normalize(): case and separators ignored). Each unused code
 * is one `_twofa_backup_code` user meta row holding only its keyed hash under
 * the site key (twofa_backup_code_hash(): context `backup:{user_id}`); the codes themselves are never
 * stored. The hash is deterministic, so a code is found and spent by one
 * `DELETE … WHERE user_id AND meta_key AND meta_value = hash`: of any number of
 * parallel requests with one code, on any number of servers, exactly one sees
 * an affected row. Why a keyed hash and not a password hash: docs/CONTRACTS.md.
 */
final class Twofa_Backup_Codes {

	const META_CODE = '_twofa_backup_code';
	const META_INFO = '_twofa_backup_codes';

	/**
	 * Codes in a set.
	 */
	const COUNT = 10;

	/**
	 * At this many unused codes or fewer, the user is warned.
	 */
	const LOW = 2;

	/**
	 * Longest input looked at; anything longer cannot be a code.
	 */
	const MAX_INPUT = 64;

	/**
	 * Hash context of a user's codes (docs/CONTRACTS.md).
	 *
	 * @param int $user_id User ID.
	 */
	public static function context( int $user_id ): string {
		return 'backup:' . $user_id;
	}

	/**
	 * Replaces the user's set with a new one and returns the new codes (to be shown once).
	 *
	 * @param int $user_id User ID.
	 * @return string[] The codes, formatted for people.
	 * @throws Twofa\Exception When the extension or key cannot do its part (nothing changed then).
	 */
	public static function generate( int $user_id ): array {
		$codes  = array_values( array_map( 'strval', (array) twofa_backup_codes( self::COUNT ) ) );
		$hashes = array();
		foreach ( $codes as $code ) {
			$hash = twofa_backup_code_hash( $code, $user_id );
			if ( ! is_string( $hash ) ) {
				throw new Twofa\ArgumentException( 'the extension made a backup code it cannot read back' );
			}
			$hashes[] = $hash;
		}
		if ( count( $hashes ) !== self::COUNT || count( array_unique( $hashes ) ) !== self::COUNT ) {
			throw new Twofa\ArgumentException( 'the extension did not make ten distinct backup codes' );
		}
		self::remove( $user_id );
		foreach ( $hashes as $hash ) {
			add_user_meta( $user_id, self::META_CODE, $hash );
		}
		Twofa_User_State::set_json(
			$user_id,
			self::META_INFO,
			array(
				'generated' => Twofa_Clock::now(),
				'total'     => self::COUNT,
			)
		);
		wp_cache_delete( $user_id, 'user_meta' );
		Twofa_Events::record( Twofa_Events::BACKUP_CODES_REGENERATED, $user_id, array( 'method' => 'backup_codes', 'details' => array( 'count' => self::COUNT ) ) );
		return $codes;
	}

	/**
	 * Spends a code: true when it was one of the user's unused codes and this
	 * request is the one that used it up.
	 *
	 * @param int    $user_id User ID.
	 * @param string $input   What the user typed.
	 * @return true|WP_Error twofa_backup_format, twofa_backup_wrong (also for a code used before), twofa_unavailable,
	 *                       twofa_busy (the database refused the DELETE: nothing spent).
	 */
	public static function consume( int $user_id, string $input ) {
		$hash = self::hash_of( $user_id, $input );
		if ( is_wp_error( $hash ) ) {
			return $hash;
		}
		global $wpdb;
		$deleted = Twofa_User_State::write(
			$wpdb->prepare(
				"DELETE FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s AND meta_value = %s LIMIT 1",
				$user_id,
				self::META_CODE,
				$hash
			)
		);
		wp_cache_delete( $user_id, 'user_meta' );
		if ( null === $deleted ) {
			// Refused by the database (e.g. another server spent it at the same moment): not spent here.
			return Twofa_User_State::busy_error();
		}
		if ( 1 !== $deleted ) {
			return new WP_Error( 'twofa_backup_wrong', __( 'That backup code is not right, or it has already been used. Each backup code works once.', 'twofa' ) );
		}
		Twofa_Events::record( Twofa_Events::BACKUP_CODE_USED, $user_id, array( 'method' => 'backup_codes', 'actor' => $user_id, 'details' => array( 'left' => self::remaining( $user_id ) ) ) );
		return true;
	}

	/**
	 * Whether $input is one of the user's unused codes (nothing is spent).
	 *
	 * @param int    $user_id User ID.
	 * @param string $input  A code.
	 */
	public static function is_unused( int $user_id, string $input ): bool {
		$hash = self::hash_of( $user_id, $input );
		if ( is_wp_error( $hash ) ) {
			return false;
		}
		global $wpdb;
		return null !== $wpdb->get_var(
			$wpdb->prepare(
				"SELECT umeta_id FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s AND meta_value = %s LIMIT 1",
				$user_id,
				self::META_CODE,
				$hash
			)
		);
	}

	/**
	 * Unused codes left, counted in the database.
	 *
	 * @param int $user_id User ID.
	 */
	public static function remaining( int $user_id ): int {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s", $user_id, self::META_CODE ) );
	}

	/**
	 * Whether the user ever generated a set that was not removed since (all may be used up).
	 *
	 * @param int $user_id User ID.
	 */
	public static function has_set( int $user_id ): bool {
		wp_cache_delete( $user_id, 'user_meta' );
		return array() !== Twofa_User_State::get_json( $user_id, self::META_INFO ) || self::remaining( $user_id ) > 0;
	}

	/**
	 * When the current set was generated (0 when none).
	 *
	 * @param int $user_id User ID.
	 */
	public static function generated_at( int $user_id ): int {
		$info = Twofa_User_State::get_json( $user_id, self::META_INFO );
		return isset( $info['generated'] ) ? (int) $info['generated'] : 0;
	}

	/**
	 * Removes the set (reset, removal, regenerate).
	 *
	 * @param int $user_id User ID.
	 */
	public static function remove( int $user_id ): void {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key IN (%s, %s)", $user_id, self::META_CODE, self::META_INFO ) );
		wp_cache_delete( $user_id, 'user_meta' );
	}

	/**
	 * The stored hash a typed code would have.
	 *
	 * @param int    $user_id User ID.
	 * @param string $input   What the user typed.
	 * @return string|WP_Error
	 */
	private static function hash_of( int $user_id, string $input ) {
		$format = new WP_Error( 'twofa_backup_format', __( 'Enter one of your backup codes, for example ABCD-EFGH-JKMN-PQRS.', 'twofa' ) );
		if ( '' === trim( $input ) || strlen( $input ) > self::MAX_INPUT ) {
			return $format;
		}
		try {
			// twofa_hash_code() of the canonical form under context(): docs/CONTRACTS.md.
			$hash = twofa_backup_code_hash( $input, $user_id );
			return is_string( $hash ) ? $hash : $format;
		} catch ( Throwable $e ) {
			return new WP_Error( 'twofa_unavailable', __( 'Two-factor authentication is not available on this server right now. Please contact the site administrator.', 'twofa' ) );
		}
	}
}
