<?php
/**
 * Client of the bench's single `php -S` process under callgrind (served.sh):
 * sends one request at a time and prints, one line per request in the order
 * sent, what it was ("front active", "code-step", "password-only", "warm" …), so served.sh can
 * pair the k-th line with the k-th per-request callgrind dump. Every response
 * is checked (status, login form, challenge, logged-in cookie); a wrong one
 * fails the run.
 *
 * Usage: php -d extension=… served.php WP_DIR STACK_URL SERVER_URL ROUNDS WARM
 */

if ( PHP_SAPI !== 'cli' || $argc < 6 ) {
	fwrite( STDERR, "usage: php served.php WP_DIR STACK_URL SERVER_URL ROUNDS WARM\n" );
	exit( 2 );
}
$wp_dir = rtrim( $argv[1], '/' );
$site   = rtrim( $argv[2], '/' );
$server = rtrim( $argv[3], '/' );
$rounds = max( 1, (int) $argv[4] );
$warm   = max( 0, (int) $argv[5] );

require dirname( __DIR__, 2 ) . '/tests/stack/cli-request.php';
twofa_cli_request( $site );
define( 'WP_USE_THEMES', false );
require $wp_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/user.php';
require __DIR__ . '/lib.php';

/**
 * One request to the server; returns [status, body, logged-in cookie seen].
 *
 * @param string $url     URL.
 * @param array  $fields  POST fields (GET when null).
 * @param array  $headers Extra request headers.
 */
function served_request( string $url, ?array $fields, array $headers ): array {
	$cookies = array();
	$ch      = null === $fields ? curl_init( $url ) : bench_post( $url, $fields, $cookies );
	if ( null === $fields ) {
		curl_setopt_array(
			$ch,
			array(
				CURLOPT_RETURNTRANSFER => true,
				CURLOPT_TIMEOUT        => 300,
			)
		);
	}
	curl_setopt( $ch, CURLOPT_TIMEOUT, 300 );
	curl_setopt( $ch, CURLOPT_HTTPHEADER, $headers );
	$body   = (string) curl_exec( $ch );
	$status = (int) curl_getinfo( $ch, CURLINFO_RESPONSE_CODE );
	curl_close( $ch );
	return array( $status, $body, (bool) $cookies );
}

/**
 * Fails the run.
 *
 * @param string $what What went wrong.
 */
function served_fail( string $what ): void {
	fwrite( STDERR, "served.php: $what\n" );
	exit( 1 );
}

$users  = bench_make_users( 2 * ( $rounds + $warm + 1 ), true );
$plain  = bench_make_users( 1, false )[0];
$cursor = 0;

/**
 * One pass: front page and wp-login.php in both variants, then one TOTP login.
 *
 * @param string $label   Printed label, or '' to print each request's own.
 * @param array  $headers Extra headers for every request.
 */
$pass = static function ( string $label, array $headers ) use ( $server, &$users, &$cursor, $plain ) {
	foreach ( array( 'active', 'inactive' ) as $variant ) {
		$h = array_merge( $headers, 'inactive' === $variant ? array( 'X-Twofa-Bench: inactive' ) : array() );
		list( $status, $body ) = served_request( $server . '/', null, array_merge( $h, array( 'X-Twofa-Bench-Step: front ' . $variant ) ) );
		if ( 200 !== $status || false === stripos( $body, '</html>' ) ) {
			served_fail( "front page ($variant): HTTP $status" );
		}
		echo ( '' !== $label ? $label : "front $variant" ), "\n";
		list( $status, $body ) = served_request( $server . '/wp-login.php', null, array_merge( $h, array( 'X-Twofa-Bench-Step: login ' . $variant ) ) );
		if ( 200 !== $status || false === strpos( $body, 'name="log"' ) ) {
			served_fail( "wp-login.php ($variant): HTTP $status" );
		}
		echo ( '' !== $label ? $label : "login $variant" ), "\n";
	}
	$pick = bench_pick_totp( $users, $cursor );
	if ( null === $pick ) {
		served_fail( 'no unused TOTP code left' );
	}
	$u = $users[ $pick[0] ];
	list( $status, $body ) = served_request( $server . '/wp-login.php', array( 'log' => $u['login'], 'pwd' => $u['pass'] ), array_merge( $headers, array( 'X-Twofa-Bench-Step: password-step' ) ) );
	if ( 200 !== $status || ! preg_match( '/name="twofa_nonce" value="([0-9a-f]{64})"/', $body, $m ) ) {
		served_fail( "password step: HTTP $status, no challenge" );
	}
	echo ( '' !== $label ? $label : 'password-step' ), "\n";
	$fields = array(
		'twofa_user'   => $u['id'],
		'twofa_nonce'  => $m[1],
		'twofa_method' => 'totp',
		'twofa_do'     => 'verify',
		'twofa_code'   => twofa_totp_code( $u['secret'], $pick[1] ),
	);
	list( $status, , $logged_in ) = served_request( $server . '/wp-login.php?action=twofa_challenge', $fields, array_merge( $headers, array( 'X-Twofa-Bench-Step: code-step' ) ) );
	if ( 302 !== $status || ! $logged_in ) {
		served_fail( "code step: HTTP $status, logged in: " . ( $logged_in ? 'yes' : 'no' ) );
	}
	echo ( '' !== $label ? $label : 'code-step' ), "\n";
	// A user without 2FA: the whole login is the password step.
	list( $status, , $logged_in ) = served_request( $server . '/wp-login.php', array( 'log' => $plain['login'], 'pwd' => $plain['pass'] ), array_merge( $headers, array( 'X-Twofa-Bench-Step: password-only' ) ) );
	if ( 302 !== $status || ! $logged_in ) {
		served_fail( "password-only login: HTTP $status" );
	}
	echo ( '' !== $label ? $label : 'password-only' ), "\n";
};

for ( $i = 0; $i < $warm; $i++ ) {
	$pass( 'warm', array() );
}
for ( $i = 0; $i < $rounds; $i++ ) {
	$pass( '', array() );
}
// Queries per step: SAVEQUERIES changes the instruction counts, so these requests are not counted.
$pass( 'queries', array( 'X-Twofa-Bench-Queries: 1' ) );

foreach ( array_merge( $users, array( $plain ) ) as $u ) {
	wp_delete_user( $u['id'] );
}
