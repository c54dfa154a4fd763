<?php
/**
 * Removing one method from a user: the one rule set for Configure 2FA and `wp twofa reset --method`.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The rules: the method must be configured; a user may not remove the last
 * method that counts for 2FA when a role of theirs must use 2FA (an
 * administrator may); when no such method is left, backup-only methods go too;
 * sessions opened with the old factors end (all of them when an administrator
 * removes it, every other one when the user does); the user is emailed a
 * notice, and the change stands even when the email cannot be sent.
 *
 * The caller checks permissions, nonces and re-authentication; this class does not.
 */
final class Twofa_Method_Removal {

	const BY_USER  = 'user';  // The user on Configure 2FA.
	const BY_ADMIN = 'admin'; // A site owner (`wp twofa reset --method`).

	/**
	 * The provider of a configured method, or null.
	 *
	 * @param int    $user_id User ID.
	 * @param string $method  Method id.
	 */
	public static function configured_provider( int $user_id, string $method ): ?Twofa_Provider {
		$provider = Twofa_Providers::get( $method );
		return $provider && $provider->is_configured( $user_id ) ? $provider : null;
	}

	/**
	 * Why the user may not remove this method themselves, or null when they may.
	 *
	 * @param int    $user_id User ID.
	 * @param string $method  Method id.
	 */
	public static function refusal( int $user_id, string $method ): ?WP_Error {
		if ( self::leaves_no_2fa( $user_id, $method ) && self::role_requires_2fa( $user_id ) ) {
			return new WP_Error( 'twofa_remove_required', __( 'Your role must use two-factor authentication. Configure another method before removing this one.', 'twofa' ) );
		}
		if ( 'email' !== $method && Twofa_Provider_Email::backup_only_for( $user_id ) && self::leaves_only_email( $user_id, $method ) ) {
			return new WP_Error( 'twofa_remove_email_alone', __( 'For your role, OTP over Email may only be a backup: it cannot be left as your only method. Set up another authenticator before removing this one, or remove OTP over Email too.', 'twofa' ) );
		}
		return null;
	}

	/**
	 * Removes the method, ends sessions and emails the notice.
	 *
	 * @param int    $user_id User ID.
	 * @param string $method  Method id.
	 * @param string $by      BY_USER or BY_ADMIN.
	 * @return bool|WP_Error Whether the notice email was sent, or why nothing was removed.
	 */
	public static function remove( int $user_id, string $method, string $by ) {
		if ( null === self::configured_provider( $user_id, $method ) ) {
			return new WP_Error( 'twofa_not_configured', __( 'That method is not configured.', 'twofa' ) );
		}
		if ( self::BY_USER === $by ) {
			$refusal = self::refusal( $user_id, $method );
			if ( null !== $refusal ) {
				return $refusal;
			}
		}
		$no_2fa_left = self::leaves_no_2fa( $user_id, $method );
		Twofa_User_State::remove_method( $user_id, $method );
		if ( $no_2fa_left ) {
			// A backup alone is no second factor.
			foreach ( Twofa_Providers::all() as $id => $provider ) {
				if ( $provider->is_backup_only() && $provider->is_configured( $user_id ) ) {
					Twofa_User_State::remove_method( $user_id, $id );
				}
			}
		}
		// A device remembered while the method was there must ask again.
		Twofa_Devices::forget_all( $user_id );
		$sessions = WP_Session_Tokens::get_instance( $user_id );
		$current  = get_current_user_id() === $user_id ? wp_get_session_token() : '';
		if ( self::BY_USER === $by && '' !== $current ) {
			$sessions->destroy_others( $current );
		} else {
			$sessions->destroy_all();
		}
		wp_cache_delete( $user_id, 'user_meta' );
		return true === Twofa_Notifier::send( $user_id, 'method_removed', $method );
	}

	/**
	 * Whether removing $method leaves OTP over Email as the only method that counts for 2FA.
	 *
	 * @param int    $user_id User ID.
	 * @param string $method  Method id.
	 */
	private static function leaves_only_email( int $user_id, string $method ): bool {
		$left = array();
		foreach ( Twofa_Providers::primary_capable() as $id => $provider ) {
			if ( $id !== $method && $provider->is_configured( $user_id ) ) {
				$left[] = $id;
			}
		}
		return array( 'email' ) === $left;
	}

	/**
	 * Whether removing $method leaves the user without a method that counts for 2FA.
	 *
	 * @param int    $user_id User ID.
	 * @param string $method  Method id.
	 */
	private static function leaves_no_2fa( int $user_id, string $method ): bool {
		foreach ( Twofa_Providers::primary_capable() as $id => $provider ) {
			if ( $id !== $method && $provider->is_configured( $user_id ) ) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Whether one of the user's roles must use 2FA.
	 *
	 * @param int $user_id User ID.
	 */
	public static function role_requires_2fa( int $user_id ): bool {
		return Twofa_User_State::has_policy_role( $user_id, 'required_roles' );
	}
}
