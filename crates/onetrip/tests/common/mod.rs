//! What the suites that run the real binary share: a free port, one HTTP request over a fresh connection,
//! the server started until healthy, and accounts made with the command line.

#![allow(clippy::expect_used, clippy::unwrap_used, dead_code)] // Each suite uses what it needs.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BINARY: &str = env!("CARGO_BIN_EXE_onetrip");
pub const PASSWORD: &str = "window-password-2026";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("port")
}

/// One HTTP/1.1 request over a fresh connection; returns the status and the body.
pub fn request(port: u16, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    stream.write_all(format!("{head}\r\n{payload}").as_bytes()).expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
    (status, body)
}

/// Starts the server and waits until it is healthy; the caller kills and reaps it.
#[allow(clippy::zombie_processes)] // Returned to the caller, which waits for it after killing it.
pub fn serve(database: &str, port: u16, files: &Files) -> Child {
    serve_with(database, port, files, &[])
}

/// Starts the server with extra environment variables.
#[allow(clippy::zombie_processes)] // Returned to the caller, which waits for it after killing it.
pub fn serve_with(database: &str, port: u16, files: &Files, environment: &[(&str, &str)]) -> Child {
    let mut command = Command::new(BINARY);
    command.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database", database]).env("RUST_LOG", "warn");
    command.envs(environment.iter().copied());
    match files {
        Files::Local(folder) => command.env("ONETRIP_FILES_DIR", folder),
        Files::S3(config) => command
            .env("ONETRIP_S3_ENDPOINT", &config.endpoint)
            .env("ONETRIP_S3_BUCKET", &config.bucket)
            .env("ONETRIP_S3_REGION", &config.region)
            .env("ONETRIP_S3_ACCESS_KEY", &config.access_key)
            .env("ONETRIP_S3_SECRET_KEY", &config.secret_key),
    };
    let mut child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start onetrip serve");
    let started = Instant::now();
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() && request(port, "GET", "/healthz", None, None).0 == 200 {
            return child;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("server did not become healthy");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn token(port: u16) -> String {
    let (status, body) =
        request(port, "POST", "/api/v1/sessions", None, Some(&json!({ "username": "window", "password": PASSWORD })));
    assert_eq!(status, 201, "{body}");
    serde_json::from_str::<Value>(&body).expect("json")["token"].as_str().expect("token").to_string()
}

/// Where the server keeps files: a folder, or the S3-compatible store the tests are given.
pub enum Files {
    Local(std::path::PathBuf),
    S3(onetrip_store::s3::S3Config),
}

/// Creates the window account the tests log in with.
pub fn create_window_user(database: &str) {
    create_user(database, "window", "window_staff", None, PASSWORD);
}

/// Creates a staff account with the command line.
pub fn create_user(database: &str, username: &str, roles: &str, department: Option<&str>, password: &str) {
    let mut arguments =
        vec!["user", "create", "--username", username, "--roles", roles, "--password-stdin", "--database", database];
    if let Some(department) = department {
        arguments.extend(["--department", department]);
    }
    let mut create = Command::new(BINARY)
        .args(arguments)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("user create");
    create.stdin.take().expect("stdin").write_all(format!("{password}\n").as_bytes()).expect("password");
    assert!(create.wait().expect("wait").success());
}

/// Issues an API key for a department system with the command line; returns the key it prints.
pub fn issue_key(database: &str, username: &str) -> String {
    let output = Command::new(BINARY)
        .args(["user", "key", "--username", username, "--database", database])
        .env("RUST_LOG", "warn")
        .output()
        .expect("user key");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().find(|line| line.starts_with("otk_")).expect("the key").to_string()
}
