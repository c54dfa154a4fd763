<?php
/**
 * `wp twofa policy`: read and change the site's two-factor policy.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads or changes the site's two-factor policy (Settings → Two-Factor).
 */
class Twofa_CLI_Policy_Command {

	const FORMATS = array( 'table', 'json', 'csv', 'yaml' );

	/**
	 * Command-line flag => setting, for every setting of Settings → Two-Factor.
	 */
	const FLAGS = array(
		'methods'                 => 'methods',
		'roles'                   => 'required_roles',
		'grace-days'              => 'grace_days',
		'email-ttl'               => 'email_ttl',
		'resend-cooldown'         => 'resend_cooldown',
		'backoff-after'           => 'backoff_after',
		'lockout-after'           => 'lockout_after',
		'lockout-minutes'         => 'lockout_minutes',
		'permanent-lock-after'    => 'permanent_lock_after',
		'email-ip-per-hour'       => 'email_ip_per_hour',
		'app-passwords'           => 'app_passwords',
		'sidecar-url'             => 'sidecar_url',
		'log-retention-days'      => 'log_retention_days',
		'email-backup-only-roles' => 'email_not_primary_roles',
		'login-errors'            => 'login_errors',
		'remember-devices'        => 'remember_devices',
		'remember-days'           => 'remember_days',
		'passwordless'            => 'passwordless',
	);

	/**
	 * Shows the site's two-factor policy.
	 *
	 * ## OPTIONS
	 *
	 * [--field=<field>]
	 * : Print only this setting's value (e.g. grace_days).
	 *
	 * [--format=<format>]
	 * : Output format.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - csv
	 *   - yaml
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp twofa policy get
	 *     wp twofa policy get --field=grace_days
	 *     wp twofa policy get --format=json
	 *
	 * @param string[]             $args       Positional arguments.
	 * @param array<string,string> $assoc_args Options.
	 */
	public function get( $args, $assoc_args ) {
		$format   = isset( $assoc_args['format'] ) ? (string) $assoc_args['format'] : 'table';
		$settings = Twofa_Settings::all();
		if ( ! in_array( $format, self::FORMATS, true ) ) {
			/* translators: %s: the format typed. */
			WP_CLI::error( sprintf( __( 'Invalid format: %s.', 'twofa' ), $format ) );
		}
		if ( isset( $assoc_args['field'] ) ) {
			$field = (string) $assoc_args['field'];
			if ( ! array_key_exists( $field, $settings ) ) {
				/* translators: 1: the field typed, 2: the list of settings. */
				WP_CLI::error( sprintf( __( 'Unknown field: %1$s. Fields: %2$s.', 'twofa' ), sanitize_key( $field ), implode( ', ', array_keys( $settings ) ) ) );
			}
			$value = $settings[ $field ];
			if ( 'json' === $format ) {
				WP_CLI::line( (string) wp_json_encode( $value ) );
			} else {
				WP_CLI::line( is_array( $value ) ? implode( ',', $value ) : (string) $value );
			}
			return;
		}
		if ( 'table' === $format ) {
			$items = array();
			foreach ( $settings as $field => $value ) {
				$items[] = array(
					'setting' => $field,
					'value'   => is_array( $value ) ? implode( ',', $value ) : (string) $value,
				);
			}
			WP_CLI\Utils\format_items( 'table', $items, array( 'setting', 'value' ) );
			return;
		}
		Twofa_CLI_Output::one( $format, $settings );
	}

	/**
	 * Changes the site's two-factor policy.
	 *
	 * Only the settings given change. If any value is invalid, nothing is changed.
	 *
	 * ## OPTIONS
	 *
	 * [--methods=<methods>]
	 * : Methods offered, comma-separated (e.g. totp,email).
	 *
	 * [--roles=<roles>]
	 * : Roles that must use 2FA, comma-separated ("" for none).
	 *
	 * [--grace-days=<days>]
	 * : Days a user of a required role may still log in without 2FA (0-365).
	 *
	 * [--email-ttl=<seconds>]
	 * : How long an emailed code stays valid (60-3600).
	 *
	 * [--resend-cooldown=<seconds>]
	 * : Seconds before another code can be emailed (5-600).
	 *
	 * [--backoff-after=<failures>]
	 * : Failed codes before each further attempt is delayed (1-100).
	 *
	 * [--lockout-after=<failures>]
	 * : Failed codes before the account is locked (3-1000).
	 *
	 * [--lockout-minutes=<minutes>]
	 * : How long a lockout lasts (1-1440).
	 *
	 * [--permanent-lock-after=<failures>]
	 * : Failed codes in a row after which the account stays locked until an administrator unlocks it (3-100).
	 *
	 * [--email-ip-per-hour=<count>]
	 * : Code emails per hour from one client IP address, all accounts together (1-100000).
	 *
	 * [--app-passwords=<policy>]
	 * : Whether application passwords work for users with 2FA.
	 * ---
	 * options:
	 *   - allow
	 *   - deny
	 * ---
	 *
	 * [--sidecar-url=<url>]
	 * : Address of the twofa sidecar (e.g. http://127.0.0.1:8787).
	 *
	 * [--log-retention-days=<days>]
	 * : Days the activity log keeps its entries (1-3650).
	 *
	 * [--email-backup-only-roles=<roles>]
	 * : Roles for which OTP over Email may only be a backup, never the only or primary method, comma-separated ("" for none).
	 *
	 * [--login-errors=<mode>]
	 * : Errors of the password step: one generic message for unknown users and wrong passwords, or WordPress's own.
	 * ---
	 * options:
	 *   - generic
	 *   - wordpress
	 * ---
	 *
	 * [--remember-devices=<on-off>]
	 * : Whether users may tick "Remember this device" at the challenge (1 or 0).
	 *
	 * [--remember-days=<days>]
	 * : Days a remembered device skips the challenge (1-90).
	 *
	 * [--passwordless=<on-off>]
	 * : Whether wp-login.php offers "Log in with a passkey" (a registered passkey with user verification, no password) (1 or 0).
	 *
	 * ## EXAMPLES
	 *
	 *     wp twofa policy set --roles=administrator,editor --methods=totp,email --grace-days=7
	 *     wp twofa policy set --lockout-after=5 --lockout-minutes=30
	 *     wp twofa policy set --sidecar-url=http://127.0.0.1:8787
	 *
	 * @param string[]             $args       Positional arguments.
	 * @param array<string,string> $assoc_args Options.
	 */
	public function set( $args, $assoc_args ) {
		$input    = array();
		$problems = array();
		foreach ( self::FLAGS as $flag => $field ) {
			if ( ! array_key_exists( $flag, $assoc_args ) ) {
				continue;
			}
			if ( true === $assoc_args[ $flag ] ) {
				/* translators: %s: a command-line flag, e.g. grace-days. */
				$problems[] = sprintf( __( '--%s needs a value.', 'twofa' ), $flag );
				continue;
			}
			$value = (string) $assoc_args[ $flag ];
			if ( 'methods' === $field ) {
				$unknown = array_diff( array_filter( array_map( 'trim', explode( ',', $value ) ), 'strlen' ), Twofa_Providers::ids() );
				if ( $unknown ) {
					/* translators: 1: the unknown method ids, 2: the known method ids. */
					$problems[] = sprintf( __( '--methods: unknown method %1$s. Choose at least one method: %2$s.', 'twofa' ), sanitize_text_field( implode( ', ', $unknown ) ), implode( ', ', Twofa_Providers::ids() ) );
					continue;
				}
			}
			$valid = Twofa_Settings::validate_field( $field, $value );
			if ( is_wp_error( $valid ) ) {
				/* translators: 1: a command-line flag, e.g. grace-days, 2: what is wrong with its value. */
				$problems[] = sprintf( __( '--%1$s: %2$s', 'twofa' ), $flag, $valid->get_error_message() );
				continue;
			}
			$input[ $field ] = $value;
		}
		if ( $problems ) {
			/* translators: %s: the problems found, one sentence each. */
			WP_CLI::error( sprintf( __( 'Nothing was changed. %s', 'twofa' ), implode( ' ', $problems ) ) );
		}
		if ( ! $input ) {
			/* translators: %s: the accepted flags. */
			WP_CLI::error( sprintf( __( 'Nothing to set: give at least one of %s.', 'twofa' ), '--' . implode( ', --', array_keys( self::FLAGS ) ) ) );
		}
		$result = Twofa_Settings::update( $input );
		if ( is_wp_error( $result ) ) {
			/* translators: %s: the problems found. */
			WP_CLI::error( sprintf( __( 'Nothing was changed. %s', 'twofa' ), implode( ' ', $result->get_error_messages() ) ) );
		}
		WP_CLI::success( __( 'Policy updated.', 'twofa' ) );
	}
}
