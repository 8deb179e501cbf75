//! The cases queries, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use super::rows::*;
use crate::cases::*;
use crate::documents::encode_case;
use crate::error::{StoreError, StoreResult};
use crate::postgres::PostgresStore;
use crate::rollups::Share;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::case::{Case, Phase};
use onetrip_domain::case_number::CaseNumber;
use sqlx::Row;

/// 1 when the actor of a case event is a department system (its role list names `department_system`).
fn by_system(event: &CaseEvent) -> i64 {
    i64::from(event.role.split(',').any(|role| role == "department_system"))
}

macro_rules! cases_queries {
    ($store:ty) => {
        impl $store {
            /// Writes a case's event (and a trip, when the applicant came to the hall) in the caller's transaction.
            pub(crate) async fn record_case_event(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                number: &CaseNumber,
                event: &CaseEvent,
                trip: Option<&str>,
            ) -> StoreResult<()> {
                // The case's events form a chain: each carries the hash of the one before (see migration 0010).
                sqlx::query(<$store as BackendDatabase>::LOCK_CASE)
                    .bind(number.compact())
                    .execute(&mut **transaction)
                    .await?;
                let previous: Option<String> = sqlx::query_scalar(
                    "SELECT hash FROM case_events WHERE case_number = $1 ORDER BY id DESC LIMIT 1",
                )
                .bind(number.compact())
                .fetch_optional(&mut **transaction)
                .await?;
                let previous = previous.unwrap_or_default();
                let at = millis(event.at).to_string();
                let compact = number.compact();
                let hash = chain_hash(
                    &previous,
                    &[&compact, &at, &event.actor, &event.role, &event.action, &event.from_phase, &event.to_phase, &event.detail],
                );
                sqlx::query(
                    "INSERT INTO case_events (case_number, at, actor, role, action, from_phase, to_phase, detail, \
                     prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&compact)
                .bind(millis(event.at))
                .bind(&event.actor)
                .bind(&event.role)
                .bind(&event.action)
                .bind(&event.from_phase)
                .bind(&event.to_phase)
                .bind(&event.detail)
                .bind(&previous)
                .bind(&hash)
                .execute(&mut **transaction)
                .await?;
                Self::record_case_outbox(transaction, number, event).await?;
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
            pub(crate) async fn insert_case(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                case: &NewCase,
                idempotency: Option<&Idempotency>,
                event: &CaseEvent,
                trip: Option<&str>,
                preallocated: Option<i64>,
            ) -> StoreResult<(Case, bool)> {
                if let Some(idempotency) = idempotency {
                    let existing: Option<(String, String)> = sqlx::query_as(
                        "SELECT case_number, fingerprint FROM idempotency_keys WHERE scope = $1 AND key = $2",
                    )
                    .bind(&idempotency.scope)
                    .bind(&idempotency.key)
                    .fetch_optional(&mut **transaction)
                    .await?;
                    if let Some((existing, fingerprint)) = existing {
                        if !idempotency.matches(&fingerprint) {
                            return Err(StoreError::IdempotencyKeyReused);
                        }
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
                     document, revision, corrections, received_at, created_at, updated_at, via_system, \
                     shared_materials, uploaded_materials, assisted_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, 0, $9, $10, $10, $11, $12, $13, $14)",
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
                .bind(by_system(event))
                .bind(i64::from(case.document.materials_shared()))
                .bind(i64::from(case.document.materials_uploaded()))
                .bind(case.document.assisted_by.as_deref())
                .execute(&mut **transaction)
                .await?;
                if let Some(idempotency) = idempotency {
                    sqlx::query(
                        "INSERT INTO idempotency_keys (scope, key, case_number, created_at, fingerprint) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&idempotency.scope)
                    .bind(&idempotency.key)
                    .bind(number.compact())
                    .bind(at)
                    .bind(&idempotency.fingerprint)
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
                Self::roll_up(transaction, &number, &Share::default()).await?;
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
            pub(crate) async fn record_notifications(
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
        }

        #[async_trait]
        impl CaseStore for $store {
            async fn create_case(
                &self,
                case: &NewCase,
                idempotency: Option<&Idempotency>,
                event: &CaseEvent,
                trip: Option<&str>,
            ) -> StoreResult<(Case, bool)> {
                self.commit_case(case, idempotency, event, trip).await
            }

            async fn case(&self, number: &CaseNumber) -> StoreResult<Option<Case>> {
                let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = $1"))
                    .bind(number.compact())
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(case_from_row).transpose()
            }

            async fn action_key(&self, scope: &str, key: &str) -> StoreResult<Option<(CaseNumber, String)>> {
                let row = sqlx::query("SELECT case_number, fingerprint FROM action_keys WHERE scope = $1 AND key = $2")
                    .bind(scope)
                    .bind(key)
                    .fetch_optional(&self.writer)
                    .await?;
                match row {
                    Some(row) => Ok(Some((row.case_number("case_number")?, row.text("fingerprint")?))),
                    None => Ok(None),
                }
            }

            async fn case_by_idempotency_key(&self, idempotency: &Idempotency) -> StoreResult<Option<Case>> {
                let stored: Option<String> =
                    sqlx::query_scalar("SELECT fingerprint FROM idempotency_keys WHERE scope = $1 AND key = $2")
                        .bind(&idempotency.scope)
                        .bind(&idempotency.key)
                        .fetch_optional(&self.reader)
                        .await?;
                match stored {
                    None => return Ok(None),
                    Some(fingerprint) if !idempotency.matches(&fingerprint) => {
                        return Err(StoreError::IdempotencyKeyReused)
                    }
                    Some(_) => {}
                }
                let row = sqlx::query(&format!(
                    "SELECT {CASE_COLUMNS} FROM cases WHERE number = \
                     (SELECT case_number FROM idempotency_keys WHERE scope = $1 AND key = $2)"
                ))
                .bind(&idempotency.scope)
                .bind(&idempotency.key)
                .fetch_optional(&self.reader)
                .await?;
                row.as_ref().map(case_from_row).transpose()
            }

            async fn update_case(&self, number: &CaseNumber, update: &CaseUpdate<'_>) -> StoreResult<Case> {
                let change = update.change;
                let document = change.document.as_ref().map(encode_case).transpose()?;
                let mut transaction = self.writer.begin().await?;
                // The case's row is locked before its share of the counters is read, so that the share read is
                // the one this change replaces.
                sqlx::query(<$store as BackendDatabase>::LOCK_CASE)
                    .bind(number.compact())
                    .execute(&mut *transaction)
                    .await?;
                let before = Self::case_share(&mut transaction, number).await?;
                // The first time the case is decided (准予 or 不予许可) is the instant the figures count.
                let decided_now = change
                    .phase
                    .filter(|phase| matches!(phase, Phase::Granted | Phase::Refused))
                    .map(|_| millis(update.event.at));
                let updated = sqlx::query(
                    "UPDATE cases SET phase = COALESCE($1, phase), document = COALESCE($2, document), \
                     corrections = COALESCE($3, corrections), received_at = COALESCE($4, received_at), \
                     accepted_at = COALESCE($5, accepted_at), due_at = COALESCE($6, due_at), \
                     warn_at = COALESCE($7, warn_at), revision = revision + 1, updated_at = $8, \
                     accepted_by = COALESCE($11, accepted_by), decided_at = COALESCE(decided_at, $12), \
                     via_system = CASE WHEN $13 = 1 THEN 1 ELSE via_system END, \
                     shared_materials = COALESCE($14, shared_materials), \
                     uploaded_materials = COALESCE($15, uploaded_materials) \
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
                .bind(update.accepted_by)
                .bind(decided_now)
                .bind(by_system(update.event))
                .bind(change.document.as_ref().map(|document| i64::from(document.materials_shared())))
                .bind(change.document.as_ref().map(|document| i64::from(document.materials_uploaded())))
                .execute(&mut *transaction)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::RevisionChanged(format!("办件 {number} 已被他人处理，请刷新后再办理")));
                }
                Self::record_case_event(&mut transaction, number, update.event, update.trip).await?;
                Self::record_notifications(&mut transaction, number, update.notifications, millis(update.event.at)).await?;
                if let Some(slot) = update.rating_slot {
                    Self::open_rating_slot(&mut transaction, slot).await?;
                }
                if let Some(licence) = update.licence {
                    Self::insert_licence(&mut transaction, licence).await?;
                }
                if let Some(key) = update.action_key {
                    sqlx::query(
                        "INSERT INTO action_keys (scope, key, fingerprint, case_number, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&key.scope)
                    .bind(&key.key)
                    .bind(&key.fingerprint)
                    .bind(number.compact())
                    .bind(millis(update.event.at))
                    .execute(&mut *transaction)
                    .await
                    .map_err(|error| unique_to_conflict(error, "这个 Idempotency-Key 已经用过"))?;
                }
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
                // Last, when the row, its events and its tasks are what this change makes them.
                Self::roll_up(&mut transaction, number, &before).await?;
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

            async fn case_notifications(&self, number: &CaseNumber) -> StoreResult<Vec<OutboxMessage>> {
                let rows = sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM notifications WHERE case_number = $1 ORDER BY id"))
                    .bind(number.compact())
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(outbox_from_row).collect()
            }

            async fn assisted_count(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<u64> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS received FROM cases WHERE received_at >= $1 AND received_at < $2 \
                     AND assisted_by IS NOT NULL",
                )
                .bind(millis(from))
                .bind(millis(to))
                .fetch_one(&self.reader)
                .await?;
                Ok(count(row.int("received")?))
            }

            async fn outbox(&self, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
                let rows = sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM notifications ORDER BY id DESC LIMIT $1"))
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(outbox_from_row).collect()
            }
        }
    };
}

cases_queries!(SqliteStore);
cases_queries!(PostgresStore);
