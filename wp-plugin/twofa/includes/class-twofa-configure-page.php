<?php
/**
 * Users → Configure 2FA: one card per method, Configure / Reconfigure, Set as primary, Remove.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Every state change is a plain form post to admin-post.php (works without
 * JavaScript), checked for a nonce, the capability and that it concerns the
 * current user. The handler that redirects wraps process(), which returns the
 * outcome so tests can call it directly. Which card shows which step is carried
 * in query arguments (method, step), so reloading or going back is harmless.
 */
final class Twofa_Configure_Page {

	const SLUG         = 'twofa-configure';
	const POST_ACTION  = 'twofa_configure';
	const RESET_ACTION = 'twofa_reset_user';
	const RESET_SLUG   = 'twofa-reset-user';
	const CAPABILITY   = 'read';

	/**
	 * Actions of the form field twofa_action.
	 */
	const ACTIONS = array( 'totp_begin', 'totp_verify', 'totp_cancel', 'email_send', 'email_verify', 'set_primary', 'remove' );

	/**
	 * Flash message lifetime; long enough for one redirect.
	 */
	const FLASH_TTL = 300;

	/**
	 * Adds the hooks.
	 */
	public static function register(): void {
		add_action( 'admin_menu', array( __CLASS__, 'add_page' ) );
		add_action( 'admin_post_' . self::POST_ACTION, array( __CLASS__, 'handle_post' ) );
		add_action( 'admin_post_' . self::RESET_ACTION, array( __CLASS__, 'handle_reset' ) );
		add_action( 'show_user_profile', array( __CLASS__, 'render_own_profile_section' ) );
		add_action( 'edit_user_profile', array( __CLASS__, 'render_other_profile_section' ) );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'enqueue' ) );
		add_action( 'admin_notices', array( __CLASS__, 'render_reset_notice' ) );
	}

	/**
	 * Users → Configure 2FA (Profile → Configure 2FA for users who cannot list users).
	 */
	public static function add_page(): void {
		add_users_page(
			__( 'Configure 2FA', 'twofa' ),
			__( 'Configure 2FA', 'twofa' ),
			self::CAPABILITY,
			self::SLUG,
			array( __CLASS__, 'render' )
		);
		// No menu entry: reached from a user's profile screen only.
		$hook = add_submenu_page(
			'',
			__( 'Reset two-factor authentication', 'twofa' ),
			__( 'Reset two-factor authentication', 'twofa' ),
			'manage_options',
			self::RESET_SLUG,
			array( __CLASS__, 'render_reset_page' )
		);
		if ( $hook ) {
			add_action( 'load-' . $hook, array( __CLASS__, 'set_reset_page_title' ) );
		}
	}

	/**
	 * A page without a menu entry has no title for wp-admin's <title>; give it one.
	 */
	public static function set_reset_page_title(): void {
		$GLOBALS['title'] = __( 'Reset two-factor authentication', 'twofa' ); // phpcs:ignore WordPress.WP.GlobalVariablesOverride.Prohibited -- admin-header.php reads it.
	}

	/**
	 * The page's URL for the current user, with optional arguments.
	 *
	 * @param array<string,string> $args Query arguments (method, step).
	 */
	public static function url( array $args = array() ): string {
		// add_users_page() files the page under profile.php for users who cannot edit users.
		$parent = current_user_can( 'edit_users' ) ? 'users.php' : 'profile.php';
		return add_query_arg( array_merge( array( 'page' => self::SLUG ), $args ), admin_url( $parent ) );
	}

	/**
	 * Stylesheet and script, on this page only.
	 *
	 * @param string $hook_suffix Current admin page.
	 */
	public static function enqueue( string $hook_suffix ): void {
		if ( false === strpos( $hook_suffix, self::SLUG ) ) {
			return;
		}
		$base = plugins_url( 'assets/', TWOFA_PLUGIN_FILE );
		wp_enqueue_style( 'twofa-configure', $base . 'configure.css', array(), TWOFA_PLUGIN_VERSION );
		wp_enqueue_script( 'twofa-configure', $base . 'configure.js', array(), TWOFA_PLUGIN_VERSION, true );
		wp_localize_script(
			'twofa-configure',
			'twofaConfigure',
			array(
				'copied'        => __( 'Key copied.', 'twofa' ),
				'copy'          => __( 'Copy key', 'twofa' ),
				'confirmRemove' => __( 'Remove this method? You will no longer be able to use it to log in.', 'twofa' ),
			)
		);
	}

	/* ------------------------------------------------------------------ */
	/* Handling posts                                                      */
	/* ------------------------------------------------------------------ */

	/**
	 * admin-post.php?action=twofa_configure: process, remember the message, redirect.
	 */
	public static function handle_post(): void {
		// Each action checks its own nonce in process(); nothing is read before that.
		$post   = wp_unslash( $_POST ); // phpcs:ignore WordPress.Security.NonceVerification.Missing
		$result = self::process( is_array( $post ) ? $post : array(), get_current_user_id() );
		if ( 'forbidden' === $result['status'] ) {
			wp_die( esc_html( $result['message'] ), esc_html__( 'Configure 2FA', 'twofa' ), array( 'response' => 403, 'back_link' => true ) );
		}
		self::flash( get_current_user_id(), $result );
		wp_safe_redirect( self::url( $result['args'] ) );
		exit;
	}

	/**
	 * Performs one action for the current user.
	 *
	 * @param array<string,mixed> $post    Unslashed form fields.
	 * @param int                 $user_id The logged-in user (0 when none).
	 * @return array{status:string, message:string, args:array<string,string>, notes:string[]}
	 *         status: ok | error | forbidden (forbidden changes nothing and is answered 403).
	 */
	public static function process( array $post, int $user_id ): array {
		$action = isset( $post['twofa_action'] ) && is_string( $post['twofa_action'] ) ? sanitize_key( $post['twofa_action'] ) : '';
		$nonce  = isset( $post['_wpnonce'] ) && is_string( $post['_wpnonce'] ) ? sanitize_text_field( $post['_wpnonce'] ) : '';
		$target = isset( $post['user_id'] ) && is_scalar( $post['user_id'] ) ? (string) $post['user_id'] : '';

		if ( $user_id <= 0 || get_current_user_id() !== $user_id || ! current_user_can( self::CAPABILITY ) ) {
			return self::result( 'forbidden', __( 'You must be logged in to change two-factor settings.', 'twofa' ) );
		}
		if ( ! in_array( $action, self::ACTIONS, true ) ) {
			return self::result( 'forbidden', __( 'Unknown action.', 'twofa' ) );
		}
		if ( ! wp_verify_nonce( $nonce, self::nonce_action( $action, $user_id ) ) ) {
			return self::result( 'forbidden', __( 'The link you followed has expired. Reload the page and try again.', 'twofa' ) );
		}
		// These forms only ever act on the logged-in user; an administrator resets
		// others through the separate reset action with its own checks.
		if ( (string) $user_id !== $target ) {
			return self::result( 'forbidden', __( 'You can only change your own two-factor settings.', 'twofa' ) );
		}
		$problem = Twofa_Environment::problem();
		if ( null !== $problem ) {
			return self::result( 'error', $problem );
		}

		$method = isset( $post['method'] ) && is_string( $post['method'] ) ? sanitize_key( $post['method'] ) : '';
		// Capped, not cut to a valid length: over-long input must stay over-long and be refused.
		$code   = isset( $post['twofa_code'] ) && is_string( $post['twofa_code'] ) ? substr( $post['twofa_code'], 0, 256 ) : '';
		Twofa_Notifier::reset_last();

		switch ( $action ) {
			case 'totp_begin':
				if ( ! Twofa_Settings::method_enabled( 'totp' ) ) {
					return self::disabled();
				}
				try {
					Twofa_Providers::get( 'totp' )->begin_setup( $user_id );
				} catch ( Throwable $e ) {
					return self::result( 'error', __( 'A new key could not be created. Please contact the site administrator.', 'twofa' ) );
				}
				return self::result( 'ok', '', self::step( 'totp', 'setup' ) );

			case 'totp_verify':
				if ( ! Twofa_Settings::method_enabled( 'totp' ) ) {
					return self::disabled();
				}
				$totp = Twofa_Providers::get( 'totp' );
				$ok   = $totp->verify_setup( $user_id, $code );
				if ( true !== $ok ) {
					$args = in_array( $ok->get_error_code(), array( 'twofa_totp_setup_expired', 'twofa_totp_no_setup' ), true ) ? array() : self::step( 'totp', 'setup' );
					return self::result( 'error', $ok->get_error_message(), $args );
				}
				return self::added_result( 'totp' );

			case 'totp_cancel':
				Twofa_Providers::get( 'totp' )->cancel_setup( $user_id );
				return self::result( 'ok', __( 'Setup cancelled. Nothing was changed.', 'twofa' ) );

			case 'email_send':
				if ( ! Twofa_Settings::method_enabled( 'email' ) ) {
					return self::disabled();
				}
				if ( ! self::ticked( $post, 'twofa_confirm_email' ) ) {
					return self::result( 'error', __( 'Please confirm that this is your email address.', 'twofa' ), self::step( 'email', 'confirm' ) );
				}
				$email = Twofa_Providers::get( 'email' );
				$sent  = $email->send_code( $user_id, 'setup' );
				if ( true !== $sent ) {
					// Stay on the code step if an earlier code is still waiting there.
					$step = $email->has_live_code( $user_id, 'setup' ) ? 'verify' : 'confirm';
					return self::result( 'error', $sent->get_error_message(), self::step( 'email', $step ) );
				}
				return self::result( 'ok', __( 'We sent a 6-digit code to your email address. Enter it below.', 'twofa' ), self::step( 'email', 'verify' ) );

			case 'email_verify':
				if ( ! Twofa_Settings::method_enabled( 'email' ) ) {
					return self::disabled();
				}
				$ok = Twofa_Providers::get( 'email' )->verify_setup( $user_id, $code );
				if ( true !== $ok ) {
					return self::result( 'error', $ok->get_error_message(), self::step( 'email', 'verify' ) );
				}
				return self::added_result( 'email' );

			case 'set_primary':
				if ( ! in_array( $method, Twofa_User_State::usable_methods( $user_id ), true ) ) {
					return self::result( 'error', __( 'Only a configured method can be the primary one.', 'twofa' ) );
				}
				Twofa_User_State::set_primary( $user_id, $method );
				return self::result(
					'ok',
					/* translators: %s: method name, e.g. Google Authenticator. */
					sprintf( __( '%s is now your primary method.', 'twofa' ), Twofa_Providers::get( $method )->label() )
				);

			case 'remove':
				return self::remove( $user_id, $method, $post );
		}
		return self::result( 'forbidden', __( 'Unknown action.', 'twofa' ) );
	}

	/**
	 * Removes a method after confirmation and re-authentication.
	 *
	 * @param int                 $user_id User ID.
	 * @param string              $method  Method id.
	 * @param array<string,mixed> $post    Unslashed form fields.
	 */
	private static function remove( int $user_id, string $method, array $post ): array {
		$provider = Twofa_Providers::get( $method );
		if ( ! $provider || ! $provider->is_configured( $user_id ) ) {
			return self::result( 'error', __( 'That method is not configured.', 'twofa' ) );
		}
		$back = self::step( $method, 'remove' );
		if ( ! self::ticked( $post, 'twofa_confirm_remove' ) ) {
			return self::result( 'error', __( 'Please tick the box to confirm the removal.', 'twofa' ), $back );
		}
		$others = array_diff( Twofa_User_State::configured_methods( $user_id ), array( $method ) );
		if ( ! $others && self::role_requires_2fa( $user_id ) ) {
			return self::result( 'error', __( 'Your role must use two-factor authentication. Configure another method before removing this one.', 'twofa' ), $back );
		}
		$password = isset( $post['twofa_password'] ) && is_string( $post['twofa_password'] ) ? $post['twofa_password'] : '';
		$code     = isset( $post['twofa_reauth_code'] ) && is_string( $post['twofa_reauth_code'] ) ? substr( $post['twofa_reauth_code'], 0, 256 ) : '';
		$reauth   = Twofa_Reauth::verify( $user_id, $password, $code );
		if ( true !== $reauth ) {
			return self::result( 'error', $reauth->get_error_message(), $back );
		}
		$provider->remove( $user_id );
		$notified = Twofa_Notifier::send( $user_id, 'method_removed', $method );
		$result   = self::result(
			'ok',
			/* translators: %s: method name, e.g. OTP over Email. */
			sprintf( __( '%s was removed.', 'twofa' ), $provider->label() )
		);
		if ( true !== $notified ) {
			$result['notes'][] = __( 'We could not email you a notice about this change right now; the change was made anyway.', 'twofa' );
		}
		return $result;
	}

	/**
	 * The outcome after a method was added (the notice email may have failed).
	 *
	 * @param string $method Method id.
	 */
	private static function added_result( string $method ): array {
		$result = self::result(
			'ok',
			/* translators: %s: method name, e.g. Google Authenticator. */
			sprintf( __( '%s is configured and active.', 'twofa' ), Twofa_Providers::get( $method )->label() )
		);
		if ( Twofa_Notifier::last_failed() ) {
			$result['notes'][] = __( 'We could not email you a notice about this change right now; the change was made anyway.', 'twofa' );
		}
		return $result;
	}

	/**
	 * Whether one of the user's roles must use 2FA.
	 *
	 * @param int $user_id User ID.
	 */
	private static function role_requires_2fa( int $user_id ): bool {
		$user = get_userdata( $user_id );
		return $user && array_intersect( (array) $user->roles, (array) Twofa_Settings::get( 'required_roles' ) );
	}

	/**
	 * Whether a confirmation checkbox was ticked (value exactly "1").
	 *
	 * @param array<string,mixed> $post Unslashed form fields.
	 * @param string              $name Field name.
	 */
	private static function ticked( array $post, string $name ): bool {
		return isset( $post[ $name ] ) && is_string( $post[ $name ] ) && '1' === $post[ $name ];
	}

	/**
	 * The refusal for a method the site has turned off.
	 */
	private static function disabled(): array {
		return self::result( 'error', __( 'This method is not enabled on this site.', 'twofa' ) );
	}

	/**
	 * Query arguments that open a card at a step.
	 *
	 * @param string $method Method id.
	 * @param string $step   Step name.
	 * @return array<string,string>
	 */
	private static function step( string $method, string $step ): array {
		return array(
			'method' => $method,
			'step'   => $step,
		);
	}

	/**
	 * A process() result.
	 *
	 * @param string               $status  ok | error | forbidden.
	 * @param string               $message Message for the user ('' for none).
	 * @param array<string,string> $args    Query arguments of the page to return to.
	 */
	private static function result( string $status, string $message, array $args = array() ): array {
		return array(
			'status'  => $status,
			'message' => $message,
			'args'    => $args,
			'notes'   => array(),
		);
	}

	/**
	 * Nonce action of a form: bound to the action and the user.
	 *
	 * @param string $action  twofa_action value.
	 * @param int    $user_id User ID.
	 */
	public static function nonce_action( string $action, int $user_id ): string {
		return 'twofa-configure-' . $action . '-' . $user_id;
	}

	/* ------------------------------------------------------------------ */
	/* Messages across the redirect                                        */
	/* ------------------------------------------------------------------ */

	/**
	 * Keeps a result's messages for the next page view of this user. Messages are
	 * the plugin's own strings, never echoed input.
	 *
	 * @param int   $user_id User ID.
	 * @param array $result  process() result.
	 */
	private static function flash( int $user_id, array $result ): void {
		$messages = array();
		if ( '' !== $result['message'] ) {
			$messages[] = array(
				'type' => 'ok' === $result['status'] ? 'success' : 'error',
				'text' => $result['message'],
			);
		}
		foreach ( $result['notes'] as $note ) {
			$messages[] = array(
				'type' => 'warning',
				'text' => $note,
			);
		}
		if ( $messages ) {
			set_transient( self::flash_key( $user_id ), $messages, self::FLASH_TTL );
		}
	}

	/**
	 * Takes the pending messages of a user (shown once).
	 *
	 * @param int $user_id User ID.
	 * @return array<int,array{type:string,text:string}>
	 */
	private static function take_flash( int $user_id ): array {
		$messages = get_transient( self::flash_key( $user_id ) );
		if ( false === $messages ) {
			return array();
		}
		delete_transient( self::flash_key( $user_id ) );
		return is_array( $messages ) ? $messages : array();
	}

	/**
	 * Transient name of a user's messages.
	 *
	 * @param int $user_id User ID.
	 */
	private static function flash_key( int $user_id ): string {
		return 'twofa_flash_' . $user_id;
	}

	/* ------------------------------------------------------------------ */
	/* The page                                                            */
	/* ------------------------------------------------------------------ */

	/**
	 * Renders Users → Configure 2FA.
	 */
	public static function render(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to view this page.', 'twofa' ), 403 );
		}
		$user_id  = get_current_user_id();
		$messages = self::take_flash( $user_id );
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- reading which card to open changes nothing.
		$open_method = isset( $_GET['method'] ) ? sanitize_key( wp_unslash( $_GET['method'] ) ) : '';
		$open_step   = isset( $_GET['step'] ) ? sanitize_key( wp_unslash( $_GET['step'] ) ) : '';
		// phpcs:enable
		?>
		<div class="wrap twofa-configure">
			<h1><?php esc_html_e( 'Configure 2FA', 'twofa' ); ?></h1>
			<div id="twofa-messages" role="status" aria-live="polite">
				<?php foreach ( $messages as $message ) : ?>
					<div class="notice notice-<?php echo esc_attr( in_array( $message['type'] ?? '', array( 'success', 'error', 'warning' ), true ) ? $message['type'] : 'info' ); ?> inline">
						<p><?php echo esc_html( (string) ( $message['text'] ?? '' ) ); ?></p>
					</div>
				<?php endforeach; ?>
			</div>
			<?php
			$problem = Twofa_Environment::problem();
			if ( null !== $problem ) {
				?>
				<div class="notice notice-error inline">
					<p><strong><?php esc_html_e( 'Two-factor authentication cannot be configured on this site right now.', 'twofa' ); ?></strong></p>
					<p><?php echo esc_html( $problem ); ?></p>
					<p><?php esc_html_e( 'Please contact the site administrator. Nothing can be changed on this page until this is fixed.', 'twofa' ); ?></p>
				</div>
				</div>
				<?php
				return;
			}
			$providers = Twofa_Providers::enabled();
			?>
			<p class="twofa-intro"><?php esc_html_e( 'Set up one or more ways to prove it is you when you log in. The first method you configure becomes your primary method; the others are backups if it is unavailable.', 'twofa' ); ?></p>
			<div class="twofa-cards">
				<?php
				foreach ( $providers as $id => $provider ) {
					self::render_card( $provider, $user_id, $open_method === $id ? $open_step : '' );
				}
				?>
			</div>
			<?php Twofa_Activity_Page::render_recent( $user_id ); ?>
		</div>
		<?php
	}

	/**
	 * One method's card.
	 *
	 * @param Twofa_Provider $provider The method.
	 * @param int            $user_id  Current user.
	 * @param string         $step     The open step of this card ('' = closed).
	 */
	private static function render_card( Twofa_Provider $provider, int $user_id, string $step ): void {
		$id         = $provider->id();
		$configured = $provider->is_configured( $user_id );
		$primary    = Twofa_User_State::primary( $user_id ) === $id;
		if ( $primary ) {
			$status       = __( 'Primary', 'twofa' );
			$status_class = 'primary';
		} elseif ( $configured ) {
			$status       = __( 'Configured', 'twofa' );
			$status_class = 'configured';
		} else {
			$status       = __( 'Not configured', 'twofa' );
			$status_class = 'not-configured';
		}
		$button_label = $configured ? __( 'Reconfigure', 'twofa' ) : __( 'Configure', 'twofa' );
		?>
		<div class="card twofa-card" id="twofa-card-<?php echo esc_attr( $id ); ?>" data-method="<?php echo esc_attr( $id ); ?>">
			<h2 class="title"><?php echo esc_html( $provider->label() ); ?></h2>
			<p class="twofa-description"><?php echo esc_html( $provider->description() ); ?></p>
			<p class="twofa-status">
				<?php esc_html_e( 'Status:', 'twofa' ); ?>
				<span class="twofa-badge twofa-badge-<?php echo esc_attr( $status_class ); ?>"><?php echo esc_html( $status ); ?></span>
			</p>
			<div class="twofa-actions">
				<?php
				if ( 'totp' === $id ) {
					self::open_form( 'totp_begin', $user_id );
					self::button( $button_label, $configured ? 'button' : 'button button-primary' );
					echo '</form>';
				} else {
					printf(
						'<a class="button %1$s" href="%2$s">%3$s</a>',
						esc_attr( $configured ? 'button-secondary' : 'button-primary' ),
						esc_url( self::url( self::step( 'email', 'confirm' ) ) . '#twofa-card-email' ),
						esc_html( $button_label )
					);
				}
				if ( $configured && ! $primary ) {
					self::open_form( 'set_primary', $user_id );
					echo '<input type="hidden" name="method" value="' . esc_attr( $id ) . '" />';
					self::button( __( 'Set as primary', 'twofa' ), 'button' );
					echo '</form>';
				}
				if ( $configured && 'remove' !== $step ) {
					printf(
						'<a class="button-link twofa-remove-link" href="%1$s">%2$s</a>',
						esc_url( self::url( self::step( $id, 'remove' ) ) . '#twofa-card-' . $id ),
						esc_html__( 'Remove', 'twofa' )
					);
				}
				?>
			</div>
			<?php
			if ( 'remove' === $step && $configured ) {
				self::render_remove( $provider, $user_id );
			} elseif ( 'totp' === $id && 'setup' === $step ) {
				self::render_totp_setup( $user_id );
			} elseif ( 'email' === $id && in_array( $step, array( 'confirm', 'verify' ), true ) ) {
				self::render_email_setup( $user_id, $step );
			}
			?>
		</div>
		<?php
	}

	/**
	 * The authenticator steps: apps, QR code, key as text, code field.
	 *
	 * @param int $user_id Current user.
	 */
	private static function render_totp_setup( int $user_id ): void {
		$totp   = Twofa_Providers::get( 'totp' );
		$secret = $totp->pending_secret( $user_id );
		if ( null === $secret ) {
			echo '<div class="notice notice-warning inline"><p>' . esc_html__( 'This setup has expired or was not started. Click Configure to get a new QR code.', 'twofa' ) . '</p></div>';
			return;
		}
		$qr      = Twofa_Qr::html( $totp->uri( $user_id, $secret ), __( 'QR code to add this account to your authenticator app', 'twofa' ) );
		$minutes = max( 1, (int) ceil( $totp->pending_expires_in( $user_id ) / 60 ) );
		?>
		<div class="twofa-setup" id="twofa-totp-setup">
			<ol class="twofa-steps">
				<li>
					<?php esc_html_e( 'Install an authenticator app on your phone if you do not have one: Google Authenticator, Microsoft Authenticator, Authy, 1Password, FreeOTP and others work.', 'twofa' ); ?>
				</li>
				<li>
					<?php esc_html_e( 'In the app, add an account and scan this QR code.', 'twofa' ); ?>
					<?php echo $qr; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- Twofa_Qr::html() escapes and filters the SVG. ?>
					<details class="twofa-cant-scan">
						<summary><?php esc_html_e( 'Can\'t scan the QR code?', 'twofa' ); ?></summary>
						<p><?php esc_html_e( 'Choose "Enter a setup key" in the app and type this key (time-based):', 'twofa' ); ?></p>
						<p><?php echo Twofa_Qr::key_html( $secret, 'twofa-secret', 'twofa-secret' ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped inside. ?></p>
					</details>
				</li>
				<li>
					<?php self::open_form( 'totp_verify', $user_id, 'twofa-verify-form' ); ?>
						<label for="twofa-totp-code"><?php esc_html_e( 'Enter the 6-digit code the app shows:', 'twofa' ); ?></label><br />
						<input type="text" id="twofa-totp-code" name="twofa_code" class="regular-text twofa-code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required />
						<?php self::button( __( 'Verify and Save', 'twofa' ), 'button button-primary' ); ?>
					</form>
					<p class="description">
						<?php
						/* translators: %d: minutes. */
						echo esc_html( sprintf( _n( 'This QR code is valid for %d more minute.', 'This QR code is valid for %d more minutes.', $minutes, 'twofa' ), $minutes ) );
						if ( $totp->is_configured( $user_id ) ) {
							echo ' ' . esc_html__( 'Your current authenticator keeps working until the new one is verified.', 'twofa' );
						}
						?>
					</p>
					<?php self::open_form( 'totp_cancel', $user_id ); ?>
						<?php self::button( __( 'Cancel', 'twofa' ), 'button-link' ); ?>
					</form>
				</li>
			</ol>
		</div>
		<?php
	}

	/**
	 * The email steps: confirm the address and send; enter the code.
	 *
	 * @param int    $user_id Current user.
	 * @param string $step    confirm | verify.
	 */
	private static function render_email_setup( int $user_id, string $step ): void {
		$user  = get_userdata( $user_id );
		$email = Twofa_Providers::get( 'email' );
		$wait  = $email->cooldown_remaining( $user_id );
		?>
		<div class="twofa-setup" id="twofa-email-setup">
			<p>
				<?php esc_html_e( 'Codes will be sent to the email address of your account:', 'twofa' ); ?>
				<strong class="twofa-email-address"><?php echo esc_html( $user ? $user->user_email : '' ); ?></strong>
			</p>
			<p class="description">
				<?php
				printf(
					/* translators: %s: link to the profile page. */
					esc_html__( 'If this is not your address, change it on your %s first.', 'twofa' ),
					'<a href="' . esc_url( admin_url( 'profile.php' ) ) . '">' . esc_html__( 'profile', 'twofa' ) . '</a>'
				);
				?>
			</p>
			<?php self::open_form( 'email_send', $user_id, 'twofa-send-form' ); ?>
				<p>
					<label>
						<input type="checkbox" name="twofa_confirm_email" value="1" required <?php checked( 'verify' === $step ); ?> />
						<?php esc_html_e( 'This is my email address', 'twofa' ); ?>
					</label>
				</p>
				<p class="twofa-send-row">
					<?php
					self::button( __( 'Send OTP', 'twofa' ), 'verify' === $step ? 'button' : 'button button-primary', $wait > 0 ? array( 'data-cooldown' => (string) $wait ) : array() );
					if ( $wait > 0 ) {
						echo ' <span class="description twofa-cooldown">' . esc_html(
							/* translators: %d: seconds. */
							sprintf( _n( 'You can ask for another code in %d second.', 'You can ask for another code in %d seconds.', $wait, 'twofa' ), $wait )
						) . '</span>';
					}
					?>
				</p>
			</form>
			<?php if ( 'verify' === $step ) : ?>
				<?php self::open_form( 'email_verify', $user_id, 'twofa-verify-form' ); ?>
					<p>
						<label for="twofa-email-code"><?php esc_html_e( 'Enter the 6-digit code from the email:', 'twofa' ); ?></label><br />
						<input type="text" id="twofa-email-code" name="twofa_code" class="regular-text twofa-code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required />
						<?php self::button( __( 'Verify and Save', 'twofa' ), 'button button-primary' ); ?>
					</p>
				</form>
			<?php endif; ?>
		</div>
		<?php
	}

	/**
	 * The removal form: confirm and re-authenticate.
	 *
	 * @param Twofa_Provider $provider The method.
	 * @param int            $user_id  Current user.
	 */
	private static function render_remove( Twofa_Provider $provider, int $user_id ): void {
		$id       = $provider->id();
		$has_totp = Twofa_Providers::get( 'totp' )->is_configured( $user_id );
		?>
		<div class="twofa-setup twofa-remove" id="twofa-remove-<?php echo esc_attr( $id ); ?>">
			<?php self::open_form( 'remove', $user_id, 'twofa-remove-form' ); ?>
				<input type="hidden" name="method" value="<?php echo esc_attr( $id ); ?>" />
				<p>
					<label>
						<input type="checkbox" name="twofa_confirm_remove" value="1" required />
						<?php
						/* translators: %s: method name. */
						echo esc_html( sprintf( __( 'Yes, remove %s from my account.', 'twofa' ), $provider->label() ) );
						?>
					</label>
				</p>
				<p>
					<label for="twofa-password-<?php echo esc_attr( $id ); ?>"><?php esc_html_e( 'To confirm it is you, enter your current password:', 'twofa' ); ?></label><br />
					<input type="password" id="twofa-password-<?php echo esc_attr( $id ); ?>" name="twofa_password" class="regular-text" autocomplete="current-password" />
				</p>
				<?php if ( $has_totp ) : ?>
					<p>
						<label for="twofa-reauth-<?php echo esc_attr( $id ); ?>"><?php esc_html_e( 'or a current code from your authenticator app:', 'twofa' ); ?></label><br />
						<input type="text" id="twofa-reauth-<?php echo esc_attr( $id ); ?>" name="twofa_reauth_code" class="regular-text twofa-code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" />
					</p>
				<?php endif; ?>
				<p>
					<?php self::button( __( 'Remove', 'twofa' ), 'button button-secondary twofa-button-remove' ); ?>
					<a class="button-link" href="<?php echo esc_url( self::url() ); ?>"><?php esc_html_e( 'Cancel', 'twofa' ); ?></a>
				</p>
			</form>
		</div>
		<?php
	}

	/**
	 * Opens a form posting one action to admin-post.php, with its nonce.
	 *
	 * @param string $action  twofa_action value.
	 * @param int    $user_id Current user.
	 * @param string $class   Extra CSS class.
	 */
	private static function open_form( string $action, int $user_id, string $class = '' ): void {
		printf(
			'<form method="post" action="%1$s" class="twofa-form twofa-form-%2$s %3$s">',
			esc_url( admin_url( 'admin-post.php' ) ),
			esc_attr( str_replace( '_', '-', $action ) ),
			esc_attr( $class )
		);
		echo '<input type="hidden" name="action" value="' . esc_attr( self::POST_ACTION ) . '" />';
		echo '<input type="hidden" name="twofa_action" value="' . esc_attr( $action ) . '" />';
		echo '<input type="hidden" name="user_id" value="' . esc_attr( (string) $user_id ) . '" />';
		// Written by hand: wp_nonce_field() would give every form the same element id.
		echo '<input type="hidden" name="_wpnonce" value="' . esc_attr( wp_create_nonce( self::nonce_action( $action, $user_id ) ) ) . '" />';
	}

	/**
	 * A submit button (no id, so several forms on one page stay valid).
	 *
	 * @param string               $label Button text.
	 * @param string               $class CSS classes.
	 * @param array<string,string> $attrs Extra attributes.
	 */
	private static function button( string $label, string $class, array $attrs = array() ): void {
		$extra = '';
		foreach ( $attrs as $name => $value ) {
			$extra .= ' ' . sanitize_key( $name ) . '="' . esc_attr( $value ) . '"';
		}
		printf( '<button type="submit" class="%1$s"%2$s>%3$s</button>', esc_attr( $class ), $extra, esc_html( $label ) ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- $extra is escaped above.
	}

	/* ------------------------------------------------------------------ */
	/* Profile screens                                                     */
	/* ------------------------------------------------------------------ */

	/**
	 * Your own profile: status and a link to Configure 2FA.
	 *
	 * @param WP_User $user The profile's user (the current user).
	 */
	public static function render_own_profile_section( $user ): void {
		if ( ! $user instanceof WP_User || get_current_user_id() !== (int) $user->ID ) {
			return;
		}
		?>
		<h2 id="twofa-profile"><?php esc_html_e( 'Two-Factor Authentication', 'twofa' ); ?></h2>
		<table class="form-table" role="presentation">
			<tr>
				<th scope="row"><?php esc_html_e( 'Status', 'twofa' ); ?></th>
				<td>
					<p><?php echo esc_html( self::summary( (int) $user->ID ) ); ?></p>
					<p><a class="button" href="<?php echo esc_url( self::url() ); ?>"><?php esc_html_e( 'Configure 2FA', 'twofa' ); ?></a></p>
				</td>
			</tr>
		</table>
		<?php
	}

	/**
	 * Another user's profile: status, and for site owners a link to the reset screen.
	 *
	 * The profile screen is one big form whose own "action" field would win over
	 * any button inside it, so the reset has its own small confirmation screen.
	 *
	 * @param WP_User $user The profile's user.
	 */
	public static function render_other_profile_section( $user ): void {
		if ( ! $user instanceof WP_User ) {
			return;
		}
		$user_id = (int) $user->ID;
		?>
		<h2 id="twofa-profile"><?php esc_html_e( 'Two-Factor Authentication', 'twofa' ); ?></h2>
		<table class="form-table" role="presentation">
			<tr>
				<th scope="row"><?php esc_html_e( 'Status', 'twofa' ); ?></th>
				<td>
					<p><?php echo esc_html( self::summary( $user_id ) ); ?></p>
					<?php if ( Twofa_Reset::current_user_can_reset( $user_id ) ) : ?>
						<p>
							<a class="button button-secondary twofa-reset-link" href="<?php echo esc_url( self::reset_page_url( $user_id ) ); ?>"><?php esc_html_e( 'Reset two-factor authentication', 'twofa' ); ?></a>
						</p>
						<p class="description"><?php esc_html_e( 'Use this when the user has lost access to every method. It removes all of their methods and logs them out everywhere; they are emailed a notice and must set up 2FA again.', 'twofa' ); ?></p>
					<?php endif; ?>
				</td>
			</tr>
		</table>
		<?php
	}

	/**
	 * URL of the reset confirmation screen for a user.
	 *
	 * @param int $user_id Target user.
	 */
	public static function reset_page_url( int $user_id ): string {
		return add_query_arg(
			array(
				'page'    => self::RESET_SLUG,
				'user_id' => $user_id,
			),
			admin_url( 'admin.php' )
		);
	}

	/**
	 * The reset confirmation screen (not in the menu; reached from a user's profile).
	 */
	public static function render_reset_page(): void {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only; the form carries the nonce.
		$user_id = isset( $_GET['user_id'] ) ? absint( wp_unslash( $_GET['user_id'] ) ) : 0;
		$user    = $user_id ? get_userdata( $user_id ) : false;
		if ( ! $user || ! Twofa_Reset::current_user_can_reset( $user_id ) ) {
			wp_die( esc_html__( 'You are not allowed to reset this user\'s two-factor authentication.', 'twofa' ), 403 );
		}
		?>
		<div class="wrap twofa-reset">
			<h1><?php esc_html_e( 'Reset two-factor authentication', 'twofa' ); ?></h1>
			<div class="card">
				<h2 class="title">
					<?php
					/* translators: 1: display name, 2: login name. */
					echo esc_html( sprintf( __( '%1$s (%2$s)', 'twofa' ), $user->display_name, $user->user_login ) );
					?>
				</h2>
				<p><?php echo esc_html( self::summary( $user_id ) ); ?></p>
				<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
					<input type="hidden" name="action" value="<?php echo esc_attr( self::RESET_ACTION ); ?>" />
					<input type="hidden" name="twofa_reset_user_id" value="<?php echo esc_attr( (string) $user_id ); ?>" />
					<input type="hidden" name="twofa_reset_nonce" value="<?php echo esc_attr( wp_create_nonce( self::reset_nonce_action( $user_id ) ) ); ?>" />
					<p>
						<label>
							<input type="checkbox" name="twofa_reset_confirm" value="1" required />
							<?php esc_html_e( 'Remove all of this user\'s two-factor methods and log them out everywhere.', 'twofa' ); ?>
						</label>
					</p>
					<p>
						<?php self::button( __( 'Reset two-factor authentication', 'twofa' ), 'button button-primary' ); ?>
						<a class="button-link" href="<?php echo esc_url( add_query_arg( 'user_id', $user_id, admin_url( 'user-edit.php' ) ) ); ?>"><?php esc_html_e( 'Cancel', 'twofa' ); ?></a>
					</p>
				</form>
			</div>
		</div>
		<?php
	}

	/**
	 * "Configured: Google Authenticator (primary), OTP over Email" or "Not configured".
	 *
	 * @param int $user_id User ID.
	 */
	public static function summary( int $user_id ): string {
		$methods = Twofa_User_State::configured_methods( $user_id );
		if ( ! $methods ) {
			return __( 'Two-factor authentication is not configured.', 'twofa' );
		}
		$primary = Twofa_User_State::primary( $user_id );
		$names   = array();
		foreach ( $methods as $method ) {
			$label   = Twofa_Providers::get( $method )->label();
			$names[] = $method === $primary
				/* translators: %s: method name. */
				? sprintf( __( '%s (primary)', 'twofa' ), $label )
				: $label;
		}
		/* translators: %s: comma-separated list of methods. */
		return sprintf( __( 'Configured: %s', 'twofa' ), implode( ', ', $names ) );
	}

	/* ------------------------------------------------------------------ */
	/* Administrator reset                                                 */
	/* ------------------------------------------------------------------ */

	/**
	 * Nonce action of the reset button for one target user.
	 *
	 * @param int $user_id Target user.
	 */
	public static function reset_nonce_action( int $user_id ): string {
		return 'twofa-reset-user-' . $user_id;
	}

	/**
	 * admin-post.php?action=twofa_reset_user: process, redirect to the profile.
	 */
	public static function handle_reset(): void {
		$post   = wp_unslash( $_POST ); // phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked in process_reset().
		$result = self::process_reset( is_array( $post ) ? $post : array() );
		if ( 'forbidden' === $result['status'] ) {
			wp_die( esc_html( $result['message'] ), esc_html__( 'Two-Factor Authentication', 'twofa' ), array( 'response' => 403, 'back_link' => true ) );
		}
		if ( 'ok' !== $result['status'] ) {
			wp_safe_redirect( add_query_arg( 'twofa', 'reset-unconfirmed', self::reset_page_url( $result['user_id'] ) ) );
			exit;
		}
		$code = $result['notes'] ? 'reset-unnotified' : 'reset';
		wp_safe_redirect( add_query_arg( array( 'user_id' => $result['user_id'], 'twofa' => $code ), admin_url( 'user-edit.php' ) ) . '#twofa-profile' );
		exit;
	}

	/**
	 * Resets another user's 2FA when the current user may.
	 *
	 * @param array<string,mixed> $post Unslashed form fields.
	 * @return array{status:string, message:string, user_id:int, notes:string[]}
	 */
	public static function process_reset( array $post ): array {
		$target = isset( $post['twofa_reset_user_id'] ) && is_scalar( $post['twofa_reset_user_id'] ) && preg_match( '/^[1-9][0-9]{0,18}$/', (string) $post['twofa_reset_user_id'] ) ? (int) $post['twofa_reset_user_id'] : 0;
		$nonce  = isset( $post['twofa_reset_nonce'] ) && is_string( $post['twofa_reset_nonce'] ) ? sanitize_text_field( $post['twofa_reset_nonce'] ) : '';
		$out    = array(
			'status'  => 'forbidden',
			'message' => '',
			'user_id' => $target,
			'notes'   => array(),
		);
		if ( ! $target || ! get_userdata( $target ) ) {
			$out['message'] = __( 'Unknown user.', 'twofa' );
			return $out;
		}
		if ( ! wp_verify_nonce( $nonce, self::reset_nonce_action( $target ) ) ) {
			$out['message'] = __( 'The link you followed has expired. Reload the page and try again.', 'twofa' );
			return $out;
		}
		if ( ! Twofa_Reset::current_user_can_reset( $target ) ) {
			$out['message'] = __( 'You are not allowed to reset this user\'s two-factor authentication.', 'twofa' );
			return $out;
		}
		if ( ! self::ticked( $post, 'twofa_reset_confirm' ) ) {
			$out['status']  = 'error';
			$out['message'] = __( 'Tick the box to confirm the reset.', 'twofa' );
			return $out;
		}
		$notified       = Twofa_Reset::reset_user( $target );
		$out['status']  = 'ok';
		$out['message'] = __( 'Two-factor authentication was reset for this user, and they were logged out everywhere.', 'twofa' );
		if ( ! $notified ) {
			$out['notes'][] = __( 'The notice email to the user could not be sent.', 'twofa' );
		}
		return $out;
	}

	/**
	 * The result of a reset, on the user's profile screen (from a fixed code, never raw input).
	 */
	public static function render_reset_notice(): void {
		global $pagenow;
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
		$code = isset( $_GET['twofa'] ) ? sanitize_key( wp_unslash( $_GET['twofa'] ) ) : '';
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
		$page = isset( $_GET['page'] ) ? sanitize_key( wp_unslash( $_GET['page'] ) ) : '';
		if ( ( 'user-edit.php' !== $pagenow && self::RESET_SLUG !== $page ) || '' === $code ) {
			return;
		}
		$messages = array(
			'reset'             => array( 'success', __( 'Two-factor authentication was reset for this user, and they were logged out everywhere.', 'twofa' ) ),
			'reset-unnotified'  => array( 'warning', __( 'Two-factor authentication was reset for this user, and they were logged out everywhere. The notice email could not be sent.', 'twofa' ) ),
			'reset-unconfirmed' => array( 'error', __( 'Nothing was reset: tick the box to confirm the reset.', 'twofa' ) ),
		);
		if ( ! isset( $messages[ $code ] ) ) {
			return;
		}
		printf(
			'<div class="notice notice-%1$s is-dismissible" role="status"><p>%2$s</p></div>',
			esc_attr( $messages[ $code ][0] ),
			esc_html( $messages[ $code ][1] )
		);
	}
}
