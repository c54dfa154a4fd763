//! A software authenticator for the tests: a real P-256 key, ES256 signatures, 'none'
//! attestation, authenticator data with the flags and counter it is told to use. It answers
//! the options a begin produced the way a browser and a platform authenticator would
//! (`PublicKeyCredential.toJSON()` shapes).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use rand::rngs::OsRng;
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const UP: u8 = 0x01;
pub const UV: u8 = 0x04;
pub const BE: u8 = 0x08;
pub const BS: u8 = 0x10;
const AT: u8 = 0x40;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).expect("base64url in the options")
}

/// CBOR item head: major type and argument.
fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        _ => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
    }
}

fn cbor_int(out: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        head(out, 0, v as u64);
    } else {
        head(out, 1, (-1 - v) as u64);
    }
}

fn cbor_bytes(out: &mut Vec<u8>, b: &[u8]) {
    head(out, 2, b.len() as u64);
    out.extend_from_slice(b);
}

fn cbor_text(out: &mut Vec<u8>, s: &str) {
    head(out, 3, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// What the next answer looks like; the tests change these to make bad answers.
#[derive(Clone)]
pub struct Knobs {
    /// The flags byte (UP | UV by default).
    pub flags: u8,
    /// Overrides the origin the "browser" reports.
    pub origin: Option<String>,
    /// Overrides the relying party id whose hash goes into the authenticator data.
    pub rp_id: Option<String>,
    /// Overrides the challenge (base64url) the "browser" reports.
    pub challenge: Option<String>,
    /// Overrides the counter (else the authenticator's own, incremented per assertion).
    pub counter: Option<u32>,
    /// Flips a bit of the signature.
    pub tamper_signature: bool,
    /// Leaves out the user handle in an assertion.
    pub no_user_handle: bool,
    /// Reports the ceremony as run in a cross-origin frame.
    pub cross_origin: bool,
}

impl Default for Knobs {
    fn default() -> Knobs {
        Knobs {
            flags: UP | UV,
            origin: None,
            rp_id: None,
            challenge: None,
            counter: None,
            tamper_signature: false,
            no_user_handle: false,
            cross_origin: false,
        }
    }
}

pub struct SoftAuthenticator {
    key: SigningKey,
    pub cred_id: Vec<u8>,
    pub counter: u32,
    pub user_handle: Vec<u8>,
    origin: String,
}

impl SoftAuthenticator {
    /// A new authenticator answering for `origin`, its signature counter starting at
    /// `counter` (0: it keeps none).
    pub fn new(origin: &str, counter: u32) -> SoftAuthenticator {
        let mut secret = [0u8; 32];
        let key = loop {
            OsRng.fill_bytes(&mut secret);
            if let Ok(k) = SigningKey::from_slice(&secret) {
                break k;
            }
        };
        let mut cred_id = vec![0u8; 32];
        OsRng.fill_bytes(&mut cred_id);
        SoftAuthenticator {
            key,
            cred_id,
            counter,
            user_handle: Vec::new(),
            origin: origin.to_string(),
        }
    }

    fn client_data(&self, kind: &str, challenge: &str, knobs: &Knobs) -> Vec<u8> {
        let origin = knobs.origin.as_deref().unwrap_or(&self.origin);
        let challenge = knobs.challenge.as_deref().unwrap_or(challenge);
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": challenge,
            "origin": origin,
            "crossOrigin": knobs.cross_origin,
        }))
        .expect("client data")
    }

    fn auth_data_prefix(&self, rp_id: &str, knobs: &Knobs, counter: u32) -> Vec<u8> {
        let rp_id = knobs.rp_id.as_deref().unwrap_or(rp_id);
        let mut out = Sha256::digest(rp_id.as_bytes()).to_vec();
        out.push(knobs.flags);
        out.extend(counter.to_be_bytes());
        out
    }

    /// Answers creation options (the JSON a registration begin returned).
    pub fn register(&mut self, options: &str, knobs: &Knobs) -> String {
        let options: Value = serde_json::from_str(options).expect("options JSON");
        let pk = &options["publicKey"];
        let challenge = pk["challenge"].as_str().expect("challenge");
        let rp_id = pk["rp"]["id"].as_str().expect("rp id");
        self.user_handle = unb64(pk["user"]["id"].as_str().expect("user id"));

        let client_data = self.client_data("webauthn.create", challenge, knobs);
        let counter = knobs.counter.unwrap_or(self.counter);
        let mut auth_data = self.auth_data_prefix(rp_id, knobs, counter);
        auth_data[32] |= AT;
        auth_data.extend([0u8; 16]); // AAGUID
        auth_data.extend((self.cred_id.len() as u16).to_be_bytes());
        auth_data.extend(&self.cred_id);
        let point = self.key.verifying_key().to_sec1_point(false);
        let mut cose = Vec::new();
        head(&mut cose, 5, 5);
        cbor_int(&mut cose, 1);
        cbor_int(&mut cose, 2); // kty: EC2
        cbor_int(&mut cose, 3);
        cbor_int(&mut cose, -7); // alg: ES256
        cbor_int(&mut cose, -1);
        cbor_int(&mut cose, 1); // crv: P-256
        cbor_int(&mut cose, -2);
        cbor_bytes(&mut cose, point.x().expect("x"));
        cbor_int(&mut cose, -3);
        cbor_bytes(&mut cose, point.y().expect("y"));
        auth_data.extend(cose);

        let mut att = Vec::new();
        head(&mut att, 5, 3);
        cbor_text(&mut att, "fmt");
        cbor_text(&mut att, "none");
        cbor_text(&mut att, "attStmt");
        head(&mut att, 5, 0);
        cbor_text(&mut att, "authData");
        cbor_bytes(&mut att, &auth_data);

        serde_json::to_string(&json!({
            "id": b64(&self.cred_id),
            "rawId": b64(&self.cred_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&att),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": true}},
        }))
        .expect("response JSON")
    }

    /// Answers request options (the JSON an authentication begin returned); the counter goes
    /// up by one first when the authenticator keeps one.
    pub fn assert(&mut self, options: &str, knobs: &Knobs) -> String {
        let options: Value = serde_json::from_str(options).expect("options JSON");
        let pk = &options["publicKey"];
        let challenge = pk["challenge"].as_str().expect("challenge");
        let rp_id = pk["rpId"].as_str().expect("rpId");
        if self.counter > 0 {
            self.counter += 1;
        }
        let counter = knobs.counter.unwrap_or(self.counter);
        let client_data = self.client_data("webauthn.get", challenge, knobs);
        let auth_data = self.auth_data_prefix(rp_id, knobs, counter);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature: Signature = self.key.sign(&signed);
        let mut der = signature.to_der().as_bytes().to_vec();
        if knobs.tamper_signature {
            let last = der.len() - 1;
            der[last] ^= 0x01;
        }
        let user_handle = if knobs.no_user_handle {
            Value::Null
        } else {
            Value::String(b64(&self.user_handle))
        };
        serde_json::to_string(&json!({
            "id": b64(&self.cred_id),
            "rawId": b64(&self.cred_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(&der),
                "userHandle": user_handle,
            },
            "clientExtensionResults": {},
        }))
        .expect("response JSON")
    }
}
