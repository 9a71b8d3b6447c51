//! The HTML report in a real browser: Debian's Chromium, headless, driven
//! over WebDriver by its chromedriver, as a reader would use the page.
//!
//! CI installs both (`.ci/run`) and sets `CI`, which makes their absence a
//! failure; elsewhere the tests say they were skipped. The screenshot of
//! the fixtures' report lands in `target/tmp/browser/report.png`;
//! `KMI_SCREENSHOT=PATH` copies it there too (the README's picture).

use crate::common::*;
use base64::Engine as _;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";

/// Whether the browser is here; in CI it must be.
fn browser_present(test: &str) -> bool {
    let here = Path::new(CHROMIUM).exists() && Path::new(DRIVER).exists();
    if !here {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: CI must have {CHROMIUM} and {DRIVER} (.ci/run installs chromium and chromium-driver)"
        );
        eprintln!(
            "{test}: SKIPPED: no {CHROMIUM} or {DRIVER} (apt-get install chromium chromium-driver)"
        );
    }
    here
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
    agent: ureq::Agent,
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let d = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            agent,
        };
        let t0 = Instant::now();
        loop {
            if let Ok(mut r) = d.agent.get(format!("{}/status", d.url)).call()
                && let Ok(v) = r.body_mut().read_json::<Value>()
                && v["value"]["ready"] == true
            {
                return d;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "chromedriver not ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A browser session; `scripts` false runs the page as with scripts off.
    fn session(&self, scripts: bool, profile: &Path) -> Session<'_> {
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=1280,1500".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        if !scripts {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let v = self.call("POST", "/session", Some(caps));
        let id = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Session { driver: self, id }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.url);
        let res = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, b) => self.agent.post(&url).send_json(b.unwrap_or(json!({}))),
        };
        let mut res = res.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = res.status();
        let v: Value = res
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_json()
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert!(status.is_success(), "{method} {path}: {status}: {v}");
        v["value"].clone()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Session<'d> {
    driver: &'d Driver,
    id: String,
}

impl Session<'_> {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.driver
            .call(method, &format!("/session/{}{path}", self.id), body)
    }

    fn open(&self, file: &Path) {
        let url = format!("file://{}", file.display());
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn script(&self, js: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    }

    fn element(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_object()
            .and_then(|m| m.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let e = self.element(css);
        self.call("POST", &format!("/element/{e}/click"), None);
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css);
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn text(&self, css: &str) -> String {
        let e = self.element(css);
        self.call("GET", &format!("/element/{e}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Is the element laid out (not hidden by a filter)?
    fn shown(&self, css: &str) -> bool {
        let e = self.element(css);
        self.call("GET", &format!("/element/{e}/displayed"), None) == true
    }

    /// Waits until `js` is true.
    fn until(&self, what: &str, js: &str) {
        let t0 = Instant::now();
        while self.script(js) != true {
            assert!(t0.elapsed() < Duration::from_secs(20), "timed out: {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn screenshot(&self) -> Vec<u8> {
        let v = self.call("GET", "/screenshot", None);
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 PNG"))
            .expect("base64")
    }

    /// The console's messages at level SEVERE (errors), if any.
    fn console_errors(&self) -> Vec<String> {
        let v = self.call("POST", "/se/log", Some(json!({"type": "browser"})));
        v.as_array()
            .expect("a log")
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].to_string())
            .collect()
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.driver.url, self.id);
        let _ = self.driver.agent.delete(&url).call();
    }
}

/// The fixtures' v1 -> v2 report as a page.
fn fixture_page(dir: &Path) -> PathBuf {
    let page = dir.join("report.html");
    let r = kmidiff(&["--format", "html", "-o", s(&page)], "v1", "v2");
    assert_eq!(r.code, 12, "{}", r.stderr);
    page
}

#[test]
fn a_reader_finds_follows_expands_and_filters_in_chromium() {
    if !browser_present("browser") {
        return;
    }
    let dir = scratch("browser");
    let page = fixture_page(&dir);
    let driver = Driver::start();
    let b = driver.session(true, &dir.join("profile"));
    b.open(&page);
    b.until(
        "the script ran",
        "return document.documentElement.dataset.ready === '1'",
    );
    assert!(b.shown("#controls"), "the search bar is shown with scripts");

    // Search for a type: it and the interfaces it impacts stay.
    b.type_into("#q", "kmi_device\u{E007}");
    b.until(
        "the search applied",
        "return document.getElementById('sym-kmi_a_close').hidden",
    );
    assert!(b.shown("#type-struct-kmi_device"));
    assert!(
        b.shown("#sym-kmi_a_send"),
        "kmi_a_send reaches struct kmi_device"
    );
    assert!(!b.shown("#type-struct-kmi_config"));
    assert!(
        b.text("#count").starts_with("Showing "),
        "{}",
        b.text("#count")
    );

    // Follow the link from the type to an interface it impacts.
    b.click("#type-struct-kmi_device .imp a[href='#sym-kmi_a_send']");
    b.until(
        "at kmi_a_send",
        "return location.hash === '#sym-kmi_a_send'",
    );
    b.until(
        "kmi_a_send in view",
        "const r = document.getElementById('sym-kmi_a_send').getBoundingClientRect(); \
         return r.top >= 0 && r.top < window.innerHeight",
    );

    // Its change tree, expanded: the leaf type's own changes are copied in.
    b.click("#sym-kmi_a_send details.tree > summary");
    b.until(
        "the tree built",
        "return document.querySelector('#sym-kmi_a_send details.tree').hasAttribute('data-built')",
    );
    let tree = b.text("#sym-kmi_a_send details.tree");
    assert!(tree.contains("u32 generation"), "{tree}");
    assert!(
        tree.contains("KMI_STATE_ERROR"),
        "reached through struct kmi_device: {tree}"
    );

    // Breaking changes only: the removal and the CRC changes stay, the
    // additions go.
    b.click("#clear");
    b.click("#breaking");
    b.until(
        "the filter applied",
        "return document.getElementById('sym-match_bool').hidden",
    );
    assert!(b.shown("#sym-kmi_a_legacy_reset"));
    assert!(b.shown("#sym-kmi_a_send"));
    assert!(
        !b.shown("#sym-kmi_a_device_reset"),
        "an addition breaks nothing"
    );
    b.script("window.scrollTo(0, 0); return true");

    // A kind said of types and symbols alike (a size) keeps the types
    // whose size changed, and the interfaces that reach them.
    b.click("#clear");
    b.click("#kind option[value='size_changed']");
    b.until(
        "the kind filter",
        "return document.getElementById('type-struct-kmi_buffer').hidden",
    );
    for t in [
        "#type-struct-kmi_config",
        "#type-struct-kmi_device",
        "#type-struct-kmi_stats",
    ] {
        assert!(b.shown(t), "{t} changed size");
    }
    assert!(b.shown("#sym-kmi_a_send"), "reaches struct kmi_device");

    // Printing builds and opens every change tree.
    b.script("window.dispatchEvent(new Event('beforeprint')); return true");
    let unbuilt = b.script(
        "return [...document.querySelectorAll('details.tree')].filter(d => !d.open || !d.hasAttribute('data-built')).length",
    );
    assert_eq!(unbuilt, 0, "trees not built for print");

    // A bar of the chart sets the module filter.
    b.click("#clear");
    b.click("#modules a[href='#module=kmi_b']");
    b.until(
        "the module filter",
        "return document.getElementById('module').value === 'kmi_b'",
    );
    assert!(!b.shown("#sym-kmi_a_send"));
    b.click("#clear");
    b.click("#breaking");
    b.script("window.scrollTo(0, 0); return true");

    let png = b.screenshot();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "a screenshot"
    );
    std::fs::write(dir.join("report.png"), &png).expect("screenshot written");
    if let Some(p) = std::env::var_os("KMI_SCREENSHOT") {
        std::fs::write(p, &png).expect("KMI_SCREENSHOT written");
    }
    let errors = b.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[test]
fn without_scripts_the_page_is_complete_and_static() {
    if !browser_present("browser-static") {
        return;
    }
    let dir = scratch("browser-static");
    let page = fixture_page(&dir);
    let driver = Driver::start();
    let b = driver.session(false, &dir.join("profile"));
    b.open(&page);
    assert!(!b.shown("#controls"), "no search bar that would do nothing");
    for id in [
        "#type-struct-kmi_device",
        "#sym-kmi_a_legacy_reset",
        "#sym-match_bool",
        "#sym-kmi_a_send",
    ] {
        assert!(b.shown(id), "{id} is on the static page");
    }
    // The change tree opens natively and holds the interface's own changes.
    b.click("#sym-kmi_a_send details.tree > summary");
    let tree = b.text("#sym-kmi_a_send details.tree");
    assert!(tree.contains("struct kmi_device"), "{tree}");
    assert!(
        !tree.contains("u32 generation"),
        "copied in by the script only: {tree}"
    );
}

/// Not a check: how long a large page takes to become usable, for the
/// figures in bench/RESULTS.md (`bench/html.sh` runs it on a real report).
#[test]
#[ignore = "a measurement: bench/html.sh runs it with KMI_HTML_REPORT"]
fn measure_page_load() {
    let Some(page) = std::env::var_os("KMI_HTML_REPORT").map(PathBuf::from) else {
        panic!("set KMI_HTML_REPORT to the page to measure");
    };
    assert!(browser_present("measure"), "no browser to measure with");
    let dir = scratch("browser-measure");
    let driver = Driver::start();
    let page = std::fs::canonicalize(page).expect("the page");
    {
        // The same page without its script: what parsing and layout cost.
        let b = driver.session(false, &dir.join("profile-static"));
        let t0 = Instant::now();
        b.open(&page);
        println!("without scripts: load event after {:.2?}", t0.elapsed());
    }
    let b = driver.session(true, &dir.join("profile"));
    let t0 = Instant::now();
    b.open(&page);
    let loaded = t0.elapsed();
    b.until(
        "the script ran",
        "return document.documentElement.dataset.ready === '1'",
    );
    let usable = t0.elapsed();
    let nav = b.script(
        "const n = performance.getEntriesByType('navigation')[0]; \
         return [n.domContentLoadedEventEnd, n.loadEventEnd]",
    );
    let entries = b.script("return document.querySelectorAll('article.e').length");
    let t1 = Instant::now();
    b.type_into("#q", "task_struct\u{E007}");
    b.until("the search applied", "return !document.getElementById('count').textContent.startsWith('Showing ' + document.querySelectorAll('article.e').length + ' ')");
    let search = t1.elapsed();
    let shown = b.text("#count");
    let t2 = Instant::now();
    b.click("#clear");
    b.click("#breaking");
    b.until(
        "the filter applied",
        "return document.getElementById('count').textContent !== ''",
    );
    let filter = t2.elapsed();
    let errors = b.console_errors();
    println!(
        "page {}: {} bytes, {entries} entries; load event after {loaded:.2?} (DOMContentLoaded {:.0} ms, load {:.0} ms), \
         usable (script done) after {usable:.2?}; search 'task_struct' {search:.2?} ({shown}); breaking filter {filter:.2?}; console errors: {}",
        page.display(),
        std::fs::metadata(&page).map(|m| m.len()).unwrap_or(0),
        nav[0].as_f64().unwrap_or(0.0),
        nav[1].as_f64().unwrap_or(0.0),
        errors.len()
    );
    assert!(errors.is_empty(), "{errors:?}");
}
