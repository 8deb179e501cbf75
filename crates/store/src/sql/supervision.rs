//! The supervision queries, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use super::rows::*;
use crate::cases::*;
use crate::error::{StoreError, StoreResult};
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use crate::supervision::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::case_number::CaseNumber;
use sqlx::Row;

macro_rules! supervision_queries {
    ($store:ty) => {
        #[async_trait]
        impl SupervisionStore for $store {
            async fn at_risk(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<AtRisk>> {
                let cases = sqlx::query(
                    "SELECT number AS case_number, matter_code, department, CAST(NULL AS BIGINT) AS task, CAST(NULL AS TEXT) AS name, warn_at, due_at \
                     FROM cases WHERE phase = 'accepted' AND warn_at <= $1 ORDER BY due_at LIMIT $2",
                )
                .bind(millis(now))
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                let tasks = sqlx::query(
                    "SELECT t.case_number, c.matter_code, t.department, t.task, t.name, t.warn_at, t.due_at \
                     FROM case_tasks t JOIN cases c ON c.number = t.case_number \
                     WHERE t.state = 'open' AND t.warn_at <= $1 AND c.phase = 'accepted' \
                     ORDER BY t.due_at LIMIT $2",
                )
                .bind(millis(now))
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                cases
                    .iter()
                    .chain(tasks.iter())
                    .map(|row| {
                        let number: String = row.try_get("case_number")?;
                        let task: Option<i64> = row.try_get("task")?;
                        let name: Option<String> = row.try_get("name")?;
                        let warn: i64 = row.try_get("warn_at")?;
                        let due: i64 = row.try_get("due_at")?;
                        Ok(AtRisk {
                            case_number: CaseNumber::parse(&number).map_err(corrupt)?,
                            matter_code: row.try_get("matter_code")?,
                            department: row.try_get("department")?,
                            task: match (task, name) {
                                (Some(task), Some(name)) => Some((u32::try_from(task).map_err(corrupt)?, name)),
                                _ => None,
                            },
                            warn_at: from_millis(warn),
                            due_at: from_millis(due),
                        })
                    })
                    .collect()
            }

            async fn risk_counts(&self, now: DateTime<Utc>) -> StoreResult<Vec<RiskCount>> {
                let rows = sqlx::query(
                    "SELECT department, matter_code, \
                     SUM(CASE WHEN due_at <= $1 THEN 0 ELSE 1 END) AS yellow, \
                     SUM(CASE WHEN due_at <= $1 THEN 1 ELSE 0 END) AS red \
                     FROM cases WHERE phase = 'accepted' AND warn_at <= $1 \
                     GROUP BY department, matter_code ORDER BY department, matter_code",
                )
                .bind(millis(now))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        let yellow: i64 = row.try_get("yellow")?;
                        let red: i64 = row.try_get("red")?;
                        Ok(RiskCount {
                            department: row.try_get("department")?,
                            matter_code: row.try_get("matter_code")?,
                            yellow: u64::try_from(yellow).unwrap_or(0),
                            red: u64::try_from(red).unwrap_or(0),
                        })
                    })
                    .collect()
            }

            async fn issue_order(&self, order: &SupervisionOrder, event: &CaseEvent) -> StoreResult<i64> {
                let mut transaction = self.writer.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO supervision_orders (case_number, department, instruction, issued_by, issued_at, deadline) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(order.case_number.compact())
                .bind(&order.department)
                .bind(&order.instruction)
                .bind(&order.issued_by)
                .bind(millis(order.issued_at))
                .bind(millis(order.deadline))
                .fetch_one(&mut *transaction)
                .await?;
                Self::record_case_event(&mut transaction, &order.case_number, event, None).await?;
                transaction.commit().await?;
                Ok(id)
            }

            async fn answer_order(&self, id: i64, answer: &str, answered_by: &str, event: &CaseEvent) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                let number: Option<String> = sqlx::query_scalar(
                    "UPDATE supervision_orders SET answer = $1, answered_by = $2, answered_at = $3 \
                     WHERE id = $4 AND answered_at IS NULL RETURNING case_number",
                )
                .bind(answer)
                .bind(answered_by)
                .bind(millis(event.at))
                .bind(id)
                .fetch_optional(&mut *transaction)
                .await?;
                let Some(number) = number else {
                    return Err(StoreError::Conflict("这份督办单已经回复过了".to_string()));
                };
                let number = CaseNumber::parse(&number).map_err(corrupt)?;
                Self::record_case_event(&mut transaction, &number, event, None).await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn case_orders(&self, number: &CaseNumber) -> StoreResult<Vec<SupervisionOrder>> {
                let rows = sqlx::query(&format!("SELECT {ORDER_COLUMNS} FROM supervision_orders WHERE case_number = $1 ORDER BY id"))
                    .bind(number.compact())
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(order_from_row).collect()
            }

            async fn open_orders(&self, department: Option<&str>, limit: u32) -> StoreResult<Vec<SupervisionOrder>> {
                let rows = match department {
                    Some(department) => sqlx::query(&format!(
                        "SELECT {ORDER_COLUMNS} FROM supervision_orders WHERE answered_at IS NULL AND department = $1 \
                         ORDER BY deadline, id LIMIT $2"
                    ))
                    .bind(department)
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?,
                    None => sqlx::query(&format!(
                        "SELECT {ORDER_COLUMNS} FROM supervision_orders WHERE answered_at IS NULL ORDER BY deadline, id LIMIT $1"
                    ))
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?,
                };
                rows.iter().map(order_from_row).collect()
            }

            async fn trips_over(&self, matter_code: &str, published: u32) -> StoreResult<TripReport> {
                let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE matter_code = $1 AND trips > $2")
                    .bind(matter_code)
                    .bind(i64::from(published))
                    .fetch_one(&self.reader)
                    .await?;
                if cases == 0 {
                    return Ok(TripReport::default());
                }
                let causes = sqlx::query(
                    "SELECT t.reason, COUNT(*) AS times FROM case_trips t JOIN cases c ON c.number = t.case_number \
                     WHERE c.matter_code = $1 AND c.trips > $2 GROUP BY t.reason ORDER BY times DESC, t.reason",
                )
                .bind(matter_code)
                .bind(i64::from(published))
                .fetch_all(&self.reader)
                .await?;
                let examples: Vec<String> = sqlx::query_scalar(
                    "SELECT number FROM cases WHERE matter_code = $1 AND trips > $2 ORDER BY created_at DESC, number DESC LIMIT 10",
                )
                .bind(matter_code)
                .bind(i64::from(published))
                .fetch_all(&self.reader)
                .await?;
                Ok(TripReport {
                    cases: u64::try_from(cases).unwrap_or(0),
                    causes: causes
                        .iter()
                        .map(|row| {
                            let times: i64 = row.try_get("times")?;
                            Ok((row.try_get("reason")?, u64::try_from(times).unwrap_or(0)))
                        })
                        .collect::<StoreResult<_>>()?,
                    examples: examples
                        .iter()
                        .map(|number| CaseNumber::parse(number).map_err(corrupt))
                        .collect::<StoreResult<_>>()?,
                })
            }
        }
    };
}

supervision_queries!(SqliteStore);
supervision_queries!(PostgresStore);
