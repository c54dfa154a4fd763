<?php
/**
 * The registry of 2FA methods.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Maps method ids onto provider objects, in the order the screens show them.
 */
final class Twofa_Providers {

	/**
	 * Method id => provider class.
	 */
	const CLASSES = array(
		'totp'  => 'Twofa_Provider_Totp',
		'email' => 'Twofa_Provider_Email',
	);

	/**
	 * Provider instances by id.
	 *
	 * @var array<string,Twofa_Provider>
	 */
	private static $instances = array();

	/**
	 * The provider for a method id, or null for an unknown id.
	 *
	 * @param string $id Method id.
	 */
	public static function get( string $id ): ?Twofa_Provider {
		if ( ! isset( self::CLASSES[ $id ] ) ) {
			return null;
		}
		if ( ! isset( self::$instances[ $id ] ) ) {
			$class                  = self::CLASSES[ $id ];
			self::$instances[ $id ] = new $class();
		}
		return self::$instances[ $id ];
	}

	/**
	 * Every provider, in display order.
	 *
	 * @return array<string,Twofa_Provider>
	 */
	public static function all(): array {
		$out = array();
		foreach ( array_keys( self::CLASSES ) as $id ) {
			$out[ $id ] = self::get( $id );
		}
		return $out;
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
}
