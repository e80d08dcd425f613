//! The application with otpkit as its second factor, driven through otpkit's testing kit:
//! its own password login, then otpkit's code step; enrolment from its settings page;
//! backup codes; its JSON route; what otpkit does not mount.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::body::Body;
use http::{Request, StatusCode, header};
use otpkit::{ManualClock, Timestamp};
use otpkit_axum::testing::{Authenticator, TestClient, TestError};

/// A fresh application (its own users, otpkit on a manual clock).
struct App {
    app: axum::Router,
    clock: ManualClock,
}

impl App {
    async fn new() -> App {
        let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
        let app = otpkit_example_own_login::app(clock.clone()).await.unwrap();
        App { app, clock }
    }

    /// A new browser.
    fn browser(&self) -> TestClient {
        TestClient::new(self.app.clone()).clock(self.clock.clone())
    }

    /// A new browser after alice's password (the answer of the login form).
    async fn after_password(&self, next: &str) -> (TestClient, Option<String>) {
        let mut c = self.browser();
        let fields = [
            ("username", "alice"),
            ("password", "wonderland"),
            ("next", next),
        ];
        let r = c.sign_in_at("/login", &fields).await.unwrap();
        (c, r.location().map(str::to_owned))
    }

    /// Alice signs in with her password (no device yet) and adds an authenticator app from
    /// her settings page; a code is accepted once, so the clock moves on a step.
    async fn alice_with_app(&self) -> Authenticator {
        let (mut c, to) = self.after_password("/settings").await;
        assert_eq!(
            to.as_deref(),
            Some("/settings"),
            "no device: the password is enough"
        );
        let settings = c.get("/settings").await.unwrap();
        assert_eq!(settings.status(), StatusCode::OK);
        assert!(settings.text().contains("href=\"/otp/devices/totp/new/\""));
        assert_eq!(
            c.get("/otp/devices/totp/new/").await.unwrap().status(),
            StatusCode::OK
        );
        let phone = c.enrol_totp("Phone").await.unwrap();
        assert_eq!(c.state().await.unwrap(), "verified");
        self.clock.advance_secs(30);
        phone
    }
}

#[tokio::test]
async fn password_login_then_the_code_step() {
    let t = App::new().await;
    let phone = t.alice_with_app().await;
    // A wrong password is the application's own refusal.
    let mut c = t.browser();
    let wrong = [("username", "alice"), ("password", "nope")];
    let err = c.sign_in_at("/login", &wrong).await.unwrap_err();
    let TestError::Refused { status, body, .. } = err else {
        panic!("{err}");
    };
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("Wrong username or password."), "{body}");
    // Only a local `next` is kept.
    let (_, to) = t.after_password("//evil.example/").await;
    assert_eq!(to.as_deref(), Some("/otp/verify/?next=/"));
    // The password, then otpkit's code step.
    let (mut c, to) = t.after_password("/").await;
    assert_eq!(to.as_deref(), Some("/otp/verify/?next=/"));
    assert_eq!(c.state().await.unwrap(), "pending");
    let page = c.get("/otp/verify/?next=/").await.unwrap();
    assert!(
        page.text().contains("name=\"otp_token\""),
        "{}",
        page.text()
    );
    c.verify(&phone.current_code()).await.unwrap();
    assert_eq!(c.state().await.unwrap(), "verified");
    let home = c.get("/").await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    assert!(
        home.text().contains("Hello Alice Liddell!"),
        "{}",
        home.text()
    );
    assert!(home.text().contains("Sign out"), "{}", home.text());
    // The application's own sign-out.
    let r = c.post_form("/logout", &[]).await.unwrap();
    assert_eq!(r.location(), Some("/login"));
    assert_eq!(c.state().await.unwrap(), "anonymous");
}

#[tokio::test]
async fn the_settings_page_enrols_an_authenticator_app() {
    let t = App::new().await;
    let phone = t.alice_with_app().await;
    assert!(
        phone.device().starts_with("otp_totp.totpdevice/"),
        "{phone:?}"
    );
    // The device list shows it; bob has none and still signs in with his password.
    let (mut c, _) = t.after_password("/").await;
    c.verify(&phone.current_code()).await.unwrap();
    let list = c.get("/otp/devices/").await.unwrap();
    assert!(list.text().contains("Phone"), "{}", list.text());
    let mut bob = t.browser();
    let fields = [("username", "bob"), ("password", "can-we-fix-it")];
    let r = bob.sign_in_at("/login", &fields).await.unwrap();
    assert_eq!(r.location(), Some("/"));
    assert_eq!(bob.get("/").await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn backup_codes_from_the_settings_page_sign_in_once_each() {
    let t = App::new().await;
    let phone = t.alice_with_app().await;
    let (mut c, _) = t.after_password("/settings").await;
    c.verify(&phone.current_code()).await.unwrap();
    // The settings page's own form, with the CSRF token it carries.
    let settings = c.get("/settings").await.unwrap();
    let token = settings.csrf_token().unwrap().to_owned();
    assert!(
        settings
            .text()
            .contains("action=\"/otp/devices/backup-codes/\"")
    );
    let req = Request::post("/otp/devices/backup-codes/")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf_token={token}")))
        .unwrap();
    let r = c.request(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), Some("/otp/devices/backup-codes/"));
    let shown = c.get("/otp/devices/backup-codes/").await.unwrap();
    assert_eq!(shown.status(), StatusCode::OK);
    // A new batch (in JSON, to read the codes), then one of them signs in once.
    let codes = c.new_backup_codes().await.unwrap();
    assert_eq!(codes.len(), 10);
    let (mut other, _) = t.after_password("/").await;
    other.verify(&codes[0]).await.unwrap();
    assert_eq!(other.state().await.unwrap(), "verified");
    let (mut third, _) = t.after_password("/").await;
    let err = third.verify(&codes[0]).await.unwrap_err();
    let TestError::Refused { status, body, .. } = err else {
        panic!("{err}");
    };
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("invalid_token"), "{body}");
    assert_eq!(third.state().await.unwrap(), "pending");
}

#[tokio::test]
async fn the_json_route_answers_401_json_until_the_code() {
    let t = App::new().await;
    let phone = t.alice_with_app().await;
    // Anonymous, with curl's `Accept: */*`: JSON, not a redirect to the login page.
    let mut c = t.browser();
    let req = Request::get("/api/me")
        .header(header::ACCEPT, "*/*")
        .body(Body::empty())
        .unwrap();
    let r = c.request(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "otp_required", "{}", r.text());
    assert_eq!(r.json()["login_url"], "/login?next=/api/me");
    // The password only: the code step's URL.
    let (mut c, _) = t.after_password("/").await;
    let r = c.get("/api/me").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["login_url"], "/otp/verify/?next=/api/me");
    // After the code.
    c.verify(&phone.current_code()).await.unwrap();
    let r = c.get("/api/me").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json()["username"], "alice");
    assert_eq!(r.json()["name"], "Alice Liddell");
}

#[tokio::test]
async fn otpkit_password_login_is_not_mounted() {
    let t = App::new().await;
    let mut c = t.browser();
    for path in ["/otp/login/", "/otp/admin/login/"] {
        assert_eq!(
            c.get(path).await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The application's login page is where anonymous visitors go.
    let r = c.get("/settings").await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.location(), Some("/login?next=/settings"));
    let login = c.get("/login?next=/settings").await.unwrap();
    // (minijinja escapes `/` in attribute values; the browser sends `/settings`.)
    assert!(
        login
            .text()
            .contains("name=\"next\" value=\"&#x2f;settings\""),
        "{}",
        login.text()
    );
    assert!(!login.text().contains("Sign out"));
}

#[tokio::test]
async fn a_guarded_page_sends_a_password_only_session_to_the_code_step_in_one_hop() {
    let t = App::new().await;
    t.alice_with_app().await;
    let (mut c, _) = t.after_password("/").await;
    for page in ["/", "/settings"] {
        let r = c.get(page).await.unwrap();
        assert_eq!(r.status(), StatusCode::FOUND, "{page}");
        assert_eq!(
            r.location(),
            Some(format!("/otp/verify/?next={page}").as_str())
        );
    }
    // Followed like a browser: the code step's page, in one hop.
    let mut c = c.follow_redirects(true);
    let r = c.get("/settings").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().contains("name=\"otp_token\""), "{}", r.text());
}
