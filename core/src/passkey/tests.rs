//! Real ceremonies against a software authenticator (real P-256 keys and signatures), and
//! every malformed input.

use serde_json::Value;

use super::soft_authenticator::{Knobs, SoftAuthenticator, BE, BS, UP, UV};
use super::*;
use crate::key::SiteKey;

const RP: &str = "example.com";
const ORIGIN: &str = "https://example.com";
const NOW: i64 = 1_800_000_000;
const USER: i64 = 42;

fn key() -> SiteKey {
    SiteKey::from_bytes([7u8; 32])
}

fn rp() -> RelyingParty {
    RelyingParty::new(RP, ORIGIN).unwrap()
}

fn refused_with(r: Result<impl std::fmt::Debug>, needle: &str) {
    match r {
        Err(PasskeyError::Refused(m)) => assert!(m.contains(needle), "{m:?} lacks {needle:?}"),
        other => panic!("expected a refusal containing {needle:?}, got {other:?}"),
    }
}

fn is_seal_error(r: Result<impl std::fmt::Debug>) {
    match r {
        Err(PasskeyError::Core(e)) => assert_eq!(e.kind(), crate::ErrorKind::Seal, "{e:?}"),
        other => panic!("expected a seal error, got {other:?}"),
    }
}

/// Registers `auth` for USER; returns the registration.
fn register(k: &SiteKey, auth: &mut SoftAuthenticator, existing: &[&str]) -> Registered {
    let begun = register_begin(k, &rp(), USER, "alice", "Alice", None, existing, NOW).unwrap();
    let response = auth.register(&begun.options, &Knobs::default());
    register_finish(k, &begun.state, &response, USER, NOW + 10).unwrap()
}

fn options(begun: &Begun) -> Value {
    serde_json::from_str(&begun.options).unwrap()
}

#[test]
fn registration_and_login_with_a_counter() {
    let k = key();
    let mut auth = SoftAuthenticator::new(ORIGIN, 5);
    let reg = register(&k, &mut auth, &[]);
    assert_eq!(reg.credential_id, b64(&auth.cred_id));
    assert_eq!(reg.counter, 5);
    assert!(!reg.backup_eligible && !reg.backup_state);
    assert!(reg.record.starts_with("tf1."));
    assert_eq!(reg.user_handle, b64(&auth.user_handle));
    // The handle is random, not the user id.
    assert_eq!(auth.user_handle.len(), USER_HANDLE_LEN);
    assert!(!reg.user_handle.contains("42"));

    let info = record_info(&k, &reg.record, USER).unwrap();
    assert_eq!(info.credential_id, reg.credential_id);
    assert_eq!(info.counter, 5);

    let begun = login_begin(&k, &rp(), USER, &[&reg.record], NOW + 20).unwrap();
    let o = options(&begun);
    assert_eq!(o["publicKey"]["rpId"], RP);
    assert_eq!(o["publicKey"]["userVerification"], "required");
    assert_eq!(
        o["publicKey"]["allowCredentials"][0]["id"],
        reg.credential_id.as_str()
    );
    let response = auth.assert(&begun.options, &Knobs::default());
    let done = login_finish(&k, &begun.state, &response, USER, &[&reg.record], NOW + 30).unwrap();
    assert_eq!(done.credential_id, reg.credential_id);
    assert_eq!(done.counter, 6);
    assert_eq!(done.state_id, begun.state_id);
    assert_eq!(done.user_handle, reg.user_handle);
    assert_eq!(record_info(&k, &done.record, USER).unwrap().counter, 6);

    // Replay: the same assertion against the updated record (same counter) is refused.
    refused_with(
        login_finish(&k, &begun.state, &response, USER, &[&done.record], NOW + 31),
        "counter did not increase",
    );
    // The next login works with the updated record.
    let begun2 = login_begin(&k, &rp(), USER, &[&done.record], NOW + 40).unwrap();
    let response2 = auth.assert(&begun2.options, &Knobs::default());
    let done2 = login_finish(
        &k,
        &begun2.state,
        &response2,
        USER,
        &[&done.record],
        NOW + 41,
    )
    .unwrap();
    assert_eq!(done2.counter, 7);
    // A counter that went backwards (or stayed) is refused.
    for counter in [7, 3] {
        let begun3 = login_begin(&k, &rp(), USER, &[&done2.record], NOW + 50).unwrap();
        let knobs = Knobs {
            counter: Some(counter),
            ..Knobs::default()
        };
        let response3 = auth.assert(&begun3.options, &knobs);
        refused_with(
            login_finish(
                &k,
                &begun3.state,
                &response3,
                USER,
                &[&done2.record],
                NOW + 51,
            ),
            "counter did not increase",
        );
    }
}

#[test]
fn registration_options_shape() {
    let k = key();
    let mut first = SoftAuthenticator::new(ORIGIN, 0);
    let reg = register(&k, &mut first, &[]);
    let begun = register_begin(
        &k,
        &rp(),
        USER,
        "alice",
        "Alice",
        Some(&reg.user_handle),
        &[&reg.record],
        NOW,
    )
    .unwrap();
    assert_eq!(begun.user_handle.as_deref(), Some(reg.user_handle.as_str()));
    assert_eq!(begun.expires_at, NOW + STATE_LIFETIME);
    assert_eq!(begun.state_id.len(), 22);
    let o = options(&begun);
    let pk = &o["publicKey"];
    assert_eq!(pk["rp"]["id"], RP);
    assert_eq!(pk["user"]["id"], reg.user_handle.as_str());
    assert_eq!(pk["user"]["name"], "alice");
    assert_eq!(pk["user"]["displayName"], "Alice");
    assert_eq!(pk["attestation"], "none");
    assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(pk["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(pk["authenticatorSelection"]["requireResidentKey"], true);
    assert_eq!(
        pk["excludeCredentials"][0]["id"],
        reg.credential_id.as_str()
    );
    assert_eq!(pk["pubKeyCredParams"][0]["alg"], -7);
    assert_eq!(pk["timeout"], 300_000);
    assert_eq!(pk["challenge"].as_str().unwrap().len(), 43);
    // Registering the same authenticator again is refused (it is excluded).
    let response = first.register(&begun.options, &Knobs::default());
    refused_with(
        register_finish(&k, &begun.state, &response, USER, NOW + 1),
        "already registered",
    );
    // Two begins differ in state id and challenge; a new user gets a new random handle.
    let a = register_begin(&k, &rp(), 7, "bob", "Bob", None, &[], NOW).unwrap();
    let b = register_begin(&k, &rp(), 7, "bob", "Bob", None, &[], NOW).unwrap();
    assert_ne!(a.state_id, b.state_id);
    assert_ne!(a.user_handle, b.user_handle);
    assert_ne!(
        options(&a)["publicKey"]["challenge"],
        options(&b)["publicKey"]["challenge"]
    );
}

#[test]
fn counterless_authenticator_and_backup_flags() {
    let k = key();
    let mut auth = SoftAuthenticator::new(ORIGIN, 0);
    let begun = register_begin(&k, &rp(), USER, "a", "A", None, &[], NOW).unwrap();
    let knobs = Knobs {
        flags: UP | UV | BE | BS,
        ..Knobs::default()
    };
    let reg = register_finish(
        &k,
        &begun.state,
        &auth.register(&begun.options, &knobs),
        USER,
        NOW,
    )
    .unwrap();
    assert_eq!(reg.counter, 0);
    assert!(reg.backup_eligible && reg.backup_state);
    for i in 0..2 {
        let begun = login_begin(&k, &rp(), USER, &[&reg.record], NOW + i).unwrap();
        let response = auth.assert(&begun.options, &knobs);
        let done =
            login_finish(&k, &begun.state, &response, USER, &[&reg.record], NOW + i).unwrap();
        assert_eq!(done.counter, 0);
        assert!(done.backup_eligible && done.backup_state);
    }
}

#[test]
fn refusals_of_a_bad_assertion() {
    let k = key();
    let mut auth = SoftAuthenticator::new(ORIGIN, 1);
    let reg = register(&k, &mut auth, &[]);
    let cases: Vec<(Knobs, &str)> = vec![
        (
            Knobs {
                origin: Some("https://evil.example".into()),
                ..Knobs::default()
            },
            "origin",
        ),
        (
            Knobs {
                origin: Some("https://sub.example.com".into()),
                ..Knobs::default()
            },
            "origin",
        ),
        (
            Knobs {
                rp_id: Some("evil.example".into()),
                ..Knobs::default()
            },
            "relying party id",
        ),
        (
            Knobs {
                tamper_signature: true,
                ..Knobs::default()
            },
            "",
        ),
        (
            Knobs {
                flags: UP,
                ..Knobs::default()
            },
            "not verified",
        ),
        (
            Knobs {
                flags: UV,
                ..Knobs::default()
            },
            "not present",
        ),
        (
            Knobs {
                challenge: Some(b64(&[9u8; 32])),
                ..Knobs::default()
            },
            "challenge",
        ),
        (
            Knobs {
                flags: UP | UV | BS,
                ..Knobs::default()
            },
            "backup",
        ),
        (
            Knobs {
                cross_origin: true,
                ..Knobs::default()
            },
            "cross-origin",
        ),
    ];
    for (knobs, needle) in cases {
        let begun = login_begin(&k, &rp(), USER, &[&reg.record], NOW).unwrap();
        let response = auth.assert(&begun.options, &knobs);
        let r = login_finish(&k, &begun.state, &response, USER, &[&reg.record], NOW);
        assert!(
            matches!(r, Err(PasskeyError::Refused(_))),
            "{needle}: {r:?}"
        );
        refused_with(r, needle);
    }
    // A good signature over other data: the signature of one assertion on another's data.
    let begun = login_begin(&k, &rp(), USER, &[&reg.record], NOW).unwrap();
    let good: Value =
        serde_json::from_str(&auth.assert(&begun.options, &Knobs::default())).unwrap();
    let other: Value =
        serde_json::from_str(&auth.assert(&begun.options, &Knobs::default())).unwrap();
    let mut spliced = good.clone();
    spliced["response"]["signature"] = other["response"]["signature"].clone();
    refused_with(
        login_finish(
            &k,
            &begun.state,
            &spliced.to_string(),
            USER,
            &[&reg.record],
            NOW,
        ),
        "signature does not verify",
    );
    // A challenge from another state: the response to state A finished with state B.
    let a = login_begin(&k, &rp(), USER, &[&reg.record], NOW).unwrap();
    let b = login_begin(&k, &rp(), USER, &[&reg.record], NOW).unwrap();
    let response = auth.assert(&a.options, &Knobs::default());
    refused_with(
        login_finish(&k, &b.state, &response, USER, &[&reg.record], NOW),
        "challenge",
    );
    // An assertion given to a registration finish and the other way round.
    is_seal_error(register_finish(&k, &a.state, &response, USER, NOW));
}

#[test]
fn refusals_of_a_bad_registration() {
    let k = key();
    let cases: Vec<(Knobs, &str)> = vec![
        (
            Knobs {
                flags: UP,
                ..Knobs::default()
            },
            "not verified",
        ),
        (
            Knobs {
                origin: Some("http://example.com".into()),
                ..Knobs::default()
            },
            "origin",
        ),
        (
            Knobs {
                rp_id: Some("example.org".into()),
                ..Knobs::default()
            },
            "relying party id",
        ),
        (
            Knobs {
                challenge: Some(b64(&[1u8; 32])),
                ..Knobs::default()
            },
            "challenge",
        ),
        (
            Knobs {
                cross_origin: true,
                ..Knobs::default()
            },
            "cross-origin",
        ),
    ];
    for (knobs, needle) in cases {
        let mut auth = SoftAuthenticator::new(ORIGIN, 0);
        let begun = register_begin(&k, &rp(), USER, "a", "A", None, &[], NOW).unwrap();
        let response = auth.register(&begun.options, &knobs);
        refused_with(
            register_finish(&k, &begun.state, &response, USER, NOW),
            needle,
        );
    }
}

#[test]
fn state_binding_expiry_and_tampering() {
    let k = key();
    let mut auth = SoftAuthenticator::new(ORIGIN, 0);
    let begun = register_begin(&k, &rp(), USER, "a", "A", None, &[], NOW).unwrap();
    let response = auth.register(&begun.options, &Knobs::default());
    // Another user, another purpose, another key: the state does not open.
    is_seal_error(register_finish(&k, &begun.state, &response, USER + 1, NOW));
    is_seal_error(login_finish(&k, &begun.state, &response, USER, &[], NOW));
    is_seal_error(passwordless_finish(
        &k,
        &begun.state,
        &response,
        USER,
        &[],
        NOW,
    ));
    is_seal_error(register_finish(
        &SiteKey::from_bytes([8u8; 32]),
        &begun.state,
        &response,
        USER,
        NOW,
    ));
    // Tampered or truncated.
    let mut t = begun.state.clone().into_bytes();
    t[30] = if t[30] == b'A' { b'B' } else { b'A' };
    is_seal_error(register_finish(
        &k,
        &String::from_utf8(t).unwrap(),
        &response,
        USER,
        NOW,
    ));
    is_seal_error(register_finish(
        &k,
        &begun.state[..40],
        &response,
        USER,
        NOW,
    ));
    is_seal_error(register_finish(&k, "", &response, USER, NOW));
    // A value sealed by twofa_seal for the same context but not a state.
    let fake = seal::seal(&k, b"{}", b"passkey-state:registration:42").unwrap();
    assert!(matches!(
        register_finish(&k, &fake, &response, USER, NOW),
        Err(PasskeyError::Malformed { what: "state", .. })
    ));
    // Expiry: accepted up to 5 minutes, refused from then on, and refused when issued in
    // the future (beyond the clock skew).
    for late in [NOW + STATE_LIFETIME, NOW + STATE_LIFETIME + 1, NOW + 86_400] {
        assert_eq!(
            register_finish(&k, &begun.state, &response, USER, late).unwrap_err(),
            PasskeyError::Expired
        );
    }
    assert_eq!(
        register_finish(&k, &begun.state, &response, USER, NOW - CLOCK_SKEW - 1).unwrap_err(),
        PasskeyError::Expired
    );
    let body = state::Body::open(&k, &begun.state, Purpose::Registration, USER, NOW).unwrap();
    assert_eq!(body.expires_at(), NOW + STATE_LIFETIME);
    assert_eq!(body.id, begun.state_id);
    // Within the lifetime it is accepted (and reports its state id for the accepted-once delete).
    let reg = register_finish(&k, &begun.state, &response, USER, NOW + STATE_LIFETIME - 1).unwrap();
    assert_eq!(reg.state_id, begun.state_id);
    // A record is bound to its user too.
    is_seal_error(login_begin(&k, &rp(), USER + 1, &[&reg.record], NOW));
    is_seal_error(record_info(&k, &reg.record, USER + 1));
}

#[test]
fn login_refuses_credentials_of_others() {
    let k = key();
    let mut mine = SoftAuthenticator::new(ORIGIN, 0);
    let mut other = SoftAuthenticator::new(ORIGIN, 0);
    let my_reg = register(&k, &mut mine, &[]);
    let other_reg = register(&k, &mut other, &[&my_reg.record]);
    // Only my_reg allowed; other's assertion is refused even with its record passed.
    let begun = login_begin(&k, &rp(), USER, &[&my_reg.record], NOW).unwrap();
    let response = other.assert(&begun.options, &Knobs::default());
    refused_with(
        login_finish(
            &k,
            &begun.state,
            &response,
            USER,
            &[&my_reg.record, &other_reg.record],
            NOW,
        ),
        "not allowed",
    );
    // Allowed at begin but not among the records at finish (removed meanwhile).
    let begun = login_begin(&k, &rp(), USER, &[&my_reg.record, &other_reg.record], NOW).unwrap();
    let response = other.assert(&begun.options, &Knobs::default());
    refused_with(
        login_finish(&k, &begun.state, &response, USER, &[&my_reg.record], NOW),
        "not one of the user's passkeys",
    );
    let done = login_finish(
        &k,
        &begun.state,
        &response,
        USER,
        &[&my_reg.record, &other_reg.record],
        NOW,
    )
    .unwrap();
    assert_eq!(done.credential_id, other_reg.credential_id);
    // No passkey: no login begin.
    assert!(matches!(
        login_begin(&k, &rp(), USER, &[], NOW),
        Err(PasskeyError::Malformed { .. })
    ));
}

#[test]
fn passwordless_login() {
    let k = key();
    let mut auth = SoftAuthenticator::new(ORIGIN, 0);
    let reg = register(&k, &mut auth, &[]);
    let begun = passwordless_begin(&k, &rp(), NOW).unwrap();
    let o = options(&begun);
    assert_eq!(o["publicKey"]["allowCredentials"], Value::Array(vec![]));
    assert_eq!(o["publicKey"]["userVerification"], "required");
    assert!(o.get("mediation").is_none());
    let response = auth.assert(&begun.options, &Knobs::default());
    let ids = response_ids(&response).unwrap();
    assert_eq!(ids.credential_id, reg.credential_id);
    assert_eq!(ids.user_handle.as_deref(), Some(reg.user_handle.as_str()));
    let done = passwordless_finish(&k, &begun.state, &response, USER, &[&reg.record], NOW).unwrap();
    assert_eq!(done.credential_id, reg.credential_id);
    assert_eq!(done.user_handle, reg.user_handle);
    // A passwordless state is not a second-step state, and the other way round.
    is_seal_error(login_finish(
        &k,
        &begun.state,
        &response,
        USER,
        &[&reg.record],
        NOW,
    ));
    // No user handle: refused; a user handle that is not the credential's: refused.
    let begun = passwordless_begin(&k, &rp(), NOW).unwrap();
    let no_handle = auth.assert(
        &begun.options,
        &Knobs {
            no_user_handle: true,
            ..Knobs::default()
        },
    );
    refused_with(
        passwordless_finish(&k, &begun.state, &no_handle, USER, &[&reg.record], NOW),
        "no user handle",
    );
    let real = auth.user_handle.clone();
    auth.user_handle = vec![1, 2, 3];
    let wrong = auth.assert(&begun.options, &Knobs::default());
    auth.user_handle = real;
    refused_with(
        passwordless_finish(&k, &begun.state, &wrong, USER, &[&reg.record], NOW),
        "user handle",
    );
    // The records of another user (the caller looked up the wrong one): they do not open.
    is_seal_error(passwordless_finish(
        &k,
        &begun.state,
        &no_handle,
        USER + 1,
        &[&reg.record],
        NOW,
    ));
}

#[test]
fn relying_party_checks() {
    for (id, origin) in [
        ("example.com", "https://example.com"),
        ("example.com", "https://example.com/"),
        ("example.com", "https://login.example.com:8443"),
        ("localhost", "http://localhost:8080"),
        ("localhost", "https://localhost"),
        ("xn--bcher-kva.de", "https://bücher.de"),
    ] {
        assert!(RelyingParty::new(id, origin).is_ok(), "{id} {origin}");
    }
    assert_eq!(
        RelyingParty::new("localhost", "http://localhost:8080/")
            .unwrap()
            .origin_str(),
        "http://localhost:8080"
    );
    for (id, origin) in [
        ("example.com", "http://example.com"),
        ("example.com", "https://ample.com"),
        ("example.com", "https://badexample.com"),
        ("login.example.com", "https://example.com"),
        ("com", "https://example.com"),
        ("127.0.0.1", "http://127.0.0.1"),
        ("localhost", "http://127.0.0.1"),
        ("example.com", "https://example.com/blog"),
        ("example.com", "https://example.com/?x=1"),
        ("example.com", "https://example.com/#x"),
        ("example.com", "https://user:pw@example.com"),
        ("example.com", "ftp://example.com"),
        ("example.com", "example.com"),
        ("Example.com", "https://example.com"),
        ("example.com.", "https://example.com"),
        ("-x.com", "https://-x.com"),
        ("", "https://example.com"),
        ("example.com", ""),
        ("example.com", "https://[::1]"),
    ] {
        assert!(
            matches!(
                RelyingParty::new(id, origin),
                Err(PasskeyError::Malformed { .. })
            ),
            "{id} {origin}"
        );
    }
    assert!(RelyingParty::new(&"a".repeat(300), ORIGIN).is_err());
    assert!(RelyingParty::new(RP, &format!("https://{}.example.com", "a".repeat(3000))).is_err());
}

#[test]
fn argument_checks() {
    let k = key();
    let r = rp();
    for (user, name, display, handle, now) in [
        (0, "a", "A", None, NOW),
        (-1, "a", "A", None, NOW),
        (USER, "", "A", None, NOW),
        (USER, "a", "", None, NOW),
        (USER, "a\n", "A", None, NOW),
        (USER, "a", "A\u{0}", None, NOW),
        (USER, "a", "A", Some(""), NOW),
        (USER, "a", "A", Some("!!!"), NOW),
        (USER, "a", "A", Some("AAAA="), NOW),
        (USER, "a", "A", None, -1),
        (USER, "a", "A", None, crate::MAX_TIME + 1),
    ] {
        assert!(
            register_begin(&k, &r, user, name, display, handle, &[], now).is_err(),
            "{user} {name:?} {display:?} {handle:?} {now}"
        );
    }
    let long = "x".repeat(MAX_NAME + 1);
    assert!(register_begin(&k, &r, USER, &long, "A", None, &[], NOW).is_err());
    let long_handle = b64(&[1u8; MAX_USER_HANDLE + 1]);
    assert!(register_begin(&k, &r, USER, "a", "A", Some(&long_handle), &[], NOW).is_err());
    let max_handle = b64(&[1u8; MAX_USER_HANDLE]);
    assert!(register_begin(&k, &r, USER, "a", "A", Some(&max_handle), &[], NOW).is_ok());
    // Records: not sealed, too many.
    is_seal_error(login_begin(&k, &r, USER, &["not a record"], NOW));
    let many = vec!["x"; MAX_CREDENTIALS + 1];
    assert!(matches!(
        login_begin(&k, &r, USER, &many, NOW),
        Err(PasskeyError::Malformed { .. })
    ));
    let fake = seal::seal(&k, b"[1]", b"passkey-credential:42").unwrap();
    assert!(matches!(
        login_begin(&k, &r, USER, &[&fake], NOW),
        Err(PasskeyError::Malformed { .. })
    ));
}

/// Replaces the value at `path` in `v` (or removes it with None).
fn set_path(v: &mut Value, path: &[&str], new: Option<Value>) {
    let (last, parents) = path.split_last().unwrap();
    let mut cur = v;
    for p in parents {
        cur = &mut cur[*p];
    }
    let obj = cur.as_object_mut().unwrap();
    match new {
        Some(n) => {
            obj.insert(last.to_string(), n);
        }
        None => {
            obj.remove(*last);
        }
    }
}

/// The only changes a finish may accept: optional fields left out or empty, hints ignored.
fn optional_ok(path: &[&str], value: &Option<Value>) -> bool {
    let absent = value.is_none() || *value == Some(Value::Null);
    match path.last().copied() {
        Some("transports") => absent || *value == Some(serde_json::json!(["a"])),
        Some("clientExtensionResults") => absent || *value == Some(serde_json::json!({"a": 1})),
        Some("userHandle") => absent,
        _ => false,
    }
}

fn hostile_values() -> Vec<Option<Value>> {
    vec![
        None,
        Some(Value::Null),
        Some(Value::Bool(true)),
        Some(serde_json::json!(12)),
        Some(serde_json::json!(-1.5)),
        Some(serde_json::json!("")),
        Some(serde_json::json!("!!not base64!!")),
        Some(serde_json::json!("AAAA=")),
        Some(serde_json::json!("AA")),
        Some(serde_json::json!(["a"])),
        Some(serde_json::json!({"a": 1})),
        Some(serde_json::json!("A".repeat(4000))),
    ]
}

#[test]
fn malformed_registration_response_fields() {
    let k = key();
    let mut auth = SoftAuthenticator::new(ORIGIN, 0);
    let begun = register_begin(&k, &rp(), USER, "a", "A", None, &[], NOW).unwrap();
    let good: Value =
        serde_json::from_str(&auth.register(&begun.options, &Knobs::default())).unwrap();
    let paths: &[&[&str]] = &[
        &["id"],
        &["rawId"],
        &["type"],
        &["response"],
        &["response", "clientDataJSON"],
        &["response", "attestationObject"],
        &["response", "transports"],
        &["clientExtensionResults"],
    ];
    for path in paths {
        for value in hostile_values() {
            let mut v = good.clone();
            set_path(&mut v, path, value.clone());
            let r = register_finish(&k, &begun.state, &v.to_string(), USER, NOW);
            // Optional fields may be absent; everything else is refused, never a panic.
            if r.is_ok() {
                assert!(
                    optional_ok(path, &value),
                    "{path:?} = {value:?} was accepted"
                );
            }
        }
    }
    // The client data and attestation object with wrong contents inside valid base64url.
    for (path, inner) in [
        (&["response", "clientDataJSON"][..], "not json"),
        (&["response", "clientDataJSON"][..], "{\"type\":1}"),
        (
            &["response", "clientDataJSON"][..],
            "{\"type\":\"webauthn.create\",\"challenge\":\"!\",\"origin\":\"x\"}",
        ),
        (&["response", "attestationObject"][..], "\u{a0}"),
        (&["response", "attestationObject"][..], "\u{bf}"),
    ] {
        let mut v = good.clone();
        set_path(&mut v, path, Some(Value::String(b64(inner.as_bytes()))));
        assert!(register_finish(&k, &begun.state, &v.to_string(), USER, NOW).is_err());
    }
    malformed_json_documents(|json| register_finish(&k, &begun.state, json, USER, NOW).err());
    // The untouched response still registers.
    assert!(register_finish(&k, &begun.state, &good.to_string(), USER, NOW).is_ok());
}

#[test]
fn malformed_assertion_response_fields() {
    let k = key();
    let mut auth = SoftAuthenticator::new(ORIGIN, 0);
    let reg = register(&k, &mut auth, &[]);
    let begun = login_begin(&k, &rp(), USER, &[&reg.record], NOW).unwrap();
    let good: Value =
        serde_json::from_str(&auth.assert(&begun.options, &Knobs::default())).unwrap();
    let paths: &[&[&str]] = &[
        &["id"],
        &["rawId"],
        &["type"],
        &["response"],
        &["response", "clientDataJSON"],
        &["response", "authenticatorData"],
        &["response", "signature"],
        &["response", "userHandle"],
        &["clientExtensionResults"],
    ];
    for path in paths {
        for value in hostile_values() {
            let mut v = good.clone();
            set_path(&mut v, path, value.clone());
            let json = v.to_string();
            let r = login_finish(&k, &begun.state, &json, USER, &[&reg.record], NOW);
            if r.is_ok() {
                assert!(
                    optional_ok(path, &value),
                    "{path:?} = {value:?} was accepted"
                );
            }
            let _ = response_ids(&json);
            let _ = passwordless_finish(&k, &begun.state, &json, USER, &[&reg.record], NOW);
        }
    }
    for (path, inner) in [
        (&["response", "clientDataJSON"][..], b"not json".to_vec()),
        (&["response", "authenticatorData"][..], vec![0u8; 10]),
        (&["response", "authenticatorData"][..], vec![0xffu8; 37]),
        (&["response", "signature"][..], vec![0x30, 0x02, 0x01]),
    ] {
        let mut v = good.clone();
        set_path(&mut v, path, Some(Value::String(b64(&inner))));
        assert!(login_finish(&k, &begun.state, &v.to_string(), USER, &[&reg.record], NOW).is_err());
    }
    malformed_json_documents(|json| {
        assert!(response_ids(json).is_err());
        login_finish(&k, &begun.state, json, USER, &[&reg.record], NOW).err()
    });
    assert!(login_finish(
        &k,
        &begun.state,
        &good.to_string(),
        USER,
        &[&reg.record],
        NOW
    )
    .is_ok());
}

/// Whole documents that are not a response at all: each must be refused as malformed.
fn malformed_json_documents(mut finish: impl FnMut(&str) -> Option<PasskeyError>) {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let huge = format!("{{\"id\":\"{}\"}}", "A".repeat(MAX_RESPONSE));
    for doc in [
        "",
        "null",
        "[]",
        "{}",
        "\"x\"",
        "{",
        "{\"id\":",
        "{\"id\":\"a\",\"id\":\"a\"}",
        deep.as_str(),
        huge.as_str(),
    ] {
        match finish(doc) {
            Some(PasskeyError::Malformed {
                what: "response", ..
            }) => {}
            other => panic!("{:?}: {other:?}", &doc[..doc.len().min(20)]),
        }
    }
}
