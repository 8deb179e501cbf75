//! Cases as stored: a row with the columns the pages index (phase, department, due instants) and the
//! case's document, with one event per change, the applicant's trips to the hall, the messages to the
//! applicant and the reviewers' task index, each written in the same transaction as the change.

use crate::error::StoreResult;
use crate::portal::StoredFile;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::actor::Channel;
use onetrip_domain::case::{Case, CaseChange, CaseDocument, Phase};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::rating::{Service, Stage};

/// An idempotency key: a retry with the same `(scope, key)` and the same request gets the case made the
/// first time; the same key with a different request (another `fingerprint`, a digest of its content) is
/// refused with [`crate::StoreError::IdempotencyKeyReused`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    pub scope: String,
    pub key: String,
    /// A digest of the request; empty when the key alone identifies it (a draft's id).
    pub fingerprint: String,
}

impl Idempotency {
    pub fn new(scope: &str, key: &str, fingerprint: &str) -> Self {
        Self { scope: scope.to_string(), key: key.to_string(), fingerprint: fingerprint.to_string() }
    }

    /// Whether a stored key's fingerprint allows this request (a key stored without one allows any).
    pub fn matches(&self, stored_fingerprint: &str) -> bool {
        stored_fingerprint.is_empty() || self.fingerprint.is_empty() || stored_fingerprint == self.fingerprint
    }
}

/// A case to create, in phase `received`. Its number is given out by the store, from the day's sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    /// The centre's local date, for the case number.
    pub day: NaiveDate,
    pub matter_code: String,
    pub matter_version: u32,
    pub department: String,
    pub applicant_id: i64,
    pub channel: Channel,
    pub document: CaseDocument,
    pub received_at: DateTime<Utc>,
    /// The online application this case comes from: marked submitted in the same transaction.
    pub draft: Option<String>,
    /// Files sent with the case whose bytes are stored already: recorded in the same transaction.
    pub files: Vec<StoredFile>,
    /// Messages to the applicant announcing the new case; `{number}` in a body becomes the case's number.
    pub notifications: Vec<Notification>,
}

/// A change to a case and what goes with it, written in one transaction if the case is still at
/// `expected_revision` (else `RevisionChanged`, and nothing is written).
#[derive(Debug, Clone, Copy)]
pub struct CaseUpdate<'a> {
    pub expected_revision: i64,
    /// What changes; the columns not named keep their values.
    pub change: &'a CaseChange,
    /// Messages to the applicant announcing the change.
    pub notifications: &'a [Notification],
    pub event: &'a CaseEvent,
    /// Why the applicant came to the hall for this, if they did.
    pub trip: Option<&'a str>,
    /// The review's tasks for the inbox index, when they changed.
    pub tasks: Option<&'a [CaseTask]>,
    /// The 好差评 slot the change opens (the case was accepted or concluded).
    pub rating_slot: Option<&'a NewRatingSlot>,
    /// The username of who accepted the case, with its acceptance.
    pub accepted_by: Option<&'a str>,
    /// The e-licence the change issues (the case was granted and its matter issues one).
    pub licence: Option<&'a crate::licences::NewLicence>,
    /// The request's idempotency key, kept with the change (a second use is a `Conflict`).
    pub action_key: Option<&'a Idempotency>,
}

/// A message to an applicant, by SMS or e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// `sms` or `email`.
    pub channel: String,
    pub recipient: String,
    pub body: String,
}

/// A message in the outbox, with the case it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub case_number: CaseNumber,
    pub notification: Notification,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A review task as the inbox index keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTask {
    pub task: u32,
    pub department: String,
    pub name: String,
    /// `waiting`, `open` or `done`.
    pub state: String,
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
}

/// An open task in a department's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    pub case_number: CaseNumber,
    pub task: u32,
    pub name: String,
    pub matter_code: String,
    pub due_at: Option<DateTime<Utc>>,
}

/// The record of one change of a case: who, in which role, what, from which phase to which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub from_phase: String,
    pub to_phase: String,
    pub detail: String,
}

/// Cases, their events, trips and messages, and the reviewers' index.
#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Creates a case with the next number of its day, its first event and, if the applicant came to the
    /// hall for it, a trip, all in one transaction. With an idempotency key already used for the same
    /// request, the case made the first time is returned and nothing is written; the flag says whether it is
    /// new. The same key with another request is refused (`IdempotencyKeyReused`), even when both race.
    async fn create_case(
        &self,
        case: &NewCase,
        idempotency: Option<&Idempotency>,
        event: &CaseEvent,
        trip: Option<&str>,
    ) -> StoreResult<(Case, bool)>;

    async fn case(&self, number: &CaseNumber) -> StoreResult<Option<Case>>;

    /// The case an idempotency key made, if it was used already for this request; `IdempotencyKeyReused` if
    /// it was used for another.
    /// The case and fingerprint an action's idempotency key was used for.
    async fn action_key(&self, scope: &str, key: &str) -> StoreResult<Option<(CaseNumber, String)>>;

    async fn case_by_idempotency_key(&self, idempotency: &Idempotency) -> StoreResult<Option<Case>>;

    /// Applies an update (see [`CaseUpdate`]) in one transaction and returns the case as it is then.
    async fn update_case(&self, number: &CaseNumber, update: &CaseUpdate<'_>) -> StoreResult<Case>;

    /// A department's open review tasks, the soonest due first.
    async fn inbox(&self, department: &str, limit: u32) -> StoreResult<Vec<InboxItem>>;

    /// Every event of a case, oldest first.
    async fn case_events(&self, number: &CaseNumber) -> StoreResult<Vec<CaseEvent>>;

    /// Every trip to the hall for a case, with its reason, oldest first.
    async fn case_trips(&self, number: &CaseNumber) -> StoreResult<Vec<(DateTime<Utc>, String)>>;

    /// An applicant's cases, newest first.
    async fn cases_of_applicant(&self, applicant_id: i64, limit: u32) -> StoreResult<Vec<Case>>;

    /// Cases in one phase (optionally of one department), the longest waiting first: a window's queue.
    async fn cases_in_phase(&self, phase: Phase, department: Option<&str>, limit: u32) -> StoreResult<Vec<Case>>;

    /// Messages for one case, oldest first.
    async fn case_notifications(&self, number: &CaseNumber) -> StoreResult<Vec<OutboxMessage>>;

    /// How many cases received in `[from, to)` a window helped the applicant apply for online (帮办代办).
    async fn assisted_count(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<u64>;

    /// The newest messages of the outbox, newest first.
    async fn outbox(&self, limit: u32) -> StoreResult<Vec<OutboxMessage>>;
}

/// What can be rated (好差评; see `crate::ratings`), opened with a case's change or a ticket's rating: who served, for which department and matter, and until when a rating is awaited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRatingSlot {
    pub case_number: Option<CaseNumber>,
    pub ticket_id: Option<i64>,
    pub stage: Stage,
    pub service: Service,
    pub department: String,
    /// Empty for a ticket that named no matter.
    pub matter_code: String,
    pub window_code: Option<String>,
    /// The username of who served (谁办理), when a person did.
    pub staff: Option<String>,
    /// The applicant whose case it is (the rater), when known.
    pub applicant_id: Option<i64>,
    pub opened_at: DateTime<Utc>,
    /// When an unrated slot counts as 基本满意; `None`: never (a ticket).
    pub default_at: Option<DateTime<Utc>>,
}
