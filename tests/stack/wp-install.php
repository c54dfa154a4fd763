<?php
/**
 * Installs WordPress into an empty database without WP-CLI, then activates the twofa plugin
 * when the repository has one. Usage: php wp-install.php WP_DIR URL (admin password in the
 * environment variable WP_ADMIN_PASSWORD).
 */

if ( PHP_SAPI !== 'cli' || $argc < 3 ) {
	fwrite( STDERR, "usage: php wp-install.php WP_DIR URL\n" );
	exit( 2 );
}

$twofa_dir  = rtrim( $argv[1], '/' );
$twofa_url  = $argv[2];
$twofa_pass = (string) getenv( 'WP_ADMIN_PASSWORD' );
if ( '' === $twofa_pass ) {
	fwrite( STDERR, "WP_ADMIN_PASSWORD is not set\n" );
	exit( 2 );
}

// WordPress reads the request's host even on the command line.
require __DIR__ . '/cli-request.php';
twofa_cli_request( $twofa_url );

define( 'WP_INSTALLING', true );
require $twofa_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

if ( ! is_blog_installed() ) {
	// The new-site notification would go through mail(), which has no sendmail here.
	add_filter( 'pre_wp_mail', '__return_false' );
	$twofa_result = wp_install( 'twofa test site', 'admin', 'admin@example.test', false, '', wp_slash( $twofa_pass ) );
	if ( empty( $twofa_result['user_id'] ) ) {
		fwrite( STDERR, "wp_install() did not create the admin user\n" );
		exit( 1 );
	}
	// Plain permalinks: every URL works through index.php?… without rewrite rules.
	update_option( 'permalink_structure', '' );
	update_option( 'blog_public', '0' );
	echo "WordPress installed\n";
} else {
	echo "WordPress already installed\n";
}

if ( file_exists( WP_PLUGIN_DIR . '/twofa/twofa.php' ) ) {
	$twofa_activation = activate_plugin( 'twofa/twofa.php' );
	if ( is_wp_error( $twofa_activation ) ) {
		fwrite( STDERR, 'activating the twofa plugin failed: ' . $twofa_activation->get_error_message() . "\n" );
		exit( 1 );
	}
	echo "twofa plugin active\n";
} else {
	echo "no twofa plugin in the repository yet: not activated\n";
}

// Point the plugin at this stack's sidecar (its port is picked at start); other settings keep
// their defaults, which the plugin merges in.
$twofa_sidecar = (string) getenv( 'TWOFA_SIDECAR_URL' );
if ( '' !== $twofa_sidecar ) {
	$twofa_option   = class_exists( 'Twofa_Settings' ) ? Twofa_Settings::OPTION : 'twofa_settings';
	$twofa_settings = get_option( $twofa_option, array() );
	if ( ! is_array( $twofa_settings ) ) {
		$twofa_settings = array();
	}
	$twofa_settings['sidecar_url'] = $twofa_sidecar;
	update_option( $twofa_option, $twofa_settings );
	echo "twofa sidecar_url set to $twofa_sidecar\n";
}
