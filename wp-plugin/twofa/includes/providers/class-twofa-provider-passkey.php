<?php
/**
 * Passkeys (WebAuthn): a phishing-resistant second factor.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The extension verifies every ceremony (docs/CONTRACTS.md, "Passkeys"); the passkeys are
 * rows of Twofa_Passkeys, the states between begin and finish rows of
 * Twofa_Passkey_Ceremonies. "Configured" is the count the table writes to COUNT_KEY.
 * A passkey opens the challenge before the primary method (it resists phishing).
 */
class Twofa_Provider_Passkey extends Twofa_Provider {

	const ID = 'passkey';

	/**
	 * Method id.
	 */
	public function id(): string {
		return self::ID;
	}

	/**
	 * Card title.
	 */
	public function label(): string {
		return __( 'Passkeys', 'twofa' );
	}

	/**
	 * Card description.
	 */
	public function description(): string {
		return __( 'Sign in with your device\'s fingerprint, face or screen lock, or a security key. Passkeys cannot be phished: they only work on this site.', 'twofa' );
	}

	/**
	 * Before every other method at the challenge.
	 */
	public function challenge_priority(): int {
		return 5;
	}

	/**
	 * Configured while the user has at least one passkey.
	 */
	public function configured_key(): string {
		return Twofa_Passkeys::COUNT_KEY;
	}

	/**
	 * The method's user meta keys.
	 *
	 * @return string[]
	 */
	public function meta_keys(): array {
		return array( Twofa_Passkeys::COUNT_KEY, Twofa_Passkeys::HANDLE_KEY );
	}

	/**
	 * Removes every passkey of the user and the meta.
	 *
	 * @param int $user_id User ID.
	 */
	public function remove( int $user_id ): void {
		Twofa_Passkeys::remove_all( $user_id );
		parent::remove( $user_id );
	}

	/**
	 * A passkey is not a typed code: the challenge posts an assertion instead.
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    What the user entered.
	 * @return true|WP_Error
	 */
	public function verify_login_code( int $user_id, string $code ) {
		return new WP_Error( 'twofa_passkey_failed', __( 'The passkey could not be verified.', 'twofa' ) );
	}
}
