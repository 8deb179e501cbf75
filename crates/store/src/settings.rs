//! The calendar's holiday notices, one year at a time, and the named settings (synonyms, bundles, the hall
//! layout) kept as text.

use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::calendar::CalendarEntry;

/// The loaded holiday notices.
#[async_trait]
pub trait CalendarStore: Send + Sync {
    async fn calendar_entries(&self) -> StoreResult<Vec<CalendarEntry>>;

    /// Replaces every entry of one notice year with `entries`.
    async fn replace_notice(&self, notice_year: i32, entries: &[CalendarEntry]) -> StoreResult<()>;
}

/// Named settings, as text.
#[async_trait]
pub trait SettingStore: Send + Sync {
    async fn setting(&self, name: &str) -> StoreResult<Option<String>>;

    async fn put_setting(&self, name: &str, value: &str, at: DateTime<Utc>) -> StoreResult<()>;

    /// Stores a setting only if it has none yet (a record written once); `false` if it had one, which is
    /// left as it was, even when two writers race.
    async fn add_setting(&self, name: &str, value: &str, at: DateTime<Utc>) -> StoreResult<bool>;
}
