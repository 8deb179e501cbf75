//! Phone checks as stored: a pending proof that someone holds a phone, with its one-time code (as a digest)
//! and the SMS that carries the code (see migration 0009).

use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A phone check to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPhoneCheck {
    /// A digest of the token the form carries.
    pub id: String,
    /// What the check is for (`signup`).
    pub purpose: String,
    pub phone: String,
    /// What to do once the phone is proven, as the application layer wrote it (JSON).
    pub payload: String,
    pub code_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The SMS with the code, for the gateway.
    pub sms_body: String,
}

/// A phone check as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneCheck {
    pub id: String,
    pub purpose: String,
    pub phone: String,
    pub payload: String,
    pub code_hash: String,
    pub attempts: u32,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
}

/// A verification SMS waiting for the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationMessage {
    pub id: String,
    pub phone: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait VerificationStore: Send + Sync {
    async fn create_phone_check(&self, check: &NewPhoneCheck) -> StoreResult<()>;

    async fn phone_check(&self, id: &str) -> StoreResult<Option<PhoneCheck>>;

    /// Counts one more try of the code; returns the number of tries so far (this one included).
    async fn count_phone_check_try(&self, id: &str) -> StoreResult<u32>;

    /// Marks the check used; `false` if it was used already (only one request can use it).
    async fn use_phone_check(&self, id: &str, at: DateTime<Utc>) -> StoreResult<bool>;

    /// The verification messages not sent yet, oldest first.
    async fn unsent_verification_messages(&self, limit: u32) -> StoreResult<Vec<VerificationMessage>>;

    /// The gateway sent a message: its body (with the code) is cleared.
    async fn mark_verification_sent(&self, id: &str, at: DateTime<Utc>) -> StoreResult<()>;
}
