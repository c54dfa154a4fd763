--TEST--
twofa_sign matches hash_hmac over the canonical string under a hash_hkdf subkey (the contract)
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/good.key
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
// docs/CONTRACTS.md, computed independently with PHP's own primitives.
$key = file_get_contents(__DIR__ . '/keys/good.key');
$subkey = hash_hkdf('sha256', $key, 32, 'twofa/v1/request-signing', '');
function reference(string $subkey, string $method, string $path, string $body, int $time): string
{
    $canonical = "v1\n{$time}\n{$method}\n{$path}\n" . hash('sha256', $body);
    return 'v1=' . hash_hmac('sha256', $canonical, $subkey);
}
$body = '{"user_id":1,"code":"123456","purpose":"login","expires_in":600}';
$cases = [
    ['POST', '/v1/email-otp', $body, 1700000000],
    ['GET', '/v1/users/42', '', 1700000001],
    ['GET', '/v1/report?page=2&per_page=50', '', time()],
    ['POST', '/v1/notify', "binary\0\xff", 0],
    ['POST', '/v1/notify', str_repeat('x', 1 << 20), 253402300799],
];
foreach ($cases as [$m, $p, $b, $t]) {
    $sig = twofa_sign($m, $p, $b, $t);
    echo $m, ' ', $p, ' ', preg_match('/^v1=[0-9a-f]{64}$/D', $sig) ? 'format ok' : 'BAD FORMAT', ' ',
        hash_equals(reference($subkey, $m, $p, $b, $t), $sig) ? 'matches' : 'MISMATCH', "\n";
}
// The method is upper-cased; anything in the request changes the signature.
$base = twofa_sign('POST', '/v1/notify', '{}', 1700000000);
var_dump(twofa_sign('post', '/v1/notify', '{}', 1700000000) === $base);
var_dump(twofa_sign('POST', '/v1/notify', '{ }', 1700000000) === $base);
var_dump(twofa_sign('POST', '/v1/notify?', '{}', 1700000000) === $base);
var_dump(twofa_sign('POST', '/v1/notify', '{}', 1700000001) === $base);
// The other subkeys are not the signing key.
var_dump(hash_equals(reference(hash_hkdf('sha256', $key, 32, 'twofa/v1/seal', ''), 'POST', '/v1/notify', '{}', 1700000000), $base));
var_dump(hash_equals(reference($key, 'POST', '/v1/notify', '{}', 1700000000), $base));
echo "v2\n";
function reference_v2(string $subkey, string $method, string $path, string $body, int $time, string $id): string
{
    $canonical = "v2\n{$time}\n{$id}\n{$method}\n{$path}\n" . hash('sha256', $body);
    return 'v2=' . hash_hmac('sha256', $canonical, $subkey);
}
$id = bin2hex(random_bytes(16));
foreach ($cases as [$m, $p, $b, $t]) {
    $sig = twofa_sign($m, $p, $b, $t, $id);
    echo $m, ' ', $p, ' ', preg_match('/^v2=[0-9a-f]{64}$/D', $sig) ? 'format ok' : 'BAD FORMAT', ' ',
        hash_equals(reference_v2($subkey, $m, $p, $b, $t, $id), $sig) ? 'matches' : 'MISMATCH', "\n";
}
$v2 = twofa_sign('POST', '/v1/notify', '{}', 1700000000, $id);
var_dump(twofa_sign('POST', '/v1/notify', '{}', 1700000000, null) === $base);
var_dump(twofa_sign('POST', '/v1/notify', '{}', 1700000000, $id) === $v2);
var_dump(twofa_sign('POST', '/v1/notify', '{}', 1700000000, bin2hex(random_bytes(16))) === $v2);
attempt('empty id', fn () => twofa_sign('GET', '/v1/x', '', 1, ''));
attempt('short id', fn () => twofa_sign('GET', '/v1/x', '', 1, str_repeat('a', 31)));
attempt('long id', fn () => twofa_sign('GET', '/v1/x', '', 1, str_repeat('a', 33)));
attempt('upper-case id', fn () => twofa_sign('GET', '/v1/x', '', 1, str_repeat('A', 32)));
attempt('id with newline', fn () => twofa_sign('GET', '/v1/x', '', 1, str_repeat('a', 31) . "\n"));
attempt('id not utf-8', fn () => twofa_sign('GET', '/v1/x', '', 1, str_repeat('a', 31) . "\xff"));
echo "errors\n";
attempt('empty method', fn () => twofa_sign('', '/v1/x', '', 1));
attempt('method with space', fn () => twofa_sign('PO ST', '/v1/x', '', 1));
attempt('method with newline', fn () => twofa_sign("POST\n", '/v1/x', '', 1));
attempt('long method', fn () => twofa_sign(str_repeat('A', 17), '/v1/x', '', 1));
attempt('method not utf-8', fn () => twofa_sign("P\xffST", '/v1/x', '', 1));
attempt('empty path', fn () => twofa_sign('GET', '', '', 1));
attempt('relative path', fn () => twofa_sign('GET', 'v1/x', '', 1));
attempt('absolute url', fn () => twofa_sign('GET', 'http://127.0.0.1/v1/x', '', 1));
attempt('path with space', fn () => twofa_sign('GET', '/v1/x y', '', 1));
attempt('path with newline', fn () => twofa_sign('GET', "/v1/x\nPOST", '', 1));
attempt('path non-ascii', fn () => twofa_sign('GET', '/v1/ü', '', 1));
attempt('huge path', fn () => twofa_sign('GET', '/' . str_repeat('a', 9000), '', 1));
attempt('negative time', fn () => twofa_sign('GET', '/v1/x', '', -1));
attempt('max time', fn () => twofa_sign('GET', '/v1/x', '', PHP_INT_MAX));
attempt('huge body', fn () => twofa_sign('POST', '/v1/x', str_repeat('x', (1 << 20) + 1), 1));
?>
--EXPECT--
POST /v1/email-otp format ok matches
GET /v1/users/42 format ok matches
GET /v1/report?page=2&per_page=50 format ok matches
POST /v1/notify format ok matches
POST /v1/notify format ok matches
bool(true)
bool(false)
bool(false)
bool(false)
bool(false)
bool(false)
v2
POST /v1/email-otp format ok matches
GET /v1/users/42 format ok matches
GET /v1/report?page=2&per_page=50 format ok matches
POST /v1/notify format ok matches
POST /v1/notify format ok matches
bool(true)
bool(true)
bool(false)
empty id: Twofa\ArgumentException: invalid request_id: must be 32 lowercase hex digits
short id: Twofa\ArgumentException: invalid request_id: must be 32 lowercase hex digits
long id: Twofa\ArgumentException: invalid request_id: must be 32 lowercase hex digits
upper-case id: Twofa\ArgumentException: invalid request_id: must be 32 lowercase hex digits
id with newline: Twofa\ArgumentException: invalid request_id: must be 32 lowercase hex digits
id not utf-8: Twofa\ArgumentException: request_id must be valid UTF-8
errors
empty method: Twofa\ArgumentException: invalid method: must be 1 to 16 ASCII letters
method with space: Twofa\ArgumentException: invalid method: must be 1 to 16 ASCII letters
method with newline: Twofa\ArgumentException: invalid method: must be 1 to 16 ASCII letters
long method: Twofa\ArgumentException: invalid method: must be 1 to 16 ASCII letters
method not utf-8: Twofa\ArgumentException: method must be valid UTF-8
empty path: Twofa\ArgumentException: invalid path: must start with / and contain only visible ASCII
relative path: Twofa\ArgumentException: invalid path: must start with / and contain only visible ASCII
absolute url: Twofa\ArgumentException: invalid path: must start with / and contain only visible ASCII
path with space: Twofa\ArgumentException: invalid path: must start with / and contain only visible ASCII
path with newline: Twofa\ArgumentException: invalid path: must start with / and contain only visible ASCII
path non-ascii: Twofa\ArgumentException: invalid path: must start with / and contain only visible ASCII
huge path: Twofa\ArgumentException: path is too large: 9001 bytes, at most 8192
negative time: Twofa\ArgumentException: invalid time -1: must be between 0 and 253402300799
max time: Twofa\ArgumentException: invalid time 9223372036854775807: must be between 0 and 253402300799
huge body: Twofa\ArgumentException: body is too large: 1048577 bytes, at most 1048576
