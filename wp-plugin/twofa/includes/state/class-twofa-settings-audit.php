<?php
/**
 * Changes of the site's two-factor settings, recorded in the activity log.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Listens to the `twofa_settings` option, and to the network's site option of that name
 * (Twofa_Hook_Groups::SETTINGS_WRITE), whoever changes it: Settings → Two-Factor,
 * Network Admin → Settings → Two-Factor, `wp twofa policy set`, or code. One `settings_changed`
 * event per change, with who made it and which keys differ (never their values).
 */
final class Twofa_Settings_Audit {

	/**
	 * The settings option was created: every key counts as changed.
	 *
	 * @param string $option Option name.
	 * @param mixed  $value  New value.
	 */
	public static function on_added( $option, $value ): void {
		self::settings_changed( array(), $value );
	}

	/**
	 * The settings option changed (WordPress calls this only when the value differs).
	 *
	 * @param mixed $old Old value.
	 * @param mixed $new New value.
	 */
	public static function on_updated( $old, $new ): void {
		self::settings_changed( $old, $new );
	}

	/**
	 * The network's settings were created (add_site_option_twofa_settings).
	 *
	 * @param string $option Option name.
	 * @param mixed  $value  New value.
	 */
	public static function on_network_added( $option, $value ): void {
		self::settings_changed( array(), $value, true );
	}

	/**
	 * The network's settings changed (update_site_option_twofa_settings).
	 *
	 * @param string $option Option name.
	 * @param mixed  $new    New value.
	 * @param mixed  $old    Old value.
	 */
	public static function on_network_updated( $option, $new, $old ): void {
		self::settings_changed( $old, $new, true );
	}

	/**
	 * Records which settings keys differ between two values of the option.
	 *
	 * @param mixed $old     Old value.
	 * @param mixed $new     New value.
	 * @param bool  $network Whether the network's settings changed (details: scope=network).
	 */
	private static function settings_changed( $old, $new, bool $network = false ): void {
		// Effective values: a key missing from the stored option means its default.
		$old  = array_merge( Twofa_Settings::defaults(), is_array( $old ) ? $old : array() );
		$new  = array_merge( Twofa_Settings::defaults(), is_array( $new ) ? $new : array() );
		$keys = array();
		foreach ( array_unique( array_merge( array_keys( $old ), array_keys( $new ) ) ) as $key ) {
			if ( ! is_string( $key ) || ! preg_match( '/^[a-z][a-z0-9_]{0,39}$/', $key ) ) {
				continue;
			}
			if ( ! array_key_exists( $key, $old ) || ! array_key_exists( $key, $new ) || $old[ $key ] !== $new[ $key ] ) {
				$keys[] = $key;
			}
		}
		if ( $keys ) {
			sort( $keys );
			$actor = get_current_user_id();
			$details = array( 'keys' => $keys );
			if ( $network ) {
				$details['scope'] = 'network';
			}
			Twofa_Events::record( Twofa_Events::SETTINGS_CHANGED, $actor, array( 'details' => $details ) );
		}
	}
}
