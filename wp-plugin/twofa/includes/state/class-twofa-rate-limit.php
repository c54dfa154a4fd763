<?php
/**
 * Counters per client address and fixed time window, shared by every PHP server.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * One options row per (bucket, window, address): `_twofa_rl_{bucket}_{window}_{hash}`,
 * where the window is the unix time divided by its length and the hash a keyed
 * hash of the address (no address in clear text). The row is created by
 * INSERT IGNORE on the options table's unique name, and a slot is claimed by ONE
 * conditional UPDATE whose affected-row count decides, so parallel requests on
 * any number of servers cannot together exceed the limit. The first request of a
 * new window deletes the bucket's rows of earlier windows.
 */
final class Twofa_Rate_Limit {

	/**
	 * Prefix of the rows' option names.
	 */
	const PREFIX = '_twofa_rl_';

	/**
	 * Claims one slot for $ip in the current window of $window seconds.
	 *
	 * @param string $bucket Bucket name ([a-z_]+).
	 * @param string $ip     Client address.
	 * @param int    $limit  Slots per window.
	 * @param int    $window Window length in seconds.
	 * @return bool True when a slot was free (and is now taken).
	 */
	public static function claim( string $bucket, string $ip, int $limit, int $window ): bool {
		global $wpdb;
		$name    = self::name( $bucket, $ip, $window );
		$created = $wpdb->query(
			$wpdb->prepare(
				"INSERT IGNORE INTO {$wpdb->options} (option_name, option_value, autoload) VALUES (%s, '0', 'no')",
				$name
			)
		);
		if ( 1 === $created ) {
			self::purge_older( $bucket, $window );
		}
		$claimed = $wpdb->query(
			$wpdb->prepare(
				"UPDATE {$wpdb->options} SET option_value = CAST(option_value AS UNSIGNED) + 1 WHERE option_name = %s AND CAST(option_value AS UNSIGNED) < %d",
				$name,
				$limit
			)
		);
		return 1 === $claimed;
	}

	/**
	 * Gives back a slot claimed in this window (the work it was for did not happen).
	 *
	 * @param string $bucket Bucket name.
	 * @param string $ip     Client address.
	 * @param int    $window Window length in seconds.
	 */
	public static function release( string $bucket, string $ip, int $window ): void {
		global $wpdb;
		$wpdb->query(
			$wpdb->prepare(
				"UPDATE {$wpdb->options} SET option_value = CAST(option_value AS UNSIGNED) - 1 WHERE option_name = %s AND CAST(option_value AS UNSIGNED) > 0",
				self::name( $bucket, $ip, $window )
			)
		);
	}

	/**
	 * Slots taken for $ip in the current window.
	 *
	 * @param string $bucket Bucket name.
	 * @param string $ip     Client address.
	 * @param int    $window Window length in seconds.
	 */
	public static function used( string $bucket, string $ip, int $window ): int {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( "SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", self::name( $bucket, $ip, $window ) ) );
	}

	/**
	 * Deletes every counter (uninstall, tests).
	 */
	public static function delete_all(): void {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like( self::PREFIX ) . '%' ) );
	}

	/**
	 * The row of $ip in the current window.
	 *
	 * @param string $bucket Bucket name.
	 * @param string $ip     Client address.
	 * @param int    $window Window length in seconds.
	 */
	private static function name( string $bucket, string $ip, int $window ): string {
		return self::window_prefix( $bucket, $window ) . substr( hash_hmac( 'sha256', $ip, wp_salt( 'nonce' ) ), 0, 32 );
	}

	/**
	 * `_twofa_rl_{bucket}_{window}_` of the current window.
	 *
	 * @param string $bucket Bucket name.
	 * @param int    $window Window length in seconds.
	 */
	private static function window_prefix( string $bucket, int $window ): string {
		return self::PREFIX . $bucket . '_' . intdiv( Twofa_Clock::now(), max( 1, $window ) ) . '_';
	}

	/**
	 * Deletes the bucket's rows of earlier windows.
	 *
	 * @param string $bucket Bucket name.
	 * @param int    $window Window length in seconds.
	 */
	private static function purge_older( string $bucket, int $window ): void {
		global $wpdb;
		$wpdb->query(
			$wpdb->prepare(
				"DELETE FROM {$wpdb->options} WHERE option_name LIKE %s AND option_name NOT LIKE %s",
				$wpdb->esc_like( self::PREFIX . $bucket . '_' ) . '%',
				$wpdb->esc_like( self::window_prefix( $bucket, $window ) ) . '%'
			)
		);
	}
}
