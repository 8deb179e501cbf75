//! Shared data sources on each backend: Onetrip's own register supplies a company's business licence only
//! while it is in force; a departmental system (a real server the test starts) answers a signed request
//! and refuses an unsigned one, and when it answers garbage, too much or too slowly it is cut off with the
//! reason, and after three failures in a row it is not asked at all for a while. Every request is in the
//! exchange log, the holder only as a digest.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use onetrip_app::sharing::{fetch, DataSource, LicenceSource, SourceFault, SourceRequest, TrustGrade};
use onetrip_domain::access::Role;
use onetrip_domain::applicant::ApplicantIdentity;
use onetrip_domain::case_number::CaseNumber;
use onetrip_exchange::{HttpSource, SourceConfig};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use support::{TestApp, TAX, WINDOW};

const COMPANY: &str = "91654301MA771KGM8T";
const PERSON: &str = "11010519491231002X";
const BUSINESS_LICENCE: &str = "116543010119671377001";

fn request(holder: ApplicantIdentity, material: &str, purpose: &str) -> SourceRequest {
    SourceRequest { holder, material: material.to_string(), purpose: purpose.to_string() }
}

fn company() -> ApplicantIdentity {
    ApplicantIdentity::parse("legal_person", COMPANY).unwrap()
}

fn person() -> ApplicantIdentity {
    ApplicantIdentity::parse("natural_person", PERSON).unwrap()
}

#[tokio::test]
async fn the_licence_register_supplies_a_licence_only_while_it_is_in_force() {
    for app in TestApp::all().await {
        let market = app.add_staff("market", vec![Role::Reviewer], Some("scjgj")).await;
        let police = app.add_staff("police", vec![Role::Reviewer], Some("gaj")).await;
        let tax = app.token(TAX).await;
        let window = app.token(WINDOW).await;
        let guide = app.json(Method::GET, "/api/v1/matters/00013112700401", None, None).await.json();
        let materials = guide["matter"]["materials"].as_array().expect("materials").len();
        let application = json!({
            "matter_code": "00013112700401",
            "applicant": { "kind": "legal_person", "id_number": COMPANY, "name": "阿勒泰市雪都餐饮有限公司", "phone": "13912345670" },
            "supplied": vec!["provided"; materials],
        });
        let number = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await.json()["number"]
            .as_str()
            .expect("number")
            .to_string();
        app.conclude_case(&number, &window, |department| match department {
            "gaj" => police.clone(),
            "swj" => tax.clone(),
            _ => market.clone(),
        })
        .await;
        let source = LicenceSource::new(&app.state.app, BUSINESS_LICENCE);
        let asked = request(company(), "营业执照", "65430010040001");
        let found = fetch(&app.state.app, &source, &asked).await.unwrap().unwrap().expect("the licence");
        assert_eq!((found.grade, found.title.as_str()), (TrustGrade::A, "营业执照（电子证照）"), "{}", app.backend);
        assert!(found.fields.iter().any(|(label, value)| label == "持证主体" && value == "阿勒泰市雪都餐饮有限公司"));
        let nobody = fetch(&app.state.app, &source, &request(person(), "营业执照", "65430010040001")).await.unwrap();
        assert_eq!(nobody, Ok(None), "a holder without the licence gets none");

        // Suspended, it satisfies nothing.
        let id =
            app.store().licences_of_case(&CaseNumber::parse(&number).unwrap()).await.unwrap()[0].licence.id.to_string();
        let body = json!({ "id": id, "action": "suspend", "reason": "依法暂扣" });
        assert_eq!(
            app.json(Method::POST, "/api/v1/licences/status", Some(&market), Some(body)).await.status,
            StatusCode::OK
        );
        assert_eq!(fetch(&app.state.app, &source, &asked).await.unwrap(), Ok(None), "{}", app.backend);

        let log = app.store().exchanges(Some(&source.code()), 10).await.unwrap();
        let outcomes: Vec<&str> = log.iter().rev().map(|exchange| exchange.outcome.as_str()).collect();
        assert_eq!(outcomes, ["found", "not_found", "not_found"]);
        assert!(log
            .iter()
            .all(|exchange| !format!("{exchange:?}").contains(COMPANY) && exchange.purpose == "65430010040001"));
        app.finish().await;
    }
}

/// A departmental system's data source, as a real server, stopped when dropped.
struct Department {
    child: Child,
    folder: tempfile::TempDir,
    url: String,
}

impl Department {
    fn start(dataset: &str, key: &str) -> Self {
        let folder = tempfile::tempdir().expect("folder");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-servers/department_source.py");
        let path = |name: &str| folder.path().join(name).display().to_string();
        let child = Command::new("python3")
            .arg(script)
            .args([path("port"), path("log"), path("mode"), key.to_string(), dataset.to_string()])
            .spawn()
            .expect("python3 starts the source");
        let deadline = Instant::now() + Duration::from_secs(10);
        let port = loop {
            if let Ok(port) = std::fs::read_to_string(folder.path().join("port")) {
                break port;
            }
            assert!(Instant::now() < deadline, "the source did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        Self { child, url: format!("http://127.0.0.1:{}/onetrip/materials", port.trim()), folder }
    }

    fn set_mode(&self, mode: &str) {
        std::fs::write(self.folder.path().join("mode"), mode).expect("mode");
    }

    fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.folder.path().join("log"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("JSON line"))
            .collect()
    }

    fn source(&self, key: &str) -> HttpSource {
        HttpSource::new(SourceConfig {
            code: "housing".to_string(),
            url: self.url.clone(),
            key: key.as_bytes().to_vec(),
            timeout: Duration::from_secs(1),
            failures_to_open: 3,
            open_for: Duration::from_secs(60),
        })
        .expect("client")
    }
}

impl Drop for Department {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_department_source_answers_signed_requests_and_is_cut_off_when_it_misbehaves() {
    for app in TestApp::all().await {
        let housing = Department::start("housing", "housing-shared-key");
        let source = housing.source("housing-shared-key");
        let asked = request(person(), "房屋买卖合同", "65430030010102");
        let found = fetch(&app.state.app, &source, &asked).await.unwrap().unwrap().expect("the contract");
        assert_eq!(found.title, "存量房买卖合同（网签备案）", "{}", app.backend);
        assert!(found.fields.iter().any(|(label, value)| label == "合同备案号" && value == "ALT-WQ-2026-000318"));
        assert_eq!(
            fetch(&app.state.app, &source, &request(company(), "房屋买卖合同", "65430030010102")).await.unwrap(),
            Ok(None)
        );
        assert!(housing.requests().iter().all(|request| request["signed"] == true && request["fresh"] == true));

        // Signed with another key: the department refuses it.
        let forged = housing.source("not-the-key");
        assert_eq!(
            fetch(&app.state.app, &forged, &asked).await.unwrap(),
            Err(SourceFault::Unavailable("HTTP 401".to_string()))
        );
        assert_eq!(housing.requests().last().unwrap()["signed"], false);

        // Garbage, too much, too slow: each cut off with its reason; the third in a row opens the breaker.
        housing.set_mode("garbage");
        assert!(matches!(fetch(&app.state.app, &source, &asked).await.unwrap(), Err(SourceFault::Garbage(_))));
        housing.set_mode("huge");
        assert_eq!(fetch(&app.state.app, &source, &asked).await.unwrap(), Err(SourceFault::TooLarge));
        housing.set_mode("slow");
        assert_eq!(fetch(&app.state.app, &source, &asked).await.unwrap(), Err(SourceFault::TooSlow));
        housing.set_mode("ok");
        let before = housing.requests().len();
        assert_eq!(fetch(&app.state.app, &source, &asked).await.unwrap(), Err(SourceFault::CircuitOpen));
        assert_eq!(housing.requests().len(), before, "{}: an open breaker asks nobody", app.backend);

        let log = app.store().exchanges(Some("external:housing"), 20).await.unwrap();
        let outcomes: Vec<&str> = log.iter().rev().map(|exchange| exchange.outcome.as_str()).collect();
        assert_eq!(outcomes, ["found", "not_found", "unavailable", "garbage", "too_large", "too_slow", "circuit_open"]);
        assert!(log.iter().all(|exchange| !format!("{exchange:?}").contains(PERSON)), "no ID number in the log");
        assert!(log.iter().any(|exchange| exchange.detail.contains("超时")));
        app.finish().await;
    }
}

/// Starts an online application of `code`, with the phone given; returns the draft's id.
async fn start_application(app: &TestApp, cookie: &str, csrf: &str, code: &str) -> String {
    let reply = app.post_form(&format!("/portal/apply/{code}"), cookie, &[("csrf_token", csrf)]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, reply.text());
    let draft = reply.location().trim_start_matches("/portal/drafts/").trim_end_matches("/contact").to_string();
    let reply = app
        .post_form(
            &format!("/portal/drafts/{draft}/contact"),
            cookie,
            &[("csrf_token", csrf), ("phone", "13912345670")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    draft
}

/// Answers every material of a draft: shared where `shared` says, otherwise an upload (or skip); submits
/// and returns the case number.
async fn complete(app: &TestApp, cookie: &str, csrf: &str, draft: &str, code: &str, shared: &[usize]) -> String {
    let materials = app.state.catalog().version(code).expect("matter").matter.materials.clone();
    for (index, material) in materials.iter().enumerate() {
        let path = format!("/portal/drafts/{draft}/materials/{index}");
        let reply = if shared.contains(&index) {
            let page = app.get_with_cookie(&path, cookie).await;
            assert!(page.text().contains("share-consent"), "{}: material {index} offers sharing", app.backend);
            app.post_form(&format!("{path}/share"), cookie, &[("csrf_token", csrf)]).await
        } else if material.necessity == onetrip_domain::catalog::MaterialNecessity::Optional {
            app.post_multipart(&path, cookie, &[("csrf_token", csrf), ("choice", "skip")], &[]).await
        } else {
            let file = onetrip_domain::upload::samples::PDF;
            app.post_multipart(
                &path,
                cookie,
                &[("csrf_token", csrf), ("choice", "upload")],
                &[("file", "扫描件.pdf", file)],
            )
            .await
        };
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{} material {index}: {}", app.backend, reply.text());
    }
    let reply = app.post_form(&format!("/portal/drafts/{draft}/submit"), cookie, &[("csrf_token", csrf)]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    reply.location().trim_start_matches("/portal/cases/").trim_end_matches("?submitted=1").to_string()
}

#[tokio::test]
async fn an_application_takes_its_papers_from_the_licence_register_and_the_departments_with_consent() {
    for app in TestApp::all().await {
        // A company registered through Onetrip applies for a food business licence: its business licence
        // comes from the register, with consent, and is not uploaded.
        let (company_cookie, company_csrf) =
            app.sign_up_as("legal_person", COMPANY, "阿勒泰市雪都餐饮有限公司", "13912345670").await;
        let market = app.add_staff("market", vec![Role::Reviewer], Some("scjgj")).await;
        let police = app.add_staff("police", vec![Role::Reviewer], Some("gaj")).await;
        let tax = app.token(TAX).await;
        let window = app.token(WINDOW).await;
        let guide = app.json(Method::GET, "/api/v1/matters/00013112700401", None, None).await.json();
        let materials = guide["matter"]["materials"].as_array().expect("materials").len();
        let application = json!({
            "matter_code": "00013112700401",
            "applicant": { "kind": "legal_person", "id_number": COMPANY, "name": "阿勒泰市雪都餐饮有限公司", "phone": "13912345670" },
            "supplied": vec!["provided"; materials],
        });
        let number = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await.json()["number"]
            .as_str()
            .expect("number")
            .to_string();
        app.conclude_case(&number, &window, |department| match department {
            "gaj" => police.clone(),
            "swj" => tax.clone(),
            _ => market.clone(),
        })
        .await;
        let draft = start_application(&app, &company_cookie, &company_csrf, "65430010040001").await;
        // Nobody else can consent for this application.
        let (other_cookie, other_csrf) = app.sign_up("110105198001010016", "王五", "13912345671").await;
        let foreign = app
            .post_form(
                &format!("/portal/drafts/{draft}/materials/1/share"),
                &other_cookie,
                &[("csrf_token", &other_csrf)],
            )
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", app.backend);
        let food = complete(&app, &company_cookie, &company_csrf, &draft, "65430010040001", &[1]).await;
        let case = app.store().case(&CaseNumber::parse(&food).unwrap()).await.unwrap().expect("case");
        let shared = case.document.materials[1].shared.as_ref().expect("the licence was shared");
        assert_eq!((shared.source.as_str(), shared.grade.as_str()), ("licence:116543010119671377001", "A"));
        assert!(case.document.materials[1].files.is_empty(), "nothing uploaded for it");
        // The window sees where it came from.
        let (staff_cookie, _) = app.login_page(WINDOW).await;
        let page = app.get_with_cookie(&format!("/staff/cases/{food}"), &staff_cookie).await;
        assert!(
            page.text().contains("已通过数据共享获取（A 级，政府部门签发）：营业执照（电子证照）"),
            "{}",
            page.text()
        );
        // The consent is on the portal, and can be revoked once.
        let consents = app.get_with_cookie("/portal/consents", &company_cookie).await.text();
        assert!(consents.contains("电子证照：营业执照") && consents.contains("食品经营许可"), "{consents}");
        let consent = app.store().consents(case.applicant_id).await.unwrap()[0].id;
        let revoke = format!("/portal/consents/{consent}/revoke");
        assert_eq!(
            app.post_form(&revoke, &company_cookie, &[("csrf_token", &company_csrf)]).await.status,
            StatusCode::SEE_OTHER
        );
        assert!(app.get_with_cookie("/portal/consents", &company_cookie).await.text().contains("撤回"));
        assert_eq!(
            app.post_form(&revoke, &company_cookie, &[("csrf_token", &company_csrf)]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.post_form(&revoke, &other_cookie, &[("csrf_token", &other_csrf)]).await.status,
            StatusCode::NOT_FOUND
        );

        // A suspended licence cannot satisfy the material: the applicant is told to upload.
        let id =
            app.store().licences_of_case(&CaseNumber::parse(&number).unwrap()).await.unwrap()[0].licence.id.to_string();
        let body = json!({ "id": id, "action": "suspend", "reason": "依法暂扣" });
        assert_eq!(
            app.json(Method::POST, "/api/v1/licences/status", Some(&market), Some(body)).await.status,
            StatusCode::OK
        );
        let second = start_application(&app, &company_cookie, &company_csrf, "65430010040001").await;
        let refused = app
            .post_form(
                &format!("/portal/drafts/{second}/materials/1/share"),
                &company_cookie,
                &[("csrf_token", &company_csrf)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("没有查到您名下可用的"), "{}", refused.text());

        // A property transfer takes the sale contract from the housing system and the tax proof from the tax
        // system; with the tax system down, the applicant is told and uploads instead.
        let housing = Department::start("housing", "housing-shared-key");
        let taxes = Department::start("tax", "tax-shared-key");
        app.state.app.register_source("housing", std::sync::Arc::new(housing.source("housing-shared-key")));
        app.state
            .app
            .register_source("tax", std::sync::Arc::new(HttpSource::new(tax_config_of(&taxes)).expect("client")));
        let (cookie, csrf) = app.sign_up(PERSON, "张三", "13912345672").await;
        let draft = start_application(&app, &cookie, &csrf, "65430030010102").await;
        taxes.set_mode("error");
        let down = app
            .post_form(&format!("/portal/drafts/{draft}/materials/5/share"), &cookie, &[("csrf_token", &csrf)])
            .await;
        assert_eq!(down.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(down.text().contains("数据来源暂时无法访问"), "{}", down.text());
        taxes.set_mode("ok");
        let transfer = complete(&app, &cookie, &csrf, &draft, "65430030010102", &[3, 5]).await;
        let case = app.store().case(&CaseNumber::parse(&transfer).unwrap()).await.unwrap().expect("case");
        assert_eq!(
            case.document.materials[3].shared.as_ref().map(|shared| shared.title.as_str()),
            Some("存量房买卖合同（网签备案）")
        );
        assert_eq!(
            case.document.materials[5].shared.as_ref().map(|shared| shared.source.as_str()),
            Some("external:tax")
        );
        app.finish().await;
    }
}

fn tax_config_of(department: &Department) -> SourceConfig {
    SourceConfig {
        code: "tax".to_string(),
        url: department.url.clone(),
        key: b"tax-shared-key".to_vec(),
        timeout: Duration::from_secs(1),
        failures_to_open: 3,
        open_for: Duration::from_secs(60),
    }
}
