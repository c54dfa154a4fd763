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
if ( ! class_exists( 'Twofa_Plugin' ) || ! function_exists( 'twofa_totp_code' ) ) {
	fwrite( STDERR, "the twofa plugin and extension must be active\n" );
	exit( 1 );
}

/**
 * Users for one kind of login. Each two-step user can pass at most two codes
 * per 30 s (the current step and the next one), so there are many of them.
 */
function bench_make_users( int $n, bool $with_totp ): array {
	$users = array();
	for ( $i = 0; $i < $n; $i++ ) {
		$login = 'bench' . ( $with_totp ? 't' : 'p' ) . bin2hex( random_bytes( 5 ) );
		$pass  = bin2hex( random_bytes( 10 ) );
		$id    = wp_insert_user(
			array(
				'user_login' => $login,
				'user_pass'  => $pass,
				'user_email' => $login . '@example.test',
				'role'       => 'editor',
			)
		);
		if ( ! is_int( $id ) ) {
			fwrite( STDERR, "could not create a user\n" );
			exit( 1 );
		}
		$secret = null;
		if ( $with_totp ) {
			$secret = twofa_totp_secret();
			update_user_meta( $id, Twofa_Provider_Totp::SECRET, twofa_seal( $secret, 'totp:' . $id ) );
			update_user_meta( $id, Twofa_Provider_Totp::LAST_STEP, '-1' );
			Twofa_User_State::mark_configured( $id, 'totp' );
		}
		$users[] = array(
			'id'     => $id,
			'login'  => $login,
			'pass'   => $pass,
			'secret' => $secret,
			'last'   => -1, // Last TOTP step this benchmark used for the user.
		);
	}
	return $users;
}

/**
 * A POST handle that records its Set-Cookie headers.
 */
function bench_post( string $url, array $fields, array &$cookies ) {
	$ch = curl_init( $url );
	curl_setopt_array(
		$ch,
		array(
			CURLOPT_POST           => true,
			CURLOPT_POSTFIELDS     => http_build_query( $fields ),
			CURLOPT_RETURNTRANSFER => true,
			CURLOPT_TIMEOUT        => 60,
			CURLOPT_HEADERFUNCTION => static function ( $ch, $line ) use ( &$cookies ) {
				if ( 0 === stripos( $line, 'Set-Cookie: wordpress_logged_in_' ) && false === stripos( $line, 'max-age=0' ) ) {
					$cookies[] = true;
				}
				return strlen( $line );
			},
		)
	);
	return $ch;
}

/**
 * Picks a two-step user with a code still unused, and the time to compute it at.
 *
 * @return array{0:int,1:int}|null [index, time]
 */
function bench_pick_totp( array &$users, int &$cursor ) {
	$n = count( $users );
	for ( $tries = 0; $tries < $n; $tries++ ) {
		$i      = $cursor++ % $n;
		$step   = intdiv( time(), 30 );
		$use    = $users[ $i ]['last'] < $step ? $step : ( $users[ $i ]['last'] === $step ? $step + 1 : null );
		if ( null !== $use ) {
			$users[ $i ]['last'] = $use;
			return array( $i, $use * 30 + 1 );
		}
	}
	return null;
}

/**
 * One round: $lanes connections doing two-step logins and $lanes doing
 * password logins, all at once, for $seconds. Returns completed logins of each.
 */
function bench_round( string $site, array &$totp_users, array &$plain_users, int $lanes, int $seconds ): array {
	static $tcur = 0, $pcur = 0;
	$multi = curl_multi_init();
	$done  = array( 'twostep' => 0, 'password' => 0, 'errors' => 0 );
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
		curl_multi_select( $multi, 0.05 );
		while ( $info = curl_multi_info_read( $multi ) ) {
			$ch  = $info['handle'];
			$key = (int) $ch;
			$job = $jobs[ $key ];
			unset( $jobs[ $key ] );
			$status = (int) curl_getinfo( $ch, CURLINFO_RESPONSE_CODE );
			$body   = (string) curl_multi_getcontent( $ch );
			curl_multi_remove_handle( $multi, $ch );
			curl_close( $ch );
			$in_time = microtime( true ) < $until;

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
	}
	curl_multi_close( $multi );
	$done['seconds'] = $seconds;
	return $done;
}

$pool_totp  = max( 60, 2 * $lanes * $seconds * 10 );
$totp_users = bench_make_users( $pool_totp, true );
$plain      = bench_make_users( 60, false );
fwrite( STDERR, sprintf( "created %d two-step users and %d password users\n", count( $totp_users ), count( $plain ) ) );

bench_round( $site, $totp_users, $plain, $lanes, 2 ); // Warm-up, not counted.

$ratios = array();
$rates  = array();
for ( $r = 1; $r <= $rounds; $r++ ) {
	$res      = bench_round( $site, $totp_users, $plain, $lanes, $seconds );
	$two      = $res['twostep'] / $seconds;
	$pw       = $res['password'] / $seconds;
	$ratio    = $pw > 0 ? $two / $pw : 0.0;
	$ratios[] = $ratio;
	$rates[]  = $two;
	printf( "round %d: two-step %.1f logins/s, password-only %.1f logins/s, ratio %.3f (errors %d)\n", $r, $two, $pw, $ratio, $res['errors'] );
	if ( $res['errors'] > 0 ) {
		fwrite( STDERR, "some logins failed\n" );
	}
}
sort( $ratios );
sort( $rates );
$median = static fn( array $v ) => $v[ intdiv( count( $v ), 2 ) ];
printf( "two-step logins: median %.1f complete logins/s (password + TOTP, %d connections)\n", $median( $rates ), $lanes );
printf( "ratio two-step / password-only logins per second: median %.3f\n", $median( $ratios ) );

// Leave the shared database as it was.
foreach ( array_merge( $totp_users, $plain ) as $u ) {
	wp_delete_user( $u['id'] );
}
