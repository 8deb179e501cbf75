//! Supervision as stored: the cases and steps at risk (read from the indexed warning and due instants),
//! supervision orders and their answers, and the trips beyond what was published.

use crate::cases::CaseEvent;
use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::case_number::CaseNumber;

/// A case or task that is yellow or red on the supervision page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRisk {
    pub case_number: CaseNumber,
    pub matter_code: String,
    pub department: String,
    /// The review task, for a step; `None` for the case as a whole.
    pub task: Option<(u32, String)>,
    pub warn_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

/// A supervision order (督办) to the department responsible for a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisionOrder {
    pub id: i64,
    pub case_number: CaseNumber,
    pub department: String,
    pub instruction: String,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// The cases of one matter that needed more trips to the hall than published, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TripReport {
    pub cases: u64,
    /// Each reason for a trip among those cases, with how often it occurred, the most frequent first.
    pub causes: Vec<(String, u64)>,
    /// A few of the cases, the newest first.
    pub examples: Vec<CaseNumber>,
}

/// Yellow and red cases of one matter of one department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskCount {
    pub department: String,
    pub matter_code: String,
    /// At risk but not yet overdue.
    pub yellow: u64,
    /// Overdue.
    pub red: u64,
}

/// Cards, orders and the trips report.
#[async_trait]
pub trait SupervisionStore: Send + Sync {
    /// Accepted cases and open tasks that are yellow (`warn_at` passed) or red (`due_at` passed) at `now`,
    /// the soonest due first, at most `limit` of each.
    async fn at_risk(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<AtRisk>>;

    /// How many accepted cases are yellow and red at `now`, per department and matter.
    async fn risk_counts(&self, now: DateTime<Utc>) -> StoreResult<Vec<RiskCount>>;

    /// Issues a supervision order and writes the case's event, in one transaction; returns the order's id.
    async fn issue_order(&self, order: &SupervisionOrder, event: &CaseEvent) -> StoreResult<i64>;

    /// Records the answer to an open order with the case's event; `Conflict` if it was answered already.
    async fn answer_order(&self, id: i64, answer: &str, answered_by: &str, event: &CaseEvent) -> StoreResult<()>;

    /// The orders of one case, oldest first.
    async fn case_orders(&self, number: &CaseNumber) -> StoreResult<Vec<SupervisionOrder>>;

    /// Orders not yet answered (optionally of one department), the earliest deadline first.
    async fn open_orders(&self, department: Option<&str>, limit: u32) -> StoreResult<Vec<SupervisionOrder>>;

    /// The cases of a matter that needed more than `published` trips to the hall.
    async fn trips_over(&self, matter_code: &str, published: u32) -> StoreResult<TripReport>;
}
