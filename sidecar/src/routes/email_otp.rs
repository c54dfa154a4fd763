//! `POST /v1/email-otp`: send a one-time code to the user's own address.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::email::{self, Purpose};
use crate::errors::{json_error, ApiError};
use crate::rate_limit::MailKind;
use crate::routes::notify::deliver;
use crate::startup::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailOtpRequest {
    user_id: u64,
    code: String,
    purpose: Purpose,
    expires_in: u32,
}

// Hand-written so a stray `{:?}` can never print the code.
impl std::fmt::Debug for EmailOtpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailOtpRequest")
            .field("user_id", &self.user_id)
            .field("purpose", &self.purpose)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

pub fn valid_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

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
    let id = deliver(&state, req.user_id, MailKind::Code, |site, display| {
        email::code_body(site, display, &req.code, req.purpose, req.expires_in)
    })
    .await?;
    tracing::info!(user_id = req.user_id, purpose = ?req.purpose, message_id = %id, "code email sent");
    Ok((StatusCode::ACCEPTED, Json(json!({ "message_id": id }))).into_response())
}
