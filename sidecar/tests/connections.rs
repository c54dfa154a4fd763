//! Idle, half-sent and too many connections: the header-read timeout, the idle timeout and the
//! connection cap close them, say so in the log, and the sidecar keeps answering.
//! Its own test binary, because the global log subscriber can be set once per process.

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;
mod log_capture;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use helpers::*;
use log_capture::Captured;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use twofa_sidecar::config::ConnectionLimits;

/// The process's log lines (one subscriber for all tests of this binary).
fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| log_capture::capture("info"))
}

fn log_text() -> String {
    logs().text()
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Reads until the peer closes; how long that took from `since`. Panics after `limit`.
async fn closed_after(mut s: TcpStream, since: Instant, limit: Duration) -> Duration {
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((since + limit).into(), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return since.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("connection still open after {limit:?}"),
        }
    }
}

/// Whether the peer has closed `s` (without waiting).
async fn is_closed(s: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1];
    match tokio::time::timeout(Duration::from_millis(50), s.peek(&mut buf)).await {
        Ok(Ok(0)) | Ok(Err(_)) => true,
        Ok(Ok(_)) => false,
        Err(_) => false,
    }
}

fn metric(text: &str, line_start: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no metric {line_start}:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_half_sent_connections_are_closed_by_the_timeouts() {
    logs();
    let app = spawn_app_with(Options {
        connections: ConnectionLimits {
            header_read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(3),
            max_connections: 100,
        },
        ..Default::default()
    })
    .await;
    let start = Instant::now();
    // Sends nothing at all.
    let silent = connect(&app).await;
    // Half a request head.
    let mut half = connect(&app).await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // One whole request, then nothing on the kept-alive connection.
    let mut kept = connect(&app).await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&got).contains("\"status\":\"ok\"") {
        let n = kept.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before answering");
        got.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
    let after_response = Instant::now();

    let limit = Duration::from_secs(15);
    let (t_half, t_silent, t_kept) = tokio::join!(
        closed_after(half, start, limit),
        closed_after(silent, start, limit),
        closed_after(kept, after_response, limit),
    );
    // The half-sent head hits the 1 s header timeout, long before the 3 s idle timeout.
    assert!(
        t_half >= Duration::from_millis(900) && t_half < Duration::from_millis(2900),
        "half-sent head closed after {t_half:?}"
    );
    assert!(
        t_silent >= Duration::from_millis(2900),
        "silent connection closed after {t_silent:?}, before the idle timeout"
    );
    assert!(
        t_kept >= Duration::from_millis(2900),
        "kept-alive connection closed after {t_kept:?}, before the idle timeout"
    );

    // The sidecar still answers, and counted what it closed.
    let r = app.get_plain("/healthz").await;
    assert_eq!(r.status, 200);
    let m = app.get_plain("/metrics").await.text;
    assert!(
        metric(
            &m,
            "twofa_connections_closed_total{reason=\"header_timeout\"}"
        ) >= 1
    );
    assert!(
        metric(
            &m,
            "twofa_connections_closed_total{reason=\"idle_timeout\"}"
        ) >= 2
    );
    let logs = log_text();
    assert!(logs.contains("header_read_timeout"), "{logs}");
    assert!(logs.contains("closed an idle connection"), "{logs}");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_outlives_the_idle_timeout() {
    logs();
    let (port, holder) = silent_smtp().await;
    let app = spawn_app_with(Options {
        mail: Mail::Smtp(port),
        mail_timeout: Duration::from_secs(3),
        connections: ConnectionLimits {
            header_read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(1),
            max_connections: 100,
        },
        ..Default::default()
    })
    .await;
    let uid = app.db.add_user("slow", "slow@example.test", "Slow").await;
    // The mail server never answers, so the handler runs 3 s: the answer still arrives.
    let r = app.otp(uid, "123456").await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.json()["error"], "mail_unavailable");
    holder.abort();
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_connection_cap_health_and_signed_requests_still_answer() {
    logs();
    let app = spawn_app_with(Options {
        // Timeouts far longer than the test: only the cap can free a slot.
        connections: ConnectionLimits {
            header_read_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(120),
            max_connections: 4,
        },
        ..Default::default()
    })
    .await;
    let uid = app.db.add_user("cap", "cap@example.test", "Cap").await;
    let mut held = Vec::new();
    for i in 0..4 {
        let mut s = connect(&app).await;
        if i % 2 == 1 {
            s.write_all(b"POST /v1/email-otp HTTP/1.1\r\nHost: x\r\nContent-")
                .await
                .unwrap();
        }
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for s in held.iter_mut() {
        assert!(!is_closed(s).await, "a held connection closed early");
    }
    let start = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(10), app.get_plain("/healthz"))
        .await
        .expect("healthz answered at the cap");
    assert_eq!(r.status, 200);
    let r = tokio::time::timeout(Duration::from_secs(10), app.otp(uid, "654321"))
        .await
        .expect("signed request answered at the cap");
    assert_eq!(r.status, 202, "{}", r.text);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(app.outbox_files().len(), 1);
    let mut closed = 0;
    for s in held.iter_mut() {
        closed += is_closed(s).await as usize;
    }
    assert!(
        closed >= 1,
        "no held connection was closed for the new ones"
    );
    let m = app.get_plain("/metrics").await.text;
    assert!(metric(&m, "twofa_connection_limit_reached_total") >= 1);
    assert!(
        metric(
            &m,
            "twofa_connections_closed_total{reason=\"connection_limit\"}"
        ) >= 1
    );
    let logs = log_text();
    assert!(logs.contains("connection limit reached"), "{logs}");
    app.finish().await;
}
