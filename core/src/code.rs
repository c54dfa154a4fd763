//! Strict parsing of user-typed 6-digit codes.
//!
//! A code is exactly six ASCII digits once ASCII spaces are removed. Everything else is refused:
//! empty input, 5 or 7 digits, signs, tabs, full-width or other non-ASCII digits, NUL bytes,
//! letters.

/// Number of digits in every code twofa issues or accepts.
pub const CODE_DIGITS: usize = 6;

/// Longest raw input looked at; anything longer is refused without scanning it.
const MAX_RAW: usize = 64;

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
