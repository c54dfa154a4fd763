<?php
/**
 * The two-step login on a multi-primary Galera cluster behind two web nodes (nginx + PHP-FPM):
 * single use and exact counters across nodes that accept conflicting writes, and a Galera node
 * lost and rejoined in the middle of logins.
 *
 * Each single-use secret (TOTP step, email code, backup code) gets the same treatment through
 * single_use_across_nodes(): a method that starts a login and yields a code, the code sent to
 * both nodes at once, then the same code on a fresh login on the other node.
 */

require_once __DIR__ . '/class-cluster-testcase.php';
require_once dirname( __DIR__ ) . '/support/trait-passkey-helpers.php';

final class ClusterLoginTest extends Cluster_TestCase {

	use Passkey_Helpers;

	/**
	 * The same code sent 20 times at once, split across both web nodes, logs in exactly once;
	 * a fresh login on the other node with that code is refused. Every node ends with the same
	 * rows.
	 *
	 * @param array    $user   From make_user().
	 * @param string   $method totp|email|backup_codes.
	 * @param callable $begin  fn( Http_Client $client ): string — the password step done on the
	 *                         client, returns the code to enter.
	 * @param string   $reused Words the refusal of the used code contains.
	 */
	private function single_use_across_nodes( array $user, string $method, callable $begin, string $reused ): void {
		$client = new Http_Client( self::web( 'b' ) );
		$code   = $begin( $client );
		$fields = $this->verify_fields( $client, $method, $code );

		$responses = $this->parallel_posts( self::split_urls( 20 ), $fields );
		$this->assertSame( 1, $this->count_logins( $responses ), 'exactly one of 20 requests on two web nodes logs in' );
		$this->assertSame( 1, count( array_filter( $responses, static fn( $r ) => 302 === $r['status'] ) ), 'one redirect' );
		$this->assertSame( array(), array_filter( $responses, static fn( $r ) => $r['status'] >= 500 ), 'no server error' );
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'exactly one session token' );

		// The same code on a fresh login through the other web node.
		$again = new Http_Client( self::web( 'a' ) );
		$this->password_step( $again, $user );
		$this->assertChallenge( $again, $user, 1 );
		$this->submit_code( $again, $method, $code );
		$this->assertSame( 200, $again->last['status'] );
		$this->assertStringContainsString( $reused, $this->error_text( $again ), 'the used code is refused on the other node' );
		$this->assertFalse( $again->has_login_cookie() );
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'still one session' );

		self::replicated();
		$this->assertSameOnAllNodes( array( $user['id'] ) );
	}

	public function test_one_totp_code_sent_to_both_web_nodes_gives_one_session(): void {
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		self::replicated();
		$this->single_use_across_nodes(
			$user,
			'totp',
			function ( Http_Client $client ) use ( $user, $secret ): string {
				$this->password_step( $client, $user );
				$this->assertChallenge( $client, $user );
				return $this->totp( $secret );
			},
			'already been used'
		);
		foreach ( array( 1, 2, 3 ) as $node ) {
			$this->assertCount( 1, self::node_values( $node, $user['id'], Twofa_Provider_Totp::LAST_STEP ), 'one last-step row on node ' . $node );
		}
	}

	public function test_an_email_code_passes_once_across_nodes(): void {
		$this->assertNotFalse( getenv( 'TWOFA_SIDECAR_URL_B' ), 'the cluster runs a sidecar per web node' );
		$user = $this->make_user( 'author' );
		$this->give_email( $user['id'] );
		self::replicated();
		$this->single_use_across_nodes(
			$user,
			'email',
			function ( Http_Client $client ) use ( $user ): string {
				$this->password_step( $client, $user );
				$this->assertChallenge( $client, $user );
				// Sent through web node B, whose sidecar reads Galera node 2.
				return $this->send_email_code( $client, $user );
			},
			// A code belongs to the pending login it was sent for: a fresh login does not know it.
			'No code has been sent for this step'
		);
		$record = json_decode( (string) $this->meta( $user['id'], Twofa_Provider_Email::CODE ), true );
		$this->assertIsArray( $record );
		$this->assertNotEmpty( $record['used'] ?? null, 'the code is marked used' );
	}

	public function test_a_backup_code_passes_once_across_nodes(): void {
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		$codes = Twofa_Backup_Codes::generate( $user['id'] );
		self::replicated();
		$this->single_use_across_nodes(
			$user,
			'backup_codes',
			function ( Http_Client $client ) use ( $user, $codes ): string {
				$this->password_step( $client, $user );
				$this->assertChallenge( $client, $user );
				return $codes[0];
			},
			'already been used'
		);

		// The DELETE alone, without the login nonce in front: another code, 20 times at once
		// on both web nodes, through a test page that calls the plugin's store.
		$dir   = rtrim( (string) getenv( 'TWOFA_WP_DIR' ), '/' );
		$token = bin2hex( random_bytes( 24 ) );
		$files = array( $dir . '/twofa-test-consume-backup.php', $dir . '/twofa-test-consume-backup.token' );
		copy( dirname( __DIR__ ) . '/login/fixtures/twofa-test-consume-backup.php', $files[0] );
		file_put_contents( $files[1], $token );
		try {
			$requests = array();
			for ( $i = 0; $i < 20; $i++ ) {
				$requests[] = array(
					'url'    => self::web( 0 === $i % 2 ? 'a' : 'b' ) . '/twofa-test-consume-backup.php',
					'fields' => array(
						'token' => $token,
						'user'  => (string) $user['id'],
						'code'  => $codes[1],
					),
				);
			}
			$bodies = array_column( Http_Client::parallel_posts( $requests ), 'body' );
		} finally {
			array_map( 'unlink', $files );
		}
		$this->assertSame( 1, count( array_keys( $bodies, 'consumed', true ) ), 'one of 20 DELETEs on two nodes spends the code: ' . implode( ' | ', $bodies ) );
		foreach ( $bodies as $body ) {
			// The losers either found it gone or lost the certification (and say "try again").
			$this->assertContains( $body, array( 'consumed', 'refused: twofa_backup_wrong', 'refused: ' . Twofa_User_State::BUSY ) );
		}
		self::replicated();
		foreach ( array( 1, 2, 3 ) as $node ) {
			$this->assertCount( 8, self::node_values( $node, $user['id'], Twofa_Backup_Codes::META_CODE ), 'eight codes left on node ' . $node );
		}
		$this->assertSameOnAllNodes( array( $user['id'] ) );
	}

	public function test_a_passkey_ceremony_begun_on_node_a_is_finished_on_node_b(): void {
		$user = $this->make_user( 'editor' );
		$this->give_totp( $user['id'] );
		// The site by one name on both nodes, as behind a load balancer: http://localhost:PORT of
		// web node A (WebAuthn refuses IP addresses); node B is reached with that Host header.
		$auth = $this->give_passkey( $user['id'] );
		$host = (string) wp_parse_url( $this->localhost_base(), PHP_URL_HOST ) . ':' . (int) wp_parse_url( $this->localhost_base(), PHP_URL_PORT );
		self::replicated();

		$a = $this->localhost_client();
		$this->password_step( $a, $user );
		$this->assertSame( 1, preg_match( '/data-twofa-passkey="get"[^>]*data-options="([^"]*)"[^>]*data-state="([^"]*)"/', $a->last['body'], $m ), 'node A shows the passkey ceremony: ' . $this->error_text( $a ) );
		$response = $auth->assert( html_entity_decode( $m[1], ENT_QUOTES ) );
		$fields   = $this->verify_fields( $a, 'passkey', $m[2] . '.' . $response );

		// Finished on node B (Galera node 2), which reads the state node A stored on Galera node 1.
		$b = new Http_Client( self::web( 'b' ) );
		$b->post( '/wp-login.php?action=twofa_challenge', $fields, array( 'Host' => $host ) );
		$this->assertSame( 302, $b->last['status'], 'node B finishes the ceremony: ' . $this->error_text( $b ) );
		$this->assertTrue( $b->has_login_cookie(), 'logged in on node B' );
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'one session' );

		// The same answer again, on node A with a fresh login: the state was used up on every node.
		$again = $this->localhost_client();
		$this->password_step( $again, $user );
		$this->post_passkey_answer( $again, $m[2], $response );
		$this->assertFalse( $again->has_login_cookie(), 'the used ceremony does not pass on node A' );
		$this->assertSame( 1, $this->sessions( $user['id'] ), 'still one session' );
		self::replicated();
		foreach ( array( 1, 2, 3 ) as $node ) {
			$table = Twofa_Passkey_Ceremonies::table();
			$left  = (int) self::node( $node )->query( "SELECT COUNT(*) FROM {$table} WHERE state_id = '" . self::node( $node )->real_escape_string( $m[2] ) . "'" )->fetch_row()[0];
			$this->assertSame( 0, $left, 'the ceremony state is gone on node ' . $node );
		}
		$this->assertSameOnAllNodes( array( $user['id'] ) );
	}

	/**
	 * Posts a passkey answer with the nonce of the client's current page.
	 *
	 * @param Http_Client $client   Client on a challenge page.
	 * @param string      $state_id Ceremony state id.
	 * @param string      $response Credential JSON.
	 */
	private function post_passkey_answer( Http_Client $client, string $state_id, string $response ): void {
		$this->submit_code( $client, 'passkey', $state_id . '.' . $response );
	}

	public function test_login_requests_read_causally_on_both_web_nodes(): void {
		$dir   = rtrim( (string) getenv( 'TWOFA_WP_DIR' ), '/' );
		$token = bin2hex( random_bytes( 24 ) );
		$files = array( $dir . '/twofa-test-causal-reads.php', $dir . '/twofa-test-causal-reads.token' );
		copy( __DIR__ . '/fixtures/twofa-test-causal-reads.php', $files[0] );
		file_put_contents( $files[1], $token );
		try {
			foreach ( array( 'a', 'b' ) as $web ) {
				$client = new Http_Client( self::web( $web ) );
				$client->post( '/twofa-test-causal-reads.php', array( 'token' => $token ) );
				// Off for the rest of the site, on once a login request asked for it.
				$this->assertSame( '0 1', trim( $client->last['body'] ), 'wsrep_sync_wait on web node ' . $web );
			}
		} finally {
			array_map( 'unlink', $files );
		}
	}

	public function test_a_password_given_while_node_2_lags_behind_the_2fa_setup_gets_the_challenge(): void {
		$user = $this->make_user( 'editor' );
		self::replicated();
		// Galera node 2 stops applying replicated writes while this connection holds a global
		// read lock: the authenticator set up through node 1 next is committed on the cluster, but
		// not yet on node 2, when the password reaches web node B (node 2).
		// root by the node's socket (the site's user may not take that lock).
		$node2 = new mysqli( 'localhost', 'root', '', '', 0, (string) getenv( 'TWOFA_GALERA_2_SOCKET' ) );
		$node2->query( 'FLUSH TABLES WITH READ LOCK' );
		try {
			$this->give_totp( $user['id'] );
			$multi = curl_multi_init();
			$ch    = curl_init( self::web( 'b' ) . '/wp-login.php' );
			curl_setopt_array(
				$ch,
				array(
					CURLOPT_POST           => true,
					CURLOPT_POSTFIELDS     => http_build_query(
						array(
							'log' => $user['login'],
							'pwd' => $user['password'],
						)
					),
					CURLOPT_RETURNTRANSFER => true,
					CURLOPT_HEADER         => true,
					CURLOPT_TIMEOUT        => 60,
				)
			);
			curl_multi_add_handle( $multi, $ch );
			// Long enough for the request to read the account on node 2 if it does not wait.
			for ( $until = microtime( true ) + 1.5; microtime( true ) < $until; ) {
				curl_multi_exec( $multi, $running );
				curl_multi_select( $multi, 0.05 );
			}
		} finally {
			$node2->query( 'UNLOCK TABLES' );
			$node2->close();
		}
		do {
			curl_multi_exec( $multi, $running );
			curl_multi_select( $multi, 0.05 );
		} while ( $running > 0 );
		$response = (string) curl_multi_getcontent( $ch );
		curl_multi_remove_handle( $multi, $ch );
		curl_multi_close( $multi );
		// A logged-in cookie that is set, not one the password step clears (Max-Age=0).
		$this->assertDoesNotMatchRegularExpression( '/^Set-Cookie: wordpress_logged_in_(?!.*Max-Age=0)/mi', $response, 'no session with the password alone' );
		$this->assertStringContainsString( 'id="twofa_code"', $response, 'the challenge asks for a code: the account was read as the cluster has it' );
	}

	public function test_wrong_codes_across_nodes_are_all_counted_and_the_lockout_holds_on_both(): void {
		$this->settings(
			array(
				'backoff_after'   => 100,
				'lockout_after'   => 6,
				'lockout_minutes' => 5,
			)
		);
		$user   = $this->make_user( 'editor' );
		$secret = $this->give_totp( $user['id'] );
		self::replicated();

		// A burst of one wrong code on both nodes at once: the nonce lets one through to be
		// checked and counted, the others are refused before any code is looked at.
		$client = new Http_Client( self::web( 'a' ) );
		$this->password_step( $client, $user );
		$responses = $this->parallel_posts( self::split_urls( 20 ), $this->verify_fields( $client, 'totp', $this->wrong_totp( $secret ) ) );
		$checked   = count( array_filter( $responses, static fn( $r ) => 200 === $r['status'] ) );
		$this->assertSame( 1, $checked, 'one request was checked' );
		$this->assertSame( 19, count( array_filter( $responses, static fn( $r ) => 403 === $r['status'] ) ), 'the rest refused' );
		$this->assertSame( 0, $this->count_logins( $responses ) );
		$this->assertSame( '1', (string) $this->meta( $user['id'], Twofa_User_State::FAILURES ), 'one failure counted' );

		// Then one wrong code after another, each on the other node with the nonce the previous
		// answer carried (a browser behind a load balancer without sticky sessions).
		$this->password_step( $client, $user );
		$sent = 1;
		$web  = 'b';
		for ( $i = 0; $i < 5; $i++ ) {
			$fields = $this->verify_fields( $client, 'totp', $this->wrong_totp( $secret ) );
			$client = new Http_Client( self::web( $web ) );
			$this->second_step( $client, $fields );
			++$sent;
			$this->assertSame( 200, $client->last['status'], "wrong code $sent on node $web is checked: " . $this->error_text( $client ) );
			$this->assertFalse( $client->has_login_cookie() );
			$web = 'a' === $web ? 'b' : 'a';
		}
		$this->assertStringContainsString( 'locked', $this->error_text( $client ), 'the last one locks the account' );
		self::replicated();
		foreach ( array( 1, 2, 3 ) as $node ) {
			$this->assertSame( array( (string) $sent ), self::node_values( $node, $user['id'], Twofa_User_State::FAILURES ), "node $node counted every wrong code once, in one row" );
			$this->assertCount( 1, self::node_values( $node, $user['id'], Twofa_User_State::LOCKED_UNTIL ), "node $node has the lock" );
		}

		// The lock holds on both web nodes, even for the correct code, which is not used up.
		foreach ( array( 'a', 'b' ) as $web ) {
			$fresh = new Http_Client( self::web( $web ) );
			$this->password_step( $fresh, $user );
			$this->assertStringContainsString( 'locked', $this->error_text( $fresh ), "node $web says locked" );
			$this->submit_code( $fresh, 'totp', $this->totp( $secret ) );
			$this->assertStringContainsString( 'Even a correct code is refused', $this->error_text( $fresh ), "node $web refuses the correct code" );
			$this->assertFalse( $fresh->has_login_cookie() );
		}
		$this->assertSame( 0, $this->sessions( $user['id'] ) );
		self::replicated();
		foreach ( array( 1, 2, 3 ) as $node ) {
			$this->assertSame( array( '-1' ), self::node_values( $node, $user['id'], Twofa_Provider_Totp::LAST_STEP ), "the code was not used up (node $node)" );
		}
		$this->assertSameOnAllNodes( array( $user['id'] ) );
		$this->assertSame( 1, $this->mails_to( $user['email'] ), 'one lockout notice for the series' );
	}

	public function test_a_galera_node_killed_during_logins_loses_and_doubles_nothing(): void {
		$users = array();
		for ( $i = 0; $i < 40; $i++ ) {
			$user            = $this->make_user( 'editor' );
			$user['secret']  = $this->give_totp( $user['id'] );
			$users[]         = $user;
		}
		self::replicated();
		$ids = array_column( $users, 'id' );

		// A burst: 18 logins in progress on each web node; the 36 second steps go out at once
		// and Galera node 2 (behind web node B) is killed as soon as the first one has
		// answered, while the others run.
		$clients = array();
		$fields  = array();
		foreach ( array_slice( $users, 0, 36 ) as $i => $user ) {
			$clients[ $i ] = new Http_Client( self::web( 0 === $i % 2 ? 'a' : 'b' ) );
			$this->password_step( $clients[ $i ], $user );
			$fields[ $i ] = $this->verify_fields( $clients[ $i ], 'totp', $this->totp( $user['secret'] ) );
		}
		$requests = array();
		foreach ( $fields as $i => $f ) {
			$requests[ $i ] = array(
				'url'    => $clients[ $i ]->base . '/wp-login.php?action=twofa_challenge',
				'fields' => $f,
				'cookie' => $clients[ $i ]->cookie_header(),
			);
		}
		$killed = null;
		$burst  = Http_Client::parallel_posts(
			$requests,
			static function () use ( &$killed ): void {
				$script = dirname( __DIR__, 2 ) . '/cluster/cluster.sh';
				exec( 'bash ' . escapeshellarg( $script ) . ' node-kill 2 2>&1', $out, $killed );
			}
		);
		$this->assertSame( 0, $killed, 'node 2 was killed during the burst' );
		// Then logins on web node A while node 2 is gone or being evicted.
		$started = microtime( true );
		$after   = array();
		foreach ( array_slice( $users, 36, 2, true ) as $i => $user ) {
			$after[ $i ] = $this->totp_login( 'a', $user, $user['secret'] );
		}
		$stall = microtime( true ) - $started;
		self::forget_node( 2 );
		// The survivors evict it once it has been silent for evs.inactive_timeout (6 s).
		$deadline = microtime( true ) + 30;
		while ( true ) {
			$size = trim( (string) shell_exec( 'mariadb --no-defaults -uroot -N -B --socket=' . escapeshellarg( (string) getenv( 'TWOFA_GALERA_1_SOCKET' ) ) . " -e \"SHOW STATUS LIKE 'wsrep_cluster_size'\" | cut -f2" ) );
			if ( '2' === $size || microtime( true ) > $deadline ) {
				break;
			}
			usleep( 200000 );
		}
		$this->assertSame( '2', $size, 'node 2 left the cluster' );

		$logged_in = array();
		foreach ( $burst as $i => $response ) {
			$web = 0 === $i % 2 ? 'a' : 'b';
			$ok  = $this->count_logins( array( array( 'status' => $response['status'], 'cookies' => $response['headers']['set-cookie'] ?? array() ) ) );
			if ( 'a' === $web ) {
				$said = preg_match( '#<div id="login_error"[^>]*>(.*?)</div>#s', (string) ( $response['body'] ?? '' ), $m ) ? trim( wp_strip_all_tags( $m[1] ) ) : '';
				$this->assertSame( 302, $response['status'], "burst login $i on web node A went through (the page said: $said)" );
				$this->assertSame( 1, $ok );
			}
			$logged_in[ $i ] = 1 === $ok;
		}
		foreach ( $after as $i => $client ) {
			$this->assertLoggedIn( $client, $users[ $i ] );
			$logged_in[ $i ] = true;
		}

		// Web node B has no database now: it says so, and lets no one in.
		$down = new Http_Client( self::web( 'b' ) );
		$this->password_step( $down, $users[38] );
		$this->assertGreaterThanOrEqual( 500, $down->last['status'], 'web node B fails without its database' );
		$this->assertFalse( $down->has_login_cookie() );

		// Node 2 restarts from its own data and catches up from a donor's write-set cache.
		$log_before = filesize( getenv( 'TWOFA_GALERA_2_DIR' ) . '/mysqld.log' );
		self::cluster( 'node-start 2' );
		clearstatcache();
		$restart_log = (string) file_get_contents( getenv( 'TWOFA_GALERA_2_DIR' ) . '/mysqld.log', false, null, $log_before );
		$this->assertStringContainsString( 'WSREP: Recovered position', $restart_log, 'the restart recovered its position from InnoDB' );
		$this->assertStringContainsString( 'IST received', $restart_log, 'node 2 caught up by incremental state transfer' );
		self::replicated();

		// Web node B works again, on the rejoined node.
		$back = $this->totp_login( 'b', $users[39], $users[39]['secret'] );
		$this->assertLoggedIn( $back, $users[39] );
		$logged_in[39] = true;

		// Nothing lost, nothing doubled: each user has a session exactly when a login answered
		// with one (a login cut off by the crash may have used its code without a session, never
		// the other way round), and every node holds the same rows.
		self::replicated();
		foreach ( $users as $i => $user ) {
			$sessions = $this->sessions( $user['id'] );
			if ( ! empty( $logged_in[ $i ] ) ) {
				$rows = array();
				foreach ( array( 1, 2, 3 ) as $node ) {
					$rows[] = "node $node: " . count( self::node_values( $node, $user['id'], 'session_tokens' ) ) . ' session rows, last step ' . implode( ',', self::node_values( $node, $user['id'], Twofa_Provider_Totp::LAST_STEP ) );
				}
				$this->assertSame( 1, $sessions, "user $i who got a session cookie has exactly one session (" . implode( '; ', $rows ) . ')' );
			} else {
				$this->assertLessThanOrEqual( 1, $sessions, "user $i has no second session" );
			}
		}
		$this->assertSameOnAllNodes( $ids );
		fwrite( STDERR, sprintf( "\n[cluster] burst: %d of 18 logins on web node B went through before node 2 died; logins on A right after the kill took %.1f s\n", count( array_filter( $logged_in, static fn( $v, $i ) => $v && $i < 36 && 1 === $i % 2, ARRAY_FILTER_USE_BOTH ) ), $stall ) );
	}

	/**
	 * Emails in the outbox to an address.
	 *
	 * @param string $email Recipient.
	 */
	private function mails_to( string $email ): int {
		$n = 0;
		foreach ( $this->outbox_files() as $file ) {
			if ( preg_match( '/^To:.*' . preg_quote( $email, '/' ) . '/mi', (string) file_get_contents( $file ) ) ) {
				++$n;
			}
		}
		return $n;
	}
}
