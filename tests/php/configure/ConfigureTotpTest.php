<?php
/**
 * Configure 2FA → Google Authenticator, over HTTP against the served site.
 */

require_once __DIR__ . '/class-configure-testcase.php';

/**
 * Configure, verify, reconfigure, expiry and replay of the authenticator.
 */
final class ConfigureTotpTest extends Configure_TestCase {

	public function test_page_shows_both_cards_not_configured_with_configure_buttons(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$html   = $this->open_page( $client, $user['id'] );

		$this->assertStringContainsString( '<h1>Configure 2FA</h1>', $html );
		$this->assertStringContainsString( 'Google Authenticator', $this->card_text( $html, 'totp' ) );
		$this->assertStringContainsString( 'OTP over Email', $this->card_text( $html, 'email' ) );
		$this->assertSame( 'Not configured', $this->card_status( $html, 'totp' ) );
		$this->assertSame( 'Not configured', $this->card_status( $html, 'email' ) );
		$this->assertStringContainsString( 'Configure', $this->card_text( $html, 'totp' ) );
		$this->assertStringNotContainsString( 'Reconfigure', $html );
		$this->assertStringNotContainsString( 'Set as primary', $html );
		$this->assertMatchesRegularExpression( '/id="twofa-messages" role="status" aria-live="polite"/', $html );

		// The profile page links to it.
		$profile = $client->get( '/wp-admin/profile.php' );
		$this->assertSame( 200, $profile['status'] );
		$this->assertStringContainsString( 'Two-Factor Authentication', $profile['body'] );
		$this->assertMatchesRegularExpression( '#href="[^"]*profile\.php\?page=twofa-configure"[^>]*>Configure 2FA</a>#', $profile['body'] );
	}

	public function test_configure_authenticator_with_the_shown_key(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$html   = $this->open_page( $client, $user['id'] );

		$begin = $this->submit( $client, $html, 'totp_begin' );
		$this->assertSame( 302, $begin['status'] );
		$this->assertStringContainsString( 'method=totp', $begin['location'] );
		$this->assertStringContainsString( 'step=setup', $begin['location'] );
		$page = $begin['body'];

		// The steps: apps, QR code with an accessible label, key in groups of four, code field.
		$this->assertStringContainsString( 'Microsoft Authenticator', $page );
		$xpath = $this->xpath( $page );
		$qr    = $xpath->query( '//*[contains(@class,"twofa-qr") and @role="img" and @aria-label]//*[local-name()="svg"]' );
		$this->assertSame( 1, $qr->length, 'a QR code SVG with an accessible label' );
		$this->assertSame( 1, $xpath->query( '//*[contains(@class,"twofa-qr")]//*[local-name()="path"]' )->length, 'the SVG keeps its path' );
		$key = $xpath->query( '//code[@id="twofa-secret"]' );
		$this->assertSame( 1, $key->length, 'the key as text' );
		$this->assertMatchesRegularExpression( '/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/', $key->item( 0 )->textContent, 'the key in groups of four' );
		$this->assertSame( 0, $xpath->query( '//*[local-name()="svg" and @role]' )->length, 'one image for screen readers: the wrapper, not the SVG too' );
		$field = $this->xpath( $page )->query( '//input[@id="twofa-totp-code" and @inputmode="numeric" and @autocomplete="one-time-code"]' );
		$this->assertSame( 1, $field->length, 'a numeric one-time-code field' );
		$this->assertStringContainsString( 'Verify and Save', $page );

		$secret = $this->shown_secret( $page );
		$this->assertNotSame( '', (string) $this->db_meta( $user['id'], Twofa_Provider_Totp::PENDING ), 'the pending secret is stored' );
		$this->assertStringNotContainsString( $secret, (string) $this->db_meta( $user['id'], Twofa_Provider_Totp::PENDING ), 'the pending secret is sealed, not stored in clear' );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Totp::SECRET ), 'not active before a code verifies' );

		// A wrong code: clear message, nothing activated.
		$right = twofa_totp_code( $secret, time() );
		$wrong = str_pad( (string) ( ( (int) $right + 500000 ) % 1000000 ), 6, '0', STR_PAD_LEFT );
		$bad   = $this->submit( $client, $page, 'totp_verify', array( 'twofa_code' => $wrong ) );
		$this->assertStringContainsString( 'That code is not right', $this->messages( $bad['body'] ) );
		$this->assertStringNotContainsString( 'value="' . $wrong . '"', $bad['body'], 'the typed code is never echoed' );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Totp::SECRET ) );

		// The right code buried in over-long input is refused as malformed, not cut down to size.
		$long = $this->submit( $client, $bad['body'], 'totp_verify', array( 'twofa_code' => twofa_totp_code( $secret, time() ) . str_repeat( ' ', 80 ) . 'x' ) );
		$this->assertStringContainsString( 'Enter the 6-digit code from your authenticator app.', $this->messages( $long['body'] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Totp::SECRET ) );

		// The right code activates it and records its step.
		$mails_before = $this->mail_count( $user['email'] );
		$good         = $this->submit( $client, $bad['body'], 'totp_verify', array( 'twofa_code' => twofa_totp_code( $secret, time() ) ) );
		$this->assertSame( 302, $good['status'] );
		$this->assertStringContainsString( 'Google Authenticator is configured and active.', $this->messages( $good['body'] ) );
		$sealed = (string) $this->meta( $user['id'], Twofa_Provider_Totp::SECRET );
		$this->assertSame( $secret, twofa_open( $sealed, 'totp:' . $user['id'] ), 'the shown key is the active secret, sealed for this user' );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Totp::PENDING ), 'the pending secret is gone' );
		$step = (int) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP );
		$this->assertLessThanOrEqual( 1, abs( $step - intdiv( time(), 30 ) ), 'the verified step is recorded' );
		$this->assertSame( 'totp', $this->meta( $user['id'], Twofa_User_State::PRIMARY ), 'the first method becomes primary' );
		$this->assertSame( 'Primary', $this->card_status( $good['body'], 'totp' ) );
		$this->assertStringContainsString( 'Reconfigure', $this->card_text( $good['body'], 'totp' ) );
		if ( $this->sidecar_running() ) {
			$this->assertSame( $mails_before + 1, $this->mail_count( $user['email'] ), 'the user is emailed that a method was added' );
		}
	}

	public function test_setup_code_cannot_be_used_again(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$begin  = $this->submit( $client, $this->open_page( $client, $user['id'] ), 'totp_begin' );
		$secret = $this->shown_secret( $begin['body'] );
		$code   = twofa_totp_code( $secret, time() );
		$this->submit( $client, $begin['body'], 'totp_verify', array( 'twofa_code' => $code ) );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertSame( array( 'totp' ), Twofa_User_State::configured_methods( $user['id'] ) );

		// The same code at login (same clock) is a replay.
		$again = Twofa_Providers::get( 'totp' )->verify_login_code( $user['id'], $code );
		$this->assertInstanceOf( WP_Error::class, $again );
		$this->assertSame( 'twofa_totp_used', $again->get_error_code() );

		// And as re-authentication to remove the method, over HTTP.
		$page   = $this->open_page( $client, $user['id'], array( 'method' => 'totp', 'step' => 'remove' ) );
		$remove = $this->submit( $client, $page, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_reauth_code' => $code ) );
		$this->assertStringContainsString( 'already been used', $this->messages( $remove['body'] ) );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertSame( array( 'totp' ), Twofa_User_State::configured_methods( $user['id'] ), 'still configured' );
	}

	public function test_reconfigure_keeps_the_old_secret_until_the_new_one_verifies(): void {
		$user   = $this->make_user( 'subscriber' );
		$old    = $this->give_totp( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$html   = $this->open_page( $client, $user['id'] );
		$this->assertSame( 'Primary', $this->card_status( $html, 'totp' ) );
		$this->assertStringContainsString( 'Reconfigure', $this->card_text( $html, 'totp' ) );

		$begin = $this->submit( $client, $html, 'totp_begin' );
		$new   = $this->shown_secret( $begin['body'] );
		$this->assertNotSame( $old, $new );
		$this->assertStringContainsString( 'keeps working until the new one is verified', $begin['body'] );

		// The old secret still logs in while the new one is pending.
		$totp = Twofa_Providers::get( 'totp' );
		$this->assertSame( $old, $totp->secret( $user['id'] ) );
		Twofa_Clock::set( time() - 60 );
		$this->assertTrue( $totp->verify_login_code( $user['id'], twofa_totp_code( $old, time() - 60 ) ) );
		Twofa_Clock::set( null );

		// A wrong code for the new secret leaves the old one active.
		$this->submit( $client, $begin['body'], 'totp_verify', array( 'twofa_code' => twofa_totp_code( $old, time() + 300 ) ) );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertSame( $old, $totp->secret( $user['id'] ) );

		// The new code replaces it.
		$done = $this->submit( $client, $begin['body'], 'totp_verify', array( 'twofa_code' => twofa_totp_code( $new, time() ) ) );
		$this->assertStringContainsString( 'configured and active', $this->messages( $done['body'] ) );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertSame( $new, $totp->secret( $user['id'] ) );
		Twofa_Clock::set( time() + 60 );
		$refused = $totp->verify_login_code( $user['id'], twofa_totp_code( $old, time() + 60 ) );
		$this->assertInstanceOf( WP_Error::class, $refused, 'the old secret no longer works' );
		$this->assertTrue( $totp->verify_login_code( $user['id'], twofa_totp_code( $new, time() + 60 ) ) );
	}

	public function test_parallel_verifications_activate_once(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$begin  = $this->submit( $client, $this->open_page( $client, $user['id'] ), 'totp_begin' );
		$secret = $this->shown_secret( $begin['body'] );
		$fields = array( 'twofa_code' => twofa_totp_code( $secret, time() ) ) + $this->form_fields( $begin['body'], 'totp_verify' );
		$count  = $this->mail_count( $user['email'] );

		$this->post_parallel( $client, array_fill( 0, 3, $fields ) );
		$this->assertSame( $secret, twofa_open( (string) $this->meta( $user['id'], Twofa_Provider_Totp::SECRET ), 'totp:' . $user['id'] ) );
		if ( $this->sidecar_running() ) {
			$this->assertSame( $count + 1, $this->mail_count( $user['email'] ), 'one activation, one notice' );
		}
		$this->assertNull( $this->db_meta( $user['id'], Twofa_Provider_Totp::PENDING ) );
	}

	public function test_an_expired_setup_is_refused_and_nothing_changes(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$begin  = $this->submit( $client, $this->open_page( $client, $user['id'] ), 'totp_begin' );
		$secret = $this->shown_secret( $begin['body'] );
		$this->edit_json_meta( $user['id'], Twofa_Provider_Totp::PENDING, array( 'expires' => time() - 1 ) );

		$late = $this->submit( $client, $begin['body'], 'totp_verify', array( 'twofa_code' => twofa_totp_code( $secret, time() ) ) );
		$this->assertStringContainsString( 'This setup has expired', $this->messages( $late['body'] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Totp::SECRET ) );
		$this->assertSame( 'Not configured', $this->card_status( $late['body'], 'totp' ) );

		// The setup step no longer shows the key either.
		$page = $this->open_page( $client, $user['id'], array( 'method' => 'totp', 'step' => 'setup' ) );
		$this->assertStringNotContainsString( 'twofa-secret', $page );
		$this->assertStringContainsString( 'has expired or was not started', $page );
	}

	public function test_cancel_drops_the_pending_secret(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$begin  = $this->submit( $client, $this->open_page( $client, $user['id'] ), 'totp_begin' );
		$this->assertNotNull( $this->db_meta( $user['id'], Twofa_Provider_Totp::PENDING ) );
		$cancel = $this->submit( $client, $begin['body'], 'totp_cancel' );
		$this->assertStringContainsString( 'Setup cancelled', $this->messages( $cancel['body'] ) );
		$this->assertNull( $this->db_meta( $user['id'], Twofa_Provider_Totp::PENDING ) );
	}

	public function test_malformed_codes_are_refused_without_reaching_the_extension(): void {
		$user = $this->make_user( 'subscriber' );
		$totp = Twofa_Providers::get( 'totp' );
		$totp->begin_setup( $user['id'] );
		foreach ( array( '', '12345', '1234567', 'abcdef', "12345\n6", "123\t456", str_repeat( '1', 5000 ), '١٢٣٤٥٦' ) as $input ) {
			$result = $totp->verify_setup( $user['id'], $input );
			$this->assertInstanceOf( WP_Error::class, $result );
			$this->assertSame( 'twofa_code_format', $result->get_error_code(), 'input ' . json_encode( substr( $input, 0, 20 ) ) );
		}
		$this->assertNotNull( $totp->pending_secret( $user['id'] ), 'malformed input does not spend the setup' );
		// Spaces and a dash, as apps show them, are accepted.
		$secret = $totp->pending_secret( $user['id'] );
		$code   = twofa_totp_code( $secret, time() );
		$this->assertTrue( $totp->verify_setup( $user['id'], substr( $code, 0, 3 ) . ' ' . substr( $code, 3 ) ) );
	}
}
