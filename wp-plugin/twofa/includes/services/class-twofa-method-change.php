<?php
/**
 * What follows a change of a user's methods: the notice and the end of the other sessions.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Adding or replacing a method and changing the primary one end every other
 * session of the user (the current one stays; at first login there is none
 * yet, so all end), as a removal and an administrator reset already do: a
 * session opened before the change must not outlive the factors it was opened
 * with. The notice never blocks or undoes the change (Twofa_Notifier).
 */
final class Twofa_Method_Change {

	/**
	 * A method became active.
	 *
	 * @param int    $user_id  User ID.
	 * @param string $method   Method id.
	 * @param bool   $replaced Whether it was configured before (Reconfigure).
	 * @return true|WP_Error Whether the notice was sent.
	 */
	public static function activated( int $user_id, string $method, bool $replaced ) {
		self::end_other_sessions( $user_id );
		return Twofa_Notifier::send( $user_id, $replaced ? 'method_replaced' : 'method_added', $method );
	}

	/**
	 * The primary method was changed by the user.
	 *
	 * @param int    $user_id User ID.
	 * @param string $method  The new primary method.
	 * @return true|WP_Error Whether the notice was sent.
	 */
	public static function primary_changed( int $user_id, string $method ) {
		self::end_other_sessions( $user_id );
		return Twofa_Notifier::send( $user_id, 'primary_changed', $method );
	}

	/**
	 * Ends the user's sessions except the one of this request (all when this
	 * request is not theirs or has none).
	 *
	 * @param int $user_id User ID.
	 */
	public static function end_other_sessions( int $user_id ): void {
		$sessions = WP_Session_Tokens::get_instance( $user_id );
		$current  = get_current_user_id() === $user_id ? wp_get_session_token() : '';
		if ( '' !== $current ) {
			$sessions->destroy_others( $current );
		} else {
			$sessions->destroy_all();
		}
	}
}
