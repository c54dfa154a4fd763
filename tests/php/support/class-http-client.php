<?php
/**
 * A small HTTP client with a cookie jar, for tests against the served site.
 */

/**
 * Talks to the real WordPress served by `php -S`, like a browser would, without JavaScript.
 */
final class Http_Client {

	/**
	 * Base URL of the site.
	 *
	 * @var string
	 */
	public $base;

	/**
	 * Cookies: name => value.
	 *
	 * @var array<string,string>
	 */
	public $cookies = array();

	/**
	 * Last response: status, headers (lower-case name => list of values), body.
	 *
	 * @var array{status:int, headers:array<string,string[]>, body:string}
	 */
	public $last;

	/**
	 * Client for the stack's site.
	 *
	 * @param string|null $base Base URL; TWOFA_WP_URL when null.
	 */
	public function __construct( ?string $base = null ) {
		$this->base = rtrim( $base ?? (string) getenv( 'TWOFA_WP_URL' ), '/' );
	}

	/**
	 * GET a path.
	 *
	 * @param string               $path    Path and query, or a full URL.
	 * @param array<string,string> $headers Extra headers.
	 */
	public function get( string $path, array $headers = array() ): array {
		return $this->request( 'GET', $path, null, $headers );
	}

	/**
	 * POST a form.
	 *
	 * @param string               $path    Path and query.
	 * @param array<string,mixed>  $fields  Form fields.
	 * @param array<string,string> $headers Extra headers.
	 */
	public function post( string $path, array $fields, array $headers = array() ): array {
		return $this->request( 'POST', $path, http_build_query( $fields ), $headers + array( 'Content-Type' => 'application/x-www-form-urlencoded' ) );
	}

	/**
	 * Sends a request; redirects are not followed (tests look at them).
	 *
	 * @param string               $method  HTTP method.
	 * @param string               $path    Path or URL.
	 * @param string|null          $body    Raw body.
	 * @param array<string,string> $headers Extra headers.
	 */
	public function request( string $method, string $path, ?string $body = null, array $headers = array() ): array {
		$url = preg_match( '#^https?://#', $path ) ? $path : $this->base . $path;
		$ch  = curl_init( $url );
		$hdr = array();
		foreach ( $headers as $name => $value ) {
			$hdr[] = $name . ': ' . $value;
		}
		if ( $this->cookies ) {
			$hdr[] = 'Cookie: ' . $this->cookie_header();
		}
		$response_headers = array();
		curl_setopt_array(
			$ch,
			array(
				CURLOPT_CUSTOMREQUEST  => $method,
				CURLOPT_RETURNTRANSFER => true,
				CURLOPT_FOLLOWLOCATION => false,
				CURLOPT_HTTPHEADER     => $hdr,
				CURLOPT_TIMEOUT        => 60,
				CURLOPT_HEADERFUNCTION => function ( $ch, $line ) use ( &$response_headers ) {
					$parts = explode( ':', $line, 2 );
					if ( 2 === count( $parts ) ) {
						$response_headers[ strtolower( trim( $parts[0] ) ) ][] = trim( $parts[1] );
					}
					return strlen( $line );
				},
			)
		);
		if ( null !== $body ) {
			curl_setopt( $ch, CURLOPT_POSTFIELDS, $body );
		}
		$out = curl_exec( $ch );
		if ( false === $out ) {
			throw new RuntimeException( 'HTTP request failed: ' . curl_error( $ch ) );
		}
		$status = (int) curl_getinfo( $ch, CURLINFO_RESPONSE_CODE );
		curl_close( $ch );

		foreach ( $response_headers['set-cookie'] ?? array() as $cookie ) {
			$pair = explode( ';', $cookie, 2 )[0];
			list( $name, $value ) = array_pad( explode( '=', $pair, 2 ), 2, '' );
			$name = trim( $name );
			// WordPress clears a cookie by setting it to a blank value that has already expired.
			// (a space, sent as %20, with Max-Age=0 and an expiry a year back).
			if ( '' === $value || 'deleted' === $value || '%20' === $value || preg_match( '/max-age=0(;|$)/i', $cookie ) || preg_match( '/expires=[^;]*19[0-9]{2}/i', $cookie ) ) {
				unset( $this->cookies[ $name ] );
			} else {
				$this->cookies[ $name ] = $value;
			}
		}

		$this->last = array(
			'status'  => $status,
			'headers' => $response_headers,
			'body'    => (string) $out,
		);
		return $this->last;
	}

	/**
	 * POSTs forms all at the same moment (curl_multi), as parallel tabs, scripts
	 * or servers would; redirects are not followed.
	 *
	 * @param array<int,array{url:string, fields:array<string,mixed>, cookie?:string}> $requests Each request.
	 * @param callable|null $on_first_answer Called once, as soon as the first response is complete,
	 *                                       while the others are still in flight (to inject a fault
	 *                                       at a known point of the burst).
	 * @return array<int,array{status:int, headers:array<string,string[]>, body:string}> By the requests' keys.
	 */
	public static function parallel_posts( array $requests, ?callable $on_first_answer = null ): array {
		$multi   = curl_multi_init();
		$handles = array();
		$headers = array();
		foreach ( $requests as $i => $request ) {
			$headers[ $i ] = array();
			$ch            = curl_init( $request['url'] );
			curl_setopt_array(
				$ch,
				array(
					CURLOPT_POST           => true,
					CURLOPT_POSTFIELDS     => http_build_query( $request['fields'] ),
					CURLOPT_HTTPHEADER     => isset( $request['cookie'] ) ? array( 'Cookie: ' . $request['cookie'] ) : array(),
					CURLOPT_RETURNTRANSFER => true,
					CURLOPT_TIMEOUT        => 60,
					CURLOPT_HEADERFUNCTION => function ( $ch, $line ) use ( &$headers, $i ) {
						$parts = explode( ':', $line, 2 );
						if ( 2 === count( $parts ) ) {
							$headers[ $i ][ strtolower( trim( $parts[0] ) ) ][] = trim( $parts[1] );
						}
						return strlen( $line );
					},
				)
			);
			curl_multi_add_handle( $multi, $ch );
			$handles[ $i ] = $ch;
		}
		do {
			$status = curl_multi_exec( $multi, $running );
			if ( null !== $on_first_answer && false !== curl_multi_info_read( $multi ) ) {
				$on_first_answer();
				$on_first_answer = null;
			}
			if ( $running ) {
				curl_multi_select( $multi, 1.0 );
			}
		} while ( $running && CURLM_OK === $status );
		$out = array();
		foreach ( $handles as $i => $ch ) {
			$out[ $i ] = array(
				'status'  => (int) curl_getinfo( $ch, CURLINFO_RESPONSE_CODE ),
				'headers' => $headers[ $i ],
				'body'    => (string) curl_multi_getcontent( $ch ),
			);
			curl_multi_remove_handle( $multi, $ch );
			curl_close( $ch );
		}
		curl_multi_close( $multi );
		return $out;
	}

	/**
	 * The Cookie header value this client would send.
	 */
	public function cookie_header(): string {
		$pairs = array();
		foreach ( $this->cookies as $name => $value ) {
			$pairs[] = $name . '=' . $value;
		}
		return implode( '; ', $pairs );
	}

	/**
	 * The Location header of the last response, or ''.
	 */
	public function location(): string {
		return $this->last['headers']['location'][0] ?? '';
	}

	/**
	 * Whether the jar holds a WordPress logged-in cookie.
	 */
	public function has_login_cookie(): bool {
		foreach ( array_keys( $this->cookies ) as $name ) {
			if ( 0 === strpos( $name, 'wordpress_logged_in_' ) ) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The value of a named hidden input or input in the last body, or null.
	 *
	 * @param string $name Field name.
	 */
	public function field( string $name ): ?string {
		$doc = new DOMDocument();
		libxml_use_internal_errors( true );
		$doc->loadHTML( $this->last['body'] );
		libxml_clear_errors();
		foreach ( $doc->getElementsByTagName( 'input' ) as $input ) {
			if ( $input->getAttribute( 'name' ) === $name ) {
				return $input->getAttribute( 'value' );
			}
		}
		return null;
	}
}
