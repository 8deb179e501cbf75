//! Every kind of public page, on a phone, in the plain view and in 长辈版: one `h1`, one `main`, labelled
//! controls, no sideways scrolling and no serious or critical axe-core violation (`check_accessible`).

use super::*;
use axum::http::Method;
use support::WINDOW;

const TRANSFER: &str = "65430030010102";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_public_page_is_accessible_in_the_plain_view_and_in_the_elderly_mode() {
    let Some(path) = chromedriver_path() else { return };
    let driver = start_driver(&path);
    for app in TestApp::all().await {
        let backend = app.backend;
        // A case to look up: registered at a window for the company in the demo data.
        let window = app.token(WINDOW).await;
        let guide = app.json(Method::GET, &format!("/api/v1/matters/{COMPANY}"), None, None).await.json();
        let materials = guide["matter"]["materials"].as_array().expect("materials").len();
        let application = json!({
            "matter_code": COMPANY,
            "applicant": { "kind": "natural_person", "id_number": "11010519491231002X", "name": "张三", "phone": "13912345678" },
            "supplied": vec!["provided"; materials],
        });
        let reply = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await;
        let number = reply.json()["number"].as_str().expect("number").to_string();

        let base = serve(&app).await;
        let client = browser(&driver, 390, 844).await;
        let pages = [
            ("home", "/".to_string()),
            ("all matters", "/matters".to_string()),
            ("a life event", format!("/matters?life_event={}", support::urlencode("开办企业"))),
            ("search results", format!("/search?q={}", support::urlencode("我想把公司关了"))),
            ("search in pinyin", "/search?q=shebaoka".to_string()),
            ("search with nothing found", format!("/search?q={}", support::urlencode("火箭发射"))),
            ("guide", format!("/matters/{TRANSFER}")),
            ("one-time notice", format!("/matters/{TRANSFER}/notice")),
            ("history", format!("/matters/{TRANSFER}/history")),
            ("a version", format!("/matters/{TRANSFER}/versions/1")),
            ("bundle", "/bundles/qykb".to_string()),
            ("ratings disclosure", "/ratings".to_string()),
            ("licence verification", "/licences/verify".to_string()),
            ("portal log-in", "/portal/login".to_string()),
            ("progress", "/progress".to_string()),
        ];
        for elder in [false, true] {
            if elder {
                client.goto(&format!("{base}/")).await.expect("home");
                click(&client, "#elder-switch").await;
                wait_for_text(&client, "#elder-switch", "退出长辈版").await;
            }
            let mode = if elder { "长辈版" } else { "plain" };
            for (name, path) in &pages {
                client.goto(&format!("{base}{path}")).await.expect("page");
                check_accessible(&client, &format!("{backend} {mode}: {name}")).await;
            }
            // The progress look-up's answer.
            client.goto(&format!("{base}/progress")).await.expect("progress");
            fill(&client, "#number", &number).await;
            fill(&client, "#last_four", "002X").await;
            click(&client, "main form button[type=submit]").await;
            wait_for_text_containing(&client, "main", "企业设立登记").await;
            check_accessible(&client, &format!("{backend} {mode}: progress result")).await;
        }
        // Off again: the browser profile (and its cookies) is shared with the next backend's run.
        client.goto(&format!("{base}/")).await.expect("home");
        click(&client, "#elder-switch").await;
        wait_for_text(&client, "#elder-switch", "长辈版").await;
        client.close().await.expect("close");
        app.finish().await;
    }
}
