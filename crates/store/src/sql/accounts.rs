//! The accounts queries, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use super::rows::*;
use crate::accounts::*;
use crate::error::{StoreError, StoreResult};
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use onetrip_domain::applicant::ApplicantIdentity;
use sqlx::Row;

macro_rules! accounts_queries {
    ($store:ty) => {
        #[async_trait]
        impl AccountStore for $store {
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
                let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"))
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

            async fn record_failure(&self, attempt: &FailedAttempt<'_>) -> StoreResult<i64> {
                let mut transaction = self.writer.begin().await?;
                // Attempts older than a day no longer matter to any throttle or notice: keep the table small.
                sqlx::query("DELETE FROM failed_attempts WHERE kind = $1 AND at < $2")
                    .bind(attempt.kind)
                    .bind(millis(attempt.at) - 86_400_000)
                    .execute(&mut *transaction)
                    .await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO failed_attempts (kind, subject, address, at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(attempt.kind)
                .bind(attempt.subject)
                .bind(attempt.address)
                .bind(millis(attempt.at))
                .fetch_one(&mut *transaction)
                .await?;
                transaction.commit().await?;
                Ok(id)
            }

            async fn failure_tallies(
                &self,
                attempt: &FailedAttempt<'_>,
                before: i64,
                since: DateTime<Utc>,
            ) -> StoreResult<FailureTallies> {
                // Read on the writer: the attempt was just recorded there, and the counts must include every
                // attempt recorded before it. One pass over the kind's recent attempts gives all four tallies.
                type Row = (i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
                let row: Row = sqlx::query_as(
                    "SELECT COUNT(*), MAX(at), \
                     SUM(CASE WHEN subject = $4 THEN 1 ELSE 0 END), MAX(CASE WHEN subject = $4 THEN at END), \
                     SUM(CASE WHEN address = $5 THEN 1 ELSE 0 END), MAX(CASE WHEN address = $5 THEN at END), \
                     SUM(CASE WHEN subject = $4 AND address = $5 THEN 1 ELSE 0 END), \
                     MAX(CASE WHEN subject = $4 AND address = $5 THEN at END) \
                     FROM failed_attempts WHERE kind = $1 AND id < $2 AND at >= $3",
                )
                .bind(attempt.kind)
                .bind(before)
                .bind(millis(since))
                .bind(attempt.subject)
                .bind(attempt.address)
                .fetch_one(&self.writer)
                .await?;
                let tally = |count: Option<i64>, last: Option<i64>| Tally {
                    count: count.and_then(|count| u64::try_from(count).ok()).unwrap_or(0),
                    last: last.map(from_millis),
                };
                Ok(FailureTallies {
                    kind: tally(Some(row.0), row.1),
                    subject: tally(row.2, row.3),
                    address: tally(row.4, row.5),
                    subject_at_address: tally(row.6, row.7),
                })
            }

            async fn forget_failure(&self, id: i64) -> StoreResult<()> {
                sqlx::query("DELETE FROM failed_attempts WHERE id = $1").bind(id).execute(&self.writer).await?;
                Ok(())
            }

            async fn clear_failures(&self, attempt: &FailedAttempt<'_>) -> StoreResult<()> {
                sqlx::query("DELETE FROM failed_attempts WHERE kind = $1 AND subject = $2 AND address = $3")
                    .bind(attempt.kind)
                    .bind(attempt.subject)
                    .bind(attempt.address)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn failures_of(&self, kind: &str, subject: &str, since: DateTime<Utc>) -> StoreResult<FailureSummary> {
                let (count, addresses, last): (i64, i64, Option<i64>) = sqlx::query_as(
                    "SELECT COUNT(*), COUNT(DISTINCT address), MAX(at) FROM failed_attempts \
                     WHERE kind = $1 AND subject = $2 AND at >= $3",
                )
                .bind(kind)
                .bind(subject)
                .bind(millis(since))
                .fetch_one(&self.reader)
                .await?;
                Ok(FailureSummary {
                    count: u64::try_from(count).unwrap_or(0),
                    addresses: u64::try_from(addresses).unwrap_or(0),
                    last: last.map(from_millis),
                })
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
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()> {
                // One chain over the whole log: each entry carries the hash of the one before.
                let mut transaction = self.writer.begin().await?;
                sqlx::query(<$store as BackendDatabase>::LOCK_AUDIT).execute(&mut *transaction).await?;
                let previous: Option<String> =
                    sqlx::query_scalar("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1")
                        .fetch_optional(&mut *transaction)
                        .await?;
                let previous = previous.unwrap_or_default();
                let at = millis(event.at).to_string();
                let hash = chain_hash(&previous, &[&at, &event.actor, &event.action, &event.subject, &event.detail]);
                sqlx::query(
                    "INSERT INTO audit_events (at, actor, action, subject, detail, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(millis(event.at))
                .bind(&event.actor)
                .bind(&event.action)
                .bind(&event.subject)
                .bind(&event.detail)
                .bind(&previous)
                .bind(&hash)
                .execute(&mut *transaction)
                .await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn verify_chains(&self) -> StoreResult<ChainReport> {
                let mut report = ChainReport::default();
                type EventRow = (i64, String, i64, String, String, String, String, String, String, String, String);
                let events: Vec<EventRow> = sqlx::query_as(
                    "SELECT id, case_number, at, actor, role, action, from_phase, to_phase, detail, prev_hash, hash \
                     FROM case_events ORDER BY case_number, id",
                )
                .fetch_all(&self.reader)
                .await?;
                let rows: Vec<ChainedRow> = events
                    .into_iter()
                    .map(|(id, case, at, actor, role, action, from, to, detail, prev_hash, hash)| ChainedRow {
                        id,
                        fields: vec![case.clone(), at.to_string(), actor, role, action, from, to, detail],
                        chain: case,
                        prev_hash,
                        hash,
                    })
                    .collect();
                report.case_events = walk_chain("case_events", &rows, &mut report);
                type AuditRow = (i64, i64, String, String, String, String, String, String);
                let audit: Vec<AuditRow> = sqlx::query_as(
                    "SELECT id, at, actor, action, subject, detail, prev_hash, hash FROM audit_events ORDER BY id",
                )
                .fetch_all(&self.reader)
                .await?;
                let rows: Vec<ChainedRow> = audit
                    .into_iter()
                    .map(|(id, at, actor, action, subject, detail, prev_hash, hash)| ChainedRow {
                        id,
                        chain: String::new(),
                        fields: vec![at.to_string(), actor, action, subject, detail],
                        prev_hash,
                        hash,
                    })
                    .collect();
                report.audit_events = walk_chain("audit_events", &rows, &mut report);
                Ok(report)
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
        }
    };
}

accounts_queries!(SqliteStore);
accounts_queries!(PostgresStore);
