//! Every page of the demo in a real browser, at a desktop (1280 px) and a phone (390 px, touch)
//! width: axe-core finds **no** WCAG 2.1 A/AA violation (`wcag2a`, `wcag2aa`, `wcag21a`,
//! `wcag21aa`), and at 390 px (a touch screen) no page scrolls sideways (`scrollWidth <=
//! innerWidth`) and every visible button is at least 44 px tall. Each page
//! leaves a screenshot `target/e2e/{page}-{width}.png`. Then the whole flow once more with the
//! browser in German, which must show German pages.
//!
//! The pages are visited by one person's flow (sign up, set up an authenticator app, backup
//! codes, sign out, sign in in two steps, the admin area); every page the flow reaches is
//! checked with [`Walk::check`]. To add a page: a plain GET page goes into [`USER_PAGES`] (or
//! [`ANONYMOUS_PAGES`], [`STAFF_PAGES`]); a page behind a form gets a `check` call where the
//! flow reaches it. All failures of a run are collected and printed together, each violation
//! with its rule, help link and elements.
//!
//! Two more tests drive otpkit.js (no double submit; copy, print, download, `.js-only`).
//!
//! Needs Chromium, chromedriver and axe-core (see the `browser` module); without them the tests
//! print `SKIPPED`, unless `OTPKIT_REQUIRE_BROWSER=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod browser;
mod common;

use std::io::Write as _;
use std::time::{Duration, Instant};

use browser::{Driver, Tools};
use common::{Demo, TotpGen};
use fantoccini::{Client, Locator};

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Pages anyone can open, by name and path.
const ANONYMOUS_PAGES: &[(&str, &str)] = &[
    ("home", "/"),
    ("signup", "/signup/"),
    ("login", "/otp/login/"),
    ("passkey-sign-in", "/otp/passkeys/sign-in/"),
    ("not-found", "/no-such-page/"),
];

/// Pages of a signed-in, verified user that a GET opens.
const USER_PAGES: &[(&str, &str)] = &[
    ("devices", "/otp/devices/"),
    ("setup-email", "/otp/devices/email/new/"),
    ("passkey-new", "/otp/passkeys/new/"),
    ("verify", "/otp/verify/?next=/protected/"),
    ("protected", "/protected/"),
    ("protected-recent", "/protected/recent/"),
    ("outbox", "/outbox/"),
    ("logout", "/otp/logout/"),
    ("home-verified", "/"),
];

/// Pages of a verified staff user that a GET opens.
const STAFF_PAGES: &[(&str, &str)] = &[
    ("admin-list", "/otp/admin/"),
    ("admin-add", "/otp/admin/devices/add/"),
    ("admin-users", "/otp/admin/users/without-2fa/"),
];

/// Text that the German pages must show (the demo's own catalogue), by page name.
const GERMAN: &[(&str, &str)] = &[
    ("home", "Du bist nicht angemeldet."),
    ("signup", "Benutzername"),
    ("not-found", "Unter dieser Adresse gibt es keine Seite."),
    ("home-signed-up", "nur mit deinem Passwort angemeldet"),
    (
        "protected",
        "Nur bestätigte Sitzungen erreichen diese Seite.",
    ),
    ("outbox", "Postausgang"),
    ("home-signed-in", "diese Sitzung ist mit „Phone“ bestätigt"),
];

/// One browser session walking the demo at one width.
struct Walk<'a> {
    c: Client,
    demo: &'a Demo,
    axe_js: &'a str,
    width: u32,
    /// `Some("de")`: the browser asks for German and every page must be German.
    lang: Option<&'static str>,
    /// Names of the pages checked, in order.
    checked: Vec<String>,
    /// Every failure, readable.
    failures: Vec<String>,
    /// Pages are not checked (a test that only needs the flow).
    quiet: bool,
}

impl Walk<'_> {
    fn shot_name(&self, name: &str) -> String {
        match self.lang {
            Some(l) => format!("{l}-{name}"),
            None => name.to_owned(),
        }
    }

    async fn goto(&self, path: &str) {
        self.c.goto(&self.demo.at(path)).await.unwrap();
    }

    async fn path(&self) -> String {
        let u = self.c.current_url().await.unwrap();
        u.path().to_owned()
    }

    async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        match browser::wait(&self.c, css).await {
            Ok(e) => e,
            Err(e) => {
                let src = self.c.source().await.unwrap_or_default();
                panic!("{e} on {} at {} px\n{src}", self.path().await, self.width);
            }
        }
    }

    async fn exists(&self, css: &str) -> bool {
        !self.c.find_all(Locator::Css(css)).await.unwrap().is_empty()
    }

    async fn fill(&self, css: &str, text: &str) {
        let e = self.wait(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Clicks `css` and waits until the browser has left the current document.
    async fn click(&self, css: &str) {
        let old = self.c.find(Locator::Css("html")).await.unwrap();
        self.wait(css).await.click().await.unwrap();
        for _ in 0..200 {
            match old.tag_name().await {
                Err(e) if e.is_stale_element_reference() => return,
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

    /// Checks the page the browser shows as `name`: axe-core, the width at a phone's width,
    /// the language, and a screenshot.
    async fn check(&mut self, name: &str) {
        if self.quiet {
            return;
        }
        self.wait("body").await;
        let path = self.path().await;
        let shot = self.shot_name(name);
        browser::screenshot(&self.c, &shot, self.width).await;
        let at = format!("{shot} ({path}) at {} px", self.width);
        let violations = browser::axe(&self.c, self.axe_js).await;
        if !violations.is_empty() {
            let list: String = violations.iter().map(|v| v.to_string()).collect();
            self.failures.push(format!(
                "{at}: {} axe violation(s)\n{list}",
                violations.len()
            ));
        }
        let (scroll, inner) = browser::widths(&self.c).await;
        if self.width < 600 && (scroll > inner || scroll > u64::from(self.width)) {
            self.failures.push(format!(
                "{at}: scrolls sideways (scrollWidth {scroll} > innerWidth {inner})"
            ));
        }
        if self.width < 600 {
            let small = browser::small_buttons(&self.c).await;
            if !small.is_empty() {
                self.failures.push(format!(
                    "{at}: buttons under 44 px tall on a touch screen: {small:?}"
                ));
            }
        }
        if let Some(lang) = self.lang {
            self.check_language(&at, name, lang).await;
        }
        self.checked.push(name.to_owned());
    }

    async fn check_language(&mut self, at: &str, name: &str, lang: &str) {
        let html_lang = self
            .c
            .find(Locator::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap()
            .unwrap_or_default();
        if html_lang != lang {
            self.failures
                .push(format!("{at}: <html lang=\"{html_lang}\">, not \"{lang}\""));
        }
        if let Some((_, text)) = GERMAN.iter().find(|(n, _)| *n == name) {
            let body = self.c.find(Locator::Css("body")).await.unwrap();
            let shown = body.text().await.unwrap();
            if !shown.contains(text) {
                self.failures
                    .push(format!("{at}: no \"{text}\" on the page:\n{shown}"));
            }
        }
    }

    async fn check_all(&mut self, pages: &[(&str, &str)]) {
        for (name, path) in pages {
            self.goto(path).await;
            self.check(name).await;
        }
    }

    /// Signs up `user` through the sign-up page.
    async fn sign_up(&mut self, user: &str, password: &str) {
        self.goto("/signup/").await;
        self.fill("#id_username", user).await;
        self.fill("#id_email", &format!("{user}@example.com")).await;
        self.fill("#id_password", password).await;
        self.fill("#id_password2", password).await;
        self.click("main form button[type=submit]").await;
        self.wait("#session-state[data-level=authenticated]").await;
        self.check("home-signed-up").await;
    }

    /// Sets up an authenticator app through every step of the setup; returns its codes.
    async fn set_up_app(&mut self) -> TotpGen {
        // The guided setup's first page: choose a method.
        self.goto("/otp/devices/new/").await;
        self.check("setup-choose").await;
        self.goto("/otp/devices/totp/new/").await;
        self.check("setup-app").await;
        if self.exists("#id_name").await {
            self.fill("#id_name", "Phone").await;
            self.click("main form button[type=submit]").await;
        }
        self.wait("figure.qr svg").await;
        self.check("setup-qr").await;
        let secret: String = self
            .wait("code.secret")
            .await
            .prop("textContent")
            .await
            .unwrap()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        let mut totp = TotpGen::new(&secret);
        self.fill("#id_otp_token", &totp.next_code()).await;
        self.click("form:has(#id_otp_token) button[type=submit]")
            .await;
        self.check("setup-confirmed").await;
        // A guided setup may go on (backup codes to acknowledge, a "done" page): follow its
        // required check boxes.
        for step in 1..=3 {
            if !self
                .exists("main form input[type=checkbox][required]")
                .await
            {
                break;
            }
            self.wait("main form input[type=checkbox][required]")
                .await
                .click()
                .await
                .unwrap();
            self.click("form:has(input[type=checkbox][required]) button[type=submit]")
                .await;
            self.check(&format!("setup-next-{step}")).await;
        }
        totp
    }

    /// The confirmation steps before new backup codes and before a removal (not confirmed).
    async fn confirmation_pages(&mut self) {
        for (name, link) in [
            ("backup-codes-confirm", r#"main a[href$="/regenerate/"]"#),
            ("remove-confirm", r#"main a[href$="/remove/"]"#),
        ] {
            self.goto("/otp/devices/").await;
            self.wait("main table").await;
            if self.exists(link).await {
                self.click(link).await;
                self.check(name).await;
            }
        }
    }

    /// Signs in `user` in two steps: the password, then the code.
    async fn sign_in(&mut self, user: &str, password: &str, totp: &mut TotpGen) {
        self.goto("/otp/login/").await;
        self.fill("#id_username", user).await;
        self.fill("#id_password", password).await;
        self.click("form:has(#id_password) button[type=submit]")
            .await;
        self.wait("#id_otp_token").await;
        self.check("login-code").await;
        self.fill("#id_otp_token", &totp.next_code()).await;
        self.click("form:has(#id_otp_token) button[type=submit]:not([name])")
            .await;
        self.wait("#session-state[data-level=verified]").await;
        self.check("home-signed-in").await;
    }

    /// Signs out with the header's button; checks the page it lands on.
    async fn sign_out(&mut self) {
        self.click("#logout").await;
        self.wait("main").await;
        self.check("signed-out").await;
        self.goto("/").await;
        self.wait("#session-state[data-level=anonymous]").await;
    }

    /// The admin login (password, then a backup code made by the CLI), then the admin pages.
    async fn admin(&mut self, staff: &str, password: &str, code: &str) {
        // The admin area sends a visitor to its login page, which returns there.
        self.goto("/otp/admin/").await;
        self.wait("#id_username").await;
        self.check("admin-login").await;
        self.fill("#id_username", staff).await;
        self.fill("#id_password", password).await;
        if self.exists("#id_otp_token").await {
            self.fill("#id_otp_token", code).await;
        }
        self.click("form:has(#id_password) button[type=submit]")
            .await;
        if self.exists("#id_otp_token").await {
            self.check("admin-login-code").await;
            self.fill("#id_otp_token", code).await;
            self.click("form:has(#id_otp_token) button[type=submit]:not([name])")
                .await;
        }
        self.wait("main table").await;
        self.check_all(STAFF_PAGES).await;
        self.goto("/otp/admin/").await;
        self.click("main table tbody a").await;
        self.check("admin-device").await;
        // Deleting asks first (the POST without confirmation shows the confirmation page).
        let remove = r#"main form[action$="/remove/"] button[type=submit]"#;
        if self.exists(remove).await {
            self.click(remove).await;
            self.check("admin-remove-confirm").await;
        }
        self.goto("/otp/admin/devices/otp_static.staticdevice/999999/")
            .await;
        self.check("message").await;
    }
}

/// Walks every page at `width` (in `lang`, when given) as `user`, then as staff.
async fn walk(walk: &mut Walk<'_>, user: &str, staff: &str) {
    let password = format!("{user}-password");
    walk.check_all(ANONYMOUS_PAGES).await;
    walk.sign_up(user, &password).await;
    let mut totp = walk.set_up_app().await;
    walk.check_all(USER_PAGES).await;
    walk.goto("/otp/devices/").await;
    walk.click(r#"form[action$="/devices/backup-codes/"] button"#)
        .await;
    walk.check("backup-codes").await;
    walk.confirmation_pages().await;
    walk.goto("/").await;
    walk.sign_out().await;
    walk.sign_in(user, &password, &mut totp).await;
    walk.sign_out().await;
    let code = walk.demo.otp(&["addstatictoken", staff]);
    walk.admin(staff, "staff-password-1", code.trim()).await;
}

/// Starts the demo (with a staff user) and chromedriver, and walks the demo once per
/// `(width, lang)`; fails with every problem found.
async fn run(suite: &str, runs: &[(u32, Option<&'static str>)]) {
    let Some(tools) = Tools::find(suite) else {
        return;
    };
    let _serial = SERIAL.lock().await;
    // The suite's wall time, printed for CI's log (no assertion depends on it).
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), &[]);
    let staff = "root";
    let out = demo.command(
        &["createuser", staff, "--staff", "--password-stdin"],
        Some("staff-password-1\n"),
    );
    assert!(out.status.success(), "{out:?}");
    let driver = Driver::start(&tools, dir.path()).await;
    let mut failures = Vec::new();
    let mut pages = 0;
    for (i, (width, lang)) in runs.iter().enumerate() {
        let profile = dir.path().join(format!("profile-{i}"));
        let c = driver.session(&tools, &profile, *width, *lang).await;
        let mut w = Walk {
            c: c.clone(),
            demo: &demo,
            axe_js: &tools.axe_js,
            width: *width,
            lang: *lang,
            checked: Vec::new(),
            failures: Vec::new(),
            quiet: false,
        };
        axe_reports_a_broken_page(&c, &tools.axe_js, *width).await;
        let user = format!("ada{width}{}", lang.unwrap_or(""));
        let result = {
            let fut = walk(&mut w, &user, staff);
            std::panic::AssertUnwindSafe(fut)
        };
        let outcome = futures_catch(result).await;
        let _ = c.close().await;
        if let Err(p) = outcome {
            eprintln!(
                "{suite}: the walk at {width} px stopped after {:?}; problems so far:\n{}",
                w.checked,
                w.failures.join("\n")
            );
            std::panic::resume_unwind(p);
        }
        pages += w.checked.len();
        failures.extend(w.failures);
    }
    // On the real standard error (libtest does not capture it): CI's log shows the time.
    let _ = writeln!(
        std::io::stderr(),
        "{suite}: {pages} pages checked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} problem(s):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The harness itself: axe-core runs in this session and reports a page that breaks a rule
/// (an image without a text alternative), the viewport is `width` px wide (a touch screen at a
/// phone's width), and the 44 px check finds a small button.
async fn axe_reports_a_broken_page(c: &Client, axe_js: &str, width: u32) {
    c.goto("data:text/html,<!doctype html><html lang=en><meta name=viewport content=width=device-width><title>t</title><main><img src=x.png><button id=tiny style=height:20px>x</button></main></html>")
        .await
        .unwrap();
    let v = browser::axe(c, axe_js).await;
    assert!(
        v.iter().any(|v| v.id == "image-alt"),
        "axe-core did not report the image without alt: {v:?}"
    );
    let (_, inner) = browser::widths(c).await;
    assert_eq!(
        inner,
        u64::from(width),
        "the viewport is {inner} px wide, not {width}"
    );
    let coarse = c
        .execute("return matchMedia('(pointer: coarse)').matches", vec![])
        .await
        .unwrap();
    assert_eq!(coarse, width < 600, "a touch screen at phone width only");
    let small = browser::small_buttons(c).await;
    assert_eq!(
        small,
        ["button#tiny: 20.0"],
        "the 44 px check finds a small button"
    );
}

/// Awaits `fut`, turning a panic into an `Err` (so that the browser is always closed).
async fn futures_catch<F: std::future::Future<Output = ()>>(
    fut: std::panic::AssertUnwindSafe<F>,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(())) => std::task::Poll::Ready(Ok(())),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(p) => std::task::Poll::Ready(Err(p)),
        }
    })
    .await
}

/// Every page at 1280 px and at 390 px: no axe-core violation, no sideways scrolling at 390 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_at_desktop_and_phone_width() {
    run("a11y", &[(1280, None), (390, None)]).await;
}

/// The whole flow with the browser asking for German: every page is `<html lang="de">`, the
/// demo's pages read German, and axe-core finds nothing at the phone's width.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_flow_in_german() {
    run("a11y-de", &[(390, Some("de"))]).await;
}

/// A fixture for otpkit.js, added to a real page of the demo (so that the script is the one
/// the demo serves): a form posting into a frame (the page stays), a text to copy, print and
/// download buttons, and hooks that record what the script asked the browser to do.
const JS_FIXTURE: &str = r##"
const main = document.querySelector("main");
main.insertAdjacentHTML("beforeend", `
  <iframe name="sink" title="sink" hidden></iframe>
  <form id="f" method="get" action="/no-such-page/" target="sink">
    <button type="submit" id="send" name="go" value="1">Send</button>
  </form>
  <p id="key">ABCD EFGH IJKL</p>
  <button type="button" id="copy" data-copy-target="#key" data-copied-label="Kopiert">Copy</button>
  <button type="button" id="print" data-print>Print</button>
  <button type="button" id="save" data-download="codes.txt" data-download-source="#key">Save</button>`);
window.__printed = 0;
window.print = () => { window.__printed += 1; };
window.__blobs = [];
const create = URL.createObjectURL.bind(URL);
URL.createObjectURL = (b) => { window.__blobs.push(b); return create(b); };
"##;

/// otpkit.js: a form's submit button is disabled after the first submission (`aria-busy` on
/// the form) and enabled again when the page comes back from the back/forward cache; the copy
/// button copies and announces its label in a `role="status"` region; print and download
/// buttons print and save the text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otpkit_js_enhances_forms_and_buttons() {
    let Some(tools) = Tools::find("otpkit.js") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), &[]);
    let driver = Driver::start(&tools, dir.path()).await;
    let c = driver
        .session(&tools, &dir.path().join("profile"), 1280, None)
        .await;
    let js = |script: &'static str| {
        let c = c.clone();
        async move { c.execute(script, vec![]).await.unwrap() }
    };
    c.goto(&demo.at("/signup/")).await.unwrap();
    browser::wait(&c, "main form").await.unwrap();
    // The script is loaded (defer) once the document is complete.
    for _ in 0..100 {
        if js("return document.readyState").await == "complete" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.execute(JS_FIXTURE, vec![]).await.unwrap();
    let before = js("return document.getElementById('send').disabled").await;
    assert_eq!(before, false);
    c.find(Locator::Css("#send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut disabled = false;
    for _ in 0..100 {
        if js("return document.getElementById('send').disabled").await == true {
            disabled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        disabled,
        "the submit button was not disabled after the first submission"
    );
    assert_eq!(
        js("return document.getElementById('f').getAttribute('aria-busy')").await,
        "true"
    );
    js("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))").await;
    assert_eq!(
        js("return document.getElementById('send').disabled").await,
        false
    );
    assert_eq!(
        js("return document.getElementById('f').hasAttribute('aria-busy')").await,
        false
    );

    c.find(Locator::Css("#copy"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut announced = String::new();
    for _ in 0..100 {
        let v = js("const r = document.getElementById('otpkit-live'); return r ? [r.getAttribute('role'), r.textContent] : null").await;
        if v[1] == "Kopiert" {
            assert_eq!(v[0], "status");
            announced = "Kopiert".into();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(announced, "Kopiert", "the copy was not announced");

    c.find(Locator::Css("#print"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(js("return window.__printed").await, 1);

    c.find(Locator::Css("#save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let saved = c
        .execute_async(
            "const done = arguments[0]; window.__blobs[0].text().then(done);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(saved, "ABCD EFGH IJKL\n");
    let _ = c.close().await;
}

/// `.js-only[hidden]` buttons are shown by the script on a page that has them when it loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otpkit_js_shows_script_only_buttons() {
    let Some(tools) = Tools::find("otpkit.js") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), &[]);
    let driver = Driver::start(&tools, dir.path()).await;
    let c = driver
        .session(&tools, &dir.path().join("profile"), 1280, None)
        .await;
    // A page of the demo's origin with the script and a `.js-only` button, written in place so
    // that the script runs on load.
    c.goto(&demo.at("/signup/")).await.unwrap();
    browser::wait(&c, "main form").await.unwrap();
    let script = c
        .execute(
            "return document.querySelector('script[src]').getAttribute('src')",
            vec![],
        )
        .await
        .unwrap();
    let script = script.as_str().unwrap().to_owned();
    c.execute(
        "document.open(); document.write(arguments[0]); document.close();",
        vec![serde_json::json!(format!(
            "<!doctype html><html lang=en><title>t</title><script src=\"{script}\" defer></script>\
             <main><button type=button class=js-only id=extra hidden>Copy</button></main></html>"
        ))],
    )
    .await
    .unwrap();
    let mut shown = false;
    for _ in 0..100 {
        let hidden = c
            .execute(
                "const b = document.getElementById('extra'); return b ? b.hidden : true",
                vec![],
            )
            .await
            .unwrap();
        if hidden == false {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(shown, "the .js-only button stayed hidden");
    let _ = c.close().await;
}

/// The id of the focused element.
async fn focused(c: &Client) -> String {
    c.execute(
        "return document.activeElement ? document.activeElement.id : ''",
        vec![],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Types `keys` into whatever has the focus, as a keyboard does (no click, no element lookup).
async fn type_keys(c: &Client, keys: &str) {
    c.active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

/// Issue 14 item 5: the whole sign-in works with the keyboard alone. Focus starts in the
/// username field; Tab reaches the password (with a visible focus ring), Enter sends; the code
/// step has the focus in the code field; a wrong code is announced (`role="alert"`) and the
/// focus is in the field again; the right code and Enter sign in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_works_with_the_keyboard_alone() {
    use fantoccini::key::Key;
    let Some(tools) = Tools::find("keyboard") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), &[]);
    let driver = Driver::start(&tools, dir.path()).await;
    let c = driver
        .session(&tools, &dir.path().join("profile"), 390, None)
        .await;
    let mut w = Walk {
        c: c.clone(),
        demo: &demo,
        axe_js: &tools.axe_js,
        width: 390,
        lang: None,
        checked: Vec::new(),
        failures: Vec::new(),
        quiet: true,
    };
    let outcome = futures_catch(std::panic::AssertUnwindSafe(async {
        w.sign_up("kim", "kim-password-1").await;
        let mut totp = w.set_up_app().await;
        w.goto("/").await;
        w.click("#logout").await;
        w.goto("/otp/login/").await;
        w.wait("#id_username").await;
        assert_eq!(
            focused(&c).await,
            "id_username",
            "the first field has the focus"
        );
        type_keys(&c, "kim").await;
        type_keys(&c, &format!("{}kim-password-1", char::from(Key::Tab))).await;
        assert_eq!(focused(&c).await, "id_password", "Tab goes to the password");
        // The focus is visible: a ring of at least 2 px (otpkit.css :focus-visible).
        let ring = c
            .execute(
                "const s = getComputedStyle(document.activeElement); \
                 return [s.outlineStyle, parseFloat(s.outlineWidth)];",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            ring[0] != "none" && ring[1].as_f64().unwrap_or(0.0) >= 2.0,
            "no visible focus ring: {ring}"
        );
        let old = c.find(Locator::Css("html")).await.unwrap();
        type_keys(&c, &char::from(Key::Enter).to_string()).await;
        let mut left = false;
        for _ in 0..200 {
            if old.tag_name().await.is_err() {
                left = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(left, "Enter did not send the form");
        w.wait("#id_otp_token").await;
        assert_eq!(
            focused(&c).await,
            "id_otp_token",
            "the code field has the focus"
        );

        let enter = char::from(Key::Enter);
        type_keys(&c, &format!("{}{enter}", totp.wrong_code())).await;
        let alert = w.wait("[role=alert]").await.text().await.unwrap();
        assert!(!alert.is_empty());
        assert_eq!(
            focused(&c).await,
            "id_otp_token",
            "the focus is in the field again"
        );
        // Throttled for a second after the failure: wait it out, with the keyboard.
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let left = c
            .execute("return document.activeElement.value.length", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(0);
        let erase: String = (0..left).map(|_| char::from(Key::Backspace)).collect();
        type_keys(&c, &format!("{erase}{}{enter}", totp.next_code())).await;
        w.wait("#session-state[data-level=verified]").await;
    }))
    .await;
    let _ = c.close().await;
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}
