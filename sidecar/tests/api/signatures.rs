use serde_json::json;
use twofa_core::key::SiteKey;

use crate::helpers::*;

/// (what, timestamp header, request id header, signature header, body, expected error code)
type Case<'a> = (
    &'a str,
    Option<String>,
    Option<String>,
    Option<String>,
    Vec<u8>,
    &'a str,
);

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
    let Signed { id, sig: good } = app.sign("POST", path, &body, t);
    let other_key = SiteKey::random();
    let foreign = twofa_core::signing::sign(&other_key, "POST", path, &body, t, &id).unwrap();
    // The older scheme without a request id, correctly made with the right key.
    let v1 = twofa_core::signing::sign_v1(&app.key, "POST", path, &body, t).unwrap();
    let stale = app.sign("POST", path, &body, t - 120);
    let future = app.sign("POST", path, &body, t + 120);
    let ts = Some(t.to_string());
    let rid = Some(id.clone());
    let cases: Vec<Case> = vec![
        (
            "no headers",
            None,
            None,
            None,
            body.clone(),
            "missing_signature",
        ),
        (
            "no timestamp",
            None,
            rid.clone(),
            Some(good.clone()),
            body.clone(),
            "missing_signature",
        ),
        (
            "no signature",
            ts.clone(),
            rid.clone(),
            None,
            body.clone(),
            "missing_signature",
        ),
        (
            "no request id",
            ts.clone(),
            None,
            Some(good.clone()),
            body.clone(),
            "missing_signature",
        ),
        (
            "malformed request id",
            ts.clone(),
            Some(id.to_uppercase()),
            Some(good.clone()),
            body.clone(),
            "bad_signature",
        ),
        (
            "request id changed",
            ts.clone(),
            Some(twofa_core::signing::new_request_id()),
            Some(good.clone()),
            body.clone(),
            "bad_signature",
        ),
        (
            "v1 signature",
            ts.clone(),
            rid.clone(),
            Some(v1),
            body.clone(),
            "bad_signature",
        ),
        (
            "other key",
            ts.clone(),
            rid.clone(),
            Some(foreign),
            body.clone(),
            "bad_signature",
        ),
        (
            "stale",
            Some((t - 120).to_string()),
            Some(stale.id),
            Some(stale.sig),
            body.clone(),
            "stale_timestamp",
        ),
        (
            "future",
            Some((t + 120).to_string()),
            Some(future.id),
            Some(future.sig),
            body.clone(),
            "stale_timestamp",
        ),
        (
            "timestamp changed",
            Some((t - 1).to_string()),
            rid.clone(),
            Some(good.clone()),
            body.clone(),
            "bad_signature",
        ),
        (
            "body changed",
            ts.clone(),
            rid.clone(),
            Some(good.clone()),
            body.iter()
                .map(|b| if *b == b'6' { b'7' } else { *b })
                .collect(),
            "bad_signature",
        ),
        (
            "upper-case hex",
            ts.clone(),
            rid.clone(),
            Some(good.to_uppercase().replace("V2=", "v2=")),
            body.clone(),
            "bad_signature",
        ),
        (
            "no prefix",
            ts.clone(),
            rid.clone(),
            Some(good[3..].to_string()),
            body.clone(),
            "bad_signature",
        ),
        (
            "garbage timestamp",
            Some("12x".into()),
            rid.clone(),
            Some(good.clone()),
            body.clone(),
            "bad_signature",
        ),
        (
            "negative timestamp",
            Some(format!("-{t}")),
            rid.clone(),
            Some(good.clone()),
            body.clone(),
            "bad_signature",
        ),
    ];
    for (what, ts, id, sig, b, code) in cases {
        let r = app.raw("POST", path, b, ts, id, sig).await;
        assert_eq!(r.status, 401, "{what}: {}", r.text);
        assert_eq!(r.json()["error"], code, "{what}");
    }
    // A signature for another path or method does not carry over.
    let s = app.sign("POST", "/v1/notify", &body, t);
    let r = app
        .raw(
            "POST",
            path,
            body.clone(),
            ts.clone(),
            Some(s.id),
            Some(s.sig),
        )
        .await;
    assert_eq!(r.status, 401);
    let s = app.sign("GET", &format!("/v1/users/{uid}"), b"", t);
    let r = app
        .raw(
            "GET",
            &format!("/v1/users/{uid}?x=1"),
            vec![],
            ts.clone(),
            Some(s.id),
            Some(s.sig),
        )
        .await;
    assert_eq!(r.status, 401, "query string is part of the signed target");
    let r = app.raw("GET", "/v1/report", vec![], None, None, None).await;
    assert_eq!(r.status, 401);
    assert!(
        app.outbox_files().is_empty(),
        "nothing may be sent for a refused request"
    );
    // Just inside the window is accepted; the good signature above was never used, so its id
    // is still fresh.
    let t = now() - 50;
    let s = app.sign("POST", path, &body, t);
    let r = app.send_signed("POST", path, body, t, s).await;
    assert_eq!(r.status, 202, "{}", r.text);
    app.finish().await;
}

#[tokio::test]
async fn a_signed_request_is_served_once() {
    let app = spawn_app().await;
    let uid = app.db.add_user("rep", "rep@example.test", "Rep").await;
    let body = serde_json::to_vec(
        &json!({"user_id": uid, "code": "424242", "purpose": "login", "expires_in": 600}),
    )
    .unwrap();
    let path = "/v1/email-otp";
    let t = now();
    let s = app.sign("POST", path, &body, t);
    let send = || {
        app.raw(
            "POST",
            path,
            body.clone(),
            Some(t.to_string()),
            Some(s.id.clone()),
            Some(s.sig.clone()),
        )
    };
    let first = send().await;
    assert_eq!(first.status, 202, "{}", first.text);
    for _ in 0..2 {
        let again = send().await;
        assert_eq!(again.status, 409, "{}", again.text);
        let j = again.json();
        assert_eq!(j["error"], "replayed_request");
        assert!(j["message"].is_string(), "{j}");
    }
    assert_eq!(app.outbox_files().len(), 1, "exactly one email");
    // A GET is bound the same way.
    let target = format!("/v1/users/{uid}");
    let s = app.sign("GET", &target, b"", t);
    for want in [200, 409] {
        let r = app
            .raw(
                "GET",
                &target,
                vec![],
                Some(t.to_string()),
                Some(s.id.clone()),
                Some(s.sig.clone()),
            )
            .await;
        assert_eq!(r.status, want, "{}", r.text);
    }
    // A refused request does not use up its id: the right signature for it still works once.
    let body2 = serde_json::to_vec(
        &json!({"user_id": uid, "code": "434343", "purpose": "login", "expires_in": 600}),
    )
    .unwrap();
    let s = app.sign("POST", path, &body2, t);
    let wrong = app
        .raw(
            "POST",
            path,
            body2.clone(),
            Some(t.to_string()),
            Some(s.id.clone()),
            Some(format!("v2={}", "0".repeat(64))),
        )
        .await;
    assert_eq!(wrong.status, 401);
    let right = app.send_signed("POST", path, body2, t, s).await;
    assert_eq!(right.status, 202, "{}", right.text);
    app.finish().await;
}

#[tokio::test]
async fn a_request_signed_before_the_sidecar_started_is_refused() {
    let app = spawn_app_with(Options {
        started_at: Some(now()),
        ..Default::default()
    })
    .await;
    let uid = app.db.add_user("old", "old@example.test", "Old").await;
    let target = format!("/v1/users/{uid}");
    // Within the window, but before this process could have recorded its id.
    let t = now() - 5;
    let s = app.sign("GET", &target, b"", t);
    let r = app.send_signed("GET", &target, vec![], t, s).await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.json()["error"], "stale_timestamp");
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
