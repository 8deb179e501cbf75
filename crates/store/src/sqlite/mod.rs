//! SQLite, the embedded default: one file, one writer connection and several readers. Writes are serialised
//! in the process instead of failing with `SQLITE_BUSY`, and readers never wait for the writer (WAL). New
//! cases, issued tickets and calls go through writer tasks that commit them in groups (`case_writer`,
//! `hall_writer`); everything else writes on the writer connection directly.

mod case_writer;
mod hall_writer;

use crate::cases::{CaseEvent, Idempotency, NewCase};
use crate::error::{StoreError, StoreResult};
use crate::sql::common::BackendDatabase;
use crate::store::Store;
use async_trait::async_trait;
use onetrip_domain::case::Case;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::ConnectOptions;
use std::str::FromStr;
use std::time::Duration;

/// SQLite: the embedded default.
#[derive(Clone)]
pub struct SqliteStore {
    pub(crate) reader: SqlitePool,
    pub(crate) writer: SqlitePool,
    /// New cases go to one writer task that commits them in batches (group commit, see `case_writer`).
    cases: tokio::sync::mpsc::Sender<case_writer::CaseJob>,
    /// Tickets issued and called go to another, for the same reason (see `hall_writer`).
    hall: tokio::sync::mpsc::Sender<hall_writer::HallJob>,
}

impl BackendDatabase for SqliteStore {
    type Database = sqlx::Sqlite;
    // SQLite has one writer at a time: every write transaction is serialized already.
    const LOCK_CASE: &'static str = "SELECT 1 FROM cases WHERE number = $1";
    const LOCK_AUDIT: &'static str = "SELECT 1";
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, in WAL mode with full fsync on commit, and
    /// applies the migrations. `:memory:` is not supported: readers and the writer must share one file.
    pub async fn open(path: &str) -> StoreResult<Self> {
        if let Some(parent) = std::path::Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .map_err(|error| StoreError::Conflict(format!("cannot create {}: {error}", parent.display())))?;
            }
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .disable_statement_logging();
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new().max_connections(8).connect_with(options.read_only(true)).await?;
        let (cases, jobs) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(case_writer::case_writer(writer.clone(), jobs));
        let (hall, hall_jobs) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(hall_writer::hall_writer(writer.clone(), hall_jobs));
        let store = Self { reader, writer, cases, hall };
        store.fill_rollups_if_new().await?;
        Ok(store)
    }

    /// Writes a new case through the case writer; answers once the commit that holds it is done.
    pub(crate) async fn commit_case(
        &self,
        case: &NewCase,
        idempotency: Option<&Idempotency>,
        event: &CaseEvent,
        trip: Option<&str>,
    ) -> StoreResult<(Case, bool)> {
        let (reply, outcome) = tokio::sync::oneshot::channel();
        let job = case_writer::CaseJob {
            case: case.clone(),
            idempotency: idempotency.cloned(),
            event: event.clone(),
            trip: trip.map(str::to_string),
            reply,
        };
        self.cases.send(job).await.map_err(|_| stopped("case"))?;
        outcome.await.map_err(|_| stopped("case"))?
    }
}

/// The error of a writer task that is gone (the runtime is shutting down).
fn stopped(writer: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("the {writer} writer has stopped")))
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn backup_into(&self, path: &std::path::Path) -> StoreResult<()> {
        let target = path.to_str().ok_or_else(|| StoreError::Unsupported("备份路径应为 UTF-8".to_string()))?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&self.reader).await?;
        Ok(())
    }

    async fn counts(&self) -> StoreResult<(u64, u64, u64)> {
        crate::sql::common::counts!(&self.reader)
    }
}
