<?php
/**
 * Configure 2FA → Remembered devices over HTTP: the list (label, created, last used, this
 * device marked), Forget one of two devices, Forget all devices, and the forms refusing missing
 * or wrong nonces and other users' ids. A user's own forget sends no email.
 */

require_once __DIR__ . '/class-configure-testcase.php';

final class DevicesConfigureTest extends Configure_TestCase {

	protected function setUp(): void {
		parent::setUp();
		$this->set_settings( array( 'remember_devices' => true ) );
	}

	/**
	 * Remembers a device for the user in-process; returns its cookie value.
	 *
	 * @param int    $user_id User ID.
	 * @param string $ua      User agent.
	 */
	private function device( int $user_id, string $ua ): string {
		return Twofa_Devices::issue( $user_id, $ua, '192.0.2.7' )['cookie'];
	}

	/**
	 * The device rows of the list on a page: id => row text.
	 *
	 * @param string $html Page HTML.
	 * @return array<string,string>
	 */
	private function listed( string $html ): array {
		$out = array();
		foreach ( $this->xpath( $html )->query( '//tr[contains(@class,"twofa-device")]' ) as $row ) {
			$out[ $row->getAttribute( 'data-device' ) ] = trim( preg_replace( '/\s+/', ' ', $row->textContent ) );
		}
		return $out;
	}

	/**
	 * The hidden fields of the device form posting $do (for $device when given).
	 *
	 * @param string $html   Page HTML.
	 * @param string $do     forget | forget_all.
	 * @param string $device Device id ('' for any).
	 * @return array<string,string>|null
	 */
	private function device_form( string $html, string $do, string $device = '' ): ?array {
		$query = sprintf( '//form[.//input[@name="twofa_do" and @value="%s"]%s]', $do, '' !== $device ? sprintf( ' and .//input[@name="device" and @value="%s"]', $device ) : '' );
		$nodes = $this->xpath( $html )->query( $query );
		if ( ! $nodes || ! $nodes->length ) {
			return null;
		}
		$fields = array();
		foreach ( $nodes->item( 0 )->getElementsByTagName( 'input' ) as $input ) {
			$fields[ $input->getAttribute( 'name' ) ] = $input->getAttribute( 'value' );
		}
		return $fields;
	}

	public function test_the_list_marks_this_device_and_forget_removes_one_of_two(): void {
		$user  = $this->make_user();
		$this->give_totp( $user['id'] );
		$here  = $this->device( $user['id'], 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' );
		$there = $this->device( $user['id'], 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36' );
		$here_id  = explode( '.', $here )[0];
		$there_id = explode( '.', $there )[0];

		$client = $this->client_for( $user['id'] );
		$client->cookies[ Twofa_Devices::cookie_name( $user['id'] ) ] = $here;
		$before = $this->mail_count( $user['email'] );
		$page   = $this->open_page( $client, $user['id'] );
		$this->assertStringContainsString( 'Remembered devices', $page );
		$rows = $this->listed( $page );
		$this->assertCount( 2, $rows );
		$this->assertStringContainsString( 'Firefox on Linux', $rows[ $here_id ] );
		$this->assertStringContainsString( '(this device)', $rows[ $here_id ] );
		$this->assertStringContainsString( 'Chrome on Windows', $rows[ $there_id ] );
		$this->assertStringNotContainsString( '(this device)', $rows[ $there_id ] );
		$this->assertStringContainsString( '192.0.2.7', $rows[ $there_id ] );
		$this->assertStringContainsString( wp_date( (string) get_option( 'date_format' ) ), $rows[ $there_id ], 'created and last used dates' );
		$this->assertStringNotContainsString( explode( '.', $here )[1], $page, 'no token on the page' );

		$fields = $this->device_form( $page, 'forget', $there_id );
		$this->assertNotNull( $fields );
		$done = $this->post_fields( $client, $fields );
		$this->assertSame( 302, $done['status'] );
		$this->assertStringContainsString( 'The device was forgotten', $done['body'] );
		$this->assertSame( array( $here_id ), array_keys( $this->listed( $done['body'] ) ) );
		$this->assertNull( Twofa_Devices::check( $user['id'], $there ), 'the forgotten device no longer skips' );
		$this->assertNotNull( Twofa_Devices::check( $user['id'], $here ), 'the other one still does' );
		$this->assertSame( $before, $this->mail_count( $user['email'] ), 'forgetting sends no email' );

		// Forgetting it again: an error, nothing else changes.
		$again = $this->post_fields( $client, $fields );
		$this->assertStringContainsString( 'not remembered', $again['body'] );
		$this->assertCount( 1, Twofa_Devices::all( $user['id'] ) );
	}

	public function test_forget_all_devices(): void {
		$user = $this->make_user();
		$this->give_totp( $user['id'] );
		$a      = $this->device( $user['id'], 'Firefox/1 (X11; Linux)' );
		$this->device( $user['id'], 'Safari' );
		$client = $this->client_for( $user['id'] );
		$client->cookies[ Twofa_Devices::cookie_name( $user['id'] ) ] = $a;
		$before = $this->mail_count( $user['email'] );
		$page   = $this->open_page( $client, $user['id'] );
		$fields = $this->device_form( $page, 'forget_all' );
		$this->assertNotNull( $fields );
		$done = $this->post_fields( $client, $fields );
		$this->assertStringContainsString( 'All devices were forgotten', $done['body'] );
		$this->assertStringContainsString( 'No devices are remembered.', $done['body'] );
		$this->assertSame( array(), Twofa_Devices::all( $user['id'] ) );
		$this->assertArrayNotHasKey( Twofa_Devices::cookie_name( $user['id'] ), $client->cookies, 'this browser\'s cookie is cleared' );
		$this->assertSame( $before, $this->mail_count( $user['email'] ), 'no email for the user\'s own forget-all' );
	}

	public function test_device_forms_refuse_missing_or_wrong_nonces_and_other_users_ids(): void {
		$alice = $this->make_user();
		$bob   = $this->make_user();
		$this->give_totp( $alice['id'] );
		$this->give_totp( $bob['id'] );
		$this->device( $alice['id'], 'Firefox' );
		$bob_device = explode( '.', $this->device( $bob['id'], 'Firefox' ) )[0];
		$client     = $this->client_for( $alice['id'] );
		$page       = $this->open_page( $client, $alice['id'] );
		$forget     = $this->device_form( $page, 'forget' );
		$forget_all = $this->device_form( $page, 'forget_all' );
		$bob_client = $this->client_for( $bob['id'] );
		$bob_page   = $this->open_page( $bob_client, $bob['id'] );
		$bob_all    = $this->device_form( $bob_page, 'forget_all' );

		$attempts = array(
			'missing nonce'          => array_diff_key( $forget_all, array( '_wpnonce' => 1 ) ),
			'wrong nonce'            => array( '_wpnonce' => 'abcdef1234' ) + $forget_all,
			'another form\'s nonce'  => array( '_wpnonce' => $forget['_wpnonce'] ) + $forget_all,
			'bob\'s id'              => array( 'user_id' => (string) $bob['id'] ) + $forget_all,
			'bob\'s form and nonce'  => $bob_all,
			'bob\'s device, alice\'s own form' => array( 'device' => $bob_device ) + $forget,
		);
		foreach ( $attempts as $why => $fields ) {
			$response = $client->post( '/wp-admin/admin-post.php', $fields );
			if ( 'bob\'s device, alice\'s own form' === $why ) {
				// A valid form of Alice's naming Bob's device finds no such device of Alice's.
				$this->assertSame( 302, $response['status'] );
				$this->assertStringContainsString( 'twofa_devices=unknown', $client->location() );
			} else {
				$this->assertSame( 403, $response['status'], $why );
			}
		}
		$this->assertCount( 1, Twofa_Devices::all( $alice['id'] ), "Alice's device is still there" );
		$this->assertCount( 1, Twofa_Devices::all( $bob['id'] ), "Bob's device is still there" );

		// Logged out: refused too.
		$anon = new Http_Client();
		$anon->post( '/wp-admin/admin-post.php', $forget_all );
		$this->assertStringNotContainsString( 'twofa_devices=', $anon->location() );
		$this->assertCount( 1, Twofa_Devices::all( $alice['id'] ) );
	}
}
