<?php
/**
 * Settings → Two-Factor: the site's 2FA policy, a status box, "Send test email".
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The form goes through the Settings API (options.php checks the nonce and
 * manage_options); sanitize() runs Twofa_Settings::validate() and, when anything
 * is invalid, reports every problem and keeps the stored option as it was.
 *
 * Network-activated on multisite, the same page is Network Admin → Settings →
 * Two-Factor: it posts to network/edit.php (nonce, `manage_network_options`), goes
 * through the same clean(), and saves the network's option; the sites' Settings pages
 * are then not shown and options.php refuses the option.
 */
final class Twofa_Settings_Page {

	const SLUG        = 'twofa-settings';
	const GROUP       = 'twofa_settings_group';
	const CAPABILITY  = 'manage_options';
	const TEST_ACTION = 'twofa_send_test_email';

	/**
	 * The network page: its capability and the network/edit.php action (also its nonce action).
	 */
	const NETWORK_CAPABILITY = 'manage_network_options';
	const NETWORK_ACTION     = 'twofa_network_settings';

	/**
	 * Per-user transient carrying the network page's save messages across the redirect.
	 */
	const NETWORK_NOTICE_TRANSIENT = 'twofa_network_settings_';

	/**
	 * Hidden field telling a form post (unticked checkboxes are absent) from a
	 * programmatic update_option() call.
	 */
	const FORM_MARKER = '_form';

	/**
	 * Per-user transient holding the result of the last test email, shown once.
	 */
	const NOTICE_TRANSIENT = 'twofa_test_email_';

	/**
	 * Settings → Two-Factor (not on the sites of a network whose policy is the network's).
	 */
	public static function add_menu(): void {
		if ( Twofa_Settings::is_network() ) {
			return;
		}
		add_options_page(
			__( 'Two-Factor Authentication', 'twofa' ),
			__( 'Two-Factor', 'twofa' ),
			self::CAPABILITY,
			self::SLUG,
			array( __CLASS__, 'render' )
		);
	}

	/**
	 * Network Admin → Settings → Two-Factor, when the policy is the network's.
	 */
	public static function add_network_menu(): void {
		if ( ! Twofa_Settings::is_network() ) {
			return;
		}
		add_submenu_page(
			'settings.php',
			__( 'Two-Factor Authentication', 'twofa' ),
			__( 'Two-Factor', 'twofa' ),
			self::NETWORK_CAPABILITY,
			self::SLUG,
			array( __CLASS__, 'render' )
		);
	}

	/**
	 * The page's address: the network's page when the policy is the network's.
	 */
	public static function page_url(): string {
		return Twofa_Settings::is_network()
			? add_query_arg( 'page', self::SLUG, network_admin_url( 'settings.php' ) )
			: add_query_arg( 'page', self::SLUG, admin_url( 'options-general.php' ) );
	}

	/**
	 * The capability that may change the settings (and send test emails).
	 */
	public static function capability(): string {
		return Twofa_Settings::is_network() ? self::NETWORK_CAPABILITY : self::CAPABILITY;
	}

	/**
	 * The setting, its sections and fields. The site's option is registered (so options.php
	 * takes it) only while the policy is the site's own.
	 */
	public static function register_settings(): void {
		if ( ! Twofa_Settings::is_network() ) {
			register_setting(
				self::GROUP,
				Twofa_Settings::OPTION,
				array(
					'type'              => 'array',
					'sanitize_callback' => array( __CLASS__, 'sanitize' ),
					'show_in_rest'      => false,
				)
			);
		}

		add_settings_section( 'twofa_methods', __( 'Methods and who must use them', 'twofa' ), '__return_false', self::SLUG );
		add_settings_field( 'twofa_methods', __( 'Methods offered', 'twofa' ), array( __CLASS__, 'field_methods' ), self::SLUG, 'twofa_methods' );
		add_settings_field( 'twofa_required_roles', __( 'Roles that must use 2FA', 'twofa' ), array( __CLASS__, 'field_roles' ), self::SLUG, 'twofa_methods' );
		add_settings_field( 'twofa_email_not_primary_roles', __( 'Email only as a backup', 'twofa' ), array( __CLASS__, 'field_email_roles' ), self::SLUG, 'twofa_methods' );
		self::number_field( 'grace_days', __( 'Grace period', 'twofa' ), __( 'days a user of a required role may still log in without 2FA (0 = set it up at the next login)', 'twofa' ), 'twofa_methods' );

		add_settings_section( 'twofa_codes', __( 'Codes, back-off and lockout', 'twofa' ), '__return_false', self::SLUG );
		self::number_field( 'email_ttl', __( 'Email code validity', 'twofa' ), __( 'seconds', 'twofa' ), 'twofa_codes' );
		self::number_field( 'resend_cooldown', __( 'Wait before resending', 'twofa' ), __( 'seconds between two emailed codes', 'twofa' ), 'twofa_codes' );
		self::number_field( 'backoff_after', __( 'Back-off after', 'twofa' ), __( 'failed codes (each further failure waits longer)', 'twofa' ), 'twofa_codes' );
		self::number_field( 'lockout_after', __( 'Lock out after', 'twofa' ), __( 'failed codes', 'twofa' ), 'twofa_codes' );
		self::number_field( 'lockout_minutes', __( 'Lockout length', 'twofa' ), __( 'minutes', 'twofa' ), 'twofa_codes' );
		self::number_field( 'permanent_lock_after', __( 'Permanent lock after', 'twofa' ), __( 'failed codes in a row (at most 100); then only an administrator can unlock the account', 'twofa' ), 'twofa_codes' );
		self::number_field( 'email_ip_per_hour', __( 'Code emails per address', 'twofa' ), __( 'per hour from one client IP address, all accounts together', 'twofa' ), 'twofa_codes' );

		add_settings_section( 'twofa_devices', __( 'Remembered devices', 'twofa' ), '__return_false', self::SLUG );
		add_settings_field( 'twofa_remember_devices', __( 'Remember devices', 'twofa' ), array( __CLASS__, 'field_remember_devices' ), self::SLUG, 'twofa_devices' );
		self::number_field( 'remember_days', __( 'Remember a device for', 'twofa' ), __( 'days', 'twofa' ), 'twofa_devices' );

		add_settings_section( 'twofa_passwordless', __( 'Passkeys', 'twofa' ), '__return_false', self::SLUG );
		add_settings_field( 'twofa_passwordless', __( 'Passwordless login', 'twofa' ), array( __CLASS__, 'field_passwordless' ), self::SLUG, 'twofa_passwordless' );

		add_settings_section( 'twofa_log', __( 'Activity log', 'twofa' ), '__return_false', self::SLUG );
		self::number_field( 'log_retention_days', __( 'Keep events for', 'twofa' ), __( 'days (older events are deleted daily)', 'twofa' ), 'twofa_log' );

		add_settings_section( 'twofa_access', __( 'Other ways in, and the sidecar', 'twofa' ), '__return_false', self::SLUG );
		add_settings_field( 'twofa_app_passwords', __( 'Application passwords', 'twofa' ), array( __CLASS__, 'field_app_passwords' ), self::SLUG, 'twofa_access' );
		add_settings_field( 'twofa_login_errors', __( 'Password step errors', 'twofa' ), array( __CLASS__, 'field_login_errors' ), self::SLUG, 'twofa_access' );
		add_settings_field(
			'twofa_sidecar_url',
			__( 'Sidecar address', 'twofa' ),
			array( __CLASS__, 'field_sidecar_url' ),
			self::SLUG,
			'twofa_access',
			array( 'label_for' => 'twofa_sidecar_url' )
		);
	}

	/**
	 * A whole-number field.
	 *
	 * @param string $field   Setting field.
	 * @param string $label   Label.
	 * @param string $unit    Text after the input.
	 * @param string $section Section id.
	 */
	private static function number_field( string $field, string $label, string $unit, string $section ): void {
		add_settings_field(
			'twofa_' . $field,
			$label,
			array( __CLASS__, 'field_number' ),
			self::SLUG,
			$section,
			array(
				'label_for' => 'twofa_' . $field,
				'field'     => $field,
				'unit'      => $unit,
			)
		);
	}

	/**
	 * The Settings API's sanitize callback.
	 *
	 * @param mixed $input Submitted value.
	 * @return mixed The validated settings, or the stored option unchanged.
	 */
	public static function sanitize( $input ) {
		$valid = self::clean( $input );
		if ( is_wp_error( $valid ) ) {
			self::add_errors( $valid );
			return get_option( Twofa_Settings::OPTION );
		}
		return $valid;
	}

	/**
	 * The submitted form (or a programmatic value) validated: what both the site's and the
	 * network's page save.
	 *
	 * @param mixed $input Submitted value.
	 * @return array<string,mixed>|WP_Error The complete validated settings, or every problem.
	 */
	public static function clean( $input ) {
		if ( ! is_array( $input ) ) {
			return new WP_Error( 'twofa_bad_input', __( 'The settings were not saved: the form was incomplete.', 'twofa' ) );
		}
		if ( isset( $input[ self::FORM_MARKER ] ) ) {
			unset( $input[ self::FORM_MARKER ] );
			// Unticked checkboxes are not sent: an absent list means none ticked.
			foreach ( array( 'methods', 'required_roles', 'email_not_primary_roles' ) as $list ) {
				if ( ! isset( $input[ $list ] ) ) {
					$input[ $list ] = array();
				}
			}
			foreach ( $input as $field => $value ) {
				if ( is_string( $value ) ) {
					$input[ $field ] = trim( $value );
				}
			}
		}
		return Twofa_Settings::validate( $input );
	}

	/**
	 * Every problem of a refused save as a settings error, then "Nothing was saved".
	 *
	 * @param WP_Error $errors From clean().
	 */
	private static function add_errors( WP_Error $errors ): void {
		foreach ( $errors->get_error_codes() as $code ) {
			foreach ( $errors->get_error_messages( $code ) as $message ) {
				add_settings_error( Twofa_Settings::OPTION, $code, $message, 'error' );
			}
		}
		if ( 'twofa_bad_input' !== $errors->get_error_code() ) {
			add_settings_error( Twofa_Settings::OPTION, 'twofa_not_saved', __( 'Nothing was saved. Correct the values above and save again.', 'twofa' ), 'error' );
		}
	}

	/**
	 * The checks and the save of the network page's post: capability, nonce, the
	 * network's policy in force, then clean() and Twofa_Settings::update().
	 *
	 * @param array<string,mixed> $post Request fields ($_POST, slashed as WordPress gives them).
	 * @return true|WP_Error
	 */
	public static function process_network_save( array $post ) {
		if ( ! current_user_can( self::NETWORK_CAPABILITY ) ) {
			return new WP_Error( 'twofa_forbidden', __( 'Sorry, you are not allowed to manage the network\'s two-factor settings.', 'twofa' ), array( 'status' => 403 ) );
		}
		$nonce = isset( $post['_wpnonce'] ) && is_string( $post['_wpnonce'] ) ? sanitize_text_field( wp_unslash( $post['_wpnonce'] ) ) : '';
		if ( ! wp_verify_nonce( $nonce, self::NETWORK_ACTION ) ) {
			return new WP_Error( 'twofa_bad_nonce', __( 'The link you followed has expired. Please go back, reload the page and try again.', 'twofa' ), array( 'status' => 403 ) );
		}
		if ( ! Twofa_Settings::is_network() ) {
			return new WP_Error( 'twofa_not_network', __( 'twofa is not network-activated: each site has its own Settings → Two-Factor.', 'twofa' ), array( 'status' => 403 ) );
		}
		$input = isset( $post[ Twofa_Settings::OPTION ] ) ? wp_unslash( $post[ Twofa_Settings::OPTION ] ) : null;
		$valid = self::clean( $input );
		return is_wp_error( $valid ) ? $valid : Twofa_Settings::update( $valid );
	}

	/**
	 * network/edit.php?action=twofa_network_settings: save, then back to the page with
	 * the messages.
	 */
	public static function handle_network_save(): void {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- process_network_save() verifies it.
		$result = self::process_network_save( $_POST );
		if ( is_wp_error( $result ) && 403 === ( $result->get_error_data()['status'] ?? 0 ) ) {
			wp_die( esc_html( $result->get_error_message() ), esc_html__( 'Not allowed', 'twofa' ), array( 'response' => 403 ) );
		}
		if ( is_wp_error( $result ) ) {
			self::add_errors( $result );
		} else {
			add_settings_error( Twofa_Settings::OPTION, 'settings_updated', __( 'Settings saved.', 'twofa' ), 'success' );
		}
		set_transient( self::NETWORK_NOTICE_TRANSIENT . get_current_user_id(), get_settings_errors( Twofa_Settings::OPTION ), 5 * MINUTE_IN_SECONDS );
		wp_safe_redirect( add_query_arg( 'updated', is_wp_error( $result ) ? 'false' : 'true', self::page_url() ) );
		exit;
	}

	/**
	 * The checks of the "Send test email" post: capability, nonce, then send to the
	 * current user.
	 *
	 * @param array<string,mixed> $post Request fields ($_POST).
	 * @return true|WP_Error
	 */
	public static function process_test_email( array $post ) {
		if ( ! current_user_can( self::capability() ) ) {
			return new WP_Error( 'twofa_forbidden', __( 'Sorry, you are not allowed to send test emails.', 'twofa' ), array( 'status' => 403 ) );
		}
		$nonce = isset( $post['_wpnonce'] ) && is_string( $post['_wpnonce'] ) ? sanitize_text_field( wp_unslash( $post['_wpnonce'] ) ) : '';
		if ( ! wp_verify_nonce( $nonce, self::TEST_ACTION ) ) {
			return new WP_Error( 'twofa_bad_nonce', __( 'The link you followed has expired. Please go back, reload the page and try again.', 'twofa' ), array( 'status' => 403 ) );
		}
		return Twofa_Test_Email::send( get_current_user_id() );
	}

	/**
	 * admin-post.php?action=twofa_send_test_email.
	 */
	public static function handle_test_email(): void {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- process_test_email() verifies it.
		$result = self::process_test_email( $_POST );
		if ( is_wp_error( $result ) && 403 === ( $result->get_error_data()['status'] ?? 0 ) ) {
			wp_die( esc_html( $result->get_error_message() ), esc_html__( 'Not allowed', 'twofa' ), array( 'response' => 403 ) );
		}
		set_transient(
			self::NOTICE_TRANSIENT . get_current_user_id(),
			array(
				'ok'      => true === $result,
				'message' => is_wp_error( $result ) ? $result->get_error_message() : '',
			),
			5 * MINUTE_IN_SECONDS
		);
		wp_safe_redirect( self::page_url() );
		exit;
	}

	/**
	 * Methods offered: one checkbox per method.
	 */
	public static function field_methods(): void {
		$enabled = (array) Twofa_Settings::get( 'methods' );
		echo '<fieldset><legend class="screen-reader-text">' . esc_html__( 'Methods offered', 'twofa' ) . '</legend>';
		foreach ( Twofa_Providers::all() as $id => $provider ) {
			printf(
				'<label><input type="checkbox" name="%1$s[methods][]" value="%2$s"%3$s> %4$s</label><br>',
				esc_attr( Twofa_Settings::OPTION ),
				esc_attr( $id ),
				checked( in_array( $id, $enabled, true ), true, false ),
				esc_html( $provider->label() )
			);
		}
		echo '<p class="description">' . esc_html__( 'Users can configure and log in only with the methods ticked here.', 'twofa' ) . '</p></fieldset>';
	}

	/**
	 * Roles that must use 2FA: one checkbox per role.
	 */
	public static function field_roles(): void {
		$required = (array) Twofa_Settings::get( 'required_roles' );
		echo '<fieldset><legend class="screen-reader-text">' . esc_html__( 'Roles that must use 2FA', 'twofa' ) . '</legend>';
		foreach ( wp_roles()->get_names() as $role => $name ) {
			printf(
				'<label><input type="checkbox" name="%1$s[required_roles][]" value="%2$s"%3$s> %4$s</label><br>',
				esc_attr( Twofa_Settings::OPTION ),
				esc_attr( $role ),
				checked( in_array( $role, $required, true ), true, false ),
				esc_html( translate_user_role( $name ) )
			);
		}
		echo '<p class="description">' . esc_html__( 'Users with a ticked role set up two-factor authentication at their next login.', 'twofa' ) . '</p></fieldset>';
	}

	/**
	 * Roles for which OTP over Email may only be a backup: one checkbox per role.
	 */
	public static function field_email_roles(): void {
		$ticked = (array) Twofa_Settings::get( 'email_not_primary_roles' );
		echo '<fieldset><legend class="screen-reader-text">' . esc_html__( 'Email only as a backup', 'twofa' ) . '</legend>';
		foreach ( wp_roles()->get_names() as $role => $name ) {
			printf(
				'<label><input type="checkbox" name="%1$s[email_not_primary_roles][]" value="%2$s"%3$s> %4$s</label><br>',
				esc_attr( Twofa_Settings::OPTION ),
				esc_attr( $role ),
				checked( in_array( $role, $ticked, true ), true, false ),
				esc_html( translate_user_role( $name ) )
			);
		}
		echo '<p class="description">' . esc_html__( 'Users with a ticked role may use OTP over Email only beside an authenticator app, never as their only or primary method: an authenticator app or a passkey is stronger.', 'twofa' ) . '</p></fieldset>';
	}

	/**
	 * A whole-number input.
	 *
	 * @param array<string,string> $args field, unit, label_for.
	 */
	public static function field_number( array $args ): void {
		$field = $args['field'];
		list( $min, $max ) = Twofa_Settings::BOUNDS[ $field ];
		printf(
			'<input type="number" class="small-text" id="%1$s" name="%2$s[%3$s]" value="%4$s" min="%5$d" max="%6$d" step="1" aria-describedby="%1$s-unit"> <span id="%1$s-unit">%7$s</span>',
			esc_attr( $args['label_for'] ),
			esc_attr( Twofa_Settings::OPTION ),
			esc_attr( $field ),
			esc_attr( (string) Twofa_Settings::get( $field ) ),
			(int) $min,
			(int) $max,
			/* translators: 1: a unit such as "seconds", 2: minimum, 3: maximum. */
			esc_html( sprintf( __( '%1$s (%2$d–%3$d)', 'twofa' ), $args['unit'], $min, $max ) )
		);
	}

	/**
	 * Remember devices: on or off.
	 */
	public static function field_remember_devices(): void {
		self::checkbox( 'remember_devices', __( 'Offer "Remember this device" at the two-factor step', 'twofa' ) );
		echo '<p class="description">' . esc_html__( 'A remembered browser skips the two-factor step (never the password) for the number of days below. Users see and forget their devices on Configure 2FA; every device is forgotten when the password changes or two-factor authentication is reset.', 'twofa' ) . '</p>';
	}

	/**
	 * An on/off setting's checkbox; the hidden 0 stands for the unticked box, which browsers do not send.
	 *
	 * @param string $field Setting field.
	 * @param string $label Text of the box.
	 */
	private static function checkbox( string $field, string $label ): void {
		printf(
			'<input type="hidden" name="%1$s[%2$s]" value="0"><label><input type="checkbox" id="twofa_%2$s" name="%1$s[%2$s]" value="1"%3$s> %4$s</label>',
			esc_attr( Twofa_Settings::OPTION ),
			esc_attr( $field ),
			checked( (bool) Twofa_Settings::get( $field ), true, false ),
			esc_html( $label )
		);
	}

	/**
	 * Passwordless login: on or off.
	 */
	public static function field_passwordless(): void {
		self::checkbox( 'passwordless', __( 'Offer "Log in with a passkey" on the login page', 'twofa' ) );
		echo '<p class="description">' . esc_html__( 'A user who has added a passkey on Configure 2FA can log in with it alone, without the password: the passkey is a second factor in itself (the device, unlocked by the user\'s fingerprint, face or PIN). Failed attempts count towards the back-off and lockout of the passkey\'s account.', 'twofa' ) . '</p>';
	}

	/**
	 * Application passwords: allow or deny.
	 */
	public static function field_app_passwords(): void {
		$current = (string) Twofa_Settings::get( 'app_passwords' );
		$choices = array(
			Twofa_Settings::APP_PASSWORDS_ALLOW => __( 'Allow application passwords', 'twofa' ),
			Twofa_Settings::APP_PASSWORDS_DENY  => __( 'Deny application passwords', 'twofa' ),
		);
		echo '<fieldset><legend class="screen-reader-text">' . esc_html__( 'Application passwords', 'twofa' ) . '</legend>';
		foreach ( $choices as $value => $label ) {
			printf(
				'<label><input type="radio" name="%1$s[app_passwords]" value="%2$s"%3$s> %4$s</label><br>',
				esc_attr( Twofa_Settings::OPTION ),
				esc_attr( $value ),
				checked( $current, $value, false ),
				esc_html( $label )
			);
		}
		echo '</fieldset>';
	}

	/**
	 * Password step errors: generic (default) or WordPress's own.
	 */
	public static function field_login_errors(): void {
		$current = (string) Twofa_Settings::get( 'login_errors' );
		$choices = array(
			'generic'   => __( 'One error for an unknown user and a wrong password (recommended)', 'twofa' ),
			'wordpress' => __( 'WordPress\'s own errors (they tell whether an account exists)', 'twofa' ),
		);
		echo '<fieldset><legend class="screen-reader-text">' . esc_html__( 'Password step errors', 'twofa' ) . '</legend>';
		foreach ( $choices as $value => $label ) {
			printf(
				'<label><input type="radio" name="%1$s[login_errors]" value="%2$s"%3$s> %4$s</label><br>',
				esc_attr( Twofa_Settings::OPTION ),
				esc_attr( $value ),
				checked( $current, $value, false ),
				esc_html( $label )
			);
		}
		echo '</fieldset>';
	}

	/**
	 * The sidecar's address.
	 */
	public static function field_sidecar_url(): void {
		printf(
			'<input type="url" class="regular-text code" id="twofa_sidecar_url" name="%1$s[sidecar_url]" value="%2$s" aria-describedby="twofa_sidecar_url-help"><p class="description" id="twofa_sidecar_url-help">%3$s</p>',
			esc_attr( Twofa_Settings::OPTION ),
			esc_attr( (string) Twofa_Settings::get( 'sidecar_url' ) ),
			esc_html__( 'http://127.0.0.1:PORT for a sidecar on this server, or an https:// address.', 'twofa' )
		);
		if ( defined( Twofa_Settings::SIDECAR_URL_CONSTANT ) ) {
			printf(
				'<p class="description"><strong>%s</strong></p>',
				esc_html(
					sprintf(
						/* translators: 1: constant name, 2: the address this server uses. */
						__( 'On this server %1$s in wp-config.php takes precedence: %2$s', 'twofa' ),
						Twofa_Settings::SIDECAR_URL_CONSTANT,
						'' !== Twofa_Settings::sidecar_url() ? Twofa_Settings::sidecar_url() : __( '(not a valid address)', 'twofa' )
					)
				)
			);
		}
	}

	/**
	 * The status rows: [label, ok, text], from the health checks `wp twofa doctor` runs too.
	 *
	 * @return array<int,array{0: string, 1: bool, 2: string}>
	 */
	public static function status_rows(): array {
		$rows = array();
		foreach ( Twofa_Health::checks() as $check ) {
			$rows[] = array( $check['label'], $check['ok'], ucfirst( $check['detail'] ) );
		}
		return $rows;
	}

	/**
	 * The page.
	 */
	public static function render(): void {
		$network = is_network_admin();
		if ( ! current_user_can( $network ? self::NETWORK_CAPABILITY : self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage two-factor settings.', 'twofa' ), 403 );
		}
		$user_id = get_current_user_id();
		$notice  = get_transient( self::NOTICE_TRANSIENT . $user_id );
		if ( false !== $notice ) {
			delete_transient( self::NOTICE_TRANSIENT . $user_id );
		}

		echo '<div class="wrap">';
		echo '<h1>' . esc_html__( 'Two-Factor Authentication', 'twofa' ) . '</h1>';
		if ( $network ) {
			echo '<p>' . esc_html__( 'The two-factor policy of every site of the network. Each user\'s two-factor methods are one for the whole network.', 'twofa' ) . '</p>';
			$saved = get_transient( self::NETWORK_NOTICE_TRANSIENT . $user_id );
			if ( is_array( $saved ) ) {
				delete_transient( self::NETWORK_NOTICE_TRANSIENT . $user_id );
				foreach ( $saved as $error ) {
					if ( is_array( $error ) && isset( $error['code'], $error['message'], $error['type'] ) ) {
						add_settings_error( Twofa_Settings::OPTION, (string) $error['code'], (string) $error['message'], (string) $error['type'] );
					}
				}
			}
			settings_errors( Twofa_Settings::OPTION );
		}

		echo '<div role="status" aria-live="polite" class="twofa-test-email-result">';
		if ( is_array( $notice ) ) {
			$user = wp_get_current_user();
			if ( ! empty( $notice['ok'] ) ) {
				/* translators: %s: email address. */
				echo '<div class="notice notice-success"><p>' . esc_html( sprintf( __( 'A test email was sent to %s.', 'twofa' ), $user->user_email ) ) . '</p></div>';
			} else {
				echo '<div class="notice notice-error"><p>' . esc_html__( 'The test email was not sent:', 'twofa' ) . ' ' . esc_html( (string) ( $notice['message'] ?? '' ) ) . '</p></div>';
			}
		}
		echo '</div>';

		echo '<div class="card twofa-status"><h2 class="title">' . esc_html__( 'Status', 'twofa' ) . '</h2>';
		echo '<table class="widefat striped"><tbody>';
		foreach ( self::status_rows() as $row ) {
			printf(
				'<tr><th scope="row">%1$s</th><td><span class="dashicons %2$s" aria-hidden="true"></span> <strong>%3$s</strong> %4$s</td></tr>',
				esc_html( $row[0] ),
				$row[1] ? 'dashicons-yes-alt' : 'dashicons-warning',
				$row[1] ? esc_html__( 'OK', 'twofa' ) : esc_html__( 'Problem', 'twofa' ),
				esc_html( $row[2] )
			);
		}
		echo '</tbody></table>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		echo '<input type="hidden" name="action" value="' . esc_attr( self::TEST_ACTION ) . '">';
		// No id on this nonce: the settings form below has its own #_wpnonce.
		echo '<input type="hidden" name="_wpnonce" value="' . esc_attr( wp_create_nonce( self::TEST_ACTION ) ) . '">';
		echo '<p>' . esc_html__( 'Send a test email to your own address through the sidecar:', 'twofa' ) . ' ';
		submit_button( __( 'Send test email', 'twofa' ), 'secondary', 'twofa_send_test_email', false );
		echo '</p></form></div>';

		if ( $network ) {
			echo '<form method="post" action="' . esc_url( add_query_arg( 'action', self::NETWORK_ACTION, network_admin_url( 'edit.php' ) ) ) . '">';
			wp_nonce_field( self::NETWORK_ACTION );
		} else {
			echo '<form method="post" action="' . esc_url( admin_url( 'options.php' ) ) . '">';
			settings_fields( self::GROUP );
		}
		echo '<input type="hidden" name="' . esc_attr( Twofa_Settings::OPTION ) . '[' . esc_attr( self::FORM_MARKER ) . ']" value="1">';
		do_settings_sections( self::SLUG );
		submit_button();
		echo '</form></div>';
	}
}
