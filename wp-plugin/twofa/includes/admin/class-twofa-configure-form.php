<?php
/**
 * The building blocks of Configure 2FA that the page and the providers share:
 * forms with their nonce, buttons, links to a card's step, and handler results.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Every state change is a plain form post to admin-post.php (works without
 * JavaScript) carrying twofa_action, the user id and a nonce bound to both.
 * Which card shows which step is carried in query arguments (method, step), so
 * reloading or going back is harmless.
 */
final class Twofa_Configure_Form {

	/**
	 * A handler result.
	 *
	 * @param string               $status  ok | error | forbidden (forbidden changes nothing and is answered 403).
	 * @param string               $message Message for the user ('' for none).
	 * @param array<string,string> $args    Query arguments of the page to return to.
	 * @return array{status:string, message:string, args:array<string,string>, notes:string[]}
	 */
	public static function result( string $status, string $message, array $args = array() ): array {
		return array(
			'status'  => $status,
			'message' => $message,
			'args'    => $args,
			'notes'   => array(),
		);
	}

	/**
	 * The outcome after a method was added (the notice email may have failed).
	 *
	 * @param Twofa_Provider $provider The method.
	 */
	public static function added_result( Twofa_Provider $provider ): array {
		$result = self::result(
			'ok',
			/* translators: %s: method name, e.g. Google Authenticator. */
			sprintf( __( '%s is configured and active.', 'twofa' ), $provider->label() )
		);
		if ( Twofa_Notifier::last_failed() ) {
			$result['notes'][] = self::unnotified_note();
		}
		return $result;
	}

	/**
	 * The note when a change was made but its notice email could not be sent.
	 */
	public static function unnotified_note(): string {
		return __( 'We could not email you a notice about this change right now; the change was made anyway.', 'twofa' );
	}

	/**
	 * Query arguments that open a card at a step.
	 *
	 * @param string $method Method id.
	 * @param string $step   Step name.
	 * @return array<string,string>
	 */
	public static function step( string $method, string $step ): array {
		return array(
			'method' => $method,
			'step'   => $step,
		);
	}

	/**
	 * Whether a confirmation checkbox was ticked (value exactly "1").
	 *
	 * @param array<string,mixed> $post Unslashed form fields.
	 * @param string              $name Field name.
	 */
	public static function ticked( array $post, string $name ): bool {
		return isset( $post[ $name ] ) && is_string( $post[ $name ] ) && '1' === $post[ $name ];
	}

	/**
	 * The code field of a post, capped (not cut to a valid length: over-long input
	 * must stay over-long and be refused).
	 *
	 * @param array<string,mixed> $post Unslashed form fields.
	 * @param string              $name Field name.
	 */
	public static function code( array $post, string $name = 'twofa_code' ): string {
		return isset( $post[ $name ] ) && is_string( $post[ $name ] ) ? substr( $post[ $name ], 0, 256 ) : '';
	}

	/**
	 * Opens a form posting one action to admin-post.php, with its nonce.
	 *
	 * @param string $action  twofa_action value.
	 * @param int    $user_id Current user.
	 * @param string $class   Extra CSS class.
	 */
	public static function open( string $action, int $user_id, string $class = '' ): void {
		printf(
			'<form method="post" action="%1$s" class="twofa-form twofa-form-%2$s %3$s">',
			esc_url( admin_url( 'admin-post.php' ) ),
			esc_attr( str_replace( '_', '-', $action ) ),
			esc_attr( $class )
		);
		echo '<input type="hidden" name="action" value="' . esc_attr( Twofa_Configure_Page::POST_ACTION ) . '" />';
		echo '<input type="hidden" name="twofa_action" value="' . esc_attr( $action ) . '" />';
		echo '<input type="hidden" name="user_id" value="' . esc_attr( (string) $user_id ) . '" />';
		// Written by hand: wp_nonce_field() would give every form the same element id.
		echo '<input type="hidden" name="_wpnonce" value="' . esc_attr( wp_create_nonce( Twofa_Configure_Page::nonce_action( $action, $user_id ) ) ) . '" />';
	}

	/**
	 * A submit button (no id, so several forms on one page stay valid).
	 *
	 * @param string               $label Button text.
	 * @param string               $class CSS classes.
	 * @param array<string,string> $attrs Extra attributes.
	 */
	public static function button( string $label, string $class, array $attrs = array() ): void {
		$extra = '';
		foreach ( $attrs as $name => $value ) {
			$extra .= ' ' . sanitize_key( $name ) . '="' . esc_attr( $value ) . '"';
		}
		printf( '<button type="submit" class="%1$s"%2$s>%3$s</button>', esc_attr( $class ), $extra, esc_html( $label ) ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- $extra is escaped above.
	}

	/**
	 * Configure / Reconfigure as a link that opens the card at a step.
	 *
	 * @param string $method     Method id.
	 * @param string $step       Step to open.
	 * @param bool   $configured Whether the method is configured.
	 */
	public static function link_button( string $method, string $step, bool $configured ): void {
		printf(
			'<a class="button %1$s" href="%2$s">%3$s</a>',
			esc_attr( $configured ? 'button-secondary' : 'button-primary' ),
			esc_url( Twofa_Configure_Page::url( self::step( $method, $step ) ) . '#twofa-card-' . $method ),
			esc_html( self::configure_label( $configured ) )
		);
	}

	/**
	 * Configure / Reconfigure as a form posting $action.
	 *
	 * @param string $action     twofa_action value.
	 * @param int    $user_id    Current user.
	 * @param bool   $configured Whether the method is configured.
	 */
	public static function post_button( string $action, int $user_id, bool $configured ): void {
		self::open( $action, $user_id );
		self::button( self::configure_label( $configured ), $configured ? 'button' : 'button button-primary' );
		echo '</form>';
	}

	/**
	 * "Configure" or "Reconfigure".
	 *
	 * @param bool $configured Whether the method is configured.
	 */
	public static function configure_label( bool $configured ): string {
		return $configured ? __( 'Reconfigure', 'twofa' ) : __( 'Configure', 'twofa' );
	}

	/**
	 * The code field of a setup step.
	 *
	 * @param string $id    Element id.
	 * @param string $label Label text.
	 */
	public static function code_input( string $id, string $label ): void {
		echo '<label for="' . esc_attr( $id ) . '">' . esc_html( $label ) . '</label><br />';
		echo '<input type="text" id="' . esc_attr( $id ) . '" name="twofa_code" class="regular-text twofa-code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required />';
	}
}
