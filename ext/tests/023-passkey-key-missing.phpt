--TEST--
Passkeys without a key file: each function that seals or opens throws Twofa\KeyException; argument errors come first; reading the ids of a response needs no key
--EXTENSIONS--
twofa
--INI--
twofa.key_file=
--FILE--
<?php
require __DIR__ . '/setup/helpers.inc';
$rp = ['example.com', 'https://example.com'];
attempt('register begin', fn () => twofa_passkey_register_begin(1, 'a', 'A', null, [], ...$rp));
attempt('register finish', fn () => twofa_passkey_register_finish('tf1.AAAA', '{}', 1));
attempt('login begin', fn () => twofa_passkey_login_begin(1, ['tf1.AAAA'], ...$rp));
attempt('login finish', fn () => twofa_passkey_login_finish('tf1.AAAA', '{}', 1, []));
attempt('passwordless begin', fn () => twofa_passkey_passwordless_begin(...$rp));
attempt('passwordless finish', fn () => twofa_passkey_passwordless_finish('tf1.AAAA', '{}', 1, []));
attempt('record info', fn () => twofa_passkey_record_info('tf1.AAAA', 1));
attempt('bad origin first', fn () => twofa_passkey_passwordless_begin('example.com', 'http://example.com'));
attempt('response ids', fn () => twofa_passkey_response_ids('{"id":"AQ","rawId":"AQ","type":"public-key","response":{"clientDataJSON":"","authenticatorData":"","signature":"","userHandle":null}}'));
?>
--EXPECT--
register begin: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
register finish: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
login begin: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
login finish: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
passwordless begin: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
passwordless finish: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
record info: Twofa\KeyException: no key file is configured: set the ini setting twofa.key_file to the path of the site key file
bad origin first: Twofa\ArgumentException: invalid origin: must be https (http only for localhost)
response ids: array (
  'credential_id' => 'AQ',
  'user_handle' => NULL,
)
