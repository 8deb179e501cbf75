//! What every query file shares: instants as milliseconds, dates as ISO text, the error of damaged data, a
//! unique violation as a conflict, and the sqlx database type of each backend.

use crate::error::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::calendar::DayKind;

pub(crate) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn from_millis(value: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(value).unwrap_or_default()
}

pub(crate) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(crate) fn unique_to_conflict(error: sqlx::Error, what: &str) -> StoreError {
    match &error {
        sqlx::Error::Database(database) if database.is_unique_violation() => StoreError::Conflict(what.to_string()),
        _ => StoreError::Database(error),
    }
}

pub(crate) fn day_kind(code: &str) -> StoreResult<DayKind> {
    match code {
        "holiday" => Ok(DayKind::Holiday),
        "makeup_workday" => Ok(DayKind::MakeupWorkday),
        other => Err(corrupt(format!("calendar kind {other}"))),
    }
}

/// `$from, $from+1, …` for an `IN (…)` list of `count` values (never empty: `NULL` matches nothing).
pub(crate) fn placeholders(from: usize, count: usize) -> String {
    if count == 0 {
        return "NULL".to_string();
    }
    (from..from + count).map(|index| format!("${index}")).collect::<Vec<_>>().join(", ")
}

/// Takes the next number of a day's case sequence.
pub(crate) const NEXT_SEQUENCE: &str = "INSERT INTO case_sequences (day, last) VALUES ($1, 1) \
     ON CONFLICT (day) DO UPDATE SET last = case_sequences.last + 1 RETURNING last";

/// Names the sqlx database type of a backend, for the transaction types of the query files, and the few
/// statements that differ.
pub(crate) trait BackendDatabase {
    type Database: sqlx::Database;
    /// Locks a case's row until the end of the transaction ($1 the number), so that its events are chained
    /// one after the other.
    const LOCK_CASE: &'static str;
    /// Locks the audit log's chain until the end of the transaction.
    const LOCK_AUDIT: &'static str;
}

/// The hash of a chained row: SHA-256 over the previous row's hash and each field, every one prefixed by its
/// length (so that moving text between fields changes the hash), in hexadecimal.
pub(crate) fn chain_hash(previous: &str, fields: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    for part in std::iter::once(previous).chain(fields.iter().copied()) {
        digest.update((part.len() as u64).to_le_bytes());
        digest.update(part.as_bytes());
    }
    digest.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// How many cases, case events and audit entries the pool's database holds (for either backend's pool).
macro_rules! counts {
    ($pool:expr) => {{
        let mut counts = [0u64; 3];
        for (count, table) in counts.iter_mut().zip(["cases", "case_events", "audit_events"]) {
            let found: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one($pool).await?;
            *count = u64::try_from(found).unwrap_or(0);
        }
        Ok((counts[0], counts[1], counts[2]))
    }};
}
pub(crate) use counts;

/// A counted column as a count: never negative.
pub(crate) fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
