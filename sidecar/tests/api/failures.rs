use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use mysql_async::prelude::*;
use mysql_async::{Conn, OptsBuilder};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn smtp_refusing_connections_answers_503_quickly() {
    let app = spawn_app_with(Options {
        mail: Mail::Smtp(closed_port()),
        // A long timeout: the answer must come from the refusal, not from waiting it out.
        mail_timeout: Duration::from_secs(30),
        ..Default::default()
    })
    .await;
    let uid = app.db.add_user("r", "r@example.test", "R").await;
    let start = Instant::now();
    let r = app.otp(uid, "123456").await;
    let took = start.elapsed();
    assert_eq!(r.status, 503, "{}", r.text);
    let v = r.json();
    assert_eq!(v["error"], "mail_unavailable");
    assert_eq!(v["retryable"], true);
    assert!(
        took < Duration::from_secs(15),
        "took {took:?}, the refusal should be immediate"
    );
    let r = app.get_plain("/readyz").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["mail"], "unavailable");
    assert_eq!(r.json()["database"], "ok");
    let m = app.get_plain("/metrics").await.text;
    assert!(
        m.contains("twofa_emails_failed_total{kind=\"code\"} 1"),
        "{m}"
    );
    // The failure did not spend the user's allowance.
    app.finish().await;
}

#[tokio::test]
async fn smtp_that_never_answers_times_out_with_503() {
    let (port, holder) = silent_smtp().await;
    let app = spawn_app_with(Options {
        mail: Mail::Smtp(port),
        mail_timeout: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    let uid = app.db.add_user("s", "s@example.test", "S").await;
    let start = Instant::now();
    let r = app.otp(uid, "123456").await;
    let took = start.elapsed();
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.json()["error"], "mail_unavailable");
    assert_eq!(r.json()["retryable"], true);
    assert!(
        took >= Duration::from_millis(1900),
        "answered before the timeout: {took:?}"
    );
    assert!(
        took < Duration::from_secs(12),
        "not bounded by the mail timeout: {took:?}"
    );
    let r = app.get_plain("/readyz").await;
    assert_eq!(r.status, 503);
    holder.abort();
    app.finish().await;
}

fn lib_sh() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/stack/lib.sh")
}

fn stack_fn(args: &[&str]) {
    let st = Command::new("bash")
        .arg("-c")
        .arg("set -e; source \"$0\"; \"$@\"")
        .arg(lib_sh())
        .args(args)
        .status()
        .expect("bash");
    assert!(st.success(), "{args:?} failed");
}

/// Stops a private MariaDB when dropped (idempotent: stopping a stopped server is fine).
struct StopMariadb(String);

impl Drop for StopMariadb {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg("-c")
            .arg("source \"$0\" && mariadb_stop \"$1\"")
            .arg(lib_sh())
            .arg(&self.0)
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_stopped_then_back() {
    // A private MariaDB, so stopping it disturbs no other test.
    let _ = stack_var("TWOFA_MYSQL_SOCKET");
    let dir = tempfile::tempdir().unwrap();
    let ddir = dir.path().join("db");
    let ddir_s = ddir.to_str().unwrap().to_string();
    let port = closed_port().to_string();
    stack_fn(&["mariadb_start", &ddir_s, &port]);
    // A failed assertion must not leave the private server running.
    let _stop_on_exit = StopMariadb(ddir_s.clone());
    let env = std::fs::read_to_string(ddir.join("env")).unwrap();
    let pass = env
        .lines()
        .find_map(|l| l.strip_prefix("MARIADB_PASSWORD="))
        .unwrap()
        .to_string();
    let sock = ddir.join("mysqld.sock").to_str().unwrap().to_string();
    let mut c = Conn::new(
        OptsBuilder::default()
            .user(Some("root"))
            .socket(Some(sock))
            .db_name(Some("wordpress")),
    )
    .await
    .unwrap();
    for stmt in wp_schema("wp_") {
        c.query_drop(stmt).await.unwrap();
    }
    c.exec_drop(
        "INSERT INTO wp_users (user_login, user_email, display_name) VALUES (?, ?, ?)",
        ("m", "m@example.test", "M"),
    )
    .await
    .unwrap();
    c.disconnect().await.ok();

    // The app's own test database is unused here; the private server is the one that matters.
    let app = spawn_app_with(Options {
        mysql_url: Some(format!("mysql://twofa:{pass}@127.0.0.1:{port}/wordpress")),
        ..Default::default()
    })
    .await;
    assert_eq!(app.get_plain("/readyz").await.status, 200);
    assert_eq!(app.otp(1, "123456").await.status, 202);

    stack_fn(&["mariadb_stop", &ddir_s]);
    let r = app.get_plain("/readyz").await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.json()["database"], "unavailable");
    let r = app.otp(1, "123456").await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.json()["retryable"], true);
    let r = app.get(&format!("/v1/users/{}", 1)).await;
    assert_eq!(r.status, 503);
    assert_eq!(
        app.get_plain("/healthz").await.status,
        200,
        "the process stays up"
    );

    stack_fn(&["mariadb_start", &ddir_s, &port]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if app.get_plain("/readyz").await.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Connections pooled before the restart are dead; the sidecar must move past them rather
    // than fail the first requests after recovery.
    let r = app.otp(1, "123456").await;
    assert_eq!(r.status, 202, "first request after recovery: {}", r.text);
    let r = app.get("/v1/users/1").await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A quick restart with no request in between: now every pooled connection is dead.
    let app = std::sync::Arc::new(app);
    let parallel: Vec<_> = (0..8)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.otp(1, "123456").await.status })
        })
        .collect();
    for t in parallel {
        assert_eq!(t.await.unwrap(), 202);
    }
    stack_fn(&["mariadb_stop", &ddir_s]);
    stack_fn(&["mariadb_start", &ddir_s, &port]);
    let r = app.otp(1, "123456").await;
    assert_eq!(r.status, 202, "first request after a restart: {}", r.text);
    let app = std::sync::Arc::try_unwrap(app).ok().expect("sole owner");
    stack_fn(&["mariadb_stop", &ddir_s]);
    app.finish().await;
}

#[tokio::test]
async fn shutdown_lets_requests_in_flight_finish() {
    let (port, holder) = silent_smtp().await;
    let mut app = spawn_app_with(Options {
        mail: Mail::Smtp(port),
        mail_timeout: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    let uid = app.db.add_user("g", "g@example.test", "G").await;
    let body = serde_json::to_vec(
        &json!({"user_id": uid, "code": "123456", "purpose": "login", "expires_in": 600}),
    )
    .unwrap();
    let t = now();
    let s = app.sign("POST", "/v1/email-otp", &body, t);
    let req = app
        .client
        .post(format!("{}/v1/email-otp", app.base))
        .header("X-Twofa-Timestamp", t.to_string())
        .header("X-Twofa-Request-Id", s.id)
        .header("X-Twofa-Signature", s.sig)
        .body(body)
        .send();
    let inflight = tokio::spawn(req);
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.trigger_shutdown();
    // The request in flight still gets its (503, mail timed out) answer.
    let resp = inflight.await.unwrap().expect("answered despite shutdown");
    assert_eq!(resp.status().as_u16(), 503);
    let server = app.server.take().unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("server stopped")
        .unwrap()
        .unwrap();
    holder.abort();
    app.finish().await;
}
