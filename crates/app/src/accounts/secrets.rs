//! Passwords and tokens: Argon2id hashes computed on two threads of their own (so that the memory a burst of
//! log-ins takes is bounded), random URL-safe tokens (only a SHA-256 of a session token is stored), and
//! comparison in constant time.

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

/// Password hashes are computed on this many long-lived threads of their own, one hash at a time each.
/// Each Argon2 hash takes 19 MiB: computed on short-lived blocking threads, every new thread got its own
/// allocator arena that kept its 19 MiB after the hash was done, and a burst of log-ins grew the process by
/// hundreds of megabytes for good. Two threads reuse their memory: the hashing stays within about 40 MiB
/// whatever the load.
const HASH_THREADS: usize = 2;
/// Hashes waiting for a thread; more than this at once are refused with `too_many_attempts` at once,
/// instead of queueing without bound.
const HASH_QUEUE: usize = 64;

enum HashWork {
    Hash(String),
    Verify(String, String),
}

enum HashOutcome {
    Hashed(AppResult<String>),
    Verified(bool),
}

struct HashJob {
    work: HashWork,
    reply: tokio::sync::oneshot::Sender<HashOutcome>,
}

/// The hashing threads and their queue.
struct HashPool {
    jobs: std::sync::mpsc::SyncSender<HashJob>,
}

impl HashPool {
    fn start(threads: usize, queue: usize) -> Self {
        let (jobs, receiver) = std::sync::mpsc::sync_channel::<HashJob>(queue);
        let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
        for index in 0..threads {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new().name(format!("password-hash-{index}")).spawn(move || loop {
                let job = match receiver.lock() {
                    Ok(receiver) => receiver.recv(),
                    Err(_) => return,
                };
                let Ok(job) = job else { return };
                let outcome = match job.work {
                    HashWork::Hash(password) => HashOutcome::Hashed(hash_password(&password)),
                    HashWork::Verify(password, stored) => HashOutcome::Verified(verify_password(&password, &stored)),
                };
                let _ = job.reply.send(outcome);
            });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Self { jobs }
    }

    async fn run(&self, work: HashWork) -> AppResult<HashOutcome> {
        let (reply, outcome) = tokio::sync::oneshot::channel();
        self.jobs.try_send(HashJob { work, reply }).map_err(|error| match error {
            std::sync::mpsc::TrySendError::Full(_) => {
                tracing::warn!("password hashing queue full: log-in refused for now");
                AppError::TooManyAttempts {
                    retry_after_seconds: 5,
                    message: "现在登录的人很多，请过几秒钟再试".to_string(),
                }
            }
            std::sync::mpsc::TrySendError::Disconnected(_) => AppError::Internal("password hashing stopped".into()),
        })?;
        outcome.await.map_err(|_| AppError::Internal("password hashing thread ended".to_string()))
    }
}

fn pool() -> &'static HashPool {
    static POOL: std::sync::OnceLock<HashPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| HashPool::start(HASH_THREADS, HASH_QUEUE))
}

/// Hashes a new password on the hashing threads.
pub async fn hash_off_thread(password: &str) -> AppResult<String> {
    match pool().run(HashWork::Hash(password.to_string())).await? {
        HashOutcome::Hashed(hash) => hash,
        HashOutcome::Verified(_) => Err(AppError::Internal("password hashing answered another job".into())),
    }
}

/// Verifies a password on the hashing threads, so that a burst of log-ins can neither stall other requests
/// nor grow the memory.
async fn verify_off_thread(password: &str, stored: &str) -> AppResult<bool> {
    match pool().run(HashWork::Verify(password.to_string(), stored.to_string())).await? {
        HashOutcome::Verified(verified) => Ok(verified),
        HashOutcome::Hashed(_) => Err(AppError::Internal("password check answered another job".into())),
    }
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

    /// More hashes at once than the threads and the queue hold are refused at once with the exact refusal;
    /// the others are all computed.
    #[tokio::test]
    async fn a_full_hashing_queue_refuses_with_too_many_attempts() {
        let pool = std::sync::Arc::new(HashPool::start(1, 1));
        let mut running = Vec::new();
        for _ in 0..12 {
            let pool = pool.clone();
            running.push(tokio::spawn(async move { pool.run(HashWork::Verify("x".into(), DUMMY_HASH.into())).await }));
        }
        let (mut done, mut refused) = (0, 0);
        for task in running {
            match task.await.expect("task") {
                Ok(HashOutcome::Verified(false)) => done += 1,
                Err(AppError::TooManyAttempts { retry_after_seconds: 5, .. }) => refused += 1,
                Err(other) => panic!("unexpected refusal {other:?}"),
                Ok(_) => panic!("unexpected outcome"),
            }
        }
        assert!(refused >= 1, "{done} computed, {refused} refused");
        assert!(done >= 1, "{done} computed, {refused} refused");
        assert_eq!(done + refused, 12);
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert_ne!(random_token(), random_token());
    }
}
