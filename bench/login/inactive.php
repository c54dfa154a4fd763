<?php
/**
 * "twofa inactive" for the benchmarks: removes twofa/twofa.php from
 * active_plugins before WordPress loads, with an option filter in a pre-filled
 * $wp_filter (WordPress turns it into hooks when plugin.php loads), so both
 * variants read the same database, theme and configuration.
 */
$GLOBALS['wp_filter'] = array(
	'option_active_plugins' => array(
		10 => array(
			array(
				'function'      => static function ( $plugins ) {
					return array_values( array_diff( (array) $plugins, array( 'twofa/twofa.php' ) ) );
				},
				'accepted_args' => 1,
			),
		),
	),
);
