//! 电子证照 on each backend: a company's registration granted issues its 营业执照, sealed; it verifies by
//! its identifier and its document, and fails verification with the exact reason when its data, its
//! document or its seal is changed; the holder sees and downloads it and nobody else does; the issuing
//! department suspends, reinstates and revokes it with reasons (every refusal exact), and an expired
//! licence no longer verifies as in force.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use onetrip_domain::access::Role;
use onetrip_domain::case_number::CaseNumber;
use serde_json::{json, Value};
use support::{TestApp, LAND, TAX, WINDOW};

const COMPANY_REGISTRATION: &str = "00013112700401";
const FOOD_LICENCE: &str = "65430010040001";
const COMPANY: &str = "91654301MA771KGM8T";
const COMPANY_NAME: &str = "阿勒泰市雪都餐饮有限公司";

/// Registers a case of `matter` for the company at the window with every material provided.
async fn register(app: &TestApp, window: &str, matter: &str, credit_code: &str) -> String {
    let guide = app.json(Method::GET, &format!("/api/v1/matters/{matter}"), None, None).await;
    assert_eq!(guide.status, StatusCode::OK, "{}", guide.text());
    let materials = guide.json()["matter"]["materials"].as_array().expect("materials").len();
    let application = json!({
        "matter_code": matter,
        "applicant": { "kind": "legal_person", "id_number": credit_code, "name": COMPANY_NAME, "phone": "13912345670" },
        "supplied": vec!["provided"; materials],
    });
    let reply = app.json(Method::POST, "/api/v1/cases", Some(window), Some(application)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()["number"].as_str().expect("number").to_string()
}

/// A company registered and granted: the number of the case and the identifier of its licence.
async fn registered_company(app: &TestApp, market: &str) -> (String, String) {
    let window = app.token(WINDOW).await;
    let tax = app.token(TAX).await;
    let police = app.add_staff("police", vec![Role::Reviewer], Some("gaj")).await;
    let number = register(app, &window, COMPANY_REGISTRATION, COMPANY).await;
    app.conclude_case(&number, &window, |department| match department {
        "gaj" => police.clone(),
        "swj" => tax.clone(),
        _ => market.to_string(),
    })
    .await;
    let licences = app.store().licences_of_case(&CaseNumber::parse(&number).expect("number")).await.expect("licences");
    assert_eq!(licences.len(), 1, "{}: one licence per granted case", app.backend);
    (number, licences[0].licence.id.to_string())
}

async fn verification(app: &TestApp, id: &str) -> (StatusCode, Value) {
    let reply = app.json(Method::GET, &format!("/api/v1/licences/verification?id={id}"), None, None).await;
    let status = reply.status;
    (status, reply.json())
}

async fn change(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    let reply = app.json(Method::POST, "/api/v1/licences/status", Some(token), Some(body)).await;
    let status = reply.status;
    (status, reply.json())
}

#[tokio::test]
async fn a_granted_registration_issues_a_sealed_business_licence_that_verifies() {
    for app in TestApp::all().await {
        let market = app.add_staff("market", vec![Role::Reviewer], Some("scjgj")).await;
        let (number, id) = registered_company(&app, &market).await;
        let stored = app.store().licence(&id).await.expect("read").expect("stored");
        let licence = &stored.licence;
        assert_eq!(licence.name, "营业执照");
        assert_eq!(licence.holder.number(), COMPANY);
        assert_eq!(licence.holder_name, COMPANY_NAME);
        assert_eq!(licence.issuer_credit_code, "116543010119671377", "the market regulator issues it");
        assert_eq!(licence.valid_until, None, "a business licence is long-term");
        assert_eq!(licence.case_number, number.replace('-', ""));
        assert!(id.starts_with("1.2.156.3005.2.116543010119671377001.116543010119671377."), "{id}");
        // The document is a PDF that names the licence and the holder, sealed over its SM3.
        let document = app.files().get(&stored.document_file).await.expect("document");
        assert!(document.starts_with(b"%PDF-1.7"));
        assert_eq!(onetrip_app::licences::seal::sm3_hex(&document), licence.document_hash);
        assert!(String::from_utf8_lossy(&document).contains(&format!("/certificateIdentifier ({id})")));

        let (status, body) = verification(&app, &id).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", app.backend);
        assert_eq!(body["outcome"], "valid");
        assert_eq!(body["licence"]["status"], "valid");
        assert_eq!(body["licence"]["holder_number"], COMPANY, "a credit code is public");
        assert_eq!(body["licence"]["valid_until"], Value::Null);
        // The QR code's page says the same to anyone.
        let page = app.get(&format!("/licences/verify?id={id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("data-outcome=\"valid\""), "{}", page.text());
        assert!(page.text().contains(COMPANY_NAME));
        // Deciding the same case again cannot issue a second licence: the case is no longer open.
        assert_eq!(
            app.store().licences_of_case(&CaseNumber::parse(&number).expect("number")).await.expect("licences").len(),
            1
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn a_changed_record_document_or_seal_fails_verification_with_its_reason() {
    for app in TestApp::all().await {
        let market = app.add_staff("market", vec![Role::Reviewer], Some("scjgj")).await;
        let (_, id) = registered_company(&app, &market).await;
        let stored = app.store().licence(&id).await.expect("read").expect("stored");
        let document = app.files().get(&stored.document_file).await.expect("document");

        // The document as received verifies byte for byte; one byte changed does not.
        let form = app.get("/licences/verify").await;
        let cookie = form.cookies().into_iter().find(|c| c.starts_with("onetrip_verify=")).expect("cookie");
        let token = support::hidden_input(&form.text(), "form_token");
        let upload = |bytes: Vec<u8>| {
            let (app, cookie, token) = (&app, cookie.clone(), token.clone());
            async move {
                app.post_multipart(
                    "/licences/verify",
                    &cookie,
                    &[("form_token", &token)],
                    &[("document", "l.pdf", &bytes)],
                )
                .await
            }
        };
        let genuine = upload(document.clone()).await;
        assert_eq!(genuine.status, StatusCode::OK, "{}", genuine.text());
        assert!(genuine.text().contains("data-outcome=\"valid\""), "{}", genuine.text());
        let mut altered = document.clone();
        let at = altered.windows(4).position(|w| w == b" Tj ").expect("text");
        altered[at - 3] ^= 0x01;
        let forged = upload(altered).await;
        assert_eq!(forged.status, StatusCode::OK);
        assert!(forged.text().contains("data-outcome=\"tampered\""), "{}", forged.text());
        assert!(forged.text().contains("这个文件与签发的证照文件不一致，被改动过"));
        let stranger = upload(b"%PDF-1.7 not a licence".to_vec()).await;
        assert_eq!(stranger.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(stranger.text().contains("文件里没有证照标识"));
        let no_token = app.post_multipart("/licences/verify", &cookie, &[], &[("document", "l.pdf", &document)]).await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "the upload form checks its token");

        // An identifier that is not one, and one nobody issued.
        let mut wrong_check = id.clone();
        let last = wrong_check.pop().expect("check");
        wrong_check.push(if last == '0' { '1' } else { '0' });
        let (status, body) = verification(&app, &wrong_check).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")));
        assert!(body["fields"]["id"].as_str().expect("message").contains("校验位"));
        let unknown =
            onetrip_domain::licence::LicenceId::new("116543010119671377001", "116543010119671377", "20269999999", 1)
                .expect("id")
                .to_string();
        let (status, body) = verification(&app, &unknown).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
        let page = app.get(&format!("/licences/verify?id={unknown}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.text().contains("查无此证"));

        // The register's data changed behind the seal.
        app.raw().execute(&format!("UPDATE licences SET holder_name = '别的公司' WHERE id = '{id}'")).await;
        let (status, body) = verification(&app, &id).await;
        assert_eq!((status, body["outcome"].as_str()), (StatusCode::OK, Some("tampered")), "{}", app.backend);
        assert!(body["message"].as_str().expect("message").contains("证照数据与签章不符"));
        app.raw().execute(&format!("UPDATE licences SET holder_name = '{COMPANY_NAME}' WHERE id = '{id}'")).await;
        assert_eq!(verification(&app, &id).await.1["outcome"], "valid", "restored, it verifies again");

        // Re-sealed by someone else's key: the seal holds, but the key is not the centre's.
        let (other, _) = onetrip_app::licences::seal::Sm2Seal::generate();
        let mut forged = stored.licence.clone();
        forged.holder_name = "别的公司".to_string();
        forged.seal_key = onetrip_app::licences::seal::Seal::public_key(&other);
        let signature =
            onetrip_app::licences::seal::Seal::sign(&other, &onetrip_domain::licence::seal_payload(&forged));
        app.raw()
            .execute(&format!(
                "UPDATE licences SET holder_name = '别的公司', seal_key = '{}', signature = '{signature}' WHERE id = '{id}'",
                forged.seal_key
            ))
            .await;
        let (_, body) = verification(&app, &id).await;
        assert_eq!(body["outcome"], "tampered");
        assert!(body["message"].as_str().expect("message").contains("签章所用的密钥不是本中心的"));
        app.finish().await;
    }
}

#[tokio::test]
async fn the_holder_sees_and_downloads_the_licence_and_nobody_else_does() {
    for app in TestApp::all().await {
        let market = app.add_staff("market", vec![Role::Reviewer], Some("scjgj")).await;
        let (holder, _) = app.sign_up_as("legal_person", COMPANY, COMPANY_NAME, "13912345670").await;
        let (_, id) = registered_company(&app, &market).await;
        let page = app.get_with_cookie("/portal/licences", &holder).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        assert!(page.text().contains(&format!("data-licence=\"{id}\"")));
        assert!(page.text().contains("营业执照"));
        let download = app.get_with_cookie(&format!("/portal/licences/document?id={id}"), &holder).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.headers["content-type"], "application/pdf");
        assert!(download.body.starts_with(b"%PDF-1.7"));

        let (someone, _) = app.sign_up("110105198001010016", "王五", "13912345671").await;
        let mine = app.get_with_cookie("/portal/licences", &someone).await;
        assert!(mine.text().contains("您还没有电子证照"));
        let theirs = app.get_with_cookie(&format!("/portal/licences/document?id={id}"), &someone).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "someone else's licence is not found");
        let anonymous = app.get(&format!("/portal/licences/document?id={id}")).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "the portal asks to log in");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_issuing_department_suspends_reinstates_and_revokes_with_reasons() {
    for app in TestApp::all().await {
        let market = app.add_staff("market", vec![Role::Reviewer], Some("scjgj")).await;
        let (_, id) = registered_company(&app, &market).await;
        let land = app.token(LAND).await;
        let (status, body) = change(&app, &land, json!({ "id": id, "action": "suspend", "reason": "违法经营" })).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "another department");
        let (status, body) = change(&app, &market, json!({ "id": id, "action": "suspend", "reason": "  " })).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")));
        assert!(body["fields"]["reason"].is_string());
        let (status, body) = change(&app, &market, json!({ "id": id, "action": "destroy", "reason": "x" })).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")));
        assert!(body["fields"]["action"].is_string());
        let (status, body) =
            change(&app, &market, json!({ "id": id, "action": "reinstate", "reason": "未暂扣不能恢复" })).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("licence_not_in_state")));

        let (status, body) =
            change(&app, &market, json!({ "id": id, "action": "suspend", "reason": "经营场所被查封，依法暂扣" })).await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("suspended")), "{body}");
        let (_, verified) = verification(&app, &id).await;
        assert_eq!(
            (verified["outcome"].as_str(), verified["licence"]["status"].as_str()),
            (Some("not_in_force"), Some("suspended"))
        );
        let stale = body["revision"].as_i64().expect("revision") - 1;
        let (status, body) =
            change(&app, &market, json!({ "id": id, "action": "reinstate", "reason": "整改完毕", "revision": stale }))
                .await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("revision_changed")));
        let (status, _) = change(&app, &market, json!({ "id": id, "action": "reinstate", "reason": "整改完毕" })).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(verification(&app, &id).await.1["outcome"], "valid");
        let (status, body) =
            change(&app, &market, json!({ "id": id, "action": "revoke", "reason": "以欺骗手段取得登记" })).await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("revoked")));
        let (status, body) = change(&app, &market, json!({ "id": id, "action": "revoke", "reason": "再次撤销" })).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("licence_not_in_state")));

        let events = app.store().licence_events(&id).await.expect("events");
        let actions: Vec<&str> = events.iter().map(|event| event.action.as_str()).collect();
        assert_eq!(actions, ["issue", "suspend", "reinstate", "revoke"]);
        assert_eq!(events[3].reason, "以欺骗手段取得登记");
        assert_eq!(events[3].actor, "market 测试");
        let audit = app.store().audit_events(20).await.expect("audit");
        assert!(audit.iter().any(|event| event.action == "licence.revoke" && event.subject == id));
        // The staff page shows the history, and no change is offered for a revoked licence.
        let session = app.login_page(("market", "market-password-2026")).await;
        let page = app.get_with_cookie(&format!("/staff/licences/view?id={id}"), &session.0).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        assert!(page.text().contains("以欺骗手段取得登记"));
        assert!(page.text().contains("data-status=\"revoked\""));
        assert!(!page.text().contains("licence-status-form"));
        app.finish().await;
    }
}

#[tokio::test]
async fn a_licence_past_its_validity_no_longer_verifies_as_in_force() {
    for app in TestApp::all().await {
        let market = app.add_staff("market", vec![Role::Reviewer], Some("scjgj")).await;
        let window = app.token(WINDOW).await;
        let number = register(&app, &window, FOOD_LICENCE, COMPANY).await;
        app.conclude_case(&number, &window, |_| market.clone()).await;
        let licences =
            app.store().licences_of_case(&CaseNumber::parse(&number).expect("number")).await.expect("licences");
        assert_eq!(licences.len(), 1);
        let licence = &licences[0].licence;
        assert_eq!(licence.name, "食品经营许可证");
        let last = licence.valid_until.expect("five years");
        assert_eq!(last, licence.issued_on.with_year_offset(5).pred_opt().unwrap());
        let id = licence.id.to_string();
        assert_eq!(verification(&app, &id).await.1["outcome"], "valid");
        let days = (last - app.state.today()).num_days() + 1;
        app.advance_clock(chrono::Duration::days(days));
        let (_, body) = verification(&app, &id).await;
        assert_eq!(
            (body["outcome"].as_str(), body["licence"]["status"].as_str()),
            (Some("not_in_force"), Some("expired"))
        );
        app.finish().await;
    }
}

trait YearOffset {
    fn with_year_offset(self, years: i32) -> Self;
}

impl YearOffset for chrono::NaiveDate {
    fn with_year_offset(self, years: i32) -> Self {
        use chrono::Datelike;
        self.with_year(self.year() + years).expect("date")
    }
}

#[tokio::test]
async fn a_change_of_registration_issues_the_next_version_and_supersedes_the_one_in_force() {
    for app in TestApp::all().await {
        let market = app.add_staff("market", vec![Role::Reviewer], Some("scjgj")).await;
        let (_, first) = registered_company(&app, &market).await;
        let window = app.token(WINDOW).await;
        let change_case = register(&app, &window, "00013112700402", COMPANY).await;
        app.conclude_case(&change_case, &window, |_| market.clone()).await;
        let issued = app.store().licences_of_case(&CaseNumber::parse(&change_case).unwrap()).await.unwrap();
        assert_eq!(issued.len(), 1, "{}", app.backend);
        let second = &issued[0].licence;
        let old = app.store().licence(&first).await.unwrap().expect("the first version").licence;
        // The same licence, next version: serial kept, version 2, linked to the one it replaces.
        assert_eq!((second.id.serial(), second.id.version()), (old.id.serial(), 2), "{}: {}", app.backend, second.id);
        assert_eq!(second.replaces.as_deref(), Some(first.as_str()));
        assert_eq!(old.status, onetrip_domain::licence::LicenceStatus::Superseded);
        let (status, body) = verification(&app, &first).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (body["outcome"].as_str(), body["licence"]["status"].as_str()),
            (Some("not_in_force"), Some("superseded"))
        );
        let (_, body) = verification(&app, &second.id.to_string()).await;
        assert_eq!(body["outcome"], "valid", "{}: {body}", app.backend);
        // The history of the first says why, and the register supplies only the new version.
        let events = app.store().licence_events(&first).await.unwrap();
        let last = events.last().expect("events");
        assert_eq!((last.action.as_str(), last.reason.clone()), ("supersede", format!("换发为 {}", second.id)));
        let source = onetrip_app::sharing::LicenceSource::new(&app.state.app, "116543010119671377001");
        let request = onetrip_app::sharing::SourceRequest {
            holder: onetrip_domain::applicant::ApplicantIdentity::parse("legal_person", COMPANY).unwrap(),
            material: "营业执照".to_string(),
            purpose: FOOD_LICENCE.to_string(),
        };
        let found =
            onetrip_app::sharing::fetch(&app.state.app, &source, &request).await.unwrap().unwrap().expect("found");
        assert!(found.fields.contains(&("证照标识".to_string(), second.id.to_string())), "{:?}", found.fields);
        app.finish().await;
    }
}
