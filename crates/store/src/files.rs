//! The file-storage layer: the bytes of uploaded materials and issued documents, under an unguessable id the
//! layer gives out. What is known about a file (owner, name, type, size, digest) is in the database
//! (`stored_files`); the bytes are here. [`LocalFiles`] keeps them on the local disk, the embedded default;
//! an S3-compatible object store can implement the same trait for deployments with several instances.

use async_trait::async_trait;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("file id is not valid")]
    BadId,
    #[error("file not found")]
    NotFound,
    #[error("file storage: {0}")]
    Io(#[from] std::io::Error),
}

/// Where file bytes are kept.
#[async_trait]
pub trait FileStore: Send + Sync {
    /// Stores `bytes` durably under a new id, and returns the id: when this returns, the bytes survive a crash.
    async fn put(&self, bytes: Vec<u8>) -> Result<String, FileError>;

    async fn get(&self, id: &str) -> Result<Vec<u8>, FileError>;
}

/// Files on the local disk, one folder per day (`20261127/20261127<32 random hex digits>`). Each file is
/// written under its own new name and flushed, and then its folder is flushed so that the name itself is
/// durable, all before the database records it: nothing ever refers to a file that is not whole.
///
/// Flushing a folder is the expensive part, and every upload of a day shares one folder: uploads that
/// arrive while a flush is under way share the next flush (see [`FolderFlushes`]).
pub struct LocalFiles {
    root: PathBuf,
    flushes: FolderFlushes,
}

impl LocalFiles {
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, FileError> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root, flushes: FolderFlushes::default() })
    }

    fn path(&self, id: &str) -> Result<PathBuf, FileError> {
        let valid = id.len() == 40
            && id.bytes().take(8).all(|b| b.is_ascii_digit())
            && id.bytes().skip(8).all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(FileError::BadId);
        }
        Ok(self.root.join(&id[0..8]).join(id))
    }
}

fn io_error(error: impl std::fmt::Display) -> FileError {
    FileError::Io(std::io::Error::other(error.to_string()))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let folder = path.parent().ok_or(FileError::BadId)?;
    std::fs::create_dir_all(folder)?;
    // Ids are new, so the file is created under its own name: a crash half-way leaves a partial file that
    // nothing refers to (the database row that would name it is written only after `put` returns).
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

/// Flushes of folders, shared between the files that wait for them. A file created before a flush starts is
/// covered by it; a file created while a flush is under way waits for the next one, which it may share with
/// every file created in the meantime.
#[derive(Default)]
pub struct FolderFlushes {
    folders: Mutex<HashMap<PathBuf, Arc<FolderState>>>,
}

#[derive(Default)]
struct FolderState {
    /// Files created in this folder so far (each takes the next number).
    created: AtomicU64,
    /// Every file numbered up to this is durable. Held across a flush, so that flushes take turns.
    flushed: tokio::sync::Mutex<u64>,
}

impl FolderFlushes {
    /// Makes the names of `folder` durable up to the file just created there.
    async fn flush(&self, folder: &Path) -> Result<(), FileError> {
        let state = {
            let mut folders = self.folders.lock().map_err(io_error)?;
            if folders.len() > 64 {
                // Old days' folders are done with; a new state for one of them is merely one more flush.
                folders.clear();
            }
            folders.entry(folder.to_path_buf()).or_default().clone()
        };
        let mine = state.created.fetch_add(1, Ordering::SeqCst) + 1;
        let mut flushed = state.flushed.lock().await;
        if *flushed >= mine {
            return Ok(());
        }
        // Every file numbered up to `target` exists already, so this flush covers them all.
        let target = state.created.load(Ordering::SeqCst);
        let folder = folder.to_path_buf();
        tokio::task::spawn_blocking(move || std::fs::File::open(&folder).and_then(|handle| handle.sync_all()))
            .await
            .map_err(io_error)??;
        *flushed = target;
        Ok(())
    }
}

#[async_trait]
impl FileStore for LocalFiles {
    async fn put(&self, bytes: Vec<u8>) -> Result<String, FileError> {
        let id = format!("{}{}", chrono::Utc::now().format("%Y%m%d"), uuid::Uuid::new_v4().simple());
        let path = self.path(&id)?;
        let written = path.clone();
        tokio::task::spawn_blocking(move || write_file(&written, &bytes)).await.map_err(io_error)??;
        self.flushes.flush(path.parent().ok_or(FileError::BadId)?).await?;
        Ok(id)
    }

    async fn get(&self, id: &str) -> Result<Vec<u8>, FileError> {
        let path = self.path(id)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(bytes),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(FileError::NotFound),
            Err(error) => Err(FileError::Io(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_come_back_as_they_were_stored_under_new_ids() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let files = LocalFiles::new(directory.path()).expect("file store");
        let first = files.put(b"%PDF-1.4 bytes".to_vec()).await.expect("put");
        let second = files.put(b"other bytes".to_vec()).await.expect("put");
        assert_ne!(first, second);
        assert_eq!(files.get(&first).await.expect("get"), b"%PDF-1.4 bytes");
        assert_eq!(files.get(&second).await.expect("get"), b"other bytes");
        let missing = format!("{}{}", &first[..8], "0".repeat(32));
        assert!(matches!(files.get(&missing).await, Err(FileError::NotFound)));
        // Nothing else is left beside the files.
        let leftovers = std::fs::read_dir(directory.path().join(&first[..8])).expect("dir").count();
        assert_eq!(leftovers, 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_files_at_once_are_all_kept() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let files = Arc::new(LocalFiles::new(directory.path()).expect("file store"));
        let mut tasks = Vec::new();
        for index in 0..32u8 {
            let files = files.clone();
            tasks.push(tokio::spawn(async move { (index, files.put(vec![index; 100]).await.expect("put")) }));
        }
        for task in tasks {
            let (index, id) = task.await.expect("task");
            assert_eq!(files.get(&id).await.expect("get"), vec![index; 100]);
        }
    }

    #[tokio::test]
    async fn ids_cannot_climb_out_of_the_folder() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let files = LocalFiles::new(directory.path()).expect("file store");
        assert!(matches!(files.get("../../etc/passwd").await, Err(FileError::BadId)));
        assert!(matches!(files.get("20261127/../../../../etc/passwd/aaaaaaaa").await, Err(FileError::BadId)));
    }
}
