//! The passkey (WebAuthn) functions: thin wrappers over `twofa_core::passkey`.
//!
//! Refused ceremonies are `Twofa\PasskeyException`; malformed input `Twofa\ArgumentException`;
//! a state or record that is tampered with or of another user or purpose `Twofa\SealException`;
//! key problems `Twofa\KeyException`. The JSON shapes are in docs/CONTRACTS.md.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{SystemTime, UNIX_EPOCH};

use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use twofa_core::key::SiteKey;
use twofa_core::passkey::{self, PasskeyError, RelyingParty};

use crate::args::{Int, OptInt, OptStr, Str};
use crate::errors::{argument, to_php, TwofaException};
use crate::key;

/// `Twofa\PasskeyException`: a passkey response that does not verify (wrong challenge, origin,
/// relying party, signature, missing user verification, a counter that did not increase, an
/// unknown credential) or an expired ceremony.
#[php_class]
#[php(name = "Twofa\\PasskeyException")]
#[php(extends(TwofaException))]
#[derive(Default)]
pub struct PasskeyException;

fn passkey_error(e: PasskeyError) -> PhpException {
    match e {
        PasskeyError::Core(core) => to_php(core),
        PasskeyError::Malformed { .. } => argument(&e.to_string()),
        PasskeyError::Expired | PasskeyError::Refused(_) => {
            PhpException::from_class::<PasskeyException>(e.to_string())
        }
    }
}

/// Runs `f`, turning a panic (none is known) into a `Twofa\PasskeyException`.
fn guarded<T>(f: impl FnOnce() -> PhpResult<T>) -> PhpResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(PhpException::from_class::<PasskeyException>(
            "internal error while checking the passkey".to_string(),
        ))
    })
}

fn text<'a>(what: &str, bytes: &'a [u8]) -> PhpResult<&'a str> {
    std::str::from_utf8(bytes).map_err(|_| argument(&format!("{what} must be valid UTF-8")))
}

fn now_or(now: Option<i64>) -> PhpResult<i64> {
    match now {
        Some(t) => Ok(t),
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok())
            .ok_or_else(|| argument("the system clock is before 1970")),
    }
}

/// The stored records passed as a PHP array of strings (keys ignored).
fn records(credentials: &ZendHashTable) -> PhpResult<Vec<String>> {
    if credentials.len() > passkey::MAX_CREDENTIALS {
        return Err(argument(&format!(
            "invalid credentials: at most {}",
            passkey::MAX_CREDENTIALS
        )));
    }
    credentials
        .values()
        .map(|v| {
            v.str()
                .map(str::to_string)
                .ok_or_else(|| argument("invalid credentials: must be an array of strings"))
        })
        .collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn relying_party(rp_id: &[u8], origin: &[u8]) -> PhpResult<RelyingParty> {
    RelyingParty::new(text("rp_id", rp_id)?, text("origin", origin)?).map_err(passkey_error)
}

/// A sealed state or record argument: text, else a `Twofa\SealException`.
fn sealed(value: &[u8]) -> PhpResult<&str> {
    std::str::from_utf8(value).map_err(|_| to_php(twofa_core::Error::SealMalformed("not ASCII")))
}

/// The time (`now`, else the clock) and the site key, in that order, then the core call `f`.
fn with_key<T>(
    now: Option<i64>,
    f: impl FnOnce(&SiteKey, i64) -> passkey::Result<T>,
) -> PhpResult<T> {
    let now = now_or(now)?;
    let key = key::site_key().map_err(to_php)?;
    f(&key, now).map_err(passkey_error)
}

fn begun_array(b: passkey::Begun) -> PhpResult<ZBox<ZendHashTable>> {
    let mut out = ZendHashTable::new();
    out.insert("options", b.options)?;
    out.insert("state", b.state)?;
    out.insert("state_id", b.state_id)?;
    out.insert("expires_at", b.expires_at)?;
    if let Some(h) = b.user_handle {
        out.insert("user_handle", h)?;
    }
    Ok(out)
}

fn authenticated_array(a: passkey::Authenticated) -> PhpResult<ZBox<ZendHashTable>> {
    let mut out = ZendHashTable::new();
    out.insert("credential_id", a.credential_id)?;
    out.insert("record", a.record)?;
    out.insert("counter", i64::from(a.counter))?;
    out.insert("backup_eligible", a.backup_eligible)?;
    out.insert("backup_state", a.backup_state)?;
    out.insert("user_handle", a.user_handle)?;
    out.insert("state_id", a.state_id)?;
    Ok(out)
}

/// A core finish of an authentication: `login_finish` or `passwordless_finish`.
type AuthenticationFinish =
    fn(&SiteKey, &str, &str, i64, &[&str], i64) -> passkey::Result<passkey::Authenticated>;

/// What the two authentication finishes share: the arguments checked in the same order, the
/// core `finish`, the matched credential and its new record as an array.
fn authentication_finish(
    finish: AuthenticationFinish,
    state: &[u8],
    response: &[u8],
    user_id: Int,
    credentials: &ZendHashTable,
    now: OptInt,
) -> PhpResult<ZBox<ZendHashTable>> {
    guarded(|| {
        let state = sealed(state)?;
        let response = text("response", response)?;
        let stored = records(credentials)?;
        let a = with_key(now.0, |key, now| {
            finish(key, state, response, user_id.0, &refs(&stored), now)
        })?;
        authenticated_array(a)
    })
}

/// Starts adding a passkey: creation options for the browser and the sealed state.
#[php_function]
#[allow(clippy::too_many_arguments)]
pub fn twofa_passkey_register_begin(
    user_id: Int,
    user_name: Str,
    display_name: Str,
    user_handle: OptStr,
    credentials: &ZendHashTable,
    rp_id: Str,
    origin: Str,
    now: OptInt,
) -> PhpResult<ZBox<ZendHashTable>> {
    guarded(|| {
        let rp = relying_party(&rp_id, &origin)?;
        let handle = match &user_handle.0 {
            Some(h) => Some(text("user_handle", h)?),
            None => None,
        };
        let existing = records(credentials)?;
        let now = now_or(now.0)?;
        let key = key::site_key().map_err(to_php)?;
        let begun = passkey::register_begin(
            &key,
            &rp,
            user_id.0,
            text("user_name", &user_name)?,
            text("display_name", &display_name)?,
            handle,
            &refs(&existing),
            now,
        )
        .map_err(passkey_error)?;
        begun_array(begun)
    })
}

/// Finishes adding a passkey: verifies the browser's response, returns the record to store.
#[php_function]
pub fn twofa_passkey_register_finish(
    state: Str,
    response: Str,
    user_id: Int,
    now: OptInt,
) -> PhpResult<ZBox<ZendHashTable>> {
    guarded(|| {
        let state = sealed(&state)?;
        let response = text("response", &response)?;
        let r = with_key(now.0, |key, now| {
            passkey::register_finish(key, state, response, user_id.0, now)
        })?;
        let mut out = ZendHashTable::new();
        out.insert("credential_id", r.credential_id)?;
        out.insert("record", r.record)?;
        out.insert("user_handle", r.user_handle)?;
        out.insert("counter", i64::from(r.counter))?;
        out.insert("backup_eligible", r.backup_eligible)?;
        out.insert("backup_state", r.backup_state)?;
        out.insert("state_id", r.state_id)?;
        Ok(out)
    })
}

/// Starts the passkey step of a login for a known user with at least one passkey.
#[php_function]
pub fn twofa_passkey_login_begin(
    user_id: Int,
    credentials: &ZendHashTable,
    rp_id: Str,
    origin: Str,
    now: OptInt,
) -> PhpResult<ZBox<ZendHashTable>> {
    guarded(|| {
        let rp = relying_party(&rp_id, &origin)?;
        let stored = records(credentials)?;
        let begun = with_key(now.0, |key, now| {
            passkey::login_begin(key, &rp, user_id.0, &refs(&stored), now)
        })?;
        begun_array(begun)
    })
}

/// Finishes the passkey step of a login: returns the matched credential and its new record.
#[php_function]
pub fn twofa_passkey_login_finish(
    state: Str,
    response: Str,
    user_id: Int,
    credentials: &ZendHashTable,
    now: OptInt,
) -> PhpResult<ZBox<ZendHashTable>> {
    authentication_finish(
        passkey::login_finish,
        &state,
        &response,
        user_id,
        credentials,
        now,
    )
}

/// Starts a passwordless login (no user; a discoverable credential).
#[php_function]
pub fn twofa_passkey_passwordless_begin(
    rp_id: Str,
    origin: Str,
    now: OptInt,
) -> PhpResult<ZBox<ZendHashTable>> {
    guarded(|| {
        let rp = relying_party(&rp_id, &origin)?;
        let begun = with_key(now.0, |key, now| passkey::passwordless_begin(key, &rp, now))?;
        begun_array(begun)
    })
}

/// Finishes a passwordless login for the user the caller found by the credential id.
#[php_function]
pub fn twofa_passkey_passwordless_finish(
    state: Str,
    response: Str,
    user_id: Int,
    credentials: &ZendHashTable,
    now: OptInt,
) -> PhpResult<ZBox<ZendHashTable>> {
    authentication_finish(
        passkey::passwordless_finish,
        &state,
        &response,
        user_id,
        credentials,
        now,
    )
}

/// The credential id and user handle a browser's authentication response names (unverified).
#[php_function]
pub fn twofa_passkey_response_ids(response: Str) -> PhpResult<ZBox<ZendHashTable>> {
    guarded(|| {
        let ids = passkey::response_ids(text("response", &response)?).map_err(passkey_error)?;
        let mut out = ZendHashTable::new();
        out.insert("credential_id", ids.credential_id)?;
        out.insert("user_handle", ids.user_handle)?;
        Ok(out)
    })
}

/// What a stored record of a user holds (credential id, user handle, counter, backup flags).
#[php_function]
pub fn twofa_passkey_record_info(record: Str, user_id: Int) -> PhpResult<ZBox<ZendHashTable>> {
    guarded(|| {
        let record = sealed(&record)?;
        let key = key::site_key().map_err(to_php)?;
        let info = passkey::record_info(&key, record, user_id.0).map_err(passkey_error)?;
        let mut out = ZendHashTable::new();
        out.insert("credential_id", info.credential_id)?;
        out.insert("user_handle", info.user_handle)?;
        out.insert("counter", i64::from(info.counter))?;
        out.insert("backup_eligible", info.backup_eligible)?;
        out.insert("backup_state", info.backup_state)?;
        Ok(out)
    })
}

/// Adds the passkey exception class and functions to the module (after the base classes).
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module
        .class::<PasskeyException>()
        .function(wrap_function!(twofa_passkey_register_begin))
        .function(wrap_function!(twofa_passkey_register_finish))
        .function(wrap_function!(twofa_passkey_login_begin))
        .function(wrap_function!(twofa_passkey_login_finish))
        .function(wrap_function!(twofa_passkey_passwordless_begin))
        .function(wrap_function!(twofa_passkey_passwordless_finish))
        .function(wrap_function!(twofa_passkey_response_ids))
        .function(wrap_function!(twofa_passkey_record_info))
}
