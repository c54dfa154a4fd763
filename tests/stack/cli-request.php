<?php
/**
 * WordPress reads the request's host even on the command line (and Debian's
 * wp-config picks its configuration by host): scripts that load a site from
 * php-cli describe a request to that site's address first.
 */

/**
 * Fills $_SERVER as a GET of $uri on the site at $url would.
 *
 * @param string $url Site address, e.g. http://127.0.0.1:8080.
 * @param string $uri Request URI.
 */
function twofa_cli_request( string $url, string $uri = '/' ): void {
	$parts                      = parse_url( $url );
	$host                       = is_array( $parts ) && isset( $parts['host'] ) ? $parts['host'] : '127.0.0.1';
	$_SERVER['HTTP_HOST']       = $host . ( isset( $parts['port'] ) ? ':' . $parts['port'] : '' );
	$_SERVER['SERVER_NAME']     = $host;
	$_SERVER['SERVER_PORT']     = (string) ( $parts['port'] ?? 80 );
	$_SERVER['REQUEST_URI']     = $uri;
	$_SERVER['REQUEST_METHOD']  = 'GET';
	$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
	$_SERVER['REMOTE_ADDR']     = '127.0.0.1';
}
