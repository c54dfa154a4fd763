<?php
/**
 * The passkeys table: one row per registered passkey.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * `{base_prefix}twofa_passkeys`: one table for the whole network (users are shared by all
 * sites). A row holds the credential id (unique across every user: one authenticator's
 * credential belongs to one account), the record the extension sealed for that user (public
 * key, counter, flags, user handle), the user's name for it and when it was created and last
 * used. Nothing in a row is secret, but the record is never shown: screens and `wp twofa`
 * use list_for_user(), which leaves it out.
 *
 * "Configured" (docs/CONTRACTS.md, "Has 2FA") is decided by user meta like every method:
 * COUNT_KEY holds the user's number of passkeys, written after each add and removal, so the
 * SQL of the Users column, the report and the sidecar need no join on this table.
 *
 * The user handle (what authenticators store as `user.id`, random, not the user id) is user
 * meta HANDLE_KEY, kept when the last passkey goes so a re-added passkey keeps the same handle.
 */
final class Twofa_Passkeys {

	/**
	 * Table name without the prefix.
	 */
	const TABLE = 'twofa_passkeys';

	/**
	 * Schema version of both passkey tables; a change runs dbDelta again on the next request.
	 */
	const DB_VERSION = '1';

	/**
	 * Option (network option on multisite) holding the schema version the tables have.
	 */
	const DB_VERSION_OPTION = 'twofa_passkeys_db_version';

	/**
	 * User meta: the number of passkeys (the method's configured key).
	 */
	const COUNT_KEY = '_twofa_passkeys';

	/**
	 * User meta: the WebAuthn user handle (base64url, made by the first registration).
	 */
	const HANDLE_KEY = '_twofa_passkey_handle';

	/**
	 * Longest name a passkey may have (characters).
	 */
	const NAME_LENGTH = 100;

	/**
	 * Longest credential id (base64url of 1023 bytes).
	 */
	const CREDENTIAL_ID_LENGTH = 1366;

	/**
	 * Whether this request checked the tables' schema version already.
	 *
	 * @var bool
	 */
	private static $checked = false;

	/**
	 * The table's full name. The first use of either passkey table in a request checks the
	 * schema version (an autoloaded option on a single site, so no query), so a request
	 * that never touches passkeys reads nothing (Twofa_Hooks adds no hook of this class to
	 * a page view).
	 */
	public static function table(): string {
		global $wpdb;
		self::check();
		return $wpdb->base_prefix . self::TABLE;
	}

	/**
	 * The schema check of table(), once per request.
	 */
	public static function check(): void {
		if ( ! self::$checked ) {
			self::$checked = true;
			self::maybe_upgrade();
		}
	}

	/**
	 * Runs dbDelta when the tables' schema version is not this code's.
	 */
	public static function maybe_upgrade(): void {
		if ( Twofa_Events::schema_stale( self::DB_VERSION_OPTION, self::DB_VERSION ) ) {
			self::install();
		}
	}

	/**
	 * Creates or upgrades both passkey tables (dbDelta) and remembers the schema version.
	 */
	public static function install(): void {
		global $wpdb;
		self::$checked = true;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$table   = self::table();
		$charset = $wpdb->get_charset_collate();
		// dbDelta's format: one column per line, two spaces after PRIMARY KEY. The credential id
		// is ASCII compared byte for byte (base64url is case-sensitive): 1366 bytes fit in
		// InnoDB's 3072-byte index limit, so the unique key covers all of it.
		dbDelta(
			"CREATE TABLE {$table} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  user_id bigint(20) unsigned NOT NULL DEFAULT 0,
  credential_id varchar(1366) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  name varchar(100) NOT NULL DEFAULT '',
  record text CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at bigint(20) NOT NULL DEFAULT 0,
  last_used_at bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY  (id),
  UNIQUE KEY credential_id (credential_id),
  KEY user_id (user_id)
) {$charset};"
		);
		Twofa_Passkey_Ceremonies::install();
		Twofa_Events::schema_installed( self::DB_VERSION_OPTION, self::DB_VERSION );
	}

	/**
	 * Removes both tables and the schema version (uninstall.php).
	 */
	public static function uninstall(): void {
		global $wpdb;
		self::$checked = true;
		$wpdb->query( 'DROP TABLE IF EXISTS ' . self::table() ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
		$wpdb->query( 'DROP TABLE IF EXISTS ' . Twofa_Passkey_Ceremonies::table() ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
		delete_site_option( self::DB_VERSION_OPTION );
		delete_option( self::DB_VERSION_OPTION );
	}

	/**
	 * The user's passkeys, oldest first, without their records.
	 *
	 * @param int $user_id User ID.
	 * @return array<int,array{id:int,credential_id:string,name:string,created_at:int,last_used_at:int}>
	 */
	public static function list_for_user( int $user_id ): array {
		global $wpdb;
		$rows = $wpdb->get_results(
			$wpdb->prepare( 'SELECT id, credential_id, name, created_at, last_used_at FROM ' . self::table() . ' WHERE user_id = %d ORDER BY created_at ASC, id ASC', $user_id ), // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
			ARRAY_A
		);
		$out = array();
		foreach ( (array) $rows as $row ) {
			$out[] = array(
				'id'            => (int) $row['id'],
				'credential_id' => (string) $row['credential_id'],
				'name'          => (string) $row['name'],
				'created_at'    => (int) $row['created_at'],
				'last_used_at'  => (int) $row['last_used_at'],
			);
		}
		return $out;
	}

	/**
	 * How many passkeys the user has (from the table).
	 *
	 * @param int $user_id User ID.
	 */
	public static function count_for_user( int $user_id ): int {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . self::table() . ' WHERE user_id = %d', $user_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
	}

	/**
	 * The user's sealed records, oldest first (for the extension's begin and finish calls).
	 *
	 * @param int $user_id User ID.
	 * @return string[]
	 */
	public static function records_for_user( int $user_id ): array {
		global $wpdb;
		$records = $wpdb->get_col( $wpdb->prepare( 'SELECT record FROM ' . self::table() . ' WHERE user_id = %d ORDER BY created_at ASC, id ASC', $user_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
		return array_map( 'strval', (array) $records );
	}

	/**
	 * The user's sealed records by credential id (a login's finish is given these, and the
	 * one that matched is the old value of the conditional UPDATE).
	 *
	 * @param int $user_id User ID.
	 * @return array<string,string>
	 */
	public static function records_by_credential( int $user_id ): array {
		global $wpdb;
		$rows = $wpdb->get_results( $wpdb->prepare( 'SELECT credential_id, record FROM ' . self::table() . ' WHERE user_id = %d ORDER BY created_at ASC, id ASC', $user_id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
		$out  = array();
		foreach ( (array) $rows as $row ) {
			$out[ (string) $row['credential_id'] ] = (string) $row['record'];
		}
		return $out;
	}

	/**
	 * Stores a new passkey: one INSERT. A credential id any user already has is refused by
	 * the unique key and nothing is stored.
	 *
	 * @param int    $user_id       User ID.
	 * @param string $credential_id Base64url credential id (from register_finish).
	 * @param string $record        The sealed record (from register_finish).
	 * @param string $name          The user's name for it (cut to NAME_LENGTH).
	 * @param int    $now           Unix time.
	 * @return int|WP_Error The new row's id.
	 */
	public static function add( int $user_id, string $credential_id, string $record, string $name, int $now ) {
		global $wpdb;
		if ( $user_id < 1 || ! self::valid_credential_id( $credential_id ) || '' === $record ) {
			return new WP_Error( 'twofa_passkey_invalid', __( 'The passkey could not be saved.', 'twofa' ) );
		}
		$suppress = $wpdb->suppress_errors( true );
		$inserted = $wpdb->query(
			$wpdb->prepare(
				'INSERT IGNORE INTO ' . self::table() . ' (user_id, credential_id, name, record, created_at, last_used_at) VALUES (%d, %s, %s, %s, %d, 0)', // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
				$user_id,
				$credential_id,
				self::clean_name( $name ),
				$record,
				$now
			)
		);
		$wpdb->suppress_errors( $suppress );
		if ( 1 !== $inserted ) {
			return new WP_Error( 'twofa_passkey_duplicate', __( 'This passkey is already registered.', 'twofa' ) );
		}
		$id = (int) $wpdb->insert_id;
		self::sync_count( $user_id );
		return $id;
	}

	/**
	 * The user a credential id belongs to, 0 when none.
	 *
	 * @param string $credential_id Base64url credential id.
	 */
	public static function user_for_credential( string $credential_id ): int {
		global $wpdb;
		if ( ! self::valid_credential_id( $credential_id ) ) {
			return 0;
		}
		return (int) $wpdb->get_var(
			$wpdb->prepare( 'SELECT user_id FROM ' . self::table() . ' WHERE credential_id = %s', $credential_id ) // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
		);
	}

	/**
	 * Replaces a passkey's record after a login, in ONE conditional UPDATE on the old value:
	 * of two logins racing with the same record, exactly one changes a row.
	 *
	 * @param int    $user_id       User ID.
	 * @param string $credential_id Base64url credential id.
	 * @param string $old           The record the finish was given.
	 * @param string $new           The record the finish returned.
	 * @param int    $now           Unix time (stored as last used).
	 * @return bool|null Whether exactly one row changed; null when the database refused the UPDATE.
	 */
	public static function replace_record( int $user_id, string $credential_id, string $old, string $new, int $now ): ?bool {
		global $wpdb;
		if ( ! self::valid_credential_id( $credential_id ) || '' === $new ) {
			return false;
		}
		// A finish always returns a freshly sealed record (new nonce), so a matched row always
		// changes and its affected rows are 1; a row whose record was replaced meanwhile is 0.
		$changed = Twofa_User_State::write(
			$wpdb->prepare(
				'UPDATE ' . self::table() . ' SET record = %s, last_used_at = %d WHERE user_id = %d AND credential_id = %s AND record = %s', // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
				$new,
				$now,
				$user_id,
				$credential_id,
				$old
			)
		);
		return null === $changed ? null : 1 === $changed;
	}

	/**
	 * Renames one of the user's passkeys.
	 *
	 * @param int    $user_id User ID.
	 * @param int    $id      Row id.
	 * @param string $name    New name (cut to NAME_LENGTH).
	 * @return bool Whether the passkey exists (renaming to the same name counts).
	 */
	public static function rename( int $user_id, int $id, string $name ): bool {
		global $wpdb;
		$changed = $wpdb->query(
			$wpdb->prepare( 'UPDATE ' . self::table() . ' SET name = %s WHERE id = %d AND user_id = %d', self::clean_name( $name ), $id, $user_id ) // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
		);
		if ( 1 === $changed ) {
			return true;
		}
		return 0 === $changed && null !== self::get( $user_id, $id );
	}

	/**
	 * One of the user's passkeys (without its record), or null.
	 *
	 * @param int $user_id User ID.
	 * @param int $id      Row id.
	 * @return array{id:int,credential_id:string,name:string,created_at:int,last_used_at:int}|null
	 */
	public static function get( int $user_id, int $id ): ?array {
		foreach ( self::list_for_user( $user_id ) as $row ) {
			if ( $row['id'] === $id ) {
				return $row;
			}
		}
		return null;
	}

	/**
	 * Removes one of the user's passkeys: one DELETE, decided by its affected rows.
	 *
	 * @param int $user_id User ID.
	 * @param int $id      Row id.
	 * @return bool Whether this call removed it.
	 */
	public static function remove( int $user_id, int $id ): bool {
		global $wpdb;
		$deleted = 1 === $wpdb->query(
			$wpdb->prepare( 'DELETE FROM ' . self::table() . ' WHERE id = %d AND user_id = %d', $id, $user_id ) // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
		);
		if ( $deleted ) {
			self::sync_count( $user_id );
		}
		return $deleted;
	}

	/**
	 * Removes every passkey of the user (reset, method removal, user deletion).
	 *
	 * @param int $user_id User ID.
	 * @return int How many were removed.
	 */
	public static function remove_all( int $user_id ): int {
		global $wpdb;
		$deleted = (int) $wpdb->query(
			$wpdb->prepare( 'DELETE FROM ' . self::table() . ' WHERE user_id = %d', $user_id ) // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
		);
		self::sync_count( $user_id );
		return $deleted;
	}

	/**
	 * The user's WebAuthn user handle, or null before the first passkey.
	 *
	 * @param int $user_id User ID.
	 */
	public static function user_handle( int $user_id ): ?string {
		$handle = get_user_meta( $user_id, self::HANDLE_KEY, true );
		return is_string( $handle ) && preg_match( '/^[A-Za-z0-9_-]{2,86}$/D', $handle ) ? $handle : null;
	}

	/**
	 * Stores the user handle the first registration made.
	 *
	 * @param int    $user_id User ID.
	 * @param string $handle  Base64url handle.
	 */
	public static function set_user_handle( int $user_id, string $handle ): void {
		if ( preg_match( '/^[A-Za-z0-9_-]{2,86}$/D', $handle ) ) {
			update_user_meta( $user_id, self::HANDLE_KEY, $handle );
		}
	}

	/**
	 * Writes the configured key from the table: the count, or no row at all.
	 *
	 * @param int $user_id User ID.
	 */
	public static function sync_count( int $user_id ): void {
		$count = self::count_for_user( $user_id );
		if ( $count > 0 ) {
			update_user_meta( $user_id, self::COUNT_KEY, (string) $count );
		} else {
			delete_user_meta( $user_id, self::COUNT_KEY );
		}
	}

	/**
	 * A passkey's name as stored: plain text, one line, at most NAME_LENGTH characters.
	 *
	 * @param string $name Raw name.
	 */
	public static function clean_name( string $name ): string {
		$name = trim( sanitize_text_field( $name ) );
		$name = function_exists( 'mb_substr' ) ? mb_substr( $name, 0, self::NAME_LENGTH ) : substr( $name, 0, self::NAME_LENGTH );
		return '' !== $name ? $name : __( 'Passkey', 'twofa' );
	}

	/**
	 * Whether a string is a base64url credential id of an allowed length.
	 *
	 * @param string $credential_id Candidate.
	 */
	public static function valid_credential_id( string $credential_id ): bool {
		return (bool) preg_match( '/^[A-Za-z0-9_-]{1,' . self::CREDENTIAL_ID_LENGTH . '}$/D', $credential_id );
	}
}
