//! An event committed but not yet delivered survives `kill -9`: a department system subscribes a real
//! webhook receiver, which is down while a case is registered; the server is killed the moment it answered
//! 201; started again, it delivers the case's event, signed (the receiver checks it), and the feed shows
//! the same events at the same positions. On SQLite, and on PostgreSQL when configured.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

struct Receiver {
    child: Child,
    folder: PathBuf,
    url: String,
}

impl Receiver {
    fn start(folder: &Path) -> Self {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-servers/webhook_receiver.py");
        let path = |name: &str| folder.join(name).display().to_string();
        let child = Command::new("python3")
            .arg(script)
            .args([path("port"), path("log"), path("mode"), path("secret")])
            .spawn()
            .expect("python3 starts the receiver");
        let deadline = Instant::now() + Duration::from_secs(10);
        let port = loop {
            if let Ok(port) = std::fs::read_to_string(folder.join("port")) {
                break port;
            }
            assert!(Instant::now() < deadline, "the receiver did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        Self { child, folder: folder.to_path_buf(), url: format!("http://127.0.0.1:{}/hook", port.trim()) }
    }

    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(self.folder.join("log"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("JSON line"))
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn events(port: u16, key: &str) -> Vec<Value> {
    let (status, body) = request(port, "GET", "/api/v1/events?after=0&limit=500", Some(key), None);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body).expect("json")["events"].as_array().expect("events").clone()
}

fn delivered_after_restart(database: &str) {
    let folder = tempfile::tempdir().expect("folder");
    let files = Files::Local(folder.path().join("files"));
    create_window_user(database);
    create_user(database, "market-system", "department_system,reviewer", Some("scjgj"), "market-system-password-1");
    let key = issue_key(database, "market-system");
    let receiver = Receiver::start(folder.path());
    std::fs::write(folder.path().join("mode"), "fail").expect("mode");
    let environment = [("ONETRIP_WEBHOOK_PRIVATE_TARGETS", "1")];

    let port = free_port();
    let mut server = serve_with(database, port, &files, &environment);
    let (status, body) =
        request(port, "POST", "/api/v1/webhooks", Some(&key), Some(&json!({ "url": receiver.url, "after": 0 })));
    assert_eq!(status, 201, "{body}");
    let secret = serde_json::from_str::<Value>(&body).expect("json")["secret"].as_str().expect("secret").to_string();
    std::fs::write(folder.path().join("secret"), &secret).expect("secret");
    let window = token(port);
    let application = json!({
        "matter_code": "00013112700401",
        "applicant": { "kind": "natural_person", "id_number": "11010519491231002X", "name": "张三", "phone": "13912345678" },
        "supplied": ["provided"],
    });
    let (status, body) = request(port, "POST", "/api/v1/cases", Some(&window), Some(&application));
    server.kill().expect("kill -9");
    server.wait().expect("reaped");
    assert_eq!(status, 201, "{body}");
    let number = serde_json::from_str::<Value>(&body).expect("json")["number"].as_str().expect("number").to_string();
    let compact: String = number.chars().filter(|c| *c != '-').collect();
    assert!(
        !receiver.requests().iter().any(|request| request["mode"] == "ok"),
        "nothing was acknowledged before the crash"
    );

    // The receiver is back, and so is the server: the event committed before the crash arrives.
    std::fs::write(folder.path().join("mode"), "ok").expect("mode");
    let port = free_port();
    let mut server = serve_with(database, port, &files, &environment);
    let deadline = Instant::now() + Duration::from_secs(30);
    let delivered = loop {
        let found = receiver.requests().into_iter().find(|request| {
            request["mode"] == "ok" && request["body"].as_str().is_some_and(|body| body.contains(&compact))
        });
        if let Some(found) = found {
            break found;
        }
        if Instant::now() > deadline {
            let _ = server.kill();
            let _ = server.wait();
            panic!("the case's event was not delivered after the restart: {:?}", receiver.requests());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let feed = events(port, &key);
    server.kill().expect("stop");
    server.wait().expect("reaped");
    assert_eq!(delivered["verified"], true, "signed with the subscription's secret, fresh timestamp");
    let body: Value = serde_json::from_str(delivered["body"].as_str().expect("body")).expect("json");
    assert_eq!(body["type"], "cn.onetrip.case.submit");
    let event = feed.iter().find(|event| event["id"] == body["id"]).expect("the same event in the feed");
    assert_eq!(event["position"], body["position"], "the same position after the restart");
}

#[test]
fn an_event_committed_before_kill_minus_nine_is_delivered_after_restart_on_sqlite() {
    let directory = tempfile::tempdir().expect("directory");
    delivered_after_restart(&format!("sqlite://{}", directory.path().join("onetrip.sqlite").display()));
}

#[test]
fn an_event_committed_before_kill_minus_nine_is_delivered_after_restart_on_postgres() {
    let Some(url) = std::env::var("ONETRIP_TEST_DATABASE_URL").ok().filter(|url| !url.is_empty()) else {
        assert!(
            std::env::var("ONETRIP_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "ONETRIP_REQUIRE_POSTGRES=1 but ONETRIP_TEST_DATABASE_URL is not set"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let schema = format!("webhooks_{}", std::process::id());
    let store = runtime
        .block_on(onetrip_store::PostgresStore::connect(&url, Some(&schema)))
        .expect("cannot reach PostgreSQL at ONETRIP_TEST_DATABASE_URL");
    let separator = if url.contains('?') { '&' } else { '?' };
    delivered_after_restart(&format!("{url}{separator}options[search_path]={schema}"));
    runtime.block_on(store.drop_schema(&schema)).expect("drop schema");
}
