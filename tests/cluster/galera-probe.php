<?php
/**
 * What a multi-primary Galera cluster does to the plugin's statements, measured on the running
 * cluster stack (.cluster/env exported), on a scratch table shaped like wp_usermeta:
 *
 * 1. reads after a write on another node: a row written on node 1, read on node 2 at once,
 *    with wsrep_sync_wait = 0 (the default) and = 1; stale reads and read latency for each;
 * 2. conflicting writes: two processes, one on node 1 and one on node 2, run the plugin's
 *    atomic increment (UPDATE … SET meta_value = LAST_INSERT_ID(meta_value + 1)) on one row at
 *    the same time; how many statements fail with 1213 (certification conflict / deadlock,
 *    after the server's own wsrep_retry_autocommit), and whether the counter equals the
 *    statements that succeeded;
 * 3. compare-and-delete of one single-use value from both nodes at once, many rounds: how often
 *    both (or neither) see an affected row.
 *
 * Usage: php galera-probe.php [ROUNDS]   Prints one `key=value` line per figure; exits 1 when
 * a causal read (wsrep_sync_wait = 1) was stale, a counter is off, or a value was used twice.
 */

if ( PHP_SAPI !== 'cli' ) {
	exit( 2 );
}
$rounds = max( 50, (int) ( $argv[1] ?? 1000 ) );

mysqli_report( MYSQLI_REPORT_OFF );

/**
 * A connection to one node as the site's user.
 *
 * @param int $node Node number.
 */
function probe_db( int $node ): mysqli {
	$db = mysqli_init();
	$db->real_connect( '127.0.0.1', (string) getenv( 'TWOFA_MYSQL_USER' ), (string) getenv( 'TWOFA_MYSQL_PASSWORD' ), (string) getenv( 'TWOFA_MYSQL_DATABASE' ), (int) getenv( 'TWOFA_GALERA_' . $node . '_PORT' ) );
	if ( $db->connect_errno ) {
		fwrite( STDERR, "node $node: " . $db->connect_error . "\n" );
		exit( 1 );
	}
	return $db;
}

/**
 * Runs SQL; exits on an unexpected error.
 *
 * @param mysqli $db  Connection.
 * @param string $sql Statement.
 * @return mysqli_result|bool
 */
function probe_q( mysqli $db, string $sql ) {
	$r = $db->query( $sql );
	if ( false === $r ) {
		fwrite( STDERR, 'SQL failed (' . $db->errno . '): ' . $db->error . "\n" );
		exit( 1 );
	}
	return $r;
}

$one = probe_db( 1 );
$two = probe_db( 2 );
probe_q( $one, 'DROP TABLE IF EXISTS twofa_probe' );
probe_q( $one, 'CREATE TABLE twofa_probe (umeta_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id BIGINT UNSIGNED NOT NULL, meta_key VARCHAR(255), meta_value LONGTEXT, KEY user_id (user_id), KEY meta_key (meta_key(191))) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4' );
probe_q( $one, "INSERT INTO twofa_probe (user_id, meta_key, meta_value) VALUES (1, '_twofa_login_nonce', '0'), (1, '_twofa_failures', '0')" );
probe_q( $two, "SET SESSION wsrep_sync_wait = 1" );
probe_q( $two, 'SELECT COUNT(*) FROM twofa_probe' )->free();
$fail = false;

// 1. Read on node 2 right after a commit on node 1.
foreach ( array( 0, 1 ) as $wait ) {
	probe_q( $two, "SET SESSION wsrep_sync_wait = $wait" );
	$stale = 0;
	$time  = 0.0;
	for ( $i = 1; $i <= $rounds; $i++ ) {
		$value = $wait . ':' . $i;
		probe_q( $one, "UPDATE twofa_probe SET meta_value = '$value' WHERE user_id = 1 AND meta_key = '_twofa_login_nonce'" );
		$t0 = hrtime( true );
		$r  = probe_q( $two, "SELECT meta_value FROM twofa_probe WHERE user_id = 1 AND meta_key = '_twofa_login_nonce'" );
		$time += ( hrtime( true ) - $t0 ) / 1e6;
		$row = $r->fetch_row();
		$r->free();
		if ( ( $row[0] ?? null ) !== $value ) {
			++$stale;
		}
	}
	printf( "read_after_remote_write.sync_wait_%d.stale=%d/%d\n", $wait, $stale, $rounds );
	printf( "read_after_remote_write.sync_wait_%d.read_ms=%.3f\n", $wait, $time / $rounds );
	if ( 1 === $wait && $stale > 0 ) {
		$fail = true;
	}
}
probe_q( $two, 'SET SESSION wsrep_sync_wait = 0' );

// 2. The atomic increment from both nodes at once.
$one->close();
$two->close();
$per     = $rounds;
$results = array();
$pids    = array();
$pipes   = array();
foreach ( array( 1, 2 ) as $node ) {
	$pair = stream_socket_pair( STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP );
	$pid  = pcntl_fork();
	if ( 0 === $pid ) {
		fclose( $pair[0] );
		$db  = probe_db( $node );
		$ok  = 0;
		$err = array();
		for ( $i = 0; $i < $per; $i++ ) {
			$r = $db->query( "UPDATE twofa_probe SET meta_value = LAST_INSERT_ID(CAST(meta_value AS SIGNED) + 1) WHERE user_id = 1 AND meta_key = '_twofa_failures'" );
			if ( false === $r ) {
				$err[ $db->errno ] = ( $err[ $db->errno ] ?? 0 ) + 1;
			} elseif ( 1 === $db->affected_rows ) {
				++$ok;
			}
		}
		fwrite( $pair[1], json_encode( array( 'ok' => $ok, 'errors' => $err ) ) );
		fclose( $pair[1] );
		exit( 0 );
	}
	fclose( $pair[1] );
	$pids[ $node ]  = $pid;
	$pipes[ $node ] = $pair[0];
}
foreach ( $pids as $node => $pid ) {
	$results[ $node ] = json_decode( (string) stream_get_contents( $pipes[ $node ] ), true );
	pcntl_waitpid( $pid, $status );
}
$one = probe_db( 1 );
probe_q( $one, 'SET SESSION wsrep_sync_wait = 1' );
$r     = probe_q( $one, "SELECT meta_value FROM twofa_probe WHERE user_id = 1 AND meta_key = '_twofa_failures'" );
$final = (int) $r->fetch_row()[0];
$r->free();
$ok     = $results[1]['ok'] + $results[2]['ok'];
$errors = array();
foreach ( $results as $res ) {
	foreach ( $res['errors'] as $code => $n ) {
		$errors[ $code ] = ( $errors[ $code ] ?? 0 ) + $n;
	}
}
printf( "increment.statements=%d\n", 2 * $per );
printf( "increment.succeeded=%d\n", $ok );
printf( "increment.failed=%s\n", $errors ? implode( ',', array_map( static fn( $c, $n ) => "$n x error $c", array_keys( $errors ), $errors ) ) : '0' );
printf( "increment.final_value=%d\n", $final );
if ( $final !== $ok ) {
	fwrite( STDERR, "the counter ($final) differs from the increments that succeeded ($ok)\n" );
	$fail = true;
}

// 3. Compare-and-delete of one value from both nodes at once.
$twice   = 0;
$neither = 0;
$errs    = 0;
$cas     = max( 50, intdiv( $rounds, 10 ) );
for ( $i = 0; $i < $cas; $i++ ) {
	$value = 'n' . $i;
	probe_q( $one, "DELETE FROM twofa_probe WHERE meta_key = '_twofa_login_nonce'" );
	probe_q( $one, "INSERT INTO twofa_probe (user_id, meta_key, meta_value) VALUES (1, '_twofa_login_nonce', '$value')" );
	// A child's exit would close a connection it inherited: none is open while they run.
	$one->close();
	$won   = array();
	$kids  = array();
	$pipes = array();
	foreach ( array( 1, 2 ) as $node ) {
		$pair = stream_socket_pair( STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP );
		$pid  = pcntl_fork();
		if ( 0 === $pid ) {
			fclose( $pair[0] );
			$db = probe_db( $node );
			$db->query( 'SET SESSION wsrep_sync_wait = 1' );
			$db->query( 'SELECT 1' );
			// Both connected and caught up: wait for the start signal, then go at once.
			fwrite( $pair[1], 'r' );
			fread( $pair[1], 1 );
			$r = $db->query( "DELETE FROM twofa_probe WHERE user_id = 1 AND meta_key = '_twofa_login_nonce' AND meta_value = '$value'" );
			fwrite( $pair[1], false === $r ? 'e' . $db->errno : (string) $db->affected_rows );
			exit( 0 );
		}
		fclose( $pair[1] );
		$kids[ $node ]  = $pid;
		$pipes[ $node ] = $pair[0];
	}
	foreach ( $pipes as $pipe ) {
		fread( $pipe, 1 );
	}
	foreach ( $pipes as $pipe ) {
		fwrite( $pipe, 'g' );
	}
	foreach ( $kids as $node => $pid ) {
		$won[ $node ] = (string) stream_get_contents( $pipes[ $node ] );
		pcntl_waitpid( $pid, $status );
	}
	$one  = probe_db( 1 );
	$wins = count( array_filter( $won, static fn( $w ) => '1' === $w ) );
	$errs += count( array_filter( $won, static fn( $w ) => 'e' === ( $w[0] ?? '' ) ) );
	if ( $wins > 1 ) {
		++$twice;
	} elseif ( 0 === $wins ) {
		++$neither;
	}
}
printf( "consume.rounds=%d\n", $cas );
printf( "consume.used_twice=%d\n", $twice );
printf( "consume.used_by_neither=%d\n", $neither );
printf( "consume.statement_errors=%d\n", $errs );
if ( $twice > 0 ) {
	$fail = true;
}
probe_q( $one, 'DROP TABLE twofa_probe' );
exit( $fail ? 1 : 0 );
