<?php
/**
 * What every second-factor method provides.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * A 2FA method ("Google Authenticator", "OTP over Email"). The Configure 2FA
 * screen, the login challenge and `wp twofa` all reach a method through this.
 */
abstract class Twofa_Provider {

	/**
	 * Method id used in meta, settings, URLs and the CLI: 'totp' or 'email'.
	 */
	abstract public function id(): string;

	/**
	 * The card title, e.g. "Google Authenticator".
	 */
	abstract public function label(): string;

	/**
	 * One sentence for the card.
	 */
	abstract public function description(): string;

	/**
	 * Checks a code entered at login and consumes it, so it cannot pass twice.
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    What the user typed.
	 * @return true|WP_Error
	 */
	abstract public function verify_login_code( int $user_id, string $code );

	/**
	 * Whether the user has configured this method.
	 *
	 * @param int $user_id User ID.
	 */
	public function is_configured( int $user_id ): bool {
		return in_array( $this->id(), Twofa_User_State::configured_methods( $user_id ), true );
	}

	/**
	 * Removes the method from the user.
	 *
	 * @param int $user_id User ID.
	 */
	public function remove( int $user_id ): void {
		Twofa_User_State::remove_method( $user_id, $this->id() );
	}
}
