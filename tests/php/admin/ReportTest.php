<?php
/**
 * The adoption report on a seeded population: the sidecar's figures, the PHP fallback,
 * `wp twofa report` and the Users → 2FA Report page.
 */

require_once __DIR__ . '/class-admin-testcase.php';

final class ReportTest extends Admin_TestCase {

	/**
	 * The seeded role and users: role, ids by setup.
	 *
	 * @var array{role:string, totp:int[], email:int[], both:int[], none:int[]}|null
	 */
	private static $seed = null;

	/**
	 * 30 users in a fresh role: 10 authenticator only, 8 email only, 5 both, 7 none.
	 */
	private function seed(): array {
		if ( null !== self::$seed ) {
			return self::$seed;
		}
		$role = $this->make_role( 'twofa_report_', 'Report test role' );
		$seed = array(
			'role'  => $role,
			'totp'  => array(),
			'email' => array(),
			'both'  => array(),
			'none'  => array(),
		);
		foreach ( array( 'totp' => 10, 'email' => 8, 'both' => 5, 'none' => 7 ) as $kind => $n ) {
			for ( $i = 0; $i < $n; $i++ ) {
				$id = $this->make_user( $role )['id'];
				if ( 'totp' === $kind || 'both' === $kind ) {
					$this->give_totp( $id );
				}
				if ( 'email' === $kind || 'both' === $kind ) {
					$this->give_email( $id );
				}
				$seed[ $kind ][] = $id;
			}
		}
		return self::$seed = $seed;
	}

	private static function closed_port(): int {
		$sock = stream_socket_server( 'tcp://127.0.0.1:0' );
		$name = stream_socket_get_name( $sock, false );
		fclose( $sock );
		return (int) substr( $name, strrpos( $name, ':' ) + 1 );
	}

	public function test_sidecar_counts_the_seeded_role_exactly(): void {
		$seed   = $this->seed();
		$result = Twofa_Report::fetch( 1, 50, 'sidecar' );
		$this->assertNull( $result['error'], $result['error'] ? $result['error']->get_error_message() : '' );
		$this->assertSame( 'sidecar', $result['source'] );
		$this->assertSame(
			array(
				'users'    => 30,
				'with_2fa' => 23,
			),
			$result['report']['by_role'][ $seed['role'] ]
		);
	}

	public function test_php_fallback_gives_the_same_figures_as_the_sidecar(): void {
		$seed    = $this->seed();
		$sidecar = Twofa_Report::fetch( 2, 3, 'sidecar' )['report'];
		$php     = Twofa_Report::fetch( 2, 3, 'php' )['report'];
		$this->assertNotNull( $sidecar );
		$this->assertSame( array( 'users' => 30, 'with_2fa' => 23 ), $php['by_role'][ $seed['role'] ] );
		// WordPress counts only roles that still exist; the sidecar reads the capabilities meta
		// as stored, so a user of a since-deleted role differs in roles only.
		$existing = static function ( array $report ): array {
			$report['by_role'] = array_intersect_key( $report['by_role'], wp_roles()->get_names() );
			foreach ( $report['without_2fa_users']['items'] as &$item ) {
				$item['roles'] = array_values( array_filter( $item['roles'], array( wp_roles(), 'is_role' ) ) );
			}
			return $report;
		};
		$this->assertSame( $existing( $sidecar ), $existing( $php ), 'same totals, roles, methods and the same page of users without 2FA' );
		$this->assertGreaterThanOrEqual( 15, $php['by_method']['totp'] );
		$this->assertGreaterThanOrEqual( 13, $php['by_method']['email'] );
	}

	public function test_users_without_2fa_are_listed_page_by_page(): void {
		$seed  = $this->seed();
		$seen  = array();
		$total = null;
		for ( $page = 1; $page < 1000; $page++ ) {
			$report = Twofa_Report::fetch( $page, 7, 'sidecar' )['report'];
			$list   = $report['without_2fa_users'];
			$total  = $list['total'];
			$this->assertLessThanOrEqual( 7, count( $list['items'] ) );
			foreach ( $list['items'] as $item ) {
				$seen[] = $item['id'];
			}
			if ( $page * 7 >= $total ) {
				break;
			}
		}
		$this->assertCount( $total, $seen );
		$this->assertSame( $seen, array_values( array_unique( $seen ) ), 'no user on two pages' );
		foreach ( $seed['none'] as $id ) {
			$this->assertContains( $id, $seen );
		}
		foreach ( array_merge( $seed['totp'], $seed['email'], $seed['both'] ) as $id ) {
			$this->assertNotContains( $id, $seen );
		}
	}

	public function test_cli_report(): void {
		$seed = $this->seed();
		foreach ( array( 'sidecar', 'php' ) as $source ) {
			$r = $this->cli( 'report', '--format=json', '--source=' . $source );
			$this->assertSame( 0, $r['exit'], $r['stderr'] );
			$rows = array_column( json_decode( $r['stdout'], true ), null, 'role' );
			$this->assertSame(
				array(
					'role'        => $seed['role'],
					'users'       => 30,
					'with_2fa'    => 23,
					'without_2fa' => 7,
					'percent'     => 76.7,
				),
				$rows[ $seed['role'] ],
				$source
			);
			$this->assertArrayHasKey( 'all', $rows );
		}
		$r = $this->cli( 'report' );
		$this->assertMatchesRegularExpression( '/\|\s*' . $seed['role'] . '\s*\|\s*30\s*\|\s*23\s*\|\s*7\s*\|/', $r['stdout'] );
		$this->assertStringContainsString( 'Source: sidecar', $r['stdout'] );

		$r = $this->cli( 'report', '--without-2fa', '--format=csv', '--per-page=500' );
		$this->assertSame( 0, $r['exit'] );
		$this->assertStringStartsWith( "id,login,display_name,roles\n", $r['stdout'] );

		$r = $this->cli( 'report', '--per-page=0' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( '--per-page must be a whole number', $r['stderr'] );
	}

	public function test_cli_report_when_the_sidecar_is_down(): void {
		$seed = $this->seed();
		Twofa_Settings::update( array( 'sidecar_url' => 'http://127.0.0.1:' . self::closed_port() ) );
		$r = $this->cli( 'report', '--format=json' );
		$this->assertSame( 0, $r['exit'], $r['stderr'] );
		$this->assertStringContainsString( 'Warning: The sidecar could not give the report', $r['stderr'] );
		$rows = array_column( json_decode( $r['stdout'], true ), null, 'role' );
		$this->assertSame( 23, $rows[ $seed['role'] ]['with_2fa'] );

		$r = $this->cli( 'report', '--source=sidecar' );
		$this->assertSame( 1, $r['exit'] );
		$this->assertStringContainsString( 'Error: The sidecar could not give the report', $r['stderr'] );
	}

	public function test_report_page_shows_the_figures_and_links_to_users(): void {
		$seed  = $this->seed();
		$admin = $this->make_user( 'administrator' );
		$http  = $this->login( $admin );
		$total = Twofa_Report::compute( 1, 50 )['without_2fa_users']['total'];
		$last  = (int) ceil( $total / 50 );
		$http->get( '/wp-admin/users.php?page=twofa-report&paged=' . $last );
		$this->assertSame( 200, $http->last['status'] );
		$body = $http->last['body'];
		$this->assertMatchesRegularExpression( '#<tr data-role="' . $seed['role'] . '"><th scope="row">Report test role</th><td class="users">30</td><td class="with">23</td><td class="without">7</td>#', $body );
		$newest = end( $seed['none'] );
		$this->assertStringContainsString( 'data-user-id="' . $newest . '"', $body );
		$this->assertStringContainsString( 'user-edit.php?user_id=' . $newest, $body );
		$this->assertStringNotContainsString( 'data-user-id="' . $seed['both'][0] . '"', $body );
		$this->assertStringNotContainsString( 'could not give the report', $body );
	}

	public function test_report_page_says_plainly_when_the_sidecar_is_down(): void {
		$seed  = $this->seed();
		$admin = $this->make_user( 'administrator' );
		$http  = $this->login( $admin );
		Twofa_Settings::update( array( 'sidecar_url' => 'http://127.0.0.1:' . self::closed_port() ) );
		$http->get( '/wp-admin/users.php?page=twofa-report' );
		$this->assertSame( 200, $http->last['status'] );
		$this->assertStringContainsString( 'The twofa sidecar could not give the report: The email service is not reachable', $http->last['body'] );
		$this->assertStringNotContainsString( 'data-role="' . $seed['role'] . '"', $http->last['body'] );

		$http->get( '/wp-admin/users.php?page=twofa-report&source=php' );
		$this->assertStringContainsString( 'counted by WordPress itself', $http->last['body'] );
		$this->assertStringContainsString( '<td class="users">30</td><td class="with">23</td>', $http->last['body'] );
	}

	public function test_report_page_is_refused_without_list_users(): void {
		foreach ( array( 'editor', 'subscriber' ) as $role ) {
			$http = $this->login( $this->make_user( $role ) );
			$http->get( '/wp-admin/users.php?page=twofa-report' );
			$this->assertSame( 403, $http->last['status'], $role );
			$this->assertStringNotContainsString( 'twofa-report-roles', $http->last['body'] );
		}
	}
}
