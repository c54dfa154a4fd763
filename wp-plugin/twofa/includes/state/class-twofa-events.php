<?php
/**
 * The activity log's table and its one writer: every two-factor event is one row.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * `{base_prefix}twofa_events`: one table for the whole network (users are shared by all
 * sites), each row carrying the site it happened on. record() is the only writer: one
 * INSERT per event, built from fixed event names, method ids and short allow-listed
 * details, so no code, secret, token or hash can reach a row. A write that fails is
 * logged once and never makes the flow that caused it fail; listeners of the
 * `twofa_event` action (an audit or SIEM plugin) get every event, written or not.
 *
 * The event names are documented in docs/CONTRACTS.md ("Activity log").
 */
final class Twofa_Events {

	// A second step passed (method).
	const LOGIN_PASSED = 'login_passed';
	// A code was refused at the login step (method).
	const CODE_REFUSED = 'code_refused';
	// The failures reached `backoff_after`: further codes wait (details: failures).
	const BACKOFF = 'backoff';
	// The account was locked (details: failures, minutes).
	const LOCKOUT = 'lockout';
	// Someone cleared the failures and the lock (actor).
	const UNLOCK = 'unlock';
	// A method became active for the first time (method).
	const METHOD_CONFIGURED = 'method_configured';
	// An active method was set up again with a new secret or address check (method).
	const METHOD_RECONFIGURED = 'method_reconfigured';
	// A method was removed, by the user or an administrator (method, actor).
	const METHOD_REMOVED = 'method_removed';
	// The primary method changed (method: the new primary).
	const PRIMARY_CHANGED = 'primary_changed';
	// An administrator removed every method of the user (actor).
	const RESET = 'reset';
	// The site's two-factor settings changed (actor; details: keys).
	const SETTINGS_CHANGED = 'settings_changed';
	// Backup codes: one was used at the login step; the set was regenerated.
	const BACKUP_CODE_USED         = 'backup_code_used';
	const BACKUP_CODES_REGENERATED = 'backup_codes_regenerated';
	// Remembered devices: a device was remembered; one (or all) forgotten.
	const DEVICE_REMEMBERED = 'device_remembered';
	const DEVICE_FORGOTTEN  = 'device_forgotten';
	// Passkeys: added, removed.
	const PASSKEY_ADDED   = 'passkey_added';
	const PASSKEY_REMOVED = 'passkey_removed';
	// Two-factor settings of a user were imported (method; details: source).
	const IMPORT = 'import';

	/**
	 * Every event name, in the order the screens list them.
	 */
	const EVENTS = array(
		self::LOGIN_PASSED,
		self::CODE_REFUSED,
		self::BACKOFF,
		self::LOCKOUT,
		self::UNLOCK,
		self::METHOD_CONFIGURED,
		self::METHOD_RECONFIGURED,
		self::METHOD_REMOVED,
		self::PRIMARY_CHANGED,
		self::RESET,
		self::SETTINGS_CHANGED,
		self::BACKUP_CODE_USED,
		self::BACKUP_CODES_REGENERATED,
		self::DEVICE_REMEMBERED,
		self::DEVICE_FORGOTTEN,
		self::PASSKEY_ADDED,
		self::PASSKEY_REMOVED,
		self::IMPORT,
	);

	/**
	 * Table name without the prefix.
	 */
	const TABLE = 'twofa_events';

	/**
	 * Schema version; a change runs dbDelta again on the next request.
	 */
	const DB_VERSION = '1';

	/**
	 * Option (network option on multisite) holding the schema version the table has.
	 */
	const DB_VERSION_OPTION = 'twofa_events_db_version';

	/**
	 * The daily purge's cron hook.
	 */
	const CRON_HOOK = 'twofa_events_purge';

	/**
	 * A follow-up run when the daily one left old rows behind (bounded batches).
	 */
	const CRON_MORE_HOOK = 'twofa_events_purge_more';

	/**
	 * Transient that keeps a failing table from filling the error log (one line an hour).
	 */
	const ERROR_TRANSIENT = 'twofa_events_write_error';

	/**
	 * Column lengths: a longer value is cut, never refused.
	 */
	const UA_LENGTH      = 160;
	const DETAILS_LENGTH = 190;

	/**
	 * Whether this process already logged a write error.
	 *
	 * @var bool
	 */
	private static $error_logged = false;

	/**
	 * Whether this request checked the schema version and the purge schedule.
	 *
	 * @var bool
	 */
	private static $checked = false;

	/**
	 * The table's full name. The first use in a request checks the schema version
	 * (an autoloaded option on a single site, so no query) and the daily purge, so
	 * a request that never touches the activity log never reads either
	 * (Twofa_Hooks adds no hook of this class to the front end).
	 */
	public static function table(): string {
		if ( ! self::$checked ) {
			self::$checked = true;
			self::maybe_upgrade();
			self::schedule();
		}
		return self::name();
	}

	/**
	 * The table's full name, with no check.
	 */
	private static function name(): string {
		global $wpdb;
		return $wpdb->base_prefix . self::TABLE;
	}

	/**
	 * admin_init: the schema and the purge are checked on every dashboard request,
	 * so an upgraded plugin has its table before anything is shown.
	 */
	public static function admin_init(): void {
		self::table();
	}

	/**
	 * Plugin activation: the table and the cron event.
	 */
	public static function activate(): void {
		self::install();
		self::schedule();
	}

	/**
	 * Plugin deactivation: the cron event goes (the rows stay until uninstall).
	 */
	public static function deactivate(): void {
		wp_clear_scheduled_hook( self::CRON_HOOK );
		wp_clear_scheduled_hook( self::CRON_MORE_HOOK );
	}

	/**
	 * Runs dbDelta when the table's schema version is not this code's.
	 */
	public static function maybe_upgrade(): void {
		if ( self::schema_stale( self::DB_VERSION_OPTION, self::DB_VERSION ) ) {
			self::install();
		}
	}

	/**
	 * Whether a table's stored schema version (an option, a network option on multisite)
	 * is not the code's. On a single site the option is autoloaded: checking costs no query.
	 *
	 * @param string $option  Option holding the version.
	 * @param string $version The code's version.
	 */
	public static function schema_stale( string $option, string $version ): bool {
		return $version !== ( is_multisite() ? get_site_option( $option ) : get_option( $option ) );
	}

	/**
	 * Remembers the schema version a table now has.
	 *
	 * @param string $option  Option holding the version.
	 * @param string $version The code's version.
	 */
	public static function schema_installed( string $option, string $version ): void {
		if ( is_multisite() ) {
			update_site_option( $option, $version );
		} else {
			update_option( $option, $version, true );
		}
	}

	/**
	 * Creates or upgrades the table (dbDelta) and remembers the schema version.
	 */
	public static function install(): void {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$table   = self::name();
		$charset = $wpdb->get_charset_collate();
		// dbDelta's format: one column per line, two spaces after PRIMARY KEY.
		dbDelta(
			"CREATE TABLE {$table} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  created_at int(10) unsigned NOT NULL DEFAULT 0,
  site_id bigint(20) unsigned NOT NULL DEFAULT 0,
  user_id bigint(20) unsigned NOT NULL DEFAULT 0,
  actor_id bigint(20) unsigned NOT NULL DEFAULT 0,
  event varchar(40) NOT NULL DEFAULT '',
  method varchar(32) NOT NULL DEFAULT '',
  via varchar(8) NOT NULL DEFAULT '',
  ip varchar(45) NOT NULL DEFAULT '',
  user_agent varchar(160) NOT NULL DEFAULT '',
  details varchar(190) NOT NULL DEFAULT '',
  PRIMARY KEY  (id),
  KEY user_time (user_id,created_at),
  KEY site_time (site_id,created_at),
  KEY created_at (created_at)
) {$charset};"
		);
		self::schema_installed( self::DB_VERSION_OPTION, self::DB_VERSION );
	}

	/**
	 * The daily purge, scheduled once per site.
	 */
	public static function schedule(): void {
		if ( ! wp_next_scheduled( self::CRON_HOOK ) ) {
			wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', self::CRON_HOOK );
		}
	}

	/**
	 * Removes the table, its version and this site's cron event (uninstall.php).
	 */
	public static function uninstall(): void {
		global $wpdb;
		$wpdb->query( 'DROP TABLE IF EXISTS ' . self::name() ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
		delete_site_option( self::DB_VERSION_OPTION );
		delete_transient( self::ERROR_TRANSIENT );
	}

	/**
	 * Records one event: one INSERT, then the `twofa_event` action.
	 *
	 * Never throws and never prints: a login goes on whatever happens here.
	 *
	 * @param string              $event   One of EVENTS (or a name added by the
	 *                                     `twofa_event_names` filter).
	 * @param int                 $user_id The account the event is about (0: none, e.g. settings).
	 * @param array<string,mixed> $context method (a method id), actor (user id; default the
	 *                                     current user), details (name => int or short token).
	 * @return bool Whether the row was written.
	 */
	public static function record( string $event, int $user_id, array $context = array() ): bool {
		global $wpdb;
		try {
			$row = self::row( $event, $user_id, $context );
		} catch ( Throwable $e ) {
			$row = null;
		}
		if ( null === $row ) {
			self::log_error( 'an event with an unknown name or bad fields was not recorded' );
			return false;
		}

		$written = false;
		try {
			$suppress = $wpdb->suppress_errors( true );
			// A plain prepared INSERT: every value is already valid UTF-8 of its column's length,
			// so $wpdb->insert()'s per-request SHOW FULL COLUMNS would be a query for nothing.
			$written = 1 === $wpdb->query(
				$wpdb->prepare(
					'INSERT INTO ' . self::table() . ' (created_at, site_id, user_id, actor_id, event, method, via, ip, user_agent, details) VALUES (%d, %d, %d, %d, %s, %s, %s, %s, %s, %s)', // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
					array_values( $row )
				)
			);
			$error = (string) $wpdb->last_error;
			$wpdb->suppress_errors( $suppress );
			if ( $written ) {
				$row = array( 'id' => (int) $wpdb->insert_id ) + $row;
			} else {
				self::log_error( '' !== $error ? $error : 'the insert affected no row' );
			}
		} catch ( Throwable $e ) {
			self::log_error( get_class( $e ) );
		}

		try {
			/**
			 * One two-factor event, for audit and SIEM plugins. Fires whether or not the
			 * row could be written ($row['id'] is missing when it could not).
			 *
			 * @param string              $event The event name (Twofa_Events::EVENTS).
			 * @param array<string,mixed> $row   created_at, site_id, user_id, actor_id, event,
			 *                                   method, via, ip, user_agent, details.
			 */
			do_action( 'twofa_event', $event, $row );
		} catch ( Throwable $e ) {
			self::log_error( 'a twofa_event listener failed: ' . get_class( $e ) );
		}
		return $written;
	}

	/**
	 * The row for an event, or null when the event name is unknown.
	 *
	 * @param string              $event   Event name.
	 * @param int                 $user_id Subject.
	 * @param array<string,mixed> $context See record().
	 * @return array<string,int|string>|null
	 */
	private static function row( string $event, int $user_id, array $context ): ?array {
		/**
		 * Event names a site's own code may record in addition to Twofa_Events::EVENTS.
		 *
		 * @param string[] $names Names (lower case, digits and underscores, up to 40).
		 */
		$names = (array) apply_filters( 'twofa_event_names', self::EVENTS );
		if ( ! in_array( $event, $names, true ) || ! preg_match( '/^[a-z][a-z0-9_]{0,39}$/', $event ) ) {
			return null;
		}
		$method = isset( $context['method'] ) && is_string( $context['method'] ) && preg_match( '/^[a-z0-9_-]{1,32}$/', $context['method'] ) ? $context['method'] : '';
		$actor  = isset( $context['actor'] ) && is_int( $context['actor'] ) ? max( 0, $context['actor'] ) : get_current_user_id();
		return array(
			'created_at' => Twofa_Clock::now(),
			'site_id'    => get_current_blog_id(),
			'user_id'    => max( 0, $user_id ),
			'actor_id'   => $actor,
			'event'      => $event,
			'method'     => $method,
			'via'        => self::via(),
			'ip'         => self::client_ip(),
			'user_agent' => self::user_agent(),
			'details'    => self::details( isset( $context['details'] ) && is_array( $context['details'] ) ? $context['details'] : array() ),
		);
	}

	/**
	 * Details as `name=value name=value`: names are lower-case words, values whole numbers
	 * or short tokens (letters, digits, `_ , . -`; a list is joined with commas and cut after
	 * about 150 characters). A value with six or more digits in a row
	 * is dropped, whatever its type, so a code passed here by mistake never lands in a row.
	 *
	 * @param array<string,mixed> $details Raw details.
	 */
	public static function details( array $details ): string {
		$parts = array();
		foreach ( $details as $name => $value ) {
			if ( ! is_string( $name ) || ! preg_match( '/^[a-z][a-z0-9_]{0,31}$/', $name ) ) {
				continue;
			}
			if ( is_bool( $value ) ) {
				$value = $value ? 'yes' : 'no';
			} elseif ( is_int( $value ) ) {
				$value = (string) $value;
			} elseif ( is_array( $value ) ) {
				$value = implode( ',', array_filter( $value, 'is_string' ) );
				if ( strlen( $value ) > 150 ) {
					// A long list keeps its first items whole: "a,b,c,etc".
					$value = substr( $value, 0, (int) strrpos( substr( $value, 0, 146 ), ',' ) ) . ',etc';
				}
			}
			if ( ! is_string( $value ) || ! preg_match( '/^[A-Za-z0-9_,.-]{0,150}$/', $value ) || preg_match( '/\d{6}/', $value ) ) {
				continue;
			}
			$parts[] = $name . '=' . $value;
		}
		$out = implode( ' ', $parts );
		return strlen( $out ) > self::DETAILS_LENGTH ? substr( $out, 0, self::DETAILS_LENGTH ) : $out;
	}

	/**
	 * How the event came about: `cli` (wp twofa, scripts), `cron` or `web`.
	 */
	private static function via(): string {
		if ( ( defined( 'WP_CLI' ) && WP_CLI ) || 'cli' === PHP_SAPI ) {
			return 'cli';
		}
		return wp_doing_cron() ? 'cron' : 'web';
	}

	/**
	 * The client's address as the server saw it (REMOTE_ADDR); a site behind a proxy it
	 * trusts can give the real one through the `twofa_event_ip` filter.
	 */
	public static function client_ip(): string {
		$ip = isset( $_SERVER['REMOTE_ADDR'] ) && is_string( $_SERVER['REMOTE_ADDR'] ) ? sanitize_text_field( wp_unslash( $_SERVER['REMOTE_ADDR'] ) ) : '';
		/**
		 * The IP address stored with an event.
		 *
		 * @param string $ip REMOTE_ADDR.
		 */
		$ip = (string) apply_filters( 'twofa_event_ip', $ip );
		return false !== filter_var( $ip, FILTER_VALIDATE_IP ) ? $ip : '';
	}

	/**
	 * The user agent, cut to UA_LENGTH characters of plain text.
	 */
	private static function user_agent(): string {
		$ua = isset( $_SERVER['HTTP_USER_AGENT'] ) && is_string( $_SERVER['HTTP_USER_AGENT'] ) ? sanitize_text_field( wp_unslash( $_SERVER['HTTP_USER_AGENT'] ) ) : '';
		return function_exists( 'mb_substr' ) ? mb_substr( $ua, 0, self::UA_LENGTH ) : substr( $ua, 0, self::UA_LENGTH );
	}

	/**
	 * Logs a write problem once per process and once an hour across processes.
	 *
	 * @param string $why What went wrong (never a row's content).
	 */
	private static function log_error( string $why ): void {
		if ( self::$error_logged ) {
			return;
		}
		self::$error_logged = true;
		try {
			if ( false !== get_transient( self::ERROR_TRANSIENT ) ) {
				return;
			}
			set_transient( self::ERROR_TRANSIENT, 1, HOUR_IN_SECONDS );
		} catch ( Throwable $e ) {
			unset( $e ); // Logging goes on below.
		}
		// phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log -- the site owner's log is the place.
		error_log( 'twofa: the activity log could not record an event (' . $why . '); logins go on. Further write errors are not logged for an hour.' );
	}

	/**
	 * Lets a test see the once-per-process logging again.
	 */
	public static function reset_error_log_state(): void {
		self::$error_logged = false;
	}
}
