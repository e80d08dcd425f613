//! The example application over HTTP (in process, otpkit's testing kit): both ways to
//! integrate, a pending login refused by axum-login's `login_required!` and by otpkit's
//! `otp_required()`, both passing after the code, a wrong code refused, logout ending both.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/axum-login-app/app/mod.rs"]
mod app;
mod common;

use std::sync::Arc;

use axum::body::Body;
use http::{Request, StatusCode, header};
use otpkit::{ManualClock, Timestamp};
use otpkit_axum::TombstoneStore;
use otpkit_axum::testing::{Authenticator, TestClient, TestResponse};
use tower_sessions::{MemoryStore, SessionManagerLayer};

use app::users::Users;
use common::{Counting, Counts};

/// A fresh application on a manual clock.
struct App {
    app: axum::Router,
    users: Users,
    clock: ManualClock,
}

impl App {
    async fn new() -> App {
        let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
        let (app, users) = app::app(clock.clone(), None).await.unwrap();
        App { app, users, clock }
    }

    fn browser(&self) -> TestClient {
        TestClient::new(self.app.clone()).clock(self.clock.clone())
    }

    /// A new browser after alice's password at `form` (`/login` or `/gate/login`); the
    /// login form's answer.
    async fn password(&self, form: &str, next: &str) -> (TestClient, TestResponse) {
        let mut c = self.browser();
        let fields = [
            ("username", "alice"),
            ("password", "wonderland"),
            ("next", next),
        ];
        let r = c.sign_in_at(form, &fields).await.unwrap();
        (c, r)
    }

    /// Alice, without a device yet, signs in with her password alone (deferred login:
    /// otpkit signs her in with axum-login at once) and adds an authenticator app.
    async fn alice_with_app(&self) -> Authenticator {
        let (mut c, r) = self.password("/login", "/account").await;
        assert_eq!(
            r.location(),
            Some("/account"),
            "no device: the password is enough"
        );
        assert_eq!(c.get("/account").await.unwrap().status(), StatusCode::OK);
        let phone = c.enrol_totp("Phone").await.unwrap();
        assert_eq!(c.state().await.unwrap(), "verified");
        // A code is accepted once: the next login uses the next time step.
        self.clock.advance_secs(30);
        phone
    }
}

/// axum-login's guard refuses: its redirect to `/login?next=…`.
async fn axum_login_refuses(c: &mut TestClient) {
    let r = c.get("/account").await.unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT, "{}", r.text());
    assert_eq!(r.location(), Some("/login?next=%2Faccount"));
}

/// otpkit's guard refuses: to the code step or the login page.
async fn otpkit_refuses(c: &mut TestClient, to: &str) {
    let r = c.get("/reports").await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND, "{}", r.text());
    assert_eq!(r.location(), Some(to));
}

async fn both_pass(c: &mut TestClient) {
    let account = c.get("/account").await.unwrap();
    assert_eq!(account.status(), StatusCode::OK);
    assert!(
        account.text().contains("Account of Alice Liddell."),
        "{}",
        account.text()
    );
    let reports = c.get("/reports").await.unwrap();
    assert_eq!(reports.status(), StatusCode::OK);
    assert!(
        reports.text().contains("Reports for Alice Liddell."),
        "{}",
        reports.text()
    );
}

#[tokio::test]
async fn deferred_login_signs_in_with_axum_login_only_after_the_code() {
    let t = App::new().await;
    let phone = t.alice_with_app().await;
    let (mut c, r) = t.password("/login", "/account").await;
    assert_eq!(r.location(), Some("/otp/verify/?next=/account"));
    assert_eq!(c.state().await.unwrap(), "pending");
    // Password right, code not yet: neither guard lets the pending login through, and the
    // home page knows no axum-login user.
    axum_login_refuses(&mut c).await;
    otpkit_refuses(&mut c, "/otp/verify/?next=/reports").await;
    let home = c.get("/").await.unwrap();
    assert!(home.text().contains("Not signed in."), "{}", home.text());
    // A wrong code keeps refusing (and otpkit throttles the device for a second).
    assert!(c.verify("000000").await.is_err());
    t.clock.advance_secs(2);
    axum_login_refuses(&mut c).await;
    otpkit_refuses(&mut c, "/otp/verify/?next=/reports").await;
    // The code: otpkit calls axum-login's login; both guards pass.
    let before = c.cookie("id").unwrap().to_owned();
    c.verify(&phone.current_code()).await.unwrap();
    assert_eq!(c.state().await.unwrap(), "verified");
    assert_ne!(c.cookie("id"), Some(before.as_str()), "a new session id");
    both_pass(&mut c).await;
    let home = c.get("/").await.unwrap();
    assert!(
        home.text()
            .contains("Signed in (axum-login) as Alice Liddell.")
    );
    // axum-login's logout ends both.
    let session = c.cookie("id").unwrap().to_owned();
    let r = c.post_form("/logout", &[]).await.unwrap();
    assert_eq!(r.location(), Some("/login"));
    assert_eq!(c.state().await.unwrap(), "anonymous");
    axum_login_refuses(&mut c).await;
    otpkit_refuses(&mut c, "/login?next=/reports").await;
    // The signed-out session id is dead everywhere.
    let mut old = t.browser();
    old.set_cookie("id", Some(&session));
    axum_login_refuses(&mut old).await;
    otpkit_refuses(&mut old, "/login?next=/reports").await;
}

#[tokio::test]
async fn gate_axum_login_signs_in_and_otpkit_asks_for_the_code() {
    let t = App::new().await;
    let phone = t.alice_with_app().await;
    let (mut c, r) = t.password("/gate/login", "/reports").await;
    assert_eq!(r.location(), Some("/reports"));
    // axum-login signed alice in: otpkit sees an authenticated, unverified session.
    assert_eq!(c.state().await.unwrap(), "authenticated");
    let account = c.get("/account").await.unwrap();
    assert_eq!(
        account.status(),
        StatusCode::OK,
        "the gate: login_required! passes"
    );
    otpkit_refuses(&mut c, "/otp/verify/?next=/reports").await;
    // A wrong code keeps refusing (and otpkit throttles the device for a second).
    assert!(c.verify("000000").await.is_err());
    t.clock.advance_secs(2);
    otpkit_refuses(&mut c, "/otp/verify/?next=/reports").await;
    c.verify(&phone.current_code()).await.unwrap();
    assert_eq!(c.state().await.unwrap(), "verified");
    both_pass(&mut c).await;
    // otpkit's logout ends axum-login's sign-in too.
    let r = c.post_form("/otp/logout/", &[]).await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(c.state().await.unwrap(), "anonymous");
    axum_login_refuses(&mut c).await;
    otpkit_refuses(&mut c, "/login?next=/reports").await;
}

#[tokio::test]
async fn a_new_gate_login_does_not_inherit_an_earlier_verification() {
    let t = App::new().await;
    let phone = t.alice_with_app().await;
    let (mut c, _) = t.password("/gate/login", "/reports").await;
    c.verify(&phone.current_code()).await.unwrap();
    assert_eq!(c.state().await.unwrap(), "verified");
    // bob signs in through the gate in the same browser: a new sign-in, a new session id,
    // nothing of alice's verification.
    let before = c.cookie("id").unwrap().to_owned();
    let bob = [("username", "bob"), ("password", "can-we-fix-it")];
    c.sign_in_at("/gate/login", &bob).await.unwrap();
    assert_ne!(c.cookie("id"), Some(before.as_str()));
    let home = c.get("/").await.unwrap();
    assert!(home.text().contains("Bob Builder"), "{}", home.text());
    assert_eq!(c.state().await.unwrap(), "authenticated");
}

#[tokio::test]
async fn a_wrong_password_signs_nobody_in_either_way() {
    let t = App::new().await;
    for form in ["/login", "/gate/login"] {
        let mut c = t.browser();
        let wrong = [("username", "alice"), ("password", "nope")];
        assert!(c.sign_in_at(form, &wrong).await.is_err());
        let unknown = [("username", "mallory"), ("password", "wonderland")];
        assert!(c.sign_in_at(form, &unknown).await.is_err());
        assert_eq!(c.state().await.unwrap(), "anonymous");
        axum_login_refuses(&mut c).await;
    }
}

#[tokio::test]
async fn a_new_password_ends_the_users_sessions() {
    let t = App::new().await;
    let phone = t.alice_with_app().await;
    let (mut c, _) = t.password("/login", "/account").await;
    c.verify(&phone.current_code()).await.unwrap();
    both_pass(&mut c).await;
    // axum-login's session auth hash (the password hash) changes: the session ends at the
    // next request, for axum-login and for otpkit.
    t.users
        .set_password("alice", "looking-glass")
        .await
        .unwrap();
    axum_login_refuses(&mut c).await;
    assert_eq!(c.state().await.unwrap(), "anonymous");
    otpkit_refuses(&mut c, "/login?next=/reports").await;
}

#[tokio::test]
async fn the_pages_answer() {
    let t = App::new().await;
    let mut c = t.browser();
    for path in ["/", "/login", "/gate/login"] {
        let r = c.get(path).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(r.text().contains("<html lang=\"en\">"), "{path}");
    }
    // A `next` outside the application is not kept.
    let r = c.get("/login?next=//evil.example/").await.unwrap();
    assert!(
        r.text().contains("name=\"next\" value=\"/\""),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn the_code_step_is_one_load_one_save_and_one_id_cycle() {
    // The whole stack (otpkit's layers, the adapter, axum-login) on a counting store.
    let counts = Arc::new(Counts::default());
    let store = Counting::new(TombstoneStore::new(MemoryStore::default()), &counts);
    let layer = SessionManagerLayer::new(store).with_secure(false);
    let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
    let (app, users) = app::app_with_sessions(clock.clone(), None, layer)
        .await
        .unwrap();
    let t = App { app, users, clock };
    let phone = t.alice_with_app().await;
    let (mut c, _) = t.password("/login", "/account").await;
    let token = c.csrf_token().await.unwrap();
    let pending = c.cookie("id").unwrap().to_owned();
    counts.take();
    // The code: otpkit verifies it, calls axum-login's login and rotates the id, once.
    let body = format!(
        "otp_token={}&csrf_token={token}&next=%2Faccount",
        phone.current_code()
    );
    let req = Request::post("/otp/verify/")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let r = c.request(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND, "{}", r.text());
    assert_eq!(r.location(), Some("/account"));
    assert_eq!(
        counts.take(),
        (1, 1, 1),
        "loads, saves, deletes of the code step"
    );
    // A guarded page: one load, nothing written.
    both_pass(&mut c).await;
    assert_eq!(counts.take(), (2, 0, 0), "two pages, one load each");
    // The pending login's id loads nothing any more.
    let mut old = t.browser();
    old.set_cookie("id", Some(&pending));
    axum_login_refuses(&mut old).await;
}

#[tokio::test]
async fn a_durable_store_lists_and_ends_an_axum_login_users_sessions() {
    use otpkit_sessions::UserSessions;
    // otpkit's SQLite session store indexes sessions by the user id under its default key,
    // which the adapter keeps beside axum-login's data.
    let db = otpkit_sqlite::SqliteStore::open_and_migrate("sqlite::memory:")
        .await
        .unwrap();
    let sessions = otpkit_sqlite::SqliteSessionStore::new(db);
    sessions.migrate().await.unwrap();
    let layer = otpkit_axum::session_layer(sessions.clone()).with_secure(false);
    let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
    let (app, users) = app::app_with_sessions(clock.clone(), None, layer)
        .await
        .unwrap();
    let t = App { app, users, clock };
    let phone = t.alice_with_app().await;
    // A second browser through the gate, a third through the deferred login.
    let (mut gate, _) = t.password("/gate/login", "/reports").await;
    let (mut deferred, _) = t.password("/login", "/account").await;
    deferred.verify(&phone.current_code()).await.unwrap();
    both_pass(&mut deferred).await;
    // alice is row 1 of the user table: otpkit's user id "1".
    let alice = otpkit::UserId::new("1").unwrap();
    let listed = sessions.list_sessions(&alice).await.unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    // Ending them all signs every browser out, for axum-login and for otpkit.
    sessions.end_all_sessions(&alice, None).await.unwrap();
    axum_login_refuses(&mut gate).await;
    axum_login_refuses(&mut deferred).await;
    otpkit_refuses(&mut deferred, "/login?next=/reports").await;
    assert!(sessions.list_sessions(&alice).await.unwrap().is_empty());
}
