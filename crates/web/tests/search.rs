//! The public search page as people use it: sentences with words the index does not know, pinyin, a
//! "did you mean", and what an empty result still offers.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use support::TestApp;

async fn first_result(app: &TestApp, query: &str) -> String {
    let reply = app.json(Method::GET, &format!("/api/v1/matters?q={}", support::urlencode(query)), None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.json()["items"][0]["name"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn sentences_and_pinyin_find_the_matter_and_say_how_they_were_read() {
    for app in TestApp::all().await {
        assert_eq!(first_result(&app, "我想把公司关了").await, "企业注销登记", "{}", app.backend);
        assert_eq!(first_result(&app, "家里老人退休了养老金怎么领").await, "职工基本养老保险待遇申领");
        assert_eq!(first_result(&app, "sbk").await, "社会保障卡申领");

        let page = app.get("/search?q=shebaoak").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("您是不是要找"), "a mistyped pinyin word says what it was read as");
        assert!(html.contains("href=\"/search?q=%E7%A4%BE%E4%BF%9D%E5%8D%A1\">社保卡</a>"), "{html}");
        let first = html.find("社会保障卡申领").expect("the card is listed");
        assert!(html.find("matter-list").is_some_and(|list| list < first));

        let typed = app.get("/search?q=%E7%A4%BE%E4%BF%9D%E5%8D%A1").await.text();
        assert!(!typed.contains("您是不是要找"), "a query found as typed is not corrected");
        app.finish().await;
    }
}

#[tokio::test]
async fn an_empty_result_offers_the_closest_matters_the_life_events_and_the_hotline() {
    for app in TestApp::all().await {
        let html = app.get("/search?q=%E7%81%AB%E7%AE%AD%E5%8F%91%E5%B0%84").await.text();
        assert!(html.contains("没有找到“火箭发射”相关的事项"));
        assert!(html.contains("名称里有相同字的事项"));
        assert!(html.contains("增值税发票申领"), "发 is in 发票");
        assert!(html.contains("按人生事件找") && html.contains("/matters?life_event="));
        assert!(html.contains("href=\"tel:12345\""));
        app.finish().await;
    }
}
