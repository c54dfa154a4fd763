<?php
/**
 * The session manager of a password step that a second step must follow.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * WordPress creates a session token inside wp_set_auth_cookie(), right after the
 * password check and before any hook could stop it. For a user who must still pass
 * the second step, Twofa_Auth_Policy installs this manager (filter
 * `session_token_manager`) for the rest of the password step: the token WordPress
 * creates is never stored, so there is nothing to destroy afterwards and nothing a
 * racing request could lose or bring back in the user's one `session_tokens` row.
 * Twofa_Login removes it before anything else of the request runs.
 */
final class Twofa_Unsaved_Sessions extends WP_Session_Tokens {

	/**
	 * Adds the filter (idempotent).
	 */
	public static function install(): void {
		add_filter( 'session_token_manager', array( __CLASS__, 'manager' ), PHP_INT_MAX );
	}

	/**
	 * Removes the filter: sessions are stored as usual again.
	 */
	public static function uninstall(): void {
		remove_filter( 'session_token_manager', array( __CLASS__, 'manager' ), PHP_INT_MAX );
	}

	/**
	 * Filter callback: this class instead of the site's manager.
	 *
	 * @return string
	 */
	public static function manager(): string {
		return __CLASS__;
	}

	/**
	 * No stored sessions.
	 *
	 * @return array
	 */
	protected function get_sessions() {
		return array();
	}

	/**
	 * No stored session.
	 *
	 * @param string $verifier Verifier.
	 * @return null
	 */
	protected function get_session( $verifier ) {
		return null;
	}

	/**
	 * Stores nothing.
	 *
	 * @param string     $verifier Verifier.
	 * @param array|null $session  Session.
	 */
	protected function update_session( $verifier, $session = null ) {
	}

	/**
	 * Nothing to destroy.
	 *
	 * @param string $verifier Verifier.
	 */
	protected function destroy_other_sessions( $verifier ) {
	}

	/**
	 * Nothing to destroy.
	 */
	protected function destroy_all_sessions() {
	}
}
