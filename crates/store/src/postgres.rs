//! PostgreSQL, for a province: several instances share one database. Tickets are called under
//! `FOR UPDATE SKIP LOCKED` (see `sql/hall.rs`), and hall calls reach the displays of every instance by
//! `NOTIFY` on a channel of the schema.

use crate::cases::{CaseEvent, CaseStore, Idempotency, NewCase};
use crate::error::{StoreError, StoreResult};
use crate::hall::{CallNext, NewTicket};
use crate::sql::common::{BackendDatabase, NEXT_SEQUENCE};
use crate::store::Store;
use async_trait::async_trait;
use onetrip_domain::case::Case;
use onetrip_domain::queue::Ticket;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::ConnectOptions;
use std::str::FromStr;

/// PostgreSQL: for a province, several instances, one database.
#[derive(Clone)]
pub struct PostgresStore {
    pub(crate) reader: PgPool,
    pub(crate) writer: PgPool,
    /// The NOTIFY channel that carries hall calls between the instances sharing this schema.
    hall_channel: String,
}

impl BackendDatabase for PostgresStore {
    type Database = sqlx::Postgres;
    const LOCK_CASE: &'static str = "SELECT 1 FROM cases WHERE number = $1 FOR UPDATE";
    /// A transaction-scoped advisory lock (the key is arbitrary, fixed for the audit chain).
    const LOCK_AUDIT: &'static str = "SELECT pg_advisory_xact_lock(70402026)";
}

impl PostgresStore {
    /// Connects and applies the migrations. With `schema`, every table lives in that schema (created if
    /// missing): the test suites give each test its own.
    pub async fn connect(url: &str, schema: Option<&str>) -> StoreResult<Self> {
        let mut options = PgConnectOptions::from_str(url)?.disable_statement_logging();
        if let Some(schema) = schema {
            if !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(StoreError::Conflict("schema names are letters, digits and _".to_string()));
            }
            let admin = PgPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).execute(&admin).await?;
            admin.close().await;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new().max_connections(16).connect_with(options).await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        // One channel per schema, so that instances on another schema (or other test runs) hear nothing.
        let hall_channel = format!("onetrip_hall_{}", schema.unwrap_or("public")).to_ascii_lowercase();
        let store = Self { reader: pool.clone(), writer: pool, hall_channel };
        store.fill_rollups_if_new().await?;
        Ok(store)
    }

    /// Drops a schema made by `connect` (test clean-up).
    pub async fn drop_schema(&self, schema: &str) -> StoreResult<()> {
        if schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&self.writer).await?;
        }
        Ok(())
    }

    pub(crate) async fn commit_case(
        &self,
        case: &NewCase,
        idempotency: Option<&Idempotency>,
        event: &CaseEvent,
        trip: Option<&str>,
    ) -> StoreResult<(Case, bool)> {
        // A retry finds its case without taking a number.
        if let Some(idempotency) = idempotency {
            if let Some(existing) = self.case_by_idempotency_key(idempotency).await? {
                return Ok((existing, false));
            }
        }
        // The day's sequence row is the one thing every new case updates: taken in a short transaction of its
        // own, its lock is not held while the case is written. That commit need not wait for the disk: the
        // case's own commit flushes the log up to it, and a number lost with no case is only a gap.
        let mut numbering = self.writer.begin().await?;
        sqlx::query("SET LOCAL synchronous_commit TO OFF").execute(&mut *numbering).await?;
        let sequence: i64 = sqlx::query_scalar(NEXT_SEQUENCE)
            .bind(case.day.format("%Y-%m-%d").to_string())
            .fetch_one(&mut *numbering)
            .await?;
        numbering.commit().await?;
        let mut transaction = self.writer.begin().await?;
        let created = match Self::insert_case(&mut transaction, case, idempotency, event, trip, Some(sequence)).await {
            Ok(created) => created,
            // Two requests with one key raced past the check above: the key's unique index let one in, and
            // the other gets the case it made (or the refusal, for a different request).
            Err(error) => {
                drop(transaction);
                let raced = match idempotency {
                    Some(idempotency) => self.case_by_idempotency_key(idempotency).await?,
                    None => None,
                };
                return raced.map(|existing| (existing, false)).ok_or(error);
            }
        };
        transaction.commit().await?;
        Ok(created)
    }

    pub(crate) async fn relay_call(&self, payload: &str) -> StoreResult<bool> {
        sqlx::query("SELECT pg_notify($1, $2)").bind(&self.hall_channel).bind(payload).execute(&self.writer).await?;
        Ok(true)
    }

    /// Listens on the schema's hall channel on a connection of its own; the listener reconnects by itself
    /// when the connection drops (calls made meanwhile are missed, as a display that reconnects misses them).
    pub(crate) async fn relay_listener(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<String>>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.writer).await?;
        listener.listen(&self.hall_channel).await?;
        let (sender, receiver) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        if sender.send(notification.payload().to_string()).await.is_err() {
                            return; // nobody listens any more
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "hall call relay: listening failed; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Some(receiver))
    }

    pub(crate) async fn commit_call(&self, call: &CallNext<'_>) -> StoreResult<Option<Ticket>> {
        let mut transaction = self.writer.begin().await?;
        match Self::call_in(&mut transaction, call).await {
            Ok(called) => {
                transaction.commit().await?;
                Ok(called)
            }
            Err(error) => {
                transaction.rollback().await?;
                Err(error)
            }
        }
    }

    pub(crate) async fn commit_issue(&self, ticket: &NewTicket) -> StoreResult<Ticket> {
        let mut transaction = self.writer.begin().await?;
        let record = Self::insert_ticket(&mut transaction, ticket).await?;
        transaction.commit().await?;
        Ok(record)
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn backup_into(&self, _path: &std::path::Path) -> StoreResult<()> {
        Err(StoreError::Unsupported(
            "PostgreSQL 数据库请用 pg_dump 备份、pg_restore 恢复，步骤见 docs/operations.md；文件存储另行备份"
                .to_string(),
        ))
    }

    async fn counts(&self) -> StoreResult<(u64, u64, u64)> {
        crate::sql::common::counts!(&self.reader)
    }
}
