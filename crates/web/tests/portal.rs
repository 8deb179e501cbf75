//! The online application and the case pages on each backend, through the router as a browser uses it:
//! an applicant signs up, applies for a property transfer (three departments review in parallel), is asked
//! once to correct one material, uploads it, the case is accepted, reviewed, decided and delivered; the
//! applicant sees every step and the trip count. Also: uploads refused by content, a late case turning
//! yellow then red, and who may see what.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use onetrip_domain::upload::samples;
use serde_json::json;
use support::{hidden_input, TestApp, EDITOR, HOUSING, LAND, REVIEWER, SUPERVISOR, TAX, WINDOW};

const TRANSFER: &str = "65430030010102";
const COMPANY: &str = "00013112700401";
const BUYER: &str = "654301198001011232";
const OTHER: &str = "654301199002024566";

/// Starts an online application; returns the draft id.
async fn start(app: &TestApp, cookie: &str, csrf: &str, code: &str) -> String {
    let reply = app.post_form(&format!("/portal/apply/{code}"), cookie, &[("csrf_token", csrf)]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, reply.text());
    let location = reply.location();
    location.trim_start_matches("/portal/drafts/").trim_end_matches("/contact").to_string()
}

/// Fills in a property-transfer application with every required material uploaded; returns the case number
/// in its compact form.
async fn apply_for_transfer(app: &TestApp, cookie: &str, csrf: &str) -> String {
    let draft = start(app, cookie, csrf, TRANSFER).await;
    let reply = app
        .post_form(
            &format!("/portal/drafts/{draft}/contact"),
            cookie,
            &[("csrf_token", csrf), ("phone", "13912345678")],
        )
        .await;
    assert_eq!(reply.location(), format!("/portal/drafts/{draft}/materials/0"));
    let materials = app.state.catalog().version(TRANSFER).expect("matter").matter.materials.clone();
    for (index, material) in materials.iter().enumerate() {
        let path = format!("/portal/drafts/{draft}/materials/{index}");
        let page = app.get_with_cookie(&path, cookie).await;
        assert!(page.text().contains(&material.name), "one page per material: {}", material.name);
        let reply = if material.necessity == onetrip_domain::catalog::MaterialNecessity::Optional {
            app.post_multipart(&path, cookie, &[("csrf_token", csrf), ("choice", "skip")], &[]).await
        } else {
            let file = if index % 2 == 0 { samples::PDF } else { samples::PNG };
            app.post_multipart(
                &path,
                cookie,
                &[("csrf_token", csrf), ("choice", "upload")],
                &[("file", "扫描件.pdf", file)],
            )
            .await
        };
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{} material {index}: {}", app.backend, reply.text());
    }
    let check = app.get_with_cookie(&format!("/portal/drafts/{draft}/check"), cookie).await;
    assert!(check.text().contains("确认提交"), "a complete application can be submitted: {}", check.text());
    let reply = app.post_form(&format!("/portal/drafts/{draft}/submit"), cookie, &[("csrf_token", csrf)]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let location = reply.location().to_string();
    assert!(location.ends_with("?submitted=1"), "{location}");
    // A second click finds the same case.
    let again = app.post_form(&format!("/portal/drafts/{draft}/submit"), cookie, &[("csrf_token", csrf)]).await;
    assert_eq!(again.location(), location, "submitting twice makes one case");
    // Going back to the submitted application (the back button, a bookmark) shows its case, not a 409.
    let case_page = location.trim_end_matches("?submitted=1");
    for page in ["check", "contact", "materials/0"] {
        let back = app.get_with_cookie(&format!("/portal/drafts/{draft}/{page}"), cookie).await;
        assert_eq!((back.status, back.location()), (StatusCode::SEE_OTHER, case_page), "{page}");
    }
    let resent = app
        .post_form(
            &format!("/portal/drafts/{draft}/contact"),
            cookie,
            &[("csrf_token", csrf), ("phone", "13912345678")],
        )
        .await;
    assert_eq!((resent.status, resent.location()), (StatusCode::SEE_OTHER, case_page), "an old form sent again");
    location.trim_start_matches("/portal/cases/").trim_end_matches("?submitted=1").to_string()
}

/// The task index (in the case's review) of the open task of a department.
async fn open_task(app: &TestApp, number: &str, department: &str) -> String {
    let parsed = onetrip_domain::case_number::CaseNumber::parse(number).expect("number");
    let record = app.store().case(&parsed).await.expect("query").expect("case");
    let tasks = &record.document.review.as_ref().expect("review").tasks;
    tasks
        .iter()
        .position(|task| task.department == department && task.state == onetrip_domain::review::TaskState::Open)
        .unwrap_or_else(|| panic!("no open task for {department}: {tasks:?}"))
        .to_string()
}

#[tokio::test]
async fn an_applicant_applies_online_is_asked_once_and_follows_the_case_to_delivery() {
    for app in TestApp::all().await {
        let (cookie, csrf) = app.sign_up(BUYER, "李四", "13912345678").await;
        let number = apply_for_transfer(&app, &cookie, &csrf).await;
        let confirmation = app.get_with_cookie(&format!("/portal/cases/{number}?submitted=1"), &cookie).await;
        let text = confirmation.text();
        assert!(text.contains("申请已提交") && text.contains("5 个工作日"), "{}: {text}", app.backend);

        // The window finds the contract defective and says so once, on a correction notice.
        let (window, window_csrf) = app.login_page(WINDOW).await;
        let queue = app.get_with_cookie("/staff/cases", &window).await;
        assert!(queue.text().contains(&number), "the online application waits at the window");
        let page = app.get_with_cookie(&format!("/staff/cases/{number}"), &window).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("扫描件.pdf"), "the window sees the uploads");
        let file_link = link_id(page.text().split(&format!("/staff/cases/{number}/files/")).nth(1).expect("file link"));
        let download = app.get_with_cookie(&format!("/staff/cases/{number}/files/{file_link}"), &window).await;
        assert_eq!(download.status, StatusCode::OK);
        assert!(download.body.starts_with(b"%PDF") || download.body.starts_with(b"\x89PNG"));
        let revision = hidden_input(&page.text(), "revision");
        let reply = app
            .post_form(
                &format!("/staff/cases/{number}/acceptance"),
                &window,
                &[
                    ("csrf_token", &window_csrf),
                    ("revision", &revision),
                    ("decision", "correction_notice"),
                    ("m0", "provided"),
                    ("m1", "provided"),
                    ("m2", "provided"),
                    ("m3", "missing"),
                    ("note3", "合同缺少双方签字页，请补传签字页"),
                    ("m4", "missing"),
                    ("m5", "provided"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, reply.text());
        let notice = app.get_with_cookie(&format!("/portal/cases/{number}/notices/correction"), &cookie).await;
        assert!(notice.text().contains("合同缺少双方签字页"), "the notice lists the problem: {}", notice.text());

        // The applicant uploads the page online: no trip.
        let page = app.get_with_cookie(&format!("/portal/cases/{number}"), &cookie).await;
        assert!(page.text().contains("请补正以下材料"), "{}", page.text());
        let reply = app
            .post_multipart(
                &format!("/portal/cases/{number}/correction"),
                &cookie,
                &[("csrf_token", &csrf)],
                &[("material_3", "签字页.jpg", samples::JPEG)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, reply.text());

        // Accepted: the clock starts, the three departments get their tasks at once.
        let page = app.get_with_cookie(&format!("/staff/cases/{number}"), &window).await;
        assert!(page.text().contains("签字页.jpg"));
        let revision = hidden_input(&page.text(), "revision");
        let reply = app
            .post_form(
                &format!("/staff/cases/{number}/acceptance"),
                &window,
                &[
                    ("csrf_token", &window_csrf),
                    ("revision", &revision),
                    ("decision", "accept"),
                    ("m0", "provided"),
                    ("m1", "provided"),
                    ("m2", "provided"),
                    ("m3", "provided"),
                    ("m4", "missing"),
                    ("m5", "provided"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, reply.text());

        for (account, department) in [(TAX, "swj"), (HOUSING, "zjj"), (LAND, "zrzyj")] {
            let (session, session_csrf) = app.login_page(account).await;
            let inbox = app.get_with_cookie("/staff/inbox", &session).await;
            assert!(inbox.text().contains(&number), "{}: {department} has the task in its inbox", app.backend);
            let task = open_task(&app, &number, department).await;
            let reply = app
                .post_form(
                    &format!("/staff/cases/{number}/review"),
                    &session,
                    &[("csrf_token", &session_csrf), ("task", &task), ("action", "approve"), ("reason", "")],
                )
                .await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{} {department}: {}", app.backend, reply.text());
            // Approving the same task again is refused and changes nothing.
            let twice = app
                .post_form(
                    &format!("/staff/cases/{number}/review"),
                    &session,
                    &[("csrf_token", &session_csrf), ("task", &task), ("action", "approve")],
                )
                .await;
            assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text());
        }
        let (land, land_csrf) = app.login_page(LAND).await;
        let reviewer_page = app.get_with_cookie(&format!("/staff/cases/{number}"), &land).await.text();
        assert!(reviewer_page.contains("<a href=\"/staff/inbox\">待办环节</a>"), "a reviewer goes back to the inbox");
        assert!(!reviewer_page.contains("窗口办件"), "{reviewer_page}");
        assert!(reviewer_page.contains("准予登记"), "the decision's buttons follow the matter's kind");
        let task = open_task(&app, &number, "zrzyj").await;
        let reply = app
            .post_form(
                &format!("/staff/cases/{number}/review"),
                &land,
                &[("csrf_token", &land_csrf), ("task", &task), ("action", "grant"), ("reason", "")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());

        // A post without its tracking number is refused in plain words, with no field key in them.
        let refused = app
            .post_form(
                &format!("/staff/cases/{number}/delivery"),
                &window,
                &[("csrf_token", &window_csrf), ("method", "post"), ("tracking_number", "")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        let text = refused.text();
        assert!(text.contains("请填写邮件号"), "{text}");
        assert!(!text.contains("tracking_number："), "no raw field key in the summary: {text}");

        // The window hands over the certificate: the applicant's one trip.
        let reply = app
            .post_form(
                &format!("/staff/cases/{number}/delivery"),
                &window,
                &[("csrf_token", &window_csrf), ("method", "pickup")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());

        let page = app.get_with_cookie(&format!("/portal/cases/{number}"), &cookie).await;
        let text = page.text();
        assert!(text.contains("已办结送达"), "{}: {text}", app.backend);
        assert!(text.contains("id=\"case-trips\">1 次"), "one trip, to collect: {text}");
        for step in ["收件", "一次性告知补正", "补正材料已收", "受理", "审查通过", "作出决定", "办结送达"]
        {
            assert!(text.contains(step), "the applicant sees the step {step}");
        }
        assert!(text.contains("已受理，承诺"), "the acceptance message went out");
        assert!(!text.contains(BUYER), "the full identity number is never shown");
        let decision = app.get_with_cookie(&format!("/portal/cases/{number}/notices/decision"), &cookie).await;
        let decision = decision.text();
        assert!(decision.contains("准予登记"), "a registration is worded as one: {decision}");
        assert!(!decision.contains("许可"), "{decision}");
        app.finish().await;
    }
}

#[tokio::test]
async fn uploads_are_checked_by_their_content_and_a_refused_one_changes_nothing() {
    for app in TestApp::all().await {
        let (cookie, csrf) = app.sign_up(BUYER, "李四", "13912345678").await;
        let draft = start(&app, &cookie, &csrf, TRANSFER).await;
        let path = format!("/portal/drafts/{draft}/materials/0");
        let mut oversized = samples::PDF.to_vec();
        oversized.resize(onetrip_domain::upload::MAX_UPLOAD_BYTES + 10, b' ');
        for (name, bytes, message) in [
            ("申请书.pdf", b"<html><script>alert(1)</script></html>".as_slice(), "只能上传 PDF、JPG 或 PNG"),
            ("申请书.pdf", &samples::PDF[..30], "不完整或已损坏"),
            ("照片.png", &samples::PNG[..20], "不完整或已损坏"),
            ("申请书.pdf", oversized.as_slice(), "文件太大"),
        ] {
            let reply = app
                .post_multipart(
                    &path,
                    &cookie,
                    &[("csrf_token", &csrf), ("choice", "upload")],
                    &[("file", name, bytes)],
                )
                .await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {name}", app.backend);
            assert!(reply.text().contains(message), "{message}: {}", reply.text());
        }
        let reply = app.post_multipart(&path, &cookie, &[("csrf_token", &csrf), ("choice", "upload")], &[]).await;
        assert!(reply.text().contains("请选择要上传的文件"));
        let check = app.get_with_cookie(&format!("/portal/drafts/{draft}/check"), &cookie).await;
        assert!(
            check.text().contains("还没有提供（上传或选择提供方式）") && !check.text().contains("确认提交"),
            "nothing was kept"
        );
        // Without the CSRF token nothing is stored either.
        let reply =
            app.post_multipart(&path, &cookie, &[("choice", "upload")], &[("file", "申请书.pdf", samples::PDF)]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let submit = app.post_form(&format!("/portal/drafts/{draft}/submit"), &cookie, &[("csrf_token", &csrf)]).await;
        assert_eq!(submit.location(), format!("/portal/drafts/{draft}/check"), "an incomplete draft is not submitted");
        assert!(app.store().cases_of_applicant(1, 10).await.expect("cases").is_empty());
        app.finish().await;
    }
}

#[tokio::test]
async fn a_late_case_turns_yellow_then_red_on_the_supervision_page() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let application = json!({
            "matter_code": TRANSFER,
            "applicant": { "kind": "natural_person", "id_number": BUYER, "name": "李四", "phone": "13912345678" },
            "supplied": ["provided", "provided", "provided", "provided", "missing", "provided"],
        });
        let reply = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let number = reply.json()["number"].as_str().expect("number").to_string();
        let supplied = json!(["provided", "provided", "provided", "provided", "missing", "provided"]);
        let reply = app
            .json(
                Method::POST,
                &format!("/api/v1/cases/{number}/acceptance"),
                Some(&window),
                Some(json!({ "decision": "accept", "supplied": supplied })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

        let (manager, _) = app.login_page(SUPERVISOR).await;
        let page = app.get_with_cookie("/staff/supervision", &manager).await;
        assert!(page.text().contains("id=\"red-count\">0") && page.text().contains("id=\"yellow-count\">0"));
        assert!(!page.text().contains(&number), "{}: a fresh case is green", app.backend);

        // The morning of the ninth working day after acceptance (ten promised, due at the end of the tenth):
        // less than a quarter is left, whatever the hour of acceptance. Counted on the calendar from
        // the moment of acceptance, so that the test means the same whatever the day and hour it runs.
        // Sessions run on the application's clock: days later, the manager logs in again.
        let accepted = app.state.local(app.state.now()).naive_local();
        let calendar = app.state.calendar();
        let on_day = |days: u32| {
            calendar
                .nth_working_day_after(accepted.date(), days)
                .expect("calendar")
                .and_hms_opt(10, 0, 0)
                .expect("time")
        };
        app.advance_clock(on_day(9) - accepted);
        let (manager, _) = app.login_page(SUPERVISOR).await;
        let page = app.get_with_cookie("/staff/supervision", &manager).await;
        assert!(page.text().contains(&number), "{}: {}", app.backend, page.text());
        assert!(page.text().contains("id=\"yellow-count\">1"), "{}", page.text());
        assert!(page.text().contains("黄牌"));

        app.advance_clock(on_day(12) - on_day(9));
        let (manager, _) = app.login_page(SUPERVISOR).await;
        let page = app.get_with_cookie("/staff/supervision", &manager).await;
        assert!(page.text().contains("id=\"red-count\">1"), "{}", page.text());
        let department = app.state.catalog().department_name("zrzyj").to_string();
        assert!(page.text().contains(&department), "by department: {department}");
        let case = app.get_with_cookie(&format!("/staff/cases/{number}"), &manager).await;
        assert!(case.text().contains("已超期"), "the case page shows the time over");
        app.finish().await;
    }
}

#[tokio::test]
async fn each_role_sees_only_the_cases_and_files_it_may() {
    for app in TestApp::all().await {
        let (owner, owner_csrf) = app.sign_up(BUYER, "李四", "13912345678").await;
        let number = apply_for_transfer(&app, &owner, &owner_csrf).await;
        let (stranger, stranger_csrf) = app.sign_up(OTHER, "王五", "13812345678").await;
        let owner_page = app.get_with_cookie(&format!("/portal/cases/{number}"), &owner).await;
        let file = link_id(owner_page.text().split("/portal/files/").nth(1).expect("file link"));

        // Another applicant: the case, its files, its notices and the owner's drafts are "not found".
        for path in [
            format!("/portal/cases/{number}"),
            format!("/portal/files/{file}"),
            format!("/portal/cases/{number}/notices/receipt"),
        ] {
            let reply = app.get_with_cookie(&path, &stranger).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}: {path}", app.backend);
        }
        let reply = app
            .post_multipart(
                &format!("/portal/cases/{number}/correction"),
                &stranger,
                &[("csrf_token", &stranger_csrf)],
                &[("material_3", "x.pdf", samples::PDF)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "nor can they change it");
        // A portal session is no staff session, and the other way round.
        let reply = app.get_with_cookie(&format!("/staff/cases/{number}"), &owner).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "applicants are sent to the staff log-in");
        let (window, window_csrf) = app.login_page(WINDOW).await;
        let reply = app.get_with_cookie("/portal", &window).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);

        // Staff by role: the catalog editor and a reviewer without a department see no case; the tax office
        // sees the transfer (it reviews a step of it) but not a company registration of another department.
        let (editor, editor_csrf) = app.login_page(EDITOR).await;
        assert_eq!(app.get_with_cookie(&format!("/staff/cases/{number}"), &editor).await.status, StatusCode::FORBIDDEN);
        assert_eq!(app.get_with_cookie("/staff/cases", &editor).await.status, StatusCode::FORBIDDEN);
        let reply = app
            .post_form(
                &format!("/staff/cases/{number}/acceptance"),
                &editor,
                &[("csrf_token", &editor_csrf), ("decision", "refuse"), ("reasons", "试图越权")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "the editor cannot decide");
        let (reviewer, _) = app.login_page(REVIEWER).await;
        assert_eq!(
            app.get_with_cookie(&format!("/staff/cases/{number}"), &reviewer).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(app.get_with_cookie("/staff/inbox", &reviewer).await.status, StatusCode::FORBIDDEN);
        for path in ["/staff/supervision", "/staff/outbox"] {
            assert_eq!(app.get_with_cookie(path, &window).await.status, StatusCode::FORBIDDEN, "{path}");
        }
        let window_token = app.token(WINDOW).await;
        let company = json!({
            "matter_code": COMPANY,
            "applicant": { "kind": "natural_person", "id_number": OTHER, "name": "王五", "phone": "13812345678" },
        });
        let reply = app.json(Method::POST, "/api/v1/cases", Some(&window_token), Some(company)).await;
        let company_number = reply.json()["number"].as_str().expect("number").replace('-', "");
        let (tax, tax_csrf) = app.login_page(TAX).await;
        let revision = {
            let reply = app
                .post_form(
                    &format!("/staff/cases/{number}/acceptance"),
                    &window,
                    &[
                        ("csrf_token", &window_csrf),
                        ("decision", "accept"),
                        ("m0", "provided"),
                        ("m1", "provided"),
                        ("m2", "provided"),
                        ("m3", "provided"),
                        ("m5", "provided"),
                    ],
                )
                .await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
            reply.location().to_string()
        };
        assert!(revision.contains("done=acceptance"));
        assert_eq!(app.get_with_cookie(&format!("/staff/cases/{number}"), &tax).await.status, StatusCode::OK);
        assert_eq!(
            app.get_with_cookie(&format!("/staff/cases/{company_number}"), &tax).await.status,
            StatusCode::FORBIDDEN,
            "{}: another department's case",
            app.backend
        );
        let tax_token = app.token(TAX).await;
        let reply = app.json(Method::GET, &format!("/api/v1/cases/{company_number}"), Some(&tax_token), None).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "the API says the same");
        // The tax office cannot act on a task of the housing office.
        let housing_task = open_task(&app, &number, "zjj").await;
        let reply = app
            .post_form(
                &format!("/staff/cases/{number}/review"),
                &tax,
                &[("csrf_token", &tax_csrf), ("task", &housing_task), ("action", "approve")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        // The manager sees every case and the outbox, with phone numbers masked.
        let (manager, _) = app.login_page(SUPERVISOR).await;
        assert_eq!(
            app.get_with_cookie(&format!("/staff/cases/{company_number}"), &manager).await.status,
            StatusCode::OK
        );
        let outbox = app.get_with_cookie("/staff/outbox", &manager).await;
        assert!(outbox.text().contains("139****5678") && !outbox.text().contains("13912345678"), "{}", outbox.text());
        app.finish().await;
    }
}

#[tokio::test]
async fn an_application_nobody_decides_on_is_accepted_by_law_from_the_day_of_receipt() {
    for app in TestApp::all().await {
        let window = app.token(WINDOW).await;
        let application = json!({
            "matter_code": TRANSFER,
            "applicant": { "kind": "natural_person", "id_number": BUYER, "name": "李四", "phone": "13912345678" },
        });
        let reply = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await;
        let case = reply.json();
        let number = case["number"].as_str().expect("number").to_string();
        assert_eq!(onetrip_app::cases::accept_overdue(&app.state.app).await.expect("sweep"), 0, "within the period");
        app.advance_clock(chrono::Duration::days(9));
        assert_eq!(onetrip_app::cases::accept_overdue(&app.state.app).await.expect("sweep"), 1, "{}", app.backend);
        assert_eq!(onetrip_app::cases::accept_overdue(&app.state.app).await.expect("sweep"), 0, "only once");
        let window = app.token(WINDOW).await;
        let reply = app.json(Method::GET, &format!("/api/v1/cases/{number}"), Some(&window), None).await;
        let accepted = reply.json();
        assert_eq!(accepted["phase"], "accepted");
        assert_eq!(accepted["accepted_at"], case["received_at"], "accepted from the day of receipt");
        assert!(accepted["events"].as_array().expect("events").iter().any(|event| event["action"] == "accept_by_law"));
        assert!(accepted["review"]["tasks"].as_array().is_some_and(|tasks| !tasks.is_empty()), "the review opened");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_business_is_started_with_one_application_that_becomes_four_linked_cases() {
    use onetrip_domain::access::Role;
    for app in TestApp::all().await {
        let bundles = app.json(Method::GET, "/api/v1/bundles", None, None).await.json();
        assert_eq!(bundles["bundles"][0]["code"], "qykb", "{}: the demo offers 企业开办", app.backend);
        let home = app.get("/").await;
        assert!(home.text().contains("一件事一次办") && home.text().contains("/bundles/qykb"));
        let page = app.get("/bundles/qykb").await;
        assert!(page.text().contains("印章刻制备案") && page.text().contains("企业职工参保登记"));
        assert!(!page.text().contains("<li>营业执照（"), "the licence made by the bundle is not asked for");

        let (cookie, csrf) = app.sign_up(BUYER, "李四", "13912345678").await;
        let reply = app.post_form("/portal/bundles/qykb/apply", &cookie, &[("csrf_token", &csrf)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let draft = reply.location().trim_start_matches("/portal/drafts/").trim_end_matches("/contact").to_string();
        app.post_form(
            &format!("/portal/drafts/{draft}/contact"),
            &cookie,
            &[("csrf_token", &csrf), ("phone", "13912345678")],
        )
        .await;
        let mut index = 0;
        loop {
            let path = format!("/portal/drafts/{draft}/materials/{index}");
            let page = app.get_with_cookie(&path, &cookie).await;
            if page.status != StatusCode::OK {
                break;
            }
            let optional = page.text().contains("value=\"skip\"");
            let reply = if optional {
                app.post_multipart(&path, &cookie, &[("csrf_token", &csrf), ("choice", "skip")], &[]).await
            } else {
                app.post_multipart(
                    &path,
                    &cookie,
                    &[("csrf_token", &csrf), ("choice", "upload")],
                    &[("file", "材料.pdf", samples::PDF)],
                )
                .await
            };
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "material {index}: {}", reply.text());
            index += 1;
        }
        assert!(index >= 10, "one combined list of the four matters' materials: {index}");
        let reply = app.post_form(&format!("/portal/drafts/{draft}/submit"), &cookie, &[("csrf_token", &csrf)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let first = reply.location().trim_start_matches("/portal/cases/").trim_end_matches("?submitted=1").to_string();
        let page = app.get_with_cookie(&format!("/portal/cases/{first}"), &cookie).await;
        let linked: Vec<String> = page
            .text()
            .split("<ul id=\"bundle-cases\">")
            .nth(1)
            .expect("linked cases")
            .split("</ul>")
            .next()
            .expect("list")
            .split("href=\"/portal/cases/")
            .skip(1)
            .map(|rest| rest[..15].to_string())
            .collect();
        assert_eq!(linked.len(), 4, "{}: {}", app.backend, page.text());

        // Each department handles its own case; the licence, the seal, invoices and insurance all conclude.
        let window = app.token(WINDOW).await;
        let market = app.add_staff("market", vec![Role::Reviewer], Some("scjgj")).await;
        let police = app.add_staff("police", vec![Role::Reviewer], Some("gaj")).await;
        let insurance = app.add_staff("insurance", vec![Role::Reviewer], Some("sbj")).await;
        let tax = app.token(TAX).await;
        let reviewer = |department: &str| match department {
            "scjgj" => market.clone(),
            "gaj" => police.clone(),
            "swj" => tax.clone(),
            _ => insurance.clone(),
        };
        for number in &linked {
            app.conclude_case(number, &window, reviewer).await;
        }
        let page = app.get_with_cookie(&format!("/portal/cases/{first}"), &cookie).await;
        assert_eq!(page.text().matches("已办结送达").count(), 5, "the case itself and its four links: {}", page.text());
        assert!(page.text().contains("id=\"case-trips\">0 次"), "a business started without a trip");
        app.finish().await;
    }
}

/// The file id at the start of what follows a link's path, up to the closing quote.
fn link_id(rest: &str) -> String {
    rest.split(['"', '?']).next().expect("id").to_string()
}
