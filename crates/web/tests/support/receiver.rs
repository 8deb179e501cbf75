//! A department system's webhook endpoint as a real server (`scripts/test-servers/webhook_receiver.py`),
//! started for one test and stopped when dropped.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct Receiver {
    child: Child,
    folder: tempfile::TempDir,
    pub url: String,
}

impl Receiver {
    pub fn start() -> Self {
        let folder = tempfile::tempdir().expect("folder");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-servers/webhook_receiver.py");
        let path = |name: &str| folder.path().join(name).display().to_string();
        let child = Command::new("python3")
            .arg(&script)
            .args([path("port"), path("log"), path("mode"), path("secret")])
            .spawn()
            .expect("python3 starts the receiver");
        let deadline = Instant::now() + Duration::from_secs(10);
        let port = loop {
            if let Ok(port) = std::fs::read_to_string(folder.path().join("port")) {
                break port;
            }
            assert!(Instant::now() < deadline, "the receiver did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        let url = format!("http://127.0.0.1:{}/onetrip/events", port.trim());
        Self { child, folder, url }
    }

    /// `ok`, `fail`, `gone` or `slow`.
    pub fn set_mode(&self, mode: &str) {
        std::fs::write(self.folder.path().join("mode"), mode).expect("mode");
    }

    /// The secret the receiver checks signatures with.
    pub fn set_secret(&self, secret: &str) {
        std::fs::write(self.folder.path().join("secret"), secret).expect("secret");
    }

    /// Every request received so far: `headers`, `body` (text), `verified`, `mode`.
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(self.folder.path().join("log"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
