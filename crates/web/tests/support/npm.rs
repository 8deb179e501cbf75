//! The npm packages real test servers and the browser suite use (`scripts/test-servers/<name>`),
//! installed from their lock files on first use (CI installs them before the tests): into a folder of
//! its own first and then moved into place, so that two test binaries never see half an installation.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

static INSTALLED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// The folder of a test server's package.
pub fn folder(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-servers").join(name)
}

/// Makes sure the package `name` has its dependencies, `probe` being a file one of them installs.
pub fn ensure_installed(name: &str, probe: &str) -> PathBuf {
    let folder = folder(name);
    let mut installed = INSTALLED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let done = installed.get_or_insert_with(HashSet::new);
    if done.contains(name) || folder.join("node_modules").join(probe).exists() {
        done.insert(name.to_string());
        return folder;
    }
    let staging = tempfile::tempdir_in(&folder).expect("staging folder");
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(folder.join(file), staging.path().join(file)).expect("copy the package files");
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(staging.path())
        .status()
        .expect("npm runs (install Node.js and npm)");
    assert!(status.success(), "npm ci of {name} failed");
    // Another binary may have finished first: then its installation stands.
    let _ = std::fs::rename(staging.path().join("node_modules"), folder.join("node_modules"));
    done.insert(name.to_string());
    folder
}
