<?php
/**
 * The pages of the second login step, in wp-login.php's own look.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Prints a result of Twofa_Login_Flow: the frame, the method switcher and the
 * first-login choice here, each method's own body from its provider. Plain
 * forms that work without JavaScript; every form carries the user id and the
 * login nonce. Each action
 * (verify, send, switch method) is its own small form, so Enter in the code
 * field always means Verify.
 */
final class Twofa_Login_Screen {

	/**
	 * Prints the page for a result. Must run inside wp-login.php.
	 *
	 * @param array<string,mixed> $result  Result of Twofa_Login_Flow.
	 * @param bool                $interim Session-expired modal login.
	 */
	public static function render( array $result, bool $interim ): void {
		if ( ! function_exists( 'login_header' ) ) {
			wp_die( esc_html__( 'The two-factor step can only be shown on the login page.', 'twofa' ), '', array( 'response' => 403 ) );
		}
		wp_enqueue_style( 'twofa-login', plugins_url( 'assets/login.css', TWOFA_PLUGIN_FILE ), array( 'login' ), TWOFA_PLUGIN_VERSION );
		// Only the method on screen has a script to run: another one is chosen by a form that reloads.
		$shown = 'form' === $result['outcome'] ? ( Twofa_Providers::enabled()[ (string) $result['method'] ] ?? null ) : null;
		if ( $shown ) {
			$shown->enqueue_login_assets();
		}
		// The switcher would reload the page and lose the step.
		add_filter( 'login_display_language_dropdown', '__return_false' );

		switch ( $result['outcome'] ) {
			case 'misconfigured':
				status_header( 503 );
				login_header( __( 'Two-factor authentication', 'twofa' ) );
				self::error( __( "This site's two-factor authentication is misconfigured. Please contact the site owner.", 'twofa' ) );
				self::back_to_login();
				break;

			case 'invalid':
				status_header( 403 );
				login_header( __( 'Two-factor authentication', 'twofa' ) );
				self::error( __( 'This login attempt has expired or is no longer valid. Please log in again.', 'twofa' ) );
				self::back_to_login();
				break;

			case 'busy':
				// The database refused to store this attempt's state: nothing was decided.
				login_header( __( 'Two-factor authentication', 'twofa' ) );
				self::error( __( 'The server was busy and this login could not continue. Please log in again.', 'twofa' ) );
				self::back_to_login();
				break;

			default:
				if ( Twofa_Login_Flow::SETUP === $result['stage'] ) {
					login_header( __( 'Set up two-factor authentication', 'twofa' ) );
					self::messages( $result );
					self::setup( $result, $interim );
				} else {
					login_header( __( 'Two-factor authentication', 'twofa' ) );
					self::messages( $result );
					self::challenge( $result, $interim );
				}
		}
		login_footer( 'twofa_code' );
	}

	/**
	 * The modal login's "You have logged in successfully", which closes the modal.
	 */
	public static function render_interim_success(): void {
		// login_header() reads this global to add the class the modal's script waits for.
		$GLOBALS['interim_login'] = 'success'; // phpcs:ignore WordPress.WP.GlobalVariablesOverride.Prohibited
		login_header( '', '<p class="message">' . esc_html__( 'You have logged in successfully.', 'twofa' ) . '</p>' );
		echo '</div>';
		/** This action is documented in wp-login.php */
		do_action( 'login_footer' );
		echo '</body></html>';
	}

	/**
	 * The challenge: the current method's own body, then the other methods.
	 *
	 * @param array<string,mixed> $result  Result.
	 * @param bool                $interim Modal login.
	 */
	private static function challenge( array $result, bool $interim ): void {
		$method   = (string) $result['method'];
		$provider = Twofa_Providers::get( $method );
		echo '<h2 class="twofa-title">' . esc_html( $provider ? $provider->label() : __( 'Two-factor authentication', 'twofa' ) ) . '</h2>';
		if ( $provider ) {
			try {
				$provider->render_challenge( $result, $interim );
			} catch ( Twofa\Exception $e ) {
				self::error( __( 'Two-factor authentication is not available on this server right now. Please contact the site owner.', 'twofa' ) );
			}
		}

		$others = array_diff( Twofa_Login_Flow::challenge_methods( (int) $result['user_id'] ), array( $method ) );
		if ( $others ) {
			echo '<div class="twofa-other"><p>' . esc_html__( 'Use another method:', 'twofa' ) . '</p><ul>';
			foreach ( $others as $other ) {
				$other_provider = Twofa_Providers::get( $other );
				echo '<li>';
				self::form_open( $result, $interim, $other, 'twofa-switch' );
				echo '<button type="submit" class="button-link" name="' . esc_attr( Twofa_Login_Flow::F_DO ) . '" value="switch">'
					. esc_html( $other_provider ? $other_provider->label() : $other ) . '</button></form></li>';
			}
			echo '</ul></div>';
		}
	}

	/**
	 * Setup at first login: choose a method, then the method's own setup screen.
	 *
	 * @param array<string,mixed> $result  Result.
	 * @param bool                $interim Modal login.
	 */
	private static function setup( array $result, bool $interim ): void {
		$provider = Twofa_Providers::get( (string) $result['method'] );

		if ( null === $provider ) {
			echo '<h2 class="twofa-title">' . esc_html__( 'Set up two-factor authentication', 'twofa' ) . '</h2>';
			echo '<p class="twofa-help">' . esc_html__( 'Your account must use two-factor authentication. Choose a method to set up now; you can add the other one later on the Configure 2FA page.', 'twofa' ) . '</p>';
			echo '<ul class="twofa-choose">';
			foreach ( Twofa_Login_Flow::setup_providers( (int) $result['user_id'] ) as $id => $choice ) {
				echo '<li>';
				self::form_open( $result, $interim, $id, 'twofa-choose-form' );
				echo '<button type="submit" class="button button-large" name="' . esc_attr( Twofa_Login_Flow::F_DO ) . '" value="choose">'
					. esc_html( $choice->label() ) . '</button>';
				echo '<p class="description">' . esc_html( $choice->description() ) . '</p></form></li>';
			}
			echo '</ul>';
			return;
		}

		try {
			$provider->render_login_setup( $result, $interim );
		} catch ( Twofa\Exception $e ) {
			// The extension refused (its message may name server paths): say it plainly, nothing was changed.
			self::error( __( 'This method cannot be set up on this server right now. Choose another method or contact the site owner.', 'twofa' ) );
		}

		echo '<div class="twofa-other">';
		self::form_open( $result, $interim, '', 'twofa-switch' );
		echo '<button type="submit" class="button-link" name="' . esc_attr( Twofa_Login_Flow::F_DO ) . '" value="show">'
			. esc_html__( 'Choose another method', 'twofa' ) . '</button></form></div>';
	}

	/**
	 * The code entry form.
	 *
	 * @param array<string,mixed> $result  Result.
	 * @param bool                $interim Modal login.
	 * @param string              $submit  Button label.
	 * @param array<string,string> $field   The code field: label, inputmode, pattern ('' for none), maxlength.
	 */
	public static function code_form( array $result, bool $interim, string $submit, array $field = array() ): void {
		$field = array_merge(
			array(
				'label'     => __( 'Authentication code', 'twofa' ),
				'inputmode' => 'numeric',
				'pattern'   => '[0-9 ]*',
				'maxlength' => '16',
			),
			$field
		);
		self::form_open( $result, $interim, (string) $result['method'], 'twofa-code-form', 'loginform' );
		echo '<input type="hidden" name="' . esc_attr( Twofa_Login_Flow::F_DO ) . '" value="verify" />';
		echo '<p><label for="twofa_code">' . esc_html( $field['label'] ) . '</label>';
		echo '<input type="text" name="' . esc_attr( Twofa_Login_Flow::F_CODE ) . '" id="twofa_code" class="input" value="" size="20"'
			. ' inputmode="' . esc_attr( $field['inputmode'] ) . '" autocomplete="one-time-code"'
			. ( '' !== $field['pattern'] ? ' pattern="' . esc_attr( $field['pattern'] ) . '"' : '' )
			. ' maxlength="' . esc_attr( $field['maxlength'] ) . '" required spellcheck="false" /></p>';
		if ( Twofa_Login_Flow::CHALLENGE === $result['stage'] ) {
			echo Twofa_Remember_Device::checkbox_html(); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- escaped inside.
		}
		echo '<p class="submit"><input type="submit" class="button button-primary button-large" value="' . esc_attr( $submit ) . '" /></p>';
		echo '</form>';
	}

	/**
	 * Opens a form posting to the second step, with the hidden fields every action needs.
	 *
	 * @param array<string,mixed> $result  Result.
	 * @param bool                $interim Modal login.
	 * @param string              $method  Method the form is about ('' for none).
	 * @param string              $class   CSS class.
	 * @param string              $id      Element id ('' for none).
	 */
	public static function form_open( array $result, bool $interim, string $method, string $class, string $id = '' ): void {
		$action = add_query_arg( 'action', Twofa_Login::ACTION, site_url( 'wp-login.php', 'login_post' ) );
		echo '<form method="post" class="' . esc_attr( $class ) . '" action="' . esc_url( $action ) . '"'
			. ( '' !== $id ? ' id="' . esc_attr( $id ) . '"' : '' ) . ' autocomplete="off">';
		echo '<input type="hidden" name="' . esc_attr( Twofa_Login_Flow::F_USER ) . '" value="' . esc_attr( (string) (int) $result['user_id'] ) . '" />';
		echo '<input type="hidden" name="' . esc_attr( Twofa_Login_Flow::F_NONCE ) . '" value="' . esc_attr( (string) $result['nonce'] ) . '" />';
		echo '<input type="hidden" name="' . esc_attr( Twofa_Login_Flow::F_METHOD ) . '" value="' . esc_attr( $method ) . '" />';
		if ( $interim ) {
			echo '<input type="hidden" name="interim-login" value="1" />';
		}
	}

	/**
	 * Error and notice of a result, in live regions.
	 *
	 * @param array<string,mixed> $result Result.
	 */
	private static function messages( array $result ): void {
		if ( '' !== $result['error'] ) {
			self::error( (string) $result['error'] );
		}
		if ( '' !== $result['notice'] ) {
			echo '<p class="message" role="status" aria-live="polite">' . esc_html( (string) $result['notice'] ) . '</p>';
		}
	}

	/**
	 * An error box like wp-login.php's.
	 *
	 * @param string $text Message.
	 */
	public static function error( string $text ): void {
		echo '<div id="login_error" role="alert">' . esc_html( $text ) . '</div>';
	}

	/**
	 * A link back to the password step.
	 */
	private static function back_to_login(): void {
		echo '<p id="nav"><a href="' . esc_url( wp_login_url() ) . '">' . esc_html__( 'Log in', 'twofa' ) . '</a></p>';
	}
}
