//! The API's error type: one enum, one JSON shape `{"error": code, "message": text}`.
//!
//! Messages are fixed strings or name a field; they never repeat a value from the request, so a
//! code sent in the wrong field can't be echoed back.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use thiserror::Error;
use twofa_core::signing::SignatureError;
use utoipa::ToSchema;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("request signature refused: {0}")]
    Signature(SignatureError),
    #[error("{0}")]
    BadRequest(String),
    #[error("unknown user")]
    UnknownUser,
    #[error("the user's email address cannot be used")]
    BadRecipient,
    #[error("too many requests; retry after {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("the mail service is unavailable")]
    MailUnavailable,
    #[error("the database is unavailable")]
    DatabaseUnavailable,
    #[error("not found")]
    NotFound,
    #[error("the request body is too large")]
    TooLarge,
    #[error("this request id was used before; sign every request with a fresh one")]
    Replayed,
    #[error("too many signed requests within the signature window")]
    ReplayStoreFull,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("the request is malformed")]
    Malformed,
    #[error("the request took too long")]
    Timeout,
    #[error("internal error")]
    Internal,
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Signature(SignatureError::Missing(_)) => ErrorCode::MissingSignature,
            ApiError::Signature(SignatureError::Stale) => ErrorCode::StaleTimestamp,
            ApiError::Signature(_) => ErrorCode::BadSignature,
            ApiError::BadRequest(_) | ApiError::Malformed => ErrorCode::BadRequest,
            ApiError::UnknownUser => ErrorCode::UnknownUser,
            ApiError::BadRecipient => ErrorCode::BadRecipient,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::MailUnavailable => ErrorCode::MailUnavailable,
            ApiError::DatabaseUnavailable => ErrorCode::DatabaseUnavailable,
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::TooLarge => ErrorCode::PayloadTooLarge,
            ApiError::Replayed => ErrorCode::ReplayedRequest,
            ApiError::ReplayStoreFull => ErrorCode::Busy,
            ApiError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            ApiError::Timeout => ErrorCode::Timeout,
            ApiError::Internal => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Signature(_) => StatusCode::UNAUTHORIZED,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::UnknownUser | ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRecipient => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::MailUnavailable | ApiError::DatabaseUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Replayed => StatusCode::CONFLICT,
            ApiError::ReplayStoreFull => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Malformed => StatusCode::BAD_REQUEST,
            ApiError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn retryable(&self) -> Option<bool> {
        match self {
            ApiError::MailUnavailable
            | ApiError::DatabaseUnavailable
            | ApiError::ReplayStoreFull
            | ApiError::Timeout
            | ApiError::RateLimited { .. } => Some(true),
            _ => None,
        }
    }
}

/// The `error` field of an error answer (docs/SIDECAR.md lists when each is used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MissingSignature,
    StaleTimestamp,
    BadSignature,
    ReplayedRequest,
    BadRequest,
    UnknownUser,
    BadRecipient,
    RateLimited,
    MailUnavailable,
    DatabaseUnavailable,
    Busy,
    Timeout,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    Internal,
}

/// Every error answer: `{"error": code, "message": text}`, plus `"retryable": true` when the
/// same request may succeed later (429, 503).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: ErrorCode,
    /// Plain words; never repeats a value from the request.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub retryable: Option<bool>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code(),
            message: self.to_string(),
            retryable: self.retryable(),
        };
        let mut resp = (self.status(), axum::Json(body)).into_response();
        if let ApiError::RateLimited { retry_after } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after.max(1).to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

/// The last layer: an error answer that is not JSON yet (the framework's own 404, 405, 413 and
/// 400 rejections, the request timeout's 503) gets the documented shape. Headers such as
/// `Allow` stay; the body is replaced.
pub async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let err = match status {
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => ApiError::Timeout,
        s if s.is_client_error() => ApiError::Malformed,
        _ => ApiError::Internal,
    };
    let (mut parts, _) = resp.into_parts();
    let fresh = err.into_response();
    let (fresh_parts, body) = fresh.into_parts();
    parts.status = fresh_parts.status;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    for (name, value) in fresh_parts.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}

/// Turns a serde_json error into a message that names where, never what.
pub fn json_error(e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => "the body is not valid JSON",
        Category::Data => {
            "the body does not match the schema (unknown, missing, duplicate or mistyped field)"
        }
    };
    ApiError::BadRequest(format!("{what} (line {}, column {})", e.line(), e.column()))
}
