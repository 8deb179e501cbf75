//! The catalog as stored: departments and the versions of each matter (a new version for every change,
//! never an edit), imported all or nothing.

use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::catalog::{Adjustment, Department, Matter, MatterVersion};

/// A new version of a matter, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    pub adjustment: Adjustment,
    pub author: String,
    pub matter: Matter,
}

/// The catalog: departments and matter versions.
#[async_trait]
pub trait CatalogStore: Send + Sync {
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
}
