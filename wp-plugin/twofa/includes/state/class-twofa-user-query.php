<?php
/**
 * "Has 2FA" and "has method X" as user queries: the Users list, its count, `wp twofa list`.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * A WP_User_Query argument, `twofa_has`, restricts the users by the one rule of
 * Twofa_User_State (docs/CONTRACTS.md, "Has 2FA"): `none` for users without 2FA,
 * or a method id for users who configured that method. The condition is the
 * SQL of self::has_methods_sql(), so every list and count agrees
 * with the login and with the sidecar.
 */
final class Twofa_User_Query {

	/**
	 * The WP_User_Query argument.
	 */
	const ARG = 'twofa_has';

	/**
	 * Its value for "without 2FA".
	 */
	const NONE = 'none';

	/**
	 * Adds the condition to a WP_User_Query that asks for it.
	 *
	 * @param WP_User_Query $query The query being prepared.
	 */
	public static function apply( $query ): void {
		global $wpdb;
		if ( ! $query instanceof WP_User_Query || empty( $query->query_vars[ self::ARG ] ) || ! is_string( $query->query_vars[ self::ARG ] ) ) {
			return;
		}
		$sql = self::condition( $query->query_vars[ self::ARG ], "{$wpdb->users}.ID" );
		if ( null !== $sql ) {
			$query->query_where .= ' AND ' . $sql;
		}
	}

	/**
	 * The SQL condition for a `twofa_has` value; an unknown method matches no one.
	 *
	 * @param string $has            NONE or a method id.
	 * @param string $user_id_column Column expression of the user id.
	 */
	public static function condition( string $has, string $user_id_column ): ?string {
		if ( self::NONE === $has ) {
			return 'NOT ' . self::has_methods_sql( $user_id_column );
		}
		$provider = Twofa_Providers::get( $has );
		return self::has_methods_sql( $user_id_column, $provider ? array( $provider ) : array() );
	}

	/**
	 * The SQL condition of is_configured_value() for a meta_value column. Compared
	 * as bytes, so "0 " or " " (which a padding collation would equal to "0" or
	 * "") count as configured exactly as they do in PHP.
	 *
	 * @param string $column Column expression, e.g. "m.meta_value".
	 */
	public static function configured_value_sql( string $column ): string {
		return "CAST({$column} AS BINARY) NOT IN ('', '0')";
	}

	/**
	 * SQL: the user in $user_id_column has configured at least one of $providers
	 * (by default the methods that count for "has 2FA").
	 *
	 * @param string                     $user_id_column Column expression, e.g. "u.ID".
	 * @param Twofa_Provider[]|null      $providers      Methods to look for.
	 */
	public static function has_methods_sql( string $user_id_column, ?array $providers = null ): string {
		global $wpdb;
		$keys = array();
		foreach ( null === $providers ? Twofa_Providers::primary_capable() : $providers as $provider ) {
			$keys[] = $provider->configured_key();
		}
		if ( ! $keys ) {
			return '(1 = 0)';
		}
		$in = implode( ', ', array_fill( 0, count( $keys ), '%s' ) );
		// phpcs:ignore WordPress.DB.PreparedSQLPlaceholders.UnfinishedPrepare,WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- $in is placeholders only.
		$keys_sql = $wpdb->prepare( $in, $keys );
		return "EXISTS (SELECT 1 FROM {$wpdb->usermeta} twofa_m WHERE twofa_m.user_id = {$user_id_column} AND twofa_m.meta_key IN ({$keys_sql}) AND "
			. self::configured_value_sql( 'twofa_m.meta_value' ) . ')';
	}

	/**
	 * How many users of this site have no 2FA, in one query; null on multisite,
	 * where the users of one site are not simply the users table.
	 */
	public static function count_without_2fa(): ?int {
		global $wpdb;
		if ( is_multisite() ) {
			return null;
		}
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the condition is built with prepare().
		return (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->users} u WHERE " . self::condition( self::NONE, 'u.ID' ) );
	}
}
