//! The account throttle (`OTPKIT_ACCOUNT_THROTTLING`, docs/behaviour.md §2.5.1): the §2.5
//! rules applied to the sum of the failure counts of all of a user's devices, so that an
//! attacker gains nothing by rotating guesses across devices (issue 7 item 5; REQ-05,
//! REQ-06). Injected clock, MemoryStore; the concurrent cases run on every backend in the
//! store conformance suite (`concurrent_account_failures_*`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use otpkit::engine::VerifyOptions;
use otpkit::events::EventKind;
use otpkit::oath::hmac_count;
use otpkit::policy::VerifyNotAllowed;
use otpkit::settings::{ThrottleSettings, TotpSettings};
use otpkit::{Rejection, Settings, Timestamp, UserId, VerifyOutcome};

const START: i64 = 1_000_000;

fn account_setup(settings: Settings) -> T {
    setup_at(settings, START)
}

/// `n` TOTP devices of alice on the RFC key.
async fn devices(t: &T, n: usize) -> Vec<String> {
    let mut pids = Vec::new();
    for _ in 0..n {
        pids.push(rfc_totp(t).await);
    }
    pids
}

async fn count(t: &T, pid: &str) -> u32 {
    device(t, pid).await.throttle().failure_count
}

async fn version(t: &T, pid: &str) -> i64 {
    device(t, pid).await.record().version
}

/// At the current instant (one millisecond before the account's back-off ends) `pid` is
/// refused with the account's `failure_count`, and one millisecond later its right code is
/// accepted.
async fn refused_then_accepted_a_millisecond_later(t: &T, pid: &str, failure_count: u32) {
    let o = verify(t, pid, &code_now(t)).await;
    assert!(
        matches!(
            o,
            VerifyOutcome::NotAllowed(VerifyNotAllowed::NFailedAttempts { failure_count: n, .. })
                if n == failure_count
        ),
        "{o:?}"
    );
    t.clock.advance_millis(1);
    let o = verify(t, pid, &code_now(t)).await;
    assert!(matches!(o, VerifyOutcome::Accepted(_)), "{o:?}");
}

/// A failure on one device throttles the user's other devices with the §2.5 delay: at
/// `locked_until − 1 ms` refused with the account's count, zero HMACs and no write; at
/// `locked_until` evaluated.
#[tokio::test]
async fn a_failure_on_one_device_delays_the_others_to_the_millisecond() {
    let t = account_setup(Settings::default());
    let pids = devices(&t, 2).await;
    let w = wrong_now(&t);
    assert!(matches!(
        verify(&t, &pids[0], &w).await,
        VerifyOutcome::Rejected(Rejection::Invalid)
    ));
    let failed_at = t.e.now();
    t.clock.advance_millis(999);
    let v = version(&t, &pids[1]).await;
    let right = code_now(&t);
    let before = hmac_count();
    let o = verify(&t, &pids[1], &right).await;
    assert_eq!(hmac_count(), before, "refused without evaluating");
    match o {
        VerifyOutcome::NotAllowed(VerifyNotAllowed::NFailedAttempts {
            failure_count,
            locked_until,
        }) => {
            assert_eq!(failure_count, 1);
            assert_eq!(locked_until, failed_at.add_millis(1000));
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(version(&t, &pids[1]).await, v, "nothing written");
    assert_eq!(count(&t, &pids[1]).await, 0);
    t.clock.advance_millis(1);
    assert!(matches!(
        verify(&t, &pids[1], &code_now(&t)).await,
        VerifyOutcome::Accepted(_)
    ));
    // A success resets only its own device (REQ-05): device 0 keeps its failure.
    assert_eq!(count(&t, &pids[0]).await, 1);
    assert_eq!(count(&t, &pids[1]).await, 0);
}

/// The delay grows with the account's total, not the device's own count: after failures on
/// devices 0, 1, 2 (one each, each at the earliest allowed moment), the next device waits
/// `min(c · 2^(3−1), cap)` = 4 s.
#[tokio::test]
async fn the_delay_follows_the_accounts_total() {
    let t = account_setup(Settings::default());
    let pids = devices(&t, 4).await;
    for (i, pid) in pids.iter().take(3).enumerate() {
        let o = verify(&t, pid, &wrong_now(&t)).await;
        assert!(matches!(o, VerifyOutcome::Rejected(_)), "{i}: {o:?}");
        // The earliest next try: 1, 2 then 4 s later.
        t.clock.advance_secs(1 << i);
    }
    t.clock.advance_millis(-1);
    refused_then_accepted_a_millisecond_later(&t, &pids[3], 3).await;
}

/// Runs docs/behaviour.md §2.5's attacker over `pids` for 24 h: at every moment it tries every
/// device, then waits for the earliest `locked_until` it was told. Returns the guesses evaluated.
async fn guesses_in_24h(t: &T, pids: &[String]) -> usize {
    let end = Timestamp::from_secs(START + 86_400);
    let mut evaluated = 0;
    while t.e.now() < end {
        let mut next: Option<Timestamp> = None;
        for pid in pids {
            match verify(t, pid, &wrong_now(t)).await {
                VerifyOutcome::Rejected(_) => evaluated += 1,
                VerifyOutcome::NotAllowed(VerifyNotAllowed::NFailedAttempts {
                    locked_until,
                    ..
                }) => next = Some(next.map_or(locked_until, |n| n.min(locked_until))),
                o => panic!("{o:?}"),
            }
        }
        if let Some(n) = next {
            t.clock.set(n);
        }
    }
    evaluated
}

/// REQ-06 per account: rotating across three devices gives the attacker the 35 guesses per
/// 24 h of one device; with `OTPKIT_ACCOUNT_THROTTLING=false` (django-otp's per-device
/// behaviour) it gives 3 × 35 = 105.
#[tokio::test]
async fn rotating_across_devices_multiplies_no_guesses() {
    let t = account_setup(Settings::default());
    let pids = devices(&t, 3).await;
    assert_eq!(guesses_in_24h(&t, &pids).await, 35);

    let t = account_setup(Settings {
        throttle: ThrottleSettings {
            account_throttling: false,
            ..Default::default()
        },
        ..Settings::default()
    });
    let pids = devices(&t, 3).await;
    assert_eq!(guesses_in_24h(&t, &pids).await, 105);
}

/// `OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD` applies to the account's total: failures spread
/// 2 + 2 + 1 over three devices reach 5; `account_locked` is emitted and notified exactly
/// once (no device reached its own `L`, so no `device_locked`); every device then refuses
/// even the correct token with `LOCKED_OUT {failure_count: 5}` and zero HMACs, forever;
/// resetting one device's share reopens the account, and `throttle_reset_user` clears
/// everything.
#[tokio::test]
async fn the_account_lockout_threshold_counts_every_device() {
    let t = account_setup(Settings {
        throttle: ThrottleSettings {
            account_lockout_threshold: 5,
            ..Default::default()
        },
        totp: TotpSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        ..Settings::default()
    });
    let pids = devices(&t, 3).await;
    for pid in [&pids[0], &pids[0], &pids[1], &pids[1], &pids[2]] {
        assert!(matches!(
            verify(&t, pid, &wrong_now(&t)).await,
            VerifyOutcome::Rejected(_)
        ));
    }
    assert_eq!(t.notes.count(EventKind::AccountLocked), 1);
    assert_eq!(t.notes.count(EventKind::DeviceLocked), 0);
    let locked = t
        .notes
        .events()
        .into_iter()
        .find(|e| e.kind == EventKind::AccountLocked)
        .unwrap();
    assert_eq!(locked.failure_count, Some(5));
    assert_eq!(locked.device.as_deref(), Some(pids[2].as_str()));
    assert_eq!(locked.user, Some(alice()));
    for _ in 0..2 {
        t.clock.advance_secs(86_400 * 30);
        let right = code_now(&t);
        for pid in &pids {
            let before = hmac_count();
            let o = verify(&t, pid, &right).await;
            assert_eq!(hmac_count(), before);
            assert!(
                matches!(
                    o,
                    VerifyOutcome::NotAllowed(VerifyNotAllowed::LockedOut { failure_count: 5 })
                ),
                "{o:?}"
            );
        }
        // match_token is refused too, without evaluating anything.
        let before = hmac_count();
        assert!(
            t.e.match_token(Some(&alice()), &right)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(hmac_count(), before);
    }
    assert_eq!(t.notes.count(EventKind::AccountLocked), 1, "once");
    // An administrator resets device 2 (its one failure): the total is 4 < 5.
    t.e.throttle_reset(&pids[2]).await.unwrap();
    assert!(matches!(
        verify(&t, &pids[0], &code_now(&t)).await,
        VerifyOutcome::Accepted(_)
    ));
    assert_eq!(count(&t, &pids[1]).await, 2);
    // throttle_reset_user resets the devices that had failures, and only those.
    let reset = t.e.throttle_reset_user(&alice()).await.unwrap();
    let reset: Vec<String> = reset.iter().map(|d| d.persistent_id()).collect();
    assert_eq!(reset, vec![pids[1].clone()]);
    for pid in &pids {
        assert_eq!(count(&t, pid).await, 0);
    }
}

/// One device locked by its own count (`L` = 3) does not lock the account (its default
/// threshold is 200): the owner's other device works once the account back-off
/// (`min(c · 2^(3−1), cap)` = 4 s after the last failure) has passed, and from that verified
/// device the owner can unlock the locked one (docs/behaviour.md §2.5 "What clears the throttle",
/// §7.7).
#[tokio::test]
async fn one_locked_device_leaves_the_others_usable() {
    let t = account_setup(Settings {
        throttle: ThrottleSettings {
            lockout_threshold: 3,
            ..Default::default()
        },
        ..Settings::default()
    });
    let pids = devices(&t, 2).await;
    for gap in [1, 2, 0] {
        let o = verify(&t, &pids[0], &wrong_now(&t)).await;
        assert!(matches!(o, VerifyOutcome::Rejected(_)), "{o:?}");
        t.clock.advance_secs(gap);
    }
    assert_eq!(t.notes.count(EventKind::DeviceLocked), 1);
    assert_eq!(t.notes.count(EventKind::AccountLocked), 0);
    t.clock.advance_millis(3_999);
    refused_then_accepted_a_millisecond_later(&t, &pids[1], 3).await;
    assert!(matches!(
        verify(&t, &pids[0], &code_now(&t)).await,
        VerifyOutcome::NotAllowed(VerifyNotAllowed::LockedOut { failure_count: 3 })
    ));
    t.e.unlock(&pids[0]).await.unwrap();
    t.clock.advance_secs(30);
    assert!(matches!(
        verify(&t, &pids[0], &code_now(&t)).await,
        VerifyOutcome::Accepted(_)
    ));
}

/// Another user's failures never throttle alice, and a user with one device sees exactly
/// §2.5 (the per-device tests in engine.rs run with the account throttle on).
#[tokio::test]
async fn other_users_do_not_count() {
    let t = account_setup(Settings::default());
    let pids = devices(&t, 1).await;
    let bob = UserId::new("bob").unwrap();
    let b = rfc_totp_of(&t, &bob).await;
    let o =
        t.e.verify_token_detailed(Some(&bob), &b, &wrong_now(&t), &VerifyOptions::default())
            .await
            .unwrap();
    assert!(matches!(o, VerifyOutcome::Rejected(_)));
    assert!(matches!(
        verify(&t, &pids[0], &code_now(&t)).await,
        VerifyOutcome::Accepted(_)
    ));
}

/// With the setting off, each device is throttled alone (django-otp 1.7.5).
#[tokio::test]
async fn off_restores_per_device_throttling() {
    let t = account_setup(Settings {
        throttle: ThrottleSettings {
            account_throttling: false,
            ..Default::default()
        },
        ..Settings::default()
    });
    let pids = devices(&t, 2).await;
    assert!(matches!(
        verify(&t, &pids[0], &wrong_now(&t)).await,
        VerifyOutcome::Rejected(_)
    ));
    assert!(matches!(
        verify(&t, &pids[1], &code_now(&t)).await,
        VerifyOutcome::Accepted(_)
    ));
}

/// `OTPKIT_ACCOUNT_THROTTLING` is a boolean setting, default true;
/// `OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD` is 0–20000, default 200.
#[test]
fn the_settings() {
    assert_eq!(Settings::default().throttle.account_lockout_threshold, 200);
    for (raw, ok) in [
        ("0", true),
        ("20000", true),
        ("20001", false),
        ("-1", false),
    ] {
        let r = Settings::from_lookup(|n| {
            (n == "OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD").then(|| raw.to_owned())
        });
        assert_eq!(r.is_ok(), ok, "{raw}");
    }
    assert!(Settings::default().throttle.account_throttling);
    let s = Settings::from_lookup(|n| (n == "OTPKIT_ACCOUNT_THROTTLING").then(|| "false".into()))
        .unwrap();
    assert!(!s.throttle.account_throttling);
    let err = Settings::from_lookup(|n| (n == "OTPKIT_ACCOUNT_THROTTLING").then(|| "maybe".into()))
        .unwrap_err();
    assert!(
        err.to_string().starts_with("OTPKIT_ACCOUNT_THROTTLING: "),
        "{err}"
    );
}
