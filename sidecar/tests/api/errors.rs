//! Every error answer has the documented JSON shape `{"error": code, "message": text}`, also
//! the ones the framework produces (limits, routing, methods).

use crate::helpers::*;

fn assert_shape(r: &Resp, status: u16, code: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.text);
    let ct = r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        ct.starts_with("application/json"),
        "{what}: content-type {ct}"
    );
    let j: serde_json::Value = serde_json::from_str(&r.text)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {:?}", r.text));
    assert_eq!(j["error"], code, "{what}: {j}");
    assert!(
        j["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {j}"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_in_json_with_or_without_content_length() {
    let app = spawn_app().await;
    let big = vec![b' '; 17 * 1024];
    // reqwest sends a Content-Length for a byte body.
    let r = app.post_bytes("/v1/email-otp", big.clone()).await;
    assert_shape(&r, 413, "payload_too_large", "with content-length");
    let r = app
        .raw("POST", "/v1/notify", big.clone(), None, None, None)
        .await;
    assert_shape(
        &r,
        413,
        "payload_too_large",
        "unsigned, with content-length",
    );
    // Chunked: no Content-Length, the limit is hit while reading.
    let ts = now();
    let s = app.sign("POST", "/v1/email-otp", &big, ts);
    let mut req = format!(
        "POST /v1/email-otp HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Twofa-Timestamp: {ts}\r\nX-Twofa-Request-Id: {}\r\nX-Twofa-Signature: {}\r\n\r\n",
        s.id, s.sig
    )
    .into_bytes();
    for c in big.chunks(1024) {
        req.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        req.extend_from_slice(c);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let r = app.raw_http(&req).await;
    assert_shape(&r, 413, "payload_too_large", "chunked");
    assert!(app.outbox_files().is_empty());
    app.finish().await;
}

#[tokio::test]
async fn a_path_segment_that_is_not_utf8_is_a_json_400() {
    let app = spawn_app().await;
    for target in ["/v1/users/%FF", "/v1/users/%C3%28", "/v1/users/1%FF"] {
        let r = app.get(target).await;
        assert_shape(&r, 400, "bad_request", target);
    }
    app.finish().await;
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405_with_allow() {
    let app = spawn_app().await;
    let r = app.get("/v1/email-otp").await;
    assert_shape(&r, 405, "method_not_allowed", "GET /v1/email-otp");
    let r = app.post("/v1/report", &serde_json::json!({})).await;
    assert_shape(&r, 405, "method_not_allowed", "POST /v1/report");
    let r = app
        .raw("POST", "/healthz", b"{}".to_vec(), None, None, None)
        .await;
    assert_shape(&r, 405, "method_not_allowed", "POST /healthz");
    let allow = r
        .headers
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(allow.contains("GET"), "Allow: {allow}");
    let r = app
        .raw("DELETE", "/openapi.json", vec![], None, None, None)
        .await;
    assert_shape(&r, 405, "method_not_allowed", "DELETE /openapi.json");
    app.finish().await;
}

#[tokio::test]
async fn unknown_routes_are_a_json_404() {
    let app = spawn_app().await;
    for target in [
        "/nothing-here",
        "/v1/nothing",
        "/v1/users/1/extra",
        "/%FF",
        "/v2/report",
    ] {
        let r = app.get_plain(target).await;
        assert_shape(&r, 404, "not_found", target);
        let r = app.get(target).await;
        assert_shape(&r, 404, "not_found", target);
    }
    let r = app
        .raw("POST", "/v1/nothing", b"{}".to_vec(), None, None, None)
        .await;
    assert_shape(&r, 404, "not_found", "POST /v1/nothing");
    app.finish().await;
}
