<?php
/**
 * Helpers for the tests against the cluster stack (tests/cluster/cluster.sh): two web nodes
 * (nginx + PHP-FPM), each on its own Galera node, and direct reads of every Galera node.
 *
 * This process loads WordPress through Galera node 1. Its reads wait for the cluster
 * (wsrep_sync_wait), so what it checks includes every write committed on another node.
 */

require_once dirname( __DIR__ ) . '/login/class-login-testcase.php';

abstract class Cluster_TestCase extends Login_TestCase {

	/**
	 * Open connections to the Galera nodes: node number => mysqli.
	 *
	 * @var array<int,mysqli>
	 */
	private static $nodes = array();

	protected function setUp(): void {
		global $wpdb;
		parent::setUp();
		$this->assertNotFalse( getenv( 'TWOFA_WP_URL_B' ), 'the cluster stack is running (source .cluster/env)' );
		// Causal reads for this process: a SELECT waits until node 1 applied what the cluster committed.
		$wpdb->query( 'SET SESSION wsrep_sync_wait = 1' );
	}

	public static function tearDownAfterClass(): void {
		foreach ( self::$nodes as $db ) {
			$db->close();
		}
		self::$nodes = array();
		parent::tearDownAfterClass();
	}

	/**
	 * Base URL of a web node.
	 *
	 * @param string $web 'a' (Galera node 1) or 'b' (Galera node 2).
	 */
	protected static function web( string $web ): string {
		return (string) getenv( 'a' === $web ? 'TWOFA_WP_URL_A' : 'TWOFA_WP_URL_B' );
	}

	/**
	 * The challenge URL of a web node.
	 *
	 * @param string $web 'a' or 'b'.
	 */
	protected static function challenge_url( string $web ): string {
		return self::web( $web ) . '/wp-login.php?action=twofa_challenge';
	}

	/**
	 * $n challenge URLs, alternating between the two web nodes.
	 *
	 * @param int $n How many.
	 * @return string[]
	 */
	protected static function split_urls( int $n ): array {
		$urls = array();
		for ( $i = 0; $i < $n; $i++ ) {
			$urls[] = self::challenge_url( 0 === $i % 2 ? 'a' : 'b' );
		}
		return $urls;
	}

	/**
	 * The verify form of the challenge page a client shows.
	 *
	 * @param Http_Client $client Browser on the challenge page.
	 * @param string      $method totp|email.
	 * @param string      $code   Code.
	 * @return array<string,string>
	 */
	protected function verify_fields( Http_Client $client, string $method, string $code ): array {
		$nonce = $client->field( 'twofa_nonce' );
		$this->assertNotNull( $nonce, 'the page carries a login nonce: ' . $this->error_text( $client ) );
		return array(
			'twofa_user'   => (string) $client->field( 'twofa_user' ),
			'twofa_nonce'  => (string) $nonce,
			'twofa_method' => $method,
			'twofa_do'     => 'verify',
			'twofa_code'   => $code,
		);
	}

	/**
	 * A connection to one Galera node (as the site's database user), reads causal.
	 *
	 * @param int $node 1, 2 or 3.
	 */
	protected static function node( int $node ): mysqli {
		if ( isset( self::$nodes[ $node ] ) ) {
			return self::$nodes[ $node ];
		}
		mysqli_report( MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT );
		$db = new mysqli(
			'127.0.0.1',
			(string) getenv( 'TWOFA_MYSQL_USER' ),
			(string) getenv( 'TWOFA_MYSQL_PASSWORD' ),
			(string) getenv( 'TWOFA_MYSQL_DATABASE' ),
			(int) getenv( 'TWOFA_GALERA_' . $node . '_PORT' )
		);
		$db->set_charset( 'utf8mb4' );
		$db->query( 'SET SESSION wsrep_sync_wait = 1' );
		self::$nodes[ $node ] = $db;
		return $db;
	}

	/**
	 * Forgets a node's connection (after the node was killed).
	 *
	 * @param int $node Node.
	 */
	protected static function forget_node( int $node ): void {
		if ( isset( self::$nodes[ $node ] ) ) {
			try {
				self::$nodes[ $node ]->close();
			} catch ( Throwable $e ) {
				unset( $e ); // A dead server's connection may not close cleanly.
			}
			unset( self::$nodes[ $node ] );
		}
	}

	/**
	 * Waits until every running node has applied every write committed so far (a causal
	 * SELECT on each), so a request to either web node sees what this process just wrote.
	 *
	 * @param int[] $nodes Nodes to wait for.
	 */
	protected static function replicated( array $nodes = array( 1, 2, 3 ) ): void {
		foreach ( $nodes as $node ) {
			self::node( $node )->query( 'SELECT 1' );
		}
	}

	/**
	 * The twofa meta and session tokens of some users as one node has them.
	 *
	 * @param int   $node     Node.
	 * @param int[] $user_ids Users.
	 * @return array<int,array<string,string>> Rows (umeta_id, user_id, meta_key, meta_value).
	 */
	protected static function node_rows( int $node, array $user_ids ): array {
		$ids  = implode( ',', array_map( 'intval', $user_ids ) );
		$res  = self::node( $node )->query(
			"SELECT umeta_id, user_id, meta_key, meta_value FROM wp_usermeta WHERE user_id IN ($ids)"
			. " AND (meta_key LIKE '\\_twofa\\_%' OR meta_key = 'session_tokens') ORDER BY umeta_id"
		);
		$rows = $res->fetch_all( MYSQLI_ASSOC );
		$res->free();
		return $rows;
	}

	/**
	 * Asserts that all three nodes hold the same rows for these users.
	 *
	 * @param int[] $user_ids Users.
	 */
	protected function assertSameOnAllNodes( array $user_ids ): void {
		$first = self::node_rows( 1, $user_ids );
		$this->assertNotEmpty( $first, 'node 1 has rows for the users' );
		foreach ( array( 2, 3 ) as $node ) {
			$this->assertSame( $first, self::node_rows( $node, $user_ids ), 'node ' . $node . ' holds the same twofa rows and sessions as node 1' );
		}
	}

	/**
	 * How many rows one node has for a user's meta key (one, or none: never two).
	 *
	 * @param int    $node    Node.
	 * @param int    $user_id User.
	 * @param string $key     Meta key.
	 * @return string[] The values.
	 */
	protected static function node_values( int $node, int $user_id, string $key ): array {
		$stmt = self::node( $node )->prepare( 'SELECT meta_value FROM wp_usermeta WHERE user_id = ? AND meta_key = ? ORDER BY umeta_id' );
		$stmt->bind_param( 'is', $user_id, $key );
		$stmt->execute();
		$values = array_column( $stmt->get_result()->fetch_all( MYSQLI_NUM ), 0 );
		$stmt->close();
		return array_map( 'strval', $values );
	}

	/**
	 * Runs tests/cluster/cluster.sh with arguments; fails the test on error.
	 *
	 * @param string $args Arguments (already safe).
	 */
	protected static function cluster( string $args ): string {
		$script = dirname( __DIR__, 2 ) . '/cluster/cluster.sh';
		$out    = array();
		exec( 'bash ' . escapeshellarg( $script ) . ' ' . $args . ' 2>&1', $out, $rc );
		if ( 0 !== $rc ) {
			throw new RuntimeException( 'cluster.sh ' . $args . " failed:\n" . implode( "\n", $out ) );
		}
		return implode( "\n", $out );
	}

	/**
	 * A full two-step login (password, then the current TOTP code) on one web node.
	 *
	 * @param string $web    'a' or 'b'.
	 * @param array  $user   From make_user().
	 * @param string $secret TOTP secret.
	 * @return Http_Client The browser after the second step.
	 */
	protected function totp_login( string $web, array $user, string $secret ): Http_Client {
		$client = new Http_Client( self::web( $web ) );
		$this->password_step( $client, $user );
		$this->submit_code( $client, 'totp', $this->totp( $secret ) );
		return $client;
	}
}
