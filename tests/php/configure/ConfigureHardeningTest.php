<?php
/**
 * Configure 2FA against a borrowed session: Reconfigure and Set as primary ask
 * for re-authentication, method changes end the other sessions, codes are
 * read strictly, and any site title works for the authenticator.
 */

require_once __DIR__ . '/class-configure-testcase.php';

/**
 * Over HTTP against the served site, with the real sidecar's outbox.
 */
final class ConfigureHardeningTest extends Configure_TestCase {

	/**
	 * The site title before a test changed it.
	 *
	 * @var string|null
	 */
	private $saved_title = null;

	protected function tearDown(): void {
		if ( null !== $this->saved_title ) {
			update_option( 'blogname', $this->saved_title );
			$this->saved_title = null;
		}
		parent::tearDown();
	}

	/**
	 * Starts Reconfigure of the authenticator and returns [page, new secret].
	 *
	 * @param Http_Client $client  Logged-in client.
	 * @param int         $user_id User ID.
	 * @return array{0:string,1:string}
	 */
	private function begin_reconfigure( Http_Client $client, int $user_id ): array {
		$begin = $this->submit( $client, $this->open_page( $client, $user_id ), 'totp_begin' );
		$this->assertSame( 302, $begin['status'] );
		return array( $begin['body'], $this->shown_secret( $begin['body'] ) );
	}

	/**
	 * Whether a client's session still opens the dashboard.
	 *
	 * @param Http_Client $client Client.
	 */
	private function session_alive( Http_Client $client ): bool {
		$response = $client->get( '/wp-admin/profile.php' );
		return 200 === $response['status'];
	}

	/**
	 * The subject of the newest notice to $email written at or after $since.
	 *
	 * @param string $email Recipient.
	 * @param int    $since Unix time.
	 */
	private function newest_subject( string $email, int $since ): string {
		$raw = $this->latest_mail( $email, $since );
		$this->assertNotNull( $raw, 'a notice reached the outbox' );
		$this->assertSame( 1, preg_match( '/^Subject: (.*)$/mi', $raw, $m ) );
		return iconv_mime_decode( trim( $m[1] ), 0, 'UTF-8' );
	}

	public function test_reconfigure_needs_the_password_or_a_current_code_and_says_replaced(): void {
		$user   = $this->make_user( 'subscriber' );
		$old    = $this->give_totp( $user['id'] );
		$client = $this->client_for( $user['id'] );
		list( $page, $new ) = $this->begin_reconfigure( $client, $user['id'] );
		$this->assertNotNull( $this->xpath( $page )->query( '//form[.//input[@value="totp_verify"]]//input[@name="twofa_password" and @type="password"]' )->item( 0 ), 'the verify step asks for the password' );

		// The new key's code alone (a session is all an attacker has) is refused and changes nothing.
		$alone = $this->submit( $client, $page, 'totp_verify', array( 'twofa_code' => twofa_totp_code( $new, time() ) ) );
		$this->assertStringContainsString( 'To confirm it is you', $this->messages( $alone['body'] ) );
		$this->assertSame( $old, Twofa_Providers::get( 'totp' )->secret( $user['id'] ), 'the old key stays' );
		$this->assertNotNull( $this->db_meta( $user['id'], Twofa_Provider_Totp::PENDING ), 'the setup is not spent' );

		// A wrong password is refused and counted like Remove's.
		$wrong = $this->submit( $client, $page, 'totp_verify', array( 'twofa_code' => twofa_totp_code( $new, time() ), 'twofa_password' => 'not-the-password' ) );
		$this->assertStringContainsString( 'The password is not right.', $this->messages( $wrong['body'] ) );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertSame( $old, Twofa_Providers::get( 'totp' )->secret( $user['id'] ) );

		// A current code of the old authenticator stands in for the password; the notice says "replaced".
		$since = time();
		$done  = $this->submit( $client, $page, 'totp_verify', array( 'twofa_code' => twofa_totp_code( $new, time() ), 'twofa_reauth_code' => twofa_totp_code( $old, time() ) ) );
		$this->assertStringContainsString( 'configured and active', $this->messages( $done['body'] ) );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertSame( $new, Twofa_Providers::get( 'totp' )->secret( $user['id'] ) );
		if ( $this->sidecar_running() ) {
			$subject = $this->newest_subject( $user['email'], $since );
			$this->assertStringContainsString( 'was replaced', $subject );
			$this->assertStringNotContainsString( 'added', $subject );
		}
	}

	public function test_reconfigure_of_email_needs_re_authentication(): void {
		$user = $this->make_user( 'subscriber' );
		$this->give_email( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$page   = $this->open_page( $client, $user['id'], array( 'method' => 'email', 'step' => 'confirm' ) );
		$sent   = $this->submit( $client, $page, 'email_send', array( 'twofa_confirm_email' => '1' ) );
		$code   = $this->mailed_code( $user['email'] );
		$alone  = $this->submit( $client, $sent['body'], 'email_verify', array( 'twofa_code' => $code ) );
		$this->assertStringContainsString( 'To confirm it is you', $this->messages( $alone['body'] ) );
		$this->assertTrue( Twofa_Providers::get( 'email' )->has_live_code( $user['id'], 'setup' ), 'the code is not spent' );
		$ok = $this->submit( $client, $sent['body'], 'email_verify', array( 'twofa_code' => $code, 'twofa_password' => $user['password'] ) );
		$this->assertStringContainsString( 'configured and active', $this->messages( $ok['body'] ) );
	}

	public function test_set_as_primary_needs_re_authentication_and_sends_a_notice(): void {
		$user = $this->make_user( 'subscriber' );
		$this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$card   = $this->open_page( $client, $user['id'] );
		$this->assertNull( $this->form_fields( $card, 'set_primary' ), 'Set as primary is no longer a one-click form' );
		$page   = $this->open_page( $client, $user['id'], array( 'method' => 'email', 'step' => 'primary' ) );
		$fields = $this->form_fields( $page, 'set_primary' );
		$this->assertNotNull( $fields );

		$alone = $this->post_fields( $client, $fields );
		$this->assertStringContainsString( 'To confirm it is you', $this->messages( $alone['body'] ) );
		$this->assertSame( 'totp', $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );

		$wrong = $this->post_fields( $client, $fields + array( 'twofa_password' => 'nope' ) );
		$this->assertStringContainsString( 'The password is not right.', $this->messages( $wrong['body'] ) );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ), 'counted like Remove' );
		$this->assertSame( 'totp', $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );

		$since = time();
		$ok    = $this->post_fields( $client, $fields + array( 'twofa_password' => $user['password'] ) );
		$this->assertStringContainsString( 'OTP over Email is now your primary method.', $this->messages( $ok['body'] ) );
		$this->assertSame( 'email', $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );
		if ( $this->sidecar_running() ) {
			$this->assertStringContainsString( 'primary two-factor method was changed', $this->newest_subject( $user['email'], $since ) );
		}
	}

	public function test_every_method_change_ends_the_other_sessions_only(): void {
		$user = $this->make_user( 'subscriber' );
		$mine = $this->client_for( $user['id'] );

		// Adding the authenticator.
		$other = $this->client_for( $user['id'] );
		$this->assertTrue( $this->session_alive( $other ) );
		$begin  = $this->submit( $mine, $this->open_page( $mine, $user['id'] ), 'totp_begin' );
		$secret = $this->shown_secret( $begin['body'] );
		$this->submit( $mine, $begin['body'], 'totp_verify', array( 'twofa_code' => twofa_totp_code( $secret, time() ) ) );
		$this->assertFalse( $this->session_alive( $other ), 'adding a method ends the other session' );
		$this->assertTrue( $this->session_alive( $mine ), 'the current session stays' );

		// Replacing it.
		$other = $this->client_for( $user['id'] );
		list( $page, $new ) = $this->begin_reconfigure( $mine, $user['id'] );
		$this->submit( $mine, $page, 'totp_verify', array( 'twofa_code' => twofa_totp_code( $new, time() ), 'twofa_password' => $user['password'] ) );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertSame( $new, Twofa_Providers::get( 'totp' )->secret( $user['id'] ) );
		$this->assertFalse( $this->session_alive( $other ), 'replacing a method ends the other session' );
		$this->assertTrue( $this->session_alive( $mine ) );

		// Changing the primary.
		$this->give_email( $user['id'] );
		$other  = $this->client_for( $user['id'] );
		$fields = $this->form_fields( $this->open_page( $mine, $user['id'], array( 'method' => 'email', 'step' => 'primary' ) ), 'set_primary' );
		$this->post_fields( $mine, $fields + array( 'twofa_password' => $user['password'] ) );
		$this->assertSame( 'email', $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );
		$this->assertFalse( $this->session_alive( $other ), 'changing the primary ends the other session' );
		$this->assertTrue( $this->session_alive( $mine ) );

		// Removing one.
		$other = $this->client_for( $user['id'] );
		$page  = $this->open_page( $mine, $user['id'], array( 'method' => 'totp', 'step' => 'remove' ) );
		$this->submit( $mine, $page, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => $user['password'] ) );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertSame( array( 'email' ), Twofa_User_State::configured_methods( $user['id'] ) );
		$this->assertFalse( $this->session_alive( $other ), 'removing a method ends the other session' );
		$this->assertTrue( $this->session_alive( $mine ) );
	}

	/**
	 * Inputs that hold a valid code but are not what an app shows.
	 *
	 * @param string $code The valid code.
	 * @return array<string,string>
	 */
	private static function loose_inputs( string $code ): array {
		return array(
			'NUL after'   => $code . "\0",
			'NUL before'  => "\0" . $code,
			'tab'         => "\t" . $code,
			'newline'     => $code . "\n",
			'CR LF'       => "\r\n" . $code,
			'dashes'      => implode( '-', str_split( $code ) ),
			'one dash'    => substr( $code, 0, 3 ) . '-' . substr( $code, 3 ),
			'no-break'    => substr( $code, 0, 3 ) . "\u{00A0}" . substr( $code, 3 ),
		);
	}

	public function test_setup_and_re_authentication_accept_only_digits_and_spaces(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$begin  = $this->submit( $client, $this->open_page( $client, $user['id'] ), 'totp_begin' );
		$secret = $this->shown_secret( $begin['body'] );
		foreach ( self::loose_inputs( twofa_totp_code( $secret, time() ) ) as $what => $input ) {
			$this->submit( $client, $begin['body'], 'totp_verify', array( 'twofa_code' => $input ) );
			$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Totp::SECRET ), "setup refuses $what" );
		}
		$code = twofa_totp_code( $secret, time() );
		$ok   = $this->submit( $client, $begin['body'], 'totp_verify', array( 'twofa_code' => substr( $code, 0, 3 ) . ' ' . substr( $code, 3 ) ) );
		$this->assertStringContainsString( 'configured and active', $this->messages( $ok['body'] ), '"123 456" as the app shows it is accepted' );

		// Re-authentication before a removal.
		$this->give_email( $user['id'] );
		$page = $this->open_page( $client, $user['id'], array( 'method' => 'email', 'step' => 'remove' ) );
		foreach ( self::loose_inputs( twofa_totp_code( $secret, time() + 30 ) ) as $what => $input ) {
			Twofa_Lockout::reset( $user['id'] );
			$this->submit( $client, $page, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_reauth_code' => $input ) );
			wp_cache_delete( $user['id'], 'user_meta' );
			$this->assertSame( array( 'totp', 'email' ), Twofa_User_State::configured_methods( $user['id'] ), "re-authentication refuses $what" );
		}
		Twofa_Lockout::reset( $user['id'] );
		$next = twofa_totp_code( $secret, time() + 30 );
		Twofa_Clock::set( null );
		$done = $this->submit( $client, $page, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_reauth_code' => ' ' . substr( $next, 0, 3 ) . ' ' . substr( $next, 3 ) . ' ' ) );
		$this->assertStringContainsString( 'was removed', $this->messages( $done['body'] ) );
	}

	public function test_a_very_long_site_title_still_gives_a_qr_code(): void {
		$this->saved_title = (string) get_option( 'blogname' );
		update_option( 'blogname', str_repeat( 'Ünïcode: & # % ', 30 ) );
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$begin  = $this->submit( $client, $this->open_page( $client, $user['id'] ), 'totp_begin' );
		$this->assertSame( 302, $begin['status'] );
		$this->assertStringNotContainsString( 'critical error', $begin['body'] );
		$this->assertSame( 1, $this->xpath( $begin['body'] )->query( '//*[contains(@class,"twofa-qr")]//*[local-name()="svg"]' )->length, 'the QR code is drawn' );
		$secret = $this->shown_secret( $begin['body'] );
		$done   = $this->submit( $client, $begin['body'], 'totp_verify', array( 'twofa_code' => twofa_totp_code( $secret, time() ) ) );
		$this->assertStringContainsString( 'configured and active', $this->messages( $done['body'] ) );
	}

	public function test_a_colon_in_the_site_title_works_for_the_authenticator(): void {
		$this->saved_title = (string) get_option( 'blogname' );
		update_option( 'blogname', 'Acme: Blog' );
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$begin  = $this->submit( $client, $this->open_page( $client, $user['id'] ), 'totp_begin' );
		$this->assertSame( 302, $begin['status'] );
		$this->assertStringNotContainsString( 'critical error', $begin['body'] );
		$this->assertSame( 1, $this->xpath( $begin['body'] )->query( '//*[contains(@class,"twofa-qr")]//*[local-name()="svg"]' )->length, 'the QR code is drawn' );
		$secret = $this->shown_secret( $begin['body'] );
		$this->assertStringContainsString( 'Acme%3A%20Blog', Twofa_Providers::get( 'totp' )->uri( $user['id'], $secret ) );
		$done = $this->submit( $client, $begin['body'], 'totp_verify', array( 'twofa_code' => twofa_totp_code( $secret, time() ) ) );
		$this->assertStringContainsString( 'configured and active', $this->messages( $done['body'] ) );
	}
}
