//! Accounts as stored: staff users and their sessions (only a hash of the token), log-in failures for
//! throttling, applicants and their portal sessions, and the audit log.

use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::access::Role;
use onetrip_domain::applicant::ApplicantIdentity;

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

    async fn record_login_failure(&self, username: &str, at: DateTime<Utc>) -> StoreResult<()>;

    async fn login_failures_since(&self, username: &str, since: DateTime<Utc>) -> StoreResult<u64>;

    async fn clear_login_failures(&self, username: &str) -> StoreResult<()>;

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
}
