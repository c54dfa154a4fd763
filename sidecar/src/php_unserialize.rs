//! A strict, bounded PHP `unserialize` reader: it reads `serialize()` output (never writes it),
//! enough for the two WordPress values the sidecar reads: the top-level keys of the
//! `{prefix}user_roles` option (role slug => array('name' => …, 'capabilities' => array(…))),
//! and the `{prefix}capabilities` user meta (string => bool).
//!
//! Accepted: `a:N:{…}` (nested), `s:LEN:"…";` (LEN in bytes, UTF-8 content), `i:…;`, `b:0|1;`,
//! `d:…;` and `N;`. Objects, references, custom serialization and anything malformed are refused
//! with an error, never a panic: the value comes from the database, which the sidecar trusts no
//! more than a request. Size, depth, entry count and string length are all capped, so a hostile
//! value costs at most one linear pass over a bounded input.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum UnserializeError {
    #[error("serialized value is too large")]
    TooLarge,
    #[error("serialized value nests too deeply")]
    TooDeep,
    #[error("serialized value is malformed at byte {0}")]
    Malformed(usize),
    #[error("serialized value is not an array")]
    NotAnArray,
}

/// Largest value accepted. WordPress's default roles serialize to about 4 KiB; sites with many
/// plugin capabilities reach tens of KiB.
pub const MAX_LEN: usize = 1024 * 1024;
/// Most arrays nested in one another (`user_roles` needs 3: roles, role, capabilities).
pub const MAX_DEPTH: usize = 8;
/// Most entries accepted in one array.
pub const MAX_ENTRIES: usize = 65_536;
/// Longest string accepted.
const MAX_STR: usize = 64 * 1024;
/// Most digits in a length, count or integer (i64 has 19).
const MAX_DIGITS: usize = 20;

/// A top-level array key: PHP arrays have integer or string keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Int(i64),
    Str(String),
}

struct Reader<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err(&self) -> UnserializeError {
        UnserializeError::Malformed(self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, lit: &[u8]) -> Result<(), UnserializeError> {
        let end = self.pos.checked_add(lit.len()).ok_or_else(|| self.err())?;
        if self.s.get(self.pos..end) == Some(lit) {
            self.pos = end;
            Ok(())
        } else {
            Err(self.err())
        }
    }

    /// A non-negative decimal without sign or leading zeros (except "0").
    fn count(&mut self) -> Result<usize, UnserializeError> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            if self.pos - start > MAX_DIGITS {
                return Err(self.err());
            }
        }
        let digits = &self.s[start..self.pos];
        if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
            return Err(UnserializeError::Malformed(start));
        }
        std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or(UnserializeError::Malformed(start))
    }

    /// `i:` payload up to the `;`: an optional `-` then digits, within i64 (PHP's own output).
    fn int_body(&mut self) -> Result<i64, UnserializeError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits_start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            if self.pos - digits_start > MAX_DIGITS {
                return Err(self.err());
            }
        }
        if self.pos == digits_start {
            return Err(self.err());
        }
        let v = std::str::from_utf8(&self.s[start..self.pos])
            .ok()
            .and_then(|d| d.parse::<i64>().ok())
            .ok_or(UnserializeError::Malformed(start))?;
        self.expect(b";")?;
        Ok(v)
    }

    /// `d:` payload up to the `;`: what PHP writes for floats (digits, sign, `.`, exponent,
    /// `INF`, `-INF`, `NAN`). The value itself is not needed, only its extent.
    fn float_body(&mut self) -> Result<(), UnserializeError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_digit() || b"+-.eEINFA".contains(&b))
        {
            self.pos += 1;
            if self.pos - start > 64 {
                return Err(self.err());
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).map_err(|_| self.err())?;
        let ok = matches!(text, "INF" | "-INF" | "NAN") || text.parse::<f64>().is_ok();
        if !ok || text.is_empty() {
            return Err(UnserializeError::Malformed(start));
        }
        self.expect(b";")
    }

    /// `s:` payload: `LEN:"bytes";` with LEN in bytes and the content valid UTF-8.
    fn str_body(&mut self) -> Result<&'a str, UnserializeError> {
        let len = self.count()?;
        if len > MAX_STR {
            return Err(self.err());
        }
        self.expect(b":\"")?;
        let start = self.pos;
        let end = start.checked_add(len).ok_or_else(|| self.err())?;
        let bytes = self.s.get(start..end).ok_or_else(|| self.err())?;
        self.pos = end;
        self.expect(b"\";")?;
        std::str::from_utf8(bytes).map_err(|_| UnserializeError::Malformed(start))
    }

    /// `b:0;` or `b:1;`.
    fn boolean(&mut self) -> Result<bool, UnserializeError> {
        self.expect(b"b:")?;
        let v = match self.peek() {
            Some(b'0') => false,
            Some(b'1') => true,
            _ => return Err(self.err()),
        };
        self.pos += 1;
        self.expect(b";")?;
        Ok(v)
    }

    /// An array key: `i:…;` or `s:…;` only, as PHP allows.
    fn key(&mut self) -> Result<Key, UnserializeError> {
        match self.peek() {
            Some(b'i') => {
                self.expect(b"i:")?;
                Ok(Key::Int(self.int_body()?))
            }
            Some(b's') => {
                self.expect(b"s:")?;
                Ok(Key::Str(self.str_body()?.to_string()))
            }
            _ => Err(self.err()),
        }
    }

    /// `N:{` … `}` after the `a:`; calls `on_key` for each key of this array.
    fn array_body(
        &mut self,
        depth: usize,
        mut on_key: impl FnMut(Key),
    ) -> Result<(), UnserializeError> {
        let n = self.count()?;
        if n > MAX_ENTRIES {
            return Err(self.err());
        }
        self.expect(b":{")?;
        for _ in 0..n {
            let k = self.key()?;
            on_key(k);
            self.value(depth)?;
        }
        self.expect(b"}")
    }

    /// Skips one value of any accepted type. `depth` is the depth of the array holding it (the
    /// top-level array is 0), so at most `MAX_DEPTH` arrays nest and recursion stays bounded.
    fn value(&mut self, depth: usize) -> Result<(), UnserializeError> {
        let tag = self.peek().ok_or_else(|| self.err())?;
        match tag {
            b'N' => self.expect(b"N;"),
            b'b' => self.boolean().map(|_| ()),
            b'i' => {
                self.expect(b"i:")?;
                self.int_body().map(|_| ())
            }
            b'd' => {
                self.expect(b"d:")?;
                self.float_body()
            }
            b's' => {
                self.expect(b"s:")?;
                self.str_body().map(|_| ())
            }
            b'a' => {
                if depth + 1 >= MAX_DEPTH {
                    return Err(UnserializeError::TooDeep);
                }
                self.expect(b"a:")?;
                self.array_body(depth + 1, |_| {})
            }
            // Objects (O, C), references (r, R), enums (E) and anything else.
            _ => Err(self.err()),
        }
    }
}

/// Parses a whole serialized array and returns its top-level keys, in order. The nested values
/// are checked for well-formedness but not kept.
pub fn top_level_keys(value: &[u8]) -> Result<Vec<Key>, UnserializeError> {
    if value.len() > MAX_LEN {
        return Err(UnserializeError::TooLarge);
    }
    let mut c = Reader { s: value, pos: 0 };
    if c.peek() != Some(b'a') {
        // Tell a well-formed scalar apart from garbage only by the error variant.
        return match c.value(0) {
            Ok(()) if c.pos == value.len() => Err(UnserializeError::NotAnArray),
            Ok(()) => Err(c.err()),
            Err(e) => Err(e),
        };
    }
    c.expect(b"a:")?;
    let mut keys = Vec::new();
    c.array_body(0, |k| keys.push(k))?;
    if c.pos != value.len() {
        return Err(c.err());
    }
    Ok(keys)
}

/// The keys set to `true` of a serialized array of string => bool, in order: WordPress's
/// `{prefix}capabilities` user meta. Only that shape is accepted (no integer keys, nested arrays
/// or other values), within `max_len` bytes and `max_entries` entries.
pub fn true_keys(
    value: &[u8],
    max_len: usize,
    max_entries: usize,
) -> Result<Vec<String>, UnserializeError> {
    if value.len() > max_len {
        return Err(UnserializeError::TooLarge);
    }
    let mut c = Reader { s: value, pos: 0 };
    c.expect(b"a:")?;
    let n = c.count()?;
    if n > max_entries {
        return Err(c.err());
    }
    c.expect(b":{")?;
    let mut keys = Vec::with_capacity(n);
    for _ in 0..n {
        c.expect(b"s:")?;
        let key = c.str_body()?;
        if c.boolean()? {
            keys.push(key.to_string());
        }
    }
    c.expect(b"}")?;
    if c.pos != value.len() {
        return Err(c.err());
    }
    Ok(keys)
}

/// The role slugs of a `{prefix}user_roles` value: its top-level keys. PHP stores a numeric
/// string key such as "123" as an integer, so integer keys come back as their decimal text.
pub fn role_slugs(value: &[u8]) -> Result<Vec<String>, UnserializeError> {
    Ok(top_level_keys(value)?
        .into_iter()
        .map(|k| match k {
            Key::Str(s) => s,
            Key::Int(i) => i.to_string(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WordPress 6's default `wp_user_roles`, trimmed to three roles with a few capabilities.
    const WP_ROLES: &str = concat!(
        r#"a:3:{s:13:"administrator";a:2:{s:4:"name";s:13:"Administrator";"#,
        r#"s:12:"capabilities";a:2:{s:13:"switch_themes";b:1;s:11:"edit_themes";b:1;}}"#,
        r#"s:6:"editor";a:2:{s:4:"name";s:6:"Editor";s:12:"capabilities";"#,
        r#"a:2:{s:17:"moderate_comments";b:1;s:7:"level_0";b:1;}}"#,
        r#"s:10:"subscriber";a:2:{s:4:"name";s:10:"Subscriber";s:12:"capabilities";"#,
        r#"a:2:{s:4:"read";b:1;s:7:"level_0";b:1;}}}"#,
    );

    #[test]
    fn reads_wordpress_user_roles() {
        assert_eq!(
            role_slugs(WP_ROLES.as_bytes()).unwrap(),
            vec!["administrator", "editor", "subscriber"]
        );
        assert_eq!(role_slugs(b"a:0:{}").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn accepts_every_scalar_type_inside() {
        let v = concat!(
            r#"a:7:{s:1:"n";N;s:1:"b";b:0;s:1:"i";i:-42;s:1:"d";d:0.5;"#,
            r#"s:1:"e";d:1.0E+25;i:7;s:2:"é";s:1:"x";a:1:{i:0;d:-INF;}}"#
        );
        assert_eq!(
            top_level_keys(v.as_bytes()).unwrap(),
            vec![
                Key::Str("n".into()),
                Key::Str("b".into()),
                Key::Str("i".into()),
                Key::Str("d".into()),
                Key::Str("e".into()),
                Key::Int(7),
                Key::Str("x".into()),
            ]
        );
        assert_eq!(role_slugs(b"a:1:{i:3;N;}").unwrap(), vec!["3"]);
    }

    #[test]
    fn string_lengths_count_bytes() {
        assert_eq!(
            role_slugs("a:1:{s:5:\"rôle\";N;}".as_bytes()).unwrap(),
            vec!["rôle"]
        );
        // 4 bytes would cut "ô" in half.
        assert!(role_slugs("a:1:{s:4:\"rôle\";N;}".as_bytes()).is_err());
        // A quote inside a string is fine when the length covers it.
        assert_eq!(role_slugs(br#"a:1:{s:3:"a";";N;}"#).unwrap(), vec!["a\";"]);
    }

    #[test]
    fn garbage_and_truncation_are_refused() {
        for bad in [
            "",
            "a",
            "a:",
            "a:1",
            "a:1:",
            "a:1:{",
            "a:1:{s:6:\"editor\";",
            "a:1:{s:6:\"editor\";N;",
            "a:1:{s:6:\"editor\";a:1:{s:1:\"x\";b:1;}",
            "a:1:{s:7:\"editor\";N;}",
            "a:1:{s:5:\"editor\";N;}",
            "a:2:{s:6:\"editor\";N;}",
            "a:0:{s:6:\"editor\";N;}",
            "a:1:{s:6:\"editor\";N;}x",
            "a:1:{s:6:\"editor\";N;} ",
            "a:-1:{}",
            "a:01:{i:0;N;}",
            "a:1:{N;N;}",
            "a:1:{b:1;N;}",
            "a:1:{a:0:{};N;}",
            "a:1:{i:;N;}",
            "a:1:{i:-;N;}",
            "a:1:{i:99999999999999999999;N;}",
            "a:1:{i:1;b:2;}",
            "a:1:{i:1;d:;}",
            "a:1:{i:1;d:abc;}",
            "a:1:{i:1;d:1.5}",
            "a:1:{i:1;O:8:\"stdClass\":0:{}}",
            "a:1:{i:1;C:3:\"Foo\":0:{}}",
            "a:1:{i:1;r:1;}",
            "a:1:{i:1;R:1;}",
            "a:1:{i:1;E:7:\"Foo:Bar\";}",
            "a:1:{i:1;s:99999999:\"x\";}",
            "a:99999999:{}",
            "a:1:{s:1:\"\u{0}\";N;",
            "O:8:\"stdClass\":0:{}",
        ] {
            assert!(top_level_keys(bad.as_bytes()).is_err(), "accepted {bad:?}");
        }
        // Not UTF-8 inside a string.
        assert!(top_level_keys(b"a:1:{s:1:\"\xff\";N;}").is_err());
        // Every proper prefix of a valid value is refused.
        for end in 0..WP_ROLES.len() {
            assert!(
                top_level_keys(&WP_ROLES.as_bytes()[..end]).is_err(),
                "accepted a prefix of {end} bytes"
            );
        }
    }

    #[test]
    fn scalars_are_not_arrays() {
        assert_eq!(top_level_keys(b"N;"), Err(UnserializeError::NotAnArray));
        assert_eq!(
            top_level_keys(b"s:5:\"hello\";"),
            Err(UnserializeError::NotAnArray)
        );
        assert!(matches!(
            top_level_keys(b"s:5:\"hello\";x"),
            Err(UnserializeError::Malformed(_))
        ));
    }

    #[test]
    fn limits_hold() {
        assert_eq!(
            top_level_keys(&vec![b'a'; MAX_LEN + 1]),
            Err(UnserializeError::TooLarge)
        );
        // Nesting: MAX_DEPTH arrays in one another are fine, one more is refused.
        let nest = |n: usize| {
            let mut s = String::new();
            for _ in 0..n - 1 {
                s.push_str("a:1:{i:0;");
            }
            s.push_str("a:0:{}");
            for _ in 0..n - 1 {
                s.push('}');
            }
            s
        };
        assert!(top_level_keys(nest(MAX_DEPTH).as_bytes()).is_ok());
        assert_eq!(
            top_level_keys(nest(MAX_DEPTH + 1).as_bytes()),
            Err(UnserializeError::TooDeep)
        );
        // Deep nesting far beyond the limit fails fast without recursion trouble.
        let deep = "a:1:{i:0;".repeat(200_000);
        assert_eq!(
            top_level_keys(deep.as_bytes()),
            Err(UnserializeError::TooLarge)
        );
        let deep = "a:1:{i:0;".repeat(10_000);
        assert_eq!(
            top_level_keys(deep.as_bytes()),
            Err(UnserializeError::TooDeep)
        );
        // Too many entries is refused before reading any of them.
        assert!(top_level_keys(format!("a:{}:{{}}", MAX_ENTRIES + 1).as_bytes()).is_err());
        // An over-long string is refused.
        let long = format!(
            "a:1:{{i:0;s:{}:\"{}\";}}",
            MAX_STR + 1,
            "x".repeat(MAX_STR + 1)
        );
        assert!(top_level_keys(long.as_bytes()).is_err());
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        /// Any value `value()` accepts, as PHP would write it.
        fn php_value() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                Just("N;".to_string()),
                any::<bool>().prop_map(|b| format!("b:{};", b as u8)),
                any::<i64>().prop_map(|i| format!("i:{i};")),
                (-1e6f64..1e6).prop_map(|d| format!("d:{d};")),
                ".{0,12}".prop_map(|s| format!("s:{}:\"{}\";", s.len(), s)),
            ];
            leaf.prop_recursive(3, 24, 4, |inner| {
                prop::collection::vec((".{0,8}", inner), 0..4).prop_map(|kv| {
                    let body: String = kv
                        .iter()
                        .map(|(k, v)| format!("s:{}:\"{}\";{}", k.len(), k, v))
                        .collect();
                    format!("a:{}:{{{}}}", kv.len(), body)
                })
            })
        }

        proptest! {
            #[test]
            fn never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
                let _ = top_level_keys(&bytes);
            }

            #[test]
            fn never_panics_on_php_like_text(s in "[aisbdNOrR:;{}\"0-9.-]{0,128}") {
                let _ = top_level_keys(s.as_bytes());
            }

            #[test]
            fn round_trips_generated_arrays(
                kv in prop::collection::vec((".{0,10}", php_value()), 0..6),
            ) {
                let body: String = kv
                    .iter()
                    .map(|(k, v)| format!("s:{}:\"{}\";{}", k.len(), k, v))
                    .collect();
                let text = format!("a:{}:{{{}}}", kv.len(), body);
                let keys: Vec<String> = kv.iter().map(|(k, _)| k.clone()).collect();
                prop_assert_eq!(role_slugs(text.as_bytes()).unwrap(), keys);
                // Cutting it anywhere, or flipping a byte to garbage, never panics.
                for end in 0..text.len() {
                    prop_assert!(top_level_keys(&text.as_bytes()[..end]).is_err());
                }
            }

            #[test]
            fn mutations_never_panic(
                kv in prop::collection::vec((".{0,6}", php_value()), 1..4),
                at in any::<prop::sample::Index>(),
                byte in any::<u8>(),
            ) {
                let body: String = kv
                    .iter()
                    .map(|(k, v)| format!("s:{}:\"{}\";{}", k.len(), k, v))
                    .collect();
                let mut bytes = format!("a:{}:{{{}}}", kv.len(), body).into_bytes();
                let i = at.index(bytes.len());
                bytes[i] = byte;
                let _ = top_level_keys(&bytes);
            }
        }
    }
}
