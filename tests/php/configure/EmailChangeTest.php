<?php
/**
 * Changing the account's email address while OTP over Email is configured.
 */

require_once __DIR__ . '/class-configure-testcase.php';

/**
 * profile.php over HTTP, the REST API, and an administrator on user-edit.php.
 */
final class EmailChangeTest extends Configure_TestCase {

	/**
	 * The fields of a profile form as a browser would post them, with $changes.
	 *
	 * @param string               $html    The profile page.
	 * @param array<string,string> $changes Fields to set.
	 * @return array<string,string>
	 */
	private function profile_fields( string $html, array $changes ): array {
		$form = $this->xpath( $html )->query( '//form[@id="your-profile"]' )->item( 0 );
		$this->assertNotNull( $form, 'the profile form' );
		$fields = array();
		foreach ( $form->getElementsByTagName( 'input' ) as $input ) {
			$name = $input->getAttribute( 'name' );
			$type = strtolower( $input->getAttribute( 'type' ) );
			if ( '' === $name || in_array( $type, array( 'checkbox', 'radio', 'submit', 'button', 'password' ), true ) ) {
				continue;
			}
			$fields[ $name ] = $input->getAttribute( 'value' );
		}
		return $changes + $fields;
	}

	/**
	 * The user's address, read fresh from the database.
	 *
	 * @param int $user_id User ID.
	 */
	private function address( int $user_id ): string {
		global $wpdb;
		return (string) $wpdb->get_var( $wpdb->prepare( "SELECT user_email FROM {$wpdb->users} WHERE ID = %d", $user_id ) );
	}

	public function test_own_email_change_needs_re_authentication_and_tells_the_old_address(): void {
		$user = $this->make_user( 'subscriber' );
		$this->give_email( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$new    = 'moved-' . $user['login'] . '@example.test';
		$page   = $client->get( '/wp-admin/profile.php' );
		$this->assertStringContainsString( 'Your login codes are sent to your email address.', $page['body'] );

		// A session alone: refused, nothing changed or pending.
		$refused = $client->post( '/wp-admin/profile.php', $this->profile_fields( $page['body'], array( 'email' => $new, 'display_name' => 'Changed name' ) ) );
		$this->assertSame( 200, $refused['status'] );
		$this->assertStringContainsString( 'Your email address was not changed', $refused['body'] );
		$this->assertSame( $user['email'], $this->address( $user['id'] ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], '_new_email' ), 'no confirmation pending for the new address' );
		$this->assertNotSame( 'Changed name', get_userdata( $user['id'] )->display_name, 'the whole update was refused' );

		// A wrong password is refused and counted.
		$wrong = $client->post( '/wp-admin/profile.php', $this->profile_fields( $page['body'], array( 'email' => $new, 'twofa_password' => 'nope' ) ) );
		$this->assertStringContainsString( 'The password is not right.', $wrong['body'] );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ) );
		$this->assertSame( '', (string) $this->meta( $user['id'], '_new_email' ) );

		// With the password WordPress's own confirmation starts; the link completes the change.
		$ok = $client->post( '/wp-admin/profile.php', $this->profile_fields( $page['body'], array( 'email' => $new, 'twofa_password' => $user['password'] ) ) );
		$this->assertContains( $ok['status'], array( 200, 302 ) );
		$pending = $this->meta( $user['id'], '_new_email' );
		$this->assertIsArray( $pending, 'the confirmation is pending' );
		$this->assertSame( $new, $pending['newemail'] );
		$since   = time();
		$before  = $this->mail_count( $user['email'] );
		$confirm = $client->get( '/wp-admin/profile.php?newuseremail=' . rawurlencode( (string) $pending['hash'] ) );
		$this->assertContains( $confirm['status'], array( 200, 302 ) );
		$this->assertSame( $new, $this->address( $user['id'] ) );
		if ( $this->sidecar_running() ) {
			$this->assertSame( $before + 1, $this->mail_count( $user['email'] ), 'the old address got a notice' );
			$raw = (string) $this->latest_mail( $user['email'], $since );
			$this->assertStringContainsString( 'being changed', quoted_printable_decode( $raw ) );
		}
	}

	public function test_without_otp_over_email_nothing_extra_is_asked(): void {
		$user = $this->make_user( 'subscriber' );
		$this->give_totp( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$page   = $client->get( '/wp-admin/profile.php' );
		$this->assertStringNotContainsString( 'Your login codes are sent to your email address.', $page['body'] );
		$client->post( '/wp-admin/profile.php', $this->profile_fields( $page['body'], array( 'email' => 'x-' . $user['email'] ) ) );
		$this->assertIsArray( $this->meta( $user['id'], '_new_email' ), 'WordPress\'s own confirmation, as without twofa' );
	}

	public function test_rest_cannot_change_the_own_address(): void {
		$user = $this->make_user( 'subscriber' );
		$this->give_email( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$nonce  = $client->get( '/wp-admin/admin-ajax.php?action=rest-nonce' );
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{10}$/', trim( $nonce['body'] ), 'the session\'s REST nonce' );
		$response = $client->post( '/?rest_route=/wp/v2/users/me', array( 'email' => 'rest-' . $user['email'] ), array( 'X-WP-Nonce' => trim( $nonce['body'] ) ) );
		$this->assertSame( 403, $response['status'], $response['body'] );
		$this->assertStringContainsString( 'twofa_email_change_reauth', $response['body'], 'refused by twofa, not by a bad nonce' );
		$this->assertSame( $user['email'], $this->address( $user['id'] ) );
	}

	public function test_an_administrator_may_change_another_users_address_and_the_old_one_is_told(): void {
		$admin = $this->make_user( 'administrator' );
		$user  = $this->make_user( 'subscriber' );
		$this->give_email( $user['id'] );
		$client = $this->client_for( $admin['id'] );
		$page   = $client->get( '/wp-admin/user-edit.php?user_id=' . $user['id'] );
		$this->assertSame( 200, $page['status'] );
		$new    = 'admin-set-' . $user['email'];
		$before = $this->mail_count( $user['email'] );
		$client->post( '/wp-admin/user-edit.php', $this->profile_fields( $page['body'], array( 'email' => $new ) ) );
		$this->assertSame( $new, $this->address( $user['id'] ) );
		if ( $this->sidecar_running() ) {
			$this->assertSame( $before + 1, $this->mail_count( $user['email'] ), 'the old address got a notice' );
		}
	}
}
