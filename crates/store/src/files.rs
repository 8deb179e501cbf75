//! The file-storage layer: the bytes of uploaded materials and issued documents, under an unguessable id.
//! What is known about a file (owner, name, type, size, digest) is in the database (`stored_files`); the
//! bytes are here. [`LocalFiles`] keeps them on the local disk, the embedded default; an S3-compatible
//! object store can implement the same trait for deployments with several instances.

use async_trait::async_trait;
use std::io::Write;
use std::path::{Path, PathBuf};

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
    /// Stores `bytes` under `id` durably: when this returns, the bytes survive a crash.
    async fn put(&self, id: &str, bytes: Vec<u8>) -> Result<(), FileError>;

    async fn get(&self, id: &str) -> Result<Vec<u8>, FileError>;
}

/// Files on the local disk, two directory levels deep (`ab/cd/abcd…`), each written to a temporary file,
/// flushed, and renamed into place, so that a reader never sees half a file.
pub struct LocalFiles {
    root: PathBuf,
}

impl LocalFiles {
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, FileError> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    fn path(&self, id: &str) -> Result<PathBuf, FileError> {
        if id.len() < 8 || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(FileError::BadId);
        }
        Ok(self.root.join(&id[0..2]).join(&id[2..4]).join(id))
    }
}

fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let directory = path.parent().ok_or(FileError::BadId)?;
    std::fs::create_dir_all(directory)?;
    let mut temporary = tempfile_in(directory)?;
    temporary.1.write_all(bytes)?;
    temporary.1.sync_all()?;
    std::fs::rename(&temporary.0, path)?;
    // The rename is durable once the directory itself is flushed.
    std::fs::File::open(directory)?.sync_all()?;
    Ok(())
}

fn tempfile_in(directory: &Path) -> Result<(PathBuf, std::fs::File), FileError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = format!(".upload-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    let path = directory.join(name);
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
    Ok((path, file))
}

#[async_trait]
impl FileStore for LocalFiles {
    async fn put(&self, id: &str, bytes: Vec<u8>) -> Result<(), FileError> {
        let path = self.path(id)?;
        tokio::task::spawn_blocking(move || write_durably(&path, &bytes))
            .await
            .map_err(|error| FileError::Io(std::io::Error::other(error.to_string())))?
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
    async fn files_come_back_as_they_were_stored() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let files = LocalFiles::new(directory.path()).expect("file store");
        files.put("abcdef0123456789", b"%PDF-1.4 bytes".to_vec()).await.expect("put");
        assert_eq!(files.get("abcdef0123456789").await.expect("get"), b"%PDF-1.4 bytes");
        assert!(matches!(files.get("0000000000000000").await, Err(FileError::NotFound)));
        // Nothing half-written is left beside the file.
        let leftovers = std::fs::read_dir(directory.path().join("ab").join("cd")).expect("dir").count();
        assert_eq!(leftovers, 1);
    }

    #[tokio::test]
    async fn ids_cannot_climb_out_of_the_folder() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let files = LocalFiles::new(directory.path()).expect("file store");
        assert!(matches!(files.get("../../etc/passwd").await, Err(FileError::BadId)));
        assert!(matches!(files.put("ab/../../x", Vec::new()).await, Err(FileError::BadId)));
    }
}
