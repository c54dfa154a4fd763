//! Translations of the email templates.
//!
//! One gettext `.po` catalog per locale under `sidecar/locales/`, built into the binary and
//! parsed once at start ([`Catalogs::built_in`]). The English texts are the message ids; a
//! locale without a catalog (or a message without a translation) gets English. Placeholders
//! are named (`{site}`, `{name}`, `{minutes}`, `{method}`, `{left}`) and filled in one pass by
//! [`fill`], so a site or display name holding `{code}` stays literal text.

use std::collections::HashMap;

use thiserror::Error;

/// The catalogs built into the binary: locale, `.po` text.
const BUILT_IN: &[(&str, &str)] = &[
    ("de_DE", include_str!("../locales/de_DE.po")),
    ("fr_FR", include_str!("../locales/fr_FR.po")),
];

/// Longest locale accepted in a request.
pub const MAX_LOCALE: usize = 32;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CatalogError {
    #[error("catalog {locale}, line {line}: {reason}")]
    Syntax {
        locale: String,
        line: usize,
        reason: &'static str,
    },
    #[error("catalog {locale}: unsupported Plural-Forms (use nplurals=2; plural=(n != 1) or (n > 1), or nplurals=1; plural=0)")]
    Plural { locale: String },
}

/// How a catalog picks a plural form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PluralRule {
    /// `plural=(n != 1)`: English, German, …
    NotOne,
    /// `plural=(n > 1)`: French, …
    MoreThanOne,
    /// `nplurals=1; plural=0`
    Single,
}

impl PluralRule {
    fn index(self, n: u64) -> usize {
        match self {
            PluralRule::NotOne => usize::from(n != 1),
            PluralRule::MoreThanOne => usize::from(n > 1),
            PluralRule::Single => 0,
        }
    }
}

/// One locale's translations: message id (or `singular\0plural`) => forms.
#[derive(Debug)]
pub struct Catalog {
    plural: PluralRule,
    messages: HashMap<String, Vec<String>>,
}

/// Every loaded catalog by locale (`de_DE`).
#[derive(Debug, Default)]
pub struct Catalogs {
    by_locale: HashMap<String, Catalog>,
}

impl Catalogs {
    /// Parses the built-in catalogs.
    pub fn built_in() -> Result<Catalogs, CatalogError> {
        let mut by_locale = HashMap::new();
        for (locale, text) in BUILT_IN {
            by_locale.insert((*locale).to_string(), parse(locale, text)?);
        }
        Ok(Catalogs { by_locale })
    }

    /// Locales with a catalog, sorted.
    pub fn locales(&self) -> Vec<&str> {
        let mut l: Vec<&str> = self.by_locale.keys().map(String::as_str).collect();
        l.sort_unstable();
        l
    }

    /// The translator for a locale: its own catalog, else one of the same language
    /// (`de_AT` → `de_DE`), else English.
    pub fn get(&self, locale: Option<&str>) -> Tr<'_> {
        let Some(locale) = locale else {
            return Tr(None);
        };
        if let Some(c) = self.by_locale.get(locale) {
            return Tr(Some(c));
        }
        let lang = locale.split('_').next().unwrap_or(locale);
        let mut same: Vec<(&String, &Catalog)> = self
            .by_locale
            .iter()
            .filter(|(k, _)| k.split('_').next() == Some(lang))
            .collect();
        same.sort_by(|a, b| a.0.cmp(b.0));
        Tr(same.first().map(|(_, c)| *c))
    }
}

/// Whether `s` looks like a WordPress locale: `de`, `de_DE`, `de_DE_formal`, `es_419`.
pub fn valid_locale(s: &str) -> bool {
    if s.is_empty() || s.len() > MAX_LOCALE {
        return false;
    }
    let mut parts = s.split('_');
    let lang = parts.next().unwrap_or("");
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
        return false;
    }
    let mut rest: Vec<&str> = parts.collect();
    if let Some(region) = rest.first() {
        let is_region = (region.len() == 2 && region.bytes().all(|b| b.is_ascii_uppercase()))
            || (region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit()));
        if is_region {
            rest.remove(0);
        }
    }
    match rest.as_slice() {
        [] => true,
        [variant] => {
            !variant.is_empty()
                && variant
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        }
        _ => false,
    }
}

/// A locale's translator; `Tr(None)` is English.
#[derive(Debug, Clone, Copy)]
pub struct Tr<'a>(Option<&'a Catalog>);

impl<'a> Tr<'a> {
    /// English.
    pub fn english() -> Tr<'static> {
        Tr(None)
    }

    /// The translation of `msgid`, or `msgid`.
    pub fn t(&self, msgid: &'a str) -> &'a str {
        self.0
            .and_then(|c| c.messages.get(msgid))
            .and_then(|forms| forms.first())
            .map_or(msgid, String::as_str)
    }

    /// The form of a message with a count (English: `singular` for 1, else `plural`).
    pub fn n(&self, singular: &'a str, plural: &'a str, n: u64) -> &'a str {
        if let Some(c) = self.0 {
            let key = format!("{singular}\0{plural}");
            if let Some(form) = c
                .messages
                .get(&key)
                .and_then(|forms| forms.get(c.plural.index(n)))
            {
                return form;
            }
        }
        if n == 1 {
            singular
        } else {
            plural
        }
    }
}

/// Replaces each `{name}` of `template` that `args` names by its value, in one pass: the
/// values are never scanned for placeholders. Other braces stay as they are.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses the subset of the `.po` format that gettext tools write: comments, `msgid`,
/// `msgid_plural`, `msgstr`, `msgstr[N]` and continued strings. Fuzzy and untranslated entries
/// are left out (English is used for them); `msgctxt` is refused.
pub fn parse(locale: &str, text: &str) -> Result<Catalog, CatalogError> {
    #[derive(PartialEq)]
    enum Field {
        None,
        Id,
        Plural,
        Str(usize),
    }
    #[derive(Default)]
    struct Entry {
        id: Option<String>,
        plural: Option<String>,
        strs: Vec<String>,
        fuzzy: bool,
    }
    let err = |line: usize, reason: &'static str| CatalogError::Syntax {
        locale: locale.to_string(),
        line,
        reason,
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut cur = Entry::default();
    let mut field = Field::None;
    let mut fuzzy_next = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(flags) = line.strip_prefix("#,") {
            fuzzy_next |= flags.split(',').any(|f| f.trim() == "fuzzy");
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (keyword, rest) = match line.find(' ') {
            Some(sp) if !line.starts_with('"') => (&line[..sp], line[sp..].trim_start()),
            _ => ("", line),
        };
        let value = unquote(rest).ok_or_else(|| err(line_no, "expected a quoted string"))?;
        match keyword {
            "" => {
                let target = match field {
                    Field::None => return Err(err(line_no, "a string outside an entry")),
                    Field::Id => cur.id.as_mut(),
                    Field::Plural => cur.plural.as_mut(),
                    Field::Str(n) => cur.strs.get_mut(n),
                };
                target
                    .ok_or_else(|| err(line_no, "a string outside an entry"))?
                    .push_str(&value);
            }
            "msgctxt" => return Err(err(line_no, "msgctxt is not supported")),
            "msgid" => {
                if cur.id.is_some() {
                    entries.push(std::mem::take(&mut cur));
                }
                cur.id = Some(value);
                cur.fuzzy = std::mem::take(&mut fuzzy_next);
                field = Field::Id;
            }
            "msgid_plural" => {
                if field != Field::Id {
                    return Err(err(line_no, "msgid_plural without msgid"));
                }
                cur.plural = Some(value);
                field = Field::Plural;
            }
            k => {
                let n = if k == "msgstr" {
                    0
                } else {
                    k.strip_prefix("msgstr[")
                        .and_then(|s| s.strip_suffix(']'))
                        .and_then(|s| s.parse::<usize>().ok())
                        .ok_or_else(|| err(line_no, "unknown keyword"))?
                };
                if cur.id.is_none() || n != cur.strs.len() || n > 5 {
                    return Err(err(line_no, "msgstr out of order"));
                }
                cur.strs.push(value);
                field = Field::Str(n);
            }
        }
    }
    if cur.id.is_some() {
        entries.push(cur);
    }
    let mut plural = PluralRule::NotOne;
    let mut messages = HashMap::new();
    for e in entries {
        let id = e.id.unwrap_or_default();
        if id.is_empty() {
            let header = e.strs.first().map(String::as_str).unwrap_or("");
            if let Some(forms) = header.lines().find_map(|l| l.strip_prefix("Plural-Forms:")) {
                let compact: String = forms.chars().filter(|c| !c.is_whitespace()).collect();
                plural = match compact.trim_end_matches(';') {
                    "nplurals=2;plural=(n!=1)" | "nplurals=2;plural=n!=1" => PluralRule::NotOne,
                    "nplurals=2;plural=(n>1)" | "nplurals=2;plural=n>1" => PluralRule::MoreThanOne,
                    "nplurals=1;plural=0" => PluralRule::Single,
                    _ => {
                        return Err(CatalogError::Plural {
                            locale: locale.to_string(),
                        })
                    }
                };
            }
            continue;
        }
        if e.fuzzy || e.strs.iter().any(String::is_empty) || e.strs.is_empty() {
            continue;
        }
        let key = match e.plural {
            Some(p) => format!("{id}\0{p}"),
            None => id,
        };
        messages.insert(key, e.strs);
    }
    Ok(Catalog { plural, messages })
}

/// The text of a `"…"` string with its escapes (`\"`, `\\`, `\n`, `\t`), or None.
fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                _ => return None,
            },
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_is_one_pass() {
        assert_eq!(
            fill(
                "{site}: {name} {x} {",
                &[("site", "{name}"), ("name", "Ann")]
            ),
            "{name}: Ann {x} {"
        );
    }

    #[test]
    fn locales_are_checked() {
        for ok in [
            "de",
            "de_DE",
            "de_DE_formal",
            "es_419",
            "pt_BR",
            "fil",
            "ca_valencia",
        ] {
            assert!(valid_locale(ok), "{ok}");
        }
        for bad in ["", "D", "de-DE", "../x", "de_DE_", "de_DE_x_y", "de DE"] {
            assert!(!valid_locale(bad), "{bad}");
        }
    }

    #[test]
    fn po_subset_parses_with_plurals_and_fallbacks() {
        let po = "msgid \"\"\nmsgstr \"\"\n\"Plural-Forms: nplurals=2; plural=(n > 1);\\n\"\n\n#, fuzzy\nmsgid \"Fuzzy\"\nmsgstr \"Flou\"\n\nmsgid \"Hello\"\nmsgstr \"Bon\"\n\"jour\"\n\nmsgid \"{n} code\"\nmsgid_plural \"{n} codes\"\nmsgstr[0] \"{n} code\"\nmsgstr[1] \"{n} codes (fr)\"\n";
        let c = parse("fr_FR", po).unwrap();
        let tr = Tr(Some(&c));
        assert_eq!(tr.t("Hello"), "Bonjour");
        assert_eq!(tr.t("Fuzzy"), "Fuzzy");
        assert_eq!(tr.t("Missing"), "Missing");
        assert_eq!(tr.n("{n} code", "{n} codes", 0), "{n} code");
        assert_eq!(tr.n("{n} code", "{n} codes", 2), "{n} codes (fr)");
        assert_eq!(Tr::english().n("{n} code", "{n} codes", 0), "{n} codes");
        assert!(parse("x", "msgctxt \"a\"\nmsgid \"b\"\nmsgstr \"c\"\n").is_err());
        assert!(parse("x", "msgid \"a\nmsgstr \"c\"\n").is_err());
        assert!(parse(
            "x",
            "msgid \"\"\nmsgstr \"Plural-Forms: nplurals=3; plural=(n%10==1);\\n\"\n"
        )
        .is_err());
    }

    #[test]
    fn built_in_catalogs_parse_and_keep_every_placeholder() {
        let all = Catalogs::built_in().unwrap();
        assert_eq!(all.locales(), vec!["de_DE", "fr_FR"]);
        let names = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        for c in all.by_locale.values() {
            assert!(c.messages.len() >= 20, "{} messages", c.messages.len());
            for (id, forms) in &c.messages {
                let want = names(&id.replace('\0', " "));
                for f in forms {
                    for n in names(f) {
                        assert!(want.contains(&n), "{{{n}}} in {f:?} is not in {id:?}");
                    }
                }
            }
        }
        assert!(all.get(Some("de_AT")).0.is_some(), "same language");
        assert!(all.get(Some("xx_XX")).0.is_none(), "English");
        assert!(all.get(None).0.is_none());
    }
}
