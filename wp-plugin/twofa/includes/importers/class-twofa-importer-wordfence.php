<?php
/**
 * Importing from Wordfence Login Security (its secrets table).
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Wordfence keeps one row per user in `{base_prefix}wfls_2fa_secrets`: `secret` (the raw
 * TOTP key bytes), `recovery` (the unused recovery codes, 8 raw bytes each, concatenated),
 * `ctime`, `vtime` (when a code was last accepted) and `mode` ('authenticator'). Users see
 * a recovery code as 16 hexadecimal digits ("1234 5678 90AB CDEF"); those are the codes
 * imported, so the ones users hold go on working (Twofa_Backup_Codes::import()).
 */
final class Twofa_Importer_Wordfence extends Twofa_Importer {

	const TABLE = 'wfls_2fa_secrets';

	/**
	 * Bytes of one recovery code.
	 */
	const RECOVERY_BYTES = 8;

	/**
	 * Source id.
	 */
	public function id(): string {
		return 'wordfence';
	}

	/**
	 * The source plugin's name.
	 */
	public function label(): string {
		return __( 'Wordfence Login Security', 'twofa' );
	}

	/**
	 * The table's name (one per network).
	 */
	public static function table(): string {
		global $wpdb;
		return $wpdb->base_prefix . self::TABLE;
	}

	/**
	 * One record per row of the table (none when the table does not exist).
	 *
	 * @return array<int,array<string,mixed>>
	 */
	protected function records(): array {
		global $wpdb;
		$table = self::table();
		if ( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $table ) ) ) !== $table ) {
			return array();
		}
		// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared -- the table name is ours.
		$rows    = $wpdb->get_results( "SELECT id, user_id, secret, recovery, vtime, mode FROM `{$table}` ORDER BY user_id, id", ARRAY_A );
		$records = array();
		$seen    = array();
		foreach ( (array) $rows as $row ) {
			$user_id = (int) $row['user_id'];
			if ( isset( $seen[ $user_id ] ) ) {
				continue;
			}
			$seen[ $user_id ] = true;
			$record           = array(
				'user_id' => $user_id,
				'invalid' => array(),
			);
			$secret           = (string) $row['secret'];
			if ( 'authenticator' !== (string) $row['mode'] ) {
				$record['invalid']['totp'] = __( 'not an authenticator (mode)', 'twofa' );
			} elseif ( strlen( $secret ) < 16 ) {
				$record['invalid']['totp'] = __( 'key shorter than 128 bits', 'twofa' );
			} else {
				list( $base32, $reason ) = self::base32_secret( self::base32_encode( $secret ) );
				if ( null === $base32 ) {
					$record['invalid']['totp'] = $reason;
				} else {
					$record['totp'] = $base32;
					// The step of the code Wordfence accepted last is not accepted again.
					$vtime = (int) $row['vtime'];
					if ( $vtime > 0 ) {
						$record['totp_last_step'] = intdiv( min( $vtime, Twofa_Clock::now() ), 30 );
					}
				}
			}
			if ( isset( $record['totp'] ) ) {
				$recovery = (string) $row['recovery'];
				if ( '' !== $recovery && 0 === strlen( $recovery ) % self::RECOVERY_BYTES ) {
					$record['backup_codes'] = array_map( 'bin2hex', str_split( $recovery, self::RECOVERY_BYTES ) );
				} elseif ( '' !== $recovery ) {
					$record['invalid']['backup_codes'] = __( 'recovery codes of the wrong length', 'twofa' );
				}
			}
			$records[] = $record;
		}
		return $records;
	}
}
