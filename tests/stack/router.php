<?php
/**
 * Router for `php -S`: serves existing files the way the built-in server does and sends every
 * other path to WordPress's front controller, as Apache's rewrite rules would.
 *
 * Test stack only: the built-in server is not a production web server.
 */

$twofa_root = rtrim( (string) $_SERVER['DOCUMENT_ROOT'], '/' );
$twofa_path = (string) parse_url( (string) $_SERVER['REQUEST_URI'], PHP_URL_PATH );
$twofa_path = rawurldecode( $twofa_path );

// Hidden files and traversal attempts are never served.
if ( str_contains( $twofa_path, "\0" ) || preg_match( '#/\.#', $twofa_path ) ) {
	http_response_code( 404 );
	return true;
}

// No realpath() here: the plugin folder is a symlink into the repository, and its assets must
// be served from there. With no "/." segment (above) the path cannot climb out of the root.
$twofa_file   = $twofa_root . $twofa_path;
$twofa_inside = '' !== $twofa_path && '/' === $twofa_path[0];

if ( $twofa_inside && is_dir( $twofa_file ) ) {
	if ( ! str_ends_with( $twofa_path, '/' ) ) {
		// Like Apache's mod_dir: /wp-admin -> /wp-admin/ so relative links resolve.
		$twofa_query = (string) parse_url( (string) $_SERVER['REQUEST_URI'], PHP_URL_QUERY );
		header( 'Location: ' . $twofa_path . '/' . ( '' !== $twofa_query ? '?' . $twofa_query : '' ), true, 301 );
		return true;
	}
	if ( is_file( $twofa_file . '/index.php' ) ) {
		return false;
	}
} elseif ( $twofa_inside && is_file( $twofa_file ) ) {
	// Let the built-in server run .php files and send static ones with their MIME type.
	return false;
}

// Everything else is WordPress's: pretty permalinks, /wp-json/…, 404 pages.
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $twofa_root . '/index.php';
chdir( $twofa_root );
require $twofa_root . '/index.php';
