<?php
/**
 * Configure 2FA: nonces, acting on others, roles, Remove, Set as primary,
 * the administrator's reset, the environment notice.
 */

require_once __DIR__ . '/class-configure-testcase.php';

/**
 * Every state change checks a nonce, the capability and the user it acts on.
 */
final class ConfigureSecurityTest extends Configure_TestCase {

	public function test_missing_nonce_is_refused_and_changes_nothing(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$fields = $this->form_fields( $this->open_page( $client, $user['id'] ), 'totp_begin' );
		unset( $fields['_wpnonce'] );
		$response = $this->post_fields( $client, $fields );
		$this->assertSame( 403, $response['status'] );
		$this->assertStringContainsString( 'The link you followed has expired.', $response['body'] );
		$this->assertNull( $this->db_meta( $user['id'], Twofa_Provider_Totp::PENDING ) );
	}

	public function test_wrong_nonce_is_refused_and_changes_nothing(): void {
		$user   = $this->make_user( 'subscriber' );
		$this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$html   = $this->open_page( $client, $user['id'] );
		$fields = $this->form_fields( $html, 'set_primary' );
		$this->assertNotNull( $fields );

		// Another action's nonce, and a made-up one.
		$begin = $this->form_fields( $html, 'totp_begin' );
		foreach ( array( $begin['_wpnonce'], 'abcdef1234', '' ) as $nonce ) {
			$response = $this->post_fields( $client, array( '_wpnonce' => $nonce ) + $fields );
			$this->assertSame( 403, $response['status'], 'nonce ' . $nonce );
		}
		$this->assertSame( 'totp', $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );

		// The right one works (so the refusals above were about the nonce).
		$ok = $this->post_fields( $client, $fields );
		$this->assertSame( 302, $ok['status'] );
		$this->assertStringContainsString( 'OTP over Email is now your primary method.', $this->messages( $ok['body'] ) );
		$this->assertSame( 'email', $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );
		$this->assertSame( 'Primary', $this->card_status( $ok['body'], 'email' ) );
		$this->assertSame( 'Configured', $this->card_status( $ok['body'], 'totp' ) );
	}

	public function test_a_user_cannot_act_on_another_users_id(): void {
		$alice = $this->make_user( 'subscriber' );
		$bob   = $this->make_user( 'subscriber' );
		$this->give_totp( $bob['id'] );
		$this->give_email( $bob['id'] );
		$client = $this->client_for( $alice['id'] );

		// Alice's own valid nonce with Bob's id.
		$fields            = $this->form_fields( $this->open_page( $client, $alice['id'] ), 'totp_begin' );
		$fields['user_id'] = (string) $bob['id'];
		$response          = $this->post_fields( $client, $fields );
		$this->assertSame( 403, $response['status'] );
		$this->assertStringContainsString( 'You can only change your own two-factor settings.', $response['body'] );
		$this->assertNull( $this->db_meta( $bob['id'], Twofa_Provider_Totp::PENDING ) );
		$this->assertNull( $this->db_meta( $alice['id'], Twofa_Provider_Totp::PENDING ) );

		// Bob's nonce (made for Bob's session) in Alice's session.
		$bob_client = $this->client_for( $bob['id'] );
		$bob_fields = $this->form_fields( $this->open_page( $bob_client, $bob['id'] ), 'set_primary' );
		$response   = $this->post_fields( $client, $bob_fields );
		$this->assertSame( 403, $response['status'] );
		$this->assertSame( 'totp', $this->meta( $bob['id'], Twofa_User_State::PRIMARY ) );

		// Alice cannot reach Bob's reset either.
		$reset = $client->get( '/wp-admin/admin.php?page=twofa-reset-user&user_id=' . $bob['id'] );
		$this->assertSame( 403, $reset['status'] );
		$this->assertSame( array( 'totp', 'email' ), Twofa_User_State::configured_methods( $bob['id'] ) );
	}

	public function test_logged_out_posts_change_nothing(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$fields = $this->form_fields( $this->open_page( $client, $user['id'] ), 'totp_begin' );
		$anon   = new Http_Client();
		$anon->post( '/wp-admin/admin-post.php', $fields );
		$this->assertStringNotContainsString( 'twofa-configure', $anon->location(), 'not processed' );
		$this->assertNull( $this->db_meta( $user['id'], Twofa_Provider_Totp::PENDING ) );
		$page = $anon->get( $this->page_path( $user['id'] ) );
		$this->assertSame( 302, $page['status'], 'the page itself asks to log in' );
		$this->assertStringContainsString( 'wp-login.php', $anon->location() );
	}

	public function test_administrator_sees_the_page_under_users(): void {
		$admin  = $this->make_user( 'administrator' );
		$client = $this->client_for( $admin['id'] );
		$html   = $client->get( '/wp-admin/users.php?page=twofa-configure' );
		$this->assertSame( 200, $html['status'] );
		$this->assertSame( 'Not configured', $this->card_status( $html['body'], 'totp' ) );
		$this->assertMatchesRegularExpression( '#href=["\'][^"\']*users\.php\?page=twofa-configure["\']#', $html['body'], 'the Users menu links to it' );
		$begin = $this->submit( $client, $html['body'], 'totp_begin' );
		$this->assertStringContainsString( '/wp-admin/users.php?page=twofa-configure', $begin['location'] );
		$this->assertNotNull( $this->db_meta( $admin['id'], Twofa_Provider_Totp::PENDING ) );
	}

	public function test_remove_needs_confirmation_and_the_password(): void {
		$user = $this->make_user( 'subscriber' );
		$this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$page   = $this->open_page( $client, $user['id'], array( 'method' => 'email', 'step' => 'remove' ) );
		$this->assertStringContainsString( 'Yes, remove OTP over Email from my account.', $page );

		$no_confirm = $this->submit( $client, $page, 'remove', array( 'twofa_password' => $user['password'] ) );
		$this->assertStringContainsString( 'Please tick the box to confirm the removal.', $this->messages( $no_confirm['body'] ) );
		$no_auth = $this->submit( $client, $page, 'remove', array( 'twofa_confirm_remove' => '1' ) );
		$this->assertStringContainsString( 'enter your password or a current code', $this->messages( $no_auth['body'] ) );
		$bad_pw = $this->submit( $client, $page, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => $user['password'] . 'x' ) );
		$this->assertStringContainsString( 'The password is not right.', $this->messages( $bad_pw['body'] ) );
		$this->assertSame( '1', $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ), 'still configured' );

		$count = $this->mail_count( $user['email'] );
		$done  = $this->submit( $client, $page, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => $user['password'] ) );
		$this->assertStringContainsString( 'OTP over Email was removed.', $this->messages( $done['body'] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );
		$this->assertSame( 'Not configured', $this->card_status( $done['body'], 'email' ) );
		$this->assertSame( 'Primary', $this->card_status( $done['body'], 'totp' ) );
		$this->assertStringNotContainsString( $user['password'], $done['body'] );
		if ( $this->sidecar_running() ) {
			$this->assertSame( $count + 1, $this->mail_count( $user['email'] ), 'the user is emailed that a method was removed' );
			$this->assertStringContainsString( 'removed', (string) $this->latest_mail( $user['email'] ) );
		}
	}

	public function test_remove_with_a_current_authenticator_code_and_the_primary_moves(): void {
		$user   = $this->make_user( 'subscriber' );
		$secret = $this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$page   = $this->open_page( $client, $user['id'], array( 'method' => 'totp', 'step' => 'remove' ) );
		$done   = $this->submit( $client, $page, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_reauth_code' => twofa_totp_code( $secret, time() ) ) );
		$this->assertStringContainsString( 'Google Authenticator was removed.', $this->messages( $done['body'] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Totp::SECRET ) );
		$this->assertSame( 'email', $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );
	}

	public function test_reauth_guesses_count_towards_the_lockout(): void {
		$user = $this->make_user( 'subscriber' );
		$this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$this->set_settings( array( 'backoff_after' => 100, 'lockout_after' => 3 ) );
		$client = $this->client_for( $user['id'] );
		$page   = $this->open_page( $client, $user['id'], array( 'method' => 'email', 'step' => 'remove' ) );
		for ( $i = 0; $i < 3; $i++ ) {
			$this->submit( $client, $page, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => 'wrong-' . $i ) );
		}
		$this->assertSame( 3, Twofa_Lockout::failures( $user['id'] ) );
		$locked = $this->submit( $client, $page, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => $user['password'] ) );
		$this->assertStringContainsString( 'so it is locked', $this->messages( $locked['body'] ) );
		$this->assertSame( '1', $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ), 'even the right password is refused while locked' );
	}

	public function test_last_method_of_a_required_role_cannot_be_removed(): void {
		$user = $this->make_user( 'author' );
		$this->give_email( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$page   = $this->open_page( $client, $user['id'], array( 'method' => 'email', 'step' => 'remove' ) );
		$this->set_settings( array( 'required_roles' => array( 'author' ) ) );
		$refused = $this->submit( $client, $page, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => $user['password'] ) );
		$this->assertStringContainsString( 'Your role must use two-factor authentication.', $this->messages( $refused['body'] ) );
		$this->assertSame( '1', $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );
	}

	public function test_set_primary_refuses_an_unconfigured_method(): void {
		$user = $this->make_user( 'subscriber' );
		$this->give_totp( $user['id'] );
		$this->give_email( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$fields = $this->form_fields( $this->open_page( $client, $user['id'] ), 'set_primary' );
		Twofa_User_State::remove_method( $user['id'], 'email' );
		$response = $this->post_fields( $client, $fields );
		$this->assertStringContainsString( 'Only a configured method can be the primary one.', $this->messages( $response['body'] ) );
		$this->assertSame( 'totp', $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );
	}

	public function test_administrator_resets_another_users_2fa(): void {
		$admin  = $this->make_user( 'administrator' );
		$target = $this->make_user( 'subscriber' );
		$this->give_totp( $target['id'] );
		$this->give_email( $target['id'] );
		$target_client = $this->client_for( $target['id'] );
		$this->assertSame( 200, $target_client->get( $this->page_path( $target['id'] ) )['status'], 'the target has a session' );

		$client  = $this->client_for( $admin['id'] );
		$profile = $client->get( '/wp-admin/user-edit.php?user_id=' . $target['id'] );
		$this->assertSame( 200, $profile['status'] );
		$this->assertStringContainsString( 'Configured: Google Authenticator (primary), OTP over Email', $profile['body'] );
		$this->assertMatchesRegularExpression( '#href="[^"]*admin\.php\?page=twofa-reset-user&(amp;|\#038;)user_id=' . $target['id'] . '"#', $profile['body'] );

		$confirm = $client->get( '/wp-admin/admin.php?page=twofa-reset-user&user_id=' . $target['id'] );
		$this->assertSame( 200, $confirm['status'] );
		$this->assertMatchesRegularExpression( '#<title>Reset two-factor authentication#', $confirm['body'] );
		$this->assertStringContainsString( $target['login'], $confirm['body'] );
		$xpath = $this->xpath( $confirm['body'] );
		$nonce = $xpath->query( '//input[@name="twofa_reset_nonce"]' )->item( 0 )->getAttribute( 'value' );
		$base  = array(
			'action'              => 'twofa_reset_user',
			'twofa_reset_user_id' => (string) $target['id'],
			'twofa_reset_nonce'   => $nonce,
		);

		// Unconfirmed: nothing happens.
		$client->post( '/wp-admin/admin-post.php', $base );
		$this->assertSame( 302, $client->last['status'] );
		$this->assertStringContainsString( 'twofa=reset-unconfirmed', $client->location() );
		$this->assertSame( array( 'totp', 'email' ), Twofa_User_State::configured_methods( $target['id'] ) );

		// A wrong nonce: refused.
		$client->post( '/wp-admin/admin-post.php', array( 'twofa_reset_confirm' => '1', 'twofa_reset_nonce' => 'abcdef1234' ) + $base );
		$this->assertSame( 403, $client->last['status'] );
		wp_cache_delete( $target['id'], 'user_meta' );
		$this->assertSame( array( 'totp', 'email' ), Twofa_User_State::configured_methods( $target['id'] ) );

		$count = $this->mail_count( $target['email'] );
		$client->post( '/wp-admin/admin-post.php', array( 'twofa_reset_confirm' => '1' ) + $base );
		$this->assertSame( 302, $client->last['status'] );
		$this->assertStringContainsString( 'user-edit.php?user_id=' . $target['id'], $client->location() );
		$after = $client->get( $client->location() );
		$this->assertStringContainsString( 'Two-factor authentication was reset for this user', $after['body'] );
		wp_cache_delete( $target['id'], 'user_meta' );
		$this->assertSame( array(), Twofa_User_State::configured_methods( $target['id'] ) );
		foreach ( Twofa_User_State::all_keys() as $key ) {
			$this->assertNull( $this->db_meta( $target['id'], $key ), "$key removed" );
		}
		$this->assertSame( array(), WP_Session_Tokens::get_instance( $target['id'] )->get_all(), 'sessions destroyed' );
		$this->assertSame( 302, $target_client->get( $this->page_path( $target['id'] ) )['status'], 'the target is logged out' );
		if ( $this->sidecar_running() ) {
			$this->assertSame( $count + 1, $this->mail_count( $target['email'] ), 'the user is emailed about the reset' );
		}
	}

	public function test_only_a_site_owner_may_reset(): void {
		// A role that may edit users but is not a site owner.
		add_role( 'twofa_user_manager', 'User manager', array( 'read' => true, 'list_users' => true, 'edit_users' => true ) );
		$manager = $this->make_user( 'twofa_user_manager' );
		$target  = $this->make_user( 'subscriber' );
		$this->give_totp( $target['id'] );
		$admin = $this->make_user( 'administrator' );

		try {
			$client  = $this->client_for( $manager['id'] );
			$profile = $client->get( '/wp-admin/user-edit.php?user_id=' . $target['id'] );
			$this->assertSame( 200, $profile['status'], 'the manager can edit the user' );
			$this->assertStringNotContainsString( 'twofa-reset-user', $profile['body'], 'but sees no reset' );
			$this->assertSame( 403, $client->get( '/wp-admin/admin.php?page=twofa-reset-user&user_id=' . $target['id'] )['status'] );

			// Even with a valid nonce made for the manager's session, the action is refused.
			wp_set_current_user( $manager['id'] );
			$this->assertFalse( Twofa_Reset::current_user_can_reset( $target['id'] ) );
			$result = Twofa_Reset_Screen::process_reset(
				array(
					'twofa_reset_user_id' => (string) $target['id'],
					'twofa_reset_nonce'   => wp_create_nonce( Twofa_Reset_Screen::reset_nonce_action( $target['id'] ) ),
					'twofa_reset_confirm' => '1',
				)
			);
			$this->assertSame( 'forbidden', $result['status'] );
			$this->assertSame( array( 'totp' ), Twofa_User_State::configured_methods( $target['id'] ) );

			// An administrator may not "reset" themselves through this action either.
			wp_set_current_user( $admin['id'] );
			$this->assertTrue( Twofa_Reset::current_user_can_reset( $target['id'] ) );
			$this->assertFalse( Twofa_Reset::current_user_can_reset( $admin['id'] ) );
		} finally {
			remove_role( 'twofa_user_manager' );
		}
	}

	public function test_process_acts_only_on_the_logged_in_user(): void {
		$user  = $this->make_user( 'subscriber' );
		$other = $this->make_user( 'subscriber' );
		wp_set_current_user( $user['id'] );
		$nonce = wp_create_nonce( Twofa_Configure_Page::nonce_action( 'totp_begin', $user['id'] ) );
		$post  = array(
			'twofa_action' => 'totp_begin',
			'_wpnonce'     => $nonce,
			'user_id'      => (string) $user['id'],
		);
		$this->assertSame( 'forbidden', Twofa_Configure_Page::process( $post, $other['id'] )['status'], 'a user id other than the current user' );
		$this->assertSame( 'forbidden', Twofa_Configure_Page::process( array( 'twofa_action' => 'format_disk' ) + $post, $user['id'] )['status'] );
		$this->assertSame( 'forbidden', Twofa_Configure_Page::process( array( 'twofa_action' => array( 'x' ) ) + $post, $user['id'] )['status'] );
		$ok = Twofa_Configure_Page::process( $post, $user['id'] );
		$this->assertSame( 'ok', $ok['status'] );
		$this->assertSame( array( 'method' => 'totp', 'step' => 'setup' ), $ok['args'] );
		$this->assertNotNull( Twofa_Providers::get( 'totp' )->pending_secret( $user['id'] ) );
		$this->assertNull( $this->db_meta( $other['id'], Twofa_Provider_Totp::PENDING ) );
	}

	public function test_disabled_method_cannot_be_configured(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$html   = $this->open_page( $client, $user['id'] );
		$this->set_settings( array( 'methods' => array( 'email' ) ) );
		$refused = $this->submit( $client, $html, 'totp_begin' );
		$this->assertStringContainsString( 'This method is not enabled on this site.', $this->messages( $refused['body'] ) );
		$this->assertNull( $this->db_meta( $user['id'], Twofa_Provider_Totp::PENDING ) );
		$this->assertSame( '', $this->card_text( $refused['body'], 'totp' ), 'its card is not shown' );
	}

	public function test_environment_problem_is_explained_and_offers_no_actions(): void {
		$admin = $this->make_user( 'administrator' );
		$sub   = $this->make_user( 'subscriber' );

		// Without the extension.
		$out = $this->screens_in_php( '', $admin['id'], $sub['id'] );
		$this->assertFalse( $out['loaded'] );
		$this->assertStringContainsString( 'notice-error', $out['admin_notice'] );
		$this->assertStringContainsString( 'The twofa PHP extension is not loaded on this server.', $out['admin_notice'] );
		$this->assertSame( '', $out['subscriber_notice'], 'only site owners get the notice' );
		$this->assertStringContainsString( 'cannot be configured on this site right now', $out['page'] );
		$this->assertStringNotContainsString( '<form', $out['page'] );
		$this->assertSame( 'error', $out['process'], 'actions are refused' );
		$this->assertNull( $this->db_meta( $admin['id'], Twofa_Provider_Totp::PENDING ), 'no setup was started' );

		// With the extension but a key file that does not exist.
		$ext = (string) getenv( 'TWOFA_EXT' );
		$this->assertFileExists( $ext );
		$missing = sys_get_temp_dir() . '/twofa-no-such-key-' . bin2hex( random_bytes( 4 ) );
		$out     = $this->screens_in_php( '-d extension=' . escapeshellarg( $ext ) . ' -d twofa.key_file=' . escapeshellarg( $missing ), $admin['id'], $sub['id'] );
		$this->assertTrue( $out['loaded'] );
		$this->assertStringContainsString( 'The twofa site key cannot be used', $out['admin_notice'] );
		$this->assertStringNotContainsString( '<form', $out['page'] );
		$this->assertSame( 'error', $out['process'] );
		$this->assertNull( $this->db_meta( $admin['id'], Twofa_Provider_Totp::PENDING ), 'no setup was started' );

		// With the extension and the key (this process), the notice is silent.
		wp_set_current_user( $admin['id'] );
		$this->assertSame( '', Twofa_Admin_Notices::html() );
	}

	/**
	 * Renders the notice and the page, and tries to start a setup, in a separate
	 * PHP process with the given extension options, on the same site.
	 *
	 * @param string $php_options Extra php -d options.
	 * @param int    $admin_id    An administrator.
	 * @param int    $sub_id      A subscriber.
	 * @return array<string,mixed>
	 */
	private function screens_in_php( string $php_options, int $admin_id, int $sub_id ): array {
		$script = tempnam( sys_get_temp_dir(), 'twofa-env' );
		file_put_contents(
			$script,
			'<?php
			$parts = parse_url( getenv( "TWOFA_WP_URL" ) );
			$_SERVER["HTTP_HOST"] = $parts["host"] . ":" . $parts["port"];
			$_SERVER["REQUEST_URI"] = "/wp-admin/";
			define( "WP_ADMIN", true );
			require getenv( "TWOFA_WP_DIR" ) . "/wp-load.php";
			$out = array( "loaded" => extension_loaded( "twofa" ) );
			wp_set_current_user( (int) $argv[1] );
			$out["admin_notice"] = Twofa_Admin_Notices::html();
			ob_start(); Twofa_Configure_Page::render(); $out["page"] = ob_get_clean();
			$out["process"] = Twofa_Configure_Page::process( array( "twofa_action" => "totp_begin", "user_id" => $argv[1], "_wpnonce" => wp_create_nonce( Twofa_Configure_Page::nonce_action( "totp_begin", (int) $argv[1] ) ) ), (int) $argv[1] )["status"];
			wp_set_current_user( (int) $argv[2] );
			$out["subscriber_notice"] = Twofa_Admin_Notices::html();
			echo json_encode( $out );'
		);
		// -n: no php.ini, so the extension is loaded only when $php_options says so.
		$output = shell_exec( 'php -n -d extension=mysqlnd -d extension=mysqli ' . $php_options . ' ' . escapeshellarg( $script ) . ' ' . $admin_id . ' ' . $sub_id . ' 2>/dev/null' );
		unlink( $script );
		$out = json_decode( (string) $output, true );
		$this->assertIsArray( $out, 'the script ran: ' . substr( (string) $output, 0, 300 ) );
		return $out;
	}
}
