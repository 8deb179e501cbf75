//! Passwords and tokens: Argon2id hashes computed on two threads of their own (so that the memory a burst of
//! log-ins takes is bounded), random URL-safe tokens (only a SHA-256 of a session token is stored), and
//! comparison in constant time.

use crate::error::{AppError, AppResult};
use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use onetrip_domain::FieldErrors;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const MAX_PASSWORD_CHARS: usize = 128;

thread_local! {
    /// The Argon2 working memory of this thread (19 MiB with the default parameters), allocated on the first
    /// hash and reused for every later one: hashing never allocates, so a burst of log-ins cannot grow the
    /// process (see [`HASH_THREADS`]).
    static ARGON2_MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Argon2 of `password` and `salt` into `out`, in this thread's reused working memory.
fn argon2_into(argon: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), argon2::Error> {
    ARGON2_MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        let blocks = argon.params().block_count();
        if memory.len() < blocks {
            memory.resize(blocks, argon2::Block::default());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
    })
}

/// An Argon2id hash of a new password, as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash_password(password: &str) -> AppResult<String> {
    let failed = |error: String| AppError::Internal(format!("password hashing: {error}"));
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|error| failed(error.to_string()))?;
    let argon = Argon2::default();
    let mut out = [0u8; argon2::Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&argon, password.as_bytes(), salt_bytes, &mut out).map_err(|error| failed(error.to_string()))?;
    let hash = PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: argon.params().try_into().map_err(|error: argon2::password_hash::Error| failed(error.to_string()))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|error| failed(error.to_string()))?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches a stored PHC string (any Argon2 variant and parameters it names); a string
/// that cannot be read matches nothing. The outputs are compared in constant time.
fn verify_password(password: &str, stored: &str) -> bool {
    let check = || -> Option<bool> {
        let hash = PasswordHash::new(stored).ok()?;
        let algorithm = argon2::Algorithm::try_from(hash.algorithm).ok()?;
        let version = match hash.version {
            Some(version) => argon2::Version::try_from(version).ok()?,
            None => argon2::Version::default(),
        };
        let params = argon2::Params::try_from(&hash).ok()?;
        let expected = hash.hash?;
        let mut salt = [0u8; 64];
        let salt = hash.salt?.decode_b64(&mut salt).ok()?;
        let argon = Argon2::new(algorithm, version, params);
        let mut out = vec![0u8; expected.len()];
        argon2_into(&argon, password.as_bytes(), salt, &mut out).ok()?;
        Some(Output::new(&out).ok()? == expected)
    };
    check().unwrap_or(false)
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

/// The setting that keeps the key signing rating links (`ratings::links`), hexadecimal.
pub const LINK_KEY_SETTING: &str = "ratings.link_key";

/// The signing key kept in the settings, made (32 random bytes) on first start.
pub(crate) async fn load_link_key(
    store: &dyn onetrip_store::Store,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<u8>> {
    let decode = |text: &str| -> Option<Vec<u8>> {
        (text.len() == 64 && text.is_ascii())
            .then(|| (0..32).map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok()).collect::<Option<Vec<u8>>>())
            .flatten()
    };
    if let Some(key) = store.setting(LINK_KEY_SETTING).await?.as_deref().and_then(decode) {
        return Ok(key);
    }
    let key: Vec<u8> = (0..32).map(|_| rand::random::<u8>()).collect();
    let text: String = key.iter().map(|byte| format!("{byte:02x}")).collect();
    store.put_setting(LINK_KEY_SETTING, &text, now).await?;
    // Two instances starting at once on an empty database: the one kept is the one both use from now on.
    Ok(store.setting(LINK_KEY_SETTING).await?.as_deref().and_then(decode).unwrap_or(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes made by the argon2 crate's own hasher (as every stored hash so far was) verify, and ours
    /// verify with the crate's own verifier: the reused-memory path computes the same Argon2id.
    #[test]
    fn hashes_agree_with_the_argon2_crates_own() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default().hash_password(b"an older password 1", &salt).expect("hash").to_string();
        assert!(verify_password("an older password 1", &theirs));
        assert!(!verify_password("an older password 2", &theirs));
        let ours = hash_password("a newer password 1").expect("hash");
        let parsed = PasswordHash::new(&ours).expect("PHC string");
        assert!(Argon2::default().verify_password(b"a newer password 1", &parsed).is_ok());
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
    }

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
