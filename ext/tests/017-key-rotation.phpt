--TEST--
The cached key follows the file: a replaced key is re-read, a loosened mode is refused at once
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/rotating.key
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$path = __DIR__ . '/keys/rotating.key';
$sealed = twofa_seal('secret', 'totp:1');
var_dump(twofa_open($sealed, 'totp:1'));
// Sleep past the file system's timestamp granularity so each change is a new file identity.
usleep(50000);
file_put_contents($path, random_bytes(32));
attempt('old blob, new key', fn () => twofa_open($sealed, 'totp:1'));
$resealed = twofa_seal('secret', 'totp:1');
usleep(50000);
chmod($path, 0644);
clearstatcache();
attempt_class('after chmod 644', fn () => twofa_open($resealed, 'totp:1'));
var_dump(twofa_key_status()['loaded']);
usleep(50000);
chmod($path, 0600);
clearstatcache();
var_dump(twofa_open($resealed, 'totp:1'));
var_dump(twofa_key_status()['loaded']);
?>
--EXPECT--
string(6) "secret"
old blob, new key: Twofa\SealException: the sealed value does not open: tampered with, truncated, or sealed for another context
after chmod 644: Twofa\KeyException
bool(false)
string(6) "secret"
bool(true)
