--TEST--
Typed codes: ASCII digits with ASCII spaces only, on every function that takes a code (twofa_parse_code, twofa_totp_verify, twofa_verify_code)
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/good.key
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$hash = twofa_hash_code('287082', 'email:1:login:x');
$inputs = [
    '287082', '287 082', ' 287082 ', '2 8 7 0 8 2',
    "287082\0", "\x00287082", "287\x00082", "287082\t", "\t287082", "287\t082", "287082\n", "\n287082",
    "287082\r\n", "287\n082", "\x0b287082", "\x0c287082", '2-8-7-0-8-2', '287-082', '-287082',
    '+287082', '287_082', '287.082', '287,082', "287\u{a0}082", "287\u{2009}082", "\u{feff}287082",
    '２８７０８２', '٢٨٧٠٨٢', '28708', '2870820', '28708a', '0x4609', '',
];
foreach ($inputs as $in) {
    $parsed = twofa_parse_code($in);
    $totp = twofa_totp_verify(RFC_SECRET, $in, 59);
    $email = twofa_verify_code($hash, $in, 'email:1:login:x');
    printf("%-22s parse %s, totp %s, email %s\n", json_encode($in), var_export($parsed, true), var_export($totp, true), var_export($email, true));
}
?>
--EXPECT--
"287082"               parse '287082', totp 1, email true
"287 082"              parse '287082', totp 1, email true
" 287082 "             parse '287082', totp 1, email true
"2 8 7 0 8 2"          parse '287082', totp 1, email true
"287082\u0000"         parse false, totp false, email false
"\u0000287082"         parse false, totp false, email false
"287\u0000082"         parse false, totp false, email false
"287082\t"             parse false, totp false, email false
"\t287082"             parse false, totp false, email false
"287\t082"             parse false, totp false, email false
"287082\n"             parse false, totp false, email false
"\n287082"             parse false, totp false, email false
"287082\r\n"           parse false, totp false, email false
"287\n082"             parse false, totp false, email false
"\u000b287082"         parse false, totp false, email false
"\f287082"             parse false, totp false, email false
"2-8-7-0-8-2"          parse false, totp false, email false
"287-082"              parse false, totp false, email false
"-287082"              parse false, totp false, email false
"+287082"              parse false, totp false, email false
"287_082"              parse false, totp false, email false
"287.082"              parse false, totp false, email false
"287,082"              parse false, totp false, email false
"287\u00a0082"         parse false, totp false, email false
"287\u2009082"         parse false, totp false, email false
"\ufeff287082"         parse false, totp false, email false
"\uff12\uff18\uff17\uff10\uff18\uff12" parse false, totp false, email false
"\u0662\u0668\u0667\u0660\u0668\u0662" parse false, totp false, email false
"28708"                parse false, totp false, email false
"2870820"              parse false, totp false, email false
"28708a"               parse false, totp false, email false
"0x4609"               parse false, totp false, email false
""                     parse false, totp false, email false
