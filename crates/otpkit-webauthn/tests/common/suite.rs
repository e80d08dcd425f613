//! The passkey store conformance cases, generic over the store (two instances on one
//! database: two nodes). Repeated `OTPKIT_CONFORMANCE_REPETITIONS` times (default 200).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use otpkit::conformance::repetitions;
use otpkit::store::DeviceStore;
use otpkit::{ManualClock, Timestamp};
use otpkit_webauthn::{CeremonyOutcome, Refusal, SignInOutcome};

use super::{Key, ORIGIN, enrol, rig_on, stored, user};

const BINDING: &[u8] = b"conformance binding";

/// 50 concurrent finishes of one assertion, spread over two nodes → exactly 1 accepted; the
/// others find no challenge and each counts one failure.
pub async fn concurrent_finishes_accept_one(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
    let (ra, rb) = (rig_on(a, &clock, 0), rig_on(b, &clock, 0));
    for rep in 0..repetitions() {
        let u = user(&format!("pk{rep}"));
        let mut key = Key::new();
        let pid = enrol(&ra, &u, &mut key, BINDING).await;
        let options = ra
            .passkeys
            .start_authentication(&u, BINDING)
            .await
            .unwrap()
            .unwrap();
        let assertion = key.assert(ORIGIN, &options).await;
        let version = stored(&ra, &pid).await.1;
        let mut tasks = Vec::new();
        for i in 0..50 {
            let p = if i % 2 == 0 {
                ra.passkeys.clone()
            } else {
                rb.passkeys.clone()
            };
            let (u, assertion) = (u.clone(), assertion.clone());
            tasks.push(tokio::spawn(async move {
                p.finish_authentication(&u, &assertion, BINDING)
                    .await
                    .unwrap()
            }));
        }
        let mut accepted = 0;
        let mut no_challenge = 0;
        for t in tasks {
            match t.await.unwrap() {
                CeremonyOutcome::Accepted(_) => accepted += 1,
                CeremonyOutcome::Refused(Refusal::NoChallenge) => no_challenge += 1,
                other => panic!("rep {rep}: unexpected {other:?}"),
            }
        }
        assert_eq!(accepted, 1, "rep {rep}");
        let (failures, after, state) = stored(&rb, &pid).await;
        assert_eq!(state.sign_count, 1, "rep {rep}: one counter step stored");
        // Failures before the success were reset by it; those after it remain.
        assert!(failures <= no_challenge, "rep {rep}");
        assert_eq!(no_challenge, 49, "rep {rep}");
        // Every finish was one committed write: none lost, none doubled.
        assert_eq!(after, version + 50, "rep {rep}");
    }
}

/// 100 concurrent bad assertions (signed for another session) on one passkey → the failure
/// count rises by exactly 100.
pub async fn concurrent_bad_assertions_count_exactly(
    a: Arc<dyn DeviceStore>,
    b: Arc<dyn DeviceStore>,
) {
    let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
    let (ra, rb) = (rig_on(a, &clock, 0), rig_on(b, &clock, 0));
    for rep in 0..repetitions() {
        let u = user(&format!("bad{rep}"));
        let mut key = Key::new();
        let pid = enrol(&ra, &u, &mut key, BINDING).await;
        let options = ra
            .passkeys
            .start_authentication(&u, BINDING)
            .await
            .unwrap()
            .unwrap();
        let assertion = key.assert(ORIGIN, &options).await;
        let version = stored(&ra, &pid).await.1;
        let mut tasks = Vec::new();
        for i in 0..100 {
            let p = if i % 2 == 0 {
                ra.passkeys.clone()
            } else {
                rb.passkeys.clone()
            };
            let (u, assertion) = (u.clone(), assertion.clone());
            tasks.push(tokio::spawn(async move {
                p.finish_authentication(&u, &assertion, b"another session")
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            let out = t.await.unwrap();
            assert!(
                matches!(
                    out,
                    CeremonyOutcome::Refused(Refusal::SessionMismatch | Refusal::NoChallenge)
                ),
                "rep {rep}: {out:?}"
            );
        }
        let (failures, after, state) = stored(&rb, &pid).await;
        assert_eq!(failures, 100, "rep {rep}");
        assert_eq!(after, version + 100, "rep {rep}");
        assert_eq!(state.sign_count, 0, "rep {rep}");
        assert!(state.ceremony.is_none(), "rep {rep}");
    }
}

/// 50 concurrent finishes of one passwordless sign-in (one kept state, one assertion),
/// spread over two nodes → exactly 1 accepted; the others find the ceremony already put on
/// the passkey and write nothing.
pub async fn concurrent_passwordless_finishes_accept_one(
    a: Arc<dyn DeviceStore>,
    b: Arc<dyn DeviceStore>,
) {
    let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
    let (ra, rb) = (rig_on(a, &clock, 0), rig_on(b, &clock, 0));
    for rep in 0..repetitions() {
        let u = user(&format!("pwl{rep}"));
        let mut key = Key::new();
        let pid = enrol(&ra, &u, &mut key, BINDING).await;
        let (options, pending) = ra.passkeys.start_passwordless().await.unwrap();
        let assertion = key.assert(ORIGIN, &options).await;
        let version = stored(&ra, &pid).await.1;
        let mut tasks = Vec::new();
        for i in 0..50 {
            let p = if i % 2 == 0 {
                ra.passkeys.clone()
            } else {
                rb.passkeys.clone()
            };
            let (pending, assertion) = (pending.clone(), assertion.clone());
            tasks.push(tokio::spawn(async move {
                p.finish_passwordless(pending, &assertion, BINDING)
                    .await
                    .unwrap()
            }));
        }
        let mut accepted = 0;
        for t in tasks {
            match t.await.unwrap() {
                SignInOutcome::Accepted { user: who, .. } => {
                    assert_eq!(who, u, "rep {rep}");
                    accepted += 1;
                }
                SignInOutcome::Refused(Refusal::NoChallenge) => {}
                other => panic!("rep {rep}: unexpected {other:?}"),
            }
        }
        assert_eq!(accepted, 1, "rep {rep}");
        let (failures, after, state) = stored(&rb, &pid).await;
        assert_eq!(failures, 0, "rep {rep}");
        assert_eq!(state.sign_count, 1, "rep {rep}");
        // One write putting the ceremony on the passkey, one finishing it.
        assert_eq!(after, version + 2, "rep {rep}");
    }
}

/// The cases as `#[tokio::test]`s for a backend; `$make` evaluates to a future of two store
/// instances on one fresh database and a guard that keeps the database until the case ends.
#[macro_export]
macro_rules! passkey_conformance_tests {
    ($make:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_finishes_accept_one() {
            let (a, b, _keep) = $make.await;
            $crate::common::suite::concurrent_finishes_accept_one(a, b).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_bad_assertions_count_exactly() {
            let (a, b, _keep) = $make.await;
            $crate::common::suite::concurrent_bad_assertions_count_exactly(a, b).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_passwordless_finishes_accept_one() {
            let (a, b, _keep) = $make.await;
            $crate::common::suite::concurrent_passwordless_finishes_accept_one(a, b).await;
        }
    };
}
