//! The browser harness of the accessibility suite: one chromedriver, one Chromium session per
//! viewport (reused for every page of that width), axe-core injected into each page.
//!
//! - Chromium and chromedriver: `CHROME` / `CHROMEDRIVER`, else `chromium` / `chromedriver` on
//!   `PATH`.
//! - axe-core: `OTPKIT_AXE_JS` names `axe.min.js` (`.ci/run` installs the pinned npm package
//!   into `target/e2e-node` and sets it); else `target/e2e-node/node_modules/axe-core/axe.min.js`
//!   is used when present.
//!
//! Missing pieces skip the suite (printing `SKIPPED`) unless `OTPKIT_REQUIRE_BROWSER=1`, when
//! they fail it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::common::{artifacts_dir, env_flag, which, workspace_root};

/// The WCAG levels every page must meet (axe-core tags).
pub const AXE_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const CHROME_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
];

/// The tools the suite needs, or why one is missing.
pub struct Tools {
    pub driver: PathBuf,
    pub chrome: PathBuf,
    pub axe_js: String,
}

impl Tools {
    /// Finds chromedriver, Chromium and axe-core; `None` (after printing `SKIPPED`) when one
    /// is missing and `OTPKIT_REQUIRE_BROWSER` is not set.
    pub fn find(suite: &str) -> Option<Tools> {
        match Self::try_find() {
            Ok(t) => Some(t),
            Err(why) => {
                assert!(
                    !env_flag("OTPKIT_REQUIRE_BROWSER"),
                    "OTPKIT_REQUIRE_BROWSER=1 but {why}"
                );
                crate::common::skipped(&format!("{suite}: {why}"));
                None
            }
        }
    }

    fn try_find() -> Result<Tools, String> {
        let driver = match std::env::var("CHROMEDRIVER") {
            Ok(d) => which(&[d.as_str()]),
            Err(_) => which(&["chromedriver"]),
        }
        .ok_or("chromedriver not found (apt-get install chromium-driver)")?;
        let chrome = match std::env::var("CHROME") {
            Ok(c) => which(&[c.as_str()]),
            Err(_) => which(&["chromium", "chromium-browser"]),
        }
        .ok_or("chromium not found (apt-get install chromium)")?;
        let axe_path = match std::env::var_os("OTPKIT_AXE_JS") {
            Some(p) => PathBuf::from(p),
            None => workspace_root().join("target/e2e-node/node_modules/axe-core/axe.min.js"),
        };
        let axe_js = std::fs::read_to_string(&axe_path).map_err(|e| {
            format!(
                "axe-core is missing at {} ({e}); install it with \
                 `npm install --prefix target/e2e-node axe-core@4` or set OTPKIT_AXE_JS",
                axe_path.display()
            )
        })?;
        Ok(Tools {
            driver,
            chrome,
            axe_js,
        })
    }
}

/// A running chromedriver (killed on drop).
pub struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Driver {
    /// Starts chromedriver on a free port, logging into `dir`.
    pub async fn start(tools: &Tools, dir: &std::path::Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.join("chromedriver.log");
        let mut child = Command::new(&tools.driver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Driver { child, port, log };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("chromedriver did not listen on port {port}");
    }

    /// A new Chromium session with a viewport `width` px wide; at phone widths (under 600 px)
    /// it is emulated as a touch phone. `lang` sets the browser's UI and Accept-Language.
    pub async fn session(
        &self,
        tools: &Tools,
        profile: &std::path::Path,
        width: u32,
        lang: Option<&str>,
    ) -> Client {
        let mut args: Vec<String> = CHROME_FLAGS.iter().map(|s| (*s).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let phone = width < 600;
        let height = if phone { 844 } else { 900 };
        args.push(format!("--window-size={width},{height}"));
        let mut options = serde_json::json!({ "binary": tools.chrome, "args": args });
        if phone {
            options["mobileEmulation"] = serde_json::json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0, "touch": true },
            });
        }
        if let Some(lang) = lang {
            options["args"]
                .as_array_mut()
                .unwrap()
                .push(format!("--lang={lang}").into());
            options["prefs"] = serde_json::json!({ "intl": { "accept_languages": lang } });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await;
        match client {
            Ok(c) => c,
            Err(e) => {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                let tail: Vec<_> = log.lines().rev().take(30).collect();
                panic!("cannot start Chromium through chromedriver: {e}\n{tail:?}");
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One axe-core violation, as printed in a failure.
#[derive(Debug, serde::Deserialize)]
pub struct Violation {
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    #[serde(rename = "helpUrl")]
    pub help_url: String,
    pub nodes: Vec<ViolationNode>,
}

/// One element that breaks a rule.
#[derive(Debug, serde::Deserialize)]
pub struct ViolationNode {
    pub target: serde_json::Value,
    pub html: String,
    #[serde(rename = "failureSummary", default)]
    pub failure_summary: Option<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "  [{}] {} ({}): {}",
            self.impact.as_deref().unwrap_or("?"),
            self.id,
            self.help_url,
            self.help
        )?;
        for n in &self.nodes {
            writeln!(f, "    at {}: {}", n.target, n.html)?;
            if let Some(s) = &n.failure_summary {
                for line in s.lines() {
                    writeln!(f, "      {line}")?;
                }
            }
        }
        Ok(())
    }
}

/// Runs axe-core on the current page (injected first: every navigation forgets it) with the
/// [`AXE_TAGS`] rules; returns the violations.
pub async fn axe(c: &Client, axe_js: &str) -> Vec<Violation> {
    let present = c
        .execute("return typeof window.axe === 'object';", vec![])
        .await
        .unwrap();
    if present != serde_json::Value::Bool(true) {
        c.execute(axe_js, vec![]).await.expect("inject axe-core");
    }
    let tags = serde_json::json!(AXE_TAGS);
    let result = c
        .execute_async(
            "const [tags, done] = arguments;\n\
             axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })\n\
               .then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify({ error: String(e) })));",
            vec![tags],
        )
        .await
        .expect("run axe-core");
    let text = result.as_str().unwrap_or("[]");
    match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => panic!("axe-core failed: {text}"),
    }
}

/// `(scrollWidth, innerWidth)` of the page.
pub async fn widths(c: &Client) -> (u64, u64) {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
}

/// The visible buttons (and button-like links and inputs) under 44 px tall, as
/// `"tag#id.class: height"`.
pub async fn small_buttons(c: &Client) -> Vec<String> {
    let v = c
        .execute(
            "return Array.from(document.querySelectorAll(\
               'button, a.button, input[type=submit], input[type=button]'))\
             .filter(e => e.offsetParent !== null && !e.closest('.visually-hidden, .sr'))\
             .map(e => [e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') \
                 + (e.className ? '.' + e.className.split(' ').join('.') : ''), \
                 e.getBoundingClientRect().height])\
             .filter(([_, h]) => h < 44)\
             .map(([n, h]) => n + ': ' + h.toFixed(1));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap_or_default()
}

/// Saves a screenshot as `target/e2e/{name}-{width}.png`: from the top of the page; at a
/// desktop width the window is made as tall as the page (at most 3000 px) for the shot, then
/// 900 px again.
pub async fn screenshot(c: &Client, name: &str, width: u32) -> PathBuf {
    // [page height, browser chrome height, viewport height]
    let v = c
        .execute(
            "window.scrollTo(0, 0); const d = document.documentElement; \
             return [d.scrollHeight, window.outerHeight - window.innerHeight, window.innerHeight];",
            vec![],
        )
        .await
        .unwrap();
    let n = |i: usize| v[i].as_u64().unwrap_or(0);
    let (page, chrome, viewport) = (n(0), n(1), n(2));
    let tall = width >= 600 && page > viewport;
    if tall {
        let h = u32::try_from((page + chrome).min(3000)).unwrap_or(3000);
        c.set_window_size(width, h).await.unwrap();
    }
    let png = c.screenshot().await.unwrap();
    if tall {
        c.set_window_size(width, 900).await.unwrap();
    }
    let path = artifacts_dir().join(format!("{name}-{width}.png"));
    std::fs::write(&path, png).unwrap();
    path
}

/// Waits up to 20 s for `css`.
pub async fn wait(c: &Client, css: &str) -> Result<fantoccini::elements::Element, String> {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("`{css}` did not appear: {e}"))
}
