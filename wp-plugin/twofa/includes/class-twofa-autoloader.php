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
	 * The sub-folders of includes/ (a fixed list: no directory scan on each request).
	 */
	const FOLDERS = array( 'login', 'providers', 'state', 'services', 'admin', 'cli' );

	/**
	 * Sub-folders whose classes print the plugin's strings: loading one of them
	 * loads the translations first (Twofa_Hooks::load_textdomain()).
	 */
	const PRINTING = array( 'login', 'providers', 'services', 'admin', 'cli' );

	/**
	 * Registers the autoloader for a base folder and its sub-folders.
	 *
	 * @param string $base The includes folder.
	 */
	public static function register( string $base ): void {
		self::$dirs = array( '' => $base );
		foreach ( self::FOLDERS as $folder ) {
			self::$dirs[ $folder ] = $base . '/' . $folder;
		}
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
		foreach ( self::$dirs as $folder => $dir ) {
			if ( is_readable( $dir . '/' . $file ) ) {
				if ( in_array( $folder, self::PRINTING, true ) && class_exists( 'Twofa_Hooks', false ) ) {
					Twofa_Hooks::load_textdomain();
				}
				require_once $dir . '/' . $file;
				return;
			}
		}
	}
}
