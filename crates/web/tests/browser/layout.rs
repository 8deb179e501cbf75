//! How pages lay out Chinese text, at a desktop's width and on a phone: no column of a table is squeezed
//! to one character a line, a wide table becomes one block per row on a phone, and the guide's summary
//! says what a matter costs.

use super::*;

const TRANSFER: &str = "65430030010102";

/// The narrowest cell of a table, in characters of its own font.
async fn narrowest_cell(client: &Client, table: &str) -> f64 {
    let value: Value = client
        .execute(
            r#"
            const cells = [...document.querySelectorAll(arguments[0] + ' th, ' + arguments[0] + ' td')];
            return Math.min(...cells.map(c => c.getBoundingClientRect().width / parseFloat(getComputedStyle(c).fontSize)));
            "#,
            vec![json!(table)],
        )
        .await
        .expect("script");
    value.as_f64().expect("a width")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_keep_chinese_words_whole_on_a_desktop_and_stack_on_a_phone() {
    let Some(path) = chromedriver_path() else { return };
    let driver = start_driver(&path);
    for app in TestApp::all().await {
        let backend = app.backend;
        let base = serve(&app).await;
        let fee = app.state.catalog().version(TRANSFER).expect("matter").matter.fees[0].standard.clone();

        let desktop = browser(&driver, 1280, 900).await;
        desktop.goto(&format!("{base}/matters/{TRANSFER}")).await.expect("guide");
        let narrowest = narrowest_cell(&desktop, "#fee-table").await;
        assert!(narrowest >= 3.0, "{backend}: a fee table column is {narrowest:.1} characters wide");
        let facts = text_of(&desktop, ".facts").await;
        assert!(facts.contains(&fee), "{backend}: the summary gives the amount, not 收费 / 收费: {facts}");
        desktop.close().await.expect("close");

        let phone = browser(&driver, 390, 844).await;
        phone.goto(&format!("{base}/matters/{TRANSFER}")).await.expect("guide");
        check_accessible(&phone, "guide with fees").await;
        let shown: Value = phone
            .execute("return getComputedStyle(document.querySelector('#fee-table td')).display;", vec![])
            .await
            .expect("script");
        assert_eq!(shown, json!("grid"), "{backend}: on a phone each fee is a block, each cell under its name");
        phone.goto(&format!("{base}/portal/signup")).await.expect("sign-up");
        check_accessible(&phone, "sign-up radios").await;
        phone.close().await.expect("close");
        app.finish().await;
    }
}

/// Prints a page to PDF with Chromium itself, as 打印 would, and reads its words back with where they
/// are: (page, left edge in points, text).
async fn printed_words(url: String) -> Vec<(usize, f64, String)> {
    tokio::task::spawn_blocking(move || {
        let folder = tempfile::tempdir().expect("folder");
        let pdf = folder.path().join("printed.pdf");
        let binary = std::env::var("ONETRIP_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
        let status = Command::new(binary)
            .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
            .arg("--no-pdf-header-footer")
            .arg(format!("--user-data-dir={}", folder.path().join("profile").display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(&url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("chromium prints");
        assert!(status.success() && pdf.exists(), "chromium printed {url}");
        let output =
            Command::new("pdftotext").arg("-bbox").arg(&pdf).arg("-").output().expect("pdftotext (poppler-utils)");
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        let mut words = Vec::new();
        let mut page = 0;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("<page ") {
                page += 1;
            } else if let Some(rest) = line.strip_prefix("<word xMin=\"") {
                let x: f64 = rest.split('"').next().and_then(|value| value.parse().ok()).expect("xMin");
                let word = rest.split('>').nth(1).and_then(|tail| tail.split("</word").next()).unwrap_or_default();
                words.push((page, x, word.to_string()));
            }
        }
        words
    })
    .await
    .expect("printing")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_time_notice_prints_with_margins_and_keeps_its_signature_with_the_facts() {
    let Some(_) = chromedriver_path() else { return };
    // Printing does not depend on the database: on the first backend only, each finished properly.
    for (position, app) in TestApp::all().await.into_iter().enumerate() {
        if position > 0 {
            app.finish().await;
            continue;
        }
        print_notices(&app).await;
        app.finish().await;
    }
}

async fn print_notices(app: &TestApp) {
    let base = serve(app).await;
    for code in [COMPANY, TRANSFER, "65430150030001"] {
        let words = printed_words(format!("{base}/matters/{code}/notice")).await;
        let page_of = |needle: &str| words.iter().find(|(_, _, word)| word.contains(needle)).map(|(page, _, _)| *page);
        let signature = page_of("签收").expect("the signature line is printed");
        assert_eq!(page_of("监督投诉"), Some(signature), "{code}: the signature line does not fall alone on a page");
        let left = words.iter().map(|(_, x, _)| *x).fold(f64::MAX, f64::min);
        assert!(left >= 40.0, "{code}: text keeps a margin from the paper's edge ({left:.0} pt)");
        assert!(!words.iter().any(|(_, _, word)| word.contains("返回办事指南")), "{code}: no screen controls on paper");
    }
    let notice = app.get(&format!("/matters/{TRANSFER}/notice")).await.text();
    assert!(notice.contains("不需纸质") && !notice.contains("<td>0</td>"), "an electronic material has no 份数 0");
}
