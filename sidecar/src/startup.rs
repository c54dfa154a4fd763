//! Building the application from [`Settings`] and running it until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use thiserror::Error;
use tokio::net::TcpListener;
use twofa_core::key::SiteKey;

use crate::config::{ConnectionLimits, Settings};
use crate::db::{Db, DbError};
use crate::email::{MailError, Mailer};
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;
use crate::replay::ReplayGuard;

#[derive(Debug, Error)]
pub enum StartupError {
    #[error("site key: {0}")]
    Key(#[from] twofa_core::Error),
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("{0}")]
    Mail(#[from] MailError),
    #[error("mail.from is not a valid mailbox")]
    From,
    #[error("translations: {0}")]
    Catalog(#[from] crate::i18n::CatalogError),
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
}

/// Everything a handler needs; cheap to clone.
pub struct Inner {
    pub key: SiteKey,
    pub db: Db,
    pub mailer: Mailer,
    pub limiter: RateLimiter,
    pub replay: ReplayGuard,
    pub metrics: Arc<Metrics>,
    pub site_name: String,
    pub from: Mailbox,
    pub mail_timeout: Duration,
    pub request_timeout: Duration,
    pub connections: ConnectionLimits,
    /// The email templates' translations (sidecar/locales/), parsed at start.
    pub catalogs: crate::i18n::Catalogs,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Loads the key and prepares the pools. Nothing connects yet: the database and the mail
    /// server may come up after the sidecar, and `/readyz` says when they have.
    pub fn from_settings(s: &Settings) -> Result<AppState, StartupError> {
        let key = SiteKey::load(&s.key_file)?;
        AppState::with_key(s, key)
    }

    pub fn with_key(s: &Settings, key: SiteKey) -> Result<AppState, StartupError> {
        AppState::with_key_since(s, key, crate::signature::now())
    }

    /// As [`AppState::with_key`], refusing requests signed before `started_at` (unix seconds):
    /// their ids may have been served by an earlier process (see [`ReplayGuard`]).
    pub fn with_key_since(
        s: &Settings,
        key: SiteKey,
        started_at: i64,
    ) -> Result<AppState, StartupError> {
        let db = Db::new(&s.mysql_url, &s.table_prefix, s.db_pool_size, s.db_timeout)?;
        let mailer = Mailer::from_settings(&s.mail, s.mail_timeout)?;
        let from: Mailbox = s.from.parse().map_err(|_| StartupError::From)?;
        Ok(AppState(Arc::new(Inner {
            key,
            db,
            mailer,
            limiter: RateLimiter::new(s.rate_limits),
            replay: ReplayGuard::new(
                s.replay_cache_size,
                twofa_core::signing::WINDOW_SECS,
                started_at,
            ),
            metrics: Arc::new(Metrics::default()),
            site_name: s.site_name.clone(),
            from,
            mail_timeout: s.mail_timeout,
            request_timeout: s.request_timeout,
            connections: s.connections,
            catalogs: crate::i18n::Catalogs::built_in()?,
        })))
    }
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    pub async fn build(s: &Settings) -> Result<Application, StartupError> {
        let state = AppState::from_settings(s)?;
        Application::with_state(s.listen, state).await
    }

    pub async fn with_state(
        addr: SocketAddr,
        state: AppState,
    ) -> Result<Application, StartupError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| StartupError::Bind {
                addr,
                reason: e.to_string(),
            })?;
        Ok(Application { listener, state })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves; requests in flight then finish before this returns.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let db = self.state.db.clone();
        let limits = self.state.connections;
        let metrics = self.state.metrics.clone();
        let app = crate::app(self.state);
        crate::server::serve(self.listener, app, limits, metrics, shutdown).await?;
        db.disconnect().await;
        Ok(())
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}
