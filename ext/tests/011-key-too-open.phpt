--TEST--
A key file readable by others (0644) is refused with a message saying so
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/open.key
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$status = twofa_key_status();
var_dump($status['loaded'], $status['path'] === __DIR__ . '/keys/open.key');
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
key file %s/keys/open.key is too open (mode 0644): it must not be readable or writable by others; use mode 0600 or 0640 (ini setting twofa.key_file)
seal: Twofa\KeyException: key file %s/keys/open.key is too open (mode 0644): it must not be readable or writable by others; use mode 0600 or 0640 (ini setting twofa.key_file)
hash: Twofa\KeyException: key file %s/keys/open.key is too open (mode 0644): it must not be readable or writable by others; use mode 0600 or 0640 (ini setting twofa.key_file)
sign: Twofa\KeyException: key file %s/keys/open.key is too open (mode 0644): it must not be readable or writable by others; use mode 0600 or 0640 (ini setting twofa.key_file)
287082
