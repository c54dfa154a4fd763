<?php
/**
 * The time source, replaceable in tests.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Everything time-dependent (TOTP steps, expiries, lockouts) asks this class,
 * so a test can move time without sleeping.
 */
final class Twofa_Clock {

	/**
	 * A fixed time set by a test, or null for the real clock.
	 *
	 * @var int|null
	 */
	private static $frozen = null;

	/**
	 * Current unix time.
	 */
	public static function now(): int {
		return self::$frozen ?? time();
	}

	/**
	 * Freezes the clock at $time; null returns to the real clock.
	 *
	 * @param int|null $time Unix time.
	 */
	public static function set( ?int $time ): void {
		self::$frozen = $time;
	}
}
