<?php
/**
 * Stand-ins for the WP_CLI\Utils functions the plugin uses: format_items() (WP-CLI's
 * Formatter: table, json, csv, yaml, count; --fields as a list or comma-separated string)
 * and get_flag_value(). Output goes to WP_CLI::$stdout, where the stand-in records STDOUT.
 */

namespace WP_CLI\Utils;

/**
 * Renders items the way `--format=<format>` does in WP-CLI.
 *
 * @param string          $format table|json|csv|yaml|count.
 * @param array           $items  Arrays or objects.
 * @param string|string[] $fields Fields to show, in order.
 */
function format_items( $format, $items, $fields ) {
	if ( is_string( $fields ) ) {
		$fields = array_map( 'trim', explode( ',', $fields ) );
	}
	$rows = array();
	foreach ( $items as $item ) {
		$item = (array) $item;
		$row  = array();
		foreach ( $fields as $field ) {
			if ( ! array_key_exists( $field, $item ) ) {
				\WP_CLI::error( "Invalid field: $field." );
			}
			$row[ $field ] = $item[ $field ];
		}
		$rows[] = $row;
	}
	switch ( $format ) {
		case 'table':
			\WP_CLI::$stdout .= render_table( $fields, $rows );
			return;
		case 'json':
			\WP_CLI::$stdout .= json_encode( $rows, JSON_PARTIAL_OUTPUT_ON_ERROR );
			return;
		case 'csv':
			$fh = fopen( 'php://memory', 'w+' );
			fputcsv( $fh, $fields );
			foreach ( $rows as $row ) {
				fputcsv( $fh, array_map( __NAMESPACE__ . '\\cell', $row ) );
			}
			rewind( $fh );
			\WP_CLI::$stdout .= stream_get_contents( $fh );
			fclose( $fh );
			return;
		case 'yaml':
			$out = "---\n";
			foreach ( $rows as $row ) {
				$out  .= "- \n";
				foreach ( $row as $key => $value ) {
					$out .= '  ' . $key . ': ' . yaml_scalar( $value ) . "\n";
				}
			}
			\WP_CLI::$stdout .= $out;
			return;
		case 'count':
			\WP_CLI::$stdout .= count( $rows ) . "\n";
			return;
		default:
			\WP_CLI::error( 'Invalid format: ' . $format );
	}
}

/**
 * A flag's value from the associative arguments; --no-<flag> negates.
 *
 * @param array  $assoc_args Associative arguments.
 * @param string $flag       Flag name.
 * @param mixed  $default    Value when absent.
 * @return mixed
 */
function get_flag_value( $assoc_args, $flag, $default = null ) {
	if ( isset( $assoc_args[ $flag ] ) ) {
		return $assoc_args[ $flag ];
	}
	if ( isset( $assoc_args[ 'no-' . $flag ] ) ) {
		return ! $assoc_args[ 'no-' . $flag ];
	}
	return $default;
}

/**
 * A table cell as text (arrays joined with ", ", as WP-CLI's table does).
 *
 * @param mixed $value Value.
 */
function cell( $value ): string {
	if ( is_array( $value ) ) {
		return implode( ', ', array_map( __NAMESPACE__ . '\\cell', $value ) );
	}
	if ( is_bool( $value ) ) {
		return $value ? 'true' : 'false';
	}
	return (string) $value;
}

/**
 * A YAML scalar, quoted when plain YAML would misread it.
 *
 * @param mixed $value Value.
 */
function yaml_scalar( $value ): string {
	if ( null === $value ) {
		return '';
	}
	if ( is_bool( $value ) ) {
		return $value ? 'true' : 'false';
	}
	if ( is_int( $value ) || is_float( $value ) ) {
		return (string) $value;
	}
	if ( is_array( $value ) ) {
		return json_encode( array_values( $value ) );
	}
	$s = (string) $value;
	if ( '' === $s || preg_match( '/^[\s\-?:,\[\]{}#&*!|>\'"%@`]|[:#]\s|\s$|^(true|false|null|yes|no|~|[0-9.+-]+)$/i', $s ) ) {
		return '"' . addcslashes( $s, "\"\\\n" ) . '"';
	}
	return $s;
}

/**
 * WP-CLI's ASCII table.
 *
 * @param string[] $fields Header.
 * @param array[]  $rows   Rows.
 */
function render_table( array $fields, array $rows ): string {
	$widths = array();
	foreach ( $fields as $i => $field ) {
		$widths[ $i ] = mb_strlen( $field );
	}
	$text_rows = array();
	foreach ( $rows as $row ) {
		$cells = array();
		foreach ( array_values( $row ) as $i => $value ) {
			$cells[ $i ]  = str_replace( array( "\r", "\n" ), ' ', cell( $value ) );
			$widths[ $i ] = max( $widths[ $i ], mb_strlen( $cells[ $i ] ) );
		}
		$text_rows[] = $cells;
	}
	$border = '+';
	foreach ( $widths as $w ) {
		$border .= str_repeat( '-', $w + 2 ) . '+';
	}
	$line = static function ( array $cells ) use ( $widths ): string {
		$out = '|';
		foreach ( $widths as $i => $w ) {
			$c    = $cells[ $i ] ?? '';
			$out .= ' ' . $c . str_repeat( ' ', $w - mb_strlen( $c ) ) . ' |';
		}
		return $out;
	};
	$out = $border . "\n" . $line( array_values( $fields ) ) . "\n" . $border . "\n";
	foreach ( $text_rows as $cells ) {
		$out .= $line( $cells ) . "\n";
	}
	return $out . $border . "\n";
}
