//! Staff accounts at the edge: Argon2id password hashes, sessions in the database (only a SHA-256 of the
//! token is stored), CSRF tokens, and log-in throttling.
//!
//! A browser carries the session in an `HttpOnly`, `SameSite=Lax` cookie, and every state-changing form
//! carries the session's CSRF token. An API client sends `Authorization: Bearer <token>` instead and needs
//! no CSRF token, since a browser never adds that header on its own.

use crate::error::Error;
use crate::state::AppState;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, Utc};
use onetrip_domain::access::{allows, Permission, Role};
use onetrip_domain::FieldErrors;
use onetrip_store::User;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "onetrip_session";
pub const LOGIN_CSRF_COOKIE: &str = "onetrip_login_csrf";
pub const SESSION_HOURS: i64 = 8;
/// Failed log-ins allowed per account in [`THROTTLE_MINUTES`] before further attempts are refused.
pub const MAX_FAILURES: u64 = 5;
pub const THROTTLE_MINUTES: i64 = 15;

pub fn hash_password(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| Error::Internal(format!("password hashing: {error}")))
}

fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

/// The rules for a new password, with the message for the form.
pub fn check_new_password(password: &str) -> Result<(), FieldErrors> {
    let length = password.chars().count();
    if length < 10 {
        return Err(FieldErrors::single("password", "密码至少 10 位，建议用一句容易记住的话"));
    }
    if length > 128 {
        return Err(FieldErrors::single("password", "密码最长 128 位"));
    }
    if password.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldErrors::single("password", "密码不能全是数字"));
    }
    Ok(())
}

/// A fresh random token, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A dummy hash verified when the user does not exist, so that timing does not reveal which names exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$hB2j2Gq0lGJ3bqQ1S5dQ5b0k4m4s0Qx1m1dC8J2bC0A";

/// At most this many password hashes are computed at once: each takes 19 MiB and tens of milliseconds.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Verifies a password off the async workers, so that a burst of log-ins cannot stall other requests.
async fn verify_off_thread(password: &str, stored: &str) -> Result<bool, Error> {
    let _permit = HASHING.acquire().await.map_err(|error| Error::Internal(error.to_string()))?;
    let (password, stored) = (password.to_string(), stored.to_string());
    tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|error| Error::Internal(format!("password check: {error}")))
}

/// Verifies a password against a stored hash, or spends the same time on a dummy hash when there is none,
/// so that timing does not reveal which accounts exist or have a password.
pub async fn verify_off_thread_or_dummy(password: &str, stored: Option<&str>) -> Result<bool, Error> {
    match stored {
        Some(hash) => verify_off_thread(password, hash).await,
        None => {
            verify_off_thread(password, DUMMY_HASH).await?;
            Ok(false)
        }
    }
}

pub const MAX_USERNAME_CHARS: usize = 64;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Checks a username and password, with throttling. On success returns the user.
///
/// Every attempt is recorded before the password is checked, and the count includes it, so parallel
/// guesses cannot slip past the limit; a successful log-in clears the account's record.
pub async fn authenticate(state: &AppState, username: &str, password: &str) -> Result<User, Error> {
    let wrong = || Error::Validation(FieldErrors::single("password", "用户名或密码不对，请重新输入"));
    if username.is_empty()
        || username.chars().count() > MAX_USERNAME_CHARS
        || password.is_empty()
        || password.chars().count() > MAX_PASSWORD_CHARS
    {
        return Err(wrong());
    }
    let now = Utc::now();
    state.store.record_login_failure(username, now).await?;
    let attempts = state.store.login_failures_since(username, now - Duration::minutes(THROTTLE_MINUTES)).await?;
    if attempts > MAX_FAILURES {
        tracing::warn!("log-in refused: too many failures for one account");
        return Err(Error::TooManyAttempts);
    }
    let user = state.store.user_by_username(username).await?;
    let verified = match &user {
        Some(user) if !user.disabled => verify_off_thread(password, &user.password_hash).await?,
        _ => {
            verify_off_thread(password, DUMMY_HASH).await?;
            false
        }
    };
    match user {
        Some(user) if verified => {
            state.store.clear_login_failures(username).await?;
            Ok(user)
        }
        _ => Err(wrong()),
    }
}

/// Opens a session for a user; returns the token to hand to the client.
pub async fn open_session(state: &AppState, user: &User) -> Result<String, Error> {
    let token = random_token();
    let now = Utc::now();
    state
        .store
        .create_session(&token_hash(&token), user.id, &random_token(), now, now + Duration::hours(SESSION_HOURS))
        .await?;
    Ok(token)
}

pub fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", SESSION_HOURS * 3600)
}

pub fn clear_session_cookie(state: &AppState) -> String {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

pub fn login_csrf_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    format!("{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{secure}")
}

pub fn cookie_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// How the request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Cookie,
    Bearer,
}

/// A logged-in staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub csrf_token: String,
    pub credential: Credential,
    /// The session token's hash, for log-out.
    pub token_hash: String,
}

impl Staff {
    pub fn require(&self, permission: Permission) -> Result<(), Error> {
        if allows(&self.user.roles, permission) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        allows(&self.user.roles, permission)
    }

    pub fn roles(&self) -> &[Role] {
        &self.user.roles
    }

    /// Checks the CSRF token of a state-changing request made with the session cookie.
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), Error> {
        if self.credential == Credential::Bearer {
            return Ok(());
        }
        match submitted {
            Some(token) if same_secret(token, &self.csrf_token) => Ok(()),
            _ => Err(Error::CsrfFailed),
        }
    }
}

async fn staff_from_parts(parts: &Parts, state: &AppState) -> Result<Option<Staff>, Error> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let (token, credential) = match (bearer, cookie_value(parts, SESSION_COOKIE)) {
        (Some(token), _) => (token, Credential::Bearer),
        (None, Some(token)) => (token, Credential::Cookie),
        (None, None) => return Ok(None),
    };
    let hash = token_hash(token.trim());
    let session = state.store.session(&hash, Utc::now()).await?;
    Ok(session.map(|session| Staff {
        user: session.user,
        csrf_token: session.csrf_token,
        credential,
        token_hash: hash,
    }))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        staff_from_parts(parts, state).await?.ok_or(Error::Unauthenticated)
    }
}

/// The staff member if logged in; pages that everyone may see use this to show the staff menu.
pub struct MaybeStaff(pub Option<Staff>);

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(staff_from_parts(parts, state).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_with_the_right_password() {
        let hash = hash_password("一句容易记住的话2026").expect("hash");
        assert!(verify_password("一句容易记住的话2026", &hash));
        assert!(!verify_password("一句容易记住的话2025", &hash));
        assert!(!verify_password("anything", DUMMY_HASH));
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("1234567890").is_err());
        assert!(check_new_password("correct horse battery").is_ok());
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert_ne!(random_token(), random_token());
    }
}
