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
        assert!(app.store().tickets_of_day("centre", app.state.today()).await.expect("list").is_empty());

        let taken = app
            .post_form(
                "/hall/centre/tickets",
                &cookie,
                &[
                    ("zone", "bs"),
                    ("matter", INVOICES),
                    ("priority", "elderly"),
                    ("last_four", "002x"),
                    ("csrf_token", &csrf),
                ],
            )
            .await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{backend}: {}", taken.text());
        assert_eq!(taken.location(), "/hall/centre/tickets/D001");
        let ticket = app.get("/hall/centre/tickets/D001").await.text();
        assert!(ticket.contains("D001") && ticket.contains("前面还有") && ticket.contains("老年人优先"), "{ticket}");
        assert!(ticket.contains("增值税发票申领"));
        assert!(!ticket.contains("002X"), "the public ticket page shows no part of the ID");
        assert!(
            ticket.contains("现在没有能办这个号的窗口在岗"),
            "no estimate of 0 minutes with nobody there: {ticket}"
        );

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
        assert!(bench.contains("身份证后四位 002X"), "the window sees what the visitor gave to find their cases");
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
        let unchanged = app.store().ticket(id.parse().expect("id")).await.expect("read").expect("ticket");
        assert_eq!((unchanged.state.code(), unchanged.window_code.as_deref()), ("called", Some("D01")));

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
        let linked = app.store().ticket(id.parse().expect("id")).await.expect("read").expect("ticket");
        assert_eq!(linked.case_number.as_deref(), Some(number.as_str()), "{backend}: the ticket knows its case");
        let number_parsed = onetrip_domain::case_number::CaseNumber::parse(&number).expect("number");
        assert_eq!(app.store().case_trips(&number_parsed).await.expect("trips").len(), 1, "the trip is on the case");

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
            .store()
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
        // Counted, too: an hour since the office opened at 09:00; half an hour later only the unattended grow.
        let minutes = |live: &Value, code: &str| {
            live["windows"].as_array().expect("windows").iter().find(|w| w["code"] == code).expect("window")
                ["empty_minutes_today"]
                .as_i64()
                .expect("minutes")
        };
        assert_eq!((minutes(&live, "D03"), minutes(&live, "D02")), (60, 60), "{backend}");
        app.advance_clock(chrono::Duration::minutes(30));
        let later = app.json(Method::GET, "/api/v1/hall/centre/live", Some(&manager), None).await.json();
        assert_eq!((minutes(&later, "D03"), minutes(&later, "D02"), minutes(&later, "H08")), (90, 60, 0), "{backend}");
        // The hall's figure per window and as a share of office time, not a raw sum over 119 windows.
        let (open, office) = (later["open_windows"].as_i64().expect("open"), later["office_minutes_today"].as_i64());
        assert_eq!((open, office), (119, Some(90)), "{backend}");
        let total = later["empty_minutes_today"].as_i64().expect("total");
        assert_eq!(later["empty_minutes_per_window"].as_i64(), Some((total as f64 / 119.0).round() as i64));
        let share = (total as f64 * 1000.0 / (90.0 * 119.0)).round() / 10.0;
        assert_eq!(later["empty_share_percent"].as_f64(), Some(share));
        let (manager_page, _) = app.login_page(SUPERVISOR).await;
        let page = app.get_with_cookie("/staff/hall?hall=centre", &manager_page).await.text();
        assert!(page.contains(&format!("占办公时间的 <strong id=\"empty-share\">{share}%</strong>")), "{page}");
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
                    let reply = support::send_to(&state, request).await;
                    if reply.status == StatusCode::OK {
                        numbers.push(reply.json()["number"].as_str().expect("number").to_string());
                    } else {
                        assert_eq!(reply.status, StatusCode::NO_CONTENT);
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

#[tokio::test]
async fn the_planning_page_recommends_windows_from_the_recorded_day() {
    use chrono::TimeZone;
    use onetrip_store::hall::{CallNext, NewTicket};
    for app in TestApp::all().await {
        let backend = app.backend;
        // Yesterday's (last working day's) morning in the tax zone: 30 visitors from 09:00, one window, each
        // served 12 minutes (called every 12 minutes; a call finishes the one before).
        let calendar = app.state.calendar();
        let mut day = app.state.today() - chrono::Duration::days(1);
        while !calendar.is_working_day(day).expect("calendar") {
            day -= chrono::Duration::days(1);
        }
        let offset = app.state.app.config.utc_offset;
        let local = |minute: i64| {
            offset.from_local_datetime(&day.and_hms_opt(9, 0, 0).expect("time")).single().expect("instant").to_utc()
                + chrono::Duration::minutes(minute)
        };
        // Before any ticket is recorded there is nothing to plan from, and the page says so.
        let (supervisor, _) = app.login_page(SUPERVISOR).await;
        let empty = app.get_with_cookie("/staff/hall/planning?target=10", &supervisor).await.text();
        assert!(empty.contains("id=\"plan-no-data\""), "{backend}: {empty}");
        assert!(!empty.contains("<td class=\"plan-recommended\">0</td>"), "no recommendation of 0 windows");
        for index in 0..30 {
            let ticket = NewTicket {
                hall: "centre".into(),
                day,
                prefix: 'D',
                zone: "bs".into(),
                matter_code: None,
                priority: onetrip_domain::queue::Priority::None,
                channel: "kiosk".into(),
                id_last_four: None,
                at: local(index),
            };
            app.store().issue_ticket(&ticket).await.expect("issue");
        }
        let zones = vec!["bs".to_string()];
        for index in 0..30 {
            let call = CallNext {
                hall: "centre",
                day,
                window: "D01",
                zones: &zones,
                matters: &[],
                actor: "w",
                at: local(12 * index),
            };
            app.store().call_next(&call).await.expect("call").expect("a ticket");
        }
        let manager = app.token(SUPERVISOR).await;
        let plan = app.json(Method::GET, "/api/v1/hall/centre/plan?target=10", Some(&manager), None).await;
        assert_eq!(plan.status, StatusCode::OK, "{backend}: {}", plan.text());
        let plan = plan.json();
        assert_eq!(plan["days"].as_u64(), Some(1));
        let line = |zone: &str, half: &str| -> Value {
            plan["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .find(|line| line["zone"] == zone && line["half"] == half)
                .expect("line")
                .clone()
        };
        let morning = line("bs", "上午");
        assert_eq!(morning["arrivals_per_hour"].as_f64(), Some(10.0), "{backend}: 30 in a 180-minute morning");
        assert_eq!(morning["mean_service"].as_f64(), Some(12.0), "29 finished after 12 minutes each");
        let expected = onetrip_domain::queue::windows_needed(30.0 / 180.0, 12.0, 10.0, 28).expect("reachable");
        assert_eq!(morning["recommended"].as_u64(), Some(u64::from(expected)));
        assert!(expected >= 3, "two Erlangs need more than two windows");
        // Nobody came in the afternoon or to the police zone: no window is needed, the service time is assumed.
        assert_eq!(line("bs", "下午")["recommended"].as_u64(), Some(0));
        assert_eq!(
            (line("bs", "下午")["tickets"].as_u64(), line("bs", "上午")["tickets"].as_u64()),
            (Some(0), Some(30))
        );
        assert!(line("ga", "上午")["mean_service"].is_null());
        let page = app.get_with_cookie("/staff/hall/planning?target=10", &supervisor).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("窗口测算") && page.text().contains("办税"));
        assert!(!page.text().contains("plan-no-data"));
        assert!(page.text().contains("还没有取号记录"), "the afternoon without tickets says so");
        let bad = app.json(Method::GET, "/api/v1/hall/centre/plan?target=0", Some(&manager), None).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        let window = app.token(WINDOW).await;
        assert_eq!(
            app.json(Method::GET, "/api/v1/hall/centre/plan", Some(&window), None).await.status,
            StatusCode::FORBIDDEN
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn an_appointment_is_booked_on_the_portal_and_checked_in_at_the_kiosk_before_the_queue() {
    for app in TestApp::all().await {
        let backend = app.backend;
        // The hall manager leaves one place per half day in the tax zone.
        let manager = app.token(SUPERVISOR).await;
        let mut layout = app.json(Method::GET, "/api/v1/hall/layout", None, None).await.json();
        let zone =
            layout["zones"].as_array_mut().expect("zones").iter_mut().find(|zone| zone["code"] == "bs").expect("bs");
        zone["appointments_am"] = json!(1);
        let saved = app.json(Method::PUT, "/api/v1/hall/layout", Some(&manager), Some(layout.clone())).await;
        assert_eq!(saved.status, StatusCode::OK, "{backend}: {}", saved.text());
        let mut broken = layout.clone();
        broken["windows"][0]["zone"] = json!("nowhere");
        let refused = app.json(Method::PUT, "/api/v1/hall/layout", Some(&manager), Some(broken)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.json()["fields"]["windows[0].zone"].to_string().contains("没有这个功能区"),
            "{}",
            refused.text()
        );
        // On the layout page the same problem is placed in words, not as a JSON path.
        let (manager_page, manager_csrf) = app.login_page(SUPERVISOR).await;
        let mut broken_text = layout.clone();
        broken_text["windows"][0]["zone"] = json!("nowhere");
        let text = broken_text.to_string();
        let page = app
            .post_form(
                "/staff/hall/layout",
                &manager_page,
                &[("csrf_token", manager_csrf.as_str()), ("text", text.as_str())],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        let html = page.text();
        assert!(html.contains("<strong>第 1 个窗口 · 所在功能区</strong>：没有这个功能区"), "{html}");
        assert!(!html.contains("<code>windows[0]"), "no JSON path as the place");
        let window = app.token(WINDOW).await;
        assert_eq!(
            app.json(Method::PUT, "/api/v1/hall/layout", Some(&window), Some(layout)).await.status,
            StatusCode::FORBIDDEN
        );

        let calendar = app.state.calendar();
        let today = app.state.today();
        let next = |from: chrono::NaiveDate, working: bool| {
            let mut day = from;
            while calendar.is_working_day(day).expect("calendar") != working {
                day += chrono::Duration::days(1);
            }
            day
        };
        let booked_day = next(today + chrono::Duration::days(1), true);
        let closed_day = next(today + chrono::Duration::days(1), false);
        let mut earlier = today - chrono::Duration::days(1);
        while !calendar.is_working_day(earlier).expect("calendar") {
            earlier -= chrono::Duration::days(1);
        }

        let (cookie, csrf) = app.sign_up("11010519491231002X", "张三", "13912345678").await;
        let page = app.get_with_cookie("/portal/appointments", &cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains(&booked_day.to_string()) && !page.text().contains(&format!(">{closed_day}<")));
        let book = |day: chrono::NaiveDate, half: &'static str| {
            let (cookie, csrf) = (cookie.clone(), csrf.clone());
            let app = &app;
            async move {
                app.post_form(
                    "/portal/appointments",
                    &cookie,
                    &[("csrf_token", &csrf), ("zone", "bs"), ("day", &day.to_string()), ("half", half)],
                )
                .await
            }
        };
        let holiday = book(closed_day, "am").await;
        assert_eq!(holiday.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(holiday.text().contains("节假日或周末"));
        let past = book(earlier, "am").await;
        assert!(past.text().contains("已经过去"), "{}", past.text());
        let ok = book(booked_day, "am").await;
        assert_eq!(ok.location(), "/portal/appointments?flash=booked", "{}", ok.text());
        let twice = book(booked_day, "am").await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        // Booking by matter finds its zone: invoices are the tax zone's, whose afternoon is still free.
        let by_matter = app
            .post_form(
                "/portal/appointments",
                &cookie,
                &[("csrf_token", &csrf), ("matter", INVOICES), ("day", &booked_day.to_string()), ("half", "pm")],
            )
            .await;
        assert_eq!(by_matter.location(), "/portal/appointments?flash=booked", "{backend}: {}", by_matter.text());
        let listed = app.get_with_cookie("/portal/appointments", &cookie).await.text();
        assert!(listed.contains("办税 · 增值税发票申领"), "{backend}: the booking names its matter");
        // Somebody else finds the morning full.
        let (other, other_csrf) = app.sign_up("110105194912310038", "李四", "13912345679").await;
        let full = app
            .post_form(
                "/portal/appointments",
                &other,
                &[("csrf_token", &other_csrf), ("zone", "bs"), ("day", &booked_day.to_string()), ("half", "am")],
            )
            .await;
        assert_eq!(full.status, StatusCode::CONFLICT);
        assert!(full.text().contains("已约满"), "{}", full.text());
        let mine = app.get_with_cookie("/portal/appointments", &cookie).await.text();
        // Two bookings are listed; the morning's code is the one checked in below.
        let morning = mine.split("<tr>").find(|row| row.contains(&format!("{booked_day} 上午"))).expect("morning row");
        let code = morning
            .split("appointment-code\">")
            .nth(1)
            .expect("code shown")
            .split('<')
            .next()
            .expect("code")
            .to_string();
        assert_eq!(code.len(), 8);

        // The kiosk refuses the code before its day; on the morning, it becomes a priority ticket.
        let kiosk = app.get("/hall/centre/kiosk").await;
        let kiosk_cookie = kiosk.cookies().into_iter().find(|c| c.starts_with("onetrip_kiosk=")).expect("cookie");
        let kiosk_cookie = kiosk_cookie.split(';').next().expect("pair").to_string();
        let kiosk_csrf = hidden_input(&kiosk.text(), "csrf_token");
        let early =
            app.post_form("/hall/centre/checkin", &kiosk_cookie, &[("code", &code), ("csrf_token", &kiosk_csrf)]).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{backend}");
        assert!(early.text().contains("以后签到"), "{}", early.text());
        app.to_office_hours();
        assert_eq!(app.state.today(), booked_day);
        // Sessions run on the application's clock: on the booked morning, the window logs in again.
        let window = app.token(WINDOW).await;
        let plain =
            app.json(Method::POST, "/api/v1/hall/centre/tickets", Some(&window), Some(json!({ "zone": "bs" }))).await;
        assert_eq!(plain.json()["number"].as_str(), Some("D001"));
        let wrong = app
            .post_form("/hall/centre/checkin", &kiosk_cookie, &[("code", "ZZZZZZZZ"), ("csrf_token", &kiosk_csrf)])
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let checked = app
            .post_form(
                "/hall/centre/checkin",
                &kiosk_cookie,
                &[("code", &code.to_lowercase()), ("csrf_token", &kiosk_csrf)],
            )
            .await;
        assert_eq!(checked.location(), "/hall/centre/tickets/D002", "{backend}: {}", checked.text());
        assert!(app.get("/hall/centre/tickets/D002").await.text().contains("预约"));
        let again =
            app.post_form("/hall/centre/checkin", &kiosk_cookie, &[("code", &code), ("csrf_token", &kiosk_csrf)]).await;
        assert!(again.text().contains("已经签到过"), "{}", again.text());
        app.json(
            Method::POST,
            "/api/v1/hall/windows/D01/presence",
            Some(&window),
            Some(json!({ "action": "sign_in" })),
        )
        .await;
        let called = app.json(Method::POST, "/api/v1/hall/windows/D01/call", Some(&window), None).await;
        assert_eq!(called.json()["number"].as_str(), Some("D002"), "{backend}: the appointment is called first");
        app.finish().await;
    }
}

#[tokio::test]
async fn staff_are_posted_for_a_term_and_moved_early_only_with_a_reason() {
    for app in TestApp::all().await {
        let backend = app.backend;
        let manager = app.token(SUPERVISOR).await;
        let tax = app.add_staff("poster", vec![Role::WindowStaff], Some("swj")).await;
        app.add_staff("posted-reviewer", vec![Role::Reviewer], Some("swj")).await;
        let window = app.token(WINDOW).await;
        let assign = |body: Value| app.json(Method::POST, "/api/v1/hall/assignments", Some(&manager), Some(body));
        let wrong_role = assign(json!({ "window": "D03", "username": "posted-reviewer" })).await;
        assert_eq!(wrong_role.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        let wrong_window = assign(json!({ "window": "B01", "username": "poster" })).await;
        assert!(
            wrong_window.json()["fields"]["window"].to_string().contains("不收这个工作人员所在部门"),
            "{}",
            wrong_window.text()
        );
        let by_window = app
            .json(
                Method::POST,
                "/api/v1/hall/assignments",
                Some(&window),
                Some(json!({ "window": "D03", "username": "poster" })),
            )
            .await;
        assert_eq!(by_window.status, StatusCode::FORBIDDEN, "only a hall manager posts staff");
        let posted = assign(json!({ "window": "D03", "username": "poster" })).await;
        assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.text());
        let today = app.state.today();
        let year_later = today.checked_add_months(chrono::Months::new(12)).expect("date") - chrono::Duration::days(1);
        assert_eq!(posted.json()["ends"].as_str(), Some(year_later.to_string().as_str()), "a year by default");
        let id = posted.json()["id"].as_i64().expect("id");

        let presence = |token: &str, code: &str| {
            let token = token.to_string();
            let path = format!("/api/v1/hall/windows/{code}/presence");
            let app = &app;
            async move { app.json(Method::POST, &path, Some(&token), Some(json!({ "action": "sign_in" }))).await }
        };
        let stranger = presence(&window, "D03").await;
        assert_eq!(stranger.status, StatusCode::CONFLICT, "{backend}: a posted window takes only its staff");
        let elsewhere = presence(&tax, "D02").await;
        assert!(elsewhere.json()["message"].as_str().expect("message").contains("D03"), "{}", elsewhere.text());
        assert_eq!(presence(&tax, "D03").await.status, StatusCode::NO_CONTENT);

        let end_path = format!("/api/v1/hall/assignments/{id}/end");
        let end = |body: Value| app.json(Method::POST, &end_path, Some(&manager), Some(body));
        let no_reason = end(json!({ "move_to": "D04" })).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.json(Method::GET, "/api/v1/hall/assignments", Some(&manager), None)
                .await
                .json()
                .as_array()
                .expect("list")
                .len(),
            1
        );
        let moved = end(json!({ "reason": "办税区人手不足，调整到 D04", "move_to": "D04" })).await;
        assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text());
        let list = app.json(Method::GET, "/api/v1/hall/assignments", Some(&manager), None).await.json();
        assert_eq!(list.as_array().expect("list").len(), 1);
        assert_eq!(
            (list[0]["window"].as_str(), list[0]["ends"].as_str()),
            (Some("D04"), Some(year_later.to_string().as_str()))
        );
        assert_eq!(presence(&tax, "D04").await.status, StatusCode::NO_CONTENT, "the new post");
        assert_eq!(end(json!({ "reason": "再调" })).await.status, StatusCode::NOT_FOUND, "the old post is over");
        let audit = app.store().audit_events(50).await.expect("audit");
        assert!(
            audit.iter().any(|event| event.action == "hall.assignment_end" && event.detail.contains("人手不足")),
            "{backend}"
        );
        let page = app.get_with_cookie("/staff/hall/assignments", &app.login_page(SUPERVISOR).await.0).await;
        assert!(page.text().contains("D04") && page.text().contains("poster"), "{backend}");
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_a_call_made_on_one_instance_reaches_the_displays_of_another() {
    for app in TestApp::all().await {
        let backend = app.backend;
        // A second instance of the server on the same database.
        let clock = std::sync::Arc::new(onetrip_app::clock::SystemClock);
        let other =
            onetrip_app::App::new(app.store().clone(), app.files().clone(), onetrip_app::AppConfig::default(), clock)
                .await
                .expect("second instance");
        let mut here = app.state.app.hall_calls();
        let mut there = other.hall_calls();
        let window = app.token(WINDOW).await;
        app.json(Method::POST, "/api/v1/hall/centre/tickets", Some(&window), Some(json!({ "zone": "bs" }))).await;
        app.json(
            Method::POST,
            "/api/v1/hall/windows/D01/presence",
            Some(&window),
            Some(json!({ "action": "sign_in" })),
        )
        .await;
        let called = app.json(Method::POST, "/api/v1/hall/windows/D01/call", Some(&window), None).await;
        assert_eq!(called.json()["number"].as_str(), Some("D001"), "{backend}: {}", called.text());
        let wait = std::time::Duration::from_secs(5);
        let heard_here =
            tokio::time::timeout(wait, here.recv()).await.expect("this instance's displays hear it").expect("call");
        assert_eq!((heard_here.number.as_str(), heard_here.window.as_str()), ("D001", "D01"));
        if backend == "postgres" {
            assert!(app.state.app.hall_relayed() && other.hall_relayed(), "LISTEN/NOTIFY relays calls");
            let heard_there =
                tokio::time::timeout(wait, there.recv()).await.expect("the other instance hears it").expect("call");
            assert_eq!(heard_there.number, "D001");
            assert!(here.try_recv().is_err(), "each display hears a call once");
        } else {
            // SQLite is embedded: one instance, no relay.
            assert!(!app.state.app.hall_relayed());
            assert!(there.try_recv().is_err());
        }
        app.finish().await;
    }
}
