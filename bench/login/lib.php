<?php
/**
 * What the login benchmarks share: bench users, a POST handle that records the
 * logged-in cookie, and a TOTP code never used before for a two-step user.
 * Required after wp-load.php by logins.php and served.php, and by bench/cluster/logins.php.
 */

/**
 * Users for one kind of login, each as a previous login left it (a session, and for a
 * two-step user a used login nonce and the last-used record). Each two-step user can pass
 * at most two codes per 30 s (the current step and the next one), so there are many of them.
 *
 * @param int  $n            How many.
 * @param bool $with_totp    With an authenticator configured.
 * @param int  $commit_every 0: each statement commits on its own; N: one transaction per N
 *                           users (on Galera, one replication round per N instead of per statement).
 */
function bench_make_users( int $n, bool $with_totp, int $commit_every = 0 ): array {
	global $wpdb;
	$users = array();
	for ( $i = 0; $i < $n; $i++ ) {
		if ( $commit_every > 0 && 0 === $i % $commit_every ) {
			if ( $i > 0 ) {
				$wpdb->query( 'COMMIT' );
			}
			$wpdb->query( 'START TRANSACTION' );
		}
		$login = 'bench' . ( $with_totp ? 't' : 'p' ) . bin2hex( random_bytes( 5 ) );
		$pass  = bin2hex( random_bytes( 10 ) );
		$id    = wp_insert_user(
			array(
				'user_login' => $login,
				'user_pass'  => $pass,
				'user_email' => $login . '@example.test',
				'role'       => 'editor',
			)
		);
		if ( ! is_int( $id ) ) {
			fwrite( STDERR, "could not create a user\n" );
			exit( 1 );
		}
		$secret = null;
		if ( $with_totp ) {
			$secret = twofa_totp_secret();
			update_user_meta( $id, Twofa_Provider_Totp::SECRET, twofa_seal( $secret, 'totp:' . $id ) );
			update_user_meta( $id, Twofa_Provider_Totp::LAST_STEP, '-1' );
			Twofa_User_State::mark_configured( $id, 'totp' );
			// What a finished two-step login leaves: its login nonce used up, the last-used record.
			update_user_meta( $id, Twofa_User_State::LOGIN_NONCE, '' );
			Twofa_User_State::mark_used( $id, 'totp' );
		}
		// Every user of both kinds has logged in before (a stored session), as on a real site most
		// logins are a returning user's: the password-only users are reused from round to round,
		// so without this each two-step login here would be its user's first against returning ones.
		WP_Session_Tokens::get_instance( $id )->create( time() + DAY_IN_SECONDS );
		$users[] = array(
			'id'     => $id,
			'login'  => $login,
			'pass'   => $pass,
			'secret' => $secret,
			'last'   => -1, // Last TOTP step this benchmark used for the user.
		);
	}
	if ( $commit_every > 0 && $n > 0 ) {
		$wpdb->query( 'COMMIT' );
		wp_cache_flush();
	}
	return $users;
}

/**
 * A POST handle that records its Set-Cookie headers.
 */
function bench_post( string $url, array $fields, array &$cookies ) {
	$ch = curl_init( $url );
	curl_setopt_array(
		$ch,
		array(
			CURLOPT_POST           => true,
			CURLOPT_POSTFIELDS     => http_build_query( $fields ),
			CURLOPT_RETURNTRANSFER => true,
			CURLOPT_TIMEOUT        => 60,
			CURLOPT_HEADERFUNCTION => static function ( $ch, $line ) use ( &$cookies ) {
				if ( 0 === stripos( $line, 'Set-Cookie: wordpress_logged_in_' ) && false === stripos( $line, 'max-age=0' ) ) {
					$cookies[] = true;
				}
				return strlen( $line );
			},
		)
	);
	return $ch;
}

/**
 * Picks a two-step user with a code still unused, and the time to compute it at.
 *
 * @return array{0:int,1:int}|null [index, time]
 */
function bench_pick_totp( array &$users, int &$cursor ) {
	$n = count( $users );
	for ( $tries = 0; $tries < $n; $tries++ ) {
		$i      = $cursor++ % $n;
		$step   = intdiv( time(), 30 );
		$use    = $users[ $i ]['last'] < $step ? $step : ( $users[ $i ]['last'] === $step ? $step + 1 : null );
		if ( null !== $use ) {
			$users[ $i ]['last'] = $use;
			return array( $i, $use * 30 + 1 );
		}
	}
	return null;
}
