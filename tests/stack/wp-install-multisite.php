<?php
/**
 * Installs a subdirectory multisite network without WP-CLI, in two processes (MULTISITE is a
 * constant of wp-config.php, off only while the network's tables are made):
 *
 *   php wp-install-multisite.php network WP_DIR URL   WordPress, then the network on URL's host
 *   php wp-install-multisite.php sites WP_DIR URL     the second site URL/site2/, twofa
 *                                                      network-activated, the network's settings
 *
 * The admin password comes from the environment variable WP_ADMIN_PASSWORD, the sidecar's
 * address from TWOFA_SIDECAR_URL. Both phases may run again on an installed network.
 */

if ( PHP_SAPI !== 'cli' || $argc < 4 || ! in_array( $argv[1], array( 'network', 'sites' ), true ) ) {
	fwrite( STDERR, "usage: php wp-install-multisite.php network|sites WP_DIR URL\n" );
	exit( 2 );
}

$twofa_phase = $argv[1];
$twofa_dir   = rtrim( $argv[2], '/' );
$twofa_url   = rtrim( $argv[3], '/' );
$twofa_pass  = (string) getenv( 'WP_ADMIN_PASSWORD' );
$twofa_host  = (string) preg_replace( '#^https?://#', '', $twofa_url );
if ( '' === $twofa_pass ) {
	fwrite( STDERR, "WP_ADMIN_PASSWORD is not set\n" );
	exit( 2 );
}

require __DIR__ . '/cli-request.php';
twofa_cli_request( $twofa_url );

if ( 'network' === $twofa_phase ) {
	define( 'TWOFA_INSTALLING_NETWORK', true );
	define( 'WP_INSTALLING', true );
	define( 'WP_HOME', $twofa_url );
	define( 'WP_SITEURL', $twofa_url );
	require $twofa_dir . '/wp-load.php';
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	// The new-site notification would go through mail(), which has no sendmail here.
	add_filter( 'pre_wp_mail', '__return_false' );
	if ( ! is_blog_installed() ) {
		$twofa_result = wp_install( 'twofa test network', 'admin', 'admin@example.test', false, '', wp_slash( $twofa_pass ) );
		if ( empty( $twofa_result['user_id'] ) ) {
			fwrite( STDERR, "wp_install() did not create the admin user\n" );
			exit( 1 );
		}
		update_option( 'home', $twofa_url );
		update_option( 'siteurl', $twofa_url );
	}
	// What WP-CLI's `core multisite-install` does: the network's tables, then the network.
	foreach ( $wpdb->tables( 'ms_global' ) as $twofa_table => $twofa_prefixed ) {
		$wpdb->$twofa_table = $twofa_prefixed;
	}
	install_network();
	if ( ! $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->site}" ) ) {
		$twofa_result = populate_network( 1, $twofa_host, 'admin@example.test', 'twofa test network', '/', false );
		if ( is_wp_error( $twofa_result ) ) {
			fwrite( STDERR, 'populate_network(): ' . $twofa_result->get_error_message() . "\n" );
			exit( 1 );
		}
	}
	echo "multisite network on $twofa_host\n";
	exit( 0 );
}

require $twofa_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
add_filter( 'pre_wp_mail', '__return_false' );
if ( ! is_multisite() ) {
	fwrite( STDERR, "wp-config.php does not turn multisite on\n" );
	exit( 1 );
}

// Plain permalinks on every site: every URL works through index.php?… without rewrite rules.
update_option( 'permalink_structure', '' );
update_option( 'blog_public', '0' );
$twofa_site = get_site_by_path( $twofa_host, '/site2/' );
if ( ! $twofa_site || '/site2/' !== $twofa_site->path ) {
	$twofa_id = wp_insert_site(
		array(
			'domain'  => $twofa_host,
			'path'    => '/site2/',
			'title'   => 'twofa site two',
			'user_id' => 1,
		)
	);
	if ( is_wp_error( $twofa_id ) ) {
		fwrite( STDERR, 'wp_insert_site(): ' . $twofa_id->get_error_message() . "\n" );
		exit( 1 );
	}
	// wp_insert_site() drops the ":" of a host:port domain (sanitize_user()): put it back.
	$wpdb->update( $wpdb->blogs, array( 'domain' => $twofa_host ), array( 'blog_id' => (int) $twofa_id ) );
	clean_blog_cache( (int) $twofa_id );
	switch_to_blog( (int) $twofa_id );
	update_option( 'home', $twofa_url . '/site2' );
	update_option( 'siteurl', $twofa_url . '/site2' );
	update_option( 'permalink_structure', '' );
	update_option( 'blog_public', '0' );
	restore_current_blog();
	echo "site two at $twofa_url/site2/\n";
}

if ( file_exists( WP_PLUGIN_DIR . '/twofa/twofa.php' ) ) {
	$twofa_activation = activate_plugin( 'twofa/twofa.php', '', true );
	if ( is_wp_error( $twofa_activation ) ) {
		fwrite( STDERR, 'network-activating the twofa plugin failed: ' . $twofa_activation->get_error_message() . "\n" );
		exit( 1 );
	}
	echo "twofa plugin network-active\n";
}

$twofa_sidecar = (string) getenv( 'TWOFA_SIDECAR_URL' );
if ( '' !== $twofa_sidecar ) {
	$twofa_option   = class_exists( 'Twofa_Settings' ) ? Twofa_Settings::OPTION : 'twofa_settings';
	$twofa_settings = get_site_option( $twofa_option, array() );
	if ( ! is_array( $twofa_settings ) ) {
		$twofa_settings = array();
	}
	$twofa_settings['sidecar_url'] = $twofa_sidecar;
	update_site_option( $twofa_option, $twofa_settings );
	echo "twofa network sidecar_url set to $twofa_sidecar\n";
}
