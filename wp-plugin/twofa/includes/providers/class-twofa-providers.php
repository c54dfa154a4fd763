<?php
/**
 * The registry of 2FA methods: the one list of method ids.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Maps method ids onto provider objects, in the order the screens show them.
 * A site (or another plugin) adds a method with the `twofa_providers` filter:
 *
 *     add_filter( 'twofa_providers', function ( $classes ) {
 *         $classes[] = 'My_Provider'; // extends Twofa_Provider
 *         return $classes;
 *     } );
 */
final class Twofa_Providers {

	/**
	 * The built-in providers, in display order. Adding a method = one line here
	 * (or the filter) plus its provider file.
	 *
	 * @return string[] Class names.
	 */
	private static function built_in(): array {
		return array(
			'Twofa_Provider_Totp',  // totp: Google Authenticator.
			'Twofa_Provider_Email', // email: OTP over Email.
			'Twofa_Provider_Backup_Codes', // backup_codes: Backup codes (a backup only).
			'Twofa_Provider_Passkey', // passkey: Passkeys (WebAuthn).
		);
	}

	/**
	 * Provider instances by id, once built.
	 *
	 * @var array<string,Twofa_Provider>|null
	 */
	private static $instances = null;

	/**
	 * Every provider, in display order.
	 *
	 * @return array<string,Twofa_Provider>
	 */
	public static function all(): array {
		if ( null === self::$instances ) {
			/**
			 * Filters the provider classes (each a subclass of Twofa_Provider).
			 *
			 * @param string[] $classes Class names, in display order.
			 */
			$classes = (array) apply_filters( 'twofa_providers', self::built_in() );
			$out     = array();
			foreach ( $classes as $class ) {
				if ( ! is_string( $class ) || ! class_exists( $class ) || ! is_subclass_of( $class, 'Twofa_Provider' ) ) {
					continue;
				}
				$provider = new $class();
				$id       = $provider->id();
				// Ids travel in meta keys, URLs and JSON: a-z, digits, underscore; the first one wins.
				if ( preg_match( '/^[a-z][a-z0-9_]{0,31}$/D', $id ) && ! isset( $out[ $id ] ) ) {
					$out[ $id ] = $provider;
				}
			}
			self::$instances = $out;
		}
		return self::$instances;
	}

	/**
	 * The provider for a method id, or null for an unknown id.
	 *
	 * @param string $id Method id.
	 */
	public static function get( string $id ): ?Twofa_Provider {
		$all = self::all();
		return $all[ $id ] ?? null;
	}

	/**
	 * Every method id, in display order.
	 *
	 * @return string[]
	 */
	public static function ids(): array {
		return array_keys( self::all() );
	}

	/**
	 * Providers the site has enabled.
	 *
	 * @return array<string,Twofa_Provider>
	 */
	public static function enabled(): array {
		return array_filter(
			self::all(),
			static function ( Twofa_Provider $p ): bool {
				return Twofa_Settings::method_enabled( $p->id() );
			}
		);
	}

	/**
	 * Providers that count for "has 2FA" (every method that is not a backup only).
	 *
	 * @return array<string,Twofa_Provider>
	 */
	public static function primary_capable(): array {
		return array_filter(
			self::all(),
			static function ( Twofa_Provider $p ): bool {
				return ! $p->is_backup_only();
			}
		);
	}

	/**
	 * The ids as words for messages: "Google Authenticator (totp) or OTP over Email (email)".
	 */
	public static function describe(): string {
		$names = array();
		foreach ( self::all() as $id => $provider ) {
			$names[] = $provider->label() . ' (' . $id . ')';
		}
		$last = array_pop( $names );
		/* translators: 1: comma-separated method names, 2: the last method name. */
		return $names ? sprintf( __( '%1$s or %2$s', 'twofa' ), implode( ', ', $names ), (string) $last ) : (string) $last;
	}
}
