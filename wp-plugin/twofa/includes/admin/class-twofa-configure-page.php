<?php
/**
 * Users → Configure 2FA: one card per method, Configure / Reconfigure, Set as primary, Remove.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The page and its post handler. Every state change is a plain form post to
 * admin-post.php (Twofa_Configure_Form), checked here for a nonce, the
 * capability and that it concerns the current user, then handed to the
 * method's provider (its own actions) or done here (set primary, remove). The
 * handler that redirects wraps process(), which returns the outcome so tests
 * can call it directly. Each card's setup steps are printed by its provider.
 */
final class Twofa_Configure_Page {

	const SLUG        = 'twofa-configure';
	const POST_ACTION = 'twofa_configure';
	const CAPABILITY  = 'read';

	/**
	 * The actions of the form field twofa_action that belong to no one method.
	 */
	const ACTIONS = array( 'set_primary', 'remove' );

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
	 * Nonce action of a form: bound to the action and the user.
	 *
	 * @param string $action  twofa_action value.
	 * @param int    $user_id User ID.
	 */
	public static function nonce_action( string $action, int $user_id ): string {
		return 'twofa-configure-' . $action . '-' . $user_id;
	}

	/**
	 * Stylesheet and script, on this page only (and each method's own assets).
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
		foreach ( Twofa_Providers::enabled() as $provider ) {
			$provider->enqueue_configure_assets();
		}
	}

	/* ------------------------------------------------------------------ */
	/* Handling posts                                                      */
	/* ------------------------------------------------------------------ */

	/**
	 * admin-post.php?action=twofa_configure: process, remember the message, redirect.
	 */
	public static function handle_post(): void {
		// Each action checks its own nonce in process(); nothing is read before that.
		$post = wp_unslash( $_POST ); // phpcs:ignore WordPress.Security.NonceVerification.Missing
		// A setup step reads what the previous one wrote, maybe on another database node.
		Twofa_User_State::causal_reads();
		$result = self::process( is_array( $post ) ? $post : array(), get_current_user_id() );
		if ( 'forbidden' === $result['status'] ) {
			wp_die( esc_html( $result['message'] ), esc_html__( 'Configure 2FA', 'twofa' ), array( 'response' => 403, 'back_link' => true ) );
		}
		Twofa_Flash::keep( get_current_user_id(), $result );
		wp_safe_redirect( self::url( $result['args'] ) );
		exit;
	}

	/**
	 * The provider that owns a twofa_action value, or null.
	 *
	 * @param string $action twofa_action value.
	 */
	private static function owner( string $action ): ?Twofa_Provider {
		foreach ( Twofa_Providers::all() as $provider ) {
			if ( in_array( $action, $provider->configure_actions(), true ) ) {
				return $provider;
			}
		}
		return null;
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
			return Twofa_Configure_Form::result( 'forbidden', __( 'You must be logged in to change two-factor settings.', 'twofa' ) );
		}
		$owner = self::owner( $action );
		if ( null === $owner && ! in_array( $action, self::ACTIONS, true ) ) {
			return Twofa_Configure_Form::result( 'forbidden', __( 'Unknown action.', 'twofa' ) );
		}
		if ( ! wp_verify_nonce( $nonce, self::nonce_action( $action, $user_id ) ) ) {
			return Twofa_Configure_Form::result( 'forbidden', __( 'The link you followed has expired. Reload the page and try again.', 'twofa' ) );
		}
		// These forms only ever act on the logged-in user; an administrator resets
		// others through the separate reset screen with its own checks.
		if ( (string) $user_id !== $target ) {
			return Twofa_Configure_Form::result( 'forbidden', __( 'You can only change your own two-factor settings.', 'twofa' ) );
		}
		$problem = Twofa_Environment::problem();
		if ( null !== $problem ) {
			return Twofa_Configure_Form::result( 'error', $problem );
		}
		Twofa_Notifier::reset_last();

		if ( null !== $owner ) {
			// Cancelling a setup is always allowed; anything else needs the method enabled.
			if ( ! Twofa_Settings::method_enabled( $owner->id() ) && ! preg_match( '/_cancel$/', $action ) ) {
				return Twofa_Configure_Form::result( 'error', __( 'This method is not enabled on this site.', 'twofa' ) );
			}
			if ( in_array( $action, $owner->replacing_actions(), true ) && $owner->is_configured( $user_id ) ) {
				// Replacing a configured method weakens the account as much as removing it.
				$reauth = self::reauth( $user_id, $post );
				if ( true !== $reauth ) {
					return Twofa_Configure_Form::result( 'error', $reauth->get_error_message(), Twofa_Configure_Form::step( $owner->id(), $owner->reauth_step() ) );
				}
			}
			return $owner->handle_action( $action, $user_id, $post );
		}

		$method = isset( $post['method'] ) && is_string( $post['method'] ) ? sanitize_key( $post['method'] ) : '';
		if ( 'set_primary' === $action ) {
			return self::set_primary( $user_id, $method, $post );
		}
		return self::remove( $user_id, $method, $post );
	}

	/**
	 * Re-authentication from the form's password or current-code field (Twofa_Reauth;
	 * refusals count like wrong codes at login).
	 *
	 * @param int                 $user_id User ID.
	 * @param array<string,mixed> $post    Unslashed form fields.
	 * @return true|WP_Error
	 */
	private static function reauth( int $user_id, array $post ) {
		// Passed as typed: the password and the code are checked exactly as entered.
		$password = isset( $post['twofa_password'] ) && is_string( $post['twofa_password'] ) ? $post['twofa_password'] : '';
		return Twofa_Reauth::verify( $user_id, $password, Twofa_Configure_Form::code( $post, 'twofa_reauth_code' ) );
	}

	/**
	 * Makes a configured method the primary one after re-authentication.
	 *
	 * @param int                 $user_id User ID.
	 * @param string              $method  Method id.
	 * @param array<string,mixed> $post    Unslashed form fields.
	 */
	private static function set_primary( int $user_id, string $method, array $post ): array {
		if ( ! in_array( $method, Twofa_User_State::usable_methods( $user_id ), true ) || ! Twofa_User_State::can_be_primary( $method ) ) {
			return Twofa_Configure_Form::result( 'error', __( 'Only a configured method can be the primary one.', 'twofa' ) );
		}
		if ( 'email' === $method && Twofa_Provider_Email::backup_only_for( $user_id ) ) {
			return Twofa_Configure_Form::result( 'error', Twofa_Provider_Email::backup_only_error()->get_error_message() );
		}
		$back = Twofa_Configure_Form::step( $method, 'primary' );
		if ( Twofa_User_State::primary( $user_id ) === $method ) {
			return Twofa_Configure_Form::result( 'ok', __( 'Nothing was changed: this is already your primary method.', 'twofa' ) );
		}
		$reauth = self::reauth( $user_id, $post );
		if ( true !== $reauth ) {
			return Twofa_Configure_Form::result( 'error', $reauth->get_error_message(), $back );
		}
		if ( ! Twofa_User_State::set_primary( $user_id, $method ) ) {
			return Twofa_Configure_Form::result( 'error', __( 'Only a configured method can be the primary one.', 'twofa' ) );
		}
		$result = Twofa_Configure_Form::result(
			'ok',
			/* translators: %s: method name, e.g. Google Authenticator. */
			sprintf( __( '%s is now your primary method.', 'twofa' ), Twofa_Providers::get( $method )->label() )
		);
		if ( true !== Twofa_Method_Change::primary_changed( $user_id, $method ) ) {
			$result['notes'][] = Twofa_Configure_Form::unnotified_note();
		}
		return $result;
	}

	/**
	 * Removes a method after confirmation and re-authentication (the rules: Twofa_Method_Removal).
	 *
	 * @param int                 $user_id User ID.
	 * @param string              $method  Method id.
	 * @param array<string,mixed> $post    Unslashed form fields.
	 */
	private static function remove( int $user_id, string $method, array $post ): array {
		$provider = Twofa_Method_Removal::configured_provider( $user_id, $method );
		if ( null === $provider ) {
			return Twofa_Configure_Form::result( 'error', __( 'That method is not configured.', 'twofa' ) );
		}
		$back = Twofa_Configure_Form::step( $method, 'remove' );
		if ( ! Twofa_Configure_Form::ticked( $post, 'twofa_confirm_remove' ) ) {
			return Twofa_Configure_Form::result( 'error', __( 'Please tick the box to confirm the removal.', 'twofa' ), $back );
		}
		$refusal = Twofa_Method_Removal::refusal( $user_id, $method );
		if ( null !== $refusal ) {
			return Twofa_Configure_Form::result( 'error', $refusal->get_error_message(), $back );
		}
		$reauth = self::reauth( $user_id, $post );
		if ( true !== $reauth ) {
			return Twofa_Configure_Form::result( 'error', $reauth->get_error_message(), $back );
		}
		$notified = Twofa_Method_Removal::remove( $user_id, $method, Twofa_Method_Removal::BY_USER );
		if ( is_wp_error( $notified ) ) {
			return Twofa_Configure_Form::result( 'error', $notified->get_error_message(), $back );
		}
		$result = Twofa_Configure_Form::result(
			'ok',
			/* translators: %s: method name, e.g. OTP over Email. */
			sprintf( __( '%s was removed.', 'twofa' ), $provider->label() )
		);
		if ( true !== $notified ) {
			$result['notes'][] = Twofa_Configure_Form::unnotified_note();
		}
		return $result;
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
		$user_id = get_current_user_id();
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- reading which card to open changes nothing.
		$open_method = isset( $_GET['method'] ) ? sanitize_key( wp_unslash( $_GET['method'] ) ) : '';
		$open_step   = isset( $_GET['step'] ) ? sanitize_key( wp_unslash( $_GET['step'] ) ) : '';
		// phpcs:enable
		echo '<div class="wrap twofa-configure">';
		echo '<h1>' . esc_html__( 'Configure 2FA', 'twofa' ) . '</h1>';
		Twofa_Flash::render( Twofa_Flash::take( $user_id ) );
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
		?>
		<?php if ( Twofa_Importer::asks_for_backup_codes( $user_id ) ) : ?>
			<div class="notice notice-warning inline twofa-import-notice"><p><?php esc_html_e( 'Your two-factor settings were carried over from the plugin this site used before, but your old backup codes could not be: they no longer work. Generate new backup codes below and keep them somewhere safe.', 'twofa' ); ?></p></div>
		<?php endif; ?>
		<p class="twofa-intro"><?php esc_html_e( 'Set up one or more ways to prove it is you when you log in. The first method you configure becomes your primary method; the others are backups if it is unavailable.', 'twofa' ); ?></p>
		<div class="twofa-cards">
			<?php
			foreach ( Twofa_Providers::enabled() as $id => $provider ) {
				self::render_card( $provider, $user_id, $open_method === $id ? $open_step : '' );
			}
			Twofa_Devices_Screen::render( $user_id );
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
		?>
		<div class="card twofa-card" id="twofa-card-<?php echo esc_attr( $id ); ?>" data-method="<?php echo esc_attr( $id ); ?>">
			<h2 class="title"><?php echo esc_html( $provider->label() ); ?></h2>
			<p class="twofa-description"><?php echo esc_html( $provider->description() ); ?></p>
			<p class="twofa-status">
				<?php esc_html_e( 'Status:', 'twofa' ); ?>
				<span class="twofa-badge twofa-badge-<?php echo esc_attr( $status_class ); ?>"><?php echo esc_html( $status ); ?></span>
			</p>
			<?php $provider->render_card_body( $user_id ); ?>
			<div class="twofa-actions">
				<?php
				$provider->render_configure_button( $user_id, $configured );
				if ( $configured && ! $primary && $provider->can_be_primary() && 'primary' !== $step ) {
					// A step of its own: it asks for the password or a current code first.
					printf(
						'<a class="button twofa-primary-link" href="%1$s">%2$s</a>',
						esc_url( self::url( Twofa_Configure_Form::step( $id, 'primary' ) ) . '#twofa-card-' . $id ),
						esc_html__( 'Set as primary', 'twofa' )
					);
				}
				if ( $configured && 'remove' !== $step ) {
					printf(
						'<a class="button-link twofa-remove-link" href="%1$s">%2$s</a>',
						esc_url( self::url( Twofa_Configure_Form::step( $id, 'remove' ) ) . '#twofa-card-' . $id ),
						esc_html__( 'Remove', 'twofa' )
					);
				}
				?>
			</div>
			<?php
			try {
				if ( 'remove' === $step && $configured ) {
					self::render_remove( $provider, $user_id );
				} elseif ( 'primary' === $step && $configured && ! $primary && $provider->can_be_primary() ) {
					self::render_primary( $provider, $user_id );
				} elseif ( '' !== $step ) {
					$provider->render_setup( $user_id, $step );
				}
			} catch ( Twofa\Exception $e ) {
				// The extension refused (its message may name server paths): say it plainly, change nothing.
				echo '<div class="notice notice-error inline"><p>' . esc_html__( 'This step could not be shown because two-factor authentication is not working on this server right now. Nothing was changed. Please contact the site administrator.', 'twofa' ) . '</p></div>';
			}
			?>
		</div>
		<?php
	}

	/**
	 * The Set as primary form: re-authenticate.
	 *
	 * @param Twofa_Provider $provider The method.
	 * @param int            $user_id  Current user.
	 */
	private static function render_primary( Twofa_Provider $provider, int $user_id ): void {
		$id = $provider->id();
		?>
		<div class="twofa-setup twofa-set-primary" id="twofa-primary-<?php echo esc_attr( $id ); ?>">
			<?php Twofa_Configure_Form::open( 'set_primary', $user_id, 'twofa-primary-form' ); ?>
				<input type="hidden" name="method" value="<?php echo esc_attr( $id ); ?>" />
				<?php Twofa_Configure_Form::reauth_fields( $user_id, 'primary-' . $id ); ?>
				<p>
					<?php Twofa_Configure_Form::button( __( 'Set as primary', 'twofa' ), 'button button-primary' ); ?>
					<a class="button-link" href="<?php echo esc_url( self::url() ); ?>"><?php esc_html_e( 'Cancel', 'twofa' ); ?></a>
				</p>
			</form>
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
		$id = $provider->id();
		?>
		<div class="twofa-setup twofa-remove" id="twofa-remove-<?php echo esc_attr( $id ); ?>">
			<?php Twofa_Configure_Form::open( 'remove', $user_id, 'twofa-remove-form' ); ?>
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
				<?php Twofa_Configure_Form::reauth_fields( $user_id, $id ); ?>
				<p>
					<?php Twofa_Configure_Form::button( __( 'Remove', 'twofa' ), 'button button-secondary twofa-button-remove' ); ?>
					<a class="button-link" href="<?php echo esc_url( self::url() ); ?>"><?php esc_html_e( 'Cancel', 'twofa' ); ?></a>
				</p>
			</form>
		</div>
		<?php
	}
}
