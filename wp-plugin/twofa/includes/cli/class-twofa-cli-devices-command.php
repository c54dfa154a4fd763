<?php
/**
 * `wp twofa devices`: a user's remembered devices.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Lists or forgets the devices that skip a user's two-factor step. Prints no
 * token and no hash.
 */
final class Twofa_CLI_Devices_Command {

	const FIELDS = array( 'id', 'label', 'created', 'last_used', 'expires', 'ip' );

	/**
	 * Lists a user's remembered devices, or forgets all of them.
	 *
	 * ## OPTIONS
	 *
	 * <user>
	 * : User ID, login or email address.
	 *
	 * [--forget-all]
	 * : Forget every remembered device of the user (the user is emailed a notice).
	 *
	 * [--format=<format>]
	 * : Output format of the list.
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
	 *     wp twofa devices admin
	 *     wp twofa devices 42 --format=json
	 *     wp twofa devices 42 --forget-all
	 *
	 * @param string[]            $args       Positional arguments.
	 * @param array<string,mixed> $assoc_args Options.
	 */
	public function __invoke( $args, $assoc_args ) {
		$user = ( new WP_CLI\Fetchers\User() )->get_check( $args[0] ?? '' );
		$id   = (int) $user->ID;
		if ( ! empty( $assoc_args['forget-all'] ) ) {
			$count = Twofa_Devices::forget_all( $id );
			if ( $count > 0 && true !== Twofa_Notifier::send( $id, 'devices_forgotten', null ) ) {
				WP_CLI::warning( __( 'The notice email to the user could not be sent.', 'twofa' ) );
			}
			WP_CLI::success(
				sprintf(
					/* translators: 1: number of devices, 2: login name. */
					_n( 'Forgot %1$d device of %2$s.', 'Forgot %1$d devices of %2$s.', $count, 'twofa' ),
					$count,
					$user->user_login
				)
			);
			return;
		}
		$format = isset( $assoc_args['format'] ) ? (string) $assoc_args['format'] : 'table';
		if ( ! in_array( $format, array( 'table', 'json', 'csv', 'yaml', 'count' ), true ) ) {
			WP_CLI::error( __( 'Unknown format: use table, json, csv, yaml or count.', 'twofa' ) );
		}
		$items = array();
		foreach ( Twofa_Devices::all( $id ) as $device ) {
			$items[] = array(
				'id'        => (string) $device['id'],
				'label'     => (string) $device['label'],
				'created'   => gmdate( 'Y-m-d H:i:s', (int) $device['created'] ) . ' UTC',
				'last_used' => gmdate( 'Y-m-d H:i:s', (int) $device['last_used'] ) . ' UTC',
				'expires'   => gmdate( 'Y-m-d H:i:s', (int) $device['expires'] ) . ' UTC',
				'ip'        => (string) $device['ip'],
			);
		}
		if ( 'table' === $format && ! $items ) {
			/* translators: %s: login name. */
			WP_CLI::log( sprintf( __( '%s has no remembered devices.', 'twofa' ), $user->user_login ) );
			return;
		}
		WP_CLI\Utils\format_items( $format, $items, self::FIELDS );
	}
}
