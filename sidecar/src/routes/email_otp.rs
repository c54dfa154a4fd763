//! `POST /v1/email-otp`: send a one-time code to the user's own address.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::email::{self, Purpose};
use crate::errors::{json_error, ApiError, ErrorBody};
use crate::rate_limit::MailKind;
use crate::routes::notify::deliver;
use crate::startup::AppState;

/// A code to send; no other field is accepted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EmailOtp)]
pub struct EmailOtpRequest {
    /// `{prefix}users.ID`; the recipient is that user's own address, never anything here.
    #[schema(minimum = 1)]
    user_id: u64,
    /// Exactly 6 ASCII digits; never logged, never echoed back.
    #[schema(pattern = "^[0-9]{6}$", example = "123456")]
    code: String,
    purpose: Purpose,
    /// Validity shown in the message, in seconds.
    #[schema(minimum = 60, maximum = 3600)]
    expires_in: u32,
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

/// The message was handed to the mail backend.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// Also the `.eml` name in the file outbox and the `Message-ID` local part.
    #[schema(pattern = "^[0-9a-f]{32}$")]
    pub message_id: String,
}

// Hand-written so a stray `{:?}` can never print the code.
impl std::fmt::Debug for EmailOtpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailOtpRequest")
            .field("user_id", &self.user_id)
            .field("purpose", &self.purpose)
            .field("expires_in", &self.expires_in)
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

/// A `locale` that is present must look like a WordPress locale (an unknown one is English).
pub fn check_locale(locale: Option<&str>) -> Result<(), ApiError> {
    match locale {
        Some(l) if !crate::i18n::valid_locale(l) => Err(ApiError::BadRequest(
            "locale must be a WordPress locale such as de_DE".into(),
        )),
        _ => Ok(()),
    }
}

pub fn valid_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// Send a one-time code to the user's own address
///
/// The message has a text and an HTML part: the site name, the code, its validity in minutes,
/// and what to do if it was not you; no links.
#[utoipa::path(
    post,
    path = "/v1/email-otp",
    tag = "v1",
    request_body = EmailOtpRequest,
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
pub async fn send_code(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let req: EmailOtpRequest = serde_json::from_slice(&body).map_err(|e| json_error(&e))?;
    if req.user_id == 0 {
        return Err(ApiError::BadRequest(
            "user_id must be a positive integer".into(),
        ));
    }
    if !valid_code(&req.code) {
        return Err(ApiError::BadRequest(
            "code must be exactly 6 ASCII digits".into(),
        ));
    }
    if !(60..=3600).contains(&req.expires_in) {
        return Err(ApiError::BadRequest(
            "expires_in must be 60 to 3600 seconds".into(),
        ));
    }
    check_locale(req.locale.as_deref())?;
    let tr = state.catalogs.get(req.locale.as_deref());
    let id = deliver(&state, req.user_id, MailKind::Code, |site, display| {
        email::code_body(tr, site, display, &req.code, req.purpose, req.expires_in)
    })
    .await?;
    tracing::info!(user_id = req.user_id, purpose = ?req.purpose, message_id = %id, "code email sent");
    Ok((StatusCode::ACCEPTED, Json(Accepted { message_id: id })).into_response())
}
