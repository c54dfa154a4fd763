<?php
/**
 * Passkey ceremonies: begin and finish of adding a passkey and of the login step, and the
 * changes that follow (events, notices).
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The one place that calls the extension's `twofa_passkey_*` functions for a known user
 * (docs/CONTRACTS.md, "Passkeys"). Each begin stores its sealed state in
 * Twofa_Passkey_Ceremonies and hands the browser the options and the state id; each finish
 * takes that state first (one DELETE decides, so a state is accepted once, and a failed
 * finish has used it up too), then verifies. A login replaces the passkey's record by one
 * conditional UPDATE on the record it verified against: 0 rows means another login with
 * the same record won, and this one is refused.
 *
 * Errors are WP_Errors with short messages that name no internals; Twofa_Provider::CANNOT_CHECK
 * when the extension or its key is missing (never counted as a failed attempt).
 */
final class Twofa_Passkey_Ceremony {

	/**
	 * The relying party of this site: its id (the home URL's host) and origin (scheme, host
	 * and port of the home URL).
	 *
	 * @return array{rp_id:string, origin:string}
	 */
	public static function relying_party(): array {
		$parts  = wp_parse_url( home_url() );
		$scheme = isset( $parts['scheme'] ) ? strtolower( (string) $parts['scheme'] ) : 'https';
		$host   = isset( $parts['host'] ) ? strtolower( (string) $parts['host'] ) : '';
		$origin = $scheme . '://' . $host . ( isset( $parts['port'] ) ? ':' . (int) $parts['port'] : '' );
		/**
		 * The WebAuthn relying party id (the home URL's host, or a parent domain of it).
		 *
		 * @param string $rp_id Host of the home URL.
		 */
		$rp_id = (string) apply_filters( 'twofa_passkey_rp_id', $host );
		return array(
			'rp_id'  => $rp_id,
			'origin' => $origin,
		);
	}

	/**
	 * Whether the extension offers passkeys and this site's address can have them
	 * (WebAuthn refuses IP addresses, and plain http anywhere but localhost).
	 */
	public static function available(): bool {
		if ( ! function_exists( 'twofa_passkey_login_begin' ) ) {
			return false;
		}
		$rp = self::relying_party();
		$ok = '' !== $rp['rp_id'] && false === filter_var( trim( $rp['rp_id'], '[]' ), FILTER_VALIDATE_IP );
		return $ok && ( 0 === strpos( $rp['origin'], 'https://' ) || 'localhost' === $rp['rp_id'] );
	}

	/* ------------------------------------------------------------------ */
	/* Adding a passkey                                                    */
	/* ------------------------------------------------------------------ */

	/**
	 * Starts adding a passkey for a user.
	 *
	 * @param WP_User $user The user (logged in, or at first-login setup).
	 * @return array{options:string, state_id:string}|WP_Error
	 */
	public static function register_begin( WP_User $user ) {
		if ( ! self::available() ) {
			return self::unavailable();
		}
		$user_id = (int) $user->ID;
		$rp      = self::relying_party();
		try {
			$begin = twofa_passkey_register_begin(
				$user_id,
				self::text( (string) $user->user_login, (string) $user_id ),
				self::text( (string) $user->display_name, (string) $user->user_login ),
				Twofa_Passkeys::user_handle( $user_id ),
				Twofa_Passkeys::records_for_user( $user_id ),
				$rp['rp_id'],
				$rp['origin'],
				Twofa_Clock::now()
			);
		} catch ( Throwable $e ) {
			return self::unavailable();
		}
		return self::stored( $begin, $user_id, Twofa_Passkey_Ceremonies::REGISTRATION );
	}

	/**
	 * Finishes adding a passkey: verifies, stores it, records the event, sends the notice.
	 *
	 * @param int    $user_id  User ID.
	 * @param string $state_id State id the browser sent back.
	 * @param string $response The browser's credential JSON.
	 * @param string $name     The user's name for it.
	 * @return array{id:int, first:bool, notified:bool}|WP_Error
	 */
	public static function register_finish( int $user_id, string $state_id, string $response, string $name ) {
		// The state was written by the begin request, maybe on another database node.
		Twofa_User_State::causal_reads();
		$state = Twofa_Passkey_Ceremonies::take( $state_id, Twofa_Passkey_Ceremonies::REGISTRATION, $user_id );
		if ( is_wp_error( $state ) ) {
			return $state;
		}
		if ( null === $state ) {
			return self::expired();
		}
		if ( ! function_exists( 'twofa_passkey_register_finish' ) ) {
			return self::unavailable();
		}
		try {
			$done = twofa_passkey_register_finish( $state, $response, $user_id, Twofa_Clock::now() );
		} catch ( Twofa\KeyException $e ) {
			return self::unavailable();
		} catch ( Throwable $e ) {
			return new WP_Error( 'twofa_passkey_refused', __( 'The passkey could not be verified. Nothing was saved; please try again.', 'twofa' ) );
		}
		$first = ! Twofa_Providers::get( Twofa_Provider_Passkey::ID )->is_configured( $user_id );
		$id    = Twofa_Passkeys::add( $user_id, (string) $done['credential_id'], (string) $done['record'], $name, Twofa_Clock::now() );
		if ( is_wp_error( $id ) ) {
			return $id;
		}
		if ( null === Twofa_Passkeys::user_handle( $user_id ) ) {
			Twofa_Passkeys::set_user_handle( $user_id, (string) $done['user_handle'] );
		}
		wp_cache_delete( $user_id, 'user_meta' );
		if ( $first ) {
			Twofa_User_State::mark_configured( $user_id, Twofa_Provider_Passkey::ID );
		}
		Twofa_Events::record( Twofa_Events::PASSKEY_ADDED, $user_id, array( 'method' => Twofa_Provider_Passkey::ID, 'actor' => get_current_user_id() ?: $user_id ) );
		Twofa_Method_Change::end_other_sessions( $user_id );
		return array(
			'id'       => $id,
			'first'    => $first,
			'notified' => true === Twofa_Notifier::send( $user_id, 'method_added', Twofa_Provider_Passkey::ID ),
		);
	}

	/* ------------------------------------------------------------------ */
	/* The login step                                                      */
	/* ------------------------------------------------------------------ */

	/**
	 * Starts the passkey step of a login (the user's passkeys are allowed).
	 *
	 * @param int $user_id User ID.
	 * @return array{options:string, state_id:string}|WP_Error
	 */
	public static function login_begin( int $user_id ) {
		if ( ! self::available() ) {
			return self::unavailable();
		}
		$records = Twofa_Passkeys::records_for_user( $user_id );
		if ( ! $records ) {
			return new WP_Error( 'twofa_passkey_none', __( 'You have no passkey on this site.', 'twofa' ) );
		}
		$rp = self::relying_party();
		try {
			$begin = twofa_passkey_login_begin( $user_id, $records, $rp['rp_id'], $rp['origin'], Twofa_Clock::now() );
		} catch ( Throwable $e ) {
			return self::unavailable();
		}
		return self::stored( $begin, $user_id, Twofa_Passkey_Ceremonies::AUTHENTICATION );
	}

	/**
	 * Finishes the passkey step: takes the state once, verifies the assertion against the
	 * user's current records, then replaces the record that matched (0 rows: refused).
	 *
	 * @param int    $user_id  User ID.
	 * @param string $state_id State id the browser sent back.
	 * @param string $response The browser's credential JSON.
	 * @return true|WP_Error
	 */
	public static function login_finish( int $user_id, string $state_id, string $response ) {
		$state = Twofa_Passkey_Ceremonies::take( $state_id, Twofa_Passkey_Ceremonies::AUTHENTICATION, $user_id );
		if ( is_wp_error( $state ) ) {
			return $state;
		}
		if ( null === $state ) {
			return self::expired();
		}
		if ( ! function_exists( 'twofa_passkey_login_finish' ) ) {
			return self::unavailable();
		}
		$by_credential = Twofa_Passkeys::records_by_credential( $user_id );
		if ( ! $by_credential ) {
			return self::refused();
		}
		try {
			$done = twofa_passkey_login_finish( $state, $response, $user_id, array_values( $by_credential ), Twofa_Clock::now() );
		} catch ( Twofa\KeyException $e ) {
			return self::unavailable();
		} catch ( Throwable $e ) {
			return self::refused();
		}
		$credential_id = (string) $done['credential_id'];
		if ( ! isset( $by_credential[ $credential_id ] ) ) {
			return self::refused();
		}
		$replaced = Twofa_Passkeys::replace_record( $user_id, $credential_id, $by_credential[ $credential_id ], (string) $done['record'], Twofa_Clock::now() );
		if ( null === $replaced ) {
			// Not decided: the login step rolls back (the state comes back with it) and says "try again".
			return Twofa_User_State::busy_error();
		}
		if ( ! $replaced ) {
			// Another login with the same record won the race (or the passkey was removed meanwhile).
			return self::refused();
		}
		return true;
	}

	/* ------------------------------------------------------------------ */
	/* Rename and remove                                                   */
	/* ------------------------------------------------------------------ */

	/**
	 * Removes one passkey. The last one is the method itself: it goes through
	 * Twofa_Method_Removal (its rules, the primary, sessions, remembered devices, the
	 * method_removed event and notice); any other is one DELETE decided by its affected rows,
	 * then the other sessions end and the notice goes out. Either way passkey_removed is
	 * recorded once.
	 *
	 * @param int    $user_id User ID.
	 * @param int    $id      Passkey row id.
	 * @param string $by      Twofa_Method_Removal::BY_USER or BY_ADMIN.
	 * @return bool|WP_Error Whether the notice was sent, or why nothing was removed.
	 */
	public static function remove( int $user_id, int $id, string $by ) {
		$unknown = new WP_Error( 'twofa_passkey_unknown', __( 'That passkey does not exist (it may have been removed already).', 'twofa' ) );
		if ( null === Twofa_Passkeys::get( $user_id, $id ) ) {
			return $unknown;
		}
		if ( Twofa_Passkeys::count_for_user( $user_id ) <= 1 ) {
			$notified = Twofa_Method_Removal::remove( $user_id, Twofa_Provider_Passkey::ID, $by );
		} elseif ( Twofa_Passkeys::remove( $user_id, $id ) ) {
			Twofa_Devices::forget_all( $user_id );
			Twofa_Method_Change::end_other_sessions( $user_id );
			$notified = true === Twofa_Notifier::send( $user_id, 'method_removed', Twofa_Provider_Passkey::ID );
		} else {
			return $unknown;
		}
		if ( ! is_wp_error( $notified ) ) {
			Twofa_Events::record( Twofa_Events::PASSKEY_REMOVED, $user_id, array( 'method' => Twofa_Provider_Passkey::ID ) );
		}
		return $notified;
	}

	/* ------------------------------------------------------------------ */
	/* Helpers                                                             */
	/* ------------------------------------------------------------------ */

	/**
	 * Stores a begin's state and returns what the browser gets.
	 *
	 * @param array<string,mixed> $begin   The extension's begin result.
	 * @param int                 $user_id User ID.
	 * @param string              $purpose Ceremony purpose.
	 * @return array{options:string, state_id:string}|WP_Error
	 */
	private static function stored( array $begin, int $user_id, string $purpose ) {
		$state_id = (string) ( $begin['state_id'] ?? '' );
		if ( ! Twofa_Passkey_Ceremonies::store( $state_id, $user_id, $purpose, (string) ( $begin['state'] ?? '' ), (int) ( $begin['expires_at'] ?? 0 ) ) ) {
			return self::unavailable();
		}
		return array(
			'options'  => (string) $begin['options'],
			'state_id' => $state_id,
		);
	}

	/**
	 * A name the extension accepts: 1 to 256 bytes of UTF-8 without control characters.
	 *
	 * @param string $text     Candidate.
	 * @param string $fallback Used when the candidate is empty after cleaning.
	 */
	private static function text( string $text, string $fallback ): string {
		$text = trim( (string) preg_replace( '/[\x00-\x1f\x7f]+/', ' ', wp_check_invalid_utf8( $text, true ) ) );
		if ( '' === $text ) {
			$text = '' !== $fallback ? $fallback : 'user';
		}
		return function_exists( 'mb_strcut' ) ? mb_strcut( $text, 0, 256, 'UTF-8' ) : substr( $text, 0, 256 );
	}

	/**
	 * "Cannot check": the extension, its key or the table is missing.
	 */
	private static function unavailable(): WP_Error {
		return new WP_Error( Twofa_Provider::CANNOT_CHECK, __( 'Passkeys are not available on this site right now. Please contact the site owner.', 'twofa' ) );
	}

	/**
	 * The state was used already, expired or never existed.
	 */
	private static function expired(): WP_Error {
		return new WP_Error( 'twofa_passkey_expired', __( 'This passkey request has expired or was already used. Please try again.', 'twofa' ) );
	}

	/**
	 * The assertion did not verify.
	 */
	private static function refused(): WP_Error {
		return new WP_Error( 'twofa_passkey_refused', __( 'The passkey could not be verified.', 'twofa' ) );
	}
}
