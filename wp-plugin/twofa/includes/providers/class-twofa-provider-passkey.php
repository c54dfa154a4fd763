<?php
/**
 * Passkeys (WebAuthn): a phishing-resistant second factor.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The extension verifies every ceremony (docs/CONTRACTS.md, "Passkeys"); the passkeys are
 * rows of Twofa_Passkeys, the states between begin and finish rows of
 * Twofa_Passkey_Ceremonies. "Configured" is the count the table writes to COUNT_KEY.
 * A passkey opens the challenge before the primary method (it resists phishing).
 */
class Twofa_Provider_Passkey extends Twofa_Provider {

	const ID = 'passkey';

	/**
	 * Method id.
	 */
	public function id(): string {
		return self::ID;
	}

	/**
	 * Card title.
	 */
	public function label(): string {
		return __( 'Passkeys', 'twofa' );
	}

	/**
	 * Card description.
	 */
	public function description(): string {
		return __( 'Sign in with your device\'s fingerprint, face or screen lock, or a security key. Passkeys cannot be phished: they only work on this site.', 'twofa' );
	}

	/**
	 * Before every other method at the challenge.
	 */
	public function challenge_priority(): int {
		return 5;
	}

	/**
	 * Configured while the user has at least one passkey.
	 */
	public function configured_key(): string {
		return Twofa_Passkeys::COUNT_KEY;
	}

	/**
	 * The method's user meta keys.
	 *
	 * @return string[]
	 */
	public function meta_keys(): array {
		return array( Twofa_Passkeys::COUNT_KEY, Twofa_Passkeys::HANDLE_KEY );
	}

	/**
	 * Removes every passkey of the user and the meta.
	 *
	 * @param int $user_id User ID.
	 */
	public function remove( int $user_id ): void {
		Twofa_Passkeys::remove_all( $user_id );
		parent::remove( $user_id );
	}

	/**
	 * "Passkeys (2)" in the Users column.
	 *
	 * @param int $user_id User ID.
	 */
	public function summary_label( int $user_id ): string {
		/* translators: 1: method name (Passkeys), 2: how many the user has. */
		return sprintf( __( '%1$s (%2$d)', 'twofa' ), $this->label(), Twofa_Passkeys::count_for_user( $user_id ) );
	}

	/**
	 * `wp twofa status`: passkey_count, and passkey_list with each one's name, created and
	 * last used (UTC). Never a credential id, a key or a record.
	 *
	 * @param int $user_id User ID.
	 * @return array<string,scalar|string[]|null>
	 */
	public function status_fields( int $user_id ): array {
		$list = array();
		foreach ( Twofa_Passkeys::list_for_user( $user_id ) as $passkey ) {
			$list[] = sprintf(
				/* translators: 1: passkey name, 2: when it was created, 3: when it was last used (or "never"). */
				__( '%1$s (created %2$s, last used %3$s)', 'twofa' ),
				$passkey['name'],
				gmdate( 'Y-m-d H:i:s', $passkey['created_at'] ) . ' UTC',
				$passkey['last_used_at'] > 0 ? gmdate( 'Y-m-d H:i:s', $passkey['last_used_at'] ) . ' UTC' : __( 'never', 'twofa' )
			);
		}
		return array(
			'count' => count( $list ),
			'list'  => $list,
		);
	}

	/* ------------------------------------------------------------------ */
	/* Configure 2FA                                                       */
	/* ------------------------------------------------------------------ */

	/**
	 * Rename and remove one passkey (adding one is the AJAX ceremony of Twofa_Passkey_Screens).
	 *
	 * @return string[]
	 */
	public function configure_actions(): array {
		return array( 'passkey_rename', 'passkey_remove' );
	}

	/**
	 * Nothing replaces the method: each passkey is added next to the others.
	 *
	 * @return string[]
	 */
	public function replacing_actions(): array {
		return array();
	}

	/**
	 * Rename or remove one passkey of the current user.
	 *
	 * @param string              $action  One of configure_actions().
	 * @param int                 $user_id Current user.
	 * @param array<string,mixed> $post    Unslashed form fields.
	 */
	public function handle_action( string $action, int $user_id, array $post ): array {
		$id   = isset( $post['passkey_id'] ) && is_scalar( $post['passkey_id'] ) ? absint( $post['passkey_id'] ) : 0;
		$back = array_merge( Twofa_Configure_Form::step( self::ID, 'passkey_remove' === $action ? 'delete' : 'rename' ), array( 'passkey' => (string) $id ) );
		if ( null === Twofa_Passkeys::get( $user_id, $id ) ) {
			return Twofa_Configure_Form::result( 'error', __( 'That passkey does not exist (it may have been removed already).', 'twofa' ) );
		}
		if ( 'passkey_rename' === $action ) {
			$name = isset( $post['passkey_name'] ) && is_string( $post['passkey_name'] ) ? $post['passkey_name'] : '';
			if ( '' === trim( $name ) ) {
				return Twofa_Configure_Form::result( 'error', __( 'Enter a name for the passkey.', 'twofa' ), $back );
			}
			Twofa_Passkeys::rename( $user_id, $id, $name );
			return Twofa_Configure_Form::result( 'ok', __( 'The passkey was renamed.', 'twofa' ) );
		}
		if ( ! Twofa_Configure_Form::ticked( $post, 'twofa_confirm_remove' ) ) {
			return Twofa_Configure_Form::result( 'error', __( 'Please tick the box to confirm the removal.', 'twofa' ), $back );
		}
		if ( 1 === Twofa_Passkeys::count_for_user( $user_id ) ) {
			$refusal = Twofa_Method_Removal::refusal( $user_id, self::ID );
			if ( null !== $refusal ) {
				return Twofa_Configure_Form::result( 'error', $refusal->get_error_message(), $back );
			}
		}
		// Passed as typed: the password and the code are checked exactly as entered.
		$password = isset( $post['twofa_password'] ) && is_string( $post['twofa_password'] ) ? $post['twofa_password'] : '';
		$reauth   = Twofa_Reauth::verify( $user_id, $password, Twofa_Configure_Form::code( $post, 'twofa_reauth_code' ) );
		if ( true !== $reauth ) {
			return Twofa_Configure_Form::result( 'error', $reauth->get_error_message(), $back );
		}
		$notified = Twofa_Passkey_Ceremony::remove( $user_id, $id, Twofa_Method_Removal::BY_USER );
		if ( is_wp_error( $notified ) ) {
			return Twofa_Configure_Form::result( 'error', $notified->get_error_message(), $back );
		}
		$result = Twofa_Configure_Form::result( 'ok', __( 'The passkey was removed.', 'twofa' ) );
		if ( true !== $notified ) {
			$result['notes'][] = Twofa_Configure_Form::unnotified_note();
		}
		return $result;
	}

	/**
	 * The list of passkeys and the Add form, always shown on the card.
	 *
	 * @param int $user_id Current user.
	 */
	public function render_card_body( int $user_id ): void {
		Twofa_Passkey_Screens::card( $user_id );
	}

	/**
	 * No Configure button: the card's Add form adds one passkey at a time.
	 *
	 * @param int  $user_id    Current user.
	 * @param bool $configured Whether the method is configured.
	 */
	public function render_configure_button( int $user_id, bool $configured ): void {
	}

	/**
	 * The Rename and Remove steps of one passkey.
	 *
	 * @param int    $user_id Current user.
	 * @param string $step    Step from the URL.
	 */
	public function render_setup( int $user_id, string $step ): bool {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- which passkey a form is about changes nothing.
		$id      = isset( $_GET['passkey'] ) ? absint( wp_unslash( $_GET['passkey'] ) ) : 0;
		$passkey = Twofa_Passkeys::get( $user_id, $id );
		if ( null === $passkey || ! in_array( $step, array( 'rename', 'delete' ), true ) ) {
			return false;
		}
		Twofa_Passkey_Screens::step_form( $user_id, $passkey, $step );
		return true;
	}

	/**
	 * The browser side, on Configure 2FA.
	 */
	public function enqueue_configure_assets(): void {
		Twofa_Passkey_Screens::enqueue( 'configure' );
	}

	/* ------------------------------------------------------------------ */
	/* Login                                                               */
	/* ------------------------------------------------------------------ */

	/**
	 * The assertion is posted as "{state_id}.{credential JSON}" (up to 64 KiB).
	 */
	public function max_code_length(): int {
		return 23 + 65536;
	}

	/**
	 * What the form says when it arrives without an answer of the browser.
	 */
	public function missing_code_message(): string {
		return __( 'Use your passkey when your browser asks for it.', 'twofa' );
	}

	/**
	 * Checks the assertion the challenge posted (its ceremony state is used up either way).
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    "{state_id}.{credential JSON}".
	 * @return true|WP_Error
	 */
	public function verify_login_code( int $user_id, string $code ) {
		$parts = self::split( $code );
		if ( null === $parts ) {
			return new WP_Error( 'twofa_passkey_refused', __( 'The passkey could not be verified.', 'twofa' ) );
		}
		return Twofa_Passkey_Ceremony::login_finish( $user_id, $parts[0], $parts[1] );
	}

	/**
	 * First-login setup: the new passkey becomes the primary method.
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    "{state_id}.{credential JSON}".
	 * @return true|WP_Error
	 */
	public function verify_setup( int $user_id, string $code ) {
		$parts = self::split( $code );
		if ( null === $parts ) {
			return new WP_Error( 'twofa_passkey_refused', __( 'The passkey could not be verified. Nothing was saved; please try again.', 'twofa' ) );
		}
		$done = Twofa_Passkey_Ceremony::register_finish( $user_id, $parts[0], $parts[1], __( 'Passkey', 'twofa' ) );
		return is_wp_error( $done ) ? $done : true;
	}

	/**
	 * The challenge: the browser's passkey dialog, with the other methods below.
	 *
	 * @param array<string,mixed> $result  Result of Twofa_Login_Flow.
	 * @param bool                $interim Modal login.
	 */
	public function render_challenge( array $result, bool $interim ): void {
		Twofa_Passkey_Screens::login_form( $result, $interim, Twofa_Passkey_Ceremony::login_begin( (int) $result['user_id'] ), 'get' );
	}

	/**
	 * First-login setup: create a passkey.
	 *
	 * @param array<string,mixed> $result  Result of Twofa_Login_Flow.
	 * @param bool                $interim Modal login.
	 */
	public function render_login_setup( array $result, bool $interim ): void {
		$user  = get_userdata( (int) $result['user_id'] );
		$begin = $user ? Twofa_Passkey_Ceremony::register_begin( $user ) : new WP_Error( 'twofa_passkey_user', '' );
		Twofa_Passkey_Screens::login_form( $result, $interim, $begin, 'create' );
	}

	/**
	 * The browser side, on the login screens.
	 */
	public function enqueue_login_assets(): void {
		Twofa_Passkey_Screens::enqueue( 'login' );
	}

	/**
	 * "{state_id}.{json}" as its two parts, or null.
	 *
	 * @param string $code Posted value.
	 * @return array{0:string,1:string}|null
	 */
	private static function split( string $code ): ?array {
		$dot = strpos( $code, '.' );
		if ( 22 !== $dot ) {
			return null;
		}
		$state_id = substr( $code, 0, 22 );
		$response = substr( $code, 23 );
		return Twofa_Passkey_Ceremonies::valid_state_id( $state_id ) && '' !== $response ? array( $state_id, $response ) : null;
	}
}
