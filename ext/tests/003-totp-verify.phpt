--TEST--
twofa_totp_verify: one step either side, replay refused, malformed codes false, bad secret/time throw
--EXTENSIONS--
twofa
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$t = 1700000000;
$step = intdiv($t, 30);
echo "step $step\n";
foreach ([-90, -60, -30, 0, 30, 60, 90] as $offset) {
    $r = twofa_totp_verify(RFC_SECRET, twofa_totp_code(RFC_SECRET, $t + $offset), $t);
    echo $offset, ' => ', var_export($r === false ? false : $r - $step, true), "\n";
}
$code = twofa_totp_code(RFC_SECRET, $t);
echo "replay\n";
var_dump(twofa_totp_verify(RFC_SECRET, $code, $t, $step - 1) === $step);
var_dump(twofa_totp_verify(RFC_SECRET, $code, $t, $step));
var_dump(twofa_totp_verify(RFC_SECRET, $code, $t + 29, $step));
var_dump(twofa_totp_verify(RFC_SECRET, $code, $t, PHP_INT_MAX));
var_dump(twofa_totp_verify(RFC_SECRET, $code, $t, PHP_INT_MIN) === $step);
// The previous step's code after the current one was accepted.
var_dump(twofa_totp_verify(RFC_SECRET, twofa_totp_code(RFC_SECRET, $t - 30), $t, $step));
echo "spaces\n";
var_dump(twofa_totp_verify(RFC_SECRET, ' ' . substr($code, 0, 3) . ' ' . substr($code, 3) . ' ', $t) === $step);
echo "malformed codes\n";
$malformed = ['', ' ', substr($code, 0, 5), $code . '1', '+' . substr($code, 1), '-' . substr($code, 1),
    "\t$code", "$code\n", "$code\0", "\0$code", '１２３４５６', 'abcdef', '12345a', '0x1234', '1e5678',
    "12\u{00a0}3456", str_repeat('1', 100000), "\xff\xfe\xfd\xfc\xfb\xfa", '٣٤٥٦٧٨'];
foreach ($malformed as $i => $bad) {
    attempt("code $i", fn () => twofa_totp_verify(RFC_SECRET, $bad, $t));
}
echo "bad secrets\n";
attempt('empty', fn () => twofa_totp_verify('', '123456', $t));
attempt('short', fn () => twofa_totp_verify('GEZDGNBVGY3TQOJQGEZDGNBV', '123456', $t));
attempt('not base32', fn () => twofa_totp_verify('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1', '123456', $t));
attempt('nul', fn () => twofa_totp_verify("GEZDGNBVGY3TQOJQ\0GEZDGNBVGY3TQOJQ", '123456', $t));
attempt('not utf-8', fn () => twofa_totp_verify("\xffGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", '123456', $t));
attempt('huge', fn () => twofa_totp_verify(str_repeat('A', 1 << 20), '123456', $t));
echo "bad times\n";
attempt('negative', fn () => twofa_totp_verify(RFC_SECRET, $code, -1));
attempt('min', fn () => twofa_totp_verify(RFC_SECRET, $code, PHP_INT_MIN));
attempt('max', fn () => twofa_totp_verify(RFC_SECRET, $code, PHP_INT_MAX));
attempt('code max', fn () => twofa_totp_code(RFC_SECRET, PHP_INT_MAX));
attempt('code year 9999', fn () => strlen(twofa_totp_code(RFC_SECRET, 253402300799)));
attempt('code year 10000', fn () => twofa_totp_code(RFC_SECRET, 253402300800));
attempt('code zero', fn () => twofa_totp_code(RFC_SECRET, 0));
echo "types\n";
attempt_class('array secret', fn () => twofa_totp_verify([], '123456', $t));
attempt_class('string time', fn () => twofa_totp_verify(RFC_SECRET, '123456', 'now'));
?>
--EXPECT--
step 56666666
-90 => false
-60 => false
-30 => -1
0 => 0
30 => 1
60 => false
90 => false
replay
bool(true)
bool(false)
bool(false)
bool(false)
bool(true)
bool(false)
spaces
bool(true)
malformed codes
code 0: false
code 1: false
code 2: false
code 3: false
code 4: false
code 5: false
code 6: false
code 7: false
code 8: false
code 9: false
code 10: false
code 11: false
code 12: false
code 13: false
code 14: false
code 15: false
code 16: false
code 17: false
code 18: false
bad secrets
empty: Twofa\ArgumentException: the secret is too short: 0 bits, at least 128 required
short: Twofa\ArgumentException: the secret is too short: 120 bits, at least 128 required
not base32: Twofa\ArgumentException: the secret is not valid base32
nul: Twofa\ArgumentException: the secret is not valid base32
not utf-8: Twofa\ArgumentException: secret must be valid UTF-8
huge: Twofa\ArgumentException: secret is too large: 1048576 bytes, at most 256
bad times
negative: Twofa\ArgumentException: invalid time -1: must be between 0 and 253402300799
min: Twofa\ArgumentException: invalid time -9223372036854775808: must be between 0 and 253402300799
max: Twofa\ArgumentException: invalid time 9223372036854775807: must be between 0 and 253402300799
code max: Twofa\ArgumentException: invalid time 9223372036854775807: must be between 0 and 253402300799
code year 9999: 6
code year 10000: Twofa\ArgumentException: invalid time 253402300800: must be between 0 and 253402300799
code zero: '755224'
types
array secret: TypeError
string time: TypeError
