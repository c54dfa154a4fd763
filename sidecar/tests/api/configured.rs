//! One rule for "method configured" (docs/CONTRACTS.md, "Has 2FA"): a method's key counts only
//! when its row holds a value other than "" and "0"; `/v1/users` and `/v1/report` agree.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn rows_holding_0_or_empty_are_not_configured_anywhere() {
    let app = spawn_app().await;
    // zero: both keys hold "0"; empty: both hold ""; padded: "0 " (a padding collation would
    // equal it to "0", the rule does not); real: a secret and "1".
    let zero = app.db.add_user("zero", "z@example.test", "Zero").await;
    app.db.set_role(zero, "subscriber").await;
    app.db.add_meta(zero, "_twofa_totp_secret", "0").await;
    app.db.add_meta(zero, "_twofa_email_enabled", "0").await;
    app.db.add_meta(zero, "_twofa_primary", "email").await;
    let empty = app.db.add_user("empty", "e@example.test", "Empty").await;
    app.db.set_role(empty, "subscriber").await;
    app.db.add_meta(empty, "_twofa_totp_secret", "").await;
    app.db.add_meta(empty, "_twofa_email_enabled", "").await;
    let padded = app.db.add_user("padded", "p@example.test", "Padded").await;
    app.db.set_role(padded, "subscriber").await;
    app.db.add_meta(padded, "_twofa_email_enabled", "0 ").await;
    let real = app.db.add_user("real", "r@example.test", "Real").await;
    app.db.set_role(real, "subscriber").await;
    app.db
        .add_meta(real, "_twofa_totp_secret", "tf1.sealed")
        .await;
    app.db.add_meta(real, "_twofa_email_enabled", "1").await;

    for (id, methods) in [
        (zero, json!([])),
        (empty, json!([])),
        (padded, json!(["email"])),
        (real, json!(["totp", "email"])),
    ] {
        let v = app.get(&format!("/v1/users/{id}")).await.json();
        assert_eq!(v["methods"], methods, "user {id}");
    }
    let v = app.get(&format!("/v1/users/{zero}")).await.json();
    assert_eq!(v["primary"], serde_json::Value::Null, "primary of a 0 row");

    let r = app.get("/v1/report?page=1&per_page=50").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["total_users"], 4);
    assert_eq!(v["with_2fa"], 2, "{v}");
    assert_eq!(v["without_2fa"], 2);
    assert_eq!(v["by_method"]["totp"], 1);
    assert_eq!(v["by_method"]["email"], 2);
    assert_eq!(v["by_role"]["subscriber"]["with_2fa"], 2);
    let without: Vec<u64> = v["without_2fa_users"]["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(without, vec![zero, empty]);
    app.finish().await;
}

#[tokio::test]
async fn backup_codes_are_listed_and_counted_but_are_not_2fa() {
    let app = spawn_app().await;
    // both: an authenticator and two unused backup codes; only: backup code rows alone (the
    // plugin never leaves them so, but the database may say anything).
    let both = app.db.add_user("both", "b@example.test", "Both").await;
    app.db.set_role(both, "subscriber").await;
    app.db
        .add_meta(both, "_twofa_totp_secret", "tf1.sealed")
        .await;
    app.db.add_meta(both, "_twofa_backup_code", "h1.one").await;
    app.db.add_meta(both, "_twofa_backup_code", "h1.two").await;
    let only = app.db.add_user("only", "o@example.test", "Only").await;
    app.db.set_role(only, "subscriber").await;
    app.db
        .add_meta(only, "_twofa_backup_code", "h1.three")
        .await;

    let v = app.get(&format!("/v1/users/{both}")).await.json();
    assert_eq!(v["methods"], json!(["totp", "backup_codes"]));
    let v = app.get("/v1/report?page=1&per_page=50").await.json();
    assert_eq!(
        v["by_method"],
        json!({"totp": 1, "email": 0, "backup_codes": 2, "passkey": 0})
    );
    assert_eq!(v["with_2fa"], 1, "backup codes alone are not 2FA: {v}");
    let without: Vec<u64> = v["without_2fa_users"]["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(without, vec![only]);
    app.finish().await;
}

#[tokio::test]
async fn passkeys_are_a_method_and_count_as_2fa() {
    let app = spawn_app().await;
    // keys: two passkeys and nothing else, primary; none: the count row holding 0.
    let keys = app.db.add_user("keys", "k@example.test", "Keys").await;
    app.db.set_role(keys, "subscriber").await;
    app.db.add_meta(keys, "_twofa_passkeys", "2").await;
    app.db.add_meta(keys, "_twofa_primary", "passkey").await;
    let none = app.db.add_user("none", "n@example.test", "None").await;
    app.db.set_role(none, "subscriber").await;
    app.db.add_meta(none, "_twofa_passkeys", "0").await;

    let v = app.get(&format!("/v1/users/{keys}")).await.json();
    assert_eq!(v["methods"], json!(["passkey"]));
    assert_eq!(v["primary"], json!("passkey"));
    let v = app.get(&format!("/v1/users/{none}")).await.json();
    assert_eq!(v["methods"], json!([]));
    let v = app.get("/v1/report?page=1&per_page=50").await.json();
    assert_eq!(
        v["by_method"],
        json!({"totp": 0, "email": 0, "backup_codes": 0, "passkey": 1})
    );
    assert_eq!(v["with_2fa"], 1, "a passkey is 2FA: {v}");
    let without: Vec<u64> = v["without_2fa_users"]["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(without, vec![none]);
    app.finish().await;
}
