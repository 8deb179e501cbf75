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

#[async_trait]
pub trait ExchangeStore: Send + Sync {
    async fn record_exchange(&self, exchange: &Exchange) -> StoreResult<()>;

    /// The newest exchanges of a source (or of all), newest first.
    async fn exchanges(&self, source: Option<&str>, limit: u32) -> StoreResult<Vec<Exchange>>;
}
