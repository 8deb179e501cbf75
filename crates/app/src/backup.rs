//! Backups of a SQLite installation, taken while it serves: a consistent copy of the database
//! (`VACUUM INTO`), the folder of uploaded files, and a manifest of what they hold; and the restore of such a
//! backup into a new place, checked against the manifest. PostgreSQL is backed up with `pg_dump` and an
//! S3 store by the object store's own versioning (docs/operations.md).

use crate::app::App;
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DATABASE_FILE: &str = "onetrip.sqlite";
pub const FILES_FOLDER: &str = "files";
pub const MANIFEST_FILE: &str = "manifest.json";

/// What a backup holds, written beside it and checked on restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub created_at: String,
    pub cases: u64,
    pub case_events: u64,
    pub audit_events: u64,
    /// Files of the uploaded-files folder and their bytes.
    pub files: u64,
    pub file_bytes: u64,
}

fn io<'a>(what: &'a str, path: &'a Path) -> impl Fn(std::io::Error) -> AppError + 'a {
    move |error| AppError::Internal(format!("{what} {}: {error}", path.display()))
}

/// Copies a folder tree; returns how many files and bytes it copied.
fn copy_tree(from: &Path, to: &Path) -> AppResult<(u64, u64)> {
    std::fs::create_dir_all(to).map_err(io("cannot create", to))?;
    let (mut files, mut bytes) = (0, 0);
    for entry in std::fs::read_dir(from).map_err(io("cannot read", from))? {
        let entry = entry.map_err(io("cannot read", from))?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(io("cannot read", &entry.path()))?;
        if kind.is_dir() {
            let (more_files, more_bytes) = copy_tree(&entry.path(), &target)?;
            files += more_files;
            bytes += more_bytes;
        } else if kind.is_file() {
            bytes += std::fs::copy(entry.path(), &target).map_err(io("cannot copy", &entry.path()))?;
            files += 1;
        }
    }
    Ok((files, bytes))
}

fn is_empty_or_missing(path: &Path) -> bool {
    std::fs::read_dir(path).map(|mut entries| entries.next().is_none()).unwrap_or(true)
}

/// Backs the running installation up into the new folder `to`: the database, then the files folder (files
/// are only ever added, under new names, so a file the copied database names is in the copied folder).
pub async fn backup(app: &App, files_dir: &Path, to: &Path) -> AppResult<Manifest> {
    if !is_empty_or_missing(to) {
        return Err(AppError::field("to", format!("备份目录 {} 已有内容，请换一个新目录", to.display())));
    }
    std::fs::create_dir_all(to).map_err(io("cannot create", to))?;
    let database = to.join(DATABASE_FILE);
    app.store.backup_into(&database).await.map_err(|error| match error {
        onetrip_store::StoreError::Unsupported(message) => AppError::field("database", message),
        other => other.into(),
    })?;
    let (cases, case_events, audit_events) = backup_counts(&database).await?;
    let (files, file_bytes) = if files_dir.exists() { copy_tree(files_dir, &to.join(FILES_FOLDER))? } else { (0, 0) };
    let manifest = Manifest {
        created_at: app.now().with_timezone(&app.config.utc_offset).to_rfc3339(),
        cases,
        case_events,
        audit_events,
        files,
        file_bytes,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|error| AppError::Internal(error.to_string()))?;
    let manifest_path = to.join(MANIFEST_FILE);
    std::fs::write(&manifest_path, text).map_err(io("cannot write", &manifest_path))?;
    tracing::info!(cases, files, "backup written");
    Ok(manifest)
}

/// What the copied database holds (counted in the copy, not in the live database that moved on).
async fn backup_counts(database: &Path) -> AppResult<(u64, u64, u64)> {
    let url = format!("sqlite://{}", database.display());
    let copy = onetrip_store::open(&url).await.map_err(|error| AppError::Internal(format!("backup copy: {error}")))?;
    Ok(copy.counts().await?)
}

/// Restores a backup folder into a database file and a files folder that must not exist yet (or be empty),
/// then opens the restored database and checks it holds what the manifest says.
pub async fn restore(from: &Path, database: &Path, files_dir: &Path) -> AppResult<Manifest> {
    let manifest_path = from.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest_path).map_err(io("cannot read", &manifest_path))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|error| AppError::field("from", format!("备份清单无法读取：{error}")))?;
    if database.exists() {
        return Err(AppError::field("database", format!("{} 已存在；恢复只写入新的数据库文件", database.display())));
    }
    if !is_empty_or_missing(files_dir) {
        return Err(AppError::field("files", format!("文件目录 {} 已有内容；恢复只写入空目录", files_dir.display())));
    }
    if let Some(parent) = database.parent() {
        std::fs::create_dir_all(parent).map_err(io("cannot create", parent))?;
    }
    let source = from.join(DATABASE_FILE);
    std::fs::copy(&source, database).map_err(io("cannot copy", &source))?;
    let files_source: PathBuf = from.join(FILES_FOLDER);
    let (files, file_bytes) = if files_source.exists() { copy_tree(&files_source, files_dir)? } else { (0, 0) };
    let (cases, case_events, audit_events) = backup_counts(database).await?;
    let restored =
        Manifest { created_at: manifest.created_at.clone(), cases, case_events, audit_events, files, file_bytes };
    if restored != manifest {
        return Err(AppError::Internal(format!(
            "restored copy differs from the manifest: {restored:?} vs {manifest:?}"
        )));
    }
    Ok(restored)
}
