//! 好差评 on each backend: a case's acceptance rated through the SMS link, a 差评 through call-back,
//! rectification and the rater's one follow-up rating, every refusal with its exact status and code, the
//! privacy of the rater, the defaulting sweep, a departmental system's rating, and the month's figures
//! checked against values computed by hand.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use onetrip_domain::case_number::CaseNumber;
use serde_json::{json, Value};
use support::{TestApp, LAND, SUPERVISOR, TAX, WINDOW};

const TRANSFER: &str = "65430030010102";
const PHONE: &str = "13912345678";

/// A property transfer registered and accepted through the API by `window`; returns its number.
async fn accepted_transfer(app: &TestApp, window: &str, id_number: &str) -> String {
    let application = json!({
        "matter_code": TRANSFER,
        "applicant": { "kind": "natural_person", "id_number": id_number, "name": "李四", "phone": PHONE },
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

/// The last rating link (`/r/…`) sent about a case, as a path.
async fn last_link(app: &TestApp, number: &str) -> String {
    let number = CaseNumber::parse(number).expect("number");
    let messages = app.store().case_notifications(&number).await.expect("outbox");
    let body = messages
        .iter()
        .rev()
        .find(|m| m.notification.body.contains("/r/"))
        .expect("a rating link")
        .notification
        .body
        .clone();
    let start = body.find("/r/").expect("link");
    let link: String = body[start..].chars().take_while(|c| !c.is_whitespace() && *c != '。').collect();
    link
}

/// The rating page's cookie and CSRF token.
async fn rating_form(app: &TestApp, link: &str) -> (String, String, String) {
    let page = app.get(link).await;
    assert_eq!(page.status, StatusCode::OK, "{}: {}", app.backend, page.text());
    let cookie = page.cookies().into_iter().find(|c| c.starts_with("onetrip_rating=")).expect("rating cookie");
    let csrf = support::hidden_input(&page.text(), "csrf_token");
    (cookie, csrf, page.text())
}

async fn staff_form(app: &TestApp, session: &(String, String), path: &str, pairs: &[(&str, &str)]) -> support::Reply {
    let mut all = vec![("csrf_token", session.1.as_str())];
    all.extend_from_slice(pairs);
    app.post_form(path, &session.0, &all).await
}

async fn followup_id(app: &TestApp) -> i64 {
    let followups = app.store().followups(None, false, 10).await.expect("followups");
    assert_eq!(followups.len(), 1, "{}", app.backend);
    followups[0].0.rating_id
}

#[tokio::test]
async fn a_bad_rating_goes_through_call_back_rectification_and_the_raters_follow_up() {
    for app in TestApp::all().await {
        app.to_office_hours();
        let window = app.token(WINDOW).await;
        let number = accepted_transfer(&app, &window, "654301198001011232").await;
        let link = last_link(&app, &number).await;
        let (cookie, csrf, page) = rating_form(&app, &link).await;
        assert!(page.contains("请为受理服务评价"), "{page}");

        // Bad input: refused with the reason, nothing stored.
        let bad_level = app.post_form(&link, &cookie, &[("csrf_token", &csrf), ("level", "9")]).await;
        assert_eq!(bad_level.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        assert!(bad_level.text().contains("请选择 1 到 5 之间的评价"));
        let no_reason = app.post_form(&link, &cookie, &[("csrf_token", &csrf), ("level", "1")]).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.text().contains("差评请至少选一项不满意的方面"));
        let long = "慢".repeat(501);
        let too_long = app
            .post_form(
                &link,
                &cookie,
                &[("csrf_token", &csrf), ("level", "2"), ("indicators", "efficiency"), ("comment", &long)],
            )
            .await;
        assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
        let no_csrf = app.post_form(&link, &cookie, &[("level", "2")]).await;
        assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
        let parsed = CaseNumber::parse(&number).unwrap();
        assert!(app.store().case_ratings(&parsed).await.unwrap().is_empty(), "{}: nothing stored", app.backend);

        // A forged link is not found.
        let mut forged = link.clone().into_bytes();
        let last = forged.len() - 1;
        forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
        let forged = String::from_utf8(forged).unwrap();
        assert_eq!(app.get(&forged).await.status, StatusCode::NOT_FOUND);

        let rated = app
            .post_form(
                &link,
                &cookie,
                &[("csrf_token", &csrf), ("level", "2"), ("indicators", "efficiency"), ("comment", "排队等了两个小时")],
            )
            .await;
        assert_eq!(rated.status, StatusCode::OK, "{}: {}", app.backend, rated.text());
        assert!(rated.text().contains("谢谢您的评价"));
        let again = app.post_form(&link, &cookie, &[("csrf_token", &csrf), ("level", "5")]).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "one rating per case stage");
        let stored = app.store().case_ratings(&parsed).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!((stored[0].level.value(), stored[0].slot.slot.staff.as_deref()), (2, Some("window")));

        // The 差评 is the department's to follow up; another department neither sees nor touches it.
        let id = followup_id(&app).await;
        let land = app.login_page(LAND).await;
        let tax = app.login_page(TAX).await;
        let list = app.get_with_cookie("/staff/ratings", &land.0).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.text().contains(&format!("/staff/ratings/{id}")), "{}", list.text());
        let other = app.get_with_cookie("/staff/ratings", &tax.0).await;
        assert!(other.text().contains("没有需要处理的差评"), "{}", other.text());
        assert_eq!(app.get_with_cookie(&format!("/staff/ratings/{id}"), &tax.0).await.status, StatusCode::FORBIDDEN);
        let path = format!("/staff/ratings/{id}");
        let page = app.get_with_cookie(&path, &land.0).await.text();
        assert!(page.contains("139****5678") && page.contains("排队等了两个小时"), "{page}");
        assert!(!page.contains(PHONE) && !page.contains("李四") && !page.contains(&number), "the rater stays unnamed");

        // Each step in its order.
        let early =
            staff_form(&app, &land, &path, &[("action", "resolve"), ("outcome", "immediate"), ("note", "x")]).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text());
        let empty = staff_form(&app, &land, &path, &[("action", "call_back"), ("note", " ")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        let called =
            staff_form(&app, &land, &path, &[("action", "call_back"), ("note", "已电话联系，核实高峰排队")]).await;
        assert_eq!(called.status, StatusCode::SEE_OTHER, "{}", called.text());
        let no_date =
            staff_form(&app, &land, &path, &[("action", "resolve"), ("outcome", "ledger"), ("note", "增开窗口")]).await;
        assert_eq!(no_date.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_date.text().contains("限期整改请填写整改完成的日期"));
        let due = (app.state.today() + chrono::Duration::days(5)).format("%Y-%m-%d").to_string();
        let ledger = staff_form(
            &app,
            &land,
            &path,
            &[("action", "resolve"), ("outcome", "ledger"), ("note", "下午高峰增开一个窗口"), ("ledger_due", &due)],
        )
        .await;
        assert_eq!(ledger.status, StatusCode::SEE_OTHER, "{}", ledger.text());
        let done = staff_form(&app, &land, &path, &[("action", "rectified"), ("note", "B12 窗口已在下午开放")]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());

        // The rater is told, with a link to rate the fix once.
        let fix = last_link(&app, &number).await;
        assert_ne!(fix, link);
        let (cookie, csrf, page) = rating_form(&app, &fix).await;
        assert!(page.contains("请评价差评的整改结果") && page.contains("B12 窗口已在下午开放"), "{page}");
        let fixed = app.post_form(&fix, &cookie, &[("csrf_token", &csrf), ("level", "4")]).await;
        assert_eq!(fixed.status, StatusCode::OK, "{}", fixed.text());
        let twice = app.post_form(&fix, &cookie, &[("csrf_token", &csrf), ("level", "5")]).await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        let followup = app.store().followup(id).await.unwrap().unwrap();
        assert_eq!((followup.state.code(), followup.fix_level.map(|l| l.value())), ("closed", Some(4)));
        let history: Vec<String> =
            app.store().followup_events(id).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(history, ["assigned", "called_back", "resolved", "rectified", "fix_rated"]);

        // The month's figures, by hand: one 差评, called back, resolved in time.
        let month = app.state.app.local(app.state.now()).format("%Y-%m").to_string();
        let reply = app.json(Method::GET, &format!("/api/v1/ratings/disclosure?month={month}"), None, None).await;
        assert_eq!(reply.status, StatusCode::OK);
        let total = &reply.json()["total"];
        assert_eq!((total["rated"].as_u64(), total["bad"].as_u64()), (Some(1), Some(1)), "{total}");
        assert_eq!(total["good_rate"], json!(0.0));
        assert_eq!((total["callback_rate"].clone(), total["rectify_rate"].clone()), (json!(1.0), json!(1.0)));
        assert_eq!(total["in_time_rate"], json!(1.0));
        let public = app.get(&format!("/ratings?month={month}")).await;
        assert_eq!(public.status, StatusCode::OK);
        assert!(public.text().contains("id=\"total-bad\">1<"), "{}", public.text());
        let empty = app.json(Method::GET, "/api/v1/ratings/disclosure?month=", None, None).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "an empty month is not a month");
        let wrong = app.json(Method::GET, "/api/v1/ratings/disclosure?month=2026-13", None, None).await;
        assert_eq!(
            (wrong.status, wrong.json()["error"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("validation_failed"))
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn an_appeal_excludes_a_malicious_rating_only_by_a_managers_review() {
    for app in TestApp::all().await {
        app.to_office_hours();
        let window = app.token(WINDOW).await;
        let number = accepted_transfer(&app, &window, "654301198001011232").await;
        let land_token = app.token(LAND).await;
        let body = json!({ "stage": "acceptance", "level": 1, "indicators": ["attitude"], "comment": "乱评" });
        let path = format!("/api/v1/cases/{number}/ratings");
        let tax_token = app.token(TAX).await;
        let refused = app.json(Method::POST, &path, Some(&tax_token), Some(body.clone())).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}: another department's system", app.backend);
        let bad =
            app.json(Method::POST, &path, Some(&land_token), Some(json!({ "stage": "acceptance", "level": 0 }))).await;
        assert_eq!(
            (bad.status, bad.json()["error"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("validation_failed"))
        );
        let early =
            app.json(Method::POST, &path, Some(&land_token), Some(json!({ "stage": "conclusion", "level": 5 }))).await;
        assert_eq!((early.status, early.json()["error"].clone()), (StatusCode::CONFLICT, json!("not_ratable")));
        let created = app.json(Method::POST, &path, Some(&land_token), Some(body.clone())).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let again = app.json(Method::POST, &path, Some(&land_token), Some(body)).await;
        assert_eq!((again.status, again.json()["error"].clone()), (StatusCode::CONFLICT, json!("already_rated")));

        let id = followup_id(&app).await;
        let path = format!("/staff/ratings/{id}");
        // Nobody called back within the working day: red on the supervision page.
        app.advance_clock(chrono::Duration::days(4));
        let manager = app.login_page(SUPERVISOR).await;
        let supervision = app.get_with_cookie("/staff/supervision", &manager.0).await.text();
        let row = supervision.split("id=\"followups-at-risk\"").nth(1).expect("follow-ups at risk").to_string();
        assert!(row.contains(&format!("{path}\"")) && row.contains("card-red"), "{}: {row}", app.backend);
        let land = app.login_page(LAND).await;
        staff_form(&app, &land, &path, &[("action", "call_back"), ("note", "电话核实，办事人承认误评")]).await;
        let appeal =
            staff_form(&app, &land, &path, &[("action", "resolve"), ("outcome", "appeal"), ("note", "误评")]).await;
        assert_eq!(appeal.status, StatusCode::SEE_OTHER);
        let own = staff_form(&app, &land, &path, &[("action", "review"), ("exclude", "1"), ("note", "自己复核")]).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN, "{}: the department may not review its own appeal", app.backend);
        let review =
            staff_form(&app, &manager, &path, &[("action", "review"), ("exclude", "1"), ("note", "经核实属误评")])
                .await;
        assert_eq!(review.status, StatusCode::SEE_OTHER, "{}", review.text());
        let month = app.state.app.local(app.state.now()).format("%Y-%m").to_string();
        let total =
            app.json(Method::GET, &format!("/api/v1/ratings/disclosure?month={month}"), None, None).await.json()
                ["total"]
                .clone();
        assert_eq!(
            (total["rated"].as_u64(), total["excluded"].as_u64(), total["bad"].as_u64()),
            (Some(0), Some(1), Some(0)),
            "{total}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn an_unrated_stage_becomes_basically_satisfied_and_its_link_expires() {
    for app in TestApp::all().await {
        app.to_office_hours();
        let window = app.token(WINDOW).await;
        let number = accepted_transfer(&app, &window, "654301198001011232").await;
        let link = last_link(&app, &number).await;
        assert_eq!(onetrip_app::ratings::default_overdue(&app.state.app).await.unwrap(), 0, "not yet");
        app.advance_clock(chrono::Duration::days(7) + chrono::Duration::minutes(1));
        let expired = app.get(&link).await;
        assert_eq!(expired.status, StatusCode::CONFLICT, "{}", expired.text());
        assert!(expired.text().contains("评价链接已过期"));
        assert_eq!(onetrip_app::ratings::default_overdue(&app.state.app).await.unwrap(), 1, "{}", app.backend);
        assert_eq!(onetrip_app::ratings::default_overdue(&app.state.app).await.unwrap(), 0, "only once");
        let stored = app.store().case_ratings(&CaseNumber::parse(&number).unwrap()).await.unwrap();
        assert_eq!((stored[0].level.value(), stored[0].channel.code()), (3, "default"));
        let month = stored[0].month.clone();
        let total: Value =
            app.json(Method::GET, &format!("/api/v1/ratings/disclosure?month={month}"), None, None).await.json()
                ["total"]
                .clone();
        assert_eq!(
            (total["neutral"].as_u64(), total["defaulted"].as_u64(), total["active_rate"].clone()),
            (Some(1), Some(1), json!(0.0))
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn an_applicant_rates_their_own_case_on_the_portal_and_its_notice_carries_the_qr_code() {
    for app in TestApp::all().await {
        app.to_office_hours();
        let window = app.token(WINDOW).await;
        let number = accepted_transfer(&app, &window, "654301198001011232").await;
        let compact = CaseNumber::parse(&number).unwrap().compact();
        // The acceptance notice, printed at the window, carries the stage's rating link as a QR code.
        let (session, _) = app.login_page(WINDOW).await;
        let notice = app.get_with_cookie(&format!("/staff/cases/{compact}/notices/acceptance"), &session).await.text();
        let link = last_link(&app, &number).await;
        assert!(notice.contains(&format!("src=\"{link}/qr.svg\"")), "{}: {notice}", app.backend);
        let qr = app.get(&format!("{link}/qr.svg")).await;
        assert_eq!(qr.status, StatusCode::OK);
        assert_eq!(qr.headers.get("content-type").unwrap(), "image/svg+xml");
        assert!(qr.text().contains("<svg"));
        assert_eq!(app.get("/r/a123.1.0/qr.svg").await.status, StatusCode::NOT_FOUND, "no code for a forged link");

        // The applicant (who proves the phone the window registered) rates the acceptance once.
        let (cookie, csrf) = app.sign_up("654301198001011232", "李四", PHONE).await;
        let page = app.get_with_cookie(&format!("/portal/cases/{compact}"), &cookie).await.text();
        assert!(page.contains("为本次受理服务评价"), "{page}");
        let path = format!("/portal/cases/{compact}/rating");
        let bad =
            app.post_form(&path, &cookie, &[("csrf_token", &csrf), ("stage", "acceptance"), ("level", "2")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        assert!(bad.text().contains("差评请写一句原因"));
        let early =
            app.post_form(&path, &cookie, &[("csrf_token", &csrf), ("stage", "conclusion"), ("level", "5")]).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "no conclusion yet");
        let rated =
            app.post_form(&path, &cookie, &[("csrf_token", &csrf), ("stage", "acceptance"), ("level", "5")]).await;
        assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.text());
        let again =
            app.post_form(&path, &cookie, &[("csrf_token", &csrf), ("stage", "acceptance"), ("level", "1")]).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        let page = app.get_with_cookie(&format!("/portal/cases/{compact}"), &cookie).await.text();
        assert!(page.contains("您已评价：<strong>非常满意</strong>"), "{page}");
        // Rated: the link shows the thanks and the notice no longer asks.
        assert!(app.get(&link).await.text().contains("谢谢您的评价"));
        let notice = app.get_with_cookie(&format!("/staff/cases/{compact}/notices/acceptance"), &session).await.text();
        assert!(!notice.contains("notice-rating"));

        // Someone else's case is not found to them.
        let (other, other_csrf) = app.sign_up("11010519491231002X", "王五", "13812345678").await;
        let foreign =
            app.post_form(&path, &other, &[("csrf_token", &other_csrf), ("stage", "acceptance"), ("level", "5")]).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", app.backend);
        app.finish().await;
    }
}
