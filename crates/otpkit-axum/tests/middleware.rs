//! docs/behaviour.md §7.1: the OTP layer's resolution of `otp_device_id`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::atomic::Ordering;

use common::*;
use http::StatusCode;
use serde_json::json;

async fn level(c: &mut Client) -> serde_json::Value {
    c.get("/state/").await.json()
}

#[tokio::test]
async fn anonymous_with_device_key_is_unverified_and_the_key_is_removed() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.set(json!({"otp_device_id": pid})).await;
    let s = level(&mut c).await;
    assert_eq!(s["level"], "anonymous");
    assert_eq!(c.session_value("otp_device_id").await, json!(null));
}

#[tokio::test]
async fn anonymous_without_key_is_anonymous() {
    let t = app();
    let mut c = Client::new(&t);
    assert_eq!(level(&mut c).await["level"], "anonymous");
}

#[tokio::test]
async fn authenticated_without_key_is_unverified() {
    let t = app();
    let mut c = Client::new(&t);
    c.set(json!({"otpkit_auth_user": "alice"})).await;
    let s = level(&mut c).await;
    assert_eq!(s["level"], "authenticated");
    assert_eq!(s["user"], "alice");
}

#[tokio::test]
async fn unknown_deleted_foreign_or_unconfirmed_device_is_unverified_and_removed() {
    let t = app();
    let bobs = totp(&t, "bob").await;
    let deleted = totp(&t, "alice").await;
    t.engine.remove(&deleted).await.unwrap();
    let unconfirmed = t
        .engine
        .create_totp(
            &uid("alice"),
            otpkit::engine::TotpOptions {
                unconfirmed: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    let hotp_label_for_totp = bobs.replace("otp_totp.totpdevice", "otp_hotp.hotpdevice");
    for bad in [
        "nonsense".to_owned(),
        "otp_totp.totpdevice/999".to_owned(),
        "otp_totp.totpdevice/0".to_owned(),
        "auth.user/1".to_owned(),
        deleted,
        bobs,
        unconfirmed,
        hotp_label_for_totp,
    ] {
        let mut c = Client::new(&t);
        c.set(json!({"otpkit_auth_user": "alice", "otp_device_id": bad}))
            .await;
        let s = level(&mut c).await;
        assert_eq!(s["level"], "authenticated", "{bad}");
        assert_eq!(c.session_value("otp_device_id").await, json!(null), "{bad}");
    }
    // A non-string value is removed too.
    let mut c = Client::new(&t);
    c.set(json!({"otpkit_auth_user": "alice", "otp_device_id": 5}))
        .await;
    assert_eq!(level(&mut c).await["level"], "authenticated");
    assert_eq!(c.session_value("otp_device_id").await, json!(null));
}

#[tokio::test]
async fn own_confirmed_device_is_verified_even_when_throttled() {
    let t = app();
    let pid = totp(&t, "alice").await;
    // Lock the device hard: the middleware does not consult the throttle.
    for _ in 0..100 {
        t.engine.throttle_increment(&pid).await.unwrap();
    }
    let mut c = Client::new(&t);
    c.set(json!({"otpkit_auth_user": "alice", "otp_device_id": pid}))
        .await;
    let s = level(&mut c).await;
    assert_eq!(s["level"], "verified");
    assert_eq!(s["device"], pid.as_str());
    assert_eq!(c.get("/require-otp/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn legacy_id_is_verified_and_rewritten_canonically() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let id = pid.rsplit('/').next().unwrap();
    let legacy = format!("django_otp.plugins.otp_totp.models.TOTPDevice/{id}");
    let mut c = Client::new(&t);
    c.set(json!({"otpkit_auth_user": "alice", "otp_device_id": legacy}))
        .await;
    assert_eq!(level(&mut c).await["level"], "verified");
    assert_eq!(c.session_value("otp_device_id").await, json!(pid));
    // Mixed case is accepted and rewritten in lower case too.
    let mut c = Client::new(&t);
    c.set(
        json!({"otpkit_auth_user": "alice", "otp_device_id": format!("otp_totp.TOTPDevice/{id}")}),
    )
    .await;
    assert_eq!(level(&mut c).await["level"], "verified");
    assert_eq!(c.session_value("otp_device_id").await, json!(pid));
}

#[tokio::test]
async fn deleting_the_device_ends_verification_at_the_next_request() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.set(json!({"otpkit_auth_user": "alice", "otp_device_id": pid}))
        .await;
    assert_eq!(level(&mut c).await["level"], "verified");
    t.engine.remove(&pid).await.unwrap();
    assert_eq!(level(&mut c).await["level"], "authenticated");
}

#[tokio::test]
async fn storage_error_is_unavailable_keeps_the_key_and_guards_answer_503() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.set(json!({"otpkit_auth_user": "alice", "otp_device_id": pid}))
        .await;
    t.store.fail.store(true, Ordering::SeqCst);
    let s = level(&mut c).await;
    assert_eq!(s["unavailable"], true);
    assert_eq!(s["level"], "authenticated", "handlers see unverified");
    let r = c.get("/require-otp/").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let r = c.get_json("/require-otp/").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["error"], "internal_error");
    assert_eq!(
        r.json()["message"],
        "Signing in is unavailable right now. Please try again later."
    );
    let r = c.get_json("/extract/").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let r = c.get_json("/maybe/").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    t.store.fail.store(false, Ordering::SeqCst);
    assert_eq!(
        c.session_value("otp_device_id").await,
        json!(pid),
        "key kept"
    );
    assert_eq!(level(&mut c).await["level"], "verified");
}

#[tokio::test]
async fn a_request_that_never_reads_the_state_touches_no_store() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.set(json!({"otpkit_auth_user": "alice", "otp_device_id": pid}))
        .await;
    let before = t.store.reads.load(Ordering::SeqCst);
    let r = c.get("/plain/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(t.store.reads.load(Ordering::SeqCst), before);
    // Reading it does touch the store.
    level(&mut c).await;
    assert!(t.store.reads.load(Ordering::SeqCst) > before);
}
