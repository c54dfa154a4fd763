<?php
/**
 * The "Backup codes" card of Configure 2FA over HTTP: Generate shows ten codes once, Download
 * (.txt) as a plain form post, the count and the warning, Regenerate with re-authentication
 * replacing the whole set, the notice emails, the rule that backup codes are never the only
 * method, and every form refusing missing or wrong nonces and other users' ids.
 */

require_once __DIR__ . '/class-configure-testcase.php';

final class BackupCodesConfigureTest extends Configure_TestCase {

	const CODE_PATTERN = '/^[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}(-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}){3}$/';

	/**
	 * The codes shown on a page ('' list when none).
	 *
	 * @param string $html Page HTML.
	 * @return string[]
	 */
	private function shown_codes( string $html ): array {
		$out = array();
		foreach ( $this->xpath( $html )->query( '//*[@id="twofa-backup-list"]//code' ) as $node ) {
			$out[] = trim( $node->textContent );
		}
		return $out;
	}

	/**
	 * Generates a set through the card; returns the codes shown.
	 *
	 * @param Http_Client $client  Logged-in client.
	 * @param int         $user_id User ID.
	 * @return array{0: string[], 1: string} The codes and the page that showed them.
	 */
	private function generate( Http_Client $client, int $user_id ): array {
		$page = $this->open_page( $client, $user_id );
		$this->assertStringContainsString( 'Backup codes', $this->card_text( $page, 'backup_codes' ) );
		$done = $this->submit( $client, $page, 'backup_codes_generate' );
		$this->assertSame( 302, $done['status'] );
		$this->assertStringContainsString( 'step=show', $done['location'] );
		return array( $this->shown_codes( $done['body'] ), $done['body'] );
	}

	/**
	 * Rows of unused codes in the database.
	 *
	 * @param int $user_id User ID.
	 * @return string[]
	 */
	private function code_rows( int $user_id ): array {
		global $wpdb;
		return $wpdb->get_col( $wpdb->prepare( "SELECT meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s", $user_id, Twofa_Backup_Codes::META_CODE ) );
	}

	public function test_generate_shows_ten_codes_once_and_stores_only_keyed_hashes(): void {
		$user   = $this->make_user();
		$this->give_totp( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$since  = time();
		list( $codes, $page ) = $this->generate( $client, $user['id'] );

		$this->assertCount( 10, $codes );
		$this->assertCount( 10, array_unique( $codes ) );
		foreach ( $codes as $code ) {
			$this->assertMatchesRegularExpression( self::CODE_PATTERN, $code, 'groups of base32 letters without look-alikes' );
		}
		$this->assertStringContainsString( 'Copy', $page );
		$this->assertStringContainsString( 'Download (.txt)', $page );
		$this->assertStringContainsString( 'Print', $page );
		$this->assertStringContainsString( '@media print', $page, 'a print stylesheet' );

		$rows = $this->code_rows( $user['id'] );
		$this->assertCount( 10, $rows );
		$dump = implode( "\n", $rows ) . (string) $this->db_meta( $user['id'], Twofa_Backup_Codes::META_INFO );
		foreach ( $codes as $code ) {
			$this->assertStringNotContainsString( $code, $dump );
			$this->assertStringNotContainsString( str_replace( '-', '', $code ), $dump );
			$this->assertContains( twofa_hash_code( $code, 'backup:' . $user['id'] ), $rows );
		}
		global $wpdb;
		$options = (string) $wpdb->get_var( $wpdb->prepare( "SELECT GROUP_CONCAT(option_value) FROM {$wpdb->options} WHERE option_name LIKE %s", '%twofa%' ) );
		foreach ( $codes as $code ) {
			$this->assertStringNotContainsString( $code, $options, 'no code in the options table either' );
		}

		// Shown once: the page again shows no code.
		$again = $this->open_page( $client, $user['id'], array( 'method' => 'backup_codes', 'step' => 'show' ) );
		$this->assertSame( array(), $this->shown_codes( $again ) );
		$this->assertStringContainsString( 'shown only once', $again );
		$this->assertStringContainsString( '10 unused backup codes left.', $this->card_text( $again, 'backup_codes' ) );

		$mail = $this->latest_mail( $user['email'], $since );
		$this->assertNotNull( $mail, 'a notice email' );
		$mail = quoted_printable_decode( $mail );
		$this->assertStringContainsString( 'Backup codes were generated', $mail );
		$this->assertStringContainsString( '10 unused backup codes are left', $mail );
		foreach ( $codes as $code ) {
			$this->assertStringNotContainsString( $code, $mail, 'no code in the email' );
		}
	}

	public function test_download_is_a_plain_form_post_returning_a_text_file_of_the_users_unused_codes(): void {
		$user   = $this->make_user();
		$this->give_totp( $user['id'] );
		$client = $this->client_for( $user['id'] );
		list( $codes, $page ) = $this->generate( $client, $user['id'] );

		$form = $this->form_node( $page, 'backup_codes_download' );
		$this->assertNotNull( $form );
		$fields = array();
		foreach ( $form->getElementsByTagName( 'input' ) as $input ) {
			if ( 'twofa_codes[]' === $input->getAttribute( 'name' ) ) {
				$fields['twofa_codes'][] = $input->getAttribute( 'value' );
			} else {
				$fields[ $input->getAttribute( 'name' ) ] = $input->getAttribute( 'value' );
			}
		}
		$response = $client->post( '/wp-admin/admin-post.php', $fields );
		$this->assertSame( 200, $response['status'] );
		$this->assertStringStartsWith( 'text/plain', $response['headers']['content-type'][0] ?? '' );
		$this->assertMatchesRegularExpression( '/^attachment; filename="backup-codes-[^"]+\.txt"$/', $response['headers']['content-disposition'][0] ?? '' );
		foreach ( $codes as $code ) {
			$this->assertStringContainsString( $code, $response['body'] );
		}

		// A code that is not one of the user's unused codes makes nothing downloadable.
		Twofa_Backup_Codes::consume( $user['id'], $codes[0] );
		$response = $client->post( '/wp-admin/admin-post.php', $fields );
		$this->assertStringNotContainsString( 'attachment', implode( ' ', $response['headers']['content-disposition'] ?? array() ) );
		$forged                     = $fields;
		$forged['twofa_codes']      = array_slice( $fields['twofa_codes'], 1 );
		$forged['twofa_codes'][]    = '<script>alert(1)</script>';
		$response                   = $client->post( '/wp-admin/admin-post.php', $forged );
		$this->assertStringNotContainsString( 'attachment', implode( ' ', $response['headers']['content-disposition'] ?? array() ) );
		$this->assertStringNotContainsString( '<script>alert(1)', $response['body'] );
	}

	public function test_generating_requires_a_primary_method_and_backup_codes_are_never_the_only_method(): void {
		$user   = $this->make_user();
		$client = $this->client_for( $user['id'] );
		$page   = $this->open_page( $client, $user['id'] );
		$this->assertNull( $this->form_node( $page, 'backup_codes_generate' ), 'no Generate without a primary method' );
		$this->assertStringContainsString( 'Configure Google Authenticator or OTP over Email first', $this->card_text( $page, 'backup_codes' ) );

		// Posting it anyway (with a valid nonce) is refused and creates nothing.
		$done = $this->post_fields(
			$client,
			array(
				'action'       => 'twofa_configure',
				'twofa_action' => 'backup_codes_generate',
				'user_id'      => (string) $user['id'],
				'_wpnonce'     => $this->nonce_for( $client, $user['id'], 'backup_codes_generate' ),
			)
		);
		$this->assertSame( array(), $this->code_rows( $user['id'] ) );
		$this->assertStringContainsString( 'first', $this->messages( $done['body'] ) );

		// A site cannot offer backup codes alone either.
		$this->assertTrue( is_wp_error( Twofa_Settings::update( array( 'methods' => array( 'backup_codes' ) ) ) ) );
		$this->assertTrue( Twofa_Settings::update( array( 'methods' => array( 'email', 'backup_codes' ) ) ) );
		$this->set_settings( array( 'methods' => Twofa_Providers::ids() ) );

		// Never primary, never counted as 2FA.
		$this->give_totp( $user['id'] );
		Twofa_Backup_Codes::generate( $user['id'] );
		$this->assertSame( 'totp', Twofa_User_State::primary( $user['id'] ) );
		$this->assertFalse( Twofa_User_State::set_primary( $user['id'], 'backup_codes' ) );

		// Removing the last real method takes the backup codes with it.
		Twofa_Method_Removal::remove( $user['id'], 'totp', Twofa_Method_Removal::BY_ADMIN );
		$this->assertSame( array(), $this->code_rows( $user['id'] ), 'no backup codes without a primary method' );
		$this->assertSame( array(), Twofa_User_State::configured_methods( $user['id'] ) );
	}

	public function test_counts_and_the_warning_at_two_or_fewer(): void {
		$user   = $this->make_user();
		$this->give_totp( $user['id'] );
		$codes  = Twofa_Backup_Codes::generate( $user['id'] );
		$client = $this->client_for( $user['id'] );
		$this->assertStringContainsString( '10 unused backup codes left.', $this->card_text( $this->open_page( $client, $user['id'] ), 'backup_codes' ) );
		for ( $i = 0; $i < 7; $i++ ) {
			Twofa_Backup_Codes::consume( $user['id'], $codes[ $i ] );
		}
		$text = $this->card_text( $this->open_page( $client, $user['id'] ), 'backup_codes' );
		$this->assertStringContainsString( '3 unused backup codes left.', $text );
		$this->assertStringNotContainsString( 'running out', $text );
		Twofa_Backup_Codes::consume( $user['id'], $codes[7] );
		$text = $this->card_text( $this->open_page( $client, $user['id'] ), 'backup_codes' );
		$this->assertStringContainsString( '2 unused backup codes left.', $text );
		$this->assertStringContainsString( 'running out', $text );
		Twofa_Backup_Codes::consume( $user['id'], $codes[8] );
		Twofa_Backup_Codes::consume( $user['id'], $codes[9] );
		$text = $this->card_text( $this->open_page( $client, $user['id'] ), 'backup_codes' );
		$this->assertStringContainsString( '0 unused backup codes left.', $text );
		$this->assertStringContainsString( 'Regenerate', $text );
	}

	public function test_regenerate_needs_confirmation_and_re_authentication_and_replaces_the_whole_set(): void {
		$user   = $this->make_user();
		$secret = $this->give_totp( $user['id'] );
		$client = $this->client_for( $user['id'] );
		list( $old ) = $this->generate( $client, $user['id'] );
		$rows_before = $this->code_rows( $user['id'] );

		$page = $this->open_page( $client, $user['id'], array( 'method' => 'backup_codes', 'step' => 'regenerate' ) );
		$this->assertNotNull( $this->form_node( $page, 'backup_codes_regenerate' ) );
		foreach ( array(
			array( 'twofa_password' => $user['password'] ),                                       // Not confirmed.
			array( 'twofa_confirm_regenerate' => '1' ),                                            // No password.
			array( 'twofa_confirm_regenerate' => '1', 'twofa_password' => 'wrong-password' ),     // Wrong password.
		) as $fields ) {
			$done = $this->submit( $client, $page, 'backup_codes_regenerate', $fields );
			$this->assertSame( 302, $done['status'] );
			$this->assertSame( array(), $this->shown_codes( $done['body'] ) );
			$this->assertSame( $rows_before, $this->code_rows( $user['id'] ), 'the old set is untouched' );
			Twofa_Lockout::reset( $user['id'] );
		}

		$since = time();
		$done  = $this->submit( $client, $page, 'backup_codes_regenerate', array( 'twofa_confirm_regenerate' => '1', 'twofa_password' => $user['password'] ) );
		$new   = $this->shown_codes( $done['body'] );
		$this->assertCount( 10, $new );
		$this->assertSame( array(), array_intersect( $old, $new ) );
		$this->assertCount( 10, $this->code_rows( $user['id'] ) );
		foreach ( $old as $code ) {
			$this->assertFalse( Twofa_Backup_Codes::is_unused( $user['id'], $code ), 'an old code no longer works' );
		}
		$this->assertTrue( Twofa_Backup_Codes::is_unused( $user['id'], $new[0] ) );
		$mail = quoted_printable_decode( (string) $this->latest_mail( $user['email'], $since ) );
		$this->assertStringContainsString( 'the old ones no longer work', $mail );
		$this->assertStringContainsString( '10 unused backup codes are left', $mail );

		// A current authenticator code re-authenticates too.
		$page = $this->open_page( $client, $user['id'], array( 'method' => 'backup_codes', 'step' => 'regenerate' ) );
		$done = $this->submit( $client, $page, 'backup_codes_regenerate', array( 'twofa_confirm_regenerate' => '1', 'twofa_reauth_code' => twofa_totp_code( $secret, time() ) ) );
		$this->assertCount( 10, $this->shown_codes( $done['body'] ) );
		$this->assertFalse( Twofa_Backup_Codes::is_unused( $user['id'], $new[0] ) );
	}

	public function test_every_form_refuses_missing_or_wrong_nonces_and_other_users_ids(): void {
		$user  = $this->make_user();
		$other = $this->make_user();
		$this->give_totp( $user['id'] );
		$this->give_totp( $other['id'] );
		$other_codes = Twofa_Backup_Codes::generate( $other['id'] );
		$other_rows  = $this->code_rows( $other['id'] );
		$client      = $this->client_for( $user['id'] );
		$other_client = $this->client_for( $other['id'] );

		foreach ( array( 'backup_codes_generate', 'backup_codes_regenerate', 'backup_codes_download' ) as $action ) {
			$base = array(
				'action'                   => 'twofa_configure',
				'twofa_action'             => $action,
				'user_id'                  => (string) $user['id'],
				'twofa_confirm_regenerate' => '1',
				'twofa_password'           => $user['password'],
				'twofa_codes'              => $other_codes,
			);
			foreach ( array(
				'missing nonce'       => $base,
				'wrong nonce'         => array( '_wpnonce' => 'abcdef1234' ) + $base,
				'another form nonce'  => array( '_wpnonce' => $this->nonce_for( $client, $user['id'], 'totp_begin' ) ) + $base,
				'other user id'       => array( '_wpnonce' => $this->nonce_for( $client, $user['id'], $action ), 'user_id' => (string) $other['id'] ) + $base,
				"other user's nonce"  => array( '_wpnonce' => $this->nonce_for( $other_client, $other['id'], $action ), 'user_id' => (string) $other['id'] ) + $base,
			) as $why => $fields ) {
				$response = $client->post( '/wp-admin/admin-post.php', $fields );
				$this->assertSame( 403, $response['status'], "$action, $why: refused" );
				$this->assertStringNotContainsString( 'attachment', implode( ' ', $response['headers']['content-disposition'] ?? array() ) );
			}
		}
		$this->assertSame( array(), $this->code_rows( $user['id'] ), 'nothing generated for the user' );
		$this->assertSame( $other_rows, $this->code_rows( $other['id'] ), "the other user's codes are untouched" );
	}

	public function test_first_login_setup_offers_backup_codes_before_continuing(): void {
		$role = 'editor';
		$this->set_settings( array( 'required_roles' => array( $role ) ) );
		$user   = $this->make_user( $role );
		$client = new Http_Client();
		$client->post(
			'/wp-login.php',
			array(
				'log' => $user['login'],
				'pwd' => $user['password'],
			)
		);
		$this->assertSame( 200, $client->last['status'] );
		$fields = array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
			'twofa_method' => 'totp',
			'twofa_do'     => 'choose',
		);
		$client->post( '/wp-login.php?action=twofa_challenge', $fields );
		$this->assertStringNotContainsString( 'Backup codes', $client->last['body'], 'backup codes are not a first-login choice' );
		$secret = str_replace( ' ', '', trim( (string) $this->xpath( $client->last['body'] )->query( '//*[contains(@class,"twofa-key")]' )->item( 0 )->textContent ) );
		$client->post(
			'/wp-login.php?action=twofa_challenge',
			array(
				'twofa_user'   => (string) $client->field( 'twofa_user' ),
				'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
				'twofa_method' => 'totp',
				'twofa_do'     => 'verify',
				'twofa_code'   => twofa_totp_code( $secret, time() ),
			)
		);
		$this->assertSame( 302, $client->last['status'] );
		$this->assertTrue( $client->has_login_cookie() );
		$this->assertStringContainsString( 'page=twofa-configure', $client->location() );
		$this->assertStringContainsString( 'step=offer', $client->location() );
		$page = $client->get( $client->location() )['body'];
		$this->assertStringContainsString( 'Generate backup codes', $page );
		$this->assertStringContainsString( 'Not now, continue', $page );
		$done = $this->submit( $client, $page, 'backup_codes_generate' );
		$this->assertCount( 10, $this->shown_codes( $done['body'] ) );
	}

	/**
	 * A valid Configure 2FA nonce of $user_id for $action, made for the session of $client
	 * (WordPress binds nonces to the session token of the logged-in cookie).
	 *
	 * @param Http_Client $client  The client whose session the nonce is for.
	 * @param int         $user_id User ID.
	 * @param string      $action  twofa_action.
	 */
	private function nonce_for( Http_Client $client, int $user_id, string $action ): string {
		$saved = $_COOKIE[ LOGGED_IN_COOKIE ] ?? null;
		wp_set_current_user( $user_id );
		$_COOKIE[ LOGGED_IN_COOKIE ] = rawurldecode( $client->cookies[ LOGGED_IN_COOKIE ] );
		$nonce = wp_create_nonce( Twofa_Configure_Page::nonce_action( $action, $user_id ) );
		if ( null === $saved ) {
			unset( $_COOKIE[ LOGGED_IN_COOKIE ] );
		} else {
			$_COOKIE[ LOGGED_IN_COOKIE ] = $saved;
		}
		wp_set_current_user( 0 );
		return $nonce;
	}
}
