<?php
/**
 * Renders the site's front page once in this php-cli process, for callgrind.
 * Usage: php render.php WP_DIR SITE_URL active|inactive
 *
 * "inactive" removes the twofa plugin from active_plugins before WordPress
 * loads (a pre-registered option filter), so both variants read the same
 * database, theme and configuration and differ only in the plugin.
 */

if ( PHP_SAPI !== 'cli' || $argc < 4 ) {
	fwrite( STDERR, "usage: php render.php WP_DIR SITE_URL active|inactive\n" );
	exit( 2 );
}
list( , $bench_dir, $bench_url, $bench_mode ) = $argv;

require dirname( __DIR__, 2 ) . '/tests/stack/cli-request.php';
twofa_cli_request( $bench_url );
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $bench_dir . '/index.php';

if ( 'inactive' === $bench_mode ) {
	// WordPress turns a pre-filled $wp_filter into hooks when plugin.php loads.
	$GLOBALS['wp_filter'] = array(
		'option_active_plugins' => array(
			10 => array(
				array(
					'function'      => static function ( $plugins ) {
						return array_values( array_diff( (array) $plugins, array( 'twofa/twofa.php' ) ) );
					},
					'accepted_args' => 1,
				),
			),
		),
	);
} elseif ( 'active' !== $bench_mode ) {
	fwrite( STDERR, "mode must be active or inactive\n" );
	exit( 2 );
}

chdir( $bench_dir );
ob_start();
require $bench_dir . '/index.php';
$bench_html = ob_get_clean();
// A sanity line on stderr: the page rendered, and whether the plugin was loaded.
fwrite( STDERR, sprintf( "rendered %d bytes, %d queries, twofa %s\n", strlen( (string) $bench_html ), (int) $GLOBALS['wpdb']->num_queries, class_exists( 'Twofa_Plugin', false ) ? 'loaded' : 'not loaded' ) );
