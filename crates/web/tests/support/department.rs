//! A departmental system's data source as a real server (`scripts/test-servers/department_source.py`,
//! playing the housing or the tax system), started for one test and stopped when dropped.

use onetrip_exchange::{HttpSource, SourceConfig};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A departmental system's data source, as a real server, stopped when dropped.
pub struct Department {
    child: Child,
    folder: tempfile::TempDir,
    pub url: String,
}

impl Department {
    pub fn start(dataset: &str, key: &str) -> Self {
        let folder = tempfile::tempdir().expect("folder");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-servers/department_source.py");
        let path = |name: &str| folder.path().join(name).display().to_string();
        let child = Command::new("python3")
            .arg(script)
            .args([path("port"), path("log"), path("mode"), key.to_string(), dataset.to_string()])
            .spawn()
            .expect("python3 starts the source");
        let deadline = Instant::now() + Duration::from_secs(10);
        let port = loop {
            if let Ok(port) = std::fs::read_to_string(folder.path().join("port")) {
                break port;
            }
            assert!(Instant::now() < deadline, "the source did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        Self { child, url: format!("http://127.0.0.1:{}/onetrip/materials", port.trim()), folder }
    }

    pub fn set_mode(&self, mode: &str) {
        std::fs::write(self.folder.path().join("mode"), mode).expect("mode");
    }

    pub fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.folder.path().join("log"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("JSON line"))
            .collect()
    }

    /// Onetrip's client of this system, registered as `code`, signing with `key`.
    pub fn source(&self, code: &str, key: &str) -> HttpSource {
        HttpSource::new(SourceConfig {
            code: code.to_string(),
            url: self.url.clone(),
            key: key.as_bytes().to_vec(),
            timeout: Duration::from_secs(1),
            failures_to_open: 3,
            open_for: Duration::from_secs(60),
        })
        .expect("client")
    }
}

impl Drop for Department {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
