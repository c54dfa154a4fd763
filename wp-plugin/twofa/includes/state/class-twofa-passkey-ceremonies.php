<?php
/**
 * Passkey ceremony states between begin and finish.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * `{base_prefix}twofa_passkey_ceremonies`: the sealed state a `twofa_passkey_*_begin()`
 * returned, stored under its random state id until the browser's answer comes back, so begin
 * and finish may run on different PHP servers. take() makes each state accepted once: the
 * DELETE of its row decides (exactly one affected row), whatever the finish then says.
 * The extension refuses a state of another user or purpose, or an expired one; the row's own
 * user, purpose and expiry are checked here too, and the daily purge drops what is left.
 */
final class Twofa_Passkey_Ceremonies {

	/**
	 * Table name without the prefix.
	 */
	const TABLE = 'twofa_passkey_ceremonies';

	/**
	 * Purposes (the ceremonies of docs/CONTRACTS.md, "Passkeys").
	 */
	const REGISTRATION   = 'registration';
	const AUTHENTICATION = 'authentication';
	const PASSWORDLESS   = 'passwordless';

	/**
	 * The table's full name.
	 */
	public static function table(): string {
		global $wpdb;
		Twofa_Passkeys::check();
		return $wpdb->base_prefix . self::TABLE;
	}

	/**
	 * Creates or upgrades the table (called by Twofa_Passkeys::install()).
	 */
	public static function install(): void {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$table   = self::table();
		$charset = $wpdb->get_charset_collate();
		dbDelta(
			"CREATE TABLE {$table} (
  state_id char(22) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  user_id bigint(20) unsigned NOT NULL DEFAULT 0,
  purpose varchar(20) NOT NULL DEFAULT '',
  state text CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  expires_at bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY  (state_id),
  KEY expires_at (expires_at)
) {$charset};"
		);
	}

	/**
	 * Stores a begin's state.
	 *
	 * @param string $state_id   22 base64url characters (from begin).
	 * @param int    $user_id    The user it is bound to (0 for passwordless).
	 * @param string $purpose    One of the purpose constants.
	 * @param string $state      The sealed state.
	 * @param int    $expires_at Unix time it expires (from begin).
	 * @return bool Whether the row was written.
	 */
	public static function store( string $state_id, int $user_id, string $purpose, string $state, int $expires_at ): bool {
		global $wpdb;
		if ( ! self::valid_state_id( $state_id ) || '' === $state || $user_id < 0 ) {
			return false;
		}
		$suppress = $wpdb->suppress_errors( true );
		$written  = 1 === $wpdb->query(
			$wpdb->prepare(
				'INSERT INTO ' . self::table() . ' (state_id, user_id, purpose, state, expires_at) VALUES (%s, %d, %s, %s, %d)', // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
				$state_id,
				$user_id,
				$purpose,
				$state,
				$expires_at
			)
		);
		$wpdb->suppress_errors( $suppress );
		return $written;
	}

	/**
	 * Takes a stored state, once: reads the row, then deletes it; the state is returned only
	 * when this call's DELETE removed exactly one row and the row's purpose and user match.
	 * A row of another purpose or user, or one whose time is over, is deleted too (a state is
	 * never tried twice).
	 *
	 * @param string $state_id The id the browser sent back.
	 * @param string $purpose  Expected purpose.
	 * @param int    $user_id  Expected user (0 for passwordless).
	 * @return string|WP_Error|null The sealed state; the BUSY error when the database refused
	 *                              the DELETE; null when the state is gone, used or not this one.
	 */
	public static function take( string $state_id, string $purpose, int $user_id ) {
		global $wpdb;
		if ( ! self::valid_state_id( $state_id ) ) {
			return null;
		}
		$table = self::table();
		$row   = $wpdb->get_row(
			$wpdb->prepare( "SELECT user_id, purpose, state, expires_at FROM {$table} WHERE state_id = %s", $state_id ), // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the table name is ours.
			ARRAY_A
		);
		if ( ! is_array( $row ) ) {
			return null;
		}
		$deleted = Twofa_User_State::write( $wpdb->prepare( "DELETE FROM {$table} WHERE state_id = %s", $state_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the table name is ours.
		if ( null === $deleted ) {
			// The database refused (a deadlock, a Galera conflict): nothing was decided, the caller says "try again".
			return Twofa_User_State::busy_error();
		}
		if ( 1 !== $deleted ) {
			return null;
		}
		// The sealed state carries its own expiry (the extension refuses it); the row's is checked too.
		if ( $purpose !== (string) $row['purpose'] || $user_id !== (int) $row['user_id'] || (int) $row['expires_at'] <= Twofa_Clock::now() ) {
			return null;
		}
		return (string) $row['state'];
	}

	/**
	 * Deletes states whose time is over.
	 *
	 * @param int $now Unix time.
	 * @return int Rows deleted.
	 */
	public static function purge_expired( int $now ): int {
		global $wpdb;
		return (int) $wpdb->query( $wpdb->prepare( 'DELETE FROM ' . self::table() . ' WHERE expires_at <= %d', $now ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
	}

	/**
	 * The daily purge (hooked on the activity log's cron event).
	 */
	public static function cron_purge(): void {
		self::purge_expired( Twofa_Clock::now() );
	}

	/**
	 * Whether a string has the shape of a state id (22 base64url characters).
	 *
	 * @param string $state_id Candidate.
	 */
	public static function valid_state_id( string $state_id ): bool {
		return (bool) preg_match( '/^[A-Za-z0-9_-]{22}$/D', $state_id );
	}
}
