<?php
/**
 * The demo mailbox: MIME parsing of outbox messages, escaping, and that nothing of it exists
 * outside demo mode (the test stack does not define TWOFA_DEMO).
 */

/**
 * Twofa_Demo_Mailbox against real files and the real served site.
 */
final class DemoMailboxTest extends Twofa_TestCase {

	/**
	 * A scratch outbox folder.
	 *
	 * @var string
	 */
	private $dir;

	protected function setUp(): void {
		parent::setUp();
		$this->dir = sys_get_temp_dir() . '/twofa-mailbox-' . bin2hex( random_bytes( 6 ) );
		mkdir( $this->dir, 0700 );
	}

	protected function tearDown(): void {
		foreach ( glob( $this->dir . '/{,.}*', GLOB_BRACE ) ?: array() as $file ) {
			if ( is_file( $file ) || is_link( $file ) ) {
				unlink( $file );
			}
		}
		rmdir( $this->dir );
		parent::tearDown();
	}

	private function multipart( string $text_headers, string $text_body ): string {
		return "From: site <wordpress@example.test>\r\n"
			. "To: Sam <sam@example.test>\r\n"
			. "Subject: =?utf-8?q?Your_code_=E2=80=94_twofa?=\r\n"
			. "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
			. "Message-ID: <123456789012@example.test>\r\n"
			. "MIME-Version: 1.0\r\n"
			. "Content-Type: multipart/alternative;\r\n boundary=\"b1\"\r\n"
			. "\r\n"
			. "--b1\r\n"
			. $text_headers . "\r\n\r\n"
			. $text_body . "\r\n"
			. "--b1\r\n"
			. "Content-Type: text/html; charset=utf-8\r\n\r\n"
			. "<p>HTML 999999</p>\r\n"
			. "--b1--\r\n";
	}

	public function test_quoted_printable_text_part_and_encoded_subject(): void {
		$raw = $this->multipart(
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable",
			"Hello Sam,\r\n\r\n    482913\r\n\r\nIt expires in 10 minutes =E2=80=94 soon.=\r\n Bye."
		);
		$m = Twofa_Demo_Mailbox::parse( $raw );
		$this->assertSame( 'Your code — twofa', $m['subject'] );
		$this->assertSame( 'Sam <sam@example.test>', $m['to'] );
		$this->assertStringContainsString( '482913', $m['text'] );
		$this->assertStringContainsString( "10 minutes — soon. Bye.", $m['text'] );
		$this->assertStringNotContainsString( '999999', $m['text'], 'the HTML part is not shown' );
		$this->assertStringNotContainsString( '123456789012', $m['text'], 'headers are not part of the text' );
	}

	public function test_base64_text_part(): void {
		$raw = $this->multipart(
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64",
			chunk_split( base64_encode( "Your code:\n\n    105577\n" ), 20, "\r\n" )
		);
		$this->assertSame( "Your code:\n\n    105577", Twofa_Demo_Mailbox::parse( $raw )['text'] );
	}

	public function test_single_part_message(): void {
		$raw = "To: a@example.test\nSubject: Plain\nContent-Type: text/plain\n\nJust text 314159\n";
		$m   = Twofa_Demo_Mailbox::parse( $raw );
		$this->assertSame( 'Plain', $m['subject'] );
		$this->assertSame( 'Just text 314159', $m['text'] );
	}

	public function test_hostile_messages_give_no_text_and_no_error(): void {
		// A multipart without a boundary, an HTML-only message, and nesting far too deep.
		$this->assertSame( '', Twofa_Demo_Mailbox::parse( "Content-Type: multipart/mixed\n\n--x\n\nhi\n" )['text'] );
		$this->assertSame( '', Twofa_Demo_Mailbox::parse( "Content-Type: text/html\n\n<b>hi</b>\n" )['text'] );
		$deep = "Content-Type: text/plain\n\nbottom";
		for ( $i = 0; $i < 10; $i++ ) {
			$deep = "Content-Type: multipart/mixed; boundary=\"d$i\"\n\n--d$i\n" . $deep . "\n--d$i--\n";
		}
		$this->assertSame( '', Twofa_Demo_Mailbox::parse( $deep )['text'] );
		// Bytes that are not UTF-8 never reach the page as such.
		$latin = Twofa_Demo_Mailbox::parse( "Content-Type: text/plain\n\ncaf\xE9" )['text'];
		$this->assertTrue( mb_check_encoding( $latin, 'UTF-8' ) );
		$this->assertSame( 'café', $latin );
	}

	public function test_messages_newest_first_limited_and_only_eml_files(): void {
		$now = time();
		for ( $i = 0; $i < 5; $i++ ) {
			$file = $this->dir . "/m$i.eml";
			file_put_contents( $file, "To: u$i@example.test\nSubject: n$i\nContent-Type: text/plain\n\ncode $i\n" );
			touch( $file, $now - 100 + $i );
		}
		file_put_contents( $this->dir . '/.half.tmp', "To: x@example.test\n\npartial" );
		file_put_contents( $this->dir . '/notes.txt', 'not a message' );
		symlink( '/etc/passwd', $this->dir . '/leak.eml' );

		$list = Twofa_Demo_Mailbox::messages( $this->dir, 3 );
		$this->assertSame( array( 'n4', 'n3', 'n2' ), array_column( $list, 'subject' ) );
		$this->assertSame( 'code 4', $list[0]['text'] );
		$all = Twofa_Demo_Mailbox::messages( $this->dir );
		$this->assertCount( 5, $all, 'temp files, other files and symlinks are not listed' );
		$this->assertSame( array(), Twofa_Demo_Mailbox::messages( $this->dir . '/missing' ) );
	}

	public function test_render_escapes_every_value(): void {
		$html = Twofa_Demo_Mailbox::render(
			array(
				array(
					'file'    => 'a.eml',
					'time'    => time(),
					'to'      => '<b>x</b>@example.test',
					'subject' => '<script>alert(1)</script>',
					'date'    => '',
					'text'    => "code <img src=x onerror=alert(2)>\n  271828",
				),
			)
		);
		$this->assertStringNotContainsString( '<script>', $html );
		$this->assertStringNotContainsString( '<img', $html );
		$this->assertStringNotContainsString( '<b>x</b>', $html );
		$this->assertStringContainsString( '&lt;script&gt;alert(1)&lt;/script&gt;', $html );
		$this->assertStringContainsString( '271828', $html );
		$this->assertStringContainsString( 'role="status"', $html );
		$this->assertStringContainsString( 'No emails yet', Twofa_Demo_Mailbox::render( array() ) );
	}

	public function test_nothing_is_registered_outside_demo_mode(): void {
		$this->assertFalse( defined( 'TWOFA_DEMO' ) && TWOFA_DEMO, 'the test stack is not in demo mode' );
		$this->assertFalse( Twofa_Demo_Mailbox::enabled() );
		$this->assertFalse( has_action( 'login_form_' . Twofa_Demo_Mailbox::ACTION ) );
		$this->assertFalse( has_action( 'login_footer', array( 'Twofa_Demo_Mailbox', 'login_footer_link' ) ) );

		// The served site: the action is unknown, so wp-login.php shows its login form instead.
		$http = new Http_Client();
		$res  = $http->get( '/wp-login.php?action=' . Twofa_Demo_Mailbox::ACTION );
		$this->assertSame( 200, $res['status'] );
		$this->assertStringContainsString( 'name="log"', $res['body'] );
		$this->assertStringNotContainsString( 'Demo mailbox', $res['body'] );
	}
}
