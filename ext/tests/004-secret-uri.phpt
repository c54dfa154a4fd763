--TEST--
twofa_totp_secret and twofa_totp_uri: 160-bit base32 secrets, escaped URIs, any label, refused inputs
--EXTENSIONS--
twofa
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$seen = [];
for ($i = 0; $i < 200; $i++) {
    $s = twofa_totp_secret();
    if (!preg_match('/^[A-Z2-7]{32}$/', $s)) {
        echo "bad secret format\n";
    }
    $seen[$s] = true;
}
echo count($seen), " distinct\n";
// 32 base32 characters = 160 bits, and they work as a secret.
var_dump(strlen(twofa_totp_code(twofa_totp_secret(), time())) === 6);
echo twofa_totp_uri(RFC_SECRET, 'alice@example.com', 'My Blog & Co'), "\n";
echo twofa_totp_uri('gezd gnbv gy3t qojq gezd gnbv gy3t qojq', 'Zoë ✓', 'Blog/ü?#'), "\n";
echo twofa_totp_uri(RFC_SECRET, 'bob', ''), "\n";
attempt('empty account', fn () => twofa_totp_uri(RFC_SECRET, '', 'Blog'));
attempt('colon in account', fn () => twofa_totp_uri(RFC_SECRET, 'a:b', 'Blog'));
attempt('colon in issuer', fn () => twofa_totp_uri(RFC_SECRET, 'a', 'Bl:og'));
attempt('newline', fn () => twofa_totp_uri(RFC_SECRET, "a\nb", 'Blog'));
attempt('nul', fn () => twofa_totp_uri(RFC_SECRET, "a\0b", 'Blog'));
attempt('not utf-8', fn () => twofa_totp_uri(RFC_SECRET, "a\xffb", 'Blog'));
attempt('long account', fn () => twofa_totp_uri(RFC_SECRET, str_repeat('a', 257), 'Blog'));
attempt('long issuer', fn () => twofa_totp_uri(RFC_SECRET, 'a', str_repeat('b', 100000)));
attempt('bad secret', fn () => twofa_totp_uri('hello1', 'a', 'Blog'));
attempt('empty secret', fn () => twofa_totp_uri('', 'a', 'Blog'));
?>
--EXPECT--
200 distinct
bool(true)
otpauth://totp/My%20Blog%20%26%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=My%20Blog%20%26%20Co&algorithm=SHA1&digits=6&period=30
otpauth://totp/Blog%2F%C3%BC%3F%23:Zo%C3%AB%20%E2%9C%93?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Blog%2F%C3%BC%3F%23&algorithm=SHA1&digits=6&period=30
otpauth://totp/bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30
empty account: Twofa\ArgumentException: invalid account: must not be empty
colon in account: 'otpauth://totp/Blog:a%3Ab?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Blog&algorithm=SHA1&digits=6&period=30'
colon in issuer: 'otpauth://totp/Bl%3Aog:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Bl%3Aog&algorithm=SHA1&digits=6&period=30'
newline: 'otpauth://totp/Blog:a%0Ab?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Blog&algorithm=SHA1&digits=6&period=30'
nul: 'otpauth://totp/Blog:a%00b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Blog&algorithm=SHA1&digits=6&period=30'
not utf-8: Twofa\ArgumentException: account must be valid UTF-8
long account: Twofa\ArgumentException: account is too large: 257 bytes, at most 256
long issuer: Twofa\ArgumentException: issuer is too large: 100000 bytes, at most 256
bad secret: Twofa\ArgumentException: the secret is not valid base32
empty secret: Twofa\ArgumentException: the secret is too short: 0 bits, at least 128 required
