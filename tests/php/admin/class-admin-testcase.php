<?php
/**
 * Shared pieces of the site-owner tool tests: the WP-CLI stand-in, logging in over HTTP,
 * reading the fields of one form of a page.
 */

require_once dirname( __DIR__, 2 ) . '/wp-cli/class-wp-cli.php';
require_once dirname( __DIR__, 2 ) . '/wp-cli/utils.php';

/**
 * Base class of tests/php/admin.
 */
abstract class Admin_TestCase extends Twofa_TestCase {

	/**
	 * Users and roles made by this class's tests, removed after its last test so later
	 * suites see the site as it was.
	 *
	 * @var array{users: int[], roles: string[]}
	 */
	private static $made = array(
		'users' => array(),
		'roles' => array(),
	);

	protected function setUp(): void {
		parent::setUp();
		WP_CLI::reset();
		WP_CLI::add_command( 'twofa', 'Twofa_CLI_Command' );
		WP_CLI::add_command( 'twofa policy', 'Twofa_CLI_Policy_Command' );
	}

	public static function tearDownAfterClass(): void {
		foreach ( self::$made['users'] as $id ) {
			wp_delete_user( $id );
		}
		foreach ( self::$made['roles'] as $role ) {
			remove_role( $role );
		}
		self::$made = array(
			'users' => array(),
			'roles' => array(),
		);
		parent::tearDownAfterClass();
	}

	/**
	 * A real user, removed after the class's last test.
	 *
	 * @param string $role Role.
	 * @return array{id:int, login:string, password:string, email:string}
	 */
	protected function make_user( string $role = 'subscriber' ): array {
		$user                   = parent::make_user( $role );
		self::$made['users'][] = $user['id'];
		return $user;
	}

	/**
	 * A new role with only `read`, removed after the class's last test.
	 *
	 * @param string $prefix Start of the role's slug.
	 * @param string $name   Display name.
	 */
	protected function make_role( string $prefix, string $name ): string {
		$role = $prefix . bin2hex( random_bytes( 4 ) );
		add_role( $role, $name, array( 'read' => true ) );
		self::$made['roles'][] = $role;
		return $role;
	}

	/**
	 * Runs `wp twofa …` through the stand-in.
	 *
	 * @param string ...$words Words after `wp twofa`.
	 * @return array{exit:int, stdout:string, stderr:string}
	 */
	protected function cli( string ...$words ): array {
		wp_cache_flush();
		$result = WP_CLI::run( array_merge( array( 'twofa' ), $words ) );
		wp_cache_flush();
		return $result;
	}

	/**
	 * A client logged in to the served site as the given user (no 2FA configured).
	 *
	 * @param array{login:string, password:string} $user User from make_user().
	 */
	protected function login( array $user ): Http_Client {
		$http = new Http_Client();
		$http->get( '/wp-login.php' );
		$http->post(
			'/wp-login.php',
			array(
				'log'         => $user['login'],
				'pwd'         => $user['password'],
				'wp-submit'   => 'Log In',
				'testcookie'  => '1',
				'redirect_to' => '/wp-admin/',
			)
		);
		$this->assertTrue( $http->has_login_cookie(), 'logged in as ' . $user['login'] . ' (status ' . $http->last['status'] . ')' );
		return $http;
	}

	/**
	 * Every named input (and checked box) of the form whose action ends with $action_suffix,
	 * in the last response: name => value, or name => list for "x[]" names.
	 *
	 * @param Http_Client $http          Client.
	 * @param string      $action_suffix E.g. "options.php".
	 * @return array<string,mixed>
	 */
	protected function form_fields( Http_Client $http, string $action_suffix ): array {
		$doc = new DOMDocument();
		libxml_use_internal_errors( true );
		$doc->loadHTML( $http->last['body'] );
		libxml_clear_errors();
		foreach ( $doc->getElementsByTagName( 'form' ) as $form ) {
			if ( substr( $form->getAttribute( 'action' ), -strlen( $action_suffix ) ) !== $action_suffix ) {
				continue;
			}
			$fields = array();
			foreach ( ( new DOMXPath( $doc ) )->query( './/input', $form ) as $input ) {
				$name = $input->getAttribute( 'name' );
				$type = $input->getAttribute( 'type' );
				if ( '' === $name || ( in_array( $type, array( 'checkbox', 'radio' ), true ) && ! $input->hasAttribute( 'checked' ) ) || 'submit' === $type ) {
					continue;
				}
				if ( '[]' === substr( $name, -2 ) ) {
					$fields[ substr( $name, 0, -2 ) ][] = $input->getAttribute( 'value' );
				} else {
					$fields[ $name ] = $input->getAttribute( 'value' );
				}
			}
			return $fields;
		}
		$this->fail( 'no form posting to ' . $action_suffix . ' on the page' );
	}

	/**
	 * Turns flat "option[field]" names into the nested array http_build_query needs.
	 *
	 * @param array<string,mixed> $fields Flat fields.
	 * @return array<string,mixed>
	 */
	protected function nest( array $fields ): array {
		$out = array();
		foreach ( $fields as $name => $value ) {
			if ( preg_match( '/^([^\[]+)\[([^\]]+)\]$/', $name, $m ) ) {
				$out[ $m[1] ][ $m[2] ] = $value;
			} else {
				$out[ $name ] = $value;
			}
		}
		return $out;
	}

	/**
	 * The stored option, fresh from the database.
	 *
	 * @return mixed
	 */
	protected function stored_settings() {
		wp_cache_delete( 'alloptions', 'options' );
		wp_cache_delete( Twofa_Settings::OPTION, 'options' );
		wp_cache_delete( 'notoptions', 'options' );
		return get_option( Twofa_Settings::OPTION );
	}
}
