<?php
/**
 * Backup codes: ten single-use codes to log in when the phone or mailbox is out of reach.
 *
 * This file is longer than most: it holds everything of the method (its card on Configure 2FA
 * with Generate, the one-time display with Copy, Download and Print, Regenerate with
 * re-authentication, and its login challenge), so that adding it took this file and one line of
 * the registry.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * A backup only: never the only or the primary method, not counted for "has
 * 2FA", and generating a set requires a configured primary method. The codes
 * are stored as keyed hashes only (Twofa_Backup_Codes); the set just generated
 * waits for its one display sealed under the site key (context
 * `backup-show:{user_id}`) for at most SHOW_TTL seconds, and is deleted when shown.
 */
class Twofa_Provider_Backup_Codes extends Twofa_Provider {

	const ID = 'backup_codes';

	/**
	 * Seconds the new set waits to be shown once.
	 */
	const SHOW_TTL = 600;

	/**
	 * Method id.
	 */
	public function id(): string {
		return self::ID;
	}

	/**
	 * Card title.
	 */
	public function label(): string {
		return __( 'Backup codes', 'twofa' );
	}

	/**
	 * Card description.
	 */
	public function description(): string {
		return __( 'Ten single-use codes to print or save, for when you cannot use your other methods. Each code works once.', 'twofa' );
	}

	/**
	 * Never the only or the primary method.
	 */
	public function is_backup_only(): bool {
		return true;
	}

	/**
	 * Offered last at the challenge.
	 */
	public function challenge_priority(): int {
		return 100;
	}

	/**
	 * Configured while at least one unused code is left.
	 */
	public function configured_key(): string {
		return Twofa_Backup_Codes::META_CODE;
	}

	/**
	 * The method's user meta keys.
	 *
	 * @return string[]
	 */
	public function meta_keys(): array {
		return array( Twofa_Backup_Codes::META_CODE, Twofa_Backup_Codes::META_INFO );
	}

	/**
	 * Removes the set and anything waiting to be shown.
	 *
	 * @param int $user_id User ID.
	 */
	public function remove( int $user_id ): void {
		Twofa_Backup_Codes::remove( $user_id );
		delete_transient( self::show_key( $user_id ) );
	}

	/**
	 * `wp twofa status`: the number of unused codes as `backup_codes_unused` (never a code).
	 *
	 * @param int $user_id User ID.
	 * @return array<string,scalar|null>
	 */
	public function status_fields( int $user_id ): array {
		return array( 'unused' => Twofa_Backup_Codes::remaining( $user_id ) );
	}

	/* ------------------------------------------------------------------ */
	/* Configure 2FA                                                       */
	/* ------------------------------------------------------------------ */

	/**
	 * The card's actions.
	 *
	 * @return string[]
	 */
	public function configure_actions(): array {
		return array( 'backup_codes_generate', 'backup_codes_regenerate', 'backup_codes_download' );
	}

	/**
	 * Generate, Regenerate, Download.
	 *
	 * @param string              $action  One of configure_actions().
	 * @param int                 $user_id Current user.
	 * @param array<string,mixed> $post    Unslashed form fields.
	 */
	public function handle_action( string $action, int $user_id, array $post ): array {
		if ( 'backup_codes_download' === $action ) {
			return $this->download( $user_id, $post );
		}
		if ( null === Twofa_User_State::primary( $user_id ) ) {
			return Twofa_Configure_Form::result( 'error', __( 'Backup codes are a backup: configure Google Authenticator or OTP over Email first.', 'twofa' ) );
		}
		$regenerate = 'backup_codes_regenerate' === $action;
		$has_set    = Twofa_Backup_Codes::has_set( $user_id );
		if ( $has_set && ! $regenerate ) {
			return Twofa_Configure_Form::result( 'error', __( 'You already have backup codes. Use Regenerate to replace them.', 'twofa' ), Twofa_Configure_Form::step( self::ID, 'regenerate' ) );
		}
		if ( $regenerate && $has_set ) {
			$back = Twofa_Configure_Form::step( self::ID, 'regenerate' );
			if ( ! Twofa_Configure_Form::ticked( $post, 'twofa_confirm_regenerate' ) ) {
				return Twofa_Configure_Form::result( 'error', __( 'Please tick the box to confirm that your old backup codes stop working.', 'twofa' ), $back );
			}
			$password = isset( $post['twofa_password'] ) && is_string( $post['twofa_password'] ) ? $post['twofa_password'] : '';
			$reauth   = Twofa_Reauth::verify( $user_id, $password, Twofa_Configure_Form::code( $post, 'twofa_reauth_code' ) );
			if ( true !== $reauth ) {
				return Twofa_Configure_Form::result( 'error', $reauth->get_error_message(), $back );
			}
		}
		try {
			$codes = Twofa_Backup_Codes::generate( $user_id );
			set_transient( self::show_key( $user_id ), (string) twofa_seal( (string) wp_json_encode( $codes ), self::show_context( $user_id ) ), self::SHOW_TTL );
		} catch ( Throwable $e ) {
			return Twofa_Configure_Form::result( 'error', __( 'Backup codes could not be created. Please contact the site administrator.', 'twofa' ) );
		}
		$event    = $has_set ? 'backup_codes_regenerated' : 'backup_codes_generated';
		$notified = Twofa_Notifier::send( $user_id, $event, null, count( $codes ) );
		$result   = Twofa_Configure_Form::result(
			'ok',
			$has_set
				? __( 'New backup codes were generated. Your old backup codes no longer work.', 'twofa' )
				: __( 'Your backup codes were generated.', 'twofa' ),
			Twofa_Configure_Form::step( self::ID, 'show' )
		);
		if ( true !== $notified ) {
			$result['notes'][] = Twofa_Configure_Form::unnotified_note();
		}
		return $result;
	}

	/**
	 * Download (.txt): the codes the page just showed come back in the form (the
	 * server keeps none); only the user's own unused codes are written out.
	 *
	 * @param int                 $user_id Current user.
	 * @param array<string,mixed> $post    Unslashed form fields.
	 */
	private function download( int $user_id, array $post ): array {
		$codes = isset( $post['twofa_codes'] ) && is_array( $post['twofa_codes'] ) ? array_slice( $post['twofa_codes'], 0, Twofa_Backup_Codes::COUNT ) : array();
		$clean = array();
		foreach ( $codes as $code ) {
			$normal = is_string( $code ) && strlen( $code ) <= Twofa_Backup_Codes::MAX_INPUT ? twofa_backup_code_normalize( $code ) : false;
			if ( ! is_string( $normal ) || ! Twofa_Backup_Codes::is_unused( $user_id, $normal ) ) {
				return Twofa_Configure_Form::result( 'error', __( 'These backup codes are no longer valid (they were used or replaced). Regenerate to get a new set.', 'twofa' ) );
			}
			$clean[] = $normal;
		}
		if ( ! $clean ) {
			return Twofa_Configure_Form::result( 'error', __( 'There are no backup codes to download.', 'twofa' ) );
		}
		$user = get_userdata( $user_id );
		$site = wp_specialchars_decode( (string) get_bloginfo( 'name' ), ENT_QUOTES );
		$text = sprintf(
			/* translators: 1: site name, 2: login name. */
			__( 'Backup codes for %1$s (%2$s)', 'twofa' ),
			$site,
			$user ? $user->user_login : ''
		) . "\n"
			/* translators: %s: date. */
			. sprintf( __( 'Generated %s. Each code works once; keep them somewhere safe.', 'twofa' ), wp_date( (string) get_option( 'date_format' ), Twofa_Backup_Codes::generated_at( $user_id ) ) ) . "\n\n"
			. implode( "\n", $clean ) . "\n";
		nocache_headers();
		header( 'Content-Type: text/plain; charset=utf-8' );
		header( 'Content-Disposition: attachment; filename="' . sanitize_file_name( 'backup-codes-' . wp_parse_url( home_url(), PHP_URL_HOST ) ) . '.txt"' );
		header( 'X-Content-Type-Options: nosniff' );
		echo $text; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- a text/plain download of checked codes.
		exit;
	}

	/**
	 * The card's controls: Generate, or Regenerate once a set exists; the count left.
	 *
	 * @param int  $user_id    Current user.
	 * @param bool $configured Whether unused codes are left.
	 */
	public function render_configure_button( int $user_id, bool $configured ): void {
		$left = Twofa_Backup_Codes::remaining( $user_id );
		if ( Twofa_Backup_Codes::has_set( $user_id ) ) {
			echo '<p class="twofa-backup-left' . ( $left <= Twofa_Backup_Codes::LOW ? ' twofa-backup-low' : '' ) . '">'
				/* translators: %d: unused backup codes. */
				. esc_html( sprintf( _n( '%d unused backup code left.', '%d unused backup codes left.', $left, 'twofa' ), $left ) );
			if ( $left <= Twofa_Backup_Codes::LOW ) {
				echo ' <strong>' . esc_html__( 'You are running out of backup codes: regenerate a new set.', 'twofa' ) . '</strong>';
			}
			echo '</p>';
			printf(
				'<a class="button" href="%1$s">%2$s</a>',
				esc_url( Twofa_Configure_Page::url( Twofa_Configure_Form::step( self::ID, 'regenerate' ) ) . '#twofa-card-' . self::ID ),
				esc_html__( 'Regenerate', 'twofa' )
			);
			return;
		}
		if ( null === Twofa_User_State::primary( $user_id ) ) {
			echo '<p class="description">' . esc_html__( 'Configure Google Authenticator or OTP over Email first; backup codes are a backup for them.', 'twofa' ) . '</p>';
			return;
		}
		Twofa_Configure_Form::open( 'backup_codes_generate', $user_id );
		Twofa_Configure_Form::button( __( 'Generate', 'twofa' ), 'button button-primary' );
		echo '</form>';
	}

	/**
	 * The open step: show (once), regenerate, offer (after first-login setup).
	 *
	 * @param int    $user_id Current user.
	 * @param string $step    Step from the URL.
	 */
	public function render_setup( int $user_id, string $step ): bool {
		if ( 'show' === $step ) {
			$this->render_show( $user_id );
			return true;
		}
		if ( 'regenerate' === $step && Twofa_Backup_Codes::has_set( $user_id ) ) {
			$this->render_regenerate( $user_id );
			return true;
		}
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only; validated as a local URL.
		$next = isset( $_GET['continue'] ) && is_string( $_GET['continue'] ) ? wp_validate_redirect( esc_url_raw( wp_unslash( $_GET['continue'] ) ), admin_url() ) : admin_url();
		if ( 'low' === $step && Twofa_Backup_Codes::has_set( $user_id ) ) {
			$left = Twofa_Backup_Codes::remaining( $user_id );
			echo '<div class="notice notice-warning inline twofa-backup-low" role="alert"><p>'
				. esc_html(
					sprintf(
						/* translators: %d: unused backup codes. */
						_n( 'You logged in with a backup code. You have %d unused backup code left: regenerate a new set now.', 'You logged in with a backup code. You have %d unused backup codes left: regenerate a new set now.', $left, 'twofa' ),
						$left
					)
				)
				. '</p><p><a class="button-link" href="' . esc_url( $next ) . '">' . esc_html__( 'Not now, continue', 'twofa' ) . '</a></p></div>';
			$this->render_regenerate( $user_id );
			return true;
		}
		if ( 'offer' === $step && ! Twofa_Backup_Codes::has_set( $user_id ) && null !== Twofa_User_State::primary( $user_id ) ) {
			echo '<div class="twofa-setup twofa-backup-offer"><p><strong>' . esc_html__( 'Two-factor authentication is set up. Save backup codes now, so that you can still log in if you lose your phone or cannot get email.', 'twofa' ) . '</strong></p>';
			Twofa_Configure_Form::open( 'backup_codes_generate', $user_id );
			Twofa_Configure_Form::button( __( 'Generate backup codes', 'twofa' ), 'button button-primary' );
			echo ' <a class="button-link" href="' . esc_url( $next ) . '">' . esc_html__( 'Not now, continue', 'twofa' ) . '</a></form></div>';
			return true;
		}
		return false;
	}

	/**
	 * The new set, shown once: the list, Copy, Download (.txt), Print.
	 *
	 * @param int $user_id Current user.
	 */
	private function render_show( int $user_id ): void {
		$sealed = get_transient( self::show_key( $user_id ) );
		delete_transient( self::show_key( $user_id ) );
		$codes = array();
		if ( is_string( $sealed ) && '' !== $sealed ) {
			try {
				$codes = json_decode( (string) twofa_open( $sealed, self::show_context( $user_id ) ), true );
			} catch ( Throwable $e ) {
				$codes = array();
			}
		}
		if ( ! is_array( $codes ) || ! $codes ) {
			echo '<div class="notice notice-warning inline"><p>' . esc_html__( 'Backup codes are shown only once, right after they are generated. If you did not save them, Regenerate to get a new set.', 'twofa' ) . '</p></div>';
			return;
		}
		?>
		<div class="twofa-setup twofa-backup-show" id="twofa-backup-show">
			<p><strong><?php esc_html_e( 'Save these codes now: they are shown only this once.', 'twofa' ); ?></strong>
				<?php esc_html_e( 'Each code works once. Keep them somewhere safe, away from your phone.', 'twofa' ); ?></p>
			<ol class="twofa-backup-list" id="twofa-backup-list">
				<?php foreach ( $codes as $code ) : ?>
					<li><code><?php echo esc_html( (string) $code ); ?></code></li>
				<?php endforeach; ?>
			</ol>
			<?php Twofa_Configure_Form::open( 'backup_codes_download', $user_id, 'twofa-backup-download' ); ?>
				<?php foreach ( $codes as $code ) : ?>
					<input type="hidden" name="twofa_codes[]" value="<?php echo esc_attr( (string) $code ); ?>" />
				<?php endforeach; ?>
				<p class="twofa-backup-tools">
					<button type="button" class="button twofa-backup-copy" hidden><?php esc_html_e( 'Copy', 'twofa' ); ?></button>
					<?php Twofa_Configure_Form::button( __( 'Download (.txt)', 'twofa' ), 'button' ); ?>
					<button type="button" class="button twofa-backup-print" hidden><?php esc_html_e( 'Print', 'twofa' ); ?></button>
					<noscript><span class="description"><?php esc_html_e( 'To print them, use your browser\'s Print command: only the codes are printed.', 'twofa' ); ?></span></noscript>
				</p>
			</form>
			<p><a class="button button-primary" href="<?php echo esc_url( Twofa_Configure_Page::url() ); ?>"><?php esc_html_e( 'I have saved my backup codes', 'twofa' ); ?></a></p>
		</div>
		<?php
	}

	/**
	 * Regenerate: confirm and re-authenticate, like Remove.
	 *
	 * @param int $user_id Current user.
	 */
	private function render_regenerate( int $user_id ): void {
		$reauth = Twofa_Reauth::provider( $user_id );
		?>
		<div class="twofa-setup twofa-backup-regenerate">
			<?php Twofa_Configure_Form::open( 'backup_codes_regenerate', $user_id, 'twofa-regenerate-form' ); ?>
				<p><label><input type="checkbox" name="twofa_confirm_regenerate" value="1" required />
					<?php esc_html_e( 'Replace my backup codes: the old ones stop working.', 'twofa' ); ?></label></p>
				<p><label for="twofa-password-backup"><?php esc_html_e( 'To confirm it is you, enter your current password:', 'twofa' ); ?></label><br />
					<input type="password" id="twofa-password-backup" name="twofa_password" class="regular-text" autocomplete="current-password" /></p>
				<?php if ( null !== $reauth ) : ?>
					<p><label for="twofa-reauth-backup"><?php echo esc_html( (string) $reauth->reauth_prompt() ); ?></label><br />
						<input type="text" id="twofa-reauth-backup" name="twofa_reauth_code" class="regular-text twofa-code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" /></p>
				<?php endif; ?>
				<p><?php Twofa_Configure_Form::button( __( 'Regenerate', 'twofa' ), 'button button-secondary' ); ?>
					<a class="button-link" href="<?php echo esc_url( Twofa_Configure_Page::url() ); ?>"><?php esc_html_e( 'Cancel', 'twofa' ); ?></a></p>
			</form>
		</div>
		<?php
	}

	/**
	 * Copy and Print (the page works without them), and a print stylesheet that prints only the codes.
	 */
	public function enqueue_configure_assets(): void {
		wp_add_inline_style(
			'twofa-configure',
			'@media print { body * { visibility: hidden; } #twofa-backup-show, #twofa-backup-show .twofa-backup-list, #twofa-backup-show .twofa-backup-list * { visibility: visible; }'
			. ' #twofa-backup-show { position: absolute; left: 0; top: 0; } #twofa-backup-show form, #twofa-backup-show .button { display: none; } }'
		);
		wp_add_inline_script(
			'twofa-configure',
			'(function(){var l=document.getElementById("twofa-backup-list");if(!l){return;}'
			. 'var c=document.querySelector(".twofa-backup-copy"),p=document.querySelector(".twofa-backup-print");'
			. 'if(c&&navigator.clipboard){c.hidden=false;c.addEventListener("click",function(){var t=[];l.querySelectorAll("code").forEach(function(e){t.push(e.textContent);});'
			. 'navigator.clipboard.writeText(t.join("\n")).then(function(){c.textContent=' . wp_json_encode( __( 'Copied', 'twofa' ) ) . ';});});}'
			. 'if(p){p.hidden=false;p.addEventListener("click",function(){window.print();});}})();'
		);
	}

	/* ------------------------------------------------------------------ */
	/* Login                                                               */
	/* ------------------------------------------------------------------ */

	/**
	 * Spends a backup code; the notice email says how many are left.
	 *
	 * @param int    $user_id User ID.
	 * @param string $code    What the user typed.
	 * @return true|WP_Error
	 */
	public function verify_login_code( int $user_id, string $code ) {
		if ( ! $this->is_configured( $user_id ) ) {
			return new WP_Error( 'twofa_backup_none', __( 'You have no unused backup codes.', 'twofa' ) );
		}
		$ok = Twofa_Backup_Codes::consume( $user_id, $code );
		if ( true !== $ok ) {
			return $ok;
		}
		Twofa_Notifier::send( $user_id, 'backup_code_used', null, Twofa_Backup_Codes::remaining( $user_id ) );
		return true;
	}

	/**
	 * After first-login setup: the offer of backup codes. After a login with a backup
	 * code that left LOW or fewer: the warning. Both on Configure 2FA, before the user goes on.
	 *
	 * @param int    $user_id User ID.
	 * @param string $stage   Twofa_Login_Flow::CHALLENGE or SETUP.
	 * @param string $method  The method that passed.
	 * @return array<string,string> Query arguments of Configure 2FA, or none.
	 */
	public function after_login( int $user_id, string $stage, string $method ): array {
		if ( Twofa_Login_Flow::SETUP === $stage && ! Twofa_Backup_Codes::has_set( $user_id ) ) {
			return Twofa_Configure_Form::step( self::ID, 'offer' );
		}
		if ( self::ID === $method && Twofa_Backup_Codes::remaining( $user_id ) <= Twofa_Backup_Codes::LOW ) {
			return Twofa_Configure_Form::step( self::ID, 'low' );
		}
		return array();
	}

	/**
	 * The challenge: where the code comes from, a text field (letters and dashes), Verify.
	 *
	 * @param array<string,mixed> $result  Result of Twofa_Login_Flow.
	 * @param bool                $interim Modal login.
	 */
	public function render_challenge( array $result, bool $interim ): void {
		$left = Twofa_Backup_Codes::remaining( (int) $result['user_id'] );
		echo '<p class="twofa-help">' . esc_html__( 'Enter one of the backup codes you saved when you generated them. Each code works once.', 'twofa' ) . '</p>';
		Twofa_Login_Screen::code_form(
			$result,
			$interim,
			__( 'Verify', 'twofa' ),
			array(
				'label'     => __( 'Backup code', 'twofa' ),
				'inputmode' => 'text',
				'pattern'   => '',
				'maxlength' => (string) Twofa_Backup_Codes::MAX_INPUT,
			)
		);
		if ( $left <= Twofa_Backup_Codes::LOW ) {
			echo '<p class="description twofa-backup-low">'
				/* translators: %d: unused backup codes. */
				. esc_html( sprintf( _n( 'You have %d unused backup code left.', 'You have %d unused backup codes left.', $left, 'twofa' ), $left ) )
				. '</p>';
		}
	}

	/**
	 * Key of the transient holding the sealed set until it is shown.
	 *
	 * @param int $user_id User ID.
	 */
	private static function show_key( int $user_id ): string {
		return 'twofa_backup_show_' . $user_id;
	}

	/**
	 * Seal context of the set waiting to be shown (docs/CONTRACTS.md).
	 *
	 * @param int $user_id User ID.
	 */
	private static function show_context( int $user_id ): string {
		return 'backup-show:' . $user_id;
	}
}
