<?php
/**
 * Translations (issue 14, item 11): the plugin's strings come from languages/ (registered when
 * the first class of the plugin loads, read when a twofa string is first translated), and the sidecar's emails follow the
 * recipient's locale, which the plugin sends in its signed request (the user's, else the
 * site's).
 */

require_once __DIR__ . '/class-admin-testcase.php';

final class TranslationsTest extends Admin_TestCase {

	/**
	 * A catalog written into languages/ by the test, removed after it.
	 *
	 * @var string
	 */
	private $mo = '';

	protected function tearDown(): void {
		if ( '' !== $this->mo ) {
			@unlink( $this->mo );
			$this->mo = '';
		}
		parent::tearDown();
	}

	public function test_plugin_strings_come_from_the_languages_folder_when_first_translated(): void {
		$dir = dirname( TWOFA_PLUGIN_FILE ) . '/languages';
		$this->assertFileExists( $dir . '/twofa.pot' );
		$po = tempnam( sys_get_temp_dir(), 'twofa-po' );
		file_put_contents( $po, "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\nmsgid \"Configure 2FA\"\nmsgstr \"2FA einrichten\"\n" );
		$this->mo = $dir . '/twofa-de_DE.mo';
		exec( 'msgfmt -o ' . escapeshellarg( $this->mo ) . ' ' . escapeshellarg( $po ), $out, $rc );
		unlink( $po );
		$this->assertSame( 0, $rc, 'msgfmt made the catalog' );

		// A fresh process: WordPress remembers per request which catalog a text domain has.
		$script = tempnam( sys_get_temp_dir(), 'twofa-l10n' );
		file_put_contents(
			$script,
			'<?php require getenv( "TWOFA_WP_DIR" ) . "/wp-load.php";'
			. ' if ( "de" === ( $argv[1] ?? "" ) ) { add_filter( "determine_locale", static fn() => "de_DE" ); }'
			// Every twofa string is in a class of the plugin: a class loads before its strings.
			. ' class_exists( "Twofa_Configure_Page" );'
			. ' echo is_textdomain_loaded( "twofa" ) ? "loaded|" : "not loaded|", __( "Configure 2FA", "twofa" ), "|", is_textdomain_loaded( "twofa" ) ? "loaded" : "not loaded";'
		);
		$run = static function ( string $arg ) use ( $script ): string {
			return (string) shell_exec( getenv( 'TWOFA_PHP' ) . ' ' . escapeshellarg( $script ) . ' ' . $arg . ' 2>&1' );
		};
		$de = $run( 'de' );
		$en = $run( 'en' );
		unlink( $script );
		$this->assertSame( 'not loaded|2FA einrichten|loaded', $de, 'read from languages/ when a twofa string is first translated' );
		$this->assertSame( 'not loaded|Configure 2FA|not loaded', $en, 'English without a catalog for the locale' );
	}

	public function test_the_sidecar_gets_the_users_locale_else_the_sites_and_mails_in_it(): void {
		$fr = $this->make_user();
		update_user_meta( $fr['id'], 'locale', 'fr_FR' );
		$plain = $this->make_user();
		$odd   = $this->make_user();
		update_user_meta( $odd['id'], 'locale', 'fr-FR"x' );
		$this->assertSame( array( 'locale' => 'fr_FR' ), Twofa_Sidecar_Client::locale_field( $fr['id'] ) );
		$this->assertSame( array( 'locale' => get_locale() ), Twofa_Sidecar_Client::locale_field( $plain['id'] ), 'the site locale' );
		$this->assertSame( array(), Twofa_Sidecar_Client::locale_field( $odd['id'] ), 'a malformed locale is not sent (English)' );

		$since = time();
		$this->assertTrue( Twofa_Notifier::send( $fr['id'], 'test' ) );
		$mail = quoted_printable_decode( (string) $this->latest_mail( $fr['email'], $since ) );
		$this->assertStringContainsString( 'Ceci est un e-mail de test de', $mail, 'a French email for a French user' );
		$this->assertTrue( Twofa_Notifier::send( $plain['id'], 'test' ) );
		$mail = quoted_printable_decode( (string) $this->latest_mail( $plain['email'], $since ) );
		$this->assertStringContainsString( 'This is a test email from', $mail, 'English for the site locale without a catalog' );
	}
}
