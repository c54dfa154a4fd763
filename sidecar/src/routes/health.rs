//! `/healthz` (the process answers) and `/readyz` (database and mail reachable).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::startup::AppState;

/// The version lets the site owner's settings page and `wp twofa doctor` show what runs.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
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
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let ready = db.is_ok() && mail.is_ok();
    (
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(json!({
            "status": if ready { "ready" } else { "unavailable" },
            "database": word(db.is_ok()),
            "mail": word(mail.is_ok()),
        })),
    )
}
