//! Prometheus metrics, hand-written: a few counters and one histogram need no exporter crate.
//!
//! Labels are route templates (`/v1/users/{id}`), status codes and fixed words — never values
//! from a request, so nothing a caller sends can reach a label.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::startup::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    pub codes_sent: AtomicU64,
    pub codes_failed: AtomicU64,
    pub notices_sent: AtomicU64,
    pub notices_failed: AtomicU64,
    pub rate_limited: AtomicU64,
    pub conn_header_timeouts: AtomicU64,
    pub conn_idle_timeouts: AtomicU64,
    pub conn_evicted: AtomicU64,
    pub conn_limit_reached: AtomicU64,
}

/// Route templates are interned to `&'static str` from this fixed list; anything else is
/// "other", which bounds the label set.
const ROUTES: [&str; 9] = [
    "/v1/email-otp",
    "/v1/notify",
    "/v1/users/{id}",
    "/v1/report",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "other",
];

fn intern(path: Option<&str>) -> &'static str {
    path.and_then(|p| ROUTES.iter().find(|r| **r == p).copied())
        .unwrap_or("other")
}

impl Metrics {
    pub fn observe(&self, route: &'static str, status: u16, secs: f64) {
        {
            let mut r = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            *r.entry((route, status)).or_insert(0) += 1;
        }
        let mut l = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let h = l.entry(route).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP twofa_http_requests_total HTTP requests by route and status.\n# TYPE twofa_http_requests_total counter\n");
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "twofa_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP twofa_http_request_duration_seconds Request latency by route.\n# TYPE twofa_http_request_duration_seconds histogram\n");
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "twofa_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "twofa_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "twofa_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "twofa_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP twofa_emails_sent_total Emails handed to the mail backend.\n# TYPE twofa_emails_sent_total counter\n");
        let _ = writeln!(
            out,
            "twofa_emails_sent_total{{kind=\"code\"}} {}",
            self.codes_sent.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "twofa_emails_sent_total{{kind=\"notice\"}} {}",
            self.notices_sent.load(Ordering::Relaxed)
        );
        out.push_str("# HELP twofa_emails_failed_total Emails the mail backend failed to take (or timed out).\n# TYPE twofa_emails_failed_total counter\n");
        let _ = writeln!(
            out,
            "twofa_emails_failed_total{{kind=\"code\"}} {}",
            self.codes_failed.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "twofa_emails_failed_total{{kind=\"notice\"}} {}",
            self.notices_failed.load(Ordering::Relaxed)
        );
        out.push_str("# HELP twofa_rate_limited_total Requests refused by the in-memory rate limits.\n# TYPE twofa_rate_limited_total counter\n");
        let _ = writeln!(
            out,
            "twofa_rate_limited_total {}",
            self.rate_limited.load(Ordering::Relaxed)
        );
        out.push_str("# HELP twofa_connections_closed_total Connections the sidecar closed: header_read_timeout, idle_timeout, or to make room at max_connections.\n# TYPE twofa_connections_closed_total counter\n");
        for (reason, n) in [
            ("header_timeout", &self.conn_header_timeouts),
            ("idle_timeout", &self.conn_idle_timeouts),
            ("connection_limit", &self.conn_evicted),
        ] {
            let _ = writeln!(
                out,
                "twofa_connections_closed_total{{reason=\"{reason}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP twofa_connection_limit_reached_total Connections accepted while max_connections were open.\n# TYPE twofa_connection_limit_reached_total counter\n");
        let _ = writeln!(
            out,
            "twofa_connection_limit_reached_total {}",
            self.conn_limit_reached.load(Ordering::Relaxed)
        );
        out
    }
}

/// Middleware recording each request's route, status and latency.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = intern(req.extensions().get::<MatchedPath>().map(|m| m.as_str()));
    let start = Instant::now();
    let resp = next.run(req).await;
    state
        .metrics
        .observe(route, resp.status().as_u16(), start.elapsed().as_secs_f64());
    resp
}
