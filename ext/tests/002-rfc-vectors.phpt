--TEST--
RFC 6238 Appendix B (SHA-1) and RFC 4226 Appendix D vectors through PHP
--EXTENSIONS--
twofa
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
echo twofa_totp_code(RFC_SECRET, 59), "\n";
// RFC 6238 lists 8-digit values; the 6-digit code is their last six digits.
$rfc6238 = [59 => '94287082', 1111111109 => '07081804', 1111111111 => '14050471',
    1234567890 => '89005924', 2000000000 => '69279037', 20000000000 => '65353130'];
foreach ($rfc6238 as $t => $eight) {
    $code = twofa_totp_code(RFC_SECRET, $t);
    echo $t, ' ', $code, ' ', $code === substr($eight, 2) ? 'ok' : 'MISMATCH', "\n";
    var_dump(twofa_totp_verify(RFC_SECRET, $code, $t) === intdiv($t, 30));
}
// RFC 4226: HOTP counter c is TOTP at time 30c.
$rfc4226 = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
foreach ($rfc4226 as $counter => $want) {
    echo $counter, ' ', twofa_totp_code(RFC_SECRET, $counter * 30) === $want ? 'ok' : 'MISMATCH', "\n";
}
// Lower case and spaces in the secret, as apps display it.
echo twofa_totp_code('gezd gnbv gy3t qojq gezd gnbv gy3t qojq', 59), "\n";
?>
--EXPECT--
287082
59 287082 ok
bool(true)
1111111109 081804 ok
bool(true)
1111111111 050471 ok
bool(true)
1234567890 005924 ok
bool(true)
2000000000 279037 ok
bool(true)
20000000000 353130 ok
bool(true)
0 ok
1 ok
2 ok
3 ok
4 ok
5 ok
6 ok
7 ok
8 ok
9 ok
287082
