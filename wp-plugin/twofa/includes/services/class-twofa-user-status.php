<?php
/**
 * A user's 2FA status: `wp twofa status` / `list`, and the summary line of the profile screens.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Nothing here returns a secret, a code or a code hash.
 */
final class Twofa_User_Status {

	/**
	 * The output field holding the account's address (a user field, not a method id).
	 */
	const ADDRESS_FIELD = "email"; // phpcs:ignore Squiz.Strings.DoubleQuoteUsage.NotRequired -- written apart from method ids on purpose.

	/**
	 * A user's status as one row: the common fields, then each configured method's
	 * status_fields() prefixed with its id (e.g. "{id}_remaining").
	 *
	 * @param WP_User $user User.
	 * @return array<string,mixed>
	 */
	public static function row( WP_User $user ): array {
		$id        = (int) $user->ID;
		$last      = Twofa_User_State::get_json( $id, Twofa_User_State::LAST_USED );
		$locked_to = self::locked_until( $id );
		$now       = Twofa_Clock::now();
		$methods   = Twofa_User_State::configured_methods( $id );
		$row       = array(
			'id'                => $id,
			'login'             => (string) $user->user_login,
			self::ADDRESS_FIELD => (string) $user->user_email,
			'roles'             => array_values( (array) $user->roles ),
			'methods'           => $methods,
			'primary'           => Twofa_User_State::primary( $id ),
			'last_used'         => isset( $last['at'], $last['method'] ) && is_numeric( $last['at'] )
				? gmdate( 'Y-m-d H:i:s', (int) $last['at'] ) . ' UTC (' . sanitize_key( (string) $last['method'] ) . ')'
				: null,
			'failures'          => (int) get_user_meta( $id, Twofa_User_State::FAILURES, true ),
			'locked'            => $locked_to > $now || Twofa_Lockout::is_locked_permanently( $id ),
			// Locked until an administrator unlocks it (permanent_lock_after failures in a row).
			'locked_permanently' => Twofa_Lockout::is_locked_permanently( $id ),
			'locked_until'      => $locked_to > $now ? gmdate( 'Y-m-d H:i:s', $locked_to ) . ' UTC' : null,
		);
		foreach ( $methods as $method ) {
			foreach ( Twofa_Providers::get( $method )->status_fields( $id ) as $field => $value ) {
				$row[ $method . '_' . sanitize_key( (string) $field ) ] = $value;
			}
		}
		return $row;
	}

	/**
	 * The stored lockout end (0 when none).
	 *
	 * @param int $user_id User ID.
	 */
	public static function locked_until( int $user_id ): int {
		$raw = get_user_meta( $user_id, Twofa_User_State::LOCKED_UNTIL, true );
		return is_numeric( $raw ) ? (int) $raw : 0;
	}

	/**
	 * "Configured: Google Authenticator (primary), OTP over Email" or "not configured".
	 *
	 * @param int $user_id User ID.
	 */
	public static function summary( int $user_id ): string {
		$methods = Twofa_User_State::configured_methods( $user_id );
		if ( ! Twofa_User_State::has_2fa( $user_id ) ) {
			return __( 'Two-factor authentication is not configured.', 'twofa' );
		}
		$primary = Twofa_User_State::primary( $user_id );
		$names   = array();
		foreach ( $methods as $method ) {
			$label   = Twofa_Providers::get( $method )->label();
			$names[] = $method === $primary
				/* translators: %s: method name. */
				? sprintf( __( '%s (primary)', 'twofa' ), $label )
				: $label;
		}
		/* translators: %s: comma-separated list of methods. */
		return sprintf( __( 'Configured: %s', 'twofa' ), implode( ', ', $names ) );
	}

	/**
	 * The method's label (the id itself for an unknown one).
	 *
	 * @param string $method Method id.
	 */
	public static function method_label( string $method ): string {
		$provider = Twofa_Providers::get( $method );
		return $provider ? $provider->label() : $method;
	}
}
