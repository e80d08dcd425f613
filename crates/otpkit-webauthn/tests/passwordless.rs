//! Passwordless sign-in with a discoverable passkey, against the software authenticator:
//! who it signs in, what it writes, and each way it is refused — with nothing written before
//! the passkey's atomic step.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use otpkit::UserId;
use otpkit::events::EventKind;
use otpkit_webauthn::{
    PasskeyError, PasskeySettings, Passkeys, Passwordless, PendingSignIn, Refusal, SignInOutcome,
};

const BINDING: &[u8] = b"session binding A";

/// Starts a sign-in on `passkeys` and has `key` answer it: the kept state and the assertion.
async fn answered(passkeys: &Passkeys, key: &mut Key) -> (PendingSignIn, String) {
    let (options, pending) = passkeys.start_passwordless().await.unwrap();
    let v = serde_json::to_value(&options).unwrap();
    assert_eq!(
        v["publicKey"]["allowCredentials"],
        serde_json::json!([]),
        "the authenticator chooses"
    );
    assert_eq!(v["publicKey"]["userVerification"], "required");
    assert!(
        v.get("mediation").is_none(),
        "a button's request, not autofill"
    );
    (pending, key.assert(ORIGIN, &options).await)
}

fn accepted(out: SignInOutcome) -> (UserId, otpkit::Device) {
    match out {
        SignInOutcome::Accepted { user, device } => (user, device),
        other => panic!("expected a sign-in, got {other:?}"),
    }
}

fn refused(out: SignInOutcome) -> Refusal {
    match out {
        SignInOutcome::Refused(r) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Passkeys of `rig`'s engine with passwordless sign-in set to `mode`.
fn with_mode(rig: &Rig, mode: Passwordless) -> Passkeys {
    let settings = PasskeySettings {
        passwordless: mode,
        ..passkey_settings(0)
    };
    Passkeys::new(rig.engine.clone(), settings).unwrap()
}

#[tokio::test]
async fn a_discoverable_passkey_signs_its_user_in() {
    let rig = rig(0);
    let (alice, bob) = (user("alice"), user("bob"));
    let mut bobs = Key::new();
    enrol(&rig, &bob, &mut bobs, BINDING).await;
    let mut key = Key::new();
    let pid = enrol(&rig, &alice, &mut key, BINDING).await;
    let (pending, assertion) = answered(&rig.passkeys, &mut key).await;
    let out = rig
        .passkeys
        .finish_passwordless(pending, &assertion, BINDING)
        .await
        .unwrap();
    let (who, device) = accepted(out);
    assert_eq!(
        who, alice,
        "the passkey's own user, found from the assertion alone"
    );
    assert_eq!(device.persistent_id(), pid);
    assert!(device.last_used_at().is_some());
    let (failures, _, state) = stored(&rig, &pid).await;
    assert_eq!(failures, 0);
    assert_eq!(state.sign_count, 1, "the counter advanced");
    assert!(state.ceremony.is_none(), "the ceremony is consumed");
    assert_eq!(
        state.passwordless_used.len(),
        1,
        "the sign-in is remembered"
    );
}

#[tokio::test]
async fn a_users_passkeys_share_a_handle_that_names_the_first() {
    let rig = rig(0);
    let alice = user("alice");
    let (mut k1, mut k2) = (Key::new(), Key::new());
    let first = enrol(&rig, &alice, &mut k1, BINDING).await;
    let second = enrol(&rig, &alice, &mut k2, BINDING).await;
    let (s1, s2) = (stored(&rig, &first).await.2, stored(&rig, &second).await.2);
    assert_eq!(s1.user_handle, s2.user_handle);
    assert_eq!(s1.user_handle.get_version_num(), 8);
    let id = first.rsplit_once('/').unwrap().1.parse::<u64>().unwrap();
    let mut anchor = [0u8; 8];
    anchor[2..].copy_from_slice(&s1.user_handle.as_bytes()[..6]);
    assert_eq!(u64::from_be_bytes(anchor), id);
    // With the first passkey removed, the second is still found (by the search).
    rig.engine.remove(&first).await.unwrap();
    let (pending, assertion) = answered(&rig.passkeys, &mut k2).await;
    let out = rig
        .passkeys
        .finish_passwordless(pending, &assertion, BINDING)
        .await
        .unwrap();
    assert_eq!(accepted(out).1.persistent_id(), second);
}

#[tokio::test]
async fn a_sign_in_is_finished_once() {
    let rig = rig(0);
    let mut key = Key::new();
    let pid = enrol(&rig, &user("alice"), &mut key, BINDING).await;
    let (pending, assertion) = answered(&rig.passkeys, &mut key).await;
    let again = pending.clone();
    accepted(
        rig.passkeys
            .finish_passwordless(pending, &assertion, BINDING)
            .await
            .unwrap(),
    );
    let before = stored(&rig, &pid).await;
    let out = rig
        .passkeys
        .finish_passwordless(again, &assertion, BINDING)
        .await
        .unwrap();
    assert_eq!(refused(out), Refusal::NoChallenge);
    let after = stored(&rig, &pid).await;
    assert_eq!((after.0, after.1), (before.0, before.1), "nothing written");
    // A later sign-in is its own; the remembered ids are dropped once expired.
    let (pending, assertion) = answered(&rig.passkeys, &mut key).await;
    let out = rig
        .passkeys
        .finish_passwordless(pending, &assertion, BINDING);
    accepted(out.await.unwrap());
    assert_eq!(stored(&rig, &pid).await.2.passwordless_used.len(), 2);
    rig.clock.advance_secs(300);
    let (pending, assertion) = answered(&rig.passkeys, &mut key).await;
    let out = rig
        .passkeys
        .finish_passwordless(pending, &assertion, BINDING);
    accepted(out.await.unwrap());
    assert_eq!(stored(&rig, &pid).await.2.passwordless_used.len(), 1);
}

#[tokio::test]
async fn refusals_before_the_passkey_write_nothing() {
    let rig = rig(0);
    let mut key = Key::new();
    let pid = enrol(&rig, &user("alice"), &mut key, BINDING).await;
    let before = stored(&rig, &pid).await;
    let (p1, a1) = answered(&rig.passkeys, &mut key).await;
    let (p2, _) = answered(&rig.passkeys, &mut key).await;
    // An assertion signed over another sign-in's challenge (a replay).
    let out = rig.passkeys.finish_passwordless(p2, &a1, BINDING).await;
    assert_eq!(refused(out.unwrap()), Refusal::ChallengeMismatch);
    // Too late.
    // Not a credential at all.
    let out = rig.passkeys.finish_passwordless(p1, "{}", BINDING).await;
    assert_eq!(refused(out.unwrap()), Refusal::Malformed);
    let mut stranger = Key::new();
    let other = common::rig(0);
    enrol(&other, &user("alice"), &mut stranger, BINDING).await;
    let (p4, a4) = answered(&rig.passkeys, &mut stranger).await;
    let out = rig.passkeys.finish_passwordless(p4, &a4, BINDING).await;
    assert_eq!(refused(out.unwrap()), Refusal::UnknownCredential);
    let (p3, a3) = answered(&rig.passkeys, &mut key).await;
    rig.clock.advance_secs(300);
    let out = rig.passkeys.finish_passwordless(p3, &a3, BINDING).await;
    assert_eq!(refused(out.unwrap()), Refusal::ChallengeExpired);
    let after = stored(&rig, &pid).await;
    assert_eq!((after.0, after.1), (before.0, before.1), "nothing written");
}

#[tokio::test]
async fn a_counter_that_goes_back_counts_a_failure() {
    let rig = rig(0);
    let mut key = Key::new();
    let pid = enrol(&rig, &user("alice"), &mut key, BINDING).await;
    let mut clone = key.clone();
    let (pending, assertion) = answered(&rig.passkeys, &mut key).await;
    accepted(
        rig.passkeys
            .finish_passwordless(pending, &assertion, BINDING)
            .await
            .unwrap(),
    );
    // The clone signs with the counter the original already used.
    let (pending, assertion) = answered(&rig.passkeys, &mut clone).await;
    let out = rig
        .passkeys
        .finish_passwordless(pending, &assertion, BINDING)
        .await
        .unwrap();
    match out {
        SignInOutcome::Failed {
            user: u,
            device,
            refusal,
        } => {
            assert_eq!(u, user("alice"));
            assert_eq!(device, pid);
            assert_eq!(refusal, Refusal::CounterRegression);
        }
        other => panic!("expected a counted failure, got {other:?}"),
    }
    assert_eq!(stored(&rig, &pid).await.0, 1, "one failure counted");
    assert_eq!(rig.notes.count(EventKind::CounterRegressed), 1);
}

#[tokio::test]
async fn with_fallback_an_account_with_only_passkeys_is_told_to_add_a_method() {
    let rig = rig(0);
    let alice = user("alice");
    let passkeys = with_mode(&rig, Passwordless::WithFallback);
    let mut key = Key::new();
    let pid = enrol(&rig, &alice, &mut key, BINDING).await;
    let before = stored(&rig, &pid).await;
    let (pending, assertion) = answered(&passkeys, &mut key).await;
    let out = passkeys
        .finish_passwordless(pending, &assertion, BINDING)
        .await;
    assert!(matches!(out.unwrap(), SignInOutcome::NeedsFallback));
    let after = stored(&rig, &pid).await;
    assert_eq!((after.0, after.1), (before.0, before.1), "nothing written");
    // With backup codes beside the passkey, it signs in.
    rig.engine
        .generate_backup_codes(&alice, Some(10))
        .await
        .unwrap();
    let (pending, assertion) = answered(&passkeys, &mut key).await;
    let out = passkeys
        .finish_passwordless(pending, &assertion, BINDING)
        .await;
    assert_eq!(accepted(out.unwrap()).0, alice);
}

#[tokio::test]
async fn off_starts_nothing_and_asks_for_no_discoverable_credential() {
    let rig = rig(0);
    let off = with_mode(&rig, Passwordless::Off);
    assert!(matches!(
        off.start_passwordless().await,
        Err(PasskeyError::PasswordlessOff)
    ));
    let started = off
        .start_registration(&user("alice"), None, BINDING)
        .await
        .unwrap();
    let v = serde_json::to_value(&started.options).unwrap();
    assert_eq!(
        v["publicKey"]["authenticatorSelection"]["residentKey"],
        "discouraged"
    );
    let started = rig
        .passkeys
        .start_registration(&user("alice"), None, BINDING)
        .await
        .unwrap();
    let v = serde_json::to_value(&started.options).unwrap();
    assert_eq!(
        v["publicKey"]["authenticatorSelection"]["residentKey"],
        "preferred"
    );
}

#[tokio::test]
async fn the_kept_state_shows_nothing_in_debug() {
    let rig = rig(0);
    let (_, pending) = rig.passkeys.start_passwordless().await.unwrap();
    let shown = format!("{pending:?}");
    assert!(shown.starts_with("PendingSignIn"));
    assert!(!shown.contains("challenge"), "{shown}");
}
