//! 好差评 in the browser: a visitor rates the window on its evaluator screen right after being served; an
//! applicant gives a 差评 through the SMS link after the case's conclusion; the department calls back and
//! fixes it; the applicant rates the fix; the public disclosure shows the month.

use super::*;
use axum::http::Method;
use onetrip_domain::case_number::CaseNumber;
use support::{HOUSING, LAND, SUPERVISOR, TAX, WINDOW};

const TRANSFER: &str = "65430030010102";

/// The last rating link sent about a case, as a path.
async fn last_link(app: &TestApp, number: &str) -> String {
    let number = CaseNumber::parse(number).expect("number");
    let messages = app.store().case_notifications(&number).await.expect("outbox");
    let body = &messages.iter().rev().find(|m| m.notification.body.contains("/r/")).expect("link").notification.body;
    let start = body.find("/r/").expect("link");
    body[start..].chars().take_while(|c| !c.is_whitespace() && *c != '。').collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_is_rated_at_once_and_a_bad_rating_is_fixed_and_rated_again() {
    let Some(path) = chromedriver_path() else { return };
    let driver = start_driver(&path);
    for app in TestApp::all().await {
        let backend = app.backend;
        app.to_office_hours();
        let base = serve(&app).await;

        // 一次一评: D01 serves a ticket; the evaluator screen asks about it at once.
        let request = onetrip_app::hall::TicketRequest {
            zone: "bs".into(),
            matter: "65430130010001".into(),
            priority: "none".into(),
            last_four: String::new(),
        };
        onetrip_app::hall::issue_ticket(&app.state.app, "centre", &request, "kiosk").await.expect("ticket");
        let client = browser(&driver, 1280, 900).await;
        staff_login(&client, &base, "/staff/windows/D01", WINDOW).await;
        click(&client, "#sign-in").await;
        wait_for_url(&client, "flash=signed_in").await;
        click(&client, "#call-next").await;
        wait_for_text(&client, "#current-number", "D001").await;
        click(&client, "#finish").await;
        wait_for_url(&client, "flash=done").await;
        click(&client, "#evaluator-link").await;
        wait_for_path(&client, "/staff/windows/D01/rate").await;
        assert!(text_of(&client, "main h1").await.contains("D001"), "{backend}");
        check_accessible(&client, "evaluator").await;
        click(&client, "input[name=level][value='5']").await;
        click(&client, "main form button[type=submit]").await;
        assert!(text_of(&client, "#evaluator-thanks").await.contains("谢谢"), "{backend}");
        let ticket = app.store().tickets_of_day("centre", app.state.today()).await.expect("tickets")[0].id;
        let slot = app.store().ticket_rating_slot(ticket).await.expect("slot").expect("rated");
        assert_eq!((slot.slot.window_code.as_deref(), slot.slot.staff.as_deref()), (Some("D01"), Some("window")));

        // 一事一评 after conclusion, through the link of the SMS, on a phone: a 差评.
        let window = app.token(WINDOW).await;
        let application = serde_json::json!({
            "matter_code": TRANSFER,
            "applicant": { "kind": "natural_person", "id_number": "654301198001011232", "name": "李四", "phone": "13912345678" },
            "supplied": ["provided", "provided", "provided", "provided", "missing", "provided"],
        });
        let reply = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await;
        let number = reply.json()["number"].as_str().expect("number").to_string();
        let tokens =
            [("zrzyj", app.token(LAND).await), ("swj", app.token(TAX).await), ("zjj", app.token(HOUSING).await)];
        app.conclude_case(&number, &window, |department| {
            tokens.iter().find(|(code, _)| *code == department).map(|(_, token)| token.clone()).expect("reviewer")
        })
        .await;
        let link = last_link(&app, &number).await;
        let phone = browser(&driver, 390, 844).await;
        phone.goto(&format!("{base}{link}")).await.expect("link");
        assert!(text_of(&phone, "main h1").await.contains("办结服务"), "{backend}");
        check_accessible(&phone, "rating link").await;
        click(&phone, "input[name=level][value='1']").await;
        click(&phone, "main form button[type=submit]").await;
        // Refused with its reason; nothing is lost of what was chosen.
        assert!(text_of(&phone, "#error-summary").await.contains("差评请至少选一项"), "{backend}");
        click(&phone, "input[name=indicators][value='efficiency']").await;
        fill(&phone, "#comment", "等了一个多月才办完").await;
        click(&phone, "main form button[type=submit]").await;
        assert!(text_of(&phone, "#rating-done").await.contains("非常不满意"), "{backend}");

        // The responsible department calls back and fixes it at once.
        staff_login(&client, &base, "/staff/ratings", LAND).await;
        check_accessible(&client, "follow-ups").await;
        click(&client, "#followups tbody a").await;
        assert!(text_of(&client, "#followup-comment").await.contains("等了一个多月"), "{backend}");
        check_accessible(&client, "follow-up").await;
        fill(&client, "#note", "已电话回访，查明卡在测绘环节").await;
        click(&client, "#call-back-form button[type=submit]").await;
        click(&client, "#resolve-form input[name=outcome][value=immediate]").await;
        fill(&client, "#note", "测绘改为受理当天预约，已向办事人致歉").await;
        click(&client, "#resolve-form button[type=submit]").await;
        assert!(text_of(&client, "#followup-outcome").await.contains("立行立改"), "{backend}");

        // The rater rates the fix once, through the link of the result's SMS.
        let fix = last_link(&app, &number).await;
        phone.goto(&format!("{base}{fix}")).await.expect("fix link");
        assert!(text_of(&phone, "main").await.contains("测绘改为受理当天预约"), "{backend}");
        click(&phone, "input[name=level][value='4']").await;
        click(&phone, "main form button[type=submit]").await;
        assert!(text_of(&phone, "#rating-done").await.contains("满意"), "{backend}");

        // The month in public: two ratings, one 好评 and one 差评, fixed.
        staff_login(&client, &base, "/staff", SUPERVISOR).await;
        client.goto(&format!("{base}/ratings")).await.expect("disclosure");
        check_accessible(&client, "disclosure").await;
        assert_eq!(text_of(&client, "#total-rated").await, "2", "{backend}");
        assert_eq!(text_of(&client, "#total-good-rate").await, "50.0%");
        assert_eq!(text_of(&client, "#total-rectify-rate").await, "100.0%");

        // The manager reads the quarter's staff ranking and the department scorecards.
        client.goto(&format!("{base}/staff/evaluation")).await.expect("evaluation");
        check_accessible(&client, "evaluation").await;
        assert!(text_of(&client, "#evaluation").await.contains("window 测试"), "{backend}");
        let export = client.find(Locator::Css("#evaluation-export")).await.expect("export link");
        assert!(export.attr("href").await.expect("href").unwrap_or_default().contains("export.xlsx"));
        client.goto(&format!("{base}/staff/scorecards")).await.expect("scorecards");
        check_accessible(&client, "scorecards").await;
        let land_line = text_of(&client, "#card-zrzyj").await;
        assert!(land_line.contains("已进驻") && land_line.contains("100.0%"), "{backend}: {land_line}");
        // The dashboard with its charts, readable without script, and the printable monthly report.
        client.goto(&format!("{base}/staff/statistics")).await.expect("statistics");
        check_accessible(&client, "statistics").await;
        assert_eq!(text_of(&client, "#received").await, "1", "{backend}: the concluded case");
        let bars = client.find_all(Locator::Css("figure.chart svg rect")).await.expect("bars");
        assert!(bars.len() >= 28, "{backend}: one bar per day of the month, and its online part");
        click(&client, "#report-link").await;
        wait_for_path(&client, "/staff/statistics/report").await;
        check_accessible(&client, "monthly report").await;
        assert!(text_of(&client, "main h1").await.contains("月报"));
        let _ = phone.close().await;
        let _ = client.close().await;
        app.finish().await;
    }
}
