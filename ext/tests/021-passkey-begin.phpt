--TEST--
Passkeys: the begin outputs (options JSON for the browser, sealed state, state id, expiry) and the relying party checks
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/good.key
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
const NOW = 1800000000;
$b64u = '/^[A-Za-z0-9_-]+$/D';

$r = twofa_passkey_register_begin(42, 'alice', 'Alice Liddell', null, [], 'example.com', 'https://example.com', NOW);
var_dump(array_keys($r));
var_dump(str_starts_with($r['state'], 'tf1.'), preg_match($b64u, $r['state_id']), strlen($r['state_id']), $r['expires_at'] - NOW);
var_dump(preg_match($b64u, $r['user_handle']), strlen($r['user_handle']));
$o = json_decode($r['options'], true, 512, JSON_THROW_ON_ERROR);
var_dump(array_keys($o));
$pk = $o['publicKey'];
var_dump($pk['rp'], $pk['user']['id'] === $r['user_handle'], $pk['user']['name'], $pk['user']['displayName']);
var_dump(preg_match($b64u, $pk['challenge']), strlen($pk['challenge']), $pk['timeout'], $pk['attestation']);
var_dump(array_column($pk['pubKeyCredParams'], 'alg'), array_unique(array_column($pk['pubKeyCredParams'], 'type')));
var_dump($pk['authenticatorSelection'], $pk['excludeCredentials'], $pk['extensions']['credProps']);
// Nothing of the state is readable: not the challenge, not the user handle.
var_dump(str_contains($r['state'], $pk['challenge']), str_contains($r['state'], $r['user_handle']));

// A second begin: another state id, challenge and (for a user without one) user handle; a
// given user handle is kept.
$r2 = twofa_passkey_register_begin(42, 'alice', 'Alice', null, [], 'example.com', 'https://example.com', NOW);
var_dump($r2['state_id'] !== $r['state_id'], $r2['user_handle'] !== $r['user_handle'],
    json_decode($r2['options'], true)['publicKey']['challenge'] !== $pk['challenge']);
$handle = rtrim(strtr(base64_encode(random_bytes(64)), '+/', '-_'), '=');
$r3 = twofa_passkey_register_begin(42, 'alice', 'Alice', $handle, [], 'example.com', 'https://example.com', NOW);
var_dump($r3['user_handle'] === $handle, json_decode($r3['options'], true)['publicKey']['user']['id'] === $handle);
// Without $now the clock is used.
$r4 = twofa_passkey_register_begin(42, 'alice', 'Alice', null, [], 'example.com', 'https://example.com');
var_dump(abs($r4['expires_at'] - 300 - time()) <= 2);

$p = twofa_passkey_passwordless_begin('example.com', 'https://example.com', NOW);
var_dump(array_keys($p));
$o = json_decode($p['options'], true, 512, JSON_THROW_ON_ERROR);
var_dump(array_keys($o), $o['publicKey']['rpId'], $o['publicKey']['allowCredentials'], $o['publicKey']['userVerification'], $o['publicKey']['timeout']);

// Relying party and origin: what a site's home URL gives is accepted, anything else refused.
$pairs = [
    ['example.com', 'https://example.com'],
    ['example.com', 'https://example.com/'],
    ['example.com', 'https://www.example.com'],
    ['example.com', 'https://example.com:8443'],
    ['localhost', 'http://localhost:8080'],
    ['localhost', 'https://localhost'],
    ['example.com', 'http://example.com'],
    ['example.com', 'https://example.org'],
    ['example.com', 'https://notexample.com'],
    ['www.example.com', 'https://example.com'],
    ['com', 'https://example.com'],
    ['127.0.0.1', 'http://127.0.0.1:8080'],
    ['localhost', 'http://127.0.0.1'],
    ['example.com', 'https://example.com/blog'],
    ['example.com', 'https://example.com/?a=1'],
    ['example.com', 'https://u:p@example.com'],
    ['EXAMPLE.com', 'https://example.com'],
    ['example.com', 'javascript:alert(1)'],
    ['', ''],
    ["example.com\0", 'https://example.com'],
    ["\xff", 'https://example.com'],
];
foreach ($pairs as [$id, $origin]) {
    attempt(json_encode($id, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE) . ' ' . json_encode($origin, JSON_UNESCAPED_SLASHES), fn () => array_keys(twofa_passkey_passwordless_begin($id, $origin, NOW)) === ['options', 'state', 'state_id', 'expires_at']);
}
?>
--EXPECT--
array(5) {
  [0]=>
  string(7) "options"
  [1]=>
  string(5) "state"
  [2]=>
  string(8) "state_id"
  [3]=>
  string(10) "expires_at"
  [4]=>
  string(11) "user_handle"
}
bool(true)
int(1)
int(22)
int(300)
int(1)
int(22)
array(1) {
  [0]=>
  string(9) "publicKey"
}
array(2) {
  ["name"]=>
  string(11) "example.com"
  ["id"]=>
  string(11) "example.com"
}
bool(true)
string(5) "alice"
string(13) "Alice Liddell"
int(1)
int(43)
int(300000)
string(4) "none"
array(2) {
  [0]=>
  int(-7)
  [1]=>
  int(-257)
}
array(1) {
  [0]=>
  string(10) "public-key"
}
array(3) {
  ["residentKey"]=>
  string(8) "required"
  ["requireResidentKey"]=>
  bool(true)
  ["userVerification"]=>
  string(8) "required"
}
array(0) {
}
bool(true)
bool(false)
bool(false)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
array(4) {
  [0]=>
  string(7) "options"
  [1]=>
  string(5) "state"
  [2]=>
  string(8) "state_id"
  [3]=>
  string(10) "expires_at"
}
array(1) {
  [0]=>
  string(9) "publicKey"
}
string(11) "example.com"
array(0) {
}
string(8) "required"
int(300000)
"example.com" "https://example.com": true
"example.com" "https://example.com/": true
"example.com" "https://www.example.com": true
"example.com" "https://example.com:8443": true
"localhost" "http://localhost:8080": true
"localhost" "https://localhost": true
"example.com" "http://example.com": Twofa\ArgumentException: invalid origin: must be https (http only for localhost)
"example.com" "https://example.org": Twofa\ArgumentException: invalid relying party id: must be the origin's host or a parent domain of it
"example.com" "https://notexample.com": Twofa\ArgumentException: invalid relying party id: must be the origin's host or a parent domain of it
"www.example.com" "https://example.com": Twofa\ArgumentException: invalid relying party id: must be the origin's host or a parent domain of it
"com" "https://example.com": Twofa\ArgumentException: invalid relying party id: must be a registrable domain (at least two labels) or localhost
"127.0.0.1" "http://127.0.0.1:8080": Twofa\ArgumentException: invalid relying party id: must not be an IP address
"localhost" "http://127.0.0.1": Twofa\ArgumentException: invalid origin: the host must be a domain name, not an IP address
"example.com" "https://example.com/blog": Twofa\ArgumentException: invalid origin: must be scheme://host[:port] with no path, query or fragment
"example.com" "https://example.com/?a=1": Twofa\ArgumentException: invalid origin: must be scheme://host[:port] with no path, query or fragment
"example.com" "https://u:p@example.com": Twofa\ArgumentException: invalid origin: must not contain credentials
"EXAMPLE.com" "https://example.com": Twofa\ArgumentException: invalid relying party id: must be a lowercase domain name (letters, digits, hyphens; punycode for others)
"example.com" "javascript:alert(1)": Twofa\ArgumentException: invalid origin: has no host
"" "": Twofa\ArgumentException: invalid relying party id: must be 1 to 253 characters
"example.com\u0000" "https://example.com": Twofa\ArgumentException: invalid relying party id: must be a lowercase domain name (letters, digits, hyphens; punycode for others)
"\ufffd" "https://example.com": Twofa\ArgumentException: rp_id must be valid UTF-8
