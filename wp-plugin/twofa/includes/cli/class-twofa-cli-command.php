<?php
/**
 * `wp twofa`: the site owner's command-line tools.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Manages two-factor authentication (2FA) for the site's users.
 *
 * Shows and resets users' 2FA, clears lockouts, reports adoption, reads and changes the site's policy and checks that 2FA can work. No command ever prints a secret or a code.
 */
// Every command is a thin layer over the services (includes/services/); `wp twofa policy` is
// Twofa_CLI_Policy_Command.
class Twofa_CLI_Command {

	const FORMATS = array( 'table', 'json', 'csv', 'yaml' );

	/**
	 * Shows a user's two-factor status.
	 *
	 * ## OPTIONS
	 *
	 * <user>
	 * : User ID, login or email address.
	 *
	 * [--field=<field>]
	 * : Print only this field's value (e.g. primary, locked).
	 *
	 * [--format=<format>]
	 * : Output format.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - csv
	 *   - yaml
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp twofa status admin
	 *     wp twofa status 42 --format=json
	 *     wp twofa status alice --field=methods
	 *
	 * @param string[]             $args       Positional arguments.
	 * @param array<string,string> $assoc_args Options.
	 */
	public function status( $args, $assoc_args ) {
		$user   = $this->user( $args[0] );
		$format = $this->format( $assoc_args );
		$row    = Twofa_User_Status::row( $user );
		// The same words as `wp twofa list`.
		$row['locked'] = $row['locked'] ? 'yes' : 'no';
		if ( isset( $assoc_args['field'] ) ) {
			$field = (string) $assoc_args['field'];
			if ( ! array_key_exists( $field, $row ) ) {
				/* translators: 1: the field typed, 2: the list of fields. */
				WP_CLI::error( sprintf( __( 'Unknown field: %1$s. Fields: %2$s.', 'twofa' ), sanitize_key( $field ), implode( ', ', array_keys( $row ) ) ) );
			}
			$value = $row[ $field ];
			WP_CLI::line( 'json' === $format ? (string) wp_json_encode( $value ) : ( is_array( $value ) ? implode( ',', $value ) : (string) $value ) );
			return;
		}
		if ( 'table' === $format ) {
			$items = array();
			foreach ( $row as $field => $value ) {
				$items[] = array(
					'Field' => $field,
					'Value' => is_array( $value ) ? implode( ', ', $value ) : ( null === $value ? '' : (string) $value ),
				);
			}
			WP_CLI\Utils\format_items( 'table', $items, array( 'Field', 'Value' ) );
			return;
		}
		Twofa_CLI_Output::one( $format, $row );
	}

	/**
	 * Lists users with their two-factor methods.
	 *
	 * ## OPTIONS
	 *
	 * [--role=<role>]
	 * : Only users with this role.
	 *
	 * [--method=<method>]
	 * : Only users who configured this method (totp or email).
	 *
	 * [--without-2fa]
	 * : Only users without any method.
	 *
	 * [--field=<field>]
	 * : Print only this field, one value per line.
	 *
	 * [--fields=<fields>]
	 * : Comma-separated fields to show (id, login, email, roles, methods, primary, locked).
	 *
	 * [--format=<format>]
	 * : Output format.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - csv
	 *   - yaml
	 *   - ids
	 *   - count
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp twofa list --role=administrator --without-2fa
	 *     wp twofa list --method=email --format=csv
	 *
	 * @subcommand list
	 *
	 * @param string[]             $args       Positional arguments.
	 * @param array<string,string> $assoc_args Options.
	 */
	public function list_( $args, $assoc_args ) {
		$role    = isset( $assoc_args['role'] ) ? (string) $assoc_args['role'] : '';
		$method  = isset( $assoc_args['method'] ) ? (string) $assoc_args['method'] : '';
		$without = (bool) WP_CLI\Utils\get_flag_value( $assoc_args, 'without-2fa', false );
		$format  = isset( $assoc_args['format'] ) ? (string) $assoc_args['format'] : 'table';
		if ( ! in_array( $format, array_merge( self::FORMATS, array( 'ids', 'count' ) ), true ) ) {
			WP_CLI::error( sprintf( __( 'Invalid format: %s.', 'twofa' ), $format ) );
		}
		if ( '' !== $role && ! wp_roles()->is_role( $role ) ) {
			WP_CLI::error( sprintf( __( 'Unknown role: %s.', 'twofa' ), $role ) );
		}
		if ( '' !== $method ) {
			$this->check_method( $method );
		}
		if ( '' !== $method && $without ) {
			WP_CLI::error( __( '--method and --without-2fa cannot be used together.', 'twofa' ) );
		}
		$fields = array( 'id', 'login', Twofa_User_Status::ADDRESS_FIELD, 'roles', 'methods', 'primary', 'locked' );
		if ( isset( $assoc_args['fields'] ) ) {
			$wanted = array_map( 'trim', explode( ',', (string) $assoc_args['fields'] ) );
			$bad    = array_diff( $wanted, $fields );
			if ( $bad || ! $wanted ) {
				WP_CLI::error( sprintf( __( 'Unknown field: %1$s. Fields: %2$s.', 'twofa' ), implode( ', ', $bad ), implode( ', ', $fields ) ) );
			}
			$fields = $wanted;
		}
		$field = null;
		if ( isset( $assoc_args['field'] ) ) {
			$field = (string) $assoc_args['field'];
			if ( ! in_array( $field, $fields, true ) ) {
				WP_CLI::error( sprintf( __( 'Unknown field: %1$s. Fields: %2$s.', 'twofa' ), sanitize_key( $field ), implode( ', ', $fields ) ) );
			}
		}

		$query = array(
			'orderby'     => 'ID',
			'order'       => 'ASC',
			'fields'      => 'all_with_meta',
			'count_total' => false,
		);
		if ( '' !== $role ) {
			$query['role'] = $role;
		}
		if ( '' !== $method ) {
			$query[ Twofa_User_Query::ARG ] = $method;
		} elseif ( $without ) {
			$query[ Twofa_User_Query::ARG ] = Twofa_User_Query::NONE;
		}
		$items = array();
		// Batches keep only one page of users and their meta in memory on large sites.
		$query['number'] = Twofa_Report::BATCH;
		for ( $batch = 1; ; $batch++ ) {
			$query['paged'] = $batch;
			$users          = ( new WP_User_Query( $query ) )->get_results();
			foreach ( $users as $user ) {
				$row     = Twofa_User_Status::row( $user );
				$items[] = array(
					'id'                                => $row['id'],
					'login'                             => $row['login'],
					Twofa_User_Status::ADDRESS_FIELD    => $row[ Twofa_User_Status::ADDRESS_FIELD ],
					'roles'                             => implode( ',', $row['roles'] ),
					'methods'                           => implode( ',', $row['methods'] ),
					'primary'                           => (string) $row['primary'],
					'locked'                            => $row['locked'] ? 'yes' : 'no',
				);
				wp_cache_delete( $user->ID, 'users' );
				wp_cache_delete( $user->ID, 'user_meta' );
			}
			if ( count( $users ) < Twofa_Report::BATCH ) {
				break;
			}
		}
		if ( 'ids' === $format ) {
			WP_CLI::line( implode( ' ', wp_list_pluck( $items, 'id' ) ) );
			return;
		}
		if ( 'count' === $format ) {
			WP_CLI::line( (string) count( $items ) );
			return;
		}
		if ( null !== $field ) {
			foreach ( $items as $item ) {
				WP_CLI::line( (string) $item[ $field ] );
			}
			return;
		}
		WP_CLI\Utils\format_items( $format, $items, $fields );
	}

	/**
	 * Removes a user's two-factor methods, logs the user out everywhere and emails them.
	 *
	 * Without --method every method and all 2FA state is removed. The user's sessions are
	 * destroyed either way.
	 *
	 * ## OPTIONS
	 *
	 * <user>
	 * : User ID, login or email address.
	 *
	 * [--method=<method>]
	 * : Remove only this method (totp or email).
	 *
	 * [--yes]
	 * : Do not ask for confirmation.
	 *
	 * ## EXAMPLES
	 *
	 *     wp twofa reset alice --yes
	 *     wp twofa reset 42 --method=totp
	 *
	 * @param string[]             $args       Positional arguments.
	 * @param array<string,string> $assoc_args Options.
	 */
	public function reset( $args, $assoc_args ) {
		$user   = $this->user( $args[0] );
		$method = isset( $assoc_args['method'] ) ? (string) $assoc_args['method'] : null;
		if ( null !== $method ) {
			$this->check_method( $method );
			if ( null === Twofa_Method_Removal::configured_provider( $user->ID, $method ) ) {
				WP_CLI::error( sprintf( __( 'User %1$s has not configured %2$s.', 'twofa' ), $user->user_login, Twofa_User_Status::method_label( $method ) ) );
			}
			WP_CLI::confirm( sprintf( __( 'Remove %1$s from user %2$s and log them out everywhere?', 'twofa' ), Twofa_User_Status::method_label( $method ), $user->user_login ), $assoc_args );
		} else {
			if ( ! Twofa_User_State::configured_methods( $user->ID ) ) {
				/* translators: %s: user login. */
				WP_CLI::error( sprintf( __( 'User %s has no two-factor method configured; nothing to reset.', 'twofa' ), $user->user_login ) );
			}
			WP_CLI::confirm( sprintf( __( 'Remove every two-factor method of user %s and log them out everywhere?', 'twofa' ), $user->user_login ), $assoc_args );
		}

		$notified = null === $method
			? Twofa_Reset::reset_user( $user->ID )
			: Twofa_Method_Removal::remove( $user->ID, $method, Twofa_Method_Removal::BY_ADMIN );
		if ( is_wp_error( $notified ) ) {
			WP_CLI::error( $notified->get_error_message() );
		}
		if ( ! $notified ) {
			WP_CLI::warning( __( 'The email to the user could not be sent (is the twofa sidecar running? see `wp twofa doctor`).', 'twofa' ) );
		}
		if ( null !== $method ) {
			WP_CLI::success( sprintf( __( 'Removed %1$s from user %2$s; their sessions were ended.', 'twofa' ), Twofa_User_Status::method_label( $method ), $user->user_login ) );
		} else {
			WP_CLI::success( sprintf( __( 'Two-factor authentication reset for user %s; their sessions were ended.', 'twofa' ), $user->user_login ) );
		}
	}

	/**
	 * Clears a user's failed-attempt counter and lockout, the permanent lock included.
	 *
	 * ## OPTIONS
	 *
	 * <user>
	 * : User ID, login or email address.
	 *
	 * ## EXAMPLES
	 *
	 *     wp twofa unlock alice
	 *
	 * @param string[]             $args       Positional arguments.
	 * @param array<string,string> $assoc_args Options.
	 */
	public function unlock( $args, $assoc_args ) {
		$user   = $this->user( $args[0] );
		$locked = Twofa_Lockout::unlock( $user->ID );
		if ( $locked ) {
			WP_CLI::success( sprintf( __( 'User %s is unlocked.', 'twofa' ), $user->user_login ) );
		} else {
			WP_CLI::success( sprintf( __( 'User %s was not locked; the failure counter is cleared.', 'twofa' ), $user->user_login ) );
		}
	}

	/**
	 * Shows two-factor adoption by role and by method.
	 *
	 * The figures come from the twofa sidecar; when it cannot be reached they are counted
	 * here (slower on large sites) and a warning says so.
	 *
	 * ## OPTIONS
	 *
	 * [--source=<source>]
	 * : Where to count.
	 * ---
	 * default: auto
	 * options:
	 *   - auto
	 *   - sidecar
	 *   - php
	 * ---
	 *
	 * [--without-2fa]
	 * : List the users without 2FA instead of the figures per role.
	 *
	 * [--network]
	 * : On a multisite network, every user of the network (default: the current site's).
	 *
	 * [--page=<page>]
	 * : Page of the users without 2FA.
	 * ---
	 * default: 1
	 * ---
	 *
	 * [--per-page=<per-page>]
	 * : Users per page (1–500).
	 * ---
	 * default: 100
	 * ---
	 *
	 * [--format=<format>]
	 * : Output format.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - csv
	 *   - yaml
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp twofa report
	 *     wp twofa report --without-2fa --format=csv
	 *     wp twofa report --network
	 *
	 * @param string[]             $args       Positional arguments.
	 * @param array<string,string> $assoc_args Options.
	 */
	public function report( $args, $assoc_args ) {
		$format   = $this->format( $assoc_args );
		$source   = isset( $assoc_args['source'] ) ? (string) $assoc_args['source'] : 'auto';
		$page     = $this->positive_int( $assoc_args, 'page', 1, PHP_INT_MAX );
		$per_page = $this->positive_int( $assoc_args, 'per-page', 100, 500 );
		if ( ! in_array( $source, array( 'auto', 'sidecar', 'php' ), true ) ) {
			WP_CLI::error( sprintf( __( 'Invalid source: %s. Use auto, sidecar or php.', 'twofa' ), $source ) );
		}
		$network = (bool) WP_CLI\Utils\get_flag_value( $assoc_args, 'network', false );
		if ( $network && ! is_multisite() ) {
			WP_CLI::error( __( '--network needs a multisite network.', 'twofa' ) );
		}
		$result = Twofa_Report::fetch( $page, $per_page, $source, $network );
		if ( null === $result['report'] ) {
			WP_CLI::error( sprintf( __( 'The sidecar could not give the report: %s', 'twofa' ), $result['error'] ? $result['error']->get_error_message() : '' ) );
		}
		if ( is_wp_error( $result['error'] ) ) {
			WP_CLI::warning( sprintf( __( 'The sidecar could not give the report (%s); counted here instead.', 'twofa' ), $result['error']->get_error_message() ) );
		}
		$report = $result['report'];

		if ( WP_CLI\Utils\get_flag_value( $assoc_args, 'without-2fa', false ) ) {
			$items = array();
			foreach ( $report['without_2fa_users']['items'] as $item ) {
				$items[] = array(
					'id'           => $item['id'],
					'login'        => $item['login'],
					'display_name' => $item['display_name'],
					'roles'        => implode( ',', $item['roles'] ),
				);
			}
			WP_CLI\Utils\format_items( $format, $items, array( 'id', 'login', 'display_name', 'roles' ) );
			return;
		}

		$items = array();
		foreach ( $report['by_role'] as $role => $row ) {
			$items[] = self::report_row( (string) $role, $row['users'], $row['with_2fa'] );
		}
		$items[] = self::report_row( 'all', $report['total_users'], $report['with_2fa'] );
		$fields  = array( 'role', 'users', 'with_2fa', 'without_2fa', 'percent' );
		WP_CLI\Utils\format_items( $format, $items, $fields );
		if ( 'table' === $format ) {
			$parts = array();
			foreach ( $report['by_method'] as $method => $count ) {
				$parts[] = Twofa_User_Status::method_label( (string) $method ) . ': ' . $count;
			}
			WP_CLI::line( sprintf( __( 'By method: %s', 'twofa' ), implode( '; ', $parts ) ) );
			WP_CLI::line( sprintf( __( 'Source: %s', 'twofa' ), $result['source'] ) );
		}
	}

	/**
	 * Checks that two-factor authentication can work on this site.
	 *
	 * One line per check (extension, key, sidecar, database, settings); exits with 0 only when every check passes.
	 *
	 * ## OPTIONS
	 *
	 * [--format=<format>]
	 * : Output format.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - csv
	 *   - yaml
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp twofa doctor
	 *     wp twofa doctor --format=json
	 *
	 * @param string[]             $args       Positional arguments.
	 * @param array<string,string> $assoc_args Options.
	 */
	public function doctor( $args, $assoc_args ) {
		$failed = 0;
		$format = $this->format( $assoc_args );
		$checks = Twofa_Health::checks();
		if ( 'table' !== $format ) {
			$items = array();
			foreach ( $checks as $name => $check ) {
				$items[] = array(
					'check'  => $name,
					'status' => $check['ok'] ? 'ok' : 'fail',
					'detail' => $check['detail'],
				);
			}
			WP_CLI\Utils\format_items( $format, $items, array( 'check', 'status', 'detail' ) );
			foreach ( $checks as $check ) {
				if ( ! $check['ok'] ) {
					WP_CLI::halt( 1 );
				}
			}
			return;
		}
		foreach ( $checks as $name => $check ) {
			if ( ! $check['ok'] ) {
				++$failed;
			}
			WP_CLI::line( sprintf( '%-4s %-9s %s', $check['ok'] ? 'OK' : 'FAIL', $name, $check['detail'] ) );
		}
		if ( $failed ) {
			WP_CLI::error( sprintf( __( '%1$d of %2$d checks failed.', 'twofa' ), $failed, count( Twofa_Health::NAMES ) ) );
		}
		WP_CLI::success( __( 'All checks passed.', 'twofa' ) );
	}

	/**
	 * Sends a test email to a user through the twofa sidecar.
	 *
	 * ## OPTIONS
	 *
	 * <user>
	 * : User ID, login or email address.
	 *
	 * ## EXAMPLES
	 *
	 *     wp twofa send-test-email admin
	 *
	 * @subcommand send-test-email
	 *
	 * @param string[]             $args       Positional arguments.
	 * @param array<string,string> $assoc_args Options.
	 */
	public function send_test_email( $args, $assoc_args ) {
		$user   = $this->user( $args[0] );
		$result = Twofa_Test_Email::send( $user->ID );
		if ( is_wp_error( $result ) ) {
			WP_CLI::error( sprintf( __( 'The test email was not sent: %s', 'twofa' ), $result->get_error_message() ) );
		}
		WP_CLI::success( sprintf( __( 'A test email was sent to user %s.', 'twofa' ), $user->user_login ) );
	}

	/**
	 * Names of the doctor's checks, in order.
	 *
	 * @return string[]
	 */
	public static function checks_names(): array {
		return Twofa_Health::NAMES;
	}

	/**
	 * One row of the report table.
	 *
	 * @param string $role  Role slug or "all".
	 * @param int    $users Users.
	 * @param int    $with  Users with 2FA.
	 * @return array<string,mixed>
	 */
	private static function report_row( string $role, int $users, int $with ): array {
		return array(
			'role'        => $role,
			'users'       => $users,
			'with_2fa'    => $with,
			'without_2fa' => $users - $with,
			'percent'     => $users > 0 ? round( 100 * $with / $users, 1 ) : 0,
		);
	}

	/**
	 * Lists a user's remembered devices, or forgets all of them.
	 *
	 * Remembered devices skip the two-factor step (never the password). No token
	 * or hash is ever printed.
	 *
	 * ## OPTIONS
	 *
	 * <user>
	 * : User ID, login or email address.
	 *
	 * [--forget-all]
	 * : Forget every remembered device of the user; the user is emailed a notice.
	 *
	 * [--format=<format>]
	 * : Output format of the list.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - csv
	 *   - yaml
	 *   - count
	 * ---
	 *
	 * ## EXAMPLES
	 *
	 *     wp twofa devices admin
	 *     wp twofa devices 42 --format=json
	 *     wp twofa devices 42 --forget-all
	 *
	 * @param string[]            $args       Positional arguments.
	 * @param array<string,mixed> $assoc_args Options.
	 */
	public function devices( $args, $assoc_args ) {
		$user = $this->user( $args[0] ?? '' );
		$id   = (int) $user->ID;
		if ( ! empty( $assoc_args['forget-all'] ) ) {
			$count = Twofa_Devices::forget_all( $id );
			if ( $count > 0 && true !== Twofa_Notifier::send( $id, 'devices_forgotten', null ) ) {
				WP_CLI::warning( __( 'The notice email to the user could not be sent.', 'twofa' ) );
			}
			WP_CLI::success(
				sprintf(
					/* translators: 1: number of devices, 2: login name. */
					_n( 'Forgot %1$d device of %2$s.', 'Forgot %1$d devices of %2$s.', $count, 'twofa' ),
					$count,
					$user->user_login
				)
			);
			return;
		}
		$format = isset( $assoc_args['format'] ) && 'count' === $assoc_args['format'] ? 'count' : $this->format( $assoc_args );
		$items  = array();
		foreach ( Twofa_Devices::all( $id ) as $device ) {
			$items[] = array(
				'id'        => (string) $device['id'],
				'label'     => (string) $device['label'],
				'created'   => gmdate( 'Y-m-d H:i:s', (int) $device['created'] ) . ' UTC',
				'last_used' => gmdate( 'Y-m-d H:i:s', (int) $device['last_used'] ) . ' UTC',
				'expires'   => gmdate( 'Y-m-d H:i:s', (int) $device['expires'] ) . ' UTC',
				'ip'        => (string) $device['ip'],
			);
		}
		if ( 'table' === $format && ! $items ) {
			/* translators: %s: login name. */
			WP_CLI::log( sprintf( __( '%s has no remembered devices.', 'twofa' ), $user->user_login ) );
			return;
		}
		WP_CLI\Utils\format_items( $format, $items, array( 'id', 'label', 'created', 'last_used', 'expires', 'ip' ) );
	}

	/**
	 * Finds a user by ID, login or email; error when there is none.
	 *
	 * @param string $ref What was typed.
	 */
	private function user( $ref ): WP_User {
		$ref  = trim( (string) $ref );
		$user = false;
		if ( preg_match( '/^\d{1,19}$/', $ref ) ) {
			$user = get_user_by( 'id', (int) $ref );
		}
		if ( ! $user && is_email( $ref ) ) {
			$found = email_exists( $ref );
			$user  = $found ? get_user_by( 'id', (int) $found ) : false;
		}
		if ( ! $user && '' !== $ref ) {
			$user = get_user_by( 'login', $ref );
		}
		if ( ! $user instanceof WP_User ) {
			WP_CLI::error( sprintf( __( 'Invalid user ID, email or login: \'%s\'', 'twofa' ), sanitize_text_field( $ref ) ) );
		}
		return $user;
	}

	/**
	 * Errors unless $method is a known method id.
	 *
	 * @param string $method Method id.
	 */
	private function check_method( string $method ): void {
		if ( null === Twofa_Providers::get( $method ) ) {
			WP_CLI::error( sprintf( __( 'Unknown method: %1$s. Use one of: %2$s.', 'twofa' ), sanitize_text_field( $method ), implode( ', ', Twofa_Providers::ids() ) ) );
		}
	}

	/**
	 * The --format value, checked.
	 *
	 * @param array<string,string> $assoc_args Options.
	 */
	private function format( $assoc_args ): string {
		$format = isset( $assoc_args['format'] ) ? (string) $assoc_args['format'] : 'table';
		if ( ! in_array( $format, self::FORMATS, true ) ) {
			WP_CLI::error( sprintf( __( 'Invalid format: %s.', 'twofa' ), $format ) );
		}
		return $format;
	}

	/**
	 * A whole-number option within 1..$max.
	 *
	 * @param array<string,string> $assoc_args Options.
	 * @param string               $name       Option name.
	 * @param int                  $default    Value when absent.
	 * @param int                  $max        Largest value.
	 */
	private function positive_int( $assoc_args, string $name, int $default, int $max ): int {
		if ( ! isset( $assoc_args[ $name ] ) ) {
			return $default;
		}
		$raw = (string) $assoc_args[ $name ];
		if ( ! preg_match( '/^\d{1,9}$/', $raw ) || (int) $raw < 1 || (int) $raw > $max ) {
			WP_CLI::error( sprintf( __( '--%1$s must be a whole number from 1 to %2$d.', 'twofa' ), $name, $max ) );
		}
		return (int) $raw;
	}
}
