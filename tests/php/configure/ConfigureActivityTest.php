<?php
/**
 * The activity log from Configure 2FA, over HTTP: each change is recorded once, with the
 * user, the method, the address and browser, and shown in the user's Recent activity.
 */

require_once __DIR__ . '/class-configure-testcase.php';

final class ConfigureActivityTest extends Configure_TestCase {

	const UA = 'twofa-activity-test/1.0 (configure)';

	/**
	 * GET with the test's user agent.
	 *
	 * @param Http_Client          $client  Client.
	 * @param int                  $user_id User ID.
	 * @param array<string,string> $args    Query.
	 */
	private function page( Http_Client $client, int $user_id, array $args = array() ): string {
		$response = $client->get( $this->page_path( $user_id, $args ), array( 'User-Agent' => self::UA ) );
		$this->assertSame( 200, $response['status'] );
		return $response['body'];
	}

	/**
	 * Posts one form of a page with the test's user agent and follows the redirect.
	 *
	 * @param Http_Client          $client Client.
	 * @param string               $html   Page.
	 * @param string               $action twofa_action.
	 * @param array<string,string> $extra  Fields.
	 */
	private function post( Http_Client $client, string $html, string $action, array $extra = array() ): string {
		$fields = $this->form_fields( $html, $action );
		$this->assertNotNull( $fields, "the page has a $action form" );
		$client->post( '/wp-admin/admin-post.php', $extra + $fields, array( 'User-Agent' => self::UA ) );
		$this->assertSame( 302, $client->last['status'], "$action redirects" );
		$client->get( $client->location(), array( 'User-Agent' => self::UA ) );
		return $client->last['body'];
	}

	public function test_configure_reconfigure_primary_and_remove_are_each_recorded_once(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$this->assertSame( array(), $this->event_names( $user['id'] ), 'a new user has no events' );

		// Configure the authenticator: a wrong code first (not an event: setup codes are not
		// login attempts), then the right one.
		$setup  = $this->post( $client, $this->page( $client, $user['id'] ), 'totp_begin' );
		$secret = $this->shown_secret( $setup );
		$this->post( $client, $setup, 'totp_verify', array( 'twofa_code' => str_pad( (string) ( ( (int) twofa_totp_code( $secret, time() ) + 1 ) % 1000000 ), 6, '0', STR_PAD_LEFT ) ) );
		$this->assertSame( array(), $this->event_names( $user['id'] ), 'a wrong setup code records nothing' );
		$this->post( $client, $setup, 'totp_verify', array( 'twofa_code' => twofa_totp_code( $secret, time() ) ) );
		$row = $this->assertOneEvent( $user['id'], Twofa_Events::METHOD_CONFIGURED, 'totp' );
		$this->assertSame( (string) $user['id'], $row['actor_id'], 'the user did it' );
		$this->assertSame( 'web', $row['via'] );
		$this->assertSame( '127.0.0.1', $row['ip'] );
		$this->assertSame( self::UA, $row['user_agent'] );
		$this->assertEqualsWithDelta( time(), (int) $row['created_at'], 10 );

		// Reconfigure: a new key, verified.
		$again   = $this->post( $client, $this->page( $client, $user['id'] ), 'totp_begin' );
		$secret2 = $this->shown_secret( $again );
		$this->assertNotSame( $secret, $secret2 );
		$code = twofa_totp_code( $secret2, time() );
		$this->post( $client, $again, 'totp_verify', array( 'twofa_code' => $code ) );
		$this->assertOneEvent( $user['id'], Twofa_Events::METHOD_RECONFIGURED, 'totp' );
		$this->assertOneEvent( $user['id'], Twofa_Events::METHOD_CONFIGURED, 'totp' );

		// A second method (seeded), then Set as primary.
		$this->give_email( $user['id'] );
		$this->assertCount( 2, $this->events_of( $user['id'], Twofa_Events::METHOD_CONFIGURED ) );
		$page = $this->page( $client, $user['id'] );
		$this->post( $client, $page, 'set_primary', array( 'method' => 'email' ) );
		$this->assertOneEvent( $user['id'], Twofa_Events::PRIMARY_CHANGED, 'email' );
		// Setting the primary it already is records nothing more.
		wp_cache_delete( $user['id'], 'user_meta' );
		Twofa_User_State::set_primary( $user['id'], 'email' );
		$this->assertCount( 1, $this->events_of( $user['id'], Twofa_Events::PRIMARY_CHANGED ) );

		// Remove: refused attempts record nothing; the removal is recorded once.
		$remove = $this->page( $client, $user['id'], array( 'method' => 'email', 'step' => 'remove' ) );
		$this->post( $client, $remove, 'remove', array( 'twofa_password' => $user['password'] ) );
		$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::METHOD_REMOVED ), 'an unconfirmed removal records nothing' );
		$this->post( $client, $remove, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => $user['password'] ) );
		$row = $this->assertOneEvent( $user['id'], Twofa_Events::METHOD_REMOVED, 'email' );
		$this->assertSame( (string) $user['id'], $row['actor_id'] );

		// No row holds the secret, the code or the password.
		foreach ( $this->events_of( $user['id'] ) as $event ) {
			$flat = implode( '|', $event );
			$this->assertStringNotContainsString( $secret, $flat );
			$this->assertStringNotContainsString( $secret2, $flat );
			$this->assertStringNotContainsString( $code, $flat );
			$this->assertStringNotContainsString( $user['password'], $flat );
		}
	}

	public function test_email_configured_then_reconfigured(): void {
		if ( ! $this->sidecar_running() ) {
			$this->fail( 'the sidecar of the test stack is not running' );
		}
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		foreach ( array( Twofa_Events::METHOD_CONFIGURED, Twofa_Events::METHOD_RECONFIGURED ) as $expected ) {
			$confirm = $this->page( $client, $user['id'], array( 'method' => 'email', 'step' => 'confirm' ) );
			$before  = glob( getenv( 'TWOFA_OUTBOX' ) . '/*.eml' ) ?: array();
			$sent    = $this->post( $client, $confirm, 'email_send', array( 'twofa_confirm_email' => '1' ) );
			$this->assertStringContainsString( 'We sent a 6-digit code', $this->messages( $sent ) );
			$code = '';
			clearstatcache();
			foreach ( array_diff( glob( getenv( 'TWOFA_OUTBOX' ) . '/*.eml' ) ?: array(), $before ) as $file ) {
				$text = quoted_printable_decode( (string) file_get_contents( $file ) );
				if ( false !== strpos( $text, $user['email'] ) && preg_match( '/\b(\d{6})\b/', $text, $m ) ) {
					$code = $m[1];
				}
			}
			$this->assertMatchesRegularExpression( '/^\d{6}$/', $code, 'the code was mailed' );
			$this->post( $client, $sent, 'email_verify', array( 'twofa_code' => $code ) );
			$this->assertOneEvent( $user['id'], $expected, 'email' );
			foreach ( $this->events_of( $user['id'] ) as $event ) {
				$this->assertStringNotContainsString( $code, implode( '|', $event ), 'the mailed code is in no row' );
			}
			// The next code may be sent only after the cooldown: move the stored send time back.
			$record            = json_decode( (string) $this->db_meta( $user['id'], Twofa_Provider_Email::CODE ), true );
			$record['sent_at'] = time() - 3600;
			update_user_meta( $user['id'], Twofa_Provider_Email::CODE, wp_slash( wp_json_encode( $record ) ) );
		}
		$this->assertSame( array( Twofa_Events::METHOD_CONFIGURED, Twofa_Events::METHOD_RECONFIGURED ), $this->event_names( $user['id'] ) );
	}

	public function test_administrator_reset_is_recorded_once_with_who_did_it(): void {
		$admin  = $this->make_user( 'administrator' );
		$target = $this->make_user( 'subscriber' );
		$this->give_totp( $target['id'] );
		$this->give_email( $target['id'] );
		$before = count( $this->events_of( $target['id'] ) );

		$client  = $this->client_for( $admin['id'] );
		$confirm = $client->get( '/wp-admin/admin.php?page=twofa-reset-user&user_id=' . $target['id'] );
		$nonce   = $this->xpath( $confirm['body'] )->query( '//input[@name="twofa_reset_nonce"]' )->item( 0 )->getAttribute( 'value' );
		$base    = array(
			'action'              => 'twofa_reset_user',
			'twofa_reset_user_id' => (string) $target['id'],
			'twofa_reset_nonce'   => $nonce,
		);
		$client->post( '/wp-admin/admin-post.php', $base );
		$client->post( '/wp-admin/admin-post.php', array( 'twofa_reset_confirm' => '1', 'twofa_reset_nonce' => 'abcdef1234' ) + $base );
		$this->assertSame( array(), $this->events_of( $target['id'], Twofa_Events::RESET ), 'refused resets record nothing' );

		$client->post( '/wp-admin/admin-post.php', array( 'twofa_reset_confirm' => '1' ) + $base );
		$this->assertSame( 302, $client->last['status'] );
		$row = $this->assertOneEvent( $target['id'], Twofa_Events::RESET );
		$this->assertSame( (string) $admin['id'], $row['actor_id'], 'the administrator is recorded' );
		$this->assertSame( 'methods=totp,email', $row['details'] );
		$this->assertCount( $before + 1, $this->events_of( $target['id'] ), 'a reset is one event, not one per method' );

		// The user sees it in Recent activity, without the administrator's login.
		$html = $this->page( $this->client_for( $target['id'] ), $target['id'] );
		$box  = $this->recent_rows( $html );
		$this->assertSame( 'reset', $box[0]['event'] );
		$this->assertStringContainsString( 'Reset by an administrator', $box[0]['text'] );
		$this->assertStringNotContainsString( $admin['login'], $html );
	}

	public function test_recent_activity_shows_the_users_own_last_20_events(): void {
		$user  = $this->make_user( 'subscriber' );
		$other = $this->make_user( 'subscriber' );
		$this->give_totp( $other['id'] );
		$html = $this->page( $this->client_for( $user['id'] ), $user['id'] );
		$this->assertStringContainsString( 'Recent activity', $html );
		$this->assertStringContainsString( 'No two-factor activity yet.', $html );

		$_SERVER['HTTP_USER_AGENT'] = 'seeded <b>agent</b>';
		for ( $i = 0; $i < 25; $i++ ) {
			Twofa_Clock::set( time() - 1000 + $i );
			Twofa_Events::record( 0 === $i % 2 ? Twofa_Events::LOGIN_PASSED : Twofa_Events::CODE_REFUSED, $user['id'], array( 'method' => 'totp', 'actor' => $user['id'] ) );
		}
		Twofa_Clock::set( null );
		unset( $_SERVER['HTTP_USER_AGENT'] );

		$html = $this->page( $this->client_for( $user['id'] ), $user['id'] );
		$rows = $this->recent_rows( $html );
		$this->assertCount( 20, $rows, 'the last 20' );
		$this->assertSame( 'login_passed', $rows[0]['event'], 'newest first (the 25th event)' );
		$this->assertSame( 'code_refused', $rows[1]['event'] );
		$this->assertStringContainsString( 'Login passed', $rows[0]['text'] );
		$this->assertStringContainsString( 'Google Authenticator', $rows[0]['text'] );
		$this->assertStringContainsString( 'seeded agent', $rows[0]['text'], 'the agent is shown as text' );
		$this->assertStringNotContainsString( '<b>agent</b>', $html, 'never as markup' );
		$this->assertStringNotContainsString( 'Method configured', $this->recent_text( $html ), "another user's events are not shown" );
	}

	/**
	 * Rows of the Recent activity table: event and text.
	 *
	 * @param string $html Page.
	 * @return array<int,array{event:string,text:string}>
	 */
	private function recent_rows( string $html ): array {
		$out = array();
		foreach ( $this->xpath( $html )->query( '//*[@id="twofa-recent-activity"]//tbody/tr' ) as $tr ) {
			$out[] = array(
				'event' => $tr->getAttribute( 'data-event' ),
				'text'  => trim( preg_replace( '/\s+/', ' ', $tr->textContent ) ),
			);
		}
		return $out;
	}

	/**
	 * The text of the Recent activity box.
	 *
	 * @param string $html Page.
	 */
	private function recent_text( string $html ): string {
		$nodes = $this->xpath( $html )->query( '//*[@id="twofa-recent-activity"]' );
		return $nodes->length ? $nodes->item( 0 )->textContent : '';
	}
}
