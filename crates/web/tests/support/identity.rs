//! The province's unified identity provider as a real server: `oidc-provider` from the npm registry
//! (`scripts/test-servers/oidc`), started for one test and stopped when dropped. Its packages are installed
//! from the lock file on first use (CI installs them before the tests).

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const CLIENT_ID: &str = "onetrip-altay";
pub const CLIENT_SECRET: &str = "test-client-secret-0123456789abcdef";

pub struct Provider {
    child: Child,
    folder: tempfile::TempDir,
    config: Value,
    pub issuer: String,
}

fn scripts() -> PathBuf {
    super::npm::folder("oidc")
}

fn ensure_installed() {
    super::npm::ensure_installed("oidc", "oidc-provider/package.json");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|a| a.port())
        .expect("port")
}

impl Provider {
    /// Starts the provider for a client whose callback is `redirect_uri`, knowing `accounts` (each with
    /// `login`, `password`, `sub`, `name`, `phone_number`, `id_number`, `id_number_verified`).
    pub fn start(redirect_uri: &str, accounts: Value) -> Self {
        ensure_installed();
        let folder = tempfile::tempdir().expect("folder");
        let port = free_port();
        let config = json!({
            "port": port,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": redirect_uri,
            "accounts": accounts,
        });
        let config_path = folder.path().join("config.json");
        std::fs::write(&config_path, config.to_string()).expect("config");
        let port_path = folder.path().join("port");
        let child = Command::new("node")
            .arg(scripts().join("provider.mjs"))
            .arg(&port_path)
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts the provider");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !port_path.exists() {
            assert!(Instant::now() < deadline, "the OpenID provider did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, folder, config, issuer: format!("http://127.0.0.1:{port}") }
    }

    /// Changes what the provider says about the account `login`.
    pub fn change_account(&mut self, login: &str, change: impl FnOnce(&mut Value)) {
        let accounts = self.config["accounts"].as_array_mut().expect("accounts");
        let account = accounts.iter_mut().find(|account| account["login"] == login).expect("account");
        change(account);
        std::fs::write(self.folder.path().join("config.json"), self.config.to_string()).expect("config");
    }

    /// Stops the provider (it no longer answers).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Onetrip's client registration at this provider.
    pub fn client(&self, redirect_uri: &str) -> Arc<onetrip_exchange::OidcProvider> {
        Arc::new(
            onetrip_exchange::OidcProvider::new(onetrip_exchange::OidcConfig {
                display_name: "新疆政务服务统一身份认证（测试）".to_string(),
                issuer: self.issuer.clone(),
                client_id: CLIENT_ID.to_string(),
                client_secret: CLIENT_SECRET.to_string(),
                redirect_url: redirect_uri.to_string(),
                scopes: vec!["profile".to_string(), "phone".to_string(), "id_card".to_string()],
                id_number_claim: "id_number".to_string(),
                timeout: Duration::from_secs(5),
            })
            .expect("client"),
        )
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A browser's visit to the provider, done over HTTP: its cookies kept, its redirects followed by hand.
pub struct Visit {
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl Default for Visit {
    fn default() -> Self {
        Self::new()
    }
}

impl Visit {
    pub fn new() -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { http, cookies: Vec::new() }
    }

    fn keep(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let Some((name, rest)) = value.to_str().unwrap_or_default().split_once('=') else { continue };
            let value = rest.split(';').next().unwrap_or_default().to_string();
            self.cookies.retain(|(kept, _)| kept != name);
            self.cookies.push((name.to_string(), value));
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let cookie = self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ");
        let response = request.header(reqwest::header::COOKIE, cookie).send().await.expect("provider answers");
        self.keep(&response);
        response
    }

    /// Follows redirects from `url` while they stay at the provider; the first address elsewhere.
    async fn follow(&mut self, issuer: &str, mut url: String) -> Result<String, String> {
        for _ in 0..10 {
            if !url.starts_with(issuer) {
                return Ok(url);
            }
            let response = self.send(self.http.get(&url)).await;
            match response.headers().get(reqwest::header::LOCATION) {
                Some(location) => {
                    let location = location.to_str().expect("location").to_string();
                    url = if location.starts_with('/') { format!("{issuer}{location}") } else { location };
                }
                None => return Err(url),
            }
        }
        panic!("too many redirects at the provider")
    }

    /// From the authorization address Onetrip sent the browser to, through the provider's log-in page
    /// (`action` is `login` with the account, or `abort`), to the address the provider sends the browser
    /// back to.
    pub async fn at_provider(
        &mut self,
        issuer: &str,
        authorization: &str,
        login: &str,
        password: &str,
        action: &str,
    ) -> String {
        let page = self.follow(issuer, authorization.to_string()).await.expect_err("the provider's log-in page");
        let form = if action == "login" { vec![("login", login), ("password", password)] } else { Vec::new() };
        let response = self.send(self.http.post(format!("{page}/{action}")).form(&form)).await;
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .unwrap_or_else(|| panic!("no redirect after {action}: {}", response.status()));
        let location = location.to_str().expect("location").to_string();
        let next = if location.starts_with('/') { format!("{issuer}{location}") } else { location };
        self.follow(issuer, next).await.expect("back to Onetrip")
    }

    /// The provider's log-in page with a wrong password: its answer.
    pub async fn wrong_password(&mut self, issuer: &str, authorization: &str, login: &str) -> String {
        let page = self.follow(issuer, authorization.to_string()).await.expect_err("the provider's log-in page");
        let form = [("login", login), ("password", "wrong")];
        let response = self.send(self.http.post(format!("{page}/login")).form(&form)).await;
        response.text().await.expect("page")
    }
}
