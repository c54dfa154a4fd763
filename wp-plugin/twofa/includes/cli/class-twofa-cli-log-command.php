<?php
/**
 * `wp twofa log`: the activity log on the command line.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Shows two-factor events, newest first. Reads through Twofa_Event_Log, the same
 * service as Users → 2FA Activity.
 */
class Twofa_CLI_Log_Command {

	/**
	 * Columns printed, in order.
	 */
	const FIELDS = array( 'time', 'user', 'event', 'method', 'actor', 'via', 'ip', 'user_agent', 'details' );

	/**
	 * Shows two-factor events (logins, refused codes, lockouts, changes), newest first.
	 *
	 * Times are UTC. No code, secret or hash is ever recorded, so none can be shown.
	 *
	 * ## OPTIONS
	 *
	 * [<user>]
	 * : Only this user's events (ID, login or email address).
	 *
	 * [--event=<event>]
	 * : Only this event, e.g. login_passed, code_refused, lockout, method_removed, reset.
	 *
	 * [--method=<method>]
	 * : Only events of this method id, e.g. totp or email.
	 *
	 * [--since=<since>]
	 * : Only events this recent: 30m, 12h, 7d, 2w, or a date (2026-01-31) or UTC time
	 * (2026-01-31 08:00:00).
	 *
	 * [--until=<until>]
	 * : Only events up to this date (the whole day) or UTC time.
	 *
	 * [--limit=<limit>]
	 * : At most this many events (1–100000).
	 * ---
	 * default: 100
	 * ---
	 *
	 * [--network]
	 * : On a multisite network, every site's events (default: the current site's).
	 *
	 * [--format=<format>]
	 * : Output format.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - csv
	 *   - yaml
	 *   - count
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp twofa log
	 *     wp twofa log alice --since=7d
	 *     wp twofa log --event=lockout --since=24h --format=csv
	 *
	 * @param string[]            $args       Positional arguments.
	 * @param array<string,mixed> $assoc_args Options.
	 */
	public function __invoke( $args, $assoc_args ) {
		$filters = self::filters( $args, $assoc_args, Twofa_Clock::now() );
		if ( is_wp_error( $filters ) ) {
			WP_CLI::error( $filters );
		}
		$limit = self::limit( $assoc_args );
		if ( is_wp_error( $limit ) ) {
			WP_CLI::error( $limit );
		}
		$format = isset( $assoc_args['format'] ) ? (string) $assoc_args['format'] : 'table';
		$items  = self::items( ( new Twofa_Event_Log() )->page( $filters, 1, $limit )['rows'], $format );
		WP_CLI\Utils\format_items( $format, $items, self::FIELDS );
	}

	/**
	 * Rows as printed; CSV cells that a spreadsheet would take for a formula are escaped.
	 *
	 * @param array<int,array<string,mixed>> $rows   Table rows.
	 * @param string                         $format Output format.
	 * @return array<int,array<string,string>>
	 */
	public static function items( array $rows, string $format ): array {
		$items = array();
		foreach ( Twofa_Event_Log::present( $rows ) as $row ) {
			$item = array();
			foreach ( self::FIELDS as $field ) {
				$item[ $field ] = 'csv' === $format ? Twofa_Event_Log::csv_cell( $row[ $field ] ) : $row[ $field ];
			}
			$items[] = $item;
		}
		return $items;
	}

	/**
	 * The query filters of a command line.
	 *
	 * @param string[]            $args       Positional arguments.
	 * @param array<string,mixed> $assoc_args Options.
	 * @param int                 $now        Current unix time.
	 * @return array<string,mixed>|WP_Error
	 */
	public static function filters( array $args, array $assoc_args, int $now ) {
		$raw = array();
		if ( isset( $args[0] ) ) {
			$user = Twofa_Activity_Page::find_user( (string) $args[0] );
			if ( ! $user ) {
				/* translators: %s: what was typed. */
				return new WP_Error( 'twofa_cli_user', sprintf( __( 'Invalid user ID, email or login: \'%s\'', 'twofa' ), sanitize_text_field( (string) $args[0] ) ) );
			}
			$raw['user_id'] = (int) $user->ID;
		}
		if ( isset( $assoc_args['event'] ) ) {
			$event = (string) $assoc_args['event'];
			if ( ! in_array( $event, Twofa_Events::EVENTS, true ) ) {
				/* translators: 1: what was typed, 2: list of event names. */
				return new WP_Error( 'twofa_cli_event', sprintf( __( 'Unknown event: %1$s. Events: %2$s.', 'twofa' ), sanitize_text_field( $event ), implode( ', ', Twofa_Events::EVENTS ) ) );
			}
			$raw['event'] = $event;
		}
		if ( isset( $assoc_args['method'] ) ) {
			$method = (string) $assoc_args['method'];
			if ( ! preg_match( '/^[a-z0-9_-]{1,32}$/', $method ) ) {
				/* translators: %s: what was typed. */
				return new WP_Error( 'twofa_cli_method', sprintf( __( 'Invalid method: %s.', 'twofa' ), sanitize_text_field( $method ) ) );
			}
			$raw['method'] = $method;
		}
		foreach ( array( 'since', 'until' ) as $key ) {
			if ( isset( $assoc_args[ $key ] ) ) {
				$time = self::parse_time( (string) $assoc_args[ $key ], $now, 'until' === $key );
				if ( null === $time ) {
					/* translators: 1: option name, 2: what was typed. */
					return new WP_Error( 'twofa_cli_time', sprintf( __( '--%1$s must be like 30m, 12h, 7d, 2w, 2026-01-31 or "2026-01-31 08:00:00"; got "%2$s".', 'twofa' ), $key, sanitize_text_field( (string) $assoc_args[ $key ] ) ) );
				}
				$raw[ $key ] = $time;
			}
		}
		if ( is_multisite() && empty( $assoc_args['network'] ) ) {
			$raw['site_id'] = get_current_blog_id();
		}
		return Twofa_Event_Log::filters( $raw );
	}

	/**
	 * Unix time of "7d" (ago), a UTC date or a UTC date and time; null if unreadable.
	 *
	 * @param string $value   What was typed.
	 * @param int    $now     Current unix time.
	 * @param bool   $day_end A plain date means its last second (for --until).
	 */
	public static function parse_time( string $value, int $now, bool $day_end = false ): ?int {
		$value = trim( $value );
		if ( preg_match( '/^(\d{1,6})([mhdw])$/', $value, $m ) ) {
			$unit = array(
				'm' => MINUTE_IN_SECONDS,
				'h' => HOUR_IN_SECONDS,
				'd' => DAY_IN_SECONDS,
				'w' => WEEK_IN_SECONDS,
			);
			return max( 0, $now - (int) $m[1] * $unit[ $m[2] ] );
		}
		$utc = new DateTimeZone( 'UTC' );
		foreach ( array( '!Y-m-d H:i:s', '!Y-m-d\TH:i:s', '!Y-m-d' ) as $format ) {
			$date = DateTimeImmutable::createFromFormat( $format, $value, $utc );
			if ( $date && $date->format( substr( $format, 1 ) ) === $value ) {
				$time = $date->getTimestamp();
				return '!Y-m-d' === $format && $day_end ? $time + DAY_IN_SECONDS - 1 : $time;
			}
		}
		return null;
	}

	/**
	 * The --limit value.
	 *
	 * @param array<string,mixed> $assoc_args Options.
	 * @return int|WP_Error
	 */
	private static function limit( array $assoc_args ) {
		$raw = isset( $assoc_args['limit'] ) ? (string) $assoc_args['limit'] : '100';
		if ( ! preg_match( '/^\d{1,6}$/', $raw ) || (int) $raw < 1 || (int) $raw > 100000 ) {
			return new WP_Error( 'twofa_cli_limit', __( '--limit must be a whole number from 1 to 100000.', 'twofa' ) );
		}
		return (int) $raw;
	}
}
