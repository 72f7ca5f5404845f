//! A real browser for the web app's tests: Debian's headless Chromium, driven over WebDriver by
//! chromedriver through fantoccini. A missing browser or driver fails the test, saying what to
//! install: these tests never skip.

use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::temp_dir::TempDir;

/// What Chromium needs here: headless, without the sandbox (containers), and without anything
/// that would reach the network on its own.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-first-run",
    // Driven over a pipe rather than a port, Chromium quits as soon as chromedriver is gone,
    // however it went: a test that fails drops the driver, which kills it.
    "--remote-debugging-pipe",
];
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long to wait for something to appear in the page.
const PATIENCE: Duration = Duration::from_secs(10);

/// A browser window, with its own driver and fresh profile.
pub struct Browser {
    pub client: Client,
    /// Killed when dropped, and Chromium with it (`--remote-debugging-pipe`).
    _driver: Child,
    /// Dropped after the driver.
    _profile: TempDir,
}

/// The form control labelled `label` (by `<label for>`).
pub fn labelled(label: &str) -> String {
    format!("//*[@id=//label[normalize-space()='{label}']/@for]")
}

/// A button whose text is `text`.
pub fn button(text: &str) -> String {
    format!("//button[normalize-space()='{text}']")
}

/// A link whose text is `text`.
pub fn link(text: &str) -> String {
    format!("//a[normalize-space()='{text}']")
}

/// How many times a chromedriver that exits before it listens is started again: on a busy
/// machine one sometimes does, and a browser test should not fail for it.
const CHROMEDRIVER_ATTEMPTS: usize = 3;

/// A running chromedriver, the port it listens on, and its output still to be read.
async fn start_chromedriver() -> (
    Child,
    String,
    tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
) {
    for attempt in 1..=CHROMEDRIVER_ATTEMPTS {
        let mut driver = Command::new("chromedriver")
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("chromedriver is required for the web app's tests (apt-get install -y chromium-driver): {error}")
            });
        let mut lines = BufReader::new(driver.stdout.take().expect("its stdout")).lines();
        let port = tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(line) = lines.next_line().await.expect("chromedriver's output") {
                if let Some(rest) = line.split("started successfully on port ").nth(1) {
                    return Some(rest.trim_end_matches('.').trim().to_owned());
                }
            }
            None
        })
        .await
        .expect("chromedriver starts within 20 s");
        match port {
            Some(port) => return (driver, port, lines),
            None => eprintln!("chromedriver exited before it started (attempt {attempt})"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("chromedriver exited before it started, {CHROMEDRIVER_ATTEMPTS} times");
}

impl Browser {
    /// Starts chromedriver and a browser window of 1280×900 (phone tests resize it).
    pub async fn start() -> Self {
        assert!(
            std::path::Path::new(CHROMIUM).exists(),
            "Chromium is required for the web app's tests: apt-get install -y chromium chromium-driver"
        );
        let (driver, port, mut lines) = start_chromedriver().await;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let profile = TempDir::new("chromium");
        let mut args: Vec<String> = CHROMIUM_FLAGS
            .iter()
            .map(|flag| (*flag).to_owned())
            .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push("--window-size=1280,900".to_owned());
        let capabilities: Capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        })
        .as_object()
        .expect("an object")
        .clone();
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session with Chromium");
        Self {
            client,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Starts a browser whose window is a phone's: 390x844.
    pub async fn start_phone() -> Self {
        let browser = Self::start().await;
        browser
            .client
            .set_window_size(390, 844)
            .await
            .expect("a phone-sized window");
        browser
    }

    /// Ends the session; the driver and the profile go with `self`.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|error| panic!("cannot open {url}: {error}"));
    }

    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("the current URL")
            .to_string()
    }

    /// Waits until the URL starts with `prefix`.
    pub async fn wait_for_url(&self, prefix: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let url = self.url().await;
            if url.starts_with(prefix) {
                return url;
            }
            assert!(
                Instant::now() < deadline,
                "still at {url}, expected {prefix}..."
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The element at `xpath`, waiting for it to appear.
    pub async fn find(&self, xpath: &str) -> Element {
        let found = self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(xpath))
            .await;
        match found {
            Ok(element) => element,
            Err(error) => panic!("no {xpath} at {} ({error})", self.url().await),
        }
    }

    /// Every element at `xpath`, without waiting.
    pub async fn find_all(&self, xpath: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::XPath(xpath))
            .await
            .expect("a search of the page")
    }

    /// Whether the page has an element at `xpath` now.
    pub async fn has(&self, xpath: &str) -> bool {
        !self.find_all(xpath).await.is_empty()
    }

    /// Clicks the element at `xpath`, finding it again if htmx replaced it meanwhile.
    pub async fn click(&self, xpath: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.find(xpath).await.click().await {
                Ok(()) => return,
                Err(error)
                    if error.to_string().contains("stale element") && Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("cannot click {xpath}: {error}"),
            }
        }
    }

    /// Replaces what the field labelled `label` holds with `text`, finding the field again if
    /// htmx replaced it meanwhile.
    pub async fn fill(&self, label: &str, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let field = self.find(&labelled(label)).await;
            let filled = match field.clear().await {
                Ok(()) => field.send_keys(text).await,
                Err(error) => Err(error),
            };
            match filled {
                Ok(()) => return,
                Err(error)
                    if error.to_string().contains("stale element") && Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("cannot fill {label:?}: {error}"),
            }
        }
    }

    /// Chooses the option of the select labelled `label` whose text starts with `text`.
    pub async fn choose(&self, label: &str, text: &str) {
        let option = format!(
            "{}/option[starts-with(normalize-space(), '{text}')]",
            labelled(label)
        );
        self.click(&option).await;
    }

    /// The visible text of the element at `xpath`.
    pub async fn text(&self, xpath: &str) -> String {
        self.find(xpath).await.text().await.expect("its text")
    }

    /// Waits until the page's `<h1>` reads `heading`.
    pub async fn wait_for_heading(&self, heading: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let found = self.find_all("//h1").await;
            if let Some(h1) = found.first()
                && h1.text().await.unwrap_or_default() == heading
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the heading never became {heading:?} at {}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's text contains `text`.
    pub async fn wait_for_text(&self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            // A navigation or a swap may replace the body between finding and reading it: that
            // reads as no text yet, and the next round finds the new one.
            let body = self.find("//body").await.text().await.unwrap_or_default();
            if body.contains(text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{text:?} never appeared at {}: {body}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `condition` (a JavaScript expression) is true in the page: a change may take
    /// a while to show (streams reconnect after a few seconds, and the machine may be busy).
    pub async fn wait_until(&self, condition: &str, what: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if self.run(&format!("return Boolean({condition});")).await == Value::Bool(true) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{what} never happened at {}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page listens to its live updates and has caught up (assets/live.js): a
    /// change made before then would not be told, and an element found before then may be
    /// swapped.
    pub async fn wait_until_live(&self) {
        self.wait_until(
            "document.documentElement.dataset.live === 'open'",
            "the live updates opening",
        )
        .await;
    }

    /// Runs `script` in the page (its `return` is the result).
    pub async fn run(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|error| panic!("the script failed: {error}"))
    }

    /// Runs an async `script` in the page: it calls `arguments[0]` with its result.
    pub async fn run_async(&self, script: &str) -> Value {
        self.client
            .execute_async(script, vec![])
            .await
            .unwrap_or_else(|error| panic!("the script failed: {error}"))
    }

    /// Presses a key in whatever has the focus.
    pub async fn press(&self, key: Key) {
        let focused = self
            .client
            .active_element()
            .await
            .expect("a focused element");
        focused.send_keys(&key).await.expect("a key press");
    }

    /// The text and tag of the element that has the focus.
    pub async fn focused(&self) -> (String, String) {
        let focused = self
            .client
            .active_element()
            .await
            .expect("a focused element");
        let text = focused.text().await.unwrap_or_default();
        let tag = focused.tag_name().await.unwrap_or_default();
        (text, tag)
    }

    /// Signs in at the built-in provider's page as `role` ("Casting Assistant", ...), starting
    /// at `url` of the app, and waits to be back there.
    pub async fn sign_in_locally(&self, url: &str, role: &str) {
        self.goto(url).await;
        self.wait_for_heading("Sign in").await;
        self.click(&button(role)).await;
        self.wait_for_url(url).await;
        self.find("//button[normalize-space()='Sign out']").await;
    }

    /// A screenshot of the window, as PNG.
    /// Opens `url` and checks that its page is no wider than the window: nothing scrolls
    /// sideways.
    pub async fn assert_fits_width(&self, url: &str) {
        self.goto(url).await;
        self.find("//h1").await;
        let widths = self
            .run("return [window.innerWidth, document.documentElement.scrollWidth, document.body.scrollWidth];")
            .await;
        assert!(
            widths[1].as_i64() <= widths[0].as_i64() && widths[2].as_i64() <= widths[0].as_i64(),
            "{url} scrolls sideways: {widths}"
        );
    }

    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.expect("a screenshot")
    }
}
