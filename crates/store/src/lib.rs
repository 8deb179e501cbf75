//! Onetrip's storage: the [`Store`] trait in the domain's own words, and one implementation per backend
//! (SQLite, the embedded default, and PostgreSQL, for scale). Both run the same SQL (see `backend.rs`),
//! each with its own migrations in `migrations/<backend>/` under identical file names.

mod backend;
mod documents;
pub mod files;
pub mod hall;
pub mod s3;
#[cfg(feature = "testing")]
pub mod testing;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::access::Role;
use onetrip_domain::actor::Channel;
use onetrip_domain::applicant::ApplicantIdentity;
use onetrip_domain::calendar::CalendarEntry;
use onetrip_domain::case::{Case, CaseChange, CaseDocument, Phase};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::{Adjustment, Department, Matter, MatterVersion};
use std::sync::Arc;

pub use backend::{PostgresStore, SqliteStore};

/// What can go wrong in the store, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique value is taken, or someone else saved first.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The record changed since the caller read it (a case's revision): nothing was written.
    #[error("revision changed: {0}")]
    RevisionChanged(String),
    /// Stored data that cannot be read back (a bug or a manual edit).
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A staff account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub department: Option<String>,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub department: Option<String>,
}

/// A logged-in session and its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// A new version of a matter, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    pub adjustment: Adjustment,
    pub author: String,
    pub matter: Matter,
}

/// An entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// An applicant as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub id: i64,
    pub identity: ApplicantIdentity,
    pub name: String,
    pub phone: String,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplicant {
    pub identity: ApplicantIdentity,
    pub name: String,
    pub phone: String,
    pub password_hash: Option<String>,
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

/// What is known of a stored file; its bytes are in the file-storage layer under `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub id: String,
    /// Who uploaded it: `applicant:ID` or `user:ID`.
    pub owner: String,
    pub name: String,
    /// The type found in the content: `pdf`, `jpeg` or `png`.
    pub kind: String,
    pub size: u64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// An online application being filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: String,
    pub applicant_id: i64,
    pub matter_code: String,
    /// The answers so far as JSON, opaque to the store.
    pub document: String,
    /// Set once submitted; a submitted draft does not change any more.
    pub case_number: Option<CaseNumber>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

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

/// Everything Onetrip keeps, in the domain's words. Every method that changes several rows does so in
/// one transaction: it happens completely or not at all.
#[async_trait]
pub trait Store: hall::HallStore + Send + Sync {
    /// Which backend this is: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Succeeds when the database answers.
    async fn ping(&self) -> StoreResult<()>;

    async fn departments(&self) -> StoreResult<Vec<Department>>;

    /// Adds or replaces departments, all or none.
    async fn put_departments(&self, departments: &[Department], at: DateTime<Utc>) -> StoreResult<()>;

    /// Stores a new version of a matter. `expected_latest` is the version the editor started from
    /// (`None` for a new matter); if someone saved in between, nothing is stored and `Conflict` returned.
    async fn add_matter_version(
        &self,
        version: &NewVersion,
        expected_latest: Option<u32>,
        at: DateTime<Utc>,
    ) -> StoreResult<u32>;

    /// Stores an import in one transaction: departments are upserted and each given matter gets its next
    /// version (or its first). Matters not given are left as they are. Returns how many versions were written.
    async fn import_catalog(
        &self,
        departments: &[Department],
        versions: &[NewVersion],
        at: DateTime<Utc>,
    ) -> StoreResult<usize>;

    /// Every version of one matter, oldest first; empty when there is no such matter.
    async fn matter_versions(&self, code: &str) -> StoreResult<Vec<MatterVersion>>;

    /// For each matter, its newest version (which may not be in force yet), by code.
    async fn latest_versions(&self) -> StoreResult<Vec<MatterVersion>>;

    /// For each matter, the version in force on `today` (whatever its adjustment kind).
    async fn versions_in_force(&self, today: NaiveDate) -> StoreResult<Vec<MatterVersion>>;

    async fn matter_count(&self) -> StoreResult<u64>;

    async fn calendar_entries(&self) -> StoreResult<Vec<CalendarEntry>>;

    /// Replaces every entry of one notice year with `entries`.
    async fn replace_notice(&self, notice_year: i32, entries: &[CalendarEntry]) -> StoreResult<()>;

    async fn setting(&self, name: &str) -> StoreResult<Option<String>>;

    async fn put_setting(&self, name: &str, value: &str, at: DateTime<Utc>) -> StoreResult<()>;

    async fn create_user(&self, user: &NewUser, at: DateTime<Utc>) -> StoreResult<i64>;

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>>;

    /// Replaces a password and ends the user's sessions.
    async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()>;

    /// Disables (or enables again) an account; disabling ends its sessions.
    async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> StoreResult<()>;

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The session for a token hash, if it exists and has not expired at `now`.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>>;

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    async fn record_login_failure(&self, username: &str, at: DateTime<Utc>) -> StoreResult<()>;

    async fn login_failures_since(&self, username: &str, since: DateTime<Utc>) -> StoreResult<u64>;

    async fn clear_login_failures(&self, username: &str) -> StoreResult<()>;

    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()>;

    /// The newest `limit` audit events, newest first.
    async fn audit_events(&self, limit: u32) -> StoreResult<Vec<AuditEvent>>;

    /// Registers an applicant; `Conflict` when the identity is registered already.
    async fn create_applicant(&self, applicant: &NewApplicant, at: DateTime<Utc>) -> StoreResult<i64>;

    async fn applicant(&self, id: i64) -> StoreResult<Option<Applicant>>;

    async fn applicant_by_identity(&self, identity: &ApplicantIdentity) -> StoreResult<Option<Applicant>>;

    /// Creates a case with the next number of its day, its first event and, if the applicant came to the
    /// hall for it, a trip, all in one transaction. With an idempotency key `(scope, key)` already used, the
    /// case made the first time is returned and nothing is written; the flag says whether it is new.
    async fn create_case(
        &self,
        case: &NewCase,
        idempotency: Option<(&str, &str)>,
        event: &CaseEvent,
        trip: Option<&str>,
    ) -> StoreResult<(Case, bool)>;

    async fn case(&self, number: &CaseNumber) -> StoreResult<Option<Case>>;

    /// The case an idempotency key made, if it was used already.
    async fn case_by_idempotency_key(&self, scope: &str, key: &str) -> StoreResult<Option<Case>>;

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

    /// Sets a portal password (and the phone) of an applicant; ends their portal sessions.
    async fn set_applicant_password(&self, applicant_id: i64, password_hash: &str, phone: &str) -> StoreResult<()>;

    async fn create_portal_session(
        &self,
        token_hash: &str,
        applicant_id: i64,
        csrf_token: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The applicant and CSRF token of a portal session that has not expired at `now`.
    async fn portal_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<(Applicant, String)>>;

    async fn delete_portal_session(&self, token_hash: &str) -> StoreResult<()>;

    /// Records a stored file's metadata (its bytes are already in the file-storage layer).
    async fn add_file(&self, file: &StoredFile) -> StoreResult<()>;

    async fn file(&self, id: &str) -> StoreResult<Option<StoredFile>>;

    async fn create_draft(&self, draft: &Draft) -> StoreResult<()>;

    async fn draft(&self, id: &str) -> StoreResult<Option<Draft>>;

    /// Saves a draft's answers; `Conflict` once it has been submitted.
    async fn save_draft(&self, id: &str, document: &str, at: DateTime<Utc>) -> StoreResult<()>;

    /// An applicant's drafts not yet submitted, the most recently changed first.
    async fn open_drafts(&self, applicant_id: i64) -> StoreResult<Vec<Draft>>;

    /// Messages for one case, oldest first.
    async fn case_notifications(&self, number: &CaseNumber) -> StoreResult<Vec<OutboxMessage>>;

    /// The newest messages of the outbox, newest first.
    async fn outbox(&self, limit: u32) -> StoreResult<Vec<OutboxMessage>>;

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

/// Opens the store a URL names (`sqlite://PATH` or `postgres://…`), creating and migrating it as needed.
pub async fn open(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url, None).await?))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Arc::new(SqliteStore::open(path).await?))
    } else {
        Err(StoreError::Conflict(format!(
            "database URL must start with sqlite:// or postgres://, got {}",
            url.split(':').next().unwrap_or_default()
        )))
    }
}
