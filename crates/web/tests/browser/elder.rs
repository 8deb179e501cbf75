//! 长辈版 in Chromium on a phone: switched on from the header by keyboard, remembered from page to page,
//! with large type, line and paragraph spacing as 工信部's rules ask, text in three steps, the guide read
//! aloud, and the online application usable in it.

use super::*;
use fantoccini::key::Key;

const TRANSFER: &str = "65430030010102";

/// Body font size, line height and a paragraph's bottom margin, in pixels, and the `<html>` classes.
async fn type_measures(client: &Client) -> (f64, f64, f64, String) {
    let value: Value = client
        .execute(
            r#"
            const body = getComputedStyle(document.body);
            const paragraph = document.querySelector('main p');
            return [parseFloat(body.fontSize), parseFloat(body.lineHeight),
                    paragraph ? parseFloat(getComputedStyle(paragraph).marginBottom) : 0,
                    document.documentElement.className];
            "#,
            vec![],
        )
        .await
        .expect("script");
    let number = |index: usize| value[index].as_f64().expect("a number");
    (number(0), number(1), number(2), value[3].as_str().unwrap_or_default().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_elderly_mode_is_switched_on_by_keyboard_remembered_and_carries_the_guide_and_the_application() {
    let Some(path) = chromedriver_path() else { return };
    let driver = start_driver(&path);
    for app in TestApp::all().await {
        let backend = app.backend;
        let base = serve(&app).await;
        let client = browser(&driver, 390, 844).await;
        client.goto(&format!("{base}/")).await.expect("home");
        let (plain_size, _, _, classes) = type_measures(&client).await;
        assert!(!classes.contains("elder"), "{backend}: the plain view first");

        // The switch, reached and pressed with the keyboard alone.
        let switch = client.find(Locator::Id("elder-switch")).await.expect("the switch is on every page");
        assert_eq!(switch.text().await.expect("text"), "长辈版");
        client.execute("document.getElementById('elder-switch').focus();", vec![]).await.expect("focus");
        client.active_element().await.expect("focused").send_keys(&Key::Enter.to_string()).await.expect("enter");
        wait_for_text(&client, "#elder-switch", "退出长辈版").await;
        let (size, line, paragraph, classes) = type_measures(&client).await;
        assert!(classes.contains("elder"), "{backend}: {classes}");
        assert!(size >= 18.0 && size > plain_size, "body text at least 18 px: {size}");
        assert!(line / size >= 1.3, "line spacing at least 1.3: {}", line / size);
        assert!(paragraph >= 1.3 * line, "paragraph spacing {paragraph} px ≥ 1.3 × line spacing {line} px");
        check_accessible(&client, "home, 长辈版").await;

        // Remembered on the next page; the guide is read aloud on request.
        client.goto(&format!("{base}/matters/{TRANSFER}")).await.expect("guide");
        assert!(type_measures(&client).await.3.contains("elder"), "{backend}: the choice is remembered");
        check_accessible(&client, "guide, 长辈版").await;
        let read = client.find(Locator::Id("read-aloud")).await.expect("read-aloud button");
        assert!(read.is_displayed().await.expect("displayed"), "{backend}: the browser can speak, so the button shows");
        read.click().await.expect("read");
        assert_eq!(read.attr("aria-pressed").await.expect("attr").as_deref(), Some("true"));
        read.click().await.expect("stop");
        assert_eq!(read.attr("aria-pressed").await.expect("attr").as_deref(), Some("false"));

        // Text in steps: two steps larger, and no further.
        for _ in 0..3 {
            click(&client, "#text-larger").await;
            wait_for_path(&client, &format!("/matters/{TRANSFER}")).await;
        }
        let (largest, _, _, classes) = type_measures(&client).await;
        assert!(classes.contains("text-3") && largest > size, "{backend}: {classes} {largest}");
        check_accessible(&client, "guide, largest text").await;

        // The online application in the elderly mode.
        let (cookie, _) = app.sign_up("654301198001011232", "李四", "13912345678").await;
        // The session the sign-up made, handed to the browser (chromedriver sets no cookie for an IP host).
        client.execute("document.cookie = arguments[0] + '; path=/';", vec![json!(cookie)]).await.expect("log in");
        client.goto(&format!("{base}/portal/apply/{TRANSFER}")).await.expect("apply");
        check_accessible(&client, "start, 长辈版").await;
        click(&client, "main form button[type=submit]").await;
        wait_for_url(&client, "/contact").await;
        check_accessible(&client, "contact, 长辈版").await;
        click(&client, "main form button[type=submit]").await;
        wait_for_url(&client, "/materials/0").await;
        check_accessible(&client, "material, 长辈版").await;
        assert!(type_measures(&client).await.3.contains("elder"));

        // And off again, by the same switch.
        click(&client, "#elder-switch").await;
        wait_for_text(&client, "#elder-switch", "长辈版").await;
        assert!(!type_measures(&client).await.3.contains("elder"), "{backend}: switched off");
        client.close().await.expect("close");
        app.finish().await;
    }
}
