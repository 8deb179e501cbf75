//! The file-storage layer's contract, on the local disk and on an S3-compatible object store.
//!
//! The object store is the one `scripts/s3-test-server.sh` starts (it checks request signatures); its address
//! and key come from `ONETRIP_TEST_S3_*`. With `ONETRIP_REQUIRE_S3=1`, as CI sets it, a missing store fails.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

use onetrip_store::files::{FileError, FileStore, LocalFiles};
use onetrip_store::s3::{S3Config, S3Files};
use std::sync::Arc;

fn s3_config() -> Option<S3Config> {
    let config = onetrip_store::testing::test_s3();
    if config.is_none() {
        eprintln!("S3 file-store tests not run: ONETRIP_TEST_S3_* not set (see scripts/s3-test-server.sh)");
    }
    config
}

/// What every file store promises: the bytes come back as stored, under new ids; unknown and malformed ids
/// are told apart; many stores at once lose nothing.
async fn contract(files: Arc<dyn FileStore>, big: usize) {
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    let first = files.put(pdf.clone()).await.expect("put");
    let second = files.put(pdf.clone()).await.expect("put");
    assert_ne!(first, second, "every file gets a new id");
    assert_eq!(files.get(&first).await.expect("get"), pdf);
    let large: Vec<u8> = (0..big).map(|index| (index % 251) as u8).collect();
    let large_id = files.put(large.clone()).await.expect("put a big file");
    assert_eq!(files.get(&large_id).await.expect("get a big file"), large);
    let empty = files.put(Vec::new()).await.expect("put an empty file");
    assert_eq!(files.get(&empty).await.expect("get an empty file"), Vec::<u8>::new());

    let unknown = format!("{}{}", &first[..8], "0".repeat(32));
    assert!(matches!(files.get(&unknown).await, Err(FileError::NotFound)), "an unknown id is not found");
    for malformed in ["../../etc/passwd", "", "2026112700000000000000000000000000000000/x", "ABC"] {
        assert!(matches!(files.get(malformed).await, Err(FileError::BadId)), "{malformed:?} is not an id");
    }

    let mut tasks = Vec::new();
    for index in 0..24u8 {
        let files = files.clone();
        tasks.push(tokio::spawn(async move { (index, files.put(vec![index; 1000]).await.expect("put")) }));
    }
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let (index, id) = task.await.expect("task");
        assert_eq!(files.get(&id).await.expect("get"), vec![index; 1000]);
        assert!(ids.insert(id));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_files_keep_the_contract() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let files = LocalFiles::new(directory.path()).expect("file store");
    contract(Arc::new(files), 3 * onetrip_store::files::PACKED_AT_MOST).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_files_keep_the_contract() {
    let Some(config) = s3_config() else { return };
    let files = S3Files::new(config).expect("S3 configuration");
    contract(Arc::new(files), 3 * 1024 * 1024).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_object_store_refuses_a_wrong_key_and_nothing_is_stored() {
    let Some(config) = s3_config() else { return };
    let good = S3Files::new(config.clone()).expect("S3 configuration");
    let stored = good.put(b"kept".to_vec()).await.expect("put");
    let wrong = S3Files::new(S3Config { secret_key: format!("{}x", config.secret_key), ..config.clone() })
        .expect("S3 configuration");
    let refused = wrong.put(b"not kept".to_vec()).await.expect_err("a wrong key is refused");
    let message = refused.to_string();
    assert!(message.contains("403") || message.contains("SignatureDoesNotMatch"), "{message}");
    assert!(!message.contains(&config.secret_key), "the key is not in the message");
    assert!(wrong.get(&stored).await.is_err(), "nor can it read");
    let missing_bucket =
        S3Files::new(S3Config { bucket: "no-such-bucket-here".into(), ..config }).expect("S3 configuration");
    assert!(missing_bucket.put(b"x".to_vec()).await.is_err());
    assert_eq!(good.get(&stored).await.expect("get"), b"kept");
}
