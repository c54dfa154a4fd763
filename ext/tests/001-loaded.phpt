--TEST--
twofa is loaded with every function and the exception hierarchy
--EXTENSIONS--
twofa
--FILE--
<?php
var_dump(extension_loaded('twofa'));
$ext = new ReflectionExtension('twofa');
$names = array_keys($ext->getFunctions());
sort($names);
echo implode("\n", $names), "\n";
var_dump(array_keys($ext->getINIEntries()));
foreach (['Twofa\Exception', 'Twofa\KeyException', 'Twofa\SealException', 'Twofa\ArgumentException', 'Twofa\PasskeyException'] as $class) {
    echo $class, ' extends ', get_parent_class($class), "\n";
}
var_dump(is_subclass_of('Twofa\KeyException', 'Exception'));
var_dump(preg_match('/^\d+\.\d+\.\d+$/', twofa_version()) === 1);
$verify = new ReflectionFunction('twofa_totp_verify');
foreach ($verify->getParameters() as $p) {
    echo $p->getType(), ' $', $p->getName(), $p->isOptional() ? ' = ' . var_export($p->getDefaultValue(), true) : '', "\n";
}
?>
--EXPECT--
bool(true)
twofa_backup_code_hash
twofa_backup_code_normalize
twofa_backup_codes
twofa_email_code
twofa_extension_file
twofa_hash_code
twofa_key_status
twofa_open
twofa_parse_code
twofa_passkey_login_begin
twofa_passkey_login_finish
twofa_passkey_passwordless_begin
twofa_passkey_passwordless_finish
twofa_passkey_record_info
twofa_passkey_register_begin
twofa_passkey_register_finish
twofa_passkey_response_ids
twofa_qr_svg
twofa_seal
twofa_sign
twofa_totp_code
twofa_totp_secret
twofa_totp_uri
twofa_totp_verify
twofa_verify_code
twofa_version
array(1) {
  [0]=>
  string(14) "twofa.key_file"
}
Twofa\Exception extends Exception
Twofa\KeyException extends Twofa\Exception
Twofa\SealException extends Twofa\Exception
Twofa\ArgumentException extends Twofa\Exception
Twofa\PasskeyException extends Twofa\Exception
bool(true)
bool(true)
string $secret
string $code
int $time
int $last_step = -1
