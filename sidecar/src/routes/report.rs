//! `GET /v1/report?page=&per_page=&role=`: adoption totals, per role, per method, and the users
//! without 2FA (paged). Five queries whatever the number of users (see `Db::report_users`), one
//! of them the site's role definitions: only keys naming a defined role count as roles.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::capabilities::{parse_roles, RoleFilter};
use crate::errors::ApiError;
use crate::startup::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    role: Option<String>,
}

pub const MAX_PER_PAGE: u32 = 500;

fn valid_role(r: &str) -> bool {
    (1..=64).contains(&r.len())
        && r.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[derive(Default)]
struct RoleCount {
    users: u64,
    with_2fa: u64,
}

pub async fn report(
    State(state): State<AppState>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(|_| {
        ApiError::BadRequest("query accepts only page, per_page (integers) and role".into())
    })?;
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(50);
    if page == 0 || page > 1_000_000 {
        return Err(ApiError::BadRequest("page must be 1 to 1000000".into()));
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(ApiError::BadRequest(format!(
            "per_page must be 1 to {MAX_PER_PAGE}"
        )));
    }
    if let Some(r) = &q.role {
        if !valid_role(r) {
            return Err(ApiError::BadRequest(
                "role must be 1 to 64 characters of a-z, A-Z, 0-9, _ and -".into(),
            ));
        }
    }
    let users = state.db.report_users().await.map_err(|e| {
        tracing::error!(error = %e, "report query failed");
        ApiError::DatabaseUnavailable
    })?;
    // Read after the users so a database that is down fails the request above, not here.
    let defined = RoleFilter::from_option(state.db.user_roles_option().await);

    let mut total = 0u64;
    let mut with = 0u64;
    let mut totp = 0u64;
    let mut email = 0u64;
    let mut backup_codes = 0u64;
    let mut invalid_caps = 0u64;
    let mut by_role: BTreeMap<String, RoleCount> = BTreeMap::new();
    let mut without: Vec<(u64, Vec<String>)> = Vec::new();
    for u in users {
        let roles = match u.caps.as_deref().map(parse_roles) {
            Some(Ok(r)) => defined.apply(r),
            Some(Err(_)) => {
                invalid_caps += 1;
                Vec::new()
            }
            None => Vec::new(),
        };
        if let Some(want) = &q.role {
            if !roles.iter().any(|r| r == want) {
                continue;
            }
        }
        let has = u.totp || u.email;
        total += 1;
        with += has as u64;
        totp += u.totp as u64;
        email += u.email as u64;
        backup_codes += u.backup_codes as u64;
        for r in &roles {
            let c = by_role.entry(r.clone()).or_default();
            c.users += 1;
            c.with_2fa += has as u64;
        }
        if !has {
            without.push((u.id, roles));
        }
    }
    if invalid_caps > 0 {
        tracing::warn!(
            count = invalid_caps,
            "users with an unreadable capabilities value (counted without roles)"
        );
    }
    let start = ((page as usize) - 1).saturating_mul(per_page as usize);
    let slice: &[(u64, Vec<String>)] = without.get(start..).unwrap_or(&[]);
    let slice = &slice[..slice.len().min(per_page as usize)];
    let ids: Vec<u64> = slice.iter().map(|(id, _)| *id).collect();
    let names = state.db.names(&ids).await.map_err(|e| {
        tracing::error!(error = %e, "report name query failed");
        ApiError::DatabaseUnavailable
    })?;
    let names: BTreeMap<u64, (String, String)> =
        names.into_iter().map(|(id, l, d)| (id, (l, d))).collect();
    let items: Vec<Value> = slice
        .iter()
        .map(|(id, roles)| {
            let (login, display) = names.get(id).cloned().unwrap_or_default();
            json!({ "id": id, "login": login, "display_name": display, "roles": roles })
        })
        .collect();
    let by_role: BTreeMap<String, Value> = by_role
        .into_iter()
        .map(|(r, c)| (r, json!({ "users": c.users, "with_2fa": c.with_2fa })))
        .collect();
    Ok(Json(json!({
        "total_users": total,
        "with_2fa": with,
        "without_2fa": total - with,
        "by_role": by_role,
        "by_method": { "totp": totp, "email": email, "backup_codes": backup_codes },
        "invalid_capabilities": invalid_caps,
        "without_2fa_users": {
            "page": page,
            "per_page": per_page,
            "total": without.len(),
            "items": items,
        },
    })))
}
