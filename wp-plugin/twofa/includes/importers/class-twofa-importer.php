<?php
/**
 * Importing users' two-factor settings from another plugin: what both sources share.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * A source reads the other plugin's data into records (never changing it); run() turns
 * records into twofa's own state. Tools → Import two-factor settings and `wp twofa import`
 * both call run(), so a dry run and a real run report the same rows.
 *
 * Rules of a run:
 * - a method the user already has configured in twofa is never overwritten (a second run
 *   changes nothing, so runs are idempotent);
 * - each method is claimed by ONE conditional INSERT whose affected rows decide, under a
 *   named lock per user, so two runs at once cannot both import a user;
 * - the source plugin's data is only read; the site owner removes it;
 * - one `import` event per user whose state this run changed.
 */
abstract class Twofa_Importer {

	/**
	 * Source id (CLI argument, form value) => class.
	 */
	const SOURCES = array(
		'two-factor' => 'Twofa_Importer_Two_Factor',
		'wordfence'  => 'Twofa_Importer_Wordfence',
	);

	/**
	 * Per-method outcomes in a row.
	 */
	const IMPORTED     = 'imported';
	const WOULD_IMPORT = 'would import';
	const KEPT         = 'kept';
	const INVALID      = 'invalid';
	const NOT_WITHOUT_TOTP = 'not without the authenticator';

	/**
	 * Per-user results.
	 */
	const USER_IMPORTED  = 'imported';
	const USER_WOULD     = 'would import';
	const USER_UNCHANGED = 'unchanged';
	const USER_SKIPPED   = 'skipped';

	/**
	 * Methods a record may carry, in the order they are imported.
	 */
	const METHODS = array( 'totp', 'email', 'backup_codes' );

	/**
	 * Seconds a run waits for another run working on the same user.
	 */
	const LOCK_WAIT = 10;

	/**
	 * The source with this id, or null.
	 *
	 * @param string $source Source id.
	 */
	public static function get( string $source ): ?Twofa_Importer {
		if ( ! isset( self::SOURCES[ $source ] ) ) {
			return null;
		}
		$class = self::SOURCES[ $source ];
		return new $class();
	}

	/**
	 * Every source: id => label.
	 *
	 * @return array<string,string>
	 */
	public static function labels(): array {
		$out = array();
		foreach ( array_keys( self::SOURCES ) as $id ) {
			$out[ $id ] = self::get( $id )->label();
		}
		return $out;
	}

	/**
	 * Source id.
	 */
	abstract public function id(): string;

	/**
	 * The source plugin's name.
	 */
	abstract public function label(): string;

	/**
	 * The source's records, one per user, read without changing anything. Each has
	 * `user_id`; and per method in METHODS either a value to import, an `invalid` reason,
	 * or nothing: `totp` (canonical base32), `totp_last_step` (int, optional), `email`
	 * (true), `backup_codes` (codes as the user types them), `primary` (a method id),
	 * `new_backup_codes` (true: the user had backup codes that cannot be carried over).
	 *
	 * @return array<int,array<string,mixed>>
	 */
	abstract protected function records(): array;

	/**
	 * Imports (or, on a dry run, reports what would be imported).
	 *
	 * @param bool $dry_run Change nothing.
	 * @return array{source:string, dry_run:bool, rows:array<int,array<string,mixed>>, counts:array<string,int>}|WP_Error
	 *         twofa_unavailable when the extension or the key is missing (nothing read or changed).
	 */
	public function run( bool $dry_run ) {
		$problem = Twofa_Environment::problem();
		if ( null !== $problem ) {
			return new WP_Error( 'twofa_unavailable', $problem );
		}
		$rows   = array();
		$counts = array(
			'users'     => 0,
			'imported'  => 0,
			'unchanged' => 0,
			'skipped'   => 0,
		);
		foreach ( $this->records() as $record ) {
			$row = $this->import_record( $record, $dry_run );
			++$counts['users'];
			if ( self::USER_IMPORTED === $row['result'] || self::USER_WOULD === $row['result'] ) {
				++$counts['imported'];
			} elseif ( self::USER_UNCHANGED === $row['result'] ) {
				++$counts['unchanged'];
			} else {
				++$counts['skipped'];
			}
			$rows[] = $row;
		}
		return array(
			'source'  => $this->id(),
			'dry_run' => $dry_run,
			'rows'    => $rows,
			'counts'  => $counts,
		);
	}

	/**
	 * One user's row of the report.
	 *
	 * @param array<string,mixed> $record  From records().
	 * @param bool                $dry_run Change nothing.
	 * @return array<string,mixed>
	 */
	private function import_record( array $record, bool $dry_run ): array {
		$user_id = (int) $record['user_id'];
		$user    = get_userdata( $user_id );
		$row     = array(
			'user_id' => $user_id,
			'user'    => $user ? (string) $user->user_login : '#' . $user_id,
			'result'  => self::USER_SKIPPED,
		);
		foreach ( self::METHODS as $method ) {
			$row[ $method ] = '';
		}
		$row['note'] = '';
		if ( ! $user ) {
			$row['note'] = __( 'no such user', 'twofa' );
			return $row;
		}
		global $wpdb;
		$lock = 'twofa_import_' . $user_id;
		if ( ! $dry_run && 1 !== (int) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, %d)', $lock, self::LOCK_WAIT ) ) ) {
			$row['note'] = __( 'another import is working on this user; run again', 'twofa' );
			return $row;
		}
		wp_cache_delete( $user_id, 'user_meta' );
		$had_2fa  = Twofa_User_State::has_2fa( $user_id );
		$imported = array();
		$valid    = 0;
		foreach ( self::METHODS as $method ) {
			if ( isset( $record['invalid'][ $method ] ) ) {
				$row[ $method ] = self::INVALID . ': ' . $record['invalid'][ $method ];
				continue;
			}
			if ( ! isset( $record[ $method ] ) || null === Twofa_Providers::get( $method ) ) {
				continue;
			}
			++$valid;
			// Recovery codes belong to the source's authenticator: not without it.
			if ( 'backup_codes' === $method && isset( $record['totp'] ) && ! in_array( 'totp', $imported, true ) ) {
				$row[ $method ] = self::NOT_WITHOUT_TOTP;
				continue;
			}
			if ( $this->is_present( $user_id, $method ) ) {
				$row[ $method ] = self::KEPT;
				continue;
			}
			if ( $dry_run ) {
				$row[ $method ] = self::WOULD_IMPORT;
				$imported[]     = $method;
				continue;
			}
			if ( $this->store( $user_id, $method, $record ) ) {
				$row[ $method ] = self::IMPORTED;
				$imported[]     = $method;
			} else {
				$row[ $method ] = self::KEPT;
			}
		}
		if ( $imported ) {
			$row['result'] = $dry_run ? self::USER_WOULD : self::USER_IMPORTED;
		} elseif ( $valid > 0 ) {
			$row['result'] = self::USER_UNCHANGED;
		}
		$notes = array();
		if ( ! $dry_run && $imported ) {
			$primary = isset( $record['primary'] ) ? (string) $record['primary'] : '';
			if ( ! $had_2fa && in_array( $primary, $imported, true ) ) {
				Twofa_User_State::set_primary( $user_id, $primary );
			}
			Twofa_Events::record(
				Twofa_Events::IMPORT,
				$user_id,
				array(
					'method'  => $imported[0],
					'actor'   => get_current_user_id(),
					'details' => array(
						'source'  => $this->id(),
						'methods' => implode( ',', $imported ),
					),
				)
			);
		}
		if ( ! empty( $record['new_backup_codes'] ) && $imported ) {
			if ( ! $dry_run && ! Twofa_Backup_Codes::has_set( $user_id ) ) {
				update_user_meta( $user_id, Twofa_User_State::IMPORT_NOTICE, $this->id() );
			}
			$notes[] = __( 'backup codes cannot be carried over; the user is asked to generate new ones', 'twofa' );
		}
		if ( ! $dry_run ) {
			$wpdb->get_var( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $lock ) );
		}
		wp_cache_delete( $user_id, 'user_meta' );
		$row['note'] = implode( '; ', $notes );
		return $row;
	}

	/**
	 * Whether twofa already holds this method for the user (then it is kept as it is).
	 *
	 * @param int    $user_id User ID.
	 * @param string $method  Method id.
	 */
	private function is_present( int $user_id, string $method ): bool {
		if ( 'backup_codes' === $method ) {
			return Twofa_Backup_Codes::has_set( $user_id );
		}
		return Twofa_Providers::get( $method )->is_configured( $user_id );
	}

	/**
	 * Writes one method; false when twofa held it already (nothing written then).
	 *
	 * @param int                 $user_id User ID.
	 * @param string              $method  Method id.
	 * @param array<string,mixed> $record  The record.
	 */
	private function store( int $user_id, string $method, array $record ): bool {
		if ( 'totp' === $method ) {
			$sealed = (string) twofa_seal( (string) $record['totp'], Twofa_Provider_Totp::active_context( $user_id ) );
			if ( ! self::claim( $user_id, Twofa_Provider_Totp::SECRET, $sealed, array( Twofa_Provider_Totp::SECRET ) ) ) {
				return false;
			}
			update_user_meta( $user_id, Twofa_Provider_Totp::LAST_STEP, (string) (int) ( $record['totp_last_step'] ?? -1 ) );
			Twofa_User_State::mark_configured( $user_id, 'totp' );
			return true;
		}
		if ( 'email' === $method ) {
			if ( ! self::claim( $user_id, Twofa_Provider_Email::ENABLED, '1', array( Twofa_Provider_Email::ENABLED ) ) ) {
				return false;
			}
			Twofa_User_State::mark_configured( $user_id, 'email' );
			return true;
		}
		$codes = (array) $record['backup_codes'];
		return Twofa_Backup_Codes::import( $user_id, $codes, fn( string $info ) => self::claim( $user_id, Twofa_Backup_Codes::META_INFO, $info, array( Twofa_Backup_Codes::META_INFO, Twofa_Backup_Codes::META_CODE ) ) );
	}

	/**
	 * Adds the row $key = $value unless the user has a configured row of any of $guards,
	 * decided by one INSERT … SELECT … WHERE NOT EXISTS and its affected rows. A row of
	 * $key that means "not configured" ('' or '0') is removed first, so one row is left.
	 *
	 * @param int      $user_id User ID.
	 * @param string   $key     Meta key.
	 * @param string   $value   Value.
	 * @param string[] $guards  Keys whose configured row means "already there".
	 */
	private static function claim( int $user_id, string $key, string $value, array $guards ): bool {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key = %s AND CAST(meta_value AS BINARY) IN ('', '0')", $user_id, $key ) );
		$in    = implode( ', ', array_fill( 0, count( $guards ), '%s' ) );
		$added = $wpdb->query(
			$wpdb->prepare(
				// phpcs:ignore WordPress.DB.PreparedSQLPlaceholders.UnfinishedPrepare -- $in holds one %s per guard.
				"INSERT INTO {$wpdb->usermeta} (user_id, meta_key, meta_value) SELECT %d, %s, %s FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key IN ($in) AND CAST(meta_value AS BINARY) NOT IN ('', '0'))",
				array_merge( array( $user_id, $key, $value, $user_id ), $guards )
			)
		);
		wp_cache_delete( $user_id, 'user_meta' );
		return 1 === $added;
	}

	/**
	 * Whether Configure 2FA should ask the user to generate new backup codes (their old
	 * plugin's codes could not be imported). Cleared once they have a set.
	 *
	 * @param int $user_id User ID.
	 */
	public static function asks_for_backup_codes( int $user_id ): bool {
		if ( '' === (string) get_user_meta( $user_id, Twofa_User_State::IMPORT_NOTICE, true ) ) {
			return false;
		}
		if ( Twofa_Backup_Codes::has_set( $user_id ) ) {
			delete_user_meta( $user_id, Twofa_User_State::IMPORT_NOTICE );
			return false;
		}
		return null !== Twofa_Providers::get( 'backup_codes' ) && Twofa_Settings::method_enabled( 'backup_codes' );
	}

	/**
	 * A one-line summary of a run's counts.
	 *
	 * @param array{dry_run:bool, counts:array<string,int>} $result From run().
	 */
	public static function summary( array $result ): string {
		$c = $result['counts'];
		if ( $result['dry_run'] ) {
			/* translators: 1: users found in the other plugin, 2: users that would be imported, 3: users left unchanged, 4: users skipped. */
			return sprintf( __( 'Dry run: %1$d users found; %2$d would be imported, %3$d unchanged, %4$d skipped. Nothing was changed.', 'twofa' ), $c['users'], $c['imported'], $c['unchanged'], $c['skipped'] );
		}
		/* translators: 1: users found in the other plugin, 2: users imported, 3: users left unchanged, 4: users skipped. */
		return sprintf( __( '%1$d users found; %2$d imported, %3$d unchanged, %4$d skipped. The other plugin\'s data was left as it was.', 'twofa' ), $c['users'], $c['imported'], $c['unchanged'], $c['skipped'] );
	}

	/**
	 * Canonical base32 (upper case, no spaces or padding) of a secret typed or stored as
	 * text, or an invalid reason: `bad base32` or `key shorter than 128 bits`.
	 *
	 * @param string $secret Base32 text.
	 * @return array{0:?string, 1:?string} [secret, reason]
	 */
	protected static function base32_secret( string $secret ): array {
		$clean = strtoupper( rtrim( str_replace( ' ', '', $secret ), '=' ) );
		if ( '' === $clean || strlen( $clean ) > 256 || 1 !== preg_match( '/^[A-Z2-7]+$/', $clean ) || in_array( strlen( $clean ) % 8, array( 1, 3, 6 ), true ) ) {
			return array( null, __( 'bad base32', 'twofa' ) );
		}
		if ( intdiv( strlen( $clean ) * 5, 8 ) < 16 ) {
			return array( null, __( 'key shorter than 128 bits', 'twofa' ) );
		}
		try {
			twofa_totp_code( $clean, Twofa_Clock::now() );
		} catch ( Twofa\Exception $e ) {
			return array( null, __( 'bad base32', 'twofa' ) );
		}
		return array( $clean, null );
	}

	/**
	 * Base32 (RFC 4648, no padding) of raw key bytes.
	 *
	 * @param string $bytes Raw bytes.
	 */
	protected static function base32_encode( string $bytes ): string {
		$alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
		$out      = '';
		$buffer   = 0;
		$bits     = 0;
		$length   = strlen( $bytes );
		for ( $i = 0; $i < $length; $i++ ) {
			$buffer = ( ( $buffer << 8 ) | ord( $bytes[ $i ] ) ) & 0xffff;
			$bits  += 8;
			while ( $bits >= 5 ) {
				$bits -= 5;
				$out  .= $alphabet[ ( $buffer >> $bits ) & 31 ];
			}
		}
		if ( $bits > 0 ) {
			$out .= $alphabet[ ( $buffer << ( 5 - $bits ) ) & 31 ];
		}
		return $out;
	}
}
