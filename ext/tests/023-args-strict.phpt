--TEST--
Arguments under declare(strict_types=1): exactly the declared types, anything else the engine's TypeError with its usual message, as for PHP's own internal functions
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/good.key
error_reporting=E_ALL
--FILE--
<?php
declare(strict_types=1);
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

// Under strict_types only the declared types pass; the same calls with them work.
var_dump(twofa_totp_code(RFC_SECRET, 59) === '287082');
attempt('numeric string as time', fn () => twofa_totp_code(RFC_SECRET, '59'));
attempt('float as time', fn () => twofa_totp_code(RFC_SECRET, 59.0));
attempt('bool as time', fn () => twofa_totp_code(RFC_SECRET, true));
attempt('null as time', fn () => twofa_totp_code(RFC_SECRET, null));
attempt('int as code', fn () => twofa_hash_code(123456, 'ctx'));
attempt('int as context', fn () => twofa_hash_code('123456', 7));
attempt('Stringable as secret', fn () => twofa_totp_code(stringable(RFC_SECRET), 59));
attempt('null as last_step', fn () => twofa_totp_verify(RFC_SECRET, '287082', 59, null));
attempt('numeric string as count', fn () => twofa_backup_codes('3'));
attempt('numeric string as user id', fn () => twofa_backup_code_hash('ABCD-EFGH-JKMN-PQRS', '7'));
attempt('int as input', fn () => twofa_parse_code(123456));
attempt('too few arguments', fn () => twofa_totp_code(RFC_SECRET));
every_parameter_type_error(fn (string $f, array $args) => $f(...$args), [
    [[], 'array', ['string', 'int']],
    [new stdClass(), 'stdClass', ['string', 'int']],
    [stringable('1'), 'Stringable@anonymous', ['string', 'int']],
    ['1', 'string', ['int']],
    [1.0, 'float', ['string', 'int']],
    [true, 'bool', ['string', 'int']],
    [1, 'int', ['string']],
    [null, 'null', ['string', 'int']],
]);
?>
--EXPECT--
twofa_totp_code(secret, $time):
  null: TypeError F(): Argument #N ($P) must be of type int, null given - same
  true: TypeError F(): Argument #N ($P) must be of type int, bool given - same
  false: TypeError F(): Argument #N ($P) must be of type int, bool given - same
  59: accepted as 59 - same
  59.0: TypeError F(): Argument #N ($P) must be of type int, float given - same
  59.5: TypeError F(): Argument #N ($P) must be of type int, float given - same
  "59": TypeError F(): Argument #N ($P) must be of type int, string given - same
  " 59": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "59 ": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "59abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "5.9e1": TypeError F(): Argument #N ($P) must be of type int, string given - same
  1e30: TypeError F(): Argument #N ($P) must be of type int, float given - same
  NAN: TypeError F(): Argument #N ($P) must be of type int, float given - same
  []: TypeError F(): Argument #N ($P) must be of type int, array given - same
  stdClass: TypeError F(): Argument #N ($P) must be of type int, stdClass given - same
  Stringable "59": TypeError F(): Argument #N ($P) must be of type int, Stringable@anonymous given - same
twofa_totp_verify(secret, code, time, $last_step):
  null: TypeError F(): Argument #N ($P) must be of type int, null given - same
  true: TypeError F(): Argument #N ($P) must be of type int, bool given - same
  false: TypeError F(): Argument #N ($P) must be of type int, bool given - same
  59: accepted as 59 - same
  59.0: TypeError F(): Argument #N ($P) must be of type int, float given - same
  59.5: TypeError F(): Argument #N ($P) must be of type int, float given - same
  "59": TypeError F(): Argument #N ($P) must be of type int, string given - same
  " 59": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "59 ": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "59abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "5.9e1": TypeError F(): Argument #N ($P) must be of type int, string given - same
  1e30: TypeError F(): Argument #N ($P) must be of type int, float given - same
  NAN: TypeError F(): Argument #N ($P) must be of type int, float given - same
  []: TypeError F(): Argument #N ($P) must be of type int, array given - same
  stdClass: TypeError F(): Argument #N ($P) must be of type int, stdClass given - same
  Stringable "59": TypeError F(): Argument #N ($P) must be of type int, Stringable@anonymous given - same
twofa_backup_codes($count) (how many):
  null: TypeError F(): Argument #N ($P) must be of type int, null given - same
  true: TypeError F(): Argument #N ($P) must be of type int, bool given - same
  false: TypeError F(): Argument #N ($P) must be of type int, bool given - same
  59: accepted as 59 - same
  59.0: TypeError F(): Argument #N ($P) must be of type int, float given - same
  59.5: TypeError F(): Argument #N ($P) must be of type int, float given - same
  "59": TypeError F(): Argument #N ($P) must be of type int, string given - same
  " 59": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "59 ": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "59abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "abc": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "": TypeError F(): Argument #N ($P) must be of type int, string given - same
  "5.9e1": TypeError F(): Argument #N ($P) must be of type int, string given - same
  1e30: TypeError F(): Argument #N ($P) must be of type int, float given - same
  NAN: TypeError F(): Argument #N ($P) must be of type int, float given - same
  []: TypeError F(): Argument #N ($P) must be of type int, array given - same
  stdClass: TypeError F(): Argument #N ($P) must be of type int, stdClass given - same
  Stringable "59": TypeError F(): Argument #N ($P) must be of type int, Stringable@anonymous given - same
twofa_hash_code($code, ctx):
  null: TypeError F(): Argument #N ($P) must be of type string, null given - same
  true: TypeError F(): Argument #N ($P) must be of type string, bool given - same
  false: TypeError F(): Argument #N ($P) must be of type string, bool given - same
  123456: TypeError F(): Argument #N ($P) must be of type string, int given - same
  -7: TypeError F(): Argument #N ($P) must be of type string, int given - same
  1.5: TypeError F(): Argument #N ($P) must be of type string, float given - same
  1e100: TypeError F(): Argument #N ($P) must be of type string, float given - same
  "123456": accepted as '123456' - same
  []: TypeError F(): Argument #N ($P) must be of type string, array given - same
  stdClass: TypeError F(): Argument #N ($P) must be of type string, stdClass given - same
  Stringable "123456": TypeError F(): Argument #N ($P) must be of type string, Stringable@anonymous given - same
  Stringable that throws: TypeError F(): Argument #N ($P) must be of type string, Stringable@anonymous given - same
twofa_parse_code($input):
  null: TypeError F(): Argument #N ($P) must be of type string, null given - same
  true: TypeError F(): Argument #N ($P) must be of type string, bool given - same
  false: TypeError F(): Argument #N ($P) must be of type string, bool given - same
  123456: TypeError F(): Argument #N ($P) must be of type string, int given - same
  -7: TypeError F(): Argument #N ($P) must be of type string, int given - same
  1.5: TypeError F(): Argument #N ($P) must be of type string, float given - same
  1e100: TypeError F(): Argument #N ($P) must be of type string, float given - same
  "123456": accepted as '123456' - same
  []: TypeError F(): Argument #N ($P) must be of type string, array given - same
  stdClass: TypeError F(): Argument #N ($P) must be of type string, stdClass given - same
  Stringable "123456": TypeError F(): Argument #N ($P) must be of type string, Stringable@anonymous given - same
  Stringable that throws: TypeError F(): Argument #N ($P) must be of type string, Stringable@anonymous given - same
twofa_seal(plaintext, $context) opened as "42":
  42: TypeError F(): Argument #N ($P) must be of type string, int given - same
  Stringable "42": TypeError F(): Argument #N ($P) must be of type string, Stringable@anonymous given - same
  42.0: TypeError F(): Argument #N ($P) must be of type string, float given - same
bool(true)
numeric string as time: TypeError: twofa_totp_code(): Argument #2 ($time) must be of type int, string given
float as time: TypeError: twofa_totp_code(): Argument #2 ($time) must be of type int, float given
bool as time: TypeError: twofa_totp_code(): Argument #2 ($time) must be of type int, bool given
null as time: TypeError: twofa_totp_code(): Argument #2 ($time) must be of type int, null given
int as code: TypeError: twofa_hash_code(): Argument #1 ($code) must be of type string, int given
int as context: TypeError: twofa_hash_code(): Argument #2 ($context) must be of type string, int given
Stringable as secret: TypeError: twofa_totp_code(): Argument #1 ($secret) must be of type string, Stringable@anonymous given
null as last_step: TypeError: twofa_totp_verify(): Argument #4 ($last_step) must be of type int, null given
numeric string as count: TypeError: twofa_backup_codes(): Argument #1 ($count) must be of type int, string given
numeric string as user id: TypeError: twofa_backup_code_hash(): Argument #2 ($user_id) must be of type int, string given
int as input: TypeError: twofa_parse_code(): Argument #1 ($input) must be of type string, int given
too few arguments: ArgumentCountError: twofa_totp_code() expects exactly 2 arguments, 1 given
every parameter checked