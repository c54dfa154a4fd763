<?php
/**
 * IDE stub for the twofa PHP extension (ext/ in this repository). Not loaded at runtime.
 *
 * Every error is a Twofa\Exception or a subclass. Arguments follow PHP's rules for internal
 * functions: outside strict_types an int, float, bool or numeric string is coerced to the
 * declared string or int (with the engine's deprecations), a Stringable object is a string; under
 * declare(strict_types=1) in the caller any other type is the engine's TypeError, with its usual
 * message ("twofa_totp_code(): Argument #2 ($time) must be of type int, string given"). Functions marked "needs the key" read the site key named by the ini setting
 * twofa.key_file (PHP_INI_SYSTEM) and throw Twofa\KeyException when it is missing, unreadable,
 * not exactly 32 bytes, or readable/writable by others.
 *
 * Ini settings (checked against the built extension by ext/tests/020-stub.phpt):
 * @ini twofa.key_file "" INI_SYSTEM the path of the 32-byte site key file
 */

namespace Twofa {
    /**
     * Base class of every exception the extension throws. The extension's exceptions are thrown
     * by the extension only: their constructor takes no arguments and throws an \Exception
     * ("You cannot instantiate this class from PHP."); catch them, do not create them.
     */
    class Exception extends \Exception
    {
        public function __construct() {}
    }

    /** No key file configured, unreadable, wrong length, or too open. */
    class KeyException extends Exception
    {
        public function __construct() {}
    }

    /** A sealed value that is malformed, tampered with, truncated, or sealed for another context. */
    class SealException extends Exception
    {
        public function __construct() {}
    }

    /** Any other invalid argument: bad base32 secret, bad time, oversized or empty input, non-UTF-8 text. */
    class ArgumentException extends Exception
    {
        public function __construct() {}
    }

    /**
     * A passkey response that does not verify (wrong challenge, origin or relying party id,
     * bad signature, user not verified or not present, a signature counter that did not
     * increase, a credential not allowed) or an expired ceremony state.
     */
    class PasskeyException extends Exception
    {
        public function __construct() {}
    }
}

namespace {
    /** The extension's version, e.g. "0.1.0". */
    function twofa_version(): string {}

    /**
     * The file this extension was loaded from, as the dynamic loader names it (the path given to
     * the extension= setting, resolved against extension_dir), "" if unknown.
     */
    function twofa_extension_file(): string {}

    /**
     * Whether the configured key file loads.
     *
     * @return array{loaded: bool, path: string, error: ?string} path is the ini value ("" when
     *         unset); error says what is wrong (never key material).
     */
    function twofa_key_status(): array {}

    /** A new TOTP secret: 160 bits from the OS CSPRNG, base32 without padding (32 characters). */
    function twofa_totp_secret(): string {}

    /**
     * The otpauth://totp/ URI for an authenticator app (Key Uri Format): label "issuer:account"
     * with each part percent-encoded (all but RFC 3986 unreserved characters, so a colon inside
     * either is %3A and the one literal colon separates them), the issuer again as a
     * percent-encoded parameter (both omitted when $issuer is ""), SHA1, 6 digits, 30 s.
     * Any UTF-8 account and issuer work (colons, %, &, #, spaces, non-ASCII).
     *
     * @param string $secret  base32, case-insensitive, spaces ignored, at least 128 bits
     * @param string $account non-empty UTF-8, at most 256 bytes
     * @param string $issuer  UTF-8, at most 256 bytes
     * @throws Twofa\ArgumentException bad secret, empty account, over the limits, not UTF-8
     */
    function twofa_totp_uri(string $secret, string $account, string $issuer): string {}

    /**
     * The 6-digit RFC 6238 code (SHA-1, 30 s) of $secret at unix time $time.
     *
     * @param int $time 0 to 253402300799 (year 9999)
     * @throws Twofa\ArgumentException bad secret or time
     */
    function twofa_totp_code(string $secret, int $time): string {}

    /**
     * Verifies a typed code at $time, accepting the step before and after the current one.
     *
     * @param string $code      exactly 6 ASCII digits once ASCII spaces are removed
     * @param int    $last_step the last accepted step; any step <= it is refused (replay)
     * @return int|false the matched time step (store it as the new $last_step), or false for a
     *                   wrong, replayed or malformed code
     * @throws Twofa\ArgumentException bad secret or time
     */
    function twofa_totp_verify(string $secret, string $code, int $time, int $last_step = -1): int|false {}

    /**
     * The QR code of $text as an inline <svg> element (no XML prolog), error correction M,
     * with a quiet zone, at least 200×200.
     *
     * @param string $text 1 to 2048 bytes
     * @throws Twofa\ArgumentException
     */
    function twofa_qr_svg(string $text): string {}

    /**
     * A typed 6-digit code in its plain form: exactly six ASCII digits once ASCII spaces are
     * removed ("123 456" → "123456"). Anything else is false: tabs, newlines, NUL, dashes
     * ("1-2-3-4-5-6"), no-break or other Unicode spaces, non-ASCII digits, 5 or 7 digits. Nothing
     * is trimmed first. twofa_totp_verify() and twofa_verify_code() apply the same rule.
     */
    function twofa_parse_code(string $input): string|false {}

    /** Six uniformly random digits from the OS CSPRNG. */
    function twofa_email_code(): string {}

    /**
     * $count new backup codes, distinct, each 16 symbols drawn uniformly from the OS CSPRNG out
     * of "23456789ABCDEFGHJKMNPQRSTVWXYZ" (no I, L, O, U, 0, 1): 16 × log2(30) ≈ 78.5 bits. Shown
     * as four dash-separated groups of four, e.g. "ABCD-EFGH-JKMN-PQRS".
     *
     * @param int $count 1 to 100
     * @return list<string>
     * @throws Twofa\ArgumentException
     */
    function twofa_backup_codes(int $count = 10): array {}

    /**
     * The canonical form ("ABCD-EFGH-JKMN-PQRS") of a typed backup code: case, ASCII spaces and
     * dashes are ignored; any other character (including I, L, O, U, 0, 1) gives false.
     */
    function twofa_backup_code_normalize(string $input): string|false {}

    /**
     * The keyed hash of a typed backup code for $user_id: twofa_hash_code() of its canonical
     * form under the context "backup:{user_id}". Deterministic, so it is both the value stored
     * at generation and the lookup key for consuming a code with one
     * DELETE … WHERE user_id = %d AND hash = %s. False when $code is not a backup code.
     * Needs the key.
     *
     * @param int $user_id at least 1
     * @throws Twofa\ArgumentException|Twofa\KeyException
     */
    function twofa_backup_code_hash(string $code, int $user_id): string|false {}

    /**
     * Keyed hash (HMAC-SHA256 under the code-hash subkey) of $code bound to $context:
     * "h1." + 43 base64url characters. A value that is a 6-digit code with ASCII spaces is
     * hashed without the spaces. Needs the key.
     *
     * @param string $code    1 to 1024 bytes
     * @param string $context 1 to 1024 bytes, e.g. "email:{user_id}:{purpose}:{code_id}"
     * @throws Twofa\ArgumentException|Twofa\KeyException
     */
    function twofa_hash_code(string $code, string $context): string {}

    /**
     * Whether $code matches $hash under $context, in constant time. A wrong, empty or oversized
     * code is false; a malformed hash or context throws. Needs the key.
     *
     * @throws Twofa\ArgumentException|Twofa\KeyException
     */
    function twofa_verify_code(string $hash, string $code, string $context): bool {}

    /**
     * Seals $plaintext (at most 64 KiB, any bytes) with XChaCha20-Poly1305, $context as
     * associated data. Returns printable ASCII starting "tf1.". Needs the key.
     *
     * @param string $context 1 to 1024 bytes, e.g. "totp:{user_id}"
     * @throws Twofa\ArgumentException|Twofa\KeyException
     */
    function twofa_seal(string $plaintext, string $context): string {}

    /**
     * Opens a value from twofa_seal() under the same $context. Needs the key.
     *
     * @throws Twofa\SealException malformed, tampered, truncated, or another context
     * @throws Twofa\ArgumentException|Twofa\KeyException
     */
    function twofa_open(string $sealed, string $context): string {}

    /**
     * The X-Twofa-Signature header value for a sidecar request. With $request_id (the
     * X-Twofa-Request-Id header value sent with the request: 32 lowercase hex digits, fresh for
     * every request, e.g. bin2hex(random_bytes(16))): "v2=" + hex HMAC-SHA256 under the
     * request-signing subkey over "v2\n{time}\n{request_id}\n{METHOD}\n{path}\n{hex(sha256(body))}",
     * the only form the sidecar accepts. Without it: the older "v1=" value over
     * "v1\n{time}\n{METHOD}\n{path}\n{hex(sha256(body))}", which the sidecar refuses
     * (docs/CONTRACTS.md). Needs the key.
     *
     * @param string      $method     ASCII letters, upper-cased
     * @param string      $path       the request target as sent (path plus ?query), visible ASCII, starting with "/"
     * @param string      $body       at most 1 MiB
     * @param int         $time       unix seconds, the X-Twofa-Timestamp value
     * @param string|null $request_id 32 lowercase hex digits, the X-Twofa-Request-Id value
     * @throws Twofa\ArgumentException|Twofa\KeyException
     */
    function twofa_sign(string $method, string $path, string $body, int $time, ?string $request_id = null): string {}

    /*
     * Passkeys (WebAuthn). docs/CONTRACTS.md ("Passkeys") has the JSON shapes, what the plugin
     * stores and how it consumes a ceremony state once. Common rules:
     * - $rp_id and $origin come from the site's home URL: $origin is "https://host[:port]" (or
     *   "http://localhost[:port]") with no path; $rp_id is its host or a parent domain of it
     *   (lowercase, punycode), never an IP address. Otherwise Twofa\ArgumentException.
     * - $credentials are the user's stored records (strings from *_finish()['record']), at most
     *   100; keys are ignored; a non-string element is Twofa\ArgumentException, a record of
     *   another user or tampered with Twofa\SealException.
     * - $now is unix seconds (default: the clock); a state expires 300 s after its begin.
     * - A state of another user, another purpose, tampered with or truncated is
     *   Twofa\SealException; an expired one (or one issued more than 60 s in the future)
     *   Twofa\PasskeyException; a response that does not verify Twofa\PasskeyException; a
     *   malformed response (bad JSON, wrong types, bad base64url, over 64 KiB, id != rawId,
     *   type != "public-key") Twofa\ArgumentException. Treat every Twofa\Exception of a finish
     *   as a failed attempt.
     * - All need the key (Twofa\KeyException) except twofa_passkey_response_ids().
     */

    /**
     * Starts adding a passkey (a discoverable credential, user verification required).
     *
     * @param int     $user_id      the WordPress user id (>= 1); binds the state
     * @param string  $user_name    1 to 256 bytes of UTF-8, no control characters (shown by the authenticator)
     * @param string  $display_name 1 to 256 bytes of UTF-8, no control characters
     * @param ?string $user_handle  the user's stored handle (base64url, 1 to 64 bytes), or null for
     *                              the user's first passkey: a random 16-byte handle is made
     * @param array   $credentials  the user's stored records (excluded: one authenticator once)
     * @return array{options: string, state: string, state_id: string, expires_at: int, user_handle: string}
     *         options: JSON {"publicKey": PublicKeyCredentialCreationOptions} for
     *         navigator.credentials.create(), binary fields base64url; state: sealed, store it
     *         under state_id until expires_at
     * @throws Twofa\ArgumentException|Twofa\SealException|Twofa\KeyException
     */
    function twofa_passkey_register_begin(int $user_id, string $user_name, string $display_name, ?string $user_handle, array $credentials, string $rp_id, string $origin, ?int $now = null): array {}

    /**
     * Finishes adding a passkey: verifies the browser's response (PublicKeyCredential.toJSON()
     * as a JSON string) against the state.
     *
     * @return array{credential_id: string, record: string, user_handle: string, counter: int, backup_eligible: bool, backup_state: bool, state_id: string}
     *         credential_id: base64url, store it unique across all users; record: sealed, store
     *         it; user_handle: store it for the user (the same on every later registration)
     * @throws Twofa\PasskeyException|Twofa\ArgumentException|Twofa\SealException|Twofa\KeyException
     */
    function twofa_passkey_register_finish(string $state, string $response, int $user_id, ?int $now = null): array {}

    /**
     * Starts the passkey step of a login for a known user (allowCredentials = the user's
     * passkeys; at least one record, else Twofa\ArgumentException).
     *
     * @return array{options: string, state: string, state_id: string, expires_at: int}
     *         options: JSON {"publicKey": PublicKeyCredentialRequestOptions} for navigator.credentials.get()
     * @throws Twofa\ArgumentException|Twofa\SealException|Twofa\KeyException
     */
    function twofa_passkey_login_begin(int $user_id, array $credentials, string $rp_id, string $origin, ?int $now = null): array {}

    /**
     * Finishes the passkey step of a login. The credential must have been allowed at begin and
     * be among $credentials (pass the newest stored records: their counters are checked).
     *
     * @return array{credential_id: string, record: string, counter: int, backup_eligible: bool, backup_state: bool, user_handle: string, state_id: string}
     *         record: the matched credential's record with the new counter; replace the stored one
     * @throws Twofa\PasskeyException|Twofa\ArgumentException|Twofa\SealException|Twofa\KeyException
     */
    function twofa_passkey_login_finish(string $state, string $response, int $user_id, array $credentials, ?int $now = null): array {}

    /**
     * Starts a passwordless login: no user, allowCredentials empty, user verification required.
     *
     * @return array{options: string, state: string, state_id: string, expires_at: int}
     * @throws Twofa\ArgumentException|Twofa\KeyException
     */
    function twofa_passkey_passwordless_begin(string $rp_id, string $origin, ?int $now = null): array {}

    /**
     * Finishes a passwordless login. Find the user first by the response's credential id
     * (twofa_passkey_response_ids()), then pass that user's id and records. The authenticator
     * must return the credential's user handle.
     *
     * @return array{credential_id: string, record: string, counter: int, backup_eligible: bool, backup_state: bool, user_handle: string, state_id: string}
     * @throws Twofa\PasskeyException|Twofa\ArgumentException|Twofa\SealException|Twofa\KeyException
     */
    function twofa_passkey_passwordless_finish(string $state, string $response, int $user_id, array $credentials, ?int $now = null): array {}

    /**
     * The credential id and user handle (base64url; null when absent) an authentication
     * response names. Nothing is verified: use them only to look up the user.
     *
     * @return array{credential_id: string, user_handle: ?string}
     * @throws Twofa\ArgumentException
     */
    function twofa_passkey_response_ids(string $response): array {}

    /**
     * What a stored record of $user_id holds (never key material).
     *
     * @return array{credential_id: string, user_handle: string, counter: int, backup_eligible: bool, backup_state: bool}
     * @throws Twofa\SealException|Twofa\ArgumentException|Twofa\KeyException
     */
    function twofa_passkey_record_info(string $record, int $user_id): array {}
}
