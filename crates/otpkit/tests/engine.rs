//! Engine behaviour with an injected clock: the policy boundaries of docs/behaviour.md §2.3–2.5,
//! the built-in kinds of §5, the top-level API of §3, and events (§2.10).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use otpkit::engine::{ChallengeOptions, ChallengeOutcome, HotpOptions, TotpOptions, VerifyOptions};
use otpkit::events::EventKind;
use otpkit::oath::hmac_count;
use otpkit::policy::{GenerateNotAllowed, VerifyNotAllowed};
use otpkit::session::{self, MemorySession, OtpSession};
use otpkit::settings::{EmailSettings, StaticSettings, ThrottleSettings, TotpSettings};
use otpkit::{Device, Rejection, SecretBytes, Settings, Timestamp, UserId, VerifyOutcome};

mod common;

use common::*;

const DJ_HOTP: &str = "d2e8a68036f68960b1c30532bb6c56da5934d879";
const DJ_TOTP: &str = "2a2bbba1092ffdd25a328ad1a0a5f5d61d7aacc4";
const DJ_TOTP_TOKENS: [&str; 10] = [
    "179225", "656163", "839400", "154567", "346912", "471576", "045675", "101397", "491039",
    "784503",
];

fn hex(s: &str) -> SecretBytes {
    SecretBytes::new(
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect(),
    )
}

// ----- throttling (§2.5, REQ-05) -----------------------------------------------------------

#[tokio::test]
async fn throttle_boundaries_for_n_1_to_12_and_the_cap_to_20() {
    // The attacker of docs/behaviour.md §2.5's table: each failure at the earliest allowed moment.
    let t = setup(Settings::default());
    let pid = rfc_totp(&t).await;
    let start = 1_000_000i64; // so that every candidate step is ≥ 0
    let mut at = Timestamp::from_secs(start);
    for n in 1..=20u32 {
        // At `at` (= the previous locked_until) the token is evaluated: 3 HMACs.
        t.clock.set(at);
        let wrong = wrong_code(at.as_secs() / 30);
        let before = hmac_count();
        let o = verify(&t, &pid, &wrong).await;
        assert_eq!(hmac_count() - before, 3, "n={n}: evaluated at locked_until");
        assert!(
            matches!(o, VerifyOutcome::Rejected(Rejection::Invalid)),
            "n={n}: {o:?}"
        );
        let delay = if n <= 12 { 1i64 << (n - 1) } else { 3600 };
        let until = at.add_secs(delay);
        // 1 ms before: refused without evaluating the (correct!) token and without counting.
        t.clock.set(until.add_millis(-1));
        let right = rfc_code(until.add_millis(-1).as_secs() / 30);
        let before = hmac_count();
        let o = verify(&t, &pid, &right).await;
        assert_eq!(hmac_count(), before, "n={n}: no HMAC while throttled");
        match o {
            VerifyOutcome::NotAllowed(VerifyNotAllowed::NFailedAttempts {
                failure_count,
                locked_until,
            }) => assert_eq!((failure_count, locked_until), (n, until), "n={n}"),
            other => panic!("n={n}: {other:?}"),
        }
        let d = device(&t, &pid).await;
        assert_eq!(
            d.throttle().failure_count,
            n,
            "n={n}: the refusal did not count"
        );
        assert_eq!(
            d.throttle().failure_timestamp,
            Some(at),
            "n={n}: lock not extended"
        );
        at = until;
    }
    // The table of docs/behaviour.md §2.5: failure 12 at t = 2047, failure 13 at 4095, then 3600 s
    // apart.
    assert_eq!(at.as_secs() - start, 4095 + 8 * 3600);
}

#[tokio::test]
async fn correct_token_at_locked_until_succeeds_and_resets() {
    let t = setup(Settings::default());
    let pid = rfc_totp(&t).await;
    for _ in 0..3 {
        verify(&t, &pid, "abcdef").await;
        t.clock.advance_secs(3600);
    }
    assert_eq!(device(&t, &pid).await.throttle().failure_count, 3);
    let o = verify(&t, &pid, &rfc_code(t.e.now().as_secs() / 30)).await;
    assert!(matches!(o, VerifyOutcome::Accepted(_)));
    let d = device(&t, &pid).await;
    assert_eq!(d.throttle().failure_count, 0);
    assert_eq!(d.throttle().failure_timestamp, None);
    assert_eq!(d.last_used_at(), Some(t.e.now()));
}

#[tokio::test]
async fn hard_lockout_at_the_configured_count() {
    for threshold in [5u32, 100] {
        let t = setup(Settings {
            throttle: ThrottleSettings {
                lockout_threshold: threshold,
                ..Default::default()
            },
            ..Settings::default()
        });
        let pid = rfc_totp(&t).await;
        for i in 1..=threshold {
            let o = verify(&t, &pid, "12345").await; // malformed counts as a failure
            assert!(
                matches!(o, VerifyOutcome::Rejected(Rejection::Malformed)),
                "{i}"
            );
            t.clock.advance_secs(3600);
        }
        assert_eq!(
            t.notes.count(EventKind::DeviceLocked),
            1,
            "notified exactly once"
        );
        // Locked: even the correct token is refused, forever, without evaluation.
        for _ in 0..3 {
            t.clock.advance_secs(86_400 * 30);
            let right = rfc_code(t.e.now().as_secs() / 30);
            let before = hmac_count();
            let o = verify(&t, &pid, &right).await;
            assert_eq!(hmac_count(), before);
            assert!(
                matches!(o, VerifyOutcome::NotAllowed(VerifyNotAllowed::LockedOut { failure_count }) if failure_count == threshold),
                "{o:?}"
            );
        }
        assert_eq!(t.notes.count(EventKind::DeviceLocked), 1);
        // An administrator's throttle_reset clears LOCKED_OUT.
        t.e.throttle_reset(&pid).await.unwrap();
        let o = verify(&t, &pid, &rfc_code(t.e.now().as_secs() / 30)).await;
        assert!(matches!(o, VerifyOutcome::Accepted(_)));
    }
}

#[tokio::test]
async fn throttling_disabled_still_counts_and_locks() {
    let t = setup(Settings {
        throttle: ThrottleSettings {
            lockout_threshold: 3,
            ..Default::default()
        },
        totp: TotpSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        ..Settings::default()
    });
    let pid = rfc_totp(&t).await;
    for _ in 0..3 {
        assert!(matches!(
            verify(&t, &pid, "000000").await,
            VerifyOutcome::Rejected(_)
        ));
    }
    assert!(matches!(
        verify(&t, &pid, "000000").await,
        VerifyOutcome::NotAllowed(VerifyNotAllowed::LockedOut { failure_count: 3 })
    ));
}

#[tokio::test]
async fn hostile_tokens_are_malformed_failures_without_scanning() {
    let t = setup(Settings {
        totp: TotpSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        ..Settings::default()
    });
    let pid = rfc_totp(&t).await;
    let huge = "1".repeat(1 << 20);
    let inputs = [
        "",
        " ",
        "12345",
        "1234567",
        "+123456",
        "-12345",
        "123_456",
        "1e5",
        "0x1E240",
        "１２３４５６",
        "١٢٣٤٥٦",
        "\x00123456",
        "123456\x00",
        "123\t456",
        &huge,
        "' OR 1=1 --",
        "<script>alert(1)</script>",
    ];
    for (i, input) in inputs.iter().enumerate() {
        let before = hmac_count();
        let o = verify(&t, &pid, input).await;
        assert!(
            matches!(o, VerifyOutcome::Rejected(Rejection::Malformed)),
            "{input:?}: {o:?}"
        );
        assert_eq!(hmac_count(), before, "no HMAC for a malformed token");
        let d = device(&t, &pid).await;
        assert_eq!(d.throttle().failure_count, i as u32 + 1);
        assert_eq!(d.last_used_at(), None);
    }
    // Whitespace forms of the right code are accepted (§4.4).
    let code = rfc_code(0);
    let spaced = format!(" {} {} \n", &code[..3], &code[3..]);
    assert!(matches!(
        verify(&t, &pid, &spaced).await,
        VerifyOutcome::Accepted(_)
    ));
}

// ----- TOTP (§5.1) -------------------------------------------------------------------------

async fn dj_totp(t: &T, tolerance: u8, drift: i16) -> String {
    t.e.create_totp(
        &alice(),
        TotpOptions {
            key: Some(hex(DJ_TOTP)),
            t0: Some(t.e.now().as_secs() - 90),
            tolerance: Some(tolerance),
            drift: Some(drift),
            ..TotpOptions::default()
        },
    )
    .await
    .unwrap()
    .persistent_id()
}

async fn accepted_indexes(t: &T, pid: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, tok) in DJ_TOTP_TOKENS.iter().enumerate() {
        if matches!(verify(t, pid, tok).await, VerifyOutcome::Accepted(_)) {
            out.push(i);
        }
    }
    out
}

fn no_throttle_no_sync() -> Settings {
    Settings {
        totp: TotpSettings {
            throttle_factor: 0,
            sync: false,
            ..Default::default()
        },
        ..Settings::default()
    }
}

#[tokio::test]
async fn django_totp_suite() {
    let t = setup(no_throttle_no_sync());
    t.clock.set(Timestamp::from_secs(1_000_000));
    let pid = dj_totp(&t, 0, 0).await;
    assert_eq!(accepted_indexes(&t, &pid).await, vec![3]);
    let pid = dj_totp(&t, 1, 0).await;
    assert_eq!(accepted_indexes(&t, &pid).await, vec![2, 3, 4]);
    let pid = dj_totp(&t, 1, -1).await;
    assert_eq!(accepted_indexes(&t, &pid).await, vec![1, 2, 3]);

    let t = setup(Settings {
        totp: TotpSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        ..Settings::default()
    });
    t.clock.set(Timestamp::from_secs(1_000_000));
    let pid = dj_totp(&t, 2, 0).await;
    assert!(matches!(
        verify(&t, &pid, DJ_TOTP_TOKENS[5]).await,
        VerifyOutcome::Accepted(_)
    ));
    let d = device(&t, &pid).await;
    assert_eq!(t.e.info(&d).unwrap()["drift"], 2);

    let pid = dj_totp(&t, 1, 0).await;
    assert!(matches!(
        verify(&t, &pid, DJ_TOTP_TOKENS[3]).await,
        VerifyOutcome::Accepted(_)
    ));
    assert!(matches!(
        verify(&t, &pid, DJ_TOTP_TOKENS[3]).await,
        VerifyOutcome::Rejected(Rejection::Replay)
    ));
    let d = device(&t, &pid).await;
    assert_eq!(t.e.info(&d).unwrap()["last_t"], 3);
    assert_eq!(t.notes.count(EventKind::TokenReplayed), 1);
}

#[tokio::test]
async fn totp_step_boundaries() {
    for (at_ms, steps_ok) in [(59_999i64, vec![0, 1, 2]), (60_000, vec![1, 2, 3])] {
        for step in 0..=3i64 {
            let t = setup(no_throttle_no_sync());
            let pid = rfc_totp(&t).await;
            t.clock.set(Timestamp::from_millis(at_ms));
            let ok = matches!(
                verify(&t, &pid, &rfc_code(step)).await,
                VerifyOutcome::Accepted(_)
            );
            assert_eq!(ok, steps_ok.contains(&step), "at {at_ms} ms, step {step}");
        }
    }
}

#[tokio::test]
async fn totp_replay_and_clock_stepping_back() {
    let t = setup(no_throttle_no_sync());
    let pid = rfc_totp(&t).await;
    t.clock.set(Timestamp::from_secs(3000)); // T = 100
    assert!(matches!(
        verify(&t, &pid, &rfc_code(100)).await,
        VerifyOutcome::Accepted(_)
    ));
    t.clock.set(Timestamp::from_secs(3030)); // T = 101
    assert!(matches!(
        verify(&t, &pid, &rfc_code(100)).await,
        VerifyOutcome::Rejected(Rejection::Replay)
    ));
    assert!(matches!(
        verify(&t, &pid, &rfc_code(99)).await,
        VerifyOutcome::Rejected(_)
    ));
    t.clock.set(Timestamp::from_secs(2970)); // the clock steps back 60 s
    for s in 98..=100 {
        assert!(!matches!(
            verify(&t, &pid, &rfc_code(s)).await,
            VerifyOutcome::Accepted(_)
        ));
    }
    t.clock.set(Timestamp::from_secs(3030));
    assert!(matches!(
        verify(&t, &pid, &rfc_code(101)).await,
        VerifyOutcome::Accepted(_)
    ));
}

// ----- HOTP (§5.2) -------------------------------------------------------------------------

#[tokio::test]
async fn django_hotp_suite_and_window() {
    let tokens = ["782373", "313268", "307722"];
    let cases = [(0usize, true, 1u64), (1, true, 2), (2, false, 0)];
    for (i, ok, counter) in cases {
        let t = setup(Settings::default());
        let pid =
            t.e.create_hotp(
                &alice(),
                HotpOptions {
                    key: Some(hex(DJ_HOTP)),
                    tolerance: Some(1),
                    ..HotpOptions::default()
                },
            )
            .await
            .unwrap()
            .persistent_id();
        let o = verify(&t, &pid, tokens[i]).await;
        assert_eq!(matches!(o, VerifyOutcome::Accepted(_)), ok, "token {i}");
        let d = device(&t, &pid).await;
        assert_eq!(t.e.info(&d).unwrap()["counter"], counter, "token {i}");
        let o = verify(&t, &pid, "123456").await;
        assert!(matches!(
            o,
            VerifyOutcome::Rejected(_) | VerifyOutcome::NotAllowed(_)
        ));
    }
    // Default tolerance 5: counters 0..=5 are checked, 6 is not; a match moves past it.
    let t = setup(Settings::default());
    let pid =
        t.e.create_hotp(
            &alice(),
            HotpOptions {
                key: Some(SecretBytes::new(RFC_KEY.to_vec())),
                ..HotpOptions::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    let before = hmac_count();
    assert!(matches!(
        verify(&t, &pid, "287922").await,
        VerifyOutcome::Rejected(_)
    )); // c=6
    assert_eq!(hmac_count() - before, 6);
    t.clock.advance_secs(10);
    assert!(matches!(
        verify(&t, &pid, "254676").await,
        VerifyOutcome::Accepted(_)
    )); // c=5
    assert_eq!(t.e.info(&device(&t, &pid).await).unwrap()["counter"], 6);
    assert!(!matches!(
        verify(&t, &pid, "338314").await,
        VerifyOutcome::Accepted(_)
    )); // c=4
}

// ----- static codes (§5.3) -----------------------------------------------------------------

#[tokio::test]
async fn backup_codes_single_use_batches_and_normalisation() {
    let t = setup(Settings {
        static_codes: StaticSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        ..Settings::default()
    });
    let (d, codes) = t.e.generate_backup_codes(&alice(), None).await.unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(d.name(), "Backup Code");
    for c in &codes {
        let s = c.expose();
        assert_eq!(s.len(), 11);
        assert_eq!(&s[5..6], "-");
        assert!(
            s.chars()
                .all(|ch| ch == '-' || matches!(ch, 'a'..='z' | '2'..='7'))
        );
    }
    let pid = d.persistent_id();
    let upper = codes[0].expose().to_uppercase().replace('-', " ");
    assert!(matches!(
        verify(&t, &pid, &upper).await,
        VerifyOutcome::Accepted(_)
    ));
    assert!(matches!(
        verify(&t, &pid, codes[0].expose()).await,
        VerifyOutcome::Rejected(Rejection::Invalid)
    ));
    let squashed = codes[1].expose().replace('-', "");
    assert!(matches!(
        verify(&t, &pid, &squashed).await,
        VerifyOutcome::Accepted(_)
    ));
    assert_eq!(t.e.info(&device(&t, &pid).await).unwrap()["codes_left"], 8);
    // A new batch invalidates the old one.
    let (d2, fresh) = t.e.generate_backup_codes(&alice(), Some(3)).await.unwrap();
    assert_eq!(d2.persistent_id(), pid, "the first static device is reused");
    assert!(matches!(
        verify(&t, &pid, codes[2].expose()).await,
        VerifyOutcome::Rejected(_)
    ));
    assert!(matches!(
        verify(&t, &pid, fresh[2].expose()).await,
        VerifyOutcome::Accepted(_)
    ));
    assert_eq!(t.notes.count(EventKind::BackupCodesGenerated), 2);
    // Explicit tokens: added to the existing ones; duplicates and bad syntax refused.
    let (_, tok) =
        t.e.add_static_token(&alice(), Some("Backup-1234"))
            .await
            .unwrap();
    assert_eq!(tok.expose(), "Backup-1234");
    assert!(matches!(
        t.e.add_static_token(&alice(), Some("backup1234")).await,
        Err(otpkit::Error::DuplicateToken)
    ));
    assert!(matches!(
        t.e.add_static_token(&alice(), Some("abc")).await,
        Err(otpkit::Error::MalformedToken)
    ));
    assert!(matches!(
        verify(&t, &pid, "BACKUP 1234").await,
        VerifyOutcome::Accepted(_)
    ));
    // Codes are never stored in plaintext.
    let dump = format!(
        "{:?}",
        t.store
            .dump()
            .unwrap()
            .iter()
            .map(|r| &r.state)
            .collect::<Vec<_>>()
    );
    for c in fresh.iter().chain(&codes) {
        assert!(!dump.contains(&c.expose().replace('-', "")));
        assert!(!dump.contains(c.expose()));
    }
    // Out of range batch sizes.
    assert!(t.e.generate_backup_codes(&alice(), Some(0)).await.is_err());
    assert!(t.e.generate_backup_codes(&alice(), Some(51)).await.is_err());
}

// ----- email and side-channel (§2.3, §2.4, §5.4) -------------------------------------------

async fn email_device(t: &T, email: Option<&str>) -> String {
    t.e.create_email(&alice(), None, email.map(str::to_owned), true)
        .await
        .unwrap()
        .persistent_id()
}

fn last_code(t: &T) -> String {
    let m = t.mailer.last().expect("a message was sent");
    m.text
        .expose()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

async fn challenge(t: &T, pid: &str) -> ChallengeOutcome {
    t.e.generate_challenge(&alice(), pid, &ChallengeOptions::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn cooldown_boundaries_and_resend_overwrites() {
    let t = setup(Settings::default());
    t.clock.set(Timestamp::from_secs(43_200)); // 12:00:00.000
    let pid = email_device(&t, Some("a@example.com")).await;
    assert!(matches!(
        challenge(&t, &pid).await,
        ChallengeOutcome::Sent { .. }
    ));
    let first = last_code(&t);
    t.clock.set(Timestamp::from_millis(43_259_999));
    match challenge(&t, &pid).await {
        ChallengeOutcome::Cooldown(GenerateNotAllowed::CooldownDurationPending {
            next_generation_at,
        }) => assert_eq!(next_generation_at, Timestamp::from_secs(43_260)),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        t.mailer.messages().len(),
        1,
        "nothing sent while cooling down"
    );
    t.clock.set(Timestamp::from_secs(43_260));
    assert!(matches!(
        challenge(&t, &pid).await,
        ChallengeOutcome::Sent { .. }
    ));
    let second = last_code(&t);
    if first != second {
        assert!(matches!(
            verify(&t, &pid, &first).await,
            VerifyOutcome::Rejected(_)
        ));
        t.clock.advance_secs(1);
    }
    assert!(matches!(
        verify(&t, &pid, &second).await,
        VerifyOutcome::Accepted(_)
    ));
    // Success resets the cooldown: a new challenge right away.
    assert!(matches!(
        challenge(&t, &pid).await,
        ChallengeOutcome::Sent { .. }
    ));
    // Duration 0 disables it: a second generation at the same instant is allowed.
    let t = setup(Settings {
        email: EmailSettings {
            cooldown_duration: 0,
            // The per-account bound (issue 12) is tested in email_limits.rs.
            account_cooldown: 0,
            ..Default::default()
        },
        ..Settings::default()
    });
    let pid = email_device(&t, Some("a@example.com")).await;
    assert!(matches!(
        challenge(&t, &pid).await,
        ChallengeOutcome::Sent { .. }
    ));
    assert!(matches!(
        challenge(&t, &pid).await,
        ChallengeOutcome::Sent { .. }
    ));
}

/// Issue 13 item 9 (django-otp's CooldownMixin): a successful verification resets the
/// cooldown also when its duration is 0, so that no stale timestamp is left for a later,
/// longer duration to refuse a challenge right after a login.
#[tokio::test]
async fn success_resets_the_cooldown_even_with_duration_zero() {
    let t = setup(Settings {
        email: EmailSettings {
            cooldown_duration: 0,
            account_cooldown: 0,
            ..Default::default()
        },
        ..Settings::default()
    });
    let pid = email_device(&t, Some("a@example.com")).await;
    assert!(matches!(
        challenge(&t, &pid).await,
        ChallengeOutcome::Sent { .. }
    ));
    let d = t.e.from_persistent_id(&pid).await.unwrap().unwrap();
    assert!(d.last_generated_at().is_some());
    let code = last_code(&t);
    assert!(matches!(
        verify(&t, &pid, &code).await,
        VerifyOutcome::Accepted(_)
    ));
    let d = t.e.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(d.last_generated_at(), None, "reset, whatever the duration");
}

#[tokio::test]
async fn email_validity_is_strict() {
    for (after_ms, ok) in [(299_999i64, true), (300_000, false), (301_000, false)] {
        let t = setup(Settings::default());
        let pid = email_device(&t, Some("a@example.com")).await;
        challenge(&t, &pid).await;
        t.clock.advance_millis(after_ms);
        let o = verify(&t, &pid, &last_code(&t)).await;
        assert_eq!(
            matches!(o, VerifyOutcome::Accepted(_)),
            ok,
            "after {after_ms} ms: {o:?}"
        );
    }
}

#[tokio::test]
async fn email_code_single_use_attempt_limit_and_addresses() {
    let t = setup(Settings {
        email: EmailSettings {
            throttle_factor: 0,
            subject: "Test Subject with token: {token}".into(),
            ..Default::default()
        },
        ..Settings::default()
    });
    let pid = email_device(&t, Some("alice2@example.com")).await;
    challenge(&t, &pid).await;
    let m = t.mailer.last().unwrap();
    assert_eq!(m.to, "alice2@example.com");
    let code = last_code(&t);
    assert_eq!(
        m.subject.expose(),
        format!("Test Subject with token: {code}")
    );
    assert_eq!(m.from, "webmaster@localhost");
    assert!(matches!(
        verify(&t, &pid, &code).await,
        VerifyOutcome::Accepted(_)
    ));
    assert!(matches!(
        verify(&t, &pid, &code).await,
        VerifyOutcome::Rejected(_)
    ));
    // Three wrong codes burn the token: the correct one is then refused.
    t.clock.advance_secs(61);
    challenge(&t, &pid).await;
    let code = last_code(&t);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..3 {
        assert!(matches!(
            verify(&t, &pid, wrong).await,
            VerifyOutcome::Rejected(_)
        ));
    }
    assert!(matches!(
        verify(&t, &pid, &code).await,
        VerifyOutcome::Rejected(_)
    ));
    assert_eq!(device(&t, &pid).await.throttle().failure_count, 5);
    // No address anywhere: a typed, user-facing failure; nothing sent.
    let pid = email_device(&t, None).await;
    match challenge(&t, &pid).await {
        ChallengeOutcome::Failed { message } => {
            assert_eq!(message, "no email address is known for this device")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn email_binding_ties_a_code_to_its_session() {
    let t = setup(Settings::default());
    let pid = email_device(&t, Some("a@example.com")).await;
    let mine = ChallengeOptions {
        binding: Some(b"session-one".to_vec()),
        ..ChallengeOptions::default()
    };
    t.e.generate_challenge(&alice(), &pid, &mine).await.unwrap();
    let code = last_code(&t);
    let other = VerifyOptions {
        binding: Some(b"session-two".to_vec()),
    };
    let o =
        t.e.verify_token_detailed(Some(&alice()), &pid, &code, &other)
            .await
            .unwrap();
    assert!(matches!(o, VerifyOutcome::Rejected(Rejection::Invalid)));
    assert_eq!(
        device(&t, &pid).await.throttle().failure_count,
        1,
        "counted"
    );
    t.clock.advance_secs(1);
    let same = VerifyOptions {
        binding: Some(b"session-one".to_vec()),
    };
    let o =
        t.e.verify_token_detailed(Some(&alice()), &pid, &code, &same)
            .await
            .unwrap();
    assert!(matches!(o, VerifyOutcome::Accepted(_)));
}

#[tokio::test]
async fn failed_delivery_is_compensated() {
    let t = setup(Settings::default());
    let pid = email_device(&t, Some("a@example.com")).await;
    t.mailer.set_failing(true);
    match challenge(&t, &pid).await {
        ChallengeOutcome::Failed { message } => assert_eq!(message, "the email could not be sent"),
        other => panic!("{other:?}"),
    }
    let d = device(&t, &pid).await;
    assert_eq!(d.last_generated_at(), None, "cooldown restored");
    assert_eq!(
        t.e.info(&d).unwrap()["token_outstanding"],
        false,
        "new token cleared"
    );
    t.mailer.set_failing(false);
    assert!(
        matches!(challenge(&t, &pid).await, ChallengeOutcome::Sent { .. }),
        "retry at once"
    );
    assert_eq!(
        t.notes.count(EventKind::ChallengeFailed),
        0,
        "not a notifying event"
    );
}

#[tokio::test]
async fn side_channel_generate_token_arguments_and_commit() {
    let t = setup(Settings::default());
    let pid = email_device(&t, Some("a@example.com")).await;
    let before = device(&t, &pid).await;
    for (len, secs) in [(5u8, 300u32), (9, 300), (6, 0), (6, 601)] {
        assert!(
            t.e.generate_token(&pid, len, secs).await.is_err(),
            "{len} {secs}"
        );
    }
    assert_eq!(
        device(&t, &pid).await.record(),
        before.record(),
        "nothing changed"
    );
    // A new device has valid_until = created_at: no token is valid.
    assert!(matches!(
        verify(&t, &pid, "123456").await,
        VerifyOutcome::Rejected(_)
    ));
    t.clock.advance_secs(5);
    let tok = t.e.generate_token(&pid, 8, 10).await.unwrap();
    assert_eq!(tok.expose().len(), 8);
    assert!(matches!(
        verify(&t, &pid, tok.expose()).await,
        VerifyOutcome::Accepted(_)
    ));
}

// ----- identity, confirmation and the top-level API (§1.6, §3) -----------------------------

#[tokio::test]
async fn from_persistent_id_round_trips_and_refuses_everything_else() {
    let t = setup(Settings::default());
    let totp = rfc_totp(&t).await;
    let hotp =
        t.e.create_hotp(&alice(), HotpOptions::default())
            .await
            .unwrap()
            .persistent_id();
    let email = email_device(&t, Some("a@example.com")).await;
    let (st, _) = t.e.generate_backup_codes(&alice(), None).await.unwrap();
    for pid in [&totp, &hotp, &email, &st.persistent_id()] {
        let d = t.e.from_persistent_id(pid).await.unwrap().unwrap();
        assert_eq!(&d.persistent_id(), pid);
        assert_eq!(d.user(), &alice());
    }
    let upper = totp.replace("totpdevice", "TOTPDevice");
    assert_eq!(
        t.e.from_persistent_id(&upper)
            .await
            .unwrap()
            .unwrap()
            .persistent_id(),
        totp
    );
    let id = totp.rsplit_once('/').unwrap().1;
    for bad in [
        "".to_owned(),
        "garbage".to_owned(),
        format!("otp_hotp.hotpdevice/{id}"),
        format!("auth.user/{id}"),
        "otp_totp.totpdevice/abc".to_owned(),
        "otp_totp.totpdevice/0".to_owned(),
        "otp_totp.totpdevice/99999999999999999999".to_owned(),
        "otp_totp.totpdevice/424242".to_owned(),
        format!("{totp}/"),
        format!("x{}", "y".repeat(200)),
    ] {
        assert!(
            t.e.from_persistent_id(&bad).await.unwrap().is_none(),
            "{bad:?}"
        );
        let o = verify(&t, &bad, "123456").await;
        assert!(matches!(o, VerifyOutcome::NotFound), "{bad:?}");
    }
    assert!(
        t.e.from_persistent_id_of::<otpkit::kind::HotpDevice>(&totp)
            .await
            .unwrap()
            .is_none()
    );
    // Someone else's device: not found, and nothing changes anywhere.
    let before = t.store.dump().unwrap();
    let bob = UserId::new("bob").unwrap();
    let o =
        t.e.verify_token_detailed(Some(&bob), &totp, &rfc_code(0), &VerifyOptions::default())
            .await
            .unwrap();
    assert!(matches!(o, VerifyOutcome::NotFound));
    assert!(
        t.e.verify_token(None, &totp, &rfc_code(0))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(t.store.dump().unwrap(), before);
}

#[tokio::test]
async fn devices_for_user_order_filters_and_has_device() {
    let t = setup(Settings::default());
    let (st, _) = t.e.generate_backup_codes(&alice(), None).await.unwrap();
    let email = email_device(&t, Some("a@example.com")).await;
    let unconfirmed =
        t.e.create_totp(
            &alice(),
            TotpOptions {
                unconfirmed: true,
                ..TotpOptions::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    let totp = rfc_totp(&t).await;
    let ids = |v: Vec<Device>| v.into_iter().map(|d| d.persistent_id()).collect::<Vec<_>>();
    // Registration order (TOTP, HOTP, email, static), then id.
    assert_eq!(
        ids(t.e.devices_for_user(Some(&alice()), None).await.unwrap()),
        vec![
            unconfirmed.clone(),
            totp.clone(),
            email.clone(),
            st.persistent_id()
        ]
    );
    assert_eq!(
        ids(t
            .e
            .devices_for_user(Some(&alice()), Some(true))
            .await
            .unwrap()),
        vec![totp.clone(), email, st.persistent_id()]
    );
    assert_eq!(
        ids(t
            .e
            .devices_for_user(Some(&alice()), Some(false))
            .await
            .unwrap()),
        vec![unconfirmed.clone()]
    );
    assert!(t.e.devices_for_user(None, None).await.unwrap().is_empty());
    assert!(
        t.e.user_has_device(Some(&alice()), Some(true))
            .await
            .unwrap()
    );
    let bob = UserId::new("bob").unwrap();
    t.e.create_totp(
        &bob,
        TotpOptions {
            unconfirmed: true,
            ..TotpOptions::default()
        },
    )
    .await
    .unwrap();
    assert!(!t.e.user_has_device(Some(&bob), Some(true)).await.unwrap());
    assert!(t.e.user_has_device(Some(&bob), None).await.unwrap());
    assert!(!t.e.user_has_device(None, None).await.unwrap());
    let kind_only =
        t.e.devices_of_kind::<otpkit::kind::TotpDevice>(&alice(), None)
            .await
            .unwrap();
    assert_eq!(ids(kind_only), vec![unconfirmed, totp]);
    let removed_before = t.notes.count(EventKind::DeviceRemoved);
    assert_eq!(t.e.delete_devices_for_user(&alice()).await.unwrap(), 4);
    assert!(
        t.e.devices_for_user(Some(&alice()), None)
            .await
            .unwrap()
            .is_empty()
    );
    // REQ-16: one device_removed per device removed, each naming alice.
    assert_eq!(t.notes.count(EventKind::DeviceRemoved) - removed_before, 4);
    assert!(
        t.notes
            .events()
            .iter()
            .filter(|e| e.kind == EventKind::DeviceRemoved)
            .all(|e| e.user.as_ref() == Some(&alice()))
    );
    // bob's device is untouched.
    assert!(t.e.user_has_device(Some(&bob), None).await.unwrap());
}

#[tokio::test]
async fn unconfirmed_devices_verify_only_through_confirm_device() {
    let t = setup(Settings::default());
    t.clock.set(Timestamp::from_secs(3000));
    let pid =
        t.e.create_totp(
            &alice(),
            TotpOptions {
                unconfirmed: true,
                key: Some(SecretBytes::new(RFC_KEY.to_vec())),
                ..TotpOptions::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    let code = rfc_code(100);
    let before = t.store.dump().unwrap();
    assert!(matches!(
        verify(&t, &pid, &code).await,
        VerifyOutcome::NotFound
    ));
    assert!(
        t.e.match_token(Some(&alice()), &code)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(t.store.dump().unwrap(), before, "no state change");
    let o =
        t.e.confirm_device(&alice(), &pid, &code, &VerifyOptions::default())
            .await
            .unwrap();
    assert!(matches!(o, VerifyOutcome::Accepted(ref d) if d.confirmed()));
    assert_eq!(t.notes.count(EventKind::DeviceConfirmed), 1);
    // The enrolment code can never log in: its step is used.
    assert!(matches!(
        verify(&t, &pid, &code).await,
        VerifyOutcome::Rejected(Rejection::Replay)
    ));
    // A confirmed device is not on the confirm path; an expired enrolment cannot be confirmed.
    let o =
        t.e.confirm_device(&alice(), &pid, &rfc_code(101), &VerifyOptions::default())
            .await;
    assert!(matches!(o.unwrap(), VerifyOutcome::NotFound));
    let old =
        t.e.create_totp(
            &alice(),
            TotpOptions {
                unconfirmed: true,
                key: Some(SecretBytes::new(RFC_KEY.to_vec())),
                ..TotpOptions::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    t.clock.advance_secs(900);
    let ok =
        t.e.confirm_device(
            &alice(),
            &old,
            &rfc_code(t.e.now().as_secs() / 30),
            &VerifyOptions::default(),
        )
        .await
        .unwrap();
    assert!(
        matches!(ok, VerifyOutcome::Accepted(_)),
        "at exactly the TTL it is still allowed"
    );
    let late =
        t.e.create_totp(
            &alice(),
            TotpOptions {
                unconfirmed: true,
                key: Some(SecretBytes::new(RFC_KEY.to_vec())),
                ..TotpOptions::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    t.clock.advance_secs(901);
    let o =
        t.e.confirm_device(
            &alice(),
            &late,
            &rfc_code(t.e.now().as_secs() / 30),
            &VerifyOptions::default(),
        )
        .await
        .unwrap();
    assert!(matches!(o, VerifyOutcome::NotFound));
    assert_eq!(t.e.prune_unconfirmed().await.unwrap(), 1);
}

/// A store on which every `update` finds its device confirmed by someone else first: the
/// race in which an enrolment is confirmed between `prune_unconfirmed`'s listing and its
/// delete.
#[derive(Clone)]
struct ConfirmedMeanwhile(otpkit::MemoryStore);

#[async_trait::async_trait]
impl otpkit::DeviceStore for ConfirmedMeanwhile {
    async fn insert(
        &self,
        new: otpkit::device::NewDevice,
        init: otpkit::store::InitState,
    ) -> Result<otpkit::DeviceRecord, otpkit::store::StoreError> {
        self.0.insert(new, init).await
    }
    async fn get(
        &self,
        id: otpkit::DeviceId,
    ) -> Result<Option<otpkit::DeviceRecord>, otpkit::store::StoreError> {
        self.0.get(id).await
    }
    async fn list_for_user(
        &self,
        user: &UserId,
    ) -> Result<Vec<otpkit::DeviceRecord>, otpkit::store::StoreError> {
        self.0.list_for_user(user).await
    }
    async fn list(
        &self,
        query: &otpkit::store::DeviceQuery,
    ) -> Result<Vec<otpkit::DeviceRecord>, otpkit::store::StoreError> {
        self.0.list(query).await
    }
    async fn update(
        &self,
        id: otpkit::DeviceId,
        mutation: otpkit::store::Mutation,
    ) -> Result<Option<otpkit::store::Committed>, otpkit::store::StoreError> {
        let confirm: otpkit::store::Mutation = Box::new(|r| {
            r.confirmed = true;
            otpkit::store::Write::Update.into()
        });
        self.0.update(id, confirm).await?;
        self.0.update(id, mutation).await
    }
    async fn update_user(
        &self,
        user: &UserId,
        mutation: otpkit::store::UserMutation,
    ) -> Result<otpkit::store::UserCommitted, otpkit::store::StoreError> {
        self.0.update_user(user, mutation).await
    }
    async fn delete_for_user(&self, user: &UserId) -> Result<u64, otpkit::store::StoreError> {
        self.0.delete_for_user(user).await
    }
}

#[tokio::test]
async fn prune_counts_only_what_it_deleted_when_a_device_is_confirmed_meanwhile() {
    let store = otpkit::MemoryStore::new();
    let clock = otpkit::ManualClock::new(Timestamp::from_secs(0));
    let build = |s: std::sync::Arc<dyn otpkit::DeviceStore>| {
        otpkit::Engine::builder_arc(s, otpkit::KeyRing::random("k1").unwrap())
            .clock(clock.clone())
            .build()
            .unwrap()
    };
    let e = build(std::sync::Arc::new(store.clone()));
    let owner = alice();
    let enrol = || {
        e.create_totp(
            &owner,
            TotpOptions {
                unconfirmed: true,
                ..TotpOptions::default()
            },
        )
    };
    for _ in 0..3 {
        enrol().await.unwrap();
    }
    clock.advance_secs(3600);
    let racing = build(std::sync::Arc::new(ConfirmedMeanwhile(store.clone())));
    assert_eq!(racing.prune_unconfirmed().await.unwrap(), 0, "none deleted");
    let left = e.devices_for_user(Some(&alice()), None).await.unwrap();
    assert_eq!(left.len(), 3);
    assert!(left.iter().all(Device::confirmed));
    // Without the race the same call deletes and counts expired enrolments.
    enrol().await.unwrap();
    clock.advance_secs(3600);
    assert_eq!(e.prune_unconfirmed().await.unwrap(), 1);
    assert_eq!(
        e.devices_for_user(Some(&alice()), None)
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn match_token_records_failures_only_when_nothing_matched() {
    let t = setup(Settings::default());
    let totp = rfc_totp(&t).await;
    let (st, codes) = t.e.generate_backup_codes(&alice(), None).await.unwrap();
    let got =
        t.e.match_token(Some(&alice()), codes[0].expose())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(got.persistent_id(), st.persistent_id());
    assert_eq!(
        device(&t, &totp).await.throttle().failure_count,
        0,
        "django-otp #110"
    );
    assert!(
        t.e.match_token(Some(&alice()), "nothing-matches")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(device(&t, &totp).await.throttle().failure_count, 1);
    assert_eq!(
        device(&t, &st.persistent_id())
            .await
            .throttle()
            .failure_count,
        1
    );
    // Throttled devices are skipped (not evaluated, not counted).
    let code0 = rfc_code(0);
    let before = hmac_count();
    assert!(
        t.e.match_token(Some(&alice()), &code0)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(hmac_count(), before);
    assert_eq!(device(&t, &totp).await.throttle().failure_count, 1);
    t.clock.advance_secs(2);
    let got =
        t.e.match_token(Some(&alice()), &rfc_code(0))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(got.persistent_id(), totp);
    assert!(t.e.match_token(None, &rfc_code(0)).await.unwrap().is_none());
}

#[tokio::test]
async fn login_stores_the_device_and_rotates_the_session() {
    let t = setup(Settings::default());
    let pid = rfc_totp(&t).await;
    let d = device(&t, &pid).await;
    let s = MemorySession::new();
    s.insert_value(session::PENDING_KEY, serde_json::json!({"user": "alice"}))
        .await
        .unwrap();
    let id0 = s.id();
    assert!(t.e.login(&s, &alice(), &d).await.unwrap());
    assert_ne!(s.id(), id0);
    assert_eq!(
        s.get_value(session::DEVICE_KEY).await.unwrap(),
        Some(serde_json::json!(pid))
    );
    assert!(
        s.get_value(session::VERIFIED_AT_KEY)
            .await
            .unwrap()
            .is_some()
    );
    assert!(s.get_value(session::PENDING_KEY).await.unwrap().is_none());
    // Another user's device, or an unconfirmed one: nothing happens.
    let s2 = MemorySession::new();
    assert!(
        !t.e.login(&s2, &UserId::new("bob").unwrap(), &d)
            .await
            .unwrap()
    );
    let unconf =
        t.e.create_totp(
            &alice(),
            TotpOptions {
                unconfirmed: true,
                ..TotpOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(!t.e.login(&s2, &alice(), &unconf).await.unwrap());
    assert_eq!(
        (s2.id(), s2.get_value(session::DEVICE_KEY).await.unwrap()),
        (0, None)
    );
    t.e.logout_otp(&s).await.unwrap();
    assert!(s.get_value(session::DEVICE_KEY).await.unwrap().is_none());
}

#[tokio::test]
async fn names_display_and_redaction() {
    let t = setup(Settings::default());
    let long = "n".repeat(65);
    let r =
        t.e.create_totp(
            &alice(),
            TotpOptions {
                name: Some(long),
                ..TotpOptions::default()
            },
        )
        .await;
    assert!(matches!(r, Err(otpkit::Error::InvalidName(_))));
    assert!(t.store.dump().unwrap().is_empty(), "nothing stored");
    let d =
        t.e.create_totp(
            &alice(),
            TotpOptions {
                name: Some("Phone".into()),
                key: Some(SecretBytes::new(RFC_KEY.to_vec())),
                ..TotpOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(d.to_string(), "Phone (alice)");
    let debug = format!("{d:?} {:?} {:?}", t.e, t.e.settings());
    for secret in [
        "12345678901234567890",
        "GEZDGNBVGY3TQOJQ",
        "3132333435363738",
    ] {
        assert!(!debug.contains(secret), "{secret} leaked in {debug}");
    }
    let uri = t.e.config_url(&d.persistent_id()).await.unwrap();
    assert_eq!(
        uri.expose(),
        "otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30"
    );
    assert_eq!(format!("{uri:?}"), "SecretString([REDACTED])");
    // Out-of-range options are typed errors and store nothing.
    for o in [
        TotpOptions {
            step: Some(0),
            ..TotpOptions::default()
        },
        TotpOptions {
            step: Some(121),
            ..TotpOptions::default()
        },
        TotpOptions {
            digits: Some(9),
            ..TotpOptions::default()
        },
        TotpOptions {
            tolerance: Some(11),
            ..TotpOptions::default()
        },
        TotpOptions {
            key: Some(SecretBytes::new(vec![1; 15])),
            ..TotpOptions::default()
        },
    ] {
        assert!(matches!(
            t.e.create_totp(&alice(), o).await,
            Err(otpkit::Error::InvalidOption { .. } | otpkit::Error::Secret(_))
        ));
    }
    assert_eq!(t.store.dump().unwrap().len(), 1);
}

#[tokio::test]
async fn issuer_and_display_name_in_the_uri() {
    let t = setup(Settings {
        totp: TotpSettings {
            issuer: Some(otpkit::TextOrHook::Fixed("Very: Trustworthy Source".into())),
            ..Default::default()
        },
        ..Settings::default()
    });
    let pid = rfc_totp(&t).await;
    let uri = t.e.config_url(&pid).await.unwrap();
    assert_eq!(
        uri.expose(),
        "otpauth://totp/Very%20Trustworthy%20Source:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30&issuer=Very%20Trustworthy%20Source"
    );
    let parsed = otpkit::otpauth::parse(uri.expose()).unwrap();
    assert_eq!(parsed.secret.expose(), RFC_KEY);
}
