//! Read-only access to WordPress's `{prefix}users` and `{prefix}usermeta`, and the
//! `{prefix}user_roles` and `admin_email` rows of `{prefix}options` (mysql_async pool).
//!
//! Table names are built from the validated prefix (`^[A-Za-z0-9_]{1,32}$`); every value is a
//! bound parameter. Text columns are read as bytes and decoded lossily, so odd data in the
//! database can't make a row conversion panic.

use std::time::Duration;

use mysql_async::prelude::*;
use mysql_async::{Conn, Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts};
use thiserror::Error;

use crate::config::{redact_url, valid_table_prefix};

/// The `_twofa_*` meta keys the sidecar reads (docs/CONTRACTS.md).
pub const META_TOTP_SECRET: &str = "_twofa_totp_secret";
pub const META_EMAIL_ENABLED: &str = "_twofa_email_enabled";
pub const META_PRIMARY: &str = "_twofa_primary";
/// One row per unused backup code: a backup only, never counted for "has 2FA".
pub const META_BACKUP_CODE: &str = "_twofa_backup_code";
/// The user's number of passkeys (the passkeys themselves are a table of the plugin's).
pub const META_PASSKEYS: &str = "_twofa_passkeys";

/// The one rule for "this method is configured" (docs/CONTRACTS.md, "Has 2FA"): the method's
/// key has a row whose value is neither empty nor `0`. The plugin applies the same rule.
pub fn method_configured(value: &str) -> bool {
    !matches!(value, "" | "0")
}

/// The same rule in SQL for a `meta_value` column, compared as bytes so that a padding
/// collation does not equal `"0 "` to `"0"`.
const CONFIGURED_SQL: &str = "CAST(meta_value AS BINARY) NOT IN ('', '0')";

#[derive(Debug, Error)]
pub enum DbError {
    #[error("database URL is invalid: {0}")]
    BadUrl(String),
    #[error("invalid table prefix")]
    BadPrefix,
    #[error("the database did not answer within {0:?}")]
    Timeout(Duration),
    #[error("database error: {0}")]
    Driver(String),
}

impl From<mysql_async::Error> for DbError {
    fn from(e: mysql_async::Error) -> Self {
        // Driver messages hold server text and addresses, never the password.
        DbError::Driver(e.to_string())
    }
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: u64,
    pub login: String,
    pub email: String,
    pub display_name: String,
}

/// One user's standing as the report needs it.
#[derive(Debug, Clone, Default)]
pub struct ReportUser {
    pub id: u64,
    pub caps: Option<String>,
    pub totp: bool,
    pub email: bool,
    /// Has unused backup codes (a backup only: not part of "has 2FA").
    pub backup_codes: bool,
    /// Has at least one passkey.
    pub passkey: bool,
}

/// Run once on every new connection: on MariaDB (the `/*M!` part is skipped by MySQL) the
/// session's reads wait for everything the Galera cluster had committed when they were
/// issued, so the sidecar sees what the plugin wrote a moment ago on another node
/// (docs/CLUSTER.md). Without Galera the variable has no effect; the user variable keeps
/// the statement valid where the comment is skipped.
pub const CAUSAL_READS: &str =
    "SET @twofa_causal_reads = 1 /*M!100200 , SESSION wsrep_sync_wait = 1 */";

#[derive(Clone)]
pub struct Db {
    pool: Pool,
    users: String,
    usermeta: String,
    options: String,
    caps_key: String,
    roles_option: String,
    timeout: Duration,
    pool_size: u32,
}

/// The connection itself is gone (closed by the server, reset, broken pipe).
fn is_dead_connection(e: &mysql_async::Error) -> bool {
    matches!(
        e,
        mysql_async::Error::Io(_)
            | mysql_async::Error::Driver(mysql_async::DriverError::ConnectionClosed)
    )
}

/// A text column read as raw bytes (NULL allowed).
type Bytes = Option<Vec<u8>>;

fn text(b: Bytes) -> String {
    b.map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

impl Db {
    pub fn new(url: &str, prefix: &str, pool_size: u32, timeout: Duration) -> Result<Db, DbError> {
        if !valid_table_prefix(prefix) {
            return Err(DbError::BadPrefix);
        }
        let opts = Opts::from_url(url).map_err(|_| DbError::BadUrl(redact_url(url)))?;
        let constraints = PoolConstraints::new(0, pool_size.max(1) as usize)
            .ok_or_else(|| DbError::Driver("bad pool size".into()))?;
        let opts = OptsBuilder::from_opts(opts)
            // No COM_RESET_CONNECTION on return to the pool: the sidecar keeps no session state,
            // and a reset would drop the cached prepared statements (re-prepared per request).
            .pool_opts(
                PoolOpts::default()
                    .with_constraints(constraints)
                    // With a zero TTL and min 0 the pool keeps no idle connection at all and
                    // every request would connect anew.
                    .with_inactive_connection_ttl(Duration::from_secs(60))
                    .with_reset_connection(false),
            )
            .wait_timeout(Some(28_800))
            .init(vec![CAUSAL_READS]);
        Ok(Db {
            pool: Pool::new(opts),
            users: format!("{prefix}users"),
            usermeta: format!("{prefix}usermeta"),
            options: format!("{prefix}options"),
            caps_key: format!("{prefix}capabilities"),
            roles_option: format!("{prefix}user_roles"),
            timeout,
            pool_size: pool_size.max(1),
        })
    }

    pub fn capabilities_key(&self) -> &str {
        &self.caps_key
    }

    async fn bounded<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, DbError>>,
    ) -> Result<T, DbError> {
        tokio::time::timeout(self.timeout, fut)
            .await
            .map_err(|_| DbError::Timeout(self.timeout))?
    }

    async fn conn(&self) -> Result<Conn, DbError> {
        Ok(self.pool.get_conn().await?)
    }

    /// Runs `op` on a pooled connection. A pooled connection can be dead (the server restarted
    /// since it was parked); such a failure is immediate, so the call moves on to the next
    /// connection, at most once per pool slot, and a caller never sees a stale connection's
    /// error while the server is actually up.
    async fn run<T, F, Fut>(&self, op: F) -> Result<T, DbError>
    where
        F: Fn(Conn) -> Fut,
        Fut: std::future::Future<Output = Result<T, mysql_async::Error>>,
    {
        self.bounded(async {
            let mut last = None;
            for _ in 0..=self.pool_size {
                let c = self.conn().await?;
                match op(c).await {
                    Ok(v) => return Ok(v),
                    Err(e) if is_dead_connection(&e) => last = Some(e),
                    Err(e) => return Err(e.into()),
                }
            }
            Err(last
                .map(DbError::from)
                .unwrap_or_else(|| DbError::Driver("no usable connection".into())))
        })
        .await
    }

    /// Round trip to the server.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.run(|mut c| async move { c.ping().await }).await
    }

    /// Whether a pooled connection's reads are causal: `@@SESSION.wsrep_sync_wait` as set by
    /// CAUSAL_READS (None where the server has no such variable, e.g. MySQL).
    pub async fn session_sync_wait(&self) -> Result<Option<u64>, DbError> {
        self.run(|mut c| async move {
            match c
                .query_first::<Option<u64>, _>("SELECT @@SESSION.wsrep_sync_wait")
                .await
            {
                Ok(v) => Ok(v.flatten()),
                Err(mysql_async::Error::Server(_)) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// Checks that both tables exist (for `check`).
    pub async fn check_tables(&self) -> Result<(), DbError> {
        let q = format!(
            "SELECT (SELECT COUNT(*) FROM {} WHERE 1=0), (SELECT COUNT(*) FROM {} WHERE 1=0)",
            self.users, self.usermeta
        );
        self.run(|mut c| {
            let q = q.clone();
            async move {
                let _: Option<(u64, u64)> = c.query_first(q).await?;
                Ok(())
            }
        })
        .await
    }

    pub async fn user(&self, id: u64) -> Result<Option<UserRow>, DbError> {
        let q = format!(
            "SELECT ID, user_login, user_email, display_name FROM {} WHERE ID = ?",
            self.users
        );
        let row: Option<(u64, Bytes, Bytes, Bytes)> = self
            .run(|mut c| {
                let q = q.clone();
                async move { c.exec_first(q, (id,)).await }
            })
            .await?;
        Ok(row.map(|(id, login, email, name)| UserRow {
            id,
            login: text(login),
            email: text(email),
            display_name: text(name),
        }))
    }

    /// The user's capabilities value and `_twofa_*` keys the sidecar reads, as (key, value).
    pub async fn user_meta(&self, id: u64) -> Result<Vec<(String, String)>, DbError> {
        let q = format!(
            "SELECT meta_key, meta_value FROM {} WHERE user_id = ? AND meta_key IN (?, ?, ?, ?, ?, ?) ORDER BY umeta_id",
            self.usermeta
        );
        let rows: Vec<(Bytes, Bytes)> = self
            .run(|mut c| {
                let q = q.clone();
                let caps = self.caps_key.clone();
                async move {
                    c.exec(
                        q,
                        (
                            id,
                            caps,
                            META_TOTP_SECRET,
                            META_EMAIL_ENABLED,
                            META_PRIMARY,
                            META_BACKUP_CODE,
                            META_PASSKEYS,
                        ),
                    )
                    .await
                }
            })
            .await?;
        Ok(rows.into_iter().map(|(k, v)| (text(k), text(v))).collect())
    }

    /// Everything the report needs, in three queries whatever the number of users: all ids,
    /// all capabilities values, all rows of the two method keys. Each is an index range scan.
    pub async fn report_users(&self) -> Result<Vec<ReportUser>, DbError> {
        // Three full scans of 100,000 users take well under the request timeout; the DB timeout
        // is for single-row calls, so the report gets a more generous bound.
        let bound = self.timeout * 6;
        let fut = async {
            let mut c = self.conn().await?;
            let ids: Vec<u64> = c
                .query(format!("SELECT ID FROM {} ORDER BY ID", self.users))
                .await?;
            let mut users: Vec<ReportUser> = ids
                .into_iter()
                .map(|id| ReportUser {
                    id,
                    ..Default::default()
                })
                .collect();
            // ids are sorted, so later lookups are binary searches.
            // With ~12 meta rows per user the optimizer prefers a full scan of usermeta to the
            // meta_key index (3-4x slower at 100,000 users), so the index is forced. A site whose
            // table lacks WordPress's `meta_key` index gets the same query without the hint.
            let hinted = format!(
                "SELECT user_id, meta_value FROM {} FORCE INDEX (meta_key) WHERE meta_key = ?",
                self.usermeta
            );
            let caps: Vec<(u64, Bytes)> = match c.exec(hinted, (self.caps_key.as_str(),)).await {
                Ok(rows) => rows,
                Err(mysql_async::Error::Server(e)) => {
                    tracing::debug!(
                        code = e.code,
                        "no usable meta_key index; querying without the hint"
                    );
                    c.exec(
                        format!(
                            "SELECT user_id, meta_value FROM {} WHERE meta_key = ?",
                            self.usermeta
                        ),
                        (self.caps_key.as_str(),),
                    )
                    .await?
                }
                Err(e) => return Err(e.into()),
            };
            for (uid, v) in caps {
                if let Ok(i) = users.binary_search_by_key(&uid, |u| u.id) {
                    // A duplicate row (never written by WordPress) keeps the first one seen.
                    if users[i].caps.is_none() {
                        users[i].caps = Some(text(v));
                    }
                }
            }
            let methods: Vec<(u64, Bytes)> = c
                .exec(
                    format!(
                        "SELECT user_id, meta_key FROM {} WHERE meta_key IN (?, ?, ?, ?) AND {CONFIGURED_SQL}",
                        self.usermeta
                    ),
                    (
                        META_TOTP_SECRET,
                        META_EMAIL_ENABLED,
                        META_BACKUP_CODE,
                        META_PASSKEYS,
                    ),
                )
                .await?;
            for (uid, k) in methods {
                if let Ok(i) = users.binary_search_by_key(&uid, |u| u.id) {
                    match k.as_deref() {
                        Some(b"_twofa_totp_secret") => users[i].totp = true,
                        Some(b"_twofa_email_enabled") => users[i].email = true,
                        Some(b"_twofa_backup_code") => users[i].backup_codes = true,
                        Some(b"_twofa_passkeys") => users[i].passkey = true,
                        _ => {}
                    }
                }
            }
            Ok(users)
        };
        tokio::time::timeout(bound, fut)
            .await
            .map_err(|_| DbError::Timeout(bound))?
    }

    /// The raw `{prefix}user_roles` option (the site's role definitions), `None` when the row
    /// is missing. One primary-key-like lookup (`option_name` is unique).
    pub async fn user_roles_option(&self) -> Result<Option<Vec<u8>>, DbError> {
        let q = format!(
            "SELECT option_value FROM {} WHERE option_name = ? LIMIT 1",
            self.options
        );
        let row: Option<Bytes> = self
            .run(|mut c| {
                let q = q.clone();
                let name = self.roles_option.clone();
                async move { c.exec_first(q, (name,)).await }
            })
            .await?;
        Ok(row.map(|v| v.unwrap_or_default()))
    }

    /// The site's `admin_email` option (Settings → General "Administration Email Address"),
    /// `None` when the row is missing or empty.
    pub async fn admin_email(&self) -> Result<Option<String>, DbError> {
        let q = format!(
            "SELECT option_value FROM {} WHERE option_name = 'admin_email' LIMIT 1",
            self.options
        );
        let row: Option<Bytes> = self
            .run(|mut c| {
                let q = q.clone();
                async move { c.query_first(q).await }
            })
            .await?;
        Ok(row.map(text).filter(|v| !v.trim().is_empty()))
    }

    /// Login and display name of the given users (one query; ids come from the report page).
    pub async fn names(&self, ids: &[u64]) -> Result<Vec<(u64, String, String)>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; ids.len()].join(",");
        let q = format!(
            "SELECT ID, user_login, display_name FROM {} WHERE ID IN ({marks})",
            self.users
        );
        let rows: Vec<(u64, Bytes, Bytes)> = self
            .run(|mut c| {
                let q = q.clone();
                let params = mysql_async::Params::Positional(
                    ids.iter().map(|i| mysql_async::Value::from(*i)).collect(),
                );
                async move { c.exec(q, params).await }
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, l, d)| (id, text(l), text(d)))
            .collect())
    }

    pub async fn disconnect(self) {
        let _ = self.pool.disconnect().await;
    }
}
