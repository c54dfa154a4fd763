--TEST--
A key file of mode 0640 (readable by the web server's group) is accepted
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/group.key
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$status = twofa_key_status();
var_dump($status['loaded'], $status['error']);
var_dump(twofa_open(twofa_seal('x', 'totp:1'), 'totp:1'));
// A different key than good.key: its seals do not open here.
var_dump(decoct(fileperms(__DIR__ . '/keys/group.key') & 0777));
?>
--EXPECT--
bool(true)
NULL
string(1) "x"
string(3) "640"
