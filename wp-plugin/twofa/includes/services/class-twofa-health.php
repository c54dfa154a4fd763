<?php
/**
 * Whether 2FA can work on this site: the one check list of Settings → Two-Factor and `wp twofa doctor`.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Each check has a name (`doctor` prints it), a label (the Settings status box
 * prints it), a verdict and a detail; both screens print the same list, so they
 * can never disagree. Nothing here prints a secret.
 */
final class Twofa_Health {

	/**
	 * Check names, in order.
	 */
	const NAMES = array( 'extension', 'key', 'sidecar', 'database', 'settings' );

	/**
	 * Every check: name => {label, ok, detail}.
	 *
	 * @return array<string,array{label:string, ok:bool, detail:string}>
	 */
	public static function checks(): array {
		return array(
			'extension' => self::extension(),
			'key'       => self::key(),
			'sidecar'   => self::sidecar(),
			'database'  => self::database(),
			'settings'  => self::settings(),
		);
	}

	/**
	 * One check.
	 *
	 * @param string $label  Label for the Settings page.
	 * @param bool   $ok     Verdict.
	 * @param string $detail What was found (lower case start; the Settings page capitalises it).
	 * @return array{label:string, ok:bool, detail:string}
	 */
	private static function check( string $label, bool $ok, string $detail ): array {
		return array(
			'label'  => $label,
			'ok'     => $ok,
			'detail' => $detail,
		);
	}

	/**
	 * The PHP extension is loaded and new enough.
	 */
	private static function extension(): array {
		$label   = __( 'PHP extension', 'twofa' );
		$version = Twofa_Environment::extension_version();
		if ( null === $version ) {
			return self::check( $label, false, __( 'the twofa PHP extension is not loaded', 'twofa' ) );
		}
		if ( version_compare( $version, TWOFA_MIN_EXTENSION_VERSION, '<' ) ) {
			/* translators: 1: version found, 2: version required. */
			return self::check( $label, false, sprintf( __( 'version %1$s is older than the required %2$s', 'twofa' ), $version, TWOFA_MIN_EXTENSION_VERSION ) );
		}
		/* translators: %s: version number. */
		return self::check( $label, true, sprintf( __( 'version %s', 'twofa' ), $version ) );
	}

	/**
	 * The site key is loaded.
	 */
	private static function key(): array {
		$label = __( 'Site key', 'twofa' );
		$key   = Twofa_Environment::key_status();
		if ( $key['loaded'] && Twofa_Environment::KEY_OTHER === Twofa_Environment::key_identity() ) {
			/* translators: %s: path of the key file. */
			return self::check( $label, false, sprintf( __( 'the key loaded from %s is not the key this site was set up with (its key id differs from the recorded one); put the original key file back', 'twofa' ), $key['path'] ) );
		}
		if ( $key['loaded'] ) {
			/* translators: %s: path of the key file. */
			return self::check( $label, true, sprintf( __( 'loaded from %s', 'twofa' ), $key['path'] ) );
		}
		return self::check( $label, false, trim( (string) $key['error'] ) . ( '' !== $key['path'] ? ' (' . $key['path'] . ')' : '' ) );
	}

	/**
	 * The sidecar answers, and accepts a signed request: that proves both sides
	 * use the same key and agree on the time.
	 */
	private static function sidecar(): array {
		$label  = __( 'Sidecar', 'twofa' );
		$url    = Twofa_Settings::sidecar_url();
		$client = new Twofa_Sidecar_Client();
		$health = $client->health();
		if ( is_wp_error( $health ) ) {
			/* translators: 1: sidecar address, 2: error message. */
			return self::check( $label, false, sprintf( __( 'not reachable at %1$s: %2$s', 'twofa' ), $url, $health->get_error_message() ) );
		}
		$version = isset( $health['version'] ) && is_scalar( $health['version'] ) ? sanitize_text_field( (string) $health['version'] ) : '?';
		$signed  = $client->report(
			array(
				'page'     => 1,
				'per_page' => 1,
			)
		);
		if ( is_wp_error( $signed ) ) {
			/* translators: 1: sidecar address, 2: version number, 3: error message. */
			return self::check( $label, false, sprintf( __( 'reachable at %1$s, version %2$s, but a signed request failed: %3$s', 'twofa' ), $url, $version, $signed->get_error_message() ) );
		}
		/* translators: 1: sidecar address, 2: version number. */
		return self::check( $label, true, sprintf( __( 'reachable at %1$s, version %2$s, signed requests accepted', 'twofa' ), $url, $version ) );
	}

	/**
	 * The user meta table can be read.
	 */
	private static function database(): array {
		global $wpdb;
		$label = __( 'Database', 'twofa' );
		$wpdb->suppress_errors( true );
		$rows = $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->usermeta} WHERE meta_key LIKE '\\_twofa\\_%'" );
		$wpdb->suppress_errors( false );
		if ( null === $rows ) {
			/* translators: %s: table name. */
			return self::check( $label, false, sprintf( __( 'cannot read %s', 'twofa' ), $wpdb->usermeta ) );
		}
		/* translators: 1: table name, 2: number of rows. */
		return self::check( $label, true, sprintf( __( '%1$s readable (%2$d twofa meta rows)', 'twofa' ), $wpdb->usermeta, (int) $rows ) );
	}

	/**
	 * The stored settings are valid (otherwise the defaults are in force).
	 */
	private static function settings(): array {
		$label  = __( 'Settings', 'twofa' );
		$stored = Twofa_Settings::stored();
		$valid  = is_array( $stored ) ? Twofa_Settings::validate( $stored ) : new WP_Error( 'twofa_settings_type', __( 'the option is not an array', 'twofa' ) );
		if ( is_wp_error( $valid ) ) {
			/* translators: %s: the problems found. */
			return self::check( $label, false, sprintf( __( 'stored settings are invalid (defaults are used instead): %s', 'twofa' ), implode( ' ', $valid->get_error_messages() ) ) );
		}
		return self::check(
			$label,
			true,
			sprintf(
				/* translators: 1: method ids, 2: role names, 3: days. */
				__( 'methods %1$s; required roles %2$s; grace %3$d days', 'twofa' ),
				implode( ',', $valid['methods'] ),
				$valid['required_roles'] ? implode( ',', $valid['required_roles'] ) : __( 'none', 'twofa' ),
				$valid['grace_days']
			)
		);
	}
}
