//! Debian's Chromium through ChromeDriver (WebDriver, from `fantoccini`), for the tests that use
//! pages as people do: the worker's desk and the administrators' console.
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long a page may take to show what the desk was told.
pub const PATIENCE: Duration = Duration::from_secs(40);

pub fn artefacts() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/browser-artefacts"
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// ChromeDriver on a free port, stopped when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts ChromeDriver, or says why not: without it (outside CI) the test has nothing to drive.
pub fn driver() -> Option<Driver> {
    let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    if !std::path::Path::new(&binary).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs chromium-driver; {binary} is missing"
        );
        eprintln!("skipped: {binary} is not installed (apt-get install chromium chromium-driver)");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Some(Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

/// A headless Chromium with its own empty profile, reaching nothing but localhost,
/// asking for pages in `language`.
pub async fn browser_in(driver: &Driver, profile: &std::path::Path, language: &str) -> Browser {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "prefs": {"intl.accept_languages": language},
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", format!("--lang={language}"),
                "--window-size=1280,1000", format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    // ChromeDriver may still be starting: a client would try again.
    let mut attempt = 0;
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await
        {
            Ok(browser) => return browser,
            Err(error) if attempt < 50 => {
                attempt += 1;
                let _ = error;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => panic!("ChromeDriver did not start a browser: {error}"),
        }
    }
}

/// axe-core, as `tests/browser` installs it (`npm ci` there; `.ci/run` does it first).
pub fn axe_source() -> Option<String> {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/browser/node_modules/axe-core/axe.min.js"
    ))
    .ok()
}

/// Runs axe-core's WCAG 2.1 AA rules on the page; fails with every violation found.
pub async fn accessible(browser: &Browser, what: &str) {
    let Some(axe) = axe_source() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs axe-core (npm ci in tests/browser)"
        );
        eprintln!(
            "{what}: accessibility not checked, axe-core is not installed (npm ci in tests/browser)"
        );
        return;
    };
    browser.execute(&axe, vec![]).await.unwrap();
    let violations = browser.execute_async(r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } })
            .then((result) => done(result.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "))))
            .catch((error) => done(["axe failed: " + error]));
    "#, vec![]).await.unwrap();
    assert_eq!(violations, json!([]), "{what}: accessibility");
}

pub async fn screenshot(browser: &Browser, name: &str) {
    let png = browser.screenshot().await.unwrap();
    std::fs::write(artefacts().join(format!("{name}.png")), png).unwrap();
}

pub async fn type_into(browser: &Browser, css: &str, text: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

pub async fn click(browser: &Browser, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until the page (updated by the desk's live events) shows an element.
pub async fn shows(browser: &Browser, xpath: &str) -> fantoccini::elements::Element {
    match browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::XPath(xpath))
        .await
    {
        Ok(element) => element,
        Err(error) => {
            let source = browser.source().await.unwrap_or_default();
            panic!("the page never showed {xpath}: {error}\n{source}");
        }
    }
}

/// A directory for a browser's profile (and whatever a test keeps beside it), removed when
/// dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!("quietline-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).unwrap();
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
