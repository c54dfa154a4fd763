<?php
/**
 * Importing from the Two-Factor plugin (user meta).
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Two-Factor keeps, per user: `_two_factor_enabled_providers` (an array of provider class
 * names), `_two_factor_provider` (the primary's class name) and `_two_factor_totp_key`
 * (the base32 TOTP secret, plain text). Its backup codes are stored hashed, so they cannot
 * be carried over: those users are asked to generate new ones on Configure 2FA.
 */
final class Twofa_Importer_Two_Factor extends Twofa_Importer {

	const META_PROVIDERS = '_two_factor_enabled_providers';
	const META_PRIMARY   = '_two_factor_provider';
	const META_TOTP_KEY  = '_two_factor_totp_key';

	/**
	 * Two-Factor provider class => twofa method id.
	 */
	const CLASSES = array(
		'Two_Factor_Totp'         => 'totp',
		'Two_Factor_Email'        => 'email',
		'Two_Factor_Backup_Codes' => 'backup_codes',
	);

	/**
	 * Source id.
	 */
	public function id(): string {
		return 'two-factor';
	}

	/**
	 * The source plugin's name.
	 */
	public function label(): string {
		return __( 'Two-Factor', 'twofa' );
	}

	/**
	 * One record per user with an enabled-providers row.
	 *
	 * @return array<int,array<string,mixed>>
	 */
	protected function records(): array {
		global $wpdb;
		$ids     = $wpdb->get_col( $wpdb->prepare( "SELECT DISTINCT user_id FROM {$wpdb->usermeta} WHERE meta_key = %s ORDER BY user_id", self::META_PROVIDERS ) );
		$records = array();
		foreach ( $ids as $id ) {
			$user_id = (int) $id;
			wp_cache_delete( $user_id, 'user_meta' );
			$classes = get_user_meta( $user_id, self::META_PROVIDERS, true );
			$classes = is_array( $classes ) ? array_values( array_filter( $classes, 'is_string' ) ) : array();
			$record  = array(
				'user_id' => $user_id,
				'invalid' => array(),
			);
			foreach ( $classes as $class ) {
				$method = self::CLASSES[ $class ] ?? null;
				if ( 'totp' === $method ) {
					list( $secret, $reason ) = self::base32_secret( (string) get_user_meta( $user_id, self::META_TOTP_KEY, true ) );
					if ( null === $secret ) {
						$record['invalid']['totp'] = $reason;
					} else {
						$record['totp'] = $secret;
					}
				} elseif ( 'email' === $method ) {
					$record['email'] = true;
				} elseif ( 'backup_codes' === $method ) {
					$record['new_backup_codes'] = true;
				}
			}
			$primary = self::CLASSES[ (string) get_user_meta( $user_id, self::META_PRIMARY, true ) ] ?? '';
			if ( '' !== $primary && 'backup_codes' !== $primary ) {
				$record['primary'] = $primary;
			}
			$records[] = $record;
		}
		return $records;
	}
}
