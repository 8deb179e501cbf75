//! Uploaded materials: checked by their content (PDF, JPEG or PNG, whole, at most 5 MB), their bytes kept
//! durably in the file-storage layer before anything refers to them, their facts in the database.

use crate::app::App;
use crate::error::{AppError, AppResult};
use onetrip_domain::actor::Actor;
use onetrip_domain::upload;
use onetrip_store::StoredFile;
use sha2::{Digest, Sha256};

/// Checks an upload by its content and stores its bytes durably; returns what the database is to record
/// (the caller records it, possibly in the same transaction as the case it belongs to).
pub async fn put(app: &App, owner: &str, name: &str, bytes: Vec<u8>) -> AppResult<StoredFile> {
    let kind = upload::sniff(&bytes).map_err(|error| AppError::field("file", error.to_string()))?;
    let size = bytes.len() as u64;
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let id = app.files.put(bytes).await.map_err(|error| AppError::Internal(error.to_string()))?;
    Ok(StoredFile {
        id,
        owner: owner.to_string(),
        name: upload::clean_file_name(name),
        kind: kind.code().to_string(),
        size,
        sha256,
        created_at: app.now(),
    })
}

/// Checks and keeps an upload, its facts recorded at once; returns its id.
pub async fn store(app: &App, owner: &str, name: &str, bytes: Vec<u8>) -> AppResult<String> {
    let file = put(app, owner, name, bytes).await?;
    app.store.add_file(&file).await?;
    Ok(file.id)
}

/// The bytes of a stored file.
pub async fn bytes(app: &App, file: &StoredFile) -> AppResult<Vec<u8>> {
    app.files.get(&file.id).await.map_err(|error| AppError::Internal(error.to_string()))
}

/// What is known of some stored files, in the order asked (unknown ids left out).
pub async fn facts(app: &App, ids: &[String]) -> AppResult<Vec<StoredFile>> {
    let mut files = Vec::new();
    for id in ids {
        if let Some(file) = app.store.file(id).await? {
            files.push(file);
        }
    }
    Ok(files)
}

/// A file the actor uploaded themself; any other is "not found".
pub async fn own(app: &App, actor: &Actor, id: &str) -> AppResult<(StoredFile, Vec<u8>)> {
    let file = app
        .store
        .file(id)
        .await?
        .filter(|file| file.owner == actor.owner_tag())
        .ok_or_else(|| AppError::NotFound("这个文件".to_string()))?;
    let bytes = bytes(app, &file).await?;
    Ok((file, bytes))
}
