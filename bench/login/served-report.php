<?php
/**
 * Report of served.sh: pairs labels.txt with the per-request callgrind dumps,
 * prints the minimum per kind, the ratios against twofa inactive, the code
 * step against the password step, and the database queries of each step.
 *
 * Usage: php served-report.php OUTDIR
 */

$out    = rtrim( $argv[1] ?? '', '/' );
$labels = file( $out . '/labels.txt', FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES );
$dumps  = glob( $out . '/cg.out.*' );
if ( ! $labels || ! $dumps ) {
	fwrite( STDERR, "served-report: no labels or no dumps in $out\n" );
	exit( 1 );
}
usort( $dumps, static fn( $a, $b ) => (int) substr( strrchr( $a, '.' ), 1 ) <=> (int) substr( strrchr( $b, '.' ), 1 ) );
if ( count( $dumps ) < count( $labels ) ) {
	fwrite( STDERR, sprintf( "served-report: %d requests but %d dumps\n", count( $labels ), count( $dumps ) ) );
	exit( 1 );
}
$dumps = array_slice( $dumps, count( $dumps ) - count( $labels ) );

$min = array();
$all = array();
foreach ( $labels as $i => $label ) {
	$text = (string) file_get_contents( $dumps[ $i ] );
	if ( ! preg_match( '/^(?:summary|totals): (\d+)/m', $text, $m ) ) {
		fwrite( STDERR, "served-report: no total in {$dumps[ $i ]}\n" );
		exit( 1 );
	}
	$n               = (int) $m[1];
	$all[ $label ][] = $n;
	$min[ $label ]   = isset( $min[ $label ] ) ? min( $min[ $label ], $n ) : $n;
}

foreach ( array( 'front', 'login' ) as $page ) {
	$a    = $min[ "$page active" ];
	$b    = $min[ "$page inactive" ];
	$name = 'front' === $page ? 'front page' : 'logged-out wp-login.php';
	printf(
		"php -S, OPcache shm: %s, twofa active vs inactive: %s vs %s instructions (min of %d); active/inactive = %+.3f %%\n",
		$name,
		number_format( $a ),
		number_format( $b ),
		count( $all[ "$page active" ] ),
		100 * ( $a / $b - 1 )
	);
}
$pw   = $min['password-step'];
$code = $min['code-step'];
printf(
	"php -S, OPcache shm: password step %s, code step %s instructions (min of %d); code / password = %.3f (target <= 0.333)\n",
	number_format( $pw ),
	number_format( $code ),
	count( $all['code-step'] ),
	$code / $pw
);

$plain = $min['password-only'];
printf(
	"php -S, OPcache shm: password-only login %s instructions; a complete two-step login (password step + code step) %s = %.3f x password-only (logins/s ceiling of two-step / password-only: %.3f)\n",
	number_format( $plain ),
	number_format( $pw + $code ),
	( $pw + $code ) / $plain,
	$plain / ( $pw + $code )
);

$log  = $out . '/queries.jsonl';
$peak = array();
if ( is_file( $log ) ) {
	foreach ( file( $log, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES ) as $line ) {
		$q = json_decode( $line, true );
		if ( ! is_array( $q ) ) {
			continue;
		}
		$peak[ $q['step'] ] = (int) $q['peak'];
		printf( "%s: %d queries; twofa classes loaded: %s; translations %s\n", $q['step'], $q['queries'], $q['classes'] ? implode( ' ', $q['classes'] ) : 'none', $q['twofa'] ? 'loaded' : 'not asked for' );
		if ( in_array( $q['step'], array( 'password-step', 'code-step', 'password-only' ), true ) ) {
			foreach ( $q['sql'] as $k => $sql ) {
				printf( "  %2d. %s\n", $k + 1, strlen( $sql ) > 150 ? substr( $sql, 0, 147 ) . '...' : $sql );
			}
		}
	}
}
if ( isset( $peak['front active'], $peak['front inactive'] ) ) {
	printf(
		"php -S, OPcache shm: front page peak memory (memory_get_peak_usage, SAVEQUERIES on in both): active %s vs inactive %s bytes = %+.1f KB (target <= +100 KB)\n",
		number_format( $peak['front active'] ),
		number_format( $peak['front inactive'] ),
		( $peak['front active'] - $peak['front inactive'] ) / 1024
	);
}
