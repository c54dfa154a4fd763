<?php
/**
 * OTP over Email as the weaker method: the card says so, and a per-role
 * setting keeps it from being the only or the primary method.
 */

require_once __DIR__ . '/class-configure-testcase.php';

final class EmailBackupOnlyTest extends Configure_TestCase {

	public function test_the_email_card_says_an_authenticator_is_stronger(): void {
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$this->assertStringContainsString( 'An authenticator app or a passkey is stronger', $this->card_text( $this->open_page( $client, $user['id'] ), 'email' ) );
	}

	public function test_the_setting_is_validated(): void {
		$this->assertInstanceOf( WP_Error::class, Twofa_Settings::update( array( 'email_not_primary_roles' => array( 'no-such-role' ) ) ) );
		$this->set_settings( array( 'email_not_primary_roles' => array( 'subscriber' ) ) );
		$this->assertSame( array( 'subscriber' ), Twofa_Settings::get( 'email_not_primary_roles' ) );
	}

	public function test_email_alone_is_refused_for_the_role_at_setup(): void {
		$this->set_settings( array( 'email_not_primary_roles' => array( 'subscriber' ) ) );
		$user   = $this->make_user( 'subscriber' );
		$client = $this->client_for( $user['id'] );
		$page   = $this->open_page( $client, $user['id'], array( 'method' => 'email', 'step' => 'confirm' ) );
		$before = $this->mail_count( $user['email'] );
		$sent   = $this->submit( $client, $page, 'email_send', array( 'twofa_confirm_email' => '1' ) );
		$this->assertStringContainsString( 'OTP over Email may only be a backup', $this->messages( $sent['body'] ) );
		$this->assertSame( $before, $this->mail_count( $user['email'] ), 'no code sent' );
		$this->assertSame( '', (string) $this->meta( $user['id'], Twofa_Provider_Email::ENABLED ) );

		// Another role is not affected.
		$other  = $this->make_user( 'author' );
		$oclient = $this->client_for( $other['id'] );
		$opage  = $this->open_page( $oclient, $other['id'], array( 'method' => 'email', 'step' => 'confirm' ) );
		$osent  = $this->submit( $oclient, $opage, 'email_send', array( 'twofa_confirm_email' => '1' ) );
		$this->assertStringContainsString( 'We sent a 6-digit code', $this->messages( $osent['body'] ) );
	}

	public function test_email_beside_an_authenticator_but_never_primary_nor_left_alone(): void {
		$this->set_settings( array( 'email_not_primary_roles' => array( 'subscriber' ) ) );
		$user = $this->make_user( 'subscriber' );
		$this->give_totp( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$page   = $this->open_page( $client, $user['id'], array( 'method' => 'email', 'step' => 'confirm' ) );
		$sent   = $this->submit( $client, $page, 'email_send', array( 'twofa_confirm_email' => '1' ) );
		$done   = $this->submit( $client, $sent['body'], 'email_verify', array( 'twofa_code' => $this->mailed_code( $user['email'] ) ) );
		$this->assertStringContainsString( 'OTP over Email is configured and active.', $this->messages( $done['body'] ) );
		$this->assertSame( 'totp', $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );

		// Set as primary: refused.
		$fields = $this->form_fields( $this->open_page( $client, $user['id'], array( 'method' => 'email', 'step' => 'primary' ) ), 'set_primary' );
		$this->assertNotNull( $fields );
		$primary = $this->post_fields( $client, $fields + array( 'twofa_password' => $user['password'] ) );
		$this->assertStringContainsString( 'OTP over Email may only be a backup', $this->messages( $primary['body'] ) );
		$this->assertSame( 'totp', $this->meta( $user['id'], Twofa_User_State::PRIMARY ) );

		// Removing the authenticator would leave email alone: refused.
		$remove = $this->open_page( $client, $user['id'], array( 'method' => 'totp', 'step' => 'remove' ) );
		$result = $this->submit( $client, $remove, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => $user['password'] ) );
		$this->assertStringContainsString( 'OTP over Email may only be a backup', $this->messages( $result['body'] ) );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertSame( array( 'totp', 'email' ), Twofa_User_State::configured_methods( $user['id'] ) );

		// Removing email itself is fine.
		$remove = $this->open_page( $client, $user['id'], array( 'method' => 'email', 'step' => 'remove' ) );
		$result = $this->submit( $client, $remove, 'remove', array( 'twofa_confirm_remove' => '1', 'twofa_password' => $user['password'] ) );
		$this->assertStringContainsString( 'OTP over Email was removed.', $this->messages( $result['body'] ) );
	}
}
