<?php
/**
 * The authenticator's QR code and setup key, as both setup screens show them.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * One place for the markup the Configure 2FA page and the first-login setup share,
 * so the SVG allow-list and the accessible labelling cannot drift apart.
 */
final class Twofa_Qr {

	/**
	 * Elements and attributes the QR SVG may keep; everything else is stripped.
	 * The SVG's own role and label are dropped: the wrapper carries them, so a
	 * screen reader announces one image, not two.
	 */
	const SVG_ALLOWED = array(
		'svg'  => array(
			'xmlns'           => true,
			'viewbox'         => true,
			'width'           => true,
			'height'          => true,
			'version'         => true,
			'shape-rendering' => true,
			'class'           => true,
			'fill'            => true,
		),
		'rect' => array(
			'x'      => true,
			'y'      => true,
			'width'  => true,
			'height' => true,
			'fill'   => true,
		),
		'path' => array(
			'd'               => true,
			'fill'            => true,
			'fill-rule'       => true,
			'stroke'          => true,
			'stroke-width'    => true,
			'shape-rendering' => true,
		),
	);

	/**
	 * The QR code of an otpauth:// URI, wrapped as one labelled image; '' when it
	 * cannot be drawn (the caller still shows the key as text).
	 *
	 * @param string $uri   The otpauth:// URI.
	 * @param string $label Accessible name of the image.
	 */
	public static function html( string $uri, string $label ): string {
		try {
			$svg = (string) twofa_qr_svg( $uri );
		} catch ( Throwable $e ) {
			return '';
		}
		return '<div class="twofa-qr" role="img" aria-label="' . esc_attr( $label ) . '">' . wp_kses( $svg, self::SVG_ALLOWED ) . '</div>';
	}

	/**
	 * The setup key in groups of four; each group stays on one line when the key wraps.
	 *
	 * @param string $secret Base32 secret.
	 * @param string $class  CSS class of the <code> element.
	 * @param string $id     Optional element id.
	 */
	public static function key_html( string $secret, string $class, string $id = '' ): string {
		$groups = array();
		foreach ( str_split( $secret, 4 ) as $group ) {
			$groups[] = '<span class="twofa-key-group">' . esc_html( $group ) . '</span>';
		}
		return '<code class="' . esc_attr( $class ) . '"' . ( '' !== $id ? ' id="' . esc_attr( $id ) . '"' : '' ) . '>' . implode( ' ', $groups ) . '</code>';
	}
}
