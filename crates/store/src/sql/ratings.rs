//! The 好差评 queries, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use super::rows::StoreRow;
use crate::cases::Notification;
use crate::error::{StoreError, StoreResult};
use crate::postgres::PostgresStore;
use crate::ratings::*;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::rating::followup::{Followup, FollowupState, Outcome};
use onetrip_domain::rating::{Level, RatingChannel, Service, Stage};

const SLOT_COLUMNS: &str =
    "s.id AS slot_id, s.case_number, s.ticket_id, s.stage, s.service, s.department AS slot_department, \
     s.matter_code AS slot_matter, s.window_code AS slot_window, s.staff AS slot_staff, s.applicant_id, s.opened_at, \
     s.default_at, s.rating_id";

const RATING_COLUMNS: &str = "r.id AS rating_id_, r.level, r.channel, r.indicators, r.indicator_version, r.comment, \
     r.rated_at, r.month, r.excluded AS rating_excluded";

const FOLLOWUP_COLUMNS: &str =
    "f.rating_id AS followup_rating, f.department AS followup_department, f.assignee, f.state, \
     f.opened_at AS followup_opened, f.callback_due, f.rectify_due, f.called_back_at, f.callback_note, f.outcome, \
     f.outcome_note, f.ledger_due, f.resolved_at, f.excluded AS followup_excluded, f.review_note, f.reviewed_by, \
     f.fix_level, f.fix_at, f.revision, f.warn_at AS followup_warn";

fn slot_from_row(row: &impl StoreRow) -> StoreResult<RatingSlot> {
    let stage = row.text("stage")?;
    let service = row.text("service")?;
    Ok(RatingSlot {
        id: row.int("slot_id")?,
        slot: NewRatingSlot {
            case_number: row
                .optional_text("case_number")?
                .map(|n| CaseNumber::parse(&n))
                .transpose()
                .map_err(corrupt)?,
            ticket_id: row.optional_int("ticket_id")?,
            stage: Stage::parse(&stage).ok_or_else(|| corrupt(format!("rating stage {stage}")))?,
            service: if service == "online" { Service::Online } else { Service::OnSite },
            department: row.text("slot_department")?,
            matter_code: row.text("slot_matter")?,
            window_code: row.optional_text("slot_window")?,
            staff: row.optional_text("slot_staff")?,
            applicant_id: row.optional_int("applicant_id")?,
            opened_at: row.instant("opened_at")?,
            default_at: row.optional_instant("default_at")?,
        },
        rating_id: row.optional_int("rating_id")?,
    })
}

fn level_of(value: i64) -> StoreResult<Level> {
    Level::new(value).ok_or_else(|| corrupt(format!("rating level {value}")))
}

fn rating_from_row(row: &impl StoreRow) -> StoreResult<RatingRecord> {
    let channel = row.text("channel")?;
    let indicators = row.text("indicators")?;
    Ok(RatingRecord {
        id: row.int("rating_id_")?,
        slot: slot_from_row(row)?,
        level: level_of(row.int("level")?)?,
        channel: RatingChannel::parse(&channel).ok_or_else(|| corrupt(format!("rating channel {channel}")))?,
        indicators: indicators.split(',').filter(|code| !code.is_empty()).map(str::to_string).collect(),
        indicator_version: row.count("indicator_version")?,
        comment: row.text("comment")?,
        rated_at: row.instant("rated_at")?,
        month: row.text("month")?,
        excluded: row.int("rating_excluded")? != 0,
    })
}

fn followup_from_row(row: &impl StoreRow) -> StoreResult<Followup> {
    let state = row.text("state")?;
    let outcome = row.optional_text("outcome")?;
    Ok(Followup {
        rating_id: row.int("followup_rating")?,
        department: row.text("followup_department")?,
        assignee: row.optional_text("assignee")?,
        state: FollowupState::parse(&state).ok_or_else(|| corrupt(format!("follow-up state {state}")))?,
        opened_at: row.instant("followup_opened")?,
        callback_due: row.instant("callback_due")?,
        rectify_due: row.instant("rectify_due")?,
        called_back_at: row.optional_instant("called_back_at")?,
        callback_note: row.text("callback_note")?,
        outcome: outcome
            .map(|code| Outcome::parse(&code).ok_or_else(|| corrupt(format!("follow-up outcome {code}"))))
            .transpose()?,
        outcome_note: row.text("outcome_note")?,
        ledger_due: row.optional_instant("ledger_due")?,
        resolved_at: row.optional_instant("resolved_at")?,
        excluded: row.int("followup_excluded")? != 0,
        review_note: row.text("review_note")?,
        reviewed_by: row.optional_text("reviewed_by")?,
        fix_level: row.optional_int("fix_level")?.map(level_of).transpose()?,
        fix_at: row.optional_instant("fix_at")?,
        revision: row.int("revision")?,
    })
}

macro_rules! rating_queries {
    ($store:ty) => {
        impl $store {
            /// Opens a slot in the caller's transaction; a slot of the same case stage opened already is kept.
            pub(crate) async fn open_rating_slot(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                slot: &NewRatingSlot,
            ) -> StoreResult<Option<i64>> {
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO rating_slots (case_number, ticket_id, stage, service, department, matter_code, \
                     window_code, staff, applicant_id, opened_at, default_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(slot.case_number.as_ref().map(CaseNumber::compact))
                .bind(slot.ticket_id)
                .bind(slot.stage.code())
                .bind(slot.service.code())
                .bind(&slot.department)
                .bind(&slot.matter_code)
                .bind(&slot.window_code)
                .bind(&slot.staff)
                .bind(slot.applicant_id)
                .bind(millis(slot.opened_at))
                .bind(slot.default_at.map(millis))
                .fetch_optional(&mut **transaction)
                .await?;
                Ok(id)
            }

            async fn insert_followup_event(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                rating_id: i64,
                event: &FollowupEvent,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO rating_followup_events (rating_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(rating_id)
                .bind(millis(event.at))
                .bind(&event.actor)
                .bind(&event.action)
                .bind(&event.detail)
                .execute(&mut **transaction)
                .await?;
                Ok(())
            }

            async fn rating_rows(&self, filter: &str, bind: Option<String>) -> StoreResult<Vec<RatingRecord>> {
                let sql = format!(
                    "SELECT {SLOT_COLUMNS}, {RATING_COLUMNS} FROM ratings r JOIN rating_slots s ON s.id = r.slot_id \
                     WHERE {filter} ORDER BY r.id"
                );
                let mut query = sqlx::query(&sql);
                if let Some(value) = bind {
                    query = query.bind(value);
                }
                let rows = query.fetch_all(&self.reader).await?;
                rows.iter().map(rating_from_row).collect()
            }
        }

        #[async_trait]
        impl RatingStore for $store {
            async fn rating_slot(&self, id: i64) -> StoreResult<Option<RatingSlot>> {
                let row = sqlx::query(&format!("SELECT {SLOT_COLUMNS} FROM rating_slots s WHERE s.id = $1"))
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(slot_from_row).transpose()
            }

            async fn case_rating_slot(&self, number: &CaseNumber, stage: Stage) -> StoreResult<Option<RatingSlot>> {
                let row = sqlx::query(&format!(
                    "SELECT {SLOT_COLUMNS} FROM rating_slots s WHERE s.case_number = $1 AND s.stage = $2 AND s.ticket_id IS NULL"
                ))
                .bind(number.compact())
                .bind(stage.code())
                .fetch_optional(&self.reader)
                .await?;
                row.as_ref().map(slot_from_row).transpose()
            }

            async fn ticket_rating_slot(&self, ticket_id: i64) -> StoreResult<Option<RatingSlot>> {
                let row = sqlx::query(&format!("SELECT {SLOT_COLUMNS} FROM rating_slots s WHERE s.ticket_id = $1"))
                    .bind(ticket_id)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(slot_from_row).transpose()
            }

            async fn rate(&self, rating: &NewRating) -> StoreResult<i64> {
                let already = || StoreError::Conflict("这项服务已经评价过了".to_string());
                let mut transaction = self.writer.begin().await?;
                let slot_id = match &rating.slot {
                    SlotRef::Existing(id) => *id,
                    SlotRef::New(slot) => Self::open_rating_slot(&mut transaction, slot).await?.ok_or_else(already)?,
                };
                let slot = sqlx::query(&format!("SELECT {SLOT_COLUMNS} FROM rating_slots s WHERE s.id = $1"))
                    .bind(slot_id)
                    .fetch_optional(&mut *transaction)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let slot = slot_from_row(&slot)?;
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO ratings (slot_id, level, channel, indicators, indicator_version, comment, rated_at, month, \
                     department, matter_code, window_code, staff) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(slot_id)
                .bind(i64::from(rating.level.value()))
                .bind(rating.channel.code())
                .bind(rating.indicators.join(","))
                .bind(i64::from(rating.indicator_version))
                .bind(&rating.comment)
                .bind(millis(rating.rated_at))
                .bind(&rating.month)
                .bind(&slot.slot.department)
                .bind(&slot.slot.matter_code)
                .bind(&slot.slot.window_code)
                .bind(&slot.slot.staff)
                .fetch_optional(&mut *transaction)
                .await?;
                let id = id.ok_or_else(already)?;
                let marked = sqlx::query("UPDATE rating_slots SET rating_id = $1 WHERE id = $2 AND rating_id IS NULL")
                    .bind(id)
                    .bind(slot_id)
                    .execute(&mut *transaction)
                    .await?;
                if marked.rows_affected() != 1 {
                    return Err(already());
                }
                if let Some((followup, warn_at)) = &rating.followup {
                    sqlx::query(
                        "INSERT INTO rating_followups (rating_id, department, assignee, state, opened_at, callback_due, \
                         rectify_due, warn_at, due_at, revision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(id)
                    .bind(&followup.department)
                    .bind(&followup.assignee)
                    .bind(followup.state.code())
                    .bind(millis(followup.opened_at))
                    .bind(millis(followup.callback_due))
                    .bind(millis(followup.rectify_due))
                    .bind(millis(*warn_at))
                    .bind(followup.current_deadline().map(millis))
                    .bind(followup.revision)
                    .execute(&mut *transaction)
                    .await?;
                    let event = FollowupEvent {
                        at: rating.rated_at,
                        actor: "系统".to_string(),
                        action: "assigned".to_string(),
                        detail: followup.assignee.clone().unwrap_or_default(),
                    };
                    Self::insert_followup_event(&mut transaction, id, &event).await?;
                }
                transaction.commit().await?;
                Ok(id)
            }

            async fn slots_to_default(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<RatingSlot>> {
                let rows = sqlx::query(&format!(
                    "SELECT {SLOT_COLUMNS} FROM rating_slots s WHERE s.rating_id IS NULL AND s.default_at IS NOT NULL \
                     AND s.default_at <= $1 ORDER BY s.default_at LIMIT $2"
                ))
                .bind(millis(now))
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(slot_from_row).collect()
            }

            async fn rating(&self, id: i64) -> StoreResult<Option<RatingRecord>> {
                let sql = format!(
                    "SELECT {SLOT_COLUMNS}, {RATING_COLUMNS} FROM ratings r JOIN rating_slots s ON s.id = r.slot_id WHERE r.id = $1"
                );
                let row = sqlx::query(&sql).bind(id).fetch_optional(&self.reader).await?;
                row.as_ref().map(rating_from_row).transpose()
            }

            async fn case_ratings(&self, number: &CaseNumber) -> StoreResult<Vec<RatingRecord>> {
                self.rating_rows("s.case_number = $1", Some(number.compact())).await
            }

            async fn followup(&self, rating_id: i64) -> StoreResult<Option<Followup>> {
                let row = sqlx::query(&format!("SELECT {FOLLOWUP_COLUMNS} FROM rating_followups f WHERE f.rating_id = $1"))
                    .bind(rating_id)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(followup_from_row).transpose()
            }

            async fn followups(
                &self,
                department: Option<&str>,
                open_only: bool,
                limit: u32,
            ) -> StoreResult<Vec<(Followup, RatingRecord)>> {
                let states = if open_only { "f.state IN ('open', 'called_back', 'rectifying', 'appealed')" } else { "1 = 1" };
                let sql = format!(
                    "SELECT {FOLLOWUP_COLUMNS}, {SLOT_COLUMNS}, {RATING_COLUMNS} FROM rating_followups f \
                     JOIN ratings r ON r.id = f.rating_id JOIN rating_slots s ON s.id = r.slot_id \
                     WHERE {states} AND ($1 = '' OR f.department = $1) \
                     ORDER BY CASE WHEN f.due_at IS NULL THEN 1 ELSE 0 END, f.due_at, f.rating_id DESC LIMIT $2"
                );
                let rows = sqlx::query(&sql)
                    .bind(department.unwrap_or_default())
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter().map(|row| Ok((followup_from_row(row)?, rating_from_row(row)?))).collect()
            }

            async fn followups_at_risk(
                &self,
                now: DateTime<Utc>,
                limit: u32,
            ) -> StoreResult<Vec<(Followup, DateTime<Utc>)>> {
                let rows = sqlx::query(&format!(
                    "SELECT {FOLLOWUP_COLUMNS} FROM rating_followups f WHERE f.warn_at IS NOT NULL AND f.warn_at <= $1 \
                     ORDER BY f.due_at LIMIT $2"
                ))
                .bind(millis(now))
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(|row| Ok((followup_from_row(row)?, row.instant("followup_warn")?))).collect()
            }

            async fn change_followup(&self, update: &FollowupUpdate<'_>) -> StoreResult<()> {
                let followup = update.followup;
                let mut transaction = self.writer.begin().await?;
                let changed = sqlx::query(
                    "UPDATE rating_followups SET state = $1, called_back_at = $2, callback_note = $3, outcome = $4, \
                     outcome_note = $5, ledger_due = $6, resolved_at = $7, excluded = $8, review_note = $9, \
                     reviewed_by = $10, fix_level = $11, fix_at = $12, warn_at = $13, due_at = $14, revision = $15 \
                     WHERE rating_id = $16 AND revision = $17",
                )
                .bind(followup.state.code())
                .bind(followup.called_back_at.map(millis))
                .bind(&followup.callback_note)
                .bind(followup.outcome.map(Outcome::code))
                .bind(&followup.outcome_note)
                .bind(followup.ledger_due.map(millis))
                .bind(followup.resolved_at.map(millis))
                .bind(i64::from(followup.excluded))
                .bind(&followup.review_note)
                .bind(&followup.reviewed_by)
                .bind(followup.fix_level.map(|level| i64::from(level.value())))
                .bind(followup.fix_at.map(millis))
                .bind(update.warn_at.map(millis))
                .bind(followup.current_deadline().map(millis))
                .bind(followup.revision)
                .bind(followup.rating_id)
                .bind(update.expected_revision)
                .execute(&mut *transaction)
                .await?;
                if changed.rows_affected() != 1 {
                    return Err(StoreError::RevisionChanged("这条差评刚被别人处理过，请刷新后再试".to_string()));
                }
                if followup.excluded {
                    sqlx::query("UPDATE ratings SET excluded = 1 WHERE id = $1")
                        .bind(followup.rating_id)
                        .execute(&mut *transaction)
                        .await?;
                }
                Self::insert_followup_event(&mut transaction, followup.rating_id, update.event).await?;
                if let Some((number, notification)) = update.notification {
                    let message: &Notification = notification;
                    Self::record_notifications(&mut transaction, number, std::slice::from_ref(message), millis(update.event.at))
                        .await?;
                }
                transaction.commit().await?;
                Ok(())
            }

            async fn followup_events(&self, rating_id: i64) -> StoreResult<Vec<FollowupEvent>> {
                let rows = sqlx::query(
                    "SELECT at, actor, action, detail FROM rating_followup_events WHERE rating_id = $1 ORDER BY id",
                )
                .bind(rating_id)
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(FollowupEvent {
                            at: row.instant("at")?,
                            actor: row.text("actor")?,
                            action: row.text("action")?,
                            detail: row.text("detail")?,
                        })
                    })
                    .collect()
            }

            async fn rating_tallies(&self, month: &str) -> StoreResult<Vec<RatingTally>> {
                // The levels from the month's index alone (it holds every column read here)…
                let rows = sqlx::query(
                    "SELECT department, matter_code, \
                     SUM(CASE WHEN excluded = 0 AND level = 1 THEN 1 ELSE 0 END) AS l1, \
                     SUM(CASE WHEN excluded = 0 AND level = 2 THEN 1 ELSE 0 END) AS l2, \
                     SUM(CASE WHEN excluded = 0 AND level = 3 THEN 1 ELSE 0 END) AS l3, \
                     SUM(CASE WHEN excluded = 0 AND level = 4 THEN 1 ELSE 0 END) AS l4, \
                     SUM(CASE WHEN excluded = 0 AND level = 5 THEN 1 ELSE 0 END) AS l5, \
                     SUM(CASE WHEN excluded = 0 AND channel = 'default' THEN 1 ELSE 0 END) AS defaulted, \
                     SUM(CASE WHEN excluded = 1 THEN 1 ELSE 0 END) AS excluded \
                     FROM ratings WHERE month = $1 GROUP BY department, matter_code ORDER BY department, matter_code",
                )
                .bind(month)
                .fetch_all(&self.reader)
                .await?;
                let mut tallies = std::collections::BTreeMap::new();
                for row in &rows {
                    let tally = RatingTally {
                        department: row.text("department")?,
                        matter_code: row.text("matter_code")?,
                        levels: [
                            count(row.int("l1")?),
                            count(row.int("l2")?),
                            count(row.int("l3")?),
                            count(row.int("l4")?),
                            count(row.int("l5")?),
                        ],
                        defaulted: count(row.int("defaulted")?),
                        excluded: count(row.int("excluded")?),
                        ..RatingTally::default()
                    };
                    tallies.insert((tally.department.clone(), tally.matter_code.clone()), tally);
                }
                // …and the follow-ups, which only 差评 (levels 1 and 2) have, through the month's few 差评.
                let rows = sqlx::query(
                    "SELECT r.department, r.matter_code, \
                     SUM(CASE WHEN f.resolved_at IS NOT NULL AND f.outcome IN ('immediate', 'ledger') THEN 1 ELSE 0 END) AS rectified, \
                     SUM(CASE WHEN f.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS resolved, \
                     SUM(CASE WHEN f.resolved_at IS NOT NULL \
                         AND f.resolved_at <= (CASE WHEN f.ledger_due IS NOT NULL AND f.ledger_due > f.rectify_due THEN f.ledger_due ELSE f.rectify_due END) \
                         THEN 1 ELSE 0 END) AS in_time, \
                     SUM(CASE WHEN f.called_back_at IS NOT NULL THEN 1 ELSE 0 END) AS called_back \
                     FROM ratings r JOIN rating_followups f ON f.rating_id = r.id \
                     WHERE r.month = $1 AND r.level <= 2 AND r.excluded = 0 GROUP BY r.department, r.matter_code",
                )
                .bind(month)
                .fetch_all(&self.reader)
                .await?;
                for row in &rows {
                    let key = (row.text("department")?, row.text("matter_code")?);
                    let tally = tallies.entry(key.clone()).or_insert_with(|| RatingTally {
                        department: key.0.clone(),
                        matter_code: key.1.clone(),
                        ..RatingTally::default()
                    });
                    tally.rectified = count(row.int("rectified")?);
                    tally.resolved = count(row.int("resolved")?);
                    tally.resolved_in_time = count(row.int("in_time")?);
                    tally.called_back = count(row.int("called_back")?);
                }
                Ok(tallies.into_values().collect())
            }
        }
    };
}

rating_queries!(SqliteStore);
rating_queries!(PostgresStore);
