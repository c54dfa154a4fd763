<?php
/**
 * Is the extension loaded, recent enough, and does it have its key?
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin fails closed for 2FA users when this says not ready; the admin
 * notice and `wp twofa doctor` show problem() to the site owner.
 */
final class Twofa_Environment {

	/**
	 * Why 2FA cannot work on this server, in plain words, or null when it can.
	 */
	public static function problem(): ?string {
		if ( ! extension_loaded( 'twofa' ) || ! function_exists( 'twofa_version' ) ) {
			return __( 'The twofa PHP extension is not loaded on this server. Users with two-factor authentication cannot log in until it is installed and enabled (see the plugin\'s README).', 'twofa' );
		}
		$version = self::extension_version();
		if ( null === $version || version_compare( $version, TWOFA_MIN_EXTENSION_VERSION, '<' ) ) {
			return sprintf(
				/* translators: 1: installed version, 2: required version. */
				__( 'The twofa PHP extension is too old (version %1$s; this plugin needs %2$s or newer).', 'twofa' ),
				null === $version ? '?' : $version,
				TWOFA_MIN_EXTENSION_VERSION
			);
		}
		$key = self::key_status();
		if ( empty( $key['loaded'] ) ) {
			return sprintf(
				/* translators: %s: the extension's explanation, e.g. the key file is missing. */
				__( 'The twofa site key cannot be used: %s Set twofa.key_file in the PHP configuration to a readable key file.', 'twofa' ),
				isset( $key['error'] ) ? (string) $key['error'] : __( 'unknown error.', 'twofa' )
			);
		}
		if ( self::KEY_OTHER === self::key_identity() ) {
			return __( 'The twofa site key on this server is not the key this site\'s two-factor data was sealed with (its key id differs from the one recorded when the key was first used). Two-factor authentication is off until the original key file is put back; users with two-factor authentication cannot log in and no method can be configured.', 'twofa' );
		}
		return null;
	}

	/**
	 * The option holding the key id recorded when the site key was first used (docs/CONTRACTS.md).
	 */
	const KEY_ID_OPTION = 'twofa_key_id';

	// Results of key_identity().
	const KEY_SAME    = 'same';    // The loaded key is the recorded one.
	const KEY_NEW     = 'new';     // Nothing was recorded yet: recorded now.
	const KEY_OTHER   = 'other';   // Another key than the recorded one.
	const KEY_UNKNOWN = 'unknown'; // The key id cannot be computed (extension or key missing).

	/**
	 * The key id of the loaded key: a keyed hash of a fixed label under the
	 * code-hashing subkey. It identifies the key and reveals nothing about it.
	 *
	 * @return string|null Null when the extension or key cannot compute it.
	 */
	public static function key_id(): ?string {
		if ( ! function_exists( 'twofa_hash_code' ) ) {
			return null;
		}
		try {
			return (string) twofa_hash_code( 'site-key-id', 'twofa-key-id' );
		} catch ( Throwable $e ) {
			return null;
		}
	}

	/**
	 * Compares the loaded key's id with the recorded one, recording it the first time.
	 *
	 * @return string One of the KEY_* constants.
	 */
	public static function key_identity(): string {
		$id = self::key_id();
		if ( null === $id ) {
			return self::KEY_UNKNOWN;
		}
		$stored = get_option( self::KEY_ID_OPTION, '' );
		if ( ! is_string( $stored ) || '' === $stored ) {
			// add_option() inserts only when no row exists: of racing first uses, one records.
			if ( add_option( self::KEY_ID_OPTION, $id, '', true ) ) {
				return self::KEY_NEW;
			}
			wp_cache_delete( self::KEY_ID_OPTION, 'options' );
			wp_cache_delete( 'alloptions', 'options' );
			$stored = (string) get_option( self::KEY_ID_OPTION, '' );
		}
		return hash_equals( $stored, $id ) ? self::KEY_SAME : self::KEY_OTHER;
	}

	/**
	 * Whether 2FA can work here.
	 */
	public static function ready(): bool {
		return null === self::problem();
	}

	/**
	 * The extension's version, or null when it is not loaded.
	 */
	public static function extension_version(): ?string {
		if ( ! function_exists( 'twofa_version' ) ) {
			return null;
		}
		try {
			return (string) twofa_version();
		} catch ( Throwable $e ) {
			return null;
		}
	}

	/**
	 * The extension's key status; loaded=false when the extension is missing.
	 *
	 * @return array{loaded: bool, path: string, error: ?string}
	 */
	public static function key_status(): array {
		if ( ! function_exists( 'twofa_key_status' ) ) {
			return array(
				'loaded' => false,
				'path'   => '',
				'error'  => __( 'the extension is not loaded.', 'twofa' ),
			);
		}
		try {
			$status = twofa_key_status();
		} catch ( Throwable $e ) {
			return array(
				'loaded' => false,
				'path'   => '',
				'error'  => $e->getMessage(),
			);
		}
		return array(
			'loaded' => ! empty( $status['loaded'] ),
			'path'   => isset( $status['path'] ) ? (string) $status['path'] : '',
			'error'  => isset( $status['error'] ) ? (string) $status['error'] : null,
		);
	}
}
