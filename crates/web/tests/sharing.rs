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
use serde_json::json;
use support::department::Department;
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

#[tokio::test]
async fn a_department_source_answers_signed_requests_and_is_cut_off_when_it_misbehaves() {
    for app in TestApp::all().await {
        let housing = Department::start("housing", "housing-shared-key");
        let source = housing.source("housing", "housing-shared-key");
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
        let forged = housing.source("housing", "not-the-key");
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
        app.state.app.register_source("housing", std::sync::Arc::new(housing.source("housing", "housing-shared-key")));
        app.state.app.register_source("tax", std::sync::Arc::new(taxes.source("tax", "tax-shared-key")));
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

        // The month's figures: per matter, the materials shared (uploads avoided) and uploaded, and the
        // application where the tax system failed.
        let uploads = |code: &str, shared: &[usize]| {
            let materials = app.state.catalog().version(code).expect("matter").matter.materials.clone();
            let required = materials.iter().enumerate().filter(|(index, material)| {
                !shared.contains(index) && material.necessity != onetrip_domain::catalog::MaterialNecessity::Optional
            });
            required.count() as u64
        };
        let supervisor = app.token(support::SUPERVISOR).await;
        assert_eq!(
            app.json(Method::GET, "/api/v1/statistics/sharing", Some(&window), None).await.status,
            StatusCode::FORBIDDEN,
            "{}: a window clerk does not see the figures",
            app.backend
        );
        let figures = app.json(Method::GET, "/api/v1/statistics/sharing", Some(&supervisor), None).await.json();
        let row = |code: &str| {
            figures["matters"].as_array().expect("matters").iter().find(|row| row["matter_code"] == code).cloned()
        };
        let food = row("65430010040001").expect("the food licence's row");
        let numbers = |row: &serde_json::Value| {
            [
                "received",
                "with_shared",
                "materials_shared",
                "materials_uploaded",
                "source_requests",
                "source_failures",
                "applications_failed",
            ]
            .map(|field| row[field].as_u64().unwrap_or(u64::MAX))
        };
        // Two requests to the register (found; then nothing, the licence suspended), neither a failure.
        assert_eq!(numbers(&food), [1, 1, 1, uploads("65430010040001", &[1]), 2, 0, 0], "{}: {food}", app.backend);
        assert_eq!(food["sources"], json!(["licence:116543010119671377001"]));
        let transfer = row("65430030010102").expect("the transfer's row");
        // Housing once, tax twice (down, then found): one failure, in one application.
        assert_eq!(
            numbers(&transfer),
            [1, 1, 2, uploads("65430030010102", &[3, 5]), 3, 1, 1],
            "{}: {transfer}",
            app.backend
        );
        let rate = transfer["shared_rate"].as_f64().expect("rate");
        let expected = 2.0 / (2.0 + uploads("65430030010102", &[3, 5]) as f64);
        assert!((rate - expected).abs() < 1e-9, "{rate} {expected}");
        // The company registration from the window took nothing shared and names no source: not listed,
        // but in the total.
        assert!(row("00013112700401").is_none(), "{figures}");
        assert_eq!(figures["total"]["received"], json!(3), "{figures}");
        assert_eq!(figures["total"]["materials_shared"], json!(3));
        assert_eq!(figures["total"]["source_failures"], json!(1));
        let tax_source =
            figures["sources"].as_array().unwrap().iter().find(|source| source["source"] == "external:tax");
        assert_eq!(
            tax_source.map(|source| (source["requests"].clone(), source["failures"].clone())),
            Some((json!(2), json!(1)))
        );
        // The same on the managers' page.
        let (page_cookie, _) = app.login_page(support::SUPERVISOR).await;
        let page = app.get_with_cookie("/staff/statistics/sharing", &page_cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        assert!(text.contains("<td id=\"total-shared\">3</td>"), "{text}");
        assert!(text.contains("<td id=\"total-applications-failed\">1</td>"), "{text}");
        assert!(text.contains("id=\"sharing-65430030010102\""), "{text}");
        let (window_cookie, _) = app.login_page(WINDOW).await;
        assert_eq!(
            app.get_with_cookie("/staff/statistics/sharing", &window_cookie).await.status,
            StatusCode::FORBIDDEN
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn another_matters_result_supplies_a_material_once_that_case_is_granted() {
    for app in TestApp::all().await {
        let company = "阿勒泰市雪都建设有限公司";
        let (cookie, csrf) = app.sign_up_as("legal_person", COMPANY, company, "13912345670").await;
        let window = app.token(WINDOW).await;
        let land = app.token(support::LAND).await;
        // No planning permit granted yet: nothing to take, the upload stays.
        let draft = start_application(&app, &cookie, &csrf, "65430040010001").await;
        let page = app.get_with_cookie(&format!("/portal/drafts/{draft}/materials/1"), &cookie).await.text();
        assert!(page.contains("数据来源：建设工程规划许可的办理结果"), "{}: {page}", app.backend);
        let share = format!("/portal/drafts/{draft}/materials/1/share");
        let refused = app.post_form(&share, &cookie, &[("csrf_token", &csrf)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        assert!(refused.text().contains("没有查到您名下可用的“建设工程规划许可证”"), "{}", refused.text());

        // The window registers the planning permit, and it is granted.
        let application = json!({
            "matter_code": "65430030030001",
            "applicant": { "kind": "legal_person", "id_number": COMPANY, "name": company, "phone": "13912345670" },
            "supplied": vec!["provided"; 4],
        });
        let permit = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await.json()["number"]
            .as_str()
            .expect("number")
            .to_string();
        app.conclude_case(&permit, &window, |_| land.clone()).await;

        // Now the construction permit takes it, with consent, as a decision of a government body.
        let construction = complete(&app, &cookie, &csrf, &draft, "65430040010001", &[1]).await;
        let case = app.store().case(&CaseNumber::parse(&construction).unwrap()).await.unwrap().expect("case");
        let shared = case.document.materials[1].shared.as_ref().expect("shared");
        assert_eq!((shared.source.as_str(), shared.grade.as_str()), ("result:65430030030001", "A"), "{}", app.backend);
        assert_eq!(shared.title, format!("建设工程规划许可准予决定（办件 {permit}）"));
        assert!(shared.fields.contains(&("办件编号".to_string(), permit.clone())), "{:?}", shared.fields);
        assert!(case.document.materials[1].files.is_empty());
        let consents = app.get_with_cookie("/portal/consents", &cookie).await.text();
        assert!(consents.contains("建设工程规划许可的办理结果"), "{consents}");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_material_a_window_checked_is_reused_by_the_same_applicants_later_application_for_half_a_year() {
    for app in TestApp::all().await {
        let company = "阿勒泰市雪都印务有限公司";
        let (cookie, csrf) = app.sign_up_as("legal_person", COMPANY, company, "13912345670").await;
        // The company registers its first seal at a window: the clerk sees the business licence's original.
        let (session, staff_csrf) = app.login_page(WINDOW).await;
        let created = app
            .post_form(
                "/staff/cases/new",
                &session,
                &[
                    ("csrf_token", &staff_csrf),
                    ("matter_code", "65430120050001"),
                    ("kind", "legal_person"),
                    ("id_number", COMPANY),
                    ("name", company),
                    ("phone", "13912345670"),
                    ("m0", "provided"),
                    ("m1", "provided"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, created.text());
        let seal = created.location().trim_start_matches("/staff/cases/").to_string();
        let draft = start_application(&app, &cookie, &csrf, "65430150040001").await;
        let material = format!("/portal/drafts/{draft}/materials/1");
        // Not accepted yet: nothing checked to reuse.
        assert!(!app.get_with_cookie(&material, &cookie).await.text().contains("share-consent"), "{}", app.backend);
        let window = app.token(WINDOW).await;
        let case = app.json(Method::GET, &format!("/api/v1/cases/{seal}"), Some(&window), None).await.json();
        let accept = json!({ "decision": "accept", "supplied": case["supplied"] });
        let accepted =
            app.json(Method::POST, &format!("/api/v1/cases/{seal}/acceptance"), Some(&window), Some(accept)).await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());

        // Its next application, online, offers the checked business licence instead of an upload.
        let page = app.get_with_cookie(&material, &cookie).await.text();
        let seal_number = CaseNumber::parse(&seal).unwrap().to_string();
        assert!(
            page.contains(&format!("您在窗口办理时核验过原件的营业执照（窗口已核验原件，办件 {seal_number}）")),
            "{}: {page}",
            app.backend
        );
        let hygiene = complete(&app, &cookie, &csrf, &draft, "65430150040001", &[1]).await;
        let case = app.store().case(&CaseNumber::parse(&hygiene).unwrap()).await.unwrap().expect("case");
        let shared = case.document.materials[1].shared.as_ref().expect("reused");
        assert_eq!((shared.source.as_str(), shared.grade.as_str()), ("checked", "B"), "{}", app.backend);
        assert!(shared.fields.contains(&("核验办件".to_string(), seal_number.clone())), "{:?}", shared.fields);
        assert!(app.get_with_cookie("/portal/consents", &cookie).await.text().contains("窗口核验过原件的材料"));
        // The window sees the grade and where it was checked.
        let staff_page = app.get_with_cookie(&format!("/staff/cases/{hygiene}"), &session).await.text();
        assert!(staff_page.contains("（B 级，窗口已核验）：营业执照（窗口已核验原件，办件"), "{staff_page}");
        // A material of another name is not offered: nothing of that name was checked.
        let another = start_application(&app, &cookie, &csrf, "65430150040001").await;
        let first = app.get_with_cookie(&format!("/portal/drafts/{another}/materials/0"), &cookie).await.text();
        assert!(!first.contains("share-consent"), "{}: {first}", app.backend);

        // Half a year later the check is too old: no offer, and asking anyway is refused.
        app.advance_clock(chrono::Duration::days(184));
        let (cookie, csrf) = app.portal_login(COMPANY).await;
        let later = start_application(&app, &cookie, &csrf, "65430150040001").await;
        let page = app.get_with_cookie(&format!("/portal/drafts/{later}/materials/1"), &cookie).await.text();
        assert!(!page.contains("share-consent"), "{}: {page}", app.backend);
        let refused = app
            .post_form(&format!("/portal/drafts/{later}/materials/1/share"), &cookie, &[("csrf_token", &csrf)])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        assert!(refused.text().contains("这项材料还不能通过数据共享获取"), "{}", refused.text());
        app.finish().await;
    }
}

#[tokio::test]
async fn a_window_clerk_takes_the_papers_from_the_departments_with_the_applicant_present() {
    for app in TestApp::all().await {
        let housing = Department::start("housing", "housing-shared-key");
        let taxes = Department::start("tax", "tax-shared-key");
        app.state.app.register_source("housing", std::sync::Arc::new(housing.source("housing", "housing-shared-key")));
        app.state.app.register_source("tax", std::sync::Arc::new(taxes.source("tax", "tax-shared-key")));
        let (session, csrf) = app.login_page(WINDOW).await;
        let form = app.get_with_cookie("/staff/cases/new?matter=65430030010102", &session).await.text();
        assert!(
            form.contains("申请人当面同意，不收这项材料，从部门业务系统（housing）获取"),
            "{}: {form}",
            app.backend
        );
        assert!(!form.contains("id=\"s0\""), "{}: a material without a source has no such choice", app.backend);
        let fields = |tax_shared: bool| {
            let mut fields = vec![
                ("csrf_token", csrf.clone()),
                ("matter_code", "65430030010102".to_string()),
                ("kind", "natural_person".to_string()),
                ("id_number", PERSON.to_string()),
                ("name", "张三".to_string()),
                ("phone", "13912345672".to_string()),
                ("m0", "provided".to_string()),
                ("m1", "provided".to_string()),
                ("m2", "provided".to_string()),
                ("m4", "provided".to_string()),
                ("s3", "shared".to_string()),
            ];
            if tax_shared {
                fields.push(("s5", "shared".to_string()));
            } else {
                fields.push(("m5", "provided".to_string()));
            }
            fields
        };
        let post = |fields: Vec<(&'static str, String)>| {
            let session = session.clone();
            let app = &app;
            async move {
                let pairs: Vec<(&str, &str)> = fields.iter().map(|(name, value)| (*name, value.as_str())).collect();
                app.post_form("/staff/cases/new", &session, &pairs).await
            }
        };
        // The tax system is down: the clerk is told, and nothing is registered.
        taxes.set_mode("error");
        let down = post(fields(true)).await;
        assert_eq!(down.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", app.backend, down.text());
        assert!(down.text().contains("“完税凭证”：数据来源暂时无法访问"), "{}", down.text());
        let identity = ApplicantIdentity::parse("natural_person", PERSON).unwrap();
        let applicant = app.store().applicant_by_identity(&identity).await.unwrap().expect("the applicant");
        assert!(app.store().cases_of_applicant(applicant.id, 10).await.unwrap().is_empty(), "no case registered");
        // Up again: the contract and the tax proof come from the departments, the rest was handed in.
        taxes.set_mode("ok");
        let created = post(fields(true)).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, created.text());
        let number = created.location().trim_start_matches("/staff/cases/").to_string();
        let case = app.store().case(&CaseNumber::parse(&number).unwrap()).await.unwrap().expect("case");
        assert_eq!(
            support::shared_sources(&case),
            [None, None, None, Some("external:housing"), None, Some("external:tax")],
            "{}",
            app.backend
        );
        assert_eq!(case.document.materials[3].shared.as_ref().map(|shared| shared.grade.as_str()), Some("A"));
        // The consent given at the window is on record with the clerk, and on the applicant's portal list.
        let consents = app.store().consents(applicant.id).await.unwrap();
        let taken: Vec<(&str, &str)> =
            consents.iter().map(|consent| (consent.source.as_str(), consent.draft_id.as_str())).collect();
        assert_eq!(
            taken,
            [
                ("external:tax", "window:window"),
                ("external:housing", "window:window"),
                ("external:tax", "window:window"),
                ("external:housing", "window:window")
            ],
            "{}: newest first, the failed attempt's consents too",
            app.backend
        );
        app.finish().await;
    }
}
