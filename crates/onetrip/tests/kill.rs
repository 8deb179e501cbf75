//! A case acknowledged to the applicant survives `kill -9` of the server a moment later: the real binary,
//! killed right after it answered 201, then started again on the same database: a SQLite file, and a fresh
//! PostgreSQL schema when `ONETRIP_TEST_DATABASE_URL` is set (required with `ONETRIP_REQUIRE_POSTGRES=1`).

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

use serde_json::{json, Value};
use std::process::Command;

mod common;

use common::*;

/// Registers a case with a scanned material and takes a hall ticket, kills the server the moment it answers
/// 201 to the ticket, starts it again and finds the case, the material and the ticket.
fn survives_kill(database: &str, files: &Files) {
    create_window_user(database);

    let port = free_port();
    let mut server = serve(database, port, files);
    let scan = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let application = json!({
        "matter_code": "00013112700401",
        "applicant": { "kind": "natural_person", "id_number": "11010519491231002X", "name": "张三", "phone": "13912345678" },
        "supplied": ["provided"],
        "attachments": [{ "material": 0, "name": "身份证.pdf", "content_base64": base64_encode(scan) }],
    });
    let token_before = token(port);
    let (status, body) = request(port, "POST", "/api/v1/cases", Some(&token_before), Some(&application));
    // A ticket at the hall's kiosk, the last thing acknowledged before the crash.
    let (ticket_status, ticket_body) =
        request(port, "POST", "/api/v1/hall/centre/tickets", Some(&token_before), Some(&json!({ "zone": "bs" })));
    // The moment the visitor has the acknowledgement, the server dies without any chance to clean up.
    server.kill().expect("kill -9");
    server.wait().expect("reaped");
    assert_eq!(status, 201, "{body}");
    assert_eq!(ticket_status, 201, "{ticket_body}");
    let ticket =
        serde_json::from_str::<Value>(&ticket_body).expect("json")["number"].as_str().expect("number").to_string();
    let created = serde_json::from_str::<Value>(&body).expect("json");
    let number = created["number"].as_str().expect("number").to_string();
    let file = created["files"][0][0].as_str().expect("the material's file").to_string();

    let port = free_port();
    let mut server = serve(database, port, files);
    let token = token(port);
    let (status, body) = request(port, "GET", &format!("/api/v1/cases/{number}"), Some(&token), None);
    let (file_status, file_body) =
        request(port, "GET", &format!("/api/v1/cases/{number}/files/{file}"), Some(&token), None);
    let (ticket_after, ticket_page) =
        request(port, "GET", &format!("/api/v1/hall/centre/tickets/{ticket}"), None, None);
    server.kill().expect("stop");
    server.wait().expect("reaped");
    assert_eq!(status, 200, "the case is still there after the crash: {body}");
    assert!(body.contains("\"phase\":\"received\""), "{body}");
    assert_eq!(file_status, 200, "the material is still there after the crash");
    assert_eq!(file_body.as_bytes(), scan);
    assert_eq!(ticket_after, 200, "the ticket is still in the queue after the crash: {ticket_page}");
    assert!(ticket_page.contains("\"state\":\"waiting\""), "{ticket_page}");
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let value =
            chunk.iter().enumerate().fold(0u32, |value, (index, byte)| value | u32::from(*byte) << (16 - 8 * index));
        for index in 0..4 {
            if index <= chunk.len() {
                text.push(char::from(ALPHABET[(value >> (18 - 6 * index) & 63) as usize]));
            } else {
                text.push('=');
            }
        }
    }
    text
}

#[test]
fn an_acknowledged_case_survives_kill_minus_nine_on_sqlite() {
    let directory = tempfile::tempdir().expect("directory");
    survives_kill(
        &format!("sqlite://{}", directory.path().join("onetrip.sqlite").display()),
        &Files::Local(directory.path().join("files")),
    );
}

#[test]
fn an_acknowledged_case_survives_kill_minus_nine_on_postgres() {
    let Some(url) = std::env::var("ONETRIP_TEST_DATABASE_URL").ok().filter(|url| !url.is_empty()) else {
        assert!(
            std::env::var("ONETRIP_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "ONETRIP_REQUIRE_POSTGRES=1 but ONETRIP_TEST_DATABASE_URL is not set"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let schema = format!("kill_{}", std::process::id());
    // The schema is made (and migrated) here; the server is pointed at it through the URL.
    let store = runtime
        .block_on(onetrip_store::PostgresStore::connect(&url, Some(&schema)))
        .expect("cannot reach PostgreSQL at ONETRIP_TEST_DATABASE_URL");
    let separator = if url.contains('?') { '&' } else { '?' };
    // At scale, files go to an object store: the one the tests are given, else a folder.
    let folder = tempfile::tempdir().expect("directory");
    let files = match onetrip_store::testing::test_s3() {
        Some(config) => Files::S3(config),
        None => Files::Local(folder.path().to_path_buf()),
    };
    survives_kill(&format!("{url}{separator}options[search_path]={schema}"), &files);
    runtime.block_on(store.drop_schema(&schema)).expect("drop schema");
}

/// `onetrip backup` taken while the server is serving, then `onetrip restore` into a fresh folder: the
/// restored installation serves the same case with the same file, and a restore over existing data is
/// refused.
#[test]
fn a_backup_taken_while_serving_restores_into_a_fresh_folder() {
    let folder = tempfile::tempdir().expect("folder");
    let database = format!("sqlite://{}", folder.path().join("live.sqlite").display());
    let files = folder.path().join("files");
    create_window_user(&database);
    let port = free_port();
    let mut server = serve(&database, port, &Files::Local(files.clone()));
    let token = token(port);
    let scan = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let application = json!({
        "matter_code": "00013112700401",
        "applicant": { "kind": "natural_person", "id_number": "11010519491231002X", "name": "张三", "phone": "13912345678" },
        "supplied": ["provided"],
        "attachments": [{ "material": 0, "name": "身份证.pdf", "content_base64": base64_encode(scan) }],
    });
    let (status, body) = request(port, "POST", "/api/v1/cases", Some(&token), Some(&application));
    assert_eq!(status, 201, "{body}");
    let case: Value = serde_json::from_str(&body).expect("json");
    let number = case["number"].as_str().expect("number").to_string();
    let file = case["files"][0][0].as_str().expect("file id").to_string();

    let backup = folder.path().join("backup");
    let run = |args: &[&str], database: &str, files: &std::path::Path| {
        Command::new(BINARY)
            .args(args)
            .args(["--database", database])
            .env("ONETRIP_FILES_DIR", files)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run onetrip")
    };
    let backed_up = run(&["backup", "--to", backup.to_str().expect("utf-8")], &database, &files);
    assert!(backed_up.status.success(), "{}", String::from_utf8_lossy(&backed_up.stderr));
    assert!(
        String::from_utf8_lossy(&backed_up.stdout).contains("1 个办件"),
        "{}",
        String::from_utf8_lossy(&backed_up.stdout)
    );
    let _ = server.kill();
    let _ = server.wait();

    let restored_database = format!("sqlite://{}", folder.path().join("restored/onetrip.sqlite").display());
    let restored_files = folder.path().join("restored/files");
    let restored = run(&["restore", "--from", backup.to_str().expect("utf-8")], &restored_database, &restored_files);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    let verified = run(&["audit", "verify"], &restored_database, &restored_files);
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
    assert!(String::from_utf8_lossy(&verified.stdout).contains("历史记录完整"), "the restored history is intact");
    let again = run(&["restore", "--from", backup.to_str().expect("utf-8")], &restored_database, &restored_files);
    assert!(!again.status.success(), "a restore never overwrites");
    assert!(String::from_utf8_lossy(&again.stderr).contains("已存在"), "{}", String::from_utf8_lossy(&again.stderr));

    let port = free_port();
    let mut server = serve(&restored_database, port, &Files::Local(restored_files));
    let token = self::token(port);
    let (status, restored_case) = request(port, "GET", &format!("/api/v1/cases/{number}"), Some(&token), None);
    assert_eq!(status, 200, "{restored_case}");
    let restored_case: Value = serde_json::from_str(&restored_case).expect("json");
    for field in ["number", "matter_code", "phase", "received_at", "files", "supplied", "revision"] {
        assert_eq!(restored_case[field], case[field], "{field}");
    }
    let (status, bytes) = request(port, "GET", &format!("/api/v1/cases/{number}/files/{file}"), Some(&token), None);
    assert_eq!(status, 200);
    assert_eq!(bytes.as_bytes(), scan, "the file came back byte for byte");
    let _ = server.kill();
    let _ = server.wait();
}
