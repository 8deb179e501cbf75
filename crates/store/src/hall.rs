//! The hall as stored: tickets (`onetrip_domain::queue::Ticket`) and their history, who sits at which window,
//! postings and appointments. The queue lives here and nowhere else, so a restart loses no ticket and two
//! windows calling at the same instant never get the same one (SQLite: one writer; PostgreSQL:
//! `FOR UPDATE SKIP LOCKED` and a guarded update; see `sql/hall.rs`).

use crate::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::queue::{Priority, Ticket};

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
