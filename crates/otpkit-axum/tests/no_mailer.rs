//! A kind is offered only when what it needs exists (issue 15): on a site without a mailer
//! (`Engine::sends_email` false) email codes are not offered anywhere, and asking for them
//! anyway is refused with `kind_unavailable` before anything is created or sent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use http::StatusCode;
use serde_json::json;

const UNAVAILABLE: &str = "Email codes are not available on this site.";

/// A confirmed email device of `user`; returns its persistent id.
async fn email_device(t: &TestApp, user: &str) -> String {
    t.engine
        .create_email(
            &uid(user),
            Some("Work mail"),
            Some(format!("{user}@example.com")),
            true,
        )
        .await
        .unwrap()
        .persistent_id()
}

/// How many devices (confirmed or not) `user` has.
async fn devices_of(t: &TestApp, user: &str) -> usize {
    t.engine
        .devices_for_user(Some(&uid(user)), None)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn email_enrolment_is_refused_before_anything_is_created_or_sent() {
    let t = app_no_mailer();
    assert!(!t.engine.sends_email());
    let mut c = Client::new(&t);
    c.login_password("nodev").await;

    let r = c.get("/otp/devices/email/new/").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(r.body.contains(UNAVAILABLE), "{}", r.body);
    assert!(
        r.body.contains("data-code=\"kind_unavailable\""),
        "{}",
        r.body
    );
    assert!(!r.body.contains("id=\"id_email\""), "no address field");

    let r = c
        .post_unfollowed("/otp/devices/email/new/", &[("email", "nodev@example.com")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(r.body.contains(UNAVAILABLE), "{}", r.body);

    let r = c
        .post_json(
            "/otp/devices/email/new/",
            json!({"email": "nodev@example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.json()["error"], "kind_unavailable");
    assert_eq!(r.json()["message"], UNAVAILABLE);
    let r = c.get_json("/otp/devices/email/new/").await;
    assert_eq!(r.json()["error"], "kind_unavailable");

    assert_eq!(devices_of(&t, "nodev").await, 0, "nothing was created");
    assert_eq!(t.mailer.messages().len(), 0, "nothing was sent");
}

#[tokio::test]
async fn with_a_mailer_the_same_page_is_offered() {
    let t = app();
    assert!(t.engine.sends_email());
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let r = c.get("/otp/devices/email/new/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"id_email\""));
}

#[tokio::test]
async fn the_setup_and_the_device_list_offer_no_email() {
    let t = app_no_mailer();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let r = c.get_json("/otp/devices/new/").await;
    let methods = setup_methods(&r);
    assert_eq!(methods, ["totp"]);
    let r = c.get("/otp/devices/new/").await;
    assert!(!r.body.contains("email&#x2f;new"), "{}", r.body);

    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = c.get("/otp/devices/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("email&#x2f;new"), "{}", r.body);
}

#[tokio::test]
async fn the_admin_add_form_offers_no_email_and_refuses_it() {
    let t = app_no_mailer();
    let pid = totp(&t, "admin").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "admin", &pid).await;
    let r = c.get("/otp/admin/devices/add/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("value=\"email\""), "{}", r.body);
    assert!(!r.body.contains("id=\"id_email\""), "{}", r.body);
    assert!(r.body.contains("value=\"totp\""), "the other kinds stay");

    // Asked for anyway (a stale form, a hand-made request): refused, nothing created.
    let r = c
        .post(
            "/otp/admin/devices/add/",
            &[
                ("user", "alice"),
                ("kind", "email"),
                ("email", "a@example.com"),
            ],
        )
        .await;
    assert_eq!(
        c.see_other.as_deref(),
        Some("/otp/admin/devices/add/"),
        "back to the form"
    );
    assert!(
        r.body.contains("data-code=\"kind_unavailable\""),
        "{}",
        r.body
    );
    assert!(r.body.contains(UNAVAILABLE), "{}", r.body);
    let r = c
        .post_json(
            "/otp/admin/devices/add/",
            json!({"user": "alice", "kind": "email"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.json()["error"], "kind_unavailable");
    assert_eq!(devices_of(&t, "alice").await, 0);

    // With a mailer the form offers email codes.
    let t = app();
    let pid = totp(&t, "admin").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "admin", &pid).await;
    let r = c.get("/otp/admin/devices/add/").await;
    assert!(r.body.contains("value=\"email\""), "{}", r.body);
}

/// An email device set up while the site could send email: the code step prefers a method
/// that works, and does not offer the email device among the others.
#[tokio::test]
async fn the_code_step_prefers_a_method_that_works() {
    let t = app_no_mailer();
    email_device(&t, "alice").await;
    totp(&t, "alice").await;
    let mut c = Client::new(&t);
    let r = c.login_password("alice").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"id_otp_token\""), "{}", r.body);
    assert!(r.body.contains("authenticator app"), "{}", r.body);
    assert!(!r.body.contains("Email me a code"), "{}", r.body);
    assert!(!r.body.contains("Use another method"), "{}", r.body);
    assert!(!r.body.contains("kind_unavailable"), "{}", r.body);
}

/// The only method is an email device: the code step says why no code can come, rather
/// than offering a button that fails; a challenge asked for anyway is refused and nothing
/// is sent.
#[tokio::test]
async fn an_email_device_alone_is_shown_with_the_reason() {
    let t = app_no_mailer();
    let pid = email_device(&t, "bob").await;
    let mut c = Client::new(&t);
    let r = c.login_password("bob").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("Email codes are not available on this site. Use another method, or ask an administrator for help."),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("data-code=\"kind_unavailable\""),
        "{}",
        r.body
    );
    assert!(!r.body.contains("name=\"otp_challenge\""), "{}", r.body);

    let mut c = Client::new(&t);
    let r = c
        .post_json("/otp/login/", json!({"username": "bob", "password": "pw"}))
        .await;
    assert_eq!(r.json()["devices"][0]["id"], pid.as_str());
    assert_eq!(r.json()["devices"][0]["available"], false, "{}", r.body);
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_challenge": "1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.json()["error"], "kind_unavailable");
    assert_eq!(t.mailer.messages().len(), 0);
}
