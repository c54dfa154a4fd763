<?php
/**
 * Tells the site owner, on every admin page, when 2FA cannot work on this server.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * While the extension is missing, too old or has no key, users with 2FA cannot
 * log in (the plugin fails closed), so the people who can fix it must see why.
 */
final class Twofa_Admin_Notices {

	/**
	 * The notice's HTML, or '' when there is nothing to say to this user.
	 */
	public static function html(): string {
		if ( ! current_user_can( 'manage_options' ) ) {
			return '';
		}
		$problem = Twofa_Environment::problem();
		if ( null === $problem ) {
			return '';
		}
		return sprintf(
			'<div class="notice notice-error twofa-environment-notice" role="status"><p><strong>%1$s</strong> %2$s</p></div>',
			esc_html__( 'Two-factor authentication is not working.', 'twofa' ),
			esc_html( $problem )
		);
	}

	/**
	 * Prints the notice.
	 */
	public static function render(): void {
		echo self::html(); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- built from escaped parts in html().
	}
}
