//! Passkeys in a real browser (issue 17, "Real browser"): the demo in Chromium through
//! chromedriver with a WebDriver virtual authenticator (CTAP2, resident keys, user
//! verification): sign up, add a passkey on "Add a security key or passkey" (the guided
//! setup then shows backup codes), sign out, sign in with the password and the passkey ("Use
//! your security key or passkey" on the code step), sign out, and sign in with the passkey
//! alone ("Sign in with a passkey" on the login page: the demo allows passwordless sign-in
//! for accounts that have another way in). Screenshots of each step in
//! `target/e2e/passkey-*.png`.
//!
//! The browser uses `http://localhost:PORT` (a relying-party id cannot be an IP address):
//! the demo's default relying party for a loopback address. Needs Chromium, chromedriver and
//! axe-core (see the `browser` module); without them the test prints `SKIPPED`, unless
//! `OTPKIT_REQUIRE_BROWSER=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod browser;
mod common;

use std::time::Duration;

use browser::{Driver, Tools};
use common::Demo;
use fantoccini::Client;
use fantoccini::wd::WebDriverCompatibleCommand;

/// WebDriver's "Add Virtual Authenticator" (WebAuthn Level 2, §11.3).
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let id = session_id.unwrap_or_default();
        base_url.join(&format!("session/{id}/webauthn/authenticator"))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
            "automaticPresenceSimulation": true,
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

struct Browser<'a> {
    c: Client,
    base: String,
    demo: &'a Demo,
    axe_js: &'a str,
}

impl Browser<'_> {
    async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        match browser::wait(&self.c, css).await {
            Ok(e) => e,
            Err(e) => {
                let src = self.c.source().await.unwrap_or_default();
                let log = self.demo.stderr();
                panic!("{e}\n{src}\n--- demo stderr ---\n{log}");
            }
        }
    }

    async fn fill(&self, css: &str, text: &str) {
        let e = self.wait(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.wait(css).await.click().await.unwrap();
    }

    /// Waits until the browser shows `path`.
    async fn at(&self, path: &str) {
        for _ in 0..200 {
            if self.c.current_url().await.unwrap().path() == path {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let now = self.c.current_url().await.unwrap();
        let src = self.c.source().await.unwrap_or_default();
        panic!("the browser did not reach {path}; it is at {now}\n{src}");
    }

    /// A screenshot, and axe-core finds nothing on the page.
    async fn shot(&self, name: &str) {
        browser::screenshot(&self.c, &format!("passkey-{name}"), 1280).await;
        let violations = browser::axe(&self.c, self.axe_js).await;
        let text: Vec<String> = violations.iter().map(ToString::to_string).collect();
        assert!(violations.is_empty(), "{name}:\n{}", text.join(""));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn enrol_a_passkey_then_sign_in_with_password_and_passkey() {
    let Some(tools) = Tools::find("passkeys") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let driver = Driver::start(&tools, dir.path()).await;
    let demo = Demo::start(dir.path(), &[]);
    let base = demo.url.replace("127.0.0.1", "localhost");
    let profile = dir.path().join("profile");
    let c = driver.session(&tools, &profile, 1280, None).await;
    c.issue_cmd(AddVirtualAuthenticator).await.unwrap();
    let b = Browser {
        c,
        base,
        demo: &demo,
        axe_js: &tools.axe_js,
    };

    // Sign up: signed in with the password only.
    b.goto("/signup/").await;
    b.fill("#id_username", "alice").await;
    b.fill("#id_email", "alice@example.com").await;
    b.fill("#id_password", "correct horse battery").await;
    b.fill("#id_password2", "correct horse battery").await;
    b.click("main form button[type=submit]").await;
    b.wait("#session-state[data-level=authenticated]").await;

    // Add a passkey: the virtual authenticator answers navigator.credentials.create().
    b.goto("/otp/passkeys/new/").await;
    b.fill("#id_passkey_name", "Laptop").await;
    b.shot("1-add").await;
    b.click("#id_passkey_form button[type=submit]").await;
    // The guided setup goes on: the backup codes, then its last page.
    b.at("/otp/devices/new/backup-codes/").await;
    b.wait("#backup-codes").await;
    b.shot("2-backup-codes").await;
    b.click("#id_saved").await;
    b.click("form:has(#id_saved) button[type=submit]").await;
    b.at("/otp/devices/new/done/").await;
    b.goto("/otp/devices/").await;
    let list = b.wait("main").await.text().await.unwrap();
    assert!(list.contains("Laptop"), "{list}");
    b.shot("2-devices").await;

    // Sign out, then sign in: the password, then the passkey.
    b.click("#logout").await;
    b.wait("main").await;
    b.goto("/otp/login/").await;
    b.fill("#id_username", "alice").await;
    b.fill("#id_password", "correct horse battery").await;
    b.click("form:has(#id_password) button[type=submit]").await;
    // The code step links to the passkey; its text field is for the backup codes.
    b.wait(r#"a[href*="/passkeys/verify/"]"#).await;
    b.shot("3-code-step").await;
    b.click(r#"a[href*="/passkeys/verify/"]"#).await;
    b.wait("#id_passkey_form").await;
    b.shot("4-use-key").await;
    b.click("#id_passkey_form button[type=submit]").await;
    b.wait("#session-state[data-level=verified]").await;
    b.shot("5-signed-in").await;

    // Sign out, then sign in with the passkey alone: no user name, no password.
    b.click("#logout").await;
    b.wait("main").await;
    b.goto("/otp/login/").await;
    b.click(r#"a[href*="/passkeys/sign-in/"]"#).await;
    b.wait("#id_passkey_form").await;
    b.shot("6-passwordless").await;
    b.click("#id_passkey_form button[type=submit]").await;
    b.wait("#session-state[data-level=verified]").await;
    let page = b.wait("body").await.text().await.unwrap();
    assert!(page.contains("alice"), "signed in as alice: {page}");
    b.shot("7-signed-in-without-password").await;

    b.c.close().await.unwrap();
    demo.stop();
}
