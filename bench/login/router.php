<?php
/**
 * Router of the bench's own `php -S`: the stack's router, plus two switches a
 * request may carry (bench requests only; this file is never part of a site):
 *
 * - `X-Twofa-Bench: inactive` removes twofa/twofa.php from active_plugins before
 *   WordPress loads (a pre-registered option filter), so one server process
 *   serves both variants with the same database, theme, configuration and OPcache;
 * - `X-Twofa-Bench-Queries: 1` turns on SAVEQUERIES and appends the request's
 *   database queries (count and SQL), the plugin's classes loaded, whether its
 *   translations loaded and the peak memory (one JSON line) to the file named by the environment
 *   variable TWOFA_BENCH_QUERY_LOG.
 */

// phpcs:disable WordPress.Security.ValidatedSanitizedInput -- bench-only headers, compared to literals.
if ( isset( $_SERVER['HTTP_X_TWOFA_BENCH'] ) && 'inactive' === $_SERVER['HTTP_X_TWOFA_BENCH'] ) {
	require __DIR__ . '/inactive.php';
}
if ( isset( $_SERVER['HTTP_X_TWOFA_BENCH_QUERIES'] ) && '1' === $_SERVER['HTTP_X_TWOFA_BENCH_QUERIES'] && getenv( 'TWOFA_BENCH_QUERY_LOG' ) ) {
	define( 'SAVEQUERIES', true );
	register_shutdown_function(
		static function () {
			global $wpdb;
			if ( ! isset( $wpdb ) ) {
				return;
			}
			$sql = array();
			foreach ( (array) $wpdb->queries as $q ) {
				$sql[] = preg_replace( '/\s+/', ' ', (string) $q[0] );
			}
			$line = array(
				'uri'     => (string) $_SERVER['REQUEST_URI'],
				'method'  => (string) $_SERVER['REQUEST_METHOD'],
				'step'    => isset( $_SERVER['HTTP_X_TWOFA_BENCH_STEP'] ) ? (string) $_SERVER['HTTP_X_TWOFA_BENCH_STEP'] : '',
				'queries' => (int) $wpdb->num_queries,
				'sql'     => $sql,
				'classes' => array_values( preg_grep( '/^Twofa_/', get_declared_classes() ) ),
				// load_plugin_textdomain() applies plugin_locale; twofa is the site's only plugin.
				'twofa'   => did_filter( 'plugin_locale' ) > 0,
				'peak'    => memory_get_peak_usage(),
			);
			file_put_contents( (string) getenv( 'TWOFA_BENCH_QUERY_LOG' ), json_encode( $line ) . "\n", FILE_APPEND | LOCK_EX );
		}
	);
}
// phpcs:enable

return require dirname( __DIR__, 2 ) . '/tests/stack/router.php';
