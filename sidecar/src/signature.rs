//! Middleware checking `X-Twofa-Timestamp` / `X-Twofa-Signature` on every `/v1` request with
//! twofa-core's verifier (docs/CONTRACTS.md, "Request signing").
//!
//! The body is read here (bounded), verified together with the request line, and handed on
//! unchanged; handlers never see an unverified request.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use twofa_core::signing::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};

use crate::errors::ApiError;
use crate::startup::AppState;

/// Largest request body accepted on `/v1` (the real ones are under 200 bytes).
pub const MAX_BODY: usize = 16 * 1024;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub async fn require_signature(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return ApiError::TooLarge.into_response(),
    };
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap_or("\u{0}"))
    };
    let target = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or_else(|| parts.uri.path());
    let result = signing::verify(
        &state.key,
        header(SIGNATURE_HEADER),
        header(TIMESTAMP_HEADER),
        parts.method.as_str(),
        target,
        &bytes,
        now(),
        signing::WINDOW_SECS,
    );
    if let Err(e) = result {
        tracing::warn!(reason = %e, method = %parts.method, path = parts.uri.path(), "refused an unsigned or wrongly signed request");
        return ApiError::Signature(e).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
