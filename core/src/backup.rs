//! Backup codes: one-time recovery codes people write down and type back.
//!
//! A code is 16 characters drawn uniformly (rejection sampling, no modulo bias) from the OS
//! CSPRNG out of a 30-symbol alphabet without the characters people confuse (no I, L, O, U, 0,
//! 1): `23456789ABCDEFGHJKMNPQRSTVWXYZ`. That is 16 × log2(30) ≈ 78.5 bits per code. It is shown
//! in four groups of four, `ABCD-EFGH-JKMN-PQRS`.
//!
//! On entry, case, ASCII spaces and dashes are ignored; any other character (including the
//! excluded look-alikes) refuses the input. The stored form is the keyed hash (see
//! [`crate::code_hash`]) of the canonical grouped form under the context `backup:{user_id}`;
//! the hash is deterministic, so it also serves as the lookup key for single-use consumption.

use rand::rngs::OsRng;
use rand::Rng;

use crate::error::{Error, Result};
use crate::key::SiteKey;

/// The symbols of a backup code.
pub const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols per code.
pub const CODE_CHARS: usize = 16;
/// Symbols per group in the displayed form.
pub const GROUP: usize = 4;
/// Length of the displayed (canonical) form: four groups of four joined by dashes.
pub const DISPLAY_LEN: usize = CODE_CHARS + CODE_CHARS / GROUP - 1;
/// Largest number of codes one call generates.
pub const MAX_COUNT: usize = 100;
/// Longest raw input looked at when normalizing; anything longer is refused without scanning.
const MAX_RAW: usize = 128;

/// Entropy of one code in bits, rounded down: floor(16 × log2(30)) = 78.
pub const ENTROPY_BITS: u32 = 78;

/// Joins 16 symbols into the displayed form `ABCD-EFGH-JKMN-PQRS`.
fn display(symbols: &[u8]) -> String {
    let mut out = String::with_capacity(DISPLAY_LEN);
    for (i, &c) in symbols.iter().enumerate() {
        if i > 0 && i % GROUP == 0 {
            out.push('-');
        }
        out.push(char::from(c));
    }
    out
}

/// One new backup code in its displayed form.
pub fn generate() -> String {
    let mut symbols = [0u8; CODE_CHARS];
    for s in &mut symbols {
        *s = ALPHABET[OsRng.gen_range(0..ALPHABET.len())];
    }
    display(&symbols)
}

/// `count` (1 to [`MAX_COUNT`]) distinct new backup codes.
pub fn generate_set(count: i64) -> Result<Vec<String>> {
    let n = usize::try_from(count)
        .ok()
        .filter(|n| (1..=MAX_COUNT).contains(n))
        .ok_or(Error::InvalidArgument {
            what: "count",
            reason: "must be between 1 and 100",
        })?;
    let mut codes: Vec<String> = Vec::with_capacity(n);
    while codes.len() < n {
        let c = generate();
        // A repeat within a set has a chance of about 2^-70; it is skipped all the same.
        if !codes.contains(&c) {
            codes.push(c);
        }
    }
    Ok(codes)
}

/// The canonical (displayed) form of a typed backup code, or `None` when the input is not one:
/// case, ASCII spaces and dashes are ignored, anything else is refused.
pub fn normalize(input: &[u8]) -> Option<String> {
    if input.len() > MAX_RAW {
        return None;
    }
    let mut symbols = Vec::with_capacity(CODE_CHARS);
    for &b in input {
        match b {
            b' ' | b'-' => {}
            _ => {
                let up = b.to_ascii_uppercase();
                if !ALPHABET.contains(&up) || symbols.len() == CODE_CHARS {
                    return None;
                }
                symbols.push(up);
            }
        }
    }
    (symbols.len() == CODE_CHARS).then(|| display(&symbols))
}

/// The context that binds a backup code's hash to its user.
pub fn context(user_id: i64) -> Result<String> {
    if user_id < 1 {
        return Err(Error::InvalidArgument {
            what: "user id",
            reason: "must be a positive integer",
        });
    }
    Ok(format!("backup:{user_id}"))
}

/// The keyed hash of a typed backup code for `user_id` (`h1.` + 43 base64url characters), the
/// value stored at generation and looked up at use; `Ok(None)` when the input is not a backup
/// code. The same code for the same user always gives the same hash.
pub fn hash(key: &SiteKey, input: &[u8], user_id: i64) -> Result<Option<String>> {
    let context = context(user_id)?;
    match normalize(input) {
        Some(code) => {
            crate::code_hash::hash_code(key, code.as_bytes(), context.as_bytes()).map(Some)
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> SiteKey {
        SiteKey::from_bytes([3u8; 32])
    }

    #[test]
    fn alphabet_has_no_look_alikes_and_the_entropy_is_as_documented() {
        for c in b"ILOU01" {
            assert!(!ALPHABET.contains(c), "{}", char::from(*c));
        }
        let mut sorted = ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 30);
        let bits = CODE_CHARS as f64 * (ALPHABET.len() as f64).log2();
        assert!(bits >= 64.0);
        assert_eq!(bits.floor() as u32, ENTROPY_BITS);
    }

    #[test]
    fn codes_are_grouped_from_the_alphabet_and_cover_it_uniformly() {
        let mut seen = [0u32; 256];
        for _ in 0..2000 {
            let c = generate();
            assert_eq!(c.len(), DISPLAY_LEN);
            let groups: Vec<&str> = c.split('-').collect();
            assert_eq!(groups.len(), 4);
            for g in groups {
                assert_eq!(g.len(), GROUP);
                for b in g.bytes() {
                    assert!(ALPHABET.contains(&b));
                    seen[usize::from(b)] += 1;
                }
            }
            assert_eq!(normalize(c.as_bytes()).as_deref(), Some(c.as_str()));
        }
        // 32,000 symbols: each of the 30 expects about 1067; 850 is over 6 standard deviations away.
        for &b in ALPHABET {
            assert!(
                seen[usize::from(b)] > 850,
                "{}: {}",
                char::from(b),
                seen[usize::from(b)]
            );
        }
    }

    #[test]
    fn sets_are_distinct_and_bounded() {
        let set = generate_set(10).unwrap();
        assert_eq!(set.len(), 10);
        let mut d = set.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), 10);
        assert_eq!(generate_set(1).unwrap().len(), 1);
        assert_eq!(generate_set(100).unwrap().len(), 100);
        for bad in [0, -1, 101, i64::MAX, i64::MIN] {
            assert!(matches!(
                generate_set(bad),
                Err(Error::InvalidArgument { what: "count", .. })
            ));
        }
    }

    #[test]
    fn normalize_ignores_case_spaces_and_dashes_only() {
        let canon = "ABCD-EFGH-JKMN-PQRS";
        for ok in [
            "ABCD-EFGH-JKMN-PQRS",
            "abcd-efgh-jkmn-pqrs",
            "ABCDEFGHJKMNPQRS",
            "abcd efgh jkmn pqrs",
            " AbCd--EfGh  JkMn-PqRs ",
            "A-B-C-D-E-F-G-H-J-K-M-N-P-Q-R-S",
        ] {
            assert_eq!(normalize(ok.as_bytes()).as_deref(), Some(canon), "{ok:?}");
        }
        for bad in [
            "",
            "-",
            "ABCD-EFGH-JKMN-PQR",
            "ABCD-EFGH-JKMN-PQRST",
            "ABCD-EFGH-JKMN-PQRI",
            "ABCD-EFGH-JKMN-PQRL",
            "ABCD-EFGH-JKMN-PQRO",
            "ABCD-EFGH-JKMN-PQRU",
            "ABCD-EFGH-JKMN-PQR0",
            "ABCD-EFGH-JKMN-PQR1",
            "ABCD_EFGH_JKMN_PQRS",
            "ABCD\tEFGH-JKMN-PQRS",
            "ABCD-EFGH-JKMN-PQRS\n",
            "ABCD-EFGH-JKMN-PQRS\0",
            "ABCD\u{a0}EFGH-JKMN-PQRS",
            "ABCD‐EFGH-JKMN-PQRS",
            "ＡBCD-EFGH-JKMN-PQRS",
            "ABCD.EFGH.JKMN.PQRS",
        ] {
            assert_eq!(normalize(bad.as_bytes()), None, "{bad:?}");
        }
        assert_eq!(normalize(&[b' '; 200]), None);
        assert_eq!(normalize(b"\xffBCD-EFGH-JKMN-PQRS"), None);
    }

    #[test]
    fn hash_is_per_user_deterministic_and_ignores_typing() {
        let k = key();
        let h = hash(&k, b"ABCD-EFGH-JKMN-PQRS", 7).unwrap().unwrap();
        assert!(h.starts_with("h1.") && h.len() == 46);
        assert_eq!(
            hash(&k, b"abcd efgh jkmn pqrs", 7).unwrap().as_deref(),
            Some(h.as_str())
        );
        assert_ne!(hash(&k, b"ABCD-EFGH-JKMN-PQRS", 8).unwrap().unwrap(), h);
        assert_ne!(hash(&k, b"ABCD-EFGH-JKMN-PQRT", 7).unwrap().unwrap(), h);
        assert_ne!(
            hash(&SiteKey::from_bytes([4u8; 32]), b"ABCD-EFGH-JKMN-PQRS", 7)
                .unwrap()
                .unwrap(),
            h
        );
        // The same machinery as every code hash, under the documented context.
        assert!(
            crate::code_hash::verify_code(&k, &h, b"ABCD-EFGH-JKMN-PQRS", b"backup:7").unwrap()
        );
        assert_eq!(hash(&k, b"not a code", 7).unwrap(), None);
        for bad in [0, -1, i64::MIN] {
            assert!(matches!(
                hash(&k, b"ABCD-EFGH-JKMN-PQRS", bad),
                Err(Error::InvalidArgument { .. })
            ));
        }
    }

    proptest! {
        #[test]
        fn normalize_never_panics_and_gives_canonical_codes(b in proptest::collection::vec(any::<u8>(), 0..150)) {
            if let Some(c) = normalize(&b) {
                prop_assert_eq!(c.len(), DISPLAY_LEN);
                prop_assert_eq!(normalize(c.as_bytes()), Some(c.clone()));
            }
        }
    }
}
