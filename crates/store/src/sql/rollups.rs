//! Keeping the figures' counters (`crate::rollups`) in the transaction of each case write, and rebuilding
//! them from the cases; written once for both backends.

use super::common::*;
use super::rows::StoreRow;
use crate::error::StoreResult;
use crate::postgres::PostgresStore;
use crate::rollups::{difference, share, CaseColumns, Share, BUCKET_MILLIS, CASE_COUNTERS, STAFF_COUNTERS};
use crate::sqlite::SqliteStore;
use onetrip_domain::case_number::CaseNumber;
use std::sync::LazyLock;

/// Adds to one row of counters, creating it when missing.
fn upsert(table: &str, keys: &[&str], counters: &[&str]) -> String {
    let columns: Vec<&str> = keys.iter().chain(counters).copied().collect();
    let values: Vec<String> = (1..=columns.len()).map(|index| format!("${index}")).collect();
    let sums: Vec<String> =
        counters.iter().map(|counter| format!("{counter} = {table}.{counter} + excluded.{counter}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
        columns.join(", "),
        values.join(", "),
        keys.join(", "),
        sums.join(", ")
    )
}

static CASE_UPSERT: LazyLock<String> =
    LazyLock::new(|| upsert("case_rollups", &["hour", "department", "matter_code"], &CASE_COUNTERS));
static STAFF_UPSERT: LazyLock<String> =
    LazyLock::new(|| upsert("staff_rollups", &["hour", "username"], &STAFF_COUNTERS));

/// A case without review tasks.
const UNREVIEWED: &str = "NOT EXISTS (SELECT 1 FROM case_tasks t WHERE t.case_number = cases.number)";

/// The rebuild: the same shares as `crate::rollups::share`, added up in SQL.
static REBUILD: LazyLock<[String; 4]> = LazyLock::new(|| {
    let decided = "decided_at IS NOT NULL";
    let on_time = "decided_at IS NOT NULL AND due_at IS NOT NULL AND decided_at <= due_at";
    let count = |condition: &str| format!("SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)");
    [
        "DELETE FROM case_rollups".to_string(),
        "DELETE FROM staff_rollups".to_string(),
        format!(
            "INSERT INTO case_rollups (hour, department, matter_code, {}) \
             SELECT received_at / {BUCKET_MILLIS}, department, matter_code, COUNT(*), {}, {}, {}, {}, {}, {}, \
             CAST(SUM(trips) AS BIGINT), {}, {} FROM cases GROUP BY received_at / {BUCKET_MILLIS}, department, matter_code",
            CASE_COUNTERS.join(", "),
            count("channel = 'online'"),
            count("accepted_at IS NOT NULL"),
            count(decided),
            count(on_time),
            count(&format!("{decided} AND trips <= 1")),
            count("corrections >= 2"),
            count(&format!("{decided} AND {UNREVIEWED}")),
            count("via_system = 1"),
        ),
        format!(
            "INSERT INTO staff_rollups (hour, username, {}) \
             SELECT accepted_at / {BUCKET_MILLIS}, accepted_by, COUNT(*), {}, {}, {} FROM cases \
             WHERE accepted_at IS NOT NULL AND accepted_by IS NOT NULL GROUP BY accepted_at / {BUCKET_MILLIS}, accepted_by",
            STAFF_COUNTERS.join(", "),
            count(decided),
            count(on_time),
            count("corrections >= 2"),
        ),
    ]
});

fn columns_from_row(row: &impl StoreRow) -> StoreResult<CaseColumns> {
    Ok(CaseColumns {
        department: row.text("department")?,
        matter_code: row.text("matter_code")?,
        channel: row.text("channel")?,
        received_at: row.int("received_at")?,
        accepted_at: row.optional_int("accepted_at")?,
        accepted_by: row.optional_text("accepted_by")?,
        decided_at: row.optional_int("decided_at")?,
        due_at: row.optional_int("due_at")?,
        trips: row.int("trips")?,
        corrections: row.int("corrections")?,
        reviewed: row.int("tasks")? > 0,
        via_system: row.int("via_system")? > 0,
    })
}

macro_rules! rollup_queries {
    ($store:ty) => {
        impl $store {
            /// The case's share of the counters as its row stands in the caller's transaction (none for a
            /// case not there yet).
            pub(crate) async fn case_share(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                number: &CaseNumber,
            ) -> StoreResult<Share> {
                let row = sqlx::query(
                    "SELECT department, matter_code, channel, received_at, accepted_at, accepted_by, decided_at, \
                     due_at, trips, corrections, via_system, \
                     (SELECT COUNT(*) FROM case_tasks t WHERE t.case_number = cases.number) AS tasks \
                     FROM cases WHERE number = $1",
                )
                .bind(number.compact())
                .fetch_optional(&mut **transaction)
                .await?;
                Ok(match row {
                    Some(row) => share(&columns_from_row(&row)?),
                    None => Share::default(),
                })
            }

            /// Adds to the counters the change of the case's share since `before` (read earlier in the same
            /// transaction, before the case changed).
            pub(crate) async fn roll_up(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                number: &CaseNumber,
                before: &Share,
            ) -> StoreResult<()> {
                let after = Self::case_share(transaction, number).await?;
                let change = difference(before, &after);
                for ((hour, department, matter_code), counts) in &change.case {
                    let mut query = sqlx::query(CASE_UPSERT.as_str()).bind(*hour).bind(department).bind(matter_code);
                    for count in counts {
                        query = query.bind(*count);
                    }
                    query.execute(&mut **transaction).await?;
                }
                for ((hour, username), counts) in &change.staff {
                    let mut query = sqlx::query(STAFF_UPSERT.as_str()).bind(*hour).bind(username);
                    for count in counts {
                        query = query.bind(*count);
                    }
                    query.execute(&mut **transaction).await?;
                }
                Ok(())
            }

            /// Counts every counter again from the cases, in one transaction.
            pub(crate) async fn rebuild_rollups_now(&self) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                for statement in REBUILD.iter() {
                    sqlx::query(statement).execute(&mut *transaction).await?;
                }
                transaction.commit().await?;
                Ok(())
            }

            /// Fills the counters when there are cases but no counters: right after migration 0014, on a
            /// database that held cases before it.
            pub(crate) async fn fill_rollups_if_new(&self) -> StoreResult<()> {
                let cases: Option<String> =
                    sqlx::query_scalar("SELECT number FROM cases LIMIT 1").fetch_optional(&self.writer).await?;
                let counted: Option<i64> =
                    sqlx::query_scalar("SELECT hour FROM case_rollups LIMIT 1").fetch_optional(&self.writer).await?;
                if cases.is_some() && counted.is_none() {
                    self.rebuild_rollups_now().await?;
                }
                Ok(())
            }
        }
    };
}

rollup_queries!(SqliteStore);
rollup_queries!(PostgresStore);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upsert_adds_every_counter() {
        assert_eq!(
            upsert("t", &["k"], &["a", "b"]),
            "INSERT INTO t (k, a, b) VALUES ($1, $2, $3) ON CONFLICT (k) DO UPDATE SET a = t.a + excluded.a, b = t.b + excluded.b"
        );
    }
}
