<?php
/**
 * The HTML of Google Authenticator's setup: on Configure 2FA and at first login.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Printing only; the decisions are in Twofa_Provider_Totp.
 */
final class Twofa_Totp_Screens {

	/**
	 * Configure 2FA: apps, QR code, key as text, code field.
	 *
	 * @param Twofa_Provider_Totp $totp    The provider.
	 * @param int                 $user_id Current user.
	 */
	public static function configure_setup( Twofa_Provider_Totp $totp, int $user_id ): void {
		$secret = $totp->pending_secret( $user_id );
		if ( null === $secret ) {
			echo '<div class="notice notice-warning inline"><p>' . esc_html__( 'This setup has expired or was not started. Click Configure to get a new QR code.', 'twofa' ) . '</p></div>';
			return;
		}
		$qr      = Twofa_Qr::html( $totp->uri( $user_id, $secret ), __( 'QR code to add this account to your authenticator app', 'twofa' ) );
		$minutes = max( 1, (int) ceil( $totp->pending_expires_in( $user_id ) / 60 ) );
		$id      = $totp->id();
		?>
		<div class="twofa-setup" id="twofa-totp-setup">
			<ol class="twofa-steps">
				<li>
					<?php esc_html_e( 'Install an authenticator app on your phone if you do not have one: Google Authenticator, Microsoft Authenticator, Authy, 1Password, FreeOTP and others work.', 'twofa' ); ?>
				</li>
				<li>
					<?php esc_html_e( 'In the app, add an account and scan this QR code.', 'twofa' ); ?>
					<?php echo $qr; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- Twofa_Qr::html() escapes and filters the SVG. ?>
					<details class="twofa-cant-scan">
						<summary><?php esc_html_e( 'Can\'t scan the QR code?', 'twofa' ); ?></summary>
						<p><?php esc_html_e( 'Choose "Enter a setup key" in the app and type this key (time-based):', 'twofa' ); ?></p>
						<p><?php echo Twofa_Qr::key_html( $secret, 'twofa-secret', 'twofa-secret' ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped inside. ?></p>
					</details>
				</li>
				<li>
					<?php Twofa_Configure_Form::open( $id . '_verify', $user_id, 'twofa-verify-form' ); ?>
						<?php Twofa_Configure_Form::code_input( 'twofa-totp-code', __( 'Enter the 6-digit code the app shows:', 'twofa' ) ); ?>
						<?php Twofa_Configure_Form::button( __( 'Verify and Save', 'twofa' ), 'button button-primary' ); ?>
					</form>
					<p class="description">
						<?php
						/* translators: %d: minutes. */
						echo esc_html( sprintf( _n( 'This QR code is valid for %d more minute.', 'This QR code is valid for %d more minutes.', $minutes, 'twofa' ), $minutes ) );
						if ( $totp->is_configured( $user_id ) ) {
							echo ' ' . esc_html__( 'Your current authenticator keeps working until the new one is verified.', 'twofa' );
						}
						?>
					</p>
					<?php Twofa_Configure_Form::open( $id . '_cancel', $user_id ); ?>
						<?php Twofa_Configure_Form::button( __( 'Cancel', 'twofa' ), 'button-link' ); ?>
					</form>
				</li>
			</ol>
		</div>
		<?php
	}

	/**
	 * First login: QR code, key as text, code form.
	 *
	 * @param Twofa_Provider_Totp $totp    The provider.
	 * @param array<string,mixed> $result  Result of Twofa_Login_Flow.
	 * @param bool                $interim Modal login.
	 */
	public static function login_setup( Twofa_Provider_Totp $totp, array $result, bool $interim ): void {
		$secret = (string) $result['secret'];
		echo '<h2 class="twofa-title">' . esc_html( $totp->label() ) . '</h2>';
		echo '<p class="twofa-help">' . esc_html__( 'Scan this QR code with your authenticator app (Google Authenticator, Microsoft Authenticator, Authy…).', 'twofa' ) . '</p>';
		$qr = Twofa_Qr::html( $totp->uri( (int) $result['user_id'], $secret ), __( 'QR code for your authenticator app', 'twofa' ) );
		if ( '' === $qr ) {
			Twofa_Login_Screen::error( __( 'The QR code could not be drawn; enter the key below instead.', 'twofa' ) );
		}
		echo $qr; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- Twofa_Qr::html() escapes and filters the SVG.
		echo '<p class="twofa-help">' . esc_html__( "Can't scan it? Enter this key in the app:", 'twofa' ) . '</p>';
		echo '<p>' . Twofa_Qr::key_html( $secret, 'twofa-key' ) . '</p>'; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped inside.
		Twofa_Login_Screen::code_form( $result, $interim, __( 'Verify and Save', 'twofa' ) );
	}
}
