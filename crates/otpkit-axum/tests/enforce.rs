//! Enforced two-step verification (docs/behaviour.md §7.11): each policy × user state (no
//! device, an unconfirmed one, a confirmed one), in HTML and JSON — a covered user without a
//! method is taken into the guided setup at sign-in and by every guard, never left at a
//! `no_device` dead end; the others keep today's behaviour.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use http::StatusCode;
use otpkit::trust::TrustStore;
use otpkit_axum::enforce::{Compliance, Enforce};
use otpkit_axum::{OtpKit, SessionPasswordAuth};
use serde_json::json;

fn policy(p: Enforce) -> TestApp {
    app_web(|w| w.enforce_2fa = p)
}

/// A TOTP device of `user` that was never confirmed.
async fn unconfirmed(t: &TestApp, user: &str) {
    t.engine
        .create_totp(
            &uid(user),
            otpkit::engine::TotpOptions {
                unconfirmed: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

/// Signs `user` in with the password: the answer (not followed).
async fn password(t: &TestApp, user: &str) -> (Client, Res) {
    let mut c = Client::new(t);
    let r = c
        .post_unfollowed("/otp/login/", &[("username", user), ("password", "pw")])
        .await;
    (c, r)
}

#[tokio::test]
async fn everyone_takes_a_user_without_a_method_into_the_setup() {
    let t = policy(Enforce::Everyone);
    let (mut c, r) = password(&t, "nodev").await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location(), "/otp/devices/new/");
    assert_eq!(c.state().await, "authenticated", "signed in, to enrol");
    // Every guard sends them there first, `if_configured` included.
    for path in ["/require-otp/", "/if-configured/", "/extract/"] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::FOUND, "{path}");
        assert_eq!(r.location(), "/otp/devices/new/", "{path}");
    }
    let r = c.get_json("/require-otp/").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"], "enrolment_required");
    assert_eq!(r.json()["setup_url"], "/otp/devices/new/");
    let r = c.get("/api/balance").await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a JSON-only guard answers JSON"
    );
    // The setup itself is open to them, and says why they are there.
    let r = c.get("/otp/devices/new/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("This site requires two-step verification for your account"),
        "{}",
        r.body
    );
    // Once a method is confirmed, the guards treat them as anyone with a device.
    totp(&t, "nodev").await;
    let r = c.get("/require-otp/").await;
    assert_eq!(r.location(), "/otp/verify/?next=/require-otp/");
}

#[tokio::test]
async fn an_unconfirmed_device_is_no_method() {
    let t = policy(Enforce::Everyone);
    unconfirmed(&t, "alice").await;
    let (_, r) = password(&t, "alice").await;
    assert_eq!(r.location(), "/otp/devices/new/");
}

#[tokio::test]
async fn a_confirmed_device_goes_to_the_code_step_as_always() {
    let t = policy(Enforce::Everyone);
    let pid = totp(&t, "alice").await;
    let (_, r) = password(&t, "alice").await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "the code step (Post/Redirect/Get)"
    );
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    assert_eq!(c.get("/require-otp/").await.body, "secret");
}

#[tokio::test]
async fn staff_covers_only_staff() {
    let t = policy(Enforce::Staff);
    let (_, r) = password(&t, "admin").await;
    assert_eq!(r.location(), "/otp/devices/new/");
    let (mut c, r) = password(&t, "alice").await;
    assert_ne!(r.location(), "/otp/devices/new/");
    assert_eq!(c.state().await, "authenticated");
    assert_eq!(c.get("/if-configured/").await.body, "ok", "not covered");
}

#[tokio::test]
async fn off_keeps_todays_behaviour() {
    let t = policy(Enforce::Off);
    let (mut c, r) = password(&t, "nodev").await;
    assert_ne!(r.location(), "/otp/devices/new/");
    assert_eq!(c.get("/if-configured/").await.body, "ok");
    let r = c.get("/require-otp/").await;
    assert_eq!(r.location(), "/otp/verify/?next=/require-otp/");
}

#[tokio::test]
async fn the_policy_wins_over_a_refusal_without_a_method() {
    // With OTPKIT_LOGIN_OTP_OPTIONAL=false a user without a method is refused `no_device`;
    // a covered one is taken into the setup instead.
    let t = app_web(|w| {
        w.enforce_2fa = Enforce::Everyone;
        w.login_otp_optional = false;
    });
    let (_, r) = password(&t, "nodev").await;
    assert_eq!(r.location(), "/otp/devices/new/");
}

#[tokio::test]
async fn json_sign_in_answers_enrolment_required_signed_in() {
    let t = policy(Enforce::Everyone);
    let mut c = Client::new(&t);
    let r = c
        .post_json(
            "/otp/login/",
            json!({"username": "nodev", "password": "pw", "next": "/reports/"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let body = r.json();
    assert_eq!(body["error"], "enrolment_required");
    assert_eq!(body["setup_url"], "/otp/devices/new/");
    assert_eq!(body["next"], "/reports/");
    assert_eq!(c.state().await, "authenticated");
}

#[tokio::test]
async fn an_application_rule_replaces_the_setting() {
    let t = policy(Enforce::Off);
    let auth = SessionPasswordAuth::from_fn(|_, _| Box::pin(async { Ok(None) }));
    let kit = OtpKit::builder(t.engine.clone(), auth)
        .enforce_for(|user, _info| user.as_str() == "bob")
        .build();
    assert!(kit.enforce_covers(&uid("bob")).await);
    assert!(!kit.enforce_covers(&uid("alice")).await);
    assert!(
        !kit.enforce_covers(&uid("stranger")).await,
        "unknown: not covered"
    );
    assert_eq!(
        kit.compliance(&uid("bob")).await.unwrap(),
        Compliance::Required
    );
    totp(&t, "bob").await;
    assert_eq!(
        kit.compliance(&uid("bob")).await.unwrap(),
        Compliance::Enrolled
    );
    assert_eq!(
        kit.compliance(&uid("alice")).await.unwrap(),
        Compliance::NotCovered
    );
}

#[tokio::test]
async fn the_admin_area_lists_who_has_no_method() {
    let t = policy(Enforce::Everyone);
    let pid = totp(&t, "admin").await;
    totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "admin", &pid).await;
    let r = c.get_json("/otp/admin/users/without-2fa/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.json();
    let users: Vec<&str> = body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"].as_str().unwrap())
        .collect();
    // carol is inactive; admin and alice have a method.
    assert_eq!(users, ["bob", "nodev"]);
    assert_eq!(body["users"][0]["name"], "bob Example");
    assert_eq!(body["complete"], true);
    assert_eq!(body["policy"], "everyone");
    let r = c.get("/otp/admin/users/without-2fa/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Users without two-step verification"),
        "{}",
        r.body
    );
    assert!(r.body.contains("nodev Example (nodev)"), "{}", r.body);
    assert_no_inline(&r);
    // Not for anyone else.
    let (mut alice, _) = password(&t, "alice").await;
    let r = alice.get("/otp/admin/users/without-2fa/").await;
    assert_eq!(r.status, StatusCode::FOUND);
}

#[tokio::test]
async fn a_grace_period_lets_them_in_with_a_reminder_until_it_ends() {
    let t = app_trusted(|w| {
        w.enforce_2fa = Enforce::Everyone;
        w.enforce_grace_days = 7;
    });
    let (mut c, r) = password(&t, "nodev").await;
    assert_eq!(
        r.location(),
        "/otp/devices/new/?next=/",
        "the reminder first"
    );
    let page = c.get(&r.location()).await;
    assert!(
        page.body
            .contains("will be required for your account from 2026-01-08."),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"<a href="&#x2f;">continue without it for now</a>"#),
        "{}",
        page.body
    );
    // Meanwhile, as if the policy did not cover them.
    assert_eq!(c.get("/if-configured/").await.body, "ok");
    assert_eq!(
        c.get("/require-otp/").await.location(),
        "/otp/verify/?next=/require-otp/"
    );
    // Counted from the first sign-in: a day later, still six days left.
    t.clock.advance_secs(86_400);
    let (_, r) = password(&t, "nodev").await;
    assert_eq!(r.location(), "/otp/devices/new/?next=/");
    // Once it ends, the setup comes first, in the old session too.
    t.clock.advance_secs(6 * 86_400);
    let (_, r) = password(&t, "nodev").await;
    assert_eq!(r.location(), "/otp/devices/new/");
    assert_eq!(
        c.get("/if-configured/").await.location(),
        "/otp/devices/new/"
    );
    let start = t
        .trust
        .as_ref()
        .unwrap()
        .grace_started(&uid("nodev"), otpkit::Timestamp::from_secs(T0 + 999))
        .await
        .unwrap();
    assert_eq!(start, otpkit::Timestamp::from_secs(T0), "stored once");
}
