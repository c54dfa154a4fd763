//! Passkeys (WebAuthn): registration and authentication ceremonies on `webauthn-rs-core`
//! (RustCrypto, no OpenSSL), with the ceremony state and the credential records sealed under
//! the site key so that "begin" and "finish" may run on different servers.
//!
//! Three ceremonies, each with a begin and a finish:
//! - registration: a logged-in user adds a passkey (a discoverable credential);
//! - authentication: the second step of a login, the user is known, `allowCredentials` lists
//!   the user's passkeys;
//! - passwordless authentication: no user yet, `allowCredentials` is empty, the authenticator
//!   picks a discoverable credential and the caller finds the user by the credential id.
//!
//! User verification is required in all three. A signature counter that does not increase
//! (when the authenticator keeps one) is refused.
//!
//! The sealed ceremony state carries a random state id; making a state "accepted once" is the
//! caller's job (one atomic delete of the stored state by that id before finishing).
//! docs/CONTRACTS.md describes the JSON shapes.

mod state;
mod validate;

#[cfg(test)]
mod soft_authenticator;
#[cfg(test)]
mod tests;

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, COSEAlgorithm, CredProtect, Credential,
    CredentialProtectionPolicy, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestRegistrationExtensions, UserVerificationPolicy,
};
use webauthn_rs_core::WebauthnCore;

use crate::key::SiteKey;
use crate::seal;

pub use state::Purpose;
pub use validate::RelyingParty;

/// How long a ceremony state is accepted, in seconds (also the browser's timeout).
pub const STATE_LIFETIME: i64 = 300;
/// How far a state's issue time may lie in the future (clock skew between servers), in seconds.
pub const CLOCK_SKEW: i64 = 60;
/// Largest browser response accepted, in bytes of JSON.
pub const MAX_RESPONSE: usize = 64 * 1024;
/// Largest number of stored credentials passed to one call.
pub const MAX_CREDENTIALS: usize = 100;
/// Longest user name or display name, in bytes.
pub const MAX_NAME: usize = 256;
/// Longest user handle, in bytes (WebAuthn allows 1 to 64).
pub const MAX_USER_HANDLE: usize = 64;
/// Length of a user handle made by [`new_user_handle`], in bytes.
pub const USER_HANDLE_LEN: usize = 16;
/// Largest user id (PHP's int is 64-bit; WordPress ids are positive).
pub const MAX_USER_ID: i64 = i64::MAX;

/// Errors of the passkey ceremonies. Messages never contain key material or user data.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PasskeyError {
    /// An error of the rest of twofa-core: the site key, a sealed value (state or record that
    /// is tampered with, truncated, or sealed for another user or purpose), an argument.
    #[error(transparent)]
    Core(#[from] crate::Error),
    /// An input is malformed: bad JSON, a wrong type, bad base64url, too large, out of range.
    #[error("invalid {what}: {reason}")]
    Malformed {
        /// Which input.
        what: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// The ceremony state has expired (or was issued in the future).
    #[error("the passkey ceremony has expired; start again")]
    Expired,
    /// The browser's response does not verify: wrong challenge, origin, relying party,
    /// signature, missing user verification, a counter that did not increase, an unknown
    /// credential.
    #[error("the passkey response was refused: {0}")]
    Refused(String),
}

impl PasskeyError {
    fn malformed(what: &'static str, reason: impl Into<String>) -> PasskeyError {
        PasskeyError::Malformed {
            what,
            reason: reason.into(),
        }
    }
}

/// Result alias for the passkey ceremonies.
pub type Result<T> = std::result::Result<T, PasskeyError>;

/// What a "begin" returns: the options for the browser, the sealed state to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Begun {
    /// JSON `{"publicKey": {...}}` for `navigator.credentials.create/get` (binary fields as
    /// base64url without padding, see docs/CONTRACTS.md).
    pub options: String,
    /// The sealed ceremony state ("tf1." + base64url).
    pub state: String,
    /// The state's random id (22 base64url characters), for the caller's accepted-once delete.
    pub state_id: String,
    /// Unix time after which finish refuses the state.
    pub expires_at: i64,
    /// Registration only: the user handle (base64url) the new passkey will carry.
    pub user_handle: Option<String>,
}

/// What a successful registration finish returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The new credential's id, base64url without padding (store it unique across users).
    pub credential_id: String,
    /// The sealed credential record to store (public key, counter, flags, user handle).
    pub record: String,
    /// The user handle (base64url) the passkey carries; store it for the user.
    pub user_handle: String,
    /// The authenticator's signature counter (0 when it keeps none).
    pub counter: u32,
    /// Backup eligible (a synced passkey).
    pub backup_eligible: bool,
    /// Backed up right now.
    pub backup_state: bool,
    /// The id of the state that was used.
    pub state_id: String,
}

/// What a successful authentication finish returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The id of the credential that matched, base64url without padding.
    pub credential_id: String,
    /// The credential record re-sealed with the new counter and flags; replaces the stored one.
    pub record: String,
    /// The new signature counter.
    pub counter: u32,
    /// Backup eligible.
    pub backup_eligible: bool,
    /// Backed up right now.
    pub backup_state: bool,
    /// The user handle of the credential (base64url).
    pub user_handle: String,
    /// The id of the state that was used.
    pub state_id: String,
}

/// The ids a browser's authentication response names, read before the user is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseIds {
    /// The credential id (base64url without padding).
    pub credential_id: String,
    /// The user handle, when the authenticator returned one (base64url without padding).
    pub user_handle: Option<String>,
}

/// The stored credential record, sealed for `passkey-credential:{user_id}`.
#[derive(Serialize, Deserialize)]
struct Record {
    v: u8,
    user_handle: String,
    cred: Credential,
}

const RECORD_VERSION: u8 = 1;

fn record_context(user_id: i64) -> String {
    format!("passkey-credential:{user_id}")
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new random user handle (16 bytes from the OS CSPRNG, base64url): it names the user to the
/// authenticator without revealing the user id.
pub fn new_user_handle() -> String {
    let mut bytes = [0u8; USER_HANDLE_LEN];
    OsRng.fill_bytes(&mut bytes);
    b64(&bytes)
}

fn check_user_id(user_id: i64) -> Result<()> {
    if user_id < 1 {
        return Err(PasskeyError::malformed(
            "user id",
            "must be a positive integer",
        ));
    }
    Ok(())
}

fn check_time(now: i64) -> Result<()> {
    if !(0..=crate::MAX_TIME).contains(&now) {
        return Err(crate::Error::InvalidTime(now).into());
    }
    Ok(())
}

fn check_name(what: &'static str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(PasskeyError::malformed(what, "must not be empty"));
    }
    if name.len() > MAX_NAME {
        return Err(PasskeyError::malformed(
            what,
            format!("at most {MAX_NAME} bytes"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(PasskeyError::malformed(
            what,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Decodes a user handle given as base64url (1 to 64 bytes).
fn decode_user_handle(handle: &str) -> Result<Vec<u8>> {
    if handle.len() > MAX_USER_HANDLE.div_ceil(3) * 4 {
        return Err(PasskeyError::malformed("user handle", "too long"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(handle)
        .map_err(|_| PasskeyError::malformed("user handle", "not base64url without padding"))?;
    if bytes.is_empty() || bytes.len() > MAX_USER_HANDLE {
        return Err(PasskeyError::malformed(
            "user handle",
            format!("must decode to 1 to {MAX_USER_HANDLE} bytes"),
        ));
    }
    Ok(bytes)
}

fn webauthn(rp: &RelyingParty) -> WebauthnCore {
    WebauthnCore::new_unsafe_experts_only(
        rp.id(),
        rp.id(),
        vec![rp.origin().clone()],
        Duration::from_secs(STATE_LIFETIME as u64),
        Some(false),
        Some(false),
    )
}

/// Opens the stored records of one user, at most [`MAX_CREDENTIALS`].
fn open_records(key: &SiteKey, records: &[&str], user_id: i64) -> Result<Vec<Record>> {
    if records.len() > MAX_CREDENTIALS {
        return Err(PasskeyError::malformed(
            "credentials",
            format!("at most {MAX_CREDENTIALS}"),
        ));
    }
    let context = record_context(user_id);
    records
        .iter()
        .map(|sealed| {
            let plain = seal::open(key, sealed, context.as_bytes())?;
            let record: Record = serde_json::from_slice(&plain)
                .map_err(|_| PasskeyError::malformed("credential record", "unreadable"))?;
            if record.v != RECORD_VERSION {
                return Err(PasskeyError::malformed(
                    "credential record",
                    "unknown version",
                ));
            }
            Ok(record)
        })
        .collect()
}

fn seal_record(key: &SiteKey, record: &Record, user_id: i64) -> Result<String> {
    let json = serde_json::to_vec(record)
        .map_err(|_| PasskeyError::malformed("credential record", "cannot be encoded"))?;
    Ok(seal::seal(key, &json, record_context(user_id).as_bytes())?)
}

/// A refusal message for a verification error of webauthn-rs-core (static texts only).
fn refused(e: WebauthnError) -> PasskeyError {
    let text = match e {
        WebauthnError::MismatchedChallenge => "the challenge is not the one of this ceremony",
        WebauthnError::InvalidRPOrigin => "the origin is not the site's",
        WebauthnError::InvalidRPIDHash => "the relying party id is not the site's",
        WebauthnError::InvalidClientDataType => "the response is for another kind of ceremony",
        WebauthnError::UserNotPresent => "the user was not present",
        WebauthnError::UserNotVerified => "the user was not verified",
        WebauthnError::AuthenticationFailure => "the signature does not verify",
        WebauthnError::CredentialPossibleCompromise => {
            "the signature counter did not increase (a cloned or replayed authenticator)"
        }
        WebauthnError::CredentialNotFound => "the credential is not allowed in this ceremony",
        WebauthnError::CredentialCrossOrigin => "the response comes from a cross-origin frame",
        WebauthnError::CredentialAlteredAlgFromRequest
        | WebauthnError::CredentialExcludedFromRequest => {
            "the credential is already registered or uses an algorithm that was not offered"
        }
        WebauthnError::CredentialBackupEligibilityInconsistent
        | WebauthnError::CredentialMayNotBeHardwareBound => {
            "the credential's backup flags are inconsistent"
        }
        other => return PasskeyError::Refused(other.to_string()),
    };
    PasskeyError::Refused(text.to_string())
}

/// Parses a browser response (JSON of `PublicKeyCredential.toJSON()`), refusing oversized
/// input, wrong types, bad base64url, an `id` that is not the `rawId`, or a `type` other than
/// `public-key`.
fn parse_response<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
    if json.len() > MAX_RESPONSE {
        return Err(PasskeyError::malformed(
            "response",
            format!("larger than {MAX_RESPONSE} bytes"),
        ));
    }
    serde_json::from_str(json).map_err(|e| {
        // serde_json's messages name the field and the expected type, never the input.
        let reason = match e.classify() {
            serde_json::error::Category::Data => format!("wrong shape: {e}"),
            _ => "not valid JSON".to_string(),
        };
        PasskeyError::malformed("response", reason)
    })
}

/// Whether the client data says the ceremony ran in a cross-origin frame (unparsable client
/// data is left to webauthn-rs-core, which refuses it).
fn cross_origin(client_data_json: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct ClientData {
        #[serde(rename = "crossOrigin", default)]
        cross_origin: Option<bool>,
    }
    serde_json::from_slice::<ClientData>(client_data_json)
        .map(|c| c.cross_origin == Some(true))
        .unwrap_or(false)
}

fn check_ids(id: &str, raw_id: &[u8], type_: &str) -> Result<()> {
    if type_ != "public-key" {
        return Err(PasskeyError::malformed(
            "response",
            "type must be \"public-key\"",
        ));
    }
    if raw_id.is_empty() || raw_id.len() > 1023 {
        return Err(PasskeyError::malformed(
            "response",
            "rawId must be 1 to 1023 bytes",
        ));
    }
    if id != b64(raw_id) {
        return Err(PasskeyError::malformed(
            "response",
            "id must be the base64url of rawId",
        ));
    }
    Ok(())
}

/// Starts registering a passkey for `user_id`. `user_handle` is the user's stored handle, or
/// `None` for the user's first passkey (a new random one is made and returned).
/// `existing` are the user's stored records (excluded, so one authenticator is not added twice).
#[allow(clippy::too_many_arguments)]
pub fn register_begin(
    key: &SiteKey,
    rp: &RelyingParty,
    user_id: i64,
    user_name: &str,
    display_name: &str,
    user_handle: Option<&str>,
    existing: &[&str],
    now: i64,
) -> Result<Begun> {
    check_user_id(user_id)?;
    check_time(now)?;
    check_name("user name", user_name)?;
    check_name("display name", display_name)?;
    let handle = match user_handle {
        Some(h) => h.to_string(),
        None => new_user_handle(),
    };
    let handle_bytes = decode_user_handle(&handle)?;
    let records = open_records(key, existing, user_id)?;
    let exclude: Vec<_> = records.iter().map(|r| r.cred.cred_id.clone()).collect();

    let core = webauthn(rp);
    let builder = core
        .new_challenge_register_builder(&handle_bytes, user_name, display_name)
        .map_err(|_| PasskeyError::malformed("user name", "refused"))?
        .attestation(AttestationConveyancePreference::None)
        .credential_algorithms(vec![COSEAlgorithm::ES256, COSEAlgorithm::RS256])
        // A discoverable credential, so the passkey also serves passwordless login.
        .require_resident_key(true)
        .authenticator_attachment(None)
        .user_verification_policy(UserVerificationPolicy::Required)
        .reject_synchronised_authenticators(false)
        .exclude_credentials(Some(exclude))
        .extensions(Some(RequestRegistrationExtensions {
            cred_protect: Some(CredProtect {
                credential_protection_policy: CredentialProtectionPolicy::UserVerificationRequired,
                // Enforcing makes some authenticators fail instead of ignoring it.
                enforce_credential_protection_policy: Some(false),
            }),
            uvm: None,
            cred_props: Some(true),
            min_pin_length: None,
            hmac_create_secret: None,
        }));
    let (options, reg_state) = core
        .generate_challenge_register(builder)
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    let options = serde_json::to_string(&options)
        .map_err(|_| PasskeyError::malformed("options", "cannot be encoded"))?;
    let body = state::Body::new(
        Purpose::Registration,
        user_id,
        now,
        rp,
        Some(handle.clone()),
        state::Inner::Registration(reg_state),
    );
    let (sealed, state_id, expires_at) = body.seal(key)?;
    Ok(Begun {
        options,
        state: sealed,
        state_id,
        expires_at,
        user_handle: Some(handle),
    })
}

/// Finishes a registration: verifies the browser's response against the sealed state of
/// `user_id` and returns the new credential's record.
pub fn register_finish(
    key: &SiteKey,
    sealed_state: &str,
    response_json: &str,
    user_id: i64,
    now: i64,
) -> Result<Registered> {
    check_user_id(user_id)?;
    check_time(now)?;
    let body = state::Body::open(key, sealed_state, Purpose::Registration, user_id, now)?;
    let response: RegisterPublicKeyCredential = parse_response(response_json)?;
    check_ids(&response.id, &response.raw_id, &response.type_)?;
    let rp = body.relying_party()?;
    let state::Inner::Registration(reg_state) = &body.inner else {
        return Err(PasskeyError::malformed("state", "not a registration"));
    };
    let handle = body
        .user_handle
        .clone()
        .ok_or_else(|| PasskeyError::malformed("state", "no user handle"))?;
    let cred = webauthn(&rp)
        .register_credential(&response, reg_state, None)
        .map_err(refused)?;
    // The policy above asks for it; this keeps the rule visible where it is enforced.
    if !cred.user_verified {
        return Err(PasskeyError::Refused(
            "the user was not verified".to_string(),
        ));
    }
    let registered = Registered {
        credential_id: b64(&cred.cred_id),
        user_handle: handle.clone(),
        counter: cred.counter,
        backup_eligible: cred.backup_eligible,
        backup_state: cred.backup_state,
        state_id: body.id.clone(),
        record: String::new(),
    };
    let record = seal_record(
        key,
        &Record {
            v: RECORD_VERSION,
            user_handle: handle,
            cred,
        },
        user_id,
    )?;
    Ok(Registered {
        record,
        ..registered
    })
}

/// Starts the passkey step of a login for `user_id`, whose stored records are `records`
/// (at least one; they become `allowCredentials`).
pub fn login_begin(
    key: &SiteKey,
    rp: &RelyingParty,
    user_id: i64,
    records: &[&str],
    now: i64,
) -> Result<Begun> {
    check_user_id(user_id)?;
    check_time(now)?;
    let opened = open_records(key, records, user_id)?;
    if opened.is_empty() {
        return Err(PasskeyError::malformed(
            "credentials",
            "the user has no passkey",
        ));
    }
    let creds: Vec<Credential> = opened.into_iter().map(|r| r.cred).collect();
    authentication_begin(key, rp, Purpose::Authentication, user_id, creds, now)
}

/// Starts a passwordless login: no user, empty `allowCredentials`, a discoverable credential.
pub fn passwordless_begin(key: &SiteKey, rp: &RelyingParty, now: i64) -> Result<Begun> {
    check_time(now)?;
    authentication_begin(key, rp, Purpose::Passwordless, 0, Vec::new(), now)
}

fn authentication_begin(
    key: &SiteKey,
    rp: &RelyingParty,
    purpose: Purpose,
    user_id: i64,
    creds: Vec<Credential>,
    now: i64,
) -> Result<Begun> {
    let allowed: Vec<String> = creds.iter().map(|c| b64(&c.cred_id)).collect();
    let core = webauthn(rp);
    let builder = core
        .new_challenge_authenticate_builder(creds, Some(UserVerificationPolicy::Required))
        .map_err(|e| PasskeyError::Refused(e.to_string()))?
        .allow_backup_eligible_upgrade(true);
    let (options, mut auth_state) = core
        .generate_challenge_authenticate(builder)
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    // The allowed ids are kept in the state body; finish verifies against the records the
    // caller passes then (their counters are the newest), so the state stays small.
    auth_state.set_allowed_credentials(Vec::new());
    let options = serde_json::to_string(&options)
        .map_err(|_| PasskeyError::malformed("options", "cannot be encoded"))?;
    let mut body = state::Body::new(
        purpose,
        user_id,
        now,
        rp,
        None,
        state::Inner::Authentication(auth_state),
    );
    body.allowed = allowed;
    let (sealed, state_id, expires_at) = body.seal(key)?;
    Ok(Begun {
        options,
        state: sealed,
        state_id,
        expires_at,
        user_handle: None,
    })
}

/// Finishes the passkey step of a login for `user_id`: the response must come from one of the
/// credentials allowed at begin, and `records` are the user's stored records (newest counters).
pub fn login_finish(
    key: &SiteKey,
    sealed_state: &str,
    response_json: &str,
    user_id: i64,
    records: &[&str],
    now: i64,
) -> Result<Authenticated> {
    authentication_finish(
        key,
        sealed_state,
        response_json,
        Purpose::Authentication,
        user_id,
        records,
        now,
    )
}

/// Finishes a passwordless login. The caller found `user_id` by the response's credential id
/// ([`response_ids`]) and passes that user's records; the authenticator must return the
/// credential's user handle.
pub fn passwordless_finish(
    key: &SiteKey,
    sealed_state: &str,
    response_json: &str,
    user_id: i64,
    records: &[&str],
    now: i64,
) -> Result<Authenticated> {
    authentication_finish(
        key,
        sealed_state,
        response_json,
        Purpose::Passwordless,
        user_id,
        records,
        now,
    )
}

fn authentication_finish(
    key: &SiteKey,
    sealed_state: &str,
    response_json: &str,
    purpose: Purpose,
    user_id: i64,
    records: &[&str],
    now: i64,
) -> Result<Authenticated> {
    check_user_id(user_id)?;
    check_time(now)?;
    let state_user = if purpose == Purpose::Passwordless {
        0
    } else {
        user_id
    };
    let body = state::Body::open(key, sealed_state, purpose, state_user, now)?;
    let response: PublicKeyCredential = parse_response(response_json)?;
    check_ids(&response.id, &response.raw_id, &response.type_)?;
    let rp = body.relying_party()?;
    let state::Inner::Authentication(auth_state) = &body.inner else {
        return Err(PasskeyError::malformed("state", "not an authentication"));
    };
    let credential_id = b64(&response.raw_id);
    if purpose == Purpose::Authentication && !body.allowed.contains(&credential_id) {
        return Err(refused(WebauthnError::CredentialNotFound));
    }
    let mut record = open_records(key, records, user_id)?
        .into_iter()
        .find(|r| r.cred.cred_id.as_slice() == response.raw_id.as_slice())
        .ok_or_else(|| {
            PasskeyError::Refused("the credential is not one of the user's passkeys".to_string())
        })?;
    // The user handle, when returned (always for passwordless), must be the credential's.
    match (&response.response.user_handle, purpose) {
        (Some(handle), _) => {
            if b64(handle) != record.user_handle {
                return Err(PasskeyError::Refused(
                    "the user handle is not the credential's".to_string(),
                ));
            }
        }
        (None, Purpose::Passwordless) => {
            return Err(PasskeyError::Refused(
                "the authenticator returned no user handle".to_string(),
            ))
        }
        (None, _) => {}
    }
    // webauthn-rs-core checks crossOrigin at registration only; a login from a cross-origin
    // frame is refused here too.
    if cross_origin(&response.response.client_data_json) {
        return Err(refused(WebauthnError::CredentialCrossOrigin));
    }
    let result = webauthn(&rp)
        .authenticate_single_credential(&response, auth_state, &record.cred)
        .map_err(refused)?;
    if !result.user_verified() {
        return Err(PasskeyError::Refused(
            "the user was not verified".to_string(),
        ));
    }
    record.cred.counter = result.counter();
    record.cred.backup_eligible = result.backup_eligible();
    record.cred.backup_state = result.backup_state();
    let sealed = seal_record(key, &record, user_id)?;
    Ok(Authenticated {
        credential_id,
        record: sealed,
        counter: record.cred.counter,
        backup_eligible: record.cred.backup_eligible,
        backup_state: record.cred.backup_state,
        user_handle: record.user_handle,
        state_id: body.id,
    })
}

/// Reads the credential id and user handle out of a browser's authentication response, so a
/// passwordless login can find the user before [`passwordless_finish`]. Nothing is verified.
pub fn response_ids(response_json: &str) -> Result<ResponseIds> {
    let response: PublicKeyCredential = parse_response(response_json)?;
    check_ids(&response.id, &response.raw_id, &response.type_)?;
    Ok(ResponseIds {
        credential_id: b64(&response.raw_id),
        user_handle: response.response.user_handle.as_deref().map(b64),
    })
}

/// What a stored record holds, for listings (never key material).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordInfo {
    /// The credential id, base64url without padding.
    pub credential_id: String,
    /// The user handle, base64url without padding.
    pub user_handle: String,
    /// The stored signature counter.
    pub counter: u32,
    /// Backup eligible.
    pub backup_eligible: bool,
    /// Backed up at the last use.
    pub backup_state: bool,
}

/// Opens one stored record of `user_id` and describes it.
pub fn record_info(key: &SiteKey, record: &str, user_id: i64) -> Result<RecordInfo> {
    check_user_id(user_id)?;
    let mut opened = open_records(key, &[record], user_id)?;
    let r = opened
        .pop()
        .ok_or_else(|| PasskeyError::malformed("credential record", "missing"))?;
    Ok(RecordInfo {
        credential_id: b64(&r.cred.cred_id),
        user_handle: r.user_handle,
        counter: r.cred.counter,
        backup_eligible: r.cred.backup_eligible,
        backup_state: r.cred.backup_state,
    })
}
