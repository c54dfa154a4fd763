use crate::helpers::*;

#[tokio::test]
async fn user_details_roles_methods_primary() {
    let app = spawn_app().await;
    let a = app
        .db
        .add_user("admin1", "jane.doe@example.com", "Jane")
        .await;
    app.db.set_role(a, "administrator").await;
    app.db.add_meta(a, "_twofa_totp_secret", "v1.sealed").await;
    app.db.add_meta(a, "_twofa_email_enabled", "1").await;
    app.db.add_meta(a, "_twofa_primary", "email").await;
    let r = app.get(&format!("/v1/users/{a}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["login"], "admin1");
    assert_eq!(v["email_masked"], "j***@e***.com");
    assert_eq!(v["roles"], serde_json::json!(["administrator"]));
    assert_eq!(v["methods"], serde_json::json!(["totp", "email"]));
    assert_eq!(v["primary"], "email");
    assert!(!r.text.contains("jane.doe"), "full address leaked");
    assert!(!r.text.contains("v1.sealed"), "secret leaked");

    // Garbage capabilities: refused safely, the rest still answers.
    let b = app.db.add_user("odd", "odd@example.test", "Odd").await;
    app.db
        .add_meta(b, "wp_capabilities", "O:8:\"stdClass\":1:{s:1:\"a\";b:1;}")
        .await;
    app.db.add_meta(b, "_twofa_primary", "totp").await;
    let v = app.get(&format!("/v1/users/{b}")).await.json();
    assert_eq!(v["roles"], serde_json::json!([]));
    assert_eq!(v["roles_valid"], false);
    assert_eq!(v["methods"], serde_json::json!([]));
    assert_eq!(
        v["primary"],
        serde_json::Value::Null,
        "primary of an unconfigured method"
    );

    let r = app.get("/v1/users/999999").await;
    assert_eq!(r.status, 404);
    app.finish().await;
}

#[tokio::test]
async fn table_prefix_is_honoured() {
    let app = spawn_app_with(Options {
        prefix: "site7_".into(),
        ..Default::default()
    })
    .await;
    let a = app.db.add_user("p", "p@example.test", "P").await;
    app.db.set_role(a, "editor").await;
    let v = app.get(&format!("/v1/users/{a}")).await.json();
    assert_eq!(v["roles"], serde_json::json!(["editor"]));
    app.finish().await;
}

#[tokio::test]
async fn user_roles_are_only_roles_the_site_defines() {
    let app = spawn_app().await;
    let a = app.db.add_user("mixed", "m@example.test", "Mixed").await;
    app.db
        .set_caps(
            a,
            &[("retired", true), ("edit_posts", true), ("editor", true)],
        )
        .await;
    let c = app.db.add_user("direct", "d@example.test", "Direct").await;
    app.db.set_caps(c, &[("edit_posts", true)]).await;

    // No user_roles option: every granted key, as before.
    let v = app.get(&format!("/v1/users/{a}")).await.json();
    assert_eq!(
        v["roles"],
        serde_json::json!(["retired", "edit_posts", "editor"])
    );

    app.db
        .set_user_roles(&["administrator", "editor", "subscriber"])
        .await;
    let r = app.get(&format!("/v1/users/{a}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["roles"], serde_json::json!(["editor"]));
    assert_eq!(v["roles_valid"], true);
    let v = app.get(&format!("/v1/users/{c}")).await.json();
    assert_eq!(v["roles"], serde_json::json!([]));
    assert_eq!(v["roles_valid"], true);

    // Truncated option: refused, back to every granted key.
    app.db.set_user_roles_raw("a:3:{s:6:\"editor\";N;").await;
    let v = app.get(&format!("/v1/users/{c}")).await.json();
    assert_eq!(v["roles"], serde_json::json!(["edit_posts"]));
    app.finish().await;
}

#[tokio::test]
async fn roles_option_follows_the_table_prefix() {
    let app = spawn_app_with(Options {
        prefix: "site7_".into(),
        ..Default::default()
    })
    .await;
    let a = app.db.add_user("p", "p@example.test", "P").await;
    app.db
        .set_caps(a, &[("editor", true), ("upload_files", true)])
        .await;
    app.db.set_user_roles(&["editor"]).await;
    let v = app.get(&format!("/v1/users/{a}")).await.json();
    assert_eq!(v["roles"], serde_json::json!(["editor"]));
    app.finish().await;
}

/// Every pooled connection runs CAUSAL_READS once: on MariaDB the session's
/// wsrep_sync_wait is 1 (causal reads on a Galera cluster), and the users still answer.
#[tokio::test]
async fn connections_make_causal_reads() {
    let app = spawn_app().await;
    let db = twofa_sidecar::db::Db::new(
        &app.db.url,
        &app.db.prefix,
        2,
        std::time::Duration::from_secs(5),
    )
    .expect("pool");
    for _ in 0..3 {
        assert_eq!(db.session_sync_wait().await.expect("query"), Some(1));
    }
    db.disconnect().await;
}
