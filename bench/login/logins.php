<?php
/**
 * Complete logins per second through the served wp-login.php: two-step logins
 * (password, then an authenticator code) against password-only logins of users
 * without 2FA, both running at the same time with the same number of
 * connections, so machine drift hits both alike; the ratio is taken per round.
 *
 * Usage: php -d extension=… -d twofa.key_file=… logins.php WP_DIR SITE_URL [ROUNDS] [SECONDS] [LANES]
 */

if ( PHP_SAPI !== 'cli' || $argc < 3 ) {
	fwrite( STDERR, "usage: php logins.php WP_DIR SITE_URL [ROUNDS] [SECONDS] [LANES]\n" );
	exit( 2 );
}
$wp_dir  = rtrim( $argv[1], '/' );
$site    = rtrim( $argv[2], '/' );
$rounds  = max( 1, (int) ( $argv[3] ?? 3 ) );
$seconds = max( 1, (int) ( $argv[4] ?? 8 ) );
$lanes   = max( 1, (int) ( $argv[5] ?? 2 ) );

require dirname( __DIR__, 2 ) . '/tests/stack/cli-request.php';
twofa_cli_request( $site );
define( 'WP_USE_THEMES', false );
require $wp_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/user.php';
if ( ! class_exists( 'Twofa_Hooks' ) || ! function_exists( 'twofa_totp_code' ) ) {
	fwrite( STDERR, "the twofa plugin and extension must be active\n" );
	exit( 1 );
}

require __DIR__ . '/lib.php';

/**
 * One round: $lanes connections doing two-step logins and $lanes doing
 * password logins, all at once, for $seconds. Returns completed logins of each.
 */
function bench_round( string $site, array &$totp_users, array &$plain_users, int $lanes, int $seconds ): array {
	static $tcur = 0, $pcur = 0;
	$multi = curl_multi_init();
	$done  = array( 'twostep' => 0, 'password' => 0, 'errors' => 0, 'ms' => array() );
	$jobs  = array();
	$start = microtime( true );
	$until = $start + $seconds;

	$launch = static function ( string $kind ) use ( &$jobs, $multi, $site, &$totp_users, &$plain_users, &$tcur, &$pcur ) {
		$job = array( 'kind' => $kind, 'stage' => 0, 'cookies' => array() );
		if ( 'twostep' === $kind ) {
			$pick = bench_pick_totp( $totp_users, $tcur );
			if ( null === $pick ) {
				return false;
			}
			$job['user'] = $pick[0];
			$job['at']   = $pick[1];
			$u           = $totp_users[ $pick[0] ];
		} else {
			$u = $plain_users[ $pcur++ % count( $plain_users ) ];
		}
		$job['ch'] = bench_post( $site . '/wp-login.php', array( 'log' => $u['login'], 'pwd' => $u['pass'] ), $job['cookies'] );
		$job['t0'] = microtime( true );
		curl_multi_add_handle( $multi, $job['ch'] );
		$jobs[ (int) $job['ch'] ] = $job;
		return true;
	};

	for ( $i = 0; $i < $lanes; $i++ ) {
		$launch( 'twostep' );
		$launch( 'password' );
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
			$key = (int) $ch;
			$job = $jobs[ $key ];
			unset( $jobs[ $key ] );
			$status = (int) curl_getinfo( $ch, CURLINFO_RESPONSE_CODE );
			$body   = (string) curl_multi_getcontent( $ch );
			curl_multi_remove_handle( $multi, $ch );
			curl_close( $ch );
			$now     = microtime( true );
			$in_time = $now < $until;
			if ( $in_time && 200 <= $status && $status < 400 ) {
				$step                   = 'password' === $job['kind'] ? 'password-only' : ( 0 === $job['stage'] ? 'password step' : 'code step' );
				$done['ms'][ $step ][] = 1000 * ( $now - $job['t0'] );
			}

			if ( 'twostep' === $job['kind'] && 0 === $job['stage'] ) {
				if ( 200 === $status && preg_match( '/name="twofa_nonce" value="([0-9a-f]{64})"/', $body, $m ) && ! $job['cookies'] ) {
					$u          = $totp_users[ $job['user'] ];
					$job['ch']  = bench_post(
						$site . '/wp-login.php?action=twofa_challenge',
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
					$job['t0']    = microtime( true );
					curl_multi_add_handle( $multi, $job['ch'] );
					$jobs[ (int) $job['ch'] ] = $job;
					continue;
				}
				++$done['errors'];
			} elseif ( 302 === $status && $job['cookies'] ) {
				if ( $in_time ) {
					++$done[ $job['kind'] ];
				}
			} else {
				++$done['errors'];
			}
			if ( $in_time ) {
				$launch( $job['kind'] );
			}
		}
		if ( ! $handled ) {
			curl_multi_select( $multi, 0.05 );
		}
	}
	curl_multi_close( $multi );
	$done['seconds'] = $seconds;
	return $done;
}

// A user's code counts once per 30-second step (replay protection) and the bench may use the
// next step's code too: enough users for about 20 two-step logins per second and connection over
// every round and the warm-up, or the rounds run out of users instead of measuring the server.
$pool_totp  = max( 60, $lanes * 20 * ( $rounds * $seconds + 2 ) );
$totp_users = bench_make_users( $pool_totp, true, 50 );
$plain      = bench_make_users( 60, false );
fwrite( STDERR, sprintf( "created %d two-step users and %d password users\n", count( $totp_users ), count( $plain ) ) );

bench_round( $site, $totp_users, $plain, $lanes, 2 ); // Warm-up, not counted.

$ratios = array();
$rates  = array();
$ms     = array();
for ( $r = 1; $r <= $rounds; $r++ ) {
	$res      = bench_round( $site, $totp_users, $plain, $lanes, $seconds );
	$two      = $res['twostep'] / $seconds;
	$pw       = $res['password'] / $seconds;
	$ratio    = $pw > 0 ? $two / $pw : 0.0;
	$ratios[] = $ratio;
	$rates[]  = $two;
	printf( "round %d: two-step %.1f logins/s, password-only %.1f logins/s, ratio %.3f (errors %d)\n", $r, $two, $pw, $ratio, $res['errors'] );
	foreach ( $res['ms'] as $step => $values ) {
		$ms[ $step ] = array_merge( $ms[ $step ] ?? array(), $values );
	}
	if ( $res['errors'] > 0 ) {
		fwrite( STDERR, "some logins failed\n" );
	}
}
sort( $ratios );
sort( $rates );
$median = static fn( array $v ) => $v[ intdiv( count( $v ), 2 ) ];
printf( "two-step logins: median %.1f complete logins/s (password + TOTP, %d connections)\n", $median( $rates ), $lanes );
printf( "ratio two-step / password-only logins per second: median of per-round ratios %.3f (target >= 0.62)\n", $median( $ratios ) );
$pct = static function ( array $v, float $p ): float {
	sort( $v );
	return $v[ min( count( $v ) - 1, (int) floor( $p * count( $v ) ) ) ];
};
foreach ( array( 'password step', 'code step', 'password-only' ) as $step ) {
	if ( ! empty( $ms[ $step ] ) ) {
		printf( "latency, %s: p50 %.1f ms, p99 %.1f ms (%d requests)\n", $step, $pct( $ms[ $step ], 0.5 ), $pct( $ms[ $step ], 0.99 ), count( $ms[ $step ] ) );
	}
}

// Leave the shared database as it was.
foreach ( array_merge( $totp_users, $plain ) as $u ) {
	wp_delete_user( $u['id'] );
}
