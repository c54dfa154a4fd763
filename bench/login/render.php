<?php
/**
 * Renders the site's front page (or wp-login.php, logged out) once in this
 * php-cli process, for callgrind.
 * Usage: php render.php WP_DIR SITE_URL active|inactive [front|login]
 *
 * "inactive" removes the twofa plugin from active_plugins before WordPress
 * loads (a pre-registered option filter), so both variants read the same
 * database, theme and configuration and differ only in the plugin.
 */

if ( PHP_SAPI !== 'cli' || $argc < 4 ) {
	fwrite( STDERR, "usage: php render.php WP_DIR SITE_URL active|inactive [front|login]\n" );
	exit( 2 );
}
list( , $bench_dir, $bench_url, $bench_mode ) = $argv;
$bench_page   = $argv[4] ?? 'front';
$bench_script = 'login' === $bench_page ? '/wp-login.php' : '/index.php';

require dirname( __DIR__, 2 ) . '/tests/stack/cli-request.php';
twofa_cli_request( $bench_url, 'login' === $bench_page ? '/wp-login.php' : '/' );
$_SERVER['SCRIPT_NAME']     = $bench_script;
$_SERVER['PHP_SELF']        = $bench_script;
$_SERVER['SCRIPT_FILENAME'] = $bench_dir . $bench_script;

if ( 'inactive' === $bench_mode ) {
	require __DIR__ . '/inactive.php';
} elseif ( 'active' !== $bench_mode ) {
	fwrite( STDERR, "mode must be active or inactive\n" );
	exit( 2 );
}

// wp-login.php may end the script: the sanity line is printed at shutdown.
register_shutdown_function(
	static function () {
		$html = ob_get_clean();
		// On stderr: the page rendered, its queries, whether the plugin was loaded, peak memory in bytes.
		fwrite( STDERR, sprintf( "rendered %d bytes, %d queries, twofa %s, peak %d\n", strlen( (string) $html ), (int) $GLOBALS['wpdb']->num_queries, class_exists( 'Twofa_Hooks', false ) ? 'loaded' : 'not loaded', memory_get_peak_usage() ) );
	}
);
chdir( $bench_dir );
ob_start();
require $bench_dir . $bench_script;
