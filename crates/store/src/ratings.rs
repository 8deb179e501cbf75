//! 好差评 as stored: rating slots (a ticket served at a window, or the acceptance or conclusion of a case),
//! the one rating each slot takes, the follow-up of every 差评 with its history, and the monthly figures.
//! A slot of a case is opened in the same transaction as the change that makes it ratable
//! (`CaseUpdate::rating_slot`); a rating, its slot's mark and a 差评's follow-up are written together.

pub use crate::cases::NewRatingSlot;
use crate::cases::Notification;
use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::rating::followup::Followup;
use onetrip_domain::rating::{Level, RatingChannel, Stage};

/// A slot as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingSlot {
    pub id: i64,
    pub slot: NewRatingSlot,
    pub rating_id: Option<i64>,
}

/// Which slot a new rating fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotRef {
    Existing(i64),
    /// A ticket's slot, opened with its rating.
    New(NewRatingSlot),
}

/// A rating to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRating {
    pub slot: SlotRef,
    pub level: Level,
    pub channel: RatingChannel,
    pub indicators: Vec<String>,
    pub indicator_version: u32,
    pub comment: String,
    pub rated_at: DateTime<Utc>,
    /// The centre's local month of `rated_at`, `YYYY-MM`: what the monthly figures group by.
    pub month: String,
    /// The follow-up of a 差评, with its first warning instant.
    pub followup: Option<(Followup, DateTime<Utc>)>,
}

/// A rating as stored, with what its slot says about the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRecord {
    pub id: i64,
    pub slot: RatingSlot,
    pub level: Level,
    pub channel: RatingChannel,
    pub indicators: Vec<String>,
    pub indicator_version: u32,
    pub comment: String,
    pub rated_at: DateTime<Utc>,
    pub month: String,
    pub excluded: bool,
}

/// One step of a follow-up, kept for ever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowupEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// A follow-up's change to store, if it is still at `expected_revision`.
#[derive(Debug, Clone)]
pub struct FollowupUpdate<'a> {
    pub expected_revision: i64,
    pub followup: &'a Followup,
    /// The yellow and red instants of its deadline now; `None` once resolved.
    pub warn_at: Option<DateTime<Utc>>,
    pub event: &'a FollowupEvent,
    /// The result sent to the rater, with the case it is about.
    pub notification: Option<(&'a CaseNumber, &'a Notification)>,
}

/// A month's figures for one department and matter (excluded ratings are counted apart, not in the levels).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RatingTally {
    pub department: String,
    pub matter_code: String,
    /// Counted ratings by level, index 0 for level 1.
    pub levels: [u64; 5],
    /// Of those, the ones given by the rule (逾期未评).
    pub defaulted: u64,
    /// Ratings a manager's review excluded.
    pub excluded: u64,
    /// 差评 whose follow-up was resolved with 立行立改 or 限期整改 (整改).
    pub rectified: u64,
    /// 差评 whose follow-up was resolved, however.
    pub resolved: u64,
    /// Resolved by the rectification deadline.
    pub resolved_in_time: u64,
    /// 差评 called back.
    pub called_back: u64,
}

#[async_trait]
pub trait RatingStore: Send + Sync {
    async fn rating_slot(&self, id: i64) -> StoreResult<Option<RatingSlot>>;

    /// The slot of one stage of a case.
    async fn case_rating_slot(&self, number: &CaseNumber, stage: Stage) -> StoreResult<Option<RatingSlot>>;

    /// The slot of a ticket, if it was rated.
    async fn ticket_rating_slot(&self, ticket_id: i64) -> StoreResult<Option<RatingSlot>>;

    /// Stores a rating, marks its slot and opens a 差评's follow-up, in one transaction; `Conflict` if the
    /// slot was rated already (by anyone, even at the same instant). Returns the rating's id.
    async fn rate(&self, rating: &NewRating) -> StoreResult<i64>;

    /// Unrated slots whose `default_at` passed, the oldest first.
    async fn slots_to_default(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<RatingSlot>>;

    async fn rating(&self, id: i64) -> StoreResult<Option<RatingRecord>>;

    /// The ratings of a case, oldest first.
    async fn case_ratings(&self, number: &CaseNumber) -> StoreResult<Vec<RatingRecord>>;

    async fn followup(&self, rating_id: i64) -> StoreResult<Option<Followup>>;

    /// Follow-ups (optionally of one department; open ones only if asked), the earliest deadline first,
    /// each with its rating.
    async fn followups(
        &self,
        department: Option<&str>,
        open_only: bool,
        limit: u32,
    ) -> StoreResult<Vec<(Followup, RatingRecord)>>;

    /// Open follow-ups whose warning instant passed at `now` (yellow; red past their deadline).
    async fn followups_at_risk(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<(Followup, DateTime<Utc>)>>;

    /// Applies a change of a follow-up with its event (and the message to the rater, and the rating's
    /// exclusion when the follow-up says so) in one transaction; `RevisionChanged` if it changed meanwhile.
    async fn change_followup(&self, update: &FollowupUpdate<'_>) -> StoreResult<()>;

    async fn followup_events(&self, rating_id: i64) -> StoreResult<Vec<FollowupEvent>>;

    /// A month's figures per department and matter.
    async fn rating_tallies(&self, month: &str) -> StoreResult<Vec<RatingTally>>;
}
