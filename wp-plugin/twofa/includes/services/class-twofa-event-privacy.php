<?php
/**
 * The activity log in WordPress's personal data tools (Tools → Export / Erase Personal Data).
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * A user's events carry their IP addresses and browsers, which are personal data. The export
 * lists every event of the user; the erasure blanks the address and the browser of those
 * rows and keeps the rest (what happened and when), which the site needs as a security
 * record. Deleting a user keeps their rows too (shown as #ID) until the retention purge.
 */
final class Twofa_Event_Privacy {

	const ID       = 'twofa-activity';
	const PER_PAGE = 500;

	/**
	 * Registers the exporter.
	 *
	 * @param array<string,array<string,mixed>> $exporters Exporters.
	 * @return array<string,array<string,mixed>>
	 */
	public static function add_exporter( $exporters ) {
		$exporters[ self::ID ] = array(
			'exporter_friendly_name' => __( 'Two-factor activity', 'twofa' ),
			'callback'               => array( __CLASS__, 'export' ),
		);
		return $exporters;
	}

	/**
	 * Registers the eraser.
	 *
	 * @param array<string,array<string,mixed>> $erasers Erasers.
	 * @return array<string,array<string,mixed>>
	 */
	public static function add_eraser( $erasers ) {
		$erasers[ self::ID ] = array(
			'eraser_friendly_name' => __( 'Two-factor activity', 'twofa' ),
			'callback'             => array( __CLASS__, 'erase' ),
		);
		return $erasers;
	}

	/**
	 * One page of a user's events for the export file.
	 *
	 * @param string $email Email address of the user.
	 * @param int    $page  1-based page.
	 * @return array{data: array<int,array<string,mixed>>, done: bool}
	 */
	public static function export( $email, $page = 1 ) {
		$user = get_user_by( 'email', (string) $email );
		if ( ! $user ) {
			return array(
				'data' => array(),
				'done' => true,
			);
		}
		$result = ( new Twofa_Event_Log() )->page( array( 'user_id' => (int) $user->ID ), max( 1, (int) $page ), self::PER_PAGE );
		$data   = array();
		foreach ( Twofa_Event_Log::present( $result['rows'] ) as $row ) {
			$data[] = array(
				'group_id'    => self::ID,
				'group_label' => __( 'Two-factor activity', 'twofa' ),
				'item_id'     => 'twofa-event-' . $row['id'],
				'data'        => array(
					array(
						'name'  => __( 'Time (UTC)', 'twofa' ),
						'value' => $row['time'],
					),
					array(
						'name'  => __( 'Event', 'twofa' ),
						'value' => Twofa_Event_Log::label( $row['event'] ),
					),
					array(
						'name'  => __( 'Method', 'twofa' ),
						'value' => $row['method'],
					),
					array(
						'name'  => __( 'IP address', 'twofa' ),
						'value' => $row['ip'],
					),
					array(
						'name'  => __( 'Browser', 'twofa' ),
						'value' => $row['user_agent'],
					),
				),
			);
		}
		return array(
			'data' => $data,
			'done' => ! $result['has_more'],
		);
	}

	/**
	 * Blanks the IP address and browser of every event of the user, in one statement.
	 *
	 * @param string $email Email address of the user.
	 * @param int    $page  Ignored: one pass does it all.
	 * @return array{items_removed: bool, items_retained: bool, messages: string[], done: bool}
	 */
	public static function erase( $email, $page = 1 ) {
		global $wpdb;
		$user    = get_user_by( 'email', (string) $email );
		$changed = 0;
		if ( $user ) {
			$table   = Twofa_Events::table();
			$changed = (int) $wpdb->query( $wpdb->prepare( "UPDATE {$table} SET ip = '', user_agent = '' WHERE user_id = %d AND ( ip <> '' OR user_agent <> '' )", (int) $user->ID ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the table name is ours.
		}
		$retained = $user && null !== $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM ' . Twofa_Events::table() . ' WHERE user_id = %d LIMIT 1', (int) $user->ID ) ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared -- the table name is ours.
		return array(
			'items_removed'  => $changed > 0,
			'items_retained' => $retained,
			'messages'       => $retained ? array( __( 'Two-factor activity: IP addresses and browsers were removed; what happened and when is kept as a security record until the retention period ends.', 'twofa' ) ) : array(),
			'done'           => true,
		);
	}
}
