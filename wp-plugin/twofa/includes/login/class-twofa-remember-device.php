<?php
/**
 * "Remember this device for N days": the login side and the forget-on-password-change hooks.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The store is Twofa_Devices. Here: when a remembered device skips the second
 * step (only after a correct password, only for the user it was issued to, only
 * while the site allows it), the checkbox of the challenge and what its tick
 * does, and every device forgotten when the password changes.
 */
final class Twofa_Remember_Device {

	/**
	 * The challenge's checkbox.
	 */
	const FIELD = 'twofa_remember_device';

	/**
	 * The `twofa_skip_challenge` filter.
	 *
	 * @param bool    $skip Whether another rule already skips.
	 * @param WP_User $user The user whose password was accepted.
	 */
	public static function filter_skip_challenge( $skip, $user = null ): bool {
		return true === $skip || ( $user instanceof WP_User && self::skips_challenge( $user ) );
	}

	/**
	 * Whether this request's device cookie lets the user skip the challenge.
	 *
	 * @param WP_User $user The user whose password was just accepted.
	 */
	public static function skips_challenge( WP_User $user ): bool {
		if ( ! Twofa_Devices::enabled() || ! Twofa_Environment::ready() ) {
			return false;
		}
		if ( Twofa_Login_Flow::CHALLENGE !== Twofa_Login_Flow::requirement( $user ) ) {
			return false;
		}
		if ( Twofa_Lockout::locked_for( (int) $user->ID ) > 0 ) {
			return false;
		}
		return null !== Twofa_Devices::recognize( (int) $user->ID );
	}

	/**
	 * Whether the challenge offers the checkbox.
	 */
	public static function offered(): bool {
		return Twofa_Devices::enabled();
	}

	/**
	 * The checkbox of the challenge's code form.
	 */
	public static function checkbox_html(): string {
		if ( ! self::offered() ) {
			return '';
		}
		$days = Twofa_Devices::days();
		return '<p class="twofa-remember-device"><label><input type="checkbox" name="' . esc_attr( self::FIELD ) . '" value="1" /> '
			. esc_html(
				sprintf(
					/* translators: %d: number of days. */
					_n( 'Remember this device for %d day', 'Remember this device for %d days', $days, 'twofa' ),
					$days
				)
			) . '</label></p>';
	}

	/**
	 * After a passed challenge: remembers the browser when the box was ticked.
	 *
	 * @param int                 $user_id User ID.
	 * @param array<string,mixed> $request The unslashed request fields.
	 */
	public static function after_challenge( int $user_id, array $request ): void {
		if ( ! self::offered() || ! isset( $request[ self::FIELD ] ) || '1' !== $request[ self::FIELD ] ) {
			return;
		}
		$ua = isset( $_SERVER['HTTP_USER_AGENT'] ) ? sanitize_text_field( wp_unslash( $_SERVER['HTTP_USER_AGENT'] ) ) : '';
		$ip = isset( $_SERVER['REMOTE_ADDR'] ) ? sanitize_text_field( wp_unslash( $_SERVER['REMOTE_ADDR'] ) ) : '';
		try {
			Twofa_Devices::remember( $user_id, $ua, $ip );
		} catch ( Throwable $e ) {
			// Not remembering is the safe failure: the next login asks again.
			return;
		}
	}

	/**
	 * A password reset by email link.
	 *
	 * @param WP_User $user The user.
	 */
	public static function on_password_reset( $user ): void {
		if ( $user instanceof WP_User ) {
			Twofa_Devices::forget_all( (int) $user->ID );
		}
	}

	/**
	 * A profile save: only a changed password forgets the devices.
	 *
	 * @param int          $user_id       User ID.
	 * @param WP_User|null $old_user_data The user before the change.
	 */
	public static function on_profile_update( $user_id, $old_user_data = null ): void {
		if ( ! ( $old_user_data instanceof WP_User ) ) {
			return;
		}
		$now = get_userdata( (int) $user_id );
		if ( $now && ! hash_equals( (string) $old_user_data->user_pass, (string) $now->user_pass ) ) {
			Twofa_Devices::forget_all( (int) $user_id );
		}
	}

	/**
	 * Any wp_set_password() (WordPress 6.2+).
	 *
	 * @param string $password New password (unused).
	 * @param int    $user_id  User ID.
	 */
	public static function on_set_password( $password, $user_id = 0 ): void {
		if ( (int) $user_id > 0 ) {
			Twofa_Devices::forget_all( (int) $user_id );
		}
	}
}
