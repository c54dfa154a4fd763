<?php
/**
 * Lazy loading: a front-end request with no login loads the plugin's main file
 * and Twofa_Hooks (the page view's hook table and the autoloader), and nothing else — no class, no translation,
 * no option, no query of ours; wp-login.php also loads Twofa_Login_Hooks. And the hook tables stay right: their literal hook
 * names are the classes' constants, their callbacks are public static methods.
 */

final class LazyLoadingTest extends Login_TestCase {

	/**
	 * Runs the fixture for one page in a separate php-cli process.
	 *
	 * @param string $page    front|login.
	 * @param string $mode    What the fixture adds before the plugins load (see the fixture).
	 * @param int    $user_id The user of that mode.
	 * @return array<string,mixed>
	 */
	private function request( string $page, string $mode = '', int $user_id = 0 ): array {
		$cmd    = getenv( 'TWOFA_PHP' ) . ' ' . escapeshellarg( __DIR__ . '/fixtures/twofa-test-lazy-request.php' ) . ' '
			. escapeshellarg( (string) getenv( 'TWOFA_WP_DIR' ) ) . ' ' . escapeshellarg( (string) getenv( 'TWOFA_WP_URL' ) ) . ' ' . $page
			. ( '' !== $mode ? ' ' . escapeshellarg( $mode ) . ' ' . $user_id : '' ) . ' 2>&1';
		$output = (string) shell_exec( $cmd );
		$lines  = array_values( array_filter( explode( "\n", trim( $output ) ) ) );
		$out    = json_decode( (string) end( $lines ), true );
		$this->assertIsArray( $out, "the $page request ran: " . substr( $output, 0, 500 ) );
		if ( 'user-without-credentials' !== $mode ) {
			$this->assertGreaterThan( 1000, $out['bytes'], "the $page page rendered" );
		}
		return $out;
	}

	/**
	 * Stores the settings option as this raw (serialized) value, autoloaded or not, as any
	 * writer may (update_option(), WP-CLI, an import, SQL), for the next request.
	 *
	 * @param string $raw      The option_value column.
	 * @param string $autoload yes|no.
	 */
	private function store_raw_settings( string $raw, string $autoload ): void {
		global $wpdb;
		$wpdb->query(
			$wpdb->prepare(
				"INSERT INTO {$wpdb->options} (option_name, option_value, autoload) VALUES (%s, %s, %s) ON DUPLICATE KEY UPDATE option_value = VALUES(option_value), autoload = VALUES(autoload)",
				Twofa_Settings::OPTION,
				$raw,
				$autoload
			)
		);
		wp_cache_flush();
	}

	/**
	 * Runs $test with the settings option restored afterwards, value and autoload.
	 *
	 * @param callable $test The test.
	 */
	private function keeping_settings( callable $test ): void {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT option_value, autoload FROM {$wpdb->options} WHERE option_name = %s", Twofa_Settings::OPTION ), ARRAY_A );
		try {
			$test();
		} finally {
			if ( null === $row ) {
				$wpdb->delete( $wpdb->options, array( 'option_name' => Twofa_Settings::OPTION ) );
				wp_cache_flush();
			} else {
				$this->store_raw_settings( $row['option_value'], $row['autoload'] );
			}
		}
	}

	public function test_a_front_end_request_loads_only_the_hooks(): void {
		foreach ( array( 'front', 'login' ) as $page ) {
			$out = $this->request( $page );
			$this->assertFalse( $out['translations'], "$page: translations not loaded" );
			$this->assertSame( array(), preg_grep( '/^init /', $out['callbacks'] ), "$page: nothing of ours on init" );
			$this->assertNotContains( 'Twofa_Settings', $out['classes'], "$page: the settings class not loaded" );
			$this->assertNotContains( 'Twofa_Passwordless', $out['classes'], "$page: the passkey button's class not loaded" );
			$expected = array_merge(
				Twofa_Hooks::EVERYWHERE,
				version_compare( $GLOBALS['wp_version'], '6.2', '>=' ) ? Twofa_Hooks::SET_PASSWORD : Twofa_Hooks::PASSWORD_RESET,
				// wp-login.php signs on with no credentials on every view: that check is a row from the start.
				'login' === $page ? Twofa_Login_Hooks::NO_CREDENTIALS : array()
			);
			if ( 'front' === $page ) {
				$this->assertSame( array( 'Twofa_Hooks' ), $out['classes'], "$page: classes loaded" );
				$this->assertSame( array(), $out['options'], "$page: no option of ours read or written" );
				$this->assertSame( array(), $out['queries'], "$page: no query of ours" );
			} else {
				// Whether to show "Log in with a passkey": with the setting off (here) the stored
				// option answers, no hook is added for it, and nothing else of the login is loaded.
				$this->assertSame( array( 'Twofa_Hooks', 'Twofa_Login_Hooks' ), $out['classes'], "$page: classes loaded" );
				$this->assertSame( array(), preg_grep( '/twofa_settings$/', $out['options'], PREG_GREP_INVERT ), "$page: no option of ours but the settings read" );
				$this->assertLessThanOrEqual( 1, count( $out['queries'] ), "$page: at most the settings' query" );
				$this->assertSame( array(), preg_grep( '/twofa_settings/', $out['queries'], PREG_GREP_INVERT ), "$page: no query of ours but the settings'" );
			}
			$this->assertEqualsCanonicalizing(
				array_map( static fn( $row ) => $row[0] . ' ' . implode( '::', $row[1] ), $expected ),
				// php-cli also gets the activation hooks (an installer may activate the plugin).
				array_values( preg_grep( '/^(de)?activate_/', $out['callbacks'], PREG_GREP_INVERT ) ),
				"$page: only the front end's hooks are added"
			);
		}
	}

	public function test_the_login_page_adds_the_passkey_button_when_passwordless_is_stored_on(): void {
		$this->assertSame( Twofa_Settings::OPTION, Twofa_Login_Hooks::SETTINGS_OPTION );
		$this->assertArrayHasKey( Twofa_Login_Hooks::PASSWORDLESS_SETTING, Twofa_Settings::defaults() );
		global $wpdb;
		$before   = get_option( Twofa_Settings::OPTION );
		$autoload = $wpdb->get_var( $wpdb->prepare( "SELECT autoload FROM {$wpdb->options} WHERE option_name = %s", Twofa_Settings::OPTION ) );
		try {
			$this->assertTrue( Twofa_Settings::update( array( Twofa_Login_Hooks::PASSWORDLESS_SETTING => '1' ) ) );
			$out = $this->request( 'login' );
			$this->assertContains( 'login_form Twofa_Passwordless::render_button', $out['callbacks'], 'the button is added' );
			$this->assertContains( 'Twofa_Passwordless', $out['classes'], 'and printed by its class' );
			$this->assertTrue( Twofa_Settings::update( array( Twofa_Login_Hooks::PASSWORDLESS_SETTING => '0' ) ) );
			$out = $this->request( 'login' );
			$this->assertNotContains( 'login_form Twofa_Passwordless::render_button', $out['callbacks'], 'stored off: no button' );
		} finally {
			// As it was, autoloaded or not (saving the settings stores them autoload=no).
			if ( false === $before ) {
				delete_option( Twofa_Settings::OPTION );
			} else {
				update_option( Twofa_Settings::OPTION, $before );
				$wpdb->update( $wpdb->options, array( 'autoload' => $autoload ), array( 'option_name' => Twofa_Settings::OPTION ) );
				wp_cache_flush();
			}
		}
	}

	public function test_the_login_page_reads_autoloaded_settings_without_get_option(): void {
		$this->keeping_settings(
			function () {
				$this->store_raw_settings( serialize( array( 'sidecar_url' => 'http://127.0.0.1:1' ) ), 'yes' );
				$out = $this->request( 'login' );
				// WordPress's cache of autoloaded options holds the raw value: no option hook fires.
				$this->assertSame( array(), $out['options'], 'no option hook of ours' );
				$this->assertSame( array(), $out['queries'], 'no query of ours' );
				$this->assertSame( array( 'Twofa_Hooks', 'Twofa_Login_Hooks' ), $out['classes'] );
				$this->assertNotContains( 'login_form Twofa_Passwordless::render_button', $out['callbacks'] );
			}
		);
	}

	public function test_the_login_page_adds_the_passkey_button_for_every_stored_form_of_on(): void {
		$this->keeping_settings(
			function () {
				// raw value, autoload => whether the button's hook is added. A value get_option()
				// reads as a non-empty passwordless field must add it; off may add it (the button
				// checks the setting itself), but the forms a writer stores for off must not.
				$cases = array(
					array( serialize( array( 'passwordless' => true ) ), 'yes', true ),
					array( serialize( array( 'passwordless' => true ) ), 'no', true ),
					array( serialize( array( 'sidecar_url' => 'http://127.0.0.1:1', 'passwordless' => false ) ), 'yes', false ),
					array( serialize( array( 'passwordless' => false ) ), 'no', false ),
					array( serialize( array( 'sidecar_url' => 'http://passwordless.example' ) ), 'yes', false ),
					array( 'a:1:{s:12:"passwordless";i:1;}', 'yes', true ),
					array( 'a:1:{s:12:"passwordless";s:1:"1";}', 'yes', true ),
					array( 'a:1:{s:12:"passwordless";a:1:{i:0;b:0;}}', 'yes', true ),
					array( 'a:1:{s:012:"passwordless";b:1;}', 'yes', true ),
					array( 'a:1:{S:12:"\70asswordless";b:1;}', 'yes', true ),
					array( ' ' . serialize( array( 'passwordless' => true ) ) . "\n", 'yes', true ),
					// An earlier field holding the same text, a nested array with the same key.
					array(
						serialize(
							array(
								'sidecar_url'  => 's:12:"passwordless";b:0;',
								'methods'      => array( 'passwordless' => false ),
								'passwordless' => true,
							)
						),
						'yes',
						true,
					),
				);
				foreach ( $cases as $case ) {
					list( $raw, $autoload, $on ) = $case;
					$this->store_raw_settings( $raw, $autoload );
					$this->assertSame( $on, is_array( get_option( Twofa_Settings::OPTION ) ) && ! empty( get_option( Twofa_Settings::OPTION )['passwordless'] ), "get_option() agrees: $raw" );
					$out = $this->request( 'login' );
					$this->assertSame( $on, in_array( 'login_form Twofa_Passwordless::render_button', $out['callbacks'], true ), "$raw (autoload=$autoload)" );
				}
			}
		);
	}

	public function test_an_option_filter_added_before_twofa_can_turn_the_passkey_button_on(): void {
		$this->keeping_settings(
			function () {
				$this->store_raw_settings( serialize( array( 'passwordless' => false ) ), 'yes' );
				$out = $this->request( 'login', 'option-filter-on' );
				$this->assertContains( 'login_form Twofa_Passwordless::render_button', $out['callbacks'], 'the filtered value decides' );
			}
		);
	}

	public function test_a_user_coming_out_of_a_login_without_credentials_gets_the_login_hooks(): void {
		// The plain login page: wp_signon() finds no user, the login's hooks are not added.
		$out = $this->request( 'login' );
		$this->assertEqualsCanonicalizing( array( 'Twofa_Login_Hooks::login', 'Twofa_Login_Hooks::login_without_credentials' ), $out['authenticate'] );
		// A filter (here at priority 40, as a single sign-on plugin) comes up with a user: the
		// login's hooks are added in that same pass, and the last of them (PHP_INT_MAX) runs.
		$user = $this->make_user();
		$out  = $this->request( 'login', 'user-without-credentials', (int) $user['id'] );
		foreach ( Twofa_Hook_Groups::LOGIN as $row ) {
			if ( 'authenticate' === $row[0] ) {
				$this->assertContains( implode( '::', $row[1] ), $out['authenticate'], 'the login hooks were added' );
			}
		}
		$this->assertIsArray( $out['at_wp_login'], 'the user was logged in' );
		$this->assertContains( 'Twofa_Auth_Policy', $out['at_wp_login'], 'the policy (PHP_INT_MAX) ran in the same pass' );
	}

	public function test_hook_names_are_the_constants_of_their_classes(): void {
		$names = array();
		foreach ( $this->tables() as $rows ) {
			foreach ( $rows as $row ) {
				$names[] = $row[0];
			}
		}
		foreach ( array(
			'login_form_' . Twofa_Login::ACTION,
			'login_form_' . Twofa_Demo_Mailbox::ACTION,
			'login_form_' . Twofa_Passwordless::ACTION,
			'admin_post_' . Twofa_Reset_Screen::UNLOCK_ACTION,
			'wp_ajax_' . Twofa_Passkey_Screens::AJAX_BEGIN,
			'wp_ajax_' . Twofa_Passkey_Screens::AJAX_FINISH,
			'admin_post_' . Twofa_Configure_Page::POST_ACTION,
			'admin_post_' . Twofa_Reset_Screen::ACTION,
			'admin_post_' . Twofa_Settings_Page::TEST_ACTION,
			'admin_post_' . Twofa_Activity_Page::EXPORT_ACTION,
			'admin_post_' . Twofa_Devices_Screen::POST_ACTION,
			'network_admin_edit_' . Twofa_Settings_Page::NETWORK_ACTION,
			'add_site_option_' . Twofa_Settings::OPTION,
			'update_site_option_' . Twofa_Settings::OPTION,
			Twofa_Events::CRON_HOOK,
			Twofa_Events::CRON_MORE_HOOK,
			'pre_update_option_' . Twofa_Settings::OPTION,
			'add_option_' . Twofa_Settings::OPTION,
			'update_option_' . Twofa_Settings::OPTION,
		) as $name ) {
			$this->assertContains( $name, $names );
		}
	}

	public function test_every_callback_is_a_public_static_method(): void {
		foreach ( $this->tables() as $table => $rows ) {
			foreach ( $rows as $row ) {
				$this->assertCount( 4, $row, $table );
				$this->assertIsArray( $row[1], "$table: {$row[0]}: the callback is array( class, method )" );
				$this->assertCount( 2, $row[1], "$table: {$row[0]}" );
				$name   = implode( '::', $row[1] );
				$method = new ReflectionMethod( $row[1][0], $row[1][1] );
				$this->assertTrue( $method->isPublic() && $method->isStatic(), "$table: $name" );
				$this->assertIsInt( $row[2], "$table: $name: priority" );
				$this->assertLessThanOrEqual( $method->getNumberOfParameters(), $row[3] > 1 ? $row[3] : 0, "$table: $name takes {$row[3]} arguments" );
			}
		}
		foreach ( Twofa_Hook_Groups::COMMANDS as $command ) {
			$this->assertTrue( class_exists( $command[1] ), $command[0] );
		}
	}

	/**
	 * Every hook table of Twofa_Hooks, Twofa_Login_Hooks and Twofa_Hook_Groups.
	 *
	 * @return array<string,array>
	 */
	private function tables(): array {
		$tables = array();
		foreach ( array( 'Twofa_Hooks', 'Twofa_Login_Hooks', 'Twofa_Hook_Groups' ) as $class ) {
			foreach ( ( new ReflectionClass( $class ) )->getReflectionConstants() as $constant ) {
				if ( is_array( $constant->getValue() ) && ! in_array( $constant->getName(), array( 'COMMANDS', 'FOLDERS' ), true ) ) {
					$tables[ $class . '::' . $constant->getName() ] = $constant->getValue();
				}
			}
		}
		$this->assertGreaterThan( 10, count( $tables ) );
		return $tables;
	}
}
