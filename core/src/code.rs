//! The 6-digit codes people type: strict parsing, and generation of email codes.
//!
//! A code is exactly six ASCII digits once ASCII spaces (U+0020, as authenticator apps show
//! "123 456") are removed. Everything else is refused: empty input, 5 or 7 digits, signs, dashes
//! (`1-2-3-4-5-6`), tabs, newlines, NUL bytes, no-break or other Unicode spaces, full-width or
//! other non-ASCII digits, letters. Nothing is trimmed or cleaned first.

use rand::rngs::OsRng;
use rand::Rng;

/// Number of digits in every code twofa issues or accepts.
pub const CODE_DIGITS: usize = 6;

/// Longest raw input looked at; anything longer is refused without scanning it.
const MAX_RAW: usize = 64;

/// Six uniformly random digits from the OS CSPRNG (`gen_range` rejects out-of-range samples,
/// so there is no modulo bias).
pub fn generate_code() -> String {
    let n: u32 = OsRng.gen_range(0..1_000_000);
    format!("{n:06}")
}

/// Parses a typed code; returns the six digits or `None`.
pub fn parse(input: &str) -> Option<String> {
    parse_bytes(input.as_bytes())
}

/// Byte-string variant of [`parse`] (PHP strings need not be UTF-8).
pub fn parse_bytes(input: &[u8]) -> Option<String> {
    if input.len() > MAX_RAW {
        return None;
    }
    let mut out = String::with_capacity(CODE_DIGITS);
    for &b in input {
        match b {
            b' ' => {}
            b'0'..=b'9' => {
                if out.len() == CODE_DIGITS {
                    return None;
                }
                out.push(b as char);
            }
            _ => return None,
        }
    }
    (out.len() == CODE_DIGITS).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_six_digits_with_ascii_spaces() {
        assert_eq!(parse("123456").as_deref(), Some("123456"));
        assert_eq!(parse("123 456").as_deref(), Some("123456"));
        assert_eq!(parse("  000000  ").as_deref(), Some("000000"));
        assert_eq!(parse("1 2 3 4 5 6").as_deref(), Some("123456"));
    }

    #[test]
    fn codes_are_six_digits_and_cover_the_range() {
        let mut first_digit = [0u32; 10];
        for _ in 0..2000 {
            let c = generate_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
            first_digit[(c.as_bytes()[0] - b'0') as usize] += 1;
        }
        // Each leading digit expects 200 of 2000; 100 is over 7 standard deviations away.
        assert!(first_digit.iter().all(|&n| n > 100), "{first_digit:?}");
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            " ",
            "12345",
            "1234567",
            "+123456",
            "-123456",
            "12345a",
            "abcdef",
            "１２３４５６",
            "123\u{0}456",
            "123456\u{0}",
            "123\t456",
            "123\n456",
            "123\u{a0}456",
            "١٢٣٤٥٦",
            "12 345",
            "0x1234",
            "1e5678",
            "123.45",
            "1-2-3-4-5-6",
            "123-456",
            "\t123456",
            "123456\t",
            "\n123456",
            "123456\n",
            "123456\r\n",
            "\r123456",
            "\u{b}123456",
            "\u{c}123456",
            "\u{0}123456",
            "123\u{2009}456",
            "123\u{3000}456",
            "\u{feff}123456",
            "123_456",
            "123,456",
            "123/456",
            "𝟏𝟐𝟑𝟒𝟓𝟔",
            "۱۲۳۴۵۶",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert_eq!(parse(&" ".repeat(100)), None);
        assert_eq!(parse_bytes(b"\xff123456"), None);
    }

    proptest! {
        #[test]
        fn any_input_gives_six_ascii_digits_or_none(s in ".{0,80}") {
            if let Some(c) = parse(&s) {
                prop_assert_eq!(c.len(), 6);
                prop_assert!(c.bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(s.replace(' ', ""), c);
            }
        }

        #[test]
        fn any_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = parse_bytes(&b);
        }
    }
}
