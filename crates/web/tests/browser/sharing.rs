//! 数据共享 in the browser, on a phone: a person applies for 不动产转移登记 online and the sale contract comes
//! from the housing system and the tax proof from the tax system (real servers the test starts) with
//! consent, instead of uploads; while the tax system is down the page says so and the draft waits, and
//! the check-your-answers page shows where each came from.

use super::*;
use onetrip_domain::case_number::CaseNumber;
use support::department::Department;

const TRANSFER: &str = "65430030010102";
const PERSON: &str = "11010519491231002X";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_property_transfer_takes_the_contract_and_the_tax_proof_from_the_departments() {
    let Some(path) = chromedriver_path() else { return };
    let driver = start_driver(&path);
    for app in TestApp::all().await {
        let backend = app.backend;
        let housing = Department::start("housing", "housing-shared-key");
        let taxes = Department::start("tax", "tax-shared-key");
        app.state.app.register_source("housing", std::sync::Arc::new(housing.source("housing", "housing-shared-key")));
        app.state.app.register_source("tax", std::sync::Arc::new(taxes.source("tax", "tax-shared-key")));
        app.sign_up(PERSON, "张三", "13912345672").await;
        let folder = tempfile::tempdir().expect("folder");
        let pdf = folder.path().join("扫描件.pdf");
        std::fs::write(&pdf, onetrip_domain::upload::samples::PDF).expect("sample");

        let base = serve(&app).await;
        let client = browser(&driver, 390, 844).await;
        client.goto(&format!("{base}/portal/login?next=/portal/apply/{TRANSFER}")).await.expect("log-in page");
        fill(&client, "#id_number", PERSON).await;
        fill(&client, "#password", "applicant-password-1").await;
        click(&client, "main form button[type=submit]").await;
        wait_for_url(&client, &format!("/portal/apply/{TRANSFER}")).await;
        click(&client, "main form button[type=submit]").await;
        wait_for_url(&client, "/contact").await;
        click(&client, "main form button[type=submit]").await;
        let upload = |index: usize| {
            let client = client.clone();
            let pdf = pdf.clone();
            async move {
                wait_for_url(&client, &format!("/materials/{index}")).await;
                let input = client.find(Locator::Css("#file")).await.expect("file input");
                input.send_keys(&pdf.display().to_string()).await.expect("choose file");
                click(&client, "main form.stack button[type=submit]").await;
            }
        };
        for index in 0..3 {
            upload(index).await;
        }
        wait_for_url(&client, "/materials/3").await;
        check_accessible(&client, "a material from a department's system").await;
        assert!(text_of(&client, "#share-offer").await.contains("部门业务系统（housing）"), "{backend}");
        click(&client, "#share-consent").await;
        wait_for_url(&client, "/materials/4").await;
        click(&client, "input[value=skip]").await;
        click(&client, "main form.stack button[type=submit]").await;
        wait_for_url(&client, "/materials/5").await;
        // The tax system is down: the page says so, and the upload is still there.
        taxes.set_mode("error");
        click(&client, "#share-consent").await;
        // The form posts to the page it is on: wait for the answer, not only the address.
        wait_for_text_containing(&client, "main", "数据来源暂时无法访问").await;
        assert!(client.find(Locator::Css("#file")).await.is_ok(), "{backend}: the upload is offered instead");
        // Up again: taken from it after all.
        taxes.set_mode("ok");
        click(&client, "#share-consent").await;
        wait_for_url(&client, "/check").await;
        check_accessible(&client, "check your answers with shared materials").await;
        let check = text_of(&client, "main").await;
        assert!(check.contains("存量房买卖合同（网签备案）"), "{backend}: {check}");
        click(&client, "main form button[type=submit]").await;
        wait_for_url(&client, "?submitted=1").await;
        let number = text_of(&client, "#case-number").await;
        let case = app.store().case(&CaseNumber::parse(&number).expect("number")).await.unwrap().expect("case");
        assert_eq!(
            support::shared_sources(&case),
            [None, None, None, Some("external:housing"), None, Some("external:tax")],
            "{backend}"
        );
        assert!(case.document.materials[3].files.is_empty() && case.document.materials[5].files.is_empty());
        client.close().await.expect("close");
        app.finish().await;
    }
}
