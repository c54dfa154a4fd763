use serde_json::json;
use twofa_core::key::SiteKey;

use crate::helpers::*;

/// (what, timestamp header, signature header, body, expected error code)
type Case<'a> = (&'a str, Option<String>, Option<String>, Vec<u8>, &'a str);

#[tokio::test]
async fn missing_stale_and_wrong_signatures_get_401() {
    let app = spawn_app().await;
    let uid = app.db.add_user("sig", "sig@example.test", "Sig").await;
    let body = serde_json::to_vec(
        &json!({"user_id": uid, "code": "123456", "purpose": "login", "expires_in": 600}),
    )
    .unwrap();
    let path = "/v1/email-otp";
    let t = now();
    let good = app.sign("POST", path, &body, t);
    let other_key = SiteKey::random();
    let foreign = twofa_core::signing::sign(&other_key, "POST", path, &body, t).unwrap();
    let cases: Vec<Case> = vec![
        ("no headers", None, None, body.clone(), "missing_signature"),
        (
            "no timestamp",
            None,
            Some(good.clone()),
            body.clone(),
            "missing_signature",
        ),
        (
            "no signature",
            Some(t.to_string()),
            None,
            body.clone(),
            "missing_signature",
        ),
        (
            "other key",
            Some(t.to_string()),
            Some(foreign),
            body.clone(),
            "bad_signature",
        ),
        (
            "stale",
            Some((t - 120).to_string()),
            Some(app.sign("POST", path, &body, t - 120)),
            body.clone(),
            "stale_timestamp",
        ),
        (
            "future",
            Some((t + 120).to_string()),
            Some(app.sign("POST", path, &body, t + 120)),
            body.clone(),
            "stale_timestamp",
        ),
        (
            "timestamp changed",
            Some((t - 1).to_string()),
            Some(good.clone()),
            body.clone(),
            "bad_signature",
        ),
        (
            "body changed",
            Some(t.to_string()),
            Some(good.clone()),
            body.iter()
                .map(|b| if *b == b'6' { b'7' } else { *b })
                .collect(),
            "bad_signature",
        ),
        (
            "upper-case hex",
            Some(t.to_string()),
            Some(good.to_uppercase().replace("V1=", "v1=")),
            body.clone(),
            "bad_signature",
        ),
        (
            "no prefix",
            Some(t.to_string()),
            Some(good[3..].to_string()),
            body.clone(),
            "bad_signature",
        ),
        (
            "garbage timestamp",
            Some("12x".into()),
            Some(good.clone()),
            body.clone(),
            "bad_signature",
        ),
        (
            "negative timestamp",
            Some(format!("-{t}")),
            Some(good.clone()),
            body.clone(),
            "bad_signature",
        ),
    ];
    for (what, ts, sig, b, code) in cases {
        let r = app.raw("POST", path, b, ts, sig).await;
        assert_eq!(r.status, 401, "{what}: {}", r.text);
        assert_eq!(r.json()["error"], code, "{what}");
    }
    // A signature for another path or method does not carry over.
    let sig = app.sign("POST", "/v1/notify", &body, t);
    let r = app
        .raw("POST", path, body.clone(), Some(t.to_string()), Some(sig))
        .await;
    assert_eq!(r.status, 401);
    let sig = app.sign("GET", &format!("/v1/users/{uid}"), b"", t);
    let r = app
        .raw(
            "GET",
            &format!("/v1/users/{uid}?x=1"),
            vec![],
            Some(t.to_string()),
            Some(sig),
        )
        .await;
    assert_eq!(r.status, 401, "query string is part of the signed target");
    let r = app.raw("GET", "/v1/report", vec![], None, None).await;
    assert_eq!(r.status, 401);
    assert!(
        app.outbox_files().is_empty(),
        "nothing may be sent for a refused request"
    );
    // Just inside the window is accepted.
    let t = now() - 50;
    let sig = app.sign("POST", path, &body, t);
    let r = app
        .raw("POST", path, body, Some(t.to_string()), Some(sig))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    app.finish().await;
}

#[tokio::test]
async fn operational_routes_need_no_signature() {
    let app = spawn_app().await;
    let r = app.get_plain("/healthz").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["version"], env!("CARGO_PKG_VERSION"));
    let r = app.get_plain("/readyz").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["database"], "ok");
    let r = app.get_plain("/openapi.json").await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert!(doc["paths"]["/v1/email-otp"]["post"].is_object(), "{doc}");
    let r = app.get_plain("/metrics").await;
    assert!(r.text.contains("twofa_http_requests_total"));
    let r = app.get_plain("/nothing-here").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "not_found");
    app.finish().await;
}
