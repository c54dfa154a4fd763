//! twofa-core: the pure-Rust heart of twofa (no PHP, no I/O beyond reading the key file).
//!
//! Modules:
//! - [`totp`]: RFC 6238 TOTP (SHA-1, 6 digits, 30 s) on totp-rs: secrets, otpauth URIs,
//!   codes, verification with ±1 step and replay refusal.
//! - [`code`]: strict parsing of typed 6-digit codes, and random email codes.
//! - [`context`]: the context strings that bind sealed values and code hashes.
//! - [`code_hash`]: keyed, context-bound hashes of one-time values (email codes, login nonces,
//!   backup codes).
//! - [`backup`]: backup codes: generation and normalization of what people type.
//! - [`seal`]: XChaCha20-Poly1305 sealing of stored secrets, context as associated data.
//! - [`key`]: the 32-byte site key file and its HKDF-SHA256 subkeys.
//! - [`signing`]: plugin → sidecar request signatures and their verification.
//! - [`qr`]: QR codes as inline SVG.
//! - [`passkey`]: WebAuthn registration and authentication ceremonies (webauthn-rs-core).
//! - [`error`]: the [`Error`] type shared by all of them.

#![warn(missing_docs)]

pub mod backup;
pub mod code;
pub mod code_hash;
pub mod context;
pub mod error;
pub mod key;
pub mod passkey;
pub mod qr;
pub mod seal;
pub mod signing;
pub mod totp;

pub use error::{Error, ErrorKind, Result};

/// Largest accepted time in unix seconds (year 9999); keeps step arithmetic far from overflow.
pub const MAX_TIME: i64 = 253_402_300_799;

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
