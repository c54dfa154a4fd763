//! `GET /v1/users/{id}`: login, masked email, roles, configured 2FA methods, primary method.
//! Roles are the granted keys naming a role the site defines (`{prefix}user_roles`).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::capabilities::{parse_roles, RoleFilter};
use crate::db::{
    method_configured, META_BACKUP_CODE, META_EMAIL_ENABLED, META_PASSKEYS, META_PRIMARY,
    META_TOTP_SECRET,
};
use crate::email::Method;
use crate::errors::{ApiError, ErrorBody};
use crate::startup::AppState;

/// `john@example.com` → `j***@e***.com`; anything without a usable `@` → `***`.
pub fn mask_email(email: &str) -> String {
    let Some((local, domain)) = email.trim().rsplit_once('@') else {
        return "***".into();
    };
    let first = |s: &str| s.chars().next().map(|c| c.to_string()).unwrap_or_default();
    if local.is_empty() || domain.is_empty() {
        return "***".into();
    }
    match domain.rsplit_once('.') {
        Some((name, tld)) if !name.is_empty() && !tld.is_empty() => {
            format!("{}***@{}***.{}", first(local), first(name), tld)
        }
        _ => format!("{}***@{}***", first(local), first(domain)),
    }
}

pub fn parse_id(raw: &str) -> Result<u64, ApiError> {
    if raw.is_empty() || raw.len() > 19 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::BadRequest(
            "user id must be a positive integer".into(),
        ));
    }
    match raw.parse::<u64>() {
        Ok(0) | Err(_) => Err(ApiError::BadRequest(
            "user id must be a positive integer".into(),
        )),
        Ok(n) => Ok(n),
    }
}

/// One user as the plugin sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserView {
    pub id: u64,
    pub login: String,
    #[schema(example = "j***@e***.com")]
    pub email_masked: String,
    /// Keys granted in `{prefix}capabilities` that name a role defined in the
    /// `{prefix}user_roles` option (every granted key when that option is missing or unreadable).
    pub roles: Vec<String>,
    /// False when the capabilities value could not be parsed.
    pub roles_valid: bool,
    /// The configured methods (docs/CONTRACTS.md, "has 2FA").
    pub methods: Vec<Method>,
    /// The primary method when it names a configured one, else null.
    pub primary: Option<Method>,
}

/// Login, masked email, roles, configured methods, primary method
#[utoipa::path(
    get,
    path = "/v1/users/{id}",
    tag = "v1",
    params(("id" = u64, Path, minimum = 1, description = "`{prefix}users.ID`")),
    security(("TwofaSignature" = [], "TwofaTimestamp" = [], "TwofaRequestId" = [])),
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing, stale or wrong signature", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
        (status = 409, description = "This request id was used before (a replayed request)", body = ErrorBody),
        (status = 503, description = "Database unavailable, or too busy (retryable)", body = ErrorBody),
    )
)]
pub async fn get_user(
    State(state): State<AppState>,
    raw: Result<Path<String>, PathRejection>,
) -> Result<Json<UserView>, ApiError> {
    // A segment that does not decode to UTF-8 (`%FF`) is refused like any other non-number.
    let Ok(Path(raw)) = raw else {
        return Err(ApiError::BadRequest(
            "user id must be a positive integer".into(),
        ));
    };
    let id = parse_id(&raw)?;
    let db_err = |e: crate::db::DbError| {
        tracing::error!(error = %e, "user read failed");
        ApiError::DatabaseUnavailable
    };
    let user = state
        .db
        .user(id)
        .await
        .map_err(db_err)?
        .ok_or(ApiError::UnknownUser)?;
    let meta = state.db.user_meta(id).await.map_err(db_err)?;
    let mut roles = Vec::new();
    let mut roles_valid = true;
    let mut totp = false;
    let mut email = false;
    let mut backup_codes = false;
    let mut passkey = false;
    let mut primary: Option<Method> = None;
    for (k, v) in &meta {
        if k == state.db.capabilities_key() {
            match parse_roles(v) {
                Ok(r) => roles = r,
                Err(e) => {
                    roles_valid = false;
                    tracing::warn!(user_id = id, error = %e, "unreadable capabilities value");
                }
            }
        } else if k == META_TOTP_SECRET {
            totp |= method_configured(v);
        } else if k == META_EMAIL_ENABLED {
            email |= method_configured(v);
        } else if k == META_BACKUP_CODE {
            backup_codes |= method_configured(v);
        } else if k == META_PASSKEYS {
            passkey |= method_configured(v);
        } else if k == META_PRIMARY {
            primary = match v.as_str() {
                "totp" => Some(Method::Totp),
                "email" => Some(Method::Email),
                "passkey" => Some(Method::Passkey),
                _ => None,
            };
        }
    }
    let mut methods = Vec::new();
    if totp {
        methods.push(Method::Totp);
    }
    if email {
        methods.push(Method::Email);
    }
    // A backup only: listed when the user has unused codes, never primary, not "has 2FA".
    if backup_codes {
        methods.push(Method::BackupCodes);
    }
    if passkey {
        methods.push(Method::Passkey);
    }
    // Only report a primary that names a configured method; anything else is stale or bad data.
    let primary = primary.filter(|p| methods.contains(p));
    let roles = if roles.is_empty() {
        roles
    } else {
        RoleFilter::from_option(state.db.user_roles_option().await).apply(roles)
    };
    Ok(Json(UserView {
        id: user.id,
        login: user.login,
        email_masked: mask_email(&user.email),
        roles,
        roles_valid,
        methods,
        primary,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_email("john@example.com"), "j***@e***.com");
        assert_eq!(mask_email("a@b.co.uk"), "a***@b***.uk");
        assert_eq!(mask_email("x@localhost"), "x***@l***");
        assert_eq!(mask_email("nope"), "***");
        assert_eq!(mask_email("@x.com"), "***");
        assert_eq!(mask_email("élise@ü.de"), "é***@ü***.de");
    }

    #[test]
    fn ids() {
        assert!(parse_id("1").is_ok());
        assert!(parse_id("0").is_err());
        assert!(parse_id("-1").is_err());
        assert!(parse_id("1 OR 1=1").is_err());
        assert!(parse_id("99999999999999999999").is_err());
    }
}
