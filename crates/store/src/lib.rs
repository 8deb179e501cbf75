//! Onetrip's storage: the store's parts in the domain's own words (one trait per part, [`Store`] for them
//! all), and one implementation per backend: SQLite, the embedded default, and PostgreSQL, for scale. Both
//! run the same SQL (`sql/`), each with its own migrations in `migrations/<backend>/` under identical names.

pub mod accounts;
pub mod cases;
pub mod catalog;
mod documents;
pub mod error;
pub mod evaluation;
pub mod events;
pub mod exchange;
pub mod files;
pub mod hall;
pub mod identity;
pub mod licences;
pub mod portal;
mod postgres;
pub mod ratings;
pub mod rollups;
pub mod s3;
pub mod settings;
mod sql;
mod sqlite;
mod store;
pub mod supervision;
#[cfg(feature = "testing")]
pub mod testing;
pub mod verification;

pub use accounts::{
    Applicant, AuditEvent, ChainBreak, ChainReport, FailedAttempt, FailureSummary, FailureTallies, NewApplicant,
    NewUser, Session, Tally, User,
};
pub use cases::{CaseEvent, CaseTask, CaseUpdate, Idempotency, InboxItem, NewCase, Notification, OutboxMessage};
pub use catalog::NewVersion;
pub use error::{StoreError, StoreResult};
pub use events::{DeadLetter, OutboxEvent, Subscription};
pub use exchange::{Consent, Exchange, SharingCount, SourceCount};
pub use licences::{LicenceEvent, NewLicence, StoredLicence};
pub use portal::{Draft, StoredFile};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use store::Store;
pub use supervision::{AtRisk, RiskCount, SupervisionOrder, TripReport};
pub use verification::{NewPhoneCheck, PhoneCheck, VerificationMessage};

use std::sync::Arc;

/// Every part of the store, to call its methods: `use onetrip_store::prelude::*`.
pub mod prelude {
    pub use crate::accounts::{AccountStore, AuditStore};
    pub use crate::cases::CaseStore;
    pub use crate::catalog::CatalogStore;
    pub use crate::evaluation::EvaluationStore;
    pub use crate::events::EventStore;
    pub use crate::exchange::ExchangeStore;
    pub use crate::hall::HallStore;
    pub use crate::identity::IdentityStore;
    pub use crate::licences::LicenceStore;
    pub use crate::portal::PortalStore;
    pub use crate::ratings::RatingStore;
    pub use crate::settings::{CalendarStore, SettingStore};
    pub use crate::store::Store;
    pub use crate::supervision::SupervisionStore;
    pub use crate::verification::VerificationStore;
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
