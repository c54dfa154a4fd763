//! `GET /openapi.json`: the API description, a static document kept next to the code.

use axum::http::header;
use axum::response::IntoResponse;

pub const OPENAPI: &str = include_str!("openapi.json");

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
