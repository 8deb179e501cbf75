//! The clock and its supervision on each backend: special procedures that stop the clock, extensions that
//! need a manager, supervision orders answered once by the responsible department, and matters whose cases
//! needed more trips than published.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::{TestApp, HOUSING, LAND, SUPERVISOR, TAX, WINDOW};

const TRANSFER: &str = "65430030010102";
const COMPANY: &str = "00013112700401";
const BUYER: &str = "654301198001011232";

/// A property transfer registered and accepted through the API; returns its number.
async fn accepted_transfer(app: &TestApp, window: &str) -> String {
    let application = json!({
        "matter_code": TRANSFER,
        "applicant": { "kind": "natural_person", "id_number": BUYER, "name": "李四", "phone": "13912345678" },
        "supplied": ["provided", "provided", "provided", "provided", "missing", "provided"],
    });
    let reply = app.json(Method::POST, "/api/v1/cases", Some(window), Some(application)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let number = reply.json()["number"].as_str().expect("number").to_string();
    let supplied = json!(["provided", "provided", "provided", "provided", "missing", "provided"]);
    let reply = app
        .json(
            Method::POST,
            &format!("/api/v1/cases/{number}/acceptance"),
            Some(window),
            Some(json!({ "decision": "accept", "supplied": supplied })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    number
}

async fn clock(app: &TestApp, token: &str, number: &str, body: Value) -> (StatusCode, Value) {
    let reply = app.json(Method::POST, &format!("/api/v1/cases/{number}/clock"), Some(token), Some(body)).await;
    (reply.status, reply.json())
}

async fn case(app: &TestApp, token: &str, number: &str) -> Value {
    app.json(Method::GET, &format!("/api/v1/cases/{number}"), Some(token), None).await.json()
}

#[tokio::test]
async fn a_special_procedure_stops_the_clock_and_an_extension_needs_a_manager() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let land = app.token(LAND).await;
        let tax = app.token(TAX).await;
        let number = accepted_transfer(&app, &window).await;
        let due_before = case(&app, &window, &number).await["due_at"].clone();

        let pause = json!({ "action": "pause", "procedure": "专家评审", "reason": "房屋面积存疑，需现场测绘" });
        let (status, _) = clock(&app, &tax, &number, pause.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}: only the case's own department stops its clock", app.backend);
        let (status, body) =
            clock(&app, &land, &number, json!({ "action": "pause", "procedure": " ", "reason": "x" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["fields"]["procedure"].as_str().unwrap_or_default().contains("特别程序"));
        let (status, body) = clock(&app, &land, &number, pause.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["phase"], "suspended");
        let (status, _) = clock(&app, &land, &number, pause).await;
        assert_eq!(status, StatusCode::CONFLICT, "a running procedure cannot start twice");
        let reply = app
            .json(
                Method::POST,
                &format!("/api/v1/cases/{number}/review"),
                Some(&tax),
                Some(json!({ "action": "approve", "task": 1 })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "no review while the clock stands still: {}", reply.text());

        app.advance_clock(chrono::Duration::days(7));
        // Sessions run on the application's clock: a week later, everyone logs in again.
        let (window, land, manager) = (app.token(WINDOW).await, app.token(LAND).await, app.token(SUPERVISOR).await);
        let (status, body) = clock(&app, &land, &number, json!({ "action": "resume" })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["phase"], "accepted");
        assert!(
            body["due_at"].as_str() > due_before.as_str(),
            "the due instant moved on: {} → {}",
            due_before,
            body["due_at"]
        );
        let due_resumed = body["due_at"].clone();

        let extend = json!({ "action": "extend", "working_days": 10, "reason": "情况复杂，需要补充调查" });
        let (status, _) = clock(&app, &land, &number, extend.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "an extension needs a manager's approval");
        for (bad, field) in [
            (json!({ "action": "extend", "working_days": 0, "reason": "x" }), "working_days"),
            (json!({ "action": "extend", "working_days": 31, "reason": "x" }), "working_days"),
            (json!({ "action": "extend", "working_days": 5, "reason": "  " }), "reason"),
        ] {
            let (status, body) = clock(&app, &manager, &number, bad).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert!(body["fields"][field].is_string(), "{field}: {body}");
        }
        let (status, body) = clock(&app, &manager, &number, extend).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["due_at"].as_str() > due_resumed.as_str());
        assert_eq!(body["clock"]["extensions"][0]["approved_by"], "supervisor 测试");

        let full = case(&app, &window, &number).await;
        let actions: Vec<&str> =
            full["events"].as_array().expect("events").iter().filter_map(|e| e["action"].as_str()).collect();
        assert!(actions.ends_with(&["pause", "resume", "extend"]), "{actions:?}");
        let parsed = onetrip_domain::case_number::CaseNumber::parse(&number).expect("number");
        let messages = app.store().case_notifications(&parsed).await.expect("messages");
        assert!(messages.iter().any(|m| m.notification.body.contains("专家评审")), "the applicant was told");
        assert!(messages.iter().any(|m| m.notification.body.contains("延长 10 个工作日")));
        let (session, _) = app.login_page(SUPERVISOR).await;
        let compact = number.replace('-', "");
        let notice = app.get_with_cookie(&format!("/staff/cases/{compact}/notices/special_procedure"), &session).await;
        assert_eq!(notice.status, StatusCode::OK);
        assert!(notice.text().contains("专家评审") && notice.text().contains("不计入办理时限"));
        app.finish().await;
    }
}

#[tokio::test]
async fn a_supervision_order_goes_to_the_responsible_department_and_is_answered_once() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let manager = app.token(SUPERVISOR).await;
        let number = accepted_transfer(&app, &window).await;
        let calendar = app.state.calendar();
        let mut deadline = app.state.today() + chrono::Duration::days(1);
        while !calendar.is_working_day(deadline).expect("calendar") {
            deadline += chrono::Duration::days(1);
        }
        let path = format!("/api/v1/cases/{number}/orders");
        let order = json!({ "instruction": "请加快办理，按时办结", "deadline": deadline.to_string() });
        let reply = app.json(Method::POST, &path, Some(&window), Some(order.clone())).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "windows do not supervise");
        for (bad, field) in [
            (json!({ "instruction": "请加快", "deadline": "2020-01-01" }), "deadline"),
            (json!({ "instruction": "请加快", "deadline": "明天" }), "deadline"),
            (json!({ "instruction": " ", "deadline": deadline.to_string() }), "instruction"),
        ] {
            let reply = app.json(Method::POST, &path, Some(&manager), Some(bad)).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
            assert!(reply.json()["fields"][field].is_string(), "{field}: {}", reply.text());
        }
        let reply = app.json(Method::POST, &path, Some(&manager), Some(order)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}: {}", app.backend, reply.text());
        let id = reply.json()["id"].as_i64().expect("id");

        let parsed = onetrip_domain::case_number::CaseNumber::parse(&number).expect("number");
        let orders = app.store().case_orders(&parsed).await.expect("orders");
        let department = orders[0].department.clone();
        assert!(["zjj", "swj", "zrzyj"].contains(&department.as_str()), "a department with an open step: {department}");
        let (responsible, other) = match department.as_str() {
            "zjj" => (HOUSING, TAX),
            "swj" => (TAX, HOUSING),
            _ => (LAND, TAX),
        };
        let (session, _) = app.login_page(responsible).await;
        let inbox = app.get_with_cookie("/staff/inbox", &session).await;
        assert!(inbox.text().contains("请加快办理"), "the order shows in the department's inbox");
        let (manager_session, _) = app.login_page(SUPERVISOR).await;
        let page = app.get_with_cookie("/staff/supervision", &manager_session).await;
        assert!(page.text().contains("请加快办理"), "and on the supervision page while open");

        let answer_path = format!("/api/v1/cases/{number}/orders/{id}/answer");
        let answer = json!({ "answer": "已安排专人办理，明日办结" });
        let other_token = app.token(other).await;
        let reply = app.json(Method::POST, &answer_path, Some(&other_token), Some(answer.clone())).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "another department cannot answer");
        let token = app.token(responsible).await;
        let reply = app.json(Method::POST, &answer_path, Some(&token), Some(json!({ "answer": "" }))).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let reply = app.json(Method::POST, &answer_path, Some(&token), Some(answer.clone())).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
        let reply = app.json(Method::POST, &answer_path, Some(&token), Some(answer)).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "answered once");
        let page = app.get_with_cookie("/staff/supervision", &manager_session).await;
        assert!(!page.text().contains("请加快办理"), "an answered order leaves the open list");
        let full = case(&app, &window, &number).await;
        let actions: Vec<&str> =
            full["events"].as_array().expect("events").iter().filter_map(|e| e["action"].as_str()).collect();
        assert!(actions.ends_with(&["supervise", "supervision_answer"]), "{actions:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn matters_whose_cases_need_more_trips_than_published_are_flagged_with_the_causes() {
    for app in TestApp::all().await {
        let (manager, _) = app.login_page(SUPERVISOR).await;
        let page = app.get_with_cookie("/staff/trips", &manager).await;
        assert!(page.text().contains("id=\"no-trips\""), "{}: nothing to flag yet", app.backend);
        // Company registration is published as fully online (0 trips); a paper application at the window is one.
        let (window, window_csrf) = app.login_page(WINDOW).await;
        let reply = app
            .post_form(
                "/staff/cases/new",
                &window,
                &[
                    ("csrf_token", &window_csrf),
                    ("matter_code", COMPANY),
                    ("kind", "natural_person"),
                    ("id_number", BUYER),
                    ("name", "李四"),
                    ("phone", "13912345678"),
                    ("m0", "provided"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = app.get_with_cookie("/staff/trips", &manager).await;
        let text = page.text();
        assert!(text.contains("企业设立登记（公司）") && text.contains("公布 0 次"), "{}: {text}", app.backend);
        assert!(text.contains("递交申请材料：1 次"), "with the cause: {text}");
        assert!(!text.contains("不动产转移登记"), "matters within their published trips are not listed");
        let (tax, _) = app.login_page(TAX).await;
        assert_eq!(app.get_with_cookie("/staff/trips", &tax).await.status, StatusCode::FORBIDDEN);
        app.finish().await;
    }
}

#[tokio::test]
async fn a_step_with_joint_sign_off_waits_for_two_reviewers_of_its_department() {
    use onetrip_domain::access::Role;
    for app in TestApp::all().await {
        // The land office's 登记审核 becomes a joint sign-off of two reviewers (a new version of the matter).
        let editor = app.add_staff("editor2", vec![Role::CatalogEditor], None).await;
        let current = app.json(Method::GET, &format!("/api/v1/matters/{TRANSFER}"), None, None).await.json();
        let mut matter = current["matter"].clone();
        let steps = matter["steps"].as_array_mut().expect("steps");
        let position = steps.iter().position(|step| step["name"] == "登记审核").expect("登记审核");
        let today = app.state.today().to_string();
        let adjustment = json!({ "kind": "adjust", "reason": "登记审核改为两人会签", "effective_date": today });
        steps[position]["sign_offs"] = json!(12);
        let body = json!({ "expected_version": current["version"], "adjustment": adjustment, "matter": matter });
        let reply = app.json(Method::PUT, &format!("/api/v1/matters/{TRANSFER}"), Some(&editor), Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
        assert!(reply.json()["fields"][format!("steps[{position}].sign_offs")].is_string(), "{}", reply.text());
        matter["steps"][position]["sign_offs"] = json!(2);
        let body = json!({ "expected_version": current["version"], "adjustment": adjustment, "matter": matter });
        let reply = app.json(Method::PUT, &format!("/api/v1/matters/{TRANSFER}"), Some(&editor), Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", app.backend, reply.text());

        let window = app.token(WINDOW).await;
        let number = accepted_transfer(&app, &window).await;
        let land = app.token(LAND).await;
        let second = app.add_staff("land2", vec![Role::Reviewer], Some("zrzyj")).await;
        let task = case(&app, &window, &number).await["review"]["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .position(|task| task["name"] == "登记审核")
            .expect("task");
        let approve = json!({ "action": "approve", "task": task });
        let path = format!("/api/v1/cases/{number}/review");
        let reply = app.json(Method::POST, &path, Some(&land), Some(approve.clone())).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.json()["review"]["tasks"][task]["state"], "open", "one signature of two");
        let reply = app.json(Method::POST, &path, Some(&land), Some(approve.clone())).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "the same reviewer cannot sign twice");
        let reply = app.json(Method::POST, &path, Some(&second), Some(approve)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.json()["review"]["tasks"][task]["state"], "done", "{}: two signatures", app.backend);
        app.finish().await;
    }
}
