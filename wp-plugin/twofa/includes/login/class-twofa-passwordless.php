<?php
/**
 * "Log in with a passkey" on wp-login.php: a full session from a passkey alone.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Passwordless login (the `passwordless` setting, off by default). The passkey is a
 * multi-factor cryptographic authenticator: something the user has (the device holding
 * the private key) unlocked by something they know or are (user verification, required
 * by the extension), so it stands in for the password and the second step together.
 *
 * Two POST requests to wp-login.php?action=twofa_passwordless:
 * 1. begin (fetch from the login page): twofa_passkey_passwordless_begin() with no
 *    allowed credentials; the sealed state goes to the ceremonies table under its random
 *    state_id, and the state_id to the browser only in an HttpOnly, SameSite=Strict cookie
 *    — so a page of another site cannot post someone else's assertion into this browser's
 *    login (login CSRF), and the state is bound to the browser that began.
 * 2. finish (a form post with the assertion): the state is taken from the table (one
 *    DELETE: a state passes once, a failed finish uses it up too), the credential id the
 *    response names finds the user, twofa_passkey_passwordless_finish() verifies it against
 *    that user's records, and the stored record is replaced by one conditional UPDATE on
 *    the old value (two finishes racing with one counter value cannot both pass).
 *
 * Every refusal with a known credential counts in the account's back-off and lockout,
 * like a wrong code; an unknown credential gets the same message and counts nowhere.
 * Nothing is stored in PHP memory or files between the two requests, so they may be
 * served by different PHP servers.
 */
final class Twofa_Passwordless {

	/**
	 * The wp-login.php action of both requests.
	 */
	const ACTION = 'twofa_passwordless';

	/**
	 * Cookie holding the state_id between begin and finish.
	 */
	const COOKIE = 'twofa_passkey_login';

	/**
	 * Form fields.
	 */
	const F_DO       = 'twofa_do';
	const F_RESPONSE = 'twofa_response';

	/**
	 * The method id the login is recorded under.
	 */
	const METHOD = Twofa_Provider_Passkey::ID;

	/**
	 * Whether the site offers passwordless login: the setting, the passkey method, a
	 * working extension and key, and an address passkeys work on (HTTPS, or localhost).
	 */
	public static function enabled(): bool {
		return Twofa_Settings::is_on( Twofa_Login_Hooks::PASSWORDLESS_SETTING )
			&& Twofa_Settings::method_enabled( self::METHOD )
			&& Twofa_Environment::ready()
			&& Twofa_Passkey_Ceremony::available();
	}

	/**
	 * The button under the password form (login_form runs inside it: the button does not
	 * submit it, the script posts its own form). Hidden until the script finds WebAuthn.
	 */
	public static function render_button(): void {
		// The setting first: with it off (the default) the login page loads no other class of ours.
		if ( ! self::enabled() || Twofa_Login::is_interim() ) {
			return;
		}
		wp_enqueue_style( 'twofa-login', plugins_url( 'assets/login.css', TWOFA_PLUGIN_FILE ), array( 'login' ), TWOFA_PLUGIN_VERSION );
		wp_enqueue_script( 'twofa-webauthn', plugins_url( 'assets/js/twofa-webauthn.js', TWOFA_PLUGIN_FILE ), array(), TWOFA_PLUGIN_VERSION, true );
		wp_enqueue_script( 'twofa-passwordless', plugins_url( 'assets/js/twofa-passwordless.js', TWOFA_PLUGIN_FILE ), array( 'twofa-webauthn' ), TWOFA_PLUGIN_VERSION, true );
		printf(
			'<div id="twofa-passwordless" class="twofa-passwordless" data-action="%1$s" data-unsupported="%2$s" data-cancelled="%3$s" data-failed="%4$s">'
			. '<p class="twofa-passwordless-or">%5$s</p>'
			. '<button type="button" class="button button-large twofa-passwordless-button" hidden>%6$s</button>'
			. '<p class="twofa-passwordless-status" role="status" aria-live="polite"></p></div>',
			esc_url( self::url() ),
			esc_attr__( 'This browser cannot use passkeys here: log in with your password.', 'twofa' ),
			esc_attr__( 'No passkey was used. Try again, or log in with your password.', 'twofa' ),
			esc_attr__( 'Logging in with a passkey is not available right now: log in with your password.', 'twofa' ),
			esc_html__( 'or', 'twofa' ),
			esc_html__( 'Log in with a passkey', 'twofa' )
		);
	}

	/**
	 * The endpoint's address.
	 */
	public static function url(): string {
		return add_query_arg( 'action', self::ACTION, site_url( 'wp-login.php', 'login_post' ) );
	}

	/**
	 * wp-login.php?action=twofa_passwordless: begin (JSON) or finish (a page or a redirect).
	 */
	public static function on_request(): void {
		nocache_headers();
		$is_post = isset( $_SERVER['REQUEST_METHOD'] ) && 'POST' === strtoupper( sanitize_text_field( wp_unslash( $_SERVER['REQUEST_METHOD'] ) ) );
		// The state cookie (HttpOnly, SameSite=Strict, random) is the CSRF token; there is no session yet.
		$do = $is_post && isset( $_POST[ self::F_DO ] ) && is_string( $_POST[ self::F_DO ] ) ? sanitize_key( wp_unslash( $_POST[ self::F_DO ] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Missing
		if ( 'begin' === $do ) {
			$out = self::begin();
			self::set_state_cookie( (string) ( $out['state_id'] ?? '' ), (int) ( $out['expires_at'] ?? 0 ) );
			wp_send_json( isset( $out['options'] ) ? array( 'options' => $out['options'] ) : array( 'message' => $out['message'] ), $out['status'] );
		}
		if ( 'finish' === $do ) {
			$state_id = isset( $_COOKIE[ self::COOKIE ] ) && is_string( $_COOKIE[ self::COOKIE ] ) ? sanitize_text_field( wp_unslash( $_COOKIE[ self::COOKIE ] ) ) : '';
			self::set_state_cookie( '', 0 );
			$response = isset( $_POST[ self::F_RESPONSE ] ) && is_string( $_POST[ self::F_RESPONSE ] ) ? wp_unslash( $_POST[ self::F_RESPONSE ] ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Missing,WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- JSON checked by the extension.
			$result   = self::finish( $state_id, $response, Twofa_Login::requested_redirect(), ! empty( $_POST['rememberme'] ) ); // phpcs:ignore WordPress.Security.NonceVerification.Missing
			if ( 'success' === $result['outcome'] ) {
				// Returns only when the session could not be stored.
				$kept   = Twofa_Login::finish( $result, array() );
				$result = array(
					'error'       => (string) $kept['error'],
					'status'      => 503,
					'redirect_to' => (string) $result['redirect_to'],
				);
			}
			self::render_refusal( $result );
			exit;
		}
		self::render_refusal( array( 'error' => __( 'Logging in with a passkey starts on the login page.', 'twofa' ), 'status' => 400, 'redirect_to' => '' ) );
		exit;
	}

	/**
	 * Starts a ceremony.
	 *
	 * @return array{status:int, options?:string, state_id?:string, expires_at?:int, message?:string}
	 */
	public static function begin(): array {
		if ( ! self::enabled() ) {
			return array(
				'status'  => 403,
				'message' => __( 'Logging in with a passkey is turned off on this site.', 'twofa' ),
			);
		}
		$unavailable = array(
			'status'  => 503,
			'message' => __( 'Logging in with a passkey is not available right now: log in with your password.', 'twofa' ),
		);
		try {
			$rp    = Twofa_Passkey_Ceremony::relying_party();
			$begun = twofa_passkey_passwordless_begin( $rp['rp_id'], $rp['origin'], Twofa_Clock::now() );
		} catch ( Throwable $e ) {
			return $unavailable;
		}
		if ( ! Twofa_Passkey_Ceremonies::store( (string) $begun['state_id'], 0, Twofa_Passkey_Ceremonies::PASSWORDLESS, (string) $begun['state'], (int) $begun['expires_at'] ) ) {
			return $unavailable;
		}
		return array(
			'status'     => 200,
			'options'    => (string) $begun['options'],
			'state_id'   => (string) $begun['state_id'],
			'expires_at' => (int) $begun['expires_at'],
		);
	}

	/**
	 * Finishes a ceremony: decides whether the assertion logs someone in. Prints nothing.
	 *
	 * @param string $state_id    From the state cookie.
	 * @param string $response    The browser's assertion (PublicKeyCredential JSON).
	 * @param string $redirect_to Local URL for after the login ('' = default).
	 * @param bool   $remember    Remember me.
	 * @return array<string,mixed> outcome (success|refused), user_id, error, status, and for
	 *         Twofa_Login::finish() remember, redirect_to, configure_step, method, stage, event_details.
	 */
	public static function finish( string $state_id, string $response, string $redirect_to, bool $remember ): array {
		$out = array(
			'outcome'        => 'refused',
			'user_id'        => 0,
			'error'          => '',
			'status'         => 403,
			'redirect_to'    => $redirect_to,
			'remember'       => $remember,
			'configure_step' => array(),
			'method'         => self::METHOD,
			'stage'          => 'passwordless',
			'event_details'  => array( 'passwordless' => true ),
		);
		if ( ! self::enabled() ) {
			$out['error'] = __( 'Logging in with a passkey is turned off on this site.', 'twofa' );
			return $out;
		}
		// Taken first: whatever happens next, this state has had its one finish.
		// The state was written by the begin request, maybe on another database node.
		Twofa_User_State::causal_reads();
		$state = Twofa_Passkey_Ceremonies::take( $state_id, Twofa_Passkey_Ceremonies::PASSWORDLESS, 0 );
		if ( is_wp_error( $state ) ) {
			// The database refused: nothing was decided or counted.
			$out['error']  = $state->get_error_message();
			$out['status'] = 503;
			return $out;
		}
		$generic = __( 'That passkey could not be used to log in here. Try again, or log in with your password.', 'twofa' );
		try {
			$ids     = twofa_passkey_response_ids( $response );
			$user_id = Twofa_Passkeys::user_for_credential( (string) $ids['credential_id'] );
		} catch ( Throwable $e ) {
			$user_id = 0;
		}
		$user = $user_id > 0 ? get_userdata( $user_id ) : false;
		if ( ! $user || ! in_array( self::METHOD, Twofa_User_State::usable_methods( $user_id ), true ) ) {
			// An unknown credential (or one whose account cannot use passkeys now): nobody to count against.
			$out['error'] = null === $state ? self::expired_message() : $generic;
			return $out;
		}
		$out['user_id'] = $user_id;
		// While locked (or backing off) nothing is checked and nothing more is counted.
		$locked = Twofa_Lockout::locked_for( $user_id );
		if ( $locked > 0 ) {
			$out['error'] = Twofa_Lockout::lock_message( $locked );
			return $out;
		}
		$wait = Twofa_Lockout::backoff_remaining( $user_id );
		if ( $wait > 0 ) {
			$out['error'] = Twofa_Lockout::backoff_message( $wait );
			return $out;
		}

		if ( null === $state ) {
			// A state used before (a replay) or never issued: refused and counted.
			Twofa_Lockout::record_failure( $user, new WP_Error( 'twofa_passkey_state', self::expired_message() ), self::METHOD );
			$out['error'] = self::expired_message();
			return $out;
		}

		$by_credential = Twofa_Passkeys::records_by_credential( $user_id );
		try {
			$done          = twofa_passkey_passwordless_finish( $state, $response, $user_id, array_values( $by_credential ), Twofa_Clock::now() );
			$credential_id = (string) $done['credential_id'];
			$ok            = hash_equals( $state_id, (string) $done['state_id'] ) && isset( $by_credential[ $credential_id ] )
				? Twofa_Passkeys::replace_record( $user_id, $credential_id, $by_credential[ $credential_id ], (string) $done['record'], Twofa_Clock::now() )
				: false;
		} catch ( Twofa\KeyException $e ) {
			$out['error']  = Twofa_Provider::misconfigured_message();
			$out['status'] = 503;
			return $out;
		} catch ( Throwable $e ) {
			$ok = false;
		}
		if ( null === $ok ) {
			// The database refused the record's update: not a failure of the user's, nothing counted.
			$out['error']  = Twofa_User_State::busy_error()->get_error_message();
			$out['status'] = 503;
			return $out;
		}
		if ( ! $ok ) {
			$failure      = Twofa_Lockout::record_failure( $user, new WP_Error( 'twofa_passkey_refused', $generic ), self::METHOD );
			$out['error'] = $failure['locked_for'] > 0 ? Twofa_Lockout::lock_message( $failure['locked_for'] ) : $generic;
			return $out;
		}

		Twofa_Lockout::reset( $user_id );
		Twofa_User_State::mark_used( $user_id, self::METHOD );
		// The login_passed event is recorded by Twofa_Login::finish() once the session is stored.
		$out['outcome'] = 'success';
		$out['status']  = 200;
		return $out;
	}

	/**
	 * The refusal of a state that is gone (used, expired and purged, or never issued).
	 */
	private static function expired_message(): string {
		return __( 'This passkey login has expired or was already used. Try again.', 'twofa' );
	}

	/**
	 * Sets (or, with '', deletes) the state cookie: HttpOnly, SameSite=Strict, until the state expires.
	 *
	 * @param string $state_id   The ceremony's state id ('' to delete).
	 * @param int    $expires_at Unix time.
	 */
	private static function set_state_cookie( string $state_id, int $expires_at ): void {
		if ( headers_sent() || ( '' === $state_id && ! isset( $_COOKIE[ self::COOKIE ] ) ) ) {
			return;
		}
		setcookie(
			self::COOKIE,
			$state_id,
			array(
				'expires'  => '' === $state_id ? time() - YEAR_IN_SECONDS : $expires_at,
				'path'     => SITECOOKIEPATH,
				'secure'   => is_ssl(),
				'httponly' => true,
				'samesite' => 'Strict',
			)
		);
	}

	/**
	 * The page of a refused finish: the reason and the way back to the login.
	 *
	 * @param array<string,mixed> $result error, status, redirect_to.
	 */
	private static function render_refusal( array $result ): void {
		status_header( (int) $result['status'] );
		wp_enqueue_style( 'twofa-login', plugins_url( 'assets/login.css', TWOFA_PLUGIN_FILE ), array( 'login' ), TWOFA_PLUGIN_VERSION );
		login_header( __( 'Log in with a passkey', 'twofa' ) );
		Twofa_Login_Screen::error( (string) $result['error'] );
		echo '<p id="nav"><a href="' . esc_url( wp_login_url( (string) $result['redirect_to'] ) ) . '">' . esc_html__( 'Back to the login', 'twofa' ) . '</a></p>';
		login_footer();
	}
}
