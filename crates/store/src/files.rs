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

/// Files on the local disk, one folder per day.
///
/// * A small file (at most [`PACKED_AT_MOST`] bytes, which is nearly every scanned form) is appended to the
///   process's pack for the day (`20261127/pack-<16 hex digits>`) behind a header with its random token and
///   length; its id is `20261127<32 hex token>-<pack>-<offset in hex>`. Packs are only ever appended to.
/// * A bigger file gets a file of its own under its own new name (`20261127/20261127<32 hex digits>`).
///
/// Either way the bytes are flushed to the disk before `put` returns and the database records the file, so
/// nothing ever refers to a file that is not whole; a crash half-way leaves bytes at the end of a pack or a
/// partial file that no id names. Flushing is the expensive part, so uploads that arrive while a flush is
/// under way share the next one (see [`Flushes`]): many applicants' small materials cost one flush of one pack
/// instead of one flush each. The random token in the id is checked against the pack's header, so an id
/// cannot be guessed from another one.
pub struct LocalFiles {
    root: PathBuf,
    flushes: Flushes,
    pack: Mutex<Option<Pack>>,
}

/// Files up to this size go into a pack.
pub const PACKED_AT_MOST: usize = 256 * 1024;
/// A pack that has grown to this size is closed and the next small file starts a new one.
const PACK_AT_MOST: u64 = 1 << 30;
const PACK_MAGIC: &[u8; 4] = b"OTPK";
const PACK_HEADER: usize = 4 + 16 + 8;

/// The pack this process appends to.
struct Pack {
    day: String,
    name: String,
    file: std::fs::File,
    end: u64,
}

enum FileId<'a> {
    Loose { day: &'a str },
    Packed { day: &'a str, token: &'a str, pack: &'a str, offset: u64 },
}

fn parse_id(id: &str) -> Result<FileId<'_>, FileError> {
    let hex = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    let head_valid =
        |head: &str| head.len() == 40 && head.bytes().take(8).all(|b| b.is_ascii_digit()) && hex(&head[8..]);
    let mut parts = id.split('-');
    let head = parts.next().unwrap_or_default();
    if !head_valid(head) {
        return Err(FileError::BadId);
    }
    match (parts.next(), parts.next(), parts.next()) {
        (None, _, _) => Ok(FileId::Loose { day: &head[..8] }),
        (Some(pack), Some(offset), None) if pack.len() == 16 && hex(pack) && offset.len() <= 12 && hex(offset) => {
            let offset = u64::from_str_radix(offset, 16).map_err(|_| FileError::BadId)?;
            Ok(FileId::Packed { day: &head[..8], token: &head[8..], pack, offset })
        }
        _ => Err(FileError::BadId),
    }
}

fn token_bytes(token: &str) -> Result<[u8; 16], FileError> {
    let mut bytes = [0u8; 16];
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(token.get(index * 2..index * 2 + 2).ok_or(FileError::BadId)?, 16)
            .map_err(|_| FileError::BadId)?;
    }
    Ok(bytes)
}

impl LocalFiles {
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, FileError> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root, flushes: Flushes::default(), pack: Mutex::new(None) })
    }

    /// Appends `bytes` to today's pack (starting one if needed); returns the new id and the pack's path.
    fn append(&self, day: String, bytes: &[u8]) -> Result<(String, PathBuf), FileError> {
        let token = uuid::Uuid::new_v4();
        let mut guard = self.pack.lock().map_err(io_error)?;
        let fresh = match guard.as_ref() {
            Some(pack) => pack.day != day || pack.end >= PACK_AT_MOST,
            None => true,
        };
        if fresh {
            let folder = self.root.join(&day);
            std::fs::create_dir_all(&folder)?;
            let name = format!("{:016x}", rand_u64());
            let file =
                std::fs::OpenOptions::new().append(true).create_new(true).open(folder.join(format!("pack-{name}")))?;
            // The pack's name is made durable once, when it is created; its contents at every `put`.
            std::fs::File::open(&folder)?.sync_all()?;
            *guard = Some(Pack { day: day.clone(), name, file, end: 0 });
        }
        let pack = guard.as_mut().ok_or(FileError::BadId)?;
        let mut record = Vec::with_capacity(PACK_HEADER + bytes.len());
        record.extend_from_slice(PACK_MAGIC);
        record.extend_from_slice(token.as_bytes());
        record.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        record.extend_from_slice(bytes);
        let offset = pack.end;
        if let Err(error) = pack.file.write_all(&record) {
            // Where the pack ends is no longer known: the next file starts a new pack.
            *guard = None;
            return Err(error.into());
        }
        pack.end += record.len() as u64;
        let id = format!("{day}{}-{}-{offset:x}", token.simple(), pack.name);
        Ok((id, self.root.join(&day).join(format!("pack-{}", pack.name))))
    }
}

/// Reads the file at `offset` in a pack, if its header carries `token`.
fn read_packed(path: &Path, token: [u8; 16], offset: u64) -> Result<Vec<u8>, FileError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Err(FileError::NotFound),
        Err(error) => return Err(error.into()),
    };
    let length = file.metadata()?.len();
    if offset.saturating_add(PACK_HEADER as u64) > length {
        return Err(FileError::NotFound);
    }
    file.seek(SeekFrom::Start(offset))?;
    let mut header = [0u8; PACK_HEADER];
    file.read_exact(&mut header)?;
    let size = u64::from_le_bytes(header[20..28].try_into().map_err(io_error)?);
    if &header[..4] != PACK_MAGIC || header[4..20] != token || size > PACKED_AT_MOST as u64 {
        return Err(FileError::NotFound);
    }
    if offset + PACK_HEADER as u64 + size > length {
        return Err(FileError::NotFound);
    }
    let mut bytes = vec![0u8; size as usize];
    file.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn rand_u64() -> u64 {
    let (high, _) = uuid::Uuid::new_v4().as_u64_pair();
    high
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

/// Flushes of files and folders, shared between the writes that wait for them. A write finished before a
/// flush starts is covered by it; a write finished while a flush is under way waits for the next one, which
/// it may share with every write finished in the meantime.
#[derive(Default)]
pub struct Flushes {
    paths: Mutex<HashMap<PathBuf, Arc<FlushState>>>,
}

#[derive(Default)]
struct FlushState {
    /// Writes finished so far (each takes the next number).
    written: AtomicU64,
    /// Every write numbered up to this is durable. Held across a flush, so that flushes take turns.
    flushed: tokio::sync::Mutex<u64>,
}

impl Flushes {
    /// Makes durable what has been written to `path` (a file, or a folder's names) up to now.
    async fn flush(&self, path: &Path) -> Result<(), FileError> {
        let state = {
            let mut paths = self.paths.lock().map_err(io_error)?;
            if paths.len() > 64 {
                // Old days' folders and packs are done with; a new state for one of them is one more flush.
                paths.clear();
            }
            paths.entry(path.to_path_buf()).or_default().clone()
        };
        let mine = state.written.fetch_add(1, Ordering::SeqCst) + 1;
        let mut flushed = state.flushed.lock().await;
        if *flushed >= mine {
            return Ok(());
        }
        // Every write numbered up to `target` is finished already, so this flush covers them all.
        let target = state.written.load(Ordering::SeqCst);
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || std::fs::File::open(&path).and_then(|handle| handle.sync_all()))
            .await
            .map_err(io_error)??;
        *flushed = target;
        Ok(())
    }
}

#[async_trait]
impl FileStore for LocalFiles {
    async fn put(&self, bytes: Vec<u8>) -> Result<String, FileError> {
        let day = chrono::Utc::now().format("%Y%m%d").to_string();
        if bytes.len() <= PACKED_AT_MOST {
            // Appending a small file goes to the page cache and takes microseconds; the flush is what waits.
            let (id, pack) = self.append(day, &bytes)?;
            self.flushes.flush(&pack).await?;
            return Ok(id);
        }
        let id = format!("{day}{}", uuid::Uuid::new_v4().simple());
        let path = self.root.join(&day).join(&id);
        let written = path.clone();
        tokio::task::spawn_blocking(move || write_file(&written, &bytes)).await.map_err(io_error)??;
        self.flushes.flush(path.parent().ok_or(FileError::BadId)?).await?;
        Ok(id)
    }

    async fn get(&self, id: &str) -> Result<Vec<u8>, FileError> {
        match parse_id(id)? {
            FileId::Loose { day } => match tokio::fs::read(self.root.join(day).join(id)).await {
                Ok(bytes) => Ok(bytes),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(FileError::NotFound),
                Err(error) => Err(FileError::Io(error)),
            },
            FileId::Packed { day, token, pack, offset } => {
                let path = self.root.join(day).join(format!("pack-{pack}"));
                let token = token_bytes(token)?;
                tokio::task::spawn_blocking(move || read_packed(&path, token, offset)).await.map_err(io_error)?
            }
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
        // Both went into one pack, and nothing else is left beside it.
        let leftovers = std::fs::read_dir(directory.path().join(&first[..8])).expect("dir").count();
        assert_eq!(leftovers, 1);
    }

    #[tokio::test]
    async fn a_big_file_has_a_file_of_its_own() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let files = LocalFiles::new(directory.path()).expect("file store");
        let big = vec![7u8; PACKED_AT_MOST + 1];
        let id = files.put(big.clone()).await.expect("put");
        assert_eq!(id.len(), 40);
        assert!(directory.path().join(&id[..8]).join(&id).is_file());
        assert_eq!(files.get(&id).await.expect("get"), big);
        let small = vec![1u8; PACKED_AT_MOST];
        let packed = files.put(small.clone()).await.expect("put");
        assert_eq!(files.get(&packed).await.expect("get"), small);
    }

    #[tokio::test]
    async fn a_packed_file_is_found_only_with_its_own_token_and_offset() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let files = LocalFiles::new(directory.path()).expect("file store");
        let first = files.put(b"first".to_vec()).await.expect("put");
        let second = files.put(b"second".to_vec()).await.expect("put");
        // The second's pack and offset with the first's token: the header does not match.
        let forged = format!("{}{}", &first[..40], &second[40..]);
        assert!(matches!(files.get(&forged).await, Err(FileError::NotFound)));
        // An offset in the middle of a record, or past the end.
        let (head, offset) = second.rsplit_once('-').expect("offset");
        let inside = format!("{head}-{:x}", u64::from_str_radix(offset, 16).expect("hex") + 3);
        assert!(matches!(files.get(&inside).await, Err(FileError::NotFound)));
        assert!(matches!(files.get(&format!("{head}-ffffff")).await, Err(FileError::NotFound)));
        assert!(matches!(files.get(&format!("{head}-FF")).await, Err(FileError::BadId)));
        assert!(matches!(files.get(&format!("{second}-1")).await, Err(FileError::BadId)));
        // A new process starts a new pack; the old ids still read.
        let reopened = LocalFiles::new(directory.path()).expect("file store");
        let third = reopened.put(b"third".to_vec()).await.expect("put");
        assert_ne!(third.split('-').nth(1), first.split('-').nth(1));
        assert_eq!(reopened.get(&first).await.expect("get"), b"first");
        assert_eq!(reopened.get(&third).await.expect("get"), b"third");
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
