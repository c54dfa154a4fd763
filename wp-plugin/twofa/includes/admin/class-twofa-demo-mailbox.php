<?php
/**
 * The demo mailbox: the sidecar's file outbox shown in the browser, in demo mode only.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Lists the newest emails of the file outbox (text part only, escaped) on an admin page and on a
 * login-free page, because a person trying the demo reads the OTP while logging in, before any
 * session exists. Nothing of this is registered unless wp-config.php defines TWOFA_DEMO as true
 * and TWOFA_DEMO_OUTBOX as the outbox folder: on a real site every code would be public here.
 */
final class Twofa_Demo_Mailbox {

	const ACTION    = 'twofa_demo_mailbox';
	const PAGE_SLUG = 'twofa-demo-mailbox';

	/** How many messages are listed, newest first. */
	const LIMIT = 20;

	/** Bytes read from one message at most; OTP emails are a few kilobytes. */
	const MAX_BYTES = 262144;

	/**
	 * Whether demo mode is on and names an outbox.
	 */
	public static function enabled(): bool {
		return defined( 'TWOFA_DEMO' ) && true === TWOFA_DEMO
			&& defined( 'TWOFA_DEMO_OUTBOX' ) && is_string( TWOFA_DEMO_OUTBOX ) && '' !== TWOFA_DEMO_OUTBOX;
	}

	/**
	 * The login-free page's address.
	 */
	public static function public_url(): string {
		return add_query_arg( 'action', self::ACTION, wp_login_url() );
	}

	/**
	 * Top-level "Demo mailbox" menu for every logged-in user (subscribers read their codes too).
	 */
	public static function admin_menu(): void {
		add_menu_page(
			__( 'Demo mailbox', 'twofa' ),
			__( 'Demo mailbox', 'twofa' ),
			'read',
			self::PAGE_SLUG,
			array( __CLASS__, 'admin_page' ),
			'dashicons-email-alt',
			99
		);
	}

	/**
	 * The admin page.
	 */
	public static function admin_page(): void {
		if ( ! current_user_can( 'read' ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to view this page.', 'twofa' ), 403 );
		}
		echo '<div class="wrap">';
		echo '<h1>' . esc_html__( 'Demo mailbox', 'twofa' ) . '</h1>';
		echo self::render( self::messages( TWOFA_DEMO_OUTBOX ) ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- render() escapes every value.
		echo '<p><a class="button" href="' . esc_url( admin_url( 'admin.php?page=' . self::PAGE_SLUG ) ) . '">' . esc_html__( 'Check for new emails', 'twofa' ) . '</a></p>';
		echo '</div>';
	}

	/**
	 * The login-free page at wp-login.php?action=twofa_demo_mailbox.
	 */
	public static function login_page(): void {
		// Defense in depth: the demo serves 127.0.0.1 only, and so does this page.
		$remote = isset( $_SERVER['REMOTE_ADDR'] ) ? sanitize_text_field( wp_unslash( $_SERVER['REMOTE_ADDR'] ) ) : '';
		if ( ! in_array( $remote, array( '127.0.0.1', '::1' ), true ) ) {
			wp_die( esc_html__( 'The demo mailbox is only available from this computer.', 'twofa' ), 403 );
		}
		nocache_headers();
		header( 'X-Robots-Tag: noindex, nofollow' );
		login_header( __( 'Demo mailbox', 'twofa' ) );
		echo '<div class="twofa-demo-mailbox">';
		echo self::render( self::messages( TWOFA_DEMO_OUTBOX ) ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- render() escapes every value.
		echo '<p><a class="button" href="' . esc_url( self::public_url() ) . '">' . esc_html__( 'Check for new emails', 'twofa' ) . '</a></p>';
		echo '</div>';
		echo '<p id="nav"><a href="' . esc_url( wp_login_url() ) . '">' . esc_html__( '&larr; Back to log in', 'twofa' ) . '</a></p>';
		// The login screen is 320px wide; the messages read better a little wider.
		echo '<style>#login{width:min(640px,94vw)}.twofa-demo-message{background:#fff;border:1px solid #c3c4c7;box-shadow:0 1px 1px rgba(0,0,0,.04);padding:16px 24px;margin:16px 0}.twofa-demo-message .title{font-size:1.3em;margin:0 0 8px}.twofa-demo-mailbox pre{margin:12px 0 0}</style>';
		login_footer();
		exit;
	}

	/**
	 * A link to the mailbox under every login screen, the 2FA challenge included.
	 */
	public static function login_footer_link(): void {
		if ( isset( $_GET['action'] ) && self::ACTION === $_GET['action'] ) { // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- only decides whether to show a link.
			return;
		}
		echo '<p class="twofa-demo-mailbox-link" style="text-align:center;margin:16px 0"><a href="' . esc_url( self::public_url() ) . '" target="_blank" rel="noopener">'
			. esc_html__( 'Demo mailbox: read the OTP emails', 'twofa' ) . '</a></p>';
	}

	/**
	 * The newest messages of an outbox folder.
	 *
	 * @param string $dir   The outbox folder.
	 * @param int    $limit How many.
	 * @return array<int,array{file:string,time:int,to:string,subject:string,date:string,text:string}>
	 */
	public static function messages( string $dir, int $limit = self::LIMIT ): array {
		if ( ! is_dir( $dir ) ) {
			return array();
		}
		$files = glob( rtrim( $dir, '/' ) . '/*.eml' );
		if ( ! $files ) {
			return array();
		}
		$dated = array();
		foreach ( $files as $file ) {
			if ( is_file( $file ) && ! is_link( $file ) ) {
				$dated[ $file ] = (int) filemtime( $file );
			}
		}
		arsort( $dated );
		$out = array();
		foreach ( array_slice( $dated, 0, max( 0, $limit ), true ) as $file => $time ) {
			$raw = file_get_contents( $file, false, null, 0, self::MAX_BYTES ); // phpcs:ignore WordPress.WP.AlternativeFunctions.file_get_contents_file_get_contents -- a local file.
			if ( false === $raw ) {
				continue;
			}
			$out[] = array(
				'file' => basename( $file ),
				'time' => $time,
			) + self::parse( $raw );
		}
		return $out;
	}

	/**
	 * Headers and the plain-text body of one RFC 5322 message.
	 *
	 * @param string $raw The message.
	 * @return array{to:string,subject:string,date:string,text:string}
	 */
	public static function parse( string $raw ): array {
		list( $headers, $body ) = self::split( $raw );
		return array(
			'to'      => self::decode_header( $headers['to'] ?? '' ),
			'subject' => self::decode_header( $headers['subject'] ?? '' ),
			'date'    => self::decode_header( $headers['date'] ?? '' ),
			'text'    => self::text_part( $headers, $body, 0 ),
		);
	}

	/**
	 * Splits a message or MIME part into lower-cased, unfolded headers and its body.
	 *
	 * @param string $raw The message or part.
	 * @return array{0:array<string,string>,1:string}
	 */
	private static function split( string $raw ): array {
		$raw   = str_replace( "\r\n", "\n", $raw );
		$parts = explode( "\n\n", $raw, 2 );
		$head  = preg_replace( "/\n[ \t]+/", ' ', $parts[0] );
		$out   = array();
		foreach ( explode( "\n", (string) $head ) as $line ) {
			$pair = explode( ':', $line, 2 );
			if ( 2 === count( $pair ) ) {
				$name = strtolower( trim( $pair[0] ) );
				if ( ! isset( $out[ $name ] ) ) {
					$out[ $name ] = trim( $pair[1] );
				}
			}
		}
		return array( $out, $parts[1] ?? '' );
	}

	/**
	 * The text/plain content of a part, descending into multipart bodies.
	 *
	 * @param array<string,string> $headers Headers of the part.
	 * @param string               $body    Its body.
	 * @param int                  $depth   Nesting, bounded against hostile input.
	 */
	private static function text_part( array $headers, string $body, int $depth ): string {
		$type = strtolower( $headers['content-type'] ?? 'text/plain' );
		if ( 0 === strpos( $type, 'multipart/' ) ) {
			if ( $depth > 5 || ! preg_match( '/boundary="?([^";]+)"?/i', $headers['content-type'], $m ) ) {
				return '';
			}
			$chunks = explode( '--' . $m[1], $body );
			// The text before the first boundary is the preamble; the last chunk starts with "--".
			foreach ( array_slice( $chunks, 1 ) as $chunk ) {
				if ( 0 === strpos( $chunk, '--' ) ) {
					break;
				}
				list( $part_headers, $part_body ) = self::split( ltrim( $chunk, "\r\n" ) );
				$text                             = self::text_part( $part_headers, $part_body, $depth + 1 );
				if ( '' !== $text ) {
					return $text;
				}
			}
			return '';
		}
		if ( 0 !== strpos( $type, 'text/plain' ) ) {
			return '';
		}
		$encoding = strtolower( $headers['content-transfer-encoding'] ?? '7bit' );
		if ( 'base64' === $encoding ) {
			$body = (string) base64_decode( preg_replace( '/\s+/', '', $body ), false ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- MIME transfer encoding.
		} elseif ( 'quoted-printable' === $encoding ) {
			$body = quoted_printable_decode( $body );
		}
		$body = str_replace( "\r\n", "\n", $body );
		// Whatever the charset label says, what reaches the page must be valid UTF-8.
		if ( ! mb_check_encoding( $body, 'UTF-8' ) ) {
			$body = mb_convert_encoding( $body, 'UTF-8', 'ISO-8859-1' );
		}
		return trim( $body );
	}

	/**
	 * An RFC 2047 encoded header as UTF-8 text.
	 *
	 * @param string $value Raw header value.
	 */
	private static function decode_header( string $value ): string {
		$decoded = function_exists( 'iconv_mime_decode' ) ? iconv_mime_decode( $value, ICONV_MIME_DECODE_CONTINUE_ON_ERROR, 'UTF-8' ) : false;
		$decoded = false === $decoded ? $value : $decoded;
		return mb_check_encoding( $decoded, 'UTF-8' ) ? $decoded : '';
	}

	/**
	 * The list as HTML, every value escaped.
	 *
	 * @param array<int,array<string,mixed>> $messages From messages().
	 */
	public static function render( array $messages ): string {
		$html = '<p>' . esc_html__( 'Demo mode: the emails the sidecar wrote to its file outbox, newest first. A real site sends them by SMTP and has no such page.', 'twofa' ) . '</p>';
		$html .= '<div role="status" aria-live="polite">';
		if ( array() === $messages ) {
			$html .= '<p class="twofa-demo-mailbox-empty">' . esc_html__( 'No emails yet. Click Send OTP, then reload this page.', 'twofa' ) . '</p>';
		} else {
			/* translators: %d: number of emails listed. */
			$html .= '<p>' . esc_html( sprintf( _n( '%d email.', '%d emails.', count( $messages ), 'twofa' ), count( $messages ) ) ) . '</p>';
		}
		$html .= '</div>';
		foreach ( $messages as $message ) {
			$html .= '<div class="card twofa-demo-message" style="max-width:none">';
			$html .= '<h2 class="title">' . esc_html( '' !== $message['subject'] ? $message['subject'] : __( '(no subject)', 'twofa' ) ) . '</h2>';
			$html .= '<p><strong>' . esc_html__( 'To:', 'twofa' ) . '</strong> ' . esc_html( $message['to'] ) . '<br>';
			$html .= '<strong>' . esc_html__( 'Written:', 'twofa' ) . '</strong> ' . esc_html( wp_date( get_option( 'date_format' ) . ' H:i:s', (int) $message['time'] ) ) . '</p>';
			$html .= '<pre style="white-space:pre-wrap;word-break:break-word">' . esc_html( $message['text'] ) . '</pre>';
			$html .= '</div>';
		}
		return $html;
	}
}
