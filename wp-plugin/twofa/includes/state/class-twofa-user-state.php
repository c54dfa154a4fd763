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
	const LOCKED_FOR_GOOD = '_twofa_locked_permanently'; // Unix time of the permanent lock, '0' or no row = none.
	const LOGIN_NONCE   = '_twofa_login_nonce';
	const GRACE_STARTED = '_twofa_grace_started';
	const IMPORT_NOTICE = '_twofa_import_notice'; // Source id: imported, asked to generate backup codes.

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
		self::LOCKED_FOR_GOOD,
		self::LOGIN_NONCE,
		self::GRACE_STARTED,
		self::IMPORT_NOTICE,
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
	 * The user whose state the current step has read (0 = none): see in_one_read().
	 *
	 * @var int
	 */
	private static $one_read = 0;

	/**
	 * Methods whose use mark_used() recorded in the current step.
	 *
	 * @var array<string,bool>
	 */
	private static $marked = array();

	/**
	 * Whether causal_reads() set this session's isolation level to READ COMMITTED.
	 *
	 * @var bool
	 */
	private static $read_committed = false;

	/**
	 * Before a read that must see what other requests wrote: drops WordPress's
	 * cache of the user's meta, so the next read loads it from the database —
	 * except inside in_one_read() for that user, where the step's one read is used.
	 *
	 * @param int $user_id User ID.
	 */
	public static function fresh( int $user_id ): void {
		if ( self::$one_read !== $user_id ) {
			wp_cache_delete( $user_id, 'user_meta' );
		}
	}

	/**
	 * Runs one step of a login (the code step) on one read of the user's meta:
	 * loaded from the database once at the start, then kept up to date by this
	 * class's own writes (cached_write(), set_json(), delete_keys()). Every
	 * decision stays with an atomic statement, so a value another request writes
	 * meanwhile can change no outcome, only what a message says.
	 *
	 * @param int      $user_id User ID (0: no user, $step just runs).
	 * @param callable $step    The step.
	 * @param bool     $cached  The user's meta cached now is that read (loaded after
	 *                          causal_reads(), e.g. by the password check): it is kept.
	 * @return mixed What $step returns.
	 */
	public static function in_one_read( int $user_id, callable $step, bool $cached = false ) {
		if ( $user_id <= 0 ) {
			return $step();
		}
		if ( ! $cached ) {
			self::read_user( $user_id );
		}
		$outer          = array( self::$one_read, self::$marked );
		self::$one_read = $user_id;
		self::$marked   = array();
		try {
			return $step();
		} finally {
			list( self::$one_read, self::$marked ) = $outer;
		}
	}

	/**
	 * The start of in_one_read() when nothing of the user is cached yet (the code step): the
	 * account's row and all of its meta in one query, put into WordPress's caches as
	 * get_userdata() and update_meta_cache() would, so neither queries again. With the account
	 * cached already, a persistent object cache, or a filter that may load meta another way,
	 * only the cached meta is dropped and WordPress reads it.
	 *
	 * @param int $user_id User ID.
	 */
	private static function read_user( int $user_id ): void {
		global $wpdb;
		wp_cache_delete( $user_id, 'user_meta' );
		if ( wp_using_ext_object_cache() || has_filter( 'update_user_metadata_cache' ) || false !== wp_cache_get( $user_id, 'users' ) ) {
			return;
		}
		$rows = $wpdb->get_results(
			$wpdb->prepare(
				"SELECT u.*, m.umeta_id AS twofa_meta_id, m.meta_key AS twofa_meta_key, m.meta_value AS twofa_meta_value FROM {$wpdb->users} u LEFT JOIN {$wpdb->usermeta} m ON m.user_id = u.ID WHERE u.ID = %d",
				$user_id
			)
		);
		if ( ! is_array( $rows ) || ! $rows ) {
			return; // No such account, or the read failed: WordPress's own reads find out.
		}
		// In umeta_id order, as WordPress reads meta; sorted here, as an ORDER BY on the joined
		// table makes the database build and sort a temporary table (most of the query's time).
		$by_id = array();
		foreach ( $rows as $row ) {
			if ( null !== $row->twofa_meta_id ) {
				$by_id[ (int) $row->twofa_meta_id ] = $row;
			}
		}
		ksort( $by_id, SORT_NUMERIC );
		$meta = array();
		foreach ( $by_id as $row ) {
			$meta[ (string) $row->twofa_meta_key ][] = $row->twofa_meta_value;
		}
		$user = clone $rows[0];
		unset( $user->twofa_meta_id, $user->twofa_meta_key, $user->twofa_meta_value );
		update_user_caches( $user );
		wp_cache_add( $user_id, $meta, 'user_meta' );
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
		$json = (string) wp_json_encode( $value );
		$meta = wp_cache_get( $user_id, 'user_meta' );
		update_user_meta( $user_id, $key, wp_slash( $json ) );
		// update_user_meta() drops the user's whole meta cache; it gets back what it had plus this value.
		self::patch_cache( $user_id, $meta, $key, true, $json );
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
		// The provider and the login flow both record a passed code: one write per step.
		if ( self::$one_read === $user_id ) {
			if ( isset( self::$marked[ $method ] ) ) {
				return;
			}
			self::$marked[ $method ] = true;
		}
		// One UPDATE of the row (the step's read knows it is there), not update_user_meta()'s
		// read, column check and write.
		self::set_value(
			$user_id,
			self::LAST_USED,
			(string) wp_json_encode(
				array(
					'method' => $method,
					'at'     => Twofa_Clock::now(),
				)
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
	 * Error code of "the database refused a state change" (a certification
	 * conflict on Galera, a deadlock, a lock wait timeout or any other write error):
	 * nothing was decided, the user may try again.
	 */
	const BUSY = 'twofa_busy';

	/**
	 * Errors a retry of the same statement may cure: deadlock or Galera certification
	 * conflict (1213), lock wait timeout (1205).
	 */
	const RETRY_ERRORS = array( 1213, 1205 );

	/**
	 * Times a statement is tried when it fails with one of RETRY_ERRORS.
	 */
	const TRIES = 3;

	/**
	 * What the user is told when a state change failed and nothing was checked or spent.
	 */
	public static function busy_error(): WP_Error {
		return new WP_Error( self::BUSY, __( 'The server was busy and your code was not checked. Please try again.', 'twofa' ) );
	}

	/**
	 * Whether a result is the BUSY error.
	 *
	 * @param mixed $result A check result (true or WP_Error).
	 */
	public static function is_busy( $result ): bool {
		return is_wp_error( $result ) && self::BUSY === $result->get_error_code();
	}

	/**
	 * Makes this request's reads causal on a Galera cluster: every SELECT first
	 * waits until this node has applied what the cluster had committed when it was
	 * issued, so the second step sees what the first step wrote on another node
	 * (docs/CLUSTER.md). Once per request, as one statement: MariaDB without Galera
	 * takes the variable and ignores it (wsrep is off), MySQL refuses it (the error is
	 * not shown), so no query has to find out first which server this is.
	 *
	 * @param bool $read_committed Also make this session's transactions READ COMMITTED
	 *                             (the login step's, Twofa_Login_Transaction::begin()) in the
	 *                             same statement, on MariaDB (its version string says so).
	 */
	public static function causal_reads( bool $read_committed = false ): void {
		global $wpdb;
		static $done = false;
		if ( $done ) {
			return;
		}
		$done     = true;
		$suppress = $wpdb->suppress_errors( true );
		if ( $read_committed && false !== stripos( (string) $wpdb->db_server_info(), 'MariaDB' ) ) {
			self::$read_committed = false !== $wpdb->query( "SET SESSION wsrep_sync_wait = 1, SESSION tx_isolation = 'READ-COMMITTED'" );
		}
		if ( ! self::$read_committed ) {
			$wpdb->query( 'SET SESSION wsrep_sync_wait = 1' );
		}
		$wpdb->suppress_errors( $suppress );
	}

	/**
	 * Whether causal_reads() made this session's transactions READ COMMITTED.
	 */
	public static function session_read_committed(): bool {
		return self::$read_committed;
	}

	/**
	 * Runs one writing statement and returns its affected rows, or null when it
	 * failed. A deadlock, certification conflict or lock wait timeout is retried
	 * (a retried conditional statement sees the winner's value, so it cannot pass
	 * twice); the error is never printed, and one line naming its number (never a
	 * value) goes to the error log.
	 *
	 * @param string $sql A prepared UPDATE, DELETE or INSERT.
	 */
	public static function write( string $sql ): ?int {
		global $wpdb;
		for ( $try = 1; ; $try++ ) {
			$suppress = $wpdb->suppress_errors( true );
			$result   = $wpdb->query( $sql );
			$wpdb->suppress_errors( $suppress );
			if ( is_int( $result ) ) {
				return $result;
			}
			$errno = $wpdb->dbh instanceof mysqli ? (int) mysqli_errno( $wpdb->dbh ) : 0;
			// Inside the login step's transaction a deadlock has rolled back what came before, so the
			// statement is not tried again on its own: the step is refused as a whole.
			if ( Twofa_Login_Transaction::is_open() && in_array( $errno, self::RETRY_ERRORS, true ) ) {
				Twofa_Login_Transaction::mark_conflict();
			}
			if ( $try >= self::TRIES || ! in_array( $errno, self::RETRY_ERRORS, true ) || Twofa_Login_Transaction::is_open() ) {
				// phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log -- one line for the site owner, no value in it.
				error_log( sprintf( 'twofa: a login state change was refused by the database (error %d); the attempt was refused', $errno ) );
				return null;
			}
			usleep( random_int( 2000, 20000 ) );
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
	 * @return bool|null True if this caller won the step, false if another one did, null on a database error.
	 */
	public static function advance_step( int $user_id, string $key, int $step ): ?bool {
		$won = self::below_to( $user_id, $key, '-1', $step );
		return null === $won ? null : $won > 0;
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
	 * no other request's increment can slip between the write and the read; it is
	 * read only after the UPDATE changed a row.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param int    $delta   Amount to add.
	 * @return int|null The new value, or null when the database refused the change (nothing counted).
	 */
	public static function atomic_increment( int $user_id, string $key, int $delta = 1 ): ?int {
		global $wpdb;
		if ( 0 === self::cached_rows( $user_id, $key ) && Twofa_Login_Transaction::is_open() ) {
			// Inside the step's transaction ensure_row() would insert '0' with no lock and the
			// UPDATE add $delta to it: the row is created holding the sum instead, one statement.
			return self::insert_row( $user_id, $key, (string) $delta ) > 0 ? $delta : null;
		}
		$meta    = wp_cache_get( $user_id, 'user_meta' );
		$changed = self::update_row(
			$user_id,
			$key,
			'0',
			$wpdb->prepare(
				"UPDATE {$wpdb->usermeta} SET meta_value = LAST_INSERT_ID(CAST(meta_value AS SIGNED) + %d) WHERE user_id = %d AND meta_key = %s",
				$delta,
				$user_id,
				$key
			)
		);
		if ( null === $changed || $changed < 1 ) {
			return null;
		}
		// LAST_INSERT_ID(expr) also hands the value to the client with the UPDATE's reply.
		$value = $wpdb->dbh instanceof mysqli ? (int) mysqli_insert_id( $wpdb->dbh ) : (int) $wpdb->get_var( 'SELECT LAST_INSERT_ID()' );
		// One row changed and LAST_INSERT_ID() says to what: the cache gets that value
		// instead of being dropped (the cached meta from before, with this key patched).
		self::patch_cache( $user_id, $meta, $key, 1 === $changed, (string) $value );
		return $value;
	}

	/**
	 * Writes a value with one UPDATE of the key's row (created first if missing):
	 * no read-then-write, so the value never depends on a stale read.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param string $value   Exact value to store.
	 * @return bool Whether the database took it.
	 */
	public static function set_value( int $user_id, string $key, string $value ): bool {
		global $wpdb;
		return null !== self::update_row( $user_id, $key, $value, $wpdb->prepare( "UPDATE {$wpdb->usermeta} SET meta_value = %s WHERE user_id = %d AND meta_key = %s", $value, $user_id, $key ), $value );
	}

	/**
	 * Raises an integer value to at least $value in one UPDATE (a lock is only ever lengthened).
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param int    $value   Lower bound.
	 * @return bool Whether the database took it.
	 */
	public static function raise_value( int $user_id, string $key, int $value ): bool {
		return null !== self::below_to( $user_id, $key, '0', $value );
	}

	/**
	 * Sets an integer value to $value where it is below it, in one UPDATE (the row is created
	 * with $initial first if missing).
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param string $initial Value of a new row.
	 * @param int    $value   New value.
	 * @return int|null Affected rows, null on a database error.
	 */
	private static function below_to( int $user_id, string $key, string $initial, int $value ): ?int {
		global $wpdb;
		return self::update_row(
			$user_id,
			$key,
			$initial,
			$wpdb->prepare(
				"UPDATE {$wpdb->usermeta} SET meta_value = %s WHERE user_id = %d AND meta_key = %s AND CAST(meta_value AS SIGNED) < %d",
				(string) $value,
				$user_id,
				$key,
				$value
			),
			(string) $value
		);
	}

	/**
	 * Runs an UPDATE of a key's rows after making sure one exists.
	 *
	 * @param int         $user_id User ID.
	 * @param string      $key     Meta key.
	 * @param string      $initial Value of a new row.
	 * @param string      $sql     The prepared UPDATE.
	 * @param string|null $value   The value the row holds when the UPDATE changed one (null: not known).
	 * @return int|null Affected rows, null on a database error.
	 */
	private static function update_row( int $user_id, string $key, string $initial, string $sql, ?string $value = null ): ?int {
		$known = 1 === self::cached_rows( $user_id, $key );
		if ( ! $known ) {
			$made = self::ensure_row( $user_id, $key, $initial );
			if ( $made < 0 ) {
				return null;
			}
			if ( 1 === $made && $value === $initial ) {
				// Created holding the value the UPDATE would write (insert_row() cached it).
				return 1;
			}
		}
		$done = self::write( $sql );
		if ( $known && 0 === $done ) {
			// The row the step read may be gone since (a reset): made sure of, then once more.
			if ( self::ensure_row( $user_id, $key, $initial ) < 0 ) {
				return null;
			}
			$done = self::write( $sql );
		}
		self::cached_write( $user_id, $key, null !== $value && 1 === $done, $value );
		return $done;
	}

	/**
	 * Deletes keys of a user in one statement, and only if this request read any of them:
	 * a key that was absent when the request read the user's meta costs no query.
	 *
	 * @param int      $user_id User ID.
	 * @param string[] $keys    Meta keys.
	 * @return bool Whether the database took it.
	 */
	public static function delete_keys( int $user_id, array $keys ): bool {
		global $wpdb;
		$present = array();
		foreach ( $keys as $key ) {
			if ( metadata_exists( 'user', $user_id, $key ) ) {
				$present[] = $key;
			}
		}
		if ( ! $present ) {
			return true;
		}
		$in   = implode( ', ', array_fill( 0, count( $present ), '%s' ) );
		$meta = wp_cache_get( $user_id, 'user_meta' );
		$done = self::write( $wpdb->prepare( "DELETE FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key IN ($in)", array_merge( array( $user_id ), $present ) ) ); // phpcs:ignore WordPress.DB.PreparedSQLPlaceholders
		foreach ( $present as $key ) {
			self::patch_cache( $user_id, $meta, $key, null !== $done, null );
			$meta = wp_cache_get( $user_id, 'user_meta' );
		}
		return null !== $done;
	}

	/**
	 * Takes back one unit of an integer meta value, never below 0, in one statement.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 */
	public static function atomic_decrement( int $user_id, string $key ): void {
		global $wpdb;
		self::write(
			$wpdb->prepare(
				"UPDATE {$wpdb->usermeta} SET meta_value = CAST(meta_value AS SIGNED) - 1 WHERE user_id = %d AND meta_key = %s AND CAST(meta_value AS SIGNED) > 0",
				$user_id,
				$key
			)
		);
		wp_cache_delete( $user_id, 'user_meta' );
	}

	/**
	 * Compare-and-delete of a meta value: removes the row only if it still holds
	 * $expected. Used to consume single-use values (pending secrets, devices).
	 *
	 * @param int    $user_id  User ID.
	 * @param string $key      Meta key.
	 * @param string $expected The exact stored value that was checked.
	 * @return bool|null True if this caller consumed it, false if it was gone, null on a database error.
	 */
	public static function consume( int $user_id, string $key, string $expected ): ?bool {
		global $wpdb;
		$deleted = self::write(
			$wpdb->prepare(
				"DELETE FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s AND meta_value = %s",
				$user_id,
				$key,
				$expected
			)
		);
		self::cached_write( $user_id, $key, null !== $deleted && $deleted > 0, null );
		return null === $deleted ? null : $deleted > 0;
	}

	/**
	 * Compare-and-swap of a meta value. Every row of the key is changed alike, so
	 * a duplicate row (two servers creating the key at once) changes with the
	 * first one and stays harmless.
	 *
	 * @param int    $user_id  User ID.
	 * @param string $key      Meta key.
	 * @param string $expected Value the caller read.
	 * @param string $new      Value to write.
	 * @return bool|null True if the value was still $expected and is now $new, false if
	 *         it had changed, null on a database error.
	 */
	public static function compare_and_set( int $user_id, string $key, string $expected, string $new ): ?bool {
		global $wpdb;
		$updated = self::write(
			$wpdb->prepare(
				"UPDATE {$wpdb->usermeta} SET meta_value = %s WHERE user_id = %d AND meta_key = %s AND meta_value = %s",
				$new,
				$user_id,
				$key,
				$expected
			)
		);
		self::cached_write( $user_id, $key, 1 === $updated, $new );
		return null === $updated ? null : $updated > 0;
	}

	/**
	 * After one of the atomic statements above wrote $key by SQL: the user's cached
	 * meta (WordPress keeps all of a user's meta as one cache entry) gets the value
	 * the statement wrote, so the rest of the request reads it without loading every
	 * meta row again. When the value is not known (the statement changed nothing,
	 * so another request did) or the cache is shared between servers (a persistent
	 * object cache, where a patched copy could overwrite another server's newer one),
	 * the entry is dropped and the next read loads it from the database.
	 *
	 * @param int         $user_id User ID.
	 * @param string      $key     Meta key written.
	 * @param bool        $known   Whether the statement's own value is what the row holds now.
	 * @param string|null $value   That value, null when the row is gone.
	 */
	private static function cached_write( int $user_id, string $key, bool $known, ?string $value ): void {
		self::patch_cache( $user_id, wp_cache_get( $user_id, 'user_meta' ), $key, $known, $value );
	}

	/**
	 * After WordPress's own meta API wrote one key of the user (the session token's write in
	 * Twofa_Login::finish(), right after the step) and dropped the user's cached meta: the
	 * entry from before the write goes back with that key's new value, so WordPress's next
	 * read of the user (its cookie) loads nothing again. patch_cache() decides when that is
	 * not safe (a shared object cache, several rows of the key) and leaves the entry dropped.
	 *
	 * @param int    $user_id User ID.
	 * @param mixed  $meta    The cache entry before the write.
	 * @param string $key     Meta key written.
	 * @param string $raw     The value as stored (serialized).
	 */
	public static function keep_after_write( int $user_id, $meta, string $key, string $raw ): void {
		if ( is_array( $meta ) && false === wp_cache_get( $user_id, 'user_meta' ) ) {
			self::patch_cache( $user_id, $meta, $key, true, $raw );
		}
	}

	/**
	 * Puts back a user's cached meta as it was before a write, with the written key
	 * changed (see cached_write()); drops the entry when that cannot be done safely.
	 *
	 * @param int         $user_id User ID.
	 * @param mixed       $meta    The cache entry before the write (false when there was none).
	 * @param string      $key     Meta key written.
	 * @param bool        $known   Whether $value is what the database holds now.
	 * @param string|null $value   The value, null when the key is gone.
	 */
	private static function patch_cache( int $user_id, $meta, string $key, bool $known, ?string $value ): void {
		if ( ! $known || wp_using_ext_object_cache() || ! is_array( $meta ) || ( isset( $meta[ $key ] ) && count( (array) $meta[ $key ] ) > 1 ) ) {
			wp_cache_delete( $user_id, 'user_meta' );
			return;
		}
		if ( null === $value ) {
			unset( $meta[ $key ] );
		} else {
			$meta[ $key ] = array( $value );
		}
		wp_cache_set( $user_id, $meta, 'user_meta' );
	}

	/**
	 * Replaces whatever rows a key has with one new row, without a read before the
	 * write: the new row is inserted, then every older row of the key is deleted.
	 * Of requests doing this at the same moment, the row inserted last (highest
	 * umeta_id) is the one left, whatever the order the statements run in, so a
	 * key written this way never keeps two rows (update_user_meta() reads, then
	 * inserts when it found none: two racing requests both insert).
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param string $value   Raw value to store (not unslashed).
	 * @return bool Whether the new row was written.
	 */
	public static function replace_row( int $user_id, string $key, string $value ): bool {
		global $wpdb;
		$id = self::insert_row( $user_id, $key, $value );
		if ( $id > 0 ) {
			$older = self::write( $wpdb->prepare( "DELETE FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s AND umeta_id < %d", $user_id, $key, $id ) );
			self::cached_write( $user_id, $key, null !== $older, $value );
			/** This action is documented in wp-includes/meta.php */
			do_action( 'added_user_meta', $id, $user_id, $key, $value );
		}
		return $id > 0;
	}

	/**
	 * replace_row() for a key the user's cached meta holds exactly one row of (a returning
	 * user's login nonce): that row is overwritten in one UPDATE instead, which changes every
	 * row of the key alike, so of requests doing this at the same moment the last one's value
	 * stays, as with replace_row(). Falls back to replace_row() when the key has no row, more
	 * than one, or the row was gone by the time of the UPDATE.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param string $value   Raw value to store (not unslashed).
	 * @return bool Whether the value was written.
	 */
	public static function overwrite_row( int $user_id, string $key, string $value ): bool {
		global $wpdb;
		$meta = wp_cache_get( $user_id, 'user_meta' );
		if ( ! wp_using_ext_object_cache() && is_array( $meta ) && isset( $meta[ $key ] ) && 1 === count( (array) $meta[ $key ] ) ) {
			$done = self::write( $wpdb->prepare( "UPDATE {$wpdb->usermeta} SET meta_value = %s WHERE user_id = %d AND meta_key = %s", $value, $user_id, $key ) );
			if ( null === $done ) {
				return false;
			}
			if ( $done > 0 ) {
				self::patch_cache( $user_id, $meta, $key, 1 === $done, $value );
				/** This action is documented in wp-includes/meta.php */
				do_action( 'updated_user_meta', 0, $user_id, $key, $value );
				return true;
			}
		}
		return self::replace_row( $user_id, $key, $value );
	}

	/**
	 * update_metadata()'s write of a key the user's cached meta holds exactly one row of (the
	 * session tokens of a returning user, Twofa_Login::finish()), as one UPDATE instead of its
	 * row lookup, column charset check and UPDATE: for the `update_user_metadata` filter. Only
	 * a value of printable ASCII is written so, which the charset check could not change; any
	 * other case is left to WordPress (null). The row's id comes back with the UPDATE's reply
	 * (LAST_INSERT_ID(expr), evaluated only for the rows it changes), so the meta actions get
	 * it as update_metadata() gives it; `update_user_meta` fires once the row is written, while
	 * the cache still holds the old value.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param mixed  $value   The new value (unslashed, as update_metadata() has it).
	 * @return bool|null Whether the write took; null: WordPress writes it itself.
	 */
	public static function update_single_row( int $user_id, string $key, $value ): ?bool {
		global $wpdb;
		$meta = wp_cache_get( $user_id, 'user_meta' );
		$raw  = maybe_serialize( $value );
		if ( wp_using_ext_object_cache() || ! $wpdb->dbh instanceof mysqli || ! is_array( $meta ) || ! isset( $meta[ $key ] ) || 1 !== count( (array) $meta[ $key ] )
			|| ! is_string( $raw ) || 1 === preg_match( '/[^\x20-\x7e]/', $raw ) || $meta[ $key ][0] === $raw ) {
			return null;
		}
		$done = self::write( $wpdb->prepare( "UPDATE {$wpdb->usermeta} SET meta_value = IF(LAST_INSERT_ID(umeta_id) > 0, %s, meta_value) WHERE user_id = %d AND meta_key = %s", $raw, $user_id, $key ) );
		if ( null === $done ) {
			return false;
		}
		if ( 1 !== $done ) {
			// The row is gone (or another request added a second one): WordPress finds out which.
			return $done > 1 ? self::after_single_row( $user_id, $key, $value, 0 ) : null;
		}
		return self::after_single_row( $user_id, $key, $value, (int) mysqli_insert_id( $wpdb->dbh ) );
	}

	/**
	 * The actions and cache of update_metadata() after update_single_row() wrote the row.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param mixed  $value   The new value (unserialized).
	 * @param int    $meta_id The row's id (0 when several rows were changed).
	 */
	private static function after_single_row( int $user_id, string $key, $value, int $meta_id ): bool {
		/** This action is documented in wp-includes/meta.php */
		do_action( 'update_user_meta', $meta_id, $user_id, $key, $value );
		// As update_metadata() leaves it; a listener of updated_user_meta may put it back.
		wp_cache_delete( $user_id, 'user_meta' );
		/** This action is documented in wp-includes/meta.php */
		do_action( 'updated_user_meta', $meta_id, $user_id, $key, $value );
		return true;
	}

	/**
	 * Inserts one meta row as it is (no unslashing, no serializing).
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param string $value   Raw value.
	 * @return int The new row's umeta_id, 0 when the insert failed.
	 */
	private static function insert_row( int $user_id, string $key, string $value ): int {
		global $wpdb;
		$meta     = wp_cache_get( $user_id, 'user_meta' );
		$inserted = self::write( $wpdb->prepare( "INSERT INTO {$wpdb->usermeta} (user_id, meta_key, meta_value) VALUES (%d, %s, %s)", $user_id, $key, $value ) );
		// Known only when the key had no row before (a key with older rows reads them too).
		self::patch_cache( $user_id, $meta, $key, 1 === $inserted && is_array( $meta ) && ! isset( $meta[ $key ] ), $value );
		return 1 === $inserted ? (int) $wpdb->insert_id : 0;
	}

	/**
	 * How many rows of $key the step's one read of the user's meta holds (in_one_read(),
	 * kept up to date by this class's writes), or null when no such read is known: outside
	 * a login step, or with a persistent object cache shared by other servers.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 */
	private static function cached_rows( int $user_id, string $key ): ?int {
		if ( self::$one_read !== $user_id || wp_using_ext_object_cache() ) {
			return null;
		}
		$meta = wp_cache_get( $user_id, 'user_meta' );
		if ( ! is_array( $meta ) ) {
			return null;
		}
		return isset( $meta[ $key ] ) ? count( (array) $meta[ $key ] ) : 0;
	}

	/**
	 * Makes sure a row exists for a key before conditional updates, and that only
	 * one does. A named lock serialises the first insert on one database server;
	 * usermeta has no unique index on (user_id, meta_key), and on a Galera cluster
	 * the lock is local to one node, so two nodes may still both insert: the rows
	 * then hold the same value and change alike (every update covers all rows of
	 * the key), and the next call deletes all but the oldest.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param string $initial Value of a new row.
	 * @return bool|null True when the row existed or was created, null on a database error.
	 */
	public static function ensure_meta_row( int $user_id, string $key, string $initial ): ?bool {
		return self::ensure_row( $user_id, $key, $initial ) < 0 ? null : true;
	}

	/**
	 * ensure_meta_row(), telling whether this call created the row.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param string $initial Value of a new row.
	 * @return int 1 when this call created the row (holding $initial), 0 when it existed, -1 on a database error.
	 */
	private static function ensure_row( int $user_id, string $key, string $initial ): int {
		global $wpdb;
		$ids = static function () use ( $wpdb, $user_id, $key ): array {
			return array_map( 'intval', (array) $wpdb->get_col( $wpdb->prepare( "SELECT umeta_id FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s ORDER BY umeta_id", $user_id, $key ) ) );
		};
		// A key the step's one read did not find needs no query to be found missing.
		$found = 0 === self::cached_rows( $user_id, $key ) ? array() : $ids();
		if ( count( $found ) > 1 ) {
			self::write( $wpdb->prepare( "DELETE FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s AND umeta_id > %d", $user_id, $key, $found[0] ) );
			wp_cache_delete( $user_id, 'user_meta' );
		}
		if ( $found ) {
			return 0;
		}
		if ( Twofa_Login_Transaction::is_open() ) {
			// Inside the login step's transaction the new row stays invisible to other requests
			// until the commit, long after a lock taken here would be released: a lock would
			// order nothing, so there is none (two rows are handled as on a cluster, above).
			return self::insert_row( $user_id, $key, $initial ) > 0 ? 1 : -1;
		}
		$lock = 'twofa_meta_' . $user_id . '_' . md5( $key );
		$wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, 5)', $lock ) );
		$made = 0;
		if ( ! $ids() ) {
			$made = self::insert_row( $user_id, $key, $initial ) > 0 ? 1 : -1;
		}
		$wpdb->get_var( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $lock ) );
		return $made;
	}

	/**
	 * The roles the site's policy applies to (required roles, email only as a backup): the
	 * user's roles on this site, and on a network-activated multisite network their roles on
	 * every site of it (one login cookie opens them all), a super admin counting as an
	 * administrator.
	 *
	 * @param WP_User $user User.
	 * @return string[]
	 */
	public static function policy_roles( WP_User $user ): array {
		if ( ! Twofa_Settings::is_network() ) {
			return array_values( (array) $user->roles );
		}
		$roles = self::network_roles( $user );
		if ( is_super_admin( (int) $user->ID ) ) {
			$roles[] = 'administrator';
		}
		return array_values( array_unique( $roles ) );
	}

	/**
	 * The user's roles on this site and on every other site of a multisite network (from
	 * each site's `{prefix}capabilities` meta row), each role once.
	 *
	 * @param WP_User $user User.
	 * @return string[]
	 */
	public static function network_roles( WP_User $user ): array {
		global $wpdb;
		$roles = array_values( (array) $user->roles );
		if ( ! is_multisite() ) {
			return $roles;
		}
		$pattern = '/^' . preg_quote( $wpdb->base_prefix, '/' ) . '(?:\d+_)?capabilities$/';
		foreach ( (array) get_user_meta( (int) $user->ID ) as $key => $values ) {
			if ( ! is_string( $key ) || ! preg_match( $pattern, $key ) || ! isset( $values[0] ) ) {
				continue;
			}
			$caps = maybe_unserialize( $values[0] );
			foreach ( is_array( $caps ) ? $caps : array() as $role => $on ) {
				if ( $on && is_string( $role ) && wp_roles()->is_role( $role ) ) {
					$roles[] = $role;
				}
			}
		}
		return array_values( array_unique( $roles ) );
	}

	/**
	 * Whether one of the user's policy roles is in a roles setting.
	 *
	 * @param WP_User|int $user    User or user ID.
	 * @param string      $setting required_roles or email_not_primary_roles.
	 */
	public static function has_policy_role( $user, string $setting ): bool {
		$listed = (array) Twofa_Settings::get( $setting );
		if ( ! $listed ) {
			return false;
		}
		$user = $user instanceof WP_User ? $user : get_userdata( (int) $user );
		return $user instanceof WP_User && (bool) array_intersect( self::policy_roles( $user ), $listed );
	}
}
