<?php
/**
 * Signed HTTP calls to the twofa sidecar.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Every /v1 request is signed with twofa_sign() (docs/CONTRACTS.md). Bodies may
 * carry an email code, so neither bodies nor raw transport errors are ever
 * returned to callers or logged; callers get a WP_Error with a plain message.
 */
final class Twofa_Sidecar_Client {

	/**
	 * Mail sending is bounded by the sidecar (10 s by default); allow a little more.
	 */
	const TIMEOUT = 15;

	/**
	 * Base URL, e.g. http://127.0.0.1:8787.
	 *
	 * @var string
	 */
	private $base;

	/**
	 * Client for the configured sidecar.
	 *
	 * @param string|null $base Base URL; this server's (Twofa_Settings::sidecar_url()) when null.
	 */
	public function __construct( ?string $base = null ) {
		$this->base = rtrim( $base ?? Twofa_Settings::sidecar_url(), '/' );
	}

	/**
	 * Asks the sidecar to email a code to the user's own address.
	 *
	 * @param int    $user_id    User ID.
	 * @param string $code       The 6-digit code.
	 * @param string $purpose    'setup' or 'login'.
	 * @param int    $expires_in Seconds the code is valid.
	 * @return array<string,mixed>|WP_Error The sidecar's answer ({"message_id"}).
	 */
	public function email_otp( int $user_id, string $code, string $purpose, int $expires_in ) {
		return $this->request(
			'POST',
			'/v1/email-otp',
			array(
				'user_id'    => $user_id,
				'code'       => $code,
				'purpose'    => $purpose,
				'expires_in' => $expires_in,
			) + self::locale_field( $user_id )
		);
	}

	/**
	 * The recipient's locale for the sidecar's catalogs: the user's, else the site's
	 * (get_user_locale()); left out when it is not of the form the sidecar accepts
	 * (docs/CONTRACTS.md), which means English.
	 *
	 * @param int $user_id User ID.
	 * @return array<string,string> Empty, or array( 'locale' => … ).
	 */
	public static function locale_field( int $user_id ): array {
		$locale = (string) get_user_locale( $user_id );
		if ( 1 !== preg_match( '/^[a-z]{2,3}(_([A-Z]{2}|[0-9]{3}))?(_[a-z0-9]+)?\z/', $locale ) || strlen( $locale ) > 32 ) {
			return array();
		}
		return array( 'locale' => $locale );
	}

	/**
	 * Sends a fixed security notice to the user.
	 *
	 * @param int         $user_id   User ID.
	 * @param string      $event     One of Twofa_Notifier::EVENTS.
	 * @param string|null $method    A method id or null.
	 * @param int|null    $remaining Unused backup codes left (backup code events only).
	 * @return array<string,mixed>|WP_Error
	 */
	public function notify( int $user_id, string $event, ?string $method = null, ?int $remaining = null ) {
		$body = array(
			'user_id' => $user_id,
			'event'   => $event,
			'method'  => $method,
		);
		if ( null !== $remaining ) {
			$body['remaining'] = $remaining;
		}
		return $this->request( 'POST', '/v1/notify', $body + self::locale_field( $user_id ) );
	}

	/**
	 * One user's 2FA summary.
	 *
	 * @param int $user_id User ID.
	 * @return array<string,mixed>|WP_Error
	 */
	public function user( int $user_id ) {
		return $this->request( 'GET', '/v1/users/' . $user_id );
	}

	/**
	 * The adoption report.
	 *
	 * @param array<string,scalar> $query page, per_page, role.
	 * @return array<string,mixed>|WP_Error
	 */
	public function report( array $query = array() ) {
		$path = '/v1/report';
		if ( $query ) {
			$path .= '?' . http_build_query( $query, '', '&', PHP_QUERY_RFC3986 );
		}
		return $this->request( 'GET', $path );
	}

	/**
	 * Liveness and version: GET /healthz (unsigned).
	 *
	 * @return array<string,mixed>|WP_Error
	 */
	public function health() {
		return $this->request( 'GET', '/healthz', null, false );
	}

	/**
	 * Sends one request and decodes the JSON answer.
	 *
	 * @param string                   $method HTTP method.
	 * @param string                   $path   Path and query.
	 * @param array<string,mixed>|null $body   JSON body.
	 * @param bool                     $signed Whether to sign (all /v1 routes).
	 * @return array<string,mixed>|WP_Error
	 */
	public function request( string $method, string $path, ?array $body = null, bool $signed = true ) {
		$payload = null === $body ? '' : (string) wp_json_encode( $body );
		$headers = array( 'Accept' => 'application/json' );
		if ( null !== $body ) {
			$headers['Content-Type'] = 'application/json';
		}
		if ( $signed ) {
			if ( ! function_exists( 'twofa_sign' ) ) {
				return new WP_Error( 'twofa_sidecar_unsigned', __( 'The twofa PHP extension is not loaded, so the email service cannot be reached.', 'twofa' ) );
			}
			try {
				$now                           = time(); // The sidecar checks against its real clock, never the test clock.
				$request_id                    = bin2hex( random_bytes( 16 ) ); // The sidecar accepts each id once.
				$headers['X-Twofa-Timestamp']  = (string) $now;
				$headers['X-Twofa-Request-Id'] = $request_id;
				$headers['X-Twofa-Signature']  = twofa_sign( $method, $path, $payload, $now, $request_id );
			} catch ( Throwable $e ) {
				return new WP_Error( 'twofa_sidecar_unsigned', __( 'The twofa site key is not available, so the email service cannot be reached.', 'twofa' ) );
			}
		}

		$response = wp_remote_request(
			$this->base . $path,
			array(
				'method'      => $method,
				'headers'     => $headers,
				'body'        => null === $body ? null : $payload,
				'timeout'     => self::TIMEOUT,
				'redirection' => 0,
				'sslverify'   => true,
			)
		);
		if ( is_wp_error( $response ) ) {
			return new WP_Error( 'twofa_sidecar_unreachable', __( 'The email service is not reachable right now. Please try again in a few minutes, or use another method.', 'twofa' ), array( 'status' => 0 ) );
		}

		$status  = (int) wp_remote_retrieve_response_code( $response );
		$decoded = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( $status >= 200 && $status < 300 ) {
			return is_array( $decoded ) ? $decoded : array();
		}
		return self::error_for( $status, is_array( $decoded ) ? $decoded : array(), $response );
	}

	/**
	 * Turns a sidecar error answer into a message fit for the user.
	 *
	 * @param int                 $status   HTTP status.
	 * @param array<string,mixed> $decoded  JSON error body.
	 * @param array               $response The raw response (for Retry-After).
	 */
	private static function error_for( int $status, array $decoded, $response ): WP_Error {
		$data = array(
			'status' => $status,
			'error'  => isset( $decoded['error'] ) && is_string( $decoded['error'] ) ? sanitize_key( $decoded['error'] ) : '',
		);
		switch ( $status ) {
			case 429:
				$data['retry_after'] = max( 1, (int) wp_remote_retrieve_header( $response, 'retry-after' ) );
				return new WP_Error( 'twofa_sidecar_rate_limited', __( 'Too many emails were requested. Please wait a little and try again.', 'twofa' ), $data );
			case 404:
				return new WP_Error( 'twofa_sidecar_unknown_user', __( 'The email service does not know this account.', 'twofa' ), $data );
			case 401:
				return new WP_Error( 'twofa_sidecar_auth', __( 'The email service refused this site\'s signature. The site key of WordPress and of the twofa sidecar must be the same file, and both clocks must be right.', 'twofa' ), $data );
			case 503:
				return new WP_Error( 'twofa_sidecar_mail_unavailable', __( 'The email could not be sent right now. Please try again in a few minutes, or use another method.', 'twofa' ), $data );
			default:
				return new WP_Error( 'twofa_sidecar_error', __( 'The email service answered with an error.', 'twofa' ), $data );
		}
	}
}
