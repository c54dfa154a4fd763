<?php
/**
 * twofa network-activated on the stack's subdirectory multisite network (site 1 at /, site 2
 * at /site2/), over HTTP: the network's policy, one 2FA state per user for every site, the
 * site id of events, the network report. Run by tests/suites/62-multisite.sh, which points
 * TWOFA_WP_DIR and TWOFA_WP_URL at the network.
 */

require_once dirname( __DIR__ ) . '/configure/class-configure-testcase.php';
require_once dirname( __DIR__, 2 ) . '/wp-cli/class-wp-cli.php';
require_once dirname( __DIR__, 2 ) . '/wp-cli/utils.php';
require_once ABSPATH . 'wp-admin/includes/ms.php';

/**
 * The tests share the network: each restores the network's settings and deletes its users.
 */
final class MultisiteTest extends Configure_TestCase {

	const NETWORK_PAGE = '/wp-admin/network/settings.php?page=twofa-settings';

	/**
	 * The network's settings option before the test (null: none).
	 *
	 * @var mixed
	 */
	private $saved_network;

	/**
	 * Whether setUp() got as far as saving it (only then does tearDown() put it back).
	 *
	 * @var bool
	 */
	private $network_saved = false;

	/**
	 * Users made by the test, deleted from the network afterwards.
	 *
	 * @var int[]
	 */
	private $users = array();

	protected function setUp(): void {
		parent::setUp();
		$this->assertTrue( is_multisite(), 'the tests run against the multisite network' );
		$this->assertTrue( Twofa_Settings::is_network(), 'twofa is network-activated' );
		$this->saved_network = $this->stored_network();
		$this->network_saved = true;
	}

	protected function tearDown(): void {
		wp_cache_flush();
		if ( $this->network_saved && null === $this->saved_network ) {
			delete_site_option( Twofa_Settings::OPTION );
		} elseif ( $this->network_saved ) {
			update_site_option( Twofa_Settings::OPTION, $this->saved_network );
		}
		$this->network_saved = false;
		foreach ( $this->users as $id ) {
			wpmu_delete_user( $id );
		}
		$this->users = array();
		parent::tearDown();
	}

	/**
	 * A network user with a role on each site listed (site id => role), on no other site.
	 *
	 * @param array<int,string> $roles Site id => role.
	 * @return array{id:int, login:string, password:string, email:string}
	 */
	private function network_user( array $roles ): array {
		$user = $this->make_user( 'subscriber' );
		remove_user_from_blog( $user['id'], 1 );
		foreach ( $roles as $site => $role ) {
			add_user_to_blog( $site, $user['id'], $role );
		}
		$this->users[] = $user['id'];
		return $user;
	}

	/**
	 * The network's option straight from the database.
	 *
	 * @return mixed
	 */
	private function stored_network() {
		global $wpdb;
		$raw = $wpdb->get_var( $wpdb->prepare( "SELECT meta_value FROM {$wpdb->sitemeta} WHERE meta_key = %s AND site_id = %d", Twofa_Settings::OPTION, get_current_network_id() ) );
		return null === $raw ? null : maybe_unserialize( $raw );
	}

	/**
	 * A client with a session of the user on $base (site 1 when null).
	 *
	 * @param int         $user_id User ID.
	 * @param string|null $base    Site address.
	 */
	private function client_on( int $user_id, ?string $base = null ): Http_Client {
		$client = $this->client_for( $user_id );
		if ( null !== $base ) {
			$client->base = rtrim( $base, '/' );
		}
		return $client;
	}

	/**
	 * Site 2's address.
	 */
	private function site2(): string {
		$url = (string) getenv( 'TWOFA_MS_SITE2_URL' );
		$this->assertNotSame( '', $url, 'TWOFA_MS_SITE2_URL is set' );
		return $url;
	}

	/**
	 * The password step on a site's wp-login.php with a fresh browser.
	 *
	 * @param string $base Site address.
	 * @param array  $user From network_user().
	 */
	private function password_step( string $base, array $user ): Http_Client {
		$client = new Http_Client( $base );
		$client->post(
			'/wp-login.php',
			array(
				'log' => $user['login'],
				'pwd' => $user['password'],
			)
		);
		return $client;
	}

	/**
	 * Posts the network page's settings form with the page's own nonce.
	 *
	 * @param Http_Client         $admin  Super admin's client.
	 * @param array<string,mixed> $fields twofa_settings fields.
	 * @return string The page the save redirected to.
	 */
	private function save_network_form( Http_Client $admin, array $fields ): string {
		$page = $admin->get( self::NETWORK_PAGE );
		$this->assertSame( 200, $page['status'], 'the network settings page answers 200' );
		$nonce = $this->xpath( $page['body'] )->query( '//form[contains(@action,"edit.php?action=twofa_network_settings")]//input[@name="_wpnonce"]/@value' );
		$this->assertSame( 1, $nonce->length, 'the settings form posts to network/edit.php with a nonce' );
		$save = $admin->post(
			'/wp-admin/network/edit.php?action=twofa_network_settings',
			array(
				'_wpnonce'             => $nonce->item( 0 )->nodeValue,
				Twofa_Settings::OPTION => array( '_form' => '1' ) + $fields,
			)
		);
		$this->assertSame( 302, $save['status'], 'the save redirects back' );
		$this->assertStringContainsString( 'page=twofa-settings', $admin->location() );
		return $admin->get( $admin->location() )['body'];
	}

	public function test_the_network_page_saves_one_policy_for_every_site_with_the_same_checks(): void {
		$admin    = $this->client_on( 1 );
		$site_own = get_blog_option( 2, Twofa_Settings::OPTION );
		$policy   = array(
			'methods'        => array( 'totp', 'email', 'backup_codes' ),
			'required_roles' => array( 'editor' ),
			'grace_days'     => '0',
			'lockout_after'  => '12',
		);

		// An invalid value: every problem said, nothing saved.
		$page = $this->save_network_form( $admin, array( 'grace_days' => '999' ) + $policy );
		$this->assertStringContainsString( 'grace_days must be a whole number from 0 to 365', $page );
		$this->assertStringContainsString( 'Nothing was saved', $page );
		wp_cache_flush();
		$this->assertSame( $this->saved_network, $this->stored_network(), 'the network option is unchanged' );

		$page = $this->save_network_form( $admin, $policy );
		$this->assertStringContainsString( 'Settings saved.', $page );
		wp_cache_flush();
		$stored = $this->stored_network();
		$this->assertSame( 12, $stored['lockout_after'] );
		$this->assertSame( array( 'editor' ), $stored['required_roles'] );
		$this->assertSame( $site_own, get_blog_option( 2, Twofa_Settings::OPTION ), 'no site option was written' );
		switch_to_blog( 2 );
		$this->assertSame( 12, Twofa_Settings::get( 'lockout_after' ), 'site 2 reads the network policy' );
		restore_current_blog();

		$events = $this->events_of( 1, Twofa_Events::SETTINGS_CHANGED );
		$last   = end( $events );
		$this->assertSame( '1', $last['site_id'] );
		$this->assertStringContainsString( 'scope=network', $last['details'] );
		$this->assertStringContainsString( 'lockout_after', $last['details'] );

		// The policy holds on both sites: an editor of site 2 only must set 2FA up when logging in
		// on site 2 and on site 1 (the login cookie opens both); a subscriber logs straight in.
		$editor = $this->network_user( array( 2 => 'editor' ) );
		foreach ( array( $this->site2(), (string) getenv( 'TWOFA_WP_URL' ) ) as $base ) {
			$client = $this->password_step( $base, $editor );
			$this->assertStringContainsString( 'Set up two-factor authentication', $client->last['body'], "first-login setup on $base" );
			$this->assertFalse( $client->has_login_cookie() );
		}
		$subscriber = $this->network_user( array( 2 => 'subscriber' ) );
		$client     = $this->password_step( $this->site2(), $subscriber );
		$this->assertSame( 302, $client->last['status'] );
		$this->assertTrue( $client->has_login_cookie(), 'a role the policy does not name logs straight in' );

		// The sites' own Settings → Two-Factor is gone, and options.php does not take the option.
		$site_page = $this->client_on( 1, $this->site2() )->get( '/wp-admin/options-general.php?page=twofa-settings' );
		$this->assertNotSame( 200, $site_page['status'] );
		$this->assertStringNotContainsString( 'name="twofa_settings[methods][]"', $site_page['body'] );
	}

	public function test_a_site_admin_cannot_change_the_network_policy(): void {
		$site_admin = $this->network_user( array( 2 => 'administrator' ) );
		$this->assertFalse( is_super_admin( $site_admin['id'] ) );
		$before = $this->stored_network();

		$client = $this->client_on( $site_admin['id'], $this->site2() );
		foreach ( array( $this->site2(), (string) getenv( 'TWOFA_WP_URL' ) ) as $base ) {
			$client->base = $base;
			$page         = $client->get( self::NETWORK_PAGE );
			$this->assertContains( $page['status'], array( 302, 403 ), "no network settings page on $base" );
			$this->assertStringNotContainsString( 'twofa_network_settings', $page['body'] );
		}
		$post = $client->post(
			'/wp-admin/network/edit.php?action=twofa_network_settings',
			array(
				'_wpnonce'             => wp_create_nonce( Twofa_Settings_Page::NETWORK_ACTION ),
				Twofa_Settings::OPTION => array( '_form' => '1', 'methods' => array( 'email' ), 'lockout_after' => '1000' ),
			)
		);
		$this->assertFalse( 302 === $post['status'] && str_contains( $client->location(), 'updated=true' ), 'the post is refused' );

		// The handler's own checks, with a nonce that is valid for this user: the capability decides.
		wp_set_current_user( $site_admin['id'] );
		switch_to_blog( 2 );
		$nonce = wp_create_nonce( Twofa_Settings_Page::NETWORK_ACTION );
		$this->assertNotFalse( wp_verify_nonce( $nonce, Twofa_Settings_Page::NETWORK_ACTION ) );
		$result = Twofa_Settings_Page::process_network_save(
			array(
				'_wpnonce'             => $nonce,
				Twofa_Settings::OPTION => array( '_form' => '1', 'methods' => array( 'email' ), 'lockout_after' => '1000' ),
			)
		);
		restore_current_blog();
		$this->assertWPError( $result );
		$this->assertSame( 'twofa_forbidden', $result->get_error_code() );
		wp_cache_flush();
		$this->assertSame( $before, $this->stored_network(), 'the network policy is unchanged' );
	}

	public function test_totp_set_up_on_site_1_is_asked_on_site_2_and_shown_there(): void {
		$user = $this->network_user(
			array(
				1 => 'subscriber',
				2 => 'subscriber',
			)
		);

		// Configure 2FA on site 1.
		$client = $this->client_on( $user['id'] );
		$begin  = $this->submit( $client, $this->open_page( $client, $user['id'] ), 'totp_begin' );
		$secret = $this->shown_secret( $begin['body'] );
		$done   = $this->submit( $client, $begin['body'], 'totp_verify', array( 'twofa_code' => twofa_totp_code( $secret, time() ) ) );
		$this->assertSame( 302, $done['status'] );
		$this->assertSame( 'Primary', $this->card_status( $done['body'], 'totp' ) );

		// The login on site 2 asks for the code, and takes it.
		$login = $this->password_step( $this->site2(), $user );
		$this->assertStringContainsString( 'id="twofa_code"', $login->last['body'], 'the challenge on site 2' );
		$this->assertFalse( $login->has_login_cookie() );
		$code = twofa_totp_code( $secret, time() + 30 );
		$login->post(
			'/wp-login.php?action=twofa_challenge',
			array(
				'twofa_user'   => (string) $login->field( 'twofa_user' ),
				'twofa_nonce'  => (string) $login->field( 'twofa_nonce' ),
				'twofa_method' => 'totp',
				'twofa_do'     => 'verify',
				'twofa_code'   => $code,
			)
		);
		$this->assertSame( 302, $login->last['status'] );
		$this->assertTrue( $login->has_login_cookie(), 'logged in on site 2 with the code of the authenticator set up on site 1' );

		// Configure 2FA on site 2 shows the same state.
		$page = $login->get( '/wp-admin/profile.php?page=twofa-configure' );
		$this->assertSame( 200, $page['status'] );
		$this->assertSame( 'Primary', $this->card_status( $page['body'], 'totp' ) );
		$this->assertStringContainsString( 'Reconfigure', $this->card_text( $page['body'], 'totp' ) );

		// Each event carries the site it happened on.
		$sites = array();
		foreach ( $this->events_of( $user['id'] ) as $row ) {
			$sites[ $row['event'] ] = $row['site_id'];
		}
		$this->assertSame( '1', $sites[ Twofa_Events::METHOD_CONFIGURED ] ?? null, 'configured on site 1' );
		$this->assertSame( '2', $sites[ Twofa_Events::LOGIN_PASSED ] ?? null, 'logged in on site 2' );

		// The network's activity page filters by site.
		$admin = $this->client_on( 1 );
		foreach ( array(
			'2' => Twofa_Events::LOGIN_PASSED,
			'1' => Twofa_Events::METHOD_CONFIGURED,
		) as $site => $event ) {
			$list = $admin->get( '/wp-admin/network/users.php?page=twofa-activity&site=' . $site . '&user=' . $user['login'] );
			$this->assertSame( 200, $list['status'] );
			$shown = array();
			foreach ( $this->xpath( $list['body'] )->query( '//table[contains(@class,"twofa-activity-table")]//tr[@data-event]/@data-event' ) as $attr ) {
				$shown[] = $attr->nodeValue;
			}
			$this->assertContains( $event, $shown, "site $site lists $event" );
			$this->assertStringContainsString( '<td>' . esc_html( get_site( (int) $site )->domain . get_site( (int) $site )->path ) . '</td>', $list['body'], 'the rows name their site' );
			$this->assertNotContains( '1' === (string) $site ? Twofa_Events::LOGIN_PASSED : Twofa_Events::METHOD_CONFIGURED, $shown, "site $site lists only its own events" );
		}
	}

	public function test_the_network_report_counts_the_users_of_every_site(): void {
		global $wpdb;
		$on_site_1 = $this->network_user( array( 1 => 'author' ) );
		$this->give_totp( $on_site_1['id'] );
		$on_site_2 = $this->network_user( array( 2 => 'editor' ) );

		$admin   = $this->client_on( 1 );
		$network = $admin->get( '/wp-admin/network/users.php?page=twofa-report' );
		$this->assertSame( 200, $network['status'] );
		$xpath = $this->xpath( $network['body'] );
		$all   = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->users}" );
		$this->assertSame( (string) $all, trim( $xpath->query( '//p[@class="twofa-report-summary"]/strong[2]' )->item( 0 )->textContent ), 'every user of the network' );
		$this->assertSame( 1, $xpath->query( sprintf( '//tr[@data-user-id="%d"]', $on_site_2['id'] ) )->length, 'the user of site 2 is listed without 2FA' );
		$this->assertSame( 0, $xpath->query( sprintf( '//tr[@data-user-id="%d"]', $on_site_1['id'] ) )->length );
		$this->assertSame( 1, $xpath->query( '//table[contains(@class,"twofa-report-roles")]//tr[@data-role="editor"]' )->length, 'a role held on site 2 only is counted' );

		// Site 1's own report counts site 1's users only.
		$site = $admin->get( '/wp-admin/users.php?page=twofa-report' );
		$this->assertSame( 200, $site['status'] );
		$this->assertSame( 0, $this->xpath( $site['body'] )->query( sprintf( '//tr[@data-user-id="%d"]', $on_site_2['id'] ) )->length );

		// wp twofa report --network gives the same figures.
		WP_CLI::reset();
		WP_CLI::add_command( 'twofa', 'Twofa_CLI_Command' );
		wp_cache_flush();
		$out = WP_CLI::run( array( 'twofa', 'report', '--network', '--format=json' ) );
		$this->assertSame( 0, $out['exit'], $out['stderr'] );
		$rows = array_column( (array) json_decode( $out['stdout'], true ), null, 'role' );
		$this->assertSame( $all, (int) $rows['all']['users'] );
		$this->assertGreaterThanOrEqual( 1, (int) $rows['editor']['users'] );
		$local = WP_CLI::run( array( 'twofa', 'report', '--format=json' ) );
		$this->assertSame( 0, $local['exit'], $local['stderr'] );
		$this->assertLessThan( $all, (int) array_column( (array) json_decode( $local['stdout'], true ), null, 'role' )['all']['users'], 'without --network: site 1 only' );
	}

	public function test_uninstall_removes_the_network_settings_and_every_site_s(): void {
		global $wpdb;
		$like       = $wpdb->esc_like( '_twofa_' ) . '%';
		$saved_meta = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$wpdb->usermeta} WHERE meta_key LIKE %s", $like ), ARRAY_A );
		$events     = Twofa_Events::table();
		$keep       = $events . '_kept';
		$wpdb->query( "DROP TABLE IF EXISTS {$keep}" );
		$wpdb->query( "CREATE TABLE {$keep} LIKE {$events}" );
		$wpdb->query( "INSERT INTO {$keep} SELECT * FROM {$events}" );
		$user = $this->network_user( array( 2 => 'subscriber' ) );
		$this->give_totp( $user['id'] );
		$this->assertTrue( Twofa_Settings::update( array( 'grace_days' => 4 ) ) );
		update_blog_option( 2, Twofa_Settings::OPTION, array( 'grace_days' => 2 ) );
		set_site_transient( 'twofa_probe', 'x', 300 );
		$this->assertSame( $events, $wpdb->base_prefix . Twofa_Events::TABLE, 'one table for the network' );
		$this->assertNull( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->get_blog_prefix( 2 ) . Twofa_Events::TABLE ) ), 'no table per site' );

		try {
			$script = tempnam( sys_get_temp_dir(), 'twofa-uninstall' );
			file_put_contents(
				$script,
				'<?php
				require getenv( "TWOFA_REPO_DIR" ) . "/tests/stack/cli-request.php";
				twofa_cli_request( getenv( "TWOFA_WP_URL" ), "/wp-admin/network/plugins.php" );
				define( "WP_ADMIN", true );
				require getenv( "TWOFA_WP_DIR" ) . "/wp-load.php";
				define( "WP_UNINSTALL_PLUGIN", "twofa/twofa.php" );
				include WP_PLUGIN_DIR . "/twofa/uninstall.php";
				echo "uninstalled";'
			);
			$output = (string) shell_exec( 'TWOFA_REPO_DIR=' . escapeshellarg( dirname( __DIR__, 3 ) ) . ' ' . (string) getenv( 'TWOFA_PHP' ) . ' ' . escapeshellarg( $script ) . ' 2>&1' );
			unlink( $script );
			$this->assertStringEndsWith( 'uninstalled', trim( $output ), $output );

			wp_cache_flush();
			$this->assertNull( $this->stored_network(), 'the network settings are gone' );
			$this->assertFalse( get_blog_option( 2, Twofa_Settings::OPTION ), "site 2's option is gone" );
			$this->assertFalse( get_site_transient( 'twofa_probe' ), 'network transients are gone' );
			$this->assertSame( '0', (string) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->usermeta} WHERE meta_key LIKE %s", $like ) ) );
			$this->assertNull( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $events ) ), 'the activity log table is dropped' );
		} finally {
			$wpdb->query( "DROP TABLE IF EXISTS {$events}" );
			$wpdb->query( "RENAME TABLE {$keep} TO {$events}" );
			update_site_option( Twofa_Events::DB_VERSION_OPTION, Twofa_Events::DB_VERSION );
			delete_blog_option( 2, Twofa_Settings::OPTION );
			foreach ( $saved_meta as $row ) {
				$wpdb->replace( $wpdb->usermeta, $row );
			}
			wp_cache_flush();
		}
	}

	/**
	 * Asserts a WP_Error.
	 *
	 * @param mixed $value Value.
	 */
	private function assertWPError( $value ): void {
		$this->assertInstanceOf( WP_Error::class, $value );
	}
}
