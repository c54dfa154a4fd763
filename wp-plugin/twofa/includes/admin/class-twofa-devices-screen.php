<?php
/**
 * Configure 2FA → Remembered devices: the list, Forget, Forget all devices.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Plain form posts to admin-post.php?action=twofa_devices, each with a nonce
 * bound to the action and the user, and refused (403) for anyone but the
 * logged-in user's own id. A user's own Forget sends no email.
 */
final class Twofa_Devices_Screen {

	const POST_ACTION = 'twofa_devices';

	const ACTIONS = array( 'forget', 'forget_all' );

	/**
	 * Nonce action of a form.
	 *
	 * @param string $action  forget | forget_all.
	 * @param int    $user_id User ID.
	 */
	public static function nonce_action( string $action, int $user_id ): string {
		return 'twofa-devices-' . $action . '-' . $user_id;
	}

	/**
	 * admin-post.php?action=twofa_devices.
	 */
	public static function handle_post(): void {
		$post   = wp_unslash( $_POST ); // phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked in process().
		$result = self::process( is_array( $post ) ? $post : array(), get_current_user_id() );
		if ( 'forbidden' === $result['status'] ) {
			wp_die( esc_html( $result['message'] ), esc_html__( 'Configure 2FA', 'twofa' ), array( 'response' => 403, 'back_link' => true ) );
		}
		wp_safe_redirect( add_query_arg( 'twofa_devices', $result['code'], Twofa_Configure_Page::url() ) . '#twofa-devices' );
		exit;
	}

	/**
	 * Performs one action for the current user.
	 *
	 * @param array<string,mixed> $post    Unslashed form fields.
	 * @param int                 $user_id The logged-in user (0 when none).
	 * @return array{status:string, message:string, code:string}
	 */
	public static function process( array $post, int $user_id ): array {
		$action = isset( $post['twofa_do'] ) && is_string( $post['twofa_do'] ) ? sanitize_key( $post['twofa_do'] ) : '';
		$nonce  = isset( $post['_wpnonce'] ) && is_string( $post['_wpnonce'] ) ? sanitize_text_field( $post['_wpnonce'] ) : '';
		$target = isset( $post['user_id'] ) && is_scalar( $post['user_id'] ) ? (string) $post['user_id'] : '';
		$device = isset( $post['device'] ) && is_string( $post['device'] ) ? strtolower( trim( $post['device'] ) ) : '';

		if ( $user_id <= 0 || get_current_user_id() !== $user_id || ! current_user_can( 'read' ) ) {
			return self::result( 'forbidden', __( 'You must be logged in to change two-factor settings.', 'twofa' ) );
		}
		if ( ! in_array( $action, self::ACTIONS, true ) ) {
			return self::result( 'forbidden', __( 'Unknown action.', 'twofa' ) );
		}
		if ( ! wp_verify_nonce( $nonce, self::nonce_action( $action, $user_id ) ) ) {
			return self::result( 'forbidden', __( 'The link you followed has expired. Reload the page and try again.', 'twofa' ) );
		}
		if ( (string) $user_id !== $target ) {
			return self::result( 'forbidden', __( 'You can only change your own two-factor settings.', 'twofa' ) );
		}
		if ( 'forget_all' === $action ) {
			Twofa_Devices::forget_all( $user_id );
			Twofa_Devices::send_cookie( $user_id, '', 0 );
			return self::result( 'ok', self::message( 'forgot-all' ), 'forgot-all' );
		}
		$current = Twofa_Devices::current_id( $user_id );
		if ( ! Twofa_Devices::forget( $user_id, $device ) ) {
			return self::result( 'error', self::message( 'unknown' ), 'unknown' );
		}
		if ( '' !== $current && hash_equals( $current, $device ) ) {
			Twofa_Devices::send_cookie( $user_id, '', 0 );
		}
		return self::result( 'ok', self::message( 'forgot' ), 'forgot' );
	}

	/**
	 * The message of a result code (never echoed input).
	 *
	 * @param string $code forgot | forgot-all | unknown.
	 */
	public static function message( string $code ): string {
		switch ( $code ) {
			case 'forgot':
				return __( 'The device was forgotten. It will be asked for a two-factor code at the next login.', 'twofa' );
			case 'forgot-all':
				return __( 'All devices were forgotten. Each will be asked for a two-factor code at the next login.', 'twofa' );
			case 'unknown':
				return __( 'That device is not remembered (it may have been forgotten already).', 'twofa' );
		}
		return '';
	}

	/**
	 * The section on Configure 2FA (shown while the site allows remembering, or the user still has devices).
	 *
	 * @param int $user_id Current user.
	 */
	public static function render( int $user_id ): void {
		$devices = Twofa_Devices::all( $user_id );
		if ( ! Twofa_Devices::enabled() && ! $devices ) {
			return;
		}
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only, from a fixed list.
		$code    = isset( $_GET['twofa_devices'] ) ? sanitize_key( wp_unslash( $_GET['twofa_devices'] ) ) : '';
		$message = self::message( $code );
		$current = Twofa_Devices::current_id( $user_id );
		$format  = get_option( 'date_format' ) . ' ' . get_option( 'time_format' );
		?>
		<div class="card twofa-card twofa-devices" id="twofa-devices">
			<h2 class="title"><?php esc_html_e( 'Remembered devices', 'twofa' ); ?></h2>
			<?php if ( '' !== $message ) : ?>
				<div class="notice notice-<?php echo esc_attr( 'unknown' === $code ? 'error' : 'success' ); ?> inline" role="status"><p><?php echo esc_html( $message ); ?></p></div>
			<?php endif; ?>
			<p class="twofa-description"><?php esc_html_e( 'Browsers where you ticked "Remember this device" skip the two-factor step (your password is still required). Forget any you no longer use or do not recognise.', 'twofa' ); ?></p>
			<?php if ( ! $devices ) : ?>
				<p class="twofa-devices-none"><?php esc_html_e( 'No devices are remembered.', 'twofa' ); ?></p>
			<?php else : ?>
				<table class="widefat striped twofa-devices-table">
					<thead>
						<tr>
							<th scope="col"><?php esc_html_e( 'Device', 'twofa' ); ?></th>
							<th scope="col"><?php esc_html_e( 'Remembered since', 'twofa' ); ?></th>
							<th scope="col"><?php esc_html_e( 'Last used', 'twofa' ); ?></th>
							<th scope="col"><?php esc_html_e( 'Created from', 'twofa' ); ?></th>
							<th scope="col"><span class="screen-reader-text"><?php esc_html_e( 'Actions', 'twofa' ); ?></span></th>
						</tr>
					</thead>
					<tbody>
						<?php foreach ( $devices as $device ) : ?>
							<tr class="twofa-device" data-device="<?php echo esc_attr( (string) $device['id'] ); ?>">
								<td>
									<?php echo esc_html( '' !== $device['label'] ? (string) $device['label'] : __( 'Unknown browser', 'twofa' ) ); ?>
									<?php if ( '' !== $current && $current === $device['id'] ) : ?>
										<strong class="twofa-this-device"><?php esc_html_e( '(this device)', 'twofa' ); ?></strong>
									<?php endif; ?>
								</td>
								<td><?php echo esc_html( wp_date( $format, (int) $device['created'] ) ); ?></td>
								<td><?php echo esc_html( wp_date( $format, (int) $device['last_used'] ) ); ?></td>
								<td><?php echo esc_html( '' !== $device['ip'] ? (string) $device['ip'] : '—' ); ?></td>
								<td>
									<?php self::open_form( 'forget', $user_id ); ?>
										<input type="hidden" name="device" value="<?php echo esc_attr( (string) $device['id'] ); ?>" />
										<button type="submit" class="button-link twofa-forget">
											<?php esc_html_e( 'Forget', 'twofa' ); ?>
											<span class="screen-reader-text"><?php echo esc_html( (string) $device['label'] ); ?></span>
										</button>
									</form>
								</td>
							</tr>
						<?php endforeach; ?>
					</tbody>
				</table>
				<?php self::open_form( 'forget_all', $user_id, 'twofa-forget-all-form' ); ?>
					<p><button type="submit" class="button"><?php esc_html_e( 'Forget all devices', 'twofa' ); ?></button></p>
				</form>
			<?php endif; ?>
		</div>
		<?php
	}

	/**
	 * Opens a form with its action, user id and nonce.
	 *
	 * @param string $action  forget | forget_all.
	 * @param int    $user_id Current user.
	 * @param string $class   Extra CSS class.
	 */
	private static function open_form( string $action, int $user_id, string $class = '' ): void {
		printf( '<form method="post" action="%1$s" class="twofa-form %2$s">', esc_url( admin_url( 'admin-post.php' ) ), esc_attr( $class ) );
		echo '<input type="hidden" name="action" value="' . esc_attr( self::POST_ACTION ) . '" />';
		echo '<input type="hidden" name="twofa_do" value="' . esc_attr( $action ) . '" />';
		echo '<input type="hidden" name="user_id" value="' . esc_attr( (string) $user_id ) . '" />';
		echo '<input type="hidden" name="_wpnonce" value="' . esc_attr( wp_create_nonce( self::nonce_action( $action, $user_id ) ) ) . '" />';
	}

	/**
	 * A process() result.
	 *
	 * @param string $status  ok | error | forbidden.
	 * @param string $message Message.
	 * @param string $code    Result code for the page.
	 */
	private static function result( string $status, string $message, string $code = '' ): array {
		return array(
			'status'  => $status,
			'message' => $message,
			'code'    => $code,
		);
	}
}
