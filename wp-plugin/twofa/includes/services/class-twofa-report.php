<?php
/**
 * Two-factor adoption: by role, by method, and who has no second factor.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The figures come from the sidecar's GET /v1/report, which counts in SQL without
 * loading WordPress users. compute() counts the same figures in PHP the way a
 * plain plugin would (WP_User_Query and user meta): it is the fallback when the
 * sidecar is down and the baseline of bench/report. Both apply the one "has
 * 2FA" rule of docs/CONTRACTS.md. Used by Users → 2FA Report and `wp twofa report`.
 *
 * On multisite the figures are always counted here: the sidecar reads one site's tables,
 * while a site's report covers that site's users and the network's report (Network Admin →
 * Users → 2FA Report, `wp twofa report --network`) every user of the network, each with
 * their roles on every site.
 */
final class Twofa_Report {

	const PER_PAGE = 50;

	/**
	 * Users loaded per WP_User_Query in compute(); bounds memory on large sites.
	 */
	const BATCH = 1000;

	/**
	 * The report from the sidecar, or computed here.
	 *
	 * @param int    $page     Page of the users-without-2FA list (from 1).
	 * @param int    $per_page Users per page (1–500).
	 * @param string $source   'sidecar' (no fallback), 'php', or 'auto' (sidecar, else php).
	 * @param bool   $network  Every user of the multisite network (counted here).
	 * @return array{source: string, report: ?array, error: ?WP_Error}
	 */
	public static function fetch( int $page = 1, int $per_page = self::PER_PAGE, string $source = 'sidecar', bool $network = false ): array {
		$page     = max( 1, $page );
		$per_page = min( 500, max( 1, $per_page ) );
		$error    = null;
		if ( 'php' !== $source && ! is_multisite() ) {
			$client = new Twofa_Sidecar_Client();
			$answer = $client->report(
				array(
					'page'     => $page,
					'per_page' => $per_page,
				)
			);
			if ( ! is_wp_error( $answer ) ) {
				$report = self::normalize( $answer );
				if ( null !== $report ) {
					return array(
						'source' => 'sidecar',
						'report' => $report,
						'error'  => null,
					);
				}
				$answer = new WP_Error( 'twofa_report_shape', __( 'The twofa sidecar answered with a report this plugin does not understand. Are the plugin and the sidecar of matching versions?', 'twofa' ) );
			}
			$error = $answer;
			if ( 'auto' !== $source ) {
				return array(
					'source' => 'sidecar',
					'report' => null,
					'error'  => $error,
				);
			}
		}
		return array(
			'source' => 'php',
			'report' => self::compute( $page, $per_page, $network && is_multisite() ),
			'error'  => $error,
		);
	}

	/**
	 * The report counted in PHP: every user through WP_User_Query, methods from user meta.
	 *
	 * @param int  $page     Page of the users-without-2FA list (from 1).
	 * @param int  $per_page Users per page.
	 * @param bool $network  Every user of the multisite network, with their roles on every
	 *                       site (default: this site's users and roles).
	 * @return array<string,mixed> Same shape as the sidecar's /v1/report.
	 */
	public static function compute( int $page = 1, int $per_page = self::PER_PAGE, bool $network = false ): array {
		$page     = max( 1, $page );
		$per_page = max( 1, $per_page );
		$first    = ( $page - 1 ) * $per_page;
		$report   = array(
			'total_users'       => 0,
			'with_2fa'          => 0,
			'without_2fa'       => 0,
			'by_role'           => array(),
			'by_method'         => array_fill_keys( Twofa_Providers::ids(), 0 ),
			'without_2fa_users' => array(
				'page'     => $page,
				'per_page' => $per_page,
				'total'    => 0,
				'items'    => array(),
			),
		);
		for ( $batch = 1; ; $batch++ ) {
			$args = array(
				'fields'      => 'all_with_meta',
				'orderby'     => 'ID',
				'order'       => 'ASC',
				'number'      => self::BATCH,
				'paged'       => $batch,
				'count_total' => false,
			);
			if ( $network ) {
				$args['blog_id'] = 0; // Every user of the network, members of a site or not.
			}
			$query = new WP_User_Query( $args );
			$users = $query->get_results();
			foreach ( $users as $user ) {
				$methods = Twofa_User_State::configured_methods( (int) $user->ID );
				$has     = Twofa_User_State::has_2fa( (int) $user->ID );
				$roles   = $network ? Twofa_User_State::network_roles( $user ) : array_values( (array) $user->roles );
				++$report['total_users'];
				if ( $has ) {
					++$report['with_2fa'];
				}
				foreach ( $methods as $method ) {
					++$report['by_method'][ $method ];
				}
				foreach ( $roles as $role ) {
					if ( ! isset( $report['by_role'][ $role ] ) ) {
						$report['by_role'][ $role ] = array(
							'users'    => 0,
							'with_2fa' => 0,
						);
					}
					++$report['by_role'][ $role ]['users'];
					if ( $has ) {
						++$report['by_role'][ $role ]['with_2fa'];
					}
				}
				if ( ! $has ) {
					$n = $report['without_2fa_users']['total']++;
					if ( $n >= $first && $n < $first + $per_page ) {
						$report['without_2fa_users']['items'][] = array(
							'id'           => (int) $user->ID,
							'login'        => (string) $user->user_login,
							'display_name' => (string) $user->display_name,
							'roles'        => $roles,
						);
					}
				}
				// Only one batch of users is kept in the object cache at a time.
				wp_cache_delete( $user->ID, 'users' );
				wp_cache_delete( $user->ID, 'user_meta' );
			}
			if ( count( $users ) < self::BATCH ) {
				break;
			}
		}
		$report['without_2fa'] = $report['total_users'] - $report['with_2fa'];
		ksort( $report['by_role'] );
		return $report;
	}

	/**
	 * Checks and casts a report from the sidecar; null when it is not one.
	 *
	 * @param array<string,mixed> $raw Decoded JSON.
	 * @return array<string,mixed>|null
	 */
	public static function normalize( array $raw ): ?array {
		foreach ( array( 'total_users', 'with_2fa', 'without_2fa' ) as $field ) {
			if ( ! isset( $raw[ $field ] ) || ! is_int( $raw[ $field ] ) ) {
				return null;
			}
		}
		if ( ! isset( $raw['by_role'], $raw['by_method'], $raw['without_2fa_users'] )
			|| ! is_array( $raw['by_role'] ) || ! is_array( $raw['by_method'] ) || ! is_array( $raw['without_2fa_users'] ) ) {
			return null;
		}
		$out = array(
			'total_users' => $raw['total_users'],
			'with_2fa'    => $raw['with_2fa'],
			'without_2fa' => $raw['without_2fa'],
			'by_role'     => array(),
			'by_method'   => array(),
		);
		foreach ( $raw['by_role'] as $role => $row ) {
			if ( ! is_array( $row ) ) {
				return null;
			}
			$out['by_role'][ (string) $role ] = array(
				'users'    => (int) ( $row['users'] ?? 0 ),
				'with_2fa' => (int) ( $row['with_2fa'] ?? 0 ),
			);
		}
		ksort( $out['by_role'] );
		foreach ( Twofa_Providers::ids() as $method ) {
			$out['by_method'][ $method ] = (int) ( $raw['by_method'][ $method ] ?? 0 );
		}
		$list  = $raw['without_2fa_users'];
		$items = array();
		foreach ( ( is_array( $list['items'] ?? null ) ? $list['items'] : array() ) as $item ) {
			if ( ! is_array( $item ) || ! isset( $item['id'] ) ) {
				return null;
			}
			$items[] = array(
				'id'           => (int) $item['id'],
				'login'        => (string) ( $item['login'] ?? '' ),
				'display_name' => (string) ( $item['display_name'] ?? '' ),
				'roles'        => array_values( array_map( 'strval', is_array( $item['roles'] ?? null ) ? $item['roles'] : array() ) ),
			);
		}
		$out['without_2fa_users'] = array(
			'page'     => (int) ( $list['page'] ?? 1 ),
			'per_page' => (int) ( $list['per_page'] ?? self::PER_PAGE ),
			'total'    => (int) ( $list['total'] ?? 0 ),
			'items'    => $items,
		);
		return $out;
	}

}
