<?php
/**
 * The "2FA" column of Users, and the "Without 2FA" view.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The Users list queries its users with fields=all_with_meta, which loads the
 * meta of the whole page in one query, so the column reads from the cache and
 * adds no query per row.
 */
final class Twofa_Users_Column {

	const COLUMN = 'twofa';

	/**
	 * Query argument of the "Without 2FA" view: users.php?twofa=without.
	 */
	const FILTER_ARG   = 'twofa';
	const FILTER_VALUE = 'without';

	/**
	 * Adds "2FA" after the role column.
	 *
	 * @param array<string,string> $columns Columns.
	 * @return array<string,string>
	 */
	public static function add_column( $columns ) {
		$out = array();
		foreach ( (array) $columns as $key => $label ) {
			$out[ $key ] = $label;
			if ( 'role' === $key ) {
				$out[ self::COLUMN ] = __( '2FA', 'twofa' );
			}
		}
		if ( ! isset( $out[ self::COLUMN ] ) ) {
			$out[ self::COLUMN ] = __( '2FA', 'twofa' );
		}
		return $out;
	}

	/**
	 * The cell: each configured method, the primary one marked.
	 *
	 * @param string $output      Output so far.
	 * @param string $column_name Column.
	 * @param int    $user_id     User ID.
	 */
	public static function render_cell( $output, $column_name, $user_id ) {
		if ( self::COLUMN !== $column_name ) {
			return $output;
		}
		return self::cell_html( (int) $user_id );
	}

	/**
	 * The cell's HTML for one user.
	 *
	 * @param int $user_id User ID.
	 */
	public static function cell_html( int $user_id ): string {
		$methods = Twofa_User_State::configured_methods( $user_id );
		if ( ! Twofa_User_State::has_2fa( $user_id ) ) {
			return '<span aria-hidden="true">&#8212;</span><span class="screen-reader-text">' . esc_html__( 'None', 'twofa' ) . '</span>';
		}
		$primary = Twofa_User_State::primary( $user_id );
		$parts   = array();
		foreach ( $methods as $method ) {
			$provider = Twofa_Providers::get( $method );
			$label    = esc_html( $provider ? $provider->summary_label( $user_id ) : $method );
			if ( $method === $primary ) {
				/* translators: %s: a 2FA method, e.g. Google Authenticator. */
				$label = '<strong>' . sprintf( esc_html__( '%s (primary)', 'twofa' ), $label ) . '</strong>';
			}
			$parts[] = '<span class="twofa-method twofa-method-' . esc_attr( $method ) . '">' . $label . '</span>';
		}
		return implode( '<br>', $parts );
	}

	/**
	 * Whether the "Without 2FA" view is asked for.
	 */
	public static function filter_active(): bool {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a read-only list filter.
		return isset( $_REQUEST[ self::FILTER_ARG ] ) && self::FILTER_VALUE === sanitize_key( wp_unslash( $_REQUEST[ self::FILTER_ARG ] ) );
	}

	/**
	 * Restricts the Users list to users without 2FA when the view is active.
	 *
	 * @param array<string,mixed> $args WP_User_Query arguments of the list table.
	 * @return array<string,mixed>
	 */
	public static function filter_query( $args ) {
		if ( self::filter_active() ) {
			$args[ Twofa_User_Query::ARG ] = Twofa_User_Query::NONE;
		}
		return $args;
	}

	/**
	 * Adds "Without 2FA (N)" to the views above the Users list.
	 *
	 * @param array<string,string> $views Views.
	 * @return array<string,string>
	 */
	public static function add_view( $views ) {
		$active = self::filter_active();
		$count  = self::count_without_2fa();
		$url    = add_query_arg( self::FILTER_ARG, self::FILTER_VALUE, admin_url( 'users.php' ) );
		$views  = (array) $views;
		if ( $active ) {
			// Only one view is current; WordPress marks "All" when no role is chosen.
			foreach ( $views as $key => $html ) {
				$views[ $key ] = str_replace( array( ' class="current"', ' aria-current="page"' ), '', (string) $html );
			}
		}
		$views['twofa_without'] = sprintf(
			'<a href="%1$s"%2$s>%3$s <span class="count">(%4$s)</span></a>',
			esc_url( $url ),
			$active ? ' class="current" aria-current="page"' : '',
			esc_html__( 'Without 2FA', 'twofa' ),
			null === $count ? '?' : esc_html( number_format_i18n( $count ) )
		);
		return $views;
	}

	/**
	 * How many users of this site have no 2FA (null on multisite).
	 */
	public static function count_without_2fa(): ?int {
		return Twofa_User_Query::count_without_2fa();
	}
}
