//! A user's roles: WordPress's `{prefix}capabilities` user meta, a PHP-serialized array of
//! string => bool such as `a:1:{s:13:"administrator";b:1;}` (read by [`crate::php_unserialize`]),
//! filtered by the roles the site defines.
//!
//! Only that shape is accepted. Anything else (objects, nested arrays, references, wrong string
//! lengths, trailing bytes, oversized input) is refused with an error, never a panic: the value
//! comes from the database, which the sidecar does not trust more than a request.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use thiserror::Error;

use crate::db::DbError;
use crate::php_unserialize::{role_slugs, true_keys, UnserializeError};

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

/// Parses the serialized array; returns the keys whose value is `true`, in order.
pub fn parse_roles(value: &str) -> Result<Vec<String>, CapsError> {
    true_keys(value.as_bytes(), MAX_LEN, MAX_ENTRIES).map_err(|e| match e {
        UnserializeError::TooLarge => CapsError::TooLarge,
        UnserializeError::Malformed(at) => CapsError::Malformed(at),
        UnserializeError::TooDeep | UnserializeError::NotAnArray => CapsError::Malformed(0),
    })
}

/// Which of a user's granted keys are roles. WordPress counts only keys naming a role defined
/// in the `{prefix}user_roles` option; a capability granted to the user directly (`edit_posts`)
/// or a role since deleted is not a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleFilter {
    /// The roles the site defines.
    Defined(HashSet<String>),
    /// The option is missing or unreadable: every granted key counts, as before the option was
    /// read. Better a report with a stray capability in it than no report.
    Unknown,
}

/// Why the role definitions could not be used.
#[derive(Debug, Error)]
pub enum RolesOptionError {
    #[error("the user_roles option is missing")]
    Missing,
    #[error("the user_roles option could not be read: {0}")]
    Db(#[from] DbError),
    #[error("the user_roles option is unreadable: {0}")]
    Parse(#[from] UnserializeError),
}

/// Seconds since the epoch of the last fallback warning (0: never), so a site without the
/// option gets one warning a minute rather than one per request.
static LAST_WARNING: AtomicU64 = AtomicU64::new(0);
const WARNING_EVERY_SECS: u64 = 60;

impl RoleFilter {
    /// Builds the filter from the option as read by `Db::user_roles_option`, falling back to
    /// `Unknown` (with a warning) when it is missing, unreadable or malformed.
    pub fn from_option(read: Result<Option<Vec<u8>>, DbError>) -> RoleFilter {
        match Self::parse(read) {
            Ok(f) => f,
            Err(e) => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let last = LAST_WARNING.load(Ordering::Relaxed);
                if now.saturating_sub(last) >= WARNING_EVERY_SECS
                    && LAST_WARNING
                        .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                {
                    tracing::warn!(
                        error = %e,
                        "role definitions unavailable; counting every granted capability as a role"
                    );
                } else {
                    tracing::debug!(error = %e, "role definitions unavailable");
                }
                RoleFilter::Unknown
            }
        }
    }

    fn parse(read: Result<Option<Vec<u8>>, DbError>) -> Result<RoleFilter, RolesOptionError> {
        let raw = read?.ok_or(RolesOptionError::Missing)?;
        Ok(RoleFilter::Defined(role_slugs(&raw)?.into_iter().collect()))
    }

    /// Keeps the granted keys that are roles, in their order.
    pub fn apply(&self, mut granted: Vec<String>) -> Vec<String> {
        if let RoleFilter::Defined(roles) = self {
            granted.retain(|r| roles.contains(r));
        }
        granted
    }
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
    fn only_defined_roles_are_roles() {
        let option = br#"a:2:{s:6:"editor";a:2:{s:4:"name";s:6:"Editor";s:12:"capabilities";a:0:{}}s:6:"author";a:2:{s:4:"name";s:6:"Author";s:12:"capabilities";a:0:{}}}"#;
        let f = RoleFilter::from_option(Ok(Some(option.to_vec())));
        let granted =
            parse_roles(r#"a:3:{s:10:"edit_posts";b:1;s:6:"editor";b:1;s:7:"retired";b:1;}"#)
                .unwrap();
        assert_eq!(f.apply(granted.clone()), vec!["editor"]);
        // Missing, unreadable or garbage option: every granted key, as before.
        for read in [
            Ok(None),
            Ok(Some(b"a:1:{s:6:\"editor\";".to_vec())),
            Ok(Some(b"s:6:\"editor\";".to_vec())),
            Err(DbError::Driver(
                "Table 'wp.wp_options' doesn't exist".into(),
            )),
        ] {
            let f = RoleFilter::from_option(read);
            assert_eq!(f, RoleFilter::Unknown);
            assert_eq!(f.apply(granted.clone()), granted);
        }
        // A site with no roles at all: nobody has one.
        let f = RoleFilter::from_option(Ok(Some(b"a:0:{}".to_vec())));
        assert_eq!(f.apply(granted), Vec::<String>::new());
    }

    #[test]
    fn lengths_cannot_split_a_multibyte_char() {
        // "é" is 2 bytes; a length of 1 would cut it in half.
        assert!(parse_roles("a:1:{s:1:\"é\";b:1;}").is_err());
    }
}
