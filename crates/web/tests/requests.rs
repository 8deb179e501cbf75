//! Request tests: the whole router, over a real store of each backend (SQLite always, PostgreSQL when
//! `ONETRIP_TEST_DATABASE_URL` is set), through HTTP requests as a browser or an API client sends them.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::{hidden_input, TestApp, ADMIN, EDITOR, REVIEWER};

const COMPANY: &str = "00013112700401";

#[tokio::test]
async fn health_metrics_and_security_headers() {
    for app in TestApp::all().await {
        let health = app.get("/healthz").await;
        assert_eq!(health.status, StatusCode::OK, "{}", app.backend);
        assert_eq!(health.json()["database"], app.backend);
        app.get("/").await;
        let from_here = support::from_address(
            axum::http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap(),
            "127.0.0.1",
        );
        let metrics = app.send(from_here).await.text();
        assert!(metrics.contains("onetrip_http_requests_total{route=\"/\",status=\"200\"} 1"), "{metrics}");
        assert!(metrics.contains("onetrip_catalog_matters 6"), "the demo catalog has 60+ matters: {metrics}");
        let home = app.get("/").await;
        let policy = home.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(policy.contains("script-src 'self'"));
        assert_eq!(home.headers.get("x-frame-options").and_then(|v| v.to_str().ok()), Some("DENY"));
        app.finish().await;
    }
}

#[tokio::test]
async fn guide_pages_are_compressed_for_browsers_and_staff_pages_are_never_cached() {
    for app in TestApp::all().await {
        let request = |encoding: &str| {
            axum::http::Request::get(format!("/matters/{COMPANY}"))
                .header("accept-encoding", encoding)
                .body(axum::body::Body::empty())
                .expect("request")
        };
        let plain = app.send(request("identity")).await;
        let gzip = app.send(request("gzip, deflate, br")).await;
        assert_eq!(gzip.headers.get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"), "{}", app.backend);
        assert!(gzip.body.len() * 2 < plain.body.len(), "compressed: {} vs {}", gzip.body.len(), plain.body.len());
        let mut decoder = flate2::read::GzDecoder::new(gzip.body.as_slice());
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(&mut decoder, &mut unpacked).expect("valid gzip");
        assert_eq!(unpacked, plain.body);
        assert!(plain.headers.get("x-request-id").is_some());

        let (cookie, _) = app.login_page(EDITOR).await;
        let staff_view = app.get_with_cookie(&format!("/matters/{COMPANY}"), &cookie).await;
        assert_eq!(staff_view.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("private, no-store"));
        assert!(
            staff_view.text().contains("工作台"),
            "a logged-in visitor sees the staff menu, not the cached public page"
        );
        assert!(plain.headers.get("cache-control").is_none());
        app.finish().await;
    }
}

#[tokio::test]
async fn the_home_page_offers_search_and_the_catalog_by_department_theme_and_life_event() {
    for app in TestApp::all().await {
        let home = app.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        let html = home.text();
        for expected in [
            "<html lang=\"zh-CN\">",
            "role=\"search\"",
            "按部门找",
            "按主题找",
            "按人生事件找",
            "阿勒泰市市场监督管理局",
            "开办企业",
        ] {
            assert!(html.contains(expected), "{}: home page lacks {expected}", app.backend);
        }
        assert!(html.contains("rel=\"icon\" href=\"/static/favicon.svg\""), "every page names its icon");
        for path in ["/favicon.ico", "/static/favicon.svg"] {
            let icon = app.get(path).await;
            assert_eq!(icon.status, StatusCode::OK, "{path}: no 404 on every page");
            assert!(icon.text().starts_with("<svg"), "{path}");
        }
        let departments = app.json(Method::GET, "/api/v1/departments", None, None).await.json();
        assert!(departments["items"].as_array().map_or(0, Vec::len) >= 13, "13+ departments");
        let by_department = app.get("/matters?department=zrzyj").await.text();
        assert!(by_department.contains("不动产转移登记"));
        assert!(!by_department.contains("出生登记"));
        app.finish().await;
    }
}

async fn first_result(app: &TestApp, query: &str) -> String {
    let reply = app.json(Method::GET, &format!("/api/v1/matters?q={}", support::urlencode(query)), None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.json()["items"][0]["name"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn search_understands_how_people_speak() {
    for app in TestApp::all().await {
        assert_eq!(first_result(&app, "开公司").await, "企业设立登记（公司）", "{}", app.backend);
        assert_eq!(first_result(&app, "过户").await, "不动产转移登记");
        assert_eq!(first_result(&app, "生孩子").await, "出生登记");
        assert!(
            first_result(&app, "社保").await.contains("参保") || first_result(&app, "社保").await.contains("社会保")
        );
        assert!(first_result(&app, "户口").await.contains("户口"));
        assert!(first_result(&app, "交暖气费").await.contains("供暖"));
        let none = app.json(Method::GET, "/api/v1/matters?q=火箭发射", None, None).await.json();
        assert_eq!(none["count"], 0);

        let page = app.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E").await.text();
        assert!(!page.contains("<script>alert(1)</script>"), "queries are escaped");
        assert!(page.contains("&#60;script&#62;"), "shown escaped");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_guide_shows_every_element_and_the_notice_lists_every_material() {
    for app in TestApp::all().await {
        let api = app.json(Method::GET, &format!("/api/v1/matters/{COMPANY}"), None, None).await.json();
        let matter = &api["matter"];
        let guide = app.get(&format!("/matters/{COMPANY}")).await;
        assert_eq!(guide.status, StatusCode::OK);
        let html = guide.text();
        for label in [
            "申请材料",
            "受理条件",
            "办理流程",
            "承诺办结时限",
            "法定办结时限",
            "设定依据",
            "到现场次数",
            "网上办理",
            "通办范围",
            "常见问题",
            "监督投诉",
            "并联办理",
        ] {
            assert!(html.contains(label), "{}: guide lacks {label}", app.backend);
        }
        let notice = app.get(&format!("/matters/{COMPANY}/notice")).await.text();
        assert!(notice.contains("一次性告知单"));
        for material in matter["materials"].as_array().expect("materials") {
            let name = material["name"].as_str().expect("name");
            let escaped = name
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#x27;");
            assert!(notice.contains(&escaped) || notice.contains(name), "notice lacks material {name}");
            assert!(html.contains(&escaped) || html.contains(name));
        }
        let missing = app.get("/matters/NOPE").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.text().contains("没有找到"));
        let missing_api = app.json(Method::GET, "/api/v1/matters/NOPE", None, None).await;
        assert_eq!(missing_api.status, StatusCode::NOT_FOUND);
        assert_eq!(missing_api.json()["error"], "not_found");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_calendar_api_lists_days_and_answers_due_instants() {
    for app in TestApp::all().await {
        let days =
            app.json(Method::GET, "/api/v1/calendar/days?from=2026-02-13&to=2026-02-16", None, None).await.json();
        let kinds: Vec<&str> =
            days["days"].as_array().expect("days").iter().map(|d| d["kind"].as_str().unwrap_or_default()).collect();
        assert_eq!(kinds, ["workday", "makeup_workday", "holiday", "holiday"], "{}", app.backend);
        let due = app
            .json(Method::GET, "/api/v1/calendar/due?start=2026-03-02T09:30:00%2B08:00&working_days=1", None, None)
            .await
            .json();
        assert_eq!(due["due"], "2026-03-03T17:00:00+08:00");
        let half = app
            .json(Method::GET, "/api/v1/calendar/due?start=2026-03-02T10:00:00%2B08:00&working_days=0.5", None, None)
            .await
            .json();
        assert_eq!(half["due"], "2026-03-02T17:00:00+08:00");
        let bad = app.json(Method::GET, "/api/v1/calendar/days?from=2026-13-01&to=2026-12-31", None, None).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["error"], "validation_failed");
        assert!(bad.json()["fields"]["from"].as_str().unwrap_or_default().contains("不是日期"));
        let bad_days = app
            .json(Method::GET, "/api/v1/calendar/due?start=2026-03-02T09:30:00%2B08:00&working_days=0.3", None, None)
            .await;
        assert!(bad_days.json()["fields"]["working_days"].is_string());
        app.finish().await;
    }
}

#[tokio::test]
async fn writes_need_a_session_the_right_role_and_a_csrf_token() {
    for app in TestApp::all().await {
        let anonymous = app.json(Method::PUT, "/api/v1/synonyms", None, Some(json!({ "text": "a = b" }))).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{}", app.backend);
        assert_eq!(anonymous.json()["error"], "unauthenticated");
        let page = app.get("/staff/matters").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert!(page.location().starts_with("/login?next=/staff/matters"));

        let editor = app.token(EDITOR).await;
        let forbidden = app
            .json(
                Method::PUT,
                "/api/v1/calendar/notices/2027",
                Some(&editor),
                Some(json!({ "text": "2027-01-01 holiday 元旦" })),
            )
            .await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        assert_eq!(forbidden.json()["error"], "forbidden");
        let reviewer = app.token(REVIEWER).await;
        let matter = app.json(Method::GET, &format!("/api/v1/matters/{COMPANY}"), None, None).await.json();
        let body = json!({ "expected_version": 1, "adjustment": { "kind": "adjust", "reason": "x", "effective_date": app.state.today().to_string() }, "matter": matter["matter"] });
        let denied = app.json(Method::PUT, &format!("/api/v1/matters/{COMPANY}"), Some(&reviewer), Some(body)).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);

        // A form posted with the session cookie but without its CSRF token changes nothing.
        let (cookie, _csrf) = app.login_page(ADMIN).await;
        let no_token = app.post_form("/staff/synonyms", &cookie, &[("text", "开公司 = 企业设立登记")]).await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN);
        assert!(no_token.text().contains("页面已过期"));
        let cookie_api = app
            .send(
                axum::http::Request::put("/api/v1/synonyms")
                    .header("cookie", &cookie)
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(json!({ "text": "a = b" }).to_string()))
                    .expect("request"),
            )
            .await;
        assert_eq!(cookie_api.status, StatusCode::FORBIDDEN, "cookie-authenticated API writes need X-CSRF-Token");
        app.finish().await;
    }
}

#[tokio::test]
async fn log_in_is_throttled_after_five_failures() {
    for app in TestApp::all().await {
        for _ in 0..5 {
            let reply = app
                .json(
                    Method::POST,
                    "/api/v1/sessions",
                    None,
                    Some(json!({ "username": "admin", "password": "wrong-password" })),
                )
                .await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        }
        let locked = app
            .json(Method::POST, "/api/v1/sessions", None, Some(json!({ "username": ADMIN.0, "password": ADMIN.1 })))
            .await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(locked.json()["error"], "too_many_attempts");
        let other = app.token(EDITOR).await;
        assert!(!other.is_empty(), "other accounts are not locked");
        app.finish().await;
    }
}

fn adjusted(matter: &Value, name: &str, promised: f64) -> Value {
    let mut matter = matter.clone();
    matter["name"] = json!(name);
    matter["promised_limit"] = json!(promised);
    matter
}

#[tokio::test]
async fn a_matter_is_changed_by_new_versions_and_bad_input_changes_nothing() {
    for app in TestApp::all().await {
        let token = app.token(EDITOR).await;
        let current = app.json(Method::GET, &format!("/api/v1/matters/{COMPANY}"), None, None).await.json();
        let matter = current["matter"].clone();
        let today = app.state.today().to_string();
        let adjustment = json!({ "kind": "adjust", "reason": "压缩承诺时限", "effective_date": today });

        let invalid = app
            .json(Method::PUT, &format!("/api/v1/matters/{COMPANY}"), Some(&token), Some(json!({ "expected_version": 1, "adjustment": adjustment, "matter": adjusted(&matter, "公司设立", 10.0) })))
            .await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", app.backend, invalid.text());
        assert!(invalid.json()["fields"]["promised_limit"].as_str().unwrap_or_default().contains("不能长于"));

        let wrong_type = app
            .json(Method::PUT, &format!("/api/v1/matters/{COMPANY}"), Some(&token), Some(json!({ "expected_version": 1, "adjustment": adjustment, "matter": { "code": COMPANY, "kind": "99" } })))
            .await;
        assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong_type.json()["fields"]
            .as_object()
            .is_some_and(|fields| fields.keys().any(|key| key.starts_with("matter"))));

        let saved = app
            .json(Method::PUT, &format!("/api/v1/matters/{COMPANY}"), Some(&token), Some(json!({ "expected_version": 1, "adjustment": adjustment, "matter": adjusted(&matter, "企业设立登记（公司）", 0.5) })))
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        assert_eq!(saved.json()["version"], 2);

        let stale = app
            .json(Method::PUT, &format!("/api/v1/matters/{COMPANY}"), Some(&token), Some(json!({ "expected_version": 1, "adjustment": adjustment, "matter": adjusted(&matter, "抢先", 0.5) })))
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert_eq!(stale.json()["error"], "revision_changed", "someone saved first: the version changed");

        let backdated = json!({ "kind": "adjust", "reason": "倒签", "effective_date": "2020-01-01" });
        let refused = app
            .json(
                Method::PUT,
                &format!("/api/v1/matters/{COMPANY}"),
                Some(&token),
                Some(
                    json!({ "expected_version": 2, "adjustment": backdated, "matter": adjusted(&matter, "倒签", 0.5) }),
                ),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.json()["fields"]["effective_date"].is_string());

        let history = app.json(Method::GET, &format!("/api/v1/matters/{COMPANY}/versions"), None, None).await.json();
        let versions = history["versions"].as_array().expect("versions");
        assert_eq!(versions.len(), 2, "the invalid and the stale request saved nothing");
        assert_eq!(versions[0]["matter"]["promised_limit"], 1);
        assert_eq!(versions[1]["matter"]["promised_limit"], 0.5);
        assert_eq!(
            versions[1]["author"], "editor 测试",
            "versions are signed with the display name, not the log-in name"
        );
        assert_eq!(versions[1]["in_force"], true);
        let guide = app.get(&format!("/matters/{COMPANY}")).await.text();
        assert!(guide.contains("0.5个工作日"));
        let history_page = app.get(&format!("/matters/{COMPANY}/history")).await.text();
        assert!(
            history_page.contains("第 1 版") && history_page.contains("第 2 版") && history_page.contains("办结时限")
        );
        assert!(
            history_page.contains("原为：承诺 1个工作日") && history_page.contains("改为：承诺 0.5个工作日"),
            "the history shows old against new values: {history_page}"
        );
        assert!(history_page.contains("演示数据导入") && !history_page.contains("<td>system</td>"), "who loaded v1");
        let old = app.get(&format!("/matters/{COMPANY}/versions/1")).await.text();
        assert!(old.contains("不是现行版本") && old.contains("1个工作日"));
        assert!(old.contains("现为第 2 版"), "an old version names the version in force: {old}");
        assert!(old.contains(&format!("/matters/{COMPANY}/versions/1/notice")), "and prints itself, not the current");
        let old_notice = app.get(&format!("/matters/{COMPANY}/versions/1/notice")).await;
        assert_eq!(old_notice.status, StatusCode::OK);
        let old_notice = old_notice.text();
        assert!(old_notice.contains("这是第 1 版的告知单") && old_notice.contains("1个工作日"), "{old_notice}");
        assert!(!app.get(&format!("/matters/{COMPANY}/notice")).await.text().contains("不是现行版本"));
        assert_eq!(app.get(&format!("/matters/{COMPANY}/versions/9/notice")).await.status, StatusCode::NOT_FOUND);

        // A version dated in the future is stored but not yet in force.
        let next_year = (app.state.today() + chrono::Duration::days(300)).to_string();
        let too_far = json!({ "kind": "adjust", "reason": "笔误", "effective_date": "2206-01-01" });
        let refused = app
            .json(
                Method::PUT,
                &format!("/api/v1/matters/{COMPANY}"),
                Some(&token),
                Some(json!({ "expected_version": 2, "adjustment": too_far, "matter": adjusted(&matter, "笔误", 0.5) })),
            )
            .await;
        assert!(refused.json()["fields"]["effective_date"].is_string(), "a date centuries ahead is a typing slip");
        let future = json!({ "kind": "adjust", "reason": "明年施行", "effective_date": next_year });
        let scheduled = app
            .json(Method::PUT, &format!("/api/v1/matters/{COMPANY}"), Some(&token), Some(json!({ "expected_version": 2, "adjustment": future, "matter": adjusted(&matter, "企业设立登记（公司，新）", 0.5) })))
            .await;
        assert_eq!(scheduled.status, StatusCode::OK);
        let in_force = app.json(Method::GET, &format!("/api/v1/matters/{COMPANY}"), None, None).await.json();
        assert_eq!(in_force["version"], 2);
        app.finish().await;
    }
}

#[tokio::test]
async fn the_editor_page_saves_a_new_version_and_keeps_input_on_error() {
    for app in TestApp::all().await {
        let (cookie, _) = app.login_page(EDITOR).await;
        let form = app.get_with_cookie(&format!("/staff/matters/{COMPANY}/edit"), &cookie).await;
        assert_eq!(form.status, StatusCode::OK, "{}", app.backend);
        let html = form.text();
        let csrf = hidden_input(&html, "csrf_token");
        // Submit the form as a browser would: every input with its current value, a few changed.
        let pairs = support_form_pairs(&html);
        let mut first_copies = true;
        let mut changed: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(key, value)| match key.as_str() {
                "reason" => (key, "按新条例调整".to_string()),
                "promised_limit" => (key, "30".to_string()),
                "material.copies" if first_copies => {
                    first_copies = false;
                    (key, "两".to_string())
                }
                _ => (key, value),
            })
            .collect();
        let original_copies = support_form_pairs(&html)
            .into_iter()
            .find(|(key, _)| key == "material.copies")
            .map(|(_, value)| value)
            .expect("a material");
        let refs: Vec<(&str, &str)> = changed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let rejected = app.post_form(&format!("/staff/matters/{COMPANY}/edit"), &cookie, &refs).await;
        assert_eq!(rejected.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = rejected.text();
        assert!(page.contains("error-summary") && page.contains("承诺办结时限"));
        assert!(page.contains("value=\"按新条例调整\""), "typed values are kept");
        assert!(page.contains("value=\"两\""), "a wrong value in a row is shown as typed, not replaced by a default");
        assert!(page.contains("纸质份数"), "the row's error names the column");
        // The long form's table of contents says which sections need changing.
        assert!(
            page.contains("<a href=\"#section-materials\">申请材料 <span class=\"tag tag-error\">1 处要改</span></a>"),
            "{page}"
        );
        assert!(page.contains("<a href=\"#section-limits\">时限与办理方式 <span class=\"tag tag-error\">"));
        assert!(page.contains("<a href=\"#section-basic\">基本信息</a>") && page.contains("id=\"section-materials\""));

        let mut fixed_copies = false;
        for (key, value) in changed.iter_mut() {
            if key == "promised_limit" {
                *value = "0.5".to_string();
            }
            if key == "material.copies" && !fixed_copies {
                *value = original_copies.clone();
                fixed_copies = true;
            }
        }
        let refs: Vec<(&str, &str)> = changed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let saved = app.post_form(&format!("/staff/matters/{COMPANY}/edit"), &cookie, &refs).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        assert!(saved.location().contains("version=2"));
        let versions = app.store().matter_versions(COMPANY).await.expect("history");
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[1].adjustment.reason, "按新条例调整");
        assert_eq!(versions[1].matter.materials, versions[0].matter.materials, "the form round-trips every material");
        assert_eq!(versions[1].matter.steps, versions[0].matter.steps);
        assert_eq!(versions[1].matter.faqs, versions[0].matter.faqs);
        assert!(!csrf.is_empty());
        app.finish().await;
    }
}

/// Every named input, textarea and selected option of a form page, in document order (checked boxes only).
fn support_form_pairs(html: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let form_start = html.find("<form method=\"post\" action=\"/staff/matters").expect("editor form");
    let form = &html[form_start..];
    let mut rest = form;
    let unescape = |text: &str| {
        text.replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    let attribute = |tag: &str, name: &str| -> Option<String> {
        let marker = format!(" {name}=\"");
        let start = tag.find(&marker)? + marker.len();
        let end = tag[start..].find('"')? + start;
        Some(unescape(&tag[start..end]))
    };
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if tag.starts_with("<input") {
            if let Some(name) = attribute(tag, "name") {
                let kind = attribute(tag, "type").unwrap_or_default();
                if kind != "checkbox" || tag.contains(" checked") {
                    pairs.push((name, attribute(tag, "value").unwrap_or_default()));
                }
            }
        } else if tag.starts_with("<textarea") {
            if let Some(name) = attribute(tag, "name") {
                let close = rest.find("</textarea>").expect("closing textarea");
                pairs.push((name, unescape(&rest[end + 1..close])));
            }
        } else if tag.starts_with("<select") {
            if let Some(name) = attribute(tag, "name") {
                let close = rest.find("</select>").expect("closing select");
                let options = &rest[end..close];
                let selected = options
                    .split("<option")
                    .skip(1)
                    .find(|option| option.contains(" selected"))
                    .or_else(|| options.split("<option").nth(1))
                    .and_then(|option| attribute(&format!(" {option}"), "value"))
                    .unwrap_or_default();
                pairs.push((name, selected));
            }
        } else if tag.starts_with("</form") {
            break;
        }
        rest = &rest[end.min(rest.len())..];
        if rest.len() <= 1 {
            break;
        }
        rest = &rest[1..];
    }
    pairs
}

#[tokio::test]
async fn export_and_import_give_back_the_same_catalog_and_bad_files_import_nothing() {
    for app in TestApp::all().await {
        let token = app.token(EDITOR).await;
        let exported = app.json(Method::GET, "/api/v1/catalog/export.xlsx", None, None).await;
        assert_eq!(exported.status, StatusCode::OK, "{}", app.backend);
        let request = axum::http::Request::post("/api/v1/catalog/import?reason=%E5%B9%B4%E5%BA%A6%E7%A1%AE%E8%AE%A4")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::from(exported.body.clone()))
            .expect("request");
        let reimported = app.send(request).await;
        assert_eq!(reimported.status, StatusCode::OK, "{}", reimported.text());
        let report = &reimported.json()["imported"];
        assert_eq!(report["created"], 0);
        assert_eq!(report["adjusted"], 0, "the workbook round-trips every element: {report}");
        assert!(report["unchanged"].as_u64().unwrap_or(0) >= 60);

        let mut catalog = app.json(Method::GET, "/api/v1/catalog/export.json", None, None).await.json();
        catalog["matters"][0]["trips_required"] = json!(2);
        catalog["matters"][0]["trips_reason"] = json!("");
        catalog["matters"][3]["consultation_phone"] = json!("12");
        let request = axum::http::Request::post("/api/v1/catalog/import?reason=x")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::from(catalog.to_string()))
            .expect("request");
        let refused = app.send(request).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields = refused.json()["fields"].as_object().cloned().unwrap_or_default();
        assert!(fields.keys().any(|place| place.contains("必须现场办理原因")), "{fields:?}");
        assert!(fields.keys().any(|place| place.contains("咨询电话")), "{fields:?}");
        let total: usize = futures_count(&app).await;
        assert_eq!(total, 0, "nothing was half-imported: no matter has a second version");
        app.finish().await;
    }
}

async fn futures_count(app: &TestApp) -> usize {
    let mut with_second_version = 0;
    for version in app.state.catalog().versions.iter() {
        if version.version > 1 {
            with_second_version += 1;
        }
    }
    with_second_version
}

#[tokio::test]
async fn a_new_years_holidays_are_loaded_by_an_administrator() {
    for app in TestApp::all().await {
        let token = app.token(ADMIN).await;
        let bad = app
            .json(
                Method::PUT,
                "/api/v1/calendar/notices/2027",
                Some(&token),
                Some(json!({ "text": "2027-01-01 holiday 元旦\n2027-02-10 makeup_workday 春节" })),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        assert!(bad.json()["fields"]["line 2"].as_str().unwrap_or_default().contains("不是周末"));
        let before =
            app.json(Method::GET, "/api/v1/calendar/days?from=2027-02-08&to=2027-02-08", None, None).await.json();
        assert_eq!(before["days"][0]["kind"], "workday");
        assert_eq!(before["days"][0]["confirmed"], false);

        let (cookie, csrf) = app.login_page(ADMIN).await;
        let page = app
            .post_form(
                "/staff/calendar",
                &cookie,
                &[
                    ("csrf_token", &csrf),
                    ("year", "2027"),
                    (
                        "text",
                        "2027-01-01 holiday 元旦\n2027-02-06..2027-02-12 holiday 春节\n2027-02-14 makeup_workday 春节",
                    ),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("已载入 2027 年"));
        assert!(html.contains("href=\"/staff/calendar?year=2027\""), "a loaded year is a link");
        assert!(html.contains("2027-02-06..2027-02-12 放假 春节\n2027-02-14 调休上班 春节"), "written back: {html}");

        // The kinds in Chinese, as the State Council's notice says them.
        let chinese =
            "2027-01-01 放假 元旦\n2027-02-06..2027-02-12 放假 春节\n2027-10-01..2027-10-07 放假 国庆节\n2027-09-26 上班 国庆节";
        let page = app
            .post_form("/staff/calendar", &cookie, &[("csrf_token", &csrf), ("year", "2027"), ("text", chinese)])
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        assert!(page.text().contains("2027-09-26 调休上班 国庆节"));

        // The month grid starts on Monday: 1 December 2026 is a Tuesday.
        let december = app.get_with_cookie("/staff/calendar?year=2026&month=12", &cookie).await.text();
        assert!(december.contains("2026年12月") && december.contains("abbr=\"星期一\""), "{december}");
        assert!(
            december.contains("<tr><td></td><td class=\"day-workday\"><span class=\"day-number\">1</span>"),
            "{december}"
        );
        assert!(december.contains("href=\"/staff/calendar?year=2027&amp;month=1\""), "next month");
        let after =
            app.json(Method::GET, "/api/v1/calendar/days?from=2027-02-08&to=2027-02-08", None, None).await.json();
        assert_eq!(after["days"][0]["kind"], "holiday");
        let events = app.store().audit_events(10).await.expect("audit");
        assert!(events
            .iter()
            .any(|event| event.action == "calendar.load" && event.subject == "2027" && event.actor == "admin"));
        app.finish().await;
    }
}

#[tokio::test]
async fn synonyms_edited_by_an_administrator_change_search_at_once() {
    for app in TestApp::all().await {
        let token = app.token(ADMIN).await;
        assert_ne!(first_result(&app, "拿驾照").await, "道路运输经营许可", "{}", app.backend);
        let current = app.json(Method::GET, "/api/v1/synonyms", None, None).await.json();
        let text = format!("{}\n拿驾照 = 道路运输经营许可\n", current["text"].as_str().unwrap_or_default());
        let saved = app.json(Method::PUT, "/api/v1/synonyms", Some(&token), Some(json!({ "text": text }))).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        assert_eq!(first_result(&app, "拿驾照").await, "道路运输经营许可");
        let bad = app.json(Method::PUT, "/api/v1/synonyms", Some(&token), Some(json!({ "text": "没有等号" }))).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(first_result(&app, "拿驾照").await, "道路运输经营许可", "a refused list changes nothing");
        app.finish().await;
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_they_are_read() {
    for app in TestApp::all().await {
        let token = app.token(EDITOR).await;
        let limit = app.state.config.max_body_bytes;
        let request = axum::http::Request::post("/api/v1/catalog/import?reason=x")
            .header("authorization", format!("Bearer {token}"))
            .header("content-length", (limit + 1).to_string())
            .body(axum::body::Body::from(vec![b'{'; limit + 1]))
            .expect("request");
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", app.backend);
        assert_eq!(reply.json()["error"], "payload_too_large", "the one error format: {}", reply.text());
        // A page's form gets the Chinese error page instead of the limit's plain text.
        let (cookie, _) = app.login_page(EDITOR).await;
        let request = axum::http::Request::post("/staff/catalog/import")
            .header("cookie", cookie)
            .header("content-length", (limit + 1).to_string())
            .body(axum::body::Body::from(vec![b'x'; limit + 1]))
            .expect("request");
        let page = app.send(request).await;
        assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(page.text().contains("提交的内容太大"), "{}", page.text());
        app.finish().await;
    }
}

#[tokio::test]
async fn every_documented_operation_exists() {
    for app in TestApp::all().await {
        let document = app.json(Method::GET, "/api/v1/openapi.json", None, None).await.json();
        assert_eq!(document["openapi"], "3.1.0");
        for (method, path) in onetrip_web::api::openapi::operations() {
            let concrete = path
                .replace("/tickets/{number}", "/tickets/NOPE")
                .replace("{hall}", "centre")
                .replace("{code}", COMPANY)
                .replace("{year}", "2027");
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            let reply = app.json(method.clone(), &concrete, None, None).await;
            let is_json = reply
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json"));
            let code = if is_json { reply.json().get("error").cloned() } else { None };
            assert!(
                reply.status != StatusCode::METHOD_NOT_ALLOWED && code != Some(Value::from("not_found"))
                    || concrete.contains("NOPE"),
                "{method} {path} is documented but not routed: {} {}",
                reply.status,
                reply.text()
            );
        }
        app.finish().await;
    }
}

/// The support checks every API reply against the OpenAPI document; this reaches the replies the other
/// tests do not: a new matter, saved bundles, a loaded notice, office time, a ticket looked up, a case's
/// file, logging out, an address that is no operation, and a query axum cannot read.
#[tokio::test]
async fn replies_the_other_tests_do_not_reach_are_what_the_document_says_too() {
    use base64::Engine;
    for app in TestApp::all().await {
        app.to_office_hours();
        let editor = app.token(EDITOR).await;
        let current = app.json(Method::GET, &format!("/api/v1/matters/{COMPANY}"), None, None).await.json();
        let mut matter = current["matter"].clone();
        matter["code"] = json!("00013112700499");
        let adjustment =
            json!({ "kind": "create", "reason": "新设事项", "effective_date": app.state.today().to_string() });
        let body = json!({ "adjustment": adjustment, "matter": matter });
        let created = app.json(Method::POST, "/api/v1/matters", Some(&editor), Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}: {}", app.backend, created.text());
        assert_eq!(created.json()["version"], 1);

        let bundles = app.json(Method::GET, "/api/v1/bundles", None, None).await.json();
        let saved = app.json(Method::PUT, "/api/v1/bundles", Some(&editor), Some(bundles.clone())).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        assert_eq!(saved.json()["count"], bundles["bundles"].as_array().map(Vec::len).unwrap_or_default());

        let admin = app.token(ADMIN).await;
        let notice = json!({ "text": "2027-01-01 holiday 元旦" });
        let loaded = app.json(Method::PUT, "/api/v1/calendar/notices/2027", Some(&admin), Some(notice)).await;
        assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.text());
        assert_eq!(loaded.json()["dates"], 1);
        let between = "/api/v1/calendar/between?from=2026-03-02T09:00:00%2B08:00&to=2026-03-03T09:00:00%2B08:00";
        let office = app.json(Method::GET, between, None, None).await;
        assert_eq!(office.status, StatusCode::OK, "{}", office.text());
        assert_eq!(office.json()["working_days"], 1.0);

        let window = app.token(support::WINDOW).await;
        let ticket =
            app.json(Method::POST, "/api/v1/hall/centre/tickets", Some(&window), Some(json!({ "zone": "bs" }))).await;
        assert_eq!(ticket.status, StatusCode::CREATED, "{}", ticket.text());
        let number = ticket.json()["number"].as_str().expect("number").to_string();
        let looked_up = app.json(Method::GET, &format!("/api/v1/hall/centre/tickets/{number}"), None, None).await;
        assert_eq!(looked_up.status, StatusCode::OK, "{}", looked_up.text());

        let pdf = base64::engine::general_purpose::STANDARD.encode(onetrip_domain::upload::samples::PDF);
        let application = json!({
            "matter_code": COMPANY,
            "applicant": { "kind": "natural_person", "id_number": "11010519491231002X", "name": "张三", "phone": "13912345678" },
            "attachments": [{ "material": 1, "name": "章程.pdf", "content_base64": pdf }],
        });
        let case = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await.json();
        let (case_number, file) =
            (case["number"].as_str().expect("number"), case["files"][1][0].as_str().expect("file"));
        let bytes =
            app.json(Method::GET, &format!("/api/v1/cases/{case_number}/files/{file}"), Some(&window), None).await;
        assert_eq!(bytes.status, StatusCode::OK);
        assert_eq!(bytes.body, onetrip_domain::upload::samples::PDF);

        let out = app.json(Method::DELETE, "/api/v1/sessions/current", Some(&window), None).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        let after = app.json(Method::GET, "/api/v1/inbox", Some(&window), None).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "a closed session is gone");

        let nowhere = app.json(Method::GET, "/api/v1/nowhere", None, None).await;
        assert_eq!(nowhere.json()["error"], "not_found");
        let unreadable = app.json(Method::GET, "/api/v1/matters?limit=many", None, None).await;
        assert_eq!(unreadable.status, StatusCode::BAD_REQUEST);
        assert_eq!(unreadable.json()["error"], "bad_request", "the one error format: {}", unreadable.text());
        app.finish().await;
    }
}

#[tokio::test]
async fn the_elderly_mode_is_a_cookie_applied_to_every_page_cached_or_not() {
    use axum::body::Body;
    use axum::http::{header, Request};
    for app in TestApp::all().await {
        let guide = format!("/matters/{COMPANY}");
        let request = |path: &str, cookie: Option<&str>| {
            let mut builder = Request::get(path)
                .header(header::HOST, "centre.example")
                .header(header::REFERER, format!("http://centre.example{guide}"))
                .header(header::ACCEPT_ENCODING, "gzip");
            if let Some(cookie) = cookie {
                builder = builder.header(header::COOKIE, cookie);
            }
            builder.body(Body::empty()).expect("request")
        };
        let on = app.send(request("/view/elder", None)).await;
        assert_eq!((on.status, on.location()), (StatusCode::SEE_OTHER, guide.as_str()), "{}", app.backend);
        let cookie = on.cookies().into_iter().find(|c| c.starts_with("onetrip_view=")).expect("the choice is kept");
        assert_eq!(cookie, "onetrip_view=elder-1");

        // The cached guide page, served to this person in the mode and to everyone else as before.
        let elder = app.send(request(&guide, Some(&cookie))).await;
        assert_eq!(elder.status, StatusCode::OK);
        assert!(elder.text().starts_with("<!doctype html>\n<html lang=\"zh-CN\" class=\"elder text-1\">"));
        assert_eq!(elder.headers.get(header::VARY).and_then(|v| v.to_str().ok()), Some("cookie"));
        let plain = app.send(request(&guide, None)).await;
        assert_eq!(plain.headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()), Some("gzip"));

        let larger = app.send(request("/view/larger", Some(&cookie))).await;
        let bigger = larger.cookies().into_iter().find(|c| c.starts_with("onetrip_view=")).expect("cookie");
        assert_eq!(bigger, "onetrip_view=elder-2");
        let off = app.send(request("/view/elder", Some(&bigger))).await;
        assert_eq!(
            off.cookies().into_iter().find(|c| c.starts_with("onetrip_view=")).as_deref(),
            Some("onetrip_view=")
        );
        let elsewhere = Request::get("/view/elder")
            .header(header::HOST, "centre.example")
            .header(header::REFERER, "https://phish.example/page")
            .body(Body::empty())
            .expect("request");
        assert_eq!(app.send(elsewhere).await.location(), "/", "never sent back to another site");
        app.finish().await;
    }
}
