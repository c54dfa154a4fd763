<?php
/**
 * Test-only page copied into the stack's WordPress: reports, as JSON, that WordPress loaded and
 * what the twofa extension says. Holds no secret (the key itself is never read here).
 */

require __DIR__ . '/wp-load.php';

$twofa_report = array(
	'wordpress'     => get_bloginfo( 'version' ),
	'extension'     => extension_loaded( 'twofa' ),
	'version'       => function_exists( 'twofa_version' ) ? twofa_version() : null,
	'key_loaded'    => null,
	'plugin_active' => in_array( 'twofa/twofa.php', (array) get_option( 'active_plugins', array() ), true ),
);
if ( function_exists( 'twofa_key_status' ) ) {
	$twofa_status               = twofa_key_status();
	$twofa_report['key_loaded'] = (bool) ( $twofa_status['loaded'] ?? false );
}
if ( true === $twofa_report['key_loaded'] ) {
	// A fixed test string sealed under the served key: the suite opens it with the CLI's key,
	// which shows both use the same site key.
	try {
		$twofa_report['sealed'] = twofa_seal( 'twofa-stack-smoke', 'stack-smoke' );
	} catch ( Throwable $e ) {
		$twofa_report['sealed'] = null;
	}
}

header( 'Content-Type: application/json; charset=utf-8' );
header( 'Cache-Control: no-store' );
echo wp_json_encode( $twofa_report );
