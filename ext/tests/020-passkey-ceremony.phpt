--TEST--
Passkeys: registration, login and passwordless login with a software authenticator; replays, counters, origins, relying party, signatures and user verification
--EXTENSIONS--
twofa
--INI--
twofa.key_file={PWD}/keys/good.key
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
require __DIR__ . '/setup/soft-authenticator.inc';
const RP = 'example.com';
const ORIGIN = 'https://example.com';
const NOW = 1800000000;

$auth = new SoftAuthenticator(ORIGIN, 10);
$begin = twofa_passkey_register_begin(42, 'alice', 'Alice', null, [], RP, ORIGIN, NOW);
$reg = twofa_passkey_register_finish($begin['state'], $auth->register($begin['options']), 42, NOW + 5);
var_dump(array_keys($reg));
var_dump($reg['credential_id'] === b64u($auth->credId), $reg['counter'], $reg['backup_eligible'], $reg['backup_state']);
var_dump($reg['user_handle'] === $begin['user_handle'], $reg['state_id'] === $begin['state_id']);
var_dump(str_starts_with($reg['record'], 'tf1.'), str_contains($reg['record'], $reg['credential_id']));
$info = twofa_passkey_record_info($reg['record'], 42);
var_dump(array_keys($info), $info['credential_id'] === $reg['credential_id'], $info['user_handle'] === $reg['user_handle'], $info['counter']);
// The user handle is 16 random bytes, not the user id.
var_dump(strlen(unb64u($reg['user_handle'])));

// Login (second step): the credential is allowed, the counter goes up, the record is updated.
$login = twofa_passkey_login_begin(42, [$reg['record']], RP, ORIGIN, NOW + 60);
$answer = $auth->assert($login['options']);
$done = twofa_passkey_login_finish($login['state'], $answer, 42, [$reg['record']], NOW + 61);
var_dump(array_keys($done));
var_dump($done['credential_id'] === $reg['credential_id'], $done['counter'], $done['state_id'] === $login['state_id']);
$record = $done['record'];
var_dump(twofa_passkey_record_info($record, 42)['counter']);

// The same assertion again (a replay) against the updated record: same counter, refused.
attempt('replay', fn () => twofa_passkey_login_finish($login['state'], $answer, 42, [$record], NOW + 62));
// A counter that goes backwards or stays.
foreach ([11, 5] as $counter) {
    $l = twofa_passkey_login_begin(42, [$record], RP, ORIGIN, NOW + 70);
    attempt("counter $counter", fn () => twofa_passkey_login_finish($l['state'], $auth->assert($l['options'], ['counter' => $counter]), 42, [$record], NOW + 71));
}
$bad = [
    'wrong origin' => ['origin' => 'https://example.org'],
    'subdomain origin' => ['origin' => 'https://www.example.com'],
    'wrong rp id hash' => ['rp_id' => 'example.org'],
    'tampered signature' => ['tamper_signature' => true],
    'no user verification' => ['flags' => FLAG_UP],
    'no user presence' => ['flags' => FLAG_UV],
    'challenge of another state' => ['challenge' => b64u(random_bytes(32))],
    'cross-origin frame' => ['cross_origin' => true],
];
foreach ($bad as $label => $knobs) {
    $l = twofa_passkey_login_begin(42, [$record], RP, ORIGIN, NOW + 80);
    attempt($label, fn () => twofa_passkey_login_finish($l['state'], $auth->assert($l['options'], $knobs), 42, [$record], NOW + 81));
}
// The answer to one state finished with another state of the same user.
$a = twofa_passkey_login_begin(42, [$record], RP, ORIGIN, NOW + 90);
$b = twofa_passkey_login_begin(42, [$record], RP, ORIGIN, NOW + 90);
attempt('answer to another state', fn () => twofa_passkey_login_finish($b['state'], $auth->assert($a['options']), 42, [$record], NOW + 91));
// State bound to user, purpose and time.
$l = twofa_passkey_login_begin(42, [$record], RP, ORIGIN, NOW + 100);
$answer = $auth->assert($l['options']);
attempt('state of another user', fn () => twofa_passkey_login_finish($l['state'], $answer, 43, [$record], NOW + 101));
attempt('state for another purpose', fn () => twofa_passkey_passwordless_finish($l['state'], $answer, 42, [$record], NOW + 101));
attempt('login state at registration', fn () => twofa_passkey_register_finish($l['state'], $answer, 42, NOW + 101));
attempt('expired state', fn () => twofa_passkey_login_finish($l['state'], $answer, 42, [$record], NOW + 100 + 300));
attempt('state from the future', fn () => twofa_passkey_login_finish($l['state'], $answer, 42, [$record], NOW + 100 - 61));
attempt('tampered state', fn () => twofa_passkey_login_finish(substr($l['state'], 0, -2) . 'AA', $answer, 42, [$record], NOW + 101));
attempt('record of another user', fn () => twofa_passkey_login_finish($l['state'], $answer, 42, [twofa_passkey_register_finish(
    ($x = twofa_passkey_register_begin(43, 'bob', 'Bob', null, [], RP, ORIGIN, NOW))['state'],
    (new SoftAuthenticator(ORIGIN))->register($x['options']), 43, NOW)['record']], NOW + 101));
// The untouched answer still works within the lifetime (the state id is the caller's to consume once).
$ok = twofa_passkey_login_finish($l['state'], $answer, 42, [$record], NOW + 100 + 299);
var_dump($ok['counter'], $ok['state_id'] === $l['state_id']);
$record = $ok['record'];

// Registration refusals: no user verification, wrong origin, the same authenticator again.
$r = twofa_passkey_register_begin(42, 'alice', 'Alice', $reg['user_handle'], [$record], RP, ORIGIN, NOW);
attempt('register without UV', fn () => twofa_passkey_register_finish($r['state'], (new SoftAuthenticator(ORIGIN))->register($r['options'], ['flags' => FLAG_UP]), 42, NOW));
attempt('register from another origin', fn () => twofa_passkey_register_finish($r['state'], (new SoftAuthenticator('https://evil.example'))->register($r['options']), 42, NOW));
attempt('register the same authenticator again', fn () => twofa_passkey_register_finish($r['state'], $auth->register($r['options']), 42, NOW));

// Passwordless: no user at begin, the user found by the credential id, the handle checked.
$p = twofa_passkey_passwordless_begin(RP, ORIGIN, NOW);
$answer = $auth->assert($p['options']);
$ids = twofa_passkey_response_ids($answer);
var_dump($ids['credential_id'] === $reg['credential_id'], $ids['user_handle'] === $reg['user_handle']);
$done = twofa_passkey_passwordless_finish($p['state'], $answer, 42, [$record], NOW + 1);
var_dump($done['credential_id'] === $reg['credential_id'], $done['user_handle'] === $reg['user_handle'], $done['counter']);
$p = twofa_passkey_passwordless_begin(RP, ORIGIN, NOW);
attempt('passwordless without user handle', fn () => twofa_passkey_passwordless_finish($p['state'], $auth->assert($p['options'], ['no_user_handle' => true]), 42, [$done['record']], NOW));
attempt('passwordless state as second step', fn () => twofa_passkey_login_finish($p['state'], $auth->assert($p['options']), 42, [$done['record']], NOW));

// A counterless authenticator (counter 0) with backup flags: always 0, accepted.
$synced = new SoftAuthenticator(ORIGIN, 0);
$r = twofa_passkey_register_begin(7, 'carol', 'Carol', null, [], RP, ORIGIN, NOW);
$reg7 = twofa_passkey_register_finish($r['state'], $synced->register($r['options'], ['flags' => FLAG_UP | FLAG_UV | FLAG_BE | FLAG_BS]), 7, NOW);
$l = twofa_passkey_login_begin(7, [$reg7['record']], RP, ORIGIN, NOW);
$d = twofa_passkey_login_finish($l['state'], $synced->assert($l['options'], ['flags' => FLAG_UP | FLAG_UV | FLAG_BE | FLAG_BS]), 7, [$reg7['record']], NOW);
var_dump($reg7['counter'], $reg7['backup_eligible'], $reg7['backup_state'], $d['counter']);
// localhost over http, as the browser tests serve the site.
$local = new SoftAuthenticator('http://localhost:8080');
$r = twofa_passkey_register_begin(8, 'dan', 'Dan', null, [], 'localhost', 'http://localhost:8080', NOW);
var_dump(twofa_passkey_register_finish($r['state'], $local->register($r['options']), 8, NOW)['credential_id'] === b64u($local->credId));
?>
--EXPECT--
array(7) {
  [0]=>
  string(13) "credential_id"
  [1]=>
  string(6) "record"
  [2]=>
  string(11) "user_handle"
  [3]=>
  string(7) "counter"
  [4]=>
  string(15) "backup_eligible"
  [5]=>
  string(12) "backup_state"
  [6]=>
  string(8) "state_id"
}
bool(true)
int(10)
bool(false)
bool(false)
bool(true)
bool(true)
bool(true)
bool(false)
array(5) {
  [0]=>
  string(13) "credential_id"
  [1]=>
  string(11) "user_handle"
  [2]=>
  string(7) "counter"
  [3]=>
  string(15) "backup_eligible"
  [4]=>
  string(12) "backup_state"
}
bool(true)
bool(true)
int(10)
int(16)
array(7) {
  [0]=>
  string(13) "credential_id"
  [1]=>
  string(6) "record"
  [2]=>
  string(7) "counter"
  [3]=>
  string(15) "backup_eligible"
  [4]=>
  string(12) "backup_state"
  [5]=>
  string(11) "user_handle"
  [6]=>
  string(8) "state_id"
}
bool(true)
int(11)
bool(true)
int(11)
replay: Twofa\PasskeyException: the passkey response was refused: the signature counter did not increase (a cloned or replayed authenticator)
counter 11: Twofa\PasskeyException: the passkey response was refused: the signature counter did not increase (a cloned or replayed authenticator)
counter 5: Twofa\PasskeyException: the passkey response was refused: the signature counter did not increase (a cloned or replayed authenticator)
wrong origin: Twofa\PasskeyException: the passkey response was refused: the origin is not the site's
subdomain origin: Twofa\PasskeyException: the passkey response was refused: the origin is not the site's
wrong rp id hash: Twofa\PasskeyException: the passkey response was refused: the relying party id is not the site's
tampered signature: Twofa\PasskeyException: the passkey response was refused: the signature does not verify
no user verification: Twofa\PasskeyException: the passkey response was refused: the user was not verified
no user presence: Twofa\PasskeyException: the passkey response was refused: the user was not present
challenge of another state: Twofa\PasskeyException: the passkey response was refused: the challenge is not the one of this ceremony
cross-origin frame: Twofa\PasskeyException: the passkey response was refused: the response comes from a cross-origin frame
answer to another state: Twofa\PasskeyException: the passkey response was refused: the challenge is not the one of this ceremony
state of another user: Twofa\SealException: the sealed value does not open: tampered with, truncated, or sealed for another context
state for another purpose: Twofa\SealException: the sealed value does not open: tampered with, truncated, or sealed for another context
login state at registration: Twofa\SealException: the sealed value does not open: tampered with, truncated, or sealed for another context
expired state: Twofa\PasskeyException: the passkey ceremony has expired; start again
state from the future: Twofa\PasskeyException: the passkey ceremony has expired; start again
tampered state: Twofa\SealException: the sealed value does not open: tampered with, truncated, or sealed for another context
record of another user: Twofa\SealException: the sealed value does not open: tampered with, truncated, or sealed for another context
int(23)
bool(true)
register without UV: Twofa\PasskeyException: the passkey response was refused: the user was not verified
register from another origin: Twofa\PasskeyException: the passkey response was refused: the origin is not the site's
register the same authenticator again: Twofa\PasskeyException: the passkey response was refused: the credential is already registered or uses an algorithm that was not offered
bool(true)
bool(true)
bool(true)
bool(true)
int(24)
passwordless without user handle: Twofa\PasskeyException: the passkey response was refused: the authenticator returned no user handle
passwordless state as second step: Twofa\SealException: the sealed value does not open: tampered with, truncated, or sealed for another context
int(0)
bool(true)
bool(true)
int(0)
bool(true)
