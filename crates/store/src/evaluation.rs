//! What the quarterly evaluation of window staff counts, read from the records: cases by who accepted them,
//! tickets by who served them, ratings by who was rated, and posts overlapping the period. Each is one
//! grouped query; the application turns them into figures (`onetrip_domain::evaluation`).

use crate::error::StoreResult;
use crate::hall::Assignment;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

/// A person's cases accepted in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffCases {
    pub username: String,
    pub accepted: u64,
    /// Decided (a `decide` event), and decided by the case's due instant.
    pub decided: u64,
    pub decided_on_time: u64,
    /// Needed a second correction notice.
    pub second_corrections: u64,
}

/// A person's tickets finished in a period, with the total milliseconds at the window and waiting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffTickets {
    pub username: String,
    pub tickets: u64,
    pub service_millis: i64,
    pub wait_millis: i64,
}

/// A person's counted ratings in some months.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffRatings {
    pub username: String,
    pub rated: u64,
    pub good: u64,
    pub bad: u64,
}

/// The cases of one matter received in a period, as a department's scorecard counts them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatterCases {
    pub department: String,
    pub matter_code: String,
    pub received: u64,
    /// Applied for online.
    pub online: u64,
    pub accepted: u64,
    /// Decided (a `decide` event), and decided by the case's due instant.
    pub decided: u64,
    pub decided_on_time: u64,
    /// Decided after at most one trip to the hall (一次办结).
    pub one_trip: u64,
    pub second_corrections: u64,
    /// Trips to the hall, in all.
    pub trips: u64,
    /// Decided without a review task sent to the back office (concluded at the window).
    pub at_window: u64,
    /// Registered or acted on by a department's own system (ADR 0021).
    pub via_system: u64,
}

/// The case figures come from counters kept per hour (`crate::rollups`): the instants that bound a period
/// count by the hour they fall in (a period ending inside an hour, such as one ending now, counts that whole
/// hour), which is exact for periods of whole local days in a whole-hour time zone.
#[async_trait]
pub trait EvaluationStore: Send + Sync {
    /// Cases received in `[from, to)`, per department and matter.
    async fn matter_cases(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<MatterCases>>;

    /// Cases received in `[from, to)` per local day: (days since the epoch in the centre's time, received,
    /// online), where the centre's time is UTC plus `offset_millis`.
    async fn cases_per_day(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        offset_millis: i64,
    ) -> StoreResult<Vec<(i64, u64, u64)>>;

    /// The decisions made in `[from, to)` on cases of the matters named: (matter, accepted at, decided at).
    async fn decisions(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        matters: &[String],
    ) -> StoreResult<Vec<(String, DateTime<Utc>, DateTime<Utc>)>>;

    /// Supervision orders issued in `[from, to)` answered after their deadline or still unanswered past it at
    /// `now`, per department.
    async fn late_orders(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(String, u64)>>;

    /// Cases accepted in `[from, to)`, per person who accepted them.
    async fn staff_cases(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<StaffCases>>;

    /// Tickets finished on the days `[from, to)`, per person who called them.
    async fn staff_tickets(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<StaffTickets>>;

    /// Ratings of the months (`YYYY-MM`) not excluded, per person rated.
    async fn staff_ratings(&self, months: &[String]) -> StoreResult<Vec<StaffRatings>>;

    /// Every post that overlaps the days `[from, to)`, including those ended early.
    async fn assignments_between(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<Assignment>>;

    /// Counts the figures' counters again from the cases (after a bulk load; the counters are otherwise kept
    /// by every case write).
    async fn rebuild_rollups(&self) -> StoreResult<()>;

    /// The staff accounts with a role, by username: (username, display name), enabled ones only.
    async fn staff_with_role(&self, role: &str) -> StoreResult<Vec<(String, String)>>;
}
