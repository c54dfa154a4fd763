use mail_parser::MessageParser;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn each_event_sends_its_fixed_notice() {
    let app = spawn_app().await;
    let uid = app.db.add_user("nina", "nina@example.test", "Nina").await;
    let cases = [
        (
            json!({"user_id": uid, "event": "method_added", "method": "totp"}),
            "Google Authenticator\" was added",
        ),
        (
            json!({"user_id": uid, "event": "method_removed", "method": "email"}),
            "OTP over Email\" was removed",
        ),
        (
            json!({"user_id": uid, "event": "method_added", "method": "passkey"}),
            "Passkeys\" was added",
        ),
        (
            json!({"user_id": uid, "event": "method_replaced", "method": "totp"}),
            "Google Authenticator\" was replaced",
        ),
        (
            json!({"user_id": uid, "event": "primary_changed", "method": "email"}),
            "OTP over Email\" is now the primary",
        ),
        (
            json!({"user_id": uid, "event": "email_changed"}),
            "is being changed away from this address",
        ),
        (
            json!({"user_id": uid, "event": "reset", "method": null}),
            "was reset",
        ),
        (
            json!({"user_id": uid, "event": "lockout"}),
            "temporarily locked",
        ),
        (
            json!({"user_id": uid, "event": "lockout_permanent"}),
            "until a site administrator unlocks it",
        ),
        (
            json!({"user_id": uid, "event": "test", "method": null}),
            "This is a test email",
        ),
        (
            json!({"user_id": uid, "event": "backup_code_used", "remaining": 2}),
            "2 unused backup codes are left",
        ),
        (
            json!({"user_id": uid, "event": "backup_codes_generated", "method": null, "remaining": 10}),
            "10 unused backup codes are left",
        ),
        (
            json!({"user_id": uid, "event": "backup_codes_regenerated", "remaining": 10}),
            "the old ones no longer work",
        ),
        (
            json!({"user_id": uid, "event": "devices_forgotten"}),
            "forget every remembered device",
        ),
    ];
    let cases_len = cases.len();
    for (body, phrase) in cases {
        let r = app.post("/v1/notify", &body).await;
        assert_eq!(r.status, 202, "{body}: {}", r.text);
        let id = r.json()["message_id"].as_str().unwrap().to_string();
        let raw = std::fs::read(app.outbox.path().join(format!("{id}.eml"))).unwrap();
        let msg = MessageParser::default().parse(&raw).unwrap();
        let text = msg.body_text(0).unwrap();
        assert!(text.contains(phrase), "{phrase} not in {text}");
        assert_eq!(
            msg.to().unwrap().first().unwrap().address(),
            Some("nina@example.test")
        );
    }
    for bad in [
        json!({"user_id": uid, "event": "method_added", "method": null}),
        json!({"user_id": uid, "event": "method_added"}),
        json!({"user_id": uid, "event": "method_replaced"}),
        json!({"user_id": uid, "event": "primary_changed", "method": null}),
        json!({"user_id": uid, "event": "party", "method": null}),
        json!({"user_id": uid, "event": "reset", "method": "sms"}),
        json!({"user_id": uid, "event": "reset", "method": null, "message": "click http://evil.test"}),
        json!({"user_id": uid, "event": "backup_code_used"}),
        json!({"user_id": uid, "event": "backup_code_used", "remaining": -1}),
        json!({"user_id": uid, "event": "backup_code_used", "remaining": "9 codes, click http://evil.test"}),
        json!({"user_id": uid, "event": "reset", "remaining": 3}),
    ] {
        let r = app.post("/v1/notify", &bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
    }
    let r = app
        .post(
            "/v1/notify",
            &json!({"user_id": 777777, "event": "reset", "method": null}),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(app.outbox_files().len(), cases_len);
    app.finish().await;
}

#[tokio::test]
async fn a_permanent_lock_is_told_to_the_site_admin_address() {
    let app = spawn_app().await;
    let uid = app.db.add_user("lena", "lena@example.test", "Lena").await;
    let body = json!({"user_id": uid, "event": "admin_lockout_permanent"});

    // No admin_email option: nobody to tell, nothing sent.
    let r = app.post("/v1/notify", &body).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(app.outbox_files().len(), 0);

    app.db.set_admin_email("owner@example.test").await;
    let r = app.post("/v1/notify", &body).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let id = r.json()["message_id"].as_str().unwrap().to_string();
    let raw = std::fs::read(app.outbox.path().join(format!("{id}.eml"))).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        msg.to().unwrap().first().unwrap().address(),
        Some("owner@example.test"),
        "the administration address, not the user's"
    );
    let text = msg.body_text(0).unwrap();
    assert!(text.contains("\"lena\" (Lena, user ID"), "{text}");
    assert!(text.contains(&format!("wp twofa unlock {uid}")), "{text}");
    assert!(msg.subject().unwrap().contains("\"lena\" was locked"));

    let r = app
        .post(
            "/v1/notify",
            &json!({"user_id": 777777, "event": "admin_lockout_permanent"}),
        )
        .await;
    assert_eq!(r.status, 404);
    app.finish().await;
}
