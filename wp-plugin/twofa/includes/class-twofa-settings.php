<?php
/**
 * The site owner's settings: one option, typed getters, validation.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * All settings live in one option, `twofa_settings`. Reads always go through
 * all(), which fills in defaults and drops anything malformed, so a damaged
 * option can never weaken the policy. When the plugin is network-activated on a
 * multisite network the option is the network's (a site option, one policy for every
 * site, set in Network Admin → Settings → Two-Factor); otherwise each site has its own.
 */
final class Twofa_Settings {

	// Twofa_Login_Hooks holds the name: wp-login.php reads the option without loading this class.
	const OPTION = Twofa_Login_Hooks::SETTINGS_OPTION;

	const APP_PASSWORDS_ALLOW = 'allow';
	const APP_PASSWORDS_DENY  = 'deny';

	/**
	 * Bounds for the numeric fields: field => [min, max].
	 */
	const BOUNDS = array(
		'grace_days'      => array( 0, 365 ),
		'email_ttl'       => array( 60, 3600 ),
		'resend_cooldown' => array( 5, 600 ),
		'backoff_after'   => array( 1, 100 ),
		'lockout_after'   => array( 3, 1000 ),
		'lockout_minutes' => array( 1, 1440 ),
		'remember_days'   => array( 1, 90 ),
		'log_retention_days' => array( 1, 3650 ),
		'email_ip_per_hour'  => array( 1, 100000 ),
		'permanent_lock_after' => array( 3, 100 ),
	);

	/**
	 * Default settings.
	 *
	 * @return array<string,mixed>
	 */
	public static function defaults(): array {
		return array(
			'methods'         => Twofa_Providers::ids(),
			'required_roles'  => array(),
			// Roles for which OTP over Email may never be the only or the primary method.
			'email_not_primary_roles' => array(),
			'grace_days'      => 0,
			'email_ttl'       => 600,
			'resend_cooldown' => 30,
			'backoff_after'   => 3,
			'lockout_after'   => 10,
			'lockout_minutes' => 15,
			// Consecutive failures after which only an administrator can unlock the second step.
			'permanent_lock_after' => 100,
			// Code emails from one client address per clock hour, all accounts together.
			'email_ip_per_hour'    => 60,
			'app_passwords'   => self::APP_PASSWORDS_ALLOW,
			'login_errors'    => 'generic',
			'sidecar_url'     => 'http://127.0.0.1:8787',
			// Remembered devices: off unless the site owner turns them on.
			'remember_devices' => false,
			'remember_days'    => 30,
			'log_retention_days' => 90,
			// "Log in with a passkey" on wp-login.php: off unless the site owner turns it on.
			Twofa_Login_Hooks::PASSWORDLESS_SETTING => false,
		);
	}

	/**
	 * The effective settings: stored values that validate, defaults for the rest.
	 *
	 * @return array<string,mixed>
	 */
	public static function all(): array {
		$stored = self::stored();
		if ( ! is_array( $stored ) ) {
			return self::defaults();
		}
		$out = self::defaults();
		foreach ( $out as $field => $default ) {
			if ( array_key_exists( $field, $stored ) ) {
				$valid = self::validate_field( $field, $stored[ $field ] );
				if ( ! is_wp_error( $valid ) ) {
					$out[ $field ] = $valid;
				}
			}
		}
		return $out;
	}

	/**
	 * One setting.
	 *
	 * @param string $field Field name (see defaults()).
	 * @return mixed
	 */
	public static function get( string $field ) {
		$all = self::all();
		return $all[ $field ] ?? null;
	}

	/**
	 * Whether a setting that is off by default (a boolean) is on: the same answer as
	 * `true === get( $field )`, without the other defaults (which load every provider),
	 * so wp-login.php's password form can ask it cheaply.
	 *
	 * @param string $field A boolean field whose default is false.
	 */
	public static function is_on( string $field ): bool {
		$stored = self::stored();
		return is_array( $stored ) && array_key_exists( $field, $stored ) && true === self::validate_field( $field, $stored[ $field ] );
	}

	/**
	 * Whether a method is enabled on this site.
	 *
	 * @param string $method Method id.
	 */
	public static function method_enabled( string $method ): bool {
		return in_array( $method, self::get( 'methods' ), true );
	}

	/**
	 * Validates a full set of submitted values. Nothing is saved here.
	 *
	 * @param array<string,mixed> $input Raw values.
	 * @return array<string,mixed>|WP_Error The complete validated settings, or every problem found.
	 */
	public static function validate( array $input ) {
		$errors = new WP_Error();
		$out    = self::all();
		foreach ( $input as $field => $value ) {
			if ( ! array_key_exists( $field, $out ) ) {
				/* translators: %s: a setting's name. */
				$errors->add( 'twofa_unknown_setting', sprintf( __( 'Unknown setting: %s.', 'twofa' ), sanitize_key( (string) $field ) ) );
				continue;
			}
			$valid = self::validate_field( $field, $value );
			if ( is_wp_error( $valid ) ) {
				$errors->add( $valid->get_error_code(), $valid->get_error_message() );
			} else {
				$out[ $field ] = $valid;
			}
		}
		return $errors->has_errors() ? $errors : $out;
	}

	/**
	 * Validates and saves. Invalid input changes nothing.
	 *
	 * @param array<string,mixed> $input Raw values.
	 * @return true|WP_Error
	 */
	public static function update( array $input ) {
		$valid = self::validate( $input );
		if ( is_wp_error( $valid ) ) {
			return $valid;
		}
		if ( self::is_network() ) {
			update_site_option( self::OPTION, $valid );
		} else {
			update_option( self::OPTION, $valid, false );
		}
		return true;
	}

	/**
	 * Whether the settings are the network's: multisite with the plugin network-activated.
	 * Reads the network's list of plugins, which WordPress has loaded already.
	 */
	public static function is_network(): bool {
		if ( ! is_multisite() || ! defined( 'TWOFA_PLUGIN_FILE' ) ) {
			return false;
		}
		$active = get_site_option( 'active_sitewide_plugins', array() );
		return is_array( $active ) && isset( $active[ plugin_basename( TWOFA_PLUGIN_FILE ) ] );
	}

	/**
	 * The stored option as it is (the network's when is_network()), unvalidated.
	 *
	 * @return mixed
	 */
	public static function stored() {
		return self::is_network() ? get_site_option( self::OPTION, array() ) : get_option( self::OPTION, array() );
	}

	/**
	 * Validates one field.
	 *
	 * @param string $field Field name.
	 * @param mixed  $value Raw value.
	 * @return mixed|WP_Error The clean value.
	 */
	public static function validate_field( string $field, $value ) {
		switch ( $field ) {
			case 'methods':
				$list = self::string_list( $value );
				$ids  = Twofa_Providers::ids();
				if ( null === $list || array() === $list || array_diff( $list, $ids ) ) {
					/* translators: %s: the methods, e.g. "Google Authenticator (totp) or OTP over Email (email)". */
					return new WP_Error( 'twofa_bad_methods', sprintf( __( 'Choose at least one method: %s.', 'twofa' ), Twofa_Providers::describe() ) );
				}
				if ( ! array_intersect( $list, array_keys( Twofa_Providers::primary_capable() ) ) ) {
					// A backup alone (backup codes) cannot be anyone's method.
					return new WP_Error( 'twofa_bad_methods', __( 'Backup codes are a backup only: choose at least one other method too.', 'twofa' ) );
				}
				return array_values( array_intersect( $ids, $list ) );

			case 'required_roles':
			case 'email_not_primary_roles':
				$list  = self::string_list( $value );
				$roles = function_exists( 'wp_roles' ) ? array_keys( wp_roles()->roles ) : array();
				if ( null === $list || array_diff( $list, $roles ) ) {
					return new WP_Error( 'twofa_bad_roles', __( 'Required roles must be existing roles of this site.', 'twofa' ) );
				}
				return array_values( array_unique( $list ) );

			case 'app_passwords':
				if ( ! in_array( $value, array( self::APP_PASSWORDS_ALLOW, self::APP_PASSWORDS_DENY ), true ) ) {
					return new WP_Error( 'twofa_bad_app_passwords', __( 'The application password policy must be "allow" or "deny".', 'twofa' ) );
				}
				return $value;

			case 'login_errors':
				if ( ! in_array( $value, array( 'generic', 'wordpress' ), true ) ) {
					return new WP_Error( 'twofa_bad_login_errors', __( 'The password step\'s errors must be "generic" or "wordpress".', 'twofa' ) );
				}
				return $value;

			case 'sidecar_url':
				return self::validate_sidecar_url( $value );

			case 'remember_devices':
				return self::on_off( $value, new WP_Error( 'twofa_bad_remember_devices', __( 'Remembering devices must be turned on (1) or off (0).', 'twofa' ) ) );

			case Twofa_Login_Hooks::PASSWORDLESS_SETTING:
				return self::on_off( $value, new WP_Error( 'twofa_bad_passwordless', __( 'Passwordless login must be turned on (1) or off (0).', 'twofa' ) ) );

			default:
				if ( ! isset( self::BOUNDS[ $field ] ) ) {
					return new WP_Error( 'twofa_unknown_setting', __( 'Unknown setting.', 'twofa' ) );
				}
				list( $min, $max ) = self::BOUNDS[ $field ];
				if ( is_int( $value ) || ( is_string( $value ) && preg_match( '/^\d{1,9}$/', $value ) ) ) {
					$n = (int) $value;
					if ( $n >= $min && $n <= $max ) {
						return $n;
					}
				}
				return new WP_Error(
					'twofa_bad_' . $field,
					/* translators: 1: setting name, 2: minimum, 3: maximum. */
					sprintf( __( '%1$s must be a whole number from %2$d to %3$d.', 'twofa' ), $field, $min, $max )
				);
		}
	}

	/**
	 * An on/off setting: true, false, or the error when the value is neither.
	 *
	 * @param mixed    $value Raw value.
	 * @param WP_Error $error What to return for anything else.
	 * @return bool|WP_Error
	 */
	private static function on_off( $value, WP_Error $error ) {
		if ( in_array( $value, array( true, 1, '1', 'on', 'yes', 'true' ), true ) ) {
			return true;
		}
		if ( in_array( $value, array( false, 0, '0', '', 'off', 'no', 'false' ), true ) ) {
			return false;
		}
		return $error;
	}

	/**
	 * A list of strings from an array or a comma-separated string; null if neither.
	 *
	 * @param mixed $value Raw value.
	 * @return string[]|null
	 */
	private static function string_list( $value ): ?array {
		if ( is_string( $value ) ) {
			$value = '' === trim( $value ) ? array() : explode( ',', $value );
		}
		if ( ! is_array( $value ) ) {
			return null;
		}
		$out = array();
		foreach ( $value as $item ) {
			if ( ! is_string( $item ) || ! preg_match( '/^[a-z0-9_-]{1,64}$/', trim( $item ) ) ) {
				return null;
			}
			$out[] = trim( $item );
		}
		return $out;
	}

	/**
	 * The wp-config.php constant that overrides the sidecar_url setting on this
	 * server (one sidecar per web server; the option is shared by all of them).
	 */
	const SIDECAR_URL_CONSTANT = 'TWOFA_SIDECAR_URL';

	/**
	 * The sidecar address this server uses: the TWOFA_SIDECAR_URL constant when it is
	 * defined (checked like the setting; an invalid one gives '' so the sidecar is
	 * unreachable rather than another address used), else the sidecar_url setting.
	 */
	public static function sidecar_url(): string {
		if ( defined( self::SIDECAR_URL_CONSTANT ) ) {
			$url = self::validate_sidecar_url( constant( self::SIDECAR_URL_CONSTANT ) );
			return is_string( $url ) ? $url : '';
		}
		return (string) self::get( 'sidecar_url' );
	}

	/**
	 * The sidecar must be plain HTTP on loopback or HTTPS anywhere: the signed
	 * requests carry email codes, which must not cross a network in clear text.
	 *
	 * @param mixed $value Raw value.
	 * @return string|WP_Error
	 */
	private static function validate_sidecar_url( $value ) {
		// The message is made only when it is needed: a valid address loads no translations.
		$error = static function (): WP_Error {
			return new WP_Error( 'twofa_bad_sidecar_url', __( 'The sidecar address must be http://127.0.0.1:PORT (or localhost) or an https:// address, without a path.', 'twofa' ) );
		};
		if ( ! is_string( $value ) || strlen( $value ) > 200 ) {
			return $error();
		}
		$parts = wp_parse_url( trim( $value ) );
		if ( ! is_array( $parts ) || empty( $parts['scheme'] ) || empty( $parts['host'] )
			|| isset( $parts['user'] ) || isset( $parts['pass'] ) || isset( $parts['query'] ) || isset( $parts['fragment'] )
			|| ( isset( $parts['path'] ) && '/' !== $parts['path'] ) ) {
			return $error();
		}
		$loopback = in_array( $parts['host'], array( '127.0.0.1', 'localhost', '[::1]' ), true );
		if ( 'https' !== $parts['scheme'] && ! ( 'http' === $parts['scheme'] && $loopback ) ) {
			return $error();
		}
		$url = $parts['scheme'] . '://' . $parts['host'] . ( isset( $parts['port'] ) ? ':' . (int) $parts['port'] : '' );
		return $url;
	}
}
