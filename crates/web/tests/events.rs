//! Departmental systems on events, on each backend: a department system with its own API key subscribes a
//! real webhook receiver, approves its steps of a company registration through the API, and receives every
//! event of its cases, signed (checked by the receiver's own code), in the feed's order; the feed is
//! scoped to the department and the same after the store is reopened; an endpoint that fails is retried
//! with backoff and its event dead-lettered after the last attempt without holding up the next, and a
//! replay sends it again; a 410 ends the subscription; keys rotate with an overlap; every refusal is exact.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use onetrip_app::events::delivery::{deliver_due, Transport};
use onetrip_app::Actor;
use onetrip_domain::access::Role;
use onetrip_domain::case_number::CaseNumber;
use serde_json::{json, Value};
use std::sync::Arc;
use support::receiver::Receiver;
use support::{TestApp, TAX, WINDOW};

const COMPANY_REGISTRATION: &str = "00013112700401";
const COMPANY: &str = "91654301MA771KGM8T";

/// A department system of `department` (reviewer of its steps too) and its API key.
async fn department_system(app: &TestApp, username: &str, department: &str) -> String {
    app.add_staff(username, vec![Role::DepartmentSystem, Role::Reviewer], Some(department)).await;
    let (key, _) =
        onetrip_app::events::keys::issue(&app.state.app, &Actor::operator("test"), username).await.expect("key");
    key
}

fn transport() -> Arc<dyn Transport> {
    Arc::new(
        onetrip_exchange::HttpTransport::new(&onetrip_app::WebhookPolicy {
            private_targets: true,
            ..Default::default()
        })
        .expect("client"),
    )
}

/// Registers a company at the window; the market regulator's steps are approved by its system `market`.
async fn registration(app: &TestApp, market: &str) -> String {
    let window = app.token(WINDOW).await;
    let tax = app.token(TAX).await;
    let police = match app.store().user_by_username("police").await.expect("user") {
        Some(_) => app.token(("police", "police-password-2026")).await,
        None => app.add_staff("police", vec![Role::Reviewer], Some("gaj")).await,
    };
    let guide = app.json(Method::GET, &format!("/api/v1/matters/{COMPANY_REGISTRATION}"), None, None).await.json();
    let materials = guide["matter"]["materials"].as_array().expect("materials").len();
    let application = json!({
        "matter_code": COMPANY_REGISTRATION,
        "applicant": { "kind": "legal_person", "id_number": COMPANY, "name": "阿勒泰市雪都餐饮有限公司", "phone": "13912345670" },
        "supplied": vec!["provided"; materials],
    });
    let reply = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let number = reply.json()["number"].as_str().expect("number").to_string();
    app.conclude_case(&number, &window, |department| match department {
        "gaj" => police.clone(),
        "swj" => tax.clone(),
        _ => market.to_string(),
    })
    .await;
    number
}

async fn feed(app: &TestApp, key: &str, after: i64) -> Vec<Value> {
    let reply = app.json(Method::GET, &format!("/api/v1/events?after={after}&limit=500"), Some(key), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["events"].as_array().expect("events").clone()
}

/// Delivers until the receiver has at least `count` requests (or a round delivers nothing new).
async fn deliver_until(app: &TestApp, receiver: &Receiver, count: usize) {
    for _ in 0..50 {
        deliver_due(&app.state.app, transport()).await.expect("delivery");
        if receiver.requests().len() >= count {
            return;
        }
    }
    panic!("{}: the receiver has {} requests, expected {count}", app.backend, receiver.requests().len());
}

#[tokio::test]
async fn a_department_system_receives_every_event_of_its_cases_by_webhook_and_by_the_feed() {
    for app in TestApp::all().await {
        let receiver = Receiver::start();
        let market = department_system(&app, "market-system", "scjgj").await;
        let land = department_system(&app, "land-system", "zrzyj").await;
        let reply =
            app.json(Method::POST, "/api/v1/webhooks", Some(&market), Some(json!({ "url": receiver.url }))).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let secret = reply.json()["secret"].as_str().expect("secret").to_string();
        receiver.set_secret(&secret);

        let number = registration(&app, &market).await;
        let compact = CaseNumber::parse(&number).expect("number").compact();
        let events = feed(&app, &market, 0).await;
        let kinds: Vec<&str> = events.iter().map(|event| event["type"].as_str().expect("type")).collect();
        for kind in [
            "cn.onetrip.case.submit",
            "cn.onetrip.case.accept",
            "cn.onetrip.case.approve",
            "cn.onetrip.case.decide",
            "cn.onetrip.licence.issue",
            "cn.onetrip.case.deliver",
        ] {
            assert!(kinds.contains(&kind), "{}: {kind} in {kinds:?}", app.backend);
        }
        let positions: Vec<i64> = events.iter().map(|event| event["position"].as_i64().expect("position")).collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "in order: {positions:?}");
        assert!(events
            .iter()
            .all(|event| event["subject"] == compact.as_str() || event["type"] == "cn.onetrip.licence.issue"));
        assert!(!events.iter().any(|event| event.to_string().contains(COMPANY)), "no personal data in the events");
        // Its steps were approved by the system itself, through the API.
        let history = app.store().case_events(&CaseNumber::parse(&number).unwrap()).await.expect("events");
        assert!(
            history.iter().any(|event| event.action == "approve" && event.actor == "market-system 测试"),
            "{history:?}"
        );
        assert!(history.iter().any(|event| event.action == "decide" && event.actor == "market-system 测试"));

        deliver_until(&app, &receiver, events.len()).await;
        let received = receiver.requests();
        assert_eq!(received.len(), events.len(), "{}: each event once while the receiver answers", app.backend);
        for (request, event) in received.iter().zip(&events) {
            assert_eq!(request["verified"], true, "the receiver's own check of the signature and timestamp");
            let body: Value = serde_json::from_str(request["body"].as_str().expect("body")).expect("JSON");
            assert_eq!(body["position"], event["position"]);
            assert_eq!(body["id"], event["id"]);
            assert_eq!(request["headers"]["webhook-id"], event["id"]);
        }
        // A forged request to the same receiver does not verify.
        let forged = reqwest_like_post(&receiver.url, "evt_1", "v1,AAAA").await;
        assert!(forged, "sent");
        assert_eq!(receiver.requests().last().expect("forged")["verified"], false);

        // The scorecard counts the case as handled through the department's system.
        let supervisor = app.token(support::SUPERVISOR).await;
        let cards = app.json(Method::GET, "/api/v1/statistics/scorecards", Some(&supervisor), None).await.json();
        let market_card = cards["departments"]
            .as_array()
            .expect("departments")
            .iter()
            .find(|card| card["department"] == "scjgj")
            .expect("scjgj");
        assert_eq!(
            (market_card["received"].as_u64(), market_card["via_system"].as_u64()),
            (Some(1), Some(1)),
            "{}",
            app.backend
        );
        let tax_card = cards["departments"]
            .as_array()
            .expect("departments")
            .iter()
            .find(|card| card["department"] == "swj")
            .expect("swj");
        assert_eq!(tax_card["via_system"].as_u64(), Some(0));

        // Another department's system sees none of it; the feed is the same after a restart.
        assert!(feed(&app, &land, 0).await.iter().all(|event| event["subject"] != compact.as_str()));
        let reopened = app.raw().reopen().await;
        let again = reopened.events_after(0, Some("scjgj"), 500).await.expect("feed");
        assert_eq!(again.iter().map(|event| event.position).collect::<Vec<_>>(), positions);
        let next = feed(&app, &market, *positions.last().expect("last")).await;
        assert!(next.is_empty(), "nothing after the last position");
        app.finish().await;
    }
}

/// Posts an unsigned-looking request to the receiver, as an attacker could.
async fn reqwest_like_post(url: &str, id: &str, signature: &str) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = url.trim_start_matches("http://").split('/').next().expect("host");
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    let body = r#"{"type":"cn.onetrip.case.accept"}"#;
    let request = format!(
        "POST /onetrip/events HTTP/1.1\r\nHost: {address}\r\ncontent-type: application/json\r\nwebhook-id: {id}\r\n\
         webhook-timestamp: {}\r\nwebhook-signature: {signature}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        chrono::Utc::now().timestamp(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    answer.starts_with("HTTP/1.0 204") || answer.starts_with("HTTP/1.1 204")
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_dead_lettered_and_replayed_without_holding_up_the_next_event() {
    for app in TestApp::all().await {
        let receiver = Receiver::start();
        let market = department_system(&app, "market-system", "scjgj").await;
        let reply =
            app.json(Method::POST, "/api/v1/webhooks", Some(&market), Some(json!({ "url": receiver.url }))).await;
        let id = reply.json()["id"].as_i64().expect("id");
        receiver.set_secret(reply.json()["secret"].as_str().expect("secret"));
        receiver.set_mode("fail");
        let number = registration(&app, &market).await;
        let events = feed(&app, &market, 0).await;
        let first = events[0]["position"].as_i64().expect("position");

        // The first attempt fails; the next waits for its backoff (5 s), whatever the rounds in between.
        deliver_due(&app.state.app, transport()).await.expect("round");
        deliver_due(&app.state.app, transport()).await.expect("round");
        assert_eq!(receiver.requests().len(), 1, "{}: one attempt until the backoff has passed", app.backend);
        let list = app.json(Method::GET, "/api/v1/webhooks", Some(&market), None).await.json();
        assert_eq!((list[0]["attempts"].as_i64(), list[0]["delivered"].as_i64()), (Some(1), Some(0)));
        assert_eq!(list[0]["last_error"], "接收方答复 HTTP 500");
        // Each attempt after its wait, until the eighth is given up on and the next event goes ahead.
        for wait in onetrip_app::events::delivery::BACKOFF_SECONDS {
            app.advance_clock(chrono::Duration::seconds(wait));
            deliver_due(&app.state.app, transport()).await.expect("round");
        }
        let attempts = receiver
            .requests()
            .iter()
            .filter(|request| {
                let body: Value = serde_json::from_str(request["body"].as_str().unwrap()).unwrap();
                body["position"] == first
            })
            .count();
        assert_eq!(attempts, 8, "{}: eight attempts at the first event", app.backend);
        let letters =
            app.json(Method::GET, &format!("/api/v1/webhooks/{id}/dead-letters"), Some(&market), None).await.json();
        assert_eq!(letters[0]["position"].as_i64(), Some(first));
        assert_eq!(letters[0]["attempts"].as_i64(), Some(8));

        // The receiver is back: the rest is delivered, then a replay sends the dead letter again.
        receiver.set_mode("ok");
        app.advance_clock(chrono::Duration::hours(11));
        deliver_until(&app, &receiver, 8 + events.len() - 1).await;
        let reply = app
            .json(
                Method::POST,
                &format!("/api/v1/webhooks/{id}/replay"),
                Some(&market),
                Some(json!({ "after": first - 1 })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let before = receiver.requests().len();
        deliver_until(&app, &receiver, before + events.len()).await;
        let replayed: Vec<Value> = receiver.requests()[before..]
            .iter()
            .map(|request| {
                serde_json::from_str::<Value>(request["body"].as_str().unwrap()).unwrap()["position"].clone()
            })
            .collect();
        assert_eq!(
            replayed,
            events.iter().map(|event| event["position"].clone()).collect::<Vec<_>>(),
            "the replay in order"
        );

        // 410 Gone ends the subscription.
        receiver.set_mode("gone");
        let market_reviewer = market.clone();
        let licence =
            app.store().licences_of_case(&CaseNumber::parse(&number).unwrap()).await.unwrap()[0].licence.id.to_string();
        let reply = app
            .json(
                Method::POST,
                "/api/v1/licences/status",
                Some(&market_reviewer),
                Some(json!({ "id": licence, "action": "suspend", "reason": "检查" })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        deliver_due(&app.state.app, transport()).await.expect("round");
        let list = app.json(Method::GET, "/api/v1/webhooks", Some(&market), None).await.json();
        assert_eq!(list, json!([]), "{}: the receiver said it is gone", app.backend);
        app.finish().await;
    }
}

#[tokio::test]
async fn keys_rotate_with_an_overlap_and_every_refusal_is_exact() {
    for app in TestApp::all().await {
        let market = department_system(&app, "market-system", "scjgj").await;
        let window = app.token(WINDOW).await;
        let unauthenticated = app.json(Method::GET, "/api/v1/events?after=0", None, None).await;
        assert_eq!(
            (unauthenticated.status, unauthenticated.json()["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
        );
        let forged = app.json(Method::GET, "/api/v1/events?after=0", Some("otk_nothere_secret"), None).await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
        let staff = app.json(Method::GET, "/api/v1/events?after=0", Some(&window), None).await;
        assert_eq!((staff.status, staff.json()["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
        let negative = app.json(Method::GET, "/api/v1/events?after=-1", Some(&market), None).await;
        assert_eq!(
            (negative.status, negative.json()["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed"))
        );
        for url in ["http://169.254.169.254/latest/meta-data", "ftp://example.com/", ""] {
            let reply = app.json(Method::POST, "/api/v1/webhooks", Some(&market), Some(json!({ "url": url }))).await;
            assert_eq!(
                (reply.status, reply.json()["error"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
                "{url}"
            );
            assert!(reply.json()["fields"]["url"].is_string());
        }
        let other = app.json(Method::DELETE, "/api/v1/webhooks/999", Some(&market), None).await;
        assert_eq!((other.status, other.json()["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
        let window_key = app.json(Method::POST, "/api/v1/keys", Some(&window), None).await;
        assert_eq!(
            (window_key.status, window_key.json()["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );

        // The system replaces its key: both work for a day, then only the new one.
        let rotated = app.json(Method::POST, "/api/v1/keys", Some(&market), None).await;
        assert_eq!(rotated.status, StatusCode::CREATED, "{}", rotated.text());
        let new = rotated.json()["key"].as_str().expect("key").to_string();
        for key in [&market, &new] {
            assert_eq!(app.json(Method::GET, "/api/v1/events?after=0", Some(key), None).await.status, StatusCode::OK);
        }
        app.advance_clock(chrono::Duration::hours(25));
        assert_eq!(
            app.json(Method::GET, "/api/v1/events?after=0", Some(&market), None).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(app.json(Method::GET, "/api/v1/events?after=0", Some(&new), None).await.status, StatusCode::OK);

        // Its own case number, attached and found again; the same number for another case is refused.
        let number = registration(&app, &new).await;
        let reply = app
            .json(
                Method::PUT,
                &format!("/api/v1/cases/{number}/external-reference"),
                Some(&new),
                Some(json!({ "reference": "SCJG-2026-0042" })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let found =
            app.json(Method::GET, "/api/v1/cases/by-reference?reference=SCJG-2026-0042", Some(&new), None).await;
        assert_eq!((found.status, found.json()["number"].as_str()), (StatusCode::OK, Some(number.as_str())));
        let second = registration(&app, &new).await;
        let reply = app
            .json(
                Method::PUT,
                &format!("/api/v1/cases/{second}/external-reference"),
                Some(&new),
                Some(json!({ "reference": "SCJG-2026-0042" })),
            )
            .await;
        assert_eq!((reply.status, reply.json()["error"].as_str()), (StatusCode::CONFLICT, Some("already_exists")));
        let bad = app
            .json(
                Method::PUT,
                &format!("/api/v1/cases/{second}/external-reference"),
                Some(&new),
                Some(json!({ "reference": "有 空格" })),
            )
            .await;
        assert_eq!(
            (bad.status, bad.json()["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed"))
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn tickets_of_a_departments_matters_are_in_its_feed_without_the_visitors_digits() {
    for app in TestApp::all().await {
        app.to_office_hours();
        let market = department_system(&app, "market-system", "scjgj").await;
        let land = department_system(&app, "land-system", "zrzyj").await;
        let request = onetrip_app::hall::TicketRequest {
            zone: "ss".into(),
            matter: "65430010040001".into(),
            priority: "none".into(),
            last_four: "4567".into(),
        };
        onetrip_app::hall::issue_ticket(&app.state.app, "centre", &request, "kiosk").await.expect("ticket");
        let events = feed(&app, &market, 0).await;
        let issued = events.iter().find(|event| event["type"] == "cn.onetrip.ticket.issued").expect("issued");
        assert_eq!(
            (issued["department"].as_str(), issued["matter_code"].as_str()),
            (Some("scjgj"), Some("65430010040001"))
        );
        assert!(!issued.to_string().contains("4567"), "{}: no digits of the visitor's ID", app.backend);
        let theirs = feed(&app, &land, 0).await;
        assert!(theirs
            .iter()
            .all(|event| !event["type"].as_str().unwrap_or_default().starts_with("cn.onetrip.ticket.")));
        app.finish().await;
    }
}

/// A JSON request with an `Idempotency-Key`.
async fn with_key(app: &TestApp, path: &str, token: &str, key: &str, body: Value) -> support::Reply {
    let request = axum::http::Request::post(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(axum::body::Body::from(body.to_string()))
        .expect("request");
    app.send(request).await
}

#[tokio::test]
async fn a_retried_approval_with_its_idempotency_key_acts_once() {
    for app in TestApp::all().await {
        let market = department_system(&app, "market-system", "scjgj").await;
        let window = app.token(WINDOW).await;
        let guide = app.json(Method::GET, &format!("/api/v1/matters/{COMPANY_REGISTRATION}"), None, None).await.json();
        let materials = guide["matter"]["materials"].as_array().expect("materials").len();
        let application = json!({
            "matter_code": COMPANY_REGISTRATION,
            "applicant": { "kind": "legal_person", "id_number": COMPANY, "name": "阿勒泰市雪都餐饮有限公司", "phone": "13912345670" },
            "supplied": vec!["provided"; materials],
        });
        let number = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await.json()["number"]
            .as_str()
            .expect("number")
            .to_string();
        let accept = json!({ "decision": "accept", "supplied": vec!["provided"; materials] });
        let reply =
            with_key(&app, &format!("/api/v1/cases/{number}/acceptance"), &window, "accept-1", accept.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let again = with_key(&app, &format!("/api/v1/cases/{number}/acceptance"), &window, "accept-1", accept).await;
        assert_eq!(
            (again.status, again.json()["phase"].as_str()),
            (StatusCode::OK, Some("accepted")),
            "{}: a replay, not a refusal",
            app.backend
        );

        let case = app.json(Method::GET, &format!("/api/v1/cases/{number}"), Some(&window), None).await.json();
        let task = case["review"]["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .position(|task| task["state"] == "open")
            .expect("open");
        let path = format!("/api/v1/cases/{number}/review");
        let approve = json!({ "action": "approve", "task": task });
        let first = with_key(&app, &path, &market, "SCJG-approve-7", approve.clone()).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text());
        let events_after_first = app.store().case_events(&CaseNumber::parse(&number).unwrap()).await.unwrap().len();
        let retry = with_key(&app, &path, &market, "SCJG-approve-7", approve.clone()).await;
        assert_eq!(retry.status, StatusCode::OK, "{}: the retry is answered with the case", app.backend);
        assert_eq!(retry.json()["revision"], first.json()["revision"], "nothing acted a second time");
        assert_eq!(
            app.store().case_events(&CaseNumber::parse(&number).unwrap()).await.unwrap().len(),
            events_after_first
        );
        // Without the key, the same approval is refused: the step is done.
        let plain = app.json(Method::POST, &path, Some(&market), Some(approve)).await;
        assert_eq!((plain.status, plain.json()["error"].as_str()), (StatusCode::CONFLICT, Some("task_not_open")));
        // The same key for another request, and a key that is not one.
        let other =
            with_key(&app, &path, &market, "SCJG-approve-7", json!({ "action": "approve", "task": task + 1 })).await;
        assert_eq!(
            (other.status, other.json()["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused"))
        );
        let long =
            with_key(&app, &path, &market, &"k".repeat(101), json!({ "action": "approve", "task": task + 1 })).await;
        assert_eq!(
            (long.status, long.json()["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed"))
        );
        app.finish().await;
    }
}
