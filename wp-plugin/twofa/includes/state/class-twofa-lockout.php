<?php
/**
 * Failed second steps: counting, back-off and lockout.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Failures are counted per account in the database with atomic increments, so
 * they hold across methods, nonces, resends and PHP servers. Each failure from
 * `backoff_after` on doubles the wait before the next code is even checked; at
 * `lockout_after` the account is locked for `lockout_minutes`, and every further
 * failure locks it again (the count only resets on success), so an attacker who
 * knows the password gets a handful of guesses per lockout period at most. At
 * `permanent_lock_after` failures in a row the lock no longer ends by itself:
 * only an administrator unlocks it (profile screen, `wp twofa unlock`), and the
 * user and the site's administrator are told.
 */
final class Twofa_Lockout {

	/**
	 * Longest back-off between two attempts, in seconds.
	 */
	const MAX_BACKOFF = 900;

	/**
	 * What locked_for() returns for a lock only an administrator lifts.
	 */
	const PERMANENT = PHP_INT_MAX;

	/**
	 * Seconds the account stays locked (0 when it is not; PERMANENT until unlocked).
	 *
	 * @param int $user_id User ID.
	 */
	public static function locked_for( int $user_id ): int {
		Twofa_User_State::fresh( $user_id );
		if ( self::is_locked_permanently( $user_id ) ) {
			return self::PERMANENT;
		}
		$until = (int) get_user_meta( $user_id, Twofa_User_State::LOCKED_UNTIL, true );
		return max( 0, $until - Twofa_Clock::now() );
	}

	/**
	 * Whether the account's second step is locked until an administrator unlocks it.
	 *
	 * @param int $user_id User ID.
	 */
	public static function is_locked_permanently( int $user_id ): bool {
		return (int) get_user_meta( $user_id, Twofa_User_State::LOCKED_FOR_GOOD, true ) > 0;
	}

	/**
	 * Claims the next check of a password or code before it is made (re-authentication):
	 * the failure is counted first, by one atomic increment that gives each parallel
	 * request its own number, and the back-off and lock are decided on that number.
	 * A refused claim is given back at once; the caller gives back an allowed one
	 * with release_check() unless the check failed (record_failure() with the number).
	 *
	 * @param int $user_id User ID.
	 * @return int|WP_Error The failure number this check will have if it fails.
	 */
	public static function claim_check( int $user_id ) {
		global $wpdb;
		// One claim at a time per account (on this database server): claim n's back-off runs
		// from the time claim n-1 writes below, which a parallel claim would read before it is
		// written (LoginAttacksTest saw a fourth code checked that way). Without the lock, no claim.
		$lock = 'twofa_claim_' . $user_id;
		if ( 1 !== (int) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, 10)', $lock ) ) ) {
			return Twofa_User_State::busy_error();
		}
		try {
			return self::claim_check_locked( $user_id );
		} finally {
			$wpdb->get_var( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $lock ) );
		}
	}

	/**
	 * claim_check() while it holds the account's claim lock.
	 *
	 * @param int $user_id User ID.
	 * @return int|WP_Error
	 */
	private static function claim_check_locked( int $user_id ) {
		$n = Twofa_User_State::atomic_increment( $user_id, Twofa_User_State::FAILURES );
		if ( null === $n ) {
			// Not counted, so not checked.
			return Twofa_User_State::busy_error();
		}
		$now    = Twofa_Clock::now();
		$locked = self::locked_for( $user_id );
		$wait   = 0;
		$gap    = self::backoff_for( $n - 1 );
		if ( 0 === $locked && $gap > 0 ) {
			$wait = max( 0, (int) get_user_meta( $user_id, Twofa_User_State::LAST_FAILURE, true ) + $gap - $now );
		}
		$limit = (int) Twofa_Settings::get( 'lockout_after' );
		if ( 0 === $locked && $limit > 0 && $n > $limit && '' === (string) get_user_meta( $user_id, Twofa_User_State::LOCKED_UNTIL, true ) ) {
			// The claims before this one reach the lock, and none has locked yet: they are still
			// being checked (a slow check can outlast the back-off). None more until they are
			// decided: each either fails, and the last one locks, or passes and is given back.
			$wait = max( $wait, 1 );
		}
		if ( $locked > 0 || $wait > 0 ) {
			self::release_check( $user_id );
			return $locked > 0
				? new WP_Error( 'twofa_locked', self::lock_message( $locked ) )
				: new WP_Error( 'twofa_backoff', self::backoff_message( $wait ) );
		}
		// The next claim's back-off runs from this one.
		update_user_meta( $user_id, Twofa_User_State::LAST_FAILURE, (string) $now );
		return $n;
	}

	/**
	 * Gives back a claim_check() whose check did not fail (passed, or could not be made).
	 *
	 * @param int $user_id User ID.
	 */
	public static function release_check( int $user_id ): void {
		Twofa_User_State::atomic_decrement( $user_id, Twofa_User_State::FAILURES );
	}

	/**
	 * Failed attempts since the last success.
	 *
	 * @param int $user_id User ID.
	 */
	public static function failures( int $user_id ): int {
		Twofa_User_State::fresh( $user_id );
		return max( 0, (int) get_user_meta( $user_id, Twofa_User_State::FAILURES, true ) );
	}

	/**
	 * The back-off that $failures failures impose, in seconds.
	 *
	 * @param int $failures Failed attempts so far.
	 */
	public static function backoff_for( int $failures ): int {
		$after = (int) Twofa_Settings::get( 'backoff_after' );
		if ( $failures < $after ) {
			return 0;
		}
		$exponent = $failures - $after;
		return $exponent >= 10 ? self::MAX_BACKOFF : min( self::MAX_BACKOFF, 2 ** $exponent );
	}

	/**
	 * Seconds to wait before the next attempt may be checked (0 = now).
	 *
	 * @param int $user_id User ID.
	 */
	public static function backoff_remaining( int $user_id ): int {
		$wait = self::backoff_for( self::failures( $user_id ) );
		if ( 0 === $wait ) {
			return 0;
		}
		$last = (int) get_user_meta( $user_id, Twofa_User_State::LAST_FAILURE, true );
		return max( 0, $last + $wait - Twofa_Clock::now() );
	}

	/**
	 * Counts an attempt before its code is checked (docs/DESIGN.md, "State under
	 * concurrency"): the counter is raised by one statement whose result decides
	 * whether the code may be checked at all, so no checked code goes uncounted,
	 * whatever the database does. A success resets the count; a check that could
	 * not happen gives the attempt back.
	 *
	 * @param int $user_id User ID.
	 * @return int|null The count including this attempt, or null when the database refused it (do not check).
	 */
	public static function count_attempt( int $user_id ): ?int {
		return Twofa_User_State::atomic_increment( $user_id, Twofa_User_State::FAILURES );
	}

	/**
	 * Gives back an attempt counted by count_attempt() whose code was never really
	 * checked (the method could not check it, or the database refused to spend it).
	 *
	 * @param int $user_id User ID.
	 */
	public static function give_back( int $user_id ): void {
		Twofa_User_State::atomic_increment( $user_id, Twofa_User_State::FAILURES, -1 );
	}

	/**
	 * Records one failed second step, locks the account when the limit is
	 * reached, tells the user once, and fires `wp_login_failed`.
	 *
	 * @param WP_User  $user     The account.
	 * @param WP_Error $why      What failed (passed to wp_login_failed listeners).
	 * @param string   $method   The method whose code was refused ('' for a password).
	 * @param int|null $failures The count count_attempt() or claim_check() returned for this attempt; null or 0: count it now.
	 * @return array{failures:int, locked_for:int}
	 */
	public static function record_failure( WP_User $user, WP_Error $why, string $method = '', ?int $failures = null ): array {
		$user_id  = (int) $user->ID;
		$failures = null !== $failures && $failures > 0 ? $failures : self::count_attempt( $user_id );
		$now      = Twofa_Clock::now();
		if ( null === $failures ) {
			// Not counted (logged by Twofa_User_State); the attempt is refused all the same.
			$failures = self::failures( $user_id );
		}
		Twofa_User_State::set_value( $user_id, Twofa_User_State::LAST_FAILURE, (string) $now );
		Twofa_Events::record( Twofa_Events::CODE_REFUSED, $user_id, array( 'method' => $method, 'actor' => $user_id, 'details' => array( 'reason' => $why->get_error_code(), 'failures' => $failures ) ) );
		if ( $failures === (int) Twofa_Settings::get( 'backoff_after' ) ) {
			Twofa_Events::record( Twofa_Events::BACKOFF, $user_id, array( 'actor' => $user_id, 'details' => array( 'failures' => $failures ) ) );
		}

		$locked_for = 0;
		$limit      = (int) Twofa_Settings::get( 'lockout_after' );
		if ( $failures >= (int) Twofa_Settings::get( 'permanent_lock_after' ) ) {
			$locked_for = self::lock_permanently( $user_id, $failures );
		} elseif ( $failures >= $limit ) {
			$locked_for = 60 * (int) Twofa_Settings::get( 'lockout_minutes' );
			Twofa_User_State::raise_value( $user_id, Twofa_User_State::LOCKED_UNTIL, $now + $locked_for );
			Twofa_Events::record( Twofa_Events::LOCKOUT, $user_id, array( 'actor' => $user_id, 'details' => array( 'failures' => $failures, 'minutes' => (int) ( $locked_for / 60 ) ) ) );
			// The atomic counter hands this exact value to one request only: one email per series.
			if ( $failures === $limit ) {
				Twofa_Notifier::send( $user_id, 'lockout', null );
			}
		}

		/** This action is documented in wp-includes/pluggable.php */
		do_action( 'wp_login_failed', $user->user_login, $why );

		return array(
			'failures'   => $failures,
			'locked_for' => $locked_for,
		);
	}

	/**
	 * Locks the second step until an administrator unlocks it. The request whose
	 * one conditional UPDATE turns the lock on records the event and sends the
	 * notices (the user's, and the site administrator's); parallel stragglers find
	 * it on already.
	 *
	 * @param int $user_id  User ID.
	 * @param int $failures Failures in a row.
	 * @return int PERMANENT.
	 */
	private static function lock_permanently( int $user_id, int $failures ): int {
		$now = Twofa_Clock::now();
		Twofa_User_State::ensure_meta_row( $user_id, Twofa_User_State::LOCKED_FOR_GOOD, '0' );
		if ( Twofa_User_State::compare_and_set( $user_id, Twofa_User_State::LOCKED_FOR_GOOD, '0', (string) $now ) ) {
			Twofa_Events::record( Twofa_Events::LOCKOUT, $user_id, array( 'actor' => $user_id, 'details' => array( 'failures' => $failures, 'permanent' => true ) ) );
			Twofa_Notifier::send( $user_id, 'lockout_permanent', null );
			Twofa_Notifier::send( $user_id, 'admin_lockout_permanent', null );
		}
		return self::PERMANENT;
	}

	/**
	 * Clears the counters after a successful second step, and every lock on an
	 * administrator's unlock.
	 *
	 * @param int $user_id User ID.
	 * @return bool Whether the database took it.
	 */
	public static function reset( int $user_id ): bool {
		return Twofa_User_State::delete_keys( $user_id, array( Twofa_User_State::FAILURES, Twofa_User_State::LAST_FAILURE, Twofa_User_State::LOCKED_UNTIL, Twofa_User_State::LOCKED_FOR_GOOD ) );
	}

	/**
	 * An administrator's unlock (profile screen or `wp twofa unlock`): every lock and
	 * counter cleared, one `unlock` event.
	 *
	 * @param int $user_id User ID.
	 * @return bool Whether the account was locked (for a while or permanently).
	 */
	public static function unlock( int $user_id ): bool {
		$locked    = self::locked_for( $user_id ) > 0;
		$permanent = self::is_locked_permanently( $user_id );
		self::reset( $user_id );
		Twofa_Events::record(
			Twofa_Events::UNLOCK,
			$user_id,
			array( 'details' => array( 'was_locked' => $locked ) + ( $permanent ? array( 'permanent' => true ) : array() ) )
		);
		return $locked;
	}

	/**
	 * "Locked for 15 minutes" in words.
	 *
	 * @param int $seconds Remaining lock.
	 */
	public static function lock_message( int $seconds ): string {
		if ( self::PERMANENT === $seconds ) {
			return __( 'Too many wrong codes were entered for this account, so its two-factor step is locked until a site administrator unlocks it. Even a correct code is refused until then.', 'twofa' );
		}
		$minutes = max( 1, (int) ceil( $seconds / 60 ) );
		return sprintf(
			/* translators: %d: minutes. */
			_n(
				'Too many wrong codes were entered for this account, so it is locked. Try again in %d minute. Even a correct code is refused until then.',
				'Too many wrong codes were entered for this account, so it is locked. Try again in %d minutes. Even a correct code is refused until then.',
				$minutes,
				'twofa'
			),
			$minutes
		);
	}

	/**
	 * "Wait 8 seconds" in words.
	 *
	 * @param int $seconds Remaining back-off.
	 */
	public static function backoff_message( int $seconds ): string {
		return sprintf(
			/* translators: %d: seconds. */
			_n(
				'Several wrong codes were entered. Wait %d second before trying again; the code was not checked.',
				'Several wrong codes were entered. Wait %d seconds before trying again; the code was not checked.',
				$seconds,
				'twofa'
			),
			$seconds
		);
	}
}
