<?php
/**
 * The "Two-Factor Authentication" section of the profile screens.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Your own profile links to Configure 2FA; another user's profile links site
 * owners to the reset screen.
 */
final class Twofa_Profile_Section {

	/**
	 * Your own profile: status and a link to Configure 2FA.
	 *
	 * @param WP_User $user The profile's user (the current user).
	 */
	public static function render_own_profile_section( $user ): void {
		if ( ! $user instanceof WP_User || get_current_user_id() !== (int) $user->ID ) {
			return;
		}
		?>
		<h2 id="twofa-profile"><?php esc_html_e( 'Two-Factor Authentication', 'twofa' ); ?></h2>
		<table class="form-table" role="presentation">
			<tr>
				<th scope="row"><?php esc_html_e( 'Status', 'twofa' ); ?></th>
				<td>
					<p><?php echo esc_html( Twofa_User_Status::summary( (int) $user->ID ) ); ?></p>
					<p><a class="button" href="<?php echo esc_url( Twofa_Configure_Page::url() ); ?>"><?php esc_html_e( 'Configure 2FA', 'twofa' ); ?></a></p>
				</td>
			</tr>
		</table>
		<?php
	}

	/**
	 * Another user's profile: status, and for site owners a link to the reset screen
	 * and, while the account is locked, an Unlock button.
	 *
	 * @param WP_User $user The profile's user.
	 */
	public static function render_other_profile_section( $user ): void {
		if ( ! $user instanceof WP_User ) {
			return;
		}
		$user_id = (int) $user->ID;
		?>
		<h2 id="twofa-profile"><?php esc_html_e( 'Two-Factor Authentication', 'twofa' ); ?></h2>
		<table class="form-table" role="presentation">
			<tr>
				<th scope="row"><?php esc_html_e( 'Status', 'twofa' ); ?></th>
				<td>
					<p><?php echo esc_html( Twofa_User_Status::summary( $user_id ) ); ?></p>
					<?php if ( Twofa_Lockout::locked_for( $user_id ) > 0 ) : ?>
						<p class="twofa-locked">
							<?php
							echo esc_html(
								Twofa_Lockout::is_locked_permanently( $user_id )
									? __( 'Locked: too many wrong codes in a row. The second step stays locked until an administrator unlocks it.', 'twofa' )
									: __( 'Locked for a while after too many wrong codes.', 'twofa' )
							);
							?>
							<?php
							if ( Twofa_Reset::current_user_can_reset( $user_id ) ) {
								Twofa_Reset_Screen::unlock_button( $user_id );
							}
							?>
						</p>
					<?php endif; ?>
					<?php if ( Twofa_Reset::current_user_can_reset( $user_id ) ) : ?>
						<p>
							<a class="button button-secondary twofa-reset-link" href="<?php echo esc_url( Twofa_Reset_Screen::reset_page_url( $user_id ) ); ?>"><?php esc_html_e( 'Reset two-factor authentication', 'twofa' ); ?></a>
						</p>
						<p class="description"><?php esc_html_e( 'Use this when the user has lost access to every method. It removes all of their methods and logs them out everywhere; they are emailed a notice and must set up 2FA again.', 'twofa' ); ?></p>
					<?php endif; ?>
				</td>
			</tr>
		</table>
		<?php
	}

}
