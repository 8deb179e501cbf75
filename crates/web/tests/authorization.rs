//! The authorization matrix for cases, on each backend: every role tries to read and to change a case (and
//! the supervision pages) through the API and the pages; what it must not do is refused, and afterwards the
//! case is exactly as it was.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::{TestApp, EDITOR, REVIEWER, SUPERVISOR, TAX, WINDOW};

const COMPANY: &str = "00013112700401";

/// Who tries, and how they prove it: a bearer token for the API, a cookie for the pages.
struct Actor {
    name: &'static str,
    token: Option<String>,
    cookie: String,
}

#[tokio::test]
async fn every_role_reads_and_changes_only_what_it_may() {
    for app in TestApp::all().await {
        let window_token = app.token(WINDOW).await;
        let application = json!({
            "matter_code": COMPANY,
            "applicant": { "kind": "natural_person", "id_number": "11010519491231002X", "name": "张三", "phone": "13912345678" },
        });
        let case = app.json(Method::POST, "/api/v1/cases", Some(&window_token), Some(application)).await.json();
        let number = case["number"].as_str().expect("number").to_string();
        let compact = number.replace('-', "");
        let before = app.json(Method::GET, &format!("/api/v1/cases/{number}"), Some(&window_token), None).await.json();

        let mut actors = vec![Actor { name: "anonymous", token: None, cookie: String::new() }];
        for (name, account) in [
            ("editor", EDITOR),
            ("reviewer without department", REVIEWER),
            ("tax reviewer", TAX),
            ("window", WINDOW),
            ("manager", SUPERVISOR),
        ] {
            let (cookie, _) = app.login_page(account).await;
            actors.push(Actor { name, token: Some(app.token(account).await), cookie });
        }
        let (applicant, _) = app.sign_up("654301199002024566", "王五", "13812345678").await;
        actors.push(Actor { name: "another applicant", token: None, cookie: applicant });

        // (actor, may read the case, may see supervision) — everything else below is refused to everyone here.
        let expected: &[(&str, bool, bool)] = &[
            ("anonymous", false, false),
            ("editor", false, false),
            ("reviewer without department", false, false),
            ("tax reviewer", false, false),
            ("window", true, false),
            ("manager", true, true),
            ("another applicant", false, false),
        ];
        for (actor, (name, may_read, may_supervise)) in actors.iter().zip(expected) {
            assert_eq!(actor.name, *name);
            let token = actor.token.as_deref();
            let read = app.json(Method::GET, &format!("/api/v1/cases/{number}"), token, None).await.status;
            let page = app.get_with_cookie(&format!("/staff/cases/{compact}"), &actor.cookie).await.status;
            if *may_read {
                assert_eq!((read, page), (StatusCode::OK, StatusCode::OK), "{}: {name} reads", app.backend);
            } else {
                assert!(matches!(read, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN), "{name} API read: {read}");
                assert!(matches!(page, StatusCode::SEE_OTHER | StatusCode::FORBIDDEN), "{name} page read: {page}");
            }
            for path in ["/staff/supervision", "/staff/outbox", "/staff/trips"] {
                let status = app.get_with_cookie(path, &actor.cookie).await.status;
                if *may_supervise {
                    assert_eq!(status, StatusCode::OK, "{name} {path}");
                } else {
                    assert!(matches!(status, StatusCode::SEE_OTHER | StatusCode::FORBIDDEN), "{name} {path}: {status}");
                }
            }
            // Writes nobody here may make: a decision without the window role, a review step of another
            // department (or of a case not under review), the clock, a supervision order without the manager role.
            let mut writes: Vec<(String, Value)> = vec![
                (format!("/api/v1/cases/{number}/review"), json!({ "action": "approve", "task": 0 })),
                (
                    format!("/api/v1/cases/{number}/clock"),
                    json!({ "action": "extend", "working_days": 5, "reason": "越权" }),
                ),
            ];
            if *name != "window" && *name != "manager" {
                writes.push((
                    format!("/api/v1/cases/{number}/acceptance"),
                    json!({ "decision": "refuse", "reasons": "越权" }),
                ));
                writes.push((format!("/api/v1/cases/{number}/delivery"), json!({ "method": "online" })));
            }
            if !*may_supervise {
                writes.push((
                    format!("/api/v1/cases/{number}/orders"),
                    json!({ "instruction": "越权督办", "deadline": "2026-12-31" }),
                ));
            }
            for (path, body) in writes {
                let status = app.json(Method::POST, &path, token, Some(body)).await.status;
                assert!(
                    matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::CONFLICT),
                    "{}: {name} {path}: {status}",
                    app.backend
                );
            }
            // A page form posted without a valid session's token changes nothing either.
            let status = app
                .post_form(&format!("/staff/cases/{compact}/acceptance"), &actor.cookie, &[("decision", "refuse")])
                .await
                .status;
            assert!(matches!(status, StatusCode::SEE_OTHER | StatusCode::FORBIDDEN), "{name} form: {status}");
        }
        // Staff cookies do not open the portal's case either.
        let (manager_cookie, _) = app.login_page(SUPERVISOR).await;
        let status = app.get_with_cookie(&format!("/portal/cases/{compact}"), &manager_cookie).await.status;
        assert_eq!(status, StatusCode::SEE_OTHER, "the portal asks staff to log in as an applicant");

        let after = app.json(Method::GET, &format!("/api/v1/cases/{number}"), Some(&window_token), None).await.json();
        assert_eq!(after["revision"], before["revision"], "{}: nothing changed the case", app.backend);
        assert_eq!(after["events"].as_array().map(Vec::len), before["events"].as_array().map(Vec::len));
        app.finish().await;
    }
}
