//! The register of e-licences, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use super::rows::{licence_from_row, LICENCE_COLUMNS};
use crate::error::{StoreError, StoreResult};
use crate::licences::*;
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use onetrip_domain::applicant::ApplicantIdentity;
use onetrip_domain::licence::LicenceStatus;

macro_rules! licence_queries {
    ($store:ty) => {
        impl $store {
            /// Writes a new licence and its first event, in the caller's transaction (the case's change).
            pub(crate) async fn insert_licence(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                new: &NewLicence,
            ) -> StoreResult<()> {
                let licence = &new.licence;
                let fields = serde_json::to_string(&licence.fields).map_err(corrupt)?;
                sqlx::query(
                    "INSERT INTO licences (id, serial, version, type_code, name, holder_kind, holder_number, \
                     holder_name, issuer, issuer_name, issuer_credit_code, issued_on, valid_until, status, \
                     case_number, fields, document_file, document_hash, seal_key, signature, replaces, revision, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                     $17, $18, $19, $20, $21, 1, $22)",
                )
                .bind(licence.id.to_string())
                .bind(licence.id.serial())
                .bind(i64::from(licence.id.version()))
                .bind(&licence.type_code)
                .bind(&licence.name)
                .bind(licence.holder.kind())
                .bind(licence.holder.number())
                .bind(&licence.holder_name)
                .bind(&licence.issuer)
                .bind(&licence.issuer_name)
                .bind(&licence.issuer_credit_code)
                .bind(day_text(licence.issued_on))
                .bind(licence.valid_until.map(day_text))
                .bind(licence.status.code())
                .bind(&licence.case_number)
                .bind(fields)
                .bind(&new.document_file)
                .bind(&licence.document_hash)
                .bind(&licence.seal_key)
                .bind(&licence.signature)
                .bind(&licence.replaces)
                .bind(millis(new.event.at))
                .execute(&mut **transaction)
                .await
                .map_err(|error| unique_to_conflict(error, "这个办件已经签发过这种证照"))?;
                Self::insert_licence_event(transaction, &licence.id.to_string(), &new.event).await?;
                if let Some(old) = &licence.replaces {
                    Self::supersede_licence(transaction, old, &licence.id.to_string(), new.event.at, &new.event.actor)
                        .await?;
                }
                Ok(())
            }

            /// 换发: the version a new one replaces is superseded (from valid or suspended), with its event.
            async fn supersede_licence(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                old: &str,
                new: &str,
                at: chrono::DateTime<chrono::Utc>,
                actor: &str,
            ) -> StoreResult<()> {
                let status: Option<String> = sqlx::query_scalar("SELECT status FROM licences WHERE id = $1")
                    .bind(old)
                    .fetch_optional(&mut **transaction)
                    .await?;
                let from = status.as_deref().and_then(LicenceStatus::from_code);
                let Some(from) = from.filter(|from| matches!(from, LicenceStatus::Valid | LicenceStatus::Suspended))
                else {
                    return Err(StoreError::Conflict(format!("证照 {old} 已不在可换发的状态")));
                };
                sqlx::query("UPDATE licences SET status = $1, revision = revision + 1 WHERE id = $2")
                    .bind(LicenceStatus::Superseded.code())
                    .bind(old)
                    .execute(&mut **transaction)
                    .await?;
                let event = LicenceEvent {
                    at,
                    actor: actor.to_string(),
                    action: "supersede".to_string(),
                    from_status: Some(from),
                    to_status: LicenceStatus::Superseded,
                    reason: format!("换发为 {new}"),
                };
                Self::insert_licence_event(transaction, old, &event).await
            }

            async fn insert_licence_event(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                id: &str,
                event: &LicenceEvent,
            ) -> StoreResult<()> {
                let data = serde_json::json!({
                    "licence": id,
                    "action": event.action,
                    "from_status": event.from_status.map(|status| status.code()),
                    "to_status": event.to_status.code(),
                })
                .to_string();
                sqlx::query(
                    "INSERT INTO outbox_events (at, kind, subject, department, matter_code, data) \
                     SELECT $1, $2, l.id, l.issuer, c.matter_code, $3 FROM licences l \
                     JOIN cases c ON c.number = l.case_number WHERE l.id = $4",
                )
                .bind(millis(event.at))
                .bind(format!("licence.{}", event.action))
                .bind(data)
                .bind(id)
                .execute(&mut **transaction)
                .await?;
                sqlx::query(
                    "INSERT INTO licence_events (licence_id, at, actor, action, from_status, to_status, reason) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(millis(event.at))
                .bind(&event.actor)
                .bind(&event.action)
                .bind(event.from_status.map(|status| status.code()))
                .bind(event.to_status.code())
                .bind(&event.reason)
                .execute(&mut **transaction)
                .await?;
                Ok(())
            }
        }

        #[async_trait]
        impl LicenceStore for $store {
            async fn next_licence_serial(&self, year: i32) -> StoreResult<i64> {
                let next: i64 = sqlx::query_scalar(
                    "INSERT INTO licence_sequences (year, next) VALUES ($1, 1) \
                     ON CONFLICT (year) DO UPDATE SET next = licence_sequences.next + 1 RETURNING next",
                )
                .bind(i64::from(year))
                .fetch_one(&self.writer)
                .await?;
                Ok(next)
            }

            async fn licence(&self, id: &str) -> StoreResult<Option<StoredLicence>> {
                let row = sqlx::query(&format!("SELECT {LICENCE_COLUMNS} FROM licences WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.reader)
                    .await?;
                row.as_ref().map(licence_from_row).transpose()
            }

            async fn licences_of_holder(&self, holder: &ApplicantIdentity) -> StoreResult<Vec<StoredLicence>> {
                let rows = sqlx::query(&format!(
                    "SELECT {LICENCE_COLUMNS} FROM licences WHERE holder_kind = $1 AND holder_number = $2 \
                     ORDER BY created_at DESC, id"
                ))
                .bind(holder.kind())
                .bind(holder.number())
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(licence_from_row).collect()
            }

            async fn licences_of_case(&self, case_number: &onetrip_domain::case_number::CaseNumber) -> StoreResult<Vec<StoredLicence>> {
                let rows = sqlx::query(&format!(
                    "SELECT {LICENCE_COLUMNS} FROM licences WHERE case_number = $1 ORDER BY created_at, id"
                ))
                .bind(case_number.compact())
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(licence_from_row).collect()
            }

            async fn recent_licences(&self, limit: u32) -> StoreResult<Vec<StoredLicence>> {
                let rows = sqlx::query(&format!(
                    "SELECT {LICENCE_COLUMNS} FROM licences ORDER BY created_at DESC, id LIMIT $1"
                ))
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(licence_from_row).collect()
            }

            async fn licence_events(&self, id: &str) -> StoreResult<Vec<LicenceEvent>> {
                let rows = sqlx::query(
                    "SELECT at, actor, action, from_status, to_status, reason FROM licence_events \
                     WHERE licence_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|row| {
                        use super::rows::StoreRow;
                        use onetrip_domain::licence::LicenceStatus;
                        let status = |code: String| {
                            LicenceStatus::from_code(&code).ok_or_else(|| corrupt(format!("licence status {code}")))
                        };
                        Ok(LicenceEvent {
                            at: row.instant("at")?,
                            actor: row.text("actor")?,
                            action: row.text("action")?,
                            from_status: row.optional_text("from_status")?.map(status).transpose()?,
                            to_status: status(row.text("to_status")?)?,
                            reason: row.text("reason")?,
                        })
                    })
                    .collect()
            }

            async fn change_licence_status(
                &self,
                id: &str,
                expected_revision: i64,
                event: &LicenceEvent,
            ) -> StoreResult<StoredLicence> {
                let mut transaction = self.writer.begin().await?;
                let updated = sqlx::query(
                    "UPDATE licences SET status = $1, revision = revision + 1 WHERE id = $2 AND revision = $3",
                )
                .bind(event.to_status.code())
                .bind(id)
                .bind(expected_revision)
                .execute(&mut *transaction)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::RevisionChanged("这份证照刚被他人处理过，请刷新后再办理".to_string()));
                }
                Self::insert_licence_event(&mut transaction, id, event).await?;
                let row = sqlx::query(&format!("SELECT {LICENCE_COLUMNS} FROM licences WHERE id = $1"))
                    .bind(id)
                    .fetch_one(&mut *transaction)
                    .await?;
                let stored = licence_from_row(&row)?;
                transaction.commit().await?;
                Ok(stored)
            }
        }
    };
}

licence_queries!(SqliteStore);
licence_queries!(PostgresStore);
