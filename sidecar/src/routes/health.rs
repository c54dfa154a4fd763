//! `/healthz` (the process answers) and `/readyz` (database and mail reachable).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::startup::AppState;

/// Always `ok`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Alive {
    Ok,
}

/// The process answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: Alive,
    /// The sidecar's version, shown by the plugin's settings page and `wp twofa doctor`.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
}

/// `ready` when both parts are reachable.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Readiness {
    Ready,
    Unavailable,
}

/// One part's state.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PartState {
    Ok,
    Unavailable,
}

/// Which part is down (details go to the log).
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    pub status: Readiness,
    pub database: PartState,
    pub mail: PartState,
}

/// The process answers
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "ok", body = Health))
)]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: Alive::Ok,
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Database and mail reachable
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "ready", body = Ready),
        (status = 503, description = "database or mail unavailable", body = Ready),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Ready>) {
    let mail_check = async {
        tokio::time::timeout(state.mail_timeout, state.mailer.check())
            .await
            .unwrap_or(Err(crate::email::MailError::Timeout))
    };
    let (db, mail) = tokio::join!(state.db.ping(), mail_check);
    // Details go to the log; the answer says only which part is down.
    if let Err(e) = &db {
        tracing::warn!(error = %e, "readiness: database unavailable");
    }
    if let Err(e) = &mail {
        tracing::warn!(error = %e, "readiness: mail unavailable");
    }
    let part = |ok: bool| {
        if ok {
            PartState::Ok
        } else {
            PartState::Unavailable
        }
    };
    let ready = db.is_ok() && mail.is_ok();
    (
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(Ready {
            status: if ready {
                Readiness::Ready
            } else {
                Readiness::Unavailable
            },
            database: part(db.is_ok()),
            mail: part(mail.is_ok()),
        }),
    )
}
