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
    /// The online application (draft) it was asked for, if any.
    pub application: Option<String>,
}

/// What a matter's cases received in a period took from shared sources and what was uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingCount {
    pub matter_code: String,
    pub department: String,
    pub received: u64,
    /// Cases with at least one material from a shared source.
    pub with_shared: u64,
    pub materials_shared: u64,
    pub materials_uploaded: u64,
}

/// The requests of a period to one source for one matter, and how many failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCount {
    pub matter_code: String,
    pub source: String,
    pub requests: u64,
    /// Requests the source gave no answer to (unavailable, garbage, too slow, too large, circuit open).
    pub failures: u64,
    /// Online applications in which at least one request to the source failed.
    pub applications_failed: u64,
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

    /// Per matter and department, the cases received in `[from, to)` and their shared and uploaded
    /// materials.
    async fn sharing_counts(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<SharingCount>>;

    /// Per matter and source, the exchanges of `[from, to)` and their failures.
    async fn source_counts(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<SourceCount>>;
}
