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

// A subdirectory multisite network (the server was started with TWOFA_ROUTER_MULTISITE=1):
// /site2/wp-admin/…, /site2/wp-includes/…, /site2/wp-content/… and /site2/*.php are the root's
// files, as WordPress's multisite rewrite rules make them; WordPress finds the site from the
// request's path.
if ( '1' === getenv( 'TWOFA_ROUTER_MULTISITE' ) && $twofa_inside && ! file_exists( $twofa_file )
	&& preg_match( '#^/[_0-9a-zA-Z-]+(/(?:wp-(?:content|admin|includes)(?:/.*)?|[^/]*\.php))$#', $twofa_path, $twofa_m ) ) {
	$twofa_real = $twofa_root . $twofa_m[1];
	if ( is_dir( $twofa_real ) ) {
		if ( ! str_ends_with( $twofa_path, '/' ) ) {
			$twofa_query = (string) parse_url( (string) $_SERVER['REQUEST_URI'], PHP_URL_QUERY );
			header( 'Location: ' . $twofa_path . '/' . ( '' !== $twofa_query ? '?' . $twofa_query : '' ), true, 301 );
			return true;
		}
		$twofa_real .= 'index.php';
	}
	if ( is_file( $twofa_real ) && str_ends_with( $twofa_real, '.php' ) ) {
		$_SERVER['SCRIPT_NAME']     = substr( $twofa_real, strlen( $twofa_root ) );
		$_SERVER['PHP_SELF']        = $_SERVER['SCRIPT_NAME'];
		$_SERVER['SCRIPT_FILENAME'] = $twofa_real;
		chdir( dirname( $twofa_real ) );
		require $twofa_real;
		return true;
	}
	if ( is_file( $twofa_real ) ) {
		$twofa_types = array(
			'css'   => 'text/css',
			'js'    => 'text/javascript',
			'svg'   => 'image/svg+xml',
			'png'   => 'image/png',
			'gif'   => 'image/gif',
			'jpg'   => 'image/jpeg',
			'woff'  => 'font/woff',
			'woff2' => 'font/woff2',
		);
		$twofa_ext = strtolower( pathinfo( $twofa_real, PATHINFO_EXTENSION ) );
		header( 'Content-Type: ' . ( $twofa_types[ $twofa_ext ] ?? 'application/octet-stream' ) );
		header( 'Content-Length: ' . filesize( $twofa_real ) );
		readfile( $twofa_real );
		return true;
	}
}

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
