<?php
/**
 * The HTML of OTP over Email: its Configure 2FA steps and its login screens.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Printing only; the decisions are in Twofa_Provider_Email.
 */
final class Twofa_Email_Screens {

	/**
	 * Configure 2FA: confirm the address and send; enter the code.
	 *
	 * @param Twofa_Provider_Email $email   The provider.
	 * @param int                  $user_id Current user.
	 * @param string               $step    confirm | verify.
	 */
	public static function configure_setup( Twofa_Provider_Email $email, int $user_id, string $step ): void {
		$user = get_userdata( $user_id );
		$wait = $email->cooldown_remaining( $user_id );
		$id   = $email->id();
		?>
		<div class="twofa-setup" id="twofa-email-setup">
			<p>
				<?php esc_html_e( 'Codes will be sent to the email address of your account:', 'twofa' ); ?>
				<strong class="twofa-email-address"><?php echo esc_html( $user ? $user->user_email : '' ); ?></strong>
			</p>
			<p class="description">
				<?php
				printf(
					/* translators: %s: link to the profile page. */
					esc_html__( 'If this is not your address, change it on your %s first.', 'twofa' ),
					'<a href="' . esc_url( admin_url( 'profile.php' ) ) . '">' . esc_html__( 'profile', 'twofa' ) . '</a>'
				);
				?>
			</p>
			<?php Twofa_Configure_Form::open( $id . '_send', $user_id, 'twofa-send-form' ); ?>
				<p>
					<label>
						<input type="checkbox" name="twofa_confirm_email" value="1" required <?php checked( 'verify' === $step ); ?> />
						<?php esc_html_e( 'This is my email address', 'twofa' ); ?>
					</label>
				</p>
				<p class="twofa-send-row">
					<?php
					Twofa_Configure_Form::button( __( 'Send OTP', 'twofa' ), 'verify' === $step ? 'button' : 'button button-primary', $wait > 0 ? array( 'data-cooldown' => (string) $wait ) : array() );
					if ( $wait > 0 ) {
						echo ' <span class="description twofa-cooldown">' . esc_html(
							/* translators: %d: seconds. */
							sprintf( _n( 'You can ask for another code in %d second.', 'You can ask for another code in %d seconds.', $wait, 'twofa' ), $wait )
						) . '</span>';
					}
					?>
				</p>
			</form>
			<?php if ( 'verify' === $step ) : ?>
				<?php Twofa_Configure_Form::open( $id . '_verify', $user_id, 'twofa-verify-form' ); ?>
					<p>
						<?php Twofa_Configure_Form::code_input( 'twofa-email-code', __( 'Enter the 6-digit code from the email:', 'twofa' ) ); ?>
						<?php Twofa_Configure_Form::button( __( 'Verify and Save', 'twofa' ), 'button button-primary' ); ?>
					</p>
				</form>
			<?php endif; ?>
		</div>
		<?php
	}

	/**
	 * The login challenge or first-login setup: where the code goes, Send OTP / Resend, the code form.
	 *
	 * @param Twofa_Provider_Email $email   The provider.
	 * @param array<string,mixed>  $result  Result of Twofa_Login_Flow.
	 * @param bool                 $interim Modal login.
	 * @param bool                 $setup   First-login setup rather than the challenge.
	 */
	public static function login( Twofa_Provider_Email $email, array $result, bool $interim, bool $setup ): void {
		$user_id = (int) $result['user_id'];
		$masked  = $email->masked_address( $user_id );
		$live    = $email->has_live_code( $user_id, $setup ? 'setup' : 'login' );
		if ( $setup ) {
			echo '<h2 class="twofa-title">' . esc_html( $email->label() ) . '</h2>';
			$help = $live
				/* translators: %s: masked email address. */
				? sprintf( __( 'Enter the 6-digit code we emailed to your account\'s address, %s. If it has not arrived, click Resend.', 'twofa' ), $masked )
				/* translators: %s: masked email address. */
				: sprintf( __( 'Codes will be sent to your account\'s address, %s. Click Send OTP, then enter the code from the email.', 'twofa' ), $masked );
		} else {
			// The help names the button as it reads now: "Send OTP" before a code exists, "Resend" after.
			$help = $live
				/* translators: %s: masked email address. */
				? sprintf( __( 'Enter the 6-digit code we emailed to %s. If it has not arrived, click Resend.', 'twofa' ), $masked )
				/* translators: %s: masked email address. */
				: sprintf( __( 'Click Send OTP to get a 6-digit code at %s, then enter it below.', 'twofa' ), $masked );
		}
		echo '<p class="twofa-help">' . esc_html( $help ) . '</p>';
		self::send_form( $email, $result, $interim, $live );
		Twofa_Login_Screen::code_form( $result, $interim, $setup ? __( 'Verify and Save', 'twofa' ) : __( 'Verify', 'twofa' ) );
	}

	/**
	 * "Send OTP" / "Resend", with the cooldown said in words.
	 *
	 * @param Twofa_Provider_Email $email   The provider.
	 * @param array<string,mixed>  $result  Result of Twofa_Login_Flow.
	 * @param bool                 $interim Modal login.
	 * @param bool                 $live    Whether a code is waiting to be entered.
	 */
	private static function send_form( Twofa_Provider_Email $email, array $result, bool $interim, bool $live ): void {
		$wait = $email->cooldown_remaining( (int) $result['user_id'] );
		Twofa_Login_Screen::form_open( $result, $interim, $email->id(), 'twofa-send-form' );
		// A row: the cooldown note wraps in its own column beside the button, not under it.
		echo '<p class="twofa-send-row"><button type="submit" class="button" name="' . esc_attr( Twofa_Login_Flow::F_DO ) . '" value="send"' . ( $wait > 0 ? ' aria-describedby="twofa-cooldown"' : '' ) . '>'
			. esc_html( $live ? __( 'Resend', 'twofa' ) : __( 'Send OTP', 'twofa' ) ) . '</button>';
		if ( $wait > 0 ) {
			echo ' <span id="twofa-cooldown" class="description">' . esc_html(
				sprintf(
					/* translators: %d: seconds. */
					_n( 'You can ask for another code in %d second.', 'You can ask for another code in %d seconds.', $wait, 'twofa' ),
					$wait
				)
			) . '</span>';
		}
		echo '</p></form>';
	}
}
