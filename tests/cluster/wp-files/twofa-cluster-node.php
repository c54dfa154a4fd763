<?php
/**
 * Test cluster only: each web node talks to its own sidecar. The PHP-FPM pool of the node sets
 * TWOFA_CLUSTER_SIDECAR_URL; the shared twofa_settings option holds one address for all nodes,
 * so it is replaced on read here (command-line PHP without the variable sees the option as is).
 */

$twofa_cluster_sidecar = getenv( 'TWOFA_CLUSTER_SIDECAR_URL' );
if ( is_string( $twofa_cluster_sidecar ) && preg_match( '#^http://127\.0\.0\.1:[0-9]{1,5}$#', $twofa_cluster_sidecar ) ) {
	add_filter(
		'option_twofa_settings',
		static function ( $value ) use ( $twofa_cluster_sidecar ) {
			if ( is_array( $value ) ) {
				$value['sidecar_url'] = $twofa_cluster_sidecar;
			}
			return $value;
		}
	);
}
