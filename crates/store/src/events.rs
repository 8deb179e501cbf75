//! Departmental systems on events (ADR 0021): the outbox every case and licence change writes in its own
//! transaction, the order the one sequencer gives it, the API keys of department systems, webhook
//! subscriptions with their progress and dead letters, and the departments' own case numbers.

use crate::accounts::User;
use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::case_number::CaseNumber;

/// One change, as the feed and the webhooks carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// Stable across deliveries: the webhook's `webhook-id`.
    pub id: i64,
    /// The feed's order: no gap and no duplicate, never reused.
    pub position: i64,
    pub at: DateTime<Utc>,
    /// `case.<action>` or `licence.<action>`.
    pub kind: String,
    /// The case number (compact) or the licence identifier.
    pub subject: String,
    pub department: String,
    pub matter_code: String,
    /// JSON, without personal data.
    pub data: String,
}

/// A webhook subscription and how far its delivery has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub user_id: i64,
    /// Whose events: `None` for every department (an administrator's subscription).
    pub department: Option<String>,
    pub url: String,
    pub secret: String,
    /// The position acknowledged through.
    pub delivered: i64,
    /// Failed attempts at the next event, and when the next attempt is due.
    pub attempts: u32,
    pub next_at: DateTime<Utc>,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
}

/// An event given up on after its attempts, kept for a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub subscription_id: i64,
    pub position: i64,
    pub attempts: u32,
    pub last_error: String,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait EventStore: Send + Sync {
    /// Gives the next positions to committed events that have none, oldest first, up to `limit`; returns
    /// how many. One sequencer at a time (the others wait on its row).
    async fn sequence_events(&self, limit: u32) -> StoreResult<u32>;

    /// Events after `position` in order, of one department (its cases, the cases with a step of it, its
    /// licences) or, with `None`, of all.
    async fn events_after(&self, position: i64, department: Option<&str>, limit: u32) -> StoreResult<Vec<OutboxEvent>>;

    /// The last position given.
    async fn last_position(&self) -> StoreResult<i64>;

    /// Adds a key for a user; the user's keys without an end now end at `others_until`.
    async fn add_api_key(
        &self,
        user_id: i64,
        id: &str,
        key_hash: &str,
        at: DateTime<Utc>,
        others_until: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The enabled user a key belongs to and the key's hash, if the key has not ended by `now`.
    async fn api_key(&self, id: &str, now: DateTime<Utc>) -> StoreResult<Option<(User, String)>>;

    async fn add_subscription(&self, subscription: &Subscription) -> StoreResult<i64>;

    /// The live subscriptions, of one user or of all.
    async fn subscriptions(&self, user_id: Option<i64>) -> StoreResult<Vec<Subscription>>;

    async fn delete_subscription(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()>;

    /// The event at `position` was acknowledged.
    async fn acknowledge_delivery(&self, id: i64, position: i64) -> StoreResult<()>;

    /// An attempt failed: the next is due at `next_at`.
    async fn delivery_failed(&self, id: i64, attempts: u32, next_at: DateTime<Utc>, error: &str) -> StoreResult<()>;

    /// The event at `position` is given up on: kept as a dead letter, and delivery goes on after it.
    async fn dead_letter(
        &self,
        id: i64,
        position: i64,
        attempts: u32,
        error: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Delivery starts again after `position` (a replay).
    async fn rewind_subscription(&self, id: i64, position: i64) -> StoreResult<()>;

    async fn dead_letters(&self, id: i64) -> StoreResult<Vec<DeadLetter>>;

    /// Records a system's own number for a case; a number the system already gave another case is a
    /// `Conflict`.
    async fn set_external_reference(
        &self,
        case: &CaseNumber,
        system: &str,
        reference: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    async fn case_by_external_reference(&self, system: &str, reference: &str) -> StoreResult<Option<CaseNumber>>;

    async fn external_references(&self, case: &CaseNumber) -> StoreResult<Vec<(String, String)>>;
}
