//! `GET /openapi.json`: the API description, generated from the request and response types
//! and the handlers' annotations (utoipa), so it cannot drift from the code.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::{Modify, OpenApi};

use crate::errors::{ErrorBody, ErrorCode};
use crate::routes::{email_otp, health, metrics, notify, report, users};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "twofa-sidecar",
        description = "OTP email delivery and WordPress user data over a signed local API. Every /v1 request carries X-Twofa-Timestamp, X-Twofa-Request-Id and X-Twofa-Signature (docs/CONTRACTS.md, \"Request signing\"); each request id is served once. Every error answer is {\"error\": code, \"message\": text} (schema Error), also for unknown routes (404), wrong methods (405) and bodies over 16 KiB (413)."
    ),
    paths(
        email_otp::send_code,
        notify::notify,
        users::get_user,
        report::report,
        health::healthz,
        health::readyz,
        metrics::metrics,
        openapi,
    ),
    components(schemas(ErrorBody, ErrorCode)),
    modifiers(&Signing),
    tags(
        (name = "v1", description = "Signed API for the WordPress plugin"),
        (name = "operations", description = "Unsigned: health, readiness, metrics, this document (bind to loopback)")
    )
)]
pub struct ApiDoc;

/// The three signing headers as security schemes, and the default server.
struct Signing;

impl Modify for Signing {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let scheme = |name: &str, what: &str| {
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(name, what)))
        };
        components.add_security_scheme(
            "TwofaSignature",
            scheme(
                "X-Twofa-Signature",
                "v2= + hex HMAC-SHA256 (request-signing subkey) over v2\\n{timestamp}\\n{request_id}\\n{METHOD}\\n{path?query}\\n{hex sha256(body)}",
            ),
        );
        components.add_security_scheme(
            "TwofaTimestamp",
            scheme(
                "X-Twofa-Timestamp",
                "unix seconds; refused if more than 60 s away, or before the sidecar started",
            ),
        );
        components.add_security_scheme(
            "TwofaRequestId",
            scheme(
                "X-Twofa-Request-Id",
                "32 lowercase hex digits (128 random bits), fresh per request; a second request with the same id within the window gets 409 replayed_request",
            ),
        );
        doc.servers = Some(vec![Server::new("http://127.0.0.1:8787")]);
    }
}

/// The document, built once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".to_string())
    })
}

/// This document
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 JSON", body = Object, content_type = "application/json"))
)]
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_route_and_the_error_shape() {
        let doc: serde_json::Value = serde_json::from_str(document()).expect("JSON");
        if std::env::var_os("TWOFA_PRINT_OPENAPI").is_some() {
            println!("{}", document());
        }
        for (path, method) in [
            ("/v1/email-otp", "post"),
            ("/v1/notify", "post"),
            ("/v1/users/{id}", "get"),
            ("/v1/report", "get"),
            ("/healthz", "get"),
            ("/readyz", "get"),
            ("/metrics", "get"),
            ("/openapi.json", "get"),
        ] {
            assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        }
        let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
        assert!(codes.as_array().is_some_and(|c| c.len() == 16), "{codes}");
        let events = &doc["components"]["schemas"]["Event"];
        assert!(events.to_string().contains("\"test\""), "{events}");
        assert!(events["description"]
            .as_str()
            .is_some_and(|d| d.contains("Send test email")));
    }
}
