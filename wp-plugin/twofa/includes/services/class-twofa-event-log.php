<?php
/**
 * Reading the activity log: filtered pages, a user's recent events, CSV, and the purge.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Used alike by Users → 2FA Activity, the Recent activity box of Configure 2FA and
 * `wp twofa log`, so the three cannot disagree. Pages are read newest first with
 * LIMIT/OFFSET over the (site_id, created_at), (user_id, created_at) and (created_at)
 * indexes; no page counts all matching rows (one row more than the page tells whether an
 * older page exists), so a page stays fast at millions of rows.
 */
final class Twofa_Event_Log {

	const PER_PAGE = 50;
	const RECENT   = 20;

	/**
	 * Rows deleted by one purge statement, and statements per purge run.
	 */
	const PURGE_BATCH       = 5000;
	const PURGE_MAX_BATCHES = 20;

	/**
	 * The CSV export's columns.
	 */
	const CSV_COLUMNS = array( 'time', 'site', 'user', 'actor', 'event', 'method', 'via', 'ip', 'user_agent', 'details' );

	/**
	 * The events table.
	 *
	 * @var string
	 */
	private $table;

	/**
	 * Reads the network's events table.
	 */
	public function __construct() {
		$this->table = Twofa_Events::table();
	}

	/**
	 * Filters as the queries take them, from loose input. Unknown or malformed values are
	 * dropped, never passed on.
	 *
	 * @param array<string,mixed> $in user_id, event, method, since, until (unix), site_id
	 *                                (int; absent or null = every site).
	 * @return array{user_id?:int, event?:string, method?:string, since?:int, until?:int, site_id?:int}
	 */
	public static function filters( array $in ): array {
		$out = array();
		if ( isset( $in['user_id'] ) && is_numeric( $in['user_id'] ) && (int) $in['user_id'] >= 0 ) {
			$out['user_id'] = (int) $in['user_id'];
		}
		if ( isset( $in['event'] ) && is_string( $in['event'] ) && in_array( $in['event'], Twofa_Events::EVENTS, true ) ) {
			$out['event'] = $in['event'];
		}
		if ( isset( $in['method'] ) && is_string( $in['method'] ) && preg_match( '/^[a-z0-9_-]{1,32}$/', $in['method'] ) ) {
			$out['method'] = $in['method'];
		}
		foreach ( array( 'since', 'until', 'site_id' ) as $key ) {
			if ( isset( $in[ $key ] ) && is_int( $in[ $key ] ) && $in[ $key ] >= 0 ) {
				$out[ $key ] = $in[ $key ];
			}
		}
		return $out;
	}

	/**
	 * The SELECT of one page (newest first), prepared.
	 *
	 * @param array<string,mixed> $filters From filters().
	 * @param int                 $limit   Rows.
	 * @param int                 $offset  Rows skipped.
	 */
	public function select_sql( array $filters, int $limit, int $offset = 0 ): string {
		global $wpdb;
		list( $where, $params ) = $this->where( $filters );
		$params[]               = max( 1, $limit );
		$params[]               = max( 0, $offset );
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- table and WHERE are built here from fixed parts.
		return $wpdb->prepare( "SELECT * FROM {$this->table} WHERE {$where} ORDER BY created_at DESC, id DESC LIMIT %d OFFSET %d", $params );
	}

	/**
	 * One page of events, newest first.
	 *
	 * @param array<string,mixed> $filters  From filters().
	 * @param int                 $page     1-based page.
	 * @param int                 $per_page Rows per page.
	 * @return array{rows: array<int,array<string,mixed>>, has_more: bool}
	 */
	public function page( array $filters, int $page = 1, int $per_page = self::PER_PAGE ): array {
		global $wpdb;
		$per_page = max( 1, min( 100000, $per_page ) );
		$page     = max( 1, $page );
		$rows     = $wpdb->get_results( $this->select_sql( $filters, $per_page + 1, ( $page - 1 ) * $per_page ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- prepared in select_sql().
		$rows     = is_array( $rows ) ? $rows : array();
		$has_more = count( $rows ) > $per_page;
		return array(
			'rows'     => array_slice( $rows, 0, $per_page ),
			'has_more' => $has_more,
		);
	}

	/**
	 * A user's latest events on every site (the Recent activity box).
	 *
	 * @param int $user_id User ID.
	 * @param int $count   How many.
	 * @return array<int,array<string,mixed>>
	 */
	public function recent( int $user_id, int $count = self::RECENT ): array {
		return $this->page( array( 'user_id' => $user_id ), 1, $count )['rows'];
	}

	/**
	 * Every matching event, newest first, handed to $each in batches (for the CSV export).
	 * Batches continue below the last row seen, so rows written meanwhile cannot shift them.
	 *
	 * @param array<string,mixed> $filters From filters().
	 * @param callable            $each    Called with each batch (a list of rows).
	 * @param int                 $batch   Rows per batch.
	 * @return int Rows handed over.
	 */
	public function each( array $filters, callable $each, int $batch = 1000 ): int {
		global $wpdb;
		$total = 0;
		$after = null;
		do {
			list( $where, $params ) = $this->where( $filters );
			if ( null !== $after ) {
				$where   .= ' AND (created_at < %d OR (created_at = %d AND id < %d))';
				$params[] = $after[0];
				$params[] = $after[0];
				$params[] = $after[1];
			}
			$params[] = $batch;
			// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared,WordPress.DB.PreparedSQL.NotPrepared -- table and WHERE are built here from fixed parts.
			$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$this->table} WHERE {$where} ORDER BY created_at DESC, id DESC LIMIT %d", $params ), ARRAY_A );
			$rows = is_array( $rows ) ? $rows : array();
			if ( $rows ) {
				$each( $rows );
				$total += count( $rows );
				$last   = end( $rows );
				$after  = array( (int) $last['created_at'], (int) $last['id'] );
			}
		} while ( count( $rows ) === $batch );
		return $total;
	}

	/**
	 * WHERE clause and its parameters.
	 *
	 * @param array<string,mixed> $filters From filters().
	 * @return array{0: string, 1: array<int,int|string>}
	 */
	private function where( array $filters ): array {
		$where  = array( '1=1' );
		$params = array();
		$map    = array(
			'site_id' => 'site_id = %d',
			'user_id' => 'user_id = %d',
			'event'   => 'event = %s',
			'method'  => 'method = %s',
			'since'   => 'created_at >= %d',
			'until'   => 'created_at <= %d',
		);
		foreach ( $map as $key => $clause ) {
			if ( array_key_exists( $key, $filters ) ) {
				$where[]  = $clause;
				$params[] = $filters[ $key ];
			}
		}
		return array( implode( ' AND ', $where ), $params );
	}

	/**
	 * Deletes a site's events older than $cutoff, at most $max_batches statements of
	 * $batch rows each, so one run never holds long locks on a big table.
	 *
	 * @param int $site_id     Site (blog) id.
	 * @param int $cutoff      Unix time; older rows go.
	 * @param int $batch       Rows per DELETE.
	 * @param int $max_batches DELETE statements at most.
	 * @return array{deleted:int, more:bool} more: old rows are left for the next run.
	 */
	public function purge( int $site_id, int $cutoff, int $batch = self::PURGE_BATCH, int $max_batches = self::PURGE_MAX_BATCHES ): array {
		global $wpdb;
		$deleted = 0;
		$batch   = max( 1, $batch );
		for ( $i = 0; $i < $max_batches; $i++ ) {
			// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the table name is ours.
			$n = $wpdb->query( $wpdb->prepare( "DELETE FROM {$this->table} WHERE site_id = %d AND created_at < %d ORDER BY created_at LIMIT %d", $site_id, $cutoff, $batch ) );
			if ( ! is_int( $n ) ) {
				break;
			}
			$deleted += $n;
			if ( $n < $batch ) {
				return array(
					'deleted' => $deleted,
					'more'    => false,
				);
			}
		}
		return array(
			'deleted' => $deleted,
			'more'    => true,
		);
	}

	/**
	 * The daily cron job: this site's events older than the retention setting go. When a
	 * run leaves old rows behind, another run follows in a minute.
	 *
	 * @return array{deleted:int, more:bool}
	 */
	public static function cron_purge(): array {
		$days   = (int) Twofa_Settings::get( 'log_retention_days' );
		$cutoff = Twofa_Clock::now() - max( 1, $days ) * DAY_IN_SECONDS;
		$result = ( new self() )->purge( get_current_blog_id(), $cutoff );
		if ( $result['more'] && ! wp_next_scheduled( Twofa_Events::CRON_MORE_HOOK ) ) {
			wp_schedule_single_event( time() + MINUTE_IN_SECONDS, Twofa_Events::CRON_MORE_HOOK );
		}
		return $result;
	}

	/**
	 * Rows as people read them: logins instead of ids, UTC times, method names.
	 *
	 * @param array<int,array<string,mixed>> $rows Table rows.
	 * @param bool                           $utc  UTC "Y-m-d H:i:s" (CLI, CSV) or the site's time zone.
	 * @return array<int,array<string,string>> Keys of CSV_COLUMNS plus id, user_id, actor_id.
	 */
	public static function present( array $rows, bool $utc = true ): array {
		$ids = array();
		foreach ( $rows as $row ) {
			$ids[] = (int) $row['user_id'];
			$ids[] = (int) $row['actor_id'];
		}
		$ids = array_values( array_unique( array_filter( $ids ) ) );
		if ( $ids && function_exists( 'cache_users' ) ) {
			cache_users( $ids );
		}
		$out = array();
		foreach ( $rows as $row ) {
			$time  = (int) $row['created_at'];
			$out[] = array(
				'id'         => (string) (int) $row['id'],
				'time'       => $utc ? gmdate( 'Y-m-d H:i:s', $time ) : wp_date( 'Y-m-d H:i:s', $time ),
				'site'       => (string) (int) $row['site_id'],
				'user_id'    => (string) (int) $row['user_id'],
				'user'       => self::login( (int) $row['user_id'] ),
				'actor_id'   => (string) (int) $row['actor_id'],
				'actor'      => self::login( (int) $row['actor_id'] ),
				'event'      => (string) $row['event'],
				'method'     => (string) $row['method'],
				'via'        => (string) $row['via'],
				'ip'         => (string) $row['ip'],
				'user_agent' => (string) $row['user_agent'],
				'details'    => (string) $row['details'],
			);
		}
		return $out;
	}

	/**
	 * A user's login, `#ID` for a deleted user, '' for none.
	 *
	 * @param int $user_id User ID.
	 */
	private static function login( int $user_id ): string {
		if ( $user_id <= 0 ) {
			return '';
		}
		$user = get_userdata( $user_id );
		return $user ? (string) $user->user_login : '#' . $user_id;
	}

	/**
	 * A CSV cell that a spreadsheet cannot take for a formula: a cell starting with `=`,
	 * `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe.
	 *
	 * @param string $cell Value.
	 */
	public static function csv_cell( string $cell ): string {
		return '' !== $cell && false !== strpos( "=+-@\t\r", $cell[0] ) ? "'" . $cell : $cell;
	}

	/**
	 * Writes rows as CSV lines (columns CSV_COLUMNS, every cell escaped).
	 *
	 * @param resource                       $out  Stream.
	 * @param array<int,array<string,string>> $rows From present().
	 */
	public static function write_csv( $out, array $rows ): void {
		foreach ( $rows as $row ) {
			$line = array();
			foreach ( self::CSV_COLUMNS as $column ) {
				$line[] = self::csv_cell( (string) ( $row[ $column ] ?? '' ) );
			}
			fputcsv( $out, $line, ',', '"', '' );
		}
	}

	/**
	 * Method ids to offer as a filter: the registered methods and any seen in rows.
	 *
	 * @return array<string,string> id => label
	 */
	public static function method_choices(): array {
		$out = array();
		if ( class_exists( 'Twofa_Providers' ) && method_exists( 'Twofa_Providers', 'all' ) ) {
			foreach ( Twofa_Providers::all() as $id => $provider ) {
				$out[ (string) $id ] = $provider ? $provider->label() : (string) $id;
			}
		}
		return $out;
	}

	/**
	 * The event's name in words.
	 *
	 * @param string $event Event name.
	 */
	public static function label( string $event ): string {
		$labels = array(
			Twofa_Events::LOGIN_PASSED             => __( 'Login passed', 'twofa' ),
			Twofa_Events::CODE_REFUSED             => __( 'Code refused', 'twofa' ),
			Twofa_Events::BACKOFF                  => __( 'Slowed down after wrong codes', 'twofa' ),
			Twofa_Events::LOCKOUT                  => __( 'Locked after wrong codes', 'twofa' ),
			Twofa_Events::UNLOCK                   => __( 'Unlocked', 'twofa' ),
			Twofa_Events::METHOD_CONFIGURED        => __( 'Method configured', 'twofa' ),
			Twofa_Events::METHOD_RECONFIGURED      => __( 'Method reconfigured', 'twofa' ),
			Twofa_Events::METHOD_REMOVED           => __( 'Method removed', 'twofa' ),
			Twofa_Events::PRIMARY_CHANGED          => __( 'Primary method changed', 'twofa' ),
			Twofa_Events::RESET                    => __( 'Reset by an administrator', 'twofa' ),
			Twofa_Events::SETTINGS_CHANGED         => __( 'Settings changed', 'twofa' ),
			Twofa_Events::BACKUP_CODE_USED         => __( 'Backup code used', 'twofa' ),
			Twofa_Events::BACKUP_CODES_REGENERATED => __( 'Backup codes regenerated', 'twofa' ),
			Twofa_Events::DEVICE_REMEMBERED        => __( 'Device remembered', 'twofa' ),
			Twofa_Events::DEVICE_FORGOTTEN         => __( 'Device forgotten', 'twofa' ),
			Twofa_Events::PASSKEY_ADDED            => __( 'Passkey added', 'twofa' ),
			Twofa_Events::PASSKEY_REMOVED          => __( 'Passkey removed', 'twofa' ),
			Twofa_Events::IMPORT                   => __( 'Imported', 'twofa' ),
		);
		return $labels[ $event ] ?? $event;
	}
}
