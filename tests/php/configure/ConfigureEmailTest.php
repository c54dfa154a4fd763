<?php
/**
 * Configure 2FA → OTP over Email, over HTTP against the served site and the real sidecar.
 */

require_once __DIR__ . '/class-configure-testcase.php';

/**
 * Confirm the address, Send OTP, enter the code; wrong, expired, used, superseded
 * codes; cooldown; attempts; the sidecar stopped.
 */
final class ConfigureEmailTest extends Configure_TestCase {

	protected function setUp(): void {
		parent::setUp();
		if ( ! $this->sidecar_running() ) {
			$this->fail( 'the sidecar of the test stack is not running (TWOFA_SIDECAR_RUNNING=0)' );
		}
	}

	/**
	 * Opens the email card at the confirm step.
	 *
	 * @param Http_Client $client  Client.
	 * @param int         $user_id User ID.
	 */
	private function confirm_step( Http_Client $client, int $user_id ): string {
		return $this->open_page( $client, $user_id, array( 'method' => 'email', 'step' => 'confirm' ) );
	}

	/**
	 * Sends an OTP from the confirm step and returns the page it leads to.
	 *
	 * @param Http_Client $client  Client.
	 * @param string      $page    Page with the Send OTP form.
	 */
	private function send( Http_Client $client, string $page ): array {
		return $this->submit( $client, $page, 'email_send', array( 'twofa_confirm_email' => '1' ) );
	}

	/**
	 * Lets the next Send OTP through the cooldown by moving the stored send time back.
	 *
	 * @param int $user_id User ID.
	 */
	private function skip_cooldown( int $user_id ): void {
		$this->edit_json_meta( $user_id, Twofa_Provider_Email::CODE, array( 'sent_at' => time() - 3600 ) );
	}

	public function test_configure_email_with_the_mailed_code(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$html   = $this->open_page( $client, $user['id'] );

		// Configure is a plain link to the confirm step.
		$link = $this->xpath( $html )->query( '//*[@id="twofa-card-email"]//a[contains(@href,"step=confirm")]' );
		$this->assertSame( 1, $link->length );
		$this->assertSame( 'Configure', trim( $link->item( 0 )->textContent ) );

		$page = $this->confirm_step( $client, $user['id'] );
		$this->assertStringContainsString( '<strong class="twofa-email-address">' . $user['email'] . '</strong>', $page, 'the account address is shown' );
		$this->assertStringContainsString( 'This is my email address', $page );
		$this->assertStringContainsString( 'Send OTP', $page );

		// Without the confirmation nothing is sent.
		$count   = $this->mail_count( $user['email'] );
		$refused = $this->submit( $client, $page, 'email_send' );
		$this->assertStringContainsString( 'Please confirm that this is your email address.', $this->messages( $refused['body'] ) );
		$this->assertSame( $count, $this->mail_count( $user['email'] ) );
		$this->assertNull( $this->db_meta( $user['id'], Twofa_Provider_Email::CODE ) );

		$sent = $this->send( $client, $page );
		$this->assertStringContainsString( 'step=verify', $sent['location'] );
		$this->assertStringContainsString( 'We sent a 6-digit code', $this->messages( $sent['body'] ) );
		$this->assertSame( $count + 1, $this->mail_count( $user['email'] ) );
		$code = $this->mailed_code( $user['email'] );

		// Only a keyed hash is stored, with an expiry and an attempt counter.
		$record = json_decode( (string) $this->db_meta( $user['id'], Twofa_Provider_Email::CODE ), true );
		$this->assertSame( 'setup', $record['purpose'] );
		$this->assertSame( 0, $record['attempts'] );
		$this->assertEqualsWithDelta( time() + 600, $record['expires'], 5, '10 minutes by default' );
		$this->assertStringNotContainsString( $code, (string) $this->db_meta( $user['id'], Twofa_Provider_Email::CODE ) );
		$field = $this->xpath( $sent['body'] )->query( '//input[@id="twofa-email-code" and @inputmode="numeric" and @autocomplete="one-time-code"]' );
		$this->assertSame( 1, $field->length );

		$done = $this->submit( $client, $sent['body'], 'email_verify', array( 'twofa_code' => $code ) );
		$this->assertStringContainsString( 'OTP over Email is configured and active.', $this->messages( $done['body'] ) );
		$this->assertSame( '1', $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );
		$this->assertSame( 'email', $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );
		$this->assertSame( 'Primary', $this->card_status( $done['body'], 'email' ) );
		$this->assertStringContainsString( 'Reconfigure', $this->card_text( $done['body'], 'email' ) );
		$this->assertSame( $count + 2, $this->mail_count( $user['email'] ), 'a notice that a method was added' );
	}

	public function test_wrong_code_counts_an_attempt_and_the_right_one_still_works(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$sent   = $this->send( $client, $this->confirm_step( $client, $user['id'] ) );
		$code   = $this->mailed_code( $user['email'] );
		$wrong  = str_pad( (string) ( ( (int) $code + 1 ) % 1000000 ), 6, '0', STR_PAD_LEFT );

		$bad = $this->submit( $client, $sent['body'], 'email_verify', array( 'twofa_code' => $wrong ) );
		$this->assertStringContainsString( 'That code is not right. 4 attempts left.', $this->messages( $bad['body'] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );
		$record = json_decode( (string) $this->db_meta( $user['id'], Twofa_Provider_Email::CODE ), true );
		$this->assertSame( 1, $record['attempts'] );

		$ok = $this->submit( $client, $bad['body'], 'email_verify', array( 'twofa_code' => $code ) );
		$this->assertStringContainsString( 'configured and active', $this->messages( $ok['body'] ) );
	}

	public function test_expired_code_is_refused(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$sent   = $this->send( $client, $this->confirm_step( $client, $user['id'] ) );
		$code   = $this->mailed_code( $user['email'] );
		$this->edit_json_meta( $user['id'], Twofa_Provider_Email::CODE, array( 'expires' => time() - 1 ) );

		$late = $this->submit( $client, $sent['body'], 'email_verify', array( 'twofa_code' => $code ) );
		$this->assertStringContainsString( 'That code has expired.', $this->messages( $late['body'] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );
	}

	public function test_used_code_cannot_be_replayed(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$sent   = $this->send( $client, $this->confirm_step( $client, $user['id'] ) );
		$code   = $this->mailed_code( $user['email'] );
		$this->submit( $client, $sent['body'], 'email_verify', array( 'twofa_code' => $code ) );
		$this->assertSame( '1', $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );
		$count = $this->mail_count( $user['email'] );

		$page  = $this->open_page( $client, $user['id'], array( 'method' => 'email', 'step' => 'verify' ) );
		$again = $this->submit( $client, $page, 'email_verify', array( 'twofa_code' => $code ) );
		$this->assertStringContainsString( 'That code has already been used.', $this->messages( $again['body'] ) );
		$this->assertStringNotContainsString( 'configured and active', $this->messages( $again['body'] ) );
		$this->assertSame( $count, $this->mail_count( $user['email'] ), 'no second "method added" notice' );

		// Nor can it be used at login.
		$login = Twofa_Providers::get( 'email' )->verify_login_code( $user['id'], $code );
		$this->assertInstanceOf( WP_Error::class, $login );
	}

	public function test_superseded_code_is_refused_and_the_newest_works(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$sent   = $this->send( $client, $this->confirm_step( $client, $user['id'] ) );
		$first  = $this->mailed_code( $user['email'] );
		$this->skip_cooldown( $user['id'] );
		sleep( 1 ); // The outbox is read by file time: keep the second mail strictly newer.
		$resent = $this->send( $client, $sent['body'] );
		$this->assertStringContainsString( 'We sent a 6-digit code', $this->messages( $resent['body'] ) );
		$second = $this->mailed_code( $user['email'] );

		if ( $first !== $second ) {
			$old = $this->submit( $client, $resent['body'], 'email_verify', array( 'twofa_code' => $first ) );
			$this->assertStringContainsString( 'replaced by a newer one', $this->messages( $old['body'] ) );
			$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );
		}
		$new = $this->submit( $client, $resent['body'], 'email_verify', array( 'twofa_code' => $second ) );
		$this->assertStringContainsString( 'configured and active', $this->messages( $new['body'] ) );
	}

	public function test_resend_has_a_cooldown_and_never_resets_attempts(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$sent   = $this->send( $client, $this->confirm_step( $client, $user['id'] ) );
		$code   = $this->mailed_code( $user['email'] );
		$before = $this->db_meta( $user['id'], Twofa_Provider_Email::CODE );
		$count  = $this->mail_count( $user['email'] );

		$again = $this->send( $client, $sent['body'] );
		$this->assertMatchesRegularExpression( '/A code was just sent\. You can ask for another one in \d+ seconds?\./', $this->messages( $again['body'] ) );
		$this->assertSame( $before, $this->db_meta( $user['id'], Twofa_Provider_Email::CODE ), 'nothing changed' );
		$this->assertSame( $count, $this->mail_count( $user['email'] ), 'no email' );
		$this->assertMatchesRegularExpression( '/<button type="submit" class="button" data-cooldown="\d+">Send OTP<\/button>/', $again['body'] );

		// Two wrong codes, then a resend: the counter carries over.
		$wrong = str_pad( (string) ( ( (int) $code + 7 ) % 1000000 ), 6, '0', STR_PAD_LEFT );
		$this->submit( $client, $again['body'], 'email_verify', array( 'twofa_code' => $wrong ) );
		$this->submit( $client, $again['body'], 'email_verify', array( 'twofa_code' => $wrong ) );
		$this->skip_cooldown( $user['id'] );
		$this->send( $client, $again['body'] );
		$record = json_decode( (string) $this->db_meta( $user['id'], Twofa_Provider_Email::CODE ), true );
		$this->assertSame( 2, $record['attempts'], 'resending keeps the attempt count' );

		// Three more wrong entries use the rest up; then even the right code and a resend are refused.
		for ( $i = 0; $i < 3; $i++ ) {
			$last = $this->submit( $client, $again['body'], 'email_verify', array( 'twofa_code' => $wrong ) );
		}
		$this->assertStringContainsString( 'Too many wrong codes were entered.', $this->messages( $last['body'] ) );
		sleep( 1 );
		$this->skip_cooldown( $user['id'] );
		$count = $this->mail_count( $user['email'] );
		$more  = $this->send( $client, $again['body'] );
		$this->assertStringContainsString( 'Too many wrong codes were entered.', $this->messages( $more['body'] ) );
		$this->assertSame( $count, $this->mail_count( $user['email'] ), 'no new code while the attempts are used up' );
		$latest = $this->mailed_code( $user['email'] );
		$final  = $this->submit( $client, $again['body'], 'email_verify', array( 'twofa_code' => $latest ) );
		$this->assertStringContainsString( 'Too many wrong codes were entered.', $this->messages( $final['body'] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );
	}

	public function test_sidecar_stopped_says_so_and_changes_nothing(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$page   = $this->confirm_step( $client, $user['id'] );
		$this->set_settings( array( 'sidecar_url' => 'http://127.0.0.1:' . $this->closed_port() ) );

		$count  = $this->mail_count( $user['email'] );
		$failed = $this->send( $client, $page );
		$this->assertStringContainsString( 'The email service is not reachable right now.', $this->messages( $failed['body'] ) );
		$this->assertStringContainsString( 'step=confirm', $failed['location'] );
		$this->assertNull( $this->db_meta( $user['id'], Twofa_Provider_Email::CODE ), 'no code stored' );
		$this->assertSame( $count, $this->mail_count( $user['email'] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );

		// The authenticator still works; only the notice email is missing, and the user is told.
		$begin  = $this->submit( $client, $failed['body'], 'totp_begin' );
		$secret = $this->shown_secret( $begin['body'] );
		$done   = $this->submit( $client, $begin['body'], 'totp_verify', array( 'twofa_code' => twofa_totp_code( $secret, time() ) ) );
		$this->assertStringContainsString( 'Google Authenticator is configured and active.', $this->messages( $done['body'] ) );
		$this->assertStringContainsString( 'We could not email you a notice', $this->messages( $done['body'] ) );
		$this->assertSame( 'Primary', $this->card_status( $done['body'], 'totp' ) );
	}

	public function test_sidecar_stopped_during_resend_keeps_the_previous_code(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$sent   = $this->send( $client, $this->confirm_step( $client, $user['id'] ) );
		$code   = $this->mailed_code( $user['email'] );
		$this->skip_cooldown( $user['id'] );
		$before = $this->db_meta( $user['id'], Twofa_Provider_Email::CODE );

		$this->set_settings( array( 'sidecar_url' => 'http://127.0.0.1:' . $this->closed_port() ) );
		$failed = $this->send( $client, $sent['body'] );
		$this->assertStringContainsString( 'not reachable', $this->messages( $failed['body'] ) );
		$this->assertStringContainsString( 'step=verify', $failed['location'], 'the code step stays open' );
		$this->assertSame( $before, $this->db_meta( $user['id'], Twofa_Provider_Email::CODE ), 'the previous code state is unchanged' );

		$ok = $this->submit( $client, $failed['body'], 'email_verify', array( 'twofa_code' => $code ) );
		$this->assertStringContainsString( 'configured and active', $this->messages( $ok['body'] ) );
		$this->assertStringContainsString( 'We could not email you a notice', $this->messages( $ok['body'] ) );
	}

	public function test_parallel_guesses_each_cost_an_attempt_and_a_code_is_spent_once(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$sent   = $this->send( $client, $this->confirm_step( $client, $user['id'] ) );
		$code   = $this->mailed_code( $user['email'] );
		$fields = $this->form_fields( $sent['body'], 'email_verify' );

		// Four different wrong codes at once: every one is counted.
		$posts = array();
		for ( $i = 1; $i <= 4; $i++ ) {
			$posts[] = array( 'twofa_code' => str_pad( (string) ( ( (int) $code + $i ) % 1000000 ), 6, '0', STR_PAD_LEFT ) ) + $fields;
		}
		$this->post_parallel( $client, $posts );
		$record = json_decode( (string) $this->db_meta( $user['id'], Twofa_Provider_Email::CODE ), true );
		$this->assertSame( 4, $record['attempts'], 'no guess slipped through uncounted' );

		// The right code sent three times at once: the method is enabled once, one notice is sent.
		$count = $this->mail_count( $user['email'] );
		$this->post_parallel( $client, array_fill( 0, 3, array( 'twofa_code' => $code ) + $fields ) );
		$this->assertSame( '1', $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );
		$this->assertSame( $count + 1, $this->mail_count( $user['email'] ), 'exactly one "method added" notice' );
		$record = json_decode( (string) $this->db_meta( $user['id'], Twofa_Provider_Email::CODE ), true );
		$this->assertArrayHasKey( 'used', $record );
	}

	public function test_login_code_is_not_a_setup_code(): void {
		$user  = $this->make_user( 'subscriber' );
		$email = Twofa_Providers::get( 'email' );
		$this->assertSame( 'twofa_email_not_configured', $email->send_code( $user['id'], 'login' )->get_error_code(), 'no login codes before setup' );
		$this->assertTrue( $email->send_code( $user['id'], 'setup' ) );
		$code = $this->mailed_code( $user['email'] );
		$this->assertSame( 'twofa_email_no_code', $email->verify_code( $user['id'], $code, 'login' )->get_error_code() );
		$this->assertSame( 'twofa_email_bad_purpose', $email->verify_code( $user['id'], $code, 'other' )->get_error_code() );
		$this->assertTrue( $email->verify_setup( $user['id'], $code ) );
	}
}
