//! The hall's queue in the database (tickets are `onetrip_domain::queue::Ticket`): tickets, their history, and who sits at which window. The queue lives
//! here and nowhere else, so a restart loses no ticket and two windows calling at the same instant never get
//! the same one (SQLite: one writer; PostgreSQL: `FOR UPDATE SKIP LOCKED` and a guarded update).

use crate::backend::{corrupt, from_millis, millis, BackendDatabase, PostgresStore, SqliteStore};
use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::queue::{Priority, Ticket, TicketState};
use sqlx::Row;

/// A ticket to issue: its number is the next of its hall, day and zone letter.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub hall: String,
    pub day: NaiveDate,
    pub prefix: char,
    pub zone: String,
    pub matter_code: Option<String>,
    pub priority: Priority,
    pub channel: String,
    pub id_last_four: Option<String>,
    pub at: DateTime<Utc>,
}

/// A window asking for its next ticket.
#[derive(Debug, Clone)]
pub struct CallNext<'a> {
    pub hall: &'a str,
    pub day: NaiveDate,
    pub window: &'a str,
    pub zones: &'a [String],
    pub matters: &'a [String],
    pub actor: &'a str,
    pub at: DateTime<Utc>,
}

/// Someone at a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub window_code: String,
    pub username: String,
    pub display_name: String,
    /// `serving` or `break`.
    pub state: String,
    pub since: DateTime<Utc>,
}

/// One line of a ticket's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketEvent {
    pub action: String,
    pub window_code: Option<String>,
    pub actor: Option<String>,
    pub at: DateTime<Utc>,
    pub detail: String,
}

/// A person posted at a window for a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: i64,
    pub window_code: String,
    pub username: String,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    pub assigned_by: String,
    pub assigned_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by: Option<String>,
    pub end_reason: Option<String>,
}

impl Assignment {
    /// In force on `day`: within its term and not ended.
    pub fn current(&self, day: NaiveDate) -> bool {
        self.ended_at.is_none() && self.starts <= day && day <= self.ends
    }
}

/// A booked half day at a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub id: i64,
    pub hall: String,
    pub zone: String,
    pub matter_code: Option<String>,
    pub day: NaiveDate,
    /// `am` or `pm`.
    pub half: String,
    pub applicant_id: i64,
    /// `booked`, `cancelled` or `checked_in`.
    pub state: String,
    /// Typed at the kiosk to check in.
    pub code: String,
    pub created_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
    pub ticket_id: Option<i64>,
}

/// A half day to book.
#[derive(Debug, Clone)]
pub struct NewAppointment {
    pub hall: String,
    pub zone: String,
    pub matter_code: Option<String>,
    pub day: NaiveDate,
    pub half: String,
    pub applicant_id: i64,
    pub code: String,
    /// The zone's appointments per half day; the booking is refused (`Conflict`) when they are all taken.
    pub capacity: i64,
    pub at: DateTime<Utc>,
}

/// The hall's part of the store. Every method that changes a ticket writes its event in the same transaction.
#[async_trait]
pub trait HallStore: Send + Sync {
    /// Issues the next number of the ticket's zone letter for the day, with its `issued` event.
    async fn issue_ticket(&self, ticket: &NewTicket) -> StoreResult<Ticket>;

    /// Finishes the window's current ticket, if any, and gives it the next waiting ticket it serves: tickets
    /// transferred to this window first, then by priority, then the longest in the queue. `None`: nobody waits.
    async fn call_next(&self, call: &CallNext<'_>) -> StoreResult<Option<Ticket>>;

    /// Replaces a ticket by `next` if it is still as `current` (same state, window and number of calls), with
    /// one event; `Conflict` if someone changed it in between.
    async fn change_ticket(
        &self,
        current: &Ticket,
        next: &Ticket,
        action: &str,
        actor: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    async fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>>;

    async fn ticket_by_number(&self, hall: &str, day: NaiveDate, number: &str) -> StoreResult<Option<Ticket>>;

    /// Every ticket of a hall's day, in the order they were issued.
    async fn tickets_of_day(&self, hall: &str, day: NaiveDate) -> StoreResult<Vec<Ticket>>;

    async fn ticket_events(&self, id: i64) -> StoreResult<Vec<TicketEvent>>;

    /// Every ticket of a hall from `from` to `to` (both included), for window planning.
    async fn tickets_between(&self, hall: &str, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<Ticket>>;

    /// Who is at which window now.
    async fn presence(&self) -> StoreResult<Vec<Presence>>;

    /// Who is at one window now.
    async fn presence_at(&self, window: &str) -> StoreResult<Option<Presence>>;

    /// Books a half day if a place is left (`Conflict("full")` otherwise); with `replacing`, the applicant's
    /// booked appointment of that id is cancelled in the same transaction (a change of time).
    async fn book_appointment(&self, appointment: &NewAppointment, replacing: Option<i64>) -> StoreResult<Appointment>;

    /// Cancels a booked appointment of this applicant; `NotFound` if there is none such.
    async fn cancel_appointment(&self, id: i64, applicant_id: i64, at: DateTime<Utc>) -> StoreResult<()>;

    /// An applicant's appointments, latest day first.
    async fn appointments_of(&self, applicant_id: i64) -> StoreResult<Vec<Appointment>>;

    async fn appointment_by_code(&self, code: &str) -> StoreResult<Option<Appointment>>;

    /// The places taken in a zone's half day.
    async fn booked(&self, hall: &str, zone: &str, day: NaiveDate, half: &str) -> StoreResult<i64>;

    /// The window log between two instants, oldest first: (window, username, action, at).
    async fn window_log_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(String, String, String, DateTime<Utc>)>>;

    /// Sends a hall call (JSON) to the displays of every instance sharing this database (PostgreSQL
    /// `NOTIFY`); `false` where the store has no relay (SQLite: one instance), and the caller tells its own
    /// displays.
    async fn publish_call(&self, payload: &str) -> StoreResult<bool>;

    /// The calls published by any instance, for this instance's displays; `None` where there is no relay.
    async fn listen_calls(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<String>>>;

    /// Posts someone at a window for a term.
    async fn assign(&self, assignment: &Assignment) -> StoreResult<i64>;

    /// Ends an assignment before its term (with who approved it and why), and with `then`, posts the same
    /// person elsewhere in the same transaction; `NotFound` if it is not in force.
    async fn end_assignment(
        &self,
        id: i64,
        by: &str,
        reason: &str,
        at: DateTime<Utc>,
        then: Option<&Assignment>,
    ) -> StoreResult<()>;

    /// Assignments not ended whose term reaches `day` or later, by window.
    async fn assignments(&self, day: NaiveDate) -> StoreResult<Vec<Assignment>>;

    /// Checks a booked appointment in: it becomes `checked_in` and a ticket is issued for it, in one
    /// transaction; `Conflict` if it is not booked (any more).
    async fn check_in(&self, appointment_id: i64, ticket: &NewTicket) -> StoreResult<Ticket>;

    /// Signs in (`sign_in`), goes on a break (`break`), comes back (`back`) or signs out (`sign_out`) at a
    /// window, with a line in the window log. Signing in at a window someone else holds is a `Conflict`.
    async fn set_presence(
        &self,
        window: &str,
        username: &str,
        display_name: &str,
        action: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}

const APPOINTMENT_COLUMNS: &str =
    "id, hall, zone, matter_code, day, half, applicant_id, state, code, created_at, changed_at, ticket_id";

fn appointment_from_row<R>(row: &R) -> StoreResult<Appointment>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let day: String = row.try_get("day")?;
    Ok(Appointment {
        id: row.try_get("id")?,
        hall: row.try_get("hall")?,
        zone: row.try_get("zone")?,
        matter_code: row.try_get("matter_code")?,
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(corrupt)?,
        half: row.try_get("half")?,
        applicant_id: row.try_get("applicant_id")?,
        state: row.try_get("state")?,
        code: row.try_get("code")?,
        created_at: from_millis(row.try_get("created_at")?),
        changed_at: from_millis(row.try_get("changed_at")?),
        ticket_id: row.try_get("ticket_id")?,
    })
}

const TICKET_COLUMNS: &str = "id, hall, day, number, zone, matter_code, priority, channel, state, issued_at, \
     queued_at, target_window, window_code, called_by, called_at, finished_at, calls, id_last_four, case_number";

fn ticket_from_row<R>(row: &R) -> StoreResult<Ticket>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let day: String = row.try_get("day")?;
    let priority: i64 = row.try_get("priority")?;
    let state_code: String = row.try_get("state")?;
    Ok(Ticket {
        id: row.try_get("id")?,
        hall: row.try_get("hall")?,
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(corrupt)?,
        number: row.try_get("number")?,
        zone: row.try_get("zone")?,
        matter_code: row.try_get("matter_code")?,
        priority: Priority::from_rank(priority).ok_or_else(|| corrupt(format!("ticket priority {priority}")))?,
        channel: row.try_get("channel")?,
        state: TicketState::parse(&state_code).ok_or_else(|| corrupt(format!("ticket state {state_code}")))?,
        issued_at: from_millis(row.try_get("issued_at")?),
        queued_at: from_millis(row.try_get("queued_at")?),
        target_window: row.try_get("target_window")?,
        window_code: row.try_get("window_code")?,
        called_by: row.try_get("called_by")?,
        called_at: row.try_get::<Option<i64>, _>("called_at")?.map(from_millis),
        finished_at: row.try_get::<Option<i64>, _>("finished_at")?.map(from_millis),
        calls: row.try_get("calls")?,
        id_last_four: row.try_get("id_last_four")?,
        case_number: row.try_get("case_number")?,
    })
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// `$from, $from+1, …` for an `IN (…)` list of `count` values (never empty: `NULL` matches nothing).
fn placeholders(from: usize, count: usize) -> String {
    if count == 0 {
        return "NULL".to_string();
    }
    (from..from + count).map(|index| format!("${index}")).collect::<Vec<_>>().join(", ")
}

/// The query that picks a window's next ticket; `$1` day, `$2` hall, `$3` window, then the zones and matters.
fn next_ticket_query(zones: usize, matters: usize, lock: &str) -> String {
    format!(
        "SELECT id FROM tickets WHERE day = $1 AND hall = $2 AND state = 'waiting' AND \
         (target_window = $3 OR (target_window IS NULL AND (zone IN ({}) OR matter_code IN ({})))) \
         ORDER BY CASE WHEN target_window = $3 THEN 0 ELSE 1 END, priority, queued_at, id LIMIT 1{lock}",
        placeholders(4, zones),
        placeholders(4 + zones, matters)
    )
}

macro_rules! hall_queries {
    ($store:ty, $lock:literal) => {
        impl $store {
            async fn ticket_event(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                ticket: i64,
                action: &str,
                window: Option<&str>,
                actor: Option<&str>,
                at: DateTime<Utc>,
                detail: &str,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO ticket_events (ticket_id, action, window_code, actor, at, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(ticket)
                .bind(action)
                .bind(window)
                .bind(actor)
                .bind(millis(at))
                .bind(detail)
                .execute(&mut **transaction)
                .await?;
                Ok(())
            }

            async fn insert_ticket(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                ticket: &NewTicket,
            ) -> StoreResult<Ticket> {
                let day = day_text(ticket.day);
                let last: i64 = sqlx::query_scalar(
                    "INSERT INTO ticket_sequences (hall, day, prefix, last) VALUES ($1, $2, $3, 1) \
                     ON CONFLICT (hall, day, prefix) DO UPDATE SET last = ticket_sequences.last + 1 RETURNING last",
                )
                .bind(&ticket.hall)
                .bind(&day)
                .bind(ticket.prefix.to_string())
                .fetch_one(&mut **transaction)
                .await?;
                let number = onetrip_domain::queue::ticket_number(ticket.prefix, u32::try_from(last).map_err(corrupt)?);
                let row = sqlx::query(&format!(
                    "INSERT INTO tickets (hall, day, number, zone, matter_code, priority, channel, state, issued_at, \
                     queued_at, id_last_four) VALUES ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8, $8, $9) \
                     RETURNING {TICKET_COLUMNS}"
                ))
                .bind(&ticket.hall)
                .bind(&day)
                .bind(&number)
                .bind(&ticket.zone)
                .bind(&ticket.matter_code)
                .bind(ticket.priority.rank())
                .bind(&ticket.channel)
                .bind(millis(ticket.at))
                .bind(&ticket.id_last_four)
                .fetch_one(&mut **transaction)
                .await?;
                let record = ticket_from_row(&row)?;
                Self::ticket_event(transaction, record.id, "issued", None, None, ticket.at, &ticket.channel).await?;
                Ok(record)
            }

            async fn release_appointment(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                id: i64,
                applicant_id: i64,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                let row = sqlx::query(
                    "UPDATE appointments SET state = 'cancelled', changed_at = $1 \
                     WHERE id = $2 AND applicant_id = $3 AND state = 'booked' RETURNING hall, zone, day, half",
                )
                .bind(millis(at))
                .bind(id)
                .bind(applicant_id)
                .fetch_optional(&mut **transaction)
                .await?
                .ok_or(StoreError::NotFound)?;
                let (hall, zone, day, half): (String, String, String, String) =
                    (row.try_get("hall")?, row.try_get("zone")?, row.try_get("day")?, row.try_get("half")?);
                sqlx::query(
                    "UPDATE appointment_slots SET booked = booked - 1 WHERE hall = $1 AND zone = $2 AND day = $3 AND half = $4",
                )
                .bind(hall)
                .bind(zone)
                .bind(day)
                .bind(half)
                .execute(&mut **transaction)
                .await?;
                Ok(())
            }

            async fn insert_assignment(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                assignment: &Assignment,
            ) -> StoreResult<i64> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO window_assignments (window_code, username, starts, ends, assigned_by, assigned_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&assignment.window_code)
                .bind(&assignment.username)
                .bind(day_text(assignment.starts))
                .bind(day_text(assignment.ends))
                .bind(&assignment.assigned_by)
                .bind(millis(assignment.assigned_at))
                .fetch_one(&mut **transaction)
                .await?;
                Ok(id)
            }

            async fn call_in(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                call: &CallNext<'_>,
            ) -> StoreResult<Option<Ticket>> {
                let day = day_text(call.day);
                let finished: Vec<i64> = sqlx::query_scalar(
                    "UPDATE tickets SET state = 'finished', finished_at = $1 \
                     WHERE window_code = $2 AND state = 'called' AND day = $3 AND hall = $4 RETURNING id",
                )
                .bind(millis(call.at))
                .bind(call.window)
                .bind(&day)
                .bind(call.hall)
                .fetch_all(&mut **transaction)
                .await?;
                for id in finished {
                    Self::ticket_event(transaction, id, "finished", Some(call.window), Some(call.actor), call.at, "").await?;
                }
                let query = next_ticket_query(call.zones.len(), call.matters.len(), $lock);
                let mut select = sqlx::query_scalar::<_, i64>(&query).bind(&day).bind(call.hall).bind(call.window);
                for value in call.zones.iter().chain(call.matters) {
                    select = select.bind(value);
                }
                let Some(id) = select.fetch_optional(&mut **transaction).await? else {
                    return Ok(None);
                };
                let row = sqlx::query(&format!(
                    "UPDATE tickets SET state = 'called', window_code = $1, called_by = $2, called_at = $3, \
                     calls = calls + 1, target_window = NULL WHERE id = $4 AND state = 'waiting' RETURNING {TICKET_COLUMNS}"
                ))
                .bind(call.window)
                .bind(call.actor)
                .bind(millis(call.at))
                .bind(id)
                .fetch_optional(&mut **transaction)
                .await?;
                let Some(row) = row else {
                    // Taken by another window between the choice and the update (cannot happen with the lock;
                    // kept so that a change of isolation never hands one ticket to two windows).
                    return Err(StoreError::Conflict("ticket taken by another window".into()));
                };
                let record = ticket_from_row(&row)?;
                Self::ticket_event(transaction, record.id, "called", Some(call.window), Some(call.actor), call.at, "").await?;
                Ok(Some(record))
            }

            async fn window_log(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                window: &str,
                username: &str,
                action: &str,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query("INSERT INTO window_log (window_code, username, action, at) VALUES ($1, $2, $3, $4)")
                    .bind(window)
                    .bind(username)
                    .bind(action)
                    .bind(millis(at))
                    .execute(&mut **transaction)
                    .await?;
                Ok(())
            }
        }

        #[async_trait]
        impl HallStore for $store {
            async fn issue_ticket(&self, ticket: &NewTicket) -> StoreResult<Ticket> {
                self.commit_issue(ticket).await
            }

            async fn call_next(&self, call: &CallNext<'_>) -> StoreResult<Option<Ticket>> {
                self.commit_call(call).await
            }

            async fn change_ticket(
                &self,
                current: &Ticket,
                next: &Ticket,
                action: &str,
                actor: &str,
                detail: &str,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                let changed = sqlx::query(
                    "UPDATE tickets SET zone = $1, matter_code = $2, priority = $3, state = $4, queued_at = $5, \
                     target_window = $6, window_code = $7, called_by = $8, called_at = $9, finished_at = $10, \
                     calls = $11, case_number = $12 \
                     WHERE id = $13 AND state = $14 AND calls = $15 AND COALESCE(window_code, '') = $16",
                )
                .bind(&next.zone)
                .bind(&next.matter_code)
                .bind(next.priority.rank())
                .bind(next.state.code())
                .bind(millis(next.queued_at))
                .bind(&next.target_window)
                .bind(&next.window_code)
                .bind(&next.called_by)
                .bind(next.called_at.map(millis))
                .bind(next.finished_at.map(millis))
                .bind(next.calls)
                .bind(&next.case_number)
                .bind(current.id)
                .bind(current.state.code())
                .bind(current.calls)
                .bind(current.window_code.clone().unwrap_or_default())
                .execute(&mut *transaction)
                .await?
                .rows_affected();
                if changed != 1 {
                    transaction.rollback().await?;
                    return Err(StoreError::Conflict("the ticket changed in the meantime".into()));
                }
                let window = next.window_code.as_deref().or(current.window_code.as_deref());
                Self::ticket_event(&mut transaction, current.id, action, window, Some(actor), at, detail).await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>> {
                let row = sqlx::query(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await?;
                row.map(|row| ticket_from_row(&row)).transpose()
            }

            async fn ticket_by_number(&self, hall: &str, day: NaiveDate, number: &str) -> StoreResult<Option<Ticket>> {
                let row = sqlx::query(&format!(
                    "SELECT {TICKET_COLUMNS} FROM tickets WHERE hall = $1 AND day = $2 AND number = $3"
                ))
                .bind(hall)
                .bind(day_text(day))
                .bind(number)
                .fetch_optional(&self.reader)
                .await?;
                row.map(|row| ticket_from_row(&row)).transpose()
            }

            async fn tickets_of_day(&self, hall: &str, day: NaiveDate) -> StoreResult<Vec<Ticket>> {
                let rows = sqlx::query(&format!(
                    "SELECT {TICKET_COLUMNS} FROM tickets WHERE hall = $1 AND day = $2 ORDER BY id"
                ))
                .bind(hall)
                .bind(day_text(day))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(ticket_from_row).collect()
            }

            async fn tickets_between(&self, hall: &str, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<Ticket>> {
                let rows = sqlx::query(&format!(
                    "SELECT {TICKET_COLUMNS} FROM tickets WHERE hall = $1 AND day >= $2 AND day <= $3 ORDER BY id"
                ))
                .bind(hall)
                .bind(day_text(from))
                .bind(day_text(to))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(ticket_from_row).collect()
            }

            async fn ticket_events(&self, id: i64) -> StoreResult<Vec<TicketEvent>> {
                let rows = sqlx::query(
                    "SELECT action, window_code, actor, at, detail FROM ticket_events WHERE ticket_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(TicketEvent {
                            action: row.try_get("action")?,
                            window_code: row.try_get("window_code")?,
                            actor: row.try_get("actor")?,
                            at: from_millis(row.try_get("at")?),
                            detail: row.try_get("detail")?,
                        })
                    })
                    .collect()
            }

            async fn book_appointment(&self, appointment: &NewAppointment, replacing: Option<i64>) -> StoreResult<Appointment> {
                let mut transaction = self.writer.begin().await?;
                if let Some(old) = replacing {
                    Self::release_appointment(&mut transaction, old, appointment.applicant_id, appointment.at).await?;
                }
                let taken: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO appointment_slots (hall, zone, day, half, booked) VALUES ($1, $2, $3, $4, 1) \
                     ON CONFLICT (hall, zone, day, half) DO UPDATE SET booked = appointment_slots.booked + 1 \
                     WHERE appointment_slots.booked < $5 RETURNING booked",
                )
                .bind(&appointment.hall)
                .bind(&appointment.zone)
                .bind(day_text(appointment.day))
                .bind(&appointment.half)
                .bind(appointment.capacity)
                .fetch_optional(&mut *transaction)
                .await?;
                if taken.is_none_or(|taken| taken > appointment.capacity) {
                    transaction.rollback().await?;
                    return Err(StoreError::Conflict("full".into()));
                }
                let row = sqlx::query(&format!(
                    "INSERT INTO appointments (hall, zone, day, half, applicant_id, state, code, created_at, changed_at, \
                     matter_code) VALUES ($1, $2, $3, $4, $5, 'booked', $6, $7, $7, $8) RETURNING {APPOINTMENT_COLUMNS}"
                ))
                .bind(&appointment.hall)
                .bind(&appointment.zone)
                .bind(day_text(appointment.day))
                .bind(&appointment.half)
                .bind(appointment.applicant_id)
                .bind(&appointment.code)
                .bind(millis(appointment.at))
                .bind(&appointment.matter_code)
                .fetch_one(&mut *transaction)
                .await
                .map_err(|error| crate::backend::unique_to_conflict(error, "appointment code taken"))?;
                let record = appointment_from_row(&row)?;
                transaction.commit().await?;
                Ok(record)
            }

            async fn cancel_appointment(&self, id: i64, applicant_id: i64, at: DateTime<Utc>) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                Self::release_appointment(&mut transaction, id, applicant_id, at).await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn appointments_of(&self, applicant_id: i64) -> StoreResult<Vec<Appointment>> {
                let rows = sqlx::query(&format!(
                    "SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE applicant_id = $1 ORDER BY day DESC, id DESC LIMIT 100"
                ))
                .bind(applicant_id)
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(appointment_from_row).collect()
            }

            async fn appointment_by_code(&self, code: &str) -> StoreResult<Option<Appointment>> {
                let row = sqlx::query(&format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE code = $1"))
                    .bind(code)
                    .fetch_optional(&self.reader)
                    .await?;
                row.map(|row| appointment_from_row(&row)).transpose()
            }

            async fn booked(&self, hall: &str, zone: &str, day: NaiveDate, half: &str) -> StoreResult<i64> {
                let booked: Option<i64> = sqlx::query_scalar(
                    "SELECT booked FROM appointment_slots WHERE hall = $1 AND zone = $2 AND day = $3 AND half = $4",
                )
                .bind(hall)
                .bind(zone)
                .bind(day_text(day))
                .bind(half)
                .fetch_optional(&self.reader)
                .await?;
                Ok(booked.unwrap_or(0))
            }

            async fn check_in(&self, appointment_id: i64, ticket: &NewTicket) -> StoreResult<Ticket> {
                let mut transaction = self.writer.begin().await?;
                let record = Self::insert_ticket(&mut transaction, ticket).await?;
                let changed = sqlx::query(
                    "UPDATE appointments SET state = 'checked_in', ticket_id = $1, changed_at = $2 \
                     WHERE id = $3 AND state = 'booked'",
                )
                .bind(record.id)
                .bind(millis(ticket.at))
                .bind(appointment_id)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
                if changed != 1 {
                    transaction.rollback().await?;
                    return Err(StoreError::Conflict("the appointment is not booked".into()));
                }
                transaction.commit().await?;
                Ok(record)
            }

            async fn window_log_between(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> StoreResult<Vec<(String, String, String, DateTime<Utc>)>> {
                let rows = sqlx::query(
                    "SELECT window_code, username, action, at FROM window_log WHERE at >= $1 AND at < $2 ORDER BY at, id",
                )
                .bind(millis(from))
                .bind(millis(to))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok((row.try_get("window_code")?, row.try_get("username")?, row.try_get("action")?, from_millis(row.try_get("at")?)))
                    })
                    .collect()
            }

            async fn publish_call(&self, payload: &str) -> StoreResult<bool> {
                self.relay_call(payload).await
            }

            async fn listen_calls(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<String>>> {
                self.relay_listener().await
            }

            async fn assign(&self, assignment: &Assignment) -> StoreResult<i64> {
                let mut transaction = self.writer.begin().await?;
                let id = Self::insert_assignment(&mut transaction, assignment).await?;
                transaction.commit().await?;
                Ok(id)
            }

            async fn end_assignment(
                &self,
                id: i64,
                by: &str,
                reason: &str,
                at: DateTime<Utc>,
                then: Option<&Assignment>,
            ) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                let changed = sqlx::query(
                    "UPDATE window_assignments SET ended_at = $1, ended_by = $2, end_reason = $3 WHERE id = $4 AND ended_at IS NULL",
                )
                .bind(millis(at))
                .bind(by)
                .bind(reason)
                .bind(id)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
                if changed != 1 {
                    transaction.rollback().await?;
                    return Err(StoreError::NotFound);
                }
                if let Some(next) = then {
                    Self::insert_assignment(&mut transaction, next).await?;
                }
                transaction.commit().await?;
                Ok(())
            }

            async fn assignments(&self, day: NaiveDate) -> StoreResult<Vec<Assignment>> {
                let rows = sqlx::query(
                    "SELECT id, window_code, username, starts, ends, assigned_by, assigned_at, ended_at, ended_by, end_reason \
                     FROM window_assignments WHERE ended_at IS NULL AND ends >= $1 ORDER BY window_code, starts, id",
                )
                .bind(day_text(day))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        let starts: String = row.try_get("starts")?;
                        let ends: String = row.try_get("ends")?;
                        Ok(Assignment {
                            id: row.try_get("id")?,
                            window_code: row.try_get("window_code")?,
                            username: row.try_get("username")?,
                            starts: NaiveDate::parse_from_str(&starts, "%Y-%m-%d").map_err(corrupt)?,
                            ends: NaiveDate::parse_from_str(&ends, "%Y-%m-%d").map_err(corrupt)?,
                            assigned_by: row.try_get("assigned_by")?,
                            assigned_at: from_millis(row.try_get("assigned_at")?),
                            ended_at: row.try_get::<Option<i64>, _>("ended_at")?.map(from_millis),
                            ended_by: row.try_get("ended_by")?,
                            end_reason: row.try_get("end_reason")?,
                        })
                    })
                    .collect()
            }

            async fn presence_at(&self, window: &str) -> StoreResult<Option<Presence>> {
                let row = sqlx::query(
                    "SELECT window_code, username, display_name, state, since FROM window_presence WHERE window_code = $1",
                )
                .bind(window)
                .fetch_optional(&self.reader)
                .await?;
                row.map(|row| {
                    Ok(Presence {
                        window_code: row.try_get("window_code")?,
                        username: row.try_get("username")?,
                        display_name: row.try_get("display_name")?,
                        state: row.try_get("state")?,
                        since: from_millis(row.try_get("since")?),
                    })
                })
                .transpose()
            }

            async fn presence(&self) -> StoreResult<Vec<Presence>> {
                let rows = sqlx::query(
                    "SELECT window_code, username, display_name, state, since FROM window_presence ORDER BY window_code",
                )
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Presence {
                            window_code: row.try_get("window_code")?,
                            username: row.try_get("username")?,
                            display_name: row.try_get("display_name")?,
                            state: row.try_get("state")?,
                            since: from_millis(row.try_get("since")?),
                        })
                    })
                    .collect()
            }

            async fn set_presence(
                &self,
                window: &str,
                username: &str,
                display_name: &str,
                action: &str,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                let holder: Option<String> =
                    sqlx::query_scalar("SELECT username FROM window_presence WHERE window_code = $1")
                        .bind(window)
                        .fetch_optional(&mut *transaction)
                        .await?;
                match (action, holder.as_deref()) {
                    ("sign_in", Some(other)) if other != username => {
                        return Err(StoreError::Conflict(format!("window {window} is held by another member of staff")));
                    }
                    ("sign_in", _) => {
                        // One window per person: signing in here signs them out of any other.
                        let elsewhere: Vec<String> = sqlx::query_scalar(
                            "DELETE FROM window_presence WHERE username = $1 AND window_code <> $2 RETURNING window_code",
                        )
                        .bind(username)
                        .bind(window)
                        .fetch_all(&mut *transaction)
                        .await?;
                        for other in elsewhere {
                            Self::window_log(&mut transaction, &other, username, "sign_out", at).await?;
                        }
                        sqlx::query(
                            "INSERT INTO window_presence (window_code, username, display_name, state, since) \
                             VALUES ($1, $2, $3, 'serving', $4) ON CONFLICT (window_code) DO UPDATE \
                             SET state = 'serving', since = excluded.since, display_name = excluded.display_name",
                        )
                        .bind(window)
                        .bind(username)
                        .bind(display_name)
                        .bind(millis(at))
                        .execute(&mut *transaction)
                        .await?;
                    }
                    (_, Some(holder)) if holder == username => {
                        if action == "sign_out" {
                            sqlx::query("DELETE FROM window_presence WHERE window_code = $1")
                                .bind(window)
                                .execute(&mut *transaction)
                                .await?;
                        } else {
                            let state = if action == "break" { "break" } else { "serving" };
                            sqlx::query("UPDATE window_presence SET state = $1, since = $2 WHERE window_code = $3")
                                .bind(state)
                                .bind(millis(at))
                                .bind(window)
                                .execute(&mut *transaction)
                                .await?;
                        }
                    }
                    _ => return Err(StoreError::NotFound),
                }
                Self::window_log(&mut transaction, window, username, action, at).await?;
                transaction.commit().await?;
                Ok(())
            }
        }
    };
}

/// A call for the SQLite hall writer, owning what `CallNext` borrows.
pub(crate) struct OwnedCall {
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

/// A write of the hall waiting for the SQLite hall writer, and where to send the outcome.
pub(crate) enum HallJob {
    Issue(Box<NewTicket>, tokio::sync::oneshot::Sender<StoreResult<Ticket>>),
    Call(Box<OwnedCall>, tokio::sync::oneshot::Sender<StoreResult<Option<Ticket>>>),
}

/// At most this many issues and calls share one SQLite commit.
const HALL_BATCH: usize = 64;

/// Group commit for the hall on SQLite (as for cases, ADR 0011): tickets issued and called while a commit is
/// under way are written together in the next transaction, one after another, so the order of calls and
/// the one-ticket-one-window rule are those of single transactions. If one of them fails, the batch is
/// rolled back and each is written on its own. Every caller hears back only after the commit that holds its
/// write, so an acknowledged ticket or call is durable.
pub(crate) async fn hall_writer(writer: sqlx::SqlitePool, mut jobs: tokio::sync::mpsc::Receiver<HallJob>) {
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
    async fn relay_call(&self, _payload: &str) -> StoreResult<bool> {
        Ok(false)
    }

    async fn relay_listener(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<String>>> {
        Ok(None)
    }

    async fn commit_call(&self, call: &CallNext<'_>) -> StoreResult<Option<Ticket>> {
        let (sender, outcome) = tokio::sync::oneshot::channel();
        let gone = || StoreError::Database(sqlx::Error::Protocol("the hall writer has stopped".to_string()));
        self.hall.send(HallJob::Call(Box::new(OwnedCall::new(call)), sender)).await.map_err(|_| gone())?;
        outcome.await.map_err(|_| gone())?
    }

    async fn commit_issue(&self, ticket: &NewTicket) -> StoreResult<Ticket> {
        let (sender, outcome) = tokio::sync::oneshot::channel();
        let gone = || StoreError::Database(sqlx::Error::Protocol("the hall writer has stopped".to_string()));
        self.hall.send(HallJob::Issue(Box::new(ticket.clone()), sender)).await.map_err(|_| gone())?;
        outcome.await.map_err(|_| gone())?
    }
}

impl PostgresStore {
    async fn relay_call(&self, payload: &str) -> StoreResult<bool> {
        sqlx::query("SELECT pg_notify($1, $2)").bind(&self.hall_channel).bind(payload).execute(&self.writer).await?;
        Ok(true)
    }

    /// Listens on the schema's hall channel on a connection of its own; the listener reconnects by itself
    /// when the connection drops (calls made meanwhile are missed, as a display that reconnects misses them).
    async fn relay_listener(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<String>>> {
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

    async fn commit_call(&self, call: &CallNext<'_>) -> StoreResult<Option<Ticket>> {
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

    async fn commit_issue(&self, ticket: &NewTicket) -> StoreResult<Ticket> {
        let mut transaction = self.writer.begin().await?;
        let record = Self::insert_ticket(&mut transaction, ticket).await?;
        transaction.commit().await?;
        Ok(record)
    }
}

hall_queries!(SqliteStore, "");
hall_queries!(PostgresStore, " FOR UPDATE SKIP LOCKED");
