//! Onetrip's application layer: the use cases, grouped by aggregate — the catalog, the calendar, accounts,
//! cases, the hall, the portal's online application, uploaded files and the audit log. Each takes an
//! [`Actor`] (who, roles, department, channel), reads the time from the [`App`]'s clock, loads what it
//! needs, asks `onetrip_domain` to decide, and stores the outcome with its event in one transaction.
//!
//! It knows nothing of HTTP, cookies, CSRF or pages: the web edge, the command line and the server's
//! every-minute sweep all call it alike, and its [`AppError`] carries a stable code for each refusal.

pub mod accounts;
mod app;
pub mod assist;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod clock;
mod config;
mod error;
pub mod evaluation;
pub mod events;
pub mod files;
pub mod hall;
pub mod licences;
pub mod portal;
pub mod ratings;
pub mod scorecards;
pub mod search_eval;
pub mod seed;
pub mod sharing;
mod snapshot;
pub mod statistics;
pub mod throttle;

pub use app::{App, FilesAt, BUNDLES_SETTING, HALL_SETTING, SYNONYMS_SETTING};
pub use config::{china_standard_time, AppConfig, WebhookPolicy};
pub use error::{AppError, AppResult, Conflict};
pub use onetrip_domain::actor::{Actor, ActorKind, Channel};
pub use onetrip_store::s3::S3Config;
pub use snapshot::CatalogSnapshot;

/// What the edges need to know of what the store keeps, in the store's words.
pub mod records {
    pub use onetrip_store::hall::{Appointment, Assignment, Presence};
    pub use onetrip_store::{
        Applicant, AtRisk, AuditEvent, CaseEvent, Draft, InboxItem, OutboxMessage, RiskCount, StoredFile,
        SupervisionOrder, TripReport, User,
    };
    pub use onetrip_store::{DeadLetter, Exchange, LicenceEvent, OutboxEvent, StoredLicence, Subscription};
}
