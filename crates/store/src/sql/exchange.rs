//! The exchange log, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use super::rows::StoreRow;
use crate::error::StoreResult;
use crate::exchange::*;
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;

macro_rules! exchange_queries {
    ($store:ty) => {
        #[async_trait]
        impl ExchangeStore for $store {
            async fn add_consent(&self, consent: &Consent) -> StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO consents (applicant_id, source, material, matter_code, draft_id, given_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(consent.applicant_id)
                .bind(&consent.source)
                .bind(&consent.material)
                .bind(&consent.matter_code)
                .bind(&consent.draft_id)
                .bind(millis(consent.given_at))
                .fetch_one(&self.writer)
                .await?)
            }

            async fn consents(&self, applicant_id: i64) -> StoreResult<Vec<Consent>> {
                let rows = sqlx::query(
                    "SELECT id, applicant_id, source, material, matter_code, draft_id, given_at, revoked_at \
                     FROM consents WHERE applicant_id = $1 ORDER BY id DESC",
                )
                .bind(applicant_id)
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Consent {
                            id: row.int("id")?,
                            applicant_id: row.int("applicant_id")?,
                            source: row.text("source")?,
                            material: row.text("material")?,
                            matter_code: row.text("matter_code")?,
                            draft_id: row.text("draft_id")?,
                            given_at: row.instant("given_at")?,
                            revoked_at: row.optional_instant("revoked_at")?,
                        })
                    })
                    .collect()
            }

            async fn revoke_consent(
                &self,
                applicant_id: i64,
                id: i64,
                at: chrono::DateTime<chrono::Utc>,
            ) -> StoreResult<bool> {
                let updated = sqlx::query(
                    "UPDATE consents SET revoked_at = $1 WHERE id = $2 AND applicant_id = $3 AND revoked_at IS NULL",
                )
                .bind(millis(at))
                .bind(id)
                .bind(applicant_id)
                .execute(&self.writer)
                .await?;
                Ok(updated.rows_affected() == 1)
            }

            async fn record_exchange(&self, exchange: &Exchange) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO exchange_log (at, source, holder_digest, material, purpose, outcome, detail, \
                     duration_ms, application) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(millis(exchange.at))
                .bind(&exchange.source)
                .bind(&exchange.holder_digest)
                .bind(&exchange.material)
                .bind(&exchange.purpose)
                .bind(&exchange.outcome)
                .bind(&exchange.detail)
                .bind(exchange.duration_ms)
                .bind(exchange.application.as_deref())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn exchanges(&self, source: Option<&str>, limit: u32) -> StoreResult<Vec<Exchange>> {
                let rows = sqlx::query(
                    "SELECT at, source, holder_digest, material, purpose, outcome, detail, duration_ms, application \
                     FROM exchange_log WHERE ($1 IS NULL OR source = $1) ORDER BY id DESC LIMIT $2",
                )
                .bind(source)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Exchange {
                            at: row.instant("at")?,
                            source: row.text("source")?,
                            holder_digest: row.text("holder_digest")?,
                            material: row.text("material")?,
                            purpose: row.text("purpose")?,
                            outcome: row.text("outcome")?,
                            detail: row.text("detail")?,
                            duration_ms: row.int("duration_ms")?,
                            application: row.optional_text("application")?,
                        })
                    })
                    .collect()
            }

            async fn sharing_counts(
                &self,
                from: chrono::DateTime<chrono::Utc>,
                to: chrono::DateTime<chrono::Utc>,
            ) -> StoreResult<Vec<SharingCount>> {
                let rows = sqlx::query(
                    "SELECT matter_code, department, COUNT(*) AS received, \
                     CAST(SUM(CASE WHEN shared_materials > 0 THEN 1 ELSE 0 END) AS BIGINT) AS with_shared, \
                     CAST(SUM(shared_materials) AS BIGINT) AS shared, CAST(SUM(uploaded_materials) AS BIGINT) AS uploaded \
                     FROM cases WHERE received_at >= $1 AND received_at < $2 \
                     GROUP BY matter_code, department ORDER BY matter_code, department",
                )
                .bind(millis(from))
                .bind(millis(to))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(SharingCount {
                            matter_code: row.text("matter_code")?,
                            department: row.text("department")?,
                            received: count(row.int("received")?),
                            with_shared: count(row.int("with_shared")?),
                            materials_shared: count(row.int("shared")?),
                            materials_uploaded: count(row.int("uploaded")?),
                        })
                    })
                    .collect()
            }

            async fn source_counts(
                &self,
                from: chrono::DateTime<chrono::Utc>,
                to: chrono::DateTime<chrono::Utc>,
            ) -> StoreResult<Vec<SourceCount>> {
                let failed = "outcome NOT IN ('found', 'not_found')";
                let rows = sqlx::query(&format!(
                    "SELECT purpose, source, COUNT(*) AS requests, \
                     CAST(SUM(CASE WHEN {failed} THEN 1 ELSE 0 END) AS BIGINT) AS failures, \
                     COUNT(DISTINCT CASE WHEN {failed} THEN application END) AS applications_failed \
                     FROM exchange_log WHERE at >= $1 AND at < $2 GROUP BY purpose, source ORDER BY purpose, source"
                ))
                .bind(millis(from))
                .bind(millis(to))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(SourceCount {
                            matter_code: row.text("purpose")?,
                            source: row.text("source")?,
                            requests: count(row.int("requests")?),
                            failures: count(row.int("failures")?),
                            applications_failed: count(row.int("applications_failed")?),
                        })
                    })
                    .collect()
            }
        }
    };
}

exchange_queries!(SqliteStore);
exchange_queries!(PostgresStore);
