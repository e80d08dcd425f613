//! The ceremonies against a software authenticator (1Password's `passkey`): register, then
//! authenticate; and each way a finish is refused, with its own reason and nothing written
//! but `failure_count + 1` and the consumed ceremony (docs/behaviour.md §2.2, §2.5) — or
//! nothing at all where no device of the user is named (§3).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use otpkit::events::EventKind;
use otpkit::policy::VerifyNotAllowed;
use otpkit_webauthn::{CeremonyOutcome, Refusal, WebauthnDevice};

const BINDING: &[u8] = b"session binding A";

/// What a refused finish may change: the failure count (+1), the ceremony (consumed) and
/// the version; everything else is as before.
async fn assert_only_failure_counted(rig: &Rig, pid: &str, before: &(u32, i64, WebauthnDevice)) {
    let after = stored(rig, pid).await;
    assert_eq!(after.0, before.0 + 1, "one failure counted");
    assert!(after.2.ceremony.is_none(), "the ceremony is consumed");
    let strip = |s: &WebauthnDevice| {
        let mut v = serde_json::to_value(s).unwrap();
        v["ceremony"] = serde_json::Value::Null;
        v
    };
    assert_eq!(
        strip(&after.2),
        strip(&before.2),
        "the credential is unchanged"
    );
    let d = rig.engine.from_persistent_id(pid).await.unwrap().unwrap();
    assert!(d.confirmed());
}

fn refused(out: CeremonyOutcome) -> Refusal {
    match out {
        CeremonyOutcome::Refused(r) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Registers alice's key and starts an authentication: the rig, the key, the device and the
/// options.
async fn alice_ready() -> (Rig, Key, String, serde_json::Value) {
    let rig = rig(0);
    let mut key = Key::new();
    let pid = enrol(&rig, &user("alice"), &mut key, BINDING).await;
    let options = rig
        .passkeys
        .start_authentication(&user("alice"), BINDING)
        .await
        .unwrap()
        .expect("alice has a passkey");
    (rig, key, pid, serde_json::to_value(options).unwrap())
}

#[tokio::test]
async fn register_then_authenticate() {
    let rig = rig(0);
    let alice = user("alice");
    let mut key = Key::new();
    let pid = enrol(&rig, &alice, &mut key, BINDING).await;
    assert_eq!(rig.notes.count(EventKind::DeviceConfirmed), 1);
    let (failures, _, state) = stored(&rig, &pid).await;
    assert_eq!(failures, 0);
    assert!(
        state.ceremony.is_none(),
        "the registration ceremony is consumed"
    );
    assert_eq!(state.aaguid.map(|u| *u.as_bytes()), Some(AAGUID));
    assert!(state.credential_id.is_some());
    let info = rig
        .engine
        .info(&rig.engine.from_persistent_id(&pid).await.unwrap().unwrap())
        .unwrap();
    assert_eq!(info["registered"], true);
    assert!(info.get("credential").is_none(), "no key material in info");

    for round in 1..=3u32 {
        rig.clock.advance_secs(10);
        let options = rig
            .passkeys
            .start_authentication(&alice, BINDING)
            .await
            .unwrap()
            .unwrap();
        let assertion = key.assert(ORIGIN, &options).await;
        let out = rig
            .passkeys
            .finish_authentication(&alice, &assertion, BINDING)
            .await
            .unwrap();
        let device = out.accepted().expect("accepted");
        assert_eq!(device.persistent_id(), pid);
        assert_eq!(device.last_used_at(), Some(rig.engine.now()));
        let (failures, _, state) = stored(&rig, &pid).await;
        assert_eq!(failures, 0);
        assert_eq!(state.sign_count, round, "the counter is stored");
        assert_eq!(Some(state.sign_count), key.counter());
        assert!(state.ceremony.is_none());
    }
}

#[tokio::test]
async fn wrong_origin_is_refused() {
    let (rig, mut key, pid, options) = alice_ready().await;
    let before = stored(&rig, &pid).await;
    let assertion = key.assert_value("https://evil.example.com", options).await;
    let out = rig
        .passkeys
        .finish_authentication(&user("alice"), &assertion, BINDING)
        .await
        .unwrap();
    assert_eq!(refused(out), Refusal::WrongOrigin);
    assert_only_failure_counted(&rig, &pid, &before).await;
}

#[tokio::test]
async fn wrong_rp_id_is_refused() {
    let (rig, mut key, pid, mut options) = alice_ready().await;
    let before = stored(&rig, &pid).await;
    // A relying-party id the origin may claim, but not ours.
    options["publicKey"]["rpId"] = serde_json::json!("login.example.com");
    let assertion = key.assert_value(ORIGIN, options).await;
    let out = rig
        .passkeys
        .finish_authentication(&user("alice"), &assertion, BINDING)
        .await
        .unwrap();
    assert_eq!(refused(out), Refusal::WrongRpId);
    assert_only_failure_counted(&rig, &pid, &before).await;
}

#[tokio::test]
async fn challenge_used_twice_is_refused() {
    let (rig, mut key, pid, options) = alice_ready().await;
    let assertion = key.assert_value(ORIGIN, options).await;
    let alice = user("alice");
    let first = rig
        .passkeys
        .finish_authentication(&alice, &assertion, BINDING);
    assert!(first.await.unwrap().accepted().is_some());
    let before = stored(&rig, &pid).await;
    let again = rig
        .passkeys
        .finish_authentication(&alice, &assertion, BINDING)
        .await
        .unwrap();
    assert_eq!(refused(again), Refusal::NoChallenge);
    assert_only_failure_counted(&rig, &pid, &before).await;
}

#[tokio::test]
async fn replayed_assertion_is_refused() {
    let (rig, mut key, pid, options) = alice_ready().await;
    let alice = user("alice");
    let old = key.assert_value(ORIGIN, options).await;
    let ok = rig.passkeys.finish_authentication(&alice, &old, BINDING);
    assert!(ok.await.unwrap().accepted().is_some());
    // A new ceremony; the old assertion was signed over the old challenge.
    rig.passkeys
        .start_authentication(&alice, BINDING)
        .await
        .unwrap()
        .unwrap();
    let before = stored(&rig, &pid).await;
    let out = rig
        .passkeys
        .finish_authentication(&alice, &old, BINDING)
        .await
        .unwrap();
    assert_eq!(refused(out), Refusal::ChallengeMismatch);
    assert_only_failure_counted(&rig, &pid, &before).await;
}

#[tokio::test]
async fn expired_challenge_is_refused() {
    let (rig, mut key, pid, options) = alice_ready().await;
    let before = stored(&rig, &pid).await;
    rig.clock.advance_secs(300);
    let assertion = key.assert_value(ORIGIN, options).await;
    let out = rig
        .passkeys
        .finish_authentication(&user("alice"), &assertion, BINDING)
        .await
        .unwrap();
    assert_eq!(refused(out), Refusal::ChallengeExpired);
    assert_only_failure_counted(&rig, &pid, &before).await;
}

#[tokio::test]
async fn a_challenge_is_valid_until_just_before_300_s() {
    let (rig, mut key, _pid, options) = alice_ready().await;
    rig.clock.advance_millis(299_999);
    let assertion = key.assert_value(ORIGIN, options).await;
    let out = rig
        .passkeys
        .finish_authentication(&user("alice"), &assertion, BINDING)
        .await
        .unwrap();
    assert!(out.accepted().is_some());
}

#[tokio::test]
async fn another_session_is_refused() {
    let (rig, mut key, pid, options) = alice_ready().await;
    let before = stored(&rig, &pid).await;
    let assertion = key.assert_value(ORIGIN, options).await;
    let out = rig
        .passkeys
        .finish_authentication(&user("alice"), &assertion, b"session binding B")
        .await
        .unwrap();
    assert_eq!(refused(out), Refusal::SessionMismatch);
    assert_only_failure_counted(&rig, &pid, &before).await;
}

#[tokio::test]
async fn another_users_credential_is_refused_and_writes_nothing() {
    let (rig, _alice_key, alice_pid, _options) = alice_ready().await;
    let bob = user("bob");
    let mut bob_key = Key::new();
    let bob_pid = enrol(&rig, &bob, &mut bob_key, BINDING).await;
    let bob_options = rig
        .passkeys
        .start_authentication(&bob, BINDING)
        .await
        .unwrap()
        .unwrap();
    let bobs = bob_key.assert(ORIGIN, &bob_options).await;
    let (alice_before, bob_before) = (stored(&rig, &alice_pid).await, stored(&rig, &bob_pid).await);
    let out = rig
        .passkeys
        .finish_authentication(&user("alice"), &bobs, BINDING)
        .await
        .unwrap();
    assert_eq!(refused(out), Refusal::UnknownCredential);
    let (alice_after, bob_after) = (stored(&rig, &alice_pid).await, stored(&rig, &bob_pid).await);
    // Not found (docs/behaviour.md §3): no state change anywhere.
    assert_eq!(
        (alice_after.0, alice_after.1),
        (alice_before.0, alice_before.1)
    );
    assert_eq!((bob_after.0, bob_after.1), (bob_before.0, bob_before.1));
    assert!(
        alice_after.2.ceremony.is_some(),
        "alice may still finish with her own key"
    );
}

#[tokio::test]
async fn counter_regression_is_refused_with_its_own_event() {
    let (rig, mut key, pid, options) = alice_ready().await;
    let alice = user("alice");
    let mut clone = key.clone();
    let a = key.assert_value(ORIGIN, options).await;
    assert!(
        rig.passkeys
            .finish_authentication(&alice, &a, BINDING)
            .await
            .unwrap()
            .accepted()
            .is_some()
    );
    let options = rig
        .passkeys
        .start_authentication(&alice, BINDING)
        .await
        .unwrap()
        .unwrap();
    // The clone's counter was left behind: it signs with the counter already seen.
    let b = clone.assert(ORIGIN, &options).await;
    let before = stored(&rig, &pid).await;
    assert_eq!(rig.notes.count(EventKind::CounterRegressed), 0);
    let out = rig
        .passkeys
        .finish_authentication(&alice, &b, BINDING)
        .await
        .unwrap();
    assert_eq!(refused(out), Refusal::CounterRegression);
    assert_only_failure_counted(&rig, &pid, &before).await;
    assert_eq!(rig.notes.count(EventKind::CounterRegressed), 1);
}

#[tokio::test]
async fn a_response_naming_no_credential_writes_nothing() {
    let (rig, _key, pid, _options) = alice_ready().await;
    let before = stored(&rig, &pid).await;
    for junk in ["", "{}", "not json", &"x".repeat(20_000)] {
        let out = rig
            .passkeys
            .finish_authentication(&user("alice"), junk, BINDING)
            .await
            .unwrap();
        assert_eq!(refused(out), Refusal::Malformed);
    }
    let after = stored(&rig, &pid).await;
    assert_eq!((after.0, after.1), (before.0, before.1));
}

#[tokio::test]
async fn the_throttle_applies_to_passkeys() {
    let rig = rig(1);
    let alice = user("alice");
    let mut key = Key::new();
    let pid = enrol(&rig, &alice, &mut key, BINDING).await;
    let options = rig
        .passkeys
        .start_authentication(&alice, BINDING)
        .await
        .unwrap()
        .unwrap();
    let good = key.assert(ORIGIN, &options).await;
    let wrong = rig
        .passkeys
        .finish_authentication(&alice, &good, b"another session")
        .await
        .unwrap();
    assert_eq!(refused(wrong), Refusal::SessionMismatch);
    // Within the 1 s back-off the next finish is not evaluated and writes nothing.
    let before = stored(&rig, &pid).await;
    let out = rig
        .passkeys
        .finish_authentication(&alice, &good, BINDING)
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            CeremonyOutcome::NotAllowed(VerifyNotAllowed::NFailedAttempts {
                failure_count: 1,
                ..
            })
        ),
        "{out:?}"
    );
    let after = stored(&rig, &pid).await;
    assert_eq!((after.0, after.1), (before.0, before.1));
}

#[tokio::test]
async fn registration_refusals_leave_the_device_unconfirmed() {
    let rig = rig(0);
    let alice = user("alice");
    let mut key = Key::new();
    let started = rig
        .passkeys
        .start_registration(&alice, None, BINDING)
        .await
        .unwrap();
    let response = key
        .register("https://evil.example.com", &started.options)
        .await;
    let pid = started.persistent_id;
    let out = rig
        .passkeys
        .finish_registration(&alice, &pid, &response, BINDING)
        .await
        .unwrap();
    assert_eq!(refused(out), Refusal::WrongOrigin);
    let d = rig.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert!(!d.confirmed());
    assert_eq!(d.throttle().failure_count, 1);
    let state = WebauthnDevice::from_state(&d.record().state).unwrap();
    assert!(state.credential.is_none() && state.ceremony.is_none());
    // The ceremony is gone: even a good response now finds no challenge.
    let out = rig
        .passkeys
        .finish_registration(&alice, &pid, &response, BINDING)
        .await
        .unwrap();
    assert_eq!(refused(out), Refusal::NoChallenge);
    assert!(
        rig.engine
            .devices_for_user(Some(&alice), Some(true))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_typed_code_never_counts_against_a_passkey() {
    let (rig, _key, pid, _options) = alice_ready().await;
    let alice = user("alice");
    let before = stored(&rig, &pid).await;
    assert!(
        rig.engine
            .match_token(Some(&alice), "123456")
            .await
            .unwrap()
            .is_none()
    );
    let after = stored(&rig, &pid).await;
    assert_eq!((after.0, after.1), (before.0, before.1));
    assert!(after.2.ceremony.is_some());
}

#[tokio::test]
async fn registration_from_another_session_or_too_late_is_refused() {
    let rig = rig(0);
    let alice = user("alice");
    for (late, binding, reason) in [
        (0, &b"session binding B"[..], Refusal::SessionMismatch),
        (300, BINDING, Refusal::ChallengeExpired),
    ] {
        let mut key = Key::new();
        let started = rig
            .passkeys
            .start_registration(&alice, None, BINDING)
            .await
            .unwrap();
        rig.clock.advance_secs(late);
        let response = key.register(ORIGIN, &started.options).await;
        let out = rig
            .passkeys
            .finish_registration(&alice, &started.persistent_id, &response, binding)
            .await
            .unwrap();
        assert_eq!(refused(out), reason);
        let d = rig
            .engine
            .from_persistent_id(&started.persistent_id)
            .await
            .unwrap()
            .unwrap();
        assert!(!d.confirmed());
        assert_eq!(d.throttle().failure_count, 1);
    }
}

#[tokio::test]
async fn a_new_registration_replaces_the_pending_one() {
    let rig = rig(0);
    let alice = user("alice");
    let mut key = Key::new();
    let first = rig
        .passkeys
        .start_registration(&alice, None, BINDING)
        .await
        .unwrap();
    let second = rig
        .passkeys
        .start_registration(&alice, None, BINDING)
        .await
        .unwrap();
    let response = key.register(ORIGIN, &first.options).await;
    let out = rig
        .passkeys
        .finish_registration(&alice, &first.persistent_id, &response, BINDING)
        .await
        .unwrap();
    assert!(matches!(out, CeremonyOutcome::NotFound), "{out:?}");
    let all = rig
        .engine
        .devices_for_user(Some(&alice), None)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].persistent_id(), second.persistent_id);
    // Another kind's device is not a passkey registration.
    let out = rig
        .passkeys
        .finish_registration(&alice, "otp_totp.totpdevice/1", &response, BINDING)
        .await
        .unwrap();
    assert!(matches!(out, CeremonyOutcome::NotFound));
}

#[tokio::test]
async fn one_challenge_for_all_passkeys_is_used_once() {
    let rig = rig(0);
    let alice = user("alice");
    let (mut a, mut b) = (Key::new(), Key::new());
    let pid_a = enrol(&rig, &alice, &mut a, BINDING).await;
    // The second registration excludes the first key and keeps alice's user handle.
    let started = rig
        .passkeys
        .start_registration(&alice, Some("Second key"), BINDING)
        .await
        .unwrap();
    let options = serde_json::to_value(&started.options).unwrap();
    assert_eq!(
        options["publicKey"]["excludeCredentials"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let response = b.register(ORIGIN, &started.options).await;
    let pid_b = rig
        .passkeys
        .finish_registration(&alice, &started.persistent_id, &response, BINDING)
        .await
        .unwrap()
        .accepted()
        .unwrap()
        .persistent_id();
    let (state_a, state_b) = (stored(&rig, &pid_a).await.2, stored(&rig, &pid_b).await.2);
    assert_eq!(state_a.user_handle, state_b.user_handle);

    let options = rig
        .passkeys
        .start_authentication(&alice, BINDING)
        .await
        .unwrap()
        .unwrap();
    let allowed = serde_json::to_value(&options).unwrap()["publicKey"]["allowCredentials"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(allowed, 2);
    let (by_a, by_b) = (
        a.assert(ORIGIN, &options).await,
        b.assert(ORIGIN, &options).await,
    );
    let ok = rig.passkeys.finish_authentication(&alice, &by_b, BINDING);
    assert_eq!(ok.await.unwrap().accepted().unwrap().persistent_id(), pid_b);
    // The challenge is spent for key A too.
    assert!(stored(&rig, &pid_a).await.2.ceremony.is_none());
    let out = rig
        .passkeys
        .finish_authentication(&alice, &by_a, BINDING)
        .await
        .unwrap();
    assert_eq!(refused(out), Refusal::NoChallenge);
}

#[tokio::test]
async fn one_hundred_failures_lock_the_passkey_out() {
    let (rig, mut key, pid, options) = alice_ready().await;
    let alice = user("alice");
    let stale = key.assert_value(ORIGIN, options).await;
    for _ in 0..100 {
        let out = rig
            .passkeys
            .finish_authentication(&alice, &stale, b"another session")
            .await
            .unwrap();
        assert!(matches!(out, CeremonyOutcome::Refused(_)), "{out:?}");
    }
    assert_eq!(stored(&rig, &pid).await.0, 100);
    assert_eq!(rig.notes.count(EventKind::DeviceLocked), 1);
    // Even a good assertion for a new ceremony is refused now, unevaluated.
    let options = rig
        .passkeys
        .start_authentication(&alice, BINDING)
        .await
        .unwrap()
        .unwrap();
    let good = key.assert(ORIGIN, &options).await;
    let out = rig
        .passkeys
        .finish_authentication(&alice, &good, BINDING)
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            CeremonyOutcome::NotAllowed(VerifyNotAllowed::LockedOut { failure_count: 100 })
        ),
        "{out:?}"
    );
    assert!(
        stored(&rig, &pid).await.2.ceremony.is_some(),
        "not evaluated: nothing consumed"
    );
}
