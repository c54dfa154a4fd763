<?php
/**
 * An administrator's reset of another user's 2FA (profile screen and `wp twofa reset`).
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * One place for what a reset does, so the screen and the CLI cannot drift apart.
 */
final class Twofa_Reset {

	/**
	 * Removes every method and all 2FA state of a user, logs the user out
	 * everywhere (a session opened with the old factors must not survive),
	 * and emails the user a notice.
	 *
	 * The caller checks permissions; this method does not.
	 *
	 * @param int $user_id User ID.
	 * @return bool Whether the notice email could be sent (the reset happens either way).
	 */
	public static function reset_user( int $user_id ): bool {
		Twofa_Events::record( Twofa_Events::RESET, $user_id, array( 'details' => array( 'methods' => Twofa_User_State::configured_methods( $user_id ) ) ) );
		Twofa_User_State::remove_all( $user_id );
		Twofa_Devices::forget_all( $user_id );
		WP_Session_Tokens::get_instance( $user_id )->destroy_all();
		wp_cache_delete( $user_id, 'user_meta' );
		return true === Twofa_Notifier::send( $user_id, 'reset', null );
	}

	/**
	 * Whether the current user may reset $user_id's 2FA: editing that user is not
	 * enough, the site-owner capability is required as well.
	 *
	 * @param int $user_id Target user.
	 */
	public static function current_user_can_reset( int $user_id ): bool {
		return $user_id > 0
			&& get_current_user_id() !== $user_id
			&& current_user_can( 'manage_options' )
			&& current_user_can( 'edit_user', $user_id );
	}
}
