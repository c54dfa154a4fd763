//! Test harness: a fresh database per test on the stack's MariaDB, the app on a random port,
//! signed requests, and readers for the file outbox and the SMTP sink's Maildir.
//!
//! The stack (tests/stack/stack.sh up) provides the services; without its variables the tests
//! fail with a message saying so rather than pass without having run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mysql_async::prelude::*;
use mysql_async::{Conn, OptsBuilder};
use serde_json::Value;
use tokio::sync::oneshot;
use twofa_core::key::SiteKey;
use twofa_sidecar::config::{ConnectionLimits, MailTransport, RateLimits, Settings, TlsMode};
use twofa_sidecar::startup::{AppState, Application};

pub fn stack_var(name: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => v,
        _ => panic!(
            "{name} is not set: these tests need the test stack's MariaDB and SMTP sink. \
             Run tests/suites/30-sidecar.sh, or `tests/stack/stack.sh up` and export .stack/env."
        ),
    }
}

/// WordPress's own table definitions (wp-admin/includes/schema.php), prefix applied.
pub fn wp_schema(prefix: &str) -> [String; 3] {
    [
        format!(
            "CREATE TABLE {prefix}users (
  ID bigint(20) unsigned NOT NULL auto_increment,
  user_login varchar(60) NOT NULL default '',
  user_pass varchar(255) NOT NULL default '',
  user_nicename varchar(50) NOT NULL default '',
  user_email varchar(100) NOT NULL default '',
  user_url varchar(100) NOT NULL default '',
  user_registered datetime NOT NULL default '0000-00-00 00:00:00',
  user_activation_key varchar(255) NOT NULL default '',
  user_status int(11) NOT NULL default '0',
  display_name varchar(250) NOT NULL default '',
  PRIMARY KEY  (ID),
  KEY user_login_key (user_login),
  KEY user_nicename (user_nicename),
  KEY user_email (user_email)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
        ),
        format!(
            "CREATE TABLE {prefix}usermeta (
  umeta_id bigint(20) unsigned NOT NULL auto_increment,
  user_id bigint(20) unsigned NOT NULL default '0',
  meta_key varchar(255) default NULL,
  meta_value longtext,
  PRIMARY KEY  (umeta_id),
  KEY user_id (user_id),
  KEY meta_key (meta_key(191))
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
        ),
        format!(
            "CREATE TABLE {prefix}options (
  option_id bigint(20) unsigned NOT NULL auto_increment,
  option_name varchar(191) NOT NULL default '',
  option_value longtext NOT NULL,
  autoload varchar(20) NOT NULL default 'yes',
  PRIMARY KEY  (option_id),
  UNIQUE KEY option_name (option_name),
  KEY autoload (autoload)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
        ),
    ]
}

/// root over the stack's unix socket (root@localhost authenticates by socket as OS root).
pub async fn admin_conn() -> Conn {
    let sock = stack_var("TWOFA_MYSQL_SOCKET");
    let opts = OptsBuilder::default()
        .user(Some("root"))
        .socket(Some(sock.clone()));
    Conn::new(opts)
        .await
        .unwrap_or_else(|e| panic!("cannot connect as root through {sock}: {e}"))
}

/// `TWOFA_MYSQL_URL` with another database name.
pub fn url_with_db(url: &str, db: &str) -> String {
    let (base, _) = url
        .rsplit_once('/')
        .expect("TWOFA_MYSQL_URL has a /database part");
    format!("{base}/{db}")
}

fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).expect("random");
    hex::encode(b)
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// A fresh database holding WordPress's users/usermeta tables, granted to the stack's user.
pub struct TestDb {
    pub name: String,
    pub url: String,
    pub prefix: String,
}

impl TestDb {
    pub async fn create(prefix: &str) -> TestDb {
        let name = format!("sc_test_{}", random_hex(6));
        let base_url = stack_var("TWOFA_MYSQL_URL");
        let mut c = admin_conn().await;
        c.query_drop(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        ))
        .await
        .expect("create database");
        for host in ["127.0.0.1", "localhost"] {
            c.query_drop(format!(
                "GRANT ALL PRIVILEGES ON `{name}`.* TO 'twofa'@'{host}'"
            ))
            .await
            .expect("grant");
        }
        c.query_drop(format!("USE `{name}`")).await.expect("use");
        for stmt in wp_schema(prefix) {
            c.query_drop(stmt).await.expect("create table");
        }
        c.disconnect().await.ok();
        TestDb {
            url: url_with_db(&base_url, &name),
            name,
            prefix: prefix.to_string(),
        }
    }

    pub async fn conn(&self) -> Conn {
        let mut c = admin_conn().await;
        c.query_drop(format!("USE `{}`", self.name))
            .await
            .expect("use");
        c
    }

    /// Inserts a user; returns the id.
    pub async fn add_user(&self, login: &str, email: &str, display: &str) -> u64 {
        let mut c = self.conn().await;
        c.exec_drop(
            format!(
                "INSERT INTO {}users (user_login, user_email, display_name, user_nicename) VALUES (?, ?, ?, ?)",
                self.prefix
            ),
            (login, email, display, login),
        )
        .await
        .expect("insert user");
        let id = c.last_insert_id().expect("insert id");
        c.disconnect().await.ok();
        id
    }

    pub async fn add_meta(&self, user_id: u64, key: &str, value: &str) {
        let mut c = self.conn().await;
        c.exec_drop(
            format!(
                "INSERT INTO {}usermeta (user_id, meta_key, meta_value) VALUES (?, ?, ?)",
                self.prefix
            ),
            (user_id, key, value),
        )
        .await
        .expect("insert meta");
        c.disconnect().await.ok();
    }

    pub async fn set_role(&self, user_id: u64, role: &str) {
        let caps = format!("a:1:{{s:{}:\"{}\";b:1;}}", role.len(), role);
        self.add_meta(user_id, &format!("{}capabilities", self.prefix), &caps)
            .await;
    }

    /// Grants the user each (key, granted) pair, as WordPress serializes `{prefix}capabilities`.
    pub async fn set_caps(&self, user_id: u64, caps: &[(&str, bool)]) {
        let body: String = caps
            .iter()
            .map(|(k, v)| format!("s:{}:\"{}\";b:{};", k.len(), k, *v as u8))
            .collect();
        let value = format!("a:{}:{{{}}}", caps.len(), body);
        self.add_meta(user_id, &format!("{}capabilities", self.prefix), &value)
            .await;
    }

    /// Stores `{prefix}user_roles` raw (replacing any previous value).
    pub async fn set_user_roles_raw(&self, value: &str) {
        let mut c = self.conn().await;
        c.exec_drop(
            format!(
                "REPLACE INTO {}options (option_name, option_value, autoload) VALUES (?, ?, 'yes')",
                self.prefix
            ),
            (format!("{}user_roles", self.prefix), value),
        )
        .await
        .expect("insert user_roles");
        c.disconnect().await.ok();
    }

    /// Stores the site's `admin_email` option.
    pub async fn set_admin_email(&self, value: &str) {
        let mut c = self.conn().await;
        c.exec_drop(
            format!(
                "REPLACE INTO {}options (option_name, option_value, autoload) VALUES ('admin_email', ?, 'yes')",
                self.prefix
            ),
            (value,),
        )
        .await
        .expect("insert admin_email");
        c.disconnect().await.ok();
    }

    /// Defines these roles in `{prefix}user_roles`, shaped as WordPress stores them (name and
    /// capabilities per role).
    pub async fn set_user_roles(&self, slugs: &[&str]) {
        let body: String = slugs
            .iter()
            .map(|r| {
                let name = format!("Role {r}");
                format!(
                    "s:{}:\"{r}\";a:2:{{s:4:\"name\";s:{}:\"{name}\";s:12:\"capabilities\";a:2:{{s:4:\"read\";b:1;s:7:\"level_0\";b:1;}}}}",
                    r.len(),
                    name.len()
                )
            })
            .collect();
        self.set_user_roles_raw(&format!("a:{}:{{{}}}", slugs.len(), body))
            .await;
    }

    pub async fn table_exists(&self, table: &str) -> bool {
        let mut c = self.conn().await;
        let n: Option<u64> = c
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                (&self.name, table),
            )
            .await
            .expect("query");
        c.disconnect().await.ok();
        n == Some(1)
    }

    pub async fn drop(self) {
        let mut c = admin_conn().await;
        c.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name))
            .await
            .ok();
        c.disconnect().await.ok();
    }
}

/// Which mail backend a test app uses.
pub enum Mail {
    Outbox,
    /// The stack's aiosmtpd.
    Sink,
    /// Any SMTP port (closed, silent…).
    Smtp(u16),
}

pub struct Options {
    pub mail: Mail,
    pub site_name: String,
    pub mail_timeout: Duration,
    pub limits: RateLimits,
    pub mysql_url: Option<String>,
    pub prefix: String,
    pub connections: ConnectionLimits,
    /// Unix second before which signed requests are refused; by default an hour ago, so a
    /// test may sign at any time inside the window.
    pub started_at: Option<i64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mail: Mail::Outbox,
            site_name: "Sidecar Test Site".into(),
            mail_timeout: Duration::from_secs(10),
            limits: RateLimits {
                user_burst: 100,
                user_per_minute: 100,
                global_burst: 10_000,
                global_per_second: 10_000,
            },
            mysql_url: None,
            prefix: "wp_".into(),
            connections: ConnectionLimits::default(),
            started_at: None,
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub key: SiteKey,
    pub db: TestDb,
    pub outbox: tempfile::TempDir,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    pub server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(o: Options) -> TestApp {
    let db = TestDb::create(&o.prefix).await;
    spawn_app_on(db, o).await
}

pub async fn spawn_app_on(db: TestDb, o: Options) -> TestApp {
    let outbox = tempfile::tempdir().expect("tempdir");
    let mail = match o.mail {
        Mail::Outbox => MailTransport::File {
            dir: outbox.path().to_path_buf(),
        },
        Mail::Sink => MailTransport::Smtp {
            host: "127.0.0.1".into(),
            port: stack_var("TWOFA_SMTP_PORT")
                .parse()
                .expect("TWOFA_SMTP_PORT"),
            tls: TlsMode::None,
            username: None,
            password: None,
            pool_size: 4,
        },
        Mail::Smtp(port) => MailTransport::Smtp {
            host: "127.0.0.1".into(),
            port,
            tls: TlsMode::None,
            username: None,
            password: None,
            pool_size: 4,
        },
    };
    let settings = Settings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        key_file: PathBuf::from("/nonexistent"),
        mysql_url: o.mysql_url.clone().unwrap_or_else(|| db.url.clone()),
        table_prefix: o.prefix.clone(),
        site_name: o.site_name.clone(),
        from: "Sidecar Test <noreply@example.test>".into(),
        mail,
        mail_timeout: o.mail_timeout,
        db_pool_size: 8,
        db_timeout: Duration::from_secs(3),
        request_timeout: Duration::from_secs(30),
        connections: o.connections,
        replay_cache_size: 10_000,
        log: "info".into(),
        rate_limits: o.limits,
    };
    let key = SiteKey::random();
    let since = o.started_at.unwrap_or_else(|| now() - 3600);
    let state = AppState::with_key_since(&settings, key.clone(), since).expect("state");
    let app = Application::with_state(settings.listen, state)
        .await
        .expect("bind");
    let addr = app.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp {
        base: format!("http://{addr}"),
        key,
        db,
        outbox,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client"),
        shutdown: Some(tx),
        server: Some(server),
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// A signature and the fresh request id it was made for.
pub struct Signed {
    pub id: String,
    pub sig: String,
}

impl TestApp {
    pub fn sign(&self, method: &str, target: &str, body: &[u8], ts: i64) -> Signed {
        let id = twofa_core::signing::new_request_id();
        let sig =
            twofa_core::signing::sign(&self.key, method, target, body, ts, &id).expect("sign");
        Signed { id, sig }
    }

    /// Sends `body` with the headers of the signature `s` made at `ts` (as [`Self::sign`] made it).
    pub async fn send_signed(
        &self,
        method: &str,
        target: &str,
        body: Vec<u8>,
        ts: i64,
        s: Signed,
    ) -> Resp {
        self.raw(
            method,
            target,
            body,
            Some(ts.to_string()),
            Some(s.id),
            Some(s.sig),
        )
        .await
    }

    /// Sends a request with the given timestamp / request id / signature headers (None = header
    /// absent).
    pub async fn raw(
        &self,
        method: &str,
        target: &str,
        body: Vec<u8>,
        ts: Option<String>,
        id: Option<String>,
        sig: Option<String>,
    ) -> Resp {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut rb = self
            .client
            .request(m, format!("{}{}", self.base, target))
            .header("content-type", "application/json")
            .body(body);
        if let Some(ts) = ts {
            rb = rb.header("X-Twofa-Timestamp", ts);
        }
        if let Some(id) = id {
            rb = rb.header("X-Twofa-Request-Id", id);
        }
        if let Some(sig) = sig {
            rb = rb.header("X-Twofa-Signature", sig);
        }
        let r = rb.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        Resp {
            status,
            headers,
            text,
        }
    }

    pub async fn post(&self, target: &str, body: &Value) -> Resp {
        let bytes = serde_json::to_vec(body).expect("json");
        self.post_bytes(target, bytes).await
    }

    pub async fn post_bytes(&self, target: &str, bytes: Vec<u8>) -> Resp {
        let ts = now();
        let s = self.sign("POST", target, &bytes, ts);
        self.raw(
            "POST",
            target,
            bytes,
            Some(ts.to_string()),
            Some(s.id),
            Some(s.sig),
        )
        .await
    }

    pub async fn get(&self, target: &str) -> Resp {
        let ts = now();
        let s = self.sign("GET", target, b"", ts);
        self.raw(
            "GET",
            target,
            Vec::new(),
            Some(ts.to_string()),
            Some(s.id),
            Some(s.sig),
        )
        .await
    }

    pub async fn get_plain(&self, target: &str) -> Resp {
        self.raw("GET", target, Vec::new(), None, None, None).await
    }

    pub async fn otp(&self, user_id: u64, code: &str) -> Resp {
        self.post(
            "/v1/email-otp",
            &serde_json::json!({"user_id": user_id, "code": code, "purpose": "login", "expires_in": 600}),
        )
        .await
    }

    /// Sends raw bytes on a new connection (they should ask for `Connection: close`) and parses
    /// the one response.
    pub async fn raw_http(&self, request: &[u8]) -> Resp {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = self.base.trim_start_matches("http://");
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        s.write_all(request).await.expect("write");
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut out))
            .await
            .expect("answered in time")
            .expect("read");
        parse_response(&out)
    }

    pub fn outbox_files(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.outbox.path())
            .expect("outbox")
            .map(|e| e.expect("entry").path())
            .collect();
        v.sort();
        v
    }

    /// Stops the server (graceful) and drops the test database.
    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), h).await;
        }
        self.db.drop().await;
    }

    pub fn trigger_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Waits for the message with this Message-ID in the SMTP sink's Maildir (new/).
pub async fn sink_message(message_id: &str) -> Vec<u8> {
    let dir = Path::new(&stack_var("TWOFA_SMTP_MAILDIR")).join("new");
    let needle = format!("{message_id}@");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                if let Ok(bytes) = std::fs::read(e.path()) {
                    let head_end = find(&bytes, b"\r\n\r\n")
                        .or_else(|| find(&bytes, b"\n\n"))
                        .unwrap_or(bytes.len());
                    if String::from_utf8_lossy(&bytes[..head_end]).contains(&needle) {
                        return bytes;
                    }
                }
            }
        }
        if Instant::now() > deadline {
            panic!("message {message_id} did not arrive in {}", dir.display());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Status, headers and (de-chunked) body of one raw HTTP/1.1 response.
pub fn parse_response(raw: &[u8]) -> Resp {
    let end = find(raw, b"\r\n\r\n").unwrap_or_else(|| {
        panic!(
            "no complete response head: {:?}",
            String::from_utf8_lossy(raw)
        )
    });
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let mut headers = reqwest::header::HeaderMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            if let (Ok(k), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(k.trim().as_bytes()),
                reqwest::header::HeaderValue::from_str(v.trim()),
            ) {
                headers.append(k, v);
            }
        }
    }
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = find(rest, b"\r\n") {
            let n = usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).trim(), 16)
                .expect("chunk size");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + n]);
            rest = &rest[eol + 2 + n + 2..];
        }
        body = out;
    }
    Resp {
        status,
        headers,
        text: String::from_utf8_lossy(&body).into_owned(),
    }
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Header names of a raw message (top level only), lower-cased.
pub fn header_names(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let mut names = Vec::new();
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            continue;
        }
        if let Some((name, _)) = line.split_once(':') {
            names.push(name.to_ascii_lowercase());
        }
    }
    names
}

/// A 6-digit code unlikely to appear anywhere by chance.
pub fn random_code() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("random");
    format!("{:06}", u32::from_le_bytes(b) % 1_000_000)
}

/// A port on which nothing listens (bound then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let p = l.local_addr().expect("addr").port();
    drop(l);
    p
}

/// An SMTP server that accepts and holds every connection without writing a greeting: its
/// port, and the task to abort when the test is done.
pub async fn silent_smtp() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    (port, holder)
}
