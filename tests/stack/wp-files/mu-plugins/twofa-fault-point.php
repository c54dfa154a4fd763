<?php
/**
 * Test stack only (never part of the plugin): holds one login request right after its code was
 * accepted, or right after its session token was stored, so that a test can stop the database
 * at exactly that point.
 *
 * `tests/stack/stack.sh up` copies it into the test stack's WordPress. It does nothing unless a
 * test creates wp-content/twofa-fault/armed (or armed-session): the first request to reach the point takes that
 * file (only one can unlink it), creates `reached`, and waits (at most 30 s) until the test
 * creates `go`; then it goes on with whatever the database is by then.
 */

/**
 * Holds the request here when the test armed this point (`armed`: right after the code was
 * accepted; `armed-session`: the session token just stored, before its cookies).
 *
 * @param string $armed The arming file's name.
 */
$twofa_fault_point = static function ( string $armed ): void {
	$dir = WP_CONTENT_DIR . '/twofa-fault';
	if ( ! is_file( $dir . '/' . $armed ) || ! @unlink( $dir . '/' . $armed ) ) { // phpcs:ignore WordPress.PHP.NoSilencedErrors
		return;
	}
	touch( $dir . '/reached' );
	for ( $i = 0; $i < 600 && ! is_file( $dir . '/go' ); $i++ ) {
		usleep( 50000 );
		clearstatcache();
	}
	@unlink( $dir . '/go' ); // phpcs:ignore WordPress.PHP.NoSilencedErrors
};
add_action(
	'twofa_login_code_accepted',
	static function () use ( $twofa_fault_point ): void {
		$twofa_fault_point( 'armed' );
	}
);
add_action(
	'set_logged_in_cookie',
	static function () use ( $twofa_fault_point ): void {
		$twofa_fault_point( 'armed-session' );
	}
);
