--TEST--
Passkeys: every function with hostile values in each argument and in each field of the browser's JSON: a result or a Twofa\Exception, never a warning or another error
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

$auth = new SoftAuthenticator(ORIGIN, 0);
$rb = twofa_passkey_register_begin(42, 'alice', 'Alice', null, [], RP, ORIGIN, NOW);
$reg_response = $auth->register($rb['options']);
$reg = twofa_passkey_register_finish($rb['state'], $reg_response, 42, NOW);
$lb = twofa_passkey_login_begin(42, [$reg['record']], RP, ORIGIN, NOW);
$login_response = $auth->assert($lb['options']);
$pb = twofa_passkey_passwordless_begin(RP, ORIGIN, NOW);
$pw_response = $auth->assert($pb['options']);

$strings = [
    '', ' ', "\0", "\xff\xfe", "\xc3\x28", 'tf1.', 'tf1.AAAA', 'null', '[]', '{}', '"x"', '{"id":1}', '{',
    '%s%n', '<script>', str_repeat('A', 70000), str_repeat('[', 100000), str_repeat("\xff", 3000),
    $rb['state'], $lb['state'], $pb['state'], $reg['record'], $reg_response, $login_response,
];
$ints = [0, 1, -1, 43, PHP_INT_MAX, PHP_INT_MIN, 253402300800];
$arrays = [[], [1], [null], [[]], [true], ['x'], ["\xff"], [$lb['state']], array_fill(0, 101, $reg['record']),
    ['k' => $reg['record']], [$reg['record'], $reg['record']]];
$valid = [
    'twofa_passkey_register_begin' => [42, 'alice', 'Alice', null, [], RP, ORIGIN, NOW],
    'twofa_passkey_register_finish' => [$rb['state'], $reg_response, 42, NOW],
    'twofa_passkey_login_begin' => [42, [$reg['record']], RP, ORIGIN, NOW],
    'twofa_passkey_login_finish' => [$lb['state'], $login_response, 42, [$reg['record']], NOW],
    'twofa_passkey_passwordless_begin' => [RP, ORIGIN, NOW],
    'twofa_passkey_passwordless_finish' => [$pb['state'], $pw_response, 42, [$reg['record']], NOW],
    'twofa_passkey_response_ids' => [$login_response],
    'twofa_passkey_record_info' => [$reg['record'], 42],
];
function outcome(callable $fn, array $args, string $label): string
{
    try {
        $r = $fn(...$args);
        return get_debug_type($r);
    } catch (Twofa\Exception $e) {
        return get_class($e);
    } catch (Throwable $e) {
        echo "$label: unexpected ", get_class($e), ': ', $e->getMessage(), "\n";
        return 'unexpected';
    }
}
// One argument at a time replaced by each hostile value of its type (the rest valid).
foreach ($valid as $fn => $args) {
    $outcomes = [outcome($fn, $args, $fn) => true];
    foreach ($args as $i => $arg) {
        $values = match (true) {
            is_int($arg) => $ints,
            is_array($arg) => $arrays,
            default => $arg === null ? [...$strings, null] : $strings,
        };
        foreach ($values as $v) {
            $a = $args;
            $a[$i] = $v;
            $outcomes[outcome($fn, $a, "$fn #$i")] = true;
        }
    }
    ksort($outcomes);
    echo $fn, ': ', implode(', ', array_keys($outcomes)), "\n";
}

// Each field of the browser's JSON replaced by each hostile JSON value, or removed.
$json_values = [null, true, 0, -1, 1.5, '', '!!', 'AAAA=', 'AA', [], ['a' => 1], ['x'], str_repeat('A', 5000)];
function set_field(array $doc, array $path, mixed $value, bool $remove): array
{
    $ref = &$doc;
    foreach (array_slice($path, 0, -1) as $p) {
        $ref = &$ref[$p];
    }
    if ($remove) {
        unset($ref[end($path)]);
    } else {
        $ref[end($path)] = $value;
    }
    return $doc;
}
$cases = [
    'registration' => [$reg_response, fn (string $json) => twofa_passkey_register_finish($rb['state'], $json, 42, NOW),
        [['id'], ['rawId'], ['type'], ['response'], ['response', 'clientDataJSON'], ['response', 'attestationObject'], ['response', 'transports'], ['clientExtensionResults']]],
    'login' => [$login_response, fn (string $json) => twofa_passkey_login_finish($lb['state'], $json, 42, [$reg['record']], NOW),
        [['id'], ['rawId'], ['type'], ['response'], ['response', 'clientDataJSON'], ['response', 'authenticatorData'], ['response', 'signature'], ['response', 'userHandle'], ['clientExtensionResults']]],
    'passwordless' => [$pw_response, fn (string $json) => twofa_passkey_passwordless_finish($pb['state'], $json, 42, [$reg['record']], NOW),
        [['id'], ['rawId'], ['response', 'userHandle'], ['response', 'signature']]],
];
foreach ($cases as $name => [$good, $finish, $paths]) {
    $doc = json_decode($good, true);
    foreach ($paths as $path) {
        $outcomes = [];
        foreach ([...$json_values, 'REMOVE'] as $v) {
            $json = json_encode(set_field($doc, $path, $v, $v === 'REMOVE'));
            $outcomes[outcome($finish, [$json], $name)] = true;
        }
        ksort($outcomes);
        echo $name, ' ', implode('.', $path), ': ', implode(', ', array_keys($outcomes)), "\n";
    }
}
echo "done\n";
?>
--EXPECT--
twofa_passkey_register_begin: Twofa\ArgumentException, Twofa\SealException, array
twofa_passkey_register_finish: Twofa\ArgumentException, Twofa\PasskeyException, Twofa\SealException, array
twofa_passkey_login_begin: Twofa\ArgumentException, Twofa\SealException, array
twofa_passkey_login_finish: Twofa\ArgumentException, Twofa\PasskeyException, Twofa\SealException, array
twofa_passkey_passwordless_begin: Twofa\ArgumentException, array
twofa_passkey_passwordless_finish: Twofa\ArgumentException, Twofa\PasskeyException, Twofa\SealException, array
twofa_passkey_response_ids: Twofa\ArgumentException, array
twofa_passkey_record_info: Twofa\ArgumentException, Twofa\SealException, array
registration id: Twofa\ArgumentException
registration rawId: Twofa\ArgumentException
registration type: Twofa\ArgumentException
registration response: Twofa\ArgumentException
registration response.clientDataJSON: Twofa\ArgumentException, Twofa\PasskeyException
registration response.attestationObject: Twofa\ArgumentException, Twofa\PasskeyException
registration response.transports: Twofa\ArgumentException, array
registration clientExtensionResults: Twofa\ArgumentException, array
login id: Twofa\ArgumentException
login rawId: Twofa\ArgumentException
login type: Twofa\ArgumentException
login response: Twofa\ArgumentException
login response.clientDataJSON: Twofa\ArgumentException, Twofa\PasskeyException
login response.authenticatorData: Twofa\ArgumentException, Twofa\PasskeyException
login response.signature: Twofa\ArgumentException, Twofa\PasskeyException
login response.userHandle: Twofa\ArgumentException, Twofa\PasskeyException, array
login clientExtensionResults: Twofa\ArgumentException, array
passwordless id: Twofa\ArgumentException
passwordless rawId: Twofa\ArgumentException
passwordless response.userHandle: Twofa\ArgumentException, Twofa\PasskeyException
passwordless response.signature: Twofa\ArgumentException, Twofa\PasskeyException
done
