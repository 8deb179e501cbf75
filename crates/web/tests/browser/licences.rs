//! 电子证照 in the browser, on a phone: a company whose registration was granted logs in, finds its
//! 营业执照 under 我的证照, and follows its verification link, as a QR code would; its next application takes
//! the licence from the register with its consent instead of an upload, and the consent is on 我的授权; the
//! verification link reports a record changed behind the seal.

use super::*;
use axum::http::Method;
use onetrip_domain::access::Role;
use support::{TAX, WINDOW};

const COMPANY: &str = "91654301MA771KGM8T";
const COMPANY_NAME: &str = "阿勒泰市雪都餐饮有限公司";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_finds_its_business_licence_and_verifies_it() {
    let Some(path) = chromedriver_path() else { return };
    let driver = start_driver(&path);
    for app in TestApp::all().await {
        let backend = app.backend;
        app.sign_up_as("legal_person", COMPANY, COMPANY_NAME, "13912345670").await;
        let window = app.token(WINDOW).await;
        let tax = app.token(TAX).await;
        let market = app.add_staff("market", vec![Role::Reviewer], Some("scjgj")).await;
        let police = app.add_staff("police", vec![Role::Reviewer], Some("gaj")).await;
        let guide = app.json(Method::GET, "/api/v1/matters/00013112700401", None, None).await.json();
        let materials = guide["matter"]["materials"].as_array().expect("materials").len();
        let application = serde_json::json!({
            "matter_code": "00013112700401",
            "applicant": { "kind": "legal_person", "id_number": COMPANY, "name": COMPANY_NAME, "phone": "13912345670" },
            "supplied": vec!["provided"; materials],
        });
        let reply = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await;
        let number = reply.json()["number"].as_str().expect("number").to_string();
        app.conclude_case(&number, &window, |department| match department {
            "gaj" => police.clone(),
            "swj" => tax.clone(),
            _ => market.clone(),
        })
        .await;

        let base = serve(&app).await;
        let client = browser(&driver, 390, 844).await;
        client.goto(&format!("{base}/portal/login")).await.expect("log-in page");
        fill(&client, "#id_number", COMPANY).await;
        fill(&client, "#password", "applicant-password-1").await;
        click(&client, "main form button[type=submit]").await;
        wait_for_path(&client, "/portal").await;
        client.find(Locator::LinkText("我的证照")).await.expect("link").click().await.expect("click");
        wait_for_path(&client, "/portal/licences").await;
        check_accessible(&client, "my licences").await;
        let card = text_of(&client, "#licences").await;
        assert!(card.contains("营业执照") && card.contains(COMPANY_NAME), "{backend}: {card}");
        client.find(Locator::LinkText("核验这份证照")).await.expect("link").click().await.expect("click");
        wait_for_path(&client, "/licences/verify").await;
        check_accessible(&client, "verification").await;
        assert!(text_of(&client, "#verification").await.contains("核验通过"), "{backend}");
        assert!(text_of(&client, "#licence-facts").await.contains("有效"), "{backend}");
        let id = client
            .current_url()
            .await
            .expect("url")
            .query_pairs()
            .find(|(key, _)| key == "id")
            .expect("id")
            .1
            .to_string();

        // Its next application, 食品经营许可, takes the business licence from the register with consent.
        let folder = tempfile::tempdir().expect("folder");
        let pdf = folder.path().join("申请书.pdf");
        std::fs::write(&pdf, onetrip_domain::upload::samples::PDF).expect("sample");
        client.goto(&format!("{base}/portal/apply/65430010040001")).await.expect("apply");
        click(&client, "main form button[type=submit]").await;
        wait_for_url(&client, "/contact").await;
        click(&client, "main form button[type=submit]").await;
        wait_for_url(&client, "/materials/0").await;
        let input = client.find(Locator::Css("#file")).await.expect("file input");
        input.send_keys(&pdf.display().to_string()).await.expect("choose file");
        click(&client, "main form.stack button[type=submit]").await;
        wait_for_url(&client, "/materials/1").await;
        check_accessible(&client, "a material offered through sharing").await;
        assert!(text_of(&client, "#share-offer").await.contains("营业执照"), "{backend}");
        click(&client, "#share-consent").await;
        wait_for_url(&client, "/materials/2").await;
        client.goto(&format!("{base}/portal/consents")).await.expect("consents");
        check_accessible(&client, "my consents").await;
        assert!(text_of(&client, "#consents").await.contains("电子证照：营业执照"), "{backend}");

        // The record changed behind the seal: the same link says so.
        app.raw().execute(&format!("UPDATE licences SET holder_name = '别的公司' WHERE id = '{id}'")).await;
        client.goto(&format!("{base}/licences/verify?id={id}")).await.expect("the QR code's page again");
        wait_for_text(&client, "#verification h2", "核验不通过").await;
        assert!(text_of(&client, "#verification").await.contains("证照数据与签章不符"), "{backend}");
        client.close().await.expect("close");
        app.finish().await;
    }
}
