//! Every log line at trace level is captured while codes are sent; no code may appear in them.
//! Its own test binary, because the global subscriber can be set once per process.

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;
mod log_capture;

use helpers::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_never_reach_the_logs_even_at_trace_level() {
    let captured = log_capture::capture("trace");

    let app = spawn_app_with(Options {
        mail: Mail::Sink,
        ..Default::default()
    })
    .await;
    let uid = app
        .db
        .add_user("logan", "logan@example.test", "Logan")
        .await;
    let mut codes = Vec::new();
    for purpose in ["login", "setup"] {
        let code = random_code();
        let r = app
            .post(
                "/v1/email-otp",
                &json!({"user_id": uid, "code": code, "purpose": purpose, "expires_in": 600}),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.text);
        sink_message(r.json()["message_id"].as_str().unwrap()).await;
        codes.push(code);
    }
    // Codes in the wrong places: a refused body, a bad signature, an unknown user.
    let code = random_code();
    let r = app
        .post("/v1/email-otp", &json!({"user_id": code, "code": code}))
        .await;
    assert_eq!(r.status, 400);
    codes.push(code);
    let code = random_code();
    let body = serde_json::to_vec(
        &json!({"user_id": uid, "code": code, "purpose": "login", "expires_in": 600}),
    )
    .unwrap();
    let r = app
        .raw(
            "POST",
            "/v1/email-otp",
            body,
            Some(now().to_string()),
            Some(twofa_core::signing::new_request_id()),
            Some(format!("v2={}", "0".repeat(64))),
        )
        .await;
    assert_eq!(r.status, 401);
    codes.push(code);
    let code = random_code();
    assert_eq!(app.otp(987_654_321, &code).await.status, 404);
    codes.push(code);
    // A failing SMTP server, so the error path logs too.
    let bad = spawn_app_with(Options {
        mail: Mail::Smtp(closed_port()),
        ..Default::default()
    })
    .await;
    let u2 = bad.db.add_user("l2", "l2@example.test", "L2").await;
    let code = random_code();
    assert_eq!(bad.otp(u2, &code).await.status, 503);
    codes.push(code);
    bad.finish().await;
    app.finish().await;

    let logs = captured.text();
    assert!(
        logs.contains("code email sent"),
        "capture did not work:\n{logs}"
    );
    assert!(logs.contains("mail delivery failed"));
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "not captured at a fine level"
    );
    for line in logs.lines() {
        // The first token is the timestamp, whose microseconds are six digits too.
        let rest = line.split_once(' ').map(|(_, r)| r).unwrap_or(line);
        for code in &codes {
            assert!(
                !rest.contains(code.as_str()),
                "code {code} in a log line: {line}"
            );
        }
    }
}
