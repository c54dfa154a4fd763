<?php
/**
 * Test-only page copied into the stack's WordPress (no WordPress loaded): which twofa extension
 * file this PHP server loaded, as "FILE DEV:INODE" (see ext_check_report in tests/stack/lib.sh).
 */

header( 'Content-Type: text/plain; charset=utf-8' );
header( 'Cache-Control: no-store' );
if ( ! function_exists( 'twofa_extension_file' ) ) {
	echo 'none';
	return;
}
$twofa_file = twofa_extension_file();
$twofa_stat = @stat( $twofa_file ); // phpcs:ignore WordPress.PHP.NoSilencedErrors -- a missing file is reported, not warned about.
echo $twofa_file, ' ', $twofa_stat ? $twofa_stat['dev'] . ':' . $twofa_stat['ino'] : '-';
