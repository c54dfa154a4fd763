<?php
/**
 * Extension benchmark, one PHP process:
 *  - twofa_totp_verify against a plain-PHP RFC 6238 verifier (hash_hmac, ±1 step, replay
 *    check) of the kind PHP 2FA plugins ship: verifications per second each and the ratio;
 *  - per-call cost of twofa_seal / twofa_open (with libsodium's XChaCha20-Poly1305 as a
 *    reference) and of twofa_qr_svg.
 * Rounds alternate A/B/A/B; the reported ratio is the median of the per-round ratios, so a
 * drift of the machine's speed during the run hits both sides alike.
 *
 * Usage: php -d extension=... -d twofa.key_file=... bench.php [rounds] [calls per round]
 *        php ... bench.php --only=ext|php|none [calls]   (one pass, for instruction counting)
 */

declare(strict_types=1);

$only = null;
$args = array_slice($argv, 1);
if (isset($args[0]) && str_starts_with($args[0], '--only=')) {
    $only = substr(array_shift($args), 7);
    array_unshift($args, '1');
}
$rounds = (int) ($args[0] ?? 11);
$calls = (int) ($args[1] ?? 20000);
if (!extension_loaded('twofa') || $rounds < 1 || $calls < 1) {
    fwrite(STDERR, "usage: php -d extension=libtwofa_ext.so -d twofa.key_file=KEY bench.php [rounds] [calls]\n");
    exit(2);
}

/** Base32 (RFC 4648) decode as plugins write it: upper-case, strip padding, 5 bits at a time. */
function php_base32_decode(string $b32): string
{
    $alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    $b32 = strtoupper(str_replace([' ', '='], '', $b32));
    $bits = '';
    $len = strlen($b32);
    for ($i = 0; $i < $len; $i++) {
        $v = strpos($alphabet, $b32[$i]);
        if ($v === false) {
            throw new InvalidArgumentException('bad base32');
        }
        $bits .= str_pad(decbin($v), 5, '0', STR_PAD_LEFT);
    }
    $out = '';
    foreach (str_split($bits, 8) as $byte) {
        if (strlen($byte) === 8) {
            $out .= chr(bindec($byte));
        }
    }
    return $out;
}

/** RFC 6238 code of $key at time step $step (HMAC-SHA-1, dynamic truncation, 6 digits). */
function php_totp_at(string $key, int $step): string
{
    $hash = hash_hmac('sha1', pack('J', $step), $key, true);
    $offset = ord($hash[19]) & 0x0f;
    $value = ((ord($hash[$offset]) & 0x7f) << 24) | (ord($hash[$offset + 1]) << 16)
        | (ord($hash[$offset + 2]) << 8) | ord($hash[$offset + 3]);
    return str_pad((string) ($value % 1000000), 6, '0', STR_PAD_LEFT);
}

/** The baseline verifier: one step either side, constant-time compare, replay refused. */
function php_totp_verify(string $secret, string $code, int $time, int $last_step = -1): int|false
{
    $code = str_replace(' ', '', $code);
    if (!preg_match('/^[0-9]{6}$/D', $code)) {
        return false;
    }
    $key = php_base32_decode($secret);
    $step = intdiv($time, 30);
    foreach ([0, -1, 1] as $delta) {
        $candidate = $step + $delta;
        if ($candidate > $last_step && hash_equals(php_totp_at($key, $candidate), $code)) {
            return $candidate;
        }
    }
    return false;
}

function median(array $xs): float
{
    sort($xs);
    $n = count($xs);
    return $n % 2 ? $xs[intdiv($n, 2)] : ($xs[$n / 2 - 1] + $xs[$n / 2]) / 2;
}

/** Seconds taken by $fn over $inputs. */
function timed(callable $fn, array $inputs): float
{
    $start = hrtime(true);
    foreach ($inputs as $in) {
        $fn(...$in);
    }
    return (hrtime(true) - $start) / 1e9;
}

// Inputs: a fresh secret per 100 calls, times spread over a day, half right codes (the current
// step, so the baseline stops at its first HMAC), half wrong (both compute all three steps).
$inputs = [];
$secret = '';
$base = 1700000000;
for ($i = 0; $i < $calls; $i++) {
    if ($i % 100 === 0) {
        $secret = twofa_totp_secret();
    }
    $t = $base + $i * 7;
    $code = $i % 2 ? twofa_totp_code($secret, $t) : sprintf('%06d', ((int) twofa_totp_code($secret, $t) + 500000) % 1000000);
    $inputs[] = [$secret, $code, $t, -1];
}
// Both verifiers must agree before their speed means anything.
foreach (array_slice($inputs, 0, 2000) as [$s, $c, $t, $l]) {
    if (twofa_totp_verify($s, $c, $t, $l) !== php_totp_verify($s, $c, $t, $l)) {
        fwrite(STDERR, "verifiers disagree for t=$t\n");
        exit(1);
    }
}

$ext = fn (string $s, string $c, int $t, int $l) => twofa_totp_verify($s, $c, $t, $l);
$php = fn (string $s, string $c, int $t, int $l) => php_totp_verify($s, $c, $t, $l);
if ($only !== null) {
    // One pass of one side; run.sh --callgrind subtracts the "none" pass (startup and input
    // generation) from each side's instruction count.
    match ($only) {
        'ext' => timed($ext, $inputs),
        'php' => timed($php, $inputs),
        'none' => 0.0,
    };
    exit(0);
}
timed($ext, array_slice($inputs, 0, 1000));
timed($php, array_slice($inputs, 0, 1000));

$ratios = [];
$ext_rates = [];
$php_rates = [];
for ($r = 0; $r < $rounds; $r++) {
    // Alternate which side goes first, so neither always runs on a warmer or cooler machine.
    if ($r % 2 === 0) {
        $a = timed($ext, $inputs);
        $b = timed($php, $inputs);
    } else {
        $b = timed($php, $inputs);
        $a = timed($ext, $inputs);
    }
    $ext_rates[] = $calls / $a;
    $php_rates[] = $calls / $b;
    $ratios[] = $b / $a;
}

printf("TOTP verification (%d rounds x %d calls, half right codes, half wrong)\n", $rounds, $calls);
printf("  twofa_totp_verify      %10.0f verifications/s (median)\n", median($ext_rates));
printf("  plain-PHP RFC 6238     %10.0f verifications/s (median)\n", median($php_rates));
printf("  ratio extension/PHP    %10.2fx (median of per-round ratios; min %.2fx, max %.2fx)\n",
    median($ratios), min($ratios), max($ratios));

// Per-call costs.
$per = fn (float $seconds, int $n) => $seconds / $n * 1e6;
$n = intdiv($calls, 2);
$plain = twofa_totp_secret();
$sealed = twofa_seal($plaintext = $plain, 'totp:42');
$sodium_key = random_bytes(SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_KEYBYTES);
$sodium_seal = function (string $p, string $ctx) use ($sodium_key): string {
    $nonce = random_bytes(SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_NPUBBYTES);
    return 'tf1.' . sodium_bin2base64($nonce . sodium_crypto_aead_xchacha20poly1305_ietf_encrypt($p, $ctx, $nonce, $sodium_key), SODIUM_BASE64_VARIANT_URLSAFE_NO_PADDING);
};
$sodium_sealed = $sodium_seal($plain, 'totp:42');
$sodium_open = function (string $s, string $ctx) use ($sodium_key): string|false {
    $blob = sodium_base642bin(substr($s, 4), SODIUM_BASE64_VARIANT_URLSAFE_NO_PADDING);
    $nonce = substr($blob, 0, SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_NPUBBYTES);
    return sodium_crypto_aead_xchacha20poly1305_ietf_decrypt(substr($blob, SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_NPUBBYTES), $ctx, $nonce, $sodium_key);
};
if (twofa_open($sealed, 'totp:42') !== $plain || $sodium_open($sodium_sealed, 'totp:42') !== $plain) {
    fwrite(STDERR, "seal round trip failed\n");
    exit(1);
}
$uri = twofa_totp_uri($plain, 'alice@example.com', 'Example Blog');
$cases = [
    'twofa_seal (32-byte secret)' => [fn ($p, $c) => twofa_seal($p, $c), [$plain, 'totp:42'], $n],
    'sodium seal, key in memory' => [$sodium_seal, [$plain, 'totp:42'], $n],
    'twofa_open' => [fn ($s, $c) => twofa_open($s, $c), [$sealed, 'totp:42'], $n],
    'sodium open, key in memory' => [$sodium_open, [$sodium_sealed, 'totp:42'], $n],
    'twofa_qr_svg (otpauth URI)' => [fn ($t) => twofa_qr_svg($t), [$uri], max(1, intdiv($calls, 40))],
];
$results = [];
for ($r = 0; $r < $rounds; $r++) {
    foreach ($cases as $name => [$fn, $args, $count]) {
        $results[$name][] = $per(timed($fn, array_fill(0, $count, $args)), $count);
    }
}
echo "Per-call cost (median of $rounds rounds)\n";
foreach ($results as $name => $us) {
    printf("  %-28s %9.2f us/call\n", $name, median($us));
}
printf("  twofa_qr_svg output size      %6d bytes\n", strlen(twofa_qr_svg($uri)));
