//! Issue 12, item 3: code emails are bounded per user and per recipient address whatever the
//! device (`otpkit::send_limit`, docs/behaviour.md §2.4.1), and email addresses are parsed
//! strictly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use otpkit::engine::{ChallengeOptions, ChallengeOutcome};
use otpkit::kind::email::{AddressError, parse_address};
use otpkit::send_limit::{LimitReason, SendRefused};
use otpkit::settings::EmailSettings;
use otpkit::{Settings, Timestamp, UserId, VerifyOutcome};

async fn email_of(t: &T, user: &UserId, address: &str) -> String {
    t.e.create_email(user, None, Some(address.to_owned()), true)
        .await
        .unwrap()
        .persistent_id()
}

async fn challenge_of(t: &T, user: &UserId, pid: &str) -> ChallengeOutcome {
    t.e.generate_challenge(user, pid, &ChallengeOptions::default())
        .await
        .unwrap()
}

fn limited(o: &ChallengeOutcome) -> SendRefused {
    match o {
        ChallengeOutcome::Limited(r) => *r,
        other => panic!("expected Limited, got {other:?}"),
    }
}

fn sent(o: &ChallengeOutcome) -> bool {
    matches!(o, ChallengeOutcome::Sent { .. })
}

fn code_in_last(t: &T) -> String {
    t.mailer
        .last()
        .unwrap()
        .text
        .expose()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

#[tokio::test]
async fn per_account_cooldown_spans_the_users_email_devices() {
    let t = setup_at(Settings::default(), 43_200);
    let one = email_of(&t, &alice(), "one@example.org").await;
    let two = email_of(&t, &alice(), "two@example.org").await;
    assert!(sent(&challenge_of(&t, &alice(), &one).await));
    t.clock.set(Timestamp::from_millis(43_259_999));
    let r = limited(&challenge_of(&t, &alice(), &two).await);
    assert_eq!(r.reason, LimitReason::AccountCooldown);
    assert_eq!(r.next_allowed_at, Timestamp::from_secs(43_260));
    assert_eq!(
        t.mailer.messages().len(),
        1,
        "nothing sent inside the window"
    );
    // Exactly at the reported instant: allowed.
    t.clock.set(Timestamp::from_secs(43_260));
    assert!(sent(&challenge_of(&t, &alice(), &two).await));
    assert_eq!(t.mailer.last().unwrap().to, "two@example.org");
    // Another user is not affected by alice's cooldown.
    let bob = UserId::new("bob").unwrap();
    let bobs = email_of(&t, &bob, "bob@example.org").await;
    assert!(sent(&challenge_of(&t, &bob, &bobs).await));
}

#[tokio::test]
async fn hourly_budget_per_user_whatever_the_device() {
    let t = setup(Settings {
        email: EmailSettings {
            address_hourly_limit: 0,
            ..Default::default()
        },
        ..Settings::default()
    });
    let mut pids = Vec::new();
    for i in 0..11 {
        pids.push(email_of(&t, &alice(), &format!("a{i}@example.org")).await);
    }
    for pid in &pids[..10] {
        assert!(sent(&challenge_of(&t, &alice(), pid).await));
        t.clock.advance_secs(60);
    }
    // The 11th in the hour (t = 600 s) is refused until the first leaves the window.
    let r = limited(&challenge_of(&t, &alice(), &pids[10]).await);
    assert_eq!(r.reason, LimitReason::UserHourly);
    assert_eq!(r.next_allowed_at, Timestamp::from_secs(3600));
    t.clock.set(Timestamp::from_millis(3_599_999));
    assert_eq!(
        limited(&challenge_of(&t, &alice(), &pids[10]).await).reason,
        LimitReason::UserHourly
    );
    t.clock.set(Timestamp::from_secs(3600));
    assert!(sent(&challenge_of(&t, &alice(), &pids[10]).await));
    assert_eq!(t.mailer.messages().len(), 11);
}

#[tokio::test]
async fn per_address_budget_across_users_ignores_case_and_spaces() {
    let t = setup_at(Settings::default(), 1_000);
    let spellings = [
        "victim@example.org",
        "Victim@example.org",
        "VICTIM@EXAMPLE.ORG",
        "victim@Example.org",
        "victim@example.ORG",
        "vIctim@example.org",
    ];
    let mut outcomes = Vec::new();
    for (i, address) in spellings.iter().enumerate() {
        let user = UserId::new(format!("u{i}")).unwrap();
        let pid = email_of(&t, &user, address).await;
        outcomes.push(challenge_of(&t, &user, &pid).await);
        t.clock.advance_secs(1);
    }
    assert!(outcomes[..5].iter().all(sent), "{outcomes:?}");
    let r = limited(&outcomes[5]);
    assert_eq!(r.reason, LimitReason::AddressHourly);
    assert_eq!(r.next_allowed_at, Timestamp::from_secs(1_000 + 3600));
    assert_eq!(t.mailer.messages().len(), 5);
}

#[tokio::test]
async fn a_refusal_compensates_the_device() {
    let t = setup(Settings::default());
    let one = email_of(&t, &alice(), "one@example.org").await;
    let two = email_of(&t, &alice(), "two@example.org").await;
    assert!(sent(&challenge_of(&t, &alice(), &one).await));
    t.clock.advance_secs(10);
    limited(&challenge_of(&t, &alice(), &two).await);
    let d = device(&t, &two).await;
    assert_eq!(
        d.last_generated_at(),
        None,
        "the device's cooldown is restored"
    );
    assert_eq!(
        t.e.info(&d).unwrap()["token_outstanding"],
        false,
        "no token left"
    );
    assert_eq!(
        t.mailer.messages().len(),
        1,
        "the mailer got nothing for it"
    );
    // Once the account cooldown is over, the device works as if nothing had happened.
    t.clock.advance_secs(50);
    assert!(sent(&challenge_of(&t, &alice(), &two).await));
    assert_eq!(t.mailer.last().unwrap().to, "two@example.org");
    let code = code_in_last(&t);
    assert!(matches!(
        verify(&t, &two, &code).await,
        VerifyOutcome::Accepted(_)
    ));
}

#[tokio::test]
async fn a_delivery_failure_releases_the_reservation() {
    let t = setup(Settings {
        email: EmailSettings {
            address_hourly_limit: 1,
            ..Default::default()
        },
        ..Settings::default()
    });
    let one = email_of(&t, &alice(), "victim@example.org").await;
    let two = email_of(&t, &alice(), "victim@example.org").await;
    t.mailer.set_failing(true);
    assert!(matches!(
        challenge_of(&t, &alice(), &one).await,
        ChallengeOutcome::Failed { .. }
    ));
    t.mailer.set_failing(false);
    // Neither the account cooldown nor the address's single unit was consumed.
    assert!(sent(&challenge_of(&t, &alice(), &two).await));
    t.clock.advance_secs(60);
    let r = limited(&challenge_of(&t, &alice(), &one).await);
    assert_eq!(r.reason, LimitReason::AddressHourly);
}

#[tokio::test]
async fn a_verified_code_restarts_the_account_cooldown_only() {
    let t = setup(Settings::default());
    let one = email_of(&t, &alice(), "one@example.org").await;
    let two = email_of(&t, &alice(), "two@example.org").await;
    assert!(sent(&challenge_of(&t, &alice(), &one).await));
    t.clock.advance_secs(1);
    let code = code_in_last(&t);
    assert!(matches!(
        verify(&t, &one, &code).await,
        VerifyOutcome::Accepted(_)
    ));
    assert!(
        sent(&challenge_of(&t, &alice(), &two).await),
        "cooldown restarted"
    );
}

#[tokio::test]
async fn addresses_are_parsed_strictly() {
    let t = setup(Settings::default());
    for (address, want) in [
        ("<a@b.c>", AddressError::Syntax),
        ("Alice <a@b.c>", AddressError::Whitespace),
        ("Alice<a@b.c>", AddressError::Syntax),
        ("a@b.c,d@e.f", AddressError::Syntax),
        ("a@b.c;d@e.f", AddressError::Syntax),
        (" a@b.c", AddressError::Whitespace),
        ("a@b.c ", AddressError::Whitespace),
        ("a@b.c\r\nBcc: x@evil", AddressError::Control),
        ("a@@b.c", AddressError::Syntax),
        ("no-at-sign", AddressError::Syntax),
        ("a@[127.0.0.1]", AddressError::Syntax),
        ("", AddressError::Empty),
    ] {
        assert_eq!(parse_address(address), Err(want), "{address:?}");
        let e =
            t.e.create_email(&alice(), None, Some(address.to_owned()), true)
                .await
                .unwrap_err();
        assert!(
            matches!(e, otpkit::Error::InvalidOption { name: "email", .. }),
            "{address:?}: {e:?}"
        );
    }
    let long = format!("{}@{}.example.org", "a".repeat(64), "b".repeat(190));
    assert_eq!(parse_address(&long), Err(AddressError::TooLong));
    assert!(t.store.dump().unwrap().is_empty(), "nothing was created");
    for ok in [
        "alice+x@example.org",
        "a.b-c@sub.example.co.uk",
        "x@localhost",
    ] {
        assert_eq!(parse_address(ok), Ok(ok));
        t.e.create_email(&alice(), None, Some(ok.to_owned()), true)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_challenges_to_one_address_send_at_most_the_budget() {
    let t = setup(Settings::default());
    // Twenty users, one device each, all to the same address: five get through.
    let mut jobs = Vec::new();
    for i in 0..20 {
        let user = UserId::new(format!("u{i}")).unwrap();
        let pid = email_of(&t, &user, "victim@example.org").await;
        let e = t.e.clone();
        jobs.push(tokio::spawn(async move {
            e.generate_challenge(&user, &pid, &ChallengeOptions::default())
                .await
                .unwrap()
        }));
    }
    let mut n_sent = 0;
    for j in jobs {
        match j.await.unwrap() {
            ChallengeOutcome::Sent { .. } => n_sent += 1,
            ChallengeOutcome::Limited(r) => assert_eq!(r.reason, LimitReason::AddressHourly),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(n_sent, 5);
    assert_eq!(t.mailer.messages().len(), 5);
    // One user, ten devices, in parallel: one email (the account cooldown).
    let mallory = UserId::new("mallory").unwrap();
    let mut jobs = Vec::new();
    for i in 0..10 {
        let pid = email_of(&t, &mallory, &format!("m{i}@example.org")).await;
        let (e, u) = (t.e.clone(), mallory.clone());
        jobs.push(tokio::spawn(async move {
            e.generate_challenge(&u, &pid, &ChallengeOptions::default())
                .await
                .unwrap()
        }));
    }
    let mut n_sent = 0;
    for j in jobs {
        if sent(&j.await.unwrap()) {
            n_sent += 1;
        }
    }
    assert_eq!(n_sent, 1);
    assert_eq!(t.mailer.messages().len(), 6);
}
