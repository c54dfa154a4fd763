<?php
/**
 * `wp twofa import`: users' two-factor settings from another plugin.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Argument checks and printing over Twofa_Importer, the same service as
 * Tools → Import two-factor settings.
 */
class Twofa_CLI_Import_Command {

	/**
	 * Columns printed, in order.
	 */
	const FIELDS = array( 'user_id', 'user', 'result', 'totp', 'email', 'backup_codes', 'note' );

	/**
	 * Imports users' two-factor settings from another plugin.
	 *
	 * Authenticator secrets (sealed under the site key), OTP over Email, the primary method
	 * and Wordfence recovery codes (as backup codes) are imported; a method a user already
	 * configured here is never overwritten, so running it again changes nothing. The other
	 * plugin's data is only read: remove it yourself once the users have logged in.
	 *
	 * ## OPTIONS
	 *
	 * <source>
	 * : The plugin to import from.
	 * ---
	 * options:
	 *   - two-factor
	 *   - wordfence
	 * ---
	 *
	 * [--dry-run]
	 * : Show per user what would be imported; change nothing.
	 *
	 * [--format=<format>]
	 * : Output format of the per-user report.
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
	 *     wp twofa import two-factor --dry-run
	 *     wp twofa import wordfence
	 *
	 * @param string[]            $args       Positional arguments.
	 * @param array<string,mixed> $assoc_args Options.
	 */
	public function __invoke( $args, $assoc_args ) {
		$source   = (string) ( $args[0] ?? '' );
		$importer = Twofa_Importer::get( $source );
		if ( null === $importer ) {
			/* translators: 1: what was typed, 2: the list of sources. */
			WP_CLI::error( sprintf( __( 'Unknown source "%1$s". Use one of: %2$s.', 'twofa' ), $source, implode( ', ', array_keys( Twofa_Importer::SOURCES ) ) ) );
		}
		$format = isset( $assoc_args['format'] ) ? (string) $assoc_args['format'] : 'table';
		$result = $importer->run( ! empty( $assoc_args['dry-run'] ) );
		if ( is_wp_error( $result ) ) {
			WP_CLI::error( $result );
		}
		$items = array();
		foreach ( $result['rows'] as $row ) {
			$items[] = array_intersect_key( $row, array_flip( self::FIELDS ) );
		}
		if ( 'table' !== $format ) {
			WP_CLI\Utils\format_items( $format, $items, self::FIELDS );
			return;
		}
		if ( $items ) {
			WP_CLI\Utils\format_items( 'table', $items, self::FIELDS );
		}
		WP_CLI::success( Twofa_Importer::summary( $result ) );
	}
}
