<?php
/**
 * Passkey test helpers: the site as http://localhost:PORT (WebAuthn refuses IP addresses), a
 * logged-in client for it, and passkeys made by the software authenticator of the extension's
 * tests (real P-256 keys, ES256 signatures; no fake verifier).
 */

require_once dirname( __DIR__, 3 ) . '/ext/tests/setup/soft-authenticator.inc';

/**
 * Mixed into the passkey tests of the configure, login and admin suites.
 */
trait Passkey_Helpers {

	/**
	 * The stack's site under the name localhost (same server, same port).
	 */
	protected function localhost_base(): string {
		return (string) preg_replace( '#^http://127\.0\.0\.1:#', 'http://localhost:', rtrim( (string) getenv( 'TWOFA_WP_URL' ), '/' ) );
	}

	/**
	 * A client of the localhost site without a session.
	 */
	protected function localhost_client(): Http_Client {
		return new Http_Client( $this->localhost_base() );
	}

	/**
	 * A client of the localhost site holding a fresh session of the user. The cookie names
	 * hash the site URL, so they are those of http://localhost:PORT.
	 *
	 * @param int $user_id User ID.
	 */
	protected function localhost_session( int $user_id ): Http_Client {
		$expiration = time() + 2 * HOUR_IN_SECONDS;
		$token      = WP_Session_Tokens::get_instance( $user_id )->create( $expiration );
		$client     = $this->localhost_client();
		$hash       = md5( $this->localhost_base() );
		$client->cookies[ 'wordpress_' . $hash ]           = rawurlencode( wp_generate_auth_cookie( $user_id, $expiration, 'auth', $token ) );
		$client->cookies[ 'wordpress_logged_in_' . $hash ] = rawurlencode( wp_generate_auth_cookie( $user_id, $expiration, 'logged_in', $token ) );
		return $client;
	}

	/**
	 * A software authenticator for this site's origin.
	 *
	 * @param int $counter Signature counter (0: none, as synced passkeys).
	 */
	protected function authenticator( int $counter = 0 ): SoftAuthenticator {
		return new SoftAuthenticator( $this->localhost_base(), $counter );
	}

	/**
	 * Gives the user a passkey in-process, the way the Add ceremony stores one (the
	 * extension's begin and finish for the localhost relying party, then Twofa_Passkeys).
	 *
	 * @param int    $user_id User ID.
	 * @param int    $counter Signature counter of the authenticator.
	 * @param string $name    Passkey name.
	 */
	protected function give_passkey( int $user_id, int $counter = 0, string $name = 'Test key' ): SoftAuthenticator {
		$auth  = $this->authenticator( $counter );
		$user  = get_userdata( $user_id );
		$begin = twofa_passkey_register_begin( $user_id, $user->user_login, $user->display_name, Twofa_Passkeys::user_handle( $user_id ), Twofa_Passkeys::records_for_user( $user_id ), 'localhost', $this->localhost_base() );
		$done  = twofa_passkey_register_finish( $begin['state'], $auth->register( $begin['options'] ), $user_id );
		$this->assertIsInt( Twofa_Passkeys::add( $user_id, $done['credential_id'], $done['record'], $name, time() ), 'passkey stored' );
		Twofa_Passkeys::set_user_handle( $user_id, $done['user_handle'] );
		wp_cache_delete( $user_id, 'user_meta' );
		Twofa_User_State::mark_configured( $user_id, 'passkey' );
		return $auth;
	}

	/**
	 * Whether the sidecar's notice templates accept the method `passkey` (asked once, with a
	 * notice to a throwaway account): the plugin sends passkey notices as method_added /
	 * method_removed of that method.
	 */
	protected function sidecar_names_passkeys(): bool {
		static $known = null;
		if ( null === $known ) {
			$id    = wp_insert_user( array( 'user_login' => 'probe' . bin2hex( random_bytes( 4 ) ), 'user_pass' => wp_generate_password(), 'user_email' => 'probe' . bin2hex( random_bytes( 4 ) ) . '@example.test' ) );
			$known = true === Twofa_Notifier::send( (int) $id, 'method_added', 'passkey' );
			wp_delete_user( (int) $id );
		}
		return $known;
	}

	/**
	 * The stored passkey rows of a user, records included, straight from the table.
	 *
	 * @param int $user_id User ID.
	 * @return array<int,array<string,string>>
	 */
	protected function passkey_rows( int $user_id ): array {
		global $wpdb;
		return $wpdb->get_results( $wpdb->prepare( 'SELECT * FROM ' . Twofa_Passkeys::table() . ' WHERE user_id = %d ORDER BY id', $user_id ), ARRAY_A );
	}

	/**
	 * The number of stored ceremony states of a user.
	 *
	 * @param int $user_id User ID.
	 */
	protected function ceremony_count( int $user_id ): int {
		global $wpdb;
		return (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Twofa_Passkey_Ceremonies::table() . ' WHERE user_id = %d', $user_id ) );
	}
}
