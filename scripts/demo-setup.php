<?php
/**
 * Demo site defaults, applied by scripts/demo.sh after WordPress is installed:
 * subscribers must use 2FA (so the first-login setup shows), a `subscriber` user, the
 * sidecar's address. The policy and the user are made once; later runs keep what the person
 * trying the demo changed.
 *
 * Usage: php demo-setup.php WP_DIR URL (environment: SUBSCRIBER_PASSWORD, DEMO_SIDECAR_URL).
 */

if ( PHP_SAPI !== 'cli' || $argc < 3 ) {
	fwrite( STDERR, "usage: php demo-setup.php WP_DIR URL\n" );
	exit( 2 );
}

require dirname( __DIR__ ) . '/tests/stack/cli-request.php';
twofa_cli_request( $argv[2] );

require rtrim( $argv[1], '/' ) . '/wp-load.php';

if ( ! class_exists( 'Twofa_Settings' ) ) {
	fwrite( STDERR, "the twofa plugin is not active\n" );
	exit( 1 );
}

$twofa_password = (string) getenv( 'SUBSCRIBER_PASSWORD' );
$twofa_sidecar  = (string) getenv( 'DEMO_SIDECAR_URL' );

$twofa_seeded = (bool) get_option( 'twofa_demo_seeded', false );
$twofa_policy = array();
if ( '' !== $twofa_sidecar ) {
	$twofa_policy['sidecar_url'] = $twofa_sidecar;
}
if ( ! $twofa_seeded ) {
	$twofa_policy['required_roles'] = array( 'subscriber' );
	update_option( 'blogname', 'twofa demo site' );
	update_option( 'blogdescription', 'Two-factor authentication for WordPress' );
}
$twofa_result = Twofa_Settings::update( $twofa_policy );
if ( is_wp_error( $twofa_result ) ) {
	fwrite( STDERR, 'settings refused: ' . $twofa_result->get_error_message() . "\n" );
	exit( 1 );
}

if ( ! get_user_by( 'login', 'subscriber' ) ) {
	if ( '' === $twofa_password ) {
		fwrite( STDERR, "SUBSCRIBER_PASSWORD is not set\n" );
		exit( 2 );
	}
	$twofa_id = wp_insert_user(
		array(
			'user_login'   => 'subscriber',
			'user_pass'    => $twofa_password,
			'user_email'   => 'subscriber@example.test',
			'display_name' => 'Sam Subscriber',
			'first_name'   => 'Sam',
			'last_name'    => 'Subscriber',
			'role'         => 'subscriber',
		)
	);
	if ( is_wp_error( $twofa_id ) ) {
		fwrite( STDERR, 'creating the subscriber failed: ' . $twofa_id->get_error_message() . "\n" );
		exit( 1 );
	}
	echo "user subscriber created\n";
}

update_option( 'twofa_demo_seeded', 1, false );
echo "demo settings: 2FA required for subscribers\n";
