<?php
/**
 * Security notices to the user ("a method was added", "2FA was reset"), sent by the sidecar.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * A notice is informative: failing to send one must never block or undo the
 * change it reports, so callers get a plain true/WP_Error and decide what to show.
 */
final class Twofa_Notifier {

	// The fixed templates of docs/CONTRACTS.md ("Sidecar notify events").
	const EVENTS = array( 'method_added', 'method_replaced', 'method_removed', 'primary_changed', 'email_changed', 'reset', 'lockout', 'lockout_permanent', 'admin_lockout_permanent', 'test', 'backup_code_used', 'backup_codes_generated', 'backup_codes_regenerated', 'devices_forgotten' );

	// The events that state how many backup codes are left (`remaining` required).
	const WITH_REMAINING = array( 'backup_code_used', 'backup_codes_generated', 'backup_codes_regenerated' );

	/**
	 * Result of the last send in this request (the screens show a note when it failed).
	 *
	 * @var true|WP_Error|null
	 */
	private static $last = null;

	/**
	 * Asks the sidecar to email a fixed notice to the user's own address.
	 *
	 * @param int         $user_id   User ID.
	 * @param string      $event     One of EVENTS.
	 * @param string|null $method    A method id or null.
	 * @param int|null    $remaining Unused backup codes left (the WITH_REMAINING events only).
	 * @return true|WP_Error
	 */
	public static function send( int $user_id, string $event, ?string $method = null, ?int $remaining = null ) {
		if ( ! in_array( $event, self::EVENTS, true ) || ( null !== $method && null === Twofa_Providers::get( $method ) )
			|| in_array( $event, self::WITH_REMAINING, true ) !== ( null !== $remaining && $remaining >= 0 ) ) {
			self::$last = new WP_Error( 'twofa_notify_bad_event', __( 'Unknown security notice.', 'twofa' ) );
			return self::$last;
		}
		$client = new Twofa_Sidecar_Client();
		$result = $client->notify( $user_id, $event, $method, $remaining );
		self::$last = is_wp_error( $result ) ? $result : true;
		return self::$last;
	}

	/**
	 * Whether the last notice of this request could not be sent.
	 */
	public static function last_failed(): bool {
		return is_wp_error( self::$last );
	}

	/**
	 * Forgets the last result (before an action that may send one).
	 */
	public static function reset_last(): void {
		self::$last = null;
	}
}
