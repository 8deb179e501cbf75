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
            async fn record_exchange(&self, exchange: &Exchange) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO exchange_log (at, source, holder_digest, material, purpose, outcome, detail, \
                     duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(millis(exchange.at))
                .bind(&exchange.source)
                .bind(&exchange.holder_digest)
                .bind(&exchange.material)
                .bind(&exchange.purpose)
                .bind(&exchange.outcome)
                .bind(&exchange.detail)
                .bind(exchange.duration_ms)
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn exchanges(&self, source: Option<&str>, limit: u32) -> StoreResult<Vec<Exchange>> {
                let rows = sqlx::query(
                    "SELECT at, source, holder_digest, material, purpose, outcome, detail, duration_ms \
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
                        })
                    })
                    .collect()
            }
        }
    };
}

exchange_queries!(SqliteStore);
exchange_queries!(PostgresStore);
