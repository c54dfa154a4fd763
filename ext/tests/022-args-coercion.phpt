--TEST--
Arguments outside strict_types: coerced exactly as PHP's own internal functions coerce them (scalars, numeric strings, Stringable), the engine's TypeError otherwise
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/good.key
error_reporting=E_ALL
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
require __DIR__ . '/setup/args.inc';
restore_error_handler();

$ints = [
    'null' => null, 'true' => true, 'false' => false, '59' => 59, '59.0' => 59.0, '59.5' => 59.5,
    '"59"' => '59', '" 59"' => ' 59', '"59 "' => '59 ', '"59abc"' => '59abc', '"abc"' => 'abc',
    '""' => '', '"5.9e1"' => '5.9e1', '1e30' => 1e30, 'NAN' => NAN, '[]' => [],
    'stdClass' => new stdClass(), 'Stringable "59"' => stringable('59'),
];
$strings = [
    'null' => null, 'true' => true, 'false' => false, '123456' => 123456, '-7' => -7, '1.5' => 1.5,
    '1e100' => 1e100, '"123456"' => '123456', '[]' => [], 'stdClass' => new stdClass(),
    'Stringable "123456"' => stringable('123456'),
    'Stringable that throws' => new class implements Stringable { public function __toString(): string { throw new RuntimeException('no string'); } },
];

// PHP's own functions as the reference: intdiv(int, int) and bin2hex(string).
parity('twofa_totp_code(secret, $time)', fn ($v) => twofa_totp_code(RFC_SECRET, $v), fn ($x) => twofa_totp_code(RFC_SECRET, $x), fn ($v) => intdiv($v, 1), $ints);
parity('twofa_totp_verify(secret, code, time, $last_step)', fn ($v) => twofa_totp_verify(RFC_SECRET, '287082', 59, $v), fn ($x) => twofa_totp_verify(RFC_SECRET, '287082', 59, $x), fn ($v) => intdiv($v, 1), $ints);
parity('twofa_backup_codes($count) (how many)', fn ($v) => count(twofa_backup_codes($v)), fn ($x) => count(twofa_backup_codes($x)), fn ($v) => intdiv($v, 1), $ints);
parity('twofa_hash_code($code, ctx)', fn ($v) => twofa_hash_code($v, 'ctx'), fn ($x) => twofa_hash_code($x, 'ctx'), fn ($v) => hex2bin(bin2hex($v)), $strings);
parity('twofa_parse_code($input)', fn ($v) => twofa_parse_code($v), fn ($x) => twofa_parse_code($x), fn ($v) => hex2bin(bin2hex($v)), $strings);
parity('twofa_seal(plaintext, $context) opened as "42"', fn ($v) => twofa_open(twofa_seal('x', $v), '42'), fn ($x) => twofa_open(twofa_seal('x', $x), '42'), fn ($v) => hex2bin(bin2hex($v)), ['42' => 42, 'Stringable "42"' => stringable('42'), '42.0' => 42.0]);

// The examples of the issue, and a few more: the same result as with the declared types.
var_dump(twofa_totp_code(RFC_SECRET, '59') === '287082');
var_dump(twofa_hash_code(123456, 'ctx') === twofa_hash_code('123456', 'ctx'));
var_dump(twofa_verify_code(twofa_hash_code('123456', 'email:1'), 123456, 'email:1'));
var_dump(twofa_totp_verify(stringable(RFC_SECRET), 287082, '59'));
var_dump(twofa_totp_uri(stringable(RFC_SECRET), 42, stringable('Acme')) === twofa_totp_uri(RFC_SECRET, '42', 'Acme'));
var_dump(twofa_qr_svg(12345) === twofa_qr_svg('12345'));
var_dump(twofa_open(stringable(twofa_seal(7, 'c')), stringable('c')));
var_dump(twofa_sign('POST', '/v1/x', 123, '1700000000') === twofa_sign('POST', '/v1/x', '123', 1700000000));
var_dump(twofa_backup_code_normalize(stringable('abcd efgh jkmn pqrs')));
var_dump(twofa_backup_code_hash('ABCD-EFGH-JKMN-PQRS', '7') === twofa_backup_code_hash('ABCD-EFGH-JKMN-PQRS', 7));

// Outside strict_types a type no rule coerces is the engine's TypeError all the same.
attempt('array as time', fn () => twofa_totp_code(RFC_SECRET, []));
attempt('non-numeric string as time', fn () => twofa_totp_code(RFC_SECRET, 'soon'));
attempt('object as secret', fn () => twofa_totp_code(new stdClass(), 59));
attempt('too few arguments', fn () => twofa_totp_code(RFC_SECRET));
attempt('too many arguments', fn () => twofa_parse_code('1', '2'));
every_parameter_type_error(fn (string $f, array $args) => $f(...$args), [
    [[], 'array', ['string', 'int']],
    [new stdClass(), 'stdClass', ['string', 'int']],
    ['not a number', 'string', ['int']],
]);
?>
--EXPECT--
twofa_totp_code(secret, $time):
  null: accepted as 0 with E8192 F(): Passing null to parameter #N ($P) of type int is deprecated - same
  true: accepted as 1 - same
  false: accepted as 0 - same
  59: accepted as 59 - same
  59.0: accepted as 59 - same
  59.5: accepted as 59 with E8192 Implicit conversion from float 59.5 to int loses precision - same
  "59": accepted as 59 - same
  " 59": accepted as 59 - same
  "59 ": accepted as 59 - same
  "59abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "5.9e1": accepted as 59 - same
  1e30: TypeError F(): Argument #N ($P) must be of type int, float given - same
  NAN: TypeError F(): Argument #N ($P) must be of type int, float given - same
  []: TypeError F(): Argument #N ($P) must be of type int, array given - same
  stdClass: TypeError F(): Argument #N ($P) must be of type int, stdClass given - same
  Stringable "59": TypeError F(): Argument #N ($P) must be of type int, Stringable@anonymous given - same
twofa_totp_verify(secret, code, time, $last_step):
  null: accepted as 0 with E8192 F(): Passing null to parameter #N ($P) of type int is deprecated - same
  true: accepted as 1 - same
  false: accepted as 0 - same
  59: accepted as 59 - same
  59.0: accepted as 59 - same
  59.5: accepted as 59 with E8192 Implicit conversion from float 59.5 to int loses precision - same
  "59": accepted as 59 - same
  " 59": accepted as 59 - same
  "59 ": accepted as 59 - same
  "59abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "5.9e1": accepted as 59 - same
  1e30: TypeError F(): Argument #N ($P) must be of type int, float given - same
  NAN: TypeError F(): Argument #N ($P) must be of type int, float given - same
  []: TypeError F(): Argument #N ($P) must be of type int, array given - same
  stdClass: TypeError F(): Argument #N ($P) must be of type int, stdClass given - same
  Stringable "59": TypeError F(): Argument #N ($P) must be of type int, Stringable@anonymous given - same
twofa_backup_codes($count) (how many):
  null: accepted as 0 with E8192 F(): Passing null to parameter #N ($P) of type int is deprecated - same
  true: accepted as 1 - same
  false: accepted as 0 - same
  59: accepted as 59 - same
  59.0: accepted as 59 - same
  59.5: accepted as 59 with E8192 Implicit conversion from float 59.5 to int loses precision - same
  "59": accepted as 59 - same
  " 59": accepted as 59 - same
  "59 ": accepted as 59 - same
  "59abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "5.9e1": accepted as 59 - same
  1e30: TypeError F(): Argument #N ($P) must be of type int, float given - same
  NAN: TypeError F(): Argument #N ($P) must be of type int, float given - same
  []: TypeError F(): Argument #N ($P) must be of type int, array given - same
  stdClass: TypeError F(): Argument #N ($P) must be of type int, stdClass given - same
  Stringable "59": TypeError F(): Argument #N ($P) must be of type int, Stringable@anonymous given - same
twofa_hash_code($code, ctx):
  null: accepted as '' with E8192 F(): Passing null to parameter #N ($P) of type string is deprecated - same
  true: accepted as '1' - same
  false: accepted as '' - same
  123456: accepted as '123456' - same
  -7: accepted as '-7' - same
  1.5: accepted as '1.5' - same
  1e100: accepted as '1.0E+100' - same
  "123456": accepted as '123456' - same
  []: TypeError F(): Argument #N ($P) must be of type string, array given - same
  stdClass: TypeError F(): Argument #N ($P) must be of type string, stdClass given - same
  Stringable "123456": accepted as '123456' - same
  Stringable that throws: RuntimeException no string - same
twofa_parse_code($input):
  null: accepted as '' with E8192 F(): Passing null to parameter #N ($P) of type string is deprecated - same
  true: accepted as '1' - same
  false: accepted as '' - same
  123456: accepted as '123456' - same
  -7: accepted as '-7' - same
  1.5: accepted as '1.5' - same
  1e100: accepted as '1.0E+100' - same
  "123456": accepted as '123456' - same
  []: TypeError F(): Argument #N ($P) must be of type string, array given - same
  stdClass: TypeError F(): Argument #N ($P) must be of type string, stdClass given - same
  Stringable "123456": accepted as '123456' - same
  Stringable that throws: RuntimeException no string - same
twofa_seal(plaintext, $context) opened as "42":
  42: accepted as '42' - same
  Stringable "42": accepted as '42' - same
  42.0: accepted as '42' - same
bool(true)
bool(true)
bool(true)
int(1)
bool(true)
bool(true)
string(1) "7"
bool(true)
string(19) "ABCD-EFGH-JKMN-PQRS"
bool(true)
array as time: TypeError: twofa_totp_code(): Argument #2 ($time) must be of type int, array given
non-numeric string as time: TypeError: twofa_totp_code(): Argument #2 ($time) must be of type int, string given
object as secret: TypeError: twofa_totp_code(): Argument #1 ($secret) must be of type string, stdClass given
too few arguments: ArgumentCountError: twofa_totp_code() expects exactly 2 arguments, 1 given
too many arguments: ArgumentCountError: twofa_parse_code() expects exactly 1 argument, 2 given
every parameter checked
