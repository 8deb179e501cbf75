//! The settings queries, written once in the SQL both backends understand and implemented for each.

use super::common::*;
use crate::error::StoreResult;
use crate::postgres::PostgresStore;
use crate::settings::*;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::calendar::CalendarEntry;
use sqlx::Row;

macro_rules! settings_queries {
    ($store:ty) => {
        #[async_trait]
        impl CalendarStore for $store {
            async fn calendar_entries(&self) -> StoreResult<Vec<CalendarEntry>> {
                let rows = sqlx::query("SELECT day, kind, name, notice_year FROM calendar_days ORDER BY day")
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter()
                    .map(|row| {
                        let day: String = row.try_get("day")?;
                        let kind: String = row.try_get("kind")?;
                        let notice_year: i64 = row.try_get("notice_year")?;
                        Ok(CalendarEntry {
                            date: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(corrupt)?,
                            kind: day_kind(&kind)?,
                            name: row.try_get("name")?,
                            notice_year: i32::try_from(notice_year).map_err(corrupt)?,
                        })
                    })
                    .collect()
            }

            async fn replace_notice(&self, notice_year: i32, entries: &[CalendarEntry]) -> StoreResult<()> {
                let mut transaction = self.writer.begin().await?;
                sqlx::query("DELETE FROM calendar_days WHERE notice_year = $1")
                    .bind(i64::from(notice_year))
                    .execute(&mut *transaction)
                    .await?;
                for entry in entries {
                    sqlx::query(
                        "INSERT INTO calendar_days (day, kind, name, notice_year) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, \
                         notice_year = excluded.notice_year",
                    )
                    .bind(entry.date.format("%Y-%m-%d").to_string())
                    .bind(entry.kind.code())
                    .bind(&entry.name)
                    .bind(i64::from(notice_year))
                    .execute(&mut *transaction)
                    .await?;
                }
                transaction.commit().await?;
                Ok(())
            }
        }

        #[async_trait]
        impl SettingStore for $store {
            async fn setting(&self, name: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.reader)
                    .await?)
            }

            async fn put_setting(&self, name: &str, value: &str, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(name)
                .bind(value)
                .bind(millis(at))
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn add_setting(&self, name: &str, value: &str, at: DateTime<Utc>) -> StoreResult<bool> {
                let added = sqlx::query(
                    "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
                )
                .bind(name)
                .bind(value)
                .bind(millis(at))
                .execute(&self.writer)
                .await?;
                Ok(added.rows_affected() == 1)
            }
        }
    };
}

settings_queries!(SqliteStore);
settings_queries!(PostgresStore);
