<?php
/**
 * A user's 2FA state in user meta: the keys, and the updates that must be atomic.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The meta keys are documented for the sidecar in docs/CONTRACTS.md; the keys of
 * one method are constants of its provider, the ones shared by all here. Counters and
 * the TOTP replay guard are changed with single conditional SQL statements so
 * that several PHP servers sharing one database cannot both win a race.
 */
final class Twofa_User_State {

	const PRIMARY       = '_twofa_primary';
	const CONFIGURED_AT = '_twofa_configured_at';
	const LAST_USED     = '_twofa_last_used';
	const FAILURES      = '_twofa_failures';
	const LAST_FAILURE  = '_twofa_last_failure';
	const LOCKED_UNTIL  = '_twofa_locked_until';
	const LOGIN_NONCE   = '_twofa_login_nonce';
	const GRACE_STARTED = '_twofa_grace_started';

	/**
	 * The keys that belong to no one method (each provider lists its own in meta_keys()).
	 */
	const COMMON_KEYS = array(
		self::PRIMARY,
		self::CONFIGURED_AT,
		self::LAST_USED,
		self::FAILURES,
		self::LAST_FAILURE,
		self::LOCKED_UNTIL,
		self::LOGIN_NONCE,
		self::GRACE_STARTED,
	);

	/**
	 * Values of a method's configured_key() row that mean "not configured"
	 * (docs/CONTRACTS.md, "Has 2FA"): an empty value and "0". No row at all
	 * means not configured too.
	 */
	const NOT_CONFIGURED_VALUES = array( '', '0' );

	/**
	 * Every key this plugin writes (uninstall and reset remove them).
	 *
	 * @return string[]
	 */
	public static function all_keys(): array {
		$keys = self::COMMON_KEYS;
		foreach ( Twofa_Providers::all() as $provider ) {
			$keys = array_merge( $keys, $provider->meta_keys() );
		}
		return array_values( array_unique( $keys ) );
	}

	/**
	 * THE rule for "this method is configured", given the value of the method's
	 * configured_key() row as get_user_meta() returns it ('' when there is no row).
	 * The SQL twin is Twofa_User_Query::configured_value_sql(); the sidecar applies the same rule.
	 *
	 * @param mixed $value Stored value.
	 */
	public static function is_configured_value( $value ): bool {
		return is_scalar( $value ) && ! in_array( (string) $value, self::NOT_CONFIGURED_VALUES, true );
	}

	/**
	 * Configured methods of a user, in the registry's order.
	 *
	 * @param int $user_id User ID.
	 * @return string[]
	 */
	public static function configured_methods( int $user_id ): array {
		$methods = array();
		foreach ( Twofa_Providers::all() as $id => $provider ) {
			if ( $provider->is_configured( $user_id ) ) {
				$methods[] = $id;
			}
		}
		return $methods;
	}

	/**
	 * Whether the user has 2FA: at least one configured method that is not a
	 * backup only (docs/CONTRACTS.md, "Has 2FA"; Twofa_User_Query::has_methods_sql() in SQL).
	 *
	 * @param int $user_id User ID.
	 */
	public static function has_2fa( int $user_id ): bool {
		foreach ( Twofa_Providers::primary_capable() as $provider ) {
			if ( $provider->is_configured( $user_id ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Configured methods that the site currently allows.
	 *
	 * @param int $user_id User ID.
	 * @return string[]
	 */
	public static function usable_methods( int $user_id ): array {
		return array_values( array_filter( self::configured_methods( $user_id ), array( 'Twofa_Settings', 'method_enabled' ) ) );
	}

	/**
	 * The primary method: the stored one if still usable, else the first usable one.
	 *
	 * @param int $user_id User ID.
	 */
	public static function primary( int $user_id ): ?string {
		$usable = array_values( array_filter( self::usable_methods( $user_id ), array( __CLASS__, 'can_be_primary' ) ) );
		$stored = (string) get_user_meta( $user_id, self::PRIMARY, true );
		if ( in_array( $stored, $usable, true ) ) {
			return $stored;
		}
		return $usable[0] ?? null;
	}

	/**
	 * Sets the primary method; it must be configured.
	 *
	 * @param int    $user_id User ID.
	 * @param string $method  Method id.
	 */
	public static function set_primary( int $user_id, string $method ): bool {
		if ( ! self::can_be_primary( $method ) || ! in_array( $method, self::configured_methods( $user_id ), true ) ) {
			return false;
		}
		if ( (string) get_user_meta( $user_id, self::PRIMARY, true ) !== $method ) {
			Twofa_Events::record( Twofa_Events::PRIMARY_CHANGED, $user_id, array( 'method' => $method ) );
		}
		update_user_meta( $user_id, self::PRIMARY, $method );
		return true;
	}

	/**
	 * Whether a method id names a method that may be primary.
	 *
	 * @param string $method Method id.
	 */
	public static function can_be_primary( string $method ): bool {
		$provider = Twofa_Providers::get( $method );
		return null !== $provider && $provider->can_be_primary();
	}

	/**
	 * Reads a JSON-valued meta key as an array (empty when absent or damaged).
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @return array<string,mixed>
	 */
	public static function get_json( int $user_id, string $key ): array {
		$raw = get_user_meta( $user_id, $key, true );
		if ( ! is_string( $raw ) || '' === $raw ) {
			return array();
		}
		$value = json_decode( $raw, true );
		return is_array( $value ) ? $value : array();
	}

	/**
	 * Writes a JSON-valued meta key. wp_slash because update_user_meta unslashes.
	 *
	 * @param int                 $user_id User ID.
	 * @param string              $key     Meta key.
	 * @param array<string,mixed> $value   Value.
	 */
	public static function set_json( int $user_id, string $key, array $value ): void {
		update_user_meta( $user_id, $key, wp_slash( wp_json_encode( $value ) ) );
	}

	/**
	 * Records that a method was configured now.
	 *
	 * @param int    $user_id User ID.
	 * @param string $method  Method id.
	 */
	public static function mark_configured( int $user_id, string $method ): void {
		$at            = self::get_json( $user_id, self::CONFIGURED_AT );
		Twofa_Events::record( isset( $at[ $method ] ) ? Twofa_Events::METHOD_RECONFIGURED : Twofa_Events::METHOD_CONFIGURED, $user_id, array( 'method' => $method, 'actor' => get_current_user_id() ?: $user_id ) );
		$at[ $method ] = Twofa_Clock::now();
		self::set_json( $user_id, self::CONFIGURED_AT, $at );
		// The first method configured becomes primary.
		if ( self::can_be_primary( $method ) && ! in_array( (string) get_user_meta( $user_id, self::PRIMARY, true ), self::configured_methods( $user_id ), true ) ) {
			update_user_meta( $user_id, self::PRIMARY, $method );
		}
	}

	/**
	 * Records a successful second step.
	 *
	 * @param int    $user_id User ID.
	 * @param string $method  Method id.
	 */
	public static function mark_used( int $user_id, string $method ): void {
		self::set_json(
			$user_id,
			self::LAST_USED,
			array(
				'method' => $method,
				'at'     => Twofa_Clock::now(),
			)
		);
	}

	/**
	 * Removes one method; the primary moves to what is left.
	 *
	 * @param int    $user_id User ID.
	 * @param string $method  Method id.
	 */
	public static function remove_method( int $user_id, string $method ): void {
		$had = in_array( $method, self::configured_methods( $user_id ), true );
		$provider = Twofa_Providers::get( $method );
		if ( $provider ) {
			$provider->remove( $user_id );
		}
		$at = self::get_json( $user_id, self::CONFIGURED_AT );
		unset( $at[ $method ] );
		self::set_json( $user_id, self::CONFIGURED_AT, $at );
		if ( (string) get_user_meta( $user_id, self::PRIMARY, true ) === $method ) {
			$left = array_values( array_filter( self::configured_methods( $user_id ), array( __CLASS__, 'can_be_primary' ) ) );
			if ( $left ) {
				update_user_meta( $user_id, self::PRIMARY, $left[0] );
			} else {
				delete_user_meta( $user_id, self::PRIMARY );
			}
		}
		if ( $had ) {
			Twofa_Events::record( Twofa_Events::METHOD_REMOVED, $user_id, array( 'method' => $method ) );
		}
	}

	/**
	 * Removes every method and every twofa key of a user (administrator reset): each
	 * provider's remove() first (a method may keep data outside user meta, as passkeys do).
	 *
	 * @param int $user_id User ID.
	 */
	public static function remove_all( int $user_id ): void {
		foreach ( Twofa_Providers::all() as $provider ) {
			$provider->remove( $user_id );
		}
		foreach ( self::all_keys() as $key ) {
			delete_user_meta( $user_id, $key );
		}
	}

	/**
	 * Accepts a step (e.g. a TOTP time step) only if it is newer than the last
	 * accepted one stored under $key, in one conditional UPDATE: of two servers
	 * racing with the same code, exactly one sees an affected row.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key holding the last accepted step.
	 * @param int    $step    The step that verified.
	 * @return bool True if this caller won the step.
	 */
	public static function advance_step( int $user_id, string $key, int $step ): bool {
		global $wpdb;
		self::ensure_meta_row( $user_id, $key, '-1' );
		$won = $wpdb->query(
			$wpdb->prepare(
				"UPDATE {$wpdb->usermeta} SET meta_value = %s WHERE user_id = %d AND meta_key = %s AND CAST(meta_value AS SIGNED) < %d",
				(string) $step,
				$user_id,
				$key,
				$step
			)
		);
		wp_cache_delete( $user_id, 'user_meta' );
		return 1 === $won;
	}

	/**
	 * The last accepted step stored under $key, -1 if none.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 */
	public static function last_step( int $user_id, string $key ): int {
		$raw = get_user_meta( $user_id, $key, true );
		return is_numeric( $raw ) ? (int) $raw : -1;
	}

	/**
	 * Adds $delta to an integer meta value atomically and returns the new value.
	 * LAST_INSERT_ID(expr) hands the updated value back on this connection, so
	 * no other request's increment can slip between the write and the read.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param int    $delta   Amount to add.
	 */
	public static function atomic_increment( int $user_id, string $key, int $delta = 1 ): int {
		global $wpdb;
		self::ensure_meta_row( $user_id, $key, '0' );
		$wpdb->query(
			$wpdb->prepare(
				"UPDATE {$wpdb->usermeta} SET meta_value = LAST_INSERT_ID(CAST(meta_value AS SIGNED) + %d) WHERE user_id = %d AND meta_key = %s",
				$delta,
				$user_id,
				$key
			)
		);
		$value = (int) $wpdb->get_var( 'SELECT LAST_INSERT_ID()' );
		wp_cache_delete( $user_id, 'user_meta' );
		return $value;
	}

	/**
	 * Compare-and-delete of a meta value: removes the row only if it still holds
	 * $expected. Used to consume single-use values (email codes, login nonces).
	 *
	 * @param int    $user_id  User ID.
	 * @param string $key      Meta key.
	 * @param string $expected The exact stored value that was checked.
	 * @return bool True if this caller consumed it.
	 */
	public static function consume( int $user_id, string $key, string $expected ): bool {
		global $wpdb;
		$deleted = $wpdb->query(
			$wpdb->prepare(
				"DELETE FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s AND meta_value = %s",
				$user_id,
				$key,
				$expected
			)
		);
		wp_cache_delete( $user_id, 'user_meta' );
		return is_int( $deleted ) && $deleted > 0;
	}

	/**
	 * Compare-and-swap of a meta value.
	 *
	 * @param int    $user_id  User ID.
	 * @param string $key      Meta key.
	 * @param string $expected Value the caller read.
	 * @param string $new      Value to write.
	 * @return bool True if the value was still $expected and is now $new.
	 */
	public static function compare_and_set( int $user_id, string $key, string $expected, string $new ): bool {
		global $wpdb;
		$updated = $wpdb->query(
			$wpdb->prepare(
				"UPDATE {$wpdb->usermeta} SET meta_value = %s WHERE user_id = %d AND meta_key = %s AND meta_value = %s",
				$new,
				$user_id,
				$key,
				$expected
			)
		);
		wp_cache_delete( $user_id, 'user_meta' );
		return 1 === $updated;
	}

	/**
	 * Makes sure exactly one row exists for a key before conditional updates.
	 * A named lock serialises the first insert across servers; usermeta has no
	 * unique index on (user_id, meta_key) that could do it for us.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param string $initial Value of a new row.
	 */
	private static function ensure_meta_row( int $user_id, string $key, string $initial ): void {
		global $wpdb;
		$exists = static function () use ( $wpdb, $user_id, $key ): bool {
			return null !== $wpdb->get_var( $wpdb->prepare( "SELECT umeta_id FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s LIMIT 1", $user_id, $key ) );
		};
		if ( $exists() ) {
			return;
		}
		$lock = 'twofa_meta_' . $user_id . '_' . md5( $key );
		$wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, 5)', $lock ) );
		if ( ! $exists() ) {
			$wpdb->insert(
				$wpdb->usermeta,
				array(
					'user_id'    => $user_id,
					'meta_key'   => $key, // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_key
					'meta_value' => $initial, // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_value
				),
				array( '%d', '%s', '%s' )
			);
			wp_cache_delete( $user_id, 'user_meta' );
		}
		$wpdb->get_var( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $lock ) );
	}
}
