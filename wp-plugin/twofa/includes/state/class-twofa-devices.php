<?php
/**
 * Remembered devices: a browser that passed the second step may skip it for a while.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The browser keeps a cookie `twofa_device_{user_id}` holding `{device_id}.{token}`:
 * a random 64-bit id and a random 256-bit token, both from the OS CSPRNG. The
 * database keeps one `_twofa_device` user meta row per device with only the
 * token's keyed hash (context `device:{user_id}`, docs/CONTRACTS.md), so a
 * database dump remembers no browser, and a cookie copied to another account
 * never matches (the user id is bound into the hash).
 *
 * A device only ever skips the challenge: the password is always required.
 */
final class Twofa_Devices {

	const META = '_twofa_device';

	const COOKIE_PREFIX = 'twofa_device_';

	/**
	 * Most devices remembered per user; the least recently used one makes room.
	 */
	const MAX_DEVICES = 20;

	/**
	 * last_used is written at most this often (seconds), to keep logins cheap.
	 */
	const TOUCH_EVERY = 60;

	/**
	 * Results of recognize() in this request: user id => record or null.
	 *
	 * @var array<int,array<string,mixed>|null>
	 */
	private static $recognized = array();

	/**
	 * Whether the site lets users remember devices.
	 */
	public static function enabled(): bool {
		return (bool) Twofa_Settings::get( 'remember_devices' );
	}

	/**
	 * Days a remembered device stays remembered.
	 */
	public static function days(): int {
		return (int) Twofa_Settings::get( 'remember_days' );
	}

	/**
	 * Name of a user's device cookie.
	 *
	 * @param int $user_id User ID.
	 */
	public static function cookie_name( int $user_id ): string {
		return self::COOKIE_PREFIX . $user_id;
	}

	/**
	 * Hash context of a user's device tokens (docs/CONTRACTS.md).
	 *
	 * @param int $user_id User ID.
	 */
	public static function context( int $user_id ): string {
		return 'device:' . $user_id;
	}

	/**
	 * Remembers the current browser for the user: stores the hashed token, sends the cookie.
	 *
	 * @param int    $user_id    User ID.
	 * @param string $user_agent The browser's User-Agent header.
	 * @param string $ip         The address it came from.
	 * @return string The device id.
	 * @throws Twofa\Exception When the extension cannot hash.
	 */
	public static function remember( int $user_id, string $user_agent, string $ip ): string {
		$issued = self::issue( $user_id, $user_agent, $ip );
		self::send_cookie( $user_id, $issued['cookie'], (int) $issued['expires'] );
		return (string) $issued['id'];
	}

	/**
	 * Creates a device record and returns what the cookie must carry (no cookie is sent).
	 *
	 * @param int    $user_id    User ID.
	 * @param string $user_agent User-Agent header.
	 * @param string $ip         Client address.
	 * @param int    $days       Lifetime (the setting when 0).
	 * @return array{id:string, cookie:string, expires:int}
	 * @throws Twofa\Exception When the extension cannot hash.
	 */
	public static function issue( int $user_id, string $user_agent, string $ip, int $days = 0 ): array {
		$days  = $days > 0 ? $days : self::days();
		$id    = bin2hex( random_bytes( 8 ) );
		$token = bin2hex( random_bytes( 32 ) );
		$now   = Twofa_Clock::now();
		$hash  = (string) twofa_hash_code( $token, self::context( $user_id ) );
		self::prune( $user_id, self::MAX_DEVICES - 1 );
		$record = array(
			'id'        => $id,
			'hash'      => $hash,
			'created'   => $now,
			'last_used' => $now,
			'expires'   => $now + $days * DAY_IN_SECONDS,
			'label'     => self::label( $user_agent ),
			'ip'        => self::clean_ip( $ip ),
		);
		add_user_meta( $user_id, self::META, wp_slash( (string) wp_json_encode( $record ) ) );
		wp_cache_delete( $user_id, 'user_meta' );
		unset( self::$recognized[ $user_id ] );
		Twofa_Events::record( Twofa_Events::DEVICE_REMEMBERED, $user_id, array( 'actor' => $user_id, 'details' => array( 'days' => $days ) ) );
		return array(
			'id'      => $id,
			'cookie'  => $id . '.' . $token,
			'expires' => (int) $record['expires'],
		);
	}

	/**
	 * The user's remembered device presented by this request's cookie, or null
	 * (no cookie, malformed, forged, expired, revoked, another user's).
	 *
	 * @param int $user_id User ID.
	 * @return array<string,mixed>|null The record (without its hash).
	 */
	public static function recognize( int $user_id ): ?array {
		if ( array_key_exists( $user_id, self::$recognized ) ) {
			return self::$recognized[ $user_id ];
		}
		$name  = self::cookie_name( $user_id );
		$value = isset( $_COOKIE[ $name ] ) && is_string( $_COOKIE[ $name ] ) ? sanitize_text_field( wp_unslash( $_COOKIE[ $name ] ) ) : '';
		$found = '' === $value ? null : self::check( $user_id, $value );
		self::$recognized[ $user_id ] = $found;
		return $found;
	}

	/**
	 * Checks a cookie value against the user's devices; refreshes last_used.
	 *
	 * @param int    $user_id User ID.
	 * @param string $value   `{device_id}.{token}`.
	 * @return array<string,mixed>|null
	 */
	public static function check( int $user_id, string $value ): ?array {
		if ( $user_id <= 0 || ! preg_match( '/^([0-9a-f]{16})\.([0-9a-f]{64})$/', $value, $m ) ) {
			return null;
		}
		$now = Twofa_Clock::now();
		foreach ( self::rows( $user_id ) as $raw => $record ) {
			if ( ! hash_equals( (string) $record['id'], $m[1] ) ) {
				continue;
			}
			if ( (int) $record['expires'] <= $now ) {
				Twofa_User_State::consume( $user_id, self::META, $raw );
				return null;
			}
			try {
				$ok = (bool) twofa_verify_code( (string) $record['hash'], $m[2], self::context( $user_id ) );
			} catch ( Throwable $e ) {
				return null;
			}
			if ( ! $ok ) {
				return null;
			}
			if ( $now - (int) $record['last_used'] >= self::TOUCH_EVERY ) {
				$touched              = $record;
				$touched['last_used'] = $now;
				// Losing this race to a parallel login only loses a timestamp.
				if ( Twofa_User_State::compare_and_set( $user_id, self::META, $raw, (string) wp_json_encode( $touched ) ) ) {
					$record = $touched;
				}
			}
			unset( $record['hash'] );
			return $record;
		}
		return null;
	}

	/**
	 * The id of the device this request comes from, if it is one of the user's.
	 *
	 * @param int $user_id User ID.
	 */
	public static function current_id( int $user_id ): string {
		$record = self::recognize( $user_id );
		return null === $record ? '' : (string) $record['id'];
	}

	/**
	 * The user's unexpired devices, most recently used first (no hashes).
	 *
	 * @param int $user_id User ID.
	 * @return array<int,array<string,mixed>>
	 */
	public static function all( int $user_id ): array {
		$now = Twofa_Clock::now();
		$out = array();
		foreach ( self::rows( $user_id ) as $record ) {
			if ( (int) $record['expires'] > $now ) {
				unset( $record['hash'] );
				$out[] = $record;
			}
		}
		usort(
			$out,
			static function ( array $a, array $b ): int {
				return (int) $b['last_used'] <=> (int) $a['last_used'];
			}
		);
		return $out;
	}

	/**
	 * Number of unexpired devices.
	 *
	 * @param int $user_id User ID.
	 */
	public static function count( int $user_id ): int {
		return count( self::all( $user_id ) );
	}

	/**
	 * Forgets one device.
	 *
	 * @param int    $user_id   User ID.
	 * @param string $device_id Device id.
	 * @return bool Whether it existed (and is gone now).
	 */
	public static function forget( int $user_id, string $device_id ): bool {
		if ( ! preg_match( '/^[0-9a-f]{16}$/', $device_id ) ) {
			return false;
		}
		foreach ( self::rows( $user_id ) as $raw => $record ) {
			if ( hash_equals( (string) $record['id'], $device_id ) ) {
				unset( self::$recognized[ $user_id ] );
				$gone = true === Twofa_User_State::consume( $user_id, self::META, $raw );
				$gone && Twofa_Events::record( Twofa_Events::DEVICE_FORGOTTEN, $user_id, array( 'details' => array( 'count' => 1 ) ) );
				return $gone;
			}
		}
		return false;
	}

	/**
	 * Forgets every device of the user (password change, 2FA reset, method removal).
	 *
	 * @param int $user_id User ID.
	 * @return int How many were remembered (expired ones included).
	 */
	public static function forget_all( int $user_id ): int {
		global $wpdb;
		$deleted = $wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s", $user_id, self::META ) );
		wp_cache_delete( $user_id, 'user_meta' );
		unset( self::$recognized[ $user_id ] );
		is_int( $deleted ) && $deleted > 0 && Twofa_Events::record( Twofa_Events::DEVICE_FORGOTTEN, $user_id, array( 'details' => array( 'count' => $deleted ) ) );
		return is_int( $deleted ) ? $deleted : 0;
	}

	/**
	 * Sends (or clears, with $expires 0) the device cookie: HttpOnly, Secure on HTTPS, SameSite=Lax.
	 *
	 * @param int    $user_id User ID.
	 * @param string $value   Cookie value ('' clears it).
	 * @param int    $expires Unix expiry.
	 */
	public static function send_cookie( int $user_id, string $value, int $expires ): void {
		if ( headers_sent() ) {
			return;
		}
		setcookie(
			self::cookie_name( $user_id ),
			$value,
			array(
				'expires'  => '' === $value ? time() - YEAR_IN_SECONDS : $expires,
				'path'     => defined( 'COOKIEPATH' ) && COOKIEPATH ? COOKIEPATH : '/',
				'domain'   => defined( 'COOKIE_DOMAIN' ) && COOKIE_DOMAIN ? COOKIE_DOMAIN : '',
				'secure'   => is_ssl(),
				'httponly' => true,
				'samesite' => 'Lax',
			)
		);
	}

	/**
	 * "Firefox on Linux" from a User-Agent header ("Unknown browser" when it says nothing useful).
	 *
	 * @param string $user_agent User-Agent header.
	 */
	public static function label( string $user_agent ): string {
		$ua       = substr( $user_agent, 0, 512 );
		$browsers = array(
			'Edge'              => '#\bEdg(e|A|iOS)?/#',
			'Opera'             => '#\b(OPR|Opera)/#',
			'Samsung Internet'  => '#\bSamsungBrowser/#',
			'Firefox'           => '#\b(Firefox|FxiOS)/#',
			'Chrome'            => '#(Chrome|\bCriOS)/#', // HeadlessChrome/ too.
			'Safari'            => '#\bVersion/[\d.]+.*\bSafari/#',
		);
		$systems  = array(
			'Android' => '#\bAndroid\b#',
			'iOS'     => '#\b(iPhone|iPad|iPod)\b#',
			'Windows' => '#\bWindows\b#',
			'macOS'   => '#\bMac OS X\b|\bMacintosh\b#',
			'ChromeOS' => '#\bCrOS\b#',
			'Linux'   => '#\bLinux\b|\bX11\b#',
		);
		$browser = '';
		foreach ( $browsers as $name => $pattern ) {
			if ( preg_match( $pattern, $ua ) ) {
				$browser = $name;
				break;
			}
		}
		$system = '';
		foreach ( $systems as $name => $pattern ) {
			if ( preg_match( $pattern, $ua ) ) {
				$system = $name;
				break;
			}
		}
		if ( '' !== $browser && '' !== $system ) {
			/* translators: 1: browser name (e.g. Firefox), 2: operating system (e.g. Linux). */
			return sprintf( __( '%1$s on %2$s', 'twofa' ), $browser, $system );
		}
		if ( '' !== $browser || '' !== $system ) {
			return '' !== $browser ? $browser : $system;
		}
		return __( 'Unknown browser', 'twofa' );
	}

	/**
	 * The client address as stored: a valid IP or ''.
	 *
	 * @param string $ip Raw address.
	 */
	public static function clean_ip( string $ip ): string {
		$ip = trim( $ip );
		return false !== filter_var( $ip, FILTER_VALIDATE_IP ) ? $ip : '';
	}

	/**
	 * Deletes expired devices, then the least recently used ones beyond $keep.
	 *
	 * @param int $user_id User ID.
	 * @param int $keep    How many unexpired devices may stay.
	 */
	private static function prune( int $user_id, int $keep ): void {
		$now  = Twofa_Clock::now();
		$live = array();
		foreach ( self::rows( $user_id ) as $raw => $record ) {
			if ( (int) $record['expires'] <= $now ) {
				Twofa_User_State::consume( $user_id, self::META, $raw );
			} else {
				$live[ $raw ] = (int) $record['last_used'];
			}
		}
		arsort( $live );
		foreach ( array_slice( array_keys( $live ), max( 0, $keep ) ) as $raw ) {
			Twofa_User_State::consume( $user_id, self::META, (string) $raw );
		}
	}

	/**
	 * The user's device rows, fresh from the database: exact stored JSON => decoded record.
	 * Damaged rows are skipped (they never match a cookie).
	 *
	 * @param int $user_id User ID.
	 * @return array<string,array<string,mixed>>
	 */
	private static function rows( int $user_id ): array {
		global $wpdb;
		$values = $wpdb->get_col( $wpdb->prepare( "SELECT meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s ORDER BY umeta_id", $user_id, self::META ) );
		$out    = array();
		foreach ( (array) $values as $raw ) {
			$record = json_decode( (string) $raw, true );
			if ( is_array( $record ) && isset( $record['id'], $record['hash'], $record['created'], $record['last_used'], $record['expires'] )
				&& is_string( $record['id'] ) && is_string( $record['hash'] ) ) {
				$record['label'] = isset( $record['label'] ) && is_string( $record['label'] ) ? $record['label'] : '';
				$record['ip']    = isset( $record['ip'] ) && is_string( $record['ip'] ) ? $record['ip'] : '';
				$out[ (string) $raw ] = $record;
			}
		}
		return $out;
	}
}
