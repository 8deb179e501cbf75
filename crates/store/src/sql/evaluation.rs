//! The evaluation queries, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use super::rows::StoreRow;
use crate::error::StoreResult;
use crate::evaluation::*;
use crate::hall::Assignment;
use crate::postgres::PostgresStore;
use crate::rollups::{bucket, bucket_after, BUCKET_MILLIS};
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

macro_rules! evaluation_queries {
    ($store:ty) => {
        #[async_trait]
        impl EvaluationStore for $store {
            async fn matter_cases(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<MatterCases>> {
                let rows = sqlx::query(
                    "SELECT department, matter_code, CAST(SUM(received) AS BIGINT) AS received, \
                     CAST(SUM(online) AS BIGINT) AS online, CAST(SUM(accepted) AS BIGINT) AS accepted, \
                     CAST(SUM(decided) AS BIGINT) AS decided, CAST(SUM(on_time) AS BIGINT) AS on_time, \
                     CAST(SUM(one_trip) AS BIGINT) AS one_trip, \
                     CAST(SUM(second_corrections) AS BIGINT) AS second_corrections, CAST(SUM(trips) AS BIGINT) AS trips, \
                     CAST(SUM(at_window) AS BIGINT) AS at_window, CAST(SUM(via_system) AS BIGINT) AS via_system \
                     FROM case_rollups WHERE hour >= $1 AND hour < $2 \
                     GROUP BY department, matter_code ORDER BY department, matter_code",
                )
                .bind(bucket(millis(from)))
                .bind(bucket_after(millis(to)))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(MatterCases {
                            department: row.text("department")?,
                            matter_code: row.text("matter_code")?,
                            received: count(row.int("received")?),
                            online: count(row.int("online")?),
                            accepted: count(row.int("accepted")?),
                            decided: count(row.int("decided")?),
                            decided_on_time: count(row.int("on_time")?),
                            one_trip: count(row.int("one_trip")?),
                            second_corrections: count(row.int("second_corrections")?),
                            trips: count(row.int("trips")?),
                            at_window: count(row.int("at_window")?),
                            via_system: count(row.int("via_system")?),
                        })
                    })
                    .collect()
            }

            async fn cases_per_day(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
                offset_millis: i64,
            ) -> StoreResult<Vec<(i64, u64, u64)>> {
                let rows = sqlx::query(
                    "SELECT (hour * $4 + $3) / 86400000 AS day, CAST(SUM(received) AS BIGINT) AS received, \
                     CAST(SUM(online) AS BIGINT) AS online \
                     FROM case_rollups WHERE hour >= $1 AND hour < $2 \
                     GROUP BY (hour * $4 + $3) / 86400000 ORDER BY day",
                )
                .bind(bucket(millis(from)))
                .bind(bucket_after(millis(to)))
                .bind(offset_millis)
                .bind(BUCKET_MILLIS)
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| Ok((row.int("day")?, count(row.int("received")?), count(row.int("online")?))))
                    .collect()
            }

            async fn decisions(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
                matters: &[String],
            ) -> StoreResult<Vec<(String, DateTime<Utc>, DateTime<Utc>)>> {
                let sql = format!(
                    "SELECT matter_code, accepted_at, decided_at FROM cases \
                     WHERE matter_code IN ({}) AND decided_at >= $1 AND decided_at < $2 AND accepted_at IS NOT NULL \
                     ORDER BY decided_at",
                    placeholders(3, matters.len())
                );
                let mut query = sqlx::query(&sql).bind(millis(from)).bind(millis(to));
                for matter in matters {
                    query = query.bind(matter);
                }
                let rows = query.fetch_all(&self.reader).await?;
                rows.iter()
                    .map(|row| Ok((row.text("matter_code")?, row.instant("accepted_at")?, row.instant("decided_at")?)))
                    .collect()
            }

            async fn late_orders(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<(String, u64)>> {
                let rows = sqlx::query(
                    "SELECT department, COUNT(*) AS late FROM supervision_orders \
                     WHERE issued_at >= $1 AND issued_at < $2 \
                     AND ((answered_at IS NOT NULL AND answered_at > deadline) OR (answered_at IS NULL AND deadline < $3)) \
                     GROUP BY department ORDER BY department",
                )
                .bind(millis(from))
                .bind(millis(to))
                .bind(millis(now))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(|row| Ok((row.text("department")?, count(row.int("late")?)))).collect()
            }

            async fn staff_cases(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<StaffCases>> {
                let rows = sqlx::query(
                    "SELECT username, CAST(SUM(accepted) AS BIGINT) AS accepted, CAST(SUM(decided) AS BIGINT) AS decided, \
                     CAST(SUM(on_time) AS BIGINT) AS on_time, CAST(SUM(second_corrections) AS BIGINT) AS second_corrections \
                     FROM staff_rollups WHERE hour >= $1 AND hour < $2 GROUP BY username ORDER BY username",
                )
                .bind(bucket(millis(from)))
                .bind(bucket_after(millis(to)))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(StaffCases {
                            username: row.text("username")?,
                            accepted: count(row.int("accepted")?),
                            decided: count(row.int("decided")?),
                            decided_on_time: count(row.int("on_time")?),
                            second_corrections: count(row.int("second_corrections")?),
                        })
                    })
                    .collect()
            }

            async fn staff_tickets(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<StaffTickets>> {
                let rows = sqlx::query(
                    "SELECT called_by, COUNT(*) AS tickets, \
                     CAST(SUM(finished_at - called_at) AS BIGINT) AS service, \
                     CAST(SUM(called_at - queued_at) AS BIGINT) AS wait \
                     FROM tickets WHERE state = 'finished' AND called_by IS NOT NULL AND called_at IS NOT NULL \
                     AND finished_at IS NOT NULL AND day >= $1 AND day < $2 \
                     GROUP BY called_by ORDER BY called_by",
                )
                .bind(day_text(from))
                .bind(day_text(to))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(StaffTickets {
                            username: row.text("called_by")?,
                            tickets: count(row.int("tickets")?),
                            service_millis: row.int("service")?,
                            wait_millis: row.int("wait")?,
                        })
                    })
                    .collect()
            }

            async fn staff_ratings(&self, months: &[String]) -> StoreResult<Vec<StaffRatings>> {
                let sql = format!(
                    "SELECT staff, COUNT(*) AS rated, SUM(CASE WHEN level >= 4 THEN 1 ELSE 0 END) AS good, \
                     SUM(CASE WHEN level <= 2 THEN 1 ELSE 0 END) AS bad \
                     FROM ratings WHERE excluded = 0 AND staff IS NOT NULL AND month IN ({}) \
                     GROUP BY staff ORDER BY staff",
                    placeholders(1, months.len())
                );
                let mut query = sqlx::query(&sql);
                for month in months {
                    query = query.bind(month);
                }
                let rows = query.fetch_all(&self.reader).await?;
                rows.iter()
                    .map(|row| {
                        Ok(StaffRatings {
                            username: row.text("staff")?,
                            rated: count(row.int("rated")?),
                            good: count(row.int("good")?),
                            bad: count(row.int("bad")?),
                        })
                    })
                    .collect()
            }

            async fn assignments_between(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<Assignment>> {
                let rows = sqlx::query(
                    "SELECT id, window_code, username, starts, ends, assigned_by, assigned_at, ended_at, ended_by, end_reason \
                     FROM window_assignments WHERE starts < $2 AND ends >= $1 ORDER BY username, starts, id",
                )
                .bind(day_text(from))
                .bind(day_text(to))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Assignment {
                            id: row.int("id")?,
                            window_code: row.text("window_code")?,
                            username: row.text("username")?,
                            starts: row.day("starts")?,
                            ends: row.day("ends")?,
                            assigned_by: row.text("assigned_by")?,
                            assigned_at: row.instant("assigned_at")?,
                            ended_at: row.optional_instant("ended_at")?,
                            ended_by: row.optional_text("ended_by")?,
                            end_reason: row.optional_text("end_reason")?,
                        })
                    })
                    .collect()
            }

            async fn rebuild_rollups(&self) -> StoreResult<()> {
                self.rebuild_rollups_now().await
            }

            async fn staff_with_role(&self, role: &str) -> StoreResult<Vec<(String, String)>> {
                let rows = sqlx::query(
                    "SELECT username, display_name, roles FROM users WHERE disabled = FALSE ORDER BY username",
                )
                .fetch_all(&self.reader)
                .await?;
                let mut staff = Vec::new();
                for row in &rows {
                    let roles = row.text("roles")?;
                    if roles.split(',').any(|known| known.trim() == role) {
                        staff.push((row.text("username")?, row.text("display_name")?));
                    }
                }
                Ok(staff)
            }
        }
    };
}

evaluation_queries!(SqliteStore);
evaluation_queries!(PostgresStore);
