//! Keyed, context-bound hashes of one-time values for storage in the database: email codes,
//! login nonces, backup codes. Only the hash is stored; checking is in constant time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::key::{Purpose, SiteKey};

/// Version tag that starts every code hash.
pub const HASH_PREFIX: &str = "h1.";
/// Longest value [`hash_code`] accepts, in bytes.
pub const MAX_CODE: usize = 1024;
/// Domain separation for the HMAC input.
const DOMAIN: &[u8] = b"twofa/code-hash/v1";
/// Length of an encoded hash: prefix + base64url of 32 bytes.
const HASH_LEN: usize = 3 + 43;

type HmacSha256 = Hmac<Sha256>;

/// A value that parses as a typed 6-digit code is hashed in its normalized form, so
/// "123 456" verifies against the hash of "123456"; anything else is hashed as given.
fn normalize(code: &[u8]) -> Vec<u8> {
    match crate::code::parse_bytes(code) {
        Some(c) => c.into_bytes(),
        None => code.to_vec(),
    }
}

fn tag(key: &SiteKey, code: &[u8], context: &[u8]) -> [u8; 32] {
    let sub = key.subkey_ref(Purpose::CodeHash);
    let mut m = match HmacSha256::new_from_slice(sub.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes any key length"),
    };
    // Length prefixes keep (context, code) pairs unambiguous: ("a:1", "2") never collides
    // with ("a", ":12").
    m.update(DOMAIN);
    m.update(&(context.len() as u64).to_be_bytes());
    m.update(context);
    m.update(&(code.len() as u64).to_be_bytes());
    m.update(code);
    m.finalize().into_bytes().into()
}

/// The keyed hash of `code` under `context`: `h1.` + base64url(HMAC-SHA256), 46 ASCII characters.
pub fn hash_code(key: &SiteKey, code: &[u8], context: &[u8]) -> Result<String> {
    crate::context::check(context)?;
    if code.is_empty() {
        return Err(Error::InvalidArgument {
            what: "code",
            reason: "must not be empty",
        });
    }
    if code.len() > MAX_CODE {
        return Err(Error::TooLarge {
            what: "code",
            len: code.len(),
            max: MAX_CODE,
        });
    }
    let t = tag(key, &normalize(code), context);
    Ok(format!("{HASH_PREFIX}{}", URL_SAFE_NO_PAD.encode(t)))
}

/// Checks `code` against a hash from [`hash_code`] under the same `context`, in constant time.
///
/// A wrong, empty or oversized code gives `Ok(false)`; a malformed hash or context is an error.
pub fn verify_code(key: &SiteKey, hash: &str, code: &[u8], context: &[u8]) -> Result<bool> {
    crate::context::check(context)?;
    let stored = hash
        .strip_prefix(HASH_PREFIX)
        .filter(|_| hash.len() == HASH_LEN)
        .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
        .filter(|b| b.len() == 32)
        .ok_or(Error::MalformedHash)?;
    if code.is_empty() || code.len() > MAX_CODE {
        return Ok(false);
    }
    let t = tag(key, &normalize(code), context);
    Ok(t.ct_eq(stored.as_slice()).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> SiteKey {
        SiteKey::from_bytes([9u8; 32])
    }

    #[test]
    fn hash_verifies_only_the_same_code_context_and_key() {
        let k = key();
        let h = hash_code(&k, b"123456", b"email:7:login:abc").unwrap();
        assert!(h.starts_with("h1.") && h.len() == 46);
        assert!(h.bytes().all(|b| b.is_ascii_graphic()));
        assert!(verify_code(&k, &h, b"123456", b"email:7:login:abc").unwrap());
        assert!(verify_code(&k, &h, b"123 456", b"email:7:login:abc").unwrap());
        assert!(!verify_code(&k, &h, b"123457", b"email:7:login:abc").unwrap());
        assert!(!verify_code(&k, &h, b"123456", b"email:8:login:abc").unwrap());
        assert!(!verify_code(&k, &h, b"123456", b"email:7:setup:abc").unwrap());
        assert!(!verify_code(&k, &h, b"", b"email:7:login:abc").unwrap());
        assert!(!verify_code(&k, &h, &[b'1'; 2000], b"email:7:login:abc").unwrap());
        let other = SiteKey::from_bytes([10u8; 32]);
        assert!(!verify_code(&other, &h, b"123456", b"email:7:login:abc").unwrap());
        // The code does not appear in the hash.
        assert!(!h.contains("123456"));
    }

    #[test]
    fn context_and_code_boundaries_are_unambiguous() {
        let k = key();
        assert_ne!(
            hash_code(&k, b"2", b"a:1").unwrap(),
            hash_code(&k, b":12", b"a").unwrap()
        );
    }

    #[test]
    fn malformed_hashes_and_contexts_are_errors() {
        let k = key();
        let h = hash_code(&k, b"nonce-value", b"login-nonce:1").unwrap();
        assert!(verify_code(&k, &h, b"nonce-value", b"login-nonce:1").unwrap());
        for bad in [
            "",
            "h1.",
            "h2.",
            &h[..45],
            &format!("{h}A"),
            &h.replacen("h1.", "h2.", 1),
            &h.replace('.', "="),
        ] {
            assert_eq!(
                verify_code(&k, bad, b"x", b"c").unwrap_err(),
                Error::MalformedHash,
                "{bad:?}"
            );
        }
        assert!(matches!(
            verify_code(&k, &h, b"x", b""),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            hash_code(&k, b"x", b""),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            hash_code(&k, b"", b"c"),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            hash_code(&k, &[0u8; 1025], b"c"),
            Err(Error::TooLarge { .. })
        ));
        assert!(matches!(
            hash_code(&k, b"1", &[0u8; 1025]),
            Err(Error::TooLarge { .. })
        ));
    }

    proptest! {
        #[test]
        fn never_panics_and_roundtrips(code in proptest::collection::vec(any::<u8>(), 0..40), ctx in proptest::collection::vec(any::<u8>(), 0..40), junk in ".{0,60}") {
            let k = key();
            if let Ok(h) = hash_code(&k, &code, &ctx) {
                prop_assert!(verify_code(&k, &h, &code, &ctx).unwrap());
            }
            let _ = verify_code(&k, &junk, &code, &ctx);
        }
    }
}
