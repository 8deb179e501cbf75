//! The hall queries, written once in the SQL both backends understand and implemented for each; they differ
//! only in the lock the call of the next ticket takes (none on SQLite, whose one writer serialises calls;
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL).

use super::common::*;
use super::rows::*;
use crate::error::{StoreError, StoreResult};
use crate::hall::*;
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::queue::Ticket;
use sqlx::Row;

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
                // The change for departmental systems (ADR 0021): the ticket's matter and its department, no
                // personal data (the last four digits a ticket may carry stay out).
                let data = serde_json::json!({ "ticket": ticket, "action": action, "window": window }).to_string();
                sqlx::query(
                    "INSERT INTO outbox_events (at, kind, subject, department, matter_code, data) \
                     SELECT $1, $2, CAST(t.id AS TEXT), COALESCE((SELECT v.department FROM matter_versions v \
                     WHERE v.code = t.matter_code ORDER BY v.version DESC LIMIT 1), ''), COALESCE(t.matter_code, ''), $3 \
                     FROM tickets t WHERE t.id = $4",
                )
                .bind(millis(at))
                .bind(format!("ticket.{action}"))
                .bind(data)
                .bind(ticket)
                .execute(&mut **transaction)
                .await?;
                Ok(())
            }

            pub(crate) async fn insert_ticket(
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

            pub(crate) async fn call_in(
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
                .map_err(|error| unique_to_conflict(error, "appointment code taken"))?;
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

hall_queries!(SqliteStore, "");
hall_queries!(PostgresStore, " FOR UPDATE SKIP LOCKED");
