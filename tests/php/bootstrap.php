<?php
/**
 * PHPUnit bootstrap: loads the test stack's real WordPress in this process.
 *
 * Run through tests/suites/*.sh, which export the stack's environment
 * (.stack/env) and start PHP with the twofa extension and key file.
 */

$wp_dir = getenv( 'TWOFA_WP_DIR' );
$wp_url = getenv( 'TWOFA_WP_URL' );
if ( ! $wp_dir || ! is_file( $wp_dir . '/wp-load.php' ) || ! $wp_url ) {
	fwrite( STDERR, "The test stack is not running: start it with tests/stack/stack.sh up and export .stack/env.\n" );
	exit( 1 );
}

require_once dirname( __DIR__ ) . '/stack/cli-request.php';
twofa_cli_request( $wp_url );
define( 'WP_USE_THEMES', false );

// wp_die() while loading (no database, say) exits with status 0: turn that into a failure.
$twofa_loaded = false;
register_shutdown_function(
	static function () use ( &$twofa_loaded ) {
		if ( ! $twofa_loaded ) {
			fwrite( STDERR, "\nWordPress did not load: see the message above.\n" );
			exit( 1 );
		}
	}
);
require_once $wp_dir . '/wp-load.php';
$twofa_loaded = true;
require_once ABSPATH . 'wp-admin/includes/user.php';

if ( ! class_exists( 'Twofa_Hooks' ) ) {
	fwrite( STDERR, "The twofa plugin is not active in the test site.\n" );
	exit( 1 );
}
// This process uses the dashboard's features without a screen (list tables, privacy tools, cron).
Twofa_Hook_Groups::register_all();

require_once __DIR__ . '/support/class-http-client.php';
require_once __DIR__ . '/support/class-twofa-testcase.php';
