//! The two backends. They differ only in how they connect and migrate; the queries are written once, in the
//! subset of SQL both SQLite and PostgreSQL understand (`$1` parameters, `ON CONFLICT`, `RETURNING`,
//! BIGINT milliseconds, ISO date text), and the `store_queries!` macro implements [`Store`] for each.
//!
//! SQLite keeps one writer connection and several readers: writes are serialised in the process instead of
//! failing with `SQLITE_BUSY`, and readers never wait for a writer (WAL).

use crate::documents::{decode_case, encode_case};
use crate::{
    Applicant, AtRisk, AuditEvent, CaseEvent, CaseUpdate, Draft, InboxItem, NewApplicant, NewCase, NewUser, NewVersion,
    Notification, OutboxMessage, RiskCount, Session, Store, StoreError, StoreResult, StoredFile, SupervisionOrder,
    TripReport, User,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::access::Role;
use onetrip_domain::actor::Channel;
use onetrip_domain::applicant::ApplicantIdentity;
use onetrip_domain::calendar::{CalendarEntry, DayKind};
use onetrip_domain::case::{Case, Phase};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::{Adjustment, AdjustmentKind, Department, Matter, MatterVersion};
use onetrip_domain::ids::CreditCode;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Row};
use std::str::FromStr;
use std::time::Duration;

/// SQLite: the embedded default.
#[derive(Clone)]
pub struct SqliteStore {
    pub(crate) reader: SqlitePool,
    pub(crate) writer: SqlitePool,
    /// New cases go to one writer task that commits them in batches (group commit, see `case_writer`).
    cases: tokio::sync::mpsc::Sender<CaseJob>,
    /// Tickets issued and called go to another, for the same reason (see `hall::hall_writer`).
    pub(crate) hall: tokio::sync::mpsc::Sender<crate::hall::HallJob>,
}

/// A new case waiting for the SQLite case writer, and where to send the outcome.
struct CaseJob {
    case: NewCase,
    idempotency: Option<(String, String)>,
    event: CaseEvent,
    trip: Option<String>,
    reply: tokio::sync::oneshot::Sender<StoreResult<(Case, bool)>>,
}

/// At most this many cases share one SQLite commit.
const CASE_BATCH: usize = 64;

/// Group commit for SQLite, which has one writer and pays one fsync per commit: the cases that arrive while
/// a commit is under way are written together in the next transaction. If one of them fails, the batch is
/// rolled back and each case written on its own, so that one failing case does not take the others with it.
/// Every caller hears back only after the commit that holds its case, so an acknowledged case is durable.
async fn case_writer(writer: SqlitePool, mut jobs: tokio::sync::mpsc::Receiver<CaseJob>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < CASE_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        match write_case_batch(&writer, &batch).await {
            Ok(results) => {
                for (job, result) in batch.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(error) => {
                let message = error.to_string();
                for job in batch {
                    let _ = job.reply.send(Err(StoreError::Database(sqlx::Error::Protocol(message.clone()))));
                }
            }
        }
    }
}

async fn write_case_batch(writer: &SqlitePool, batch: &[CaseJob]) -> StoreResult<Vec<StoreResult<(Case, bool)>>> {
    // The common case: every case of the batch goes in, in one transaction.
    let mut transaction = writer.begin().await?;
    let mut results = Vec::with_capacity(batch.len());
    let mut failed = false;
    for job in batch {
        let idempotency = job.idempotency.as_ref().map(|(scope, key)| (scope.as_str(), key.as_str()));
        match SqliteStore::insert_case(&mut transaction, &job.case, idempotency, &job.event, job.trip.as_deref(), None)
            .await
        {
            Ok(created) => results.push(created),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    if !failed {
        transaction.commit().await?;
        return Ok(results.into_iter().map(Ok).collect());
    }
    // One case failed: nothing of the batch is kept, and each case is written on its own, so that only the
    // failing one reports its error.
    transaction.rollback().await?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        let idempotency = job.idempotency.as_ref().map(|(scope, key)| (scope.as_str(), key.as_str()));
        let mut transaction = writer.begin().await?;
        match SqliteStore::insert_case(&mut transaction, &job.case, idempotency, &job.event, job.trip.as_deref(), None)
            .await
        {
            Ok(created) => {
                transaction.commit().await?;
                results.push(Ok(created));
            }
            Err(error) => {
                transaction.rollback().await?;
                results.push(Err(error));
            }
        }
    }
    Ok(results)
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
        tokio::spawn(case_writer(writer.clone(), jobs));
        let (hall, hall_jobs) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(crate::hall::hall_writer(writer.clone(), hall_jobs));
        Ok(Self { reader, writer, cases, hall })
    }

    async fn commit_case(
        &self,
        case: &NewCase,
        idempotency: Option<(&str, &str)>,
        event: &CaseEvent,
        trip: Option<&str>,
    ) -> StoreResult<(Case, bool)> {
        let (reply, outcome) = tokio::sync::oneshot::channel();
        let job = CaseJob {
            case: case.clone(),
            idempotency: idempotency.map(|(scope, key)| (scope.to_string(), key.to_string())),
            event: event.clone(),
            trip: trip.map(str::to_string),
            reply,
        };
        let gone = || StoreError::Database(sqlx::Error::Protocol("the case writer has stopped".to_string()));
        self.cases.send(job).await.map_err(|_| gone())?;
        outcome.await.map_err(|_| gone())?
    }
}

/// PostgreSQL: for a province, several instances, one database.
#[derive(Clone)]
pub struct PostgresStore {
    pub(crate) reader: PgPool,
    pub(crate) writer: PgPool,
    /// The NOTIFY channel that carries hall calls between the instances sharing this schema.
    pub(crate) hall_channel: String,
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
        Ok(Self { reader: pool.clone(), writer: pool, hall_channel })
    }

    async fn commit_case(
        &self,
        case: &NewCase,
        idempotency: Option<(&str, &str)>,
        event: &CaseEvent,
        trip: Option<&str>,
    ) -> StoreResult<(Case, bool)> {
        // A retry finds its case without taking a number.
        if let Some((scope, key)) = idempotency {
            if let Some(existing) = self.case_by_idempotency_key(scope, key).await? {
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
        let created = Self::insert_case(&mut transaction, case, idempotency, event, trip, Some(sequence)).await?;
        transaction.commit().await?;
        Ok(created)
    }

    /// Drops a schema made by `connect` (test clean-up).
    pub async fn drop_schema(&self, schema: &str) -> StoreResult<()> {
        if schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&self.writer).await?;
        }
        Ok(())
    }
}

pub(crate) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn from_millis(value: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(value).unwrap_or_default()
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(crate) fn unique_to_conflict(error: sqlx::Error, what: &str) -> StoreError {
    match &error {
        sqlx::Error::Database(database) if database.is_unique_violation() => StoreError::Conflict(what.to_string()),
        _ => StoreError::Database(error),
    }
}

fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|role| role.code()).collect::<Vec<_>>().join(",")
}

fn parse_roles(text: &str) -> Vec<Role> {
    text.split(',').filter_map(Role::from_code).collect()
}

fn day_kind(code: &str) -> StoreResult<DayKind> {
    match code {
        "holiday" => Ok(DayKind::Holiday),
        "makeup_workday" => Ok(DayKind::MakeupWorkday),
        other => Err(corrupt(format!("calendar kind {other}"))),
    }
}

fn version_from_row<R>(row: &R) -> StoreResult<MatterVersion>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let document: String = row.try_get("document")?;
    let matter: Matter = serde_json::from_str(&document).map_err(corrupt)?;
    let kind: String = row.try_get("adjustment_kind")?;
    let effective: String = row.try_get("effective_date")?;
    let version: i64 = row.try_get("version")?;
    Ok(MatterVersion {
        version: u32::try_from(version).map_err(corrupt)?,
        adjustment: Adjustment {
            kind: AdjustmentKind::from_code(&kind).ok_or_else(|| corrupt(format!("adjustment kind {kind}")))?,
            reason: row.try_get("reason")?,
            effective_date: NaiveDate::parse_from_str(&effective, "%Y-%m-%d").map_err(corrupt)?,
            merged_into: row.try_get("merged_into")?,
        },
        author: row.try_get("author")?,
        matter,
    })
}

fn user_from_row<R>(row: &R) -> StoreResult<User>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let roles: String = row.try_get("roles")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        roles: parse_roles(&roles),
        department: row.try_get("department")?,
        disabled: row.try_get("disabled")?,
    })
}

const APPLICANT_COLUMNS: &str = "id, kind, name, id_number, phone, password_hash";

fn applicant_from_row<R>(row: &R) -> StoreResult<Applicant>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = row.try_get("kind")?;
    let number: String = row.try_get("id_number")?;
    Ok(Applicant {
        id: row.try_get("id")?,
        identity: ApplicantIdentity::parse(&kind, &number).map_err(|errors| corrupt(errors.to_string()))?,
        name: row.try_get("name")?,
        phone: row.try_get("phone")?,
        password_hash: row.try_get("password_hash")?,
    })
}

const CASE_COLUMNS: &str = "number, matter_code, matter_version, department, applicant_id, channel, phase, document, \
     revision, corrections, received_at, accepted_at, due_at, warn_at, created_at, updated_at";

fn case_from_row<R>(row: &R) -> StoreResult<Case>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let number: String = row.try_get("number")?;
    let version: i64 = row.try_get("matter_version")?;
    let corrections: i64 = row.try_get("corrections")?;
    let channel: String = row.try_get("channel")?;
    let phase: String = row.try_get("phase")?;
    let document: String = row.try_get("document")?;
    let instant = |column: &str| -> StoreResult<DateTime<Utc>> { Ok(from_millis(row.try_get::<i64, _>(column)?)) };
    let optional = |column: &str| -> StoreResult<Option<DateTime<Utc>>> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(from_millis))
    };
    Ok(Case {
        number: CaseNumber::parse(&number).map_err(corrupt)?,
        matter_code: row.try_get("matter_code")?,
        matter_version: u32::try_from(version).map_err(corrupt)?,
        department: row.try_get("department")?,
        applicant_id: row.try_get("applicant_id")?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt(format!("case channel {channel}")))?,
        phase: Phase::parse(&phase).ok_or_else(|| corrupt(format!("case phase {phase}")))?,
        document: decode_case(&document)?,
        revision: row.try_get("revision")?,
        corrections: u32::try_from(corrections).map_err(corrupt)?,
        received_at: instant("received_at")?,
        accepted_at: optional("accepted_at")?,
        due_at: optional("due_at")?,
        warn_at: optional("warn_at")?,
        created_at: instant("created_at")?,
        updated_at: instant("updated_at")?,
    })
}

/// Takes the next number of a day's case sequence.
const NEXT_SEQUENCE: &str = "INSERT INTO case_sequences (day, last) VALUES ($1, 1) \
     ON CONFLICT (day) DO UPDATE SET last = case_sequences.last + 1 RETURNING last";

const DRAFT_COLUMNS: &str = "id, applicant_id, matter_code, document, case_number, created_at, updated_at";

fn draft_from_row<R>(row: &R) -> StoreResult<Draft>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let number: Option<String> = row.try_get("case_number")?;
    Ok(Draft {
        id: row.try_get("id")?,
        applicant_id: row.try_get("applicant_id")?,
        matter_code: row.try_get("matter_code")?,
        document: row.try_get("document")?,
        case_number: number.map(|number| CaseNumber::parse(&number).map_err(corrupt)).transpose()?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

const ORDER_COLUMNS: &str =
    "id, case_number, department, instruction, issued_by, issued_at, deadline, answer, answered_by, answered_at";

fn order_from_row<R>(row: &R) -> StoreResult<SupervisionOrder>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let number: String = row.try_get("case_number")?;
    Ok(SupervisionOrder {
        id: row.try_get("id")?,
        case_number: CaseNumber::parse(&number).map_err(corrupt)?,
        department: row.try_get("department")?,
        instruction: row.try_get("instruction")?,
        issued_by: row.try_get("issued_by")?,
        issued_at: from_millis(row.try_get("issued_at")?),
        deadline: from_millis(row.try_get("deadline")?),
        answer: row.try_get("answer")?,
        answered_by: row.try_get("answered_by")?,
        answered_at: row.try_get::<Option<i64>, _>("answered_at")?.map(from_millis),
    })
}

const OUTBOX_COLUMNS: &str = "id, case_number, channel, recipient, body, created_at, sent_at";

fn outbox_from_row<R>(row: &R) -> StoreResult<OutboxMessage>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let number: String = row.try_get("case_number")?;
    Ok(OutboxMessage {
        id: row.try_get("id")?,
        case_number: CaseNumber::parse(&number).map_err(corrupt)?,
        notification: Notification {
            channel: row.try_get("channel")?,
            recipient: row.try_get("recipient")?,
            body: row.try_get("body")?,
        },
        created_at: from_millis(row.try_get("created_at")?),
        sent_at: row.try_get::<Option<i64>, _>("sent_at")?.map(from_millis),
    })
}

const VERSION_COLUMNS: &str = "version, adjustment_kind, reason, effective_date, merged_into, author, document";

/// Implements [`Store`] for a backend struct with `reader` and `writer` pools.
macro_rules! store_queries {
    ($store:ty, $backend:literal) => {
        impl $store {
            async fn insert_version(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                version: &NewVersion,
                number: u32,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                let document = serde_json::to_string(&version.matter).map_err(corrupt)?;
                sqlx::query(
                    "INSERT INTO matter_versions (code, version, adjustment_kind, reason, effective_date, merged_into, \
                     author, name, department, document, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&version.matter.code)
                .bind(i64::from(number))
                .bind(version.adjustment.kind.code())
                .bind(&version.adjustment.reason)
                .bind(version.adjustment.effective_date.format("%Y-%m-%d").to_string())
                .bind(&version.adjustment.merged_into)
                .bind(&version.author)
                .bind(&version.matter.name)
                .bind(&version.matter.department)
                .bind(document)
                .bind(millis(at))
                .execute(&mut **transaction)
                .await?;
                Ok(())
            }

            async fn upsert_departments(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                departments: &[Department],
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                for department in departments {
                    sqlx::query(
                        "INSERT INTO departments (code, name, credit_code, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (code) DO UPDATE SET name = excluded.name, credit_code = excluded.credit_code, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(&department.code)
                    .bind(&department.name)
                    .bind(department.credit_code.as_str())
                    .bind(millis(at))
                    .execute(&mut **transaction)
                    .await
                    .map_err(|error| unique_to_conflict(error, "统一社会信用代码已被另一个部门使用"))?;
                }
                Ok(())
            }

            /// Writes a case's event (and a trip, when the applicant came to the hall) in the caller's transaction.
            async fn record_case_event(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                number: &CaseNumber,
                event: &CaseEvent,
                trip: Option<&str>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO case_events (case_number, at, actor, role, action, from_phase, to_phase, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(number.compact())
                .bind(millis(event.at))
                .bind(&event.actor)
                .bind(&event.role)
                .bind(&event.action)
                .bind(&event.from_phase)
                .bind(&event.to_phase)
                .bind(&event.detail)
                .execute(&mut **transaction)
                .await?;
                if let Some(reason) = trip {
                    sqlx::query("INSERT INTO case_trips (case_number, at, reason) VALUES ($1, $2, $3)")
                        .bind(number.compact())
                        .bind(millis(event.at))
                        .bind(reason)
                        .execute(&mut **transaction)
                        .await?;
                    sqlx::query("UPDATE cases SET trips = trips + 1 WHERE number = $1")
                        .bind(number.compact())
                        .execute(&mut **transaction)
                        .await?;
                }
                Ok(())
            }

            /// Creates a case in the caller's transaction (see `Store::create_case`).
            async fn insert_case(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                case: &NewCase,
                idempotency: Option<(&str, &str)>,
                event: &CaseEvent,
                trip: Option<&str>,
                preallocated: Option<i64>,
            ) -> StoreResult<(Case, bool)> {
                if let Some((scope, key)) = idempotency {
                    let existing: Option<String> =
                        sqlx::query_scalar("SELECT case_number FROM idempotency_keys WHERE scope = $1 AND key = $2")
                            .bind(scope)
                            .bind(key)
                            .fetch_optional(&mut **transaction)
                            .await?;
                    if let Some(existing) = existing {
                        let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = $1"))
                            .bind(&existing)
                            .fetch_one(&mut **transaction)
                            .await?;
                        return Ok((case_from_row(&row)?, false));
                    }
                }
                let sequence: i64 = match preallocated {
                    Some(sequence) => sequence,
                    None => {
                        sqlx::query_scalar(NEXT_SEQUENCE)
                            .bind(case.day.format("%Y-%m-%d").to_string())
                            .fetch_one(&mut **transaction)
                            .await?
                    }
                };
                let number = CaseNumber::new(case.day, u32::try_from(sequence).unwrap_or(u32::MAX))
                    .map_err(|error| StoreError::Conflict(error.to_string()))?;
                let at = millis(event.at);
                sqlx::query(
                    "INSERT INTO cases (number, matter_code, matter_version, department, applicant_id, channel, phase, \
                     document, revision, corrections, received_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, 0, $9, $10, $10)",
                )
                .bind(number.compact())
                .bind(&case.matter_code)
                .bind(i64::from(case.matter_version))
                .bind(&case.department)
                .bind(case.applicant_id)
                .bind(case.channel.code())
                .bind(Phase::Received.code())
                .bind(encode_case(&case.document)?)
                .bind(millis(case.received_at))
                .bind(at)
                .execute(&mut **transaction)
                .await?;
                if let Some((scope, key)) = idempotency {
                    sqlx::query("INSERT INTO idempotency_keys (scope, key, case_number, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(scope)
                        .bind(key)
                        .bind(number.compact())
                        .bind(at)
                        .execute(&mut **transaction)
                        .await?;
                }
                if let Some(draft) = &case.draft {
                    let marked = sqlx::query(
                        "UPDATE drafts SET case_number = $1, updated_at = $2 WHERE id = $3 AND case_number IS NULL",
                    )
                    .bind(number.compact())
                    .bind(at)
                    .bind(draft)
                    .execute(&mut **transaction)
                    .await?;
                    if marked.rows_affected() != 1 {
                        return Err(StoreError::Conflict("这份申请已经提交过了".to_string()));
                    }
                }
                for file in &case.files {
                    sqlx::query(
                        "INSERT INTO stored_files (id, owner, name, kind, size, sha256, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&file.id)
                    .bind(&file.owner)
                    .bind(&file.name)
                    .bind(&file.kind)
                    .bind(i64::try_from(file.size).unwrap_or(i64::MAX))
                    .bind(&file.sha256)
                    .bind(millis(file.created_at))
                    .execute(&mut **transaction)
                    .await?;
                }
                Self::record_case_event(transaction, &number, event, trip).await?;
                let notifications: Vec<Notification> = case
                    .notifications
                    .iter()
                    .map(|message| Notification {
                        body: message.body.replace("{number}", &number.to_string()),
                        ..message.clone()
                    })
                    .collect();
                Self::record_notifications(transaction, &number, &notifications, at).await?;
                // What was written, without reading it back.
                let record = Case {
                    number,
                    matter_code: case.matter_code.clone(),
                    matter_version: case.matter_version,
                    department: case.department.clone(),
                    applicant_id: case.applicant_id,
                    channel: case.channel,
                    phase: Phase::Received,
                    document: case.document.clone(),
                    revision: 1,
                    corrections: 0,
                    received_at: from_millis(millis(case.received_at)),
                    accepted_at: None,
                    due_at: None,
                    warn_at: None,
                    created_at: from_millis(at),
                    updated_at: from_millis(at),
                };
                Ok((record, true))
            }

            /// Puts messages to the applicant in the outbox, in the caller's transaction.
            async fn record_notifications(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                number: &CaseNumber,
                notifications: &[Notification],
                at: i64,
            ) -> StoreResult<()> {
                for notification in notifications {
                    sqlx::query(
                        "INSERT INTO notifications (case_number, channel, recipient, body, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(number.compact())
                    .bind(&notification.channel)
                    .bind(&notification.recipient)
                    .bind(&notification.body)
                    .bind(at)
                    .execute(&mut **transaction)
                    .await?;
                }
                Ok(())
            }

            /// Inserts the next version of a matter; `expected_latest` guards against concurrent edits.
            async fn next_version(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                version: &NewVersion,
                expected_latest: Option<Option<u32>>,
                at: DateTime<Utc>,
            ) -> StoreResult<u32> {
                let code = &version.matter.code;
                let current: Option<i64> = sqlx::query_scalar("SELECT latest_version FROM matters WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&mut **transaction)
                    .await?;
                let current = current.map(|value| u32::try_from(value).unwrap_or(u32::MAX));
                if let Some(expected) = expected_latest {
                    if expected != current {
                        return Err(StoreError::Conflict(match current {
                            Some(_) if expected.is_none() => format!("事项编码 {code} 已存在"),
                            Some(latest) => format!("事项 {code} 已被他人修改（现为第 {latest} 版），请刷新后重新编辑"),
                            None => format!("事项 {code} 不存在"),
                        }));
                    }
                }
                let number = match current {
                    None => {
                        sqlx::query("INSERT INTO matters (code, latest_version, created_at) VALUES ($1, 1, $2)")
                            .bind(code)
                            .bind(millis(at))
                            .execute(&mut **transaction)
                            .await
                            .map_err(|error| unique_to_conflict(error, &format!("事项编码 {code} 已存在")))?;
                        1
                    }
                    Some(latest) => {
                        let next = latest + 1;
                        let updated = sqlx::query("UPDATE matters SET latest_version = $1 WHERE code = $2 AND latest_version = $3")
                            .bind(i64::from(next))
                            .bind(code)
                            .bind(i64::from(latest))
                            .execute(&mut **transaction)
                            .await?;
                        if updated.rows_affected() != 1 {
                            return Err(StoreError::Conflict(format!("事项 {code} 已被他人修改，请刷新后重新编辑")));
                        }
                        next
                    }
                };
                Self::insert_version(transaction, version, number, at).await?;
                Ok(number)
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.reader).await?;
                Ok(())
            }

            async fn departments(&self) -> StoreResult<Vec<Department>> {
                let rows = sqlx::query("SELECT code, name, credit_code FROM departments ORDER BY code")
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter()
                    .map(|row| {
                        let credit_code: String = row.try_get("credit_code")?;
                        Ok(Department {
                            code: row.try_get("code")?,
                            name: row.try_get("name")?,
                            credit_code: CreditCode::parse(&credit_code).map_err(corrupt)?,
                        })
                    })
                    .collect()
            }

            async fn put_departments(&self, departments: &[Department], at: DateTime<Utc>) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                Self::upsert_departments(&mut transaction, departments, at).await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn add_matter_version(
                &self,
                version: &NewVersion,
                expected_latest: Option<u32>,
                at: DateTime<Utc>,
            ) -> StoreResult<u32> {
                let mut transaction = self.writer.begin().await?;
                let number = Self::next_version(&mut transaction, version, Some(expected_latest), at).await?;
                transaction.commit().await?;
                Ok(number)
            }

            async fn import_catalog(
                &self,
                departments: &[Department],
                versions: &[NewVersion],
                at: DateTime<Utc>,
            ) -> StoreResult<usize> {
                let mut transaction = self.writer.begin().await?;
                Self::upsert_departments(&mut transaction, departments, at).await?;
                for version in versions {
                    Self::next_version(&mut transaction, version, None, at).await?;
                }
                transaction.commit().await?;
                Ok(versions.len())
            }

            async fn matter_versions(&self, code: &str) -> StoreResult<Vec<MatterVersion>> {
                let rows = sqlx::query(&format!(
                    "SELECT {VERSION_COLUMNS} FROM matter_versions WHERE code = $1 ORDER BY version"
                ))
                .bind(code)
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(version_from_row).collect()
            }

            async fn latest_versions(&self) -> StoreResult<Vec<MatterVersion>> {
                let rows = sqlx::query(&format!(
                    "SELECT {VERSION_COLUMNS} FROM matter_versions v JOIN matters m \
                     ON m.code = v.code AND m.latest_version = v.version ORDER BY v.code"
                ))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(version_from_row).collect()
            }

            async fn versions_in_force(&self, today: NaiveDate) -> StoreResult<Vec<MatterVersion>> {
                let rows = sqlx::query(&format!(
                    "SELECT {VERSION_COLUMNS} FROM matter_versions v WHERE v.effective_date <= $1 AND NOT EXISTS ( \
                     SELECT 1 FROM matter_versions w WHERE w.code = v.code AND w.effective_date <= $1 AND \
                     (w.effective_date > v.effective_date OR (w.effective_date = v.effective_date AND w.version > v.version))) \
                     ORDER BY v.code"
                ))
                .bind(today.format("%Y-%m-%d").to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(version_from_row).collect()
            }

            async fn matter_count(&self) -> StoreResult<u64> {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM matters").fetch_one(&self.reader).await?;
                Ok(u64::try_from(count).unwrap_or(0))
            }

            async fn calendar_entries(&self) -> StoreResult<Vec<CalendarEntry>> {
                let rows = sqlx::query("SELECT day, kind, name, notice_year FROM calendar_days ORDER BY day")
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter()
                    .map(|row| {
                        let day: String = row.try_get("day")?;
                        let kind: String = row.try_get("kind")?;
                        let notice_year: i64 = row.try_get("notice_year")?;
                        Ok(CalendarEntry {
                            date: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(corrupt)?,
                            kind: day_kind(&kind)?,
                            name: row.try_get("name")?,
                            notice_year: i32::try_from(notice_year).map_err(corrupt)?,
                        })
                    })
                    .collect()
            }

            async fn replace_notice(&self, notice_year: i32, entries: &[CalendarEntry]) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                sqlx::query("DELETE FROM calendar_days WHERE notice_year = $1")
                    .bind(i64::from(notice_year))
                    .execute(&mut *transaction)
                    .await?;
                for entry in entries {
                    sqlx::query(
                        "INSERT INTO calendar_days (day, kind, name, notice_year) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, \
                         notice_year = excluded.notice_year",
                    )
                    .bind(entry.date.format("%Y-%m-%d").to_string())
                    .bind(entry.kind.code())
                    .bind(&entry.name)
                    .bind(i64::from(notice_year))
                    .execute(&mut *transaction)
                    .await?;
                }
                transaction.commit().await?;
                Ok(())
            }

            async fn setting(&self, name: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.reader)
                    .await?)
            }

            async fn put_setting(&self, name: &str, value: &str, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(name)
                .bind(value)
                .bind(millis(at))
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn create_user(&self, user: &NewUser, at: DateTime<Utc>) -> StoreResult<i64> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (username, display_name, password_hash, roles, department, disabled, created_at) \
                     VALUES ($1, $2, $3, $4, $5, FALSE, $6) RETURNING id",
                )
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(roles_text(&user.roles))
                .bind(&user.department)
                .bind(millis(at))
                .fetch_one(&self.writer)
                .await
                .map_err(|error| unique_to_conflict(error, &format!("用户名 {} 已被使用", user.username)))?;
                Ok(id)
            }

            async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
                let row = sqlx::query(
                    "SELECT id, username, display_name, password_hash, roles, department, disabled FROM users WHERE username = $1",
                )
                .bind(username)
                .fetch_optional(&self.reader)
                .await?;
                row.as_ref().map(user_from_row).transpose()
            }

            async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                let updated = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut *transaction)
                    .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                // A new password ends every session opened with the old one.
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *transaction).await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                let updated = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                    .bind(disabled)
                    .bind(user_id)
                    .execute(&mut *transaction)
                    .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                if disabled {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *transaction).await?;
                }
                transaction.commit().await?;
                Ok(())
            }

            async fn create_session(
                &self,
                token_hash: &str,
                user_id: i64,
                csrf_token: &str,
                at: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                    .bind(millis(at))
                    .execute(&mut *transaction)
                    .await?;
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(token_hash)
                .bind(user_id)
                .bind(csrf_token)
                .bind(millis(at))
                .bind(millis(expires_at))
                .execute(&mut *transaction)
                .await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>> {
                let row = sqlx::query(
                    "SELECT u.id, u.username, u.display_name, u.password_hash, u.roles, u.department, u.disabled, \
                     s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE",
                )
                .bind(token_hash)
                .bind(millis(now))
                .fetch_optional(&self.reader)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let expires_at: i64 = row.try_get("expires_at")?;
                Ok(Some(Session {
                    user: user_from_row(&row)?,
                    csrf_token: row.try_get("csrf_token")?,
                    expires_at: from_millis(expires_at),
                }))
            }

            async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.writer).await?;
                Ok(())
            }

            async fn record_login_failure(&self, username: &str, at: DateTime<Utc>) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                // Attempts older than a day no longer matter to any throttle: keep the table small.
                sqlx::query("DELETE FROM login_failures WHERE failed_at < $1")
                    .bind(millis(at) - 86_400_000)
                    .execute(&mut *transaction)
                    .await?;
                sqlx::query("INSERT INTO login_failures (username, failed_at) VALUES ($1, $2)")
                    .bind(username)
                    .bind(millis(at))
                    .execute(&mut *transaction)
                    .await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn login_failures_since(&self, username: &str, since: DateTime<Utc>) -> StoreResult<u64> {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE username = $1 AND failed_at >= $2")
                    .bind(username)
                    .bind(millis(since))
                    .fetch_one(&self.reader)
                    .await?;
                Ok(u64::try_from(count).unwrap_or(0))
            }

            async fn clear_login_failures(&self, username: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM login_failures WHERE username = $1").bind(username).execute(&self.writer).await?;
                Ok(())
            }

            async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()> {
                sqlx::query("INSERT INTO audit_events (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)")
                    .bind(millis(event.at))
                    .bind(&event.actor)
                    .bind(&event.action)
                    .bind(&event.subject)
                    .bind(&event.detail)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn audit_events(&self, limit: u32) -> StoreResult<Vec<AuditEvent>> {
                let rows = sqlx::query("SELECT at, actor, action, subject, detail FROM audit_events ORDER BY id DESC LIMIT $1")
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter()
                    .map(|row| {
                        let at: i64 = row.try_get("at")?;
                        Ok(AuditEvent {
                            at: from_millis(at),
                            actor: row.try_get("actor")?,
                            action: row.try_get("action")?,
                            subject: row.try_get("subject")?,
                            detail: row.try_get("detail")?,
                        })
                    })
                    .collect()
            }

            async fn create_applicant(&self, applicant: &NewApplicant, at: DateTime<Utc>) -> StoreResult<i64> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO applicants (kind, name, id_number, phone, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(applicant.identity.kind())
                .bind(&applicant.name)
                .bind(applicant.identity.number())
                .bind(&applicant.phone)
                .bind(&applicant.password_hash)
                .bind(millis(at))
                .fetch_one(&self.writer)
                .await
                .map_err(|error| unique_to_conflict(error, "该申请人已登记"))?;
                Ok(id)
            }

            async fn applicant(&self, id: i64) -> StoreResult<Option<Applicant>> {
                let row = sqlx::query(&format!("SELECT {APPLICANT_COLUMNS} FROM applicants WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(applicant_from_row).transpose()
            }

            async fn applicant_by_identity(&self, identity: &ApplicantIdentity) -> StoreResult<Option<Applicant>> {
                let row = sqlx::query(&format!("SELECT {APPLICANT_COLUMNS} FROM applicants WHERE kind = $1 AND id_number = $2"))
                    .bind(identity.kind())
                    .bind(identity.number())
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(applicant_from_row).transpose()
            }

            async fn create_case(
                &self,
                case: &NewCase,
                idempotency: Option<(&str, &str)>,
                event: &CaseEvent,
                trip: Option<&str>,
            ) -> StoreResult<(Case, bool)> {
                self.commit_case(case, idempotency, event, trip).await
            }

            async fn case_by_idempotency_key(&self, scope: &str, key: &str) -> StoreResult<Option<Case>> {
                let row = sqlx::query(&format!(
                    "SELECT {CASE_COLUMNS} FROM cases WHERE number = \
                     (SELECT case_number FROM idempotency_keys WHERE scope = $1 AND key = $2)"
                ))
                .bind(scope)
                .bind(key)
                .fetch_optional(&self.reader)
                .await?;
                row.as_ref().map(case_from_row).transpose()
            }

            async fn case(&self, number: &CaseNumber) -> StoreResult<Option<Case>> {
                let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = $1"))
                    .bind(number.compact())
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(case_from_row).transpose()
            }

            async fn update_case(&self, number: &CaseNumber, update: &CaseUpdate<'_>) -> StoreResult<Case> {
                let change = update.change;
                let document = change.document.as_ref().map(encode_case).transpose()?;
                let mut transaction = self.writer.begin().await?;
                let updated = sqlx::query(
                    "UPDATE cases SET phase = COALESCE($1, phase), document = COALESCE($2, document), \
                     corrections = COALESCE($3, corrections), received_at = COALESCE($4, received_at), \
                     accepted_at = COALESCE($5, accepted_at), due_at = COALESCE($6, due_at), \
                     warn_at = COALESCE($7, warn_at), revision = revision + 1, updated_at = $8 \
                     WHERE number = $9 AND revision = $10",
                )
                .bind(change.phase.map(Phase::code))
                .bind(document)
                .bind(change.corrections.map(i64::from))
                .bind(change.received_at.map(millis))
                .bind(change.accepted_at.map(millis))
                .bind(change.due_at.map(millis))
                .bind(change.warn_at.map(millis))
                .bind(millis(update.event.at))
                .bind(number.compact())
                .bind(update.expected_revision)
                .execute(&mut *transaction)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::RevisionChanged(format!("办件 {number} 已被他人处理，请刷新后再办理")));
                }
                Self::record_case_event(&mut transaction, number, update.event, update.trip).await?;
                Self::record_notifications(&mut transaction, number, update.notifications, millis(update.event.at)).await?;
                if let Some(tasks) = update.tasks {
                    sqlx::query("DELETE FROM case_tasks WHERE case_number = $1")
                        .bind(number.compact())
                        .execute(&mut *transaction)
                        .await?;
                    for task in tasks {
                        sqlx::query(
                            "INSERT INTO case_tasks (case_number, task, department, name, state, due_at, warn_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(number.compact())
                        .bind(i64::from(task.task))
                        .bind(&task.department)
                        .bind(&task.name)
                        .bind(&task.state)
                        .bind(task.due_at.map(millis))
                        .bind(task.warn_at.map(millis))
                        .execute(&mut *transaction)
                        .await?;
                    }
                }
                let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = $1"))
                    .bind(number.compact())
                    .fetch_one(&mut *transaction)
                    .await?;
                let record = case_from_row(&row)?;
                transaction.commit().await?;
                Ok(record)
            }

            async fn inbox(&self, department: &str, limit: u32) -> StoreResult<Vec<InboxItem>> {
                let rows = sqlx::query(
                    "SELECT t.case_number, t.task, t.name, t.due_at, c.matter_code FROM case_tasks t \
                     JOIN cases c ON c.number = t.case_number \
                     WHERE t.department = $1 AND t.state = 'open' ORDER BY t.due_at, t.case_number LIMIT $2",
                )
                .bind(department)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        let number: String = row.try_get("case_number")?;
                        let task: i64 = row.try_get("task")?;
                        let due: Option<i64> = row.try_get("due_at")?;
                        Ok(InboxItem {
                            case_number: CaseNumber::parse(&number).map_err(corrupt)?,
                            task: u32::try_from(task).map_err(corrupt)?,
                            name: row.try_get("name")?,
                            matter_code: row.try_get("matter_code")?,
                            due_at: due.map(from_millis),
                        })
                    })
                    .collect()
            }

            async fn case_events(&self, number: &CaseNumber) -> StoreResult<Vec<CaseEvent>> {
                let rows = sqlx::query(
                    "SELECT at, actor, role, action, from_phase, to_phase, detail FROM case_events \
                     WHERE case_number = $1 ORDER BY id",
                )
                .bind(number.compact())
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        let at: i64 = row.try_get("at")?;
                        Ok(CaseEvent {
                            at: from_millis(at),
                            actor: row.try_get("actor")?,
                            role: row.try_get("role")?,
                            action: row.try_get("action")?,
                            from_phase: row.try_get("from_phase")?,
                            to_phase: row.try_get("to_phase")?,
                            detail: row.try_get("detail")?,
                        })
                    })
                    .collect()
            }

            async fn case_trips(&self, number: &CaseNumber) -> StoreResult<Vec<(DateTime<Utc>, String)>> {
                let rows = sqlx::query("SELECT at, reason FROM case_trips WHERE case_number = $1 ORDER BY id")
                    .bind(number.compact())
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter()
                    .map(|row| {
                        let at: i64 = row.try_get("at")?;
                        Ok((from_millis(at), row.try_get("reason")?))
                    })
                    .collect()
            }

            async fn cases_of_applicant(&self, applicant_id: i64, limit: u32) -> StoreResult<Vec<Case>> {
                let rows = sqlx::query(&format!(
                    "SELECT {CASE_COLUMNS} FROM cases WHERE applicant_id = $1 ORDER BY created_at DESC, number DESC LIMIT $2"
                ))
                .bind(applicant_id)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(case_from_row).collect()
            }

            async fn cases_in_phase(&self, phase: Phase, department: Option<&str>, limit: u32) -> StoreResult<Vec<Case>> {
                let phase = phase.code();
                let rows = match department {
                    Some(department) => sqlx::query(&format!(
                        "SELECT {CASE_COLUMNS} FROM cases WHERE department = $1 AND phase = $2 \
                         ORDER BY received_at, number LIMIT $3"
                    ))
                    .bind(department)
                    .bind(phase)
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?,
                    None => sqlx::query(&format!(
                        "SELECT {CASE_COLUMNS} FROM cases WHERE phase = $1 ORDER BY received_at, number LIMIT $2"
                    ))
                    .bind(phase)
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?,
                };
                rows.iter().map(case_from_row).collect()
            }

            async fn set_applicant_password(&self, applicant_id: i64, password_hash: &str, phone: &str) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                let updated = sqlx::query("UPDATE applicants SET password_hash = $1, phone = $2 WHERE id = $3")
                    .bind(password_hash)
                    .bind(phone)
                    .bind(applicant_id)
                    .execute(&mut *transaction)
                    .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("DELETE FROM portal_sessions WHERE applicant_id = $1")
                    .bind(applicant_id)
                    .execute(&mut *transaction)
                    .await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn create_portal_session(
                &self,
                token_hash: &str,
                applicant_id: i64,
                csrf_token: &str,
                at: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                sqlx::query("DELETE FROM portal_sessions WHERE expires_at < $1")
                    .bind(millis(at))
                    .execute(&mut *transaction)
                    .await?;
                sqlx::query(
                    "INSERT INTO portal_sessions (token_hash, applicant_id, csrf_token, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(token_hash)
                .bind(applicant_id)
                .bind(csrf_token)
                .bind(millis(at))
                .bind(millis(expires_at))
                .execute(&mut *transaction)
                .await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn portal_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<(Applicant, String)>> {
                let row = sqlx::query(
                    "SELECT a.id, a.kind, a.name, a.id_number, a.phone, a.password_hash, s.csrf_token \
                     FROM portal_sessions s JOIN applicants a ON a.id = s.applicant_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2",
                )
                .bind(token_hash)
                .bind(millis(now))
                .fetch_optional(&self.reader)
                .await?;
                match row {
                    Some(row) => Ok(Some((applicant_from_row(&row)?, row.try_get("csrf_token")?))),
                    None => Ok(None),
                }
            }

            async fn delete_portal_session(&self, token_hash: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM portal_sessions WHERE token_hash = $1").bind(token_hash).execute(&self.writer).await?;
                Ok(())
            }

            async fn add_file(&self, file: &StoredFile) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO stored_files (id, owner, name, kind, size, sha256, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&file.id)
                .bind(&file.owner)
                .bind(&file.name)
                .bind(&file.kind)
                .bind(i64::try_from(file.size).unwrap_or(i64::MAX))
                .bind(&file.sha256)
                .bind(millis(file.created_at))
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn file(&self, id: &str) -> StoreResult<Option<StoredFile>> {
                let row = sqlx::query("SELECT id, owner, name, kind, size, sha256, created_at FROM stored_files WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await?;
                row.map(|row| {
                    let size: i64 = row.try_get("size")?;
                    let at: i64 = row.try_get("created_at")?;
                    Ok(StoredFile {
                        id: row.try_get("id")?,
                        owner: row.try_get("owner")?,
                        name: row.try_get("name")?,
                        kind: row.try_get("kind")?,
                        size: u64::try_from(size).map_err(corrupt)?,
                        sha256: row.try_get("sha256")?,
                        created_at: from_millis(at),
                    })
                })
                .transpose()
            }

            async fn create_draft(&self, draft: &Draft) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO drafts (id, applicant_id, matter_code, document, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&draft.id)
                .bind(draft.applicant_id)
                .bind(&draft.matter_code)
                .bind(&draft.document)
                .bind(millis(draft.created_at))
                .bind(millis(draft.updated_at))
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn draft(&self, id: &str) -> StoreResult<Option<Draft>> {
                let row = sqlx::query(&format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(draft_from_row).transpose()
            }

            async fn save_draft(&self, id: &str, document: &str, at: DateTime<Utc>) -> StoreResult<()> {
                let updated = sqlx::query(
                    "UPDATE drafts SET document = $1, updated_at = $2 WHERE id = $3 AND case_number IS NULL",
                )
                .bind(document)
                .bind(millis(at))
                .bind(id)
                .execute(&self.writer)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::Conflict("这份申请已经提交，不能再修改".to_string()));
                }
                Ok(())
            }

            async fn open_drafts(&self, applicant_id: i64) -> StoreResult<Vec<Draft>> {
                let rows = sqlx::query(&format!(
                    "SELECT {DRAFT_COLUMNS} FROM drafts WHERE applicant_id = $1 AND case_number IS NULL \
                     ORDER BY updated_at DESC LIMIT 50"
                ))
                .bind(applicant_id)
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(draft_from_row).collect()
            }

            async fn case_notifications(&self, number: &CaseNumber) -> StoreResult<Vec<OutboxMessage>> {
                let rows = sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM notifications WHERE case_number = $1 ORDER BY id"))
                    .bind(number.compact())
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(outbox_from_row).collect()
            }

            async fn outbox(&self, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
                let rows = sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM notifications ORDER BY id DESC LIMIT $1"))
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(outbox_from_row).collect()
            }

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

/// Names the sqlx database type of a backend, for the transaction types in `store_queries!`.
pub(crate) trait BackendDatabase {
    type Database: sqlx::Database;
}

impl BackendDatabase for SqliteStore {
    type Database = sqlx::Sqlite;
}

impl BackendDatabase for PostgresStore {
    type Database = sqlx::Postgres;
}

store_queries!(SqliteStore, "sqlite");
store_queries!(PostgresStore, "postgres");
