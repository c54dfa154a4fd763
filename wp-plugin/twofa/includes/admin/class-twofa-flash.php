<?php
/**
 * Messages across a redirect (post → redirect → page), shown once.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Messages are the plugin's own strings, never echoed input. Kept per user in a
 * transient (twofa_flash_{id}) for one redirect.
 */
final class Twofa_Flash {

	/**
	 * Flash message lifetime; long enough for one redirect.
	 */
	const TTL = 300;

	/**
	 * Keeps a handler result's message and notes for the next page view of this user.
	 *
	 * @param int   $user_id User ID.
	 * @param array $result  A Twofa_Configure_Form::result().
	 */
	public static function keep( int $user_id, array $result ): void {
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
			set_transient( self::key( $user_id ), $messages, self::TTL );
		}
	}

	/**
	 * Takes the pending messages of a user (shown once).
	 *
	 * @param int $user_id User ID.
	 * @return array<int,array{type:string,text:string}>
	 */
	public static function take( int $user_id ): array {
		$messages = get_transient( self::key( $user_id ) );
		if ( false === $messages ) {
			return array();
		}
		delete_transient( self::key( $user_id ) );
		return is_array( $messages ) ? $messages : array();
	}

	/**
	 * Prints messages as notices in a live region.
	 *
	 * @param array<int,array{type:string,text:string}> $messages From take().
	 */
	public static function render( array $messages ): void {
		echo '<div id="twofa-messages" role="status" aria-live="polite">';
		foreach ( $messages as $message ) {
			$type = in_array( $message['type'] ?? '', array( 'success', 'error', 'warning' ), true ) ? $message['type'] : 'info';
			echo '<div class="notice notice-' . esc_attr( $type ) . ' inline"><p>' . esc_html( (string) ( $message['text'] ?? '' ) ) . '</p></div>';
		}
		echo '</div>';
	}

	/**
	 * Transient name of a user's messages.
	 *
	 * @param int $user_id User ID.
	 */
	private static function key( int $user_id ): string {
		return 'twofa_flash_' . $user_id;
	}
}
