//! Department scorecards on each backend: a known month of cases and ratings for the land registry, every
//! figure of its line checked against values computed by hand, the ranking, and who may see it.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{TestApp, HOUSING, LAND, SUPERVISOR, TAX, WINDOW};

const TRANSFER: &str = "65430030010102";
const SUPPLIED: [&str; 6] = ["provided", "provided", "provided", "provided", "missing", "provided"];

async fn registered(app: &TestApp, window: &str) -> String {
    let application = json!({
        "matter_code": TRANSFER,
        "applicant": { "kind": "natural_person", "id_number": "654301198001011232", "name": "李四", "phone": "13912345678" },
        "supplied": SUPPLIED,
    });
    let reply = app.json(Method::POST, "/api/v1/cases", Some(window), Some(application)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()["number"].as_str().expect("number").to_string()
}

async fn accept(app: &TestApp, window: &str, number: &str) {
    let body = json!({ "decision": "accept", "supplied": SUPPLIED });
    let reply = app.json(Method::POST, &format!("/api/v1/cases/{number}/acceptance"), Some(window), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
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

#[tokio::test]
async fn a_known_month_gives_the_land_registry_the_figures_computed_by_hand() {
    for app in TestApp::all().await {
        app.to_office_hours();
        let window = app.token(WINDOW).await;
        let land = app.token(LAND).await;
        let tokens = [("zrzyj", land.clone()), ("swj", app.token(TAX).await), ("zjj", app.token(HOUSING).await)];
        // A: accepted and decided at once; B: accepted; C: received only. All through the API, no trips.
        let a = registered(&app, &window).await;
        app.conclude_case(&a, &window, |department| {
            tokens.iter().find(|(code, _)| *code == department).map(|(_, token)| token.clone()).expect("reviewer")
        })
        .await;
        let b = registered(&app, &window).await;
        accept(&app, &window, &b).await;
        registered(&app, &window).await;
        rate(&app, &land, &a, 5).await;
        rate(&app, &land, &b, 1).await;

        // By hand: received 3, online 0 → 网办率 0.0%; decided 1, on time 1 → 100.0%; one trip or fewer 1 of 1
        // → 100.0%; 0 trips → 0.00 per case; ratings 1 好 of 2 → 50.0%, the 差评 not yet resolved → 0.0%.
        // Composite = (100 + 50 + 100 + 0) / 4 = 62.5, first; the other departments have nothing to measure.
        let (session, _) = app.login_page(SUPERVISOR).await;
        let page = app.get_with_cookie("/staff/scorecards", &session).await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.backend);
        let page = page.text();
        let start = page.find("<tr id=\"card-zrzyj\">").unwrap_or_else(|| panic!("no land registry line: {page}"));
        let line = &page[start..start + page[start..].find("</tr>").unwrap()];
        let cells: Vec<&str> = line
            .split("<td")
            .skip(1)
            .map(|cell| cell.split('>').nth(1).unwrap_or_default().trim_end_matches("</td"))
            .collect();
        // 名次, 综合, 比上月, 事项数, 进驻大厅, 网上可办率, 收件, 网办率, 按期, 即办, 一次办结, 到现场, 二次补正, 督办逾期, 好评率, 整改率
        assert_eq!(cells[0], "1", "{}: {line}", app.backend);
        assert_eq!((cells[1], cells[2]), ("62.5", "上月无数据"));
        assert_eq!(cells[4], "已进驻");
        assert_eq!((cells[6], cells[7], cells[8]), ("3", "0.0%", "100.0%"), "{line}");
        assert_eq!((cells[9], cells[10], cells[11]), ("0.0%", "100.0%", "0.00"), "{line}");
        assert_eq!((cells[12], cells[13], cells[14], cells[15]), ("0", "0", "50.0%", "0.0%"), "{line}");
        let ranks: Vec<&str> = page
            .split("<tr id=\"card-")
            .skip(1)
            .map(|row| row.split("<td>").nth(1).unwrap_or("").split('<').next().unwrap_or(""))
            .collect();
        assert!(
            ranks.len() > 1 && ranks[1..].iter().all(|rank| *rank == "2"),
            "the rest share the next rank: {ranks:?}"
        );

        let (window_session, _) = app.login_page(WINDOW).await;
        assert_eq!(app.get_with_cookie("/staff/scorecards", &window_session).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.get_with_cookie("/staff/scorecards?month=2026-13", &session).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        app.finish().await;
    }
}
