<?php
/**
 * First-login setup: the chooser says an authenticator is stronger, and a role
 * that may use OTP over Email only as a backup is not offered it.
 */

require_once __DIR__ . '/class-login-testcase.php';

final class EmailBackupOnlyLoginTest extends Login_TestCase {

	public function test_the_chooser_says_stronger_and_hides_email_for_the_role(): void {
		$this->settings( array( 'required_roles' => array( 'author', 'editor' ) ) );
		$user   = $this->make_user( 'editor' );
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertStringContainsString( 'An authenticator app or a passkey is stronger', $client->last['body'] );
		$this->assertStringContainsString( 'value="email"', $client->last['body'], 'email offered without the setting' );

		$this->settings( array( 'email_not_primary_roles' => array( 'author' ) ) );
		$author = $this->make_user( 'author' );
		$client = new Http_Client();
		$this->password_step( $client, $author );
		$this->assertStringContainsString( 'Set up two-factor authentication', $client->last['body'] );
		$this->assertStringNotContainsString( 'value="email"', $client->last['body'], 'email is not offered' );
		$this->assertStringContainsString( 'value="totp"', $client->last['body'] );

		// Choosing it anyway leads back to the choice; nothing is sent.
		$fields = array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
			'twofa_method' => 'email',
		);
		$before = $this->mail_count_for( $author['email'] );
		$this->second_step( $client, $fields + array( 'twofa_do' => 'choose' ) );
		$this->second_step( $client, $fields + array( 'twofa_do' => 'send' ) );
		$this->assertStringContainsString( 'Set up two-factor authentication', $client->last['body'] );
		$this->assertSame( $before, $this->mail_count_for( $author['email'] ), 'no code mailed' );
	}

	/**
	 * Outbox messages to $email.
	 *
	 * @param string $email Recipient.
	 */
	private function mail_count_for( string $email ): int {
		$count = 0;
		foreach ( glob( getenv( 'TWOFA_OUTBOX' ) . '/*.eml' ) ?: array() as $file ) {
			if ( preg_match( '/^To:.*' . preg_quote( $email, '/' ) . '/mi', (string) file_get_contents( $file ) ) ) {
				++$count;
			}
		}
		return $count;
	}
}
