//! The sealed ceremony state: the webauthn-rs-core state plus who it is for, what for, when it
//! expires, and a random id for the caller's accepted-once bookkeeping.
//!
//! Sealed with the context `passkey-state:{purpose}:{user_id}` (user id 0 for passwordless), so
//! a state of another user or purpose does not even open.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use webauthn_rs_core::proto::{AuthenticationState, RegistrationState};

use super::{PasskeyError, RelyingParty, Result, CLOCK_SKEW, STATE_LIFETIME};
use crate::key::SiteKey;
use crate::seal;

/// What a ceremony is for; part of the state's sealing context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Adding a passkey to a logged-in user.
    Registration,
    /// The passkey step of a login, the user known.
    Authentication,
    /// A passwordless login, the user found by the credential.
    Passwordless,
}

impl Purpose {
    /// The name used in the sealing context.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Registration => "registration",
            Purpose::Authentication => "authentication",
            Purpose::Passwordless => "passwordless",
        }
    }
}

/// The webauthn-rs-core part of the state.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "lowercase")]
pub(super) enum Inner {
    Registration(RegistrationState),
    Authentication(AuthenticationState),
}

#[derive(Serialize, Deserialize)]
pub(super) struct Body {
    v: u8,
    /// Random state id, base64url of 16 bytes.
    pub(super) id: String,
    purpose: Purpose,
    user: i64,
    iat: i64,
    exp: i64,
    rp_id: String,
    origin: String,
    /// Registration: the user handle the new credential gets.
    pub(super) user_handle: Option<String>,
    /// Authentication: the credential ids allowed at begin.
    #[serde(default)]
    pub(super) allowed: Vec<String>,
    pub(super) inner: Inner,
}

const VERSION: u8 = 1;

fn context(purpose: Purpose, user_id: i64) -> String {
    format!("passkey-state:{}:{user_id}", purpose.as_str())
}

impl Body {
    pub(super) fn new(
        purpose: Purpose,
        user_id: i64,
        now: i64,
        rp: &RelyingParty,
        user_handle: Option<String>,
        inner: Inner,
    ) -> Body {
        let mut id = [0u8; 16];
        OsRng.fill_bytes(&mut id);
        Body {
            v: VERSION,
            id: URL_SAFE_NO_PAD.encode(id),
            purpose,
            user: user_id,
            iat: now,
            exp: now + STATE_LIFETIME,
            rp_id: rp.id().to_string(),
            origin: rp.origin_str().to_string(),
            user_handle,
            allowed: Vec::new(),
            inner,
        }
    }

    /// Seals the state; returns it with its id and expiry time.
    pub(super) fn seal(&self, key: &SiteKey) -> Result<(String, String, i64)> {
        let json = serde_json::to_vec(self)
            .map_err(|_| PasskeyError::malformed("state", "cannot be encoded"))?;
        let sealed = seal::seal(key, &json, context(self.purpose, self.user).as_bytes())?;
        Ok((sealed, self.id.clone(), self.exp))
    }

    /// Opens a state for `purpose` and `user_id` and checks that it has not expired at `now`.
    pub(super) fn open(
        key: &SiteKey,
        sealed: &str,
        purpose: Purpose,
        user_id: i64,
        now: i64,
    ) -> Result<Body> {
        let plain = seal::open(key, sealed, context(purpose, user_id).as_bytes())?;
        let body: Body = serde_json::from_slice(&plain)
            .map_err(|_| PasskeyError::malformed("state", "unreadable"))?;
        if body.v != VERSION || body.purpose != purpose || body.user != user_id {
            return Err(PasskeyError::malformed("state", "not for this ceremony"));
        }
        if now >= body.exp || now.saturating_add(CLOCK_SKEW) < body.iat {
            return Err(PasskeyError::Expired);
        }
        Ok(body)
    }

    /// The relying party the ceremony began with.
    pub(super) fn relying_party(&self) -> Result<RelyingParty> {
        RelyingParty::new(&self.rp_id, &self.origin)
    }

    #[cfg(test)]
    pub(super) fn expires_at(&self) -> i64 {
        self.exp
    }
}
