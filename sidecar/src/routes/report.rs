//! `GET /v1/report?page=&per_page=&role=`: adoption totals, per role, per method, and the users
//! without 2FA (paged). Five queries whatever the number of users (see `Db::report_users`), one
//! of them the site's role definitions: only keys naming a defined role count as roles.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::capabilities::{parse_roles, RoleFilter};
use crate::errors::{ApiError, ErrorBody};
use crate::startup::AppState;

/// The query string; no other parameter is accepted.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Page of `without_2fa_users`.
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    page: Option<u32>,
    #[param(minimum = 1, maximum = 500, default = 50)]
    per_page: Option<u32>,
    /// Only users holding this role.
    #[param(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    role: Option<String>,
}

/// Users and users with 2FA, for one role.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RoleCount {
    pub users: u64,
    pub with_2fa: u64,
}

/// Users with each method configured.
#[derive(Debug, Serialize, ToSchema)]
pub struct MethodCount {
    pub totp: u64,
    pub email: u64,
    /// Users with unused backup codes (a backup only: not counted in `with_2fa`).
    pub backup_codes: u64,
    /// Users with at least one passkey.
    pub passkey: u64,
}

/// A user without 2FA.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserWithout2fa {
    pub id: u64,
    pub login: String,
    pub display_name: String,
    pub roles: Vec<String>,
}

/// One page of the users without 2FA.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsersWithout2faPage {
    pub page: u32,
    pub per_page: u32,
    /// All users without 2FA (every page).
    pub total: u64,
    pub items: Vec<UserWithout2fa>,
}

/// 2FA adoption.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Report)]
pub struct ReportView {
    pub total_users: u64,
    pub with_2fa: u64,
    pub without_2fa: u64,
    /// Per role slug (roles the site defines).
    pub by_role: BTreeMap<String, RoleCount>,
    pub by_method: MethodCount,
    /// Users whose capabilities value could not be read (counted without roles).
    pub invalid_capabilities: u64,
    pub without_2fa_users: UsersWithout2faPage,
}

pub const MAX_PER_PAGE: u32 = 500;

fn valid_role(r: &str) -> bool {
    (1..=64).contains(&r.len())
        && r.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// 2FA adoption by role and method; users without 2FA (paged)
#[utoipa::path(
    get,
    path = "/v1/report",
    tag = "v1",
    params(ReportQuery),
    security(("TwofaSignature" = [], "TwofaTimestamp" = [], "TwofaRequestId" = [])),
    responses(
        (status = 200, description = "The report", body = ReportView),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing, stale or wrong signature", body = ErrorBody),
        (status = 409, description = "This request id was used before (a replayed request)", body = ErrorBody),
        (status = 503, description = "Database unavailable, or too busy (retryable)", body = ErrorBody),
    )
)]
pub async fn report(
    State(state): State<AppState>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<ReportView>, ApiError> {
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
    let mut passkey = 0u64;
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
        let has = u.totp || u.email || u.passkey;
        total += 1;
        with += has as u64;
        totp += u.totp as u64;
        email += u.email as u64;
        backup_codes += u.backup_codes as u64;
        passkey += u.passkey as u64;
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
    let items: Vec<UserWithout2fa> = slice
        .iter()
        .map(|(id, roles)| {
            let (login, display_name) = names.get(id).cloned().unwrap_or_default();
            UserWithout2fa {
                id: *id,
                login,
                display_name,
                roles: roles.clone(),
            }
        })
        .collect();
    Ok(Json(ReportView {
        total_users: total,
        with_2fa: with,
        without_2fa: total - with,
        by_role,
        by_method: MethodCount {
            totp,
            email,
            backup_codes,
            passkey,
        },
        invalid_capabilities: invalid_caps,
        without_2fa_users: UsersWithout2faPage {
            page,
            per_page,
            total: without.len() as u64,
            items,
        },
    }))
}
