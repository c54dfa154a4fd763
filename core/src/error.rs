//! The one error type of twofa-core.
//!
//! Every fallible function returns [`Error`]; [`Error::kind`] groups the variants the way the PHP
//! extension maps them onto exception classes (key, sealed value, argument).

use thiserror::Error;

/// Which family an [`Error`] belongs to; the PHP extension throws one exception class per family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The site key is missing, unreadable or unsafe.
    Key,
    /// A sealed value is malformed, tampered with, truncated or of another context.
    Seal,
    /// Any other invalid argument.
    Argument,
}

/// Errors of twofa-core. Messages never contain secrets, codes or key material.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum Error {
    /// No key file path was configured.
    #[error("no key file is configured")]
    KeyNotConfigured,
    /// The key file could not be opened or read.
    #[error("key file {path} cannot be read: {reason}")]
    KeyUnreadable {
        /// The key file path.
        path: String,
        /// What went wrong, e.g. "no such file".
        reason: String,
    },
    /// The key file is not a regular file.
    #[error("key file {path} is not a regular file")]
    KeyNotAFile {
        /// The key file path.
        path: String,
    },
    /// The key file does not hold exactly 32 bytes.
    #[error("key file {path} has the wrong length: {len} bytes, expected exactly 32")]
    KeyWrongLength {
        /// The key file path.
        path: String,
        /// Its length in bytes.
        len: u64,
    },
    /// The key file's mode lets others read or write it (or its group write it).
    #[error("key file {path} is too open (mode {mode:04o}): it must not be readable or writable by others; use mode 0600 or 0640")]
    KeyTooOpen {
        /// The key file path.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// Generating a key file would overwrite an existing file.
    #[error("key file {path} already exists; refusing to overwrite it")]
    KeyExists {
        /// The key file path.
        path: String,
    },
    /// Writing a new key file failed.
    #[error("key file {path} cannot be written: {reason}")]
    KeyWrite {
        /// The key file path.
        path: String,
        /// What went wrong.
        reason: String,
    },

    /// A TOTP secret is not valid base32.
    #[error("the secret is not valid base32")]
    SecretNotBase32,
    /// A TOTP secret is shorter than 128 bits.
    #[error("the secret is too short: {bits} bits, at least 128 required")]
    SecretTooShort {
        /// The decoded length in bits.
        bits: usize,
    },
    /// A time (unix seconds) is negative or too large.
    #[error("invalid time {0}: must be between 0 and {max}", max = crate::MAX_TIME)]
    InvalidTime(i64),
    /// An input is larger than allowed.
    #[error("{what} is too large: {len} bytes, at most {max}")]
    TooLarge {
        /// Which input.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// Any other invalid argument; the message names it.
    #[error("invalid {what}: {reason}")]
    InvalidArgument {
        /// Which input.
        what: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A code hash is not in the format produced by `code_hash::hash_code`.
    #[error("the code hash is malformed")]
    MalformedHash,

    /// A sealed value is not in the sealed format (wrong version, bad encoding, too short).
    #[error("the sealed value is malformed: {0}")]
    SealMalformed(&'static str),
    /// A sealed value failed authentication: tampered with, truncated, or sealed for another context.
    #[error(
        "the sealed value does not open: tampered with, truncated, or sealed for another context"
    )]
    SealAuthentication,
    /// Encryption failed (should not happen for inputs within the size limits).
    #[error("sealing failed")]
    SealFailed,
}

impl Error {
    /// The family of this error, for mapping onto exception classes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::KeyNotConfigured
            | Error::KeyUnreadable { .. }
            | Error::KeyNotAFile { .. }
            | Error::KeyWrongLength { .. }
            | Error::KeyTooOpen { .. }
            | Error::KeyExists { .. }
            | Error::KeyWrite { .. } => ErrorKind::Key,
            Error::SealMalformed(_) | Error::SealAuthentication | Error::SealFailed => {
                ErrorKind::Seal
            }
            Error::SecretNotBase32
            | Error::SecretTooShort { .. }
            | Error::InvalidTime(_)
            | Error::TooLarge { .. }
            | Error::InvalidArgument { .. }
            | Error::MalformedHash => ErrorKind::Argument,
        }
    }
}

/// Result alias for twofa-core.
pub type Result<T> = std::result::Result<T, Error>;
