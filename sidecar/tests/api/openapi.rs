//! The served OpenAPI document against the real answers: every documented status of every route
//! is produced here, and each answer's status, content type and JSON body must match the
//! document (bodies are validated against the generated schemas, with a checker for the subset
//! of JSON Schema that utoipa emits; undeclared properties count as a mismatch).

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};
use twofa_sidecar::config::RateLimits;

use crate::helpers::*;

/// Validates `v` against `schema`; `at` names the place for messages.
fn validate(doc: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unsupported $ref {r}"));
        let target = &doc["components"]["schemas"][name];
        assert!(target.is_object(), "dangling $ref {r}");
        return validate(doc, target, v, at, errors);
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = alts
            .iter()
            .filter(|alt| {
                let mut e = Vec::new();
                validate(doc, alt, v, at, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!("{at}: {matching} oneOf alternatives match {v}"));
        }
        return;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            validate(doc, s, v, at, errors);
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => panic!("{at}: odd type {t}"),
        };
        let nullable = schema.get("nullable") == Some(&Value::Bool(true));
        let ok = types.iter().any(|t| match *t {
            "null" => v.is_null(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            other => panic!("{at}: unsupported type {other}"),
        }) || (nullable && v.is_null());
        if !ok {
            errors.push(format!("{at}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(v) {
            errors.push(format!("{at}: {v} is not one of {allowed:?}"));
        }
    }
    if let Some(n) = v.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            if n < min {
                errors.push(format!("{at}: {n} < minimum {min}"));
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            if n > max {
                errors.push(format!("{at}: {n} > maximum {max}"));
            }
        }
    }
    if let (Some(s), Some(p)) = (v.as_str(), schema.get("pattern").and_then(Value::as_str)) {
        let re = regex::Regex::new(p).unwrap_or_else(|e| panic!("{at}: bad pattern {p}: {e}"));
        if !re.is_match(s) {
            errors.push(format!("{at}: {s:?} does not match {p}"));
        }
    }
    if let Some(obj) = v.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !obj.contains_key(r) {
                    errors.push(format!("{at}: required property {r} missing"));
                }
            }
        }
        for (k, val) in obj {
            let here = format!("{at}.{k}");
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(doc, ps, val, &here, errors),
                None => match schema.get("additionalProperties") {
                    Some(Value::Object(_)) => {
                        validate(doc, &schema["additionalProperties"], val, &here, errors)
                    }
                    // A free-form object (no properties declared) takes anything.
                    None if props.is_none() => {}
                    // Stricter than JSON Schema on purpose: an answer field the document does
                    // not declare is drift.
                    _ => errors.push(format!("{here}: not in the document")),
                },
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            validate(doc, items, x, &format!("{at}[{i}]"), errors);
        }
    }
}

struct Checker {
    doc: Value,
    seen: BTreeSet<(String, String, u16)>,
}

impl Checker {
    /// Checks one real answer of `method template` against the document.
    fn check(&mut self, method: &str, template: &str, r: &Resp) {
        let what = format!("{method} {template} → {}", r.status);
        let op = &self.doc["paths"][template][method.to_ascii_lowercase()];
        assert!(op.is_object(), "{what}: operation not in the document");
        let resp = &op["responses"][r.status.to_string()];
        assert!(
            resp.is_object(),
            "{what}: status not documented: {}",
            r.text
        );
        let ct = r
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .to_string();
        let content = resp["content"]
            .as_object()
            .unwrap_or_else(|| panic!("{what}: no documented content"));
        let media = content
            .get(&ct)
            .unwrap_or_else(|| panic!("{what}: content type {ct} not documented"));
        if ct == "application/json" {
            let body: Value = serde_json::from_str(&r.text)
                .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", r.text));
            let mut errors = Vec::new();
            validate(&self.doc, &media["schema"], &body, "$", &mut errors);
            assert!(errors.is_empty(), "{what}: {errors:#?}\n{body}");
        }
        for (name, _) in resp["headers"].as_object().into_iter().flatten() {
            assert!(r.headers.contains_key(name.as_str()), "{what}: no {name}");
        }
        self.seen
            .insert((method.to_string(), template.to_string(), r.status));
    }

    /// An error answer outside any operation (unknown route, wrong method): the Error schema.
    fn check_error(&self, r: &Resp, status: u16) {
        assert_eq!(r.status, status, "{}", r.text);
        let body: Value = serde_json::from_str(&r.text).expect("JSON");
        let mut errors = Vec::new();
        validate(
            &self.doc,
            &json!({"$ref": "#/components/schemas/Error"}),
            &body,
            "$",
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:#?}\n{body}");
    }

    /// Every documented (method, path, status) was produced.
    fn assert_all_seen(&self) {
        let mut missing = Vec::new();
        for (path, ops) in self.doc["paths"].as_object().expect("paths") {
            for (method, op) in ops.as_object().expect("ops") {
                for status in op["responses"].as_object().expect("responses").keys() {
                    let key = (
                        method.to_ascii_uppercase(),
                        path.clone(),
                        status.parse().expect("status"),
                    );
                    if !self.seen.contains(&key) {
                        missing.push(format!("{} {} {}", key.0, key.1, key.2));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "never produced: {missing:#?}");
    }
}

fn otp_body(uid: u64) -> Value {
    json!({"user_id": uid, "code": "246810", "purpose": "login", "expires_in": 600})
}

#[tokio::test]
async fn every_route_answers_as_the_document_says() {
    let app = spawn_app_with(Options {
        limits: RateLimits {
            user_burst: 2,
            user_per_minute: 1,
            global_burst: 10_000,
            global_per_second: 10_000,
        },
        ..Default::default()
    })
    .await;
    let r = app.get_plain("/openapi.json").await;
    let mut c = Checker {
        doc: r.json(),
        seen: BTreeSet::new(),
    };
    assert_eq!(c.doc["openapi"], "3.1.0");
    c.check("GET", "/openapi.json", &r);

    let alice = app
        .db
        .add_user("alice", "alice@example.test", "Alice")
        .await;
    app.db.set_user_roles(&["editor"]).await;
    app.db.set_role(alice, "editor").await;
    app.db.add_meta(alice, "_twofa_totp_secret", "tf1.x").await;
    app.db.add_meta(alice, "_twofa_primary", "totp").await;
    let limited = app.db.add_user("lim", "lim@example.test", "Lim").await;
    let broken = app.db.add_user("bad", "not an address", "Bad").await;
    let notice = json!({"user_id": alice, "event": "test", "method": null});
    let big = vec![b' '; 17 * 1024];

    for (path, ok_body) in [("/v1/email-otp", otp_body(alice)), ("/v1/notify", notice)] {
        let r = app.post(path, &ok_body).await;
        assert_eq!(r.status, 202, "{}", r.text);
        c.check("POST", path, &r);
        let r = app.post(path, &json!({"user_id": alice})).await;
        assert_eq!(r.status, 400);
        c.check("POST", path, &r);
        let r = app
            .raw("POST", path, b"{}".to_vec(), None, None, None)
            .await;
        assert_eq!(r.status, 401);
        c.check("POST", path, &r);
        let mut unknown = ok_body.clone();
        unknown["user_id"] = json!(987_654_321u64);
        let r = app.post(path, &unknown).await;
        assert_eq!(r.status, 404);
        c.check("POST", path, &r);
        // The same signed request twice.
        let bytes = serde_json::to_vec(&ok_body).unwrap();
        let t = now();
        let s = app.sign("POST", path, &bytes, t);
        for want in [202, 409] {
            let r = app
                .raw(
                    "POST",
                    path,
                    bytes.clone(),
                    Some(t.to_string()),
                    Some(s.id.clone()),
                    Some(s.sig.clone()),
                )
                .await;
            assert_eq!(r.status, want, "{}", r.text);
            c.check("POST", path, &r);
        }
        let r = app.post_bytes(path, big.clone()).await;
        assert_eq!(r.status, 413);
        c.check("POST", path, &r);
        let mut bad = ok_body.clone();
        bad["user_id"] = json!(broken);
        let r = app.post(path, &bad).await;
        assert_eq!(r.status, 422, "{}", r.text);
        c.check("POST", path, &r);
        let mut lim = ok_body.clone();
        lim["user_id"] = json!(limited);
        let mut last = app.post(path, &lim).await;
        for _ in 0..3 {
            if last.status == 429 {
                break;
            }
            last = app.post(path, &lim).await;
        }
        assert_eq!(last.status, 429, "{}", last.text);
        c.check("POST", path, &last);
    }

    let users = "/v1/users/{id}";
    let r = app.get(&format!("/v1/users/{alice}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["primary"], "totp");
    c.check("GET", users, &r);
    let r = app.get(&format!("/v1/users/{limited}")).await;
    assert_eq!(r.json()["primary"], Value::Null);
    c.check("GET", users, &r);
    for (target, want) in [("/v1/users/abc", 400), ("/v1/users/987654321", 404)] {
        let r = app.get(target).await;
        assert_eq!(r.status, want, "{}", r.text);
        c.check("GET", users, &r);
    }
    let r = app.get_plain("/v1/users/1").await;
    c.check("GET", users, &r);
    let t = now();
    let s = app.sign("GET", "/v1/users/1", b"", t);
    for _ in 0..2 {
        let r = app
            .raw(
                "GET",
                "/v1/users/1",
                vec![],
                Some(t.to_string()),
                Some(s.id.clone()),
                Some(s.sig.clone()),
            )
            .await;
        c.check("GET", users, &r);
    }

    let report = "/v1/report";
    for (target, want) in [
        ("/v1/report", 200),
        ("/v1/report?role=editor&per_page=1", 200),
        ("/v1/report?page=0", 400),
    ] {
        let r = app.get(target).await;
        assert_eq!(r.status, want, "{}", r.text);
        c.check("GET", report, &r);
    }
    let r = app.get_plain(report).await;
    c.check("GET", report, &r);
    let t = now();
    let s = app.sign("GET", report, b"", t);
    for _ in 0..2 {
        let r = app
            .raw(
                "GET",
                report,
                vec![],
                Some(t.to_string()),
                Some(s.id.clone()),
                Some(s.sig.clone()),
            )
            .await;
        c.check("GET", report, &r);
    }

    for path in ["/healthz", "/readyz", "/metrics"] {
        let r = app.get_plain(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        c.check("GET", path, &r);
    }
    // Outside any operation: unknown route, wrong method.
    c.check_error(&app.get_plain("/v1/nothing").await, 404);
    c.check_error(
        &app.raw("PUT", "/healthz", vec![], None, None, None).await,
        405,
    );

    // Mail down: 503 from the mail routes and from readiness.
    let down = spawn_app_with(Options {
        mail: Mail::Smtp(closed_port()),
        mail_timeout: Duration::from_secs(5),
        ..Default::default()
    })
    .await;
    let u = down.db.add_user("d", "d@example.test", "D").await;
    let r = down.post("/v1/email-otp", &otp_body(u)).await;
    assert_eq!(r.status, 503);
    c.check("POST", "/v1/email-otp", &r);
    let r = down
        .post("/v1/notify", &json!({"user_id": u, "event": "lockout"}))
        .await;
    assert_eq!(r.status, 503);
    c.check("POST", "/v1/notify", &r);
    let r = down.get_plain("/readyz").await;
    assert_eq!(r.status, 503);
    c.check("GET", "/readyz", &r);
    down.finish().await;

    // Database down: 503 from the user routes.
    let nodb = spawn_app_with(Options {
        mysql_url: Some(format!(
            "mysql://twofa:x@127.0.0.1:{}/wordpress",
            closed_port()
        )),
        ..Default::default()
    })
    .await;
    for (target, template) in [("/v1/users/1", users), ("/v1/report", report)] {
        let r = nodb.get(target).await;
        assert_eq!(r.status, 503, "{}", r.text);
        c.check("GET", template, &r);
    }
    nodb.finish().await;

    c.assert_all_seen();
    app.finish().await;
}

#[test]
fn the_checker_refuses_what_does_not_match() {
    let doc = json!({"components": {"schemas": {
        "M": {"type": "string", "enum": ["totp", "email"]},
        "U": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "integer", "minimum": 1},
            "code": {"type": "string", "pattern": "^[0-9]{6}$"},
            "primary": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/M"}]},
            "list": {"type": "array", "items": {"$ref": "#/components/schemas/M"}}
        }}
    }}});
    let schema = json!({"$ref": "#/components/schemas/U"});
    let errors_for = |v: Value| {
        let mut e = Vec::new();
        validate(&doc, &schema, &v, "$", &mut e);
        e
    };
    assert!(
        errors_for(json!({"id": 1, "code": "123456", "primary": null, "list": ["email"]}))
            .is_empty()
    );
    for bad in [
        json!({}),
        json!({"id": 0}),
        json!({"id": "1"}),
        json!({"id": 1, "code": "12345"}),
        json!({"id": 1, "primary": "sms"}),
        json!({"id": 1, "list": ["totp", "x"]}),
        json!({"id": 1, "extra": true}),
        json!([1]),
    ] {
        assert!(!errors_for(bad.clone()).is_empty(), "{bad} passed");
    }
}
