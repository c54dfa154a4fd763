<?php
/**
 * Configure 2FA → Passkeys, over HTTP against the served site (as http://localhost:PORT) and
 * the real sidecar, with the software authenticator.
 */

require_once __DIR__ . '/class-configure-testcase.php';
require_once dirname( __DIR__ ) . '/support/trait-passkey-helpers.php';
require_once dirname( __DIR__ ) . '/support/trait-database-conflicts.php';

/**
 * Add (begin → authenticator → finish with a name), Rename, a second passkey, Remove with
 * re-authentication, the notices and events; the AJAX endpoints' refusals.
 */
final class PasskeyConfigureTest extends Configure_TestCase {

	use Passkey_Helpers;
	use Database_Conflicts;

	protected function tearDown(): void {
		$this->drop_triggers();
		parent::tearDown();
	}

	/**
	 * The Add form's nonce from the card.
	 *
	 * @param string $html Configure 2FA page.
	 */
	private function add_nonce( string $html ): string {
		$nodes = $this->xpath( $html )->query( '//*[@id="twofa-card-passkey"]//*[@data-twofa-passkey="create"]' );
		$this->assertSame( 1, $nodes->length, 'the card has the Add form' );
		return (string) $nodes->item( 0 )->getAttribute( 'data-nonce' );
	}

	/**
	 * One admin-ajax request; the decoded JSON and the status.
	 *
	 * @param Http_Client         $client Client.
	 * @param array<string,mixed> $fields Fields.
	 * @return array{status:int, json:mixed}
	 */
	private function ajax( Http_Client $client, array $fields ): array {
		$response = $client->post( '/wp-admin/admin-ajax.php', $fields );
		return array(
			'status' => $response['status'],
			'json'   => json_decode( $response['body'], true ),
		);
	}

	/**
	 * Begin over AJAX: options and state id.
	 *
	 * @param Http_Client $client Client.
	 * @param string      $nonce  Add nonce.
	 * @return array{options:string, state_id:string}
	 */
	private function begin( Http_Client $client, string $nonce ): array {
		$begin = $this->ajax( $client, array( 'action' => 'twofa_passkey_register_begin', '_ajax_nonce' => $nonce ) );
		$this->assertSame( 200, $begin['status'], 'begin answers 200: ' . wp_json_encode( $begin['json'] ) );
		$this->assertTrue( $begin['json']['success'] );
		$this->assertStringNotContainsString( 'tf1.', wp_json_encode( $begin['json'] ), 'the sealed state stays on the server' );
		return $begin['json']['data'];
	}

	/**
	 * Finish over AJAX.
	 *
	 * @param Http_Client $client   Client.
	 * @param string      $nonce    Add nonce.
	 * @param string      $state_id State id.
	 * @param string      $response Credential JSON.
	 * @param string      $name     Name.
	 */
	private function finish( Http_Client $client, string $nonce, string $state_id, string $response, string $name ): array {
		return $this->ajax(
			$client,
			array(
				'action'      => 'twofa_passkey_register_finish',
				'_ajax_nonce' => $nonce,
				'state_id'    => $state_id,
				'response'    => $response,
				'name'        => $name,
			)
		);
	}

	/**
	 * Adds a passkey through the page like the browser's script does.
	 *
	 * @param Http_Client $client  Client.
	 * @param int         $user_id User ID.
	 * @param string      $name    Name.
	 */
	private function add_over_http( Http_Client $client, int $user_id, string $name ): SoftAuthenticator {
		$nonce  = $this->add_nonce( $this->open_page( $client, $user_id ) );
		$begin  = $this->begin( $client, $nonce );
		$auth   = $this->authenticator();
		$finish = $this->finish( $client, $nonce, $begin['state_id'], $auth->register( $begin['options'] ), $name );
		$this->assertSame( 200, $finish['status'], 'finish answers 200: ' . wp_json_encode( $finish['json'] ) );
		$this->assertTrue( $finish['json']['success'] );
		return $auth;
	}

	public function test_add_rename_second_and_remove_with_reauthentication(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->localhost_session( $user['id'] );
		$mails  = $this->mail_count( $user['email'] );

		$html = $this->open_page( $client, $user['id'] );
		$this->assertSame( 'Not configured', $this->card_status( $html, 'passkey' ) );
		$this->add_over_http( $client, $user['id'], 'Laptop <b>' );

		$list = Twofa_Passkeys::list_for_user( $user['id'] );
		$this->assertCount( 1, $list );
		$this->assertSame( 'Laptop', $list[0]['name'], 'the name is stored as plain text' );
		$this->assertSame( 0, $list[0]['last_used_at'] );
		$this->assertSame( '1', $this->db_meta( $user['id'], Twofa_Passkeys::COUNT_KEY ), 'the configured key counts the passkey' );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertNotNull( Twofa_Passkeys::user_handle( $user['id'] ), 'the user handle is kept' );
		$this->assertOneEvent( $user['id'], Twofa_Events::PASSKEY_ADDED, 'passkey' );
		$this->assertOneEvent( $user['id'], Twofa_Events::METHOD_CONFIGURED, 'passkey' );
		$notices = $this->sidecar_names_passkeys();
		$this->assertSame( $mails + ( $notices ? 1 : 0 ), $this->mail_count( $user['email'] ), 'a notice is mailed when a passkey is added' );

		$html = $this->open_page( $client, $user['id'] );
		$this->assertSame( 'Primary', $this->card_status( $html, 'passkey' ), 'the first method becomes primary' );
		$card = $this->card_text( $html, 'passkey' );
		$this->assertStringContainsString( 'Laptop', $card );
		$this->assertStringContainsString( 'Never', $card, 'never used yet' );
		$this->assertStringContainsString( 'The passkey was added.', $this->messages( $html ) );
		if ( ! $notices ) {
			// A sidecar whose templates do not name passkeys refuses the notice: the change stands and the page says so.
			$this->assertStringContainsString( 'We could not email you a notice', $this->messages( $html ) );
		}

		// Rename.
		$id   = $list[0]['id'];
		$page = $this->open_page( $client, $user['id'], array( 'method' => 'passkey', 'step' => 'rename', 'passkey' => (string) $id ) );
		$done = $this->submit( $client, $page, 'passkey_rename', array( 'passkey_name' => 'Work laptop' ) );
		$this->assertStringContainsString( 'renamed', $this->messages( $done['body'] ) );
		$this->assertSame( 'Work laptop', Twofa_Passkeys::get( $user['id'], $id )['name'] );

		// A second passkey next to the first; the same authenticator again is refused by the extension (excluded).
		$second = $this->add_over_http( $client, $user['id'], 'Phone' );
		$this->assertCount( 2, Twofa_Passkeys::list_for_user( $user['id'] ) );
		$this->assertSame( '2', $this->db_meta( $user['id'], Twofa_Passkeys::COUNT_KEY ) );
		$this->assertCount( 2, $this->events_of( $user['id'], Twofa_Events::PASSKEY_ADDED ) );
		$this->assertCount( 1, $this->events_of( $user['id'], Twofa_Events::METHOD_CONFIGURED ), 'the method was configured once' );
		$this->assertSame( $mails + ( $notices ? 2 : 0 ), $this->mail_count( $user['email'] ) );
		unset( $second );

		// Remove the second one: without the password nothing happens.
		$phone = Twofa_Passkeys::list_for_user( $user['id'] )[1];
		$page  = $this->open_page( $client, $user['id'], array( 'method' => 'passkey', 'step' => 'delete', 'passkey' => (string) $phone['id'] ) );
		$done  = $this->submit( $client, $page, 'passkey_remove', array( 'twofa_confirm_remove' => '1' ) );
		$this->assertStringContainsString( 'confirm it is you', $this->messages( $done['body'] ) );
		$this->assertCount( 2, Twofa_Passkeys::list_for_user( $user['id'] ), 'nothing removed without re-authentication' );
		$done = $this->submit( $client, $page, 'passkey_remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => 'wrong' . $user['password'] ) );
		$this->assertCount( 2, Twofa_Passkeys::list_for_user( $user['id'] ), 'nothing removed with a wrong password' );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ), 'the wrong password counts' );
		delete_user_meta( $user['id'], Twofa_User_State::FAILURES );

		$done = $this->submit( $client, $page, 'passkey_remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => $user['password'] ) );
		$this->assertStringContainsString( 'The passkey was removed.', $this->messages( $done['body'] ) );
		$left = Twofa_Passkeys::list_for_user( $user['id'] );
		$this->assertCount( 1, $left );
		$this->assertSame( 'Work laptop', $left[0]['name'], 'the other passkey stays' );
		$this->assertOneEvent( $user['id'], Twofa_Events::PASSKEY_REMOVED, 'passkey' );
		$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::METHOD_REMOVED ), 'the method stays' );
		$this->assertSame( $mails + ( $notices ? 3 : 0 ), $this->mail_count( $user['email'] ), 'a notice is mailed when a passkey is removed' );
		$this->assertSame( 'passkey', Twofa_User_State::primary( $user['id'] ) );

		// The last one: the method goes with it.
		$page = $this->open_page( $client, $user['id'], array( 'method' => 'passkey', 'step' => 'delete', 'passkey' => (string) $left[0]['id'] ) );
		$done = $this->submit( $client, $page, 'passkey_remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => $user['password'] ) );
		$this->assertSame( array(), Twofa_Passkeys::list_for_user( $user['id'] ) );
		$this->assertNull( $this->db_meta( $user['id'], Twofa_Passkeys::COUNT_KEY ), 'no passkey: not configured' );
		$this->assertCount( 2, $this->events_of( $user['id'], Twofa_Events::PASSKEY_REMOVED ) );
		$this->assertOneEvent( $user['id'], Twofa_Events::METHOD_REMOVED, 'passkey' );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertNull( Twofa_User_State::primary( $user['id'] ) );
		$this->assertSame( 'Not configured', $this->card_status( $done['body'], 'passkey' ) );
	}

	public function test_the_ajax_endpoints_refuse_without_changing_anything(): void {
		$user   = $this->make_user( 'subscriber' );
		$other  = $this->make_user( 'subscriber' );
		$client = $this->localhost_session( $user['id'] );
		$nonce  = $this->add_nonce( $this->open_page( $client, $user['id'] ) );

		// Logged out, without a nonce, with another user's nonce: 403 JSON, no state stored.
		$anon = $this->ajax( $this->localhost_client(), array( 'action' => 'twofa_passkey_register_begin', '_ajax_nonce' => $nonce ) );
		$this->assertContains( $anon['status'], array( 400, 403 ), 'logged out is refused' );
		$none = $this->ajax( $client, array( 'action' => 'twofa_passkey_register_begin' ) );
		$this->assertSame( 403, $none['status'] );
		$this->assertFalse( $none['json']['success'] );
		$this->assertSame( array( 'code', 'message' ), array_keys( $none['json']['data'] ), 'an error says its code and message, nothing more' );
		$other_client = $this->localhost_session( $other['id'] );
		$other_nonce  = $this->add_nonce( $this->open_page( $other_client, $other['id'] ) );
		$this->assertSame( 403, $this->ajax( $client, array( 'action' => 'twofa_passkey_register_begin', '_ajax_nonce' => $other_nonce ) )['status'] );
		$this->assertSame( 0, $this->ceremony_count( $user['id'] ) );

		// A response for another origin, a tampered one, garbage: 400, nothing stored, the state used up.
		$begin = $this->begin( $client, $nonce );
		$this->assertSame( 1, $this->ceremony_count( $user['id'] ) );
		$evil  = new SoftAuthenticator( 'http://localhost:1' );
		$wrong = $this->finish( $client, $nonce, $begin['state_id'], $evil->register( $begin['options'] ), 'Evil' );
		$this->assertSame( 400, $wrong['status'] );
		$this->assertSame( 'twofa_passkey_refused', $wrong['json']['data']['code'] );
		$this->assertSame( 0, $this->ceremony_count( $user['id'] ), 'a failed finish used the state up' );
		$again = $this->finish( $client, $nonce, $begin['state_id'], $this->authenticator()->register( $begin['options'] ), 'Again' );
		$this->assertSame( 'twofa_passkey_expired', $again['json']['data']['code'], 'a state is accepted once' );

		$begin   = $this->begin( $client, $nonce );
		$garbage = $this->finish( $client, $nonce, $begin['state_id'], '{"id": 1}', 'Bad' );
		$this->assertSame( 400, $garbage['status'] );
		$this->assertStringNotContainsString( 'Twofa', wp_json_encode( $garbage['json'] ), 'no exception names leak' );

		// Another user's state id with this user's nonce.
		$theirs       = $this->begin( $other_client, $other_nonce );
		$cross        = $this->finish( $client, $nonce, $theirs['state_id'], $this->authenticator()->register( $theirs['options'] ), 'Theirs' );
		$this->assertSame( 400, $cross['status'] );

		$this->assertSame( array(), Twofa_Passkeys::list_for_user( $user['id'] ) );
		$this->assertSame( array(), Twofa_Passkeys::list_for_user( $other['id'] ) );
		$this->assertSame( array(), $this->events_of( $user['id'], Twofa_Events::PASSKEY_ADDED ) );
	}

	public function test_one_state_finished_by_several_requests_at_once_adds_one_passkey(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->localhost_session( $user['id'] );
		$nonce  = $this->add_nonce( $this->open_page( $client, $user['id'] ) );
		$begin  = $this->begin( $client, $nonce );
		$posts  = array();
		// Four different authenticators answer the same ceremony: only the DELETE of the state decides.
		for ( $i = 0; $i < 4; $i++ ) {
			$posts[] = array(
				'url'    => $client->base . '/wp-admin/admin-ajax.php',
				'cookie' => $client->cookie_header(),
				'fields' => array(
					'action'      => 'twofa_passkey_register_finish',
					'_ajax_nonce' => $nonce,
					'state_id'    => $begin['state_id'],
					'response'    => $this->authenticator()->register( $begin['options'] ),
					'name'        => 'Key ' . $i,
				),
			);
		}
		$statuses = array_column( Http_Client::parallel_posts( $posts ), 'status' );
		sort( $statuses );
		$this->assertSame( array( 200, 400, 400, 400 ), $statuses, 'one finish passes' );
		$this->assertCount( 1, Twofa_Passkeys::list_for_user( $user['id'] ), 'one passkey from one ceremony' );
		$this->assertOneEvent( $user['id'], Twofa_Events::PASSKEY_ADDED, 'passkey' );
	}

	public function test_a_refused_state_delete_answers_503_try_again_and_the_same_answer_then_adds_once(): void {
		$user     = $this->make_user( 'subscriber' );
		$client   = $this->localhost_session( $user['id'] );
		$nonce    = $this->add_nonce( $this->open_page( $client, $user['id'] ) );
		$begin    = $this->begin( $client, $nonce );
		$response = $this->authenticator()->register( $begin['options'] );

		$this->conflict_on_rows( Twofa_Passkey_Ceremonies::table(), 'DELETE', $user['id'] );
		$busy = $this->finish( $client, $nonce, $begin['state_id'], $response, 'Laptop' );
		$this->assertSame( 503, $busy['status'], 'not decided: a server condition, not a bad request' );
		$this->assertSame( Twofa_User_State::BUSY, $busy['json']['data']['code'] );
		$this->assertStringNotContainsString( 'Deadlock', wp_json_encode( $busy['json'] ) );
		$this->assertSame( array(), Twofa_Passkeys::list_for_user( $user['id'] ), 'nothing stored' );
		$this->assertSame( 1, $this->ceremony_count( $user['id'] ), 'the state is still there' );

		$this->drop_triggers();
		$done = $this->finish( $client, $nonce, $begin['state_id'], $response, 'Laptop' );
		$this->assertSame( 200, $done['status'], wp_json_encode( $done['json'] ) );
		$this->assertCount( 1, Twofa_Passkeys::list_for_user( $user['id'] ) );
		$this->assertSame( 'twofa_passkey_expired', $this->finish( $client, $nonce, $begin['state_id'], $response, 'Laptop' )['json']['data']['code'], 'once' );
		$this->assertOneEvent( $user['id'], Twofa_Events::PASSKEY_ADDED, 'passkey' );
	}
}
