<?php
/**
 * Passkeys on screen: the Configure 2FA card (list, Add, Rename, Remove), its AJAX
 * ceremony, and the login challenge and first-login setup forms.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Adding a passkey needs the browser's dialog, so it is two admin-ajax requests (begin, then
 * finish with the credential), each checked for the logged-in user, the capability and a
 * nonce bound to the user, answered in JSON whose errors say what to do and nothing more.
 * Rename and Remove are plain Configure 2FA forms (Twofa_Provider_Passkey::handle_action()).
 * At login the ceremony starts when the page is built: the options and the state id are in
 * the form, the browser's answer is posted as the code.
 */
final class Twofa_Passkey_Screens {

	const AJAX_BEGIN  = 'twofa_passkey_register_begin';
	const AJAX_FINISH = 'twofa_passkey_register_finish';

	/**
	 * Longest credential JSON accepted (the extension's own limit).
	 */
	const MAX_RESPONSE = 65536;

	/**
	 * Nonce action of the Add ceremony: bound to the user.
	 *
	 * @param int $user_id User ID.
	 */
	public static function nonce_action( int $user_id ): string {
		return 'twofa-passkey-register-' . $user_id;
	}

	/* ------------------------------------------------------------------ */
	/* AJAX: adding a passkey                                              */
	/* ------------------------------------------------------------------ */

	/**
	 * admin-ajax.php?action=twofa_passkey_register_begin: the options for the browser.
	 */
	public static function ajax_register_begin(): void {
		self::ajax_guard();
		$begin = Twofa_Passkey_Ceremony::register_begin( wp_get_current_user() );
		if ( is_wp_error( $begin ) ) {
			self::json_error( $begin, 503 );
		}
		wp_send_json_success(
			array(
				'options'  => $begin['options'],
				'state_id' => $begin['state_id'],
			)
		);
	}

	/**
	 * admin-ajax.php?action=twofa_passkey_register_finish: verify and store the new passkey.
	 */
	public static function ajax_register_finish(): void {
		$user_id = self::ajax_guard();
		// phpcs:disable WordPress.Security.NonceVerification.Missing -- ajax_guard() checked the nonce.
		$state_id = isset( $_POST['state_id'] ) && is_string( $_POST['state_id'] ) ? sanitize_text_field( wp_unslash( $_POST['state_id'] ) ) : '';
		// The credential JSON goes to the extension as sent (it parses and limits it).
		$response = isset( $_POST['response'] ) && is_string( $_POST['response'] ) ? wp_unslash( $_POST['response'] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized
		$name     = isset( $_POST['name'] ) && is_string( $_POST['name'] ) ? sanitize_text_field( wp_unslash( $_POST['name'] ) ) : '';
		// phpcs:enable
		if ( '' === $response || strlen( $response ) > self::MAX_RESPONSE ) {
			self::json_error( new WP_Error( 'twofa_passkey_refused', __( 'The passkey could not be verified. Nothing was saved; please try again.', 'twofa' ) ), 400 );
		}
		$done = Twofa_Passkey_Ceremony::register_finish( $user_id, $state_id, $response, $name );
		if ( is_wp_error( $done ) ) {
			// Not checked (no key) or not decided (the database refused the state's DELETE): a server condition.
			self::json_error( $done, Twofa_Provider::cannot_check( $done ) || Twofa_User_State::is_busy( $done ) ? 503 : 400 );
		}
		$result = Twofa_Configure_Form::result( 'ok', __( 'The passkey was added.', 'twofa' ) );
		if ( ! $done['notified'] ) {
			$result['notes'][] = Twofa_Configure_Form::unnotified_note();
		}
		Twofa_Flash::keep( $user_id, $result );
		wp_send_json_success(
			array(
				'message'  => $result['message'],
				'redirect' => Twofa_Configure_Page::url() . '#twofa-card-' . Twofa_Provider_Passkey::ID,
			)
		);
	}

	/**
	 * The checks of both AJAX requests; answers and exits when one fails.
	 *
	 * @return int The current user's id.
	 */
	private static function ajax_guard(): int {
		$user_id = get_current_user_id();
		if ( $user_id <= 0 || ! current_user_can( Twofa_Configure_Page::CAPABILITY ) ) {
			self::json_error( new WP_Error( 'twofa_forbidden', __( 'You must be logged in to change two-factor settings.', 'twofa' ) ), 403 );
		}
		if ( false === check_ajax_referer( self::nonce_action( $user_id ), '_ajax_nonce', false ) ) {
			self::json_error( new WP_Error( 'twofa_nonce', __( 'The link you followed has expired. Reload the page and try again.', 'twofa' ) ), 403 );
		}
		if ( ! Twofa_Settings::method_enabled( Twofa_Provider_Passkey::ID ) ) {
			self::json_error( new WP_Error( 'twofa_disabled', __( 'This method is not enabled on this site.', 'twofa' ) ), 403 );
		}
		$problem = Twofa_Environment::problem();
		if ( null !== $problem ) {
			self::json_error( new WP_Error( Twofa_Provider::CANNOT_CHECK, __( 'Passkeys are not available on this site right now. Please contact the site owner.', 'twofa' ) ), 503 );
		}
		Twofa_Notifier::reset_last();
		return $user_id;
	}

	/**
	 * A JSON error: the code and the message, nothing else.
	 *
	 * @param WP_Error $error  What went wrong.
	 * @param int      $status HTTP status.
	 */
	private static function json_error( WP_Error $error, int $status ): void {
		wp_send_json_error(
			array(
				'code'    => $error->get_error_code(),
				'message' => $error->get_error_message(),
			),
			$status
		);
	}

	/* ------------------------------------------------------------------ */
	/* Configure 2FA                                                       */
	/* ------------------------------------------------------------------ */

	/**
	 * The card's list and Add form.
	 *
	 * @param int $user_id Current user.
	 */
	public static function card( int $user_id ): void {
		$passkeys = Twofa_Passkeys::list_for_user( $user_id );
		if ( $passkeys ) {
			echo '<table class="widefat striped twofa-passkeys"><thead><tr>';
			echo '<th scope="col">' . esc_html__( 'Name', 'twofa' ) . '</th>';
			echo '<th scope="col">' . esc_html__( 'Created', 'twofa' ) . '</th>';
			echo '<th scope="col">' . esc_html__( 'Last used', 'twofa' ) . '</th>';
			echo '<th scope="col"><span class="screen-reader-text">' . esc_html__( 'Actions', 'twofa' ) . '</span></th>';
			echo '</tr></thead><tbody>';
			foreach ( $passkeys as $passkey ) {
				$args = array( 'passkey' => (string) $passkey['id'] );
				echo '<tr class="twofa-passkey" data-passkey="' . esc_attr( (string) $passkey['id'] ) . '">';
				echo '<td class="twofa-passkey-name">' . esc_html( $passkey['name'] ) . '</td>';
				echo '<td>' . esc_html( self::when( $passkey['created_at'] ) ) . '</td>';
				echo '<td>' . esc_html( self::when( $passkey['last_used_at'] ) ) . '</td>';
				echo '<td>';
				printf(
					'<a class="button-link twofa-passkey-rename" href="%1$s">%2$s</a> | <a class="button-link twofa-passkey-remove" href="%3$s">%4$s</a>',
					esc_url( Twofa_Configure_Page::url( array_merge( Twofa_Configure_Form::step( Twofa_Provider_Passkey::ID, 'rename' ), $args ) ) . '#twofa-card-passkey' ),
					esc_html__( 'Rename', 'twofa' ),
					esc_url( Twofa_Configure_Page::url( array_merge( Twofa_Configure_Form::step( Twofa_Provider_Passkey::ID, 'delete' ), $args ) ) . '#twofa-card-passkey' ),
					esc_html__( 'Remove', 'twofa' )
				);
				echo '</td></tr>';
			}
			echo '</tbody></table>';
		}

		if ( ! Twofa_Passkey_Ceremony::available() ) {
			echo '<p class="twofa-passkey-unavailable description">' . esc_html__( 'Passkeys need this site to be served over HTTPS under a domain name. Ask the site owner to enable HTTPS.', 'twofa' ) . '</p>';
			return;
		}
		?>
		<div class="twofa-passkey-add" data-twofa-passkey="create"
			data-ajax="<?php echo esc_url( admin_url( 'admin-ajax.php' ) ); ?>"
			data-nonce="<?php echo esc_attr( wp_create_nonce( self::nonce_action( $user_id ) ) ); ?>">
			<p>
				<label for="twofa-passkey-name"><?php esc_html_e( 'Name of the new passkey (e.g. "Work laptop"):', 'twofa' ); ?></label><br />
				<input type="text" id="twofa-passkey-name" class="regular-text" maxlength="<?php echo esc_attr( (string) Twofa_Passkeys::NAME_LENGTH ); ?>" autocomplete="off" />
			</p>
			<p>
				<button type="button" class="button button-primary twofa-passkey-add-button" hidden><?php echo esc_html( $passkeys ? __( 'Add another passkey', 'twofa' ) : __( 'Add a passkey', 'twofa' ) ); ?></button>
			</p>
			<p class="twofa-passkey-status" role="status" aria-live="polite"></p>
			<noscript><p class="description"><?php esc_html_e( 'Adding a passkey needs JavaScript: your browser shows its own passkey dialog. Enable JavaScript to add one.', 'twofa' ); ?></p></noscript>
			<p class="description twofa-passkey-unsupported" hidden><?php esc_html_e( 'This browser cannot create passkeys. Try a current version of Chrome, Edge, Firefox or Safari.', 'twofa' ); ?></p>
		</div>
		<?php
	}

	/**
	 * The Rename or Remove form of one passkey.
	 *
	 * @param int                 $user_id Current user.
	 * @param array<string,mixed> $passkey The passkey (list_for_user() row).
	 * @param string              $step    rename | delete.
	 */
	public static function step_form( int $user_id, array $passkey, string $step ): void {
		$id = (string) $passkey['id'];
		echo '<div class="twofa-setup twofa-passkey-' . esc_attr( $step ) . '">';
		if ( 'rename' === $step ) {
			Twofa_Configure_Form::open( 'passkey_rename', $user_id, 'twofa-passkey-rename-form' );
			echo '<input type="hidden" name="passkey_id" value="' . esc_attr( $id ) . '" />';
			echo '<p><label for="twofa-passkey-rename-' . esc_attr( $id ) . '">' . esc_html__( 'New name:', 'twofa' ) . '</label><br />';
			echo '<input type="text" id="twofa-passkey-rename-' . esc_attr( $id ) . '" name="passkey_name" class="regular-text" value="' . esc_attr( (string) $passkey['name'] ) . '" maxlength="' . esc_attr( (string) Twofa_Passkeys::NAME_LENGTH ) . '" required /></p>';
			echo '<p>';
			Twofa_Configure_Form::button( __( 'Rename', 'twofa' ), 'button button-primary' );
		} else {
			Twofa_Configure_Form::open( 'passkey_remove', $user_id, 'twofa-passkey-remove-form' );
			echo '<input type="hidden" name="passkey_id" value="' . esc_attr( $id ) . '" />';
			echo '<p><label><input type="checkbox" name="twofa_confirm_remove" value="1" required /> ';
			/* translators: %s: the passkey's name. */
			echo esc_html( sprintf( __( 'Yes, remove the passkey "%s" from my account.', 'twofa' ), (string) $passkey['name'] ) ) . '</label></p>';
			Twofa_Configure_Form::reauth_fields( $user_id, 'passkey-' . $id );
			echo '<p>';
			Twofa_Configure_Form::button( __( 'Remove', 'twofa' ), 'button button-secondary twofa-button-remove' );
		}
		echo ' <a class="button-link" href="' . esc_url( Twofa_Configure_Page::url() ) . '">' . esc_html__( 'Cancel', 'twofa' ) . '</a></p>';
		echo '</form></div>';
	}

	/**
	 * A time as the site shows it, or "Never".
	 *
	 * @param int $time Unix time (0 = never).
	 */
	private static function when( int $time ): string {
		return $time > 0 ? wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $time ) : __( 'Never', 'twofa' );
	}

	/* ------------------------------------------------------------------ */
	/* Login                                                               */
	/* ------------------------------------------------------------------ */

	/**
	 * The passkey form of the challenge (mode get) or of first-login setup (mode create):
	 * the options and state id for the browser, the code field the script fills, and what
	 * to do without JavaScript or WebAuthn.
	 *
	 * @param array<string,mixed>                       $result  Result of Twofa_Login_Flow.
	 * @param bool                                      $interim Modal login.
	 * @param array{options:string,state_id:string}|WP_Error $begin The ceremony's begin.
	 * @param string                                    $mode    get | create.
	 */
	public static function login_form( array $result, bool $interim, $begin, string $mode ): void {
		$others = 'get' === $mode
			? __( 'Choose another method below.', 'twofa' )
			: __( 'Choose another method to set up instead.', 'twofa' );
		if ( 'get' === $mode && array( Twofa_Provider_Passkey::ID ) === Twofa_Login_Flow::challenge_methods( (int) $result['user_id'] ) ) {
			$others = __( 'Your account has no other method: use a browser that supports passkeys, or ask the site owner to reset your two-factor authentication.', 'twofa' );
		}
		if ( is_wp_error( $begin ) ) {
			Twofa_Login_Screen::error( $begin->get_error_message() . ' ' . $others );
			return;
		}
		echo '<p class="twofa-help">' . esc_html(
			'get' === $mode
				? __( 'Use your passkey: your browser will ask for your fingerprint, face, screen lock or security key.', 'twofa' )
				: __( 'Create a passkey for this site: your browser will ask for your fingerprint, face, screen lock or security key. It becomes your primary method.', 'twofa' )
		) . '</p>';
		Twofa_Login_Screen::form_open( $result, $interim, Twofa_Provider_Passkey::ID, 'twofa-passkey-form', 'loginform' );
		echo '<input type="hidden" name="' . esc_attr( Twofa_Login_Flow::F_DO ) . '" value="verify" />';
		echo '<input type="hidden" name="' . esc_attr( Twofa_Login_Flow::F_CODE ) . '" value="" class="twofa-passkey-code" />';
		echo '<div data-twofa-passkey="' . esc_attr( $mode ) . '" data-options="' . esc_attr( $begin['options'] ) . '" data-state="' . esc_attr( $begin['state_id'] ) . '">';
		if ( 'get' === $mode && Twofa_Login_Flow::CHALLENGE === $result['stage'] ) {
			echo Twofa_Remember_Device::checkbox_html(); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped inside.
		}
		echo '<p class="submit"><button type="button" class="button button-primary button-large twofa-passkey-start" hidden>'
			. esc_html( 'get' === $mode ? __( 'Use your passkey', 'twofa' ) : __( 'Create a passkey', 'twofa' ) ) . '</button></p>';
		echo '<p class="twofa-passkey-status" role="status" aria-live="polite"></p>';
		echo '<noscript><p class="twofa-passkey-nojs">' . esc_html( __( 'Passkeys need JavaScript, which is turned off in this browser.', 'twofa' ) . ' ' . $others ) . '</p></noscript>';
		echo '<p class="twofa-passkey-unsupported" hidden>' . esc_html( __( 'This browser cannot use passkeys (or this page is not served securely).', 'twofa' ) . ' ' . $others ) . '</p>';
		echo '</div></form>';
	}

	/**
	 * The scripts: the shared WebAuthn helper and the page's glue.
	 *
	 * @param string $where configure | login.
	 */
	public static function enqueue( string $where ): void {
		$base = plugins_url( 'assets/js/', TWOFA_PLUGIN_FILE );
		wp_enqueue_script( 'twofa-webauthn', $base . 'twofa-webauthn.js', array(), TWOFA_PLUGIN_VERSION, true );
		wp_enqueue_script( 'twofa-passkey', $base . 'twofa-passkey.js', array( 'twofa-webauthn' ), TWOFA_PLUGIN_VERSION, true );
		wp_localize_script(
			'twofa-passkey',
			'twofaPasskey',
			array(
				'where'     => $where,
				'beginAct'  => self::AJAX_BEGIN,
				'finishAct' => self::AJAX_FINISH,
				'waiting'   => __( 'Follow your browser\'s instructions…', 'twofa' ),
				'cancelled' => __( 'The passkey dialog was closed or timed out. Nothing was changed; try again.', 'twofa' ),
				'failed'    => __( 'Something went wrong. Nothing was changed; reload the page and try again.', 'twofa' ),
			)
		);
	}
}
