//! The outbox, its sequencer, API keys, webhooks and external references, written once in the SQL both
//! backends understand and implemented for each.

use super::common::*;
use super::rows::{user_from_row, StoreRow};
use crate::accounts::User;
use crate::error::StoreResult;
use crate::events::*;
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::case_number::CaseNumber;

const EVENT_COLUMNS: &str = "id, position, at, kind, subject, department, matter_code, data";
const SUBSCRIPTION_COLUMNS: &str =
    "id, user_id, department, url, secret, delivered, attempts, next_at, last_error, created_at";

fn event_from_row(row: &impl StoreRow) -> StoreResult<OutboxEvent> {
    Ok(OutboxEvent {
        id: row.int("id")?,
        position: row.int("position")?,
        at: row.instant("at")?,
        kind: row.text("kind")?,
        subject: row.text("subject")?,
        department: row.text("department")?,
        matter_code: row.text("matter_code")?,
        data: row.text("data")?,
    })
}

fn subscription_from_row(row: &impl StoreRow) -> StoreResult<Subscription> {
    Ok(Subscription {
        id: row.int("id")?,
        user_id: row.int("user_id")?,
        department: row.optional_text("department")?,
        url: row.text("url")?,
        secret: row.text("secret")?,
        delivered: row.int("delivered")?,
        attempts: row.count("attempts")?,
        next_at: row.instant("next_at")?,
        last_error: row.text("last_error")?,
        created_at: row.instant("created_at")?,
    })
}

macro_rules! event_queries {
    ($store:ty) => {
        impl $store {
            /// Puts a case's change in the outbox with the case's department and matter, in the caller's
            /// transaction.
            pub(crate) async fn record_case_outbox(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                number: &CaseNumber,
                event: &crate::cases::CaseEvent,
            ) -> StoreResult<()> {
                let data = serde_json::json!({
                    "case": number.to_string(),
                    "action": event.action,
                    "from_phase": event.from_phase,
                    "to_phase": event.to_phase,
                    "role": event.role,
                })
                .to_string();
                sqlx::query(
                    "INSERT INTO outbox_events (at, kind, subject, department, matter_code, data) \
                     SELECT $1, $2, number, department, matter_code, $3 FROM cases WHERE number = $4",
                )
                .bind(millis(event.at))
                .bind(format!("case.{}", event.action))
                .bind(data)
                .bind(number.compact())
                .execute(&mut **transaction)
                .await?;
                Ok(())
            }
        }

        #[async_trait]
        impl EventStore for $store {
            async fn sequence_events(&self, limit: u32) -> StoreResult<u32> {
                let mut transaction = self.writer.begin().await?;
                // The sequence's row, locked until commit: one sequencer at a time.
                let last: i64 = sqlx::query_scalar("UPDATE outbox_sequence SET last = last WHERE id = 1 RETURNING last")
                    .fetch_one(&mut *transaction)
                    .await?;
                let ids: Vec<i64> =
                    sqlx::query_scalar("SELECT id FROM outbox_events WHERE position IS NULL ORDER BY id LIMIT $1")
                        .bind(i64::from(limit))
                        .fetch_all(&mut *transaction)
                        .await?;
                for (offset, id) in ids.iter().enumerate() {
                    sqlx::query("UPDATE outbox_events SET position = $1 WHERE id = $2")
                        .bind(last + 1 + offset as i64)
                        .bind(id)
                        .execute(&mut *transaction)
                        .await?;
                }
                if !ids.is_empty() {
                    sqlx::query("UPDATE outbox_sequence SET last = $1 WHERE id = 1")
                        .bind(last + ids.len() as i64)
                        .execute(&mut *transaction)
                        .await?;
                }
                transaction.commit().await?;
                Ok(u32::try_from(ids.len()).unwrap_or(u32::MAX))
            }

            async fn events_after(
                &self,
                position: i64,
                department: Option<&str>,
                limit: u32,
            ) -> StoreResult<Vec<OutboxEvent>> {
                let rows = match department {
                    None => {
                        sqlx::query(&format!(
                            "SELECT {EVENT_COLUMNS} FROM outbox_events WHERE position > $1 ORDER BY position LIMIT $2"
                        ))
                        .bind(position)
                        .bind(i64::from(limit))
                        .fetch_all(&self.reader)
                        .await?
                    }
                    Some(department) => {
                        sqlx::query(&format!(
                            "SELECT {EVENT_COLUMNS} FROM outbox_events e WHERE position > $1 AND (department = $2 \
                             OR (kind LIKE 'case.%' AND EXISTS (SELECT 1 FROM case_tasks t \
                             WHERE t.case_number = e.subject AND t.department = $2))) ORDER BY position LIMIT $3"
                        ))
                        .bind(position)
                        .bind(department)
                        .bind(i64::from(limit))
                        .fetch_all(&self.reader)
                        .await?
                    }
                };
                rows.iter().map(event_from_row).collect()
            }

            async fn last_position(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT last FROM outbox_sequence WHERE id = 1").fetch_one(&self.reader).await?)
            }

            async fn add_api_key(
                &self,
                user_id: i64,
                id: &str,
                key_hash: &str,
                at: DateTime<Utc>,
                others_until: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                sqlx::query("UPDATE api_keys SET expires_at = $1 WHERE user_id = $2 AND expires_at IS NULL")
                    .bind(millis(others_until))
                    .bind(user_id)
                    .execute(&mut *transaction)
                    .await?;
                sqlx::query("INSERT INTO api_keys (id, user_id, key_hash, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(user_id)
                    .bind(key_hash)
                    .bind(millis(at))
                    .execute(&mut *transaction)
                    .await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn api_key(&self, id: &str, now: DateTime<Utc>) -> StoreResult<Option<(User, String)>> {
                let row = sqlx::query(
                    "SELECT u.id, u.username, u.display_name, u.password_hash, u.roles, u.department, u.disabled, \
                     k.key_hash FROM api_keys k JOIN users u ON u.id = k.user_id \
                     WHERE k.id = $1 AND (k.expires_at IS NULL OR k.expires_at > $2) AND u.disabled = FALSE",
                )
                .bind(id)
                .bind(millis(now))
                .fetch_optional(&self.reader)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some((user_from_row(&row)?, row.text("key_hash")?)))
            }

            async fn add_subscription(&self, subscription: &Subscription) -> StoreResult<i64> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO webhook_subscriptions (user_id, department, url, secret, delivered, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(subscription.user_id)
                .bind(&subscription.department)
                .bind(&subscription.url)
                .bind(&subscription.secret)
                .bind(subscription.delivered)
                .bind(millis(subscription.created_at))
                .fetch_one(&self.writer)
                .await?;
                Ok(id)
            }

            async fn subscriptions(&self, user_id: Option<i64>) -> StoreResult<Vec<Subscription>> {
                let rows = sqlx::query(&format!(
                    "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions \
                     WHERE deleted_at IS NULL AND ($1 IS NULL OR user_id = $1) ORDER BY id"
                ))
                .bind(user_id)
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(subscription_from_row).collect()
            }

            async fn delete_subscription(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("UPDATE webhook_subscriptions SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
                    .bind(millis(at))
                    .bind(id)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn acknowledge_delivery(&self, id: i64, position: i64) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE webhook_subscriptions SET delivered = $1, attempts = 0, next_at = 0, last_error = '' \
                     WHERE id = $2 AND delivered < $1",
                )
                .bind(position)
                .bind(id)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn delivery_failed(
                &self,
                id: i64,
                attempts: u32,
                next_at: DateTime<Utc>,
                error: &str,
            ) -> StoreResult<()> {
                sqlx::query("UPDATE webhook_subscriptions SET attempts = $1, next_at = $2, last_error = $3 WHERE id = $4")
                    .bind(i64::from(attempts))
                    .bind(millis(next_at))
                    .bind(error)
                    .bind(id)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn dead_letter(
                &self,
                id: i64,
                position: i64,
                attempts: u32,
                error: &str,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                sqlx::query(
                    "INSERT INTO webhook_dead_letters (subscription_id, position, attempts, last_error, at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(position)
                .bind(i64::from(attempts))
                .bind(error)
                .bind(millis(at))
                .execute(&mut *transaction)
                .await?;
                sqlx::query(
                    "UPDATE webhook_subscriptions SET delivered = $1, attempts = 0, next_at = 0, last_error = $2 \
                     WHERE id = $3",
                )
                .bind(position)
                .bind(error)
                .bind(id)
                .execute(&mut *transaction)
                .await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn rewind_subscription(&self, id: i64, position: i64) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE webhook_subscriptions SET delivered = $1, attempts = 0, next_at = 0, last_error = '' \
                     WHERE id = $2",
                )
                .bind(position)
                .bind(id)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn dead_letters(&self, id: i64) -> StoreResult<Vec<DeadLetter>> {
                let rows = sqlx::query(
                    "SELECT subscription_id, position, attempts, last_error, at FROM webhook_dead_letters \
                     WHERE subscription_id = $1 ORDER BY position",
                )
                .bind(id)
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(DeadLetter {
                            subscription_id: row.int("subscription_id")?,
                            position: row.int("position")?,
                            attempts: row.count("attempts")?,
                            last_error: row.text("last_error")?,
                            at: row.instant("at")?,
                        })
                    })
                    .collect()
            }

            async fn set_external_reference(
                &self,
                case: &CaseNumber,
                system: &str,
                reference: &str,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO external_references (case_number, system, reference, at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (case_number, system) DO UPDATE SET reference = excluded.reference, at = excluded.at",
                )
                .bind(case.compact())
                .bind(system)
                .bind(reference)
                .bind(millis(at))
                .execute(&self.writer)
                .await
                .map_err(|error| unique_to_conflict(error, "这个编号已经对应了另一个办件"))?;
                Ok(())
            }

            async fn case_by_external_reference(&self, system: &str, reference: &str) -> StoreResult<Option<CaseNumber>> {
                let row = sqlx::query("SELECT case_number FROM external_references WHERE system = $1 AND reference = $2")
                    .bind(system)
                    .bind(reference)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(|row| row.case_number("case_number")).transpose()
            }

            async fn external_references(&self, case: &CaseNumber) -> StoreResult<Vec<(String, String)>> {
                let rows = sqlx::query(
                    "SELECT system, reference FROM external_references WHERE case_number = $1 ORDER BY system",
                )
                .bind(case.compact())
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(|row| Ok((row.text("system")?, row.text("reference")?))).collect()
            }
        }
    };
}

event_queries!(SqliteStore);
event_queries!(PostgresStore);
