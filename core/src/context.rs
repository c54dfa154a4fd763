//! The context strings that bind a sealed value or a code hash to one user and purpose
//! (`totp:42`, `email:42:login:…`). Sealing and code hashing accept the same contexts.

use crate::error::{Error, Result};

/// Longest context accepted, in bytes.
pub const MAX_CONTEXT: usize = 1024;

/// Refuses an empty context (it would bind nothing) or one over [`MAX_CONTEXT`].
pub(crate) fn check(context: &[u8]) -> Result<()> {
    if context.is_empty() {
        return Err(Error::InvalidArgument {
            what: "context",
            reason: "must not be empty",
        });
    }
    if context.len() > MAX_CONTEXT {
        return Err(Error::TooLarge {
            what: "context",
            len: context.len(),
            max: MAX_CONTEXT,
        });
    }
    Ok(())
}
