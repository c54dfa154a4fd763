//! RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30-second steps) on totp-rs.

use rand::rngs::OsRng;
use rand::RngCore;
use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Seconds per time step.
pub const STEP_SECS: u64 = 30;
/// Bytes in a newly generated secret (160 bits, as RFC 4226 recommends).
pub const NEW_SECRET_BYTES: usize = 20;
/// Shortest secret accepted: 128 bits.
pub const MIN_SECRET_BYTES: usize = 16;
/// Longest base32 secret accepted, in characters (spaces included).
pub const MAX_SECRET_CHARS: usize = 256;
/// Longest issuer or account name accepted in a URI, in bytes.
pub const MAX_LABEL: usize = 256;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648, no padding) of `bytes`.
fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes a base32 secret as authenticator apps show it: case-insensitive, ASCII spaces
/// ignored, optional trailing `=` padding. Refuses any other character, an impossible length,
/// and secrets under 128 bits.
pub fn decode_secret(secret: &str) -> Result<Zeroizing<Vec<u8>>> {
    if secret.len() > MAX_SECRET_CHARS {
        return Err(Error::TooLarge {
            what: "secret",
            len: secret.len(),
            max: MAX_SECRET_CHARS,
        });
    }
    let trimmed = secret.trim_end_matches(['=', ' ']);
    let mut out = Zeroizing::new(Vec::with_capacity(trimmed.len() * 5 / 8));
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    let mut chars = 0usize;
    for b in trimmed.bytes() {
        let v = match b {
            b' ' => continue,
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a',
            b'2'..=b'7' => b - b'2' + 26,
            _ => return Err(Error::SecretNotBase32),
        };
        chars += 1;
        buffer = ((buffer << 5) | u32::from(v)) & 0xffff;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    // Unpadded base32 lengths leave 0, 2, 4, 5 or 7 characters in the last group.
    if matches!(chars % 8, 1 | 3 | 6) {
        return Err(Error::SecretNotBase32);
    }
    if out.len() < MIN_SECRET_BYTES {
        return Err(Error::SecretTooShort {
            bits: out.len() * 8,
        });
    }
    Ok(out)
}

/// The canonical form of a secret: upper case, no spaces, no padding (after validating it).
pub fn normalize_secret(secret: &str) -> Result<String> {
    let bytes = decode_secret(secret)?;
    Ok(base32_encode(&bytes))
}

/// A new 160-bit secret from the OS CSPRNG, base32 without padding (32 characters).
pub fn generate_secret() -> String {
    let mut bytes = Zeroizing::new([0u8; NEW_SECRET_BYTES]);
    OsRng.fill_bytes(bytes.as_mut());
    base32_encode(bytes.as_ref())
}

/// HOTP (RFC 4226) value of `secret` at `counter` with `digits` digits (6 to 8).
pub fn hotp(secret: &[u8], counter: u64, digits: usize) -> Result<String> {
    if !(6..=8).contains(&digits) {
        return Err(Error::InvalidArgument {
            what: "digits",
            reason: "must be 6, 7 or 8",
        });
    }
    if secret.len() < MIN_SECRET_BYTES {
        return Err(Error::SecretTooShort {
            bits: secret.len() * 8,
        });
    }
    // A one-second step turns totp-rs's time argument into the HOTP counter.
    let totp = TOTP::new_unchecked(Algorithm::SHA1, digits, 0, 1, secret.to_vec());
    Ok(totp.generate(counter))
}

/// The time step containing `time` (unix seconds, 0 to [`crate::MAX_TIME`]).
pub fn step_of(time: i64) -> Result<u64> {
    if !(0..=crate::MAX_TIME).contains(&time) {
        return Err(Error::InvalidTime(time));
    }
    Ok(time as u64 / STEP_SECS)
}

/// The 6-digit code of base32 `secret` at `time` (unix seconds).
pub fn code(secret: &str, time: i64) -> Result<String> {
    let bytes = decode_secret(secret)?;
    let step = step_of(time)?;
    hotp(&bytes, step, 6)
}

/// Verifies a typed `code` against base32 `secret` at `time`, accepting the step before and
/// after the current one, and refusing any step at or below `last_step` (replay; pass -1 when
/// nothing was accepted yet).
///
/// Returns `Ok(Some(step))` with the matched step, `Ok(None)` for a wrong, replayed or
/// malformed code, and an error for a malformed secret or time. All candidate steps are
/// computed and compared in constant time, whichever matches.
pub fn verify(secret: &str, code: &str, time: i64, last_step: i64) -> Result<Option<u64>> {
    verify_bytes(secret, code.as_bytes(), time, last_step)
}

/// [`verify`] for a code given as bytes (PHP strings need not be UTF-8).
pub fn verify_bytes(secret: &str, code: &[u8], time: i64, last_step: i64) -> Result<Option<u64>> {
    let bytes = decode_secret(secret)?;
    let step = step_of(time)?;
    let Some(typed) = crate::code::parse_bytes(code) else {
        return Ok(None);
    };
    let mut matched: Option<u64> = None;
    // The current step first, so it wins when a code happens to repeat in a neighbour step.
    for candidate in [Some(step), step.checked_sub(1), step.checked_add(1)]
        .into_iter()
        .flatten()
    {
        let expected = hotp(&bytes, candidate, 6)?;
        let equal: bool =
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), typed.as_bytes()).into();
        // Steps fit in i64 because time <= MAX_TIME.
        let fresh = i128::from(candidate) > i128::from(last_step);
        if equal && fresh && matched.is_none() {
            matched = Some(candidate);
        }
    }
    Ok(matched)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn check_label(what: &'static str, value: &str, may_be_empty: bool) -> Result<()> {
    if value.len() > MAX_LABEL {
        return Err(Error::TooLarge {
            what,
            len: value.len(),
            max: MAX_LABEL,
        });
    }
    if value.is_empty() && !may_be_empty {
        return Err(Error::InvalidArgument {
            what,
            reason: "must not be empty",
        });
    }
    Ok(())
}

/// The `otpauth://totp/...` URI authenticator apps scan (Key Uri Format): label `issuer:account`
/// with both parts percent-encoded (everything but RFC 3986 unreserved characters, so a colon
/// inside either becomes `%3A` and the one literal colon is the separator), the normalized
/// secret, and the issuer again as a percent-encoded parameter.
///
/// Any UTF-8 account and issuer are accepted (colons, `%`, `&`, `#`, spaces, non-ASCII,
/// control characters all encoded); only an empty account or one over [`MAX_LABEL`] bytes, an
/// issuer over [`MAX_LABEL`] bytes, or a bad secret is an error.
pub fn uri(secret: &str, account: &str, issuer: &str) -> Result<String> {
    let secret = normalize_secret(secret)?;
    check_label("account", account, false)?;
    check_label("issuer", issuer, true)?;
    let account = percent_encode(account);
    if issuer.is_empty() {
        return Ok(format!(
            "otpauth://totp/{account}?secret={secret}&algorithm=SHA1&digits=6&period=30"
        ));
    }
    let issuer = percent_encode(issuer);
    Ok(format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";
    const RFC_SECRET_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn rfc4226_appendix_d() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, want) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64, 6).unwrap(), *want);
        }
    }

    #[test]
    fn rfc6238_appendix_b_sha1() {
        let rows: [(i64, &str); 6] = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (t, want) in rows {
            let step = step_of(t).unwrap();
            assert_eq!(hotp(RFC_SECRET, step, 8).unwrap(), want, "t={t}");
            // The 6-digit code is the last six digits of the 8-digit one.
            assert_eq!(code(RFC_SECRET_B32, t).unwrap(), want[2..], "t={t}");
        }
    }

    #[test]
    fn secrets_are_160_bits_base32_and_distinct() {
        let a = generate_secret();
        let b = generate_secret();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
        assert_ne!(a, b);
        assert_eq!(decode_secret(&a).unwrap().len(), 20);
    }

    #[test]
    fn secret_decoding_is_strict() {
        assert_eq!(
            decode_secret("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")
                .unwrap()
                .as_slice(),
            RFC_SECRET
        );
        assert_eq!(
            decode_secret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====")
                .unwrap()
                .as_slice(),
            RFC_SECRET
        );
        for bad in [
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ!",
            "GEZDGNBVGY3TQOJQ=GEZDGNBVGY3TQOJQ",
            "ＧEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ\0",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQG",
        ] {
            assert_eq!(
                decode_secret(bad).unwrap_err(),
                Error::SecretNotBase32,
                "{bad:?}"
            );
        }
        assert_eq!(
            decode_secret("").unwrap_err(),
            Error::SecretTooShort { bits: 0 }
        );
        assert_eq!(
            decode_secret("GEZDGNBVGY3TQOJQGEZDGNBV").unwrap_err(),
            Error::SecretTooShort { bits: 120 }
        );
        assert!(
            decode_secret("GEZDGNBVGY3TQOJQGEZDGNBVGY").is_ok(),
            "128 bits"
        );
        assert!(matches!(
            decode_secret(&"A".repeat(257)),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn verify_accepts_one_step_either_side_and_returns_it() {
        let t = 1_700_000_000i64;
        let s = t as u64 / 30;
        for (offset, want) in [(-30i64, s - 1), (0, s), (30, s + 1)] {
            let c = code(RFC_SECRET_B32, t + offset).unwrap();
            assert_eq!(verify(RFC_SECRET_B32, &c, t, -1).unwrap(), Some(want));
        }
        for offset in [-60i64, 60, 90] {
            let c = code(RFC_SECRET_B32, t + offset).unwrap();
            assert_eq!(verify(RFC_SECRET_B32, &c, t, -1).unwrap(), None);
        }
    }

    #[test]
    fn verify_refuses_replay_and_older_steps() {
        let t = 1_700_000_000i64;
        let s = t / 30;
        let c = code(RFC_SECRET_B32, t).unwrap();
        assert_eq!(
            verify(RFC_SECRET_B32, &c, t, s - 1).unwrap(),
            Some(s as u64)
        );
        assert_eq!(verify(RFC_SECRET_B32, &c, t, s).unwrap(), None);
        assert_eq!(verify(RFC_SECRET_B32, &c, t, s + 5).unwrap(), None);
        assert_eq!(verify(RFC_SECRET_B32, &c, t, i64::MAX).unwrap(), None);
        assert_eq!(
            verify(RFC_SECRET_B32, &c, t, i64::MIN).unwrap(),
            Some(s as u64)
        );
        let prev = code(RFC_SECRET_B32, t - 30).unwrap();
        assert_eq!(verify(RFC_SECRET_B32, &prev, t, s - 1).unwrap(), None);
    }

    #[test]
    fn verify_malformed_code_is_false_and_bad_secret_or_time_is_error() {
        let t = 59;
        assert_eq!(verify(RFC_SECRET_B32, "287 082", t, -1).unwrap(), Some(1));
        for bad in [
            "",
            "28708",
            "2870822",
            "+287082",
            "２８７０８２",
            "287082\0",
            "abcdef",
        ] {
            assert_eq!(verify(RFC_SECRET_B32, bad, t, -1).unwrap(), None, "{bad:?}");
        }
        assert_eq!(
            verify("!!", "287082", t, -1).unwrap_err(),
            Error::SecretNotBase32
        );
        assert_eq!(
            verify(RFC_SECRET_B32, "287082", -1, -1).unwrap_err(),
            Error::InvalidTime(-1)
        );
        assert_eq!(
            verify(RFC_SECRET_B32, "287082", i64::MAX, -1).unwrap_err(),
            Error::InvalidTime(i64::MAX)
        );
        assert_eq!(
            code(RFC_SECRET_B32, i64::MIN).unwrap_err(),
            Error::InvalidTime(i64::MIN)
        );
        assert!(code(RFC_SECRET_B32, crate::MAX_TIME).is_ok());
        assert_eq!(verify(RFC_SECRET_B32, "755224", 0, -1).unwrap(), Some(0));
    }

    #[test]
    fn uri_escapes_and_names_the_issuer_twice() {
        let u = uri(
            "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
            "alice@example.com",
            "My Blog & Co",
        )
        .unwrap();
        assert_eq!(
            u,
            "otpauth://totp/My%20Blog%20%26%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=My%20Blog%20%26%20Co&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            uri(RFC_SECRET_B32, "bob", "").unwrap(),
            "otpauth://totp/bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30"
        );
        assert!(uri(RFC_SECRET_B32, "Zoë ✓", "Blog")
            .unwrap()
            .contains("Zo%C3%AB%20%E2%9C%93"));
        assert!(matches!(
            uri(RFC_SECRET_B32, "", "x"),
            Err(Error::InvalidArgument {
                what: "account",
                ..
            })
        ));
        assert!(matches!(
            uri(RFC_SECRET_B32, &"a".repeat(300), "x"),
            Err(Error::TooLarge { .. })
        ));
        assert_eq!(
            uri("short", "a", "x").unwrap_err(),
            Error::SecretTooShort { bits: 24 }
        );
    }

    /// Decodes `%XX` escapes; `None` for a malformed escape or a byte that should have been
    /// escaped.
    fn percent_decode(s: &str) -> Option<String> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'%' => {
                    let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                    out.push(u8::from_str_radix(hex, 16).ok()?);
                    i += 3;
                }
                c if c.is_ascii_alphanumeric() || b"-._~".contains(&c) => {
                    out.push(c);
                    i += 1;
                }
                _ => return None,
            }
        }
        String::from_utf8(out).ok()
    }

    /// Reads a URI from [`uri`] back: (issuer, account, query parameters).
    fn decode_uri(u: &str) -> (Option<String>, String, Vec<(String, String)>) {
        let rest = u.strip_prefix("otpauth://totp/").expect("scheme and type");
        let (label, query) = rest.split_once('?').expect("a query");
        assert!(!query.contains('#') && !label.contains('#'));
        let (issuer, account) = match label.split_once(':') {
            Some((i, a)) => {
                assert!(!a.contains(':'), "one literal colon: {u}");
                (Some(percent_decode(i).expect("issuer")), a)
            }
            None => (None, label),
        };
        let account = percent_decode(account).expect("account");
        let params = query
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').expect("key=value");
                (k.to_string(), percent_decode(v).expect("value"))
            })
            .collect();
        (issuer, account, params)
    }

    #[test]
    fn any_issuer_and_account_roundtrip_through_the_uri() {
        let cases = [
            ("Acme: Blog", "alice"),
            ("Acme", "ali:ce"),
            (":", ":"),
            ("100% & more #1", "a&b=c#d?e/f"),
            ("Zoë's Café ✓ 日本", "émile+tag@example.com"),
            (
                "tab	here", "new
line",
            ),
            ("a%3Ab", "%41"),
            ("  spaced  ", " x "),
            ("emoji 🎉", "😀"),
        ];
        for (issuer, account) in cases {
            let u = uri(RFC_SECRET_B32, account, issuer).unwrap();
            assert!(u.is_ascii() && !u.contains(' '), "{u}");
            let (i, a, params) = decode_uri(&u);
            assert_eq!(i.as_deref(), Some(issuer), "{u}");
            assert_eq!(a, account, "{u}");
            let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            assert_eq!(get("issuer"), Some(issuer), "{u}");
            assert_eq!(get("secret"), Some(RFC_SECRET_B32));
            assert_eq!(get("algorithm"), Some("SHA1"));
            assert_eq!(get("digits"), Some("6"));
            assert_eq!(get("period"), Some("30"));
        }
        assert_eq!(
            uri(RFC_SECRET_B32, "a", "Acme: Blog").unwrap(),
            "otpauth://totp/Acme%3A%20Blog:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%3A%20Blog&algorithm=SHA1&digits=6&period=30"
        );
        let (i, a, _) = decode_uri(&uri(RFC_SECRET_B32, "a:b", "").unwrap());
        assert_eq!((i, a.as_str()), (None, "a:b"));
        // The limits stay: 256 bytes each, a non-empty account.
        assert!(uri(RFC_SECRET_B32, &"é".repeat(128), &"é".repeat(128)).is_ok());
        assert!(matches!(
            uri(RFC_SECRET_B32, "a", &"é".repeat(129)),
            Err(Error::TooLarge { what: "issuer", .. })
        ));
    }

    proptest! {
        #[test]
        fn any_utf8_roundtrips_through_the_uri(account in ".{1,40}", issuer in ".{0,40}") {
            let u = uri(RFC_SECRET_B32, &account, &issuer).unwrap();
            let (i, a, _) = decode_uri(&u);
            prop_assert_eq!(a, account);
            prop_assert_eq!(i.unwrap_or_default(), issuer);
        }

        #[test]
        fn base32_roundtrips(bytes in proptest::collection::vec(any::<u8>(), 16..64)) {
            let enc = base32_encode(&bytes);
            let upper = decode_secret(&enc).unwrap();
            prop_assert_eq!(upper.as_slice(), bytes.as_slice());
            let lower = decode_secret(&enc.to_lowercase()).unwrap();
            prop_assert_eq!(lower.as_slice(), bytes.as_slice());
        }

        #[test]
        fn no_input_panics(secret in ".{0,300}", code_in in ".{0,20}", time in any::<i64>(), last in any::<i64>()) {
            let _ = decode_secret(&secret);
            let _ = verify(&secret, &code_in, time, last);
            let _ = verify(RFC_SECRET_B32, &code_in, time, last);
            let _ = code(&secret, time);
            let _ = uri(&secret, &code_in, &secret);
        }

        #[test]
        fn the_current_code_verifies_unless_replayed(time in 30i64..=crate::MAX_TIME - 30, back in 0i64..3) {
            let c = code(RFC_SECRET_B32, time).unwrap();
            let s = time / 30;
            prop_assert_eq!(verify(RFC_SECRET_B32, &c, time, s - 1 - back).unwrap(), Some(s as u64));
            prop_assert_eq!(verify(RFC_SECRET_B32, &c, time, s).unwrap(), None);
        }
    }
}
