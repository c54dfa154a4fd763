//! The extension's exception classes and the one mapping from core errors onto them.

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::zend::ce;

/// `Twofa\Exception`: the base class of every error the extension throws.
#[php_class]
#[php(name = "Twofa\\Exception")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default)]
pub struct TwofaException;

/// `Twofa\KeyException`: no key file configured, unreadable, wrong length, too open.
#[php_class]
#[php(name = "Twofa\\KeyException")]
#[php(extends(TwofaException))]
#[derive(Default)]
pub struct KeyException;

/// `Twofa\SealException`: a sealed value that is malformed, tampered, truncated or of another context.
#[php_class]
#[php(name = "Twofa\\SealException")]
#[php(extends(TwofaException))]
#[derive(Default)]
pub struct SealException;

/// `Twofa\ArgumentException`: any other invalid argument.
#[php_class]
#[php(name = "Twofa\\ArgumentException")]
#[php(extends(TwofaException))]
#[derive(Default)]
pub struct ArgumentException;

/// The ini setting that names the key file; key errors mention it so the fix is obvious.
pub const INI_KEY_FILE: &str = "twofa.key_file";

/// The message shown for a core error; key errors name the ini setting so the fix is obvious.
/// Core messages never contain secrets.
pub fn message(e: &twofa_core::Error) -> String {
    match e {
        twofa_core::Error::KeyNotConfigured => format!(
            "no key file is configured: set the ini setting {INI_KEY_FILE} to the path of the site key file"
        ),
        other if other.kind() == twofa_core::ErrorKind::Key => {
            format!("{other} (ini setting {INI_KEY_FILE})")
        }
        other => other.to_string(),
    }
}

/// Maps a core error onto its exception class.
pub fn to_php(e: twofa_core::Error) -> PhpException {
    use twofa_core::ErrorKind;
    let text = message(&e);
    match e.kind() {
        ErrorKind::Key => PhpException::from_class::<KeyException>(text),
        ErrorKind::Seal => PhpException::from_class::<SealException>(text),
        ErrorKind::Argument => PhpException::from_class::<ArgumentException>(text),
    }
}

/// An `ArgumentException` with a message of the extension's own.
pub fn argument(message: &str) -> PhpException {
    PhpException::from_class::<ArgumentException>(message.to_string())
}
