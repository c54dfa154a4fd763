<?php
/**
 * Importing from Two-Factor and Wordfence Login Security (issue 14, items 7–9): both
 * sources' data built as those plugins store it, imported through `wp twofa import` and
 * Tools → Import two-factor settings, then a login over HTTP with a TOTP code of the
 * original secret and with a Wordfence recovery code as Wordfence shows it. A dry run and a
 * second run change nothing; invalid data is skipped and reported; the source is untouched.
 */

require_once __DIR__ . '/class-login-testcase.php';
require_once dirname( __DIR__, 2 ) . '/wp-cli/class-wp-cli.php';
require_once dirname( __DIR__, 2 ) . '/wp-cli/utils.php';

final class ImportTest extends Login_TestCase {

	/**
	 * Users made by the test (deleted after it, so later runs see only their own).
	 *
	 * @var int[]
	 */
	private $users = array();

	protected function setUp(): void {
		parent::setUp();
		WP_CLI::reset();
		WP_CLI::add_command( 'twofa import', 'Twofa_CLI_Import_Command' );
		global $wpdb;
		// Wordfence Login Security's table, as it creates it (`mode` is the one column whose
		// other values are made up here, to show they are refused).
		$table = Twofa_Importer_Wordfence::table();
		$wpdb->query( "DROP TABLE IF EXISTS `{$table}`" );
		$wpdb->query(
			"CREATE TABLE `{$table}` (
				`id` int(11) unsigned NOT NULL AUTO_INCREMENT,
				`user_id` bigint(20) unsigned NOT NULL,
				`secret` tinyblob NOT NULL,
				`recovery` blob NOT NULL,
				`ctime` int(10) unsigned NOT NULL,
				`vtime` int(10) unsigned NOT NULL,
				`mode` varchar(32) NOT NULL DEFAULT 'authenticator',
				PRIMARY KEY (`id`),
				KEY `user_id` (`user_id`)
			) DEFAULT CHARSET=utf8mb4"
		);
	}

	protected function tearDown(): void {
		global $wpdb;
		$wpdb->query( 'DROP TABLE IF EXISTS `' . Twofa_Importer_Wordfence::table() . '`' );
		foreach ( $this->users as $id ) {
			wp_delete_user( $id );
		}
		$this->users = array();
		parent::tearDown();
	}

	protected function make_user( string $role = 'subscriber' ): array {
		$user          = parent::make_user( $role );
		$this->users[] = $user['id'];
		return $user;
	}

	/**
	 * Runs `wp twofa import …` with --format=json and returns the rows of this test's users.
	 *
	 * @param string ...$words Words after `wp twofa import`.
	 * @return array<int,array<string,mixed>> user id => row.
	 */
	private function import( string ...$words ): array {
		wp_cache_flush();
		$result = WP_CLI::run( array_merge( array( 'twofa', 'import' ), $words, array( '--format=json' ) ) );
		wp_cache_flush();
		$this->assertSame( 0, $result['exit'], $result['stderr'] );
		$rows = json_decode( $result['stdout'], true );
		$this->assertIsArray( $rows, $result['stdout'] );
		$out = array();
		foreach ( $rows as $row ) {
			if ( in_array( (int) $row['user_id'], $this->users, true ) ) {
				$out[ (int) $row['user_id'] ] = $row;
			}
		}
		return $out;
	}

	/**
	 * Every twofa key and every import event of the given users, to compare before/after.
	 *
	 * @param int[] $ids User IDs.
	 * @return array<int,array<string,mixed>>
	 */
	private function state( array $ids ): array {
		global $wpdb;
		$out = array();
		foreach ( $ids as $id ) {
			$out[ $id ] = array(
				'meta'   => $wpdb->get_results( $wpdb->prepare( "SELECT meta_key, meta_value FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key LIKE %s ORDER BY umeta_id", $id, '\_twofa\_%' ), ARRAY_A ),
				'events' => count( $this->events_of( $id ) ),
			);
		}
		return $out;
	}

	/**
	 * The source plugin's own rows (they must never change).
	 */
	private function source_rows(): array {
		global $wpdb;
		$two_factor = $wpdb->get_results( "SELECT user_id, meta_key, meta_value FROM {$wpdb->usermeta} WHERE meta_key LIKE '\_two\_factor\_%' ORDER BY umeta_id", ARRAY_A );
		$wordfence  = $wpdb->get_results( 'SELECT id, user_id, HEX(secret) s, HEX(recovery) r, ctime, vtime, mode FROM `' . Twofa_Importer_Wordfence::table() . '` ORDER BY id', ARRAY_A );
		return array( $two_factor, $wordfence );
	}

	/**
	 * Password step, then a code of $method (switching to it when it is not the first).
	 *
	 * @param array  $user   From make_user().
	 * @param string $method Method id.
	 * @param string $code   Code.
	 */
	private function login_with( array $user, string $method, string $code ): Http_Client {
		WP_Session_Tokens::get_instance( $user['id'] )->destroy_all();
		$client = new Http_Client();
		$this->password_step( $client, $user );
		$this->assertChallenge( $client, $user );
		if ( $client->field( 'twofa_method' ) !== $method ) {
			$this->second_step(
				$client,
				array(
					'twofa_user'   => (string) $client->field( 'twofa_user' ),
					'twofa_nonce'  => (string) $client->field( 'twofa_nonce' ),
					'twofa_method' => $method,
					'twofa_do'     => 'switch',
				)
			);
		}
		$this->submit_code( $client, $method, $code );
		$this->assertLoggedIn( $client, $user );
		return $client;
	}

	public function test_two_factor_users_are_imported_once_and_log_in_with_their_old_app(): void {
		$full    = $this->make_user( 'editor' );
		$mail    = $this->make_user();
		$bad     = $this->make_user();
		$short   = $this->make_user();
		$has     = $this->make_user();
		$secret  = twofa_totp_secret();
		$classes = array( 'Two_Factor_Totp', 'Two_Factor_Email', 'Two_Factor_Backup_Codes' );
		update_user_meta( $full['id'], '_two_factor_enabled_providers', $classes );
		update_user_meta( $full['id'], '_two_factor_provider', 'Two_Factor_Totp' );
		update_user_meta( $full['id'], '_two_factor_totp_key', $secret );
		update_user_meta( $mail['id'], '_two_factor_enabled_providers', array( 'Two_Factor_Email' ) );
		update_user_meta( $mail['id'], '_two_factor_provider', 'Two_Factor_Email' );
		update_user_meta( $bad['id'], '_two_factor_enabled_providers', array( 'Two_Factor_Totp' ) );
		update_user_meta( $bad['id'], '_two_factor_totp_key', 'NOT-BASE32-1890!' );
		update_user_meta( $short['id'], '_two_factor_enabled_providers', array( 'Two_Factor_Totp' ) );
		update_user_meta( $short['id'], '_two_factor_totp_key', 'JBSWY3DPEHPK3PXP' ); // 80 bits.
		$mine = $this->give_totp( $has['id'] );
		update_user_meta( $has['id'], '_two_factor_enabled_providers', array( 'Two_Factor_Totp', 'Two_Factor_Email' ) );
		update_user_meta( $has['id'], '_two_factor_totp_key', twofa_totp_secret() );
		$ids    = array( $full['id'], $mail['id'], $bad['id'], $short['id'], $has['id'] );
		$source = $this->source_rows();
		$before = $this->state( $ids );

		$dry = $this->import( 'two-factor', '--dry-run' );
		$this->assertSame( $before, $this->state( $ids ), 'a dry run changes nothing' );
		$this->assertSame( 'would import', $dry[ $full['id'] ]['result'] );
		$this->assertSame( 'would import', $dry[ $full['id'] ]['totp'] );
		$this->assertSame( 'kept', $dry[ $has['id'] ]['totp'] );

		$rows = $this->import( 'two-factor' );
		$this->assertSame( array( 'imported', 'imported', 'imported' ), array( $rows[ $full['id'] ]['result'], $rows[ $full['id'] ]['totp'], $rows[ $full['id'] ]['email'] ) );
		$this->assertStringContainsString( 'generate new ones', $rows[ $full['id'] ]['note'] );
		$this->assertSame( 'imported', $rows[ $mail['id'] ]['email'] );
		$this->assertSame( '', $rows[ $mail['id'] ]['totp'] );
		$this->assertSame( array( 'skipped', 'invalid: bad base32' ), array( $rows[ $bad['id'] ]['result'], $rows[ $bad['id'] ]['totp'] ) );
		$this->assertSame( array( 'skipped', 'invalid: key shorter than 128 bits' ), array( $rows[ $short['id'] ]['result'], $rows[ $short['id'] ]['totp'] ) );
		$this->assertSame( array( 'kept', 'imported' ), array( $rows[ $has['id'] ]['totp'], $rows[ $has['id'] ]['email'] ), 'a method configured in twofa is kept, the others are added' );
		$this->assertSame( $mine, ( new Twofa_Provider_Totp() )->secret( $has['id'] ), 'the twofa secret is not overwritten' );
		$this->assertSame( $before[ $bad['id'] ], $this->state( array( $bad['id'] ) )[ $bad['id'] ], 'invalid data changes nothing' );
		$this->assertSame( $secret, ( new Twofa_Provider_Totp() )->secret( $full['id'] ), 'the secret is sealed for the user' );
		$this->assertStringStartsWith( 'tf1.', (string) $this->meta( $full['id'], Twofa_Provider_Totp::SECRET ) );
		$this->assertSame( 'totp', Twofa_User_State::primary( $full['id'] ) );
		$this->assertSame( 'email', Twofa_User_State::primary( $mail['id'] ) );
		$event = $this->assertOneEvent( $full['id'], Twofa_Events::IMPORT, 'totp' );
		$this->assertStringContainsString( 'source=two-factor', $event['details'] );
		$this->assertCount( 0, $this->events_of( $bad['id'], Twofa_Events::IMPORT ) );
		$this->assertSame( $source, $this->source_rows(), 'the source data is untouched' );

		$after = $this->state( $ids );
		$again = $this->import( 'two-factor' );
		$this->assertSame( $after, $this->state( $ids ), 'a second run changes nothing' );
		$this->assertSame( 'unchanged', $again[ $full['id'] ]['result'] );
		$this->assertSame( array( 'kept', 'kept' ), array( $again[ $full['id'] ]['totp'], $again[ $full['id'] ]['email'] ) );

		$client = $this->login_with( $full, 'totp', $this->totp( $secret ) );
		$client->get( '/wp-admin/users.php?page=twofa-configure' );
		$this->assertStringContainsString( 'twofa-import-notice', $client->last['body'], 'Configure 2FA asks for new backup codes' );
		Twofa_Backup_Codes::generate( $full['id'] );
		$client->get( '/wp-admin/users.php?page=twofa-configure' );
		$this->assertStringNotContainsString( 'twofa-import-notice', $client->last['body'], 'the notice goes once a set exists' );
	}

	public function test_wordfence_secrets_and_recovery_codes_are_imported_and_work(): void {
		global $wpdb;
		$table = Twofa_Importer_Wordfence::table();
		$ok    = $this->make_user( 'editor' );
		$short = $this->make_user();
		$mode  = $this->make_user();
		$has   = $this->make_user();
		$key   = random_bytes( 20 );
		$codes = array();
		for ( $i = 0; $i < 5; $i++ ) {
			$codes[] = random_bytes( 8 );
		}
		$now  = time();
		$rows = array(
			array( $ok['id'], $key, implode( '', $codes ), 'authenticator' ),
			array( $short['id'], random_bytes( 10 ), random_bytes( 40 ), 'authenticator' ),
			array( $mode['id'], random_bytes( 20 ), '', 'email' ),
			array( $has['id'], random_bytes( 20 ), random_bytes( 40 ), 'authenticator' ),
		);
		foreach ( $rows as $r ) {
			$wpdb->query( $wpdb->prepare( "INSERT INTO `{$table}` (user_id, secret, recovery, ctime, vtime, mode) VALUES (%d, %s, %s, %d, %d, %s)", $r[0], $r[1], $r[2], $now - 86400, $now - 3600, $r[3] ) );
		}
		$mine   = $this->give_totp( $has['id'] );
		$ids    = array( $ok['id'], $short['id'], $mode['id'], $has['id'] );
		$source = $this->source_rows();
		$before = $this->state( $ids );

		$dry = $this->import( 'wordfence', '--dry-run' );
		$this->assertSame( $before, $this->state( $ids ), 'a dry run changes nothing' );
		$this->assertSame( array( 'would import', 'would import' ), array( $dry[ $ok['id'] ]['totp'], $dry[ $ok['id'] ]['backup_codes'] ) );

		$out = $this->import( 'wordfence' );
		$this->assertSame( array( 'imported', 'imported', 'imported' ), array( $out[ $ok['id'] ]['result'], $out[ $ok['id'] ]['totp'], $out[ $ok['id'] ]['backup_codes'] ) );
		$this->assertSame( array( 'skipped', 'invalid: key shorter than 128 bits' ), array( $out[ $short['id'] ]['result'], $out[ $short['id'] ]['totp'] ) );
		$this->assertSame( array( 'skipped', 'invalid: not an authenticator (mode)' ), array( $out[ $mode['id'] ]['result'], $out[ $mode['id'] ]['totp'] ) );
		$this->assertSame( array( 'unchanged', 'kept' ), array( $out[ $has['id'] ]['result'], $out[ $has['id'] ]['totp'] ) );
		$this->assertSame( $mine, ( new Twofa_Provider_Totp() )->secret( $has['id'] ) );
		$this->assertSame( $before[ $short['id'] ], $this->state( array( $short['id'] ) )[ $short['id'] ] );
		$this->assertSame( $before[ $mode['id'] ], $this->state( array( $mode['id'] ) )[ $mode['id'] ] );
		$this->assertSame( 5, Twofa_Backup_Codes::remaining( $ok['id'] ) );
		$this->assertOneEvent( $ok['id'], Twofa_Events::IMPORT, 'totp' );
		$this->assertSame( $source, $this->source_rows(), 'the source table is untouched' );
		foreach ( $this->state( array( $ok['id'] ) )[ $ok['id'] ]['meta'] as $row ) {
			foreach ( $codes as $code ) {
				$this->assertStringNotContainsStringIgnoringCase( bin2hex( $code ), $row['meta_value'], 'no recovery code is stored as it is' );
			}
		}

		$after = $this->state( $ids );
		$this->import( 'wordfence' );
		$this->assertSame( $after, $this->state( $ids ), 'a second run changes nothing' );

		$secret = ( new Twofa_Provider_Totp() )->secret( $ok['id'] );
		$this->login_with( $ok, 'totp', twofa_totp_code( $this->base32( $key ), time() ) );
		$this->assertSame( $secret, $this->base32( $key ) );
		// Wordfence shows a code as "1234 5678 90AB CDEF".
		$shown = strtoupper( implode( ' ', str_split( bin2hex( $codes[2] ), 4 ) ) );
		$this->login_with( $ok, 'backup_codes', $shown );
		$this->assertSame( 4, Twofa_Backup_Codes::remaining( $ok['id'] ) );
		$this->assertInstanceOf( WP_Error::class, Twofa_Backup_Codes::consume( $ok['id'], $shown ), 'a recovery code works once' );
		$this->assertTrue( Twofa_Backup_Codes::consume( $ok['id'], bin2hex( $codes[0] ) ), 'lower case without spaces works too' );
	}

	public function test_the_tools_screen_runs_a_dry_run_then_the_import_and_checks_who_asks(): void {
		global $wpdb;
		$admin = $this->make_user( 'administrator' );
		$user  = $this->make_user();
		$key   = random_bytes( 20 );
		$wpdb->query( $wpdb->prepare( 'INSERT INTO `' . Twofa_Importer_Wordfence::table() . "` (user_id, secret, recovery, ctime, vtime, mode) VALUES (%d, %s, '', 0, 0, 'authenticator')", $user['id'], $key ) );
		$page = '/wp-admin/tools.php?page=twofa-import';

		$editor = new Http_Client();
		$this->password_step( $editor, $this->make_user( 'editor' ) );
		$editor->get( $page );
		$this->assertSame( 403, $editor->last['status'], 'an editor may not import' );

		$client = new Http_Client();
		$this->password_step( $client, $admin );
		$this->assertTrue( $client->has_login_cookie() );
		$client->get( $page );
		$this->assertSame( 200, $client->last['status'] );
		$nonce = (string) $client->field( 'twofa_import_nonce' );
		$this->assertNotSame( '', $nonce );

		$client->post( $page, array( 'source' => 'wordfence', 'twofa_do' => 'import' ) );
		$this->assertFalse( ( new Twofa_Provider_Totp() )->is_configured( $user['id'] ), 'no nonce: nothing imported' );

		$client->post( $page, array( 'twofa_import_nonce' => $nonce, 'source' => 'wordfence', 'twofa_do' => 'dry_run' ) );
		$this->assertMatchesRegularExpression( '#<tr data-user="' . $user['id'] . '">.*?would import#s', $client->last['body'] );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertFalse( ( new Twofa_Provider_Totp() )->is_configured( $user['id'] ), 'the dry run imported nothing' );
		$this->assertStringContainsString( 'Import now', $client->last['body'] );

		$client->post( $page, array( 'twofa_import_nonce' => $nonce, 'source' => 'wordfence', 'twofa_do' => 'import' ) );
		$this->assertMatchesRegularExpression( '#<tr data-user="' . $user['id'] . '">.*?<td class="column-result">imported</td>#s', $client->last['body'] );
		wp_cache_delete( $user['id'], 'user_meta' );
		$this->assertSame( $this->base32( $key ), ( new Twofa_Provider_Totp() )->secret( $user['id'] ) );
		$this->assertSame( (string) $admin['id'], $this->assertOneEvent( $user['id'], Twofa_Events::IMPORT, 'totp' )['actor_id'] );
	}

	/**
	 * Base32 of raw bytes, computed here independently of the plugin.
	 *
	 * @param string $bytes Raw key.
	 */
	private function base32( string $bytes ): string {
		$bits = '';
		foreach ( str_split( $bytes ) as $c ) {
			$bits .= str_pad( decbin( ord( $c ) ), 8, '0', STR_PAD_LEFT );
		}
		$out = '';
		foreach ( str_split( $bits, 5 ) as $chunk ) {
			$out .= 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[ bindec( str_pad( $chunk, 5, '0' ) ) ];
		}
		return $out;
	}
}
