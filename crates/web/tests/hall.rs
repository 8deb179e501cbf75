//! The hall through its pages and API, on every backend: a ticket from the kiosk to the display and the
//! window, the case opened from it, refusals that change nothing, empty posts, and many windows calling at once.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use onetrip_domain::access::Role;
use serde_json::{json, Value};
use std::collections::HashSet;
use support::{hidden_input, TestApp, SUPERVISOR, WINDOW};
use tower::ServiceExt;

const INVOICES: &str = "65430130010001";

/// Reads the next server-sent event's data from a display's stream, waiting at most `seconds`.
async fn next_event(body: &mut Body, seconds: u64) -> String {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while !text.contains("\n\n") {
        let frame = tokio::time::timeout_at(deadline, body.frame()).await.expect("an event in time");
        let frame = frame.expect("stream open").expect("frame");
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        if text.starts_with(':') && text.ends_with("\n\n") {
            text.clear(); // a keep-alive comment
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_takes_a_ticket_a_window_calls_it_and_the_display_hears_it() {
    for app in TestApp::all().await {
        let backend = app.backend;
        let kiosk = app.get("/hall/centre/kiosk").await;
        assert_eq!(kiosk.status, StatusCode::OK, "{backend}");
        assert!(kiosk.text().contains("办税") && kiosk.text().contains("不动产登记"), "{backend}: the nine zones");
        let form = app.get(&format!("/hall/centre/kiosk/bs?matter={INVOICES}")).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("增值税发票申领"), "the zone's matters are offered");
        let cookie = form.cookies().into_iter().find(|c| c.starts_with("onetrip_kiosk=")).expect("kiosk cookie");
        let cookie = cookie.split(';').next().expect("pair").to_string();
        let csrf = hidden_input(&form.text(), "csrf_token");

        // Another site's form (no token) and a malformed ID ending take no ticket.
        let forged = app.post_form("/hall/centre/tickets", "", &[("zone", "bs")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{backend}");
        let bad = app
            .post_form("/hall/centre/tickets", &cookie, &[("zone", "bs"), ("last_four", "12"), ("csrf_token", &csrf)])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("身份证后四位是 4 个数字"), "{}", bad.text());
        assert!(app.state.store.tickets_of_day("centre", app.state.today()).await.expect("list").is_empty());

        let taken = app
            .post_form(
                "/hall/centre/tickets",
                &cookie,
                &[("zone", "bs"), ("matter", INVOICES), ("priority", "elderly"), ("csrf_token", &csrf)],
            )
            .await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{backend}: {}", taken.text());
        assert_eq!(taken.location(), "/hall/centre/tickets/D001");
        let ticket = app.get("/hall/centre/tickets/D001").await.text();
        assert!(ticket.contains("D001") && ticket.contains("前面还有") && ticket.contains("老年人优先"), "{ticket}");
        assert!(ticket.contains("增值税发票申领"));

        // A display connects before the call.
        let display = router_request(&app, "/hall/centre/display/events").await;
        assert_eq!(display.status(), StatusCode::OK);
        assert!(display.headers()[header::CONTENT_TYPE].to_str().expect("type").starts_with("text/event-stream"));
        let mut stream = display.into_body();

        let (session, staff_csrf) = app.login_page(WINDOW).await;
        let bench = app.get_with_cookie("/staff/windows/D01", &session).await;
        assert!(bench.text().contains("未上岗"), "{}", bench.text());
        let early =
            app.post_form("/staff/windows/D01", &session, &[("action", "call"), ("csrf_token", &staff_csrf)]).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "calling before signing in");
        assert!(early.text().contains("上岗后才能叫号"));
        let sign_in =
            app.post_form("/staff/windows/D01", &session, &[("action", "sign_in"), ("csrf_token", &staff_csrf)]).await;
        assert_eq!(sign_in.status, StatusCode::SEE_OTHER, "{}", sign_in.text());
        let called =
            app.post_form("/staff/windows/D01", &session, &[("action", "call"), ("csrf_token", &staff_csrf)]).await;
        assert_eq!(called.location(), "/staff/windows/D01?flash=called");
        let event = next_event(&mut stream, 5).await;
        assert!(
            event.contains("event: call") && event.contains("D001") && event.contains("\"window\":\"D01\""),
            "{event}"
        );
        assert!(event.contains("请 D001 号到 D01 号窗口办理"), "{event}");
        assert!(app.get("/hall/centre/display").await.text().contains("D001"), "a display that connects later");
        assert!(app.get("/hall/centre/tickets/D001").await.text().contains("正在叫号：D01 号窗口"));

        let bench = app.get_with_cookie("/staff/windows/D01", &session).await.text();
        let id = hidden_input(&bench, "ticket");
        // The visitor came for invoices; the police zone does not do them: refused, and nothing changes.
        let wrong = app
            .post_form(
                "/staff/windows/D01",
                &session,
                &[("action", "transfer_zone"), ("ticket", &id), ("zone", "ga"), ("csrf_token", &staff_csrf)],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::CONFLICT);
        assert!(wrong.text().contains("公安不办理这个号所取的事项"), "{}", wrong.text());
        let unchanged = app.state.store.ticket(id.parse().expect("id")).await.expect("read").expect("ticket");
        assert_eq!((unchanged.state.as_str(), unchanged.window_code.as_deref()), ("called", Some("D01")));

        // The window opens a case from the ticket: the registration form carries it, and the case is linked.
        let open = app
            .post_form(
                "/staff/windows/D01",
                &session,
                &[("action", "open_case"), ("ticket", &id), ("csrf_token", &staff_csrf)],
            )
            .await;
        assert_eq!(open.status, StatusCode::SEE_OTHER);
        let form = app.get_with_cookie(open.location(), &session).await.text();
        assert_eq!(hidden_input(&form, "ticket"), id);
        let created = app
            .post_form(
                "/staff/cases/new",
                &session,
                &[
                    ("csrf_token", &staff_csrf),
                    ("matter_code", INVOICES),
                    ("ticket", &id),
                    ("window", "D01"),
                    ("kind", "natural_person"),
                    ("id_number", "11010519491231002X"),
                    ("name", "张三"),
                    ("phone", "13912345678"),
                    ("m0", "provided"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        let number = created.location().trim_start_matches("/staff/cases/").to_string();
        let linked = app.state.store.ticket(id.parse().expect("id")).await.expect("read").expect("ticket");
        assert_eq!(linked.case_number.as_deref(), Some(number.as_str()), "{backend}: the ticket knows its case");
        let number_parsed = onetrip_domain::case_number::CaseNumber::parse(&number).expect("number");
        assert_eq!(
            app.state.store.case_trips(&number_parsed).await.expect("trips").len(),
            1,
            "the trip is on the case"
        );

        let finish = app
            .post_form(
                "/staff/windows/D01",
                &session,
                &[("action", "finish"), ("ticket", &id), ("csrf_token", &staff_csrf)],
            )
            .await;
        assert_eq!(finish.location(), "/staff/windows/D01?flash=done");
        let nobody =
            app.post_form("/staff/windows/D01", &session, &[("action", "call"), ("csrf_token", &staff_csrf)]).await;
        assert_eq!(nobody.location(), "/staff/windows/D01?flash=nobody");
        let events: Vec<String> = app
            .state
            .store
            .ticket_events(id.parse().expect("id"))
            .await
            .expect("events")
            .into_iter()
            .map(|event| event.action)
            .collect();
        assert_eq!(events, vec!["issued", "called", "case", "finished"]);

        // The live view is the hall manager's.
        assert_eq!(app.get_with_cookie("/staff/hall", &session).await.status, StatusCode::FORBIDDEN);
        let (manager, _) = app.login_page(SUPERVISOR).await;
        let live = app.get_with_cookie("/staff/hall", &manager).await;
        assert_eq!(live.status, StatusCode::OK);
        assert!(live.text().contains("D01") && live.text().contains("办税"), "{backend}");
        app.finish().await;
    }
}

async fn router_request(app: &TestApp, path: &str) -> axum::response::Response {
    onetrip_web::router(app.state.clone())
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .expect("infallible")
}

#[tokio::test]
async fn windows_refuse_what_they_must_and_empty_posts_show() {
    for app in TestApp::all().await {
        let backend = app.backend;
        app.to_office_hours();
        let window = app.token(WINDOW).await;
        let tax = app.add_staff("taxwindow", vec![Role::WindowStaff], Some("swj")).await;
        let reviewer = app.add_staff("hallreviewer", vec![Role::Reviewer], None).await;
        let presence = |window: &str| format!("/api/v1/hall/windows/{window}/presence");

        let closed =
            app.json(Method::POST, &presence("H08"), Some(&window), Some(json!({ "action": "sign_in" }))).await;
        assert_eq!(closed.status, StatusCode::CONFLICT, "{backend}: {}", closed.text());
        assert!(closed.json()["message"].as_str().expect("message").contains("暂停使用"));
        let other_department =
            app.json(Method::POST, &presence("B01"), Some(&tax), Some(json!({ "action": "sign_in" }))).await;
        assert_eq!(other_department.status, StatusCode::FORBIDDEN, "a tax officer at the police windows");
        let not_staff =
            app.json(Method::POST, &presence("D02"), Some(&reviewer), Some(json!({ "action": "sign_in" }))).await;
        assert_eq!(not_staff.status, StatusCode::FORBIDDEN);
        let unknown = app.json(Method::POST, &presence("D02"), Some(&tax), Some(json!({ "action": "dance" }))).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        let anonymous = app.json(Method::POST, "/api/v1/hall/windows/D02/call", None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

        let signed = app.json(Method::POST, &presence("D02"), Some(&tax), Some(json!({ "action": "sign_in" }))).await;
        assert_eq!(signed.status, StatusCode::NO_CONTENT, "{}", signed.text());
        let taken = app.json(Method::POST, &presence("D02"), Some(&window), Some(json!({ "action": "sign_in" }))).await;
        assert_eq!(taken.status, StatusCode::CONFLICT, "one person per window");
        let nobody = app.json(Method::POST, "/api/v1/hall/windows/D02/call", Some(&tax), None).await;
        assert_eq!(nobody.status, StatusCode::NO_CONTENT);

        // A ticket for a matter finds its zone by itself; a matter nobody in this hall serves is refused.
        let ticket = app
            .json(Method::POST, "/api/v1/hall/centre/tickets", Some(&window), Some(json!({ "matter": INVOICES })))
            .await;
        assert_eq!(ticket.status, StatusCode::CREATED, "{}", ticket.text());
        assert_eq!((ticket.json()["number"].as_str(), ticket.json()["zone"].as_str()), (Some("D001"), Some("bs")));
        let nowhere = app
            .json(Method::POST, "/api/v1/hall/tax/tickets", Some(&window), Some(json!({ "matter": "65430120010001" })))
            .await;
        assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", nowhere.text());
        assert!(nowhere.json()["fields"]["matter"].is_array() || nowhere.json()["fields"]["matter"].is_string());
        let on_break = app.json(Method::POST, &presence("D02"), Some(&tax), Some(json!({ "action": "break" }))).await;
        assert_eq!(on_break.status, StatusCode::NO_CONTENT);
        let while_away = app.json(Method::POST, "/api/v1/hall/windows/D02/call", Some(&tax), None).await;
        assert_eq!(while_away.status, StatusCode::CONFLICT, "no calling on a break");
        app.json(Method::POST, &presence("D02"), Some(&tax), Some(json!({ "action": "back" }))).await;
        let called = app.json(Method::POST, "/api/v1/hall/windows/D02/call", Some(&tax), None).await;
        assert_eq!(called.json()["number"].as_str(), Some("D001"));
        let id = called.json()["id"].as_i64().expect("id");
        app.json(Method::POST, &presence("D01"), Some(&window), Some(json!({ "action": "sign_in" }))).await;
        let twice = app
            .json(
                Method::POST,
                &format!("/api/v1/hall/windows/D01/tickets/{id}"),
                Some(&window),
                Some(json!({ "action": "finish" })),
            )
            .await;
        assert_eq!(
            twice.status,
            StatusCode::CONFLICT,
            "{backend}: another window cannot finish D02's ticket: {}",
            twice.text()
        );
        let missed = app
            .json(
                Method::POST,
                &format!("/api/v1/hall/windows/D02/tickets/{id}"),
                Some(&tax),
                Some(json!({ "action": "miss" })),
            )
            .await;
        assert_eq!(missed.json()["state"].as_str(), Some("missed"), "{}", missed.text());
        let rejoined = app
            .json(
                Method::POST,
                &format!("/api/v1/hall/windows/D02/tickets/{id}"),
                Some(&tax),
                Some(json!({ "action": "rejoin" })),
            )
            .await;
        assert_eq!(rejoined.json()["state"].as_str(), Some("waiting"));

        // In office hours, every open window with nobody signed in is an empty post; D02 is staffed.
        let manager = app.token(SUPERVISOR).await;
        let live = app.json(Method::GET, "/api/v1/hall/centre/live", Some(&manager), None).await;
        assert_eq!(live.status, StatusCode::OK, "{}", live.text());
        let live = live.json();
        let status = |code: &str| -> String {
            live["windows"].as_array().expect("windows").iter().find(|w| w["code"] == code).expect("window")["status"]
                .as_str()
                .expect("status")
                .to_string()
        };
        assert_eq!(status("D02"), "idle");
        assert_eq!(status("D03"), "empty");
        assert_eq!(status("H08"), "closed");
        assert_eq!(live["empty_posts"].as_u64(), Some(117), "{backend}: 120 windows, one closed, two staffed");
        let zone =
            live["zones"].as_array().expect("zones").iter().find(|zone| zone["code"] == "bs").expect("zone").clone();
        assert_eq!(zone["waiting"].as_u64(), Some(1));
        let refused = app.json(Method::GET, "/api/v1/hall/centre/live", Some(&tax), None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_windows_calling_at_once_through_the_api_never_share_a_ticket() {
    for app in TestApp::all().await {
        let backend = app.backend;
        let kiosk = app.token(WINDOW).await;
        for _ in 0..100 {
            let reply = app
                .json(Method::POST, "/api/v1/hall/centre/tickets", Some(&kiosk), Some(json!({ "zone": "ldsb" })))
                .await;
            assert_eq!(reply.status, StatusCode::CREATED);
        }
        let mut tokens = Vec::new();
        for index in 1..=20 {
            let token = app.add_staff(&format!("ldsb{index}"), vec![Role::WindowStaff], None).await;
            let window = format!("A{index:02}");
            let reply = app
                .json(
                    Method::POST,
                    &format!("/api/v1/hall/windows/{window}/presence"),
                    Some(&token),
                    Some(json!({ "action": "sign_in" })),
                )
                .await;
            assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
            tokens.push((window, token));
        }
        let mut tasks = Vec::new();
        for (window, token) in tokens {
            let state = app.state.clone();
            tasks.push(tokio::spawn(async move {
                let mut numbers = Vec::new();
                for _ in 0..6 {
                    let request = Request::post(format!("/api/v1/hall/windows/{window}/call"))
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(Body::empty())
                        .expect("request");
                    let response = onetrip_web::router(state.clone()).oneshot(request).await.expect("infallible");
                    if response.status() == StatusCode::OK {
                        let body = response.into_body().collect().await.expect("body").to_bytes();
                        let value: Value = serde_json::from_slice(&body).expect("json");
                        numbers.push(value["number"].as_str().expect("number").to_string());
                    } else {
                        assert_eq!(response.status(), StatusCode::NO_CONTENT);
                    }
                }
                numbers
            }));
        }
        let mut seen = HashSet::new();
        for task in tasks {
            for number in task.await.expect("task") {
                assert!(seen.insert(number.clone()), "{backend}: {number} called at two windows");
            }
        }
        assert_eq!(seen.len(), 100, "{backend}: every ticket called (20 windows × 6 calls)");
        app.finish().await;
    }
}
