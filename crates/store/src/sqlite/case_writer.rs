//! Group commit of new cases for SQLite, which has one writer and pays one fsync per commit.

use super::SqliteStore;
use crate::cases::{CaseEvent, Idempotency, NewCase};
use crate::error::{StoreError, StoreResult};
use onetrip_domain::case::Case;
use sqlx::SqlitePool;

/// A new case waiting for the case writer, and where to send the outcome.
pub(super) struct CaseJob {
    pub(super) case: NewCase,
    pub(super) idempotency: Option<Idempotency>,
    pub(super) event: CaseEvent,
    pub(super) trip: Option<String>,
    pub(super) reply: tokio::sync::oneshot::Sender<StoreResult<(Case, bool)>>,
}

/// At most this many cases share one commit.
const CASE_BATCH: usize = 64;

/// The cases that arrive while a commit is under way are written together in the next transaction. If one of
/// them fails, the batch is rolled back and each case written on its own, so that one failing case does not
/// take the others with it. Every caller hears back only after the commit that holds its case, so an
/// acknowledged case is durable.
pub(super) async fn case_writer(writer: SqlitePool, mut jobs: tokio::sync::mpsc::Receiver<CaseJob>) {
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

async fn write_case(transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>, job: &CaseJob) -> StoreResult<(Case, bool)> {
    SqliteStore::insert_case(transaction, &job.case, job.idempotency.as_ref(), &job.event, job.trip.as_deref(), None)
        .await
}

async fn write_case_batch(writer: &SqlitePool, batch: &[CaseJob]) -> StoreResult<Vec<StoreResult<(Case, bool)>>> {
    // The common case: every case of the batch goes in, in one transaction.
    let mut transaction = writer.begin().await?;
    let mut results = Vec::with_capacity(batch.len());
    let mut failed = false;
    for job in batch {
        match write_case(&mut transaction, job).await {
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
        let mut transaction = writer.begin().await?;
        match write_case(&mut transaction, job).await {
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
