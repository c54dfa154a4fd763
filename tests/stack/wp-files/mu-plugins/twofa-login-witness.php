<?php
/**
 * Test stack only (never part of the plugin): counts the `wp_login` actions that reach the
 * end of the hook (after every other listener) in the user meta `twofa_test_wp_login`, so the
 * tests can tell a login that completed the way WordPress's own does.
 */

add_action(
	'wp_login',
	static function ( $user_login, $user = null ): void {
		if ( $user instanceof WP_User ) {
			update_user_meta( $user->ID, 'twofa_test_wp_login', (string) ( 1 + (int) get_user_meta( $user->ID, 'twofa_test_wp_login', true ) ) );
		}
	},
	PHP_INT_MAX,
	2
);
