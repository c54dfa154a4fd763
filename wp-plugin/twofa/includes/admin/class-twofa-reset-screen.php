<?php
/**
 * The administrator's "Reset two-factor authentication" screen for another user.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reached from a user's profile screen (Twofa_Profile_Section). The profile
 * screen is one big form whose own "action" field would win over any button
 * inside it, so the reset has its own small confirmation screen. What a reset
 * does is the Twofa_Reset service, shared with `wp twofa reset`.
 */
final class Twofa_Reset_Screen {

	const SLUG   = 'twofa-reset-user';
	const ACTION = 'twofa_reset_user';

	// The Unlock button of a locked user's profile (a form of its own, printed in the footer).
	const UNLOCK_ACTION = 'twofa_unlock_user';
	const UNLOCK_FORM   = 'twofa-unlock-form';

	/**
	 * The user whose Unlock form the footer prints (0: none).
	 *
	 * @var int
	 */
	private static $unlock_form_for = 0;

	/**
	 * The screen, without a menu entry.
	 */
	public static function add_page(): void {
		$hook = add_submenu_page(
			'',
			__( 'Reset two-factor authentication', 'twofa' ),
			__( 'Reset two-factor authentication', 'twofa' ),
			'manage_options',
			self::SLUG,
			array( __CLASS__, 'render' )
		);
		if ( $hook ) {
			add_action( 'load-' . $hook, array( __CLASS__, 'set_page_title' ) );
		}
	}

	/**
	 * A page without a menu entry has no title for wp-admin's <title>; give it one.
	 */
	public static function set_page_title(): void {
		$GLOBALS['title'] = __( 'Reset two-factor authentication', 'twofa' ); // phpcs:ignore WordPress.WP.GlobalVariablesOverride.Prohibited -- admin-header.php reads it.
	}

	/**
	 * URL of the reset confirmation screen for a user.
	 *
	 * @param int $user_id Target user.
	 */
	public static function reset_page_url( int $user_id ): string {
		return add_query_arg(
			array(
				'page'    => self::SLUG,
				'user_id' => $user_id,
			),
			admin_url( 'admin.php' )
		);
	}

	/**
	 * The reset confirmation screen (not in the menu; reached from a user's profile).
	 */
	public static function render(): void {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only; the form carries the nonce.
		$user_id = isset( $_GET['user_id'] ) ? absint( wp_unslash( $_GET['user_id'] ) ) : 0;
		$user    = $user_id ? get_userdata( $user_id ) : false;
		if ( ! $user || ! Twofa_Reset::current_user_can_reset( $user_id ) ) {
			wp_die( esc_html__( 'You are not allowed to reset this user\'s two-factor authentication.', 'twofa' ), 403 );
		}
		?>
		<div class="wrap twofa-reset">
			<h1><?php esc_html_e( 'Reset two-factor authentication', 'twofa' ); ?></h1>
			<div class="card">
				<h2 class="title">
					<?php
					/* translators: 1: display name, 2: login name. */
					echo esc_html( sprintf( __( '%1$s (%2$s)', 'twofa' ), $user->display_name, $user->user_login ) );
					?>
				</h2>
				<p><?php echo esc_html( Twofa_User_Status::summary( $user_id ) ); ?></p>
				<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
					<input type="hidden" name="action" value="<?php echo esc_attr( self::ACTION ); ?>" />
					<input type="hidden" name="twofa_reset_user_id" value="<?php echo esc_attr( (string) $user_id ); ?>" />
					<input type="hidden" name="twofa_reset_nonce" value="<?php echo esc_attr( wp_create_nonce( self::reset_nonce_action( $user_id ) ) ); ?>" />
					<p>
						<label>
							<input type="checkbox" name="twofa_reset_confirm" value="1" required />
							<?php esc_html_e( 'Remove all of this user\'s two-factor methods and log them out everywhere.', 'twofa' ); ?>
						</label>
					</p>
					<p>
						<?php Twofa_Configure_Form::button( __( 'Reset two-factor authentication', 'twofa' ), 'button button-primary' ); ?>
						<a class="button-link" href="<?php echo esc_url( add_query_arg( 'user_id', $user_id, admin_url( 'user-edit.php' ) ) ); ?>"><?php esc_html_e( 'Cancel', 'twofa' ); ?></a>
					</p>
				</form>
			</div>
		</div>
		<?php
	}

	/**
	 * Nonce action of the reset button for one target user.
	 *
	 * @param int $user_id Target user.
	 */
	public static function reset_nonce_action( int $user_id ): string {
		return 'twofa-reset-user-' . $user_id;
	}

	/**
	 * admin-post.php?action=twofa_reset_user: process, redirect to the profile.
	 */
	public static function handle_reset(): void {
		$post   = wp_unslash( $_POST ); // phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked in process_reset().
		$result = self::process_reset( is_array( $post ) ? $post : array() );
		if ( 'forbidden' === $result['status'] ) {
			wp_die( esc_html( $result['message'] ), esc_html__( 'Two-Factor Authentication', 'twofa' ), array( 'response' => 403, 'back_link' => true ) );
		}
		if ( 'ok' !== $result['status'] ) {
			wp_safe_redirect( add_query_arg( 'twofa', 'reset-unconfirmed', self::reset_page_url( $result['user_id'] ) ) );
			exit;
		}
		$code = $result['notes'] ? 'reset-unnotified' : 'reset';
		wp_safe_redirect( add_query_arg( array( 'user_id' => $result['user_id'], 'twofa' => $code ), admin_url( 'user-edit.php' ) ) . '#twofa-profile' );
		exit;
	}

	/**
	 * Resets another user's 2FA when the current user may.
	 *
	 * @param array<string,mixed> $post Unslashed form fields.
	 * @return array{status:string, message:string, user_id:int, notes:string[]}
	 */
	public static function process_reset( array $post ): array {
		$target = self::posted_user_id( $post, 'twofa_reset_user_id' );
		$out    = array(
			'status'  => 'forbidden',
			'message' => self::refusal( $post, $target, 'twofa_reset_nonce', self::reset_nonce_action( $target ), __( 'You are not allowed to reset this user\'s two-factor authentication.', 'twofa' ) ),
			'user_id' => $target,
			'notes'   => array(),
		);
		if ( '' !== $out['message'] ) {
			return $out;
		}
		if ( ! Twofa_Configure_Form::ticked( $post, 'twofa_reset_confirm' ) ) {
			$out['status']  = 'error';
			$out['message'] = __( 'Tick the box to confirm the reset.', 'twofa' );
			return $out;
		}
		$notified       = Twofa_Reset::reset_user( $target );
		$out['status']  = 'ok';
		$out['message'] = __( 'Two-factor authentication was reset for this user, and they were logged out everywhere.', 'twofa' );
		if ( ! $notified ) {
			$out['notes'][] = __( 'The notice email to the user could not be sent.', 'twofa' );
		}
		return $out;
	}

	/**
	 * Nonce action of the Unlock button for one target user.
	 *
	 * @param int $user_id Target user.
	 */
	public static function unlock_nonce_action( int $user_id ): string {
		return 'twofa-unlock-user-' . $user_id;
	}

	/**
	 * The Unlock button inside the profile form: it submits the form of its own
	 * that the footer prints (HTML's form attribute), not the profile form.
	 *
	 * @param int $user_id Target user (the caller checked the capability).
	 */
	public static function unlock_button( int $user_id ): void {
		self::$unlock_form_for = $user_id;
		echo '<button type="submit" class="button button-secondary twofa-unlock" form="' . esc_attr( self::UNLOCK_FORM ) . '">' . esc_html__( 'Unlock', 'twofa' ) . '</button>';
	}

	/**
	 * admin_footer: the Unlock form, outside the profile form.
	 */
	public static function render_unlock_form(): void {
		$user_id = self::$unlock_form_for;
		if ( $user_id <= 0 ) {
			return;
		}
		?>
		<form id="<?php echo esc_attr( self::UNLOCK_FORM ); ?>" method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
			<input type="hidden" name="action" value="<?php echo esc_attr( self::UNLOCK_ACTION ); ?>" />
			<input type="hidden" name="twofa_unlock_user_id" value="<?php echo esc_attr( (string) $user_id ); ?>" />
			<input type="hidden" name="twofa_unlock_nonce" value="<?php echo esc_attr( wp_create_nonce( self::unlock_nonce_action( $user_id ) ) ); ?>" />
		</form>
		<?php
	}

	/**
	 * admin-post.php?action=twofa_unlock_user: unlock, back to the profile.
	 */
	public static function handle_unlock(): void {
		$post   = wp_unslash( $_POST ); // phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked in process_unlock().
		$result = self::process_unlock( is_array( $post ) ? $post : array() );
		if ( 'ok' !== $result['status'] ) {
			wp_die( esc_html( $result['message'] ), esc_html__( 'Two-Factor Authentication', 'twofa' ), array( 'response' => 403, 'back_link' => true ) );
		}
		wp_safe_redirect( add_query_arg( array( 'user_id' => $result['user_id'], 'twofa' => 'unlocked' ), admin_url( 'user-edit.php' ) ) . '#twofa-profile' );
		exit;
	}

	/**
	 * Unlocks another user's second step when the current user may (the same
	 * capabilities as a reset: manage_options and edit_user, never oneself).
	 *
	 * @param array<string,mixed> $post Unslashed form fields.
	 * @return array{status:string, message:string, user_id:int}
	 */
	public static function process_unlock( array $post ): array {
		$target = self::posted_user_id( $post, 'twofa_unlock_user_id' );
		$out    = array(
			'status'  => 'forbidden',
			'message' => self::refusal( $post, $target, 'twofa_unlock_nonce', self::unlock_nonce_action( $target ), __( 'You are not allowed to unlock this user\'s two-factor authentication.', 'twofa' ) ),
			'user_id' => $target,
		);
		if ( '' === $out['message'] ) {
			Twofa_Lockout::unlock( $target );
			$out['status']  = 'ok';
			$out['message'] = __( 'The user\'s two-factor step is unlocked.', 'twofa' );
		}
		return $out;
	}

	/**
	 * The target user id of a posted form (0 when absent or malformed).
	 *
	 * @param array<string,mixed> $post  Unslashed form fields.
	 * @param string              $field Field name.
	 */
	private static function posted_user_id( array $post, string $field ): int {
		return isset( $post[ $field ] ) && is_scalar( $post[ $field ] ) && preg_match( '/^[1-9][0-9]{0,18}$/', (string) $post[ $field ] ) ? (int) $post[ $field ] : 0;
	}

	/**
	 * Why the current user may not act on $target ('' when they may): an unknown
	 * user, a wrong nonce, or missing capabilities (Twofa_Reset::current_user_can_reset()).
	 *
	 * @param array<string,mixed> $post         Unslashed form fields.
	 * @param int                 $target       Target user.
	 * @param string              $nonce_field  The nonce's field.
	 * @param string              $nonce_action The nonce's action.
	 * @param string              $not_allowed  The message for missing capabilities.
	 */
	private static function refusal( array $post, int $target, string $nonce_field, string $nonce_action, string $not_allowed ): string {
		$nonce = isset( $post[ $nonce_field ] ) && is_string( $post[ $nonce_field ] ) ? sanitize_text_field( $post[ $nonce_field ] ) : '';
		if ( ! $target || ! get_userdata( $target ) ) {
			return __( 'Unknown user.', 'twofa' );
		}
		if ( ! wp_verify_nonce( $nonce, $nonce_action ) ) {
			return __( 'The link you followed has expired. Reload the page and try again.', 'twofa' );
		}
		if ( ! Twofa_Reset::current_user_can_reset( $target ) ) {
			return $not_allowed;
		}
		return '';
	}

	/**
	 * The result of a reset, on the user's profile screen (from a fixed code, never raw input).
	 */
	public static function render_reset_notice(): void {
		global $pagenow;
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
		$code = isset( $_GET['twofa'] ) ? sanitize_key( wp_unslash( $_GET['twofa'] ) ) : '';
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
		$page = isset( $_GET['page'] ) ? sanitize_key( wp_unslash( $_GET['page'] ) ) : '';
		if ( ( 'user-edit.php' !== $pagenow && self::SLUG !== $page ) || '' === $code ) {
			return;
		}
		$messages = array(
			'reset'             => array( 'success', __( 'Two-factor authentication was reset for this user, and they were logged out everywhere.', 'twofa' ) ),
			'reset-unnotified'  => array( 'warning', __( 'Two-factor authentication was reset for this user, and they were logged out everywhere. The notice email could not be sent.', 'twofa' ) ),
			'reset-unconfirmed' => array( 'error', __( 'Nothing was reset: tick the box to confirm the reset.', 'twofa' ) ),
			'unlocked'          => array( 'success', __( 'The user\'s two-factor step is unlocked; the failure counter is cleared.', 'twofa' ) ),
		);
		if ( ! isset( $messages[ $code ] ) ) {
			return;
		}
		printf(
			'<div class="notice notice-%1$s is-dismissible" role="status"><p>%2$s</p></div>',
			esc_attr( $messages[ $code ][0] ),
			esc_html( $messages[ $code ][1] )
		);
	}}
