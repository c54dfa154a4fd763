--TEST--
Backup codes: 16 symbols of the unambiguous alphabet from the CSPRNG, typed input normalized, keyed per-user lookup hashes
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/good.key
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$codes = twofa_backup_codes();
echo count($codes), " codes by default\n";
$all = [];
for ($i = 0; $i < 50; $i++) {
    foreach (twofa_backup_codes(100) as $c) {
        if (!preg_match('/^[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}(-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}){3}$/', $c)) {
            echo "bad format: $c\n";
        }
        $all[$c] = true;
    }
}
echo count($all), " distinct of 5000\n";
// Every symbol of the alphabet turns up, and none other: 80,000 symbols, about 2,667 each.
$counts = count_chars(str_replace('-', '', implode('', array_keys($all))), 1);
echo implode('', array_map('chr', array_keys($counts))), "\n";
var_dump(min($counts) > 2300 && max($counts) < 3050);
var_dump(count(twofa_backup_codes(1)), count(twofa_backup_codes(100)));
attempt('count 0', fn () => twofa_backup_codes(0));
attempt('count 101', fn () => twofa_backup_codes(101));
attempt('count -1', fn () => twofa_backup_codes(-1));

foreach (['ABCD-EFGH-JKMN-PQRS', 'abcd-efgh-jkmn-pqrs', 'ABCDEFGHJKMNPQRS', ' abcd efgh  jkmn-pqrs ', 'a-b-c-d-e-f-g-h-j-k-m-n-p-q-r-s',
    'ABCD-EFGH-JKMN-PQR', 'ABCD-EFGH-JKMN-PQRST', 'ABCD-EFGH-JKMN-PQRO', 'ABCD-EFGH-JKMN-PQR0', 'ABCD-EFGH-JKMN-PQRI',
    'ABCD-EFGH-JKMN-PQR1', 'ABCD-EFGH-JKMN-PQRL', 'ABCD-EFGH-JKMN-PQRU', "ABCD-EFGH-JKMN-PQRS\n", "ABCD\tEFGH-JKMN-PQRS",
    "ABCD-EFGH-JKMN-PQRS\0", 'ABCD_EFGH_JKMN_PQRS', "ABCD\u{2010}EFGH-JKMN-PQRS", "ＡBCD-EFGH-JKMN-PQRS", '', str_repeat(' ', 500)] as $in) {
    echo json_encode($in), ' => ', var_export(twofa_backup_code_normalize($in), true), "\n";
}

$code = $codes[0];
$h = twofa_backup_code_hash($code, 7);
var_dump(strlen($h) === 46 && str_starts_with($h, 'h1.'));
var_dump(twofa_backup_code_hash(strtolower(str_replace('-', ' ', $code)), 7) === $h);
var_dump(twofa_backup_code_hash($code, 8) !== $h);
var_dump(twofa_backup_code_hash($codes[1], 7) !== $h);
// The same machinery as every code hash, under the context backup:{user_id}.
var_dump(twofa_hash_code($code, 'backup:7') === $h, twofa_verify_code($h, $code, 'backup:7'));
var_dump(twofa_backup_code_hash('not a code', 7));
var_dump(!str_contains($h, str_replace('-', '', $code)));
attempt('user 0', fn () => twofa_backup_code_hash($code, 0));
attempt('user -5', fn () => twofa_backup_code_hash($code, -5));
?>
--EXPECT--
10 codes by default
5000 distinct of 5000
23456789ABCDEFGHJKMNPQRSTVWXYZ
bool(true)
int(1)
int(100)
count 0: Twofa\ArgumentException: invalid count: must be between 1 and 100
count 101: Twofa\ArgumentException: invalid count: must be between 1 and 100
count -1: Twofa\ArgumentException: invalid count: must be between 1 and 100
"ABCD-EFGH-JKMN-PQRS" => 'ABCD-EFGH-JKMN-PQRS'
"abcd-efgh-jkmn-pqrs" => 'ABCD-EFGH-JKMN-PQRS'
"ABCDEFGHJKMNPQRS" => 'ABCD-EFGH-JKMN-PQRS'
" abcd efgh  jkmn-pqrs " => 'ABCD-EFGH-JKMN-PQRS'
"a-b-c-d-e-f-g-h-j-k-m-n-p-q-r-s" => 'ABCD-EFGH-JKMN-PQRS'
"ABCD-EFGH-JKMN-PQR" => false
"ABCD-EFGH-JKMN-PQRST" => false
"ABCD-EFGH-JKMN-PQRO" => false
"ABCD-EFGH-JKMN-PQR0" => false
"ABCD-EFGH-JKMN-PQRI" => false
"ABCD-EFGH-JKMN-PQR1" => false
"ABCD-EFGH-JKMN-PQRL" => false
"ABCD-EFGH-JKMN-PQRU" => false
"ABCD-EFGH-JKMN-PQRS\n" => false
"ABCD\tEFGH-JKMN-PQRS" => false
"ABCD-EFGH-JKMN-PQRS\u0000" => false
"ABCD_EFGH_JKMN_PQRS" => false
"ABCD\u2010EFGH-JKMN-PQRS" => false
"\uff21BCD-EFGH-JKMN-PQRS" => false
"" => false
"                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    " => false
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(false)
bool(true)
user 0: Twofa\ArgumentException: invalid user id: must be a positive integer
user -5: Twofa\ArgumentException: invalid user id: must be a positive integer
