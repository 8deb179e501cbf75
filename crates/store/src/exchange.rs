//! The exchange log of shared data sources (ADR 0022): one row per request to a source, with its outcome.

use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// One request to a data source and what came of it. The holder is a digest, never the number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub at: DateTime<Utc>,
    pub source: String,
    pub holder_digest: String,
    pub material: String,
    /// Why it was asked: the matter applied for.
    pub purpose: String,
    /// `found`, `not_found`, or the fault's code.
    pub outcome: String,
    pub detail: String,
    pub duration_ms: i64,
}

/// An applicant's consent to one source for one material of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: i64,
    pub applicant_id: i64,
    pub source: String,
    pub material: String,
    pub matter_code: String,
    pub draft_id: String,
    pub given_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait ExchangeStore: Send + Sync {
    async fn add_consent(&self, consent: &Consent) -> StoreResult<i64>;

    /// An applicant's consents, newest first.
    async fn consents(&self, applicant_id: i64) -> StoreResult<Vec<Consent>>;

    /// Revokes one of the applicant's consents; `false` if it is not theirs or already revoked.
    async fn revoke_consent(&self, applicant_id: i64, id: i64, at: DateTime<Utc>) -> StoreResult<bool>;

    async fn record_exchange(&self, exchange: &Exchange) -> StoreResult<()>;

    /// The newest exchanges of a source (or of all), newest first.
    async fn exchanges(&self, source: Option<&str>, limit: u32) -> StoreResult<Vec<Exchange>>;
}
