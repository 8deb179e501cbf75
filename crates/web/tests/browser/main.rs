//! Journeys in a real browser: Debian's Chromium driven through chromedriver (WebDriver), against the real
//! server listening on a random port, on each backend.
//!
//! The suite runs when chromedriver is found (`ONETRIP_CHROMEDRIVER`, or `/usr/bin/chromedriver`). With
//! `ONETRIP_REQUIRE_BROWSER=1`, as CI sets it, a missing browser fails the suite instead of leaving it out.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod elder;
mod identity;
mod journeys;
mod layout;
mod licences;
mod public_pages;
mod ratings;
mod sharing;
#[path = "../support/mod.rs"]
mod support;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{TestApp, ADMIN};

const COMPANY: &str = "00013112700401";

struct Driver {
    process: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("free port")
}

fn chromedriver_path() -> Option<String> {
    let path = std::env::var("ONETRIP_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_string());
    if std::path::Path::new(&path).exists() {
        Some(path)
    } else if std::env::var("ONETRIP_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("ONETRIP_REQUIRE_BROWSER=1 but chromedriver is not at {path}: install chromium and chromium-driver");
    } else {
        eprintln!(
            "browser suite left out: no chromedriver at {path} (set ONETRIP_REQUIRE_BROWSER=1 to make this an error)"
        );
        None
    }
}

/// Starts chromedriver and waits until it accepts connections.
fn start_driver(path: &str) -> Driver {
    let port = free_port();
    let process = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { process, port, _profile: tempfile::tempdir().expect("profile directory") }
}

async fn browser(driver: &Driver, width: u32, height: u32) -> Client {
    let binary = std::env::var("ONETRIP_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_string(),
        json!({
            "binary": binary,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", driver._profile.path().join(format!("{width}")).display()),
            ]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("connect to chromedriver")
}

/// Serves the application on a random port; the server ends with the test's runtime.
async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let router = onetrip_web::router(app.state.clone());
    tokio::spawn(async move {
        // As the binary serves: the peer's address reaches the throttles.
        let _ = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
    });
    format!("http://{address}")
}

async fn text_of(client: &Client, css: &str) -> String {
    // Waits for the element: after a click the browser may still be loading the next page, and an element
    // found on the old page goes stale when the new one arrives; then it is looked up again.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                return text;
            }
        }
        if Instant::now() >= deadline {
            let url = client.current_url().await.map(|url| url.to_string()).unwrap_or_default();
            let main = match client.find(Locator::Css("main")).await {
                Ok(main) => main.text().await.unwrap_or_default(),
                Err(_) => client.source().await.unwrap_or_default(),
            };
            panic!("no {css} on {url}:\n{main}")
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the element's text is `expected` (a form posted to the page it was on comes back to the same
/// address, so the address alone does not say the new page has arrived).
async fn wait_for_text(client: &Client, css: &str, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = text_of(client, css).await;
        if text == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{css} says {text:?}, expected {expected:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the element's text holds `part` (the answer to a form posted to the same address), and
/// returns the text.
async fn wait_for_text_containing(client: &Client, css: &str, part: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = text_of(client, css).await;
        if text.contains(part) {
            return text;
        }
        assert!(Instant::now() < deadline, "{css} says {text:?}, expected it to hold {part:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the browser has arrived at a page whose address ends with `suffix`.
async fn wait_for_url(client: &Client, suffix: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = client.current_url().await.expect("url").to_string();
        if url.ends_with(suffix) {
            return;
        }
        assert!(Instant::now() < deadline, "expected to arrive at …{suffix}, still at {url}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn fill(client: &Client, css: &str, value: &str) {
    let element = client.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("no {css}"));
    element.clear().await.expect("clear");
    element.send_keys(value).await.expect("type");
}

/// Checks a page for things a screen reader and a phone need: a main landmark, a language, one h1,
/// a label for every visible control, and no sideways scrolling.
async fn check_accessible(client: &Client, page: &str) {
    let report: Value = client
        .execute(
            r#"
            const controls = [...document.querySelectorAll('input, select, textarea')]
                .filter(e => e.type !== 'hidden' && e.type !== 'submit');
            const unlabelled = controls.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name || e.id);
            // A radio button or check box stays its own size, beside the words of its label.
            const loose = [...document.querySelectorAll('input[type=radio], input[type=checkbox]')].filter(e => {
                const box = e.getBoundingClientRect();
                if (box.width === 0) { return false; }
                const label = e.closest('label');
                let gap = 0;
                if (label) {
                    const range = document.createRange();
                    range.selectNodeContents(label);
                    const words = [...range.getClientRects()].filter(r => r.left >= box.right - 1);
                    gap = words.length ? Math.min(...words.map(r => r.left)) - box.right : 0;
                }
                return box.width > 40 || gap > 24;
            }).map(e => e.name + '=' + e.value);
            return {
                loose: loose,
                lang: document.documentElement.lang,
                main: document.querySelectorAll('main').length,
                h1: document.querySelectorAll('h1').length,
                unlabelled: unlabelled,
                overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
            };
            "#,
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(report["lang"], "zh-CN", "{page}");
    assert_eq!(report["main"], 1, "{page}: one main landmark");
    assert_eq!(report["h1"], 1, "{page}: one h1");
    assert_eq!(report["unlabelled"], json!([]), "{page}: every control has a label");
    assert_eq!(report["loose"], json!([]), "{page}: radio buttons and check boxes sit beside their labels");
    // axe-core on the page as it is now, against WCAG 2.1 A and AA: no serious or critical violation.
    let script = format!(
        "{}\n;const done = arguments[arguments.length - 1];\
         axe.run(document, {{ runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }}, resultTypes: ['violations'] }})\
         .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\
         .map(v => ({{ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }}))))\
         .catch(e => done([{{ id: 'axe-failed', help: String(e) }}]));",
        axe_source()
    );
    let violations = client.execute_async(&script, vec![]).await.expect("axe-core runs");
    assert_eq!(violations, json!([]), "{page}: axe-core finds serious or critical violations: {violations}");
    assert!(report["overflow"].as_i64().unwrap_or(1) <= 0, "{page}: no sideways scrolling: {report}");
}

/// axe-core's source (`scripts/test-servers/axe`), injected into a page before it is checked.
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let folder = support::npm::ensure_installed("axe", "axe-core/axe.min.js");
        std::fs::read_to_string(folder.join("node_modules/axe-core/axe.min.js")).expect("axe-core is installed")
    })
}

/// The contrast ratio (WCAG 2) of an element's text against the first opaque background behind it.
async fn contrast_of(client: &Client, css: &str) -> f64 {
    let ratio: Value = client
        .execute(
            r#"
            const parse = text => (text.match(/[\d.]+/g) || []).map(Number);
            const luminance = ([r, g, b]) => {
                const channel = value => { const c = value / 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
                return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
            };
            const element = document.querySelector(arguments[0]);
            const color = parse(getComputedStyle(element).color);
            let behind = element, background = [255, 255, 255];
            while (behind) {
                const value = parse(getComputedStyle(behind).backgroundColor);
                if (value.length === 3 || (value.length === 4 && value[3] > 0.5)) { background = value.slice(0, 3); break; }
                behind = behind.parentElement;
            }
            const [a, b] = [luminance(color), luminance(background)].sort((x, y) => y - x);
            return (a + 0.05) / (b + 0.05);
            "#,
            vec![json!(css)],
        )
        .await
        .expect("script");
    ratio.as_f64().expect("a ratio")
}

async fn click(client: &Client, css: &str) {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .click()
        .await
        .unwrap_or_else(|_| panic!("cannot click {css}"));
}

async fn choose(client: &Client, css: &str, value: &str) {
    let select = client.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("no {css}"));
    select.select_by_value(value).await.unwrap_or_else(|_| panic!("no option {value} in {css}"));
}

/// Logs a staff member in through the log-in page, starting from `path`.
async fn staff_login(client: &Client, base: &str, path: &str, (username, password): (&str, &str)) {
    client.delete_all_cookies().await.expect("forget earlier sessions");
    client.goto(&format!("{base}{path}")).await.expect("page");
    fill(client, "#username", username).await;
    fill(client, "#password", password).await;
    click(client, "main form button[type=submit]").await;
    wait_for_path(client, path).await;
}

/// On the page that asks for the code sent to `phone`: reads the code as the SMS gateway would send it and
/// enters it.
async fn enter_code(client: &Client, app: &TestApp, phone: &str) {
    // The page is the answer to the sign-up form's post: it has the form's address, and asks for the code.
    wait_for_text(client, "h1", "输入短信验证码").await;
    assert!(text_of(client, "main").await.contains("验证码已发送到"), "the page says where the code went");
    let code = app.code_sent_to(phone).await;
    fill(client, "#code", &code).await;
    click(client, "main form button[type=submit]").await;
}

/// Waits until the browser is at exactly `path`. (A log-in page's own address ends with `?next=PATH`, so
/// waiting for an address that merely ends with the path would return too early.)
async fn wait_for_path(client: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = client.current_url().await.expect("url");
        if url.path() == path {
            return;
        }
        assert!(Instant::now() < deadline, "expected to arrive at {path}, still at {url}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
