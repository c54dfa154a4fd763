--TEST--
twofa_totp_uri: any UTF-8 issuer and account give a Key Uri Format URI that decodes back to them
--EXTENSIONS--
twofa
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';

/** Reads an otpauth URI back: [issuer from the label or null, account, query parameters]. */
function decode_otpauth(string $uri): array
{
    if (!preg_match('{^otpauth://totp/([A-Za-z0-9._~%:-]+)\?([A-Za-z0-9._~%&=-]+)$}', $uri, $m)) {
        return ['MALFORMED', $uri, []];
    }
    // The one literal colon separates issuer and account; colons inside either are %3A.
    $parts = explode(':', $m[1]);
    if (count($parts) > 2) {
        return ['MORE THAN ONE COLON', $uri, []];
    }
    $account = rawurldecode(array_pop($parts));
    $issuer = $parts ? rawurldecode($parts[0]) : null;
    $query = [];
    foreach (explode('&', $m[2]) as $pair) {
        [$k, $v] = explode('=', $pair, 2);
        $query[$k] = rawurldecode($v);
    }
    return [$issuer, $account, $query];
}

$cases = [
    ['Acme: Blog', 'alice'],
    ['Acme', 'ali:ce'],
    [':', '::'],
    ['100% & more', 'a&b=c'],
    ['#1 Blog?', 'x#y?z'],
    ['Zoë\'s Café ✓', 'émile+tag@example.com'],
    ['日本語のブログ', 'ユーザー'],
    ["tab\there", "new\nline"],
    ['a%3Ab', '%41%'],
    ['  spaced  ', ' x '],
    ['emoji 🎉', '😀'],
    ['<script>', '"quoted"'],
    [str_repeat('é', 128), str_repeat('ü', 128)],
];
foreach ($cases as [$issuer, $account]) {
    try {
        $uri = twofa_totp_uri(RFC_SECRET, $account, $issuer);
    } catch (Throwable $e) {
        echo json_encode([$issuer, $account]), ': ', get_class($e), ': ', $e->getMessage(), "\n";
        continue;
    }
    [$i, $a, $q] = decode_otpauth($uri);
    $ok = $i === $issuer && $a === $account && ($q['issuer'] ?? null) === $issuer
        && ($q['secret'] ?? null) === RFC_SECRET && ($q['digits'] ?? null) === '6'
        && ($q['period'] ?? null) === '30' && ($q['algorithm'] ?? null) === 'SHA1';
    echo $ok ? 'ok' : 'WRONG ' . $uri, "\n";
}
echo twofa_totp_uri(RFC_SECRET, 'alice', 'Acme: Blog'), "\n";
// The URI fits the QR code twofa_qr_svg draws.
var_dump(str_starts_with(twofa_qr_svg(twofa_totp_uri(RFC_SECRET, 'alice', 'Acme: Blog')), '<svg'));
// Only truly invalid input is refused, as Twofa\ArgumentException.
attempt('empty account', fn () => twofa_totp_uri(RFC_SECRET, '', 'Acme: Blog'));
attempt('account over 256 bytes', fn () => twofa_totp_uri(RFC_SECRET, str_repeat('ü', 129), 'Acme'));
attempt('issuer over 256 bytes', fn () => twofa_totp_uri(RFC_SECRET, 'a', str_repeat('é', 129)));
attempt('issuer not UTF-8', fn () => twofa_totp_uri(RFC_SECRET, 'a', "Acme\xff"));
?>
--EXPECT--
ok
ok
ok
ok
ok
ok
ok
ok
ok
ok
ok
ok
ok
otpauth://totp/Acme%3A%20Blog:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%3A%20Blog&algorithm=SHA1&digits=6&period=30
bool(true)
empty account: Twofa\ArgumentException: invalid account: must not be empty
account over 256 bytes: Twofa\ArgumentException: account is too large: 258 bytes, at most 256
issuer over 256 bytes: Twofa\ArgumentException: issuer is too large: 258 bytes, at most 256
issuer not UTF-8: Twofa\ArgumentException: issuer must be valid UTF-8
