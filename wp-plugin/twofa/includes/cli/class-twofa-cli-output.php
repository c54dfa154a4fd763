<?php
/**
 * Printing helpers shared by the `wp twofa` command classes.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Prints one record as WP-CLI prints a single item.
 */
class Twofa_CLI_Output {

	/**
	 * Prints one record: json and yaml as one object (not a one-item list), csv as one row.
	 *
	 * @param string              $format json, yaml or csv.
	 * @param array<string,mixed> $row    The record.
	 */
	public static function one( string $format, array $row ): void {
		if ( 'json' === $format ) {
			WP_CLI::line( (string) wp_json_encode( $row ) );
			return;
		}
		if ( 'yaml' === $format ) {
			$lines = array( '---' );
			foreach ( $row as $key => $value ) {
				if ( is_array( $value ) ) {
					$lines[] = $key . ':' . ( $value ? '' : ' []' );
					foreach ( $value as $item ) {
						$lines[] = '  - ' . self::yaml_scalar( $item );
					}
				} else {
					$lines[] = $key . ': ' . self::yaml_scalar( $value );
				}
			}
			WP_CLI::line( implode( "\n", $lines ) );
			return;
		}
		WP_CLI\Utils\format_items( $format, array( $row ), array_keys( $row ) );
	}

	/**
	 * A scalar as YAML.
	 *
	 * @param mixed $value Value.
	 */
	private static function yaml_scalar( $value ): string {
		if ( null === $value ) {
			return 'null';
		}
		if ( is_bool( $value ) ) {
			return $value ? 'true' : 'false';
		}
		if ( is_int( $value ) || is_float( $value ) ) {
			return (string) $value;
		}
		return (string) wp_json_encode( (string) $value );
	}
}
