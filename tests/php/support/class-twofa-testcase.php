<?php
/**
 * Base class for twofa's PHPUnit tests against the real stack.
 */

use PHPUnit\Framework\TestCase;

/**
 * Helpers shared by the plugin's tests: real users in the real database, a
 * browser-like HTTP client, the sidecar's outbox.
 */
abstract class Twofa_TestCase extends TestCase {

	/**
	 * Settings before the test, restored after it.
	 *
	 * @var mixed
	 */
	private $saved_settings;

	protected function setUp(): void {
		parent::setUp();
		wp_cache_flush();
		$this->saved_settings = get_option( Twofa_Settings::OPTION, null );
		Twofa_Clock::set( null );
		wp_set_current_user( 0 );
		// Every test's requests come from 127.0.0.1: start each with a fresh per-IP budget.
		Twofa_Rate_Limit::delete_all();
	}

	protected function tearDown(): void {
		if ( null === $this->saved_settings ) {
			delete_option( Twofa_Settings::OPTION );
		} else {
			update_option( Twofa_Settings::OPTION, $this->saved_settings );
		}
		Twofa_Clock::set( null );
		wp_set_current_user( 0 );
		parent::tearDown();
	}

	/**
	 * Creates a real user with a unique login.
	 *
	 * @param string $role Role.
	 * @return array{id:int, login:string, password:string, email:string}
	 */
	protected function make_user( string $role = 'subscriber' ): array {
		$login    = 'u' . bin2hex( random_bytes( 6 ) );
		$password = wp_generate_password( 20, false );
		$email    = $login . '@example.test';
		$id       = wp_insert_user(
			array(
				'user_login'   => $login,
				'user_pass'    => $password,
				'user_email'   => $email,
				'display_name' => 'Test ' . $login,
				'role'         => $role,
			)
		);
		$this->assertIsInt( $id, 'user created' );
		return array(
			'id'       => $id,
			'login'    => $login,
			'password' => $password,
			'email'    => $email,
		);
	}

	/**
	 * An HTTP client holding a fresh session of $user_id, made the way
	 * wp_signon() makes one (session token + auth and logged-in cookies), so these
	 * tests do not depend on the login screen.
	 *
	 * @param int $user_id User ID.
	 */
	protected function client_for( int $user_id ): Http_Client {
		$expiration = time() + 2 * HOUR_IN_SECONDS;
		$token      = WP_Session_Tokens::get_instance( $user_id )->create( $expiration );
		$client     = new Http_Client();
		$client->cookies[ AUTH_COOKIE ]      = rawurlencode( wp_generate_auth_cookie( $user_id, $expiration, 'auth', $token ) );
		$client->cookies[ LOGGED_IN_COOKIE ] = rawurlencode( wp_generate_auth_cookie( $user_id, $expiration, 'logged_in', $token ) );
		return $client;
	}

	/**
	 * Gives a user a configured authenticator and returns its secret.
	 *
	 * @param int $user_id User ID.
	 */
	protected function give_totp( int $user_id ): string {
		$secret = twofa_totp_secret();
		update_user_meta( $user_id, Twofa_Provider_Totp::SECRET, twofa_seal( $secret, 'totp:' . $user_id ) );
		update_user_meta( $user_id, Twofa_Provider_Totp::LAST_STEP, '-1' );
		Twofa_User_State::mark_configured( $user_id, 'totp' );
		return $secret;
	}

	/**
	 * Gives a user configured OTP over Email.
	 *
	 * @param int $user_id User ID.
	 */
	protected function give_email( int $user_id ): void {
		update_user_meta( $user_id, Twofa_Provider_Email::ENABLED, '1' );
		Twofa_User_State::mark_configured( $user_id, 'email' );
	}

	/**
	 * Reads a user's fresh meta value (the served site may have changed it).
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @return mixed
	 */
	protected function meta( int $user_id, string $key ) {
		wp_cache_delete( $user_id, 'user_meta' );
		return get_user_meta( $user_id, $key, true );
	}

	/**
	 * Rows of the activity log about a user, oldest first, fresh from the database.
	 *
	 * @param int         $user_id User ID.
	 * @param string|null $event   Only this event.
	 * @return array<int,array<string,string>>
	 */
	protected function events_of( int $user_id, ?string $event = null ): array {
		global $wpdb;
		$table = Twofa_Events::table();
		$sql   = null === $event
			? $wpdb->prepare( "SELECT * FROM {$table} WHERE user_id = %d ORDER BY id", $user_id )
			: $wpdb->prepare( "SELECT * FROM {$table} WHERE user_id = %d AND event = %s ORDER BY id", $user_id, $event );
		return $wpdb->get_results( $sql, ARRAY_A );
	}

	/**
	 * The event names of a user's rows, oldest first.
	 *
	 * @param int $user_id User ID.
	 * @return string[]
	 */
	protected function event_names( int $user_id ): array {
		return array_column( $this->events_of( $user_id ), 'event' );
	}

	/**
	 * Asserts that exactly one row of $event exists for the user, and returns it.
	 *
	 * @param int    $user_id User ID.
	 * @param string $event   Event name.
	 * @param string $method  Expected method ('' for none).
	 */
	protected function assertOneEvent( int $user_id, string $event, string $method = '' ): array {
		$rows = $this->events_of( $user_id, $event );
		$this->assertCount( 1, $rows, "exactly one $event event for user $user_id; all: " . implode( ',', $this->event_names( $user_id ) ) );
		$this->assertSame( $method, $rows[0]['method'], "the method of $event" );
		$this->assertSame( (string) get_current_blog_id(), $rows[0]['site_id'], 'the site id is stored' );
		return $rows[0];
	}

	/**
	 * The newest email in the sidecar's outbox addressed to $email, as raw text, or null.
	 *
	 * @param string $email     Recipient.
	 * @param int    $newer_than Only messages written at or after this unix time.
	 */
	/**
	 * The outbox's messages with their modification times in nanoseconds' precision: two
	 * mails written within one second must still be told apart by which came last.
	 *
	 * @param string $dir The outbox folder.
	 * @return array<string,float> File => mtime.
	 */
	private function outbox_mtimes( string $dir ): array {
		$files = glob( $dir . '/*.eml' ) ?: array();
		$out   = array();
		if ( ! $files ) {
			return $out;
		}
		$lines = array();
		exec( 'stat -c ' . escapeshellarg( '%.9Y %n' ) . ' ' . implode( ' ', array_map( 'escapeshellarg', $files ) ) . ' 2>/dev/null', $lines );
		foreach ( $lines as $line ) {
			$parts = explode( ' ', $line, 2 );
			if ( 2 === count( $parts ) ) {
				$out[ $parts[1] ] = (float) $parts[0];
			}
		}
		foreach ( $files as $file ) {
			if ( ! isset( $out[ $file ] ) && is_file( $file ) ) {
				$out[ $file ] = (float) filemtime( $file );
			}
		}
		return $out;
	}

	protected function latest_mail( string $email, int $newer_than = 0 ): ?string {
		$dir = (string) getenv( 'TWOFA_OUTBOX' );
		$this->assertNotSame( '', $dir, 'TWOFA_OUTBOX is set' );
		clearstatcache();
		$best      = null;
		$best_time = -1;
		foreach ( $this->outbox_mtimes( $dir ) as $file => $mtime ) {
			if ( $mtime < $newer_than || $mtime < $best_time ) {
				continue;
			}
			$raw = (string) file_get_contents( $file );
			if ( preg_match( '/^To:.*' . preg_quote( $email, '/' ) . '/mi', $raw ) ) {
				$best      = $raw;
				$best_time = $mtime;
			}
		}
		return $best;
	}

	/**
	 * The 6-digit code of the newest email to $email.
	 *
	 * @param string $email Recipient.
	 */
	protected function mailed_code( string $email ): string {
		$raw = $this->latest_mail( $email );
		$this->assertNotNull( $raw, 'an email reached the outbox for ' . $email );
		$text = quoted_printable_decode( $raw );
		$this->assertSame( 1, preg_match( '/\b(\d{6})\b/', $text, $m ), 'the email carries a 6-digit code' );
		return $m[1];
	}
}
