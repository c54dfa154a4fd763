//! twofa-sidecar: sends OTP and notice email and reads WordPress users over a signed local API.

pub mod capabilities;
pub mod config;
pub mod db;
pub mod email;
pub mod errors;
pub mod i18n;
pub mod metrics;
pub mod php_unserialize;
pub mod rate_limit;
pub mod replay;
pub mod routes;
pub mod server;
pub mod signature;
pub mod startup;
pub mod telemetry;

use axum::http::StatusCode;
use axum::middleware::{from_fn_with_state, map_response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use startup::AppState;

/// The whole HTTP surface. `/v1/*` routes sit behind the signature check; the operational
/// routes (health, metrics, API description) do not, and bind to loopback by default.
pub fn app(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/v1/email-otp", post(routes::email_otp::send_code))
        .route("/v1/notify", post(routes::notify::notify))
        .route("/v1/users/{id}", get(routes::users::get_user))
        .route("/v1/report", get(routes::report::report))
        .layer(from_fn_with_state(
            state.clone(),
            signature::require_signature,
        ));
    let ops = Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::metrics::metrics))
        .route("/openapi.json", get(routes::openapi::openapi));
    let timeout = state.request_timeout;
    v1.merge(ops)
        .fallback(|| async { errors::ApiError::NotFound })
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(TraceLayer::new_for_http())
        .layer(RequestBodyLimitLayer::new(signature::MAX_BODY))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(map_response(errors::json_errors))
        .with_state(state)
}
