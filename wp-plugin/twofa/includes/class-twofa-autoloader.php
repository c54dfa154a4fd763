<?php
/**
 * Maps Twofa_* class names onto class-twofa-*.php files.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * One class per file, found by name: Twofa_Sidecar_Client lives in
 * class-twofa-sidecar-client.php, in includes/ or one of its sub-folders.
 */
final class Twofa_Autoloader {

	/**
	 * Folders searched, in order.
	 *
	 * @var string[]
	 */
	private static $dirs = array();

	/**
	 * Registers the autoloader for a base folder and its direct sub-folders.
	 *
	 * @param string $base The includes folder.
	 */
	public static function register( string $base ): void {
		self::$dirs = array_merge( array( $base ), glob( $base . '/*', GLOB_ONLYDIR ) ?: array() );
		spl_autoload_register( array( __CLASS__, 'load' ) );
	}

	/**
	 * Loads a class if it is one of ours.
	 *
	 * @param string $class_name Class being requested.
	 */
	public static function load( string $class_name ): void {
		if ( 0 !== strpos( $class_name, 'Twofa_' ) ) {
			return;
		}
		$file = 'class-' . str_replace( '_', '-', strtolower( $class_name ) ) . '.php';
		foreach ( self::$dirs as $dir ) {
			if ( is_readable( $dir . '/' . $file ) ) {
				require_once $dir . '/' . $file;
				return;
			}
		}
	}
}
