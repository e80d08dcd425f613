//! Trusted browsers (docs/behaviour.md §7.12): "Trust this browser" on the code step, a
//! later password sign-in from that browser without a code, and every way the trust does
//! not apply — expired, revoked, another user's, another browser, no store — plus what a
//! trusted session may not do (step-up, the device list's verified rule, the admin area),
//! the cookie's attributes, and the ends of the trust (device removed, lock-out, password
//! changed, the user's and the administrator's revocations).
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
use serde_json::json;

/// Signs `user` in with password and code, ticking "Trust this browser": the client (which
/// keeps the cookie) and the sign-in's answer.
async fn trusting(t: &TestApp, user: &str, pid: &str) -> (Client, Res) {
    let mut c = Client::new(t);
    c.agent = Some("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0".into());
    let code = t.engine.current_totp(pid).await.unwrap();
    let r = c
        .post_unfollowed(
            "/otp/login/",
            &[
                ("username", user),
                ("password", "pw"),
                ("otp_device", pid),
                ("otp_token", code.expose()),
                ("trust_browser", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    (c, r)
}

/// The same browser (its trusted cookie), signed out: a new session.
fn later(t: &TestApp, c: &Client) -> Client {
    let mut n = Client::new(t);
    n.trusted = c.trusted.clone();
    n
}

/// The password alone: `true` if it signed in (no code step).
async fn password_only(c: &mut Client, user: &str) -> bool {
    let r = c
        .post_unfollowed("/otp/login/", &[("username", user), ("password", "pw")])
        .await;
    r.status == StatusCode::FOUND && c.state().await == "verified"
}

#[tokio::test]
async fn a_trusted_browser_signs_in_with_the_password_alone() {
    let t = app_trusted(|_| {});
    let pid = totp(&t, "alice").await;
    let (c, r) = trusting(&t, "alice", &pid).await;
    // The cookie: HttpOnly, SameSite=Lax, host-only, Secure (not a loopback host), 30 days.
    let set = r.header("set-cookie").unwrap_or_default();
    let all: Vec<String> = set.split('\n').map(str::to_owned).collect();
    let cookie = all
        .iter()
        .find(|c| c.starts_with("otpkit_trusted_browser="))
        .unwrap_or_else(|| panic!("{set}"));
    for attr in [
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Path=/",
        "Max-Age=2592000",
    ] {
        assert!(cookie.contains(attr), "{attr}: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "host-only: {cookie}");
    let token = c.trusted.clone().unwrap();
    // The store keeps only its hash.
    let stored = t.trust.as_ref().unwrap().dump().unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].token_hash.contains(&token));
    assert_eq!(stored[0].description, "Firefox|Linux");

    let mut again = later(&t, &c);
    assert!(password_only(&mut again, "alice").await, "no code step");
    assert_eq!(again.get("/require-otp/").await.body, "secret");
    assert_eq!(again.get("/extract/").await.body, format!("alice {pid}"));
}

#[tokio::test]
async fn a_trusted_session_is_no_step_up_and_not_verified_for_devices_or_admin() {
    let t = app_trusted(|_| {});
    let pid = totp(&t, "admin").await;
    let (c, _) = trusting(&t, "admin", &pid).await;
    let mut again = later(&t, &c);
    assert!(password_only(&mut again, "admin").await);
    // Step-up: the code is asked for, even a second after.
    let r = again.get("/step-up/60/").await;
    assert_eq!(r.location(), "/otp/verify/?next=/step-up/60/");
    assert_eq!(again.get("/fresh/").await.status, StatusCode::FOUND);
    // The device list and the admin area want a device's verification.
    let r = again.get("/otp/devices/").await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let r = again.get("/otp/admin/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    // A code verifies it for real: the mark no longer applies.
    next_step(&t);
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = again
        .post(
            "/otp/verify/",
            &[("otp_device", pid.as_str()), ("otp_token", code.expose())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(again.get("/step-up/60/").await.body, "stepped up");
    assert_eq!(again.get("/otp/admin/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_expired_revoked_or_another_users_trust_asks_for_the_code() {
    let t = app_trusted(|w| w.trust_browser_days = 1);
    let pid = totp(&t, "alice").await;
    totp(&t, "bob").await;
    let (c, _) = trusting(&t, "alice", &pid).await;
    // Another user with alice's browser: the code.
    assert!(!password_only(&mut later(&t, &c), "bob").await);
    // Another browser (no cookie, a wrong one): the code.
    assert!(!password_only(&mut Client::new(&t), "alice").await);
    let mut forged = Client::new(&t);
    forged.trusted = Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
    assert!(!password_only(&mut forged, "alice").await);
    // Until the last millisecond, then not.
    t.clock.advance_millis(86_400_000 - 1);
    assert!(password_only(&mut later(&t, &c), "alice").await);
    t.clock.advance_millis(1);
    assert!(!password_only(&mut later(&t, &c), "alice").await);
}

#[tokio::test]
async fn revoking_from_another_session_asks_for_the_code_again() {
    let t = app_trusted(|_| {});
    let pid = totp(&t, "alice").await;
    let (c, _) = trusting(&t, "alice", &pid).await;
    let mut other = Client::new(&t);
    next_step(&t);
    other.login_totp(&t, "alice", &pid).await;
    let r = other.get_json("/otp/devices/trusted/").await;
    let list = r.json()["browsers"].clone();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["description"], "Firefox on Linux");
    let id = list[0]["id"].as_i64().unwrap();
    // The HTML section lists it.
    let page = other.get("/otp/devices/").await;
    assert!(page.body.contains("Trusted browsers"), "{}", page.body);
    // Not another user's record.
    let bob_pid = totp(&t, "bob").await;
    let mut bob = Client::new(&t);
    bob.login_totp(&t, "bob", &bob_pid).await;
    let r = bob
        .post_json(&format!("/otp/devices/trusted/{id}/revoke/"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = other
        .post_json(&format!("/otp/devices/trusted/{id}/revoke/"), json!({}))
        .await;
    assert_eq!(r.json(), json!({"status": "revoked", "count": 1}));
    assert!(!password_only(&mut later(&t, &c), "alice").await);
}

#[tokio::test]
async fn removing_a_device_a_lock_out_or_a_new_password_end_the_trust() {
    let t = app_trusted(|_| {});
    let alice = uid("alice");
    let pid = totp(&t, "alice").await;
    let store = t.trust.clone().unwrap();
    // A new password.
    let (c, _) = trusting(&t, "alice", &pid).await;
    assert_eq!(t.kit.password_changed(&alice).await.unwrap(), 1);
    assert!(!password_only(&mut later(&t, &c), "alice").await);
    // A device removed (by its owner).
    next_step(&t);
    let (mut c, _) = trusting(&t, "alice", &pid).await;
    let second = totp(&t, "alice").await;
    let r = c
        .post_json(&format!("/otp/devices/{second}/remove/"), json!({}))
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.body);
    assert!(store.list_trusted(&alice).await.unwrap().is_empty());
    // A lock-out by wrong codes.
    next_step(&t);
    let (c, _) = trusting(&t, "alice", &pid).await;
    assert_eq!(store.list_trusted(&alice).await.unwrap().len(), 1);
    let mut thief = Client::new(&t);
    for _ in 0..120 {
        let r = thief
            .post_json(
                "/otp/login/",
                json!({"username": "alice", "password": "pw", "otp_device": pid, "otp_token": "000000"}),
            )
            .await;
        if r.json()["error"] == "device_locked" {
            break;
        }
        t.clock.advance_secs(3600);
    }
    assert!(store.list_trusted(&alice).await.unwrap().is_empty());
    let _ = c;
}

#[tokio::test]
async fn an_administrator_revokes_a_users_trusted_browsers() {
    let t = app_trusted(|_| {});
    let pid = totp(&t, "alice").await;
    let (c, _) = trusting(&t, "alice", &pid).await;
    let admin_pid = totp(&t, "admin").await;
    let mut admin = Client::new(&t);
    admin.login_totp(&t, "admin", &admin_pid).await;
    let page = admin.get(&format!("/otp/admin/devices/{pid}/")).await;
    assert!(page.body.contains("trusted browsers"), "{}", page.body);
    let r = admin
        .post_json("/otp/admin/trusted/revoke/", json!({"user": "alice"}))
        .await;
    assert_eq!(r.json(), json!({"status": "revoked", "count": 1}));
    assert!(!password_only(&mut later(&t, &c), "alice").await);
}

#[tokio::test]
async fn without_a_trust_store_nothing_is_offered() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    let r = c
        .post("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    assert!(r.body.contains("otp_token"), "{}", r.body);
    assert!(!r.body.contains("trust_browser"), "{}", r.body);
    c.login_totp(&t, "alice", &pid).await;
    assert_eq!(
        c.get_json("/otp/devices/trusted/").await.status,
        StatusCode::NOT_FOUND
    );
    // With a store, the code step offers it.
    let t = app_trusted(|_| {});
    totp(&t, "alice").await;
    let mut c = Client::new(&t);
    let r = c
        .post("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    assert!(
        r.body.contains("Trust this browser for 30 days"),
        "{}",
        r.body
    );
}
