--TEST--
twofa_seal / twofa_open: round trip, other context fails, tampered and truncated fail
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/good.key
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$secret = twofa_totp_secret();
$a = twofa_seal($secret, 'totp:42');
$b = twofa_seal($secret, 'totp:42');
var_dump(str_starts_with($a, 'tf1.'));
var_dump(preg_match('/^[\x21-\x7e]+$/D', $a) === 1);
var_dump($a !== $b);
var_dump(str_contains($a, $secret));
var_dump(twofa_open($a, 'totp:42') === $secret);
$binary = random_bytes(300) . "\0\xff";
var_dump(twofa_open(twofa_seal($binary, 'x'), 'x') === $binary);
var_dump(twofa_open(twofa_seal('', 'x'), 'x') === '');
$max = str_repeat("\xa5", 65536);
var_dump(twofa_open(twofa_seal($max, 'x'), 'x') === $max);
echo "moved to another context\n";
attempt('other user', fn () => twofa_open($a, 'totp:43'));
attempt('other purpose', fn () => twofa_open($a, 'totp-pending:42'));
attempt('prefix of context', fn () => twofa_open($a, 'totp:4'));
echo "tampered\n";
$failures = 0;
for ($i = 4; $i < strlen($a); $i++) {
    $t = $a;
    $t[$i] = $t[$i] === 'A' ? 'B' : 'A';
    try {
        twofa_open($t, 'totp:42');
        echo "opened after changing position $i\n";
    } catch (Twofa\SealException $e) {
        $failures++;
    }
}
var_dump($failures === strlen($a) - 4);
echo "truncated\n";
// Whether one lost character breaks the encoding or the tag depends on the random bytes.
attempt_class('one char', fn () => twofa_open(substr($a, 0, -1), 'totp:42'));
attempt('four chars', fn () => twofa_open(substr($a, 0, -4), 'totp:42'));
attempt('prefix only', fn () => twofa_open('tf1.', 'totp:42'));
attempt('short', fn () => twofa_open('tf1.AAAA', 'totp:42'));
echo "malformed\n";
attempt('empty', fn () => twofa_open('', 'totp:42'));
attempt('other version', fn () => twofa_open('tf2.' . substr($a, 4), 'totp:42'));
attempt('plain secret', fn () => twofa_open($secret, 'totp:42'));
attempt('padding', fn () => twofa_open($a . '=', 'totp:42'));
attempt('standard base64', fn () => twofa_open(strtr($a, '-_', '+/') . '+', 'totp:42'));
attempt('not utf-8', fn () => twofa_open("tf1.\xff\xfe", 'totp:42'));
attempt('huge', fn () => twofa_open('tf1.' . str_repeat('A', 1 << 20), 'totp:42'));
echo "arguments\n";
attempt('seal empty context', fn () => twofa_seal('x', ''));
attempt('open empty context', fn () => twofa_open($a, ''));
attempt('seal too large', fn () => twofa_seal(str_repeat('x', 65537), 'x'));
attempt('seal huge context', fn () => twofa_seal('x', str_repeat('c', 1025)));
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(false)
bool(true)
bool(true)
bool(true)
bool(true)
moved to another context
other user: Twofa\SealException: the sealed value does not open: tampered with, truncated, or sealed for another context
other purpose: Twofa\SealException: the sealed value does not open: tampered with, truncated, or sealed for another context
prefix of context: Twofa\SealException: the sealed value does not open: tampered with, truncated, or sealed for another context
tampered
bool(true)
truncated
one char: Twofa\SealException
four chars: Twofa\SealException: the sealed value does not open: tampered with, truncated, or sealed for another context
prefix only: Twofa\SealException: the sealed value is malformed: too short
short: Twofa\SealException: the sealed value is malformed: too short
malformed
empty: Twofa\SealException: the sealed value is malformed: unknown format or version
other version: Twofa\SealException: the sealed value is malformed: unknown format or version
plain secret: Twofa\SealException: the sealed value is malformed: unknown format or version
padding: Twofa\SealException: the sealed value is malformed: bad encoding
standard base64: Twofa\SealException: the sealed value is malformed: bad encoding
not utf-8: Twofa\SealException: the sealed value is malformed: not ASCII
huge: Twofa\SealException: the sealed value is malformed: too long
arguments
seal empty context: Twofa\ArgumentException: invalid context: must not be empty
open empty context: Twofa\ArgumentException: invalid context: must not be empty
seal too large: Twofa\ArgumentException: plaintext is too large: 65537 bytes, at most 65536
seal huge context: Twofa\ArgumentException: context is too large: 1025 bytes, at most 1024
