//! 电子证照: the register of licences, their history of status changes, and their serials (ADR 0020).
//! A licence is written with the change of the case that issues it (`CaseUpdate::licence`); a status change
//! is one transaction of the row and its event.

use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::applicant::ApplicantIdentity;
use onetrip_domain::licence::{Licence, LicenceStatus};

/// A licence as the register holds it: the licence, where its document is, and its revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLicence {
    pub licence: Licence,
    /// The file-store id of the sealed document (PDF).
    pub document_file: String,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
}

/// One change of a licence's status (issuing included): who, when, what and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `issue`, `suspend`, `reinstate`, `revoke`, `cancel`, `supersede`.
    pub action: String,
    pub from_status: Option<LicenceStatus>,
    pub to_status: LicenceStatus,
    pub reason: String,
}

/// A licence to issue with a case's change, and its first event.
#[derive(Debug, Clone)]
pub struct NewLicence {
    pub licence: Licence,
    pub document_file: String,
    pub event: LicenceEvent,
}

#[async_trait]
pub trait LicenceStore: Send + Sync {
    /// Takes the next serial of `year` (numbers may be skipped when what took one is not stored).
    async fn next_licence_serial(&self, year: i32) -> StoreResult<i64>;

    async fn licence(&self, id: &str) -> StoreResult<Option<StoredLicence>>;

    /// Every licence of one holder, newest first.
    async fn licences_of_holder(&self, holder: &ApplicantIdentity) -> StoreResult<Vec<StoredLicence>>;

    /// The licences a case issued.
    async fn licences_of_case(
        &self,
        case_number: &onetrip_domain::case_number::CaseNumber,
    ) -> StoreResult<Vec<StoredLicence>>;

    /// The newest licences issued, up to `limit`.
    async fn recent_licences(&self, limit: u32) -> StoreResult<Vec<StoredLicence>>;

    async fn licence_events(&self, id: &str) -> StoreResult<Vec<LicenceEvent>>;

    /// Sets a licence's status with its event, if it is still at `expected_revision`
    /// (`RevisionChanged` otherwise).
    async fn change_licence_status(
        &self,
        id: &str,
        expected_revision: i64,
        event: &LicenceEvent,
    ) -> StoreResult<StoredLicence>;
}
