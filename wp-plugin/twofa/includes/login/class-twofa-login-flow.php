<?php
/**
 * The second login step and setup at first login, as functions that return results.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Everything here returns an array describing what to show or do; nothing
 * prints, redirects or exits, so the whole flow can be tested in-process.
 * Twofa_Login turns the results into pages, cookies and redirects.
 */
final class Twofa_Login_Flow {

	// What a user needs after the password step.
	const NONE      = 'none';      // No 2FA and not required: WordPress as usual.
	const CHALLENGE = 'challenge'; // Has a method: enter a code.
	const SETUP     = 'setup';     // Must use 2FA and has none: set one up first.
	const GRACE     = 'grace';     // Must use 2FA, within the grace period: a notice only.

	// Form fields.
	const F_USER   = 'twofa_user';
	const F_NONCE  = 'twofa_nonce';
	const F_METHOD = 'twofa_method';
	const F_CODE   = 'twofa_code';
	const F_DO     = 'twofa_do';

	// Form actions (F_DO) of every method; a provider adds its own (login_actions()).
	// Only POST requests may do anything but show.
	const ACTIONS = array( 'show', 'switch', 'choose', 'verify' );

	/**
	 * Methods the challenge offers: the configured ones the site allows, or, if
	 * the site has since disabled all of them, the configured ones anyway —
	 * a settings change must neither lock people out nor let them in on a
	 * password alone.
	 *
	 * @param int $user_id User ID.
	 * @return string[]
	 */
	public static function challenge_methods( int $user_id ): array {
		$usable = Twofa_User_State::usable_methods( $user_id );
		return $usable ? $usable : Twofa_User_State::configured_methods( $user_id );
	}

	/**
	 * Whether one of the user's roles must use 2FA.
	 *
	 * @param WP_User $user User.
	 */
	public static function in_required_role( WP_User $user ): bool {
		return Twofa_User_State::has_policy_role( $user, 'required_roles' );
	}

	/**
	 * What the user needs after a correct password.
	 *
	 * @param WP_User $user User.
	 * @return string One of NONE, CHALLENGE, SETUP, GRACE.
	 */
	public static function requirement( WP_User $user ): string {
		if ( self::challenge_methods( (int) $user->ID ) ) {
			return self::CHALLENGE;
		}
		if ( ! self::in_required_role( $user ) ) {
			return self::NONE;
		}
		return self::grace_seconds_left( $user ) > 0 ? self::GRACE : self::SETUP;
	}

	/**
	 * Whether the plugin guards this account at all (XML-RPC/REST policy, fail-closed).
	 *
	 * @param WP_User $user User.
	 */
	public static function is_protected( WP_User $user ): bool {
		return self::NONE !== self::requirement( $user );
	}

	/**
	 * Seconds of grace left; a grace period that has not started yet counts as whole.
	 *
	 * @param WP_User $user User.
	 */
	public static function grace_seconds_left( WP_User $user ): int {
		$days = (int) Twofa_Settings::get( 'grace_days' );
		if ( $days <= 0 ) {
			return 0;
		}
		$started = (int) get_user_meta( (int) $user->ID, Twofa_User_State::GRACE_STARTED, true );
		if ( $started <= 0 ) {
			return $days * DAY_IN_SECONDS;
		}
		return max( 0, $started + $days * DAY_IN_SECONDS - Twofa_Clock::now() );
	}

	/**
	 * Records the start of the grace period at the first login (once).
	 *
	 * @param int $user_id User ID.
	 */
	public static function start_grace( int $user_id ): void {
		if ( '' === (string) get_user_meta( $user_id, Twofa_User_State::GRACE_STARTED, true ) ) {
			add_user_meta( $user_id, Twofa_User_State::GRACE_STARTED, (string) Twofa_Clock::now(), true );
		}
	}

	/**
	 * After a correct password: a fresh nonce and the first screen of the second step.
	 *
	 * @param WP_User $user        User.
	 * @param string  $redirect_to Local URL requested for after the login ('' = default).
	 * @param bool    $remember    Remember me.
	 * @return array<string,mixed> A result (see handle()).
	 */
	public static function begin( WP_User $user, string $redirect_to, bool $remember ): array {
		if ( ! Twofa_Environment::ready() ) {
			return self::result( 'misconfigured' );
		}
		$stage = self::requirement( $user );
		if ( self::CHALLENGE !== $stage && self::SETUP !== $stage ) {
			return self::result( 'invalid' );
		}
		try {
			$nonce = Twofa_Login_Nonce::create( (int) $user->ID, $redirect_to, $remember );
		} catch ( Throwable $e ) {
			return self::result( 'misconfigured' );
		}
		if ( '' === $nonce ) {
			return self::result( 'busy' );
		}
		$out = self::result(
			'form',
			array(
				'user_id'     => (int) $user->ID,
				'stage'       => $stage,
				'nonce'       => $nonce,
				'method'      => self::CHALLENGE === $stage ? self::default_method( (int) $user->ID ) : '',
				'redirect_to' => $redirect_to,
				'remember'    => $remember,
			)
		);
		$locked = Twofa_Lockout::locked_for( (int) $user->ID );
		if ( $locked > 0 ) {
			$out['error'] = Twofa_Lockout::lock_message( $locked );
		}
		return $out;
	}

	/**
	 * Handles one request of the second step.
	 *
	 * @param array<string,mixed> $request Unslashed request fields (F_* constants).
	 * @param bool                $is_post Whether it came as POST; GET can only show.
	 * @return array<string,mixed> outcome ('form'|'success'|'invalid'|'busy'|'misconfigured'), user_id,
	 *         stage, nonce, method, error, notice, secret (authenticator setup), redirect_to, remember.
	 *         After 'success' the step's transaction is open (Twofa_Login_Transaction): the
	 *         caller stores the session, then commits.
	 */
	public static function handle( array $request, bool $is_post ): array {
		$user_id = isset( $request[ self::F_USER ] ) && is_scalar( $request[ self::F_USER ] ) ? absint( $request[ self::F_USER ] ) : 0;
		// The step reads the user's state once (Twofa_User_State::in_one_read()).
		return Twofa_User_State::in_one_read( $user_id, static fn() => self::handle_step( $request, $is_post ) );
	}

	/**
	 * The step of handle(), on one read of the user's state.
	 *
	 * @param array<string,mixed> $request The form fields (unslashed).
	 * @param bool                $is_post Whether the request is a POST.
	 * @return array<string,mixed>
	 */
	private static function handle_step( array $request, bool $is_post ): array {
		$user_id = isset( $request[ self::F_USER ] ) && is_scalar( $request[ self::F_USER ] ) ? absint( $request[ self::F_USER ] ) : 0;
		$nonce   = isset( $request[ self::F_NONCE ] ) && is_string( $request[ self::F_NONCE ] ) ? strtolower( trim( $request[ self::F_NONCE ] ) ) : '';
		$method  = isset( $request[ self::F_METHOD ] ) && is_string( $request[ self::F_METHOD ] ) && null !== Twofa_Providers::get( $request[ self::F_METHOD ] ) ? $request[ self::F_METHOD ] : '';
		$code    = isset( $request[ self::F_CODE ] ) && is_string( $request[ self::F_CODE ] ) ? $request[ self::F_CODE ] : '';
		$do      = isset( $request[ self::F_DO ] ) && is_string( $request[ self::F_DO ] ) ? $request[ self::F_DO ] : 'show';
		if ( ! $is_post ) {
			$do = 'show';
		}

		if ( ! Twofa_Environment::ready() ) {
			return self::result( 'misconfigured' );
		}
		$user   = $user_id > 0 ? get_userdata( $user_id ) : false;
		$record = $user ? Twofa_Login_Nonce::check( $user_id, $nonce ) : null;
		if ( ! $user || null === $record ) {
			return self::result( 'invalid' );
		}
		$stage = self::requirement( $user );
		if ( self::CHALLENGE !== $stage && self::SETUP !== $stage ) {
			// The account changed since the password step (2FA removed, role changed): start over.
			Twofa_Login_Nonce::clear( $user_id );
			return self::result( 'invalid' );
		}

		if ( self::CHALLENGE === $stage ) {
			$methods = self::challenge_methods( $user_id );
			if ( ! in_array( $method, $methods, true ) ) {
				$method = self::default_method( $user_id );
			}
		} elseif ( ! isset( self::setup_providers( $user_id )[ $method ] ) ) {
			$method = '';
		}
		$provider = Twofa_Providers::get( (string) $method );
		// Each method says how long its input may be (a passkey's answer is far longer than a code).
		$code = substr( $code, 0, $provider ? $provider->max_code_length() : 256 );
		if ( ! in_array( $do, self::ACTIONS, true ) && ! ( $provider && in_array( $do, $provider->login_actions(), true ) ) ) {
			$do = 'show';
		}

		$out = self::result(
			'form',
			array(
				'user_id'     => $user_id,
				'stage'       => $stage,
				'nonce'       => $nonce,
				'method'      => $method,
				'redirect_to' => $record['redirect_to'],
				'remember'    => $record['remember'],
				'login_id'    => $record['login'],
			)
		);

		// While locked nothing is checked and nothing is sent.
		$locked = Twofa_Lockout::locked_for( $user_id );
		if ( $locked > 0 ) {
			$out['error'] = Twofa_Lockout::lock_message( $locked );
			return self::prepare_setup( $out );
		}

		try {
			switch ( $do ) {
				case 'verify':
					return self::verify( $user, $record, $code, $out );
				case 'choose':
					return self::SETUP === $stage && $provider ? $provider->begin_login_setup( $out ) : $out;
				case 'show':
				case 'switch':
					return self::prepare_setup( $out );
				default:
					// One of the method's own actions (e.g. sending an email code).
					return $provider ? $provider->login_action( $do, $out ) : $out;
			}
		} catch ( Throwable $e ) {
			Twofa_Login_Transaction::rollback();
			// Only the extension throws here; its message may name server paths, so say it plainly.
			$out['error'] = __( 'Two-factor authentication is not available on this server right now. Please contact the site owner.', 'twofa' );
			return $out;
		}
	}

	/**
	 * Checks a code: back-off first, then the nonce is used up, then the attempt
	 * is counted, then the code. Using the nonce before the code makes a burst of
	 * identical submissions pass at most once, whatever the method; counting before
	 * checking makes every checked code count. Each of these is decided by one
	 * statement's affected rows; a statement the database refuses (a conflict with
	 * another server) ends the attempt with "try again", never with a pass.
	 *
	 * @param WP_User             $user   User.
	 * @param array<string,mixed> $record The checked nonce record.
	 * @param string              $code   What the user typed.
	 * @param array<string,mixed> $out    The result so far.
	 * @return array<string,mixed>
	 */
	private static function verify( WP_User $user, array $record, string $code, array $out ): array {
		$user_id = (int) $user->ID;
		if ( '' === $out['method'] ) {
			return $out;
		}
		if ( '' === $code ) {
			$out['error'] = Twofa_Providers::get( $out['method'] )->missing_code_message();
			return self::prepare_setup( $out );
		}
		$wait = Twofa_Lockout::backoff_remaining( $user_id );
		if ( $wait > 0 ) {
			$out['error'] = Twofa_Lockout::backoff_message( $wait );
			return self::prepare_setup( $out );
		}
		// Using up the nonce and the code, and a passed step's records, commit only together with
		// the session (Twofa_Login::finish()): a database outage in between leaves the step to retry.
		Twofa_Login_Transaction::begin();
		$consumed = Twofa_Login_Nonce::consume( $user_id, $record['raw'] );
		if ( null === $consumed ) {
			Twofa_Login_Transaction::rollback();
			return self::busy( $out, $record );
		}
		if ( ! $consumed ) {
			Twofa_Login_Transaction::rollback();
			return self::result( 'invalid' );
		}
		// The attempt is counted before the code is checked: if it cannot be counted, it is not checked.
		$failures = Twofa_Lockout::count_attempt( $user_id );
		if ( null === $failures ) {
			Twofa_Login_Transaction::rollback();
			return self::busy( $out, $record );
		}

		$provider = Twofa_Providers::get( $out['method'] );
		$ok       = $provider->verify_login_step( $user_id, $code, $out );
		if ( Twofa_User_State::is_busy( $ok ) ) {
			// The database refused the code's state change: the nonce and the counted attempt go
			// back with it (a deadlock has rolled the transaction back already), nothing is decided.
			Twofa_Login_Transaction::rollback();
			return self::busy( $out, $record );
		}
		if ( true !== $ok ) {
			// A refused code uses up the nonce (and whatever the method counts) as before.
			Twofa_Login_Transaction::commit();
		}

		if ( true === $ok ) {
			/**
			 * Fires when a second-step code was accepted, before the session exists
			 * (the step's transaction is still open).
			 *
			 * @param int    $user_id User ID.
			 * @param string $method  Method id.
			 */
			do_action( 'twofa_login_code_accepted', $user_id, (string) $out['method'] );
			Twofa_Lockout::reset( $user_id );
			if ( self::SETUP === $out['stage'] ) {
				Twofa_User_State::set_primary( $user_id, $out['method'] );
				delete_user_meta( $user_id, Twofa_User_State::GRACE_STARTED );
			}
			Twofa_User_State::mark_used( $user_id, $out['method'] );
			// The passed step is logged by the caller once the session is committed (Twofa_Login::finish()).
			$out['outcome'] = 'success';
			$out['nonce']   = '';
			foreach ( Twofa_Providers::enabled() as $after ) {
				$step = $after->after_login( $user_id, (string) $out['stage'], (string) $out['method'] );
				if ( $step ) {
					$out['configure_step'] = $step;
					break;
				}
			}
			return $out;
		}

		if ( Twofa_Provider::cannot_check( $ok ) ) {
			// Not checked: not an attempt, and nothing was let through.
			Twofa_Lockout::give_back( $user_id );
			$out['nonce'] = Twofa_Login_Nonce::create( $user_id, $record['redirect_to'], $record['remember'], $record['login'] );
			// "Cannot check" is never "wrong": nothing is counted, the site owner must act.
			$out['error'] = Twofa_Provider::misconfigured_message();
			return '' === $out['nonce'] ? self::result( 'busy' ) : self::prepare_setup( $out );
		}
		$why          = is_wp_error( $ok ) ? $ok : new WP_Error( 'twofa_wrong_code', __( 'That code is not right.', 'twofa' ) );
		$failure      = Twofa_Lockout::record_failure( $user, $why, $out['method'], $failures );
		$out['nonce'] = Twofa_Login_Nonce::create( $user_id, $record['redirect_to'], $record['remember'], $record['login'] );
		$out['error'] = $failure['locked_for'] > 0 ? Twofa_Lockout::lock_message( $failure['locked_for'] ) : $why->get_error_message();
		return '' === $out['nonce'] ? self::result( 'busy' ) : self::prepare_setup( $out );
	}

	/**
	 * The database refused a state change of this attempt (a conflict with another
	 * server, a deadlock, a lock wait): nothing was decided. A fresh form with a new
	 * nonce (the old one may be used up) says so; if even that cannot be stored,
	 * the user logs in again.
	 *
	 * @param array<string,mixed> $out    The result so far.
	 * @param array<string,mixed> $record The checked nonce record.
	 * @return array<string,mixed>
	 */
	private static function busy( array $out, array $record ): array {
		if ( Twofa_Login_Transaction::conflicted() ) {
			// The rollback kept the request's nonce (and the code): the same form works again.
			$out['error'] = Twofa_User_State::busy_error()->get_error_message();
			return self::prepare_setup( $out );
		}
		$out['nonce'] = Twofa_Login_Nonce::create( (int) $out['user_id'], (string) $record['redirect_to'], (bool) $record['remember'], (string) $record['login'] );
		if ( '' === $out['nonce'] ) {
			return self::result( 'busy' );
		}
		$out['error'] = Twofa_User_State::busy_error()->get_error_message();
		return self::prepare_setup( $out );
	}

	/**
	 * Lets the chosen method prepare its first-login setup screen (it may send the
	 * user back to the choice by clearing 'method').
	 *
	 * @param array<string,mixed> $out The result so far.
	 * @return array<string,mixed>
	 */
	private static function prepare_setup( array $out ): array {
		$provider = Twofa_Providers::get( (string) $out['method'] );
		if ( 'form' === $out['outcome'] && self::SETUP === $out['stage'] && $provider ) {
			return $provider->prepare_login_setup( $out );
		}
		return $out;
	}

	/**
	 * The methods first-login setup offers: enabled and able to be primary (not
	 * OTP over Email for a role that may use it only as a backup).
	 *
	 * @param int $user_id User ID (0: any user).
	 * @return array<string,Twofa_Provider>
	 */
	public static function setup_providers( int $user_id = 0 ): array {
		$email_alone = 0 === $user_id || ! Twofa_Provider_Email::backup_only_for( $user_id );
		return array_filter(
			Twofa_Providers::enabled(),
			static function ( Twofa_Provider $p ) use ( $email_alone ): bool {
				return $p->can_be_primary() && ( $email_alone || 'email' !== $p->id() );
			}
		);
	}

	/**
	 * The method the challenge opens on.
	 *
	 * @param int $user_id User ID.
	 */
	public static function default_method( int $user_id ): string {
		$primary = Twofa_User_State::primary( $user_id );
		$best    = '';
		$rank    = PHP_INT_MAX;
		// The lowest challenge_priority() wins; on a tie the primary, then the registry's order.
		foreach ( self::challenge_methods( $user_id ) as $method ) {
			$provider = Twofa_Providers::get( $method );
			$r        = 2 * ( $provider ? $provider->challenge_priority() : 1000 ) + ( $method === $primary ? 0 : 1 );
			if ( $r < $rank ) {
				$best = $method;
				$rank = $r;
			}
		}
		return $best;
	}

	/**
	 * A result with every key present.
	 *
	 * @param string              $outcome form|success|invalid|busy|misconfigured.
	 * @param array<string,mixed> $fields  Values to set.
	 * @return array<string,mixed>
	 */
	private static function result( string $outcome, array $fields = array() ): array {
		return array_merge(
			array(
				'outcome'        => $outcome,
				'user_id'        => 0,
				'stage'          => '',
				'nonce'          => '',
				'method'         => '',
				'error'          => '',
				'notice'         => '',
				'secret'         => null,
				'sent'           => false,
				'redirect_to'    => '',
				'remember'       => false,
				// The pending login's id (Twofa_Login_Nonce): internal, never shown.
				'login_id'       => '',
				// Configure 2FA query arguments to show after a passed step, before going on (empty: none).
				'configure_step' => array(),
			),
			$fields
		);
	}
}
