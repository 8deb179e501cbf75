//! API keys of department systems: `otk_<id>_<secret>`, of which only the SHA-256 of the secret is kept.
//! The operator issues the first (`onetrip user key NAME`); the system replaces its own through the API,
//! and the key it replaces keeps working for [`OVERLAP_HOURS`], so that it can switch without a gap.

use crate::accounts::staff::StaffSession;
use crate::accounts::{random_token, same_secret, token_hash};
use crate::app::App;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use onetrip_domain::access::Role;
use onetrip_domain::actor::Actor;

/// How long a replaced key still works.
pub const OVERLAP_HOURS: i64 = 24;

const PREFIX: &str = "otk_";

/// Whether a bearer token is an API key (rather than a session token).
pub fn is_api_key(token: &str) -> bool {
    token.starts_with(PREFIX)
}

fn new_key() -> (String, String, String) {
    let id: String = random_token().chars().filter(char::is_ascii_alphanumeric).take(16).collect();
    let secret = random_token();
    (format!("{PREFIX}{id}_{secret}"), id, token_hash(&secret))
}

/// Issues a new key for the department system `username` (the operator's command); the user's older keys
/// end after the overlap. Only department systems get keys.
pub async fn issue(app: &App, actor: &Actor, username: &str) -> AppResult<(String, DateTime<Utc>)> {
    if !actor.may(onetrip_domain::access::Permission::ManageUsers) {
        return Err(AppError::Forbidden);
    }
    let user =
        app.store.user_by_username(username).await?.ok_or_else(|| AppError::NotFound(format!("用户 {username}")))?;
    if !user.roles.contains(&Role::DepartmentSystem) {
        return Err(AppError::field("username", "只有“部门业务系统”（department_system）账号可以有 API 密钥"));
    }
    store_key(app, user.id).await
}

/// Replaces the calling system's key: the new key, and until when the one it replaces works.
pub async fn rotate_own(app: &App, actor: &Actor) -> AppResult<(String, DateTime<Utc>)> {
    if !actor.roles.contains(&Role::DepartmentSystem) {
        return Err(AppError::Forbidden);
    }
    let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
    store_key(app, user_id).await
}

async fn store_key(app: &App, user_id: i64) -> AppResult<(String, DateTime<Utc>)> {
    let (key, id, hash) = new_key();
    let now = app.now();
    let until = now + chrono::Duration::hours(OVERLAP_HOURS);
    app.store.add_api_key(user_id, &id, &hash, now, until).await?;
    Ok((key, until))
}

/// The session an API key stands for, if it is a live key of an enabled department system.
pub async fn session(app: &App, key: &str) -> AppResult<Option<StaffSession>> {
    let Some((id, secret)) = key.trim().strip_prefix(PREFIX).and_then(|rest| rest.split_once('_')) else {
        return Ok(None);
    };
    if id.is_empty() || id.len() > 32 || secret.len() > 100 {
        return Ok(None);
    }
    let Some((user, hash)) = app.store.api_key(id, app.now()).await? else {
        return Ok(None);
    };
    if !same_secret(&token_hash(secret), &hash) {
        return Ok(None);
    }
    Ok(Some(StaffSession { user, csrf_token: String::new(), token_hash: String::new() }))
}
