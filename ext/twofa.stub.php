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
     * The X-Twofa-Signature header value for a sidecar request: "v1=" + hex HMAC-SHA256 under
     * the request-signing subkey over "v1\n{time}\n{METHOD}\n{path}\n{hex(sha256(body))}"
     * (docs/CONTRACTS.md). Needs the key.
     *
     * @param string $method ASCII letters, upper-cased
     * @param string $path   the request target as sent (path plus ?query), visible ASCII, starting with "/"
     * @param string $body   at most 1 MiB
     * @param int    $time   unix seconds, the X-Twofa-Timestamp value
     * @throws Twofa\ArgumentException|Twofa\KeyException
     */
    function twofa_sign(string $method, string $path, string $body, int $time): string {}
}
