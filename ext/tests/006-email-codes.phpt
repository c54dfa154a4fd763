--TEST--
twofa_email_code, twofa_hash_code, twofa_verify_code: random digits, keyed context-bound hashes
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/good.key
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$first = array_fill(0, 10, 0);
$distinct = [];
for ($i = 0; $i < 3000; $i++) {
    $c = twofa_email_code();
    if (!preg_match('/^[0-9]{6}$/D', $c)) {
        echo "bad code format\n";
    }
    $first[(int) $c[0]]++;
    $distinct[$c] = true;
}
// Each leading digit expects 300 of 3000; 150 is over 8 standard deviations away.
echo min($first) > 150 ? 'all leading digits common' : 'skewed: ' . implode(',', $first), "\n";
echo count($distinct) > 2900 ? 'mostly distinct' : 'repeats', "\n";

$ctx = 'email:7:login:c0ffee';
$h = twofa_hash_code('123456', $ctx);
var_dump(preg_match('/^h1\.[A-Za-z0-9_-]{43}$/D', $h) === 1);
var_dump(str_contains($h, '123456'));
var_dump($h === twofa_hash_code('123456', $ctx));
var_dump(twofa_verify_code($h, '123456', $ctx));
var_dump(twofa_verify_code($h, '123 456', $ctx));
var_dump(twofa_verify_code($h, '123457', $ctx));
echo "other contexts\n";
var_dump(twofa_verify_code($h, '123456', 'email:8:login:c0ffee'));
var_dump(twofa_verify_code($h, '123456', 'email:7:setup:c0ffee'));
var_dump(twofa_verify_code($h, '123456', 'email:7:login:c0ffef'));
var_dump(twofa_verify_code($h, '123456', "$ctx\0"));
echo "nonces\n";
$nonce = bin2hex(random_bytes(16));
$nh = twofa_hash_code($nonce, 'login-nonce:7');
var_dump(twofa_verify_code($nh, $nonce, 'login-nonce:7'));
var_dump(twofa_verify_code($nh, $nonce, 'login-nonce:8'));
echo "wrong codes are false\n";
attempt('empty code', fn () => twofa_verify_code($h, '', $ctx));
attempt('huge code', fn () => twofa_verify_code($h, str_repeat('1', 100000), $ctx));
attempt('binary code', fn () => twofa_verify_code($h, "\xff\0", $ctx));
echo "malformed hashes and contexts throw\n";
attempt('empty hash', fn () => twofa_verify_code('', '123456', $ctx));
attempt('short hash', fn () => twofa_verify_code(substr($h, 0, -1), '123456', $ctx));
attempt('other version', fn () => twofa_verify_code('h2.' . substr($h, 3), '123456', $ctx));
attempt('not utf-8 hash', fn () => twofa_verify_code("h1.\xff", '123456', $ctx));
attempt('padded hash', fn () => twofa_verify_code($h . '=', '123456', $ctx));
attempt('empty context', fn () => twofa_verify_code($h, '123456', ''));
attempt('hash empty code', fn () => twofa_hash_code('', $ctx));
attempt('hash empty context', fn () => twofa_hash_code('123456', ''));
attempt('hash huge code', fn () => twofa_hash_code(str_repeat('1', 1025), $ctx));
attempt('hash huge context', fn () => twofa_hash_code('123456', str_repeat('c', 1 << 20)));
?>
--EXPECT--
all leading digits common
mostly distinct
bool(true)
bool(false)
bool(true)
bool(true)
bool(true)
bool(false)
other contexts
bool(false)
bool(false)
bool(false)
bool(false)
nonces
bool(true)
bool(false)
wrong codes are false
empty code: false
huge code: false
binary code: false
malformed hashes and contexts throw
empty hash: Twofa\ArgumentException: the code hash is malformed
short hash: Twofa\ArgumentException: the code hash is malformed
other version: Twofa\ArgumentException: the code hash is malformed
not utf-8 hash: Twofa\ArgumentException: the code hash is malformed
padded hash: Twofa\ArgumentException: the code hash is malformed
empty context: Twofa\ArgumentException: invalid context: must not be empty
hash empty code: Twofa\ArgumentException: invalid code: must not be empty
hash empty context: Twofa\ArgumentException: invalid context: must not be empty
hash huge code: Twofa\ArgumentException: code is too large: 1025 bytes, at most 1024
hash huge context: Twofa\ArgumentException: context is too large: 1048576 bytes, at most 1024
