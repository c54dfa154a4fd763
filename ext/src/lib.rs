//! The `twofa` PHP extension: thin wrappers over twofa-core (see docs/DESIGN.md for the API).
//!
//! Arguments follow PHP's rules for internal functions ([`args`]): coercion outside
//! strict_types, the engine's TypeError under it. String arguments are taken as bytes so that
//! a non-UTF-8 PHP string becomes a `Twofa\ArgumentException` (or `false`, where the API says
//! so) instead of a TypeError.

#![cfg_attr(windows, feature(abi_vectorcall))]

mod args;
mod backup;
mod errors;
mod key;
mod passkey;

use ext_php_rs::binary::Binary;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::flags::IniEntryPermission;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::{IniEntryDef, IniEntryDefs, ModuleEntry};
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

use args::{
    fix_arginfo, DefaultInt, Int, OptStr, Slot, Str, MAY_BE_FALSE, MAY_BE_LONG, MAY_BE_STRING,
};
use errors::{argument, to_php, ArgumentException, KeyException, SealException, TwofaException};

static INI_ENTRIES: IniEntryDefs<2> = IniEntryDefs::new([
    IniEntryDef::new(c"twofa.key_file", c"", IniEntryPermission::System),
    IniEntryDef::end(),
]);

/// Interprets a PHP string argument as UTF-8 text.
fn text<'a>(what: &str, bytes: &'a [u8]) -> PhpResult<&'a str> {
    std::str::from_utf8(bytes).map_err(|_| argument(&format!("{what} must be valid UTF-8")))
}

/// The extension version.
#[php_function]
pub fn twofa_version() -> String {
    twofa_core::VERSION.to_string()
}

/// `['loaded' => bool, 'path' => string, 'error' => ?string]` for the configured key file.
#[php_function]
pub fn twofa_key_status() -> PhpResult<ZBox<ZendHashTable>> {
    let path = key::key_file_setting();
    let error = match key::site_key() {
        Ok(_) => None,
        Err(e) => Some(errors::message(&e)),
    };
    let mut status = ZendHashTable::new();
    status.insert("loaded", error.is_none())?;
    status.insert("path", path)?;
    status.insert("error", error)?;
    Ok(status)
}

/// A new base32 TOTP secret (160 bits from the OS CSPRNG).
#[php_function]
pub fn twofa_totp_secret() -> String {
    twofa_core::totp::generate_secret()
}

/// The otpauth:// URI for an authenticator app.
#[php_function]
pub fn twofa_totp_uri(secret: Str, account: Str, issuer: Str) -> PhpResult<String> {
    twofa_core::totp::uri(
        text("secret", &secret)?,
        text("account", &account)?,
        text("issuer", &issuer)?,
    )
    .map_err(to_php)
}

/// The 6-digit TOTP code of `$secret` at `$time`.
#[php_function]
pub fn twofa_totp_code(secret: Str, time: Int) -> PhpResult<String> {
    twofa_core::totp::code(text("secret", &secret)?, time.0).map_err(to_php)
}

/// The matched time step, or false for a wrong, replayed or malformed code.
#[php_function]
#[php(defaults(last_step = -1))]
pub fn twofa_totp_verify(
    secret: Str,
    code: Str,
    time: Int,
    last_step: DefaultInt,
) -> PhpResult<Zval> {
    let matched =
        twofa_core::totp::verify_bytes(text("secret", &secret)?, &code, time.0, last_step.0)
            .map_err(to_php)?;
    let mut out = Zval::new();
    match matched {
        // Steps are at most MAX_TIME / 30, far inside i64.
        Some(step) => out.set_long(i64::try_from(step).map_err(|_| argument("time out of range"))?),
        None => out.set_bool(false),
    }
    Ok(out)
}

/// The QR code of `$text` as inline SVG.
#[php_function]
pub fn twofa_qr_svg(text: Str) -> PhpResult<String> {
    twofa_core::qr::svg(&text).map_err(to_php)
}

/// The six digits of a typed code ("123 456" → "123456"), or false for anything else.
#[php_function]
pub fn twofa_parse_code(input: Str) -> Zval {
    let mut out = Zval::new();
    match twofa_core::code::parse_bytes(&input) {
        Some(code) => {
            if out.set_string(&code, false).is_err() {
                out.set_bool(false);
            }
        }
        None => out.set_bool(false),
    }
    out
}

/// Six uniformly random digits.
#[php_function]
pub fn twofa_email_code() -> String {
    twofa_core::code::generate_code()
}

/// The keyed hash of `$code` bound to `$context`.
#[php_function]
pub fn twofa_hash_code(code: Str, context: Str) -> PhpResult<String> {
    let key = key::site_key().map_err(to_php)?;
    twofa_core::code_hash::hash_code(&key, &code, &context).map_err(to_php)
}

/// Whether `$code` matches `$hash` under `$context` (constant time).
#[php_function]
pub fn twofa_verify_code(hash: Str, code: Str, context: Str) -> PhpResult<bool> {
    let hash = std::str::from_utf8(&hash).map_err(|_| to_php(twofa_core::Error::MalformedHash))?;
    let key = key::site_key().map_err(to_php)?;
    twofa_core::code_hash::verify_code(&key, hash, &code, &context).map_err(to_php)
}

/// Seals `$plaintext` for `$context`.
#[php_function]
pub fn twofa_seal(plaintext: Str, context: Str) -> PhpResult<String> {
    let key = key::site_key().map_err(to_php)?;
    twofa_core::seal::seal(&key, &plaintext, &context).map_err(to_php)
}

/// Opens a value sealed for `$context`.
#[php_function]
pub fn twofa_open(sealed: Str, context: Str) -> PhpResult<Binary<u8>> {
    let sealed = std::str::from_utf8(&sealed)
        .map_err(|_| to_php(twofa_core::Error::SealMalformed("not ASCII")))?;
    let key = key::site_key().map_err(to_php)?;
    let opened = twofa_core::seal::open(&key, sealed, &context).map_err(to_php)?;
    Ok(Binary::new(opened.to_vec()))
}

/// The `X-Twofa-Signature` value for a sidecar request: `v2=…` bound to `$request_id` (the
/// `X-Twofa-Request-Id` sent with it), or the older `v1=…` when no request id is given.
#[php_function]
#[php(optional = request_id)]
pub fn twofa_sign(
    method: Str,
    path: Str,
    body: Str,
    time: Int,
    request_id: OptStr,
) -> PhpResult<String> {
    let method = text("method", &method)?;
    let path = text("path", &path)?;
    let request_id = match &request_id.0 {
        Some(id) => Some(text("request_id", id)?),
        None => None,
    };
    let key = key::site_key().map_err(to_php)?;
    match request_id {
        Some(id) => twofa_core::signing::sign(&key, method, path, &body, time.0, id),
        None => twofa_core::signing::sign_v1(&key, method, path, &body, time.0),
    }
    .map_err(to_php)
}

/// The file this extension was loaded from, as the dynamic loader names it.
#[php_function]
pub fn twofa_extension_file() -> String {
    loaded_from().unwrap_or_default()
}

fn loaded_from() -> Option<String> {
    let mut info = std::mem::MaybeUninit::<libc::Dl_info>::zeroed();
    let here = twofa_extension_file as *const libc::c_void;
    // SAFETY: dladdr only reads the address and fills `info`; dli_fname, when set, is a
    // NUL-terminated string owned by the loader for as long as the object stays loaded.
    unsafe {
        if libc::dladdr(here, info.as_mut_ptr()) == 0 {
            return None;
        }
        let info = info.assume_init();
        if info.dli_fname.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr(info.dli_fname)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// Removes NUL bytes, which a C string for phpinfo() cannot hold.
fn without_nul(s: String) -> String {
    s.replace('\0', "")
}

/// The phpinfo() / `php -i` section: whether the configured key loads, and why not.
extern "C" fn module_info(_module: *mut ModuleEntry) {
    let key_state = match key::site_key() {
        Ok(_) => "loaded".to_string(),
        Err(e) => errors::message(&e),
    };
    info_table_start!();
    info_table_row!("twofa support", "enabled");
    info_table_row!("version", twofa_core::VERSION);
    info_table_row!(
        "loaded from",
        without_nul(loaded_from().unwrap_or_default())
    );
    info_table_row!("twofa.key_file", without_nul(key::key_file_setting()));
    info_table_row!("site key", without_nul(key_state));
    info_table_end!();
}

/// Declared types the function macro cannot express; see [`args::fix_arginfo`].
const ARGINFO_FIXES: &[(&str, Slot, u32)] = &[
    (
        "twofa_totp_verify",
        Slot::Return,
        MAY_BE_LONG | MAY_BE_FALSE,
    ),
    ("twofa_totp_verify", Slot::Param(3), MAY_BE_LONG),
    (
        "twofa_parse_code",
        Slot::Return,
        MAY_BE_STRING | MAY_BE_FALSE,
    ),
    ("twofa_backup_codes", Slot::Param(0), MAY_BE_LONG),
    (
        "twofa_backup_code_normalize",
        Slot::Return,
        MAY_BE_STRING | MAY_BE_FALSE,
    ),
    (
        "twofa_backup_code_hash",
        Slot::Return,
        MAY_BE_STRING | MAY_BE_FALSE,
    ),
];

fn startup(_ty: i32, module_number: i32) -> i32 {
    IniEntryDef::register(INI_ENTRIES.as_slice(), module_number);
    for &(name, slot, mask) in ARGINFO_FIXES {
        if !fix_arginfo(name, slot, mask) {
            return -1;
        }
    }
    0
}

#[php_module]
#[php(startup = startup)]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    let module = backup::functions()
        .into_iter()
        .fold(module, ModuleBuilder::function);
    let module = module
        .name("twofa")
        .version(twofa_core::VERSION)
        .info_function(module_info)
        .class::<TwofaException>()
        .class::<KeyException>()
        .class::<SealException>()
        .class::<ArgumentException>()
        .function(wrap_function!(twofa_version))
        .function(wrap_function!(twofa_key_status))
        .function(wrap_function!(twofa_totp_secret))
        .function(wrap_function!(twofa_totp_uri))
        .function(wrap_function!(twofa_totp_code))
        .function(wrap_function!(twofa_totp_verify))
        .function(wrap_function!(twofa_qr_svg))
        .function(wrap_function!(twofa_email_code))
        .function(wrap_function!(twofa_hash_code))
        .function(wrap_function!(twofa_verify_code))
        .function(wrap_function!(twofa_seal))
        .function(wrap_function!(twofa_open))
        .function(wrap_function!(twofa_sign))
        .function(wrap_function!(twofa_parse_code))
        .function(wrap_function!(twofa_extension_file));
    passkey::register(module)
}
