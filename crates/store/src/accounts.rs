//! Accounts as stored: staff users and their sessions (only a hash of the token), log-in failures for
//! throttling, applicants and their portal sessions, and the audit log.

use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::access::Role;
use onetrip_domain::applicant::ApplicantIdentity;

/// One failed attempt for the throttles: what was tried and from where (both as digests), and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedAttempt<'a> {
    /// `staff_login`, `portal_login`, `progress`, …
    pub kind: &'a str,
    pub subject: &'a str,
    pub address: &'a str,
    pub at: DateTime<Utc>,
}

/// How many attempts, and the last one's time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub last: Option<DateTime<Utc>>,
}

/// The tallies a throttle weighs (see [`AccountStore::failure_tallies`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailureTallies {
    pub subject_at_address: Tally,
    pub subject: Tally,
    pub address: Tally,
    pub kind: Tally,
}

/// The failed attempts on one subject over a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailureSummary {
    pub count: u64,
    pub addresses: u64,
    pub last: Option<DateTime<Utc>>,
}

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

/// An entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// Staff accounts and sessions, log-in throttling, applicants and their portal sessions.
#[async_trait]
pub trait AccountStore: Send + Sync {
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

    /// Records a failed attempt (until it is forgotten); removes attempts older than a day. Returns its id,
    /// which orders attempts made at the same moment.
    async fn record_failure(&self, attempt: &FailedAttempt<'_>) -> StoreResult<i64>;

    /// The attempts of the same kind made before attempt `before` (by id) and since `since`: of the same
    /// subject from the same address, of the subject from anywhere, from the address, and of the kind.
    async fn failure_tallies(
        &self,
        attempt: &FailedAttempt<'_>,
        before: i64,
        since: DateTime<Utc>,
    ) -> StoreResult<FailureTallies>;

    /// Removes one attempt (one that succeeded, or was refused before it was tried).
    async fn forget_failure(&self, id: i64) -> StoreResult<()>;

    /// Removes the attempts of a subject from an address (after it succeeded from there).
    async fn clear_failures(&self, attempt: &FailedAttempt<'_>) -> StoreResult<()>;

    /// The failed attempts on a subject since `since`, from any address: how many, from how many addresses,
    /// the last when.
    async fn failures_of(&self, kind: &str, subject: &str, since: DateTime<Utc>) -> StoreResult<FailureSummary>;

    /// Registers an applicant; `Conflict` when the identity is registered already.
    async fn create_applicant(&self, applicant: &NewApplicant, at: DateTime<Utc>) -> StoreResult<i64>;

    async fn applicant(&self, id: i64) -> StoreResult<Option<Applicant>>;

    async fn applicant_by_identity(&self, identity: &ApplicantIdentity) -> StoreResult<Option<Applicant>>;

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
}

/// Who changed what.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()>;

    /// The newest `limit` audit events, newest first.
    async fn audit_events(&self, limit: u32) -> StoreResult<Vec<AuditEvent>>;

    /// Walks the hash chains of every case's events and of the audit log (migration 0010) and reports the
    /// first row that does not fit, if any.
    async fn verify_chains(&self) -> StoreResult<ChainReport>;
}

/// What a walk over the hash chains found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainReport {
    pub case_events: u64,
    pub audit_events: u64,
    /// Rows written before the chains existed (not checked).
    pub unchained: u64,
    pub first_break: Option<ChainBreak>,
}

/// The first row that does not fit its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// `case_events` or `audit_events`.
    pub table: &'static str,
    pub id: i64,
    /// The case whose events the row belongs to.
    pub case_number: Option<String>,
    /// What does not fit, in words.
    pub reason: &'static str,
}

/// One chained row as read back: its id, the chain it belongs to, its stored hashes and the fields hashed.
pub(crate) struct ChainedRow {
    pub id: i64,
    pub chain: String,
    pub prev_hash: String,
    pub hash: String,
    pub fields: Vec<String>,
}

/// Checks rows ordered by chain and id; `report` counts them and keeps the first break.
pub(crate) fn walk_chain(table: &'static str, rows: &[ChainedRow], report: &mut ChainReport) -> u64 {
    let mut checked = 0;
    let mut chain: Option<&str> = None;
    let mut expected = String::new();
    let mut chained = false;
    for row in rows {
        if chain != Some(row.chain.as_str()) {
            chain = Some(row.chain.as_str());
            expected.clear();
            chained = false;
        }
        let found = |reason| ChainBreak {
            table,
            id: row.id,
            case_number: (table == "case_events").then(|| row.chain.clone()),
            reason,
        };
        if row.hash.is_empty() && row.prev_hash.is_empty() && !chained {
            report.unchained += 1;
            continue;
        }
        chained = true;
        checked += 1;
        if report.first_break.is_some() {
            continue;
        }
        let fields: Vec<&str> = row.fields.iter().map(String::as_str).collect();
        if crate::sql::common::chain_hash(&row.prev_hash, &fields) != row.hash {
            report.first_break = Some(found("这一条记录的内容与它的哈希不符：内容被改动过"));
        } else if row.prev_hash != expected {
            report.first_break = Some(found("这一条记录所接的前一条哈希不符：它前面的记录被改动或删除过"));
        }
        expected.clone_from(&row.hash);
    }
    checked
}
