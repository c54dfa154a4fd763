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
		return null;
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
