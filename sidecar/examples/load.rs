//! Load generator for the sidecar: signed `POST /v1/email-otp` (or `GET /healthz` as the
//! baseline) from N concurrent keep-alive connections for a fixed time.
//!
//! `load --url http://127.0.0.1:PORT --key KEYFILE --target otp|healthz --users N
//!  --concurrency C --seconds S`
//! Prints one line: `target=… requests=… ok=… errors=… rps=… p50_ms=… p99_ms=… max_ms=…`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use twofa_core::key::SiteKey;

struct Args {
    url: String,
    key: String,
    target: String,
    users: u64,
    first_user: u64,
    concurrency: usize,
    seconds: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        url: String::new(),
        key: String::new(),
        target: "otp".into(),
        users: 10_000,
        first_user: 1,
        concurrency: 32,
        seconds: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--url" => a.url = v,
            "--key" => a.key = v,
            "--target" => a.target = v,
            "--users" => a.users = num(&v)?.max(1),
            "--first-user" => a.first_user = num(&v)?,
            "--concurrency" => a.concurrency = num(&v)?.max(1) as usize,
            "--seconds" => a.seconds = num(&v)?.max(1),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if a.url.is_empty() || (a.target == "otp" && a.key.is_empty()) {
        return Err("--url and (for otp) --key are required".into());
    }
    Ok(a)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    let key = if a.target == "otp" {
        match SiteKey::load(&a.key) {
            Ok(k) => Some(k),
            Err(e) => {
                eprintln!("load: {e}");
                std::process::exit(2);
            }
        }
    } else {
        None
    };
    let key = Arc::new(key);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..a.concurrency {
        let client = client.clone();
        let key = key.clone();
        let stop = stop.clone();
        let url = a.url.clone();
        let target = a.target.clone();
        let (users, first, conc) = (a.users, a.first_user, a.concurrency as u64);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(50_000);
            let mut errors = 0u64;
            let mut i = w as u64;
            while !stop.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                let res = if target == "otp" {
                    let uid = first + (i % users);
                    i += conc;
                    let body = format!(
                        "{{\"user_id\":{uid},\"code\":\"{:06}\",\"purpose\":\"login\",\"expires_in\":600}}",
                        (uid * 7919) % 1_000_000
                    );
                    let ts = now();
                    let id = twofa_core::signing::new_request_id();
                    let sig = match key.as_ref() {
                        Some(k) => twofa_core::signing::sign(k, "POST", "/v1/email-otp", body.as_bytes(), ts, &id)
                            .unwrap_or_default(),
                        None => String::new(),
                    };
                    client
                        .post(format!("{url}/v1/email-otp"))
                        .header("content-type", "application/json")
                        .header("X-Twofa-Timestamp", ts.to_string())
                        .header("X-Twofa-Request-Id", id)
                        .header("X-Twofa-Signature", sig)
                        .body(body)
                        .send()
                        .await
                } else {
                    client.get(format!("{url}/healthz")).send().await
                };
                let ok = match res {
                    Ok(r) => {
                        let good = r.status().is_success();
                        let _ = r.bytes().await;
                        good
                    }
                    Err(_) => false,
                };
                if ok {
                    lat.push(t0.elapsed().as_micros() as u64);
                } else {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(a.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 - 1.0) * p).round() as usize;
        all[i] as f64 / 1000.0
    };
    println!(
        "target={} requests={} ok={} errors={} rps={:.0} p50_ms={:.2} p99_ms={:.2} max_ms={:.2}",
        a.target,
        all.len() as u64 + errors,
        all.len(),
        errors,
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
}
