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
	 * What an imported code's digits are hashed after (never a twofa code's canonical form).
	 */
	const HEX_PREFIX = 'hex:';

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
		$hashes = self::hash_of( $user_id, $input );
		if ( is_wp_error( $hashes ) ) {
			return $hashes;
		}
		global $wpdb;
		$in      = implode( ', ', array_fill( 0, count( $hashes ), '%s' ) );
		$deleted = Twofa_User_State::write(
			$wpdb->prepare(
				// phpcs:ignore WordPress.DB.PreparedSQLPlaceholders.UnfinishedPrepare -- $in holds one %s per hash.
				"DELETE FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s AND meta_value IN ($in) LIMIT 1",
				array_merge( array( $user_id, self::META_CODE ), $hashes )
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
		$hashes = self::hash_of( $user_id, $input );
		if ( is_wp_error( $hashes ) ) {
			return false;
		}
		global $wpdb;
		$in = implode( ', ', array_fill( 0, count( $hashes ), '%s' ) );
		return null !== $wpdb->get_var(
			$wpdb->prepare(
				// phpcs:ignore WordPress.DB.PreparedSQLPlaceholders.UnfinishedPrepare -- $in holds one %s per hash.
				"SELECT umeta_id FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s AND meta_value IN ($in) LIMIT 1",
				array_merge( array( $user_id, self::META_CODE ), $hashes )
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
	 * Stores codes imported from another plugin (16 hexadecimal digits each, as Wordfence
	 * shows its recovery codes) as the user's set, unless the user has a set already:
	 * $claim_info( info JSON ) adds the set's info row by one conditional statement and
	 * says whether it did; only then are the codes' rows added.
	 *
	 * @param int                     $user_id    User ID.
	 * @param string[]                $codes      Codes as users type them.
	 * @param callable(string): bool  $claim_info Adds the info row unless a set exists.
	 * @return bool False when the user had a set (nothing changed) or a code is not one.
	 * @throws Twofa\Exception When the extension or key cannot do its part (nothing changed then).
	 */
	public static function import( int $user_id, array $codes, callable $claim_info ): bool {
		$hashes = array();
		foreach ( $codes as $code ) {
			$hash = self::hex_hash( (string) $code, $user_id );
			if ( null === $hash ) {
				return false;
			}
			$hashes[ $hash ] = true;
		}
		if ( ! $hashes ) {
			return false;
		}
		$info = (string) wp_json_encode(
			array(
				'generated' => Twofa_Clock::now(),
				'total'     => count( $hashes ),
			)
		);
		if ( ! $claim_info( $info ) ) {
			return false;
		}
		foreach ( array_keys( $hashes ) as $hash ) {
			add_user_meta( $user_id, self::META_CODE, $hash );
		}
		wp_cache_delete( $user_id, 'user_meta' );
		return true;
	}

	/**
	 * The stored hash of an imported code: 16 hexadecimal digits, any case, ASCII spaces
	 * and dashes ignored (Wordfence shows "1234 5678 90AB CDEF"), hashed as `hex:` + the
	 * lower-case digits under context() (docs/CONTRACTS.md); null for anything else.
	 *
	 * @param string $input   What the user typed.
	 * @param int    $user_id User ID.
	 * @throws Twofa\Exception When the extension or key cannot hash.
	 */
	public static function hex_hash( string $input, int $user_id ): ?string {
		$digits = str_replace( array( ' ', '-' ), '', $input );
		if ( 1 !== preg_match( '/^[0-9a-fA-F]{16}\z/', $digits ) ) {
			return null;
		}
		return (string) twofa_hash_code( self::HEX_PREFIX . strtolower( $digits ), self::context( $user_id ) );
	}

	/**
	 * The stored hashes a typed code may have: the twofa code's, and an imported code's
	 * when it has that form (a few strings are both, e.g. 16 hex digits without 0 or 1).
	 *
	 * @param int    $user_id User ID.
	 * @param string $input   What the user typed.
	 * @return string[]|WP_Error
	 */
	private static function hash_of( int $user_id, string $input ) {
		$format = new WP_Error( 'twofa_backup_format', __( 'Enter one of your backup codes, for example ABCD-EFGH-JKMN-PQRS.', 'twofa' ) );
		if ( '' === trim( $input ) || strlen( $input ) > self::MAX_INPUT ) {
			return $format;
		}
		try {
			// twofa_hash_code() of the canonical form under context(): docs/CONTRACTS.md.
			$hashes = array_values( array_filter( array( twofa_backup_code_hash( $input, $user_id ), self::hex_hash( $input, $user_id ) ), 'is_string' ) );
			return $hashes ? $hashes : $format;
		} catch ( Throwable $e ) {
			return new WP_Error( 'twofa_unavailable', __( 'Two-factor authentication is not available on this server right now. Please contact the site administrator.', 'twofa' ) );
		}
	}
}
