--TEST--
No key configured: key functions throw Twofa\KeyException naming twofa.key_file; the others work
--EXTENSIONS--
twofa
--INI--
twofa.key_file=
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
var_dump(twofa_key_status());
attempt('hash', fn () => twofa_hash_code('123456', 'email:1:login:x'));
attempt('verify', fn () => twofa_verify_code('h1.' . str_repeat('A', 43), '123456', 'email:1:login:x'));
attempt('seal', fn () => twofa_seal('x', 'totp:1'));
attempt('open', fn () => twofa_open('tf1.AAAA', 'totp:1'));
attempt('sign', fn () => twofa_sign('GET', '/v1/report', '', 1700000000));
try {
    twofa_seal('x', 'totp:1');
} catch (Twofa\Exception $e) {
    echo 'caught as Twofa\Exception: ', get_class($e), "\n";
}
// Functions that need no key.
echo twofa_totp_code(RFC_SECRET, 59), "\n";
var_dump(twofa_totp_verify(RFC_SECRET, '287082', 59));
var_dump(strlen(twofa_totp_secret()), strlen(twofa_email_code()));
var_dump(str_starts_with(twofa_qr_svg('x'), '<svg'));
var_dump(str_starts_with(twofa_totp_uri(RFC_SECRET, 'a', 'b'), 'otpauth://'));
// The setting cannot be changed at runtime.
var_dump(ini_set('twofa.key_file', __DIR__ . '/keys/good.key'));
attempt('seal after ini_set', fn () => twofa_seal('x', 'totp:1'));
?>
--EXPECT--
array(3) {
  ["loaded"]=>
  bool(false)
  ["path"]=>
  string(0) ""
  ["error"]=>
  string(94) "no key file is configured: set the ini setting twofa.key_file to the path of the site key file"
}
hash: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
verify: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
seal: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
open: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
sign: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
caught as Twofa\Exception: Twofa\KeyException
287082
int(1)
int(32)
int(6)
bool(true)
bool(true)
bool(false)
seal after ini_set: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
