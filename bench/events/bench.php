<?php
/**
 * The timing half of bench/events/run.sh: php bench.php WP_DIR ROUNDS.
 *
 * Each round times every case twice over, once on wp_twofa_events (with its indexes) and once
 * on a copy with only the primary key, swapped in under the same name by an atomic RENAME, so
 * the plugin's own code runs unchanged in both:
 *   page 1 / page 20   Users → 2FA Activity rendered (Twofa_Activity_Page::render), no filter;
 *   user               the page filtered by one user;
 *   lockouts 30 days   the page filtered by event and a date range;
 *   log --since=7d     `wp twofa log --since=7d` (through the WP-CLI stand-in of the tests).
 * A case is run once untimed, then timed; the order of the two tables alternates by round.
 * Both tables must give the same output, or the run fails.
 */

if ( PHP_SAPI !== 'cli' || $argc < 3 ) {
	fwrite( STDERR, "usage: php bench.php WP_DIR ROUNDS\n" );
	exit( 2 );
}
list( , $wp_dir, $rounds ) = $argv;
$rounds = max( 1, (int) $rounds );

require dirname( __DIR__, 2 ) . '/tests/stack/cli-request.php';
twofa_cli_request( 'http://127.0.0.1' );
define( 'WP_USE_THEMES', false );
define( 'WP_ADMIN', true );
require rtrim( $wp_dir, '/' ) . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
require_once dirname( __DIR__, 2 ) . '/tests/wp-cli/class-wp-cli.php';
require_once dirname( __DIR__, 2 ) . '/tests/wp-cli/utils.php';

if ( ! class_exists( 'Twofa_Activity_Page' ) ) {
	fwrite( STDERR, "the twofa plugin is not active in $wp_dir\n" );
	exit( 1 );
}
wp_set_current_user( 1 );
WP_CLI::add_command( 'twofa log', 'Twofa_CLI_Log_Command' );

global $wpdb;
$table = Twofa_Events::table();
$copy  = $table . '_noidx';

/**
 * Whether the table under the plugin's name has its secondary indexes.
 */
function twofa_bench_indexed(): bool {
	global $wpdb;
	return (bool) $wpdb->get_var( $wpdb->prepare( 'SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = %s AND index_name = %s', Twofa_Events::table(), 'user_time' ) );
}

/**
 * Puts the indexed table (true) or the copy without indexes (false) under the plugin's name.
 *
 * @param bool $indexed Which one.
 */
function twofa_bench_use( bool $indexed ): void {
	global $wpdb;
	if ( twofa_bench_indexed() === $indexed ) {
		return;
	}
	$t = Twofa_Events::table();
	$wpdb->query( "RENAME TABLE {$t} TO {$t}_swap, {$t}_noidx TO {$t}, {$t}_swap TO {$t}_noidx" );
}
register_shutdown_function( 'twofa_bench_use', true );
twofa_bench_use( true );

/**
 * The page's HTML for a query.
 *
 * @param array<string,string> $get Query arguments.
 */
function twofa_bench_page( array $get ): string {
	$_GET = $get;
	ob_start();
	Twofa_Activity_Page::render();
	$html = (string) ob_get_clean();
	// The export form's nonce is the same within the run; nothing else varies.
	return $html;
}

$month_ago = wp_date( 'Y-m-d', time() - 30 * DAY_IN_SECONDS );
$cases     = array(
	'page 1'           => static fn() => twofa_bench_page( array() ),
	'page 20'          => static fn() => twofa_bench_page( array( 'paged' => '20' ) ),
	'user'             => static fn() => twofa_bench_page( array( 'user' => 'bench1' ) ),
	'lockouts 30 days' => static fn() => twofa_bench_page( array( 'event' => 'lockout', 'from' => $month_ago ) ),
	'log --since=7d'   => static function (): string {
		$r = WP_CLI::run( array( 'twofa', 'log', '--since=7d' ) );
		if ( 0 !== $r['exit'] ) {
			fwrite( STDERR, 'wp twofa log failed: ' . $r['stderr'] );
			exit( 1 );
		}
		return $r['stdout'];
	},
);

$count = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table}" );
printf( "events: %d (and the same %d in the copy without secondary indexes)\n", $count, (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$copy}" ) );

$times = array();
for ( $round = 1; $round <= $rounds; $round++ ) {
	$order = 1 === $round % 2 ? array( true, false ) : array( false, true );
	$out   = array();
	foreach ( $order as $indexed ) {
		twofa_bench_use( $indexed );
		foreach ( $cases as $name => $fn ) {
			wp_cache_flush();
			$fn();
			$t                     = hrtime( true );
			$out[ $name ][ (int) $indexed ] = $fn();
			$ms                    = ( hrtime( true ) - $t ) / 1e6;
			$times[ $name ][ $indexed ? 'idx' : 'noidx' ][] = $ms;
			printf( "round %d  %-9s %-17s %10.1f ms\n", $round, $indexed ? 'indexes' : 'no index', $name, $ms );
		}
	}
	foreach ( $out as $name => $pair ) {
		if ( $pair[0] !== $pair[1] ) {
			fwrite( STDERR, "$name: the two tables gave different output\n" );
			exit( 1 );
		}
		if ( 'log --since=7d' !== $name && 1 !== preg_match( '/<tr data-event=/', $pair[1] ) ) {
			fwrite( STDERR, "$name: the page shows no events\n" );
			exit( 1 );
		}
	}
}
twofa_bench_use( true );

$median = static function ( array $xs ): float {
	sort( $xs );
	$n = count( $xs );
	return 1 === $n % 2 ? $xs[ intdiv( $n, 2 ) ] : ( $xs[ $n / 2 - 1 ] + $xs[ $n / 2 ] ) / 2;
};
printf( "\nmedian of %d rounds, ms per page (ratio = without indexes / with indexes)\n", $rounds );
printf( "%-17s %12s %14s %8s\n", 'case', 'indexes', 'no index', 'ratio' );
foreach ( $times as $name => $t ) {
	$i = $median( $t['idx'] );
	$n = $median( $t['noidx'] );
	printf( "%-17s %9.1f ms %11.1f ms %7.1fx\n", $name, $i, $n, $n / max( $i, 0.001 ) );
}
