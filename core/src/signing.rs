//! Request signing, plugin → sidecar (docs/CONTRACTS.md, "Request signing").
//!
//! The signature is `v2=` + lowercase hex HMAC-SHA256, under the request-signing subkey, over
//! `v2\n{timestamp}\n{request_id}\n{METHOD}\n{path}\n{hex(sha256(body))}`, where the request id
//! is 32 lowercase hex digits (128 random bits) the verifier accepts once. [`sign_v1`] still
//! makes the older `v1=` value (no request id), which [`verify`] refuses.

use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;

use crate::error::{Error, Result};
use crate::key::{Purpose, SiteKey};

/// Default freshness window: a timestamp more than this many seconds from `now` is stale.
pub const WINDOW_SECS: u64 = 60;
/// Largest body [`sign`] accepts.
pub const MAX_BODY: usize = 1024 * 1024;
/// Largest request target (path plus query) accepted.
pub const MAX_PATH: usize = 8 * 1024;
/// Largest method name accepted.
const MAX_METHOD: usize = 16;
/// Header value prefix of the current scheme.
const PREFIX: &str = "v2=";
/// Header value prefix of the older scheme, without a request id.
const PREFIX_V1: &str = "v1=";
/// Length of a request id: 128 bits as lowercase hex.
pub const REQUEST_ID_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// Why a signed request was refused; the sidecar answers 401 for each.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum SignatureError {
    /// A header is absent (the field names which).
    #[error("missing {0} header")]
    Missing(&'static str),
    /// A header is present but not in the contract's format (the field names which).
    #[error("malformed {0} header")]
    Malformed(&'static str),
    /// The timestamp is outside the freshness window.
    #[error("stale timestamp")]
    Stale,
    /// The signature does not match the request.
    #[error("signature mismatch")]
    Mismatch,
    /// The method or path cannot be part of a canonical string.
    #[error("invalid request line")]
    InvalidRequest,
}

/// Header name of the timestamp.
pub const TIMESTAMP_HEADER: &str = "X-Twofa-Timestamp";
/// Header name of the signature.
pub const SIGNATURE_HEADER: &str = "X-Twofa-Signature";
/// Header name of the request id.
pub const REQUEST_ID_HEADER: &str = "X-Twofa-Request-Id";

/// Whether `id` is a request id as the contract writes it: exactly 32 lowercase hex digits.
pub fn valid_request_id(id: &str) -> bool {
    id.len() == REQUEST_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A fresh request id: 128 bits from the OS CSPRNG, as lowercase hex.
pub fn new_request_id() -> String {
    let mut b = [0u8; REQUEST_ID_LEN / 2];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Upper-cases an HTTP method, refusing anything but 1–16 ASCII letters.
fn normalize_method(method: &str) -> Option<String> {
    if method.is_empty()
        || method.len() > MAX_METHOD
        || !method.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return None;
    }
    Some(method.to_ascii_uppercase())
}

/// A request target must start with `/` and hold only visible ASCII, so the canonical string's
/// newlines stay unambiguous.
fn valid_path(path: &str) -> bool {
    path.starts_with('/') && path.len() <= MAX_PATH && path.bytes().all(|b| b.is_ascii_graphic())
}

/// The canonical string signed for a request (method must already be upper case).
pub fn canonical_string(
    timestamp: &str,
    request_id: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> String {
    let body_hash = hex::encode(Sha256::digest(body));
    format!("v2\n{timestamp}\n{request_id}\n{method}\n{path}\n{body_hash}")
}

/// The older canonical string, without a request id.
pub fn canonical_string_v1(timestamp: &str, method: &str, path: &str, body: &[u8]) -> String {
    let body_hash = hex::encode(Sha256::digest(body));
    format!("v1\n{timestamp}\n{method}\n{path}\n{body_hash}")
}

fn mac(key: &SiteKey, canonical: &str) -> HmacSha256 {
    let subkey = key.subkey_ref(Purpose::RequestSigning);
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = match HmacSha256::new_from_slice(subkey.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes any key length"),
    };
    m.update(canonical.as_bytes());
    m
}

/// Checks what [`sign`] and [`sign_v1`] share; returns the upper-cased method.
fn check_request(method: &str, path: &str, body: &[u8], time: i64) -> Result<String> {
    let method = normalize_method(method).ok_or(Error::InvalidArgument {
        what: "method",
        reason: "must be 1 to 16 ASCII letters",
    })?;
    if path.len() > MAX_PATH {
        return Err(Error::TooLarge {
            what: "path",
            len: path.len(),
            max: MAX_PATH,
        });
    }
    if !valid_path(path) {
        return Err(Error::InvalidArgument {
            what: "path",
            reason: "must start with / and contain only visible ASCII",
        });
    }
    if body.len() > MAX_BODY {
        return Err(Error::TooLarge {
            what: "body",
            len: body.len(),
            max: MAX_BODY,
        });
    }
    if !(0..=crate::MAX_TIME).contains(&time) {
        return Err(Error::InvalidTime(time));
    }
    Ok(method)
}

/// Signs a request: returns the whole `X-Twofa-Signature` value, `v2=<64 lowercase hex>`.
///
/// `method` is upper-cased; it must be ASCII letters. `path` is the request target exactly as
/// sent (path plus `?query`), starting with `/`, visible ASCII only. `time` is unix seconds, >= 0.
/// `request_id` is the `X-Twofa-Request-Id` value sent with the request: 32 lowercase hex
/// digits, fresh for every request ([`new_request_id`]).
pub fn sign(
    key: &SiteKey,
    method: &str,
    path: &str,
    body: &[u8],
    time: i64,
    request_id: &str,
) -> Result<String> {
    let method = check_request(method, path, body, time)?;
    if !valid_request_id(request_id) {
        return Err(Error::InvalidArgument {
            what: "request_id",
            reason: "must be 32 lowercase hex digits",
        });
    }
    let canonical = canonical_string(&time.to_string(), request_id, &method, path, body);
    let tag = mac(key, &canonical).finalize().into_bytes();
    Ok(format!("{PREFIX}{}", hex::encode(tag)))
}

/// The older `v1=<64 lowercase hex>` value, without a request id (what `twofa_sign` returns when
/// called without one). [`verify`] refuses it: it could be replayed within its window.
pub fn sign_v1(key: &SiteKey, method: &str, path: &str, body: &[u8], time: i64) -> Result<String> {
    let method = check_request(method, path, body, time)?;
    let canonical = canonical_string_v1(&time.to_string(), &method, path, body);
    let tag = mac(key, &canonical).finalize().into_bytes();
    Ok(format!("{PREFIX_V1}{}", hex::encode(tag)))
}

/// Parses a timestamp header: 1–19 ASCII digits, nothing else.
fn parse_timestamp(ts: &str) -> Option<i64> {
    if ts.is_empty() || ts.len() > 19 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ts.parse::<i64>().ok()
}

/// The headers of a signed request as received (`None` when absent).
#[derive(Debug, Clone, Copy)]
pub struct SignedHeaders<'a> {
    /// `X-Twofa-Signature`.
    pub signature: Option<&'a str>,
    /// `X-Twofa-Timestamp`.
    pub timestamp: Option<&'a str>,
    /// `X-Twofa-Request-Id`.
    pub request_id: Option<&'a str>,
}

/// Verifies a signed request; returns its timestamp (unix seconds).
///
/// `headers` are the raw header values; `method`, `path` and `body` are the request as
/// received; `now` is the verifier's clock in unix seconds; `window` the allowed distance in
/// seconds either way (normally [`WINDOW_SECS`]). The checks run in this order: presence,
/// format, freshness, then a constant-time signature comparison. Only `v2=` signatures pass.
/// Refusing a request id seen before is the caller's part: this function has no memory.
pub fn verify(
    key: &SiteKey,
    headers: SignedHeaders<'_>,
    method: &str,
    path: &str,
    body: &[u8],
    now: i64,
    window: u64,
) -> std::result::Result<i64, SignatureError> {
    let signature = headers
        .signature
        .ok_or(SignatureError::Missing(SIGNATURE_HEADER))?;
    let timestamp = headers
        .timestamp
        .ok_or(SignatureError::Missing(TIMESTAMP_HEADER))?;
    let request_id = headers
        .request_id
        .ok_or(SignatureError::Missing(REQUEST_ID_HEADER))?;
    let ts = parse_timestamp(timestamp).ok_or(SignatureError::Malformed(TIMESTAMP_HEADER))?;
    if !valid_request_id(request_id) {
        return Err(SignatureError::Malformed(REQUEST_ID_HEADER));
    }
    let hex_part = signature
        .strip_prefix(PREFIX)
        .ok_or(SignatureError::Malformed(SIGNATURE_HEADER))?;
    if hex_part.len() != 64
        || !hex_part
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(SignatureError::Malformed(SIGNATURE_HEADER));
    }
    let given = hex::decode(hex_part).map_err(|_| SignatureError::Malformed(SIGNATURE_HEADER))?;
    if ts.abs_diff(now) > window {
        return Err(SignatureError::Stale);
    }
    let method = normalize_method(method).ok_or(SignatureError::InvalidRequest)?;
    if !valid_path(path) {
        return Err(SignatureError::InvalidRequest);
    }
    let expected = mac(
        key,
        &canonical_string(timestamp, request_id, &method, path, body),
    )
    .finalize()
    .into_bytes();
    if bool::from(expected.as_slice().ct_eq(given.as_slice())) {
        Ok(ts)
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ID: &str = "0123456789abcdef0123456789abcdef";

    fn key() -> SiteKey {
        SiteKey::from_bytes([42u8; 32])
    }

    fn reference(k: &SiteKey, canonical: &str) -> String {
        let sub = k.subkey(Purpose::RequestSigning);
        let mut m = HmacSha256::new_from_slice(sub.as_bytes()).unwrap();
        m.update(canonical.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    fn headers<'a>(
        sig: Option<&'a str>,
        ts: Option<&'a str>,
        id: Option<&'a str>,
    ) -> SignedHeaders<'a> {
        SignedHeaders {
            signature: sig,
            timestamp: ts,
            request_id: id,
        }
    }

    #[test]
    fn sign_matches_an_independent_computation_of_the_contract() {
        let k = key();
        let body = br#"{"user_id":1}"#;
        let sig = sign(&k, "post", "/v1/email-otp", body, 1_700_000_000, ID).unwrap();
        let canonical = format!(
            "v2\n1700000000\n{ID}\nPOST\n/v1/email-otp\n{}",
            hex::encode(Sha256::digest(body))
        );
        assert_eq!(sig, format!("v2={}", reference(&k, &canonical)));
        assert_eq!(sig.len(), 67);
        let v1 = sign_v1(&k, "post", "/v1/email-otp", body, 1_700_000_000).unwrap();
        let canonical = format!(
            "v1\n1700000000\nPOST\n/v1/email-otp\n{}",
            hex::encode(Sha256::digest(body))
        );
        assert_eq!(v1, format!("v1={}", reference(&k, &canonical)));
    }

    #[test]
    fn request_ids_are_fresh_and_valid() {
        let a = new_request_id();
        let b = new_request_id();
        assert!(valid_request_id(&a), "{a}");
        assert_ne!(a, b);
        for bad in [
            "",
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0",
            "0123456789ABCDEF0123456789abcdef",
            "0123456789abcdef0123456789abcdeg",
            " 123456789abcdef0123456789abcdef",
        ] {
            assert!(!valid_request_id(bad), "{bad}");
        }
    }

    #[test]
    fn verify_accepts_what_sign_makes_within_the_window() {
        let k = key();
        let t = 1_700_000_000;
        let p = "/v1/report?page=2&per_page=50";
        let s = sign(&k, "GET", p, b"", t, ID).unwrap();
        let ts = t.to_string();
        let h = headers(Some(&s), Some(&ts), Some(ID));
        for now in [t - 60, t, t + 60] {
            assert_eq!(verify(&k, h, "GET", p, b"", now, WINDOW_SECS), Ok(t));
        }
        for now in [t - 61, t + 61, i64::MIN, i64::MAX] {
            assert_eq!(
                verify(&k, h, "GET", p, b"", now, WINDOW_SECS),
                Err(SignatureError::Stale)
            );
        }
    }

    #[test]
    fn verify_distinguishes_missing_malformed_mismatch() {
        let k = key();
        let t = 1_700_000_000;
        let ts = t.to_string();
        let s = sign(&k, "POST", "/v1/notify", b"{}", t, ID).unwrap();
        let v = |sig: Option<&str>, ts: Option<&str>, m: &str, p: &str, b: &[u8]| {
            verify(&k, headers(sig, ts, Some(ID)), m, p, b, t, WINDOW_SECS)
        };
        assert_eq!(
            v(None, Some(&ts), "POST", "/v1/notify", b"{}"),
            Err(SignatureError::Missing(SIGNATURE_HEADER))
        );
        assert_eq!(
            v(Some(&s), None, "POST", "/v1/notify", b"{}"),
            Err(SignatureError::Missing(TIMESTAMP_HEADER))
        );
        assert_eq!(
            verify(
                &k,
                headers(Some(&s), Some(&ts), None),
                "POST",
                "/v1/notify",
                b"{}",
                t,
                WINDOW_SECS
            ),
            Err(SignatureError::Missing(REQUEST_ID_HEADER))
        );
        for bad_id in ["", "x", &ID.to_uppercase(), &format!("{ID}0"), &ID[1..]] {
            assert_eq!(
                verify(
                    &k,
                    headers(Some(&s), Some(&ts), Some(bad_id)),
                    "POST",
                    "/v1/notify",
                    b"{}",
                    t,
                    WINDOW_SECS
                ),
                Err(SignatureError::Malformed(REQUEST_ID_HEADER)),
                "{bad_id}"
            );
        }
        // Another well-formed id is another canonical string.
        assert_eq!(
            verify(
                &k,
                headers(
                    Some(&s),
                    Some(&ts),
                    Some("ffffffffffffffffffffffffffffffff")
                ),
                "POST",
                "/v1/notify",
                b"{}",
                t,
                WINDOW_SECS
            ),
            Err(SignatureError::Mismatch)
        );
        for bad_ts in [
            "",
            "-1",
            "+1700000000",
            " 1700000000",
            "17e8",
            "99999999999999999999",
            "1700000000\n",
        ] {
            assert_eq!(
                v(Some(&s), Some(bad_ts), "POST", "/v1/notify", b"{}"),
                Err(SignatureError::Malformed(TIMESTAMP_HEADER))
            );
        }
        let upper = s.to_uppercase().replacen("V2=", "v2=", 1);
        let v1 = sign_v1(&k, "POST", "/v1/notify", b"{}", t).unwrap();
        for bad_sig in [
            "",
            "v2=",
            "v1=00",
            &s[3..],
            &upper,
            &format!("{s}0"),
            &s[..66],
            // The older scheme is refused whatever it signs: it carries no request id.
            &v1,
            &s.replacen("v2=", "v1=", 1),
        ] {
            assert_eq!(
                v(Some(bad_sig), Some(&ts), "POST", "/v1/notify", b"{}"),
                Err(SignatureError::Malformed(SIGNATURE_HEADER)),
                "{bad_sig}"
            );
        }
        assert_eq!(
            v(Some(&s), Some(&ts), "POST", "/v1/notify", b"{ }"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            v(Some(&s), Some(&ts), "GET", "/v1/notify", b"{}"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            v(Some(&s), Some(&ts), "POST", "/v1/notify?x=1", b"{}"),
            Err(SignatureError::Mismatch)
        );
        let other = SiteKey::from_bytes([43u8; 32]);
        assert_eq!(
            verify(
                &other,
                headers(Some(&s), Some(&ts), Some(ID)),
                "POST",
                "/v1/notify",
                b"{}",
                t,
                WINDOW_SECS
            ),
            Err(SignatureError::Mismatch)
        );
        // A timestamp with a leading zero is a different canonical string.
        assert_eq!(
            v(
                Some(&s),
                Some(&format!("0{ts}")),
                "POST",
                "/v1/notify",
                b"{}"
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            v(Some(&s), Some(&ts), "PO ST", "/v1/notify", b"{}"),
            Err(SignatureError::InvalidRequest)
        );
        assert_eq!(
            v(Some(&s), Some(&ts), "POST", "/v1/no\ntify", b"{}"),
            Err(SignatureError::InvalidRequest)
        );
    }

    #[test]
    fn sign_refuses_bad_arguments() {
        let k = key();
        assert!(matches!(
            sign(&k, "", "/v1/x", b"", 1, ID),
            Err(Error::InvalidArgument { what: "method", .. })
        ));
        assert!(matches!(
            sign(&k, "GET\n", "/v1/x", b"", 1, ID),
            Err(Error::InvalidArgument { what: "method", .. })
        ));
        assert!(matches!(
            sign(&k, "GET", "v1/x", b"", 1, ID),
            Err(Error::InvalidArgument { what: "path", .. })
        ));
        assert!(matches!(
            sign(&k, "GET", "/v1/x y", b"", 1, ID),
            Err(Error::InvalidArgument { what: "path", .. })
        ));
        assert!(matches!(
            sign(&k, "GET", "/v1/\u{e9}", b"", 1, ID),
            Err(Error::InvalidArgument { what: "path", .. })
        ));
        for bad_id in ["", "0123", &ID.to_uppercase(), &format!("{ID}\n")] {
            assert!(matches!(
                sign(&k, "GET", "/v1/x", b"", 1, bad_id),
                Err(Error::InvalidArgument {
                    what: "request_id",
                    ..
                })
            ));
        }
        assert_eq!(
            sign(&k, "GET", "/", b"", -1, ID),
            Err(Error::InvalidTime(-1))
        );
        assert_eq!(
            sign(&k, "GET", "/", b"", i64::MAX, ID),
            Err(Error::InvalidTime(i64::MAX))
        );
        assert_eq!(
            sign_v1(&k, "GET", "/", b"", -1),
            Err(Error::InvalidTime(-1))
        );
        let big = vec![0u8; MAX_BODY + 1];
        assert!(matches!(
            sign(&k, "POST", "/", &big, 1, ID),
            Err(Error::TooLarge { what: "body", .. })
        ));
        assert!(sign(&k, "POST", "/", &big[..MAX_BODY], 1, ID).is_ok());
    }

    proptest! {
        #[test]
        fn verify_never_panics(sig in ".{0,80}", ts in ".{0,25}", id in ".{0,40}", m in ".{0,10}", p in ".{0,40}",
                               body in proptest::collection::vec(any::<u8>(), 0..64), now in any::<i64>(), w in any::<u64>()) {
            let _ = verify(&key(), headers(Some(&sig), Some(&ts), Some(&id)), &m, &p, &body, now, w);
        }

        #[test]
        fn sign_never_panics_and_roundtrips(m in "[A-Za-z]{1,8}", p in "/[!-~]{0,40}", body in proptest::collection::vec(any::<u8>(), 0..256), t in any::<i64>(), id in "[0-9a-f]{32}") {
            match sign(&key(), &m, &p, &body, t, &id) {
                Ok(s) => {
                    let ts = t.to_string();
                    prop_assert_eq!(verify(&key(), headers(Some(&s), Some(&ts), Some(&id)), &m, &p, &body, t, WINDOW_SECS), Ok(t));
                }
                Err(e) => prop_assert!(!(0..=crate::MAX_TIME).contains(&t), "{}", e),
            }
        }
    }
}
