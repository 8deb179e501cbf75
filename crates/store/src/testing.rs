//! Test support shared by every suite that needs a store: a fresh SQLite file, and a fresh PostgreSQL schema
//! when `ONETRIP_TEST_DATABASE_URL` is set. With `ONETRIP_REQUIRE_POSTGRES=1` (as CI sets it) a missing or
//! unreachable PostgreSQL fails the test instead of being left out.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use crate::store::Store;
use std::sync::Arc;

/// A store for one test, and what to clean up afterwards.
pub struct TestStore {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    raw: Raw,
    cleanup: Cleanup,
    /// The SQLite file's path, or the PostgreSQL URL (with the schema in `cleanup`).
    location: String,
}

/// The backend itself, for tests that set data up as an older build wrote it.
enum Raw {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

enum Cleanup {
    Directory(#[allow(dead_code)] tempfile::TempDir),
    Schema(PostgresStore, String),
}

impl TestStore {
    /// Runs one SQL statement directly on the database (a test writing what an older build would have).
    pub async fn execute(&self, sql: &str) {
        match &self.raw {
            Raw::Sqlite(store) => sqlx::query(sql).execute(&store.writer).await.map(drop),
            Raw::Postgres(store) => sqlx::query(sql).execute(&store.writer).await.map(drop),
        }
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    }

    /// The first column of the first row of a query, as text, read directly from the database.
    pub async fn text(&self, sql: &str) -> String {
        match &self.raw {
            Raw::Sqlite(store) => sqlx::query_scalar::<_, String>(sql).fetch_one(&store.writer).await,
            Raw::Postgres(store) => sqlx::query_scalar::<_, String>(sql).fetch_one(&store.writer).await,
        }
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// The same database opened again, as a restarted process opens it (migrations and start-up checks run).
    pub async fn reopen(&self) -> Arc<dyn Store> {
        match &self.cleanup {
            Cleanup::Directory(_) => Arc::new(SqliteStore::open(&self.location).await.expect("reopen SQLite")),
            Cleanup::Schema(_, schema) => {
                Arc::new(PostgresStore::connect(&self.location, Some(schema)).await.expect("reconnect PostgreSQL"))
            }
        }
    }

    /// Drops the PostgreSQL schema; the SQLite directory goes when this value is dropped.
    pub async fn finish(self) {
        if let Cleanup::Schema(store, schema) = self.cleanup {
            let _ = store.drop_schema(&schema).await;
        }
    }
}

fn postgres_url() -> Option<String> {
    let url = std::env::var("ONETRIP_TEST_DATABASE_URL").ok().filter(|url| !url.is_empty());
    if url.is_none() && std::env::var("ONETRIP_REQUIRE_POSTGRES").as_deref() == Ok("1") {
        panic!("ONETRIP_REQUIRE_POSTGRES=1 but ONETRIP_TEST_DATABASE_URL is not set");
    }
    url
}

/// One fresh store per backend available here: SQLite always, PostgreSQL when configured.
pub async fn test_stores() -> Vec<TestStore> {
    let mut stores = Vec::new();
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = directory.path().join("onetrip.sqlite");
    let location = path.to_str().expect("utf-8 path").to_string();
    let sqlite = SqliteStore::open(&location).await.expect("open SQLite");
    stores.push(TestStore {
        name: "sqlite",
        store: Arc::new(sqlite.clone()),
        raw: Raw::Sqlite(sqlite),
        cleanup: Cleanup::Directory(directory),
        location,
    });
    if let Some(url) = postgres_url() {
        let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
        let postgres = PostgresStore::connect(&url, Some(&schema))
            .await
            .unwrap_or_else(|error| panic!("cannot reach PostgreSQL at ONETRIP_TEST_DATABASE_URL: {error}"));
        stores.push(TestStore {
            name: "postgres",
            store: Arc::new(postgres.clone()),
            raw: Raw::Postgres(postgres.clone()),
            cleanup: Cleanup::Schema(postgres, schema),
            location: url,
        });
    }
    stores
}

/// The S3-compatible object store for tests (`scripts/s3-test-server.sh` starts one and prints these
/// variables), when `ONETRIP_TEST_S3_*` is set. With `ONETRIP_REQUIRE_S3=1`, as CI sets it, a missing one fails.
pub fn test_s3() -> Option<crate::s3::S3Config> {
    let variable = |name: &str| std::env::var(format!("ONETRIP_TEST_S3_{name}")).ok().filter(|value| !value.is_empty());
    let config = (|| {
        Some(crate::s3::S3Config {
            endpoint: variable("ENDPOINT")?,
            bucket: variable("BUCKET")?,
            region: variable("REGION").unwrap_or_else(|| "us-east-1".to_string()),
            access_key: variable("ACCESS_KEY")?,
            secret_key: variable("SECRET_KEY")?,
        })
    })();
    if config.is_none() && std::env::var("ONETRIP_REQUIRE_S3").as_deref() == Ok("1") {
        panic!("ONETRIP_REQUIRE_S3=1 but ONETRIP_TEST_S3_ENDPOINT/BUCKET/ACCESS_KEY/SECRET_KEY are not set");
    }
    config
}

/// The file store to pair with a test store: on PostgreSQL (the deployment at scale) the S3-compatible object
/// store when one is configured, otherwise files in `folder`.
pub fn test_files(backend: &str, folder: &std::path::Path) -> Arc<dyn crate::files::FileStore> {
    match (backend, test_s3()) {
        ("postgres", Some(config)) => Arc::new(crate::s3::S3Files::new(config).expect("S3 configuration")),
        _ => Arc::new(crate::files::LocalFiles::new(folder).expect("file store")),
    }
}
