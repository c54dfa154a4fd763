<?php
/**
 * The "2FA" column and the "Without 2FA" view of Users: over HTTP, and rendered in process
 * to count queries (no query per row).
 */

require_once __DIR__ . '/class-admin-testcase.php';

final class UsersColumnTest extends Admin_TestCase {

	/**
	 * A fresh role with $n users; the first gets an authenticator, the second both methods
	 * with email as primary, the rest nothing.
	 *
	 * @param int $n Users.
	 * @return array{role:string, ids:int[]}
	 */
	private function population( int $n ): array {
		$role = $this->make_role( 'twofa_col_', 'Column test role' );
		$ids = array();
		for ( $i = 0; $i < $n; $i++ ) {
			$ids[] = $this->make_user( $role )['id'];
		}
		$this->give_totp( $ids[0] );
		$this->give_totp( $ids[1] );
		$this->give_email( $ids[1] );
		update_user_meta( $ids[1], Twofa_User_State::PRIMARY, 'email' );
		return array(
			'role' => $role,
			'ids'  => $ids,
		);
	}

	/**
	 * The HTML of one user's row in the last response.
	 *
	 * @param string $body Page.
	 * @param int    $id   User ID.
	 */
	private function row( string $body, int $id ): string {
		$this->assertSame( 1, preg_match( '#<tr id=[\'"]user-' . $id . '[\'"]>(.*?)</tr>#s', $body, $m ), "row of user $id" );
		return $m[1];
	}

	public function test_column_shows_methods_with_the_primary_marked(): void {
		$pop  = $this->population( 3 );
		$http = $this->login( $this->make_user( 'administrator' ) );
		$http->get( '/wp-admin/users.php?role=' . $pop['role'] );
		$this->assertSame( 200, $http->last['status'] );
		$body = $http->last['body'];
		$this->assertMatchesRegularExpression( '#<th scope=.col. id=.twofa. class=.manage-column column-twofa.>2FA</th>#', $body );

		$this->assertStringContainsString( '<strong>Google Authenticator (primary)</strong>', $this->row( $body, $pop['ids'][0] ) );
		$both = $this->row( $body, $pop['ids'][1] );
		$this->assertStringContainsString( '<strong>OTP over Email (primary)</strong>', $both );
		$this->assertMatchesRegularExpression( '#twofa-method-totp">Google Authenticator</span>#', $both );
		$none = $this->row( $body, $pop['ids'][2] );
		$this->assertStringContainsString( '<span class="screen-reader-text">None</span>', $none );
		$this->assertStringNotContainsString( 'twofa-method', $none );
	}

	public function test_without_2fa_view_lists_only_users_without_a_method(): void {
		$pop  = $this->population( 4 );
		$http = $this->login( $this->make_user( 'administrator' ) );
		$http->get( '/wp-admin/users.php' );
		$count = Twofa_Users_Column::count_without_2fa();
		$this->assertMatchesRegularExpression( '#<a href="[^"]*users\.php\?twofa=without">Without 2FA <span class="count">\(' . $count . '\)</span></a>#', $http->last['body'] );

		$http->get( '/wp-admin/users.php?twofa=without&role=' . $pop['role'] );
		$body = $http->last['body'];
		$this->assertStringNotContainsString( "id='user-{$pop['ids'][0]}'", $body );
		$this->assertStringNotContainsString( "id='user-{$pop['ids'][1]}'", $body );
		$this->assertStringContainsString( "id='user-{$pop['ids'][2]}'", $body );
		$this->assertStringContainsString( "id='user-{$pop['ids'][3]}'", $body );
		$this->assertMatchesRegularExpression( '#class="current" aria-current="page">Without 2FA#', $body );

		$count_before = $count;
		$this->give_email( $pop['ids'][2] );
		$this->assertSame( $count_before - 1, Twofa_Users_Column::count_without_2fa() );
	}

	/**
	 * Queries made by preparing and rendering the Users list of one role.
	 *
	 * @param string $role Role.
	 * @return array{0:int, 1:string} Query count and the rows' HTML.
	 */
	private function render_queries( string $role ): array {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/class-wp-screen.php';
		require_once ABSPATH . 'wp-admin/includes/screen.php';
		require_once ABSPATH . 'wp-admin/includes/template.php';
		require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
		require_once ABSPATH . 'wp-admin/includes/class-wp-users-list-table.php';
		$_REQUEST['role'] = $role;
		$_GET['role']     = $role;
		set_current_screen( 'users' );
		wp_cache_flush();
		$table  = new WP_Users_List_Table( array( 'screen' => 'users' ) );
		$before = $wpdb->num_queries;
		$table->prepare_items();
		ob_start();
		$table->display_rows();
		$html = (string) ob_get_clean();
		$n    = $wpdb->num_queries - $before;
		unset( $_REQUEST['role'], $_GET['role'] );
		return array( $n, $html );
	}

	public function test_no_query_per_row(): void {
		$admin = $this->make_user( 'administrator' );
		$small = $this->population( 3 );
		$large = $this->population( 15 );
		wp_set_current_user( $admin['id'] );
		list( $q_small, $html_small ) = $this->render_queries( $small['role'] );
		list( $q_large, $html_large ) = $this->render_queries( $large['role'] );
		$this->assertSame( 3, substr_count( $html_small, "<tr id='user-" ) );
		$this->assertSame( 15, substr_count( $html_large, "<tr id='user-" ) );
		$this->assertStringContainsString( 'OTP over Email (primary)', $html_large );
		$this->assertSame( $q_small, $q_large, "queries for 3 users ($q_small) and for 15 users ($q_large)" );
	}
}
