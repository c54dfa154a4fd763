//! `GET /v1/users/{id}`: login, masked email, roles, configured 2FA methods, primary method.
//! Roles are the granted keys naming a role the site defines (`{prefix}user_roles`).

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use crate::capabilities::{parse_roles, RoleFilter};
use crate::db::{method_configured, META_EMAIL_ENABLED, META_PRIMARY, META_TOTP_SECRET};
use crate::errors::ApiError;
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

pub async fn get_user(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
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
    let mut primary: Option<String> = None;
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
        } else if k == META_PRIMARY {
            primary = Some(v.clone());
        }
    }
    let mut methods = Vec::new();
    if totp {
        methods.push("totp");
    }
    if email {
        methods.push("email");
    }
    // Only report a primary that names a configured method; anything else is stale or bad data.
    let primary = primary.filter(|p| methods.contains(&p.as_str()));
    let roles = if roles.is_empty() {
        roles
    } else {
        RoleFilter::from_option(state.db.user_roles_option().await).apply(roles)
    };
    Ok(Json(json!({
        "id": user.id,
        "login": user.login,
        "email_masked": mask_email(&user.email),
        "roles": roles,
        "roles_valid": roles_valid,
        "methods": methods,
        "primary": primary,
    })))
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
