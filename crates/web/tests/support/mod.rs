//! Shared set-up for the request and browser suites: an application on a fresh store of each backend, with
//! the shipped calendar, the demo catalog, and two staff accounts. Every reply of the API that a test gets
//! through [`TestApp::send`] is checked against the OpenAPI document (`contract.rs`).

#![allow(dead_code)]

mod contract;
pub mod department;
pub mod identity;
pub mod npm;
pub mod receiver;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use onetrip_app::clock::MovableClock;
use onetrip_app::{seed, App, AppConfig};
use onetrip_domain::access::Role;
use onetrip_store::files::FileStore;
use onetrip_store::testing::{test_stores, TestStore};
use onetrip_store::{NewUser, Store};
use onetrip_web::{router, AppState, WebConfig};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

pub const ADMIN: (&str, &str) = ("admin", "admin-password-2026");
pub const EDITOR: (&str, &str) = ("editor", "editor-password-2026");
pub const REVIEWER: (&str, &str) = ("reviewer", "reviewer-password-2026");
pub const WINDOW: (&str, &str) = ("window", "window-password-2026");
pub const SUPERVISOR: (&str, &str) = ("supervisor", "supervisor-password-2026");
/// Reviewers of the three departments that review a property transfer in parallel.
pub const LAND: (&str, &str) = ("land", "land-password-2026");
pub const TAX: (&str, &str) = ("tax", "tax-password-2026");
pub const HOUSING: (&str, &str) = ("housing", "housing-password-2026");

pub struct TestApp {
    pub backend: &'static str,
    pub state: AppState,
    /// The application's clock, which a test may move forward.
    clock: Arc<MovableClock>,
    files: Arc<dyn FileStore>,
    store: TestStore,
    /// The uploaded files' folder, removed with the app.
    _files: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.text()))
    }

    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|value| value.to_str().ok()).unwrap_or_default()
    }

    /// `name=value` of each Set-Cookie header.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| value.split(';').next())
            .map(str::to_string)
            .collect()
    }
}

/// The value of a hidden input in a page.
pub fn hidden_input(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no input {name} in page")) + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_string()
}

/// Where each material of a case came from: its shared source's code, or `None` when handed in.
pub fn shared_sources(case: &onetrip_domain::case::Case) -> Vec<Option<&str>> {
    case.document
        .materials
        .iter()
        .map(|material| material.shared.as_ref().map(|shared| shared.source.as_str()))
        .collect()
}

pub fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(key, value)| format!("{}={}", urlencode(key), urlencode(value))).collect::<Vec<_>>().join("&")
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(byte).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The request as if it came over a connection from `ip` (what the server's listener records).
pub fn from_address(mut request: Request<Body>, ip: &str) -> Request<Body> {
    let address = std::net::SocketAddr::new(ip.parse().expect("an IP address"), 40_000);
    request.extensions_mut().insert(axum::extract::ConnectInfo(address));
    request
}

/// Sends a request through the whole router of an application (for tasks that hold only its state); an API
/// reply must be what the OpenAPI document says.
pub async fn send_to(state: &AppState, request: Request<Body>) -> Reply {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = router(state.clone()).oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    contract::check(&method, &path, status, &headers, &body);
    Reply { status, headers, body }
}

impl TestApp {
    /// One seeded application per backend available here.
    pub async fn all() -> Vec<TestApp> {
        let mut apps = Vec::new();
        for store in test_stores().await {
            let files_dir = tempfile::tempdir().expect("file folder");
            let files = onetrip_store::testing::test_files(store.name, files_dir.path());
            let clock = Arc::new(MovableClock::default());
            // The tests' department systems listen on this machine.
            let mut config = AppConfig::default();
            config.webhooks.private_targets = true;
            let app = App::new(store.store.clone(), files.clone(), config, clock.clone()).await.expect("app");
            seed::seed_calendar(&app).await.expect("calendar");
            seed::seed_demo(&app).await.expect("demo catalog");
            let state = AppState::new(app, WebConfig::default());
            for ((username, password), roles, department) in [
                (ADMIN, vec![Role::Admin, Role::CatalogEditor], None),
                (EDITOR, vec![Role::CatalogEditor], None),
                (REVIEWER, vec![Role::Reviewer], None),
                (WINDOW, vec![Role::WindowStaff], None),
                (SUPERVISOR, vec![Role::WindowStaff, Role::HallManager], None),
                (LAND, vec![Role::Reviewer], Some("zrzyj")),
                (TAX, vec![Role::Reviewer], Some("swj")),
                (HOUSING, vec![Role::Reviewer], Some("zjj")),
            ] {
                let user = NewUser {
                    username: username.to_string(),
                    display_name: format!("{username} 测试"),
                    password_hash: onetrip_app::accounts::hash_password(password).expect("hash"),
                    roles,
                    department: department.map(str::to_string),
                };
                store.store.create_user(&user, chrono::Utc::now()).await.expect("user");
            }
            apps.push(TestApp { backend: store.name, state, clock, files, store, _files: files_dir });
        }
        apps
    }

    /// The store under the application, for tests that look at what was kept.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store.store
    }

    /// The database itself, for a test that changes a row as an attacker with database access would.
    pub fn raw(&self) -> &TestStore {
        &self.store
    }

    /// The file store under the application.
    pub fn files(&self) -> &Arc<dyn FileStore> {
        &self.files
    }

    /// Moves the application's clock forward.
    pub fn advance_clock(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// Moves the app's clock to 10:00 of the next working day, when every open window should be staffed.
    /// Sessions run on the same clock: one opened before may have expired by then.
    pub fn to_office_hours(&self) {
        let calendar = self.state.calendar();
        let mut day = self.state.today() + chrono::Duration::days(1);
        while !calendar.is_working_day(day).expect("calendar") {
            day += chrono::Duration::days(1);
        }
        let ten = day.and_hms_opt(10, 0, 0).expect("time");
        let now = self.state.local(self.state.now()).naive_local();
        // The clock moves in whole seconds: one more, so that it is not a fraction before ten.
        self.advance_clock(ten - now + chrono::Duration::seconds(1));
    }

    pub async fn finish(self) {
        self.store.finish().await;
    }

    /// Sends a request through the whole router; an API reply must be what the OpenAPI document says.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        send_to(&self.state, request).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).expect("request")).await
    }

    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> Reply {
        self.send(Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).expect("request")).await
    }

    pub async fn post_form(&self, path: &str, cookie: &str, pairs: &[(&str, &str)]) -> Reply {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie)
            .body(Body::from(form_body(pairs)))
            .expect("request");
        self.send(request).await
    }

    pub async fn json(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        };
        self.send(request.expect("request")).await
    }

    /// A bearer token for a staff account.
    pub async fn token(&self, (username, password): (&str, &str)) -> String {
        let reply = self
            .json(
                Method::POST,
                "/api/v1/sessions",
                None,
                Some(serde_json::json!({ "username": username, "password": password })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", self.backend, reply.text());
        reply.json()["token"].as_str().expect("token").to_string()
    }

    /// Logs in through the log-in page; returns the session cookie and the page's CSRF token.
    pub async fn login_page(&self, (username, password): (&str, &str)) -> (String, String) {
        let form = self.get("/login?next=/staff").await;
        let csrf = hidden_input(&form.text(), "csrf_token");
        let login_cookie =
            form.cookies().into_iter().find(|c| c.starts_with("onetrip_login_csrf=")).expect("login cookie");
        let reply = self
            .post_form(
                "/login",
                &login_cookie,
                &[("username", username), ("password", password), ("csrf_token", &csrf), ("next", "/staff")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", self.backend, reply.text());
        assert_eq!(reply.location(), "/staff");
        let session = reply.cookies().into_iter().find(|c| c.starts_with("onetrip_session=")).expect("session cookie");
        let staff_page = self.get_with_cookie("/staff", &session).await;
        assert_eq!(staff_page.status, StatusCode::OK);
        let csrf = hidden_input(&staff_page.text(), "csrf_token");
        (session, csrf)
    }

    /// Posts a multipart form (as a browser sends a form with files); `files` are (field, file name, bytes).
    pub async fn post_multipart(
        &self,
        path: &str,
        cookie: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Reply {
        let boundary = "----onetrip-test-boundary-7d3a";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// Signs an applicant up on the portal; returns the portal cookie and the CSRF token of its pages.
    pub async fn sign_up(&self, id_number: &str, name: &str, phone: &str) -> (String, String) {
        self.sign_up_as("natural_person", id_number, name, phone).await
    }

    /// Signs an applicant of `kind` (`natural_person` or `legal_person`) up on the portal.
    pub async fn sign_up_as(&self, kind: &str, id_number: &str, name: &str, phone: &str) -> (String, String) {
        let verify = self.start_sign_up_as(kind, id_number, name, phone).await;
        assert_eq!(verify.status, StatusCode::OK, "{}: {}", self.backend, verify.text());
        let code = self.code_sent_to(phone).await;
        let reply = self.finish_sign_up(&verify, &code).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", self.backend, reply.text());
        let cookie = reply.cookies().into_iter().find(|c| c.starts_with("onetrip_portal=")).expect("portal cookie");
        let home = self.get_with_cookie("/portal", &cookie).await;
        assert_eq!(home.status, StatusCode::OK);
        let csrf = hidden_input(&home.text(), "csrf_token");
        (cookie, csrf)
    }

    /// The sign-up form, filled and posted: the reply is the page asking for the code sent to the phone.
    pub async fn start_sign_up(&self, id_number: &str, name: &str, phone: &str) -> Reply {
        self.start_sign_up_as("natural_person", id_number, name, phone).await
    }

    pub async fn start_sign_up_as(&self, kind: &str, id_number: &str, name: &str, phone: &str) -> Reply {
        let form = self.get("/portal/signup").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.text());
        let token = hidden_input(&form.text(), "form_token");
        let form_cookie = form.cookies().into_iter().find(|c| c.starts_with("onetrip_portal_form=")).expect("cookie");
        self.post_form(
            "/portal/signup",
            &form_cookie,
            &[
                ("form_token", &token),
                ("next", "/portal"),
                ("kind", kind),
                ("id_number", id_number),
                ("name", name),
                ("phone", phone),
                ("password", "applicant-password-1"),
                ("password_again", "applicant-password-1"),
            ],
        )
        .await
    }

    /// Logs an applicant who signed up here in on the portal with the password; the portal cookie and the
    /// CSRF token of its pages.
    pub async fn portal_login(&self, id_number: &str) -> (String, String) {
        let form = self.get("/portal/login").await;
        let token = hidden_input(&form.text(), "form_token");
        let form_cookie = form.cookies().into_iter().find(|c| c.starts_with("onetrip_portal_form=")).expect("cookie");
        let fields = [
            ("form_token", token.as_str()),
            ("next", "/portal"),
            ("id_number", id_number),
            ("password", "applicant-password-1"),
        ];
        let reply = self.post_form("/portal/login", &form_cookie, &fields).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", self.backend, reply.text());
        let cookie = reply.cookies().into_iter().find(|c| c.starts_with("onetrip_portal=")).expect("portal cookie");
        let csrf = hidden_input(&self.get_with_cookie("/portal", &cookie).await.text(), "csrf_token");
        (cookie, csrf)
    }

    /// The code in the latest verification SMS to `phone`, as the SMS gateway would send it.
    pub async fn code_sent_to(&self, phone: &str) -> String {
        let messages = self.store().unsent_verification_messages(100).await.expect("messages");
        let message = messages.iter().rev().find(|message| message.phone == phone).expect("a code was sent");
        let start = message.body.find("验证码 ").expect("code in the message") + "验证码 ".len();
        message.body[start..start + 6].to_string()
    }

    /// Posts a code on the page that asks for it.
    pub async fn finish_sign_up(&self, verify: &Reply, code: &str) -> Reply {
        let page = verify.text();
        let cookie = verify.cookies().into_iter().find(|c| c.starts_with("onetrip_portal_form=")).expect("form cookie");
        self.post_form(
            "/portal/signup/verify",
            &cookie,
            &[
                ("form_token", &hidden_input(&page, "form_token")),
                ("next", &hidden_input(&page, "next")),
                ("challenge", &hidden_input(&page, "challenge")),
                ("phone_shown", &hidden_input(&page, "phone_shown")),
                ("code", code),
            ],
        )
        .await
    }

    /// Adds a staff account for one test (beyond the shared ones) and returns a bearer token for it.
    pub async fn add_staff(&self, username: &str, roles: Vec<Role>, department: Option<&str>) -> String {
        let password = format!("{username}-password-2026");
        let user = NewUser {
            username: username.to_string(),
            display_name: format!("{username} 测试"),
            password_hash: onetrip_app::accounts::hash_password(&password).expect("hash"),
            roles,
            department: department.map(str::to_string),
        };
        self.store().create_user(&user, chrono::Utc::now()).await.expect("user");
        self.token((username, &password)).await
    }

    /// Accepts a received case at the window, has each open review step done by the department's reviewer
    /// (`reviewer` gives a bearer token for a department code) until the case is concluded, and delivers the
    /// result online. Asserts on every step.
    pub async fn conclude_case(&self, number: &str, window: &str, reviewer: impl Fn(&str) -> String) {
        use serde_json::json;
        let get = |number: String| async move {
            self.json(Method::GET, &format!("/api/v1/cases/{number}"), Some(window), None).await.json()
        };
        let case = get(number.to_string()).await;
        let accept = json!({ "decision": "accept", "supplied": case["supplied"] });
        let reply =
            self.json(Method::POST, &format!("/api/v1/cases/{number}/acceptance"), Some(window), Some(accept)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", case["matter_code"], reply.text());
        loop {
            let case = get(number.to_string()).await;
            if case["phase"] != "accepted" {
                assert_eq!(case["phase"], "granted", "{}", case["matter_code"]);
                break;
            }
            let tasks = case["review"]["tasks"].as_array().expect("tasks");
            let (index, task) = tasks.iter().enumerate().find(|(_, task)| task["state"] == "open").expect("open task");
            let token = reviewer(task["department"].as_str().expect("department"));
            let body = if task["kind"] == "decide" {
                json!({ "action": "decide", "task": index, "granted": true })
            } else {
                json!({ "action": "approve", "task": index })
            };
            let reply =
                self.json(Method::POST, &format!("/api/v1/cases/{number}/review"), Some(&token), Some(body)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        }
        let delivery = json!({ "method": "online" });
        let reply =
            self.json(Method::POST, &format!("/api/v1/cases/{number}/delivery"), Some(window), Some(delivery)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
}
