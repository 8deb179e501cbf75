//! The phone-check queries, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use crate::error::StoreResult;
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use crate::verification::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

macro_rules! verification_queries {
    ($store:ty) => {
        #[async_trait]
        impl VerificationStore for $store {
            async fn create_phone_check(&self, check: &NewPhoneCheck) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO phone_checks (id, purpose, phone, payload, code_hash, attempts, created_at, \
                     expires_at, sms_body) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8)",
                )
                .bind(&check.id)
                .bind(&check.purpose)
                .bind(&check.phone)
                .bind(&check.payload)
                .bind(&check.code_hash)
                .bind(millis(check.created_at))
                .bind(millis(check.expires_at))
                .bind(&check.sms_body)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn phone_check(&self, id: &str) -> StoreResult<Option<PhoneCheck>> {
                type Row = (String, String, String, String, String, i64, i64, Option<i64>);
                let row: Option<Row> = sqlx::query_as(
                    "SELECT id, purpose, phone, payload, code_hash, attempts, expires_at, used_at \
                     FROM phone_checks WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.writer)
                .await?;
                Ok(row.map(|(id, purpose, phone, payload, code_hash, attempts, expires_at, used_at)| PhoneCheck {
                    id,
                    purpose,
                    phone,
                    payload,
                    code_hash,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    expires_at: from_millis(expires_at),
                    used: used_at.is_some(),
                }))
            }

            async fn count_phone_check_try(&self, id: &str) -> StoreResult<u32> {
                let attempts: i64 = sqlx::query_scalar(
                    "UPDATE phone_checks SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts",
                )
                .bind(id)
                .fetch_one(&self.writer)
                .await?;
                Ok(u32::try_from(attempts).unwrap_or(u32::MAX))
            }

            async fn use_phone_check(&self, id: &str, at: DateTime<Utc>) -> StoreResult<bool> {
                let used = sqlx::query("UPDATE phone_checks SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                    .bind(millis(at))
                    .bind(id)
                    .execute(&self.writer)
                    .await?;
                Ok(used.rows_affected() == 1)
            }

            async fn unsent_verification_messages(&self, limit: u32) -> StoreResult<Vec<VerificationMessage>> {
                let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
                    "SELECT id, phone, sms_body, created_at FROM phone_checks \
                     WHERE sent_at IS NULL AND sms_body IS NOT NULL ORDER BY created_at LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, phone, body, created_at)| VerificationMessage {
                        id,
                        phone,
                        body,
                        created_at: from_millis(created_at),
                    })
                    .collect())
            }

            async fn mark_verification_sent(&self, id: &str, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("UPDATE phone_checks SET sent_at = $1, sms_body = NULL WHERE id = $2")
                    .bind(millis(at))
                    .bind(id)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }
        }
    };
}

verification_queries!(SqliteStore);
verification_queries!(PostgresStore);
