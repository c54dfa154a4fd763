<?php
/**
 * The final check of a test run: no row of the activity log holds a code, a secret, a token
 * or a hash. Runs after every other suite (tests/suites/99-events-scan.sh), so the table holds
 * what the real flows of the whole run wrote: once with the single site loaded, and once with
 * the multisite network's WordPress loaded (the network's one table, suite 62's flows).
 *
 * Two checks per row. Known values: every secret twofa stored during the run (the stack's
 * witness files of the site and of the network: sealed secrets, opened authenticator secrets, keyed hashes, random ids), every
 * code the sidecar emailed (the outbox and the SMTP sink), the site key and the administrator's
 * password. Patterns: runs of six digits, sealed values (`tf1.`), keyed hashes (`h1.`), base32,
 * hex and base64 runs long enough to be a secret. The scanner is first shown a row with a
 * planted secret in the real table, and must find it, so a scanner that sees nothing fails.
 */

final class EventsScanTest extends Twofa_TestCase {

	/**
	 * Patterns no stored column may match: name => regex. The user agent is the client's own
	 * text and may hold version numbers, so the six-digit rule does not apply to it.
	 */
	const PATTERNS = array(
		'six digits'   => '/\d{6}/',
		'sealed value' => '/tf1\./',
		'keyed hash'   => '/h1\.[A-Za-z0-9_-]{16,}/',
		'base32 run'   => '/[A-Z2-7]{16,}/',
		'hex run'      => '/[0-9a-fA-F]{32,}/',
		'base64 run'   => '/[A-Za-z0-9+\/_-]{40,}/',
	);

	/**
	 * Text columns of a row.
	 */
	const COLUMNS = array( 'event', 'method', 'via', 'ip', 'user_agent', 'details' );

	/**
	 * The events the earlier suites must have left in the table of the single site: its suites
	 * run every flow.
	 */
	const SITE_EVENTS = array( Twofa_Events::LOGIN_PASSED, Twofa_Events::CODE_REFUSED, Twofa_Events::LOCKOUT, Twofa_Events::METHOD_CONFIGURED, Twofa_Events::METHOD_REMOVED, Twofa_Events::RESET, Twofa_Events::SETTINGS_CHANGED );

	/**
	 * The events suite 62 must have left in the network's table: a method set up on site 1, a
	 * login on site 2, the network policy saved.
	 */
	const NETWORK_EVENTS = array( Twofa_Events::LOGIN_PASSED, Twofa_Events::METHOD_CONFIGURED, Twofa_Events::SETTINGS_CHANGED );

	/**
	 * Known secret values of the run: value => where it came from.
	 *
	 * @var array<string,string>|null
	 */
	private static $known = null;

	/**
	 * Every known secret of the run.
	 *
	 * @return array<string,string>
	 */
	private function known(): array {
		if ( null !== self::$known ) {
			return self::$known;
		}
		$known = array();
		$files = array( 'TWOFA_SECRETS_SEEN' => (string) getenv( 'TWOFA_SECRETS_SEEN' ) );
		if ( '' !== (string) getenv( 'TWOFA_MS_URL' ) ) {
			$files['TWOFA_MS_SECRETS_SEEN'] = (string) getenv( 'TWOFA_MS_SECRETS_SEEN' );
		}
		foreach ( $files as $name => $seen ) {
			$this->assertNotSame( '', $seen, "$name is set (restart the stack with this version of tests/stack)" );
			$this->assertFileExists( $seen );
			foreach ( file( $seen, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES ) ?: array() as $line ) {
				if ( strlen( $line ) >= 16 ) {
					$known[ $line ] = 'a stored secret';
				}
			}
		}
		foreach ( array( getenv( 'TWOFA_OUTBOX' ), getenv( 'TWOFA_SMTP_MAILDIR' ) ) as $dir ) {
			if ( ! is_string( $dir ) || '' === $dir || ! is_dir( $dir ) ) {
				continue;
			}
			$files = new RecursiveIteratorIterator( new RecursiveDirectoryIterator( $dir, FilesystemIterator::SKIP_DOTS ) );
			foreach ( $files as $file ) {
				$text = quoted_printable_decode( (string) file_get_contents( (string) $file ) );
				// The codes of the OTP emails: six digits standing alone in the body.
				$body = substr( $text, (int) strpos( $text, "\n\n" ) );
				if ( preg_match_all( '/(?<![0-9])([0-9]{3} ?[0-9]{3})(?![0-9])/', $body, $m ) ) {
					foreach ( $m[1] as $code ) {
						$known[ str_replace( ' ', '', $code ) ] = 'an emailed code';
					}
				}
			}
		}
		$key = (string) file_get_contents( (string) getenv( 'TWOFA_KEY_FILE' ) );
		if ( '' !== $key ) {
			$known[ bin2hex( $key ) ]                         = 'the site key';
			$known[ rtrim( base64_encode( $key ), '=' ) ]     = 'the site key';
			$known[ rtrim( strtr( base64_encode( $key ), '+/', '-_' ), '=' ) ] = 'the site key';
		}
		$password = (string) getenv( 'TWOFA_ADMIN_PASSWORD' );
		if ( '' !== $password ) {
			$known[ $password ] = "the administrator's password";
		}
		self::$known = $known;
		return $known;
	}

	/**
	 * What is wrong with a row ('' when nothing).
	 *
	 * @param array<string,mixed>  $row   Row.
	 * @param array<string,string> $known Known secrets.
	 */
	private function problems( array $row, array $known ): array {
		$out = array();
		foreach ( self::COLUMNS as $column ) {
			$value = (string) ( $row[ $column ] ?? '' );
			if ( '' === $value ) {
				continue;
			}
			foreach ( self::PATTERNS as $name => $regex ) {
				if ( 'user_agent' === $column && 'six digits' === $name ) {
					continue;
				}
				if ( preg_match( $regex, $value ) ) {
					$out[] = "$column looks like a $name";
				}
			}
		}
		$text = implode( "\n", array_map( static fn( $c ) => (string) ( $row[ $c ] ?? '' ), self::COLUMNS ) );
		foreach ( $known as $secret => $what ) {
			if ( false !== strpos( $text, (string) $secret ) ) {
				$out[] = "a column holds $what";
			}
		}
		return $out;
	}

	/**
	 * Every row of the table, checked in batches; id => problems.
	 *
	 * @param array<string,string> $known Known secrets.
	 * @return array{rows:int, bad:array<int,string[]>}
	 */
	private function scan_table( array $known ): array {
		global $wpdb;
		$table = Twofa_Events::table();
		$after = 0;
		$rows  = 0;
		$bad   = array();
		do {
			$batch = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE id > %d ORDER BY id LIMIT 2000", $after ), ARRAY_A );
			foreach ( $batch as $row ) {
				++$rows;
				$after    = (int) $row['id'];
				$problems = $this->problems( $row, $known );
				if ( $problems ) {
					$bad[ $after ] = $problems;
				}
			}
		} while ( count( $batch ) === 2000 );
		return array(
			'rows' => $rows,
			'bad'  => $bad,
		);
	}

	public function test_the_run_left_secrets_and_events_to_compare(): void {
		global $wpdb;
		$known = $this->known();
		$this->assertContains( 'an emailed code', $known, 'the run emailed codes (the outbox is read)' );
		$this->assertGreaterThan( 0, count( array_filter( array_keys( $known ), static fn( $v ) => (bool) preg_match( '/^[A-Z2-7]{32}$/', (string) $v ) ) ), 'the witness opened authenticator secrets' );
		$this->assertGreaterThan( 0, count( array_filter( array_keys( $known ), static fn( $v ) => 0 === strpos( (string) $v, 'h1.' ) ) ), 'the witness saw keyed hashes' );
		$events = $wpdb->get_col( 'SELECT DISTINCT event FROM ' . Twofa_Events::table() );
		foreach ( is_multisite() ? self::NETWORK_EVENTS : self::SITE_EVENTS as $event ) {
			$this->assertContains( $event, $events, "the other suites recorded $event events in " . Twofa_Events::table() . ' (run this suite after them)' );
		}
	}

	public function test_the_scanner_finds_a_planted_secret_in_the_table(): void {
		global $wpdb;
		$known  = $this->known();
		$secret = (string) array_search( 'a stored secret', $known, true );
		$this->assertNotSame( '', $secret );
		$code = (string) array_search( 'an emailed code', $known, true );
		$wpdb->query( 'START TRANSACTION' );
		try {
			$wpdb->insert( Twofa_Events::table(), array( 'event' => 'login_passed', 'user_agent' => 'agent ' . $secret, 'details' => 'keys=x' ) );
			$planted_secret = (int) $wpdb->insert_id;
			$wpdb->insert( Twofa_Events::table(), array( 'event' => 'login_passed', 'user_agent' => 'agent/' . $code ) );
			$planted_code = (int) $wpdb->insert_id;
			$wpdb->insert( Twofa_Events::table(), array( 'event' => 'login_passed', 'details' => 'nonce=' . bin2hex( random_bytes( 32 ) ) ) );
			$planted_hex = (int) $wpdb->insert_id;
			$scan        = $this->scan_table( $known );
		} finally {
			$wpdb->query( 'ROLLBACK' );
		}
		$this->assertArrayHasKey( $planted_secret, $scan['bad'], 'a stored secret is found' );
		$this->assertArrayHasKey( $planted_code, $scan['bad'], 'an emailed code is found, even in the user agent' );
		$this->assertArrayHasKey( $planted_hex, $scan['bad'], 'an unknown random token is found by its shape' );
		$this->assertNull( $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM ' . Twofa_Events::table() . ' WHERE id = %d', $planted_secret ) ), 'the planted rows are gone' );
	}

	public function test_no_row_of_the_activity_log_holds_a_secret(): void {
		$scan = $this->scan_table( $this->known() );
		// The network's table holds only suite 62's few flows.
		$this->assertGreaterThan( is_multisite() ? count( self::NETWORK_EVENTS ) : 50, $scan['rows'], 'the run left events to scan' );
		$report = array();
		foreach ( array_slice( $scan['bad'], 0, 20, true ) as $id => $problems ) {
			$report[] = "row $id: " . implode( '; ', array_unique( $problems ) );
		}
		$this->assertSame( array(), $scan['bad'], count( $scan['bad'] ) . " of {$scan['rows']} rows hold secrets:\n" . implode( "\n", $report ) );
		fwrite( STDERR, sprintf( "scanned %d activity log rows of %s against %d known secrets: none found\n", $scan['rows'], DB_NAME . '.' . Twofa_Events::table(), count( $this->known() ) ) );
	}
}
