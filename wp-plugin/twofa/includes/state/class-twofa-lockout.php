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
 * knows the password gets a handful of guesses per lockout period at most.
 */
final class Twofa_Lockout {

	/**
	 * Longest back-off between two attempts, in seconds.
	 */
	const MAX_BACKOFF = 900;

	/**
	 * Seconds the account stays locked (0 when it is not).
	 *
	 * @param int $user_id User ID.
	 */
	public static function locked_for( int $user_id ): int {
		wp_cache_delete( $user_id, 'user_meta' );
		$until = (int) get_user_meta( $user_id, Twofa_User_State::LOCKED_UNTIL, true );
		return max( 0, $until - Twofa_Clock::now() );
	}

	/**
	 * Failed attempts since the last success.
	 *
	 * @param int $user_id User ID.
	 */
	public static function failures( int $user_id ): int {
		wp_cache_delete( $user_id, 'user_meta' );
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
	 * @param int|null $failures The count count_attempt() returned for this attempt; null: count it now.
	 * @return array{failures:int, locked_for:int}
	 */
	public static function record_failure( WP_User $user, WP_Error $why, string $method = '', ?int $failures = null ): array {
		$user_id  = (int) $user->ID;
		$failures = $failures ?? self::count_attempt( $user_id );
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
		if ( $failures >= $limit ) {
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
	 * Clears the counters after a successful second step, in one statement.
	 *
	 * @param int $user_id User ID.
	 * @return bool Whether the database took it.
	 */
	public static function reset( int $user_id ): bool {
		return Twofa_User_State::delete_keys( $user_id, array( Twofa_User_State::FAILURES, Twofa_User_State::LAST_FAILURE, Twofa_User_State::LOCKED_UNTIL ) );
	}

	/**
	 * "Locked for 15 minutes" in words.
	 *
	 * @param int $seconds Remaining lock.
	 */
	public static function lock_message( int $seconds ): string {
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
