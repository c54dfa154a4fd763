<?php
/**
 * Sets up the test site for the browser tests, through WordPress itself (no direct SQL).
 * Run with the stack's PHP (TWOFA_PHP), which loads the extension:
 *
 *   php site.php policy '{"required_roles":["subscriber"]}'   merge into twofa_settings
 *   php site.php user LOGIN ROLE PASSWORD EMAIL [NAME]        (re)create a user without 2FA
 *   php site.php state LOGIN                                  the user's 2FA state as JSON
 *   php site.php email-code LOGIN PURPOSE                     send an OTP email (setup|login)
 *   php site.php give-totp LOGIN                              configure an authenticator; prints its key
 *   php site.php extras LOGIN                                 unused backup codes and remembered devices
 *   php site.php passkeys LOGIN                               passkeys (no records), failures, passed logins
 *
 * Prints JSON; exits non-zero with a message on stderr when something is refused.
 */

if ( PHP_SAPI !== 'cli' ) {
	exit( 1 );
}

$twofa_wp_dir = (string) getenv( 'TWOFA_WP_DIR' );
$twofa_wp_url = (string) getenv( 'TWOFA_WP_URL' );
if ( '' === $twofa_wp_dir || ! is_file( $twofa_wp_dir . '/wp-load.php' ) || '' === $twofa_wp_url ) {
	fwrite( STDERR, "TWOFA_WP_DIR and TWOFA_WP_URL must name the test stack's site (source .stack/env)\n" );
	exit( 2 );
}

require dirname( __DIR__ ) . '/stack/cli-request.php';
twofa_cli_request( $twofa_wp_url );

require $twofa_wp_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/user.php';

/**
 * Prints a result and ends.
 *
 * @param mixed $value Result.
 */
function twofa_site_out( $value ): void {
	echo wp_json_encode( $value ), "\n";
	exit( 0 );
}

/**
 * Reports a failure and ends.
 *
 * @param string $message What went wrong.
 */
function twofa_site_fail( string $message ): void {
	fwrite( STDERR, $message . "\n" );
	exit( 1 );
}

/**
 * The user with this login, or the end with "no such user".
 *
 * @param string $login Login name.
 */
function twofa_site_user( string $login ): WP_User {
	$user = get_user_by( 'login', $login );
	if ( ! $user ) {
		twofa_site_fail( 'no such user' );
	}
	return $user;
}

$twofa_cmd = $argv[1] ?? '';
switch ( $twofa_cmd ) {
	case 'policy':
		$twofa_input = json_decode( $argv[2] ?? '', true );
		if ( ! is_array( $twofa_input ) ) {
			twofa_site_fail( 'policy needs a JSON object' );
		}
		$twofa_result = Twofa_Settings::update( $twofa_input );
		if ( is_wp_error( $twofa_result ) ) {
			twofa_site_fail( 'settings refused: ' . implode( ' ', $twofa_result->get_error_messages() ) );
		}
		twofa_site_out( Twofa_Settings::all() );
		break;

	case 'user':
		list( , , $twofa_login, $twofa_role, $twofa_pass, $twofa_email, $twofa_name ) = array_pad( $argv, 7, '' );
		if ( '' === $twofa_login || '' === $twofa_role || '' === $twofa_pass || '' === $twofa_email ) {
			twofa_site_fail( 'usage: user LOGIN ROLE PASSWORD EMAIL' );
		}
		$twofa_old = get_user_by( 'login', $twofa_login );
		if ( $twofa_old ) {
			wp_delete_user( $twofa_old->ID );
		}
		$twofa_id = wp_insert_user(
			array(
				'user_login'   => $twofa_login,
				'user_pass'    => $twofa_pass,
				'user_email'   => $twofa_email,
				'display_name' => '' !== $twofa_name ? $twofa_name : $twofa_login,
				'role'         => $twofa_role,
			)
		);
		if ( is_wp_error( $twofa_id ) ) {
			twofa_site_fail( 'user refused: ' . $twofa_id->get_error_message() );
		}
		twofa_site_out( array( 'id' => $twofa_id ) );
		break;

	case 'state':
		$twofa_user = twofa_site_user( $argv[2] ?? '' );
		wp_cache_delete( $twofa_user->ID, 'user_meta' );
		twofa_site_out(
			array(
				'id'           => $twofa_user->ID,
				'configured'   => Twofa_User_State::configured_methods( $twofa_user->ID ),
				'primary'      => Twofa_User_State::primary( $twofa_user->ID ),
				'last_step'    => Twofa_Providers::get( 'totp' )->last_step( $twofa_user->ID ),
				'failures'     => (int) get_user_meta( $twofa_user->ID, Twofa_User_State::FAILURES, true ),
				'locked_until' => (int) get_user_meta( $twofa_user->ID, Twofa_User_State::LOCKED_UNTIL, true ),
			)
		);
		break;

	case 'email-code':
		// Sends an OTP email the way the Configure 2FA page does (through the sidecar).
		$twofa_user = twofa_site_user( $argv[2] ?? '' );
		$twofa_result = Twofa_Providers::get( 'email' )->send_code( $twofa_user->ID, $argv[3] ?? 'setup' );
		if ( is_wp_error( $twofa_result ) ) {
			twofa_site_fail( 'sending refused: ' . $twofa_result->get_error_message() );
		}
		twofa_site_out( array( 'sent' => true ) );
		break;

	case 'give-totp':
		// What Configure 2FA stores once a code verified, for flows that start with a configured app.
		$twofa_user = twofa_site_user( $argv[2] ?? '' );
		$twofa_secret = twofa_totp_secret();
		update_user_meta( $twofa_user->ID, Twofa_Provider_Totp::SECRET, twofa_seal( $twofa_secret, 'totp:' . $twofa_user->ID ) );
		update_user_meta( $twofa_user->ID, Twofa_Provider_Totp::LAST_STEP, '-1' );
		Twofa_User_State::mark_configured( $twofa_user->ID, 'totp' );
		twofa_site_out( array( 'secret' => $twofa_secret ) );
		break;

	case 'extras':
		$twofa_user = twofa_site_user( $argv[2] ?? '' );
		twofa_site_out(
			array(
				'backup_codes_left' => Twofa_Backup_Codes::remaining( $twofa_user->ID ),
				'devices'           => array_column( Twofa_Devices::all( $twofa_user->ID ), 'label' ),
			)
		);
		break;

	case 'passkeys':
		// The user's passkeys as the table lists them (never a record) and the failure count.
		$twofa_user = twofa_site_user( $argv[2] ?? '' );
		wp_cache_delete( $twofa_user->ID, 'user_meta' );
		twofa_site_out(
			array(
				'passkeys' => Twofa_Passkeys::list_for_user( $twofa_user->ID ),
				'failures' => (int) get_user_meta( $twofa_user->ID, Twofa_User_State::FAILURES, true ),
				'logins'   => array_map(
					static function ( array $row ): string {
						return trim( $row['method'] . ' ' . $row['details'] );
					},
					( new Twofa_Event_Log() )->page( Twofa_Event_Log::filters( array( 'user_id' => $twofa_user->ID, 'event' => Twofa_Events::LOGIN_PASSED ) ) )['rows']
				),
			)
		);
		break;

	default:
		twofa_site_fail( 'usage: php site.php policy JSON | user LOGIN ROLE PASSWORD EMAIL | state LOGIN | email-code LOGIN PURPOSE' );
}
