//! 统一身份认证 in the browser, on a phone: a person a window registered presses the unified log-in button,
//! logs in on the provider's own page (a real OpenID provider the test starts), and comes back to the
//! portal, in their account with the case from the window.

use super::*;
use axum::http::Method;
use support::identity::Provider;
use support::WINDOW;

const PERSON: &str = "654301198001011232";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_logs_in_through_the_unified_identity_provider() {
    let Some(path) = chromedriver_path() else { return };
    let driver = start_driver(&path);
    for app in TestApp::all().await {
        let backend = app.backend;
        let window = app.token(WINDOW).await;
        let guide = app.json(Method::GET, "/api/v1/matters/00013112700401", None, None).await.json();
        let materials = guide["matter"]["materials"].as_array().expect("materials").len();
        let application = json!({
            "matter_code": "00013112700401",
            "applicant": { "kind": "natural_person", "id_number": PERSON, "name": "张建国", "phone": "13900000001" },
            "supplied": vec!["provided"; materials],
        });
        let reply = app.json(Method::POST, "/api/v1/cases", Some(&window), Some(application)).await;
        let number = reply.json()["number"].as_str().expect("number").to_string();

        let base = serve(&app).await;
        let callback = format!("{base}/portal/login/oidc/callback");
        let accounts = json!([{ "login": "zhang", "password": "pw-zhang", "sub": "xj-0001", "name": "张建国",
            "phone_number": "13900000001", "id_number": PERSON, "id_number_verified": true }]);
        let provider = Provider::start(&callback, accounts);
        app.state.app.set_identity_provider(provider.client(&callback));

        let client = browser(&driver, 390, 844).await;
        client.goto(&format!("{base}/portal/login")).await.expect("log-in page");
        check_accessible(&client, "log-in with unified identity").await;
        click(&client, "#unified-login").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !client.current_url().await.expect("url").as_str().starts_with(&provider.issuer) {
            assert!(Instant::now() < deadline, "{backend}: not sent to the provider");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        fill(&client, "#login", "zhang").await;
        fill(&client, "#password", "pw-zhang").await;
        click(&client, "#sign-in").await;
        wait_for_path(&client, "/portal").await;
        let main = text_of(&client, "main").await;
        assert!(main.contains(&number), "{backend}: the case from the window is in the account: {main}");
        client.close().await.expect("close");
        app.finish().await;
    }
}
