//! The binary's commands: keygen, check (plain words, no secrets), serve with SIGTERM.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_twofa-sidecar");

/// The binary with no inherited TWOFA_* overrides (the test suite exports the stack's).
fn cmd() -> Command {
    let mut c = Command::new(BIN);
    c.env_clear();
    if let Ok(p) = std::env::var("PATH") {
        c.env("PATH", p);
    }
    c
}

/// `twofa-sidecar check --config CFG` run by `c`, to its end.
fn check(mut c: Command, cfg: &Path) -> Output {
    c.arg("check").arg("--config").arg(cfg).output().unwrap()
}

fn stack_url() -> String {
    match std::env::var("TWOFA_MYSQL_URL") {
        Ok(v) if !v.is_empty() => v,
        _ => panic!(
            "TWOFA_MYSQL_URL is not set: run tests/suites/30-sidecar.sh (needs the test stack)"
        ),
    }
}

#[test]
fn keygen_creates_a_private_key_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.key");
    let out = cmd().arg("keygen").arg(&path).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.len(), 32);
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let before = std::fs::read(&path).unwrap();
    let out = cmd().arg("keygen").arg(&path).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn check_reports_problems_in_plain_words_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    std::fs::write(&key, [7u8; 32]).unwrap();
    // Too open: others may read it.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"key_file = "{}"
mysql_url = "mysql://wp:db-Secret-123@127.0.0.1:{closed}/wordpress"
db_timeout_secs = 3
[mail]
transport = "smtp"
host = "127.0.0.1"
port = {closed}
tls = "tls"
username = "u"
password = "smtp-Secret-456"
timeout_secs = 3
"#,
            key.display()
        ),
    )
    .unwrap();
    let out = check(cmd(), &cfg);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("FAIL key file"), "{text}");
    assert!(text.contains("too open"), "{text}");
    assert!(
        text.contains("FAIL database mysql://wp:***@127.0.0.1"),
        "{text}"
    );
    assert!(text.contains("FAIL SMTP server 127.0.0.1"), "{text}");
    assert!(
        !text.contains("db-Secret-123") && !text.contains("smtp-Secret-456"),
        "{text}"
    );

    // A configuration error names the key.
    std::fs::write(&cfg, "table_prefix = \"wp_;--\"\n").unwrap();
    let out = check(cmd(), &cfg);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success());
    assert!(text.contains("table_prefix"), "{text}");
    assert!(text.contains("key_file is not set"), "{text}");
}

#[test]
fn check_passes_against_the_stack_and_env_overrides_the_file() {
    let url = stack_url();
    let pass = url
        .split_once("://")
        .and_then(|(_, r)| r.split_once('@'))
        .and_then(|(ui, _)| ui.split_once(':'))
        .map(|(_, p)| p.to_string())
        .unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    assert!(cmd().arg("keygen").arg(&key).status().unwrap().success());
    let outbox = dir.path().join("out");
    std::fs::create_dir(&outbox).unwrap();
    let cfg = dir.path().join("c.toml");
    // The file names a wrong database URL; TWOFA_MYSQL_URL must win.
    std::fs::write(
        &cfg,
        format!(
            "key_file = \"{}\"\nmysql_url = \"mysql://nobody:x@127.0.0.1:1/none\"\n[mail]\ntransport = \"file\"\ndir = \"{}\"\n",
            key.display(),
            outbox.display()
        ),
    )
    .unwrap();
    let mut with_url = cmd();
    with_url.env("TWOFA_MYSQL_URL", &url);
    let out = check(with_url, &cfg);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("all checks passed"), "{text}");
    assert!(
        pass.is_empty() || !text.contains(&pass),
        "password printed: {text}"
    );
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let url = stack_url();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    assert!(cmd().arg("keygen").arg(&key).status().unwrap().success());
    let outbox = dir.path().join("out");
    std::fs::create_dir(&outbox).unwrap();
    let mut child = cmd()
        .env("TWOFA_LISTEN", "127.0.0.1:0")
        .env("TWOFA_KEY_FILE", &key)
        .env("TWOFA_MYSQL_URL", &url)
        .env("TWOFA_MAIL_TRANSPORT", "file")
        .env("TWOFA_OUTBOX", &outbox)
        .arg("serve")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("serve exited before listening")
            .unwrap();
        if let Some(i) = line.find("address=") {
            break line[i + "address=".len()..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
        }
    };
    let health = std::process::Command::new("curl")
        .args(["-s", &format!("http://{addr}/healthz")])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&health.stdout).contains("ok"));
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|l| l.contains("shutdown signal received")),
        "{rest:?}"
    );
}
