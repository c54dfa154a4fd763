<?php
/**
 * Tools → Import two-factor settings.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * A dry run first, then the real run, each with its per-user report. The work is
 * Twofa_Importer's (the same service as `wp twofa import`); the page checks the
 * capability and the nonce and prints.
 */
final class Twofa_Import_Page {

	const SLUG         = 'twofa-import';
	const CAPABILITY   = 'manage_options';
	const NONCE_ACTION = 'twofa_import';
	const NONCE_FIELD  = 'twofa_import_nonce';

	/**
	 * Tools → Import two-factor settings.
	 */
	public static function add_menu(): void {
		add_management_page(
			__( 'Import two-factor settings', 'twofa' ),
			__( 'Import two-factor settings', 'twofa' ),
			self::CAPABILITY,
			self::SLUG,
			array( __CLASS__, 'render' )
		);
	}

	/**
	 * Whether the current user may import (it changes other users' 2FA).
	 */
	public static function allowed(): bool {
		return current_user_can( self::CAPABILITY ) && current_user_can( 'edit_users' );
	}

	/**
	 * The page, and the result of a posted run.
	 */
	public static function render(): void {
		if ( ! self::allowed() ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to import two-factor settings.', 'twofa' ), 403 );
		}
		$result = null;
		$source = '';
		if ( isset( $_SERVER['REQUEST_METHOD'] ) && 'POST' === $_SERVER['REQUEST_METHOD'] ) {
			check_admin_referer( self::NONCE_ACTION, self::NONCE_FIELD );
			$source   = isset( $_POST['source'] ) ? sanitize_key( wp_unslash( $_POST['source'] ) ) : '';
			$dry_run  = ! ( isset( $_POST['twofa_do'] ) && 'import' === sanitize_key( wp_unslash( $_POST['twofa_do'] ) ) );
			$importer = Twofa_Importer::get( $source );
			$result   = null === $importer ? new WP_Error( 'twofa_import_source', __( 'Choose the plugin to import from.', 'twofa' ) ) : $importer->run( $dry_run );
		}
		echo '<div class="wrap">';
		echo '<h1>' . esc_html__( 'Import two-factor settings', 'twofa' ) . '</h1>';
		echo '<p>' . esc_html__( 'Carries your users\' two-factor settings over from another plugin, so they can log in with the authenticator app they already use. A method a user has already configured here is never overwritten, and the other plugin\'s data is left as it is: remove it once your users have logged in. Start with a dry run: it shows what would be imported and changes nothing.', 'twofa' ) . '</p>';
		echo '<div role="status" aria-live="polite">';
		if ( is_wp_error( $result ) ) {
			echo '<div class="notice notice-error inline"><p>' . esc_html( $result->get_error_message() ) . '</p></div>';
		} elseif ( is_array( $result ) ) {
			echo '<div class="notice ' . ( $result['dry_run'] ? 'notice-info' : 'notice-success' ) . ' inline"><p>' . esc_html( Twofa_Importer::summary( $result ) ) . '</p></div>';
		}
		echo '</div>';
		if ( is_array( $result ) ) {
			self::render_table( $result['rows'] );
			if ( $result['dry_run'] && $result['counts']['imported'] > 0 ) {
				self::render_form( $source, 'import' );
			}
		}
		self::render_form( $source, 'dry_run' );
		echo '</div>';
	}

	/**
	 * The source choice with one button (a dry run), or the real run of a source.
	 *
	 * @param string $source Chosen source.
	 * @param string $action dry_run or import.
	 */
	private static function render_form( string $source, string $action ): void {
		echo '<form method="post" action="' . esc_url( admin_url( 'tools.php?page=' . self::SLUG ) ) . '">';
		wp_nonce_field( self::NONCE_ACTION, self::NONCE_FIELD );
		echo '<input type="hidden" name="twofa_do" value="' . esc_attr( $action ) . '">';
		if ( 'import' === $action ) {
			echo '<input type="hidden" name="source" value="' . esc_attr( $source ) . '">';
			submit_button( __( 'Import now', 'twofa' ), 'primary', 'submit', false );
			echo '</form>';
			return;
		}
		echo '<fieldset><legend class="screen-reader-text">' . esc_html__( 'Import from', 'twofa' ) . '</legend>';
		foreach ( Twofa_Importer::labels() as $id => $label ) {
			echo '<p><label><input type="radio" name="source" value="' . esc_attr( $id ) . '"' . checked( $source, $id, false ) . '> ' . esc_html( $label ) . '</label></p>';
		}
		echo '</fieldset>';
		submit_button( __( 'Dry run', 'twofa' ), 'secondary', 'submit', false );
		echo '</form>';
	}

	/**
	 * The per-user report.
	 *
	 * @param array<int,array<string,mixed>> $rows From Twofa_Importer::run().
	 */
	private static function render_table( array $rows ): void {
		if ( ! $rows ) {
			echo '<p>' . esc_html__( 'No two-factor settings were found in that plugin\'s data.', 'twofa' ) . '</p>';
			return;
		}
		$columns = array(
			'user'         => __( 'User', 'twofa' ),
			'result'       => __( 'Result', 'twofa' ),
			'totp'         => __( 'Google Authenticator', 'twofa' ),
			'email'        => __( 'OTP over Email', 'twofa' ),
			'backup_codes' => __( 'Backup codes', 'twofa' ),
			'note'         => __( 'Note', 'twofa' ),
		);
		echo '<table class="widefat striped twofa-import-report"><thead><tr>';
		foreach ( $columns as $label ) {
			echo '<th scope="col">' . esc_html( $label ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		foreach ( $rows as $row ) {
			echo '<tr data-user="' . esc_attr( (string) $row['user_id'] ) . '">';
			foreach ( array_keys( $columns ) as $key ) {
				echo '<td class="column-' . esc_attr( $key ) . '">' . esc_html( (string) $row[ $key ] ) . '</td>';
			}
			echo '</tr>';
		}
		echo '</tbody></table>';
	}
}
