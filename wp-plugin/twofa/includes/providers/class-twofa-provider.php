<?php
/**
 * What every second-factor method provides.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * A 2FA method ("Google Authenticator", "OTP over Email"). Everything that is
 * particular to one method lives in its provider: the screens (Configure 2FA,
 * the login challenge, setup at first login), the login flow, the services and
 * `wp twofa` reach a method only through this class and the registry
 * (Twofa_Providers). docs/DESIGN.md, "Adding a method", walks through it.
 *
 * Results of Configure 2FA handlers are Twofa_Configure_Form::result() arrays;
 * login hooks receive and return Twofa_Login_Flow result arrays.
 */
abstract class Twofa_Provider {

	/**
	 * The error code of "the code could not be checked" (extension or key missing,
	 * a sealed secret that does not open under the current key). It never counts
	 * as a wrong code.
	 */
	const CANNOT_CHECK = 'twofa_unavailable';

	/**
	 * Whether a check's result means "cannot check" rather than "wrong".
	 *
	 * @param mixed $result A provider's check result (true or WP_Error).
	 */
	public static function cannot_check( $result ): bool {
		return is_wp_error( $result ) && self::CANNOT_CHECK === $result->get_error_code();
	}

	/**
	 * What the user is told when the code could not be checked.
	 */
	public static function misconfigured_message(): string {
		return __( 'This site\'s two-factor authentication is misconfigured, so your code could not be checked. It was not counted as a wrong code. Please contact the site owner.', 'twofa' );
	}

	/* ------------------------------------------------------------------ */
	/* Identity and kind                                                   */
	/* ------------------------------------------------------------------ */

	/**
	 * Method id used in meta, settings, URLs, the CLI and the sidecar's JSON (lower case, a-z0-9_).
	 */
	abstract public function id(): string;

	/**
	 * The card title, e.g. "Google Authenticator".
	 */
	abstract public function label(): string;

	/**
	 * The method's name in a list of a user's methods (the Users column), e.g. with a count.
	 *
	 * @param int $user_id User ID.
	 */
	public function summary_label( int $user_id ): string {
		return $this->label();
	}

	/**
	 * One sentence for the card and the first-login choice.
	 */
	abstract public function description(): string;

	/**
	 * Whether the method may be the primary one (offered at first-login setup and by "Set as primary").
	 */
	public function can_be_primary(): bool {
		return ! $this->is_backup_only();
	}

	/**
	 * A backup only (e.g. backup codes): never the only method, never primary, and
	 * not counted for "has 2FA"; configuring it requires a primary-capable method.
	 */
	public function is_backup_only(): bool {
		return false;
	}

	/**
	 * Order of the challenge: the configured method with the lowest number opens
	 * first, the primary method winning a tie (so a phishing-resistant method can
	 * come before the primary one). Backups should use a high number.
	 */
	public function challenge_priority(): int {
		return 10;
	}

	/* ------------------------------------------------------------------ */
	/* State                                                               */
	/* ------------------------------------------------------------------ */

	/**
	 * The meta key whose row decides "configured" (docs/CONTRACTS.md, "Has 2FA").
	 */
	abstract public function configured_key(): string;

	/**
	 * Every user meta key this method writes (removal, reset and uninstall delete them).
	 *
	 * @return string[]
	 */
	abstract public function meta_keys(): array;

	/**
	 * Whether the user has configured this method: the one rule of
	 * Twofa_User_State::is_configured_value() applied to configured_key().
	 *
	 * @param int $user_id User ID.
	 */
	final public function is_configured( int $user_id ): bool {
		return Twofa_User_State::is_configured_value( get_user_meta( $user_id, $this->configured_key(), true ) );
	}

	/**
	 * Removes the method's own data from the user. Callers go through
	 * Twofa_User_State::remove_method() (which also moves the primary) or the
	 * Twofa_Method_Removal service (sessions, notice).
	 *
	 * @param int $user_id User ID.
	 */
	public function remove( int $user_id ): void {
		foreach ( $this->meta_keys() as $key ) {
			delete_user_meta( $user_id, $key );
		}
	}

	/**
	 * Extra fields for `wp twofa status` (field => scalar, or a list of strings); never a
	 * secret or a code.
	 *
	 * @param int $user_id User ID.
	 * @return array<string,scalar|string[]|null>
	 */
	public function status_fields( int $user_id ): array {
		return array();
	}

	/* ------------------------------------------------------------------ */
	/* Configure 2FA                                                       */
	/* ------------------------------------------------------------------ */

	/**
	 * The twofa_action values this method handles on Configure 2FA (each checked
	 * for its own nonce by the page before handle_action() runs).
	 *
	 * @return string[]
	 */
	public function configure_actions(): array {
		return array();
	}

	/**
	 * The configure_actions() that replace the method when it is already
	 * configured (Reconfigure): the page asks for re-authentication first, as
	 * for a removal (default: "{id}_verify").
	 *
	 * @return string[]
	 */
	public function replacing_actions(): array {
		return array( $this->id() . '_verify' );
	}

	/**
	 * The Configure 2FA step to return to when that re-authentication fails.
	 */
	public function reauth_step(): string {
		return 'setup';
	}

	/**
	 * Handles one of configure_actions() for the current user (nonce, capability,
	 * user and environment already checked; the method is enabled).
	 *
	 * @param string              $action  One of configure_actions().
	 * @param int                 $user_id Current user.
	 * @param array<string,mixed> $post    Unslashed form fields.
	 * @return array A Twofa_Configure_Form::result().
	 */
	public function handle_action( string $action, int $user_id, array $post ): array {
		return Twofa_Configure_Form::result( 'forbidden', __( 'Unknown action.', 'twofa' ) );
	}

	/**
	 * Content the card always shows below its description (e.g. a list of the user's keys).
	 *
	 * @param int $user_id Current user.
	 */
	public function render_card_body( int $user_id ): void {
	}

	/**
	 * The card's Configure / Reconfigure control.
	 *
	 * @param int  $user_id    Current user.
	 * @param bool $configured Whether the method is configured.
	 */
	public function render_configure_button( int $user_id, bool $configured ): void {
		Twofa_Configure_Form::link_button( $this->id(), 'setup', $configured );
	}

	/**
	 * The open step of the card (its setup screen).
	 *
	 * @param int    $user_id Current user.
	 * @param string $step    Step from the URL (sanitized; may be anything).
	 * @return bool Whether a step was shown.
	 */
	public function render_setup( int $user_id, string $step ): bool {
		return false;
	}

	/**
	 * A prompt for the re-authentication field when this method can stand in for
	 * the password before a removal (e.g. "or a current code from your
	 * authenticator app:"), or null.
	 */
	public function reauth_prompt(): ?string {
		return null;
	}

	/**
	 * Enqueues scripts or styles the Configure 2FA page needs for this method.
	 */
	public function enqueue_configure_assets(): void {
	}

	/* ------------------------------------------------------------------ */
	/* Login: challenge and first-login setup                              */
	/* ------------------------------------------------------------------ */

	/**
	 * Checks what was entered at login and consumes it, so it cannot pass twice.
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    What the user entered.
	 * @return true|WP_Error
	 */
	abstract public function verify_login_code( int $user_id, string $code );

	/**
	 * Longest input the login step passes to verify_login_code() / verify_setup() (bytes);
	 * longer input is cut, so it fails as a wrong code.
	 */
	public function max_code_length(): int {
		return 256;
	}

	/**
	 * What the login step says when the form came without a code.
	 */
	public function missing_code_message(): string {
		return __( 'Enter the 6-digit code.', 'twofa' );
	}

	/**
	 * The login step's check: first-login setup (verify_setup()) or the challenge
	 * (verify_login_code()). A method whose codes are sent for one pending login
	 * (OTP over Email) also checks that the code belongs to $out['login_id'].
	 *
	 * @param int                 $user_id User ID.
	 * @param string              $code    What the user entered.
	 * @param array<string,mixed> $out     The flow's result so far (stage, login_id).
	 * @return true|WP_Error
	 */
	public function verify_login_step( int $user_id, string $code, array $out ) {
		if ( Twofa_Login_Flow::SETUP === $out['stage'] ) {
			return $this->verify_setup( $user_id, $code );
		}
		return $this->verify_login_code( $user_id, $code );
	}

	/**
	 * Checks what was entered during setup and turns the method on (first login).
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    What the user entered.
	 * @return true|WP_Error
	 */
	public function verify_setup( int $user_id, string $code ) {
		return new WP_Error( 'twofa_no_setup', __( 'This method cannot be set up here.', 'twofa' ) );
	}

	/**
	 * The method's own login actions (F_DO values beyond show/switch/choose/verify), e.g. "send".
	 *
	 * @return string[]
	 */
	public function login_actions(): array {
		return array();
	}

	/**
	 * A login action of login_actions() (e.g. "send"), on POST only.
	 *
	 * @param string              $action The requested action.
	 * @param array<string,mixed> $out    The result so far.
	 * @return array<string,mixed>
	 */
	public function login_action( string $action, array $out ): array {
		return $this->prepare_login_setup( $out );
	}

	/**
	 * First-login setup: the user chose this method (start its setup).
	 *
	 * @param array<string,mixed> $out The result so far.
	 * @return array<string,mixed>
	 */
	public function begin_login_setup( array $out ): array {
		return $out;
	}

	/**
	 * First-login setup: the result about to be shown again; clear 'method' to go
	 * back to the choice (e.g. the setup expired).
	 *
	 * @param array<string,mixed> $out The result so far.
	 * @return array<string,mixed>
	 */
	public function prepare_login_setup( array $out ): array {
		return $out;
	}

	/**
	 * The challenge's body for this method (help text, extra forms, the code form).
	 *
	 * @param array<string,mixed> $result  Result of Twofa_Login_Flow.
	 * @param bool                $interim Modal login.
	 */
	public function render_challenge( array $result, bool $interim ): void {
		Twofa_Login_Screen::code_form( $result, $interim, __( 'Verify', 'twofa' ) );
	}

	/**
	 * The first-login setup screen for this method.
	 *
	 * @param array<string,mixed> $result  Result of Twofa_Login_Flow.
	 * @param bool                $interim Modal login.
	 */
	public function render_login_setup( array $result, bool $interim ): void {
		Twofa_Login_Screen::code_form( $result, $interim, __( 'Verify and Save', 'twofa' ) );
	}

	/**
	 * After a passed second step (of any method): query arguments of a Configure 2FA
	 * step to show before the user goes on (e.g. "you are running out of backup
	 * codes", or the offer of backup codes after first-login setup), or none.
	 *
	 * @param int    $user_id User ID.
	 * @param string $stage   Twofa_Login_Flow::CHALLENGE or SETUP.
	 * @param string $method  The method that passed.
	 * @return array<string,string>
	 */
	public function after_login( int $user_id, string $stage, string $method ): array {
		return array();
	}

	/**
	 * Enqueues scripts or styles the login screens need for this method.
	 */
	public function enqueue_login_assets(): void {
	}
}
