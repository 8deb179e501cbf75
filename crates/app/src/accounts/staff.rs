//! Staff accounts: log-in with throttling, sessions in the database (only a hash of the token is stored),
//! and the operator's commands to create, re-password and disable accounts.

use super::secrets::{
    check_new_password, hash_off_thread, random_token, token_hash, verify_or_dummy, MAX_PASSWORD_CHARS,
};
use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use crate::throttle::{self, Kind};
use chrono::Duration;
use onetrip_domain::access::Role;
use onetrip_store::{NewUser, StoreError, User};

pub const SESSION_HOURS: i64 = 8;
pub const MAX_USERNAME_CHARS: usize = 64;

/// A staff member's open session.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub user: User,
    pub csrf_token: String,
    /// The session token's hash, to end the session.
    pub token_hash: String,
}

/// Checks a username and password from a client `address`, slowed by the throttles (`crate::throttle`):
/// per account and address, per account, per address and over all staff log-ins. On success returns the
/// user.
pub async fn authenticate(app: &App, username: &str, password: &str, address: &str) -> AppResult<User> {
    let wrong = || AppError::field("password", "用户名或密码不对，请重新输入");
    if username.is_empty()
        || username.chars().count() > MAX_USERNAME_CHARS
        || password.is_empty()
        || password.chars().count() > MAX_PASSWORD_CHARS
    {
        return Err(wrong());
    }
    let attempt = throttle::begin(app, Kind::StaffLogin, username, address).await?;
    let user = app.store.user_by_username(username).await?;
    let stored = user.as_ref().filter(|user| !user.disabled).map(|user| user.password_hash.as_str());
    let verified = verify_or_dummy(password, stored).await?;
    match user {
        Some(user) if verified => {
            attempt.succeeded(app).await?;
            Ok(user)
        }
        _ => Err(wrong()),
    }
}

/// Failed log-ins on a staff account over the last day from anywhere (after the owner's own successful
/// log-in cleared theirs): shown to the owner, so that they know when their account is being attacked.
pub async fn recent_failed_logins(app: &App, username: &str) -> AppResult<onetrip_store::FailureSummary> {
    throttle::recent_failures(app, Kind::StaffLogin, username).await
}

/// Opens a session for a user; returns the token to hand to the client.
pub async fn open_session(app: &App, user: &User) -> AppResult<String> {
    let token = random_token();
    let now = app.now();
    app.store
        .create_session(&token_hash(&token), user.id, &random_token(), now, now + Duration::hours(SESSION_HOURS))
        .await?;
    Ok(token)
}

/// The session a token opens, if it exists and has not expired.
pub async fn session(app: &App, token: &str) -> AppResult<Option<StaffSession>> {
    let hash = token_hash(token.trim());
    let session = app.store.session(&hash, app.now()).await?;
    Ok(session.map(|session| StaffSession { user: session.user, csrf_token: session.csrf_token, token_hash: hash }))
}

pub async fn close_session(app: &App, session: &StaffSession) -> AppResult<()> {
    Ok(app.store.delete_session(&session.token_hash).await?)
}

/// An account the operator asks for on the command line.
pub struct NewAccount {
    pub username: String,
    pub display_name: Option<String>,
    pub roles: Vec<Role>,
    pub department: Option<String>,
    pub password: String,
}

/// Creates a staff account (the operator's command); returns it as stored.
pub async fn create_user(app: &App, account: NewAccount) -> AppResult<NewUser> {
    let username = account.username.trim().to_string();
    if username.is_empty()
        || username.len() > MAX_USERNAME_CHARS
        || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(AppError::field("username", "用户名由字母、数字和 . _ - 组成，最长 64 位"));
    }
    check_new_password(&account.password)?;
    let user = NewUser {
        display_name: account.display_name.unwrap_or_else(|| username.clone()),
        username,
        password_hash: hash_off_thread(&account.password).await?,
        roles: account.roles,
        department: account.department.map(|code| code.trim().to_string()).filter(|code| !code.is_empty()),
    };
    match app.store.create_user(&user, app.now()).await {
        Ok(_) => Ok(user),
        Err(StoreError::Conflict(_)) => {
            Err(AppError::conflict(Conflict::AlreadyExists, format!("用户 {} 已存在", user.username)))
        }
        Err(other) => Err(other.into()),
    }
}

async fn find_user(app: &App, username: &str) -> AppResult<User> {
    app.store.user_by_username(username).await?.ok_or_else(|| AppError::NotFound(format!("用户 {username}")))
}

/// Sets a new password; the account's sessions end.
pub async fn set_password(app: &App, username: &str, password: &str) -> AppResult<()> {
    let user = find_user(app, username).await?;
    check_new_password(password)?;
    let hash = hash_off_thread(password).await?;
    Ok(app.store.set_password(user.id, &hash).await?)
}

/// Disables an account (its sessions end), or enables it again.
pub async fn set_disabled(app: &App, username: &str, disabled: bool) -> AppResult<()> {
    let user = find_user(app, username).await?;
    Ok(app.store.set_user_disabled(user.id, disabled).await?)
}

/// A staff account by log-in name, enabled, for the hall's posts.
pub(crate) async fn enabled_user(app: &App, username: &str) -> AppResult<Option<User>> {
    Ok(app.store.user_by_username(username).await?.filter(|user| !user.disabled))
}
