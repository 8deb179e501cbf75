//! The catalog queries, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use super::rows::*;
use crate::catalog::*;
use crate::error::{StoreError, StoreResult};
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::catalog::{Department, MatterVersion};
use onetrip_domain::ids::CreditCode;
use sqlx::Row;

macro_rules! catalog_queries {
    ($store:ty) => {
        impl $store {
            async fn insert_version(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                version: &NewVersion,
                number: u32,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                let document = serde_json::to_string(&version.matter).map_err(corrupt)?;
                sqlx::query(
                    "INSERT INTO matter_versions (code, version, adjustment_kind, reason, effective_date, merged_into, \
                     author, name, department, document, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&version.matter.code)
                .bind(i64::from(number))
                .bind(version.adjustment.kind.code())
                .bind(&version.adjustment.reason)
                .bind(version.adjustment.effective_date.format("%Y-%m-%d").to_string())
                .bind(&version.adjustment.merged_into)
                .bind(&version.author)
                .bind(&version.matter.name)
                .bind(&version.matter.department)
                .bind(document)
                .bind(millis(at))
                .execute(&mut **transaction)
                .await?;
                Ok(())
            }

            async fn upsert_departments(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                departments: &[Department],
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                for department in departments {
                    sqlx::query(
                        "INSERT INTO departments (code, name, credit_code, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (code) DO UPDATE SET name = excluded.name, credit_code = excluded.credit_code, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(&department.code)
                    .bind(&department.name)
                    .bind(department.credit_code.as_str())
                    .bind(millis(at))
                    .execute(&mut **transaction)
                    .await
                    .map_err(|error| unique_to_conflict(error, "统一社会信用代码已被另一个部门使用"))?;
                }
                Ok(())
            }

            /// Inserts the next version of a matter; `expected_latest` guards against concurrent edits.
            async fn next_version(
                transaction: &mut sqlx::Transaction<'_, <$store as BackendDatabase>::Database>,
                version: &NewVersion,
                expected_latest: Option<Option<u32>>,
                at: DateTime<Utc>,
            ) -> StoreResult<u32> {
                let code = &version.matter.code;
                let current: Option<i64> = sqlx::query_scalar("SELECT latest_version FROM matters WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&mut **transaction)
                    .await?;
                let current = current.map(|value| u32::try_from(value).unwrap_or(u32::MAX));
                if let Some(expected) = expected_latest {
                    if expected != current {
                        return Err(StoreError::Conflict(match current {
                            Some(_) if expected.is_none() => format!("事项编码 {code} 已存在"),
                            Some(latest) => format!("事项 {code} 已被他人修改（现为第 {latest} 版），请刷新后重新编辑"),
                            None => format!("事项 {code} 不存在"),
                        }));
                    }
                }
                let number = match current {
                    None => {
                        sqlx::query("INSERT INTO matters (code, latest_version, created_at) VALUES ($1, 1, $2)")
                            .bind(code)
                            .bind(millis(at))
                            .execute(&mut **transaction)
                            .await
                            .map_err(|error| unique_to_conflict(error, &format!("事项编码 {code} 已存在")))?;
                        1
                    }
                    Some(latest) => {
                        let next = latest + 1;
                        let updated = sqlx::query("UPDATE matters SET latest_version = $1 WHERE code = $2 AND latest_version = $3")
                            .bind(i64::from(next))
                            .bind(code)
                            .bind(i64::from(latest))
                            .execute(&mut **transaction)
                            .await?;
                        if updated.rows_affected() != 1 {
                            return Err(StoreError::Conflict(format!("事项 {code} 已被他人修改，请刷新后重新编辑")));
                        }
                        next
                    }
                };
                Self::insert_version(transaction, version, number, at).await?;
                Ok(number)
            }
        }

        #[async_trait]
        impl CatalogStore for $store {
            async fn departments(&self) -> StoreResult<Vec<Department>> {
                let rows = sqlx::query("SELECT code, name, credit_code FROM departments ORDER BY code")
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter()
                    .map(|row| {
                        let credit_code: String = row.try_get("credit_code")?;
                        Ok(Department {
                            code: row.try_get("code")?,
                            name: row.try_get("name")?,
                            credit_code: CreditCode::parse(&credit_code).map_err(corrupt)?,
                        })
                    })
                    .collect()
            }

            async fn put_departments(&self, departments: &[Department], at: DateTime<Utc>) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                Self::upsert_departments(&mut transaction, departments, at).await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn add_matter_version(
                &self,
                version: &NewVersion,
                expected_latest: Option<u32>,
                at: DateTime<Utc>,
            ) -> StoreResult<u32> {
                let mut transaction = self.writer.begin().await?;
                let number = Self::next_version(&mut transaction, version, Some(expected_latest), at).await?;
                transaction.commit().await?;
                Ok(number)
            }

            async fn import_catalog(
                &self,
                departments: &[Department],
                versions: &[NewVersion],
                at: DateTime<Utc>,
            ) -> StoreResult<usize> {
                let mut transaction = self.writer.begin().await?;
                Self::upsert_departments(&mut transaction, departments, at).await?;
                for version in versions {
                    Self::next_version(&mut transaction, version, None, at).await?;
                }
                transaction.commit().await?;
                Ok(versions.len())
            }

            async fn matter_versions(&self, code: &str) -> StoreResult<Vec<MatterVersion>> {
                let rows = sqlx::query(&format!(
                    "SELECT {VERSION_COLUMNS} FROM matter_versions WHERE code = $1 ORDER BY version"
                ))
                .bind(code)
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(version_from_row).collect()
            }

            async fn latest_versions(&self) -> StoreResult<Vec<MatterVersion>> {
                let rows = sqlx::query(&format!(
                    "SELECT {VERSION_COLUMNS} FROM matter_versions v JOIN matters m \
                     ON m.code = v.code AND m.latest_version = v.version ORDER BY v.code"
                ))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(version_from_row).collect()
            }

            async fn versions_in_force(&self, today: NaiveDate) -> StoreResult<Vec<MatterVersion>> {
                let rows = sqlx::query(&format!(
                    "SELECT {VERSION_COLUMNS} FROM matter_versions v WHERE v.effective_date <= $1 AND NOT EXISTS ( \
                     SELECT 1 FROM matter_versions w WHERE w.code = v.code AND w.effective_date <= $1 AND \
                     (w.effective_date > v.effective_date OR (w.effective_date = v.effective_date AND w.version > v.version))) \
                     ORDER BY v.code"
                ))
                .bind(today.format("%Y-%m-%d").to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(version_from_row).collect()
            }

            async fn matter_count(&self) -> StoreResult<u64> {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM matters").fetch_one(&self.reader).await?;
                Ok(u64::try_from(count).unwrap_or(0))
            }
        }
    };
}

catalog_queries!(SqliteStore);
catalog_queries!(PostgresStore);
