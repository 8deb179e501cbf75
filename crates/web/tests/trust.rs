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
