<?php
/**
 * Attacks on the second step over HTTP: an email code carried to another login, raced
 * Send OTP and re-authentication forms (the stack's multi-worker php -S and a second
 * server on the same database), the per-address cap on code emails, and the lock that
 * only an administrator lifts.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class LoginAttacksTest extends Login_TestCase {

	/**
	 * The fields of the challenge last shown, with $do.
	 *
	 * @param Http_Client $client Browser.
	 * @param string      $method Method.
	 * @param string      $do     twofa_do.
	 * @return array<string,string>
	 */
	private function challenge_fields( Http_Client $client, string $method, string $do ): array {
		return array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
			'twofa_method' => $method,
			'twofa_do'     => $do,
		);
	}

	/**
	 * Outbox files addressed to $email among $files.
	 *
	 * @param string[] $files Outbox files.
	 * @param string   $email Recipient.
	 */
	private function mails_to_in( array $files, string $email ): int {
		$n = 0;
		foreach ( $files as $file ) {
			if ( preg_match( '/^To:.*' . preg_quote( $email, '/' ) . '/mi', (string) file_get_contents( $file ) ) ) {
				++$n;
			}
		}
		return $n;
	}

	public function test_an_email_code_logs_in_only_through_the_login_it_was_sent_for(): void {
		$this->settings( array( 'backoff_after' => 100 ) );
		$user = $this->make_user( 'editor' );
		$this->give_email( $user['id'] );

		// Login A: password, Send OTP.
		$a = new Http_Client();
		$this->password_step( $a, $user );
		$before = $this->outbox_files();
		$this->second_step( $a, $this->challenge_fields( $a, 'email', 'send' ) );
		$this->assertSame( '', $this->error_text( $a ), 'the code was sent' );
		$code_a = $this->new_mailed_code( $user['email'], $before );

		// Login B (another browser): password, then A's code.
		$b = new Http_Client();
		$this->password_step( $b, $user );
		$this->assertChallenge( $b, $user );
		$this->submit_code( $b, 'email', $code_a );
		$this->assertFalse( $b->has_login_cookie(), 'a code sent for another login does not log in' );
		$this->assertSame( 0, $this->sessions( $user['id'] ) );
		$this->assertStringContainsString( 'No code has been sent for this step', $this->error_text( $b ) );

		// B's own code works.
		$this->settings( array( 'resend_cooldown' => 5 ) );
		$this->meta_set( $user['id'], Twofa_Provider_Email::CODE, 'sent_at', time() - 10 );
		$before = $this->outbox_files();
		$this->second_step( $b, $this->challenge_fields( $b, 'email', 'send' ) );
		$this->assertSame( '', $this->error_text( $b ), 'B gets a code of its own' );
		$this->submit_code( $b, 'email', $this->new_mailed_code( $user['email'], $before ) );
		$this->assertLoggedIn( $b, $user );
	}

	public function test_twenty_parallel_send_otp_posts_on_two_servers_mail_one_code(): void {
		$user   = $this->make_user( 'editor' );
		$this->give_email( $user['id'] );
		$second = $this->start_server();
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$fields = $this->challenge_fields( $client, 'email', 'send' );
		$urls   = array();
		for ( $i = 0; $i < 10; $i++ ) {
			$urls[] = getenv( 'TWOFA_WP_URL' ) . '/wp-login.php?action=twofa_challenge';
			$urls[] = $second . '/wp-login.php?action=twofa_challenge';
		}
		$before = $this->outbox_files();
		$this->parallel_posts( $urls, $fields );
		$this->assertSame( 1, $this->mails_to_in( array_diff( $this->outbox_files(), $before ), $user['email'] ), 'one code mailed for twenty parallel Send OTP' );

		// The one mailed code is the live one.
		$this->submit_code( $client, 'email', $this->new_mailed_code( $user['email'], $before ) );
		$this->assertLoggedIn( $client, $user );
	}

	public function test_code_emails_are_capped_per_client_address_across_accounts(): void {
		$this->settings( array( 'email_ip_per_hour' => 3 ) );
		$second   = $this->start_server();
		$requests = array();
		$emails   = array();
		for ( $i = 0; $i < 6; $i++ ) {
			$user = $this->make_user( 'editor' );
			$this->give_email( $user['id'] );
			$client = new Http_Client( 0 === $i % 2 ? null : $second );
			$this->password_step( $client, $user );
			$this->assertChallenge( $client, $user );
			$requests[] = array(
				'url'    => $client->base . '/wp-login.php?action=twofa_challenge',
				'fields' => $this->challenge_fields( $client, 'email', 'send' ),
			);
			$emails[]   = $user['email'];
		}
		$before    = $this->outbox_files();
		$responses = Http_Client::parallel_posts( $requests );
		$new       = array_diff( $this->outbox_files(), $before );
		$mailed    = 0;
		foreach ( $emails as $email ) {
			$mailed += $this->mails_to_in( $new, $email );
		}
		$this->assertSame( 3, $mailed, 'three code emails from one address per hour, whatever the accounts' );
		$refused = array_filter( $responses, static fn( $r ) => false !== strpos( $r['body'], 'Too many codes were emailed from your network' ) );
		$this->assertCount( 3, $refused, 'the others are told why' );
		$this->assertSame( 3, Twofa_Rate_Limit::used( Twofa_Provider_Email::IP_BUCKET, '127.0.0.1', HOUR_IN_SECONDS ) );
	}

	public function test_parallel_wrong_codes_on_the_remove_form_get_the_allowed_checks_only(): void {
		$this->settings(
			array(
				'backoff_after' => 3,
				'lockout_after' => 3,
			)
		);
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$second = $this->start_server();
		$client = $this->client_for( $user['id'] );
		$page   = $client->get( '/wp-admin/profile.php?page=twofa-configure&method=email&step=remove' )['body'];
		$fields = $this->hidden_fields( $page, '//form[.//input[@name="twofa_action" and @value="remove"]]' );
		$this->assertArrayHasKey( '_wpnonce', $fields, 'the remove form and its nonce' );
		$fields   += array(
			'twofa_confirm_remove' => '1',
			'twofa_reauth_code'    => $this->wrong_totp( $secret ),
		);
		$requests = array();
		for ( $i = 0; $i < 20; $i++ ) {
			$requests[] = array(
				'url'    => ( 0 === $i % 2 ? getenv( 'TWOFA_WP_URL' ) : $second ) . '/wp-admin/admin-post.php',
				'fields' => $fields,
				'cookie' => $client->cookie_header(),
			);
		}
		Http_Client::parallel_posts( $requests );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ), 'nothing removed' );
		$this->assertCount( 3, $this->events_of( $user['id'], Twofa_Events::CODE_REFUSED ), 'three codes checked before the back-off, not more' );
		$this->assertSame( 3, Twofa_Lockout::failures( $user['id'] ) );
	}

	public function test_one_hundred_failures_lock_until_an_administrator_unlocks(): void {
		global $wpdb;
		$this->settings(
			array(
				'backoff_after'   => 100,
				'lockout_after'   => 10,
				'lockout_minutes' => 15,
			)
		);
		$this->assertSame( 100, Twofa_Settings::get( 'permanent_lock_after' ), 'the default' );
		$this->assertInstanceOf( WP_Error::class, Twofa_Settings::validate( array( 'permanent_lock_after' => 101 ) ), 'at most 100' );
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		$start  = time();
		// 98 failures in a row so far, the last lockout over.
		update_user_meta( $user['id'], Twofa_User_State::FAILURES, '98' );
		update_user_meta( $user['id'], Twofa_User_State::LAST_FAILURE, (string) ( $start - 3600 ) );
		update_user_meta( $user['id'], Twofa_User_State::LOCKED_UNTIL, (string) ( $start - 1 ) );
		$expire = static function () use ( $wpdb, $user ): void {
			// The 15-minute lockout runs out (moved in the database, as time would).
			$wpdb->update( $wpdb->usermeta, array( 'meta_value' => (string) ( time() - 1 ) ), array( 'user_id' => $user['id'], 'meta_key' => Twofa_User_State::LOCKED_UNTIL ) );
		};

		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->submit_code( $client, 'totp', $this->wrong_totp( $secret ) );
		$this->assertStringContainsString( 'Try again in 15 minutes', $this->error_text( $client ), 'failure 99: the usual lockout' );
		$expire();
		$this->submit_code( $client, 'totp', $this->wrong_totp( $secret ) );
		$this->assertSame( '100', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
		$this->assertStringContainsString( 'until a site administrator unlocks it', $this->error_text( $client ), 'failure 100: locked for good' );

		// After the lockout window a correct code is still refused, and not used up.
		$expire();
		Twofa_Clock::set( time() + 16 * MINUTE_IN_SECONDS );
		$this->assertSame( Twofa_Lockout::PERMANENT, Twofa_Lockout::locked_for( $user['id'] ), 'still locked 16 minutes on' );
		Twofa_Clock::set( null );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		$this->assertStringContainsString( 'until a site administrator unlocks it', $this->error_text( $client ) );
		$this->assertFalse( $client->has_login_cookie() );
		$this->assertSame( '-1', (string) $this->meta( $user['id'], Twofa_Provider_Totp::LAST_STEP ) );
		$fresh = new Http_Client();
		$this->password_step( $fresh, $user );
		$this->assertStringContainsString( 'until a site administrator unlocks it', $this->error_text( $fresh ), 'a new password step is locked too' );

		// One event; the user and the site's administration address were told.
		$row = $this->events_of( $user['id'], Twofa_Events::LOCKOUT );
		$this->assertSame( 'failures=100 permanent=yes', end( $row )['details'] );
		$this->assertCount( 1, array_filter( $row, static fn( $r ) => false !== strpos( $r['details'], 'permanent' ) ) );
		$told = $this->latest_mail( $user['email'], $start - 1 );
		$this->assertNotNull( $told );
		$this->assertStringContainsString( 'until a site administrator unlocks it', quoted_printable_decode( $told ) );
		$admin = $this->latest_mail( (string) get_option( 'admin_email' ), $start - 1 );
		$this->assertNotNull( $admin, 'the administration address is told' );
		$this->assertStringContainsString( $user['login'], quoted_printable_decode( $admin ) );

		// Unlocking needs the capability and the nonce.
		$editor = $this->make_user( 'editor' );
		$other  = $this->client_for( $editor['id'] );
		$other->post( '/wp-admin/admin-post.php', array( 'action' => Twofa_Reset_Screen::UNLOCK_ACTION, 'twofa_unlock_user_id' => (string) $user['id'], 'twofa_unlock_nonce' => 'x' ) );
		$this->assertSame( 403, $other->last['status'] );
		$admin_user = $this->make_user( 'administrator' );
		$admin_http = $this->client_for( $admin_user['id'] );
		$admin_http->post( '/wp-admin/admin-post.php', array( 'action' => Twofa_Reset_Screen::UNLOCK_ACTION, 'twofa_unlock_user_id' => (string) $user['id'], 'twofa_unlock_nonce' => 'x' ) );
		$this->assertSame( 403, $admin_http->last['status'], 'no nonce, no unlock' );
		$this->assertSame( Twofa_Lockout::PERMANENT, Twofa_Lockout::locked_for( $user['id'] ) );

		// The administrator's Unlock button on the user's profile.
		$profile = $admin_http->get( '/wp-admin/user-edit.php?user_id=' . $user['id'] )['body'];
		$this->assertStringContainsString( 'form="' . Twofa_Reset_Screen::UNLOCK_FORM . '"', $profile, 'the Unlock button' );
		$fields = $this->hidden_fields( $profile, '//form[@id="' . Twofa_Reset_Screen::UNLOCK_FORM . '"]' );
		$this->assertSame( (string) $user['id'], $fields['twofa_unlock_user_id'] ?? '' );
		$admin_http->post( '/wp-admin/admin-post.php', $fields );
		$this->assertSame( 302, $admin_http->last['status'] );
		$this->assertStringContainsString( 'twofa=unlocked', $admin_http->location() );
		$this->assertSame( 0, Twofa_Lockout::locked_for( $user['id'] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
		$unlock = $this->assertOneEvent( $user['id'], Twofa_Events::UNLOCK );
		$this->assertSame( (string) $admin_user['id'], $unlock['actor_id'] );
		$this->assertSame( 'was_locked=yes permanent=yes', $unlock['details'] );

		$this->password_step( $fresh, $user );
		$this->submit_code( $fresh, 'totp', $this->totp( $secret ) );
		$this->assertLoggedIn( $fresh, $user );
	}

	/**
	 * The hidden fields of the first form matching $xpath in $html.
	 *
	 * @param string $html  Page.
	 * @param string $xpath XPath of the form.
	 * @return array<string,string>
	 */
	private function hidden_fields( string $html, string $xpath ): array {
		$doc = new DOMDocument();
		libxml_use_internal_errors( true );
		$doc->loadHTML( $html );
		libxml_clear_errors();
		$path  = new DOMXPath( $doc );
		$forms = $path->query( $xpath );
		$this->assertGreaterThan( 0, $forms->length, 'the form ' . $xpath );
		$out = array();
		foreach ( $path->query( './/input[@type="hidden"]', $forms->item( 0 ) ) as $input ) {
			$out[ $input->getAttribute( 'name' ) ] = $input->getAttribute( 'value' );
		}
		return $out;
	}

	/**
	 * Changes one field of a JSON user meta value in the database.
	 *
	 * @param int    $user_id User ID.
	 * @param string $key     Meta key.
	 * @param string $field   Field.
	 * @param mixed  $value   New value.
	 */
	private function meta_set( int $user_id, string $key, string $field, $value ): void {
		$record           = json_decode( (string) $this->meta( $user_id, $key ), true );
		$record[ $field ] = $value;
		update_user_meta( $user_id, $key, wp_slash( (string) wp_json_encode( $record ) ) );
	}
}
