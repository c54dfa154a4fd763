<?php
/**
 * OTP over Email: a 6-digit code mailed by the sidecar.
 *
 * Over 400 lines on purpose: a provider holds the method's whole life (sending,
 * checking, Configure 2FA handlers, login) in one place; its HTML is in
 * class-twofa-email-screens.php.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Only a keyed hash of the live code is stored (_twofa_email_code), bound to the
 * user, the purpose and a random code id, so a database dump yields no usable
 * code and a superseded code never matches the newer record. Every change to
 * the record is a compare-and-set on the exact JSON that was read, so two
 * requests cannot both spend one code or one attempt.
 */
class Twofa_Provider_Email extends Twofa_Provider {

	// User meta (docs/CONTRACTS.md).
	const ENABLED = '_twofa_email_enabled'; // "1" once a setup code verified.
	const CODE    = '_twofa_email_code';    // The one live code's record (a keyed hash, never the code).

	/**
	 * Wrong entries allowed per code chain (resending never resets it).
	 */
	const MAX_ATTEMPTS = 5;

	const PURPOSES = array( 'setup', 'login' );

	/**
	 * Twofa_Rate_Limit bucket of code emails per client address (setting email_ip_per_hour).
	 */
	const IP_BUCKET = 'email_ip';

	/**
	 * Method id.
	 */
	public function id(): string {
		return 'email';
	}

	/**
	 * Card title.
	 */
	public function label(): string {
		return __( 'OTP over Email', 'twofa' );
	}

	/**
	 * Card description.
	 */
	public function description(): string {
		return __( 'Receive a one-time 6-digit code at the email address of your account. An authenticator app or a passkey is stronger: anyone who gets into your mailbox gets the codes too.', 'twofa' );
	}

	/**
	 * Whether a role of the user may use OTP over Email only beside another method
	 * (setting email_not_primary_roles): never as the only or the primary method.
	 *
	 * @param int $user_id User ID.
	 */
	public static function backup_only_for( int $user_id ): bool {
		return Twofa_User_State::has_policy_role( $user_id, 'email_not_primary_roles' );
	}

	/**
	 * Whether the user has a method other than this one that may be primary.
	 *
	 * @param int $user_id User ID.
	 */
	public static function has_stronger_method( int $user_id ): bool {
		foreach ( Twofa_Providers::primary_capable() as $id => $provider ) {
			if ( 'email' !== $id && $provider->is_configured( $user_id ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The refusal when the user's role may not have OTP over Email alone.
	 */
	public static function backup_only_error(): WP_Error {
		return new WP_Error( 'twofa_email_backup_only', __( 'For your role, OTP over Email may only be a backup: set up an authenticator app first and keep it as your primary method.', 'twofa' ) );
	}

	/**
	 * Generates a code, claims the send by storing its keyed hash, then has the
	 * sidecar mail it. The claim is one compare-and-set on the record that was
	 * read, so of parallel requests one sends and the others meet the cooldown;
	 * the per-IP cap is claimed next. If either refuses or the sidecar fails, the
	 * record that was there before is put back.
	 *
	 * @param int    $user_id User ID.
	 * @param string $purpose 'setup' or 'login'.
	 * @param string $login   The pending login the code is for (Twofa_Login_Nonce), '' on Configure 2FA.
	 * @return true|WP_Error
	 */
	public function send_code( int $user_id, string $purpose, string $login = '' ) {
		if ( ! in_array( $purpose, self::PURPOSES, true ) ) {
			return new WP_Error( 'twofa_email_bad_purpose', __( 'Unknown purpose for an email code.', 'twofa' ) );
		}
		if ( ! Twofa_Settings::method_enabled( $this->id() ) ) {
			return new WP_Error( 'twofa_email_disabled', __( 'OTP over Email is not enabled on this site.', 'twofa' ) );
		}
		if ( 'login' === $purpose && ! $this->is_configured( $user_id ) ) {
			return new WP_Error( 'twofa_email_not_configured', __( 'OTP over Email is not set up for this account.', 'twofa' ) );
		}
		if ( ! get_userdata( $user_id ) ) {
			return new WP_Error( 'twofa_email_no_user', __( 'Unknown account.', 'twofa' ) );
		}

		$now      = Twofa_Clock::now();
		$raw      = self::raw_record( $user_id, true );
		$previous = self::decode( $raw );
		$wait     = self::cooldown_of( $previous, $now );
		if ( $wait > 0 ) {
			return self::cooldown_error( $wait );
		}

		// A live chain of the same purpose keeps its attempt count: resending never resets it.
		$attempts = 0;
		$prev     = null;
		if ( self::is_live( $previous, $purpose, $now ) ) {
			$attempts = (int) $previous['attempts'];
			$prev     = array(
				'id'   => (string) $previous['id'],
				'hash' => (string) $previous['hash'],
			);
		}
		if ( $attempts >= self::MAX_ATTEMPTS ) {
			return self::too_many_error( (int) $previous['expires'] - $now );
		}

		$ttl = (int) Twofa_Settings::get( 'email_ttl' );
		try {
			$code = (string) twofa_email_code();
			$id   = bin2hex( random_bytes( 8 ) );
			$hash = (string) twofa_hash_code( $code, self::context( $user_id, $purpose, $id ) );
		} catch ( Throwable $e ) {
			return self::unavailable();
		}

		$record = array(
			'id'       => $id,
			'hash'     => $hash,
			'purpose'  => $purpose,
			'expires'  => $now + $ttl,
			'sent_at'  => $now,
			'attempts' => $attempts,
			'login'    => $login,
		);
		if ( $prev ) {
			// Kept only to tell the user "use the newest email" instead of "wrong code".
			$record['prev'] = $prev;
		}
		$new = (string) wp_json_encode( $record );
		// The row is created empty once and then only ever compare-and-set: no read-then-insert.
		$stored = ( '' !== $raw || Twofa_User_State::ensure_meta_row( $user_id, self::CODE, '' ) )
			? Twofa_User_State::compare_and_set( $user_id, self::CODE, $raw, $new )
			: null;
		if ( null === $stored ) {
			return new WP_Error( Twofa_User_State::BUSY, __( 'The server was busy and the code could not be stored. Please ask for a new code.', 'twofa' ) );
		}
		if ( ! $stored ) {
			// Another request claimed the send first: its cooldown applies.
			$wait = self::cooldown_of( self::decode( self::raw_record( $user_id ) ), $now );
			return $wait > 0 ? self::cooldown_error( $wait ) : new WP_Error( 'twofa_email_race', __( 'Another code was sent at the same moment. Use the code from the newest email.', 'twofa' ) );
		}

		$ip = Twofa_Events::client_ip();
		if ( '' !== $ip && ! Twofa_Rate_Limit::claim( self::IP_BUCKET, $ip, (int) Twofa_Settings::get( 'email_ip_per_hour' ), HOUR_IN_SECONDS ) ) {
			Twofa_User_State::compare_and_set( $user_id, self::CODE, $new, $raw );
			return new WP_Error( 'twofa_email_ip_limit', __( 'Too many codes were emailed from your network in the last hour. Try again later or use another method.', 'twofa' ) );
		}

		$client = new Twofa_Sidecar_Client();
		$sent   = $client->email_otp( $user_id, $code, $purpose, $ttl );
		if ( is_wp_error( $sent ) ) {
			// Nothing was mailed: the previous record (and its cooldown) comes back, the slot too.
			Twofa_User_State::compare_and_set( $user_id, self::CODE, $new, $raw );
			if ( '' !== $ip ) {
				Twofa_Rate_Limit::release( self::IP_BUCKET, $ip, HOUR_IN_SECONDS );
			}
			return $sent;
		}
		return true;
	}

	/**
	 * The error while the resend cooldown runs.
	 *
	 * @param int $wait Seconds left.
	 */
	private static function cooldown_error( int $wait ): WP_Error {
		return new WP_Error(
			'twofa_email_cooldown',
			/* translators: %d: seconds to wait. */
			sprintf( _n( 'A code was just sent. You can ask for another one in %d second.', 'A code was just sent. You can ask for another one in %d seconds.', $wait, 'twofa' ), $wait ),
			array( 'retry_after' => $wait )
		);
	}

	/**
	 * Checks a code and consumes it on success.
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    What the user typed.
	 * @param string $purpose 'setup' or 'login'.
	 * @param string $login   The pending login being checked ('' on Configure 2FA): a code
	 *                        sent for another login (or none) is not this step's code.
	 * @return true|WP_Error
	 */
	public function verify_code( int $user_id, string $code, string $purpose, string $login = '' ) {
		if ( ! in_array( $purpose, self::PURPOSES, true ) ) {
			return new WP_Error( 'twofa_email_bad_purpose', __( 'Unknown purpose for an email code.', 'twofa' ) );
		}
		$code = Twofa_Provider_Totp::normalize( $code );
		if ( null === $code ) {
			return new WP_Error( 'twofa_code_format', __( 'Enter the 6-digit code from the email.', 'twofa' ) );
		}
		$now = Twofa_Clock::now();
		// The attempt is counted before the code is checked, by a compare-and-set on
		// the record that was read: parallel guesses each need their own attempt.
		for ( $try = 0; ; $try++ ) {
			$raw    = self::raw_record( $user_id );
			$record = self::decode( $raw );
			if ( null === $record || ( $record['purpose'] ?? '' ) !== $purpose
				|| ! hash_equals( isset( $record['login'] ) && is_string( $record['login'] ) ? $record['login'] : '', $login ) ) {
				return new WP_Error( 'twofa_email_no_code', __( 'No code has been sent for this step. Click Send OTP to get one.', 'twofa' ) );
			}
			if ( ! empty( $record['used'] ) ) {
				return self::used_error();
			}
			if ( (int) $record['attempts'] >= self::MAX_ATTEMPTS ) {
				return self::too_many_error( (int) $record['expires'] - $now );
			}
			if ( (int) $record['expires'] <= $now ) {
				return new WP_Error( 'twofa_email_expired', __( 'That code has expired. Click Send OTP to get a new one.', 'twofa' ) );
			}
			$record['attempts'] = (int) $record['attempts'] + 1;
			$counted            = (string) wp_json_encode( $record );
			$counted_ok = Twofa_User_State::compare_and_set( $user_id, self::CODE, $raw, $counted );
			if ( null === $counted_ok ) {
				return Twofa_User_State::busy_error();
			}
			if ( $counted_ok ) {
				break;
			}
			if ( $try >= 5 ) {
				return new WP_Error( 'twofa_email_busy', __( 'The code could not be checked just now. Please try again.', 'twofa' ) );
			}
		}

		try {
			$ok         = (bool) twofa_verify_code( (string) $record['hash'], $code, self::context( $user_id, $purpose, (string) $record['id'] ) );
			$superseded = false;
			if ( ! $ok && isset( $record['prev']['id'], $record['prev']['hash'] ) ) {
				$superseded = (bool) twofa_verify_code( (string) $record['prev']['hash'], $code, self::context( $user_id, $purpose, (string) $record['prev']['id'] ) );
			}
		} catch ( Throwable $e ) {
			// Not checked, so not an attempt: give the attempt back.
			Twofa_User_State::compare_and_set( $user_id, self::CODE, $counted, $raw );
			return self::unavailable();
		}

		if ( $ok ) {
			$used = (string) wp_json_encode(
				array(
					'id'      => (string) $record['id'],
					'purpose' => $purpose,
					'used'    => $now,
				)
			);
			$spent = Twofa_User_State::compare_and_set( $user_id, self::CODE, $counted, $used );
			if ( null === $spent ) {
				// Refused by the database (e.g. another server spent it at the same moment): not passed.
				return Twofa_User_State::busy_error();
			}
			if ( ! $spent ) {
				// Another request spent or replaced it between our count and this write.
				return self::used_error();
			}
			return true;
		}

		$left = max( 0, self::MAX_ATTEMPTS - (int) $record['attempts'] );
		if ( $superseded ) {
			return new WP_Error( 'twofa_email_superseded', __( 'That code was replaced by a newer one. Use the code from the most recent email.', 'twofa' ), array( 'attempts_left' => $left ) );
		}
		if ( 0 === $left ) {
			return self::too_many_error( (int) $record['expires'] - $now );
		}
		return new WP_Error(
			'twofa_email_wrong',
			/* translators: %d: attempts left. */
			sprintf( _n( 'That code is not right. %d attempt left.', 'That code is not right. %d attempts left.', $left, 'twofa' ), $left ),
			array( 'attempts_left' => $left )
		);
	}

	/**
	 * Verifies a setup code and turns the method on.
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    What the user typed.
	 * @param string $login   The pending login at first-login setup ('' on Configure 2FA).
	 * @return true|WP_Error
	 */
	public function verify_setup( int $user_id, string $code, string $login = '' ) {
		$ok = $this->verify_code( $user_id, $code, 'setup', $login );
		if ( true !== $ok ) {
			return $ok;
		}
		$replaced = $this->is_configured( $user_id );
		update_user_meta( $user_id, self::ENABLED, '1' );
		Twofa_User_State::mark_configured( $user_id, $this->id() );
		Twofa_Method_Change::activated( $user_id, $this->id(), $replaced );
		return true;
	}

	/**
	 * Checks a login code.
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    What the user typed.
	 * @param string $login   The pending login the code must have been sent for.
	 * @return true|WP_Error
	 */
	public function verify_login_code( int $user_id, string $code, string $login = '' ) {
		if ( ! $this->is_configured( $user_id ) ) {
			return new WP_Error( 'twofa_email_not_configured', __( 'OTP over Email is not set up for this account.', 'twofa' ) );
		}
		$ok = $this->verify_code( $user_id, $code, 'login', $login );
		if ( true === $ok ) {
			Twofa_User_State::mark_used( $user_id, $this->id() );
		}
		return $ok;
	}

	/**
	 * The login step: the code must have been sent for this pending login.
	 *
	 * @param int                 $user_id User ID.
	 * @param string              $code    What the user typed.
	 * @param array<string,mixed> $out     The flow's result (stage, login_id).
	 * @return true|WP_Error
	 */
	public function verify_login_step( int $user_id, string $code, array $out ) {
		$login = (string) $out['login_id'];
		if ( '' === $login ) {
			// Fail closed: without a pending login no login-step code can be its own.
			return new WP_Error( 'twofa_email_no_code', __( 'No code has been sent for this step. Click Send OTP to get one.', 'twofa' ) );
		}
		if ( Twofa_Login_Flow::SETUP === $out['stage'] ) {
			return $this->verify_setup( $user_id, $code, $login );
		}
		return $this->verify_login_code( $user_id, $code, $login );
	}

	/**
	 * Seconds before another code may be sent (0 = now).
	 *
	 * @param int $user_id User ID.
	 */
	public function cooldown_remaining( int $user_id ): int {
		return self::cooldown_of( self::decode( self::raw_record( $user_id ) ), Twofa_Clock::now() );
	}

	/**
	 * Seconds of cooldown a record imposes at $now.
	 *
	 * @param array<string,mixed>|null $record Decoded record.
	 * @param int                      $now    Unix time.
	 */
	private static function cooldown_of( ?array $record, int $now ): int {
		if ( null === $record || ! isset( $record['sent_at'] ) || ! empty( $record['used'] ) ) {
			return 0;
		}
		$until = (int) $record['sent_at'] + (int) Twofa_Settings::get( 'resend_cooldown' );
		return max( 0, $until - $now );
	}

	/**
	 * Whether a code for $purpose is waiting to be entered (sent, not used, not expired).
	 *
	 * @param int    $user_id User ID.
	 * @param string $purpose 'setup' or 'login'.
	 */
	public function has_live_code( int $user_id, string $purpose ): bool {
		return self::is_live( self::decode( self::raw_record( $user_id ) ), $purpose, Twofa_Clock::now() );
	}

	/**
	 * The row that decides "configured".
	 */
	public function configured_key(): string {
		return self::ENABLED;
	}

	/**
	 * Every key of this method (the flag and any live code).
	 *
	 * @return string[]
	 */
	public function meta_keys(): array {
		return array( self::ENABLED, self::CODE );
	}

	/* ------------------------------------------------------------------ */
	/* Configure 2FA                                                       */
	/* ------------------------------------------------------------------ */

	/**
	 * Send a setup code; verify it.
	 *
	 * @return string[]
	 */
	public function configure_actions(): array {
		return array( $this->id() . '_send', $this->id() . '_verify' );
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
		$id = $this->id();
		if ( self::backup_only_for( $user_id ) && ! self::has_stronger_method( $user_id ) ) {
			return Twofa_Configure_Form::result( 'error', self::backup_only_error()->get_error_message() );
		}
		switch ( substr( $action, strlen( $id ) + 1 ) ) {
			case 'send':
				if ( ! Twofa_Configure_Form::ticked( $post, 'twofa_confirm_email' ) ) {
					return Twofa_Configure_Form::result( 'error', __( 'Please confirm that this is your email address.', 'twofa' ), Twofa_Configure_Form::step( $id, 'confirm' ) );
				}
				$sent = $this->send_code( $user_id, 'setup' );
				if ( true !== $sent ) {
					// Stay on the code step if an earlier code is still waiting there.
					$step = $this->has_live_code( $user_id, 'setup' ) ? 'verify' : 'confirm';
					return Twofa_Configure_Form::result( 'error', $sent->get_error_message(), Twofa_Configure_Form::step( $id, $step ) );
				}
				return Twofa_Configure_Form::result( 'ok', __( 'We sent a 6-digit code to your email address. Enter it below.', 'twofa' ), Twofa_Configure_Form::step( $id, 'verify' ) );

			case 'verify':
				$ok = $this->verify_setup( $user_id, Twofa_Configure_Form::code( $post ) );
				if ( true !== $ok ) {
					return Twofa_Configure_Form::result( 'error', $ok->get_error_message(), Twofa_Configure_Form::step( $id, 'verify' ) );
				}
				return Twofa_Configure_Form::added_result( $this );
		}
		return parent::handle_action( $action, $user_id, $post );
	}

	/**
	 * A refused re-authentication returns to the code step.
	 */
	public function reauth_step(): string {
		return 'verify';
	}

	/**
	 * Configure / Reconfigure opens the confirm step.
	 *
	 * @param int  $user_id    Current user.
	 * @param bool $configured Whether the method is configured.
	 */
	public function render_configure_button( int $user_id, bool $configured ): void {
		Twofa_Configure_Form::link_button( $this->id(), 'confirm', $configured );
	}

	/**
	 * The confirm and verify steps of the card.
	 *
	 * @param int    $user_id Current user.
	 * @param string $step    Step from the URL.
	 */
	public function render_setup( int $user_id, string $step ): bool {
		if ( ! in_array( $step, array( 'confirm', 'verify' ), true ) ) {
			return false;
		}
		Twofa_Email_Screens::configure_setup( $this, $user_id, $step );
		return true;
	}

	/* ------------------------------------------------------------------ */
	/* Login                                                               */
	/* ------------------------------------------------------------------ */

	/**
	 * Sending a code is this method's own login action.
	 *
	 * @return string[]
	 */
	public function login_actions(): array {
		return array( 'send' );
	}

	/**
	 * "send": emails a code (login or setup) and says where it went.
	 *
	 * @param string              $action The requested action.
	 * @param array<string,mixed> $out    The result so far.
	 * @return array<string,mixed>
	 */
	public function login_action( string $action, array $out ): array {
		if ( 'send' !== $action ) {
			return parent::login_action( $action, $out );
		}
		$sent = $this->send_code( (int) $out['user_id'], Twofa_Login_Flow::SETUP === $out['stage'] ? 'setup' : 'login', (string) $out['login_id'] );
		if ( is_wp_error( $sent ) ) {
			$out['error'] = $sent->get_error_message();
			return $out;
		}
		$out['sent']   = true;
		$out['notice'] = sprintf(
			/* translators: 1: masked email address, 2: minutes the code is valid. */
			__( 'We emailed a 6-digit code to %1$s. It is valid for %2$d minutes.', 'twofa' ),
			$this->masked_address( (int) $out['user_id'] ),
			max( 1, (int) floor( (int) Twofa_Settings::get( 'email_ttl' ) / 60 ) )
		);
		return $out;
	}

	/**
	 * The challenge: where the code goes, Send OTP / Resend, the code form.
	 *
	 * @param array<string,mixed> $result  Result of Twofa_Login_Flow.
	 * @param bool                $interim Modal login.
	 */
	public function render_challenge( array $result, bool $interim ): void {
		Twofa_Email_Screens::login( $this, $result, $interim, false );
	}

	/**
	 * First-login setup: the same, naming the account's address.
	 *
	 * @param array<string,mixed> $result  Result of Twofa_Login_Flow.
	 * @param bool                $interim Modal login.
	 */
	public function render_login_setup( array $result, bool $interim ): void {
		Twofa_Email_Screens::login( $this, $result, $interim, true );
	}

	/**
	 * The account's address as j***@example.com: enough to recognise one's own
	 * address, not to learn someone else's.
	 *
	 * @param int $user_id User ID.
	 */
	public function masked_address( int $user_id ): string {
		$user  = get_userdata( $user_id );
		$email = $user ? (string) $user->user_email : '';
		$at    = strrpos( $email, '@' );
		if ( false === $at || 0 === $at ) {
			return '***';
		}
		return substr( $email, 0, 1 ) . '***' . substr( $email, $at );
	}

	/**
	 * Hash context of a code (docs/CONTRACTS.md).
	 *
	 * @param int    $user_id User ID.
	 * @param string $purpose 'setup' or 'login'.
	 * @param string $id      The code's random id.
	 */
	public static function context( int $user_id, string $purpose, string $id ): string {
		return 'email:' . $user_id . ':' . $purpose . ':' . $id;
	}

	/**
	 * The stored record exactly as in the database ('' when none); compare-and-set needs the exact bytes.
	 *
	 * @param int  $user_id User ID.
	 * @param bool $ensure  Make sure the row exists (empty) first, so the first send is a compare-and-set too.
	 */
	private static function raw_record( int $user_id, bool $ensure = false ): string {
		if ( $ensure ) {
			Twofa_User_State::ensure_meta_row( $user_id, self::CODE, '' );
		}
		Twofa_User_State::fresh( $user_id );
		$raw = get_user_meta( $user_id, self::CODE, true );
		return is_string( $raw ) ? $raw : '';
	}

	/**
	 * A record with the fields this class relies on, or null.
	 *
	 * @param string $raw Stored JSON.
	 * @return array<string,mixed>|null
	 */
	private static function decode( string $raw ): ?array {
		if ( '' === $raw ) {
			return null;
		}
		$record = json_decode( $raw, true );
		if ( ! is_array( $record ) || ! isset( $record['id'], $record['purpose'] ) || ! is_string( $record['id'] ) ) {
			return null;
		}
		if ( empty( $record['used'] ) && ! ( isset( $record['hash'], $record['expires'], $record['attempts'] ) && is_string( $record['hash'] ) ) ) {
			return null;
		}
		return $record;
	}

	/**
	 * Whether a record is an unspent, unexpired code of $purpose.
	 *
	 * @param array<string,mixed>|null $record  Decoded record.
	 * @param string                   $purpose Purpose.
	 * @param int                      $now     Unix time.
	 */
	private static function is_live( ?array $record, string $purpose, int $now ): bool {
		return null !== $record && empty( $record['used'] ) && $record['purpose'] === $purpose && (int) $record['expires'] > $now;
	}

	/**
	 * The error once a code chain has had too many wrong entries.
	 *
	 * @param int $seconds_left Seconds until the chain expires.
	 */
	private static function too_many_error( int $seconds_left ): WP_Error {
		$minutes = max( 1, (int) ceil( $seconds_left / 60 ) );
		return new WP_Error(
			'twofa_email_too_many',
			/* translators: %d: minutes to wait. */
			sprintf( _n( 'Too many wrong codes were entered. You can ask for a new code in %d minute.', 'Too many wrong codes were entered. You can ask for a new code in %d minutes.', $minutes, 'twofa' ), $minutes )
		);
	}

	/**
	 * The error for a code that was already accepted once.
	 */
	private static function used_error(): WP_Error {
		return new WP_Error( 'twofa_email_used', __( 'That code has already been used. Click Send OTP to get a new one.', 'twofa' ) );
	}

	/**
	 * The error when the extension or key cannot do its part (fail closed).
	 */
	private static function unavailable(): WP_Error {
		return new WP_Error( 'twofa_unavailable', __( 'Two-factor authentication is not available on this server right now. Please contact the site administrator.', 'twofa' ) );
	}
}
