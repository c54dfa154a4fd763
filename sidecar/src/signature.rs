//! Middleware checking `X-Twofa-Timestamp` / `X-Twofa-Request-Id` / `X-Twofa-Signature` on
//! every `/v1` request with twofa-core's verifier (docs/CONTRACTS.md, "Request signing"), then
//! claiming the request id so the same signed request is served once.
//!
//! The body is read here (bounded), verified together with the request line, and handed on
//! unchanged; handlers never see an unverified or replayed request.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use twofa_core::signing::{
    self, SignatureError, SignedHeaders, REQUEST_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};

use crate::errors::ApiError;
use crate::replay::ReplayError;
use crate::startup::AppState;

/// Largest request body accepted on `/v1` (the real ones are under 200 bytes).
pub const MAX_BODY: usize = 16 * 1024;

pub fn now() -> i64 {
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
    let now = now();
    let request_id = header(REQUEST_ID_HEADER);
    let result = signing::verify(
        &state.key,
        SignedHeaders {
            signature: header(SIGNATURE_HEADER),
            timestamp: header(TIMESTAMP_HEADER),
            request_id,
        },
        parts.method.as_str(),
        target,
        &bytes,
        now,
        signing::WINDOW_SECS,
    );
    let timestamp = match result {
        Ok(ts) => ts,
        Err(e) => {
            tracing::warn!(reason = %e, method = %parts.method, path = parts.uri.path(), "refused an unsigned or wrongly signed request");
            return ApiError::Signature(e).into_response();
        }
    };
    // verify() refuses a request without a well-formed id, so this is always Some.
    let claimed = match request_id {
        Some(id) => state.replay.claim(id, timestamp, now),
        None => Err(ReplayError::Seen),
    };
    if let Err(e) = claimed {
        tracing::warn!(reason = %e, method = %parts.method, path = parts.uri.path(), "refused a signed request");
        return match e {
            ReplayError::Seen => ApiError::Replayed,
            ReplayError::Full => ApiError::ReplayStoreFull,
            ReplayError::BeforeStart => ApiError::Signature(SignatureError::Stale),
        }
        .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
