//! Configuration: a TOML file, then `TWOFA_*` environment overrides, then validation.
//!
//! Overrides are applied to the parsed TOML table before it is deserialized, so a value from
//! the environment goes through exactly the same checks as one from the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

/// Why a configuration was refused; every message is plain words and holds no secret.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("the configuration file is not valid TOML or has an unknown or mistyped key: {0}")]
    Parse(String),
    #[error("environment variable {var} is not a valid {kind}")]
    Env {
        var: &'static str,
        kind: &'static str,
    },
    #[error("{0}")]
    Invalid(String),
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text; only sensible for a local relay.
    None,
    /// Plain connect, then STARTTLS (required, not opportunistic).
    Starttls,
    /// Implicit TLS from the first byte (usually port 465).
    Tls,
}

/// Which mail backend to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    Smtp,
    File,
}

/// The `[mail]` section as written; turned into [`MailTransport`] by validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailSection {
    #[serde(default = "default_transport")]
    transport: TransportKind,
    #[serde(default = "default_from")]
    from: String,
    dir: Option<PathBuf>,
    host: Option<String>,
    port: Option<u16>,
    #[serde(default = "default_tls")]
    tls: TlsMode,
    username: Option<String>,
    password: Option<String>,
    #[serde(default = "default_pool_size")]
    pool_size: u32,
    /// Bound on one delivery, connect included, in seconds.
    #[serde(default = "default_mail_timeout")]
    timeout_secs: u64,
}

/// A validated mail backend.
#[derive(Clone)]
pub enum MailTransport {
    Smtp {
        host: String,
        port: u16,
        tls: TlsMode,
        username: Option<String>,
        password: Option<String>,
        pool_size: u32,
    },
    File {
        dir: PathBuf,
    },
}

impl std::fmt::Debug for MailTransport {
    // Hand-written so the SMTP password can never reach a log line or `check` output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MailTransport::Smtp {
                host,
                port,
                tls,
                username,
                password,
                pool_size,
            } => f
                .debug_struct("Smtp")
                .field("host", host)
                .field("port", port)
                .field("tls", tls)
                .field("username", username)
                .field("password", &password.as_ref().map(|_| "<redacted>"))
                .field("pool_size", pool_size)
                .finish(),
            MailTransport::File { dir } => f.debug_struct("File").field("dir", dir).finish(),
        }
    }
}

/// Token-bucket parameters.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// Mails one user may receive in a burst (per kind: codes, notices).
    #[serde(default = "default_user_burst")]
    pub user_burst: u32,
    /// Tokens a user's bucket regains per minute.
    #[serde(default = "default_user_per_minute")]
    pub user_per_minute: u32,
    /// Mails the whole sidecar may send in a burst.
    #[serde(default = "default_global_burst")]
    pub global_burst: u32,
    /// Tokens the global bucket regains per second.
    #[serde(default = "default_global_per_second")]
    pub global_per_second: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            user_burst: default_user_burst(),
            user_per_minute: default_user_per_minute(),
            global_burst: default_global_burst(),
            global_per_second: default_global_per_second(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    #[serde(default = "default_listen")]
    listen: String,
    #[serde(default)]
    allow_public_listen: bool,
    #[serde(default)]
    key_file: Option<PathBuf>,
    #[serde(default)]
    mysql_url: Option<String>,
    #[serde(default = "default_prefix")]
    table_prefix: String,
    #[serde(default = "default_site_name")]
    site_name: String,
    #[serde(default = "default_db_pool")]
    db_pool_size: u32,
    #[serde(default = "default_db_timeout")]
    db_timeout_secs: u64,
    #[serde(default = "default_request_timeout")]
    request_timeout_secs: u64,
    #[serde(default = "default_header_read_timeout")]
    header_read_timeout_secs: u64,
    #[serde(default = "default_idle_timeout")]
    idle_timeout_secs: u64,
    #[serde(default = "default_max_connections")]
    max_connections: u32,
    #[serde(default = "default_replay_cache_size")]
    replay_cache_size: u32,
    #[serde(default = "default_log")]
    log: String,
    mail: Option<MailSection>,
    #[serde(default)]
    rate_limits: RateLimits,
}

/// The validated configuration.
#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub key_file: PathBuf,
    pub mysql_url: String,
    pub table_prefix: String,
    pub site_name: String,
    pub from: String,
    pub mail: MailTransport,
    pub mail_timeout: Duration,
    pub db_pool_size: u32,
    pub db_timeout: Duration,
    pub request_timeout: Duration,
    pub connections: ConnectionLimits,
    /// Request ids remembered for the signature window (docs/CONTRACTS.md).
    pub replay_cache_size: usize,
    pub log: String,
    pub rate_limits: RateLimits,
}

/// Bounds on client connections (docs/SIDECAR.md, "Connections").
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// From the first byte of a request head to its end.
    pub header_read_timeout: Duration,
    /// With no request in flight and no byte of a new one: after accept, after a response.
    pub idle_timeout: Duration,
    /// Open connections at most; at the cap the longest-idle connection is closed for a new one.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(default_header_read_timeout()),
            idle_timeout: Duration::from_secs(default_idle_timeout()),
            max_connections: default_max_connections() as usize,
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("key_file", &self.key_file)
            .field("mysql_url", &redact_url(&self.mysql_url))
            .field("table_prefix", &self.table_prefix)
            .field("site_name", &self.site_name)
            .field("from", &self.from)
            .field("mail", &self.mail)
            .field("mail_timeout", &self.mail_timeout)
            .field("connections", &self.connections)
            .field("replay_cache_size", &self.replay_cache_size)
            .field("rate_limits", &self.rate_limits)
            .finish()
    }
}

fn default_listen() -> String {
    "127.0.0.1:8787".into()
}
fn default_prefix() -> String {
    "wp_".into()
}
fn default_site_name() -> String {
    "WordPress".into()
}
fn default_from() -> String {
    "WordPress <wordpress@localhost>".into()
}
fn default_transport() -> TransportKind {
    TransportKind::File
}
fn default_tls() -> TlsMode {
    TlsMode::Starttls
}
fn default_pool_size() -> u32 {
    8
}
fn default_mail_timeout() -> u64 {
    10
}
fn default_db_pool() -> u32 {
    16
}
fn default_db_timeout() -> u64 {
    5
}
fn default_request_timeout() -> u64 {
    30
}
fn default_header_read_timeout() -> u64 {
    10
}
fn default_idle_timeout() -> u64 {
    60
}
fn default_max_connections() -> u32 {
    1024
}
fn default_replay_cache_size() -> u32 {
    500_000
}
fn default_log() -> String {
    "info".into()
}
fn default_user_burst() -> u32 {
    5
}
fn default_user_per_minute() -> u32 {
    2
}
fn default_global_burst() -> u32 {
    200
}
fn default_global_per_second() -> u32 {
    50
}

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Int,
    Bool,
}

/// `TWOFA_*` variables and the TOML key each one overrides (`section.key` for nested keys).
const ENV_OVERRIDES: &[(&str, &str, Kind)] = &[
    ("TWOFA_LISTEN", "listen", Kind::Str),
    (
        "TWOFA_ALLOW_PUBLIC_LISTEN",
        "allow_public_listen",
        Kind::Bool,
    ),
    ("TWOFA_KEY_FILE", "key_file", Kind::Str),
    ("TWOFA_MYSQL_URL", "mysql_url", Kind::Str),
    ("TWOFA_TABLE_PREFIX", "table_prefix", Kind::Str),
    ("TWOFA_SITE_NAME", "site_name", Kind::Str),
    ("TWOFA_DB_POOL_SIZE", "db_pool_size", Kind::Int),
    ("TWOFA_DB_TIMEOUT", "db_timeout_secs", Kind::Int),
    ("TWOFA_REQUEST_TIMEOUT", "request_timeout_secs", Kind::Int),
    (
        "TWOFA_HEADER_READ_TIMEOUT",
        "header_read_timeout_secs",
        Kind::Int,
    ),
    ("TWOFA_IDLE_TIMEOUT", "idle_timeout_secs", Kind::Int),
    ("TWOFA_MAX_CONNECTIONS", "max_connections", Kind::Int),
    ("TWOFA_REPLAY_CACHE_SIZE", "replay_cache_size", Kind::Int),
    ("TWOFA_LOG", "log", Kind::Str),
    ("TWOFA_MAIL_TRANSPORT", "mail.transport", Kind::Str),
    ("TWOFA_MAIL_FROM", "mail.from", Kind::Str),
    ("TWOFA_MAIL_TIMEOUT", "mail.timeout_secs", Kind::Int),
    ("TWOFA_OUTBOX", "mail.dir", Kind::Str),
    ("TWOFA_SMTP_HOST", "mail.host", Kind::Str),
    ("TWOFA_SMTP_PORT", "mail.port", Kind::Int),
    ("TWOFA_SMTP_TLS", "mail.tls", Kind::Str),
    ("TWOFA_SMTP_USERNAME", "mail.username", Kind::Str),
    ("TWOFA_SMTP_PASSWORD", "mail.password", Kind::Str),
    ("TWOFA_SMTP_POOL_SIZE", "mail.pool_size", Kind::Int),
    ("TWOFA_RATE_USER_BURST", "rate_limits.user_burst", Kind::Int),
    (
        "TWOFA_RATE_USER_PER_MINUTE",
        "rate_limits.user_per_minute",
        Kind::Int,
    ),
    (
        "TWOFA_RATE_GLOBAL_BURST",
        "rate_limits.global_burst",
        Kind::Int,
    ),
    (
        "TWOFA_RATE_GLOBAL_PER_SECOND",
        "rate_limits.global_per_second",
        Kind::Int,
    ),
];

impl Settings {
    /// Reads `path` (if given), applies environment overrides, validates.
    pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p).map_err(|e| ConfigError::Read {
                path: p.display().to_string(),
                reason: e.kind().to_string(),
            })?,
            None => String::new(),
        };
        Settings::from_toml_and_env(&text, |k| std::env::var(k).ok())
    }

    /// Parses TOML text, applies overrides looked up with `env`, validates. `env` is a
    /// parameter so tests need not touch the process environment.
    pub fn from_toml_and_env(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let mut table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Parse(e.message().to_string()))?;
        for (var, key, kind) in ENV_OVERRIDES {
            let Some(raw) = env(var) else { continue };
            let value = match kind {
                Kind::Str => toml::Value::String(raw),
                Kind::Int => raw
                    .trim()
                    .parse::<i64>()
                    .map(toml::Value::Integer)
                    .map_err(|_| ConfigError::Env {
                        var,
                        kind: "integer",
                    })?,
                Kind::Bool => match raw.trim() {
                    "1" | "true" | "yes" => toml::Value::Boolean(true),
                    "0" | "false" | "no" | "" => toml::Value::Boolean(false),
                    _ => {
                        return Err(ConfigError::Env {
                            var,
                            kind: "boolean (true/false)",
                        })
                    }
                },
            };
            set_path(&mut table, key, value)?;
        }
        let raw: RawSettings = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Parse(e.message().to_string()))?;
        raw.validate()
    }
}

fn set_path(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), ConfigError> {
    match key.split_once('.') {
        None => {
            table.insert(key.to_string(), value);
            Ok(())
        }
        Some((section, rest)) => {
            let entry = table
                .entry(section.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => set_path(t, rest, value),
                _ => Err(ConfigError::Invalid(format!("`{section}` must be a table"))),
            }
        }
    }
}

/// `^[A-Za-z0-9_]{1,32}$` — the prefix is pasted into table names, so nothing else may pass.
pub fn valid_table_prefix(p: &str) -> bool {
    (1..=32).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The URL with any password replaced, for messages.
pub fn redact_url(url: &str) -> String {
    // mysql://user:password@host:port/db — hide whatever sits between the first ':' after
    // the scheme and the last '@' of the authority.
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparseable URL>".into();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let host = &authority[at + 1..];
            let user = userinfo.split(':').next().unwrap_or("");
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{tail}")
            } else {
                format!("{scheme}://{user}@{host}{tail}")
            }
        }
        None => format!("{scheme}://{authority}{tail}"),
    }
}

impl RawSettings {
    fn validate(self) -> Result<Settings, ConfigError> {
        let mut problems = Vec::new();
        let listen: Option<SocketAddr> = match self.listen.parse() {
            Ok(a) => Some(a),
            Err(_) => {
                problems.push(format!(
                    "listen address `{}` is not IP:PORT (e.g. 127.0.0.1:8787)",
                    self.listen
                ));
                None
            }
        };
        if let Some(a) = listen {
            if !a.ip().is_loopback() && !self.allow_public_listen {
                problems.push(format!(
                    "listen address {a} is not a loopback address; set allow_public_listen = true if you really mean it"
                ));
            }
        }
        let key_file = match self.key_file {
            Some(k) if !k.as_os_str().is_empty() => Some(k),
            _ => {
                problems.push("key_file is not set (TWOFA_KEY_FILE)".into());
                None
            }
        };
        let mysql_url = match self.mysql_url {
            Some(u) if u.starts_with("mysql://") => Some(u),
            Some(_) => {
                problems.push("mysql_url must start with mysql://".into());
                None
            }
            None => {
                problems.push("mysql_url is not set (TWOFA_MYSQL_URL)".into());
                None
            }
        };
        if !valid_table_prefix(&self.table_prefix) {
            problems
                .push("table_prefix must be 1 to 32 characters of A-Z, a-z, 0-9 and _".to_string());
        }
        if self.site_name.trim().is_empty() || self.site_name.len() > 200 {
            problems.push("site_name must be 1 to 200 characters".into());
        }
        let mail = self.mail.unwrap_or_else(|| MailSection {
            transport: default_transport(),
            from: default_from(),
            dir: None,
            host: None,
            port: None,
            tls: default_tls(),
            username: None,
            password: None,
            pool_size: default_pool_size(),
            timeout_secs: default_mail_timeout(),
        });
        if mail.from.parse::<lettre::message::Mailbox>().is_err() {
            problems.push(format!(
                "mail.from `{}` is not a valid mailbox (e.g. \"Site <noreply@example.com>\")",
                mail.from
            ));
        }
        if !(1..=120).contains(&mail.timeout_secs) {
            problems.push("mail.timeout_secs must be 1 to 120".into());
        }
        let transport = match mail.transport {
            TransportKind::File => match mail.dir {
                Some(dir) if !dir.as_os_str().is_empty() => Some(MailTransport::File { dir }),
                _ => {
                    problems.push("mail.transport = \"file\" needs mail.dir (TWOFA_OUTBOX)".into());
                    None
                }
            },
            TransportKind::Smtp => {
                let host = mail.host.filter(|h| !h.is_empty());
                if host.is_none() {
                    problems.push("mail.transport = \"smtp\" needs mail.host".into());
                }
                if mail.username.is_some() != mail.password.is_some() {
                    problems.push("mail.username and mail.password go together".into());
                }
                if mail.password.is_some() && mail.tls == TlsMode::None {
                    problems.push(
                        "refusing to send SMTP credentials without TLS (mail.tls = \"none\")"
                            .into(),
                    );
                }
                if !(1..=256).contains(&mail.pool_size) {
                    problems.push("mail.pool_size must be 1 to 256".into());
                }
                host.map(|host| MailTransport::Smtp {
                    port: mail.port.unwrap_or(match mail.tls {
                        TlsMode::Tls => 465,
                        TlsMode::Starttls => 587,
                        TlsMode::None => 25,
                    }),
                    host,
                    tls: mail.tls,
                    username: mail.username,
                    password: mail.password,
                    pool_size: mail.pool_size,
                })
            }
        };
        if !(1..=1024).contains(&self.db_pool_size) {
            problems.push("db_pool_size must be 1 to 1024".into());
        }
        if !(1..=120).contains(&self.db_timeout_secs) {
            problems.push("db_timeout_secs must be 1 to 120".into());
        }
        if !(1..=600).contains(&self.request_timeout_secs) {
            problems.push("request_timeout_secs must be 1 to 600".into());
        }
        if !(1..=300).contains(&self.header_read_timeout_secs) {
            problems.push("header_read_timeout_secs must be 1 to 300".into());
        }
        if !(1..=3600).contains(&self.idle_timeout_secs) {
            problems.push("idle_timeout_secs must be 1 to 3600".into());
        }
        if !(1..=100_000).contains(&self.max_connections) {
            problems.push("max_connections must be 1 to 100000".into());
        }
        if !(1_000..=10_000_000).contains(&self.replay_cache_size) {
            problems.push("replay_cache_size must be 1000 to 10000000".into());
        }
        let rl = self.rate_limits;
        if rl.user_burst == 0 || rl.global_burst == 0 || rl.global_per_second == 0 {
            problems.push("rate_limits: bursts and global_per_second must be at least 1".into());
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems.join("; ")));
        }
        match (listen, key_file, mysql_url, transport) {
            (Some(listen), Some(key_file), Some(mysql_url), Some(mail_t)) => Ok(Settings {
                listen,
                key_file,
                mysql_url,
                table_prefix: self.table_prefix,
                site_name: self.site_name,
                from: mail.from,
                mail: mail_t,
                mail_timeout: Duration::from_secs(mail.timeout_secs),
                db_pool_size: self.db_pool_size,
                db_timeout: Duration::from_secs(self.db_timeout_secs),
                request_timeout: Duration::from_secs(self.request_timeout_secs),
                connections: ConnectionLimits {
                    header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
                    idle_timeout: Duration::from_secs(self.idle_timeout_secs),
                    max_connections: self.max_connections as usize,
                },
                replay_cache_size: self.replay_cache_size as usize,
                log: self.log,
                rate_limits: rl,
            }),
            _ => Err(ConfigError::Invalid("incomplete configuration".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
key_file = "/k"
mysql_url = "mysql://u:secret@127.0.0.1:3306/wp"
[mail]
transport = "file"
dir = "/tmp/out"
"#;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_apply() {
        let s = Settings::from_toml_and_env(BASE, none).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8787");
        assert_eq!(s.table_prefix, "wp_");
        assert_eq!(s.mail_timeout, Duration::from_secs(10));
    }

    #[test]
    fn public_listen_needs_opt_in() {
        let t = format!("listen = \"0.0.0.0:8787\"\n{BASE}");
        let e = Settings::from_toml_and_env(&t, none).unwrap_err();
        assert!(e.to_string().contains("allow_public_listen"));
        let t = format!("listen = \"0.0.0.0:8787\"\nallow_public_listen = true\n{BASE}");
        assert!(Settings::from_toml_and_env(&t, none).is_ok());
    }

    #[test]
    fn env_overrides_file_and_is_validated() {
        let s = Settings::from_toml_and_env(BASE, |k| {
            (k == "TWOFA_TABLE_PREFIX").then(|| "site2_".to_string())
        })
        .unwrap();
        assert_eq!(s.table_prefix, "site2_");
        let e = Settings::from_toml_and_env(BASE, |k| {
            (k == "TWOFA_TABLE_PREFIX").then(|| "wp_; DROP TABLE x".to_string())
        })
        .unwrap_err();
        assert!(e.to_string().contains("table_prefix"));
        let e = Settings::from_toml_and_env(BASE, |k| {
            (k == "TWOFA_SMTP_PORT").then(|| "abc".to_string())
        })
        .unwrap_err();
        assert!(e.to_string().contains("TWOFA_SMTP_PORT"));
    }

    #[test]
    fn connection_bounds_and_replay_store_are_configurable() {
        let s = Settings::from_toml_and_env(BASE, none).unwrap();
        assert_eq!(s.connections.header_read_timeout, Duration::from_secs(10));
        assert_eq!(s.connections.idle_timeout, Duration::from_secs(60));
        assert_eq!(s.connections.max_connections, 1024);
        assert_eq!(s.replay_cache_size, 500_000);
        let t = format!(
            "header_read_timeout_secs = 5\nidle_timeout_secs = 30\nmax_connections = 64\nreplay_cache_size = 2000\n{BASE}"
        );
        let s = Settings::from_toml_and_env(&t, none).unwrap();
        assert_eq!(s.connections.header_read_timeout, Duration::from_secs(5));
        assert_eq!(s.connections.idle_timeout, Duration::from_secs(30));
        assert_eq!(s.connections.max_connections, 64);
        assert_eq!(s.replay_cache_size, 2000);
        let env = |k: &str| match k {
            "TWOFA_HEADER_READ_TIMEOUT" => Some("3".to_string()),
            "TWOFA_IDLE_TIMEOUT" => Some("7".to_string()),
            "TWOFA_MAX_CONNECTIONS" => Some("9".to_string()),
            "TWOFA_REPLAY_CACHE_SIZE" => Some("5000".to_string()),
            _ => None,
        };
        let s = Settings::from_toml_and_env(&t, env).unwrap();
        assert_eq!(s.connections.header_read_timeout, Duration::from_secs(3));
        assert_eq!(s.connections.idle_timeout, Duration::from_secs(7));
        assert_eq!(s.connections.max_connections, 9);
        assert_eq!(s.replay_cache_size, 5000);
        for (key, bad) in [
            ("header_read_timeout_secs", "0"),
            ("idle_timeout_secs", "0"),
            ("max_connections", "0"),
            ("replay_cache_size", "10"),
        ] {
            let t = format!("{key} = {bad}\n{BASE}");
            let e = Settings::from_toml_and_env(&t, none).unwrap_err();
            assert!(e.to_string().contains(key), "{key}: {e}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let t = format!("lisen = \"127.0.0.1:1\"\n{BASE}");
        assert!(Settings::from_toml_and_env(&t, none).is_err());
    }

    #[test]
    fn prefix_rule() {
        assert!(valid_table_prefix("wp_"));
        assert!(valid_table_prefix("A1_b"));
        assert!(!valid_table_prefix(""));
        assert!(!valid_table_prefix("wp-"));
        assert!(!valid_table_prefix(&"a".repeat(33)));
        assert!(!valid_table_prefix("wp_`"));
    }

    #[test]
    fn smtp_password_needs_tls_and_is_not_printed() {
        let t = r#"
key_file = "/k"
mysql_url = "mysql://u:dbsecret@127.0.0.1:3306/wp"
[mail]
transport = "smtp"
host = "mail.example.com"
tls = "none"
username = "u"
password = "smtpsecret"
"#;
        assert!(Settings::from_toml_and_env(t, none).is_err());
        let t = t.replace("tls = \"none\"", "tls = \"tls\"");
        let s = Settings::from_toml_and_env(&t, none).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("smtpsecret"));
        assert!(!shown.contains("dbsecret"));
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_url("mysql://twofa:p@ss@127.0.0.1:3306/wordpress"),
            "mysql://twofa:***@127.0.0.1:3306/wordpress"
        );
        assert_eq!(
            redact_url("mysql://root@localhost/db"),
            "mysql://root@localhost/db"
        );
    }
}
