//! The authorization matrix for cases, on each backend: every role tries to read and to change a case (and
//! the supervision pages) through the API and the pages; what it must not do is refused, and afterwards the
//! case is exactly as it was.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::{TestApp, EDITOR, REVIEWER, SUPERVISOR, TAX, WINDOW};

const COMPANY: &str = "00013112700401";

/// An API refusal: the status and the `error` code of the body (empty for a success).
const LOG_IN: (StatusCode, &str) = (StatusCode::UNAUTHORIZED, "unauthenticated");
const FORBIDDEN: (StatusCode, &str) = (StatusCode::FORBIDDEN, "forbidden");
const NOT_UNDER_REVIEW: (StatusCode, &str) = (StatusCode::CONFLICT, "case_not_in_state");

/// The status of an API reply and its error code (empty for a success).
fn refusal(reply: &support::Reply) -> (StatusCode, String) {
    let code = if reply.status.is_success() {
        String::new()
    } else {
        reply.json()["error"].as_str().unwrap_or("?").to_string()
    };
    (reply.status, code)
}

fn owned((status, code): (StatusCode, &str)) -> (StatusCode, String) {
    (status, code.to_string())
}

/// What a page answers: itself, a redirect to the log-in page, or the forbidden page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Ok,
    LogIn,
    Forbidden,
}

impl Page {
    fn of(reply: &support::Reply) -> Self {
        match reply.status {
            StatusCode::OK => Self::Ok,
            StatusCode::SEE_OTHER if reply.location().starts_with("/login") => Self::LogIn,
            StatusCode::FORBIDDEN => Self::Forbidden,
            other => panic!("unexpected page reply {other} (location {:?})", reply.headers.get("location")),
        }
    }
}

/// What one actor must get.
struct Expected {
    name: &'static str,
    read: (StatusCode, &'static str),
    page: Page,
    supervise: Page,
    writes: (StatusCode, &'static str),
    form: Page,
}

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

        // What each actor gets, in order: reading the case through the API and its staff page, the supervision
        // pages, then each write. Someone without a session is told to log in (401 in the API, a redirect to
        // the log-in page for a page); a member of staff without the right is refused (403 `forbidden`); a
        // manager, who may supervise and extend, is told the case is not under review yet (409).
        let expected: &[Expected] = &[
            Expected {
                name: "anonymous",
                read: LOG_IN,
                page: Page::LogIn,
                supervise: Page::LogIn,
                writes: LOG_IN,
                form: Page::LogIn,
            },
            Expected {
                name: "editor",
                read: FORBIDDEN,
                page: Page::Forbidden,
                supervise: Page::Forbidden,
                writes: FORBIDDEN,
                form: Page::Forbidden,
            },
            Expected {
                name: "reviewer without department",
                read: FORBIDDEN,
                page: Page::Forbidden,
                supervise: Page::Forbidden,
                writes: FORBIDDEN,
                form: Page::Forbidden,
            },
            Expected {
                name: "tax reviewer",
                read: FORBIDDEN,
                page: Page::Forbidden,
                supervise: Page::Forbidden,
                writes: FORBIDDEN,
                form: Page::Forbidden,
            },
            Expected {
                name: "window",
                read: (StatusCode::OK, ""),
                page: Page::Ok,
                supervise: Page::Forbidden,
                writes: FORBIDDEN,
                form: Page::Forbidden,
            },
            Expected {
                name: "manager",
                read: (StatusCode::OK, ""),
                page: Page::Ok,
                supervise: Page::Ok,
                writes: FORBIDDEN,
                form: Page::Forbidden,
            },
            Expected {
                name: "another applicant",
                read: LOG_IN,
                page: Page::LogIn,
                supervise: Page::LogIn,
                writes: LOG_IN,
                form: Page::LogIn,
            },
        ];
        for (actor, expected) in actors.iter().zip(expected) {
            let name = expected.name;
            assert_eq!(actor.name, name);
            let token = actor.token.as_deref();
            let read = app.json(Method::GET, &format!("/api/v1/cases/{number}"), token, None).await;
            assert_eq!(refusal(&read), owned(expected.read), "{}: {name} reads the case", app.backend);
            let page = app.get_with_cookie(&format!("/staff/cases/{compact}"), &actor.cookie).await;
            assert_eq!(Page::of(&page), expected.page, "{}: {name} opens the case page", app.backend);
            for path in ["/staff/supervision", "/staff/outbox", "/staff/trips"] {
                let reply = app.get_with_cookie(path, &actor.cookie).await;
                assert_eq!(Page::of(&reply), expected.supervise, "{}: {name} {path}", app.backend);
            }
            // Writes nobody here may make: a review step without the reviewer's role or of another department,
            // the clock without the manager's role (and, for the manager, of a case not yet accepted), a decision
            // without the window role, a supervision order without the manager role.
            let mut writes: Vec<(String, Value, (StatusCode, &str))> = vec![
                (format!("/api/v1/cases/{number}/review"), json!({ "action": "approve", "task": 0 }), expected.writes),
                (
                    format!("/api/v1/cases/{number}/clock"),
                    json!({ "action": "extend", "working_days": 5, "reason": "越权" }),
                    if name == "manager" { NOT_UNDER_REVIEW } else { expected.writes },
                ),
            ];
            if name != "window" && name != "manager" {
                writes.push((
                    format!("/api/v1/cases/{number}/acceptance"),
                    json!({ "decision": "refuse", "reasons": "越权" }),
                    expected.writes,
                ));
                writes.push((
                    format!("/api/v1/cases/{number}/delivery"),
                    json!({ "method": "online" }),
                    expected.writes,
                ));
            }
            if expected.supervise != Page::Ok {
                writes.push((
                    format!("/api/v1/cases/{number}/orders"),
                    json!({ "instruction": "越权督办", "deadline": "2026-12-31" }),
                    expected.writes,
                ));
            }
            for (path, body, refused) in writes {
                let reply = app.json(Method::POST, &path, token, Some(body)).await;
                assert_eq!(refusal(&reply), owned(refused), "{}: {name} POST {path}", app.backend);
            }
            // A page form posted without a valid session's token changes nothing either: without a staff session
            // it asks to log in, with one it fails the CSRF check.
            let reply = app
                .post_form(&format!("/staff/cases/{compact}/acceptance"), &actor.cookie, &[("decision", "refuse")])
                .await;
            assert_eq!(Page::of(&reply), expected.form, "{}: {name} posts the form without its token", app.backend);
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
