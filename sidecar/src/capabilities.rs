//! A strict parser for WordPress's `{prefix}capabilities` user meta: a PHP-serialized array of
//! string => bool, e.g. `a:1:{s:13:"administrator";b:1;}`.
//!
//! Only that shape is accepted. Anything else (objects, nested arrays, references, wrong string
//! lengths, trailing bytes, oversized input) is refused with an error, never a panic: the value
//! comes from the database, which the sidecar does not trust more than a request.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CapsError {
    #[error("capabilities value is too large")]
    TooLarge,
    #[error("capabilities value is malformed at byte {0}")]
    Malformed(usize),
}

/// Largest value accepted; real ones are a few dozen bytes.
const MAX_LEN: usize = 16 * 1024;
/// Most entries accepted in the array.
const MAX_ENTRIES: usize = 256;
/// Longest key accepted.
const MAX_KEY: usize = 256;

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn err(&self) -> CapsError {
        CapsError::Malformed(self.pos)
    }

    fn expect(&mut self, lit: &[u8]) -> Result<(), CapsError> {
        if self.s.get(self.pos..self.pos + lit.len()) == Some(lit) {
            self.pos += lit.len();
            Ok(())
        } else {
            Err(self.err())
        }
    }

    /// A non-negative decimal without sign or leading zeros (except "0"), at most 6 digits.
    fn number(&mut self) -> Result<usize, CapsError> {
        let start = self.pos;
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
            self.pos += 1;
            if self.pos - start > 6 {
                return Err(self.err());
            }
        }
        let digits = &self.s[start..self.pos];
        if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
            return Err(CapsError::Malformed(start));
        }
        // Only ASCII digits were consumed, so this is valid UTF-8 and a valid usize.
        std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or(CapsError::Malformed(start))
    }

    fn string(&mut self) -> Result<&'a str, CapsError> {
        self.expect(b"s:")?;
        let len = self.number()?;
        if len > MAX_KEY {
            return Err(self.err());
        }
        self.expect(b":\"")?;
        let start = self.pos;
        let end = start.checked_add(len).ok_or_else(|| self.err())?;
        let bytes = self.s.get(start..end).ok_or_else(|| self.err())?;
        self.pos = end;
        self.expect(b"\";")?;
        std::str::from_utf8(bytes).map_err(|_| CapsError::Malformed(start))
    }

    fn boolean(&mut self) -> Result<bool, CapsError> {
        self.expect(b"b:")?;
        let v = match self.s.get(self.pos) {
            Some(b'0') => false,
            Some(b'1') => true,
            _ => return Err(self.err()),
        };
        self.pos += 1;
        self.expect(b";")?;
        Ok(v)
    }
}

/// Parses the serialized array; returns the keys whose value is `true`, in order.
pub fn parse_roles(value: &str) -> Result<Vec<String>, CapsError> {
    let s = value.as_bytes();
    if s.len() > MAX_LEN {
        return Err(CapsError::TooLarge);
    }
    let mut c = Cursor { s, pos: 0 };
    c.expect(b"a:")?;
    let n = c.number()?;
    if n > MAX_ENTRIES {
        return Err(c.err());
    }
    c.expect(b":{")?;
    let mut roles = Vec::with_capacity(n);
    for _ in 0..n {
        let key = c.string()?;
        if c.boolean()? {
            roles.push(key.to_string());
        }
    }
    c.expect(b"}")?;
    if c.pos != s.len() {
        return Err(c.err());
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordpress_values() {
        assert_eq!(
            parse_roles(r#"a:1:{s:13:"administrator";b:1;}"#).unwrap(),
            vec!["administrator"]
        );
        assert_eq!(
            parse_roles(r#"a:2:{s:6:"editor";b:1;s:6:"author";b:0;}"#).unwrap(),
            vec!["editor"]
        );
        assert_eq!(parse_roles("a:0:{}").unwrap(), Vec::<String>::new());
        // Multibyte keys: the length counts bytes.
        assert_eq!(parse_roles("a:1:{s:2:\"é\";b:1;}").unwrap(), vec!["é"]);
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "",
            "a:1:{s:13:\"administrator\";b:1;",
            "a:1:{s:12:\"administrator\";b:1;}",
            "a:1:{s:14:\"administrator\";b:1;}",
            "a:2:{s:6:\"editor\";b:1;}",
            "a:1:{s:6:\"editor\";b:2;}",
            "a:1:{s:6:\"editor\";i:1;}",
            "a:1:{i:0;b:1;}",
            "a:1:{s:6:\"editor\";a:0:{}}",
            "O:8:\"stdClass\":0:{}",
            "a:1:{s:6:\"editor\";b:1;}x",
            "a:-1:{}",
            "a:01:{s:6:\"editor\";b:1;}",
            "a:99999999:{}",
            "a:1:{s:999999:\"x\";b:1;}",
            "s:5:\"hello\";",
            "a:1:{s:6:\"editor\";R:1;}",
        ] {
            assert!(parse_roles(bad).is_err(), "accepted {bad:?}");
        }
        assert_eq!(
            parse_roles(&"x".repeat(MAX_LEN + 1)),
            Err(CapsError::TooLarge)
        );
    }

    #[test]
    fn lengths_cannot_split_a_multibyte_char() {
        // "é" is 2 bytes; a length of 1 would cut it in half.
        assert!(parse_roles("a:1:{s:1:\"é\";b:1;}").is_err());
    }
}
