//! The quarterly evaluation of window staff on each backend: a known quarter of acceptances and ratings,
//! every score checked against a value computed by hand, the weighting refused when it does not add up, a
//! changed weighting re-ranking the staff, the workbook, and who may see it.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{TestApp, LAND, SUPERVISOR, WINDOW};

const TRANSFER: &str = "65430030010102";

/// A property transfer registered and accepted by `window` (a bearer token); returns its number.
async fn accepted(app: &TestApp, window: &str, id_number: &str) -> String {
    let application = json!({
        "matter_code": TRANSFER,
        "applicant": { "kind": "natural_person", "id_number": id_number, "name": "李四", "phone": "13912345678" },
        "supplied": ["provided", "provided", "provided", "provided", "missing", "provided"],
    });
    let reply = app.json(Method::POST, "/api/v1/cases", Some(window), Some(application)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let number = reply.json()["number"].as_str().expect("number").to_string();
    let supplied = json!(["provided", "provided", "provided", "provided", "missing", "provided"]);
    let body = json!({ "decision": "accept", "supplied": supplied });
    let reply = app.json(Method::POST, &format!("/api/v1/cases/{number}/acceptance"), Some(window), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    number
}

async fn rate(app: &TestApp, system: &str, number: &str, level: i64) {
    let body = if level <= 2 {
        json!({ "stage": "acceptance", "level": level, "indicators": ["efficiency"], "comment": "慢" })
    } else {
        json!({ "stage": "acceptance", "level": level })
    };
    let reply = app.json(Method::POST, &format!("/api/v1/cases/{number}/ratings"), Some(system), Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
}

/// The row of a person on the evaluation page: rank, name, score, grade.
fn row_of(page: &str, name: &str) -> String {
    let start = page.find(&format!("<th scope=\"row\">{name}")).unwrap_or_else(|| panic!("no row for {name}: {page}"));
    let row_start = page[..start].rfind("<tr").expect("row");
    let row_end = start + page[start..].find("</tr>").expect("row end");
    page[row_start..row_end].to_string()
}

#[tokio::test]
async fn a_known_quarter_is_scored_graded_and_ranked_as_computed_by_hand() {
    for app in TestApp::all().await {
        app.to_office_hours();
        let window = app.token(WINDOW).await;
        let supervisor = app.token(SUPERVISOR).await;
        let land = app.token(LAND).await;
        let first = accepted(&app, &window, "654301198001011232").await;
        let second = accepted(&app, &window, "11010519491231002X").await;
        let third = accepted(&app, &supervisor, "654301198001011232").await;
        rate(&app, &land, &first, 5).await;
        rate(&app, &land, &second, 2).await;
        rate(&app, &land, &third, 4).await;

        // By hand, with the shipped weights: only good_rate (30), tickets_served (10), accepted (10) and
        // second_corrections (5) have values, so they share the score (55 in all).
        //   window:     good rate 50%, tickets 0 of 0 → 100, accepted 2 of 2 → 100, no second correction → 100
        //               (30·50 + 10·100 + 10·100 + 5·100) / 55 = 72.7 → 合格
        //   supervisor: good rate 100%, tickets → 100, accepted 1 of 2 → 50, second → 100
        //               (30·100 + 10·100 + 10·50 + 5·100) / 55 = 90.9 → 优秀, and the one 先进工作人员 place
        let (session, csrf) = app.login_page(SUPERVISOR).await;
        let page = app.get_with_cookie("/staff/evaluation", &session).await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.backend);
        let page = page.text();
        let top = row_of(&page, "supervisor 测试");
        assert!(
            top.contains("<td>1</td>") && top.contains("<td>90.9</td>") && top.contains("<td>优秀</td>"),
            "{}: {top}",
            app.backend
        );
        assert!(top.contains("（先进）") && top.contains("<td>100.0%</td>"), "{top}");
        let next = row_of(&page, "window 测试");
        assert!(
            next.contains("<td>2</td>") && next.contains("<td>72.7</td>") && next.contains("<td>合格</td>"),
            "{next}"
        );
        assert!(next.contains("<td>50.0%</td>") && next.contains("2（好 1 / 差 1）"), "{next}");
        assert!(page.contains("id=\"advanced-staff\">supervisor 测试<"), "{page}");

        // The workbook of the same quarter.
        let workbook = app.get_with_cookie("/staff/evaluation/export.xlsx", &session).await;
        assert_eq!(workbook.status, StatusCode::OK);
        assert!(workbook.body.starts_with(b"PK"), "an xlsx file");

        // A weighting that does not add up is refused with its total, and nothing changes.
        let bad = "good_rate 50\ntickets_served 40\nexcellent 90\ngood 80\npass 60\nadvanced_share 15";
        let refused =
            app.post_form("/staff/evaluation/weights", &session, &[("csrf_token", &csrf), ("text", bad)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("各项权重合计应为 100，现在是 90"), "{}", refused.text());
        let again = app.get_with_cookie("/staff/evaluation", &session).await.text();
        assert!(row_of(&again, "window 测试").contains("<td>72.7</td>"), "unchanged");

        // Ratings alone: window 50 → 不合格, supervisor 100.
        let only = "good_rate 100\nexcellent 90\ngood 80\npass 60\nadvanced_share 15";
        let saved =
            app.post_form("/staff/evaluation/weights", &session, &[("csrf_token", &csrf), ("text", only)]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let changed = app.get_with_cookie("/staff/evaluation", &session).await.text();
        assert!(
            row_of(&changed, "window 测试").contains("<td>50.0</td>") && changed.contains("<td>不合格</td>"),
            "{changed}"
        );

        // Window staff do not see the ranking; a malformed quarter is refused.
        let (window_session, _) = app.login_page(WINDOW).await;
        assert_eq!(app.get_with_cookie("/staff/evaluation", &window_session).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.get_with_cookie("/staff/evaluation?quarter=2026-Q5", &session).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn an_ended_quarter_is_finalized_once_and_keeps_its_list_whatever_the_weighting_becomes() {
    for app in TestApp::all().await {
        app.to_office_hours();
        let window = app.token(WINDOW).await;
        let land = app.token(LAND).await;
        let first = accepted(&app, &window, "654301198001011232").await;
        let second = accepted(&app, &window, "11010519491231002X").await;
        rate(&app, &land, &first, 5).await;
        rate(&app, &land, &second, 2).await;
        let quarter = onetrip_app::evaluation::Quarter::of(app.state.today());
        let code = quarter.code();
        let (session, csrf) = app.login_page(SUPERVISOR).await;
        let finalize = |session: String, csrf: String| {
            let code = code.clone();
            let app = &app;
            async move {
                app.post_form("/staff/evaluation/finalize", &session, &[("csrf_token", &csrf), ("quarter", &code)])
                    .await
            }
        };

        // While the quarter runs, it cannot be finalized.
        let early = finalize(session.clone(), csrf.clone()).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", app.backend);
        assert!(early.text().contains("还没结束，结束后才能定稿"), "{}", early.text());
        let page = app.get_with_cookie(&format!("/staff/evaluation?quarter={code}"), &session).await.text();
        assert!(!page.contains("id=\"finalize\""), "no finalize button while it runs");

        // Into the next quarter: the ended one offers 定稿, and keeps the list as it stood.
        let next = quarter.end();
        app.advance_clock(chrono::Duration::days((next - app.state.today()).num_days()));
        app.to_office_hours();
        let (session, csrf) = app.login_page(SUPERVISOR).await;
        let path = format!("/staff/evaluation?quarter={code}");
        let before = app.get_with_cookie(&path, &session).await.text();
        assert!(before.contains("id=\"finalize\""), "{before}");
        let kept_row = row_of(&before, "window 测试");
        let done = finalize(session.clone(), csrf.clone()).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
        assert_eq!(done.location(), path);
        let finalized = app.get_with_cookie(&path, &session).await.text();
        assert!(finalized.contains("id=\"finalized\""), "{finalized}");
        assert_eq!(row_of(&finalized, "window 测试"), kept_row);

        // A new weighting changes live quarters, not the finalized one.
        let only = "good_rate 100\nexcellent 90\ngood 80\npass 60\nadvanced_share 15";
        let saved =
            app.post_form("/staff/evaluation/weights", &session, &[("csrf_token", &csrf), ("text", only)]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert_eq!(row_of(&app.get_with_cookie(&path, &session).await.text(), "window 测试"), kept_row);

        // Once only; and only managers.
        let twice = finalize(session.clone(), csrf.clone()).await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", app.backend);
        assert!(twice.text().contains("已经定稿"), "{}", twice.text());
        let (window_session, window_csrf) = app.login_page(WINDOW).await;
        assert_eq!(finalize(window_session, window_csrf).await.status, StatusCode::FORBIDDEN);
        let audit = app.store().audit_events(50).await.expect("audit");
        assert_eq!(audit.iter().filter(|event| event.action == "evaluation_finalize").count(), 1);
        app.finish().await;
    }
}
