<?php
/**
 * Users → 2FA Report: adoption by role and by method, and who has no second factor.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The page only prints; the figures come from the Twofa_Report service (the
 * sidecar's GET /v1/report, or counted in PHP), the same one `wp twofa report` uses.
 * Network-activated on a multisite network, Network Admin → Users → 2FA Report
 * (`manage_network_users`) counts every user of the network.
 */
final class Twofa_Report_Page {

	const SLUG       = 'twofa-report';
	const CAPABILITY = 'list_users';
	const PER_PAGE   = Twofa_Report::PER_PAGE;

	const NETWORK_CAPABILITY = 'manage_network_users';

	/**
	 * Network Admin → Users → 2FA Report: every user of the network.
	 */
	public static function add_network_menu(): void {
		if ( ! Twofa_Settings::is_network() ) {
			return;
		}
		add_submenu_page(
			'users.php',
			__( 'Two-factor adoption', 'twofa' ),
			__( '2FA Report', 'twofa' ),
			self::NETWORK_CAPABILITY,
			self::SLUG,
			array( __CLASS__, 'render' )
		);
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
		$network = is_network_admin();
		if ( ! current_user_can( $network ? self::NETWORK_CAPABILITY : self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to see the two-factor report.', 'twofa' ), 403 );
		}
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- read-only view parameters.
		$page   = isset( $_GET['paged'] ) ? max( 1, absint( $_GET['paged'] ) ) : 1;
		$source = isset( $_GET['source'] ) && 'php' === sanitize_key( wp_unslash( $_GET['source'] ) ) ? 'php' : 'sidecar';
		// phpcs:enable
		$result = Twofa_Report::fetch( $page, self::PER_PAGE, $source, $network );
		$report = $result['report'];

		echo '<div class="wrap">';
		echo '<h1>' . esc_html__( 'Two-factor adoption', 'twofa' ) . '</h1>';
		if ( $network ) {
			echo '<p>' . esc_html__( 'Every user of the network; a user counts in each role they have on any site.', 'twofa' ) . '</p>';
		}
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
