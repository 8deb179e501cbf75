//! What the portal keeps: the facts of uploaded files (their bytes are in the file store) and the online
//! applications being filled in.

use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::case_number::CaseNumber;

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

/// Uploaded files' facts and drafts of online applications.
#[async_trait]
pub trait PortalStore: Send + Sync {
    /// Records a stored file's metadata (its bytes are already in the file-storage layer).
    async fn add_file(&self, file: &StoredFile) -> StoreResult<()>;

    async fn file(&self, id: &str) -> StoreResult<Option<StoredFile>>;

    async fn create_draft(&self, draft: &Draft) -> StoreResult<()>;

    async fn draft(&self, id: &str) -> StoreResult<Option<Draft>>;

    /// Saves a draft's answers; `Conflict` once it has been submitted.
    async fn save_draft(&self, id: &str, document: &str, at: DateTime<Utc>) -> StoreResult<()>;

    /// An applicant's drafts not yet submitted, the most recently changed first.
    async fn open_drafts(&self, applicant_id: i64) -> StoreResult<Vec<Draft>>;
}
