//! Department scorecards on each backend: a known month of cases and ratings for the land registry, every
//! figure of its line checked against values computed by hand, the ranking, and who may see it.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use chrono::Datelike;
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
        let catalog: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string("../../data/demo/catalog.json").unwrap()).unwrap();
        let transfer = catalog["matters"].as_array().unwrap().iter().find(|m| m["code"] == TRANSFER).unwrap();
        let published = transfer["trips_required"].as_u64().unwrap();
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
        // 名次, 综合, 比上月, 事项数, 进驻大厅, 网上可办率, 收件, 网办率, 按期, 即办, 一次办结, 到现场, 承诺到现场,
        // 二次补正, 窗口办结率, 回单位审批, 部门系统办理, 黄牌 / 红牌, 督办逾期, 本部门窗口, 在岗率, 提前撤岗, 好评率,
        // 整改率
        assert_eq!(cells[0], "1", "{}: {line}", app.backend);
        assert_eq!((cells[1], cells[2]), ("62.5", "上月无数据"));
        assert_eq!(cells[4], "已进驻");
        assert_eq!((cells[6], cells[7], cells[8]), ("3", "0.0%", "100.0%"), "{line}");
        assert_eq!((cells[9], cells[10], cells[11]), ("0.0%", "100.0%", "0.00"), "{line}");
        assert_eq!((cells[13], cells[18], cells[22], cells[23]), ("0", "0", "50.0%", "0.0%"), "{line}");
        // Every case was typed at the window: none through the registry's own system.
        assert_eq!(cells[16], "0（0.0%）", "{line}");
        // A's review went to the tax office, the housing office and the registry's own back office.
        assert_eq!((cells[14], cells[15]), ("0.0%", "1"), "{line}");
        // The land registry's own windows are C01–C18 of the demo hall; nobody is posted there.
        assert_eq!((cells[19], cells[20], cells[21]), ("18", "0.0%", "0"), "{line}");
        // The transfer publishes its trips in the catalog; B is accepted, due weeks away: no card.
        assert_eq!((cells[12], cells[17]), (format!("{published}.00").as_str(), "0 / 0"), "{line}");
        let ranks: Vec<&str> = page
            .split("<tr id=\"card-")
            .skip(1)
            .map(|row| row.split("<td>").nth(1).unwrap_or("").split('<').next().unwrap_or(""))
            .collect();
        assert!(
            ranks.len() > 1 && ranks[1..].iter().all(|rank| *rank == "2"),
            "the rest share the next rank: {ranks:?}"
        );

        // The month's statistics, by hand: the demo catalog's matters and the departments the demo hall
        // seats, read from the data files themselves.
        let catalog: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string("../../data/demo/catalog.json").unwrap()).unwrap();
        let hall: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string("../../data/demo/hall.json").unwrap()).unwrap();
        let seated: std::collections::BTreeSet<&str> = ["zones", "windows"]
            .iter()
            .flat_map(|part| hall[*part].as_array().unwrap().iter())
            .flat_map(|place| place["departments"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()))
            .collect();
        let matters = catalog["matters"].as_array().unwrap();
        let in_hall = matters.iter().filter(|m| seated.contains(m["department"].as_str().unwrap())).count();
        let statistics = app.get_with_cookie("/staff/statistics", &session).await.text();
        let cell = |id: &str| -> String {
            let start = statistics.find(&format!("id=\"{id}\">")).unwrap_or_else(|| panic!("no {id}")) + id.len() + 6;
            statistics[start..].split('<').next().unwrap().to_string()
        };
        assert_eq!((cell("received"), cell("online"), cell("online-rate")), ("3".into(), "0".into(), "0.0%".into()));
        assert_eq!(cell("matters-in-hall"), format!("{in_hall} / {}", matters.len()), "{}", app.backend);
        assert_eq!(
            (cell("decided"), cell("on-time-rate"), cell("good-rate")),
            ("1".into(), "100.0%".into(), "50.0%".into())
        );
        let key = statistics.split("id=\"key-matters\"").nth(1).unwrap();
        assert!(key.contains("<th scope=\"row\">不动产转移登记</th><td>15.0</td><td>10.0</td>"), "{key}");
        assert!(key.contains("<td>0.0</td><td>1</td><td>达到</td>"), "decided the instant it was accepted: {key}");
        let report = app.get_with_cookie("/staff/statistics/report", &session).await;
        assert_eq!(report.status, StatusCode::OK);
        assert!(report.text().contains("政务服务月报"));
        let workbook = app.get_with_cookie("/staff/statistics/export.xlsx", &session).await;
        assert!(workbook.status == StatusCode::OK && workbook.body.starts_with(b"PK"));
        let supervisor = app.token(SUPERVISOR).await;
        let monthly = app.json(Method::GET, "/api/v1/statistics/monthly", Some(&supervisor), None).await.json();
        assert_eq!((monthly["received"].as_u64(), monthly["decided"].as_u64()), (Some(3), Some(1)), "{monthly}");
        assert_eq!(monthly["key_matters"][0]["mean_days"], json!(0.0));
        let cards = app.json(Method::GET, "/api/v1/statistics/scorecards", Some(&supervisor), None).await.json();
        assert_eq!(
            (cards["departments"][0]["department"].clone(), cards["departments"][0]["composite"].clone()),
            (json!("zrzyj"), json!(62.5))
        );
        let refused = app.json(Method::GET, "/api/v1/statistics/monthly", Some(&window), None).await;
        assert_eq!((refused.status, refused.json()["error"].clone()), (StatusCode::FORBIDDEN, json!("forbidden")));

        let (window_session, _) = app.login_page(WINDOW).await;
        assert_eq!(app.get_with_cookie("/staff/scorecards", &window_session).await.status, StatusCode::FORBIDDEN);
        assert_eq!(app.get_with_cookie("/staff/statistics", &window_session).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.get_with_cookie("/staff/scorecards?month=2026-13", &session).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        app.finish().await;
    }
}

/// The cells of a department's line on the scorecards page.
async fn card_cells(app: &TestApp, session: &str, department: &str) -> Vec<String> {
    let page = app.get_with_cookie("/staff/scorecards", session).await.text();
    let start =
        page.find(&format!("<tr id=\"card-{department}\">")).unwrap_or_else(|| panic!("no {department}: {page}"));
    let line = &page[start..start + page[start..].find("</tr>").unwrap()];
    line.split("<td")
        .skip(1)
        .map(|cell| cell.split('>').nth(1).unwrap_or_default().trim_end_matches("</td").to_string())
        .collect()
}

#[tokio::test]
async fn a_departments_own_windows_are_counted_staffed_and_withdrawn_and_on_the_spot_cases_decided_at_the_window() {
    for app in TestApp::all().await {
        app.to_office_hours();
        let manager = app.token(SUPERVISOR).await;
        let (session, _) = app.login_page(SUPERVISOR).await;
        let before = card_cells(&app, &session, "zrzyj").await;
        app.add_staff("land-clerk-1", vec![onetrip_domain::access::Role::WindowStaff], Some("zrzyj")).await;
        app.add_staff("land-clerk-2", vec![onetrip_domain::access::Role::WindowStaff], Some("zrzyj")).await;
        let assign = |window: &str, username: &str| {
            let body = json!({ "window": window, "username": username });
            app.json(Method::POST, "/api/v1/hall/assignments", Some(&manager), Some(body))
        };
        let kept = assign("C01", "land-clerk-1").await;
        assert_eq!(kept.status, StatusCode::CREATED, "{}", kept.text());
        let withdrawn = assign("C02", "land-clerk-2").await;
        let id = withdrawn.json()["id"].as_i64().expect("id");
        let ended = app
            .json(
                Method::POST,
                &format!("/api/v1/hall/assignments/{id}/end"),
                Some(&manager),
                Some(json!({ "reason": "单位抽回人员" })),
            )
            .await;
        assert_eq!(ended.status, StatusCode::NO_CONTENT, "{}", ended.text());

        // By hand: 18 windows × the month's working days up to today; of those window-days, C01 today is
        // staffed and C02 (withdrawn today) is not; one post ended early.
        let today = app.state.today();
        let calendar = app.state.calendar();
        let first = today.with_day(1).unwrap();
        let working = first
            .iter_days()
            .take_while(|day| *day <= today)
            .filter(|day| calendar.is_working_day(*day).unwrap())
            .count();
        // And a records search (不动产登记资料查询), concluded on the spot at acceptance: decided at the window.
        let window = app.token(WINDOW).await;
        let application = json!({
            "matter_code": "65430030020001",
            "applicant": { "kind": "natural_person", "id_number": "654301198001011232", "name": "李四", "phone": "13912345678" },
            "supplied": ["provided", "provided", "provided"],
        });
        let reply = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let number = reply.json()["number"].as_str().expect("number").to_string();
        let body = json!({ "decision": "accept", "supplied": ["provided", "provided", "provided"] });
        let reply =
            app.json(Method::POST, &format!("/api/v1/cases/{number}/acceptance"), Some(&window), Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let after = card_cells(&app, &session, "zrzyj").await;
        assert_eq!((before[14].as_str(), before[15].as_str()), ("—", "0"), "{}", app.backend);
        assert_eq!((after[14].as_str(), after[15].as_str()), ("100.0%", "0"), "{}: {after:?}", app.backend);
        assert_eq!(before[19..22], ["18", "0.0%", "0"], "{}: nobody posted before", app.backend);
        let rate = format!("{:.1}%", 100.0 / (18.0 * working as f64));
        assert_eq!(after[19..22], ["18".to_string(), rate, "1".to_string()], "{}", app.backend);
        let supervisor = app.token(SUPERVISOR).await;
        let cards = app.json(Method::GET, "/api/v1/statistics/scorecards", Some(&supervisor), None).await.json();
        let land = cards["departments"].as_array().unwrap().iter().find(|card| card["department"] == "zrzyj").unwrap();
        assert_eq!(
            (&land["windows"], &land["post_days_required"], &land["post_days_staffed"], &land["posts_ended_early"]),
            (&json!(18), &json!(18 * working), &json!(1), &json!(1)),
            "{}",
            app.backend
        );
        app.finish().await;
    }
}
