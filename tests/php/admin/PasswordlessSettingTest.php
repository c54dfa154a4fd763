<?php
/**
 * The `passwordless` setting: off by default, a checkbox on Settings → Two-Factor, a
 * `wp twofa policy set --passwordless` flag, and only 1/0-like values.
 */

require_once __DIR__ . '/class-admin-testcase.php';

final class PasswordlessSettingTest extends Admin_TestCase {

	public function test_the_checkbox_and_the_flag(): void {
		$this->assertFalse( Twofa_Settings::defaults()['passwordless'], 'off by default' );
		$this->assertTrue( Twofa_Settings::update( array( 'passwordless' => false ) ) );

		$admin = $this->make_user( 'administrator' );
		$http  = $this->login( $admin );
		$http->get( '/wp-admin/options-general.php?page=twofa-settings' );
		$this->assertStringContainsString( 'Offer &quot;Log in with a passkey&quot; on the login page', $http->last['body'] );
		$fields = $this->form_fields( $http, 'options.php' );
		$this->assertSame( '0', $fields['twofa_settings[passwordless]'], 'unticked: the hidden 0' );
		$fields['twofa_settings[passwordless]'] = '1';
		$http->post( '/wp-admin/options.php', $this->nest( $fields ) );
		$this->assertSame( 302, $http->last['status'] );
		$this->assertTrue( $this->stored_settings()['passwordless'] );
		$http->get( '/wp-admin/options-general.php?page=twofa-settings' );
		$this->assertMatchesRegularExpression( '/id="twofa_passwordless"[^>]*checked/', $http->last['body'] );

		$r = $this->cli( 'policy', 'set', '--passwordless=0' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertFalse( $this->stored_settings()['passwordless'] );
		$r = $this->cli( 'policy', 'set', '--passwordless=maybe' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'Passwordless login must be turned on (1) or off (0).', $r['stderr'] );
		$this->assertFalse( $this->stored_settings()['passwordless'] );
		$this->assertSame( 0, $this->cli( 'policy', 'set', '--passwordless=1' )['exit'] );
		$this->assertTrue( $this->stored_settings()['passwordless'] );
		$this->assertInstanceOf( WP_Error::class, Twofa_Settings::validate( array( 'passwordless' => array( 1 ) ) ) );
	}
}
