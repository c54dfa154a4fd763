<?php
/**
 * Complete two-step logins per second (password POST, then the TOTP code POST, until the
 * logged-in cookie arrives) on the cluster stack: all connections on web node A ("one node")
 * against the same connections spread over web nodes A and B ("two nodes"), where every request
 * goes to the next node in turn, as behind a round-robin load balancer without sticky sessions
 * (the second step usually lands on the other node and the other Galera node). The two modes
 * alternate within one run; the ratio is taken per pair of rounds.
 *
 * Usage: php -d extension=… -d twofa.key_file=… logins.php WP_DIR URL_A URL_B [ROUNDS] [SECONDS] [CONNECTIONS]
 */

if ( PHP_SAPI !== 'cli' || $argc < 4 ) {
	fwrite( STDERR, "usage: php logins.php WP_DIR URL_A URL_B [ROUNDS] [SECONDS] [CONNECTIONS]\n" );
	exit( 2 );
}
$wp_dir  = rtrim( $argv[1], '/' );
$nodes   = array( rtrim( $argv[2], '/' ), rtrim( $argv[3], '/' ) );
$rounds  = max( 1, (int) ( $argv[4] ?? 3 ) );
$seconds = max( 1, (int) ( $argv[5] ?? 8 ) );
$lanes   = max( 1, (int) ( $argv[6] ?? 8 ) );

require dirname( __DIR__, 2 ) . '/tests/stack/cli-request.php';
twofa_cli_request( $nodes[0] );
define( 'WP_USE_THEMES', false );
require $wp_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/user.php';
if ( ! class_exists( 'Twofa_Hooks' ) || ! function_exists( 'twofa_totp_code' ) ) {
	fwrite( STDERR, "the twofa plugin and extension must be active\n" );
	exit( 1 );
}
require dirname( __DIR__ ) . '/login/lib.php';

/**
 * One round of $lanes connections doing complete two-step logins for $seconds.
 *
 * @param string[] $targets Web nodes, used in turn request by request.
 * @return array{logins:int, errors:int}
 */
function cluster_bench_round( array $targets, array &$users, int $lanes, int $seconds ): array {
	static $cursor = 0;
	$next  = 0;
	$multi = curl_multi_init();
	$done  = array( 'logins' => 0, 'errors' => 0 );
	$jobs  = array();
	$until = microtime( true ) + $seconds;
	$node  = static function () use ( $targets, &$next ): string {
		return $targets[ $next++ % count( $targets ) ];
	};
	$launch = static function () use ( &$jobs, $multi, &$users, &$cursor, $node ): void {
		$pick = bench_pick_totp( $users, $cursor );
		if ( null === $pick ) {
			fwrite( STDERR, "no user with an unused code left: the pool is too small for this rate\n" );
			return;
		}
		$job       = array(
			'user'   => $pick[0],
			'at'     => $pick[1],
			'stage'   => 0,
			'cookies' => array(),
		);
		$u         = $users[ $pick[0] ];
		$job['ch'] = bench_post( $node() . '/wp-login.php', array( 'log' => $u['login'], 'pwd' => $u['pass'] ), $job['cookies'] );
		curl_multi_add_handle( $multi, $job['ch'] );
		$jobs[ spl_object_id( $job['ch'] ) ] = $job;
	};
	for ( $i = 0; $i < $lanes; $i++ ) {
		$launch();
	}
	while ( $jobs ) {
		curl_multi_exec( $multi, $running );
		// Completed transfers first, then wait: a wait before reading them would leave a finished
		// request unnoticed until another socket stirs (or the timeout), adding client time to
		// every request, the more to the kind that sends more of them.
		$handled = false;
		while ( $info = curl_multi_info_read( $multi ) ) {
			$handled = true;
			$ch  = $info['handle'];
			$key = spl_object_id( $ch );
			$job = $jobs[ $key ];
			unset( $jobs[ $key ] );
			$status = (int) curl_getinfo( $ch, CURLINFO_RESPONSE_CODE );
			$body   = (string) curl_multi_getcontent( $ch );
			curl_multi_remove_handle( $multi, $ch );
			$in_time = microtime( true ) < $until;
			if ( 0 === $job['stage'] && 200 === $status && preg_match( '/name="twofa_nonce" value="([0-9a-f]{64})"/', $body, $m ) && ! $job['cookies'] ) {
				$u            = $users[ $job['user'] ];
				$job['ch']    = bench_post(
					$node() . '/wp-login.php?action=twofa_challenge',
					array(
						'twofa_user'   => $u['id'],
						'twofa_nonce'  => $m[1],
						'twofa_method' => 'totp',
						'twofa_do'     => 'verify',
						'twofa_code'   => twofa_totp_code( $u['secret'], $job['at'] ),
					),
					$job['cookies']
				);
				$job['stage'] = 1;
				curl_multi_add_handle( $multi, $job['ch'] );
				$jobs[ spl_object_id( $job['ch'] ) ] = $job;
				continue;
			}
			if ( 1 === $job['stage'] && 302 === $status && $job['cookies'] ) {
				if ( $in_time ) {
					++$done['logins'];
				}
			} else {
				++$done['errors'];
				// Why, in words: the status, the step, and the error box of the page.
				$why = 'HTTP ' . $status . ' at step ' . ( $job['stage'] + 1 );
				if ( preg_match( '#<div id="login_error"[^>]*>(.*?)</div>#s', $body, $e ) ) {
					$why .= ': ' . trim( preg_replace( '/\s+/', ' ', html_entity_decode( strip_tags( $e[1] ) ) ) );
				}
				$done['why'][ $why ] = ( $done['why'][ $why ] ?? 0 ) + 1;
			}
			if ( $in_time ) {
				$launch();
			}
		}
		if ( ! $handled ) {
			curl_multi_select( $multi, 0.05 );
		}
	}
	curl_multi_close( $multi );
	return $done;
}

// A user passes about one code per 30 s time step (this step's, or the next one's once), so
// the pool must cover 30 s of the fastest rate (about 110 logins/s with 8 connections here).
$t0    = microtime( true );
$users = bench_make_users( max( 300, 500 * $lanes ), true, 50 );
fwrite( STDERR, sprintf( "created %d two-step users in %.0f s\n", count( $users ), microtime( true ) - $t0 ) );
cluster_bench_round( $nodes, $users, $lanes, 2 ); // Warm-up of both nodes, not counted.

$ratios = array();
$ones   = array();
$twos   = array();
$errors = 0;
for ( $r = 1; $r <= $rounds; $r++ ) {
	// Alternate which mode goes first, so drift within a pair falls on both alike.
	$order = 1 === $r % 2 ? array( 'one', 'two' ) : array( 'two', 'one' );
	$rate  = array();
	foreach ( $order as $mode ) {
		$res           = cluster_bench_round( 'one' === $mode ? array( $nodes[0] ) : $nodes, $users, $lanes, $seconds );
		$rate[ $mode ] = $res['logins'] / $seconds;
		if ( 0 === $res['logins'] ) {
			fwrite( STDERR, "round $r ($mode): no login completed\n" );
			exit( 1 );
		}
		$errors       += $res['errors'];
		if ( $res['errors'] > 0 ) {
			fwrite( STDERR, sprintf( "round %d (%s): %d logins did not complete: %s\n", $r, $mode, $res['errors'], json_encode( $res['why'] ?? array() ) ) );
		}
	}
	$ratio    = $rate['one'] > 0 ? $rate['two'] / $rate['one'] : 0.0;
	$ratios[] = $ratio;
	$ones[]   = $rate['one'];
	$twos[]   = $rate['two'];
	printf( "round %d: two web nodes %.1f logins/s, one web node %.1f logins/s, ratio %.3f\n", $r, $rate['two'], $rate['one'], $ratio );
}
sort( $ratios );
sort( $ones );
sort( $twos );
$median = static fn( array $v ) => $v[ intdiv( count( $v ), 2 ) ];
printf( "median: two web nodes %.1f, one web node %.1f complete two-step logins/s (%d connections); ratio two/one %.3f; incomplete logins %d\n", $median( $twos ), $median( $ones ), $lanes, $median( $ratios ), $errors );

// The users stay: the cluster is private to this run (bench/cluster/run.sh removes it).
