<?php
/**
 * Users → 2FA Report: adoption by role and by method, and who has no second factor.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The figures come from the sidecar's GET /v1/report, which counts in SQL without
 * loading WordPress users. compute() counts the same figures in PHP the way a
 * plain plugin would (WP_User_Query and user meta): it is the fallback when the
 * sidecar is down and the baseline of bench/report.
 */
final class Twofa_Report_Page {

	const SLUG       = 'twofa-report';
	const CAPABILITY = 'list_users';
	const PER_PAGE   = 50;

	/**
	 * Users loaded per WP_User_Query in compute(); bounds memory on large sites.
	 */
	const BATCH = 1000;

	/**
	 * Adds the menu entry.
	 */
	public static function register(): void {
		add_action( 'admin_menu', array( __CLASS__, 'add_menu' ) );
	}

	/**
	 * Users → 2FA Report.
	 */
	public static function add_menu(): void {
		add_users_page(
			__( 'Two-factor adoption', 'twofa' ),
			__( '2FA Report', 'twofa' ),
			self::CAPABILITY,
			self::SLUG,
			array( __CLASS__, 'render' )
		);
	}

	/**
	 * The report from the sidecar, or computed here.
	 *
	 * @param int    $page     Page of the users-without-2FA list (from 1).
	 * @param int    $per_page Users per page (1–500).
	 * @param string $source   'sidecar' (no fallback), 'php', or 'auto' (sidecar, else php).
	 * @return array{source: string, report: ?array, error: ?WP_Error}
	 */
	public static function fetch( int $page = 1, int $per_page = self::PER_PAGE, string $source = 'sidecar' ): array {
		$page     = max( 1, $page );
		$per_page = min( 500, max( 1, $per_page ) );
		$error    = null;
		if ( 'php' !== $source ) {
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
			'report' => self::compute( $page, $per_page ),
			'error'  => $error,
		);
	}

	/**
	 * The report counted in PHP: every user through WP_User_Query, methods from user meta.
	 *
	 * @param int $page     Page of the users-without-2FA list (from 1).
	 * @param int $per_page Users per page.
	 * @return array<string,mixed> Same shape as the sidecar's /v1/report.
	 */
	public static function compute( int $page = 1, int $per_page = self::PER_PAGE ): array {
		$page     = max( 1, $page );
		$per_page = max( 1, $per_page );
		$first    = ( $page - 1 ) * $per_page;
		$report   = array(
			'total_users'       => 0,
			'with_2fa'          => 0,
			'without_2fa'       => 0,
			'by_role'           => array(),
			'by_method'         => array_fill_keys( Twofa_Settings::METHODS, 0 ),
			'without_2fa_users' => array(
				'page'     => $page,
				'per_page' => $per_page,
				'total'    => 0,
				'items'    => array(),
			),
		);
		for ( $batch = 1; ; $batch++ ) {
			$query = new WP_User_Query(
				array(
					'fields'      => 'all_with_meta',
					'orderby'     => 'ID',
					'order'       => 'ASC',
					'number'      => self::BATCH,
					'paged'       => $batch,
					'count_total' => false,
				)
			);
			$users = $query->get_results();
			foreach ( $users as $user ) {
				$methods = Twofa_User_State::configured_methods( (int) $user->ID );
				$roles   = array_values( (array) $user->roles );
				++$report['total_users'];
				if ( $methods ) {
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
					if ( $methods ) {
						++$report['by_role'][ $role ]['with_2fa'];
					}
				}
				if ( ! $methods ) {
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
		foreach ( Twofa_Settings::METHODS as $method ) {
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

	/**
	 * A role's display name.
	 *
	 * @param string $role Role slug.
	 */
	public static function role_name( string $role ): string {
		$names = wp_roles()->get_names();
		return isset( $names[ $role ] ) ? translate_user_role( $names[ $role ] ) : $role;
	}

	/**
	 * "12 %" — share of $part in $whole.
	 *
	 * @param int $part  Part.
	 * @param int $whole Whole.
	 */
	public static function percent( int $part, int $whole ): string {
		/* translators: %s: a percentage number. */
		return sprintf( __( '%s %%', 'twofa' ), number_format_i18n( $whole > 0 ? 100 * $part / $whole : 0, 0 ) );
	}

	/**
	 * The page.
	 */
	public static function render(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to see the two-factor report.', 'twofa' ), 403 );
		}
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- read-only view parameters.
		$page   = isset( $_GET['paged'] ) ? max( 1, absint( $_GET['paged'] ) ) : 1;
		$source = isset( $_GET['source'] ) && 'php' === sanitize_key( wp_unslash( $_GET['source'] ) ) ? 'php' : 'sidecar';
		// phpcs:enable
		$result = self::fetch( $page, self::PER_PAGE, $source );
		$report = $result['report'];

		echo '<div class="wrap">';
		echo '<h1>' . esc_html__( 'Two-factor adoption', 'twofa' ) . '</h1>';
		echo '<div role="status" aria-live="polite">';
		if ( is_wp_error( $result['error'] ) ) {
			echo '<div class="notice notice-error"><p>';
			echo esc_html__( 'The twofa sidecar could not give the report:', 'twofa' ) . ' ' . esc_html( $result['error']->get_error_message() );
			echo '</p><p><a class="button" href="' . esc_url( add_query_arg( array( 'page' => self::SLUG, 'source' => 'php' ), admin_url( 'users.php' ) ) ) . '">';
			echo esc_html__( 'Count here instead (slow on sites with many users)', 'twofa' ) . '</a></p></div>';
		} elseif ( 'php' === $result['source'] ) {
			echo '<div class="notice notice-info"><p>' . esc_html__( 'These figures were counted by WordPress itself, not by the twofa sidecar.', 'twofa' ) . '</p></div>';
		}
		echo '</div>';

		if ( null === $report ) {
			echo '</div>';
			return;
		}

		echo '<p class="twofa-report-summary">';
		printf(
			/* translators: 1: users with 2FA, 2: all users, 3: percentage. */
			esc_html__( '%1$s of %2$s users have two-factor authentication (%3$s).', 'twofa' ),
			'<strong>' . esc_html( number_format_i18n( $report['with_2fa'] ) ) . '</strong>',
			'<strong>' . esc_html( number_format_i18n( $report['total_users'] ) ) . '</strong>',
			esc_html( self::percent( $report['with_2fa'], $report['total_users'] ) )
		);
		echo '</p>';

		echo '<h2>' . esc_html__( 'By role', 'twofa' ) . '</h2>';
		echo '<table class="widefat striped twofa-report-roles"><thead><tr>';
		foreach ( array( __( 'Role', 'twofa' ), __( 'Users', 'twofa' ), __( 'With 2FA', 'twofa' ), __( 'Without 2FA', 'twofa' ), __( 'Adoption', 'twofa' ) ) as $head ) {
			echo '<th scope="col">' . esc_html( $head ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		foreach ( $report['by_role'] as $role => $row ) {
			printf(
				'<tr data-role="%1$s"><th scope="row">%2$s</th><td class="users">%3$s</td><td class="with">%4$s</td><td class="without">%5$s</td><td>%6$s</td></tr>',
				esc_attr( $role ),
				esc_html( self::role_name( (string) $role ) ),
				esc_html( number_format_i18n( $row['users'] ) ),
				esc_html( number_format_i18n( $row['with_2fa'] ) ),
				esc_html( number_format_i18n( $row['users'] - $row['with_2fa'] ) ),
				esc_html( self::percent( $row['with_2fa'], $row['users'] ) )
			);
		}
		echo '</tbody></table>';

		echo '<h2>' . esc_html__( 'By method', 'twofa' ) . '</h2>';
		echo '<table class="widefat striped twofa-report-methods"><tbody>';
		foreach ( $report['by_method'] as $method => $count ) {
			$provider = Twofa_Providers::get( (string) $method );
			printf(
				'<tr data-method="%1$s"><th scope="row">%2$s</th><td>%3$s</td></tr>',
				esc_attr( $method ),
				esc_html( $provider ? $provider->label() : (string) $method ),
				esc_html( number_format_i18n( $count ) )
			);
		}
		echo '</tbody></table>';

		$list = $report['without_2fa_users'];
		echo '<h2>' . esc_html__( 'Users without 2FA', 'twofa' ) . '</h2>';
		if ( ! $list['items'] ) {
			echo '<p>' . esc_html__( 'Every user has two-factor authentication.', 'twofa' ) . '</p>';
		} else {
			echo '<table class="widefat striped twofa-report-without"><thead><tr>';
			foreach ( array( __( 'Username', 'twofa' ), __( 'Name', 'twofa' ), __( 'Roles', 'twofa' ) ) as $head ) {
				echo '<th scope="col">' . esc_html( $head ) . '</th>';
			}
			echo '</tr></thead><tbody>';
			foreach ( $list['items'] as $item ) {
				$link  = get_edit_user_link( $item['id'] );
				$roles = implode( ', ', array_map( array( __CLASS__, 'role_name' ), $item['roles'] ) );
				printf(
					'<tr data-user-id="%1$d"><td>%2$s</td><td>%3$s</td><td>%4$s</td></tr>',
					(int) $item['id'],
					$link ? '<a href="' . esc_url( $link ) . '">' . esc_html( $item['login'] ) . '</a>' : esc_html( $item['login'] ),
					esc_html( $item['display_name'] ),
					esc_html( $roles )
				);
			}
			echo '</tbody></table>';
			$pages = (int) ceil( $list['total'] / max( 1, $list['per_page'] ) );
			if ( $pages > 1 ) {
				$links = paginate_links(
					array(
						'base'      => add_query_arg( 'paged', '%#%' ),
						'format'    => '',
						'current'   => $list['page'],
						'total'     => $pages,
						'prev_text' => __( '&laquo; Previous', 'twofa' ),
						'next_text' => __( 'Next &raquo;', 'twofa' ),
					)
				);
				echo '<nav class="tablenav"><div class="tablenav-pages">' . wp_kses_post( (string) $links ) . '</div></nav>';
			}
		}
		echo '</div>';
	}
}
