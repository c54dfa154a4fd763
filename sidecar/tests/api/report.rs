use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn report_counts_by_role_and_method_and_pages_users_without_2fa() {
    let app = spawn_app().await;
    // 12 subscribers (3 totp, 2 email, 1 both), 4 editors (1 totp), 2 admins (both totp),
    // one user with garbage capabilities, one with none.
    let mut subs = Vec::new();
    for i in 0..12 {
        let id = app
            .db
            .add_user(
                &format!("sub{i}"),
                &format!("s{i}@example.test"),
                &format!("Sub {i}"),
            )
            .await;
        app.db.set_role(id, "subscriber").await;
        subs.push(id);
    }
    for id in &subs[0..3] {
        app.db.add_meta(*id, "_twofa_totp_secret", "x").await;
    }
    for id in &subs[3..5] {
        app.db.add_meta(*id, "_twofa_email_enabled", "1").await;
    }
    app.db.add_meta(subs[0], "_twofa_email_enabled", "1").await;
    for i in 0..4 {
        let id = app
            .db
            .add_user(
                &format!("ed{i}"),
                &format!("e{i}@example.test"),
                &format!("Ed {i}"),
            )
            .await;
        app.db.set_role(id, "editor").await;
        if i == 0 {
            app.db.add_meta(id, "_twofa_totp_secret", "x").await;
        }
    }
    for i in 0..2 {
        let id = app
            .db
            .add_user(
                &format!("ad{i}"),
                &format!("a{i}@example.test"),
                &format!("Ad {i}"),
            )
            .await;
        app.db.set_role(id, "administrator").await;
        app.db.add_meta(id, "_twofa_totp_secret", "x").await;
    }
    let g = app.db.add_user("garbage", "g@example.test", "G").await;
    app.db
        .add_meta(g, "wp_capabilities", "a:1:{s:99:\"x\";b:1;}")
        .await;
    app.db.add_user("noroles", "n@example.test", "N").await;

    let r = app.get("/v1/report?page=1&per_page=5").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["total_users"], 20);
    assert_eq!(v["with_2fa"], 8);
    assert_eq!(v["without_2fa"], 12);
    assert_eq!(
        v["by_method"],
        json!({"totp": 6, "email": 3, "backup_codes": 0, "passkey": 0})
    );
    assert_eq!(
        v["by_role"]["subscriber"],
        json!({"users": 12, "with_2fa": 5})
    );
    assert_eq!(v["by_role"]["editor"], json!({"users": 4, "with_2fa": 1}));
    assert_eq!(
        v["by_role"]["administrator"],
        json!({"users": 2, "with_2fa": 2})
    );
    assert_eq!(v["invalid_capabilities"], 1);
    let page = &v["without_2fa_users"];
    assert_eq!(page["total"], 12);
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    assert_eq!(page["items"][0]["login"], "sub5");
    assert_eq!(page["items"][0]["display_name"], "Sub 5");
    assert_eq!(page["items"][0]["roles"], json!(["subscriber"]));

    let v = app.get("/v1/report?page=3&per_page=5").await.json();
    let items = v["without_2fa_users"]["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["login"], "noroles");
    let v = app.get("/v1/report?page=9&per_page=5").await.json();
    assert_eq!(v["without_2fa_users"]["items"], json!([]));

    let v = app.get("/v1/report?role=editor").await.json();
    assert_eq!(v["total_users"], 4);
    assert_eq!(v["with_2fa"], 1);
    assert_eq!(v["without_2fa_users"]["total"], 3);

    for bad in [
        "/v1/report?per_page=0",
        "/v1/report?per_page=501",
        "/v1/report?page=0",
        "/v1/report?page=x",
        "/v1/report?role=a%20b",
        "/v1/report?sort=id",
    ] {
        let r = app.get(bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
    }
    app.finish().await;
}

#[tokio::test]
async fn report_works_without_the_meta_key_index() {
    let app = spawn_app().await;
    let a = app.db.add_user("x", "x@example.test", "X").await;
    app.db.set_role(a, "author").await;
    app.db.add_meta(a, "_twofa_email_enabled", "1").await;
    let mut c = app.db.conn().await;
    mysql_async::prelude::Queryable::query_drop(
        &mut c,
        "ALTER TABLE wp_usermeta DROP INDEX meta_key",
    )
    .await
    .unwrap();
    drop(c);
    let r = app.get("/v1/report").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["by_role"]["author"], json!({"users": 1, "with_2fa": 1}));
    app.finish().await;
}

#[tokio::test]
async fn report_counts_only_roles_the_site_defines() {
    let app = spawn_app().await;
    // "retired" was a role once and has been deleted; "edit_posts" is granted directly.
    let a = app.db.add_user("mixed", "m@example.test", "Mixed").await;
    app.db
        .set_caps(
            a,
            &[("editor", true), ("edit_posts", true), ("retired", true)],
        )
        .await;
    let b = app.db.add_user("sub", "s@example.test", "Sub").await;
    app.db.set_caps(b, &[("subscriber", true)]).await;
    app.db.add_meta(b, "_twofa_totp_secret", "x").await;
    let c = app.db.add_user("direct", "d@example.test", "Direct").await;
    app.db
        .set_caps(c, &[("edit_posts", true), ("author", false)])
        .await;

    // No user_roles option yet: every granted key counts, as before.
    let v = app.get("/v1/report").await.json();
    assert_eq!(
        v["by_role"]["edit_posts"],
        json!({"users": 2, "with_2fa": 0})
    );
    assert_eq!(v["by_role"]["retired"], json!({"users": 1, "with_2fa": 0}));

    app.db
        .set_user_roles(&["administrator", "editor", "author", "subscriber"])
        .await;
    let r = app.get("/v1/report").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["total_users"], 3);
    assert_eq!(v["with_2fa"], 1);
    assert_eq!(
        v["by_role"],
        json!({
            "editor": {"users": 1, "with_2fa": 0},
            "subscriber": {"users": 1, "with_2fa": 1},
        })
    );
    assert_eq!(v["invalid_capabilities"], 0);
    let items = &v["without_2fa_users"]["items"];
    assert_eq!(items[0]["login"], "mixed");
    assert_eq!(items[0]["roles"], json!(["editor"]));
    assert_eq!(items[1]["login"], "direct");
    assert_eq!(items[1]["roles"], json!([]));

    // A capability or a deleted role is not a role to filter by either.
    for role in ["edit_posts", "retired"] {
        let v = app.get(&format!("/v1/report?role={role}")).await.json();
        assert_eq!(v["total_users"], 0, "{role}");
        assert_eq!(v["by_role"], json!({}), "{role}");
    }
    let v = app.get("/v1/report?role=editor").await.json();
    assert_eq!(v["total_users"], 1);
    assert_eq!(v["by_role"], json!({"editor": {"users": 1, "with_2fa": 0}}));

    // A garbage option is not trusted: back to every granted key, and the request still works.
    app.db
        .set_user_roles_raw("a:1:{s:6:\"editor\";O:8:\"stdClass\":0:{}}")
        .await;
    let r = app.get("/v1/report").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["by_role"]["edit_posts"]["users"], 2);
    app.finish().await;
}
