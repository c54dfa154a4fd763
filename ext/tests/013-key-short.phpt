--TEST--
A 31-byte key file is refused with a message naming the length
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/short.key
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$status = twofa_key_status();
var_dump($status['loaded'], $status['path'] === __DIR__ . '/keys/short.key');
echo $status['error'], "\n";
attempt('seal', fn () => twofa_seal('x', 'totp:1'));
attempt('hash', fn () => twofa_hash_code('123456', 'email:1:login:x'));
attempt('sign', fn () => twofa_sign('GET', '/v1/report', '', 1700000000));
// A key problem never disables the functions that need no key.
echo twofa_totp_code(RFC_SECRET, 59), "\n";
?>
--EXPECTF--
bool(false)
bool(true)
key file %s/keys/short.key has the wrong length: 31 bytes, expected exactly 32 (ini setting twofa.key_file)
seal: Twofa\KeyException: key file %s/keys/short.key has the wrong length: 31 bytes, expected exactly 32 (ini setting twofa.key_file)
hash: Twofa\KeyException: key file %s/keys/short.key has the wrong length: 31 bytes, expected exactly 32 (ini setting twofa.key_file)
sign: Twofa\KeyException: key file %s/keys/short.key has the wrong length: 31 bytes, expected exactly 32 (ini setting twofa.key_file)
287082
