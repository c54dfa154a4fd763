<?php
/**
 * Removes everything twofa stored: its option (every site's and, on multisite, the
 * network's), its transients, every user's 2FA meta and the activity log and passkey tables.
 *
 * WordPress runs this file on "Delete" of the plugin, without loading the plugin.
 *
 * @package Twofa
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-twofa-hooks.php';
spl_autoload_register( array( 'Twofa_Hooks', 'autoload' ) );

/**
 * Deletes this site's option and transients.
 */
function twofa_uninstall_site(): void {
	global $wpdb;
	delete_option( Twofa_Settings::OPTION );
	delete_option( 'twofa_key_id' );
	delete_option( 'twofa_dummy_hash' );
	Twofa_Events::deactivate();
	Twofa_Rate_Limit::delete_all();
	// Per-user flash messages of the Configure 2FA screen (twofa_flash_{id}).
	$wpdb->query(
		$wpdb->prepare(
			"DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s",
			$wpdb->esc_like( '_transient_twofa_' ) . '%',
			$wpdb->esc_like( '_transient_timeout_twofa_' ) . '%'
		)
	);
}

global $wpdb;
if ( is_multisite() ) {
	foreach ( get_sites( array( 'fields' => 'ids' ) ) as $twofa_site_id ) {
		switch_to_blog( (int) $twofa_site_id );
		twofa_uninstall_site();
		restore_current_blog();
	}
	// The network's settings (network-activated) and its transients.
	delete_site_option( Twofa_Settings::OPTION );
	$wpdb->query(
		$wpdb->prepare(
			"DELETE FROM {$wpdb->sitemeta} WHERE meta_key LIKE %s OR meta_key LIKE %s",
			$wpdb->esc_like( '_site_transient_twofa_' ) . '%',
			$wpdb->esc_like( '_site_transient_timeout_twofa_' ) . '%'
		)
	);
} else {
	twofa_uninstall_site();
}

// User meta is shared by all sites. The named keys first, then anything else
// with the plugin's prefix that an older version may have left behind.
Twofa_Events::uninstall();
Twofa_Passkeys::uninstall();
foreach ( Twofa_User_State::all_keys() as $twofa_key ) {
	delete_metadata( 'user', 0, $twofa_key, '', true );
}
$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->usermeta} WHERE meta_key LIKE %s", $wpdb->esc_like( '_twofa_' ) . '%' ) );
wp_cache_flush();
