//! Unified identity login on each backend, against a real OpenID provider the test starts (`oidc-provider`
//! from the npm registry): a person a window registered logs in at the provider and lands in the account
//! with their cases, linked by the ID number the provider verified, and the next login finds the link; a
//! person without an account gets one; password log-in stays. Every way it can go wrong is refused with its
//! own reason and no session: an ID number the provider did not verify, a cancelled login, an answer meant
//! for another browser, an answer used twice, a forged code, a provider that is down, and an ID number that
//! no longer matches the linked account.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use support::identity::{Provider, Visit};
use support::{Reply, TestApp, WINDOW};

const CALLBACK: &str = "http://onetrip.test/portal/login/oidc/callback";
const ZHANG: &str = "654301198001011232";
const LI: &str = "654301197512122343";
const WANG: &str = "654301199006153453";

fn accounts() -> Value {
    json!([
        { "login": "zhang", "password": "pw-zhang", "sub": "xj-0001", "name": "张建国", "phone_number": "13900000001",
          "id_number": ZHANG, "id_number_verified": true },
        { "login": "li", "password": "pw-li", "sub": "xj-0002", "name": "李秀英", "phone_number": "13900000002",
          "id_number": LI, "id_number_verified": true },
        { "login": "wang", "password": "pw-wang", "sub": "xj-0003", "name": "王强", "phone_number": "13900000003",
          "id_number": WANG, "id_number_verified": false },
    ])
}

fn cookie_named(reply: &Reply, name: &str) -> Option<String> {
    reply.cookies().into_iter().find(|cookie| cookie.starts_with(&format!("{name}=")) && cookie.len() > name.len() + 1)
}

async fn get_with_cookies(app: &TestApp, path: &str, cookie: Option<&str>) -> Reply {
    let mut request = Request::builder().method(Method::GET).uri(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    app.send(request.body(Body::empty()).expect("request")).await
}

/// Begins a login on Onetrip: the provider's address and the browser's login cookie.
async fn begin(app: &TestApp) -> (String, String) {
    let reply = app.get("/portal/login/oidc?next=/portal/licences").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, reply.text());
    let cookie = cookie_named(&reply, "onetrip_unified").expect("login cookie");
    (reply.location().to_string(), cookie)
}

/// Onetrip's answer to the provider sending the browser back to `url`.
async fn come_back(app: &TestApp, url: &str, cookie: Option<&str>) -> Reply {
    let path = url.strip_prefix("http://onetrip.test").expect("the callback");
    get_with_cookies(app, path, cookie).await
}

async fn log_in(app: &TestApp, provider: &Provider, login: &str, password: &str) -> Reply {
    let (authorization, cookie) = begin(app).await;
    let back = Visit::new().at_provider(&provider.issuer, &authorization, login, password, "login").await;
    come_back(app, &back, Some(&cookie)).await
}

fn refusal(reply: &Reply) -> &str {
    reply.headers.get("x-onetrip-refusal").and_then(|value| value.to_str().ok()).unwrap_or_default()
}

fn assert_refused(app: &TestApp, reply: &Reply, status: StatusCode, code: &str, words: &str) {
    assert_eq!(reply.status, status, "{}: {}", app.backend, reply.text());
    assert_eq!(refusal(reply), code, "{}", app.backend);
    assert!(reply.text().contains(words), "{}: {}", app.backend, reply.text());
    assert!(cookie_named(reply, "onetrip_portal").is_none(), "{}: no session on a refusal", app.backend);
}

async fn with_provider(app: &TestApp) -> Provider {
    let provider = Provider::start(CALLBACK, accounts());
    app.state.app.set_identity_provider(provider.client(CALLBACK));
    provider
}

#[tokio::test]
async fn a_person_registered_at_a_window_logs_in_through_the_provider_into_the_account_with_their_cases() {
    for app in TestApp::all().await {
        let page = app.get("/portal/login").await.text();
        assert!(!page.contains("unified-login"), "{}: no provider, no button", app.backend);
        let provider = with_provider(&app).await;
        let page = app.get("/portal/login").await.text();
        assert!(page.contains("使用新疆政务服务统一身份认证（测试）登录"), "{}", app.backend);

        // Registered at a window: a case, no password.
        let window = app.token(WINDOW).await;
        let guide = app.json(Method::GET, "/api/v1/matters/00013112700401", None, None).await.json();
        let materials = guide["matter"]["materials"].as_array().expect("materials").len();
        let application = json!({
            "matter_code": "00013112700401",
            "applicant": { "kind": "natural_person", "id_number": ZHANG, "name": "张建国", "phone": "13900000001" },
            "supplied": vec!["provided"; materials],
        });
        let created = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}: {}", app.backend, created.text());
        let number = created.json()["number"].as_str().expect("number").to_string();

        let reply = log_in(&app, &provider, "zhang", "pw-zhang").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, reply.text());
        assert_eq!(reply.location(), "/portal/licences", "{}: back where the login began", app.backend);
        let session = cookie_named(&reply, "onetrip_portal").expect("portal session");
        let home = app.get_with_cookie("/portal", &session).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.text().contains(&number), "{}: the case from the window is in the account", app.backend);
        let audit = app.store().audit_events(50).await.expect("audit");
        let links: Vec<_> = audit.iter().filter(|event| event.action == "link_unified_identity").collect();
        assert_eq!(links.len(), 1, "{}", app.backend);
        assert_eq!(links[0].detail, "linked to the existing account by the verified ID number");
        assert!(!links[0].detail.contains(ZHANG) && !links[0].subject.contains(ZHANG), "no ID number in the log");

        // The next login finds the link, and links nothing again.
        let again = log_in(&app, &provider, "zhang", "pw-zhang").await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, again.text());
        let session = cookie_named(&again, "onetrip_portal").expect("portal session");
        assert!(app.get_with_cookie("/portal", &session).await.text().contains(&number));
        let audit = app.store().audit_events(50).await.expect("audit");
        assert_eq!(audit.iter().filter(|event| event.action == "link_unified_identity").count(), 1);
        app.finish().await;
    }
}

#[tokio::test]
async fn a_person_without_an_account_gets_one_and_password_log_in_stays() {
    for app in TestApp::all().await {
        let provider = with_provider(&app).await;
        let reply = log_in(&app, &provider, "li", "pw-li").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, reply.text());
        let session = cookie_named(&reply, "onetrip_portal").expect("portal session");
        let home = app.get_with_cookie("/portal", &session).await.text();
        assert!(home.contains("李秀英"), "{}: {home}", app.backend);
        let identity = onetrip_domain::applicant::ApplicantIdentity::parse("natural_person", LI).unwrap();
        let made = app.store().applicant_by_identity(&identity).await.expect("store").expect("the new account");
        assert_eq!((made.name.as_str(), made.phone.as_str()), ("李秀英", "13900000002"));
        assert!(made.password_hash.is_none(), "{}: no password was made up", app.backend);

        // Someone else still signs up and logs in with a password.
        let (cookie, _) = app.sign_up("11010519491231002X", "赵敏", "13912345678").await;
        assert!(app.get_with_cookie("/portal", &cookie).await.text().contains("赵敏"));
        app.finish().await;
    }
}

#[tokio::test]
async fn a_login_is_refused_with_its_reason_and_no_session() {
    for app in TestApp::all().await {
        let mut provider = with_provider(&app).await;

        // The provider did not verify the ID number.
        let reply = log_in(&app, &provider, "wang", "pw-wang").await;
        assert_refused(&app, &reply, StatusCode::FORBIDDEN, "unified_login_unverified", "没有提供已核验的居民身份证号");
        let identity = onetrip_domain::applicant::ApplicantIdentity::parse("natural_person", WANG).unwrap();
        assert!(app.store().applicant_by_identity(&identity).await.unwrap().is_none(), "no account made");

        // Cancelled at the provider.
        let (authorization, cookie) = begin(&app).await;
        let back = Visit::new().at_provider(&provider.issuer, &authorization, "", "", "abort").await;
        assert!(back.contains("error=access_denied"), "{back}");
        let reply = come_back(&app, &back, Some(&cookie)).await;
        assert_refused(&app, &reply, StatusCode::OK, "unified_login_cancelled", "取消了登录");

        // A wrong password stays at the provider.
        let (authorization, _) = begin(&app).await;
        let page = Visit::new().wrong_password(&provider.issuer, &authorization, "zhang").await;
        assert!(page.contains("账号或密码不对"));

        // An answer meant for another browser's login (an attacker's link), or with no login cookie.
        let (authorization, _victims) = begin(&app).await;
        let back = Visit::new().at_provider(&provider.issuer, &authorization, "li", "pw-li", "login").await;
        let (_, other_browser) = begin(&app).await;
        let reply = come_back(&app, &back, Some(&other_browser)).await;
        assert_refused(&app, &reply, StatusCode::BAD_REQUEST, "unified_login_expired", "已过期或已使用");
        let reply = come_back(&app, &back, None).await;
        assert_refused(&app, &reply, StatusCode::BAD_REQUEST, "unified_login_expired", "已过期或已使用");

        // An answer used twice: the second is refused although the first logged in.
        let (authorization, cookie) = begin(&app).await;
        let back = Visit::new().at_provider(&provider.issuer, &authorization, "li", "pw-li", "login").await;
        assert_eq!(come_back(&app, &back, Some(&cookie)).await.status, StatusCode::SEE_OTHER);
        let reply = come_back(&app, &back, Some(&cookie)).await;
        assert_refused(&app, &reply, StatusCode::BAD_REQUEST, "unified_login_expired", "已过期或已使用");

        // A forged code with the right state: the provider does not know it.
        let (authorization, cookie) = begin(&app).await;
        let state = url_parameter(&authorization, "state");
        let forged = format!("{CALLBACK}?code=forged-code&state={state}");
        let reply = come_back(&app, &forged, Some(&cookie)).await;
        assert_refused(&app, &reply, StatusCode::BAD_GATEWAY, "unified_login_rejected", "没有通过校验");

        // The login cookie expires with its ten minutes.
        let (authorization, cookie) = begin(&app).await;
        let back = Visit::new().at_provider(&provider.issuer, &authorization, "li", "pw-li", "login").await;
        app.advance_clock(chrono::Duration::minutes(11));
        let reply = come_back(&app, &back, Some(&cookie)).await;
        assert_refused(&app, &reply, StatusCode::BAD_REQUEST, "unified_login_expired", "已过期或已使用");

        // The linked account's ID number no longer matches what the provider says.
        assert_eq!(log_in(&app, &provider, "zhang", "pw-zhang").await.status, StatusCode::SEE_OTHER);
        provider.change_account("zhang", |account| account["id_number"] = json!(LI));
        let reply = log_in(&app, &provider, "zhang", "pw-zhang").await;
        assert_refused(&app, &reply, StatusCode::FORBIDDEN, "unified_login_mismatch", "不一致");

        // The provider goes down in the middle of a login: the code cannot be exchanged.
        let (authorization, cookie) = begin(&app).await;
        let back = Visit::new().at_provider(&provider.issuer, &authorization, "li", "pw-li", "login").await;
        provider.stop();
        let reply = come_back(&app, &back, Some(&cookie)).await;
        assert_refused(&app, &reply, StatusCode::SERVICE_UNAVAILABLE, "unified_login_unavailable", "暂时无法连接");
        // Down when Onetrip starts: the log-in page says so, and the password form is still there.
        app.state.app.set_identity_provider(provider.client(CALLBACK));
        let reply = app.get("/portal/login/oidc").await;
        assert_refused(&app, &reply, StatusCode::SERVICE_UNAVAILABLE, "unified_login_unavailable", "暂时无法连接");
        assert!(reply.text().contains("name=\"password\""), "{}", app.backend);
        app.finish().await;
    }
}

fn url_parameter(url: &str, name: &str) -> String {
    let query = url.split_once('?').map(|(_, query)| query).unwrap_or_default();
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .expect("parameter")
}
