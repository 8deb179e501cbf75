//! Group commit of the hall for SQLite (as for cases, ADR 0011), and the hall's parts that differ by backend:
//! SQLite has one instance, so there is no relay of calls between instances.

use super::{stopped, SqliteStore};
use crate::error::{StoreError, StoreResult};
use crate::hall::{CallNext, NewTicket};
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::queue::Ticket;

/// A call for the hall writer, owning what `CallNext` borrows.
pub(super) struct OwnedCall {
    hall: String,
    day: NaiveDate,
    window: String,
    zones: Vec<String>,
    matters: Vec<String>,
    actor: String,
    at: DateTime<Utc>,
}

impl OwnedCall {
    fn new(call: &CallNext<'_>) -> Self {
        Self {
            hall: call.hall.to_string(),
            day: call.day,
            window: call.window.to_string(),
            zones: call.zones.to_vec(),
            matters: call.matters.to_vec(),
            actor: call.actor.to_string(),
            at: call.at,
        }
    }

    fn borrowed(&self) -> CallNext<'_> {
        CallNext {
            hall: &self.hall,
            day: self.day,
            window: &self.window,
            zones: &self.zones,
            matters: &self.matters,
            actor: &self.actor,
            at: self.at,
        }
    }
}

/// A write of the hall waiting for the hall writer, and where to send the outcome.
pub(super) enum HallJob {
    Issue(Box<NewTicket>, tokio::sync::oneshot::Sender<StoreResult<Ticket>>),
    Call(Box<OwnedCall>, tokio::sync::oneshot::Sender<StoreResult<Option<Ticket>>>),
}

/// At most this many issues and calls share one commit.
const HALL_BATCH: usize = 64;

/// Group commit for the hall on SQLite (as for cases, ADR 0011): tickets issued and called while a commit is
/// under way are written together in the next transaction, one after another, so the order of calls and
/// the one-ticket-one-window rule are those of single transactions. If one of them fails, the batch is
/// rolled back and each is written on its own. Every caller hears back only after the commit that holds its
/// write, so an acknowledged ticket or call is durable.
pub(super) async fn hall_writer(writer: sqlx::SqlitePool, mut jobs: tokio::sync::mpsc::Receiver<HallJob>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < HALL_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Err(error) = write_hall_batch(&writer, batch).await {
            tracing::warn!(%error, "hall writer: a batch could not be written");
        }
    }
}

enum HallOutcome {
    Issued(StoreResult<Ticket>),
    Called(StoreResult<Option<Ticket>>),
}

impl HallOutcome {
    fn failed(&self) -> bool {
        matches!(self, Self::Issued(Err(_)) | Self::Called(Err(_)))
    }
}

async fn run_hall_job(transaction: &mut sqlx::Transaction<'_, sqlx::Sqlite>, job: &HallJob) -> HallOutcome {
    match job {
        HallJob::Issue(ticket, _) => HallOutcome::Issued(SqliteStore::insert_ticket(transaction, ticket).await),
        HallJob::Call(call, _) => HallOutcome::Called(SqliteStore::call_in(transaction, &call.borrowed()).await),
    }
}

fn reply(job: HallJob, outcome: HallOutcome) {
    match (job, outcome) {
        (HallJob::Issue(_, sender), HallOutcome::Issued(result)) => {
            let _ = sender.send(result);
        }
        (HallJob::Call(_, sender), HallOutcome::Called(result)) => {
            let _ = sender.send(result);
        }
        (HallJob::Issue(_, sender), HallOutcome::Called(_)) => {
            let _ = sender.send(Err(StoreError::Corrupt("hall writer mixed up its replies".into())));
        }
        (HallJob::Call(_, sender), HallOutcome::Issued(_)) => {
            let _ = sender.send(Err(StoreError::Corrupt("hall writer mixed up its replies".into())));
        }
    }
}

fn fail(job: HallJob, message: &str) {
    let error = || StoreError::Database(sqlx::Error::Protocol(message.to_string()));
    match job {
        HallJob::Issue(_, sender) => {
            let _ = sender.send(Err(error()));
        }
        HallJob::Call(_, sender) => {
            let _ = sender.send(Err(error()));
        }
    }
}

async fn write_hall_batch(writer: &sqlx::SqlitePool, batch: Vec<HallJob>) -> StoreResult<()> {
    let attempt = async {
        let mut transaction = writer.begin().await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for job in &batch {
            let outcome = run_hall_job(&mut transaction, job).await;
            if outcome.failed() {
                transaction.rollback().await?;
                return Ok::<_, StoreError>(None);
            }
            outcomes.push(outcome);
        }
        transaction.commit().await?;
        Ok(Some(outcomes))
    }
    .await;
    match attempt {
        Ok(Some(outcomes)) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                reply(job, outcome);
            }
            Ok(())
        }
        Ok(None) => {
            // One failed: nothing of the batch is kept, and each is written on its own.
            for job in batch {
                let single = async {
                    let mut transaction = writer.begin().await?;
                    let outcome = run_hall_job(&mut transaction, &job).await;
                    if outcome.failed() {
                        transaction.rollback().await?;
                    } else {
                        transaction.commit().await?;
                    }
                    Ok::<_, StoreError>(outcome)
                }
                .await;
                match single {
                    Ok(outcome) => reply(job, outcome),
                    Err(error) => fail(job, &error.to_string()),
                }
            }
            Ok(())
        }
        Err(error) => {
            let message = error.to_string();
            for job in batch {
                fail(job, &message);
            }
            Err(error)
        }
    }
}

impl SqliteStore {
    pub(crate) async fn relay_call(&self, _payload: &str) -> StoreResult<bool> {
        Ok(false)
    }

    pub(crate) async fn relay_listener(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<String>>> {
        Ok(None)
    }

    pub(crate) async fn commit_call(&self, call: &CallNext<'_>) -> StoreResult<Option<Ticket>> {
        let (sender, outcome) = tokio::sync::oneshot::channel();
        self.hall.send(HallJob::Call(Box::new(OwnedCall::new(call)), sender)).await.map_err(|_| stopped("hall"))?;
        outcome.await.map_err(|_| stopped("hall"))?
    }

    pub(crate) async fn commit_issue(&self, ticket: &NewTicket) -> StoreResult<Ticket> {
        let (sender, outcome) = tokio::sync::oneshot::channel();
        self.hall.send(HallJob::Issue(Box::new(ticket.clone()), sender)).await.map_err(|_| stopped("hall"))?;
        outcome.await.map_err(|_| stopped("hall"))?
    }
}
