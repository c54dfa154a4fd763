<?php
/**
 * Google Authenticator (TOTP, RFC 6238).
 *
 * Over 400 lines on purpose: a provider holds the method's whole life (setup,
 * Configure 2FA handlers, login checks) in one place; its HTML is in
 * class-twofa-totp-screens.php.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The secret is sealed with the site key (context totp:{id}), so a database dump
 * alone yields nothing usable. A new secret waits in _twofa_totp_pending until a
 * code from it verifies; only then does it replace the active one, so
 * Reconfigure never leaves the user without a working authenticator.
 */
class Twofa_Provider_Totp extends Twofa_Provider {

	// User meta (docs/CONTRACTS.md).
	const SECRET    = '_twofa_totp_secret';    // Sealed base32 secret; present = configured.
	const LAST_STEP = '_twofa_totp_last_step'; // Last accepted time step (replay guard).
	const PENDING   = '_twofa_totp_pending';   // A new secret waiting for its first code.

	/**
	 * How long a pending (not yet verified) secret stays usable, in seconds.
	 */
	const PENDING_TTL = 900;

	/**
	 * Anything longer cannot be a code; refused before it reaches the extension.
	 */
	const MAX_INPUT = 32;

	/**
	 * Method id.
	 */
	public function id(): string {
		return 'totp';
	}

	/**
	 * Card title.
	 */
	public function label(): string {
		return __( 'Google Authenticator', 'twofa' );
	}

	/**
	 * Card description.
	 */
	public function description(): string {
		return __( 'Use a 6-digit code from an authenticator app on your phone (Google Authenticator, Microsoft Authenticator, Authy and others).', 'twofa' );
	}

	/**
	 * The row that decides "configured".
	 */
	public function configured_key(): string {
		return self::SECRET;
	}

	/**
	 * Every key of this method (active and pending secret, replay guard).
	 *
	 * @return string[]
	 */
	public function meta_keys(): array {
		return array( self::SECRET, self::LAST_STEP, self::PENDING );
	}

	/**
	 * A current authenticator code can stand in for the password before a removal.
	 */
	public function reauth_prompt(): ?string {
		return __( 'or a current code from your authenticator app:', 'twofa' );
	}

	/**
	 * The last accepted time step, -1 if none.
	 *
	 * @param int $user_id User ID.
	 */
	public function last_step( int $user_id ): int {
		return Twofa_User_State::last_step( $user_id, self::LAST_STEP );
	}

	/**
	 * Starts Configure/Reconfigure: a new secret, sealed in the pending slot.
	 *
	 * @param int $user_id User ID.
	 * @return string The base32 secret to show the user (QR code and text).
	 * @throws Twofa\Exception When the extension or key cannot seal.
	 */
	public function begin_setup( int $user_id ): string {
		$secret = (string) twofa_totp_secret();
		Twofa_User_State::set_json(
			$user_id,
			self::PENDING,
			array(
				'sealed'  => (string) twofa_seal( $secret, self::pending_context( $user_id ) ),
				'expires' => Twofa_Clock::now() + self::PENDING_TTL,
			)
		);
		return $secret;
	}

	/**
	 * The pending secret if there is one that has not expired.
	 *
	 * @param int $user_id User ID.
	 */
	public function pending_secret( int $user_id ): ?string {
		$pending = Twofa_User_State::get_json( $user_id, self::PENDING );
		if ( empty( $pending['sealed'] ) || ! is_string( $pending['sealed'] ) || ! isset( $pending['expires'] ) ) {
			return null;
		}
		if ( (int) $pending['expires'] <= Twofa_Clock::now() ) {
			return null;
		}
		return self::open( $pending['sealed'], self::pending_context( $user_id ) );
	}

	/**
	 * Seconds until the pending secret expires (0 when there is none).
	 *
	 * @param int $user_id User ID.
	 */
	public function pending_expires_in( int $user_id ): int {
		$pending = Twofa_User_State::get_json( $user_id, self::PENDING );
		return isset( $pending['expires'] ) ? max( 0, (int) $pending['expires'] - Twofa_Clock::now() ) : 0;
	}

	/**
	 * Drops a pending secret (Cancel).
	 *
	 * @param int $user_id User ID.
	 */
	public function cancel_setup( int $user_id ): void {
		delete_user_meta( $user_id, self::PENDING );
	}

	/**
	 * Checks a code from the pending secret; on success the pending secret becomes
	 * the active one and the code's step is recorded, so it cannot be replayed at login.
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    What the user typed.
	 * @return true|WP_Error
	 */
	public function verify_setup( int $user_id, string $code ) {
		$code = self::normalize( $code );
		if ( null === $code ) {
			return self::format_error();
		}
		wp_cache_delete( $user_id, 'user_meta' );
		$raw = get_user_meta( $user_id, self::PENDING, true );
		if ( ! is_string( $raw ) || '' === $raw ) {
			return new WP_Error( 'twofa_totp_no_setup', __( 'There is no authenticator setup in progress. Click Configure to start again.', 'twofa' ) );
		}
		$secret = $this->pending_secret( $user_id );
		if ( null === $secret ) {
			return new WP_Error( 'twofa_totp_setup_expired', __( 'This setup has expired. Click Configure to get a new QR code.', 'twofa' ) );
		}
		try {
			$step = twofa_totp_verify( $secret, $code, Twofa_Clock::now(), -1 );
		} catch ( Throwable $e ) {
			return self::unavailable();
		}
		if ( false === $step ) {
			return new WP_Error( 'twofa_totp_wrong', __( 'That code is not right. Check that the time on your phone is correct and enter the current 6-digit code.', 'twofa' ) );
		}
		try {
			$sealed = (string) twofa_seal( $secret, self::active_context( $user_id ) );
		} catch ( Throwable $e ) {
			return self::unavailable();
		}
		// Consuming the exact pending value we read makes activation single-use,
		// even when two requests carry the same code at the same moment.
		$consumed = Twofa_User_State::consume( $user_id, self::PENDING, $raw );
		if ( null === $consumed ) {
			return Twofa_User_State::busy_error();
		}
		if ( ! $consumed ) {
			return new WP_Error( 'twofa_totp_no_setup', __( 'This setup was already completed or replaced. Reload the page.', 'twofa' ) );
		}
		$replaced = $this->is_configured( $user_id );
		update_user_meta( $user_id, self::SECRET, $sealed );
		update_user_meta( $user_id, self::LAST_STEP, (string) (int) $step );
		Twofa_User_State::mark_configured( $user_id, $this->id() );
		Twofa_Method_Change::activated( $user_id, $this->id(), $replaced );
		return true;
	}

	/**
	 * Checks a login code against the active secret and consumes its time step.
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    What the user typed.
	 * @return true|WP_Error
	 */
	public function verify_login_code( int $user_id, string $code ) {
		$code = self::normalize( $code );
		if ( null === $code ) {
			return self::format_error();
		}
		Twofa_User_State::fresh( $user_id );
		if ( '' === (string) get_user_meta( $user_id, self::SECRET, true ) ) {
			return new WP_Error( 'twofa_totp_not_configured', __( 'Google Authenticator is not set up for this account.', 'twofa' ) );
		}
		$secret = $this->secret( $user_id );
		if ( null === $secret ) {
			return self::unavailable();
		}
		$now  = Twofa_Clock::now();
		$last = Twofa_User_State::last_step( $user_id, self::LAST_STEP );
		try {
			$step = twofa_totp_verify( $secret, $code, $now, $last );
			// A refusal may be a replay: the same code without the replay guard tells which.
			$any = false === $step ? twofa_totp_verify( $secret, $code, $now, -1 ) : false;
		} catch ( Throwable $e ) {
			return self::unavailable();
		}
		if ( false === $step ) {
			if ( false !== $any ) {
				return self::used_error();
			}
			return new WP_Error( 'twofa_totp_wrong', __( 'That code is not right. Enter the current 6-digit code from your authenticator app.', 'twofa' ) );
		}
		$won = Twofa_User_State::advance_step( $user_id, self::LAST_STEP, (int) $step );
		if ( null === $won ) {
			// The database refused the step (e.g. another server won it): not spent, not passed.
			return Twofa_User_State::busy_error();
		}
		if ( ! $won ) {
			// Another request accepted this step (or a later one) first.
			return self::used_error();
		}
		Twofa_User_State::mark_used( $user_id, $this->id() );
		return true;
	}

	/**
	 * The active secret, or null if none or it cannot be opened.
	 *
	 * @param int $user_id User ID.
	 */
	public function secret( int $user_id ): ?string {
		$sealed = get_user_meta( $user_id, self::SECRET, true );
		if ( ! is_string( $sealed ) || '' === $sealed ) {
			return null;
		}
		return self::open( $sealed, self::active_context( $user_id ) );
	}

	/**
	 * The otpauth:// URI for a secret, labelled with the account and the site.
	 *
	 * @param int    $user_id User ID.
	 * @param string $secret  Base32 secret.
	 * @throws Twofa\Exception When the secret is invalid.
	 */
	public function uri( int $user_id, string $secret ): string {
		$user    = get_userdata( $user_id );
		$account = $user ? (string) $user->user_login : (string) $user_id;
		$issuer  = wp_specialchars_decode( (string) get_bloginfo( 'name' ), ENT_QUOTES );
		if ( '' === trim( $issuer ) ) {
			$issuer = (string) wp_parse_url( home_url(), PHP_URL_HOST );
		}
		// Any title and login work (the extension percent-encodes them); long ones are
		// shortened so the URI still fits a QR code (docs/CONTRACTS.md, otpauth URIs).
		return (string) twofa_totp_uri( $secret, self::shorten( $account ), self::shorten( $issuer ) );
	}

	/**
	 * At most 64 characters of a label part, cut on a character boundary.
	 *
	 * @param string $text UTF-8 text.
	 */
	private static function shorten( string $text ): string {
		if ( strlen( $text ) <= 64 ) {
			return $text;
		}
		return function_exists( 'mb_substr' ) ? (string) mb_substr( $text, 0, 64, 'UTF-8' ) : substr( $text, 0, 64 );
	}

	/* ------------------------------------------------------------------ */
	/* Configure 2FA                                                       */
	/* ------------------------------------------------------------------ */

	/**
	 * Begin (Configure/Reconfigure), verify the first code, cancel.
	 *
	 * @return string[]
	 */
	public function configure_actions(): array {
		return array( $this->id() . '_begin', $this->id() . '_verify', $this->id() . '_cancel' );
	}

	/**
	 * Handles one Configure 2FA action.
	 *
	 * @param string              $action  One of configure_actions().
	 * @param int                 $user_id Current user.
	 * @param array<string,mixed> $post    Unslashed form fields.
	 * @return array A Twofa_Configure_Form::result().
	 */
	public function handle_action( string $action, int $user_id, array $post ): array {
		switch ( substr( $action, strlen( $this->id() ) + 1 ) ) {
			case 'begin':
				try {
					$this->begin_setup( $user_id );
				} catch ( Throwable $e ) {
					return Twofa_Configure_Form::result( 'error', __( 'A new key could not be created. Please contact the site administrator.', 'twofa' ) );
				}
				return Twofa_Configure_Form::result( 'ok', '', Twofa_Configure_Form::step( $this->id(), 'setup' ) );

			case 'verify':
				$ok = $this->verify_setup( $user_id, Twofa_Configure_Form::code( $post ) );
				if ( true !== $ok ) {
					$args = in_array( $ok->get_error_code(), array( 'twofa_totp_setup_expired', 'twofa_totp_no_setup' ), true ) ? array() : Twofa_Configure_Form::step( $this->id(), 'setup' );
					return Twofa_Configure_Form::result( 'error', $ok->get_error_message(), $args );
				}
				return Twofa_Configure_Form::added_result( $this );

			case 'cancel':
				$this->cancel_setup( $user_id );
				return Twofa_Configure_Form::result( 'ok', __( 'Setup cancelled. Nothing was changed.', 'twofa' ) );
		}
		return parent::handle_action( $action, $user_id, $post );
	}

	/**
	 * Configure / Reconfigure starts a new secret at once (a post, not a link).
	 *
	 * @param int  $user_id    Current user.
	 * @param bool $configured Whether the method is configured.
	 */
	public function render_configure_button( int $user_id, bool $configured ): void {
		Twofa_Configure_Form::post_button( $this->id() . '_begin', $user_id, $configured );
	}

	/**
	 * The setup step of the card.
	 *
	 * @param int    $user_id Current user.
	 * @param string $step    Step from the URL.
	 */
	public function render_setup( int $user_id, string $step ): bool {
		if ( 'setup' !== $step ) {
			return false;
		}
		Twofa_Totp_Screens::configure_setup( $this, $user_id );
		return true;
	}

	/* ------------------------------------------------------------------ */
	/* Login                                                               */
	/* ------------------------------------------------------------------ */

	/**
	 * First-login setup chosen: a pending secret (a reload keeps the QR code already scanned).
	 *
	 * @param array<string,mixed> $out The result so far.
	 * @return array<string,mixed>
	 */
	public function begin_login_setup( array $out ): array {
		$user_id       = (int) $out['user_id'];
		$out['secret'] = $this->pending_secret( $user_id ) ?? $this->begin_setup( $user_id );
		return $out;
	}

	/**
	 * Adds the pending secret to the setup screen; without one (expired) the user
	 * goes back to choosing a method.
	 *
	 * @param array<string,mixed> $out The result so far.
	 * @return array<string,mixed>
	 */
	public function prepare_login_setup( array $out ): array {
		if ( 'form' === $out['outcome'] && Twofa_Login_Flow::SETUP === $out['stage'] ) {
			$secret = $this->pending_secret( (int) $out['user_id'] );
			if ( null === $secret ) {
				$out['method'] = '';
			} else {
				$out['secret'] = $secret;
			}
		}
		return $out;
	}

	/**
	 * The challenge: help text and the code form.
	 *
	 * @param array<string,mixed> $result  Result of Twofa_Login_Flow.
	 * @param bool                $interim Modal login.
	 */
	public function render_challenge( array $result, bool $interim ): void {
		echo '<p class="twofa-help">' . esc_html__( 'Enter the 6-digit code from your authenticator app.', 'twofa' ) . '</p>';
		parent::render_challenge( $result, $interim );
	}

	/**
	 * First-login setup: QR code, key as text, code form.
	 *
	 * @param array<string,mixed> $result  Result of Twofa_Login_Flow.
	 * @param bool                $interim Modal login.
	 */
	public function render_login_setup( array $result, bool $interim ): void {
		Twofa_Totp_Screens::login_setup( $this, $result, $interim );
	}

	/**
	 * Sealing context of the active secret.
	 *
	 * @param int $user_id User ID.
	 */
	public static function active_context( int $user_id ): string {
		return 'totp:' . $user_id;
	}

	/**
	 * Sealing context of the pending secret.
	 *
	 * @param int $user_id User ID.
	 */
	public static function pending_context( int $user_id ): string {
		return 'totp-pending:' . $user_id;
	}

	/**
	 * The six digits of what the user typed, or null. Only ASCII digits with
	 * ASCII spaces, as authenticator apps show codes ("123 456"), are accepted:
	 * nothing is trimmed or stripped first, so NUL, tabs, newlines and dashes
	 * are refused (the extension's twofa_parse_code(), docs/CONTRACTS.md).
	 *
	 * @param string $code Raw input, exactly as posted (unslashed only).
	 */
	public static function normalize( string $code ): ?string {
		if ( strlen( $code ) > self::MAX_INPUT || ! function_exists( 'twofa_parse_code' ) ) {
			return null;
		}
		$parsed = twofa_parse_code( $code );
		return is_string( $parsed ) && preg_match( '/^[0-9]{6}$/D', $parsed ) ? $parsed : null;
	}

	/**
	 * Opens a sealed value; null when it is damaged, of another context, or the key is missing.
	 *
	 * @param string $sealed  Sealed text.
	 * @param string $context Context it was sealed under.
	 */
	private static function open( string $sealed, string $context ): ?string {
		if ( ! function_exists( 'twofa_open' ) ) {
			return null;
		}
		try {
			return (string) twofa_open( $sealed, $context );
		} catch ( Throwable $e ) {
			return null;
		}
	}

	/**
	 * The error for input that is not 6 digits.
	 */
	private static function format_error(): WP_Error {
		return new WP_Error( 'twofa_code_format', __( 'Enter the 6-digit code from your authenticator app.', 'twofa' ) );
	}

	/**
	 * The error for a code whose time step was already accepted.
	 */
	private static function used_error(): WP_Error {
		return new WP_Error( 'twofa_totp_used', __( 'That code has already been used. Wait for the next code in your app and enter it.', 'twofa' ) );
	}

	/**
	 * The error when the extension or key cannot do its part (fail closed).
	 */
	private static function unavailable(): WP_Error {
		return new WP_Error( 'twofa_unavailable', __( 'Two-factor authentication is not available on this server right now. Please contact the site administrator.', 'twofa' ) );
	}
}
