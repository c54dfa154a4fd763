<?php
/**
 * Changing the account's email address while OTP over Email is configured.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The address receives the login codes, so moving it is moving a factor: a
 * session alone must not be enough. On the own profile (profile.php, and
 * user-edit.php for oneself) a change asks for the password or a current code
 * (Twofa_Reauth, refusals counted like Remove's); without it the whole update
 * is refused and nothing is changed or mailed. Through the REST API the own
 * address cannot be changed while OTP over Email is configured. An
 * administrator editing another user (capability edit_user, checked by
 * WordPress) may change it without this step. Whoever changes it, the old
 * address gets a twofa notice ("email_changed"), sent just before the new
 * address is written, so the sidecar still reads the old one.
 */
final class Twofa_Email_Change {

	/**
	 * The refusal of this request, shown by user_profile_update_errors.
	 *
	 * @var WP_Error|null
	 */
	private static $refusal = null;

	/**
	 * Whether the email method guards this account.
	 *
	 * @param int $user_id User ID.
	 */
	public static function guarded( int $user_id ): bool {
		$email = Twofa_Providers::get( 'email' );
		return null !== $email && $email->is_configured( $user_id );
	}

	/**
	 * profile.php: a changed address needs the password or a current code.
	 *
	 * @param int $user_id The profile's user (the current user).
	 */
	public static function check_own_change( $user_id ): void {
		$user_id = (int) $user_id;
		$user    = get_userdata( $user_id );
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- WordPress checked update-user_{id} before this action.
		if ( ! $user || get_current_user_id() !== $user_id || ! isset( $_POST['email'] ) || ! is_string( $_POST['email'] ) ) {
			return;
		}
		$posted = trim( wp_unslash( $_POST['email'] ) ); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- only compared.
		if ( $posted === (string) $user->user_email || ! self::guarded( $user_id ) ) {
			return;
		}
		// Passed as typed (no sanitising): the password and the code are checked exactly as entered.
		$password = isset( $_POST['twofa_password'] ) && is_string( $_POST['twofa_password'] ) ? wp_unslash( $_POST['twofa_password'] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized
		$code     = isset( $_POST['twofa_reauth_code'] ) && is_string( $_POST['twofa_reauth_code'] ) ? substr( wp_unslash( $_POST['twofa_reauth_code'] ), 0, 256 ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized
		// phpcs:enable
		$ok = Twofa_Reauth::verify( $user_id, $password, $code );
		if ( true === $ok ) {
			return;
		}
		self::$refusal = new WP_Error(
			'twofa_email_change_reauth',
			/* translators: %s: why the confirmation failed. */
			sprintf( __( 'Your email address was not changed: login codes are sent to it. %s', 'twofa' ), $ok->get_error_message() )
		);
		// Neither WordPress's confirmation email nor edit_user() may see the new address.
		$_POST['email'] = wp_slash( (string) $user->user_email );
	}

	/**
	 * Refuses the whole profile update when the address change was refused.
	 *
	 * @param WP_Error $errors The profile update's errors.
	 */
	public static function add_refusal( $errors ): void {
		if ( $errors instanceof WP_Error && null !== self::$refusal ) {
			$errors->add( self::$refusal->get_error_code(), esc_html( self::$refusal->get_error_message() ) );
		}
	}

	/**
	 * REST: the own address cannot change without the profile page's confirmation.
	 *
	 * @param mixed           $response The response so far (a WP_Error stops the request).
	 * @param array           $handler  The route handler.
	 * @param WP_REST_Request $request  The request.
	 * @return mixed
	 */
	public static function check_rest_change( $response, $handler, $request ) {
		if ( is_wp_error( $response ) || ! $request instanceof WP_REST_Request || 'GET' === $request->get_method() ) {
			return $response;
		}
		if ( ! preg_match( '#^/wp/v2/users/(me|[0-9]+)$#', $request->get_route(), $m ) || ! is_string( $request['email'] ) ) {
			return $response;
		}
		$user_id = get_current_user_id();
		if ( $user_id <= 0 || ( 'me' !== $m[1] && (int) $m[1] !== $user_id ) ) {
			return $response;
		}
		$user = get_userdata( $user_id );
		if ( ! $user || $request['email'] === (string) $user->user_email || ! self::guarded( $user_id ) ) {
			return $response;
		}
		return new WP_Error( 'twofa_email_change_reauth', __( 'Your login codes are sent to this email address: change it on your profile page, where you confirm it is you.', 'twofa' ), array( 'status' => 403 ) );
	}

	/**
	 * Emails the old address just before a new one is written.
	 *
	 * @param array    $data    The user row about to be written.
	 * @param bool     $update  Whether an existing user is updated.
	 * @param int|null $user_id The user's ID when updating.
	 * @return array
	 */
	public static function notify_old_address( $data, $update = false, $user_id = null ) {
		if ( ! $update || ! is_array( $data ) || ! isset( $data['user_email'] ) || empty( $user_id ) ) {
			return $data;
		}
		$user = get_userdata( (int) $user_id );
		if ( $user && (string) $data['user_email'] !== (string) $user->user_email && self::guarded( (int) $user_id ) ) {
			// A notice that cannot be sent never blocks the change it reports.
			Twofa_Notifier::send( (int) $user_id, 'email_changed' );
		}
		return $data;
	}

	/**
	 * The own profile: the confirmation fields an address change needs.
	 *
	 * @param WP_User $user The profile's user (the current user).
	 */
	public static function render_fields( $user ): void {
		if ( ! $user instanceof WP_User || get_current_user_id() !== (int) $user->ID || ! self::guarded( (int) $user->ID ) ) {
			return;
		}
		?>
		<table class="form-table twofa-email-change" role="presentation">
			<tr>
				<th scope="row"><?php esc_html_e( 'Changing your email address', 'twofa' ); ?></th>
				<td>
					<p class="description"><?php esc_html_e( 'Your login codes are sent to your email address. To change it, confirm it is you.', 'twofa' ); ?></p>
					<?php Twofa_Configure_Form::reauth_fields( (int) $user->ID, 'email-change' ); ?>
				</td>
			</tr>
		</table>
		<?php
	}
}
