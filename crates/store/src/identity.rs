//! Unified identity login (ADR 0023): logins begun at the provider, and the link from a provider's subject
//! to a portal account.

use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Keeps a login begun at the provider until `expires_at`; logins past their time are dropped.
    async fn begin_identity_login(
        &self,
        token_hash: &str,
        payload: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Takes a login back once: its payload if it was there and not past its time; it is gone either way.
    async fn take_identity_login(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<String>>;

    /// The portal account a provider's subject is linked to, noting the log-in.
    async fn linked_applicant(&self, issuer: &str, subject: &str, now: DateTime<Utc>) -> StoreResult<Option<i64>>;

    /// Links a provider's subject to a portal account; `false` if the subject was linked already.
    async fn link_identity(
        &self,
        issuer: &str,
        subject: &str,
        applicant_id: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}
