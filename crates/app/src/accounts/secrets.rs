//! Passwords and tokens: Argon2id hashes computed off the async workers and a few at a time, random URL-safe
//! tokens (only a SHA-256 of a session token is stored), and comparison in constant time.

use crate::error::{AppError, AppResult};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use onetrip_domain::FieldErrors;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const MAX_PASSWORD_CHARS: usize = 128;

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AppError::Internal(format!("password hashing: {error}")))
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
    if length > MAX_PASSWORD_CHARS {
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

/// Hashes a new password off the async workers.
pub async fn hash_off_thread(password: &str) -> AppResult<String> {
    let _permit = HASHING.acquire().await.map_err(|error| AppError::Internal(error.to_string()))?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|error| AppError::Internal(format!("password hashing: {error}")))?
}

/// Verifies a password off the async workers, so that a burst of log-ins cannot stall other requests.
async fn verify_off_thread(password: &str, stored: &str) -> AppResult<bool> {
    let _permit = HASHING.acquire().await.map_err(|error| AppError::Internal(error.to_string()))?;
    let (password, stored) = (password.to_string(), stored.to_string());
    tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|error| AppError::Internal(format!("password check: {error}")))
}

/// Verifies a password against a stored hash, or spends the same time on a dummy hash when there is none,
/// so that timing does not reveal which accounts exist or have a password.
pub async fn verify_or_dummy(password: &str, stored: Option<&str>) -> AppResult<bool> {
    match stored {
        Some(hash) => verify_off_thread(password, hash).await,
        None => {
            verify_off_thread(password, DUMMY_HASH).await?;
            Ok(false)
        }
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
