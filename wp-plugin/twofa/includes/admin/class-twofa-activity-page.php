<?php
/**
 * Users → 2FA Activity (administrators) and the Recent activity box of Configure 2FA.
 *
 * @package Twofa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The page lists the site's two-factor events, newest first, filtered by user, event,
 * method and dates, 50 a page, and exports the same selection as CSV. Both need
 * `list_users`; the export is a POST with a nonce. On a multisite network a site's
 * administrators see that site's events; super admins see every site's, here and under
 * Network Admin → Users → 2FA Activity (`manage_network_users`), and can pick one site.
 */
final class Twofa_Activity_Page {

	const SLUG          = 'twofa-activity';
	const CAPABILITY    = 'list_users';
	const EXPORT_ACTION = 'twofa_activity_export';

	/**
	 * Who sees every site's events on a network.
	 */
	const NETWORK_CAPABILITY = 'manage_network_users';

	/**
	 * Network Admin → Users → 2FA Activity: every site's events, filtered by site.
	 */
	public static function add_network_page(): void {
		if ( ! Twofa_Settings::is_network() ) {
			return;
		}
		self::styles_on( add_submenu_page( 'users.php', ...self::page_args( self::NETWORK_CAPABILITY ) ) );
	}

	/**
	 * Users → 2FA Activity.
	 */
	public static function add_page(): void {
		self::styles_on( add_users_page( ...self::page_args( self::CAPABILITY ) ) );
	}

	/**
	 * The menu entry's title, label, capability, slug and callback.
	 *
	 * @param string $capability Who may see it.
	 * @return array{0: string, 1: string, 2: string, 3: string, 4: callable}
	 */
	private static function page_args( string $capability ): array {
		return array( __( 'Two-factor activity', 'twofa' ), __( '2FA Activity', 'twofa' ), $capability, self::SLUG, array( __CLASS__, 'render' ) );
	}

	/**
	 * The styles on the page's screen.
	 *
	 * @param string|false $hook The page's hook suffix.
	 */
	private static function styles_on( $hook ): void {
		if ( $hook ) {
			add_action( 'load-' . $hook, array( __CLASS__, 'styles' ) );
		}
	}

	/**
	 * The table's few styles: times on one line, long browser strings wrapped.
	 */
	public static function styles(): void {
		wp_register_style( 'twofa-activity', false, array(), TWOFA_PLUGIN_VERSION );
		wp_enqueue_style( 'twofa-activity' );
		wp_add_inline_style( 'twofa-activity', '.twofa-activity-table td:first-child{white-space:nowrap}.twofa-activity-table .twofa-ua{overflow-wrap:anywhere;min-width:16em;max-width:32em}.twofa-activity-table .twofa-details{overflow-wrap:anywhere;min-width:12em;max-width:20em}.twofa-activity-filters{margin:1em 0}.twofa-activity-filters label{margin-left:.5em}.twofa-activity-export{margin-top:1em}' );
	}

	/**
	 * The page's URL with filters.
	 *
	 * @param array<string,string|int> $args Query arguments.
	 */
	public static function url( array $args = array() ): string {
		return add_query_arg( array_merge( array( 'page' => self::SLUG ), $args ), is_network_admin() ? network_admin_url( 'users.php' ) : admin_url( 'users.php' ) );
	}

	/**
	 * The filters of a request (GET for the page, POST for the export), checked.
	 *
	 * @param array<string,mixed> $in Unslashed request fields: user (ID, login or email),
	 *                                event, method, from, to (Y-m-d, site time zone), site
	 *                                (a site id: super admins on a network only).
	 * @return array{filters: array<string,mixed>, form: array<string,string>, unknown_user: bool}
	 *         form: the values to show in the filter form again.
	 */
	public static function read_filters( array $in ): array {
		$form = array();
		foreach ( array( 'user', 'event', 'method', 'from', 'to', 'site' ) as $key ) {
			$form[ $key ] = isset( $in[ $key ] ) && is_string( $in[ $key ] ) ? sanitize_text_field( substr( $in[ $key ], 0, 200 ) ) : '';
		}
		$raw          = array(
			'event'  => $form['event'],
			'method' => $form['method'],
		);
		$unknown_user = false;
		if ( '' !== $form['user'] ) {
			$user = self::find_user( $form['user'] );
			if ( $user ) {
				$raw['user_id'] = (int) $user->ID;
			} else {
				$unknown_user   = true;
				$raw['user_id'] = PHP_INT_MAX; // Matches nothing.
			}
		}
		$from = self::day_start( $form['from'] );
		if ( null !== $from ) {
			$raw['since'] = $from;
		} else {
			$form['from'] = '';
		}
		$to = self::day_start( $form['to'] );
		if ( null !== $to ) {
			$raw['until'] = $to + DAY_IN_SECONDS - 1;
		} else {
			$form['to'] = '';
		}
		$site = self::site_filter( $form['site'] );
		if ( null !== $site ) {
			$raw['site_id'] = $site;
		}
		if ( ! self::sees_all_sites() || null === $site ) {
			$form['site'] = '';
		}
		return array(
			'filters'      => Twofa_Event_Log::filters( $raw ),
			'form'         => $form,
			'unknown_user' => $unknown_user,
		);
	}

	/**
	 * Whether the current user sees every site's events (a super admin on a network).
	 */
	private static function sees_all_sites(): bool {
		return is_multisite() && current_user_can( self::NETWORK_CAPABILITY );
	}

	/**
	 * The site whose events are shown; null for every site. Single-site installs: null.
	 * A site's administrators: their site, whatever was asked. Super admins: the site
	 * asked for when it exists, else every site.
	 *
	 * @param string $asked The `site` field ('' = every site).
	 */
	private static function site_filter( string $asked = '' ): ?int {
		if ( ! is_multisite() ) {
			return null;
		}
		if ( ! self::sees_all_sites() ) {
			return get_current_blog_id();
		}
		if ( preg_match( '/^\d{1,19}$/', $asked ) && get_site( (int) $asked ) ) {
			return (int) $asked;
		}
		return null;
	}

	/**
	 * A user by ID, login or email.
	 *
	 * @param string $ref What was typed.
	 * @return WP_User|null
	 */
	public static function find_user( string $ref ) {
		$ref  = trim( $ref );
		$user = false;
		if ( preg_match( '/^\d{1,19}$/', $ref ) ) {
			$user = get_user_by( 'id', (int) $ref );
		}
		if ( ! $user && is_email( $ref ) ) {
			$user = get_user_by( 'email', $ref );
		}
		if ( ! $user && '' !== $ref ) {
			$user = get_user_by( 'login', $ref );
		}
		return $user instanceof WP_User ? $user : null;
	}

	/**
	 * Unix time of 00:00 of a Y-m-d day in the site's time zone, or null.
	 *
	 * @param string $day Y-m-d.
	 */
	private static function day_start( string $day ): ?int {
		if ( ! preg_match( '/^\d{4}-\d{2}-\d{2}$/', $day ) ) {
			return null;
		}
		$date = DateTimeImmutable::createFromFormat( '!Y-m-d', $day, wp_timezone() );
		return $date && $date->format( 'Y-m-d' ) === $day ? $date->getTimestamp() : null;
	}

	/**
	 * Renders the page.
	 */
	public static function render(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to see the two-factor activity.', 'twofa' ), 403 );
		}
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- filters and paging only read.
		$request = wp_unslash( $_GET );
		$page    = isset( $_GET['paged'] ) && is_string( $_GET['paged'] ) && preg_match( '/^\d{1,6}$/', $_GET['paged'] ) ? max( 1, (int) $_GET['paged'] ) : 1;
		// phpcs:enable
		$read   = self::read_filters( $request );
		$log    = new Twofa_Event_Log();
		$result = $log->page( $read['filters'], $page );
		$rows   = Twofa_Event_Log::present( $result['rows'], false );
		$form   = $read['form'];
		$sites  = self::sees_all_sites();
		?>
		<div class="wrap twofa-activity">
			<h1><?php esc_html_e( 'Two-factor activity', 'twofa' ); ?></h1>
			<p><?php esc_html_e( 'Logins, refused codes, lockouts and changes to two-factor authentication, newest first. Codes and secrets are never recorded.', 'twofa' ); ?></p>
			<form method="get" action="<?php echo esc_url( is_network_admin() ? network_admin_url( 'users.php' ) : admin_url( 'users.php' ) ); ?>" class="twofa-activity-filters">
				<input type="hidden" name="page" value="<?php echo esc_attr( self::SLUG ); ?>" />
				<?php self::filter_fields( $form, $sites ); ?>
				<?php submit_button( __( 'Filter', 'twofa' ), 'secondary', '', false ); ?>
				<a class="button-link" href="<?php echo esc_url( self::url() ); ?>"><?php esc_html_e( 'Clear filters', 'twofa' ); ?></a>
			</form>
			<?php if ( $read['unknown_user'] ) : ?>
				<div class="notice notice-warning inline"><p><?php esc_html_e( 'No user has that ID, login or email address.', 'twofa' ); ?></p></div>
			<?php endif; ?>
			<table class="widefat striped twofa-activity-table">
				<thead>
					<tr>
						<th scope="col"><?php esc_html_e( 'Time', 'twofa' ); ?></th>
						<?php if ( $sites ) : ?>
							<th scope="col"><?php esc_html_e( 'Site', 'twofa' ); ?></th>
						<?php endif; ?>
						<th scope="col"><?php esc_html_e( 'User', 'twofa' ); ?></th>
						<th scope="col"><?php esc_html_e( 'Event', 'twofa' ); ?></th>
						<th scope="col"><?php esc_html_e( 'Method', 'twofa' ); ?></th>
						<th scope="col"><?php esc_html_e( 'By', 'twofa' ); ?></th>
						<th scope="col"><?php esc_html_e( 'IP address', 'twofa' ); ?></th>
						<th scope="col"><?php esc_html_e( 'Browser', 'twofa' ); ?></th>
						<th scope="col"><?php esc_html_e( 'Details', 'twofa' ); ?></th>
					</tr>
				</thead>
				<tbody>
					<?php if ( ! $rows ) : ?>
						<tr><td colspan="<?php echo $sites ? 9 : 8; ?>"><?php esc_html_e( 'No events match.', 'twofa' ); ?></td></tr>
					<?php endif; ?>
					<?php foreach ( $rows as $row ) : ?>
						<tr data-event="<?php echo esc_attr( $row['event'] ); ?>" data-user="<?php echo esc_attr( $row['user_id'] ); ?>">
							<td><?php echo esc_html( $row['time'] ); ?></td>
							<?php if ( $sites ) : ?>
								<td><?php echo esc_html( self::site_label( (int) $row['site'] ) ); ?></td>
							<?php endif; ?>
							<td><?php echo esc_html( $row['user'] ); ?></td>
							<td><?php echo esc_html( Twofa_Event_Log::label( $row['event'] ) ); ?></td>
							<td><?php echo esc_html( self::method_label( $row['method'] ) ); ?></td>
							<td><?php echo esc_html( self::actor_text( $row ) ); ?></td>
							<td><?php echo esc_html( $row['ip'] ); ?></td>
							<td class="twofa-ua"><?php echo esc_html( $row['user_agent'] ); ?></td>
							<td class="twofa-details"><?php echo esc_html( str_replace( ',', ', ', $row['details'] ) ); ?></td>
						</tr>
					<?php endforeach; ?>
				</tbody>
			</table>
			<div class="tablenav bottom">
				<div class="tablenav-pages">
					<?php
					$args = array_filter( $form, 'strlen' );
					if ( $page > 1 ) {
						printf( '<a class="button twofa-newer" href="%1$s">%2$s</a> ', esc_url( self::url( $args + array( 'paged' => $page - 1 ) ) ), esc_html__( '« Newer', 'twofa' ) );
					}
					/* translators: %d: page number. */
					echo '<span class="displaying-num">' . esc_html( sprintf( __( 'Page %d', 'twofa' ), $page ) ) . '</span> ';
					if ( $result['has_more'] ) {
						printf( '<a class="button twofa-older" href="%1$s">%2$s</a>', esc_url( self::url( $args + array( 'paged' => $page + 1 ) ) ), esc_html__( 'Older »', 'twofa' ) );
					}
					?>
				</div>
			</div>
			<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" class="twofa-activity-export">
				<input type="hidden" name="action" value="<?php echo esc_attr( self::EXPORT_ACTION ); ?>" />
				<input type="hidden" name="_wpnonce" value="<?php echo esc_attr( wp_create_nonce( self::EXPORT_ACTION ) ); ?>" />
				<?php foreach ( $form as $key => $value ) : ?>
					<input type="hidden" name="<?php echo esc_attr( $key ); ?>" value="<?php echo esc_attr( $value ); ?>" />
				<?php endforeach; ?>
				<?php submit_button( __( 'Export CSV', 'twofa' ), 'secondary', 'twofa_export', false ); ?>
				<span class="description"><?php esc_html_e( 'Every event that matches the filters above, not just this page.', 'twofa' ); ?></span>
			</form>
		</div>
		<?php
	}

	/**
	 * The filter inputs.
	 *
	 * @param array<string,string> $form  Current values.
	 * @param bool                 $sites Whether to offer the site filter.
	 */
	private static function filter_fields( array $form, bool $sites ): void {
		if ( $sites ) {
			?>
			<label for="twofa-filter-site"><?php esc_html_e( 'Site', 'twofa' ); ?></label>
			<select id="twofa-filter-site" name="site">
				<option value=""><?php esc_html_e( 'All sites', 'twofa' ); ?></option>
				<?php foreach ( get_sites( array( 'number' => 500 ) ) as $site ) : ?>
					<option value="<?php echo esc_attr( (string) $site->blog_id ); ?>" <?php selected( $form['site'], (string) $site->blog_id ); ?>><?php echo esc_html( self::site_label( (int) $site->blog_id ) ); ?></option>
				<?php endforeach; ?>
			</select>
			<?php
		}
		?>
		<label for="twofa-filter-user"><?php esc_html_e( 'User', 'twofa' ); ?></label>
		<input type="text" id="twofa-filter-user" name="user" value="<?php echo esc_attr( $form['user'] ); ?>" placeholder="<?php esc_attr_e( 'ID, login or email', 'twofa' ); ?>" />
		<label for="twofa-filter-event"><?php esc_html_e( 'Event', 'twofa' ); ?></label>
		<select id="twofa-filter-event" name="event">
			<option value=""><?php esc_html_e( 'All events', 'twofa' ); ?></option>
			<?php foreach ( Twofa_Events::EVENTS as $event ) : ?>
				<option value="<?php echo esc_attr( $event ); ?>" <?php selected( $form['event'], $event ); ?>><?php echo esc_html( Twofa_Event_Log::label( $event ) ); ?></option>
			<?php endforeach; ?>
		</select>
		<label for="twofa-filter-method"><?php esc_html_e( 'Method', 'twofa' ); ?></label>
		<select id="twofa-filter-method" name="method">
			<option value=""><?php esc_html_e( 'All methods', 'twofa' ); ?></option>
			<?php foreach ( Twofa_Event_Log::method_choices() as $id => $label ) : ?>
				<option value="<?php echo esc_attr( $id ); ?>" <?php selected( $form['method'], $id ); ?>><?php echo esc_html( $label ); ?></option>
			<?php endforeach; ?>
		</select>
		<label for="twofa-filter-from"><?php esc_html_e( 'From', 'twofa' ); ?></label>
		<input type="date" id="twofa-filter-from" name="from" value="<?php echo esc_attr( $form['from'] ); ?>" />
		<label for="twofa-filter-to"><?php esc_html_e( 'To', 'twofa' ); ?></label>
		<input type="date" id="twofa-filter-to" name="to" value="<?php echo esc_attr( $form['to'] ); ?>" />
		<?php
	}

	/**
	 * "administrator admin" when someone else acted, "" when the user did it.
	 *
	 * @param array<string,string> $row From Twofa_Event_Log::present().
	 */
	private static function actor_text( array $row ): string {
		if ( '0' === $row['actor_id'] ) {
			return 'cli' === $row['via'] ? __( 'WP-CLI', 'twofa' ) : __( 'the site', 'twofa' );
		}
		if ( $row['actor_id'] === $row['user_id'] ) {
			return '';
		}
		return $row['actor'];
	}

	/**
	 * A site's address without the scheme ("example.org/blog/"), or "#ID" when it is gone.
	 *
	 * @param int $site_id Site id.
	 */
	private static function site_label( int $site_id ): string {
		$site = get_site( $site_id );
		return $site ? $site->domain . $site->path : '#' . $site_id;
	}

	/**
	 * A method's name ('' stays '').
	 *
	 * @param string $method Method id.
	 */
	private static function method_label( string $method ): string {
		$choices = Twofa_Event_Log::method_choices();
		return $choices[ $method ] ?? $method;
	}

	/**
	 * Checks an export request; the filtered selection on success.
	 *
	 * @param array<string,mixed> $post Unslashed form fields.
	 * @return array<string,mixed>|WP_Error Filters for Twofa_Event_Log.
	 */
	public static function check_export( array $post ) {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			return new WP_Error( 'twofa_forbidden', __( 'Sorry, you are not allowed to export the two-factor activity.', 'twofa' ) );
		}
		$nonce = isset( $post['_wpnonce'] ) && is_string( $post['_wpnonce'] ) ? sanitize_text_field( $post['_wpnonce'] ) : '';
		if ( ! wp_verify_nonce( $nonce, self::EXPORT_ACTION ) ) {
			return new WP_Error( 'twofa_bad_nonce', __( 'The link you followed has expired. Reload the page and try again.', 'twofa' ) );
		}
		return self::read_filters( $post )['filters'];
	}

	/**
	 * admin-post.php?action=twofa_activity_export: the CSV file.
	 */
	public static function handle_export(): void {
		$post    = wp_unslash( $_POST ); // phpcs:ignore WordPress.Security.NonceVerification.Missing -- checked in check_export().
		$filters = self::check_export( is_array( $post ) ? $post : array() );
		if ( is_wp_error( $filters ) ) {
			wp_die( esc_html( $filters->get_error_message() ), esc_html__( 'Two-factor activity', 'twofa' ), array( 'response' => 403 ) );
		}
		nocache_headers();
		header( 'Content-Type: text/csv; charset=utf-8' );
		header( 'Content-Disposition: attachment; filename="twofa-activity-' . gmdate( 'Y-m-d' ) . '.csv"' );
		header( 'X-Content-Type-Options: nosniff' );
		$out = fopen( 'php://output', 'w' );
		fputcsv( $out, Twofa_Event_Log::CSV_COLUMNS, ',', '"', '' );
		( new Twofa_Event_Log() )->each(
			$filters,
			static function ( array $rows ) use ( $out ): void {
				Twofa_Event_Log::write_csv( $out, Twofa_Event_Log::present( $rows ) );
			}
		);
		fclose( $out );
		exit;
	}

	/**
	 * The Recent activity box on Configure 2FA: the user's last 20 events.
	 *
	 * @param int $user_id The current user.
	 */
	public static function render_recent( int $user_id ): void {
		$rows = Twofa_Event_Log::present( ( new Twofa_Event_Log() )->recent( $user_id ), false );
		?>
		<div class="card twofa-recent-activity" id="twofa-recent-activity">
			<h2 class="title"><?php esc_html_e( 'Recent activity', 'twofa' ); ?></h2>
			<?php if ( ! $rows ) : ?>
				<p><?php esc_html_e( 'No two-factor activity yet.', 'twofa' ); ?></p>
			<?php else : ?>
				<p class="description"><?php esc_html_e( 'Your last 20 two-factor events. If you do not recognise one, change your password and reconfigure your methods.', 'twofa' ); ?></p>
				<table class="widefat striped">
					<thead>
						<tr>
							<th scope="col"><?php esc_html_e( 'Time', 'twofa' ); ?></th>
							<th scope="col"><?php esc_html_e( 'Event', 'twofa' ); ?></th>
							<th scope="col"><?php esc_html_e( 'Method', 'twofa' ); ?></th>
							<th scope="col"><?php esc_html_e( 'IP address', 'twofa' ); ?></th>
							<th scope="col"><?php esc_html_e( 'Browser', 'twofa' ); ?></th>
						</tr>
					</thead>
					<tbody>
						<?php foreach ( $rows as $row ) : ?>
							<tr data-event="<?php echo esc_attr( $row['event'] ); ?>">
								<td><?php echo esc_html( $row['time'] ); ?></td>
								<td>
									<?php
									echo esc_html( Twofa_Event_Log::label( $row['event'] ) );
									if ( $row['actor_id'] !== $row['user_id'] && Twofa_Events::RESET !== $row['event'] ) {
										echo ' ' . esc_html__( '(by an administrator)', 'twofa' );
									}
									?>
								</td>
								<td><?php echo esc_html( self::method_label( $row['method'] ) ); ?></td>
								<td><?php echo esc_html( $row['ip'] ); ?></td>
								<td class="twofa-ua"><?php echo esc_html( $row['user_agent'] ); ?></td>
							</tr>
						<?php endforeach; ?>
					</tbody>
				</table>
			<?php endif; ?>
		</div>
		<?php
	}
}
