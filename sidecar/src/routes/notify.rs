//! `POST /v1/notify`: fixed security notices, and the delivery path shared with codes.

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::email::{self, Body, Envelope, Event, MailError, Method};
use crate::errors::{json_error, ApiError, ErrorBody};
use crate::rate_limit::MailKind;
use crate::routes::email_otp::{check_locale, Accepted};
use crate::startup::AppState;

/// A notice to send; no other field is accepted.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Notify)]
pub struct NotifyRequest {
    /// `{prefix}users.ID`; the recipient is that user's own address.
    #[schema(minimum = 1)]
    user_id: u64,
    event: Event,
    /// Required for `method_added`, `method_replaced`, `method_removed` and `primary_changed`;
    /// may be null or absent otherwise.
    #[serde(default)]
    method: Option<Method>,
    /// Unused backup codes left; only with the backup code events, which require it.
    #[serde(default)]
    remaining: Option<u32>,
    /// The recipient's WordPress locale (`de_DE`): the user's, else the site's. The message is
    /// in that language when the sidecar has its catalog (or one of the same language), else
    /// in English.
    #[serde(default)]
    #[schema(
        pattern = "^[a-z]{2,3}(_([A-Z]{2}|[0-9]{3}))?(_[a-z0-9]+)?$",
        max_length = 32,
        example = "de_DE"
    )]
    locale: Option<String>,
}

/// Send a fixed security notice to the user's own address
///
/// A fixed template per event; rate limited like codes, in a separate bucket.
#[utoipa::path(
    post,
    path = "/v1/notify",
    tag = "v1",
    request_body = NotifyRequest,
    security(("TwofaSignature" = [], "TwofaTimestamp" = [], "TwofaRequestId" = [])),
    responses(
        (status = 202, description = "Accepted by the mail backend", body = Accepted),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing, stale or wrong signature", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
        (status = 409, description = "This request id was used before (a replayed request)", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 422, description = "The user's stored address is unusable", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds"))),
        (status = 503, description = "Database or mail unavailable, or too busy (retryable)", body = ErrorBody),
    )
)]
pub async fn notify(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let req: NotifyRequest = serde_json::from_slice(&body).map_err(|e| json_error(&e))?;
    if req.user_id == 0 {
        return Err(ApiError::BadRequest(
            "user_id must be a positive integer".into(),
        ));
    }
    if matches!(
        req.event,
        Event::MethodAdded | Event::MethodReplaced | Event::MethodRemoved | Event::PrimaryChanged
    ) && req.method.is_none()
    {
        return Err(ApiError::BadRequest(
            "method is required for method_added, method_replaced, method_removed and primary_changed"
                .into(),
        ));
    }
    if req.event.needs_remaining() != req.remaining.is_some() {
        return Err(ApiError::BadRequest(
            "remaining is required for the backup code events and refused for the others".into(),
        ));
    }
    check_locale(req.locale.as_deref())?;
    let tr = state.catalogs.get(req.locale.as_deref());
    let id = if req.event == Event::AdminLockoutPermanent {
        deliver_to_site_admin(&state, req.user_id).await?
    } else {
        deliver(&state, req.user_id, MailKind::Notice, |site, display| {
            email::notice_body(tr, site, display, req.event, req.method, req.remaining)
        })
        .await?
    };
    tracing::info!(user_id = req.user_id, event = ?req.event, message_id = %id, "notice email sent");
    Ok((StatusCode::ACCEPTED, Json(Accepted { message_id: id })).into_response())
}

/// Rate limit, look the user up, build the message with `make`, send it within the mail
/// timeout. Tokens are given back when the failure is not the caller's doing.
pub async fn deliver(
    state: &AppState,
    user_id: u64,
    kind: MailKind,
    make: impl FnOnce(&str, &str) -> Body,
) -> Result<String, ApiError> {
    if let Err(retry_after) = state.limiter.check(user_id, kind) {
        state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(user_id, ?kind, retry_after, "rate limited");
        return Err(ApiError::RateLimited { retry_after });
    }
    let result = lookup_and_send(state, user_id, kind, make).await;
    if let Err(e) = &result {
        if !matches!(e, ApiError::BadRequest(_)) {
            state.limiter.refund(user_id, kind);
        }
    }
    result
}

/// The notice about `user_id` to the site's administration address (`admin_email`), rate
/// limited in that user's notice bucket.
async fn deliver_to_site_admin(state: &AppState, user_id: u64) -> Result<String, ApiError> {
    if let Err(retry_after) = state.limiter.check(user_id, MailKind::Notice) {
        state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(user_id, retry_after, "rate limited");
        return Err(ApiError::RateLimited { retry_after });
    }
    let result = async {
        let user = find_user(state, user_id).await?;
        let admin = match state.db.admin_email().await {
            Ok(Some(a)) => a,
            Ok(None) => return Err(ApiError::BadRecipient),
            Err(e) => {
                tracing::error!(error = %e, "admin_email lookup failed");
                return Err(ApiError::DatabaseUnavailable);
            }
        };
        let site = email::clean_name(&state.site_name, 200);
        let body = email::admin_notice_body(&site, user.id, &user.login, &user.display_name);
        send(state, user_id, MailKind::Notice, "", &admin, &site, body).await
    }
    .await;
    if let Err(e) = &result {
        if !matches!(e, ApiError::BadRequest(_)) {
            state.limiter.refund(user_id, MailKind::Notice);
        }
    }
    result
}

async fn find_user(state: &AppState, user_id: u64) -> Result<crate::db::UserRow, ApiError> {
    match state.db.user(user_id).await {
        Ok(Some(u)) => Ok(u),
        Ok(None) => Err(ApiError::UnknownUser),
        Err(e) => {
            tracing::error!(error = %e, "user lookup failed");
            Err(ApiError::DatabaseUnavailable)
        }
    }
}

async fn lookup_and_send(
    state: &AppState,
    user_id: u64,
    kind: MailKind,
    make: impl FnOnce(&str, &str) -> Body,
) -> Result<String, ApiError> {
    let user = find_user(state, user_id).await?;
    let site = email::clean_name(&state.site_name, 200);
    let body = make(&site, &user.display_name);
    send(
        state,
        user_id,
        kind,
        &user.display_name,
        &user.email,
        &site,
        body,
    )
    .await
}

/// Builds and sends one message to `to_addr` within the mail timeout, counting it.
async fn send(
    state: &AppState,
    user_id: u64,
    kind: MailKind,
    to_name: &str,
    to_addr: &str,
    site: &str,
    body: Body,
) -> Result<String, ApiError> {
    let id = email::new_message_id().map_err(|_| ApiError::Internal)?;
    let env = Envelope {
        id: &id,
        from: &state.from,
        to_name,
        to_addr,
        site_name: site,
    };
    let msg = match email::build(&env, body) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(user_id, error = %e, "cannot build a message for this user");
            return Err(ApiError::BadRecipient);
        }
    };
    let (sent, failed) = match kind {
        MailKind::Code => (&state.metrics.codes_sent, &state.metrics.codes_failed),
        MailKind::Notice => (&state.metrics.notices_sent, &state.metrics.notices_failed),
    };
    let res = match tokio::time::timeout(state.mail_timeout, state.mailer.send(&id, msg)).await {
        Ok(r) => r,
        Err(_) => Err(MailError::Timeout),
    };
    match res {
        Ok(()) => {
            sent.fetch_add(1, Ordering::Relaxed);
            Ok(id)
        }
        Err(e) => {
            failed.fetch_add(1, Ordering::Relaxed);
            tracing::error!(user_id, backend = state.mailer.kind(), error = %e, "mail delivery failed");
            Err(ApiError::MailUnavailable)
        }
    }
}
