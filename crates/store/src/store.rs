//! The whole store: every part in one trait object, for the application to hold.

use crate::accounts::{AccountStore, AuditStore};
use crate::cases::CaseStore;
use crate::catalog::CatalogStore;
use crate::error::StoreResult;
use crate::evaluation::EvaluationStore;
use crate::events::EventStore;
use crate::exchange::ExchangeStore;
use crate::hall::HallStore;
use crate::identity::IdentityStore;
use crate::licences::LicenceStore;
use crate::portal::PortalStore;
use crate::ratings::RatingStore;
use crate::settings::{CalendarStore, SettingStore};
use crate::supervision::SupervisionStore;
use crate::verification::VerificationStore;
use async_trait::async_trait;

/// Everything Onetrip keeps, in the domain's words. Every method that changes several rows does so in one
/// transaction: it happens completely or not at all.
#[async_trait]
pub trait Store:
    CatalogStore
    + CalendarStore
    + SettingStore
    + AccountStore
    + AuditStore
    + CaseStore
    + PortalStore
    + RatingStore
    + SupervisionStore
    + HallStore
    + EvaluationStore
    + LicenceStore
    + EventStore
    + ExchangeStore
    + IdentityStore
    + VerificationStore
    + Send
    + Sync
{
    /// Which backend this is: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Succeeds when the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// Writes a consistent copy of the whole database to a new file at `path`, while the store stays in use
    /// (SQLite's `VACUUM INTO`). PostgreSQL is backed up with `pg_dump` instead (docs/operations.md): this
    /// answers `Unsupported` there.
    async fn backup_into(&self, path: &std::path::Path) -> StoreResult<()>;

    /// How many cases, events and audit entries are kept: what a restored copy must hold too.
    async fn counts(&self) -> StoreResult<(u64, u64, u64)>;
}
