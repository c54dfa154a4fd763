<?php
/**
 * The timing half of bench/report/run.sh: php bench.php WP_DIR SIDECAR_URL ROUNDS.
 *
 * Each round times both ways of getting the adoption report of the same database, in
 * alternating order so that drift of the machine's speed hits both alike:
 *   sidecar — Twofa_Sidecar_Client::report() (signed GET /v1/report over loopback),
 *   php     — Twofa_Report::compute(): WP_User_Query in batches, user meta per user.
 * The figures of both must be equal, or the run fails.
 */

if ( PHP_SAPI !== 'cli' || $argc < 4 ) {
	fwrite( STDERR, "usage: php bench.php WP_DIR SIDECAR_URL ROUNDS\n" );
	exit( 2 );
}
list( , $wp_dir, $sidecar_url, $rounds ) = $argv;
$rounds = max( 1, (int) $rounds );

require dirname( __DIR__, 2 ) . '/tests/stack/cli-request.php';
twofa_cli_request( 'http://127.0.0.1' );
define( 'WP_USE_THEMES', false );
require rtrim( $wp_dir, '/' ) . '/wp-load.php';

if ( ! class_exists( 'Twofa_Report' ) ) {
	fwrite( STDERR, "the twofa plugin is not active in $wp_dir\n" );
	exit( 1 );
}
Twofa_Settings::update( array( 'sidecar_url' => $sidecar_url ) );

/**
 * Milliseconds taken by $fn, and its result.
 *
 * @param callable $fn Work.
 * @return array{0: float, 1: mixed}
 */
function twofa_bench_time( callable $fn ): array {
	$t      = hrtime( true );
	$result = $fn();
	return array( ( hrtime( true ) - $t ) / 1e6, $result );
}

$ways = array(
	'sidecar' => static function () {
		$r = Twofa_Report::fetch( 1, 50, 'sidecar' );
		if ( null === $r['report'] ) {
			fwrite( STDERR, 'sidecar report failed: ' . $r['error']->get_error_message() . "\n" );
			exit( 1 );
		}
		return $r['report'];
	},
	'php'     => static function () {
		return Twofa_Report::compute( 1, 50 );
	},
);

$times   = array(
	'sidecar' => array(),
	'php'     => array(),
);
$reports = array();
for ( $round = 1; $round <= $rounds; $round++ ) {
	$order = 1 === $round % 2 ? array( 'sidecar', 'php' ) : array( 'php', 'sidecar' );
	foreach ( $order as $way ) {
		wp_cache_flush();
		list( $ms, $report ) = twofa_bench_time( $ways[ $way ] );
		$times[ $way ][]     = $ms;
		$reports[ $way ]     = $report;
		printf( "round %d  %-7s %10.1f ms\n", $round, $way, $ms );
	}
}

if ( $reports['sidecar'] !== $reports['php'] ) {
	fwrite( STDERR, "the two reports differ:\n" . wp_json_encode( $reports ) . "\n" );
	exit( 1 );
}

$median = static function ( array $xs ): float {
	sort( $xs );
	$n = count( $xs );
	return 1 === $n % 2 ? $xs[ intdiv( $n, 2 ) ] : ( $xs[ $n / 2 - 1 ] + $xs[ $n / 2 ] ) / 2;
};
$s = $median( $times['sidecar'] );
$p = $median( $times['php'] );
$r = $reports['php'];
printf( "users: %d, with 2FA: %d, authenticator: %d, email: %d (both ways agree)\n", $r['total_users'], $r['with_2fa'], $r['by_method']['totp'], $r['by_method']['email'] );
printf( "median of %d rounds: sidecar %.1f ms, php (WP_User_Query + user meta) %.1f ms\n", $rounds, $s, $p );
// Per-round ratios compare two timings taken within seconds of each other, so machine drift
// between rounds cancels out.
$ratios = array();
foreach ( $times['php'] as $i => $ms ) {
	$ratios[] = $ms / max( $times['sidecar'][ $i ], 0.001 );
}
printf( "ratio php / sidecar: %.1fx (of medians); per round: %s; median per-round %.1fx\n", $p / max( $s, 0.001 ), implode( ', ', array_map( static function ( $r ) { return sprintf( '%.1fx', $r ); }, $ratios ) ), $median( $ratios ) );
