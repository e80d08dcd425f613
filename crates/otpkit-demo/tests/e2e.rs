//! Browser end-to-end tests: headless Chromium, driven through Debian's chromedriver with
//! fantoccini, against the real demo binary on a free loopback port and a temporary SQLite
//! database. Every step leaves a screenshot in `target/e2e/` (`{scenario}-{nn}-{step}.png`).
//!
//! Without chromedriver or Chromium the tests print `SKIPPED` and pass, unless
//! `OTPKIT_REQUIRE_BROWSER=1` (as `.ci/run` sets), when they fail. The TOTP scenario also
//! decodes a Chromium screenshot of the QR code with `zbarimg` when it is installed (required
//! with `OTPKIT_REQUIRE_TOOLS=1`).
//!
//! Browser tests run one at a time (a shared lock): two Chromiums on two cores make the
//! throttling scenario's timing meaningless.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Demo, TotpGen, artifacts_dir, code_from_outbox, env_flag, which};
use fantoccini::{Client, ClientBuilder, Locator};
use tempfile::TempDir;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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
    "--window-size=1200,1150",
    "--hide-scrollbars",
];

/// chromedriver and Chromium, or why they are missing: `CHROMEDRIVER` and `CHROME` name
/// them, else they are looked up on `PATH` (Debian: `chromedriver`, `chromium`).
fn browser_binaries() -> Result<(PathBuf, PathBuf), String> {
    let driver = match std::env::var("CHROMEDRIVER") {
        Ok(d) => which(&[d.as_str()]),
        Err(_) => which(&["chromedriver"]),
    };
    let chrome = match std::env::var("CHROME") {
        Ok(c) => which(&[c.as_str()]),
        Err(_) => which(&["chromium", "chromium-browser"]),
    };
    match (driver, chrome) {
        (Some(d), Some(c)) => Ok((d, c)),
        (None, _) => Err("chromedriver not found (apt-get install chromium-driver)".into()),
        (_, None) => Err("chromium not found (apt-get install chromium)".into()),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One scenario's browser, server and screenshot counter.
struct Ctx {
    c: Client,
    demo: Demo,
    _dir: TempDir,
    name: &'static str,
    shot: std::sync::atomic::AtomicUsize,
}

impl Ctx {
    async fn goto(&self, path: &str) {
        self.c.goto(&self.demo.at(path)).await.unwrap();
    }

    async fn path(&self) -> String {
        let u = self.c.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }

    /// Saves a screenshot of the whole window as `target/e2e/{name}-{nn}-{step}.png`.
    async fn screenshot(&self, step: &str) -> PathBuf {
        let n = self.shot.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let png = self.c.screenshot().await.unwrap();
        let path = artifacts_dir().join(format!("{}-{n:02}-{step}.png", self.name));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// New backup codes from the devices page: the setup made a batch already, so the
    /// confirmation page asks first; confirm it.
    async fn new_backup_codes(&self) {
        let button = r#"form[action$="/devices/backup-codes/"] button"#;
        self.click(button).await;
        if self.path().await.ends_with("/regenerate/") {
            self.screenshot("backup-codes-confirm").await;
            self.click(button).await;
        }
        self.wait("ol.codes code").await;
    }

    async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .c
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                let shot = self.screenshot("timeout").await;
                let src = self.c.source().await.unwrap_or_default();
                panic!(
                    "`{css}` did not appear on {} ({e}); screenshot {}\n{src}",
                    self.path().await,
                    shot.display()
                );
            }
        }
    }

    async fn fill(&self, css: &str, text: &str) {
        let e = self.wait(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Clicks `css` (a submit button or link) and waits until the browser has left the
    /// current document, so that the next lookup cannot find an element of the old page.
    async fn click(&self, css: &str) {
        let old = self.c.find(Locator::Css("html")).await.unwrap();
        self.wait(css).await.click().await.unwrap();
        for _ in 0..200 {
            match old.tag_name().await {
                Err(e) if e.is_stale_element_reference() => return,
                // Chromium 156 sometimes reports the old page's element this way instead of
                // as stale while the new document replaces it: the page has been left too.
                Err(e) if e.to_string().contains("does not belong to the document") => return,
                Err(e) => panic!("{e}"),
                Ok(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        panic!(
            "clicking `{css}` on {} did not load a new page",
            self.path().await
        );
    }

    async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.unwrap()
    }

    /// `textContent`, which also reads hidden elements (the URI inside `<details>`).
    async fn text_content(&self, css: &str) -> String {
        self.wait(css)
            .await
            .prop("textContent")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    async fn level(&self) -> String {
        self.wait("#session-state")
            .await
            .attr("data-level")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// Signs up `username` and lands on the home page, authenticated.
    async fn sign_up(&self, username: &str, password: &str, email: Option<&str>) {
        self.goto("/signup/").await;
        self.fill("#id_username", username).await;
        if let Some(e) = email {
            self.fill("#id_email", e).await;
        }
        self.fill("#id_password", password).await;
        self.fill("#id_password2", password).await;
        self.screenshot("signup").await;
        self.click("main form button[type=submit]").await;
        self.wait("#session-state[data-level=authenticated]").await;
        self.screenshot("home-authenticated").await;
    }

    /// Enrols a TOTP device through the QR page; returns the code generator and the URI.
    async fn enrol_totp(&self) -> (TotpGen, String) {
        self.goto("/otp/devices/totp/new/").await;
        self.fill("#id_name", "Phone").await;
        self.click("main form button[type=submit]").await;
        self.wait("figure.qr svg").await;
        self.screenshot("totp-qr").await;
        let secret: String = self.text("code.secret").await.split_whitespace().collect();
        let uri = self.text_content("code.uri").await;
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(
            uri.contains(&format!("secret={secret}")),
            "{uri} / {secret}"
        );
        let mut totp = TotpGen::new(&secret);
        self.fill("#id_otp_token", &totp.next_code()).await;
        self.click("main form button[type=submit]").await;
        self.finish_setup().await;
        self.screenshot("totp-confirmed").await;
        (totp, uri)
    }

    /// The guided setup after the first code: the backup codes, acknowledged, then the done
    /// page; ends on the device list.
    async fn finish_setup(&self) {
        self.wait("#backup-codes").await;
        assert_eq!(self.path().await, "/otp/devices/new/backup-codes/");
        self.screenshot("setup-backup-codes").await;
        // A checkbox: no page load.
        self.wait("#id_saved").await.click().await.unwrap();
        self.click(r#"form[action$="/devices/new/backup-codes/"] button[type=submit]"#)
            .await;
        self.wait("main [role=status]").await;
        assert_eq!(self.path().await, "/otp/devices/new/done/");
        self.screenshot("setup-done").await;
        self.goto("/otp/devices/").await;
        self.wait("main table").await;
    }

    /// Signs out; the login page says so, and the home page shows the signed-out state.
    async fn log_out(&self) {
        self.click("#logout").await;
        self.wait("main .info[role=status]").await;
        self.goto("/").await;
        self.wait("#session-state[data-level=anonymous]").await;
    }

    /// The password step of the login page: lands on the code step (the method shown is
    /// posted as the hidden `otp_device`).
    async fn password_step(&self, username: &str, password: &str) {
        self.goto("/otp/login/").await;
        self.fill("#id_username", username).await;
        self.fill("#id_password", password).await;
        self.click("main form button[type=submit]").await;
        self.wait("main input[name=otp_device]").await;
    }

    /// Submits the code step's form with `token` (the "Verify" button).
    async fn submit_token(&self, token: &str) {
        self.fill("#id_otp_token", token).await;
        self.submit_token_button().await;
    }

    /// Clicks the code step's "Verify" button.
    async fn submit_token_button(&self) {
        self.click("main form button[type=submit]:not([name])")
            .await;
    }

    /// The newest code in the outbox.
    async fn outbox_code(&self) -> String {
        self.goto("/outbox/").await;
        self.wait("article.mail pre.body").await;
        let src = self.c.source().await.unwrap();
        code_from_outbox(&src).expect("a code in the outbox")
    }
}

/// Starts chromedriver, Chromium and the demo, runs `scenario`, and always closes the
/// browser. Returns after printing SKIPPED when the browser is missing and not required.
async fn run<F, Fut>(name: &'static str, env: &[(&str, &str)], scenario: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (driver_bin, chrome_bin) = match browser_binaries() {
        Ok(b) => b,
        Err(why) => {
            assert!(
                !env_flag("OTPKIT_REQUIRE_BROWSER"),
                "OTPKIT_REQUIRE_BROWSER=1 but {why}"
            );
            common::skipped(&format!("{name}: {why}"));
            return;
        }
    };
    let _serial = SERIAL.lock().await;
    // The scenario's wall time, printed for CI's log (no assertion depends on it).
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), env);
    let port = free_port();
    let driver_log = dir.path().join("chromedriver.log");
    let mut driver: Child = Command::new(&driver_bin)
        .arg(format!("--port={port}"))
        .arg(format!("--log-path={}", driver_log.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "chromedriver did not listen on port {port}");
    let profile = dir.path().join("chromium-profile");
    let mut args: Vec<String> = CHROME_FLAGS.iter().map(|s| (*s).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": chrome_bin, "args": args }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await;
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            let _ = driver.kill();
            let _ = driver.wait();
            let log = std::fs::read_to_string(&driver_log).unwrap_or_default();
            let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().join("\n");
            panic!("cannot start Chromium through chromedriver: {e}\n{tail}");
        }
    };
    let ctx = Ctx {
        c: client.clone(),
        demo,
        _dir: dir,
        name,
        shot: std::sync::atomic::AtomicUsize::new(0),
    };
    let result = tokio::spawn(scenario(ctx)).await;
    let _ = client.close().await;
    let _ = driver.kill();
    let _ = driver.wait();
    {
        use std::io::Write as _;
        let secs = started.elapsed().as_secs_f64();
        let _ = writeln!(std::io::stderr(), "e2e {name}: {secs:.1} s");
    }
    if let Err(e) = result {
        match e.try_into_panic() {
            Ok(p) => std::panic::resume_unwind(p),
            Err(e) => panic!("scenario {name} failed: {e}"),
        }
    }
}

/// Sign up → enrol TOTP (key read from the page, code computed here) → log out → the
/// protected page sends an anonymous visitor to the login page → log in with password and
/// TOTP in one step → the protected page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_signup_enrol_logout_login_protected() {
    run("totp", &[], |t| async move {
        assert_eq!(
            {
                t.goto("/").await;
                t.level().await
            },
            "anonymous"
        );
        t.screenshot("home-anonymous").await;
        t.sign_up("alice", "alice-password-1", None).await;
        let (mut totp, uri) = t.enrol_totp().await;
        qr_screenshot_decodes(&t, &uri).await;
        t.goto("/").await;
        assert_eq!(t.level().await, "verified");
        t.screenshot("home-verified-after-enrolment").await;

        t.log_out().await;
        t.screenshot("logged-out").await;
        t.goto("/protected/").await;
        t.wait("#id_username").await;
        assert_eq!(t.path().await, "/otp/login/?next=/protected/");
        t.screenshot("protected-needs-login").await;

        t.fill("#id_username", "alice").await;
        t.fill("#id_password", "alice-password-1").await;
        t.screenshot("login-password").await;
        t.click("main form button[type=submit]").await;
        t.fill("#id_otp_token", &totp.next_code()).await;
        t.screenshot("login-code").await;
        t.submit_token_button().await;
        let msg = t.text("#protected").await;
        assert!(msg.contains("alice"), "{msg}");
        assert!(msg.contains("Phone"), "{msg}");
        assert_eq!(t.path().await, "/protected/");
        t.screenshot("protected-page").await;
        t.goto("/").await;
        assert_eq!(t.level().await, "verified");
        t.screenshot("home-verified").await;
    })
    .await;
}

/// Decodes a Chromium screenshot of the enrolment QR code with zbarimg, when installed.
async fn qr_screenshot_decodes(t: &Ctx, uri: &str) {
    // The QR code was on the enrolment page, which the confirmation left: start another
    // enrolment in this (verified, fresh) session to screenshot its QR element.
    t.goto("/otp/devices/totp/new/").await;
    t.click("main form button[type=submit]").await;
    let qr = t.wait("figure.qr svg").await;
    let png = qr.screenshot().await.unwrap();
    let path = artifacts_dir().join("totp-qr-element.png");
    std::fs::write(&path, &png).unwrap();
    let this_uri = t.text_content("code.uri").await;
    assert_ne!(this_uri, uri, "a new enrolment has a new key");
    let Some(zbarimg) = which(&["zbarimg"]) else {
        assert!(
            !env_flag("OTPKIT_REQUIRE_TOOLS"),
            "OTPKIT_REQUIRE_TOOLS=1 but zbarimg is missing (apt-get install zbar-tools)"
        );
        common::skipped("QR decoding in the browser test: zbarimg not found");
        return;
    };
    let out = Command::new(zbarimg)
        .args(["--raw", "-q"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "zbarimg failed on {}", path.display());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), this_uri);
}

/// Backup codes: generated on the devices page, one logs in through the token step's
/// device choice, and the same code fails the second time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_code_logs_in_once() {
    run("backup", &[], |t| async move {
        t.sign_up("bob", "bob-password-1", None).await;
        t.enrol_totp().await;
        t.new_backup_codes().await;
        t.screenshot("backup-codes").await;
        let codes: Vec<String> = {
            let mut v = Vec::new();
            for e in t.c.find_all(Locator::Css("ol.codes code")).await.unwrap() {
                v.push(e.text().await.unwrap());
            }
            v
        };
        assert_eq!(codes.len(), 10, "{codes:?}");
        let code = codes[3].clone();
        t.goto("/otp/devices/").await;
        t.wait("main table").await;
        t.screenshot("devices").await;

        t.log_out().await;
        t.password_step("bob", "bob-password-1").await;
        t.click("main a[href*='device=otp_static']").await;
        t.fill("#id_otp_token", &code).await;
        t.screenshot("token-step-backup-code").await;
        t.click("main form button[type=submit]:not([name])").await;
        t.wait("#session-state[data-level=verified]").await;
        t.screenshot("verified-with-backup-code").await;

        t.log_out().await;
        t.password_step("bob", "bob-password-1").await;
        t.submit_token(&code).await;
        let err = t.text("main .error").await;
        assert_eq!(
            err,
            "That code is not valid. Check it and try again, or use the newest code."
        );
        t.screenshot("backup-code-used-twice").await;
        // The password was accepted, the second factor is still owed: a pending login,
        // which every guard treats as anonymous.
        t.goto("/").await;
        assert_eq!(t.level().await, "pending");
        t.screenshot("home-pending").await;
    })
    .await;
}

/// Issue 12 items 5 and 7: a refresh of the backup-codes page keeps the batch (it shows no
/// codes and makes none); then a backup code typed on the first login form logs in, and the
/// next login with the authenticator app's code on the first form does too (the code is
/// tried against every device, not only the one used last).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_codes_survive_a_refresh_and_any_code_logs_in_from_the_first_form() {
    run("any-code", &[], |t| async move {
        t.sign_up("dora", "dora-password-1", None).await;
        let (mut totp, _) = t.enrol_totp().await;
        t.new_backup_codes().await;
        let codes: Vec<String> = {
            let mut v = Vec::new();
            for e in t.c.find_all(Locator::Css("ol.codes code")).await.unwrap() {
                v.push(e.text().await.unwrap());
            }
            v
        };
        assert_eq!(codes.len(), 10, "{codes:?}");
        assert_eq!(t.path().await, "/otp/devices/backup-codes/");
        // The browser's refresh: a GET of the same page (no resubmission), no codes.
        t.c.refresh().await.unwrap();
        t.wait("[data-code=codes_shown]").await;
        assert!(
            t.c.find_all(Locator::Css("ol.codes code"))
                .await
                .unwrap()
                .is_empty()
        );
        t.screenshot("backup-codes-after-refresh").await;
        t.goto("/otp/devices/").await;
        t.wait("main table").await;
        let page = t.c.source().await.unwrap();
        assert!(page.contains("10 of 10 left"), "the batch is intact");

        // A backup code in the authenticator app's field (the method shown first).
        t.log_out().await;
        t.password_step("dora", "dora-password-1").await;
        t.submit_token(&codes[0]).await;
        t.wait("#session-state[data-level=verified]").await;
        t.screenshot("verified-with-backup-code-first-form").await;

        // Then the authenticator app's code in the backup code's field (used last).
        t.log_out().await;
        t.password_step("dora", "dora-password-1").await;
        t.submit_token(&totp.next_code()).await;
        t.wait("#session-state[data-level=verified]").await;
        t.screenshot("verified-with-app-after-backup-code").await;
    })
    .await;
}

/// Three wrong codes: the first is "Invalid token", then the device is throttled and the
/// page says so. The TOTP back-off factor is 10 s here (default 1 s, doubling per failure),
/// so that the outcome does not depend on how fast the browser submits on a loaded machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_wrong_codes_show_the_throttle_message() {
    run(
        "throttle",
        &[("OTP_TOTP_THROTTLE_FACTOR", "10")],
        |t| async move {
            t.sign_up("carol", "carol-password-1", None).await;
            let (totp, _) = t.enrol_totp().await;
            t.log_out().await;
            t.password_step("carol", "carol-password-1").await;
            t.screenshot("token-step").await;
            let wrong = totp.wrong_code();
            let mut errors = Vec::new();
            for i in 1..=3 {
                t.submit_token(&wrong).await;
                errors.push(t.text("main .error").await);
                t.screenshot(&format!("wrong-code-{i}")).await;
            }
            assert_eq!(
                errors[0],
                "That code is not valid. Check it and try again, or use the newest code."
            );
            // The real wait: at most the 10 s of the first failure's back-off.
            for e in &errors[1..] {
                let secs = e
                    .strip_prefix("Too many wrong codes. Try again in ")
                    .and_then(|r| r.strip_suffix(" seconds.").or(r.strip_suffix(" second.")))
                    .and_then(|n| n.parse::<u64>().ok());
                assert!(matches!(secs, Some(1..=10)), "{e}");
            }
            // The password was accepted, the second factor is still owed: a pending login,
            // which every guard treats as anonymous.
            t.goto("/").await;
            assert_eq!(t.level().await, "pending");
            t.screenshot("home-pending").await;
        },
    )
    .await;
}

/// Email codes in development mode: enrol an email device with the code read from the
/// outbox page, log out, and log in with a new code from the outbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_device_via_outbox() {
    run("email", &[], |t| async move {
        t.sign_up("dora", "dora-password-1", Some("dora@example.com"))
            .await;
        t.goto("/otp/devices/email/new/").await;
        let addr = t
            .wait("#id_email")
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(addr, "dora@example.com");
        t.screenshot("email-new").await;
        t.click("main form button[type=submit]").await;
        let info = t.text("main .info").await;
        assert_eq!(info, "We sent you a code. Enter it below.");
        t.screenshot("email-code-sent").await;

        let first = t.outbox_code().await;
        let to = t
            .wait("article.mail")
            .await
            .attr("data-to")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(to, "dora@example.com");
        t.screenshot("outbox").await;
        t.goto("/otp/devices/email/new/").await;
        t.fill("#id_otp_token", &first).await;
        t.click("main form button[type=submit]:not([name])").await;
        t.finish_setup().await;
        t.screenshot("email-confirmed").await;

        t.log_out().await;
        t.password_step("dora", "dora-password-1").await;
        t.click("button[name=otp_challenge]").await;
        let info = t.text("main .info").await;
        assert_eq!(info, "We sent you a code. Enter it below.");
        t.screenshot("login-challenge-sent").await;
        let second = t.outbox_code().await;
        assert_ne!(second, first);
        // Back on the login page, the code step asks for the code just sent.
        t.goto("/otp/login/").await;
        t.wait("#id_otp_token").await;
        t.submit_token(&second).await;
        t.wait("#session-state[data-level=verified]").await;
        t.screenshot("verified-with-email-code").await;
    })
    .await;
}

/// A staff user made with `createuser --staff`, bootstrapped with `otp addstatictoken`, logs
/// in at the admin login page and sees the device list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_user_uses_the_admin_area() {
    run("admin", &[], |t| async move {
        let out = t.demo.command(
            &["createuser", "root", "--staff", "--password-stdin"],
            Some("root-password-1\n"),
        );
        assert!(out.status.success(), "{out:?}");
        let code = t.demo.otp(&["addstatictoken", "root"]);
        let code = code.trim();
        t.goto("/otp/admin/").await;
        t.wait("#id_username").await;
        assert!(t.path().await.starts_with("/otp/admin/login/"));
        t.fill("#id_username", "root").await;
        t.fill("#id_password", "root-password-1").await;
        t.click("main form button[type=submit]").await;
        t.fill("#id_otp_token", code).await;
        t.screenshot("admin-login").await;
        t.submit_token_button().await;
        t.wait("main table").await;
        assert_eq!(t.path().await, "/otp/admin/");
        let src = t.c.source().await.unwrap();
        assert!(src.contains("otp_static.staticdevice"), "{src}");
        t.screenshot("admin-devices").await;
    })
    .await;
}

/// Enforced two-step verification (issue 18): with `OTPKIT_ENFORCE_2FA=everyone`, a user
/// without a method who signs in with the password is taken into the guided setup, the
/// protected page sends them back there, and after enrolling they reach it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforced_enrolment_at_first_login() {
    run(
        "enforced",
        &[("OTPKIT_ENFORCE_2FA", "everyone")],
        |t| async move {
            t.sign_up("erin", "erin-password-1", None).await;
            t.log_out().await;
            t.goto("/protected/").await;
            t.fill("#id_username", "erin").await;
            t.fill("#id_password", "erin-password-1").await;
            t.click("main form button[type=submit]").await;
            t.wait(r#"a[href$="/devices/totp/new/"]"#).await;
            assert_eq!(t.path().await, "/otp/devices/new/");
            t.screenshot("enforced-setup").await;
            // Not into the application before a method is set up.
            t.goto("/protected/").await;
            t.wait(r#"a[href$="/devices/totp/new/"]"#).await;
            assert_eq!(t.path().await, "/otp/devices/new/");
            let _ = t.enrol_totp().await;
            t.goto("/protected/").await;
            let msg = t.text("#protected").await;
            assert!(msg.contains("erin"), "{msg}");
            t.screenshot("enforced-enrolled").await;
        },
    )
    .await;
}

/// Trusted browsers (issue 18): "Trust this browser" at the code, sign out, the password
/// alone signs in; a second session (another client) revokes it, and the browser is asked
/// for the code again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_this_browser_then_revoke_from_another_session() {
    run("trusted", &[], |t| async move {
        t.sign_up("tina", "tina-password-1", None).await;
        let (totp, _) = t.enrol_totp().await;
        let mut totp = totp;
        t.log_out().await;
        t.password_step("tina", "tina-password-1").await;
        t.wait("#id_trust_browser").await.click().await.unwrap();
        t.screenshot("trust-this-browser").await;
        t.submit_token(&totp.next_code()).await;
        t.goto("/").await;
        assert_eq!(t.level().await, "verified");
        t.log_out().await;
        // The password alone.
        t.goto("/otp/login/").await;
        t.fill("#id_username", "tina").await;
        t.fill("#id_password", "tina-password-1").await;
        t.click("main form button[type=submit]").await;
        t.goto("/").await;
        assert_eq!(t.level().await, "verified", "no code step on a trusted browser");
        t.screenshot("signed-in-by-password-alone").await;
        t.log_out().await;
        // Another session revokes every trusted browser of tina's.
        let base = t.demo.at("");
        let base = base.trim_end_matches('/').to_owned();
        let revoked = tokio::task::spawn_blocking(move || {
            let http = common::Http::new(&base);
            let session = http.try_get_json("/otp/session").unwrap();
            let csrf = serde_json::from_str::<serde_json::Value>(&session.body).unwrap()["csrf_token"]
                .as_str()
                .unwrap()
                .to_owned();
            let body = serde_json::json!({"username": "tina", "password": "tina-password-1", "otp_token": totp.next_code()});
            let r = http.try_post_json("/otp/login/", &body, &csrf).unwrap();
            let csrf = serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["csrf_token"]
                .as_str()
                .unwrap()
                .to_owned();
            let r = http
                .try_post_json("/otp/devices/trusted/revoke-all/", &serde_json::json!({}), &csrf)
                .unwrap();
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()
        })
        .await
        .unwrap();
        assert_eq!(revoked["count"], 1, "{revoked}");
        // The browser is asked for the code again.
        t.password_step("tina", "tina-password-1").await;
        t.screenshot("code-asked-again").await;
    })
    .await;
}
