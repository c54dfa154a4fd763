<?php
/**
 * One definition of "has 2FA" (docs/CONTRACTS.md): a method's key counts only when its row
 * holds a value other than "" and "0". Rows holding "0" or "" are seeded, and every surface
 * must agree: the login, the user state, the Users column, its "Without 2FA" view and count,
 * `wp twofa list` / `status`, the report counted in PHP and the sidecar's report.
 */

require_once __DIR__ . '/class-admin-testcase.php';

final class HasTwoFactorTest extends Admin_TestCase {

	/**
	 * A fresh role with four users: zero (both keys "0"), empty (both keys ""), padded
	 * (email key "0 ", which a padding collation would equal to "0") and real (both methods).
	 *
	 * @return array{role:string, zero:int, empty:int, padded:int, real:int}
	 */
	private function seed(): array {
		$role = $this->make_role( 'twofa_has_', 'Has-2FA test role' );
		$out  = array( 'role' => $role );
		foreach ( array( 'zero', 'empty', 'padded', 'real' ) as $name ) {
			$out[ $name ] = $this->make_user( $role )['id'];
		}
		foreach ( array( Twofa_Provider_Totp::SECRET, Twofa_Provider_Email::ENABLED ) as $key ) {
			update_user_meta( $out['zero'], $key, '0' );
			update_user_meta( $out['empty'], $key, '' );
		}
		update_user_meta( $out['zero'], Twofa_User_State::PRIMARY, 'email' );
		update_user_meta( $out['padded'], Twofa_Provider_Email::ENABLED, '0 ' );
		$this->give_totp( $out['real'] );
		$this->give_email( $out['real'] );
		wp_cache_flush();
		return $out;
	}

	public function test_every_surface_agrees_on_rows_holding_0_or_empty(): void {
		$s        = $this->seed();
		$expected = array(
			$s['zero']   => '',
			$s['empty']  => '',
			$s['padded'] => 'email',
			$s['real']   => 'totp,email',
		);
		$without  = array( $s['zero'], $s['empty'] );

		// The user state and the login.
		foreach ( $expected as $id => $methods ) {
			$this->assertSame( $methods, implode( ',', Twofa_User_State::configured_methods( $id ) ), "configured methods of $id" );
			$this->assertSame( '' !== $methods, Twofa_User_State::has_2fa( $id ), "has_2fa of $id" );
			$this->assertSame( '' === $methods ? Twofa_Login_Flow::NONE : Twofa_Login_Flow::CHALLENGE, Twofa_Login_Flow::requirement( get_userdata( $id ) ), "login of $id" );
		}
		$this->assertNull( Twofa_User_State::primary( $s['zero'] ), 'no primary from a 0 row' );

		// `wp twofa list`, with and without filters, and `status`.
		$list = function ( string ...$words ): array {
			$r = $this->cli( 'list', '--role=' . $this->role_of_test, '--format=json', ...$words );
			$this->assertSame( 0, $r['exit'], $r['stderr'] );
			return json_decode( $r['stdout'], true );
		};
		$this->role_of_test = $s['role'];
		$rows               = $list();
		$this->assertSame( $expected, array_column( $rows, 'methods', 'id' ) );
		$this->assertSame( $without, array_column( $list( '--without-2fa' ), 'id' ) );
		$this->assertSame( array( $s['padded'], $s['real'] ), array_column( $list( '--method=email' ), 'id' ) );
		$this->assertSame( array( $s['real'] ), array_column( $list( '--method=totp' ), 'id' ) );
		$status = json_decode( $this->cli( 'status', (string) $s['zero'], '--format=json' )['stdout'], true );
		$this->assertSame( array(), $status['methods'] );
		$this->assertNull( $status['primary'] );

		// The Users column, the "Without 2FA" view and its count, over HTTP.
		$http = $this->login( $this->make_user( 'administrator' ) );
		$http->get( '/wp-admin/users.php?role=' . $s['role'] );
		$body = $http->last['body'];
		foreach ( $expected as $id => $methods ) {
			$this->assertSame( 1, preg_match( '#<tr id=[\'"]user-' . $id . '[\'"]>(.*?)</tr>#s', $body, $m ), "row of user $id" );
			if ( '' === $methods ) {
				$this->assertStringContainsString( '<span class="screen-reader-text">None</span>', $m[1], "column of $id" );
				$this->assertStringNotContainsString( 'twofa-method', $m[1], "column of $id" );
			} else {
				foreach ( explode( ',', $methods ) as $method ) {
					$this->assertStringContainsString( 'twofa-method-' . $method . '"', $m[1], "column of $id" );
				}
			}
		}
		$http->get( '/wp-admin/users.php?twofa=without&role=' . $s['role'] );
		foreach ( $expected as $id => $methods ) {
			$this->assertSame( '' === $methods, false !== strpos( $http->last['body'], "id='user-$id'" ), "Without 2FA view, user $id" );
		}
		$everyone = 0;
		foreach ( get_users( array( 'fields' => 'ID' ) ) as $id ) {
			$everyone += Twofa_User_State::has_2fa( (int) $id ) ? 0 : 1;
		}
		$count = Twofa_Users_Column::count_without_2fa();
		$this->assertSame( $everyone, $count, 'the count is the users without 2FA by the one rule' );
		$http->get( '/wp-admin/users.php' );
		$this->assertMatchesRegularExpression( '#Without 2FA <span class="count">\(' . $count . '\)</span>#', $http->last['body'] );

		// The report, counted in PHP and by the sidecar.
		$php = Twofa_Report::fetch( 1, 500, 'php' )['report'];
		$this->assertSame( array( 'users' => 4, 'with_2fa' => 2 ), $php['by_role'][ $s['role'] ] );
		$this->assertSame( $count, $php['without_2fa'] );
		if ( '1' === getenv( 'TWOFA_SIDECAR_RUNNING' ) ) {
			$sidecar = Twofa_Report::fetch( 1, 500, 'sidecar' );
			$this->assertNull( $sidecar['error'], $sidecar['error'] ? $sidecar['error']->get_error_message() : '' );
			$this->assertSame( $php['by_role'][ $s['role'] ], $sidecar['report']['by_role'][ $s['role'] ] );
			$this->assertSame( $php['with_2fa'], $sidecar['report']['with_2fa'] );
			$this->assertSame( $php['by_method'], $sidecar['report']['by_method'] );
			foreach ( $expected as $id => $methods ) {
				$user = ( new Twofa_Sidecar_Client() )->user( $id );
				$this->assertIsArray( $user, "sidecar user $id" );
				$this->assertSame( $methods, implode( ',', $user['methods'] ), "sidecar methods of $id" );
			}
		}
	}

	/**
	 * The role of the running test (for the list helper).
	 *
	 * @var string
	 */
	private $role_of_test = '';
}
