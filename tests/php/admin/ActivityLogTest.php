<?php
/**
 * The activity log for site owners: the recorder, Users → 2FA Activity (capability,
 * filters, paging, CSV export and its escaping), `wp twofa log`, the events `wp twofa`
 * causes, the retention setting and the purge.
 */

require_once __DIR__ . '/class-admin-testcase.php';

final class ActivityLogTest extends Admin_TestCase {

	protected function setUp(): void {
		parent::setUp();
		WP_CLI::add_command( 'twofa log', 'Twofa_CLI_Log_Command' );
		unset( $_SERVER['HTTP_USER_AGENT'], $_SERVER['REMOTE_ADDR'] );
	}

	protected function tearDown(): void {
		unset( $_SERVER['HTTP_USER_AGENT'], $_SERVER['REMOTE_ADDR'] );
		remove_all_actions( 'twofa_event' );
		parent::tearDown();
	}

	/**
	 * Seeds an event as if it happened $ago seconds ago.
	 *
	 * @param string              $event   Event.
	 * @param int                 $user_id User.
	 * @param int                 $ago     Seconds in the past.
	 * @param array<string,mixed> $context record() context.
	 */
	private function seed( string $event, int $user_id, int $ago = 0, array $context = array() ): void {
		Twofa_Clock::set( time() - $ago );
		$this->assertTrue( Twofa_Events::record( $event, $user_id, $context + array( 'actor' => $user_id ) ) );
		Twofa_Clock::set( null );
	}

	/**
	 * Rows of the page's table: event, user id and cells.
	 *
	 * @param string $html Page.
	 * @return array<int,array{event:string,user:string,text:string}>
	 */
	private function table_rows( string $html ): array {
		$doc = new DOMDocument();
		libxml_use_internal_errors( true );
		$doc->loadHTML( $html );
		libxml_clear_errors();
		$out = array();
		foreach ( ( new DOMXPath( $doc ) )->query( '//table[contains(@class,"twofa-activity-table")]/tbody/tr[@data-event]' ) as $tr ) {
			$out[] = array(
				'event' => $tr->getAttribute( 'data-event' ),
				'user'  => $tr->getAttribute( 'data-user' ),
				'text'  => trim( preg_replace( '/\s+/', ' ', $tr->textContent ) ),
			);
		}
		return $out;
	}

	public function test_record_writes_one_row_and_fires_the_hook(): void {
		global $wpdb;
		$u    = $this->make_user();
		$seen = array();
		add_action(
			'twofa_event',
			static function ( $event, $row ) use ( &$seen ) {
				$seen[] = array( $event, $row );
			},
			10,
			2
		);
		$_SERVER['REMOTE_ADDR']     = '203.0.113.9';
		$_SERVER['HTTP_USER_AGENT'] = str_repeat( 'Mozilla/5.0 (X11) ', 20 );
		$before                     = (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . Twofa_Events::table() );
		$this->assertTrue( Twofa_Events::record( Twofa_Events::LOCKOUT, $u['id'], array( 'details' => array( 'failures' => 10, 'minutes' => 15, 'code' => '123456', 'token' => 'abc 123', 'Bad' => 'x' ) ) ) );
		$this->assertSame( $before + 1, (int) $wpdb->get_var( 'SELECT COUNT(*) FROM ' . Twofa_Events::table() ), 'one row' );
		$row = $this->assertOneEvent( $u['id'], Twofa_Events::LOCKOUT );
		$this->assertSame( 'failures=10 minutes=15', $row['details'], 'a six-digit value, a value with a space and a bad name are dropped' );
		$this->assertSame( '203.0.113.9', $row['ip'] );
		$this->assertSame( 160, strlen( $row['user_agent'] ), 'the user agent is cut short' );
		$this->assertSame( 'cli', $row['via'] );
		$this->assertSame( '0', $row['actor_id'], 'no one logged in' );
		$this->assertCount( 1, $seen, 'the action fired once' );
		$this->assertSame( Twofa_Events::LOCKOUT, $seen[0][0] );
		$this->assertSame( (int) $row['id'], $seen[0][1]['id'] );

		// Unknown names and garbage are refused, nothing is written, the hook is not called.
		$this->assertFalse( Twofa_Events::record( 'no_such_event', $u['id'] ) );
		$this->assertFalse( Twofa_Events::record( "login_passed'; DROP TABLE x; --", $u['id'] ) );
		$_SERVER['REMOTE_ADDR'] = 'not an address';
		$this->assertTrue( Twofa_Events::record( Twofa_Events::UNLOCK, $u['id'], array( 'method' => 'TOTP; --' ) ) );
		$row = $this->assertOneEvent( $u['id'], Twofa_Events::UNLOCK );
		$this->assertSame( '', $row['ip'], 'an invalid address is not stored' );
		$this->assertCount( 2, $this->events_of( $u['id'] ) );
		$this->assertCount( 2, $seen );

		// A long list of keys keeps its first ones.
		$keys = array();
		for ( $i = 0; $i < 30; $i++ ) {
			$keys[] = 'setting_' . chr( 97 + $i % 26 ) . $i;
		}
		$this->assertTrue( Twofa_Events::record( Twofa_Events::SETTINGS_CHANGED, $u['id'], array( 'details' => array( 'keys' => $keys ) ) ) );
		$details = $this->assertOneEvent( $u['id'], Twofa_Events::SETTINGS_CHANGED )['details'];
		$this->assertStringStartsWith( 'keys=setting_a0,setting_b1,', $details );
		$this->assertStringEndsWith( ',etc', $details );
		$this->assertLessThanOrEqual( 190, strlen( $details ) );
	}

	public function test_a_write_error_is_logged_once_and_record_never_throws(): void {
		global $wpdb;
		$u     = $this->make_user();
		$table = Twofa_Events::table();
		$log   = tempnam( sys_get_temp_dir(), 'twofa-log' );
		$old   = ini_set( 'error_log', $log );
		delete_transient( Twofa_Events::ERROR_TRANSIENT );
		Twofa_Events::reset_error_log_state();
		$wpdb->query( "RENAME TABLE {$table} TO {$table}_away" );
		try {
			$fired = 0;
			add_action(
				'twofa_event',
				static function () use ( &$fired ) {
					++$fired;
				}
			);
			$this->assertFalse( Twofa_Events::record( Twofa_Events::LOGIN_PASSED, $u['id'], array( 'method' => 'totp' ) ) );
			$this->assertFalse( Twofa_Events::record( Twofa_Events::CODE_REFUSED, $u['id'], array( 'method' => 'totp' ) ) );
			$this->assertSame( 2, $fired, 'listeners still hear of both events' );
		} finally {
			$wpdb->query( "RENAME TABLE {$table}_away TO {$table}" );
			ini_set( 'error_log', (string) $old );
		}
		$text = (string) file_get_contents( $log );
		unlink( $log );
		$this->assertSame( 1, substr_count( $text, 'twofa: the activity log could not record an event' ), $text );
		$this->assertStringNotContainsString( (string) $u['id'] . "'", $text );
		Twofa_Events::reset_error_log_state();
		delete_transient( Twofa_Events::ERROR_TRANSIENT );
		$this->assertTrue( Twofa_Events::record( Twofa_Events::LOGIN_PASSED, $u['id'], array( 'method' => 'totp' ) ), 'writes work again' );
	}

	public function test_the_activity_page_needs_list_users(): void {
		$admin  = $this->make_user( 'administrator' );
		$editor = $this->make_user( 'editor' );
		$sub    = $this->make_user( 'subscriber' );
		$this->seed( Twofa_Events::LOGIN_PASSED, $sub['id'], 0, array( 'method' => 'totp' ) );

		foreach ( array( $editor, $sub ) as $who ) {
			$http = $this->login( $who );
			$http->get( '/wp-admin/users.php?page=twofa-activity' );
			$this->assertSame( 403, $http->last['status'], $who['login'] . ' may not see the page' );
			$this->assertStringNotContainsString( 'twofa-activity-table', $http->last['body'] );
			$http->get( '/wp-admin/users.php?page=twofa-configure' );
			$this->assertStringNotContainsString( 'page=twofa-activity', $http->last['body'], 'no menu entry for ' . $who['login'] );
		}

		$http = $this->login( $admin );
		$http->get( '/wp-admin/users.php?page=twofa-activity&user=' . $sub['login'] );
		$this->assertSame( 200, $http->last['status'] );
		$this->assertMatchesRegularExpression( '#<a href=[\'"]users\.php\?page=twofa-activity[\'"][^>]*>2FA Activity#', $http->last['body'], 'in the Users menu' );
		$rows = $this->table_rows( $http->last['body'] );
		$this->assertCount( 1, $rows );
		$this->assertSame( 'login_passed', $rows[0]['event'] );
		$this->assertStringContainsString( 'Google Authenticator', $rows[0]['text'] );
	}

	public function test_the_export_needs_list_users_and_a_nonce(): void {
		$admin = $this->make_user( 'administrator' );
		$sub   = $this->make_user( 'subscriber' );
		$this->seed( Twofa_Events::LOGIN_PASSED, $sub['id'], 0, array( 'method' => 'totp' ) );

		$http  = $this->login( $admin );
		$http->get( '/wp-admin/users.php?page=twofa-activity' );
		$fields = $this->form_fields( $http, 'admin-post.php' );
		$this->assertSame( 'twofa_activity_export', $fields['action'] );

		// No nonce, a wrong one, and another user's: refused, no CSV.
		foreach ( array( array( '_wpnonce' => '' ), array( '_wpnonce' => 'abcdef1234' ) ) as $bad ) {
			$http->post( '/wp-admin/admin-post.php', $bad + $fields );
			$this->assertSame( 403, $http->last['status'] );
			$this->assertStringNotContainsString( 'time,site,user', $http->last['body'] );
		}
		$sub_http = $this->login( $sub );
		$sub_http->post( '/wp-admin/admin-post.php', $fields );
		$this->assertSame( 403, $sub_http->last['status'], "a subscriber with the administrator's nonce" );
		$this->assertStringNotContainsString( 'time,site,user', $sub_http->last['body'] );
		wp_set_current_user( $sub['id'] );
		$this->assertInstanceOf( WP_Error::class, Twofa_Activity_Page::check_export( array( '_wpnonce' => wp_create_nonce( Twofa_Activity_Page::EXPORT_ACTION ) ) ), 'even with a nonce of their own' );
		wp_set_current_user( 0 );

		// GET is not an export either.
		$http->get( '/wp-admin/admin-post.php?' . http_build_query( $fields ) );
		$this->assertStringNotContainsString( 'time,site,user', $http->last['body'] );

		$http->post( '/wp-admin/admin-post.php', array( 'user' => $sub['login'] ) + $fields );
		$this->assertSame( 200, $http->last['status'] );
		$this->assertStringStartsWith( 'text/csv', $http->last['headers']['content-type'][0] ?? '' );
		$this->assertStringContainsString( 'attachment', $http->last['headers']['content-disposition'][0] ?? '' );
		$lines = array_map( 'str_getcsv', explode( "\n", trim( $http->last['body'] ) ) );
		$this->assertSame( Twofa_Event_Log::CSV_COLUMNS, $lines[0] );
		$this->assertCount( 2, $lines );
		$this->assertSame( $sub['login'], $lines[1][2] );
		$this->assertSame( 'login_passed', $lines[1][4] );
	}

	public function test_csv_export_escapes_cells_that_start_a_formula(): void {
		$admin = $this->make_user( 'administrator' );
		// Logins may start with - or @ (WordPress allows both); the browser is anyone's text.
		$dash = wp_insert_user(
			array(
				'user_login' => '-dash' . bin2hex( random_bytes( 3 ) ),
				'user_pass'  => wp_generate_password(),
				'user_email' => 'dash' . bin2hex( random_bytes( 3 ) ) . '@example.test',
				'role'       => 'subscriber',
			)
		);
		$at   = wp_insert_user(
			array(
				'user_login' => '@at' . bin2hex( random_bytes( 3 ) ),
				'user_pass'  => wp_generate_password(),
				'user_email' => 'at' . bin2hex( random_bytes( 3 ) ) . '@example.test',
				'role'       => 'subscriber',
			)
		);
		$this->assertIsInt( $dash );
		$this->assertIsInt( $at );
		$agents = array( '=HYPERLINK("http://evil.test","x")', '+SUM(1,2)', '-2+3', '@SUM(A1)', "\tTAB", 'Mozilla/5.0 =plain' );
		foreach ( $agents as $i => $agent ) {
			$_SERVER['HTTP_USER_AGENT'] = $agent;
			$this->seed( Twofa_Events::CODE_REFUSED, $i % 2 ? $at : $dash, 100 - $i, array( 'method' => 'totp' ) );
		}
		unset( $_SERVER['HTTP_USER_AGENT'] );

		$this->assertSame( "'=x", Twofa_Event_Log::csv_cell( '=x' ) );
		$this->assertSame( "'+x", Twofa_Event_Log::csv_cell( '+x' ) );
		$this->assertSame( "'-x", Twofa_Event_Log::csv_cell( '-x' ) );
		$this->assertSame( "'@x", Twofa_Event_Log::csv_cell( '@x' ) );
		$this->assertSame( 'x=1', Twofa_Event_Log::csv_cell( 'x=1' ) );
		$this->assertSame( '', Twofa_Event_Log::csv_cell( '' ) );

		$http = $this->login( $admin );
		$http->get( '/wp-admin/users.php?page=twofa-activity' );
		$fields = $this->form_fields( $http, 'admin-post.php' );
		$cells  = array();
		foreach ( array( $dash, $at ) as $id ) {
			$http->post( '/wp-admin/admin-post.php', array( 'user' => (string) $id ) + $fields );
			$this->assertSame( 200, $http->last['status'] );
			$lines = array_map( 'str_getcsv', array_slice( explode( "\n", trim( $http->last['body'] ) ), 1 ) );
			$this->assertCount( 3, $lines );
			foreach ( $lines as $line ) {
				$this->assertSame( "'" . get_userdata( $id )->user_login, $line[2], 'the login cell is escaped' );
				$cells[] = $line[8];
			}
		}
		sort( $cells );
		$expected = array( "'=HYPERLINK(\"http://evil.test\",\"x\")", "'+SUM(1,2)", "'-2+3", "'@SUM(A1)", 'TAB', 'Mozilla/5.0 =plain' );
		sort( $expected );
		$this->assertSame( $expected, $cells, 'every formula-like cell starts with an apostrophe, the others are unchanged (the tab was dropped by sanitizing)' );
		foreach ( $cells as $cell ) {
			$this->assertDoesNotMatchRegularExpression( '/^[=+\-@\t\r]/', $cell );
		}

		// `wp twofa log --format=csv` escapes the same way.
		$r = $this->cli( 'log', (string) $dash, '--format=csv' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$lines = array_map( 'str_getcsv', explode( "\n", trim( $r['stdout'] ) ) );
		$this->assertSame( Twofa_CLI_Log_Command::FIELDS, $lines[0] );
		$this->assertCount( 4, $lines );
		foreach ( array_slice( $lines, 1 ) as $line ) {
			$this->assertSame( "'" . get_userdata( $dash )->user_login, $line[1] );
			$this->assertDoesNotMatchRegularExpression( '/^[=+\-@]/', $line[7] );
		}
		wp_delete_user( $dash );
		wp_delete_user( $at );
	}

	public function test_filters_and_paging(): void {
		$admin = $this->make_user( 'administrator' );
		$a     = $this->make_user();
		$b     = $this->make_user();
		// 60 logins of A over the last 60 hours, 3 refusals of B by email 10 days ago, 1 lockout of B now.
		for ( $i = 0; $i < 60; $i++ ) {
			$this->seed( Twofa_Events::LOGIN_PASSED, $a['id'], $i * HOUR_IN_SECONDS + 60, array( 'method' => 'totp' ) );
		}
		for ( $i = 0; $i < 3; $i++ ) {
			$this->seed( Twofa_Events::CODE_REFUSED, $b['id'], 10 * DAY_IN_SECONDS + $i, array( 'method' => 'email' ) );
		}
		$this->seed( Twofa_Events::LOCKOUT, $b['id'] );

		$http = $this->login( $admin );
		$get  = function ( array $args ) use ( $http ): array {
			$http->get( '/wp-admin/users.php?' . http_build_query( array( 'page' => 'twofa-activity' ) + $args ) );
			$this->assertSame( 200, $http->last['status'] );
			return $this->table_rows( $http->last['body'] );
		};

		$rows = $get( array( 'user' => $a['login'] ) );
		$this->assertCount( 50, $rows, 'a page holds 50' );
		$this->assertStringContainsString( 'paged=2', $http->last['body'], 'a link to the older page' );
		$this->assertStringNotContainsString( 'twofa-newer', $http->last['body'] );
		$page2 = $get( array( 'user' => $a['login'], 'paged' => '2' ) );
		$this->assertCount( 10, $page2 );
		$this->assertStringContainsString( 'twofa-newer', $http->last['body'] );
		$this->assertStringNotContainsString( 'twofa-older', $http->last['body'], 'the last page' );

		$this->assertCount( 50, $get( array( 'user' => $a['email'], 'event' => 'login_passed' ) ), 'by email' );
		$this->assertCount( 10, $get( array( 'user' => (string) $a['id'], 'paged' => '2' ) ), 'by ID' );
		$this->assertSame( array(), $get( array( 'user' => $a['login'], 'event' => 'code_refused' ) ) );
		$refusals = $get( array( 'user' => $b['login'], 'method' => 'email' ) );
		$this->assertCount( 3, $refusals );
		$this->assertSame( array( 'code_refused' ), array_values( array_unique( array_column( $refusals, 'event' ) ) ) );

		$today = wp_date( 'Y-m-d' );
		$this->assertSame( array( 'lockout' ), array_column( $get( array( 'user' => $b['login'], 'from' => $today ) ), 'event' ), 'from today' );
		$old_day = wp_date( 'Y-m-d', time() - 10 * DAY_IN_SECONDS );
		$this->assertCount( 3, $get( array( 'user' => $b['login'], 'from' => $old_day, 'to' => $old_day ) ), 'one day' );
		$this->assertCount( 4, $get( array( 'user' => $b['login'], 'from' => 'garbage', 'to' => '2026-02-31' ) ), 'bad dates are ignored' );

		$none = $get( array( 'user' => 'nobody-' . bin2hex( random_bytes( 3 ) ) ) );
		$this->assertSame( array(), $none );
		$this->assertStringContainsString( 'No user has that ID, login or email address.', $http->last['body'] );
		$get( array( 'user' => '<script>alert(1)</script>', 'event' => '"><b>x' ) );
		$this->assertStringNotContainsString( '<script>alert(1)', $http->last['body'] );
		$this->assertStringNotContainsString( '"><b>x', $http->last['body'] );
	}

	public function test_wp_twofa_log_filters_and_formats(): void {
		$a = $this->make_user();
		$b = $this->make_user();
		$this->seed( Twofa_Events::LOGIN_PASSED, $a['id'], 30 * DAY_IN_SECONDS, array( 'method' => 'totp' ) );
		$this->seed( Twofa_Events::CODE_REFUSED, $a['id'], 2 * DAY_IN_SECONDS, array( 'method' => 'email' ) );
		$this->seed( Twofa_Events::LOGIN_PASSED, $a['id'], 60, array( 'method' => 'email' ) );
		$this->seed( Twofa_Events::LOGIN_PASSED, $b['id'], 60, array( 'method' => 'totp' ) );

		$r = $this->cli( 'log', $a['login'], '--format=json' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$rows = json_decode( $r['stdout'], true );
		$this->assertSame( array( 'login_passed', 'code_refused', 'login_passed' ), array_column( $rows, 'event' ), 'newest first' );
		$this->assertSame( Twofa_CLI_Log_Command::FIELDS, array_keys( $rows[0] ) );
		$this->assertSame( $a['login'], $rows[0]['user'] );
		$this->assertMatchesRegularExpression( '/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/', $rows[0]['time'] );

		$ids = fn( array $r ) => array_column( json_decode( $r['stdout'], true ), 'event' );
		$this->assertSame( array( 'login_passed', 'code_refused' ), $ids( $this->cli( 'log', (string) $a['id'], '--since=7d', '--format=json' ) ) );
		$this->assertSame( array( 'login_passed' ), $ids( $this->cli( 'log', $a['email'], '--since=1h', '--format=json' ) ) );
		$this->assertSame( array( 'code_refused' ), $ids( $this->cli( 'log', $a['login'], '--event=code_refused', '--format=json' ) ) );
		$this->assertSame( array( 'login_passed' ), $ids( $this->cli( 'log', $a['login'], '--method=totp', '--format=json' ) ) );
		$this->assertSame( array( 'login_passed' ), $ids( $this->cli( 'log', $a['login'], '--until=' . gmdate( 'Y-m-d', time() - 20 * DAY_IN_SECONDS ), '--format=json' ) ) );
		$this->assertSame( array( 'login_passed' ), $ids( $this->cli( 'log', $a['login'], '--limit=1', '--format=json' ) ) );
		$this->assertSame( "3\n", $this->cli( 'log', $a['login'], '--format=count' )['stdout'] );
		$since = gmdate( 'Y-m-d H:i:s', time() - 3 * DAY_IN_SECONDS );
		$this->assertSame( array( 'login_passed', 'code_refused' ), $ids( $this->cli( 'log', $a['login'], '--since=' . $since, '--format=json' ) ) );

		$all = $ids( $this->cli( 'log', '--since=5m', '--event=login_passed', '--limit=100000', '--format=json' ) );
		$this->assertGreaterThanOrEqual( 2, count( $all ), 'without a user: everyone' );

		$table = $this->cli( 'log', $a['login'] );
		$this->assertSame( 0, $table['exit'] );
		$this->assertMatchesRegularExpression( '/\|\s*time\s*\|\s*user\s*\|\s*event\s*\|/', $table['stdout'] );

		foreach ( array(
			array( array( 'log', 'nobody-' . bin2hex( random_bytes( 3 ) ) ), 'Invalid user ID, email or login' ),
			array( array( 'log', '--event=sql_injection' ), 'Unknown event: sql_injection' ),
			array( array( 'log', '--since=yesterday' ), '--since must be like' ),
			array( array( 'log', '--until=2026-13-01' ), '--until must be like' ),
			array( array( 'log', '--limit=0' ), '--limit must be' ),
			array( array( 'log', '--method=a b' ), 'Invalid method' ),
			array( array( 'log', '--format=xml' ), "Invalid value specified for 'format'" ),
		) as $case ) {
			$r = $this->cli( ...$case[0] );
			$this->assertSame( 1, $r['exit'], implode( ' ', $case[0] ) );
			$this->assertStringContainsString( $case[1], $r['stderr'] );
		}
	}

	public function test_wp_twofa_commands_record_their_events_once(): void {
		$u = $this->make_user();
		$this->give_totp( $u['id'] );
		$this->give_email( $u['id'] );
		update_user_meta( $u['id'], Twofa_User_State::LOCKED_UNTIL, (string) ( time() + 600 ) );
		update_user_meta( $u['id'], Twofa_User_State::FAILURES, '10' );

		$this->assertSame( 0, $this->cli( 'unlock', $u['login'] )['exit'] );
		$row = $this->assertOneEvent( $u['id'], Twofa_Events::UNLOCK );
		$this->assertSame( 'cli', $row['via'] );
		$this->assertSame( 'was_locked=yes', $row['details'] );

		$this->assertSame( 0, $this->cli( 'reset', $u['login'], '--method=email', '--yes' )['exit'] );
		$row = $this->assertOneEvent( $u['id'], Twofa_Events::METHOD_REMOVED, 'email' );
		$this->assertSame( '0', $row['actor_id'], 'WP-CLI, no user' );
		$this->assertSame( 'cli', $row['via'] );

		// A refused reset (unconfigured method) records nothing.
		$this->assertSame( 1, $this->cli( 'reset', $u['login'], '--method=email', '--yes' )['exit'] );
		$this->assertCount( 1, $this->events_of( $u['id'], Twofa_Events::METHOD_REMOVED ) );

		$this->assertSame( 0, $this->cli( 'reset', $u['login'], '--yes' )['exit'] );
		$row = $this->assertOneEvent( $u['id'], Twofa_Events::RESET );
		$this->assertSame( 'methods=totp', $row['details'] );
		$this->assertCount( 1, $this->events_of( $u['id'], Twofa_Events::METHOD_REMOVED ), 'a reset is not also a removal per method' );

		$r = $this->cli( 'log', $u['login'], '--format=json' );
		$this->assertSame( array( 'reset', 'method_removed', 'unlock', 'method_configured', 'method_configured' ), array_column( json_decode( $r['stdout'], true ), 'event' ) );
	}

	public function test_settings_changes_are_recorded_with_who_and_which_keys(): void {
		global $wpdb;
		$admin = $this->make_user( 'administrator' );
		$http  = $this->login( $admin );
		$http->get( '/wp-admin/options-general.php?page=twofa-settings' );
		$this->assertSame( 200, $http->last['status'] );
		$this->assertStringContainsString( 'Keep events for', $http->last['body'] );
		$fields = $this->form_fields( $http, 'options.php' );
		$this->assertSame( '90', $fields['twofa_settings[log_retention_days]'], 'the retention default' );

		$fields['twofa_settings[log_retention_days]'] = '30';
		$fields['twofa_settings[grace_days]']         = '4';
		$http->post( '/wp-admin/options.php', $this->nest( $fields ) );
		$this->assertSame( 302, $http->last['status'] );
		$this->assertSame( 30, $this->stored_settings()['log_retention_days'] );
		$row = $this->assertOneEvent( $admin['id'], Twofa_Events::SETTINGS_CHANGED );
		$this->assertSame( (string) $admin['id'], $row['actor_id'] );
		$this->assertSame( 'web', $row['via'] );
		$this->assertSame( 'keys=grace_days,log_retention_days', $row['details'] );

		// Saving the same values again changes nothing and records nothing.
		$http->get( '/wp-admin/options-general.php?page=twofa-settings' );
		$http->post( '/wp-admin/options.php', $this->nest( $this->form_fields( $http, 'options.php' ) ) );
		$this->assertCount( 1, $this->events_of( $admin['id'], Twofa_Events::SETTINGS_CHANGED ) );

		// Invalid retention is refused and records nothing.
		$http->get( '/wp-admin/options-general.php?page=twofa-settings' );
		$bad                                        = $this->form_fields( $http, 'options.php' );
		$bad['twofa_settings[log_retention_days]'] = '0';
		$http->post( '/wp-admin/options.php', $this->nest( $bad ) );
		$this->assertSame( 30, $this->stored_settings()['log_retention_days'] );
		$this->assertCount( 1, $this->events_of( $admin['id'], Twofa_Events::SETTINGS_CHANGED ) );
		$this->assertInstanceOf( WP_Error::class, Twofa_Settings::validate( array( 'log_retention_days' => 3651 ) ) );

		// `wp twofa policy set` is recorded too, as WP-CLI.
		$before = (int) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM ' . Twofa_Events::table() . ' WHERE event = %s AND user_id = 0', Twofa_Events::SETTINGS_CHANGED ) );
		$this->assertSame( 0, $this->cli( 'policy', 'set', '--grace-days=5' )['exit'] );
		$rows = $wpdb->get_results( $wpdb->prepare( 'SELECT * FROM ' . Twofa_Events::table() . ' WHERE event = %s AND user_id = 0 ORDER BY id DESC', Twofa_Events::SETTINGS_CHANGED ), ARRAY_A );
		$this->assertCount( $before + 1, $rows );
		$this->assertSame( 'keys=grace_days', $rows[0]['details'] );
		$this->assertSame( 'cli', $rows[0]['via'] );
	}

	public function test_purge_deletes_old_events_in_bounded_batches(): void {
		global $wpdb;
		$u     = $this->make_user();
		$table = Twofa_Events::table();
		$now   = time();
		$site  = get_current_blog_id();
		// 25 events 100 days old, 5 of 10 days, on this site; 5 old ones of another site.
		$values = array();
		for ( $i = 0; $i < 35; $i++ ) {
			$age      = $i < 25 ? 100 : ( $i < 30 ? 10 : 100 );
			$values[] = $wpdb->prepare( '(%d, %d, %d, %d, %s, %s)', $now - $age * DAY_IN_SECONDS - $i, $i < 30 ? $site : $site + 1000, $u['id'], $u['id'], Twofa_Events::LOGIN_PASSED, 'totp' );
		}
		$wpdb->query( "INSERT INTO {$table} (created_at, site_id, user_id, actor_id, event, method) VALUES " . implode( ',', $values ) );
		$count = fn() => (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE user_id = %d", $u['id'] ) );
		$this->assertSame( 35, $count() );

		$log    = new Twofa_Event_Log();
		$cutoff = $now - 90 * DAY_IN_SECONDS;
		$this->assertSame( array( 'deleted' => 20, 'more' => true ), $log->purge( $site, $cutoff, 10, 2 ), 'two batches of 10, more left' );
		$this->assertSame( 15, $count() );
		$this->assertSame( array( 'deleted' => 5, 'more' => false ), $log->purge( $site, $cutoff, 10, 2 ) );
		$this->assertSame( 10, $count(), "the recent ones and the other site's stay" );
		$this->assertSame( array( 'deleted' => 0, 'more' => false ), $log->purge( $site, $cutoff, 10, 2 ) );

		// The daily job uses the retention setting (here 7 days) and is scheduled.
		$this->assertTrue( Twofa_Settings::update( array( 'log_retention_days' => 7 ) ) );
		$result = Twofa_Event_Log::cron_purge();
		$this->assertGreaterThanOrEqual( 5, $result['deleted'] );
		$this->assertSame( 5, $count(), "only the other site's rows are left" );
		$this->assertSame( 5, (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$table} WHERE user_id = %d AND site_id = %d", $u['id'], $site + 1000 ) ) );
		$this->assertNotFalse( wp_next_scheduled( Twofa_Events::CRON_HOOK ), 'the daily purge is scheduled' );
		$this->assertSame( 'daily', wp_get_schedule( Twofa_Events::CRON_HOOK ) );
		$this->assertSame( 90, Twofa_Settings::defaults()['log_retention_days'] );
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE user_id = %d", $u['id'] ) );
	}

	public function test_personal_data_export_and_erasure(): void {
		$u     = $this->make_user();
		$other = $this->make_user();
		$_SERVER['REMOTE_ADDR']     = '198.51.100.7';
		$_SERVER['HTTP_USER_AGENT'] = 'Privacy test browser';
		$this->seed( Twofa_Events::LOGIN_PASSED, $u['id'], 60, array( 'method' => 'totp' ) );
		$this->seed( Twofa_Events::CODE_REFUSED, $u['id'], 30, array( 'method' => 'email' ) );
		$this->seed( Twofa_Events::LOGIN_PASSED, $other['id'], 30, array( 'method' => 'totp' ) );

		$exporters = apply_filters( 'wp_privacy_personal_data_exporters', array() );
		$this->assertArrayHasKey( Twofa_Event_Privacy::ID, $exporters );
		$export = call_user_func( $exporters[ Twofa_Event_Privacy::ID ]['callback'], $u['email'], 1 );
		$this->assertTrue( $export['done'] );
		$this->assertCount( 2, $export['data'], "the user's two events, not the other user's" );
		$values = array_column( $export['data'][0]['data'], 'value', 'name' );
		$this->assertSame( 'Code refused', $values['Event'] );
		$this->assertSame( '198.51.100.7', $values['IP address'] );
		$this->assertSame( 'Privacy test browser', $values['Browser'] );

		$erasers = apply_filters( 'wp_privacy_personal_data_erasers', array() );
		$erase   = call_user_func( $erasers[ Twofa_Event_Privacy::ID ]['callback'], $u['email'], 1 );
		$this->assertTrue( $erase['items_removed'] );
		$this->assertTrue( $erase['items_retained'] );
		$this->assertTrue( $erase['done'] );
		foreach ( $this->events_of( $u['id'] ) as $row ) {
			$this->assertSame( '', $row['ip'] );
			$this->assertSame( '', $row['user_agent'] );
		}
		$this->assertCount( 2, $this->events_of( $u['id'] ), 'what happened is kept' );
		$this->assertSame( '198.51.100.7', $this->events_of( $other['id'] )[0]['ip'], "another user's rows are untouched" );
		$again = call_user_func( $erasers[ Twofa_Event_Privacy::ID ]['callback'], $u['email'], 1 );
		$this->assertFalse( $again['items_removed'], 'nothing left to remove' );
		$none = call_user_func( $exporters[ Twofa_Event_Privacy::ID ]['callback'], 'nobody@example.invalid', 1 );
		$this->assertSame( array(), $none['data'] );
	}

	public function test_the_table_has_its_indexes_and_is_created_again_on_a_version_change(): void {
		global $wpdb;
		$table   = Twofa_Events::table();
		$indexes = array_unique( array_column( $wpdb->get_results( "SHOW INDEX FROM {$table}", ARRAY_A ), 'Key_name' ) );
		sort( $indexes );
		$this->assertSame( array( 'PRIMARY', 'created_at', 'site_time', 'user_time' ), $indexes );

		// A version change runs dbDelta: a lost index comes back.
		$wpdb->query( "ALTER TABLE {$table} DROP INDEX user_time" );
		update_site_option( Twofa_Events::DB_VERSION_OPTION, '0' );
		Twofa_Events::maybe_upgrade();
		$this->assertSame( Twofa_Events::DB_VERSION, get_site_option( Twofa_Events::DB_VERSION_OPTION ) );
		$this->assertContains( 'user_time', array_column( $wpdb->get_results( "SHOW INDEX FROM {$table}", ARRAY_A ), 'Key_name' ) );
		// Up to date, the check reads an autoloaded option: no query on any page.
		wp_load_alloptions();
		$queries = $wpdb->num_queries;
		Twofa_Events::maybe_upgrade();
		$this->assertSame( $queries, $wpdb->num_queries, 'the version check costs no query' );

		$u    = $this->make_user();
		$plan = $wpdb->get_row( 'EXPLAIN ' . ( new Twofa_Event_Log() )->select_sql( array( 'user_id' => $u['id'] ), 51 ), ARRAY_A );
		$this->assertSame( 'user_time', $plan['key'], 'a user filter reads the user index' );
	}
}
