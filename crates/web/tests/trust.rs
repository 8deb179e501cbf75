//! What an attacker, a fuzzer or a departmental system found (issue "Trust"), each refused or handled as it
//! should be, on every backend: panics answered, not dropped; parsers that never panic on odd input.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::routing::get;
use axum::Router;
use http_body_util::BodyExt;
use support::{TestApp, ADMIN, WINDOW};
use tower::ServiceExt;

/// The number that used to panic the case-number parser: a multi-byte character where the check
/// character belongs. Every route that reads a case number answers it with the exact refusal.
#[tokio::test]
async fn a_case_number_with_a_multi_byte_character_is_refused_on_every_route() {
    for app in TestApp::all().await {
        let bad = "1234567890123%C3%A9";
        let progress = app.get(&format!("/api/v1/progress?number={bad}&last_four=1234")).await;
        assert_eq!(progress.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", app.backend, progress.text());
        assert_eq!(progress.json()["error"], "validation_failed");
        assert!(progress.json()["fields"]["number"].as_str().unwrap().contains("15 位"), "{}", progress.text());

        let token = app.token(WINDOW).await;
        for path in [format!("/api/v1/cases/{bad}"), format!("/api/v1/cases/{bad}/files/1")] {
            let reply = app.json(Method::GET, &path, Some(&token), None).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{} {path}: {}", app.backend, reply.text());
            assert_eq!(reply.json()["error"], "not_found", "{path}");
        }
        let (cookie, _) = app.login_page(ADMIN).await;
        let page = app.get_with_cookie(&format!("/staff/cases/{bad}"), &cookie).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", app.backend);
        assert!(page.text().contains("没有找到办件"), "{}", page.text());
        app.finish().await;
    }
}

async fn send(router: Router, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// A handler that panics (whatever the bug) gets the one internal error, with the request id in the body
/// and the header, instead of a dropped connection; the next request is answered as usual.
#[tokio::test]
async fn a_panic_in_a_handler_is_answered_500_with_the_request_id() {
    let app = TestApp::all().await.into_iter().next().expect("SQLite");
    let routes = Router::new()
        .route(
            "/api/v1/boom",
            get(|| async {
                if true {
                    panic!("boom at 1234567890123é")
                }
            }),
        )
        .route(
            "/boom",
            get(|| async {
                if true {
                    panic!("boom")
                }
            }),
        )
        .route("/fine", get(|| async { "fine" }));
    let router = onetrip_web::edge(routes, app.state.clone());

    let (status, headers, body) = send(router.clone(), "/api/v1/boom").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON error");
    assert_eq!(body["error"], "internal_error");
    let id = headers["x-request-id"].to_str().unwrap();
    assert_eq!(body["request_id"], id);
    assert!(!body.to_string().contains("1234567890123"), "the panic message is not shown: {body}");

    let (status, headers, page) = send(router.clone(), "/boom").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(page.contains(headers["x-request-id"].to_str().unwrap()), "{page}");
    assert!(page.contains("系统出错"), "{page}");

    let (status, _, body) = send(router, "/fine").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "fine"));
    app.finish().await;
}

const COMPANY: &str = "00013112700401";
const TRANSFER: &str = "65430030010102";

fn application(matter: &str, id_number: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "matter_code": matter,
        "applicant": { "kind": "natural_person", "id_number": id_number, "name": name, "phone": "13912345678" },
    })
}

fn submit_request(token: &str, key: Option<&str>, body: &serde_json::Value) -> Request<Body> {
    let mut builder = Request::post("/api/v1/cases")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = key {
        builder = builder.header("idempotency-key", key);
    }
    builder.body(Body::from(body.to_string())).unwrap()
}

/// A 市场监管局 window may not register a 自然资源局 matter (it could not even read the case afterwards);
/// the refusal takes no case number.
#[tokio::test]
async fn a_department_window_cannot_register_another_departments_matter() {
    for app in TestApp::all().await {
        let market = app.add_staff("market", vec![onetrip_domain::access::Role::WindowStaff], Some("scjgj")).await;
        let refused =
            app.send(submit_request(&market, None, &application(TRANSFER, "11010519491231002X", "张三"))).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", app.backend, refused.text());
        assert_eq!(refused.json()["error"], "validation_failed");
        let message = refused.json()["fields"]["matter_code"].as_str().unwrap().to_string();
        assert!(message.contains("自然资源"), "{message}");
        let own = app.send(submit_request(&market, None, &application(COMPANY, "11010519491231002X", "张三"))).await;
        assert_eq!(own.status, StatusCode::CREATED, "{}", own.text());
        assert!(own.json()["number"].as_str().unwrap().contains("-000001-"), "the refusal took no number");
        // A general window registers any department's matter.
        let general = app.token(WINDOW).await;
        let any = app.send(submit_request(&general, None, &application(TRANSFER, "11010519491231002X", "张三"))).await;
        assert_eq!(any.status, StatusCode::CREATED, "{}", any.text());
        app.finish().await;
    }
}

/// The same Idempotency-Key with another body is refused 422 `idempotency_key_reused` (as the IETF draft
/// says); the same key with the same body still returns the first case.
#[tokio::test]
async fn an_idempotency_key_reused_with_another_body_is_refused() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let first = application(COMPANY, "11010519491231002X", "张三");
        let made = app.send(submit_request(&window, Some("key-7"), &first)).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let again = app.send(submit_request(&window, Some("key-7"), &first)).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.json()["number"], made.json()["number"]);
        for other in
            [application(COMPANY, "110105198001010016", "李四"), application(TRANSFER, "11010519491231002X", "张三")]
        {
            let reused = app.send(submit_request(&window, Some("key-7"), &other)).await;
            assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", app.backend, reused.text());
            assert_eq!(reused.json()["error"], "idempotency_key_reused");
        }
        // Nothing was registered for the refused requests: the next case is the second of the day.
        let next = app
            .send(submit_request(&window, Some("key-8"), &application(TRANSFER, "110105198001010016", "李四")))
            .await;
        assert!(next.json()["number"].as_str().unwrap().contains("-000002-"), "{}", next.text());
        app.finish().await;
    }
}

/// Two first applications of the same new applicant at once, and retries that overlap their first try: all
/// succeed, with one applicant record and one case per key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_applications_of_one_new_applicant_at_once_all_succeed() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        for (round, id_number) in
            ["110105198001010016", "654301198505050024", "110101199003070011", "110101199003071436"].iter().enumerate()
        {
            // Keys a and b are each sent twice at once (a retry overlapping its first try); c and d once.
            let sends =
                [("a", COMPANY), ("a", COMPANY), ("b", TRANSFER), ("b", TRANSFER), ("c", COMPANY), ("d", TRANSFER)];
            let start = std::sync::Arc::new(tokio::sync::Barrier::new(sends.len()));
            let mut tasks = Vec::new();
            for (key, matter) in sends {
                let (state, start, window) = (app.state.clone(), start.clone(), window.clone());
                let key = format!("round-{round}-{key}");
                let body = application(matter, id_number, "王五");
                tasks.push(tokio::spawn(async move {
                    start.wait().await;
                    let reply = support::send_to(&state, submit_request(&window, Some(&key), &body)).await;
                    (key, reply)
                }));
            }
            let mut created = 0;
            let mut numbers = std::collections::BTreeMap::<String, std::collections::BTreeSet<String>>::new();
            for task in tasks {
                let (key, reply) = task.await.unwrap();
                assert!(reply.status.is_success(), "{}: {} {}", app.backend, reply.status, reply.text());
                created += usize::from(reply.status == StatusCode::CREATED);
                numbers.entry(key).or_default().insert(reply.json()["number"].as_str().unwrap().to_string());
            }
            assert_eq!(created, 4, "{}: one case per key", app.backend);
            assert!(
                numbers.values().all(|set| set.len() == 1),
                "{}: a retry gets its first case: {numbers:?}",
                app.backend
            );
            let identity = onetrip_domain::applicant::ApplicantIdentity::parse("natural_person", id_number).unwrap();
            assert!(app.store().applicant_by_identity(&identity).await.unwrap().is_some());
        }
        app.finish().await;
    }
}

/// In the parallel stage of a property transfer the three departments approve at the same instant, each its
/// own open task: every approval succeeds (the server decides again when another department's approval was
/// stored between its read and its write), and the case moves on to the decision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_departments_approving_at_the_same_instant_all_succeed() {
    use support::{HOUSING, LAND, TAX};
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let reviewers = [app.token(LAND).await, app.token(TAX).await, app.token(HOUSING).await];
        let materials = app.state.catalog().version(TRANSFER).expect("matter").matter.materials.len();
        for round in 0..5 {
            let mut body = application(TRANSFER, "11010519491231002X", "张三");
            body["supplied"] = serde_json::Value::from(vec!["provided"; materials]);
            let created = app.send(submit_request(&window, Some(&format!("parallel-{round}")), &body)).await;
            let number = created.json()["number"].as_str().expect("number").to_string();
            let accept = serde_json::json!({ "decision": "accept", "supplied": vec!["provided"; materials] });
            let accepted = app
                .json(Method::POST, &format!("/api/v1/cases/{number}/acceptance"), Some(&window), Some(accept))
                .await;
            assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
            let mut tasks = Vec::new();
            for token in &reviewers {
                let inbox = app.json(Method::GET, "/api/v1/inbox", Some(token), None).await.json();
                let task = inbox["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|item| item["case_number"] == number.as_str())
                    .and_then(|item| item["task"].as_u64())
                    .expect("an open task for each department");
                tasks.push((token.clone(), task));
            }
            let start = std::sync::Arc::new(tokio::sync::Barrier::new(tasks.len()));
            let mut running = Vec::new();
            for (token, task) in tasks {
                let (state, start, number) = (app.state.clone(), start.clone(), number.clone());
                running.push(tokio::spawn(async move {
                    let request = Request::post(format!("/api/v1/cases/{number}/review"))
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(serde_json::json!({ "action": "approve", "task": task }).to_string()))
                        .unwrap();
                    start.wait().await;
                    support::send_to(&state, request).await
                }));
            }
            for reply in running {
                let reply = reply.await.unwrap();
                assert_eq!(reply.status, StatusCode::OK, "{} round {round}: {}", app.backend, reply.text());
            }
            let case = app.json(Method::GET, &format!("/api/v1/cases/{number}"), Some(&window), None).await.json();
            let approvals =
                case["events"].as_array().unwrap().iter().filter(|event| event["action"] == "approve").count();
            assert_eq!(approvals, 3, "{}: {case}", app.backend);
            let land_inbox = app.json(Method::GET, "/api/v1/inbox", Some(&reviewers[0]), None).await.json();
            assert!(
                land_inbox["items"].as_array().unwrap().iter().any(|item| item["case_number"] == number.as_str()),
                "{}: the decision step is open for the land office",
                app.backend
            );
        }
        app.finish().await;
    }
}

fn login_from(ip: &str, username: &str, password: &str) -> Request<Body> {
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    let request = Request::post("/api/v1/sessions")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    support::from_address(request, ip)
}

/// Wrong passwords from one address slow that address down on that account, more with every failure, while
/// the account's owner logs in from another address at once; the owner is told of the attempts.
#[tokio::test]
async fn wrong_passwords_slow_the_attacker_not_the_account_owner() {
    for app in TestApp::all().await {
        for _ in 0..5 {
            let reply = app.send(login_from("203.0.113.7", ADMIN.0, "wrong-password")).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        }
        let slowed = app.send(login_from("203.0.113.7", ADMIN.0, ADMIN.1)).await;
        assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS, "{}: {}", app.backend, slowed.text());
        assert_eq!(slowed.json()["error"], "too_many_attempts");
        assert_eq!(slowed.headers[header::RETRY_AFTER], "1");
        // The owner, elsewhere, is not locked out.
        let owner = app.send(login_from("198.51.100.20", ADMIN.0, ADMIN.1)).await;
        assert_eq!(owner.status, StatusCode::CREATED, "{}: {}", app.backend, owner.text());
        // The attacker's wait doubles with each further failure: 1 s, then 2 s, then 4 s.
        app.advance_clock(chrono::Duration::seconds(1));
        let sixth = app.send(login_from("203.0.113.7", ADMIN.0, "wrong-again")).await;
        assert_eq!(sixth.status, StatusCode::UNPROCESSABLE_ENTITY);
        let seventh = app.send(login_from("203.0.113.7", ADMIN.0, "wrong-again")).await;
        assert_eq!(seventh.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(seventh.headers[header::RETRY_AFTER], "2");
        app.advance_clock(chrono::Duration::seconds(2));
        assert_eq!(
            app.send(login_from("203.0.113.7", ADMIN.0, "wrong")).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(app.send(login_from("203.0.113.7", ADMIN.0, "wrong")).await.headers[header::RETRY_AFTER], "4");

        // The owner's home page says someone tried the account.
        let (cookie, _) = app.login_page(ADMIN).await;
        let home = app.get_with_cookie("/staff", &cookie).await.text();
        assert!(home.contains("有人尝试登录您的账号"), "{home}");
        assert!(home.contains("登录失败 7 次，来自 1 个网络地址"), "{home}");
        // Another account's owner sees no such notice.
        let (cookie, _) = app.login_page(support::EDITOR).await;
        assert!(!app.get_with_cookie("/staff", &cookie).await.text().contains("有人尝试登录您的账号"));
        app.finish().await;
    }
}

/// One password sprayed over many accounts from one address is slowed after 20 failures, on any account.
#[tokio::test]
async fn one_password_sprayed_over_many_accounts_is_slowed_by_address() {
    for app in TestApp::all().await {
        for index in 0..20 {
            let reply = app.send(login_from("203.0.113.9", &format!("user{index}"), "Summer2026!")).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{} attempt {index}", app.backend);
        }
        let next = app.send(login_from("203.0.113.9", "someone-else", "Summer2026!")).await;
        assert_eq!(next.status, StatusCode::TOO_MANY_REQUESTS, "{}", app.backend);
        assert_eq!(next.json()["error"], "too_many_attempts");
        // Another address is not affected.
        assert_eq!(app.send(login_from("198.51.100.20", ADMIN.0, ADMIN.1)).await.status, StatusCode::CREATED);
        app.finish().await;
    }
}

/// The portal's log-in is throttled the same way, by ID number and address.
#[tokio::test]
async fn the_portal_log_in_slows_the_attacker_not_the_applicant() {
    for app in TestApp::all().await {
        let (_cookie, _) = app.sign_up("11010519491231002X", "张三", "13912345678").await;
        let attempt = |ip: &str, password: &str| {
            let ip = ip.to_string();
            let password = password.to_string();
            let app = &app;
            async move {
                let form = app.get("/portal/login").await;
                let token = support::hidden_input(&form.text(), "form_token");
                let cookie =
                    form.cookies().into_iter().find(|c| c.starts_with("onetrip_portal_form=")).expect("form cookie");
                let body = support::form_body(&[
                    ("form_token", &token),
                    ("next", "/portal"),
                    ("id_number", "11010519491231002X"),
                    ("password", &password),
                ]);
                let request = Request::post("/portal/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, cookie)
                    .body(Body::from(body))
                    .unwrap();
                app.send(support::from_address(request, &ip)).await
            }
        };
        for _ in 0..5 {
            let page = attempt("203.0.113.7", "wrong-password").await;
            assert!(page.text().contains("证件号或密码不对"), "{}", page.text());
        }
        let slowed = attempt("203.0.113.7", "applicant-password-1").await;
        assert!(slowed.text().contains("尝试次数过多"), "{}: {}", app.backend, slowed.text());
        let owner = attempt("198.51.100.20", "applicant-password-1").await;
        assert_eq!(owner.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, owner.text());
        app.finish().await;
    }
}

fn progress_from(ip: &str, number: &str, last_four: &str) -> Request<Body> {
    let request =
        Request::get(format!("/api/v1/progress?number={number}&last_four={last_four}")).body(Body::empty()).unwrap();
    support::from_address(request, ip)
}

/// The public progress look-up cannot be used to find a case's last four, nor to walk the day's numbers:
/// failures are slowed per address and per case number.
#[tokio::test]
async fn progress_look_ups_are_slowed_by_address_and_by_case_number() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let made = app.send(submit_request(&window, None, &application(COMPANY, "11010519491231002X", "张三"))).await;
        let number = made.json()["number"].as_str().unwrap().to_string();
        for guess in 0..5 {
            let reply = app.send(progress_from("203.0.113.7", &number, &format!("{guess:04}"))).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", app.backend);
        }
        let slowed = app.send(progress_from("203.0.113.7", &number, "002X")).await;
        assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS, "{}: {}", app.backend, slowed.text());
        assert_eq!(slowed.json()["error"], "too_many_attempts");
        assert!(slowed.headers.contains_key(header::RETRY_AFTER));
        // The applicant, elsewhere, still sees the progress.
        let own = app.send(progress_from("198.51.100.20", &number, "002X")).await;
        assert_eq!(own.status, StatusCode::OK, "{}", own.text());
        // Walking numbers from one address is slowed after 20 failures, whichever numbers are tried.
        let mut walker = Vec::new();
        for sequence in 1..=25u32 {
            let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
            let guess = onetrip_domain::case_number::CaseNumber::new(date, sequence).unwrap().to_string();
            walker.push(app.send(progress_from("203.0.113.50", &guess, "1234")).await.status);
        }
        assert_eq!(walker[..20], [StatusCode::NOT_FOUND; 20]);
        assert_eq!(walker[20], StatusCode::TOO_MANY_REQUESTS);
        app.finish().await;
    }
}

/// `/metrics` answers only the machine itself (or the configured token), and HSTS goes with secure cookies.
#[tokio::test]
async fn metrics_are_private_and_https_sites_send_hsts() {
    let app = TestApp::all().await.into_iter().next().expect("SQLite");
    let metrics = |ip: Option<&str>, token: Option<&str>| {
        let mut request = Request::get("/metrics");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request.body(Body::empty()).unwrap();
        match ip {
            Some(ip) => support::from_address(request, ip),
            None => request,
        }
    };
    assert_eq!(app.send(metrics(Some("127.0.0.1"), None)).await.status, StatusCode::OK);
    assert_eq!(app.send(metrics(Some("203.0.113.7"), None)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.send(metrics(None, None)).await.status, StatusCode::NOT_FOUND);
    assert!(!app.get("/").await.headers.contains_key(header::STRICT_TRANSPORT_SECURITY), "not over HTTPS");

    let config = onetrip_web::WebConfig {
        secure_cookies: true,
        metrics_token: Some("a-long-metrics-token-2026".to_string()),
        ..onetrip_web::WebConfig::default()
    };
    let state = onetrip_web::AppState::new(app.state.app.clone(), config);
    let reply = support::send_to(&state, metrics(Some("203.0.113.7"), Some("a-long-metrics-token-2026"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text().contains("onetrip_http_requests_total"));
    let wrong = support::send_to(&state, metrics(Some("127.0.0.1"), Some("another-token-of-length"))).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND, "with a token configured, the token is what counts");
    let home = support::send_to(&state, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(home.headers[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
    app.finish().await;
}

/// Behind a trusted proxy, the address the proxy names is the one throttled; a client cannot pick its own
/// address by sending the header straight to the server.
#[tokio::test]
async fn only_a_trusted_proxy_names_the_clients_address() {
    let app = TestApp::all().await.into_iter().next().expect("SQLite");
    let config = onetrip_web::WebConfig {
        trusted_proxies: vec!["10.0.0.2".parse().unwrap()],
        ..onetrip_web::WebConfig::default()
    };
    let state = onetrip_web::AppState::new(app.state.app.clone(), config);
    let through = |proxy: &str, forwarded: &str| {
        let mut request = login_from(proxy, ADMIN.0, "wrong-password");
        request.headers_mut().insert("x-forwarded-for", forwarded.parse().unwrap());
        request
    };
    for _ in 0..5 {
        assert_eq!(
            support::send_to(&state, through("10.0.0.2", "203.0.113.7")).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    // The same proxy forwarding another client: that client is not slowed by the first one's failures.
    let other = support::send_to(&state, through("10.0.0.2", "198.51.100.20")).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    let first_again = support::send_to(&state, through("10.0.0.2", "203.0.113.7")).await;
    assert_eq!(first_again.status, StatusCode::TOO_MANY_REQUESTS);
    // Sent straight to the server (not through the proxy), the header is ignored: 203.0.113.99 is the address.
    for _ in 0..5 {
        support::send_to(&state, through("203.0.113.99", "192.0.2.1")).await;
    }
    let spoofed = support::send_to(&state, through("203.0.113.99", "192.0.2.2")).await;
    assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS, "a client cannot choose its address");
    app.finish().await;
}

/// Names with NUL or direction overrides, and a file name of a million characters, are refused with the
/// field that is wrong; nothing is registered.
#[tokio::test]
async fn loose_text_is_refused_field_by_field() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        for (name, expected) in
            [("张\u{0}三", "控制字符"), ("张三\u{202E}四", "文字方向"), ("=HYPERLINK(\"x\")", "公式")]
        {
            let reply =
                app.send(submit_request(&window, None, &application(COMPANY, "11010519491231002X", name))).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {name:?} {}", app.backend, reply.text());
            assert_eq!(reply.json()["error"], "validation_failed");
            let message = reply.json()["fields"]["applicant.name"].as_str().unwrap_or_default().to_string();
            assert!(message.contains(expected), "{name:?}: {message}");
        }
        use base64::Engine;
        let mut body = application(COMPANY, "11010519491231002X", "张三");
        body["attachments"] = serde_json::json!([{
            "material": 0,
            "name": "很".repeat(1_000_000),
            "content_base64": base64::engine::general_purpose::STANDARD.encode(onetrip_domain::upload::samples::PDF),
        }]);
        let reply = app.send(submit_request(&window, None, &body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        let message = reply.json()["fields"]["attachments[0].name"].as_str().unwrap_or_default().to_string();
        assert!(message.contains("最长 255 个字"), "{message}");
        let first = app.send(submit_request(&window, None, &application(COMPANY, "11010519491231002X", "张三"))).await;
        assert!(first.json()["number"].as_str().unwrap().contains("-000001-"), "nothing was registered before");
        app.finish().await;
    }
}

/// Knowing someone's ID number and phone is not enough to take the account a window made for them: the
/// sign-up needs the code sent to that phone, which allows five tries, expires, and works once.
#[tokio::test]
async fn claiming_a_window_registered_applicant_needs_the_code_sent_to_the_phone() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let made = app.send(submit_request(&window, None, &application(COMPANY, "11010519491231002X", "张三"))).await;
        let number = made.json()["number"].as_str().unwrap().to_string();

        // The attacker knows the ID and the phone, but not the code.
        let verify = app.start_sign_up("11010519491231002X", "冒充者", "13912345678").await;
        assert_eq!(verify.status, StatusCode::OK, "{}: {}", app.backend, verify.text());
        assert!(verify.text().contains("139****5678"), "the page says where the code went, masked");
        let code = app.code_sent_to("13912345678").await;
        assert!(!verify.text().contains(&code), "outside a demonstration the code is only in the SMS");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for left in (0..5).rev() {
            let reply = app.finish_sign_up(&verify, wrong).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
            let expected =
                if left == 0 { "已不能再试".to_string() } else { format!("还可以再试 {left} 次") };
            assert!(reply.text().contains(&expected), "{}", reply.text());
        }
        let too_late = app.finish_sign_up(&verify, &code).await;
        assert_eq!(too_late.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_late.text().contains("输错次数过多"), "{}", too_late.text());
        assert!(too_late.cookies().iter().all(|cookie| !cookie.starts_with("onetrip_portal=")), "no session");

        // A code expires after ten minutes.
        let verify = app.start_sign_up("11010519491231002X", "张三", "13912345678").await;
        let code = app.code_sent_to("13912345678").await;
        app.advance_clock(chrono::Duration::minutes(11));
        let expired = app.finish_sign_up(&verify, &code).await;
        assert!(expired.text().contains("已失效或已过期"), "{}", expired.text());

        // The person who holds the phone claims the account and sees the case registered at the window.
        let verify = app.start_sign_up("11010519491231002X", "张三", "13912345678").await;
        let code = app.code_sent_to("13912345678").await;
        let claimed = app.finish_sign_up(&verify, &code).await;
        assert_eq!(claimed.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, claimed.text());
        let cookie = claimed.cookies().into_iter().find(|c| c.starts_with("onetrip_portal=")).unwrap();
        assert!(app.get_with_cookie("/portal", &cookie).await.text().contains(&number));
        // A code works once.
        let again = app.finish_sign_up(&verify, &code).await;
        assert!(again.text().contains("已失效或已过期"), "{}", again.text());
        // The codes are not among the case messages staff can read.
        let (staff, _) = app.login_page(ADMIN).await;
        assert!(!app.get_with_cookie("/staff/outbox", &staff).await.text().contains(&code));
        app.finish().await;
    }
}

/// Codes cannot be sent to one phone without end: after a few, further sends wait.
#[tokio::test]
async fn codes_to_one_phone_are_throttled() {
    for app in TestApp::all().await {
        for _ in 0..3 {
            let sent = app.start_sign_up("110105198001010016", "赵六", "13700000000").await;
            assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
        }
        let refused = app.start_sign_up("110105198001010016", "赵六", "13700000000").await;
        assert!(refused.text().contains("验证码短信发送过于频繁"), "{}: {}", app.backend, refused.text());
        app.finish().await;
    }
}

/// Bodies as the document describes them: not JSON is 400 `bad_request`; JSON of the wrong shape is 422 with
/// the field in plain words; an unknown method is 405 in the JSON error format, with Allow.
#[tokio::test]
async fn bodies_and_methods_are_refused_as_the_document_says() {
    let app = TestApp::all().await.into_iter().next().expect("SQLite");
    let window = app.token(WINDOW).await;
    let raw = |body: &str| {
        Request::post("/api/v1/cases")
            .header(header::AUTHORIZATION, format!("Bearer {window}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let broken = app.send(raw("{")).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.json()["error"], "bad_request");
    let array = app.send(raw("[]")).await;
    assert_eq!(array.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(array.json()["fields"]["body"], "取值不对，应为对象");
    let missing = app.send(raw(r#"{"matter_code":"00013112700401"}"#)).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.json()["fields"]["applicant"], "缺少必填字段 applicant");
    let mut body = application(COMPANY, "11010519491231002X", "张三");
    body["supplied"] = serde_json::json!(["provided"]);
    body["attachments"] = serde_json::json!([{ "material": 0.0, "name": "a.pdf", "content_base64": "" }]);
    let whole = app.send(raw(&body.to_string())).await;
    assert_eq!(whole.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", whole.text());
    assert!(
        whole.json()["fields"]["attachments[0].content_base64"].is_string(),
        "0.0 was read as material 0: {}",
        whole.text()
    );

    let wrong_method = app.json(Method::DELETE, "/api/v1/calendar/days", None, None).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.json()["error"], "method_not_allowed");
    assert!(wrong_method.headers[header::ALLOW].to_str().unwrap().contains("GET"));
    app.finish().await;
}

/// A limit counted into a year whose holiday notice is not loaded is marked provisional (in the API, on the
/// case page), managers are warned from November, and loading the notice counts every open case's limits
/// again, with an event on each case.
#[tokio::test]
async fn limits_into_an_unconfirmed_year_are_provisional_until_its_notice_is_loaded() {
    use chrono::Datelike;
    for app in TestApp::all().await {
        // Late December, so that a ten-day limit runs into next year.
        let now = app.state.local(app.state.now());
        let year = now.year();
        let late = chrono::NaiveDate::from_ymd_opt(year, 12, 20).unwrap().and_hms_opt(10, 0, 0).unwrap();
        if late > now.naive_local() {
            app.advance_clock(late - now.naive_local());
        }
        let next = year + 1;
        assert!(!app.state.calendar().loaded_years().contains(&next), "the shipped notices stop before {next}");

        let start = app.state.local(app.state.now()).to_rfc3339().replace('+', "%2B");
        let due = app.get(&format!("/api/v1/calendar/due?start={start}&working_days=10")).await.json();
        assert_eq!(due["provisional"], true, "{due}");
        assert_eq!(due["unconfirmed_years"], serde_json::json!([next]));
        let within = app.get(&format!("/api/v1/calendar/due?start={year}-06-01T09:00:00%2B08:00&working_days=5")).await;
        assert_eq!(within.json()["provisional"], false);

        let window = app.token(WINDOW).await;
        let materials = app.state.catalog().version(TRANSFER).unwrap().matter.materials.len();
        let mut body = application(TRANSFER, "11010519491231002X", "张三");
        body["supplied"] = serde_json::Value::from(vec!["provided"; materials]);
        let number =
            app.send(submit_request(&window, None, &body)).await.json()["number"].as_str().unwrap().to_string();
        let accept = serde_json::json!({ "decision": "accept", "supplied": vec!["provided"; materials] });
        let accepted =
            app.json(Method::POST, &format!("/api/v1/cases/{number}/acceptance"), Some(&window), Some(accept)).await;
        let accepted = accepted.json();
        let provisional = accepted["due_provisional"].as_str().unwrap_or_default().to_string();
        assert!(provisional.contains(&format!("{next} 年")), "{accepted}");
        let (admin, csrf) = app.login_page(ADMIN).await;
        let page = app.get_with_cookie(&format!("/staff/cases/{number}"), &admin).await.text();
        assert!(page.contains("id=\"due-note\""), "the case page says the limit is provisional");
        assert!(app.get_with_cookie("/staff", &admin).await.text().contains("id=\"calendar-missing\""));

        // The notice comes: its first weekday is a holiday, and the open case's limit moves one day later.
        let mut holiday = chrono::NaiveDate::from_ymd_opt(next, 1, 1).unwrap();
        while holiday.weekday().number_from_monday() > 5 {
            holiday += chrono::Duration::days(1);
        }
        let page = app
            .post_form(
                "/staff/calendar",
                &admin,
                &[("csrf_token", &csrf), ("year", &next.to_string()), ("text", &format!("{holiday} holiday 元旦"))],
            )
            .await;
        assert!(page.text().contains(&format!("已载入 {next} 年")), "{}", page.text());
        let after = app.json(Method::GET, &format!("/api/v1/cases/{number}"), Some(&window), None).await.json();
        assert!(after["due_provisional"].is_null(), "{after}");
        let before_due = chrono::DateTime::parse_from_rfc3339(accepted["due_at"].as_str().unwrap()).unwrap();
        let after_due = chrono::DateTime::parse_from_rfc3339(after["due_at"].as_str().unwrap()).unwrap();
        assert!(after_due > before_due, "the holiday moved the limit: {before_due} → {after_due}");
        let recounts: Vec<_> =
            after["events"].as_array().unwrap().iter().filter(|event| event["action"] == "recount").collect();
        assert_eq!(recounts.len(), 1, "{after}");
        assert!(!app.get_with_cookie("/staff", &admin).await.text().contains("id=\"calendar-missing\""));
        app.finish().await;
    }
}
