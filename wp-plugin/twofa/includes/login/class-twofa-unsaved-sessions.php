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
 * `session_token_manager`) for the rest of the password step: a new session is
 * never stored, so there is nothing to destroy afterwards and nothing a racing
 * request could lose or bring back in the user's stored sessions. Everything else
 * (reading, destroying) goes to the manager the site uses otherwise. Twofa_Login
 * removes it once the second step is shown.
 */
final class Twofa_Unsaved_Sessions extends WP_Session_Tokens {

	/**
	 * The site's own manager class while this one is installed.
	 *
	 * @var string
	 */
	private static $inner_class = '';

	/**
	 * The site's manager for this user.
	 *
	 * @var WP_Session_Tokens
	 */
	private $inner;

	/**
	 * Adds the filter (idempotent).
	 */
	public static function install(): void {
		if ( '' !== self::$inner_class ) {
			return;
		}
		/** This filter is documented in wp-includes/class-wp-session-tokens.php */
		$inner             = (string) apply_filters( 'session_token_manager', 'WP_User_Meta_Session_Tokens' );
		self::$inner_class = is_subclass_of( $inner, 'WP_Session_Tokens' ) ? $inner : 'WP_User_Meta_Session_Tokens';
		add_filter( 'session_token_manager', array( __CLASS__, 'manager' ), PHP_INT_MAX );
	}

	/**
	 * Removes the filter: sessions are stored as usual again.
	 */
	public static function uninstall(): void {
		remove_filter( 'session_token_manager', array( __CLASS__, 'manager' ), PHP_INT_MAX );
		self::$inner_class = '';
	}

	/**
	 * Filter callback: this class instead of the site's manager.
	 *
	 * @return string
	 */
	public static function manager(): string {
		return '' !== self::$inner_class ? __CLASS__ : 'WP_User_Meta_Session_Tokens';
	}

	/**
	 * The manager of one user.
	 *
	 * @param int $user_id User ID.
	 */
	protected function __construct( $user_id ) {
		parent::__construct( $user_id );
		$class       = '' !== self::$inner_class ? self::$inner_class : 'WP_User_Meta_Session_Tokens';
		$this->inner = new $class( $user_id );
	}

	/**
	 * The stored sessions.
	 *
	 * @return array
	 */
	protected function get_sessions() {
		return $this->inner->get_sessions();
	}

	/**
	 * One stored session.
	 *
	 * @param string $verifier Verifier.
	 * @return array|null
	 */
	protected function get_session( $verifier ) {
		return $this->inner->get_session( $verifier );
	}

	/**
	 * Stores nothing new: a session that is not stored yet is dropped (and destroying
	 * one that is not stored writes nothing either, so it cannot race with a session
	 * another request stores); changing or destroying a stored one goes through.
	 *
	 * @param string     $verifier Verifier.
	 * @param array|null $session  Session.
	 */
	protected function update_session( $verifier, $session = null ) {
		if ( null === $this->inner->get_session( $verifier ) ) {
			return;
		}
		$this->inner->update_session( $verifier, $session );
	}

	/**
	 * Destroys the other sessions.
	 *
	 * @param string $verifier Verifier to keep.
	 */
	protected function destroy_other_sessions( $verifier ) {
		$this->inner->destroy_other_sessions( $verifier );
	}

	/**
	 * Destroys all sessions.
	 */
	protected function destroy_all_sessions() {
		$this->inner->destroy_all_sessions();
	}
}
