//! The portal queries, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use super::rows::*;
use crate::error::{StoreError, StoreResult};
use crate::portal::*;
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

macro_rules! portal_queries {
    ($store:ty) => {
        #[async_trait]
        impl PortalStore for $store {
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
                let row = sqlx::query(
                    "SELECT id, owner, name, kind, size, sha256, created_at FROM stored_files WHERE id = $1",
                )
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
        }
    };
}

portal_queries!(SqliteStore);
portal_queries!(PostgresStore);
