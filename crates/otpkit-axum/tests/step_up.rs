//! Step-up for the application's routes (docs/behaviour.md §7.2.1): `step_up()` and `Fresh`
//! with an injected clock — the boundaries at `max_age` and one second past it, the kinds,
//! the HTML and JSON answers, and the code step that shows only the kinds asked for.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use http::StatusCode;

/// alice signed in with a TOTP device (verified at T0); returns her client and the device.
async fn alice(t: &TestApp) -> (Client, String) {
    let pid = totp(t, "alice").await;
    let mut c = Client::new(t);
    c.login_totp(t, "alice", &pid).await;
    (c, pid)
}

#[tokio::test]
async fn a_verification_passes_until_max_age_and_not_one_second_later() {
    let t = app();
    let (mut c, _) = alice(&t).await;
    t.clock.advance_secs(60);
    let r = c.get("/step-up/60/").await;
    assert_eq!(r.status, StatusCode::OK, "exactly max_age old passes");
    assert_eq!(r.body, "stepped up");
    t.clock.advance_secs(1);
    let r = c.get("/step-up/60/").await;
    assert_eq!(r.status, StatusCode::FOUND, "one second later it does not");
    assert_eq!(r.location(), "/otp/verify/?next=/step-up/60/");
    // JSON: 401 with its own code, where to verify, the age and kinds.
    let r = c.get_json("/step-up/60/").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let body = r.json();
    assert_eq!(body["error"], "step_up_required");
    assert_eq!(body["login_url"], "/otp/verify/?next=/step-up/60/");
    assert_eq!(body["max_age"], 60);
    assert_eq!(body["kinds"], serde_json::json!([]));
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("again"))
    );
}

#[tokio::test]
async fn verifying_again_passes_the_step_up() {
    let t = app();
    let (mut c, pid) = alice(&t).await;
    t.clock.advance_secs(120);
    assert_eq!(c.get("/step-up/60/").await.status, StatusCode::FOUND);
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/verify/",
            &[
                ("otp_device", pid.as_str()),
                ("otp_token", code.expose()),
                ("next", "/step-up/60/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location(), "/step-up/60/");
    assert_eq!(c.get("/step-up/60/").await.body, "stepped up");
}

#[tokio::test]
async fn the_fresh_extractor_uses_the_kits_reauth_max_age() {
    let t = app();
    let (mut c, pid) = alice(&t).await;
    let r = c.get("/fresh/").await;
    assert_eq!(r.body, format!("alice {pid}"));
    t.clock.advance_secs(300);
    assert_eq!(c.get("/fresh/").await.status, StatusCode::OK);
    t.clock.advance_secs(1);
    let r = c.get("/fresh/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/verify/?next=/fresh/");
}

#[tokio::test]
async fn a_session_that_is_not_verified_gets_the_guards_answer() {
    let t = app();
    let mut anon = Client::new(&t);
    let r = anon.get("/step-up/60/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/login/?next=/step-up/60/");
    let r = anon.get_json("/step-up/totp/").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "otp_required");
}

#[tokio::test]
async fn only_the_kinds_asked_for_count() {
    let t = app();
    let (mut c, pid) = alice(&t).await;
    // Verified by TOTP: the TOTP-only route passes, the other kind's does not.
    assert_eq!(c.get("/step-up/totp/").await.body, "totp only");
    let r = c.get("/step-up/refusing/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(
        r.location(),
        "/otp/verify/?next=/step-up/refusing/&kinds=test.refusingdevice"
    );
    let r = c.get_json("/step-up/refusing/").await;
    assert_eq!(
        r.json()["kinds"],
        serde_json::json!(["test.refusingdevice"])
    );
    // The code step then offers only that kind: alice has none of it.
    let r = c.get(r.json()["login_url"].as_str().unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        !r.body.contains(&pid),
        "the TOTP device is not offered: {}",
        r.body
    );
}
