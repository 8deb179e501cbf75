//! Unified identity login, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use super::rows::StoreRow;
use crate::error::StoreResult;
use crate::identity::IdentityStore;
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

macro_rules! identity_queries {
    ($store:ty) => {
        #[async_trait]
        impl IdentityStore for $store {
            async fn begin_identity_login(
                &self,
                token_hash: &str,
                payload: &str,
                expires_at: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query("DELETE FROM identity_logins WHERE expires_at < $1")
                    .bind(millis(now))
                    .execute(&self.writer)
                    .await?;
                sqlx::query("INSERT INTO identity_logins (token_hash, payload, expires_at) VALUES ($1, $2, $3)")
                    .bind(token_hash)
                    .bind(payload)
                    .bind(millis(expires_at))
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn take_identity_login(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<String>> {
                let row =
                    sqlx::query("DELETE FROM identity_logins WHERE token_hash = $1 RETURNING payload, expires_at")
                        .bind(token_hash)
                        .fetch_optional(&self.writer)
                        .await?;
                match row {
                    Some(row) if row.int("expires_at")? >= millis(now) => Ok(Some(row.text("payload")?)),
                    _ => Ok(None),
                }
            }

            async fn linked_applicant(
                &self,
                issuer: &str,
                subject: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "UPDATE identity_links SET last_login = $3 WHERE issuer = $1 AND subject = $2 \
                     RETURNING applicant_id",
                )
                .bind(issuer)
                .bind(subject)
                .bind(millis(now))
                .fetch_optional(&self.writer)
                .await?)
            }

            async fn link_identity(
                &self,
                issuer: &str,
                subject: &str,
                applicant_id: i64,
                at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let inserted = sqlx::query(
                    "INSERT INTO identity_links (issuer, subject, applicant_id, linked_at, last_login) \
                     VALUES ($1, $2, $3, $4, $4) ON CONFLICT (issuer, subject) DO NOTHING",
                )
                .bind(issuer)
                .bind(subject)
                .bind(applicant_id)
                .bind(millis(at))
                .execute(&self.writer)
                .await?;
                Ok(inserted.rows_affected() == 1)
            }
        }
    };
}

identity_queries!(SqliteStore);
identity_queries!(PostgresStore);
