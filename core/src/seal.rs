//! Sealing of stored secrets with XChaCha20-Poly1305 (RustCrypto), the context as associated
//! data, so a blob copied to another user or purpose does not open.
//!
//! Format: `tf1.` + base64url-without-padding(24-byte nonce || ciphertext || 16-byte tag).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::key::{Purpose, SiteKey};

/// Version tag that starts every sealed value.
pub const PREFIX: &str = "tf1.";
/// Largest plaintext accepted, in bytes.
pub const MAX_PLAINTEXT: usize = 64 * 1024;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Longest sealed value that can hold [`MAX_PLAINTEXT`].
pub const MAX_SEALED: usize = PREFIX.len() + (NONCE_LEN + MAX_PLAINTEXT + TAG_LEN).div_ceil(3) * 4;

fn cipher(key: &SiteKey) -> XChaCha20Poly1305 {
    let sub = key.subkey_ref(Purpose::Seal);
    XChaCha20Poly1305::new(sub.as_bytes().into())
}

/// Seals `plaintext` (up to 64 KiB) for `context` (1 byte to 1 KiB). The result is printable
/// ASCII and differs on every call (random nonce).
pub fn seal(key: &SiteKey, plaintext: &[u8], context: &[u8]) -> Result<String> {
    crate::context::check(context)?;
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(Error::TooLarge {
            what: "plaintext",
            len: plaintext.len(),
            max: MAX_PLAINTEXT,
        });
    }
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let ct = cipher(key)
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: context,
            },
        )
        .map_err(|_| Error::SealFailed)?;
    let mut blob = Vec::with_capacity(NONCE_LEN + ct.len());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ct);
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(blob)))
}

/// Opens a value from [`seal`] under the same `context`. A value of another format or version,
/// or one tampered with, truncated or sealed for another context, is an error.
pub fn open(key: &SiteKey, sealed: &str, context: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    crate::context::check(context)?;
    if sealed.len() > MAX_SEALED {
        return Err(Error::SealMalformed("too long"));
    }
    let body = sealed
        .strip_prefix(PREFIX)
        .ok_or(Error::SealMalformed("unknown format or version"))?;
    let blob = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| Error::SealMalformed("bad encoding"))?;
    if blob.len() < NONCE_LEN + TAG_LEN {
        return Err(Error::SealMalformed("too short"));
    }
    let (nonce, ct) = blob.split_at(NONCE_LEN);
    cipher(key)
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ct,
                aad: context,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| Error::SealAuthentication)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> SiteKey {
        SiteKey::from_bytes([5u8; 32])
    }

    #[test]
    fn roundtrip_and_randomized() {
        let k = key();
        let a = seal(&k, b"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", b"totp:42").unwrap();
        let b = seal(&k, b"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", b"totp:42").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("tf1."));
        assert!(a.bytes().all(|c| c.is_ascii_graphic()));
        assert!(!a.contains("GEZDGNBV"));
        assert_eq!(
            open(&k, &a, b"totp:42").unwrap().as_slice(),
            b"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert_eq!(
            open(&k, &seal(&k, b"", b"c").unwrap(), b"c")
                .unwrap()
                .as_slice(),
            b""
        );
        let max = vec![0xa5u8; MAX_PLAINTEXT];
        let s = seal(&k, &max, b"c").unwrap();
        assert!(s.len() <= MAX_SEALED);
        assert_eq!(open(&k, &s, b"c").unwrap().as_slice(), max.as_slice());
    }

    #[test]
    fn other_context_key_tamper_truncation_fail() {
        let k = key();
        let s = seal(&k, b"secret", b"totp:42").unwrap();
        assert_eq!(
            open(&k, &s, b"totp:43").unwrap_err(),
            Error::SealAuthentication
        );
        assert_eq!(
            open(&k, &s, b"totp-pending:42").unwrap_err(),
            Error::SealAuthentication
        );
        assert_eq!(
            open(&SiteKey::from_bytes([6u8; 32]), &s, b"totp:42").unwrap_err(),
            Error::SealAuthentication
        );
        // Flip one character in every position after the prefix.
        for i in PREFIX.len()..s.len() {
            let mut bytes = s.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let t = String::from_utf8(bytes).unwrap();
            assert!(open(&k, &t, b"totp:42").is_err(), "position {i}");
        }
        for cut in [s.len() - 1, s.len() - 4, PREFIX.len() + 10, PREFIX.len()] {
            assert!(open(&k, &s[..cut], b"totp:42").is_err(), "cut {cut}");
        }
        assert_eq!(
            open(&k, &s.replacen("tf1.", "tf2.", 1), b"totp:42").unwrap_err(),
            Error::SealMalformed("unknown format or version")
        );
        assert_eq!(
            open(&k, &format!("{s}="), b"totp:42").unwrap_err(),
            Error::SealMalformed("bad encoding")
        );
        assert_eq!(
            open(&k, "tf1.AAAA", b"totp:42").unwrap_err(),
            Error::SealMalformed("too short")
        );
        assert_eq!(
            open(&k, "", b"totp:42").unwrap_err(),
            Error::SealMalformed("unknown format or version")
        );
        assert_eq!(
            open(&k, &"A".repeat(MAX_SEALED + 1), b"c").unwrap_err(),
            Error::SealMalformed("too long")
        );
    }

    #[test]
    fn argument_limits() {
        let k = key();
        assert!(matches!(
            seal(&k, b"x", b""),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            seal(&k, &vec![0u8; MAX_PLAINTEXT + 1], b"c"),
            Err(Error::TooLarge { .. })
        ));
        assert!(matches!(
            seal(&k, b"x", &[0u8; crate::context::MAX_CONTEXT + 1]),
            Err(Error::TooLarge { .. })
        ));
        assert!(matches!(
            open(&k, "tf1.x", b""),
            Err(Error::InvalidArgument { .. })
        ));
    }

    proptest! {
        #[test]
        fn open_never_panics(s in ".{0,200}", ctx in proptest::collection::vec(any::<u8>(), 0..20)) {
            let _ = open(&key(), &s, &ctx);
            let _ = open(&key(), &format!("tf1.{s}"), &ctx);
        }

        #[test]
        fn roundtrips_any_bytes(p in proptest::collection::vec(any::<u8>(), 0..300), ctx in proptest::collection::vec(any::<u8>(), 1..40)) {
            let s = seal(&key(), &p, &ctx).unwrap();
            let opened = open(&key(), &s, &ctx).unwrap();
            prop_assert_eq!(opened.as_slice(), p.as_slice());
        }
    }
}
