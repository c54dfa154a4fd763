<?php
/**
 * The two-step login on wp-login.php.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * After a correct password, a user who has 2FA (or must set it up) gets no
 * session: the token the password step creates is never stored and no cookie is
 * sent (Twofa_Auth_Policy stops both), and the second step is shown instead. Only
 * when it passes is a session created. The decisions live in Twofa_Login_Flow;
 * this class only connects them to WordPress and does the printing, cookies,
 * redirects and exits.
 *
 * Its hooks are rows of Twofa_Hooks, Twofa_Login_Hooks and Twofa_Hook_Groups: this
 * class loads only when someone logs in, and nothing here reads the database or calls
 * the extension before that.
 */
final class Twofa_Login {

	/**
	 * How often one request runs a second step that a database conflict rolled back. The
	 * waits between tries grow (about 20, 80, 320, 1,280 ms): a conflict with another request
	 * clears at once, a cluster changing its members (a node lost) takes up to a second or two,
	 * and waiting that long is better than asking the user to send the code again.
	 */
	const CONFLICT_TRIES = 5;

	/**
	 * The wp-login.php action of the second step.
	 */
	const ACTION = 'twofa_challenge';

	/**
	 * Session tokens created by the password step of this request.
	 *
	 * @var string[]
	 */
	private static $tokens = array();

	/**
	 * "Remember me" as the password step asked for it, if it set a cookie.
	 *
	 * @var bool|null
	 */
	private static $remember = null;

	/**
	 * True while we log the user in ourselves, so our wp_login handler lets it pass.
	 *
	 * @var bool
	 */
	private static $finishing = false;

	/**
	 * Remembers the session token of each auth cookie WordPress creates in this request.
	 *
	 * @param string $cookie     Cookie value.
	 * @param int    $expire     Cookie expiry (0 = browser session, i.e. no "remember me").
	 * @param int    $expiration Token expiry.
	 * @param int    $user_id    User ID.
	 * @param string $scheme     Cookie scheme.
	 * @param string $token      Session token.
	 */
	public static function collect_token( $cookie, $expire = 0, $expiration = 0, $user_id = 0, $scheme = '', $token = '' ): void {
		if ( self::$finishing ) {
			self::$finish_token = is_string( $token ) ? $token : '';
			return;
		}
		if ( is_string( $token ) && '' !== $token ) {
			self::$tokens[] = $token;
		}
		self::$remember = 0 !== (int) $expire;
	}

	/**
	 * The password step succeeded: if the user needs a second step, undo the
	 * login and show it (on wp-login.php) or send the browser to it.
	 *
	 * @param string  $user_login Login name.
	 * @param WP_User $user       User.
	 */
	public static function on_wp_login( $user_login, $user = null ): void {
		if ( self::$finishing || ! ( $user instanceof WP_User ) ) {
			return;
		}
		// What this step reads (lock, methods) may have been written on another database node.
		Twofa_User_State::causal_reads();
		if ( Twofa_Auth_Policy::has_existing_session( (int) $user->ID ) ) {
			return;
		}
		// A login that did not pass through `authenticate` still gets the login's hooks (remembered devices).
		Twofa_Login_Hooks::login();
		$stage = Twofa_Login_Flow::requirement( $user );
		if ( Twofa_Login_Flow::NONE === $stage ) {
			return;
		}
		if ( self::skips_challenge( $user, $stage ) ) {
			return;
		}
		if ( Twofa_Login_Flow::GRACE === $stage && Twofa_Environment::ready() ) {
			Twofa_Login_Flow::start_grace( (int) $user->ID );
			return;
		}

		self::discard_password_session( $user );
		// On the password check's read of the account when that was causal (Twofa_Auth_Policy::before_checks()).
		$result = Twofa_User_State::in_one_read(
			(int) $user->ID,
			static fn() => Twofa_Login_Flow::begin( $user, self::requested_redirect(), self::requested_remember() ),
			Twofa_Auth_Policy::read_causally( $user )
		);

		if ( self::on_login_screen() ) {
			Twofa_Login_Screen::render( $result, self::is_interim() );
			exit;
		}
		// Another login form called wp_signon(): continue on wp-login.php.
		wp_safe_redirect( self::challenge_url( $result ) );
		exit;
	}

	/**
	 * Whether this login, after a correct password, may skip the challenge. Asked by
	 * Twofa_Auth_Policy (whether the password step's cookies may leave) and by
	 * on_wp_login() (whether to show the challenge), so the two always agree.
	 *
	 * @param WP_User $user  The user whose password was accepted.
	 * @param string  $stage Twofa_Login_Flow::requirement() of the user.
	 */
	public static function skips_challenge( WP_User $user, string $stage ): bool {
		/**
		 * Filters whether this login may skip the challenge (remembered devices hook in
		 * here). Only a user who has 2FA is asked about, after a correct password.
		 *
		 * @param bool    $skip Whether to skip (default false).
		 * @param WP_User $user The user.
		 */
		return Twofa_Login_Flow::CHALLENGE === $stage && true === apply_filters( 'twofa_skip_challenge', false, $user );
	}

	/**
	 * Undoes what the password step created: its cookies and the current user of
	 * this request. Its session token was never stored (Twofa_Unsaved_Sessions);
	 * should a token have been stored anyway (something created a session
	 * without our authenticate filter), it is destroyed.
	 *
	 * @param WP_User $user User.
	 */
	public static function discard_password_session( WP_User $user ): void {
		// Through the manager that created the tokens: the unsaved one writes nothing for them.
		$sessions = WP_Session_Tokens::get_instance( (int) $user->ID );
		foreach ( array_unique( self::$tokens ) as $token ) {
			$sessions->destroy( $token );
		}
		self::$tokens = array();
		Twofa_Unsaved_Sessions::uninstall();
		// Cookies may have been sent when something bypassed our authenticate filter.
		remove_filter( 'send_auth_cookies', '__return_false', PHP_INT_MAX );
		wp_clear_auth_cookie();
		wp_set_current_user( 0 );
	}

	/**
	 * The result of a second-step POST handled at plugins_loaded that still has a
	 * form to show (a wrong code, a code sent, a lockout): on_challenge_request()
	 * shows it once wp-login.php has loaded, without handling the POST again.
	 *
	 * @var array<string,mixed>|null
	 */
	private static $early = null;

	/**
	 * A POST to wp-login.php?action=twofa_challenge, handled as soon as the plugins
	 * are loaded (plugins_loaded, last): before the theme, `init`, block registration
	 * and wp-login.php's own set-up, none of which a code check needs. A passed step
	 * logs in and redirects from here; anything else goes on to wp-login.php, which
	 * shows the form (docs/DESIGN.md, "The light code step").
	 */
	public static function early_challenge(): void {
		if ( self::is_interim() || ( force_ssl_admin() && ! is_ssl() ) ) {
			// The modal's success page and the https redirect are wp-login.php's own.
			return;
		}
		// The request exactly as every later hook sees it (WordPress adds the slashes after
		// plugins_loaded), so the code below reads it as it does from wp-login.php.
		$raw = array( $_GET, $_POST, $_COOKIE, $_SERVER, $_REQUEST ); // phpcs:ignore WordPress.Security.NonceVerification
		// WordPress reads the site's language only after plugins_loaded, and its database error
		// page asks for it: read now, a database lost during the step ends in that page instead
		// of a page that queries the lost database again each time it fails.
		get_locale();
		wp_magic_quotes();
		$result = self::handle_challenge( true );
		// Not logged in: WordPress goes on and adds the slashes itself, once.
		list( $_GET, $_POST, $_COOKIE, $_SERVER, $_REQUEST ) = $raw;
		self::$early = $result;
	}

	/**
	 * wp-login.php?action=twofa_challenge: every form of the second step posts here.
	 */
	public static function on_challenge_request(): void {
		$is_post = isset( $_SERVER['REQUEST_METHOD'] ) && 'POST' === strtoupper( sanitize_text_field( wp_unslash( $_SERVER['REQUEST_METHOD'] ) ) );
		$result  = null !== self::$early ? self::$early : self::handle_challenge( $is_post );
		nocache_headers();
		Twofa_Login_Screen::render( $result, self::is_interim() );
		exit;
	}

	/**
	 * Handles the second step's request once; a passed step logs in and leaves.
	 *
	 * @param bool $is_post Whether the request is a POST.
	 * @return array<string,mixed> A result of Twofa_Login_Flow::handle() that has a form to show.
	 */
	private static function handle_challenge( bool $is_post ): array {
		// The nonce, lock and codes were written by an earlier request, maybe on another database node;
		// the step's transaction reads what others committed (Twofa_Login_Transaction::begin()).
		Twofa_User_State::causal_reads( true );
		// The login nonce in the request is the CSRF token here; there is no session to bind a WordPress nonce to.
		$request = $is_post ? wp_unslash( $_POST ) : wp_unslash( $_GET ); // phpcs:ignore WordPress.Security.NonceVerification
		$request = is_array( $request ) ? $request : array();
		for ( $try = 1; ; $try++ ) {
			$result = Twofa_Login_Flow::handle( $request, $is_post );
			if ( 'success' === $result['outcome'] ) {
				nocache_headers();
				$result = self::finish( $result, $request ); // Returns only when not logged in.
			}
			// A conflict rolled the whole step back (nonce and code still live): run it again,
			// as the user would by sending the same form; single use is the database's to decide.
			if ( $try >= self::CONFLICT_TRIES || ! Twofa_Login_Transaction::conflicted() ) {
				break;
			}
			$wait = 20000 * ( 4 ** ( $try - 1 ) );
			usleep( random_int( intdiv( $wait, 2 ), $wait ) );
		}
		// No transaction outlives the request (each path above has already closed its own).
		Twofa_Login_Transaction::commit();
		return $result;
	}

	/**
	 * The session token wp_set_auth_cookie() created in finish().
	 *
	 * @var string
	 */
	private static $finish_token = '';

	/**
	 * The sessions finish()'s wp_set_auth_cookie() wrote to the user's meta (null: no write took).
	 *
	 * @var array<string,mixed>|null
	 */
	private static $sessions_written = null;

	/**
	 * The second step (or a passwordless login, Twofa_Passwordless) passed: create the
	 * session and send the user on. The session
	 * is stored in the step's transaction; only when the commit succeeds are the
	 * cookies sent. Otherwise nothing of the step was kept (the nonce and the code
	 * are still live) and the same form is shown again to retry.
	 *
	 * @param array<string,mixed> $result  A 'success' result of Twofa_Login_Flow (or Twofa_Passwordless):
	 *                                     user_id, remember, redirect_to, configure_step, method, stage,
	 *                                     optional event_details.
	 * @param array<string,mixed> $request The request's fields.
	 * @return array<string,mixed> The result to show when the login could not be completed.
	 */
	public static function finish( array $result, array $request ): array {
		$user = get_userdata( (int) $result['user_id'] );
		if ( ! $user ) {
			Twofa_Login_Transaction::rollback();
			return $result;
		}
		self::$finishing    = true;
		self::$finish_token = '';
		// The session now, its cookies only once it is committed: a request that dies on the
		// way (the database gone and wpdb's wp_die(), a fatal error) must not carry a cookie out.
		add_filter( 'send_auth_cookies', array( __CLASS__, 'hold_cookies' ), PHP_INT_MAX );
		self::$sessions_written                   = null;
		self::$before_sessions[ (int) $user->ID ] = wp_cache_get( (int) $user->ID, 'user_meta' );
		add_action( 'added_user_meta', array( __CLASS__, 'note_sessions_write' ), PHP_INT_MAX, 4 );
		add_action( 'updated_user_meta', array( __CLASS__, 'note_sessions_write' ), PHP_INT_MAX, 4 );
		add_filter( 'update_user_metadata', array( __CLASS__, 'store_sessions' ), PHP_INT_MAX, 4 );
		wp_set_auth_cookie( (int) $user->ID, (bool) $result['remember'], is_ssl() );
		remove_filter( 'update_user_metadata', array( __CLASS__, 'store_sessions' ), PHP_INT_MAX );
		remove_action( 'updated_user_meta', array( __CLASS__, 'note_sessions_write' ), PHP_INT_MAX );
		remove_action( 'added_user_meta', array( __CLASS__, 'note_sessions_write' ), PHP_INT_MAX );
		remove_filter( 'send_auth_cookies', array( __CLASS__, 'hold_cookies' ), PHP_INT_MAX );
		$sessions = WP_Session_Tokens::get_instance( (int) $user->ID );
		$stored   = '' !== self::$finish_token && self::token_stored( $sessions, (int) $user->ID );
		if ( ! $stored ) {
			Twofa_Login_Transaction::rollback();
		}
		if ( ! $stored || ! Twofa_Login_Transaction::commit() ) {
			self::$finishing = false;
			return self::not_finished( $result, $request, $sessions );
		}
		// Committed: the cookies of the stored session (the token given, so none is created).
		wp_set_auth_cookie( (int) $user->ID, (bool) $result['remember'], is_ssl(), self::$finish_token );
		// Only a step that was committed with its session is logged, and its device remembered.
		$event = array(
			'method' => (string) $result['method'],
			'actor'  => (int) $user->ID,
		);
		if ( ! empty( $result['event_details'] ) && is_array( $result['event_details'] ) ) {
			$event['details'] = $result['event_details'];
		}
		Twofa_Events::record( Twofa_Events::LOGIN_PASSED, (int) $user->ID, $event );
		if ( Twofa_Login_Flow::CHALLENGE === $result['stage'] ) {
			Twofa_Remember_Device::after_challenge( (int) $user->ID, $request );
		}
		wp_set_current_user( (int) $user->ID );
		/** This action is documented in wp-includes/user.php */
		do_action( 'wp_login', $user->user_login, $user );
		self::$finishing = false;

		if ( self::is_interim() ) {
			Twofa_Login_Screen::render_interim_success();
			exit;
		}
		$to = self::redirect_after_login( $user, (string) $result['redirect_to'] );
		if ( ! empty( $result['configure_step'] ) && is_array( $result['configure_step'] ) ) {
			// A method has something to say first (e.g. backup codes running out); then on to $to.
			$to = Twofa_Configure_Page::url( $result['configure_step'] + array( 'continue' => rawurlencode( $to ) ) );
		}
		wp_safe_redirect( $to );
		exit;
	}

	/**
	 * Whether finish()'s session token is stored. WordPress's own manager keeps the sessions in
	 * the user's meta: the write's `added_user_meta` / `updated_user_meta` (fired only when the
	 * database took it, on this transaction's connection) tells, with no second read of the
	 * user's meta. Another manager (a `session_token_manager` filter) is asked.
	 *
	 * @param WP_Session_Tokens $sessions The user's session manager.
	 * @param int               $user_id  User ID.
	 */
	private static function token_stored( WP_Session_Tokens $sessions, int $user_id ): bool {
		if ( WP_User_Meta_Session_Tokens::class !== get_class( $sessions ) ) {
			return $sessions->verify( self::$finish_token );
		}
		// The manager's key of a token (WP_Session_Tokens::hash_token(), private).
		$verifier = function_exists( 'hash' ) ? hash( 'sha256', self::$finish_token ) : sha1( self::$finish_token );
		return is_array( self::$sessions_written ) && isset( self::$sessions_written['user'] ) && $user_id === self::$sessions_written['user']
			&& is_array( self::$sessions_written['value'] ) && isset( self::$sessions_written['value'][ $verifier ] );
	}

	/**
	 * `update_user_metadata` while finish() stores the session: a returning user's sessions
	 * (one row, read by the step) are written by one UPDATE inside the step's transaction
	 * (Twofa_User_State::update_single_row()), not by update_metadata()'s lookup of the row,
	 * check of the column's charset and UPDATE; anything else is left to WordPress. A filter
	 * that already answered (another plugin storing the meta elsewhere) is kept.
	 *
	 * @param mixed $check    Null, or another filter's answer.
	 * @param mixed $user_id  User ID.
	 * @param mixed $meta_key Meta key.
	 * @param mixed $value    The new value.
	 * @return mixed
	 */
	public static function store_sessions( $check, $user_id, $meta_key, $value ) {
		if ( null !== $check || 'session_tokens' !== $meta_key || WP_User_Meta_Session_Tokens::class !== get_class( WP_Session_Tokens::get_instance( (int) $user_id ) ) ) {
			return $check;
		}
		return Twofa_User_State::update_single_row( (int) $user_id, 'session_tokens', $value );
	}

	/**
	 * `added_user_meta` / `updated_user_meta` while finish() stores the session: notes what
	 * was written as the user's sessions.
	 *
	 * @param mixed $meta_id   Meta ID.
	 * @param mixed $user_id   User ID.
	 * @param mixed $meta_key  Meta key.
	 * @param mixed $value     The value written (unserialized).
	 */
	public static function note_sessions_write( $meta_id, $user_id, $meta_key, $value ): void {
		if ( 'session_tokens' === $meta_key ) {
			self::$sessions_written = array(
				'user'  => (int) $user_id,
				'value' => $value,
			);
			// WordPress dropped the user's cached meta for this write; its cookie reads the user next.
			self::after_sessions_write( $meta_id, $user_id, $meta_key, $value );
		}
	}

	/**
	 * The account's cached meta just before WordPress writes its sessions during a login (set by
	 * before_sessions_write(), or by finish() before it stores the session), by user.
	 *
	 * @var array<int,mixed>
	 */
	private static $before_sessions = array();

	/**
	 * `update_user_meta` during a login (the LOGIN group): keeps the account's cached meta of
	 * before WordPress's write of its sessions, which drops it.
	 *
	 * @param mixed $meta_id  Meta ID.
	 * @param mixed $user_id  User ID.
	 * @param mixed $meta_key Meta key.
	 */
	public static function before_sessions_write( $meta_id, $user_id, $meta_key ): void {
		if ( 'session_tokens' === $meta_key ) {
			self::$before_sessions[ (int) $user_id ] = wp_cache_get( (int) $user_id, 'user_meta' );
		}
	}

	/**
	 * `updated_user_meta` during a login (and finish()'s session write, through
	 * note_sessions_write()): the kept copy goes back with the new sessions
	 * (Twofa_User_State::keep_after_write()), so on_wp_login() and WordPress's cookie check
	 * read the account's meta without loading it again.
	 *
	 * @param mixed $meta_id  Meta ID.
	 * @param mixed $user_id  User ID.
	 * @param mixed $meta_key Meta key.
	 * @param mixed $value    The value written (unserialized).
	 */
	public static function after_sessions_write( $meta_id, $user_id, $meta_key, $value ): void {
		if ( 'session_tokens' === $meta_key && array_key_exists( (int) $user_id, self::$before_sessions ) ) {
			Twofa_User_State::keep_after_write( (int) $user_id, self::$before_sessions[ (int) $user_id ], 'session_tokens', (string) maybe_serialize( $value ) );
			unset( self::$before_sessions[ (int) $user_id ] );
		}
	}

	/**
	 * Filter `send_auth_cookies` while finish() stores the session: no cookie yet.
	 *
	 * @return bool False.
	 */
	public static function hold_cookies(): bool {
		return false;
	}

	/**
	 * The session could not be committed with the step: nothing leaves for the browser,
	 * a token stored outside the transaction (after wpdb reconnected) is destroyed, and
	 * the same step is shown again with its nonce, which the rollback kept.
	 *
	 * @param array<string,mixed> $result   The 'success' result.
	 * @param array<string,mixed> $request  The request's fields.
	 * @param WP_Session_Tokens   $sessions The user's sessions.
	 * @return array<string,mixed>
	 */
	private static function not_finished( array $result, array $request, WP_Session_Tokens $sessions ): array {
		// The cached meta is what the rolled-back transaction saw (its own token in it, and
		// not a token another request committed meanwhile): read what is stored instead.
		// Destroying from that cached view would write it back and drop the other session.
		wp_cache_delete( (int) $result['user_id'], 'user_meta' );
		if ( '' !== self::$finish_token && $sessions->verify( self::$finish_token ) ) {
			// Stored outside the transaction (wpdb reconnected on the way): take it out again.
			$sessions->destroy( self::$finish_token );
		}
		self::$finish_token = '';
		if ( ! headers_sent() ) {
			header_remove( 'Set-Cookie' );
		}
		wp_set_current_user( 0 );
		$nonce                    = isset( $request[ Twofa_Login_Flow::F_NONCE ] ) && is_string( $request[ Twofa_Login_Flow::F_NONCE ] ) ? strtolower( trim( $request[ Twofa_Login_Flow::F_NONCE ] ) ) : '';
		$result['outcome']        = 'form';
		$result['nonce']          = $nonce;
		$result['configure_step'] = array();
		$result['error']          = Twofa_Login_Transaction::retry_message();
		return $result;
	}

	/**
	 * Where to go after the login: the requested local URL, else the dashboard
	 * (or the profile / home page for users who cannot use the dashboard), as
	 * wp-login.php does.
	 *
	 * @param WP_User $user        User.
	 * @param string  $redirect_to Requested URL (already checked to be local).
	 */
	public static function redirect_after_login( WP_User $user, string $redirect_to ): string {
		$requested = $redirect_to;
		$to        = '' !== $redirect_to ? $redirect_to : admin_url();
		/** This filter is documented in wp-login.php */
		$to = (string) apply_filters( 'login_redirect', $to, $requested, $user );
		$to = wp_validate_redirect( $to, admin_url() );
		if ( ( admin_url() === $to || '' === $requested ) && ! $user->has_cap( 'edit_posts' ) ) {
			$to = $user->has_cap( 'read' ) ? admin_url( 'profile.php' ) : home_url();
		}
		return $to;
	}

	/**
	 * The redirect_to of the password step if it is local, else ''.
	 */
	public static function requested_redirect(): string {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- read only, validated below.
		$raw = isset( $_REQUEST['redirect_to'] ) && is_string( $_REQUEST['redirect_to'] ) ? wp_unslash( $_REQUEST['redirect_to'] ) : '';
		if ( '' === $raw || strlen( $raw ) > 2000 ) {
			return '';
		}
		return (string) wp_validate_redirect( esc_url_raw( $raw ), '' );
	}

	/**
	 * Whether the password step asked to be remembered.
	 */
	private static function requested_remember(): bool {
		if ( null !== self::$remember ) {
			return self::$remember;
		}
		return ! empty( $_POST['rememberme'] ); // phpcs:ignore WordPress.Security.NonceVerification.Missing
	}

	/**
	 * Whether this request is wp-login.php (where login_header() exists).
	 */
	private static function on_login_screen(): bool {
		return did_action( 'login_init' ) > 0 && function_exists( 'login_header' );
	}

	/**
	 * Whether this is the session-expired modal login.
	 */
	public static function is_interim(): bool {
		return ! empty( $_REQUEST['interim-login'] ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended
	}

	/**
	 * URL of the second step for a result of Twofa_Login_Flow::begin().
	 *
	 * @param array<string,mixed> $result Result.
	 */
	public static function challenge_url( array $result ): string {
		$args = array( 'action' => self::ACTION );
		if ( 'form' === $result['outcome'] ) {
			$args[ Twofa_Login_Flow::F_USER ]  = (int) $result['user_id'];
			$args[ Twofa_Login_Flow::F_NONCE ] = (string) $result['nonce'];
		}
		if ( self::is_interim() ) {
			$args['interim-login'] = 1;
		}
		return add_query_arg( $args, site_url( 'wp-login.php', 'login' ) );
	}

	/**
	 * "Set up two-factor authentication within N days" for users in their grace period.
	 */
	public static function grace_notice(): void {
		$user = wp_get_current_user();
		if ( ! $user->exists() || Twofa_Login_Flow::GRACE !== Twofa_Login_Flow::requirement( $user ) ) {
			return;
		}
		$days = max( 1, (int) ceil( Twofa_Login_Flow::grace_seconds_left( $user ) / DAY_IN_SECONDS ) );
		$url  = class_exists( 'Twofa_Configure_Page' ) && method_exists( 'Twofa_Configure_Page', 'url' )
			? (string) Twofa_Configure_Page::url()
			: admin_url( 'profile.php' );
		printf(
			'<div class="notice notice-warning" role="status"><p>%s <a href="%s">%s</a></p></div>',
			esc_html(
				sprintf(
					/* translators: %d: days left. */
					_n(
						'Your role must use two-factor authentication. Set up two-factor authentication within %d day, or you will be asked to do it at your next login.',
						'Your role must use two-factor authentication. Set up two-factor authentication within %d days, or you will be asked to do it at your next login.',
						$days,
						'twofa'
					),
					$days
				)
			),
			esc_url( $url ),
			esc_html__( 'Configure 2FA', 'twofa' )
		);
	}
}
