use std::time::Duration;

use mail_parser::MessageParser;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn code_email_reaches_the_smtp_sink() {
    let app = spawn_app_with(Options {
        mail: Mail::Sink,
        ..Default::default()
    })
    .await;
    let uid = app
        .db
        .add_user("alice", "alice@example.test", "Alice Liddell")
        .await;
    let code = random_code();
    let r = app
        .post(
            "/v1/email-otp",
            &json!({"user_id": uid, "code": code, "purpose": "setup", "expires_in": 300}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert!(!r.text.contains(&code), "the code was echoed back");
    let id = r.json()["message_id"]
        .as_str()
        .expect("message_id")
        .to_string();
    assert_eq!(id.len(), 32);

    let raw = sink_message(&id).await;
    let msg = MessageParser::default().parse(&raw).expect("parse");
    let to = msg.to().and_then(|a| a.first()).expect("to");
    assert_eq!(to.address(), Some("alice@example.test"));
    assert_eq!(to.name(), Some("Alice Liddell"));
    let subject = msg.subject().expect("subject");
    assert!(subject.contains("Sidecar Test Site"), "{subject}");
    assert!(!subject.contains(&code), "code in the subject");
    let text = msg.body_text(0).expect("text part");
    assert!(text.contains(&code));
    assert!(text.contains("5 minutes"), "{text}");
    assert!(text.contains("If this wasn't you"));
    let html = msg.body_html(0).expect("html part");
    assert!(html.contains(&code));
    for body in [&text, &html] {
        assert!(
            !body.contains("http://") && !body.contains("https://") && !body.contains("href"),
            "a link in {body}"
        );
    }
    // aiosmtpd records the envelope recipients: exactly the user's own address.
    let rcpt = msg
        .header_raw("X-RcptTo")
        .expect("X-RcptTo")
        .trim()
        .to_string();
    assert_eq!(rcpt, "alice@example.test");
    app.finish().await;
}

#[tokio::test]
async fn file_outbox_gets_one_complete_eml_per_message() {
    let app = spawn_app().await;
    let uid = app.db.add_user("bob", "bob@example.test", "Bob").await;
    let code = random_code();
    let r = app.otp(uid, &code).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let id = r.json()["message_id"].as_str().unwrap().to_string();
    let files = app.outbox_files();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(
        files[0].file_name().unwrap().to_str().unwrap(),
        format!("{id}.eml")
    );
    let raw = std::fs::read(&files[0]).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert!(msg.body_text(0).unwrap().contains(&code));
    assert!(msg.body_text(0).unwrap().contains("10 minutes"));
    app.finish().await;
}

#[tokio::test]
async fn unknown_user_is_404_and_sends_nothing() {
    let app = spawn_app().await;
    let r = app.otp(424242, "123456").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "unknown_user");
    assert!(app.outbox_files().is_empty());
    app.finish().await;
}

#[tokio::test]
async fn malformed_requests_are_refused_without_echo() {
    let app = spawn_app().await;
    let uid = app
        .db
        .add_user("carol", "carol@example.test", "Carol")
        .await;
    let secret = "918273";
    let bad = [
        json!({"user_id": uid, "code": "12345", "purpose": "login", "expires_in": 600}),
        json!({"user_id": uid, "code": "1234567", "purpose": "login", "expires_in": 600}),
        json!({"user_id": uid, "code": "12a456", "purpose": "login", "expires_in": 600}),
        json!({"user_id": uid, "code": " 123456", "purpose": "login", "expires_in": 600}),
        json!({"user_id": uid, "code": "١٢٣٤٥٦", "purpose": "login", "expires_in": 600}),
        json!({"user_id": uid, "code": 123456, "purpose": "login", "expires_in": 600}),
        json!({"user_id": uid, "code": secret, "purpose": "other", "expires_in": 600}),
        json!({"user_id": uid, "code": secret, "purpose": "login", "expires_in": 59}),
        json!({"user_id": uid, "code": secret, "purpose": "login", "expires_in": 3601}),
        json!({"user_id": 0, "code": secret, "purpose": "login", "expires_in": 600}),
        json!({"user_id": -1, "code": secret, "purpose": "login", "expires_in": 600}),
        json!({"user_id": secret, "code": secret, "purpose": "login", "expires_in": 600}),
        json!({"user_id": "1 OR 1=1", "code": secret, "purpose": "login", "expires_in": 600}),
        json!({"user_id": uid, "code": "1' OR '1'='1", "purpose": "login", "expires_in": 600}),
        json!({"user_id": uid, "code": secret, "purpose": "login", "expires_in": 600, "to": "evil@example.test"}),
        json!({"user_id": uid, "code": secret, "purpose": "login"}),
        json!({"user_id": uid, "code": secret, "purpose": "login", "expires_in": 600, "locale": "../de_DE"}),
        json!({"user_id": uid, "code": secret, "purpose": "login", "expires_in": 600, "locale": "de-DE"}),
        json!({"user_id": uid, "code": secret, "purpose": "login", "expires_in": 600, "locale": 7}),
        json!([uid, secret]),
    ];
    for b in &bad {
        let r = app.post("/v1/email-otp", b).await;
        assert_eq!(r.status, 400, "{b} -> {} {}", r.status, r.text);
        assert_eq!(r.json()["error"], "bad_request");
        assert!(!r.text.contains(secret), "echoed: {}", r.text);
    }
    for raw in [
        &b"not json"[..],
        b"",
        b"{\"user_id\":1,\"user_id\":2}",
        b"\xff\xfe",
    ] {
        let r = app.post_bytes("/v1/email-otp", raw.to_vec()).await;
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(raw));
    }
    // Oversized body: refused before any parsing.
    let big = format!("{{\"user_id\":{uid},\"code\":\"{secret}\",\"purpose\":\"login\",\"expires_in\":600,\"pad\":\"{}\"}}", "x".repeat(20_000));
    let r = app.post_bytes("/v1/email-otp", big.into_bytes()).await;
    assert_eq!(r.status, 413, "{}", r.text);
    assert!(app.outbox_files().is_empty());
    app.finish().await;
}

#[tokio::test]
async fn emails_follow_the_recipients_locale_and_unknown_locales_get_english() {
    let app = spawn_app().await;
    let uid = app.db.add_user("dora", "dora@example.test", "Dora").await;
    let mut texts = Vec::new();
    for (target, body) in [
        (
            "/v1/email-otp",
            json!({"user_id": uid, "code": random_code(), "purpose": "login", "expires_in": 300, "locale": "de_DE"}),
        ),
        (
            "/v1/notify",
            json!({"user_id": uid, "event": "method_added", "method": "email", "locale": "fr_FR"}),
        ),
        (
            "/v1/email-otp",
            json!({"user_id": uid, "code": random_code(), "purpose": "login", "expires_in": 300, "locale": "xx_XX"}),
        ),
        (
            "/v1/email-otp",
            json!({"user_id": uid, "code": random_code(), "purpose": "setup", "expires_in": 300}),
        ),
    ] {
        let r = app.post(target, &body).await;
        assert_eq!(r.status, 202, "{body} -> {}", r.text);
        let id = r.json()["message_id"].as_str().unwrap().to_string();
        let file = app
            .outbox_files()
            .into_iter()
            .find(|f| f.ends_with(format!("{id}.eml")))
            .expect("the message");
        let raw = std::fs::read(file).unwrap();
        let msg = MessageParser::default().parse(&raw).unwrap();
        texts.push((
            msg.subject().unwrap().to_string(),
            msg.body_text(0).unwrap().to_string(),
        ));
    }
    assert!(
        texts[0]
            .0
            .ends_with(": Ihr Bestätigungscode für die Anmeldung"),
        "{}",
        texts[0].0
    );
    assert!(
        texts[0].1.contains("Hallo Dora,") && texts[0].1.contains("5 Minuten gültig"),
        "{}",
        texts[0].1
    );
    assert!(
        texts[1]
            .1
            .contains("La méthode à deux facteurs « OTP par e-mail » a été ajoutée"),
        "{}",
        texts[1].1
    );
    assert!(
        texts[2].0.ends_with(": your login verification code"),
        "{}",
        texts[2].0
    );
    assert!(
        texts[2].1.contains("Hello Dora,") && texts[2].1.contains("5 minutes"),
        "{}",
        texts[2].1
    );
    assert!(
        texts[3].0.ends_with(": your code to set up OTP over Email"),
        "{}",
        texts[3].0
    );
    app.finish().await;
}

#[tokio::test]
async fn sql_shaped_names_are_just_text() {
    let app = spawn_app().await;
    let uid = app
        .db
        .add_user(
            "o'brien\"; DROP TABLE wp_users; --",
            "obrien@example.test",
            "Robert'); DROP TABLE wp_usermeta;--",
        )
        .await;
    let r = app.otp(uid, "123456").await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert!(app.db.table_exists("wp_users").await);
    assert!(app.db.table_exists("wp_usermeta").await);
    let r = app.get(&format!("/v1/users/{uid}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["login"], "o'brien\"; DROP TABLE wp_users; --");
    for target in [
        "/v1/users/1%20OR%201=1",
        "/v1/users/1;DROP",
        "/v1/users/-1",
        "/v1/users/0",
        "/v1/report?role=admin%27--",
        "/v1/report?page=1%20OR%201",
    ] {
        let r = app.get(target).await;
        assert_eq!(r.status, 400, "{target}: {}", r.text);
    }
    assert!(app.db.table_exists("wp_users").await);
    app.finish().await;
}

#[tokio::test]
async fn crlf_in_site_and_display_name_injects_no_header() {
    let app = spawn_app_with(Options {
        mail: Mail::Sink,
        site_name: "Evil Site\r\nBcc: site-bcc@evil.test\r\nX-Injected: site".into(),
        ..Default::default()
    })
    .await;
    let uid = app
        .db
        .add_user(
            "mallory",
            "mallory@example.test",
            "Mallory\r\nBcc: name-bcc@evil.test\nX-Injected: name\r\n\r\n<b>body</b>",
        )
        .await;
    let r = app.otp(uid, "654321").await;
    assert_eq!(r.status, 202, "{}", r.text);
    let id = r.json()["message_id"].as_str().unwrap().to_string();
    let raw = sink_message(&id).await;
    let names = header_names(&raw);
    assert!(
        !names.iter().any(|n| n == "bcc" || n == "x-injected"),
        "{names:?}"
    );
    assert_eq!(names.iter().filter(|n| *n == "to").count(), 1);
    assert_eq!(names.iter().filter(|n| *n == "subject").count(), 1);
    let msg = MessageParser::default().parse(&raw).unwrap();
    let to = msg.to().unwrap();
    assert_eq!(to.iter().count(), 1);
    assert_eq!(to.first().unwrap().address(), Some("mallory@example.test"));
    let rcpt = msg.header_raw("X-RcptTo").unwrap().trim().to_string();
    assert_eq!(rcpt, "mallory@example.test", "envelope recipients");
    // The HTML part shows the name as text, escaped.
    let html = msg.body_html(0).unwrap();
    assert!(!html.contains("<b>body</b>"), "{html}");
    assert!(html.contains("&lt;b&gt;body&lt;/b&gt;"), "{html}");
    app.finish().await;
}

#[tokio::test]
async fn per_user_rate_limit_answers_429_with_retry_after() {
    let app = spawn_app_with(Options {
        limits: twofa_sidecar::config::RateLimits {
            user_burst: 3,
            user_per_minute: 1,
            global_burst: 1000,
            global_per_second: 1000,
        },
        ..Default::default()
    })
    .await;
    let a = app.db.add_user("dave", "dave@example.test", "Dave").await;
    let b = app.db.add_user("erin", "erin@example.test", "Erin").await;
    for _ in 0..3 {
        assert_eq!(app.otp(a, "111111").await.status, 202);
    }
    let r = app.otp(a, "111111").await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert_eq!(r.json()["error"], "rate_limited");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Another user is not affected; notices have their own bucket.
    assert_eq!(app.otp(b, "111111").await.status, 202);
    let n = app
        .post(
            "/v1/notify",
            &json!({"user_id": a, "event": "lockout", "method": null}),
        )
        .await;
    assert_eq!(n.status, 202, "{}", n.text);
    assert_eq!(app.outbox_files().len(), 5);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_requests_all_succeed() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..100 {
        ids.push(
            app.db
                .add_user(
                    &format!("u{i}"),
                    &format!("u{i}@example.test"),
                    &format!("User {i}"),
                )
                .await,
        );
    }
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for (i, uid) in ids.iter().enumerate() {
        for _ in 0..2 {
            let app = app.clone();
            let uid = *uid;
            tasks.push(tokio::spawn(async move {
                let r = app.otp(uid, &format!("{:06}", i)).await;
                (r.status, r.text)
            }));
        }
    }
    let mut message_ids = std::collections::HashSet::new();
    for t in tasks {
        let (status, text) = t.await.unwrap();
        assert_eq!(status, 202, "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(message_ids.insert(v["message_id"].as_str().unwrap().to_string()));
    }
    assert_eq!(app.outbox_files().len(), 200);
    assert!(app
        .outbox_files()
        .iter()
        .all(|p| p.extension().is_some_and(|e| e == "eml")));
    // Counters agree.
    let m = app.get_plain("/metrics").await.text;
    assert!(
        m.contains("twofa_emails_sent_total{kind=\"code\"} 200"),
        "{m}"
    );
    assert!(
        m.contains("twofa_http_requests_total{route=\"/v1/email-otp\",status=\"202\"} 200"),
        "{m}"
    );
    let app = std::sync::Arc::try_unwrap(app).ok().expect("sole owner");
    tokio::time::sleep(Duration::from_millis(10)).await;
    app.finish().await;
}
