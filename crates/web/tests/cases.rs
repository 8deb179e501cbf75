//! Cases through the API on each backend: registration with idempotency, the one correction notice, the
//! supervisor's sign-off for a second one, acceptance and its due instant, the public progress lookup,
//! and who may see or do what.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{json, Value};
use support::{TestApp, EDITOR, HOUSING, LAND, REVIEWER, SUPERVISOR, TAX, WINDOW};

const COMPANY: &str = "00013112700401";
const PERSON: &str = "11010519491231002X";

fn application() -> Value {
    json!({
        "matter_code": COMPANY,
        "applicant": { "kind": "natural_person", "id_number": PERSON, "name": "张三", "phone": "13912345678" },
        "supplied": ["provided"],
    })
}

async fn submit(app: &TestApp, token: &str, key: &str) -> (StatusCode, Value) {
    let request = Request::post("/api/v1/cases")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Body::from(application().to_string()))
        .expect("request");
    let reply = app.send(request).await;
    (reply.status, reply.json())
}

async fn decide(app: &TestApp, token: &str, number: &str, body: Value) -> (StatusCode, Value) {
    let reply = app.json(Method::POST, &format!("/api/v1/cases/{number}/acceptance"), Some(token), Some(body)).await;
    (reply.status, reply.json())
}

fn all(materials: usize, state: &str) -> Value {
    Value::from(vec![state; materials])
}

#[tokio::test]
async fn a_case_is_told_once_what_is_missing_and_accepted_when_complete() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let materials = app.state.catalog().version(COMPANY).expect("matter").matter.materials.len();
        assert!(materials >= 2, "the demo matter has several materials");

        let (status, case) = submit(&app, &window, "k-1").await;
        assert_eq!(status, StatusCode::CREATED, "{}: {case}", app.backend);
        let number = case["number"].as_str().expect("number").to_string();
        assert_eq!(case["phase"], "received");
        assert_eq!(case["applicant"]["id_number"], "1101**********002X", "identity numbers are masked");
        let (status, again) = submit(&app, &window, "k-1").await;
        assert_eq!(status, StatusCode::OK, "a retry returns the first case");
        assert_eq!(again["number"], number.as_str());

        // Accepting an incomplete application is refused and changes nothing.
        let (status, refused) =
            decide(&app, &window, &number, json!({ "decision": "accept", "supplied": ["provided"] })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(refused["fields"].as_object().is_some_and(|f| f.keys().any(|k| k.starts_with("supplied["))));

        // One notice lists every missing material.
        let (status, noticed) =
            decide(&app, &window, &number, json!({ "decision": "correction_notice", "supplied": ["provided"] })).await;
        assert_eq!(status, StatusCode::OK, "{noticed}");
        assert_eq!(noticed["phase"], "awaiting_correction");
        let listed = noticed["correction_notice"].as_array().map_or(0, Vec::len);
        assert!(listed >= 1, "{noticed}");

        let (status, _) =
            decide(&app, &window, &number, json!({ "decision": "corrected", "supplied": all(materials, "provided") }))
                .await;
        assert_eq!(status, StatusCode::OK);
        // A second notice needs a supervisor's sign-off with a reason.
        let second = json!({ "decision": "correction_notice", "supplied": ["provided"] });
        assert_eq!(decide(&app, &window, &number, second.clone()).await.0, StatusCode::FORBIDDEN);
        let supervisor = app.token(SUPERVISOR).await;
        let (status, unsigned) = decide(&app, &supervisor, &number, second).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unsigned["fields"]["supervisor_reason"].is_string());
        let signed = json!({ "decision": "correction_notice", "supplied": ["provided"], "supervisor_reason": "营业执照副本已过期" });
        let (status, twice) = decide(&app, &supervisor, &number, signed).await;
        assert_eq!(status, StatusCode::OK, "{twice}");
        assert_eq!(twice["corrections"], 2);
        decide(&app, &window, &number, json!({ "decision": "corrected", "supplied": all(materials, "provided") }))
            .await;

        let (status, accepted) =
            decide(&app, &window, &number, json!({ "decision": "accept", "supplied": all(materials, "provided") }))
                .await;
        assert_eq!(status, StatusCode::OK, "{accepted}");
        assert_eq!(accepted["phase"], "accepted");
        assert!(
            accepted["due_at"].as_str().unwrap_or_default() > accepted["accepted_at"].as_str().unwrap_or("z"),
            "{accepted}"
        );
        let (status, again) =
            decide(&app, &window, &number, json!({ "decision": "accept", "supplied": all(materials, "provided") }))
                .await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");

        let detail = app.json(Method::GET, &format!("/api/v1/cases/{number}"), Some(&window), None).await.json();
        let actions: Vec<&str> =
            detail["events"].as_array().expect("events").iter().map(|e| e["action"].as_str().unwrap_or("")).collect();
        assert_eq!(
            actions,
            ["submit", "correction_notice", "corrected", "correction_notice", "corrected", "accept"],
            "{}",
            app.backend
        );
        assert_eq!(detail["trips"], 2, "two visits to bring corrected materials");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_progress_page_the_notices_promise_finds_a_case_by_number_and_last_four() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let (_, case) = submit(&app, &window, "k-progress").await;
        let number = case["number"].as_str().expect("number").to_string();
        let compact = number.replace('-', "");
        assert!(app.get("/").await.text().contains("href=\"/progress\""), "the home page links to it");

        let form = app.get(&format!("/progress?number={compact}")).await;
        assert_eq!(form.status, StatusCode::OK, "{}", app.backend);
        let html = form.text();
        assert!(html.contains(&format!("value=\"{number}\"")), "the QR code's number is filled in: {html}");
        let cookie = form.cookies().into_iter().find(|c| c.starts_with("onetrip_progress=")).expect("cookie");
        let csrf = support::hidden_input(&html, "csrf_token");
        let ask = |last_four: &'static str, csrf: String| {
            let (app, cookie, number) = (&app, cookie.clone(), number.clone());
            async move {
                app.post_form(
                    "/progress",
                    &cookie,
                    &[("csrf_token", &csrf), ("number", &number), ("last_four", last_four)],
                )
                .await
            }
        };

        let forged = ask("002X", "forged".to_string()).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "a form without the cookie's token is refused");
        let short = ask("02", csrf.clone()).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(short.text().contains("请填写申请人证件号的最后四位"), "{}", short.text());
        let wrong = ask("1234", csrf.clone()).await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
        assert!(wrong.text().contains("办件编号和证件号后四位对不上"));
        assert!(!wrong.text().contains("progress-result"));

        let right = ask("002x", csrf.clone()).await;
        assert_eq!(right.status, StatusCode::OK, "{}", right.text());
        let text = right.text();
        assert!(text.contains("id=\"progress-result\"") && text.contains("企业设立登记"), "{text}");
        assert!(text.contains("已收件"), "{text}");
        for personal in ["张三", "13912345678", "19491231"] {
            assert!(!text.contains(personal), "no personal data: {personal}");
        }

        let qr = app.get(&format!("/progress/qr.svg?number={compact}")).await;
        assert_eq!(qr.status, StatusCode::OK);
        assert!(qr.text().starts_with("<?xml") || qr.text().contains("<svg"), "an SVG");
        let bad = app.get("/progress/qr.svg?number=123").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        let (session, _) = app.login_page(WINDOW).await;
        let notice = app.get_with_cookie(&format!("/staff/cases/{compact}/notices/receipt"), &session).await;
        assert_eq!(notice.status, StatusCode::OK, "{}", notice.text());
        assert!(notice.text().contains(&format!("/progress/qr.svg?number={compact}")), "the notice prints the QR code");
        assert!(notice.text().contains(&format!("/progress?number={compact}")), "and the address under it");
        app.finish().await;
    }
}

#[tokio::test]
async fn anyone_with_the_number_and_last_four_sees_progress_and_nothing_personal() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let (_, case) = submit(&app, &window, "k-2").await;
        let number = case["number"].as_str().expect("number");
        let wrong =
            app.json(Method::GET, &format!("/api/v1/progress?number={number}&last_four=1234"), None, None).await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND, "{}", app.backend);
        let right =
            app.json(Method::GET, &format!("/api/v1/progress?number={number}&last_four=002x"), None, None).await;
        assert_eq!(right.status, StatusCode::OK, "{}", right.text());
        let text = right.text();
        assert!(text.contains("企业设立登记") && text.contains("已收件"), "{text}");
        assert!(
            !text.contains("张三") && !text.contains("13912345678") && !text.contains("19491231"),
            "no personal data: {text}"
        );
        let malformed = app.json(Method::GET, "/api/v1/progress?number=123&last_four=002X", None, None).await;
        assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
        app.finish().await;
    }
}

#[tokio::test]
async fn only_windows_register_and_decide_and_others_cannot_read_cases() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let (_, case) = submit(&app, &window, "k-3").await;
        let number = case["number"].as_str().expect("number");
        let editor = app.token(EDITOR).await;
        assert_eq!(submit(&app, &editor, "k-4").await.0, StatusCode::FORBIDDEN, "{}", app.backend);
        let (status, _) = decide(&app, &editor, number, json!({ "decision": "refuse", "reasons": "x" })).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let reviewer = app.token(REVIEWER).await;
        let read = app.json(Method::GET, &format!("/api/v1/cases/{number}"), Some(&reviewer), None).await;
        assert_eq!(read.status, StatusCode::FORBIDDEN, "a reviewer of no department sees no case");
        let anonymous = app.json(Method::GET, &format!("/api/v1/cases/{number}"), None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        let mut bad = application();
        bad["applicant"]["id_number"] = json!("110105194912310021");
        bad["matter_code"] = json!("NOPE");
        let reply = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(bad)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields = reply.json()["fields"].clone();
        assert!(fields["matter_code"].is_string() && fields["applicant.id_number"].is_string(), "{fields}");
        let (status, refused) = decide(
            &app,
            &window,
            number,
            json!({ "decision": "refuse", "reasons": "不属于本机关职权范围，请向自治区市场监管局申请" }),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(refused["phase"], "refused_to_accept");
        app.finish().await;
    }
}

const TRANSFER: &str = "65430030010102";

async fn review(app: &TestApp, token: &str, number: &str, body: Value) -> (StatusCode, Value) {
    let reply = app.json(Method::POST, &format!("/api/v1/cases/{number}/review"), Some(token), Some(body)).await;
    (reply.status, reply.json())
}

async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let reply = app.json(Method::GET, "/api/v1/inbox", Some(token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn three_departments_review_a_property_transfer_in_parallel_and_the_land_office_decides() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let materials = app.state.catalog().version(TRANSFER).expect("matter").matter.materials.len();
        let mut body = application();
        body["matter_code"] = json!(TRANSFER);
        body["supplied"] = all(materials, "provided");
        let created = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}: {}", app.backend, created.text());
        let number = created.json()["number"].as_str().expect("number").to_string();
        let (status, accepted) =
            decide(&app, &window, &number, json!({ "decision": "accept", "supplied": all(materials, "provided") }))
                .await;
        assert_eq!(status, StatusCode::OK, "{accepted}");

        let (land, tax, housing) = (app.token(LAND).await, app.token(TAX).await, app.token(HOUSING).await);
        let task_of = |items: &[Value]| -> u64 {
            items
                .iter()
                .find(|item| item["case_number"] == number.as_str())
                .and_then(|item| item["task"].as_u64())
                .expect("a task for this case")
        };
        let (land_task, tax_task, housing_task) = (
            task_of(&inbox(&app, &land).await),
            task_of(&inbox(&app, &tax).await),
            task_of(&inbox(&app, &housing).await),
        );
        assert_eq!(inbox(&app, &land).await.len(), 1, "the decision step waits; only the land office's review is open");

        // Another department cannot act on the tax office's task.
        assert_eq!(
            review(&app, &land, &number, json!({ "action": "approve", "task": tax_task })).await.0,
            StatusCode::FORBIDDEN
        );
        let (status, _) = review(&app, &tax, &number, json!({ "action": "approve", "task": tax_task })).await;
        assert_eq!(status, StatusCode::OK);
        // A second approval of the same task (two reviewers racing) is refused and changes nothing.
        let (status, raced) = review(&app, &tax, &number, json!({ "action": "approve", "task": tax_task })).await;
        assert_eq!(status, StatusCode::CONFLICT, "{raced}");
        assert!(inbox(&app, &tax).await.is_empty());
        review(&app, &housing, &number, json!({ "action": "approve", "task": housing_task })).await;
        let (status, _) = review(&app, &land, &number, json!({ "action": "approve", "task": land_task })).await;
        assert_eq!(status, StatusCode::OK);

        let decision_task = task_of(&inbox(&app, &land).await);
        let (status, silent) =
            review(&app, &land, &number, json!({ "action": "decide", "task": decision_task, "granted": false })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "refusing needs reasons: {silent}");
        let (status, granted) =
            review(&app, &land, &number, json!({ "action": "decide", "task": decision_task, "granted": true })).await;
        assert_eq!(status, StatusCode::OK, "{granted}");
        assert_eq!(granted["phase"], "granted");
        assert!(inbox(&app, &land).await.iter().all(|item| item["case_number"] != number.as_str()));

        let detail = app.json(Method::GET, &format!("/api/v1/cases/{number}"), Some(&land), None).await;
        assert_eq!(detail.status, StatusCode::OK, "a reviewer reads the cases of the department");
        let actions: Vec<String> = detail.json()["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["action"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(actions, ["submit", "accept", "approve", "approve", "approve", "decide"]);
        let window_review = review(&app, &window, &number, json!({ "action": "approve", "task": 0 })).await;
        assert_eq!(window_review.0, StatusCode::FORBIDDEN, "windows do not review");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_departmental_system_sends_electronic_materials_checked_by_content() {
    use base64::Engine;
    let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let with = |attachments: Value| {
            json!({
                "matter_code": COMPANY,
                "applicant": { "kind": "natural_person", "id_number": PERSON, "name": "张三", "phone": "13912345678" },
                "attachments": attachments,
            })
        };
        for (attachments, field) in [
            (json!([{ "material": 0, "name": "a.pdf", "content_base64": "%%%" }]), "attachments[0].content_base64"),
            (
                json!([{ "material": 0, "name": "a.pdf", "content_base64": encode(b"<script>alert(1)</script>") }]),
                "attachments[0].content_base64",
            ),
            (
                json!([{ "material": 99, "name": "a.pdf", "content_base64": encode(onetrip_domain::upload::samples::PDF) }]),
                "attachments[0].material",
            ),
        ] {
            let reply = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(with(attachments))).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", app.backend, reply.text());
            assert!(reply.json()["fields"][field].is_string(), "{field}: {}", reply.text());
        }
        let good = json!([{ "material": 1, "name": "章程.pdf", "content_base64": encode(onetrip_domain::upload::samples::PDF) }]);
        let request = Request::post("/api/v1/cases")
            .header("authorization", format!("Bearer {window}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "with-files-1")
            .body(Body::from(with(good.clone()).to_string()))
            .expect("request");
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let case = reply.json();
        assert_eq!(case["supplied"][1], "provided", "an attached material counts as supplied");
        let number = case["number"].as_str().expect("number").to_string();
        let parsed = onetrip_domain::case_number::CaseNumber::parse(&number).expect("number");
        let record = app.store().case(&parsed).await.expect("query").expect("case");
        let file = record.document.files(1).first().expect("a stored file").clone();
        let stored = app.store().file(&file).await.expect("query").expect("file");
        assert_eq!((stored.kind.as_str(), stored.name.as_str()), ("pdf", "章程.pdf"));
        assert_eq!(app.files().get(&file).await.expect("bytes"), onetrip_domain::upload::samples::PDF);
        // A retry returns the first case without storing the files again.
        let request = Request::post("/api/v1/cases")
            .header("authorization", format!("Bearer {window}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "with-files-1")
            .body(Body::from(with(good).to_string()))
            .expect("request");
        let again = app.send(request).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.json()["number"], number.as_str());
        app.finish().await;
    }
}
