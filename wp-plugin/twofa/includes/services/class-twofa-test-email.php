<?php
/**
 * "Send test email": Settings → Two-Factor and `wp twofa send-test-email`.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The sidecar's fixed "test" template to the user's own address (docs/CONTRACTS.md).
 */
final class Twofa_Test_Email {

	/**
	 * Sends the test email to a user.
	 *
	 * @param int $user_id User ID.
	 * @return true|WP_Error
	 */
	public static function send( int $user_id ) {
		$result = ( new Twofa_Sidecar_Client() )->notify( $user_id, 'test', null );
		return is_wp_error( $result ) ? $result : true;
	}
}
