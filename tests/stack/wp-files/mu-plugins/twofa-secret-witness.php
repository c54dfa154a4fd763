<?php
/**
 * Test stack only (never part of the plugin): writes down every secret value twofa stores, so
 * the final suite can check that none of them ever reached the activity log table.
 *
 * `tests/stack/stack.sh up` copies it into the test stack's WordPress (not into the demo's or
 * the benchmarks') and creates the witness file next to that copy; without the file it does
 * nothing. For every `_twofa_` user meta value written
 * through the meta API it appends, one per line, the value's secret-looking parts (sealed
 * values, keyed hashes, random ids; JSON is taken apart) and, for the authenticator's sealed
 * secrets, the opened base32 secret.
 */

$twofa_witness_file = rtrim( ABSPATH, '/' ) . '-secrets-seen.txt';
if ( is_file( $twofa_witness_file ) ) {
	$twofa_witness = static function ( $meta_id, $user_id, $meta_key, $meta_value ) use ( $twofa_witness_file ): void {
		if ( ! is_string( $meta_key ) || 0 !== strpos( $meta_key, '_twofa_' ) || ! is_string( $meta_value ) ) {
			return;
		}
		$found = array();
		$walk  = static function ( $value ) use ( &$walk, &$found ): void {
			if ( is_array( $value ) ) {
				array_walk( $value, $walk );
			} elseif ( is_string( $value ) && preg_match( '/^[A-Za-z0-9+\/=._-]{16,}$/', $value ) ) {
				$found[] = $value;
			}
		};
		$json = json_decode( $meta_value, true );
		$walk( is_array( $json ) ? $json : $meta_value );
		$contexts = array(
			'_twofa_totp_secret'  => 'totp:' . (int) $user_id,
			'_twofa_totp_pending' => 'totp-pending:' . (int) $user_id,
		);
		if ( isset( $contexts[ $meta_key ] ) && function_exists( 'twofa_open' ) ) {
			$sealed = is_array( $json ) ? (string) ( $json['sealed'] ?? '' ) : $meta_value;
			try {
				$found[] = (string) twofa_open( $sealed, $contexts[ $meta_key ] );
			} catch ( Throwable $e ) {
				unset( $e ); // Not a sealed value of this user: nothing to open.
			}
		}
		if ( $found ) {
			file_put_contents( $twofa_witness_file, implode( "\n", $found ) . "\n", FILE_APPEND | LOCK_EX );
		}
	};
	add_action( 'added_user_meta', $twofa_witness, 10, 4 );
	add_action( 'updated_user_meta', $twofa_witness, 10, 4 );
}
