//! Security emails (docs/behaviour.md §7.10): `SecurityMail` on the engine's events mails the
//! user, in their language, when a sign-in method is added or removed, backup codes are
//! generated, or a method or the account locks; `OTPKIT_SECURITY_EMAILS=false` sends none;
//! a failing mailer never fails the request.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use http::StatusCode;
use otpkit::engine::TotpOptions;
use otpkit::events::EventKind;
use otpkit::mailer::EmailMessage;
use otpkit::settings::Settings;

/// What one step made: the new messages of the security outbox, after every mail in flight
/// was handed over.
async fn sent_since(t: &TestApp, before: usize) -> Vec<EmailMessage> {
    t.security.idle().await;
    t.security_mailer.messages()[before..].to_vec()
}

/// The one mail a step sent, its subject and body.
async fn one_mail(t: &TestApp, before: usize) -> (String, String, String) {
    let sent = sent_since(t, before).await;
    assert_eq!(sent.len(), 1, "one mail per event");
    let m = &sent[0];
    (
        m.to.clone(),
        m.subject.expose().to_owned(),
        m.text.expose().to_owned(),
    )
}

/// Checks the one mail sent since `before` against `expected` (subject, texts in the body).
async fn check(t: &TestApp, user: &str, before: usize, expected: (&str, &[&str])) {
    let (to, subject, body) = one_mail(t, before).await;
    assert_eq!(to, format!("{user}@example.com"));
    assert_eq!(subject, expected.0);
    for w in expected.1 {
        assert!(body.contains(w), "{w:?} not in\n{body}");
    }
    assert!(
        !body.contains("security-email-"),
        "a missing message: {body}"
    );
}

/// Adds (unconfirmed, then confirmed), regenerates, locks and removes `user`'s methods; each
/// step's mail must be the `expected` one.
async fn every_change(t: &TestApp, user: &str, expected: [(&str, &[&str]); 4]) {
    let u = uid(user);
    // Added: an authenticator app is confirmed (no mail while unconfirmed).
    let n = t.security_mailer.messages().len();
    let pid = t
        .engine
        .create_totp(
            &u,
            TotpOptions {
                unconfirmed: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    assert!(sent_since(t, n).await.is_empty(), "unconfirmed: no mail");
    t.engine.confirm(&pid).await.unwrap();
    check(t, user, n, expected[0]).await;
    // New backup codes.
    let n = t.security_mailer.messages().len();
    t.engine.generate_backup_codes(&u, None).await.unwrap();
    check(t, user, n, expected[1]).await;
    // Locked after too many wrong codes (OTPKIT_LOCKOUT_THRESHOLD = 100).
    let n = t.security_mailer.messages().len();
    for _ in 0..100 {
        t.engine.throttle_increment(&pid).await.unwrap();
    }
    check(t, user, n, expected[2]).await;
    // Removed.
    let n = t.security_mailer.messages().len();
    t.engine.remove(&pid).await.unwrap();
    check(t, user, n, expected[3]).await;
}

#[tokio::test]
async fn each_security_email_in_english_and_in_german() {
    let t = app();
    let when = "2026-01-01 10:00 UTC";
    every_change(
        &t,
        "alice",
        [
            (
                "Example: a sign-in method was added to your account",
                &[
                    "This sign-in method was added to your account: authenticator app.",
                    "When: 2026-01-01 10:00 UTC",
                    "If this wasn't you",
                ],
            ),
            (
                "Example: new backup codes were generated",
                &["Your previous backup codes no longer work.", when],
            ),
            (
                "Example: a sign-in method was locked",
                &[
                    "After too many wrong codes, this sign-in method of your account is locked: authenticator app.",
                    "someone who knows your password",
                ],
            ),
            (
                "Example: a sign-in method was removed from your account",
                &[
                    "This sign-in method was removed from your account: authenticator app.",
                    "change your password",
                ],
            ),
        ],
    )
    .await;
    // bob reads German (his contact says `de-DE`).
    every_change(
        &t,
        "bob",
        [
            (
                "Example: Eine Anmeldemethode wurde zu deinem Konto hinzugefügt",
                &[
                    "Diese Anmeldemethode wurde zu deinem Konto hinzugefügt: Authenticator-App.",
                    "Zeitpunkt: 2026-01-01 10:00 UTC",
                    "Wenn du das nicht warst",
                ],
            ),
            (
                "Example: Neue Backup-Codes wurden erstellt",
                &["Deine bisherigen Backup-Codes funktionieren nicht mehr.", when],
            ),
            (
                "Example: Eine Anmeldemethode wurde gesperrt",
                &["Nach zu vielen falschen Codes ist diese Anmeldemethode deines Kontos gesperrt: Authenticator-App."],
            ),
            (
                "Example: Eine Anmeldemethode wurde aus deinem Konto entfernt",
                &["Diese Anmeldemethode wurde aus deinem Konto entfernt: Authenticator-App."],
            ),
        ],
    )
    .await;
}

/// `account_locked` (§2.5.1): two wrong codes over the account lock it with a threshold of 2.
#[tokio::test]
async fn the_account_lock_is_mailed_in_both_languages() {
    let t = app_with(|s: &mut Settings| {
        s.throttle.account_lockout_threshold = 2;
        s.totp.throttle_factor = 0;
    });
    for (user, subject, body) in [
        (
            "alice",
            "Example: two-step sign-in to your account is locked",
            "your account accepts no authentication code at all",
        ),
        (
            "bob",
            "Example: Die Bestätigung in zwei Schritten deines Kontos ist gesperrt",
            "nimmt dein Konto keinen Bestätigungscode mehr an",
        ),
    ] {
        let pid = totp(&t, user).await;
        let n = t.security_mailer.messages().len();
        for _ in 0..2 {
            let ok = t
                .engine
                .verify_token(Some(&uid(user)), &pid, "000000")
                .await
                .unwrap();
            assert!(ok.is_none());
        }
        assert_eq!(
            t.notifier.count(EventKind::AccountLocked),
            usize::from(user == "bob") + 1
        );
        let (to, s, b) = one_mail(&t, n).await;
        assert_eq!(to, format!("{user}@example.com"));
        assert_eq!(s, subject);
        assert!(b.contains(body), "{b}");
    }
}

/// `OTPKIT_SECURITY_EMAILS=false`: the events happen, no mail is sent.
#[tokio::test]
async fn the_setting_off_sends_none() {
    let t = app_web(|w| w.security_emails = false);
    let pid = totp(&t, "alice").await;
    t.engine
        .generate_backup_codes(&uid("alice"), None)
        .await
        .unwrap();
    for _ in 0..100 {
        t.engine.throttle_increment(&pid).await.unwrap();
    }
    t.engine.remove(&pid).await.unwrap();
    t.security.idle().await;
    assert_eq!(t.notifier.count(EventKind::BackupCodesGenerated), 1);
    assert_eq!(t.notifier.count(EventKind::DeviceLocked), 1);
    assert_eq!(t.notifier.count(EventKind::DeviceRemoved), 1);
    assert!(t.security_mailer.messages().is_empty());
}

/// A mailer that fails never fails the request: the removal through the page succeeds.
#[tokio::test]
async fn a_failing_mailer_never_fails_the_request() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let other = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    t.security_mailer.set_failing(true);
    let r = c
        .post(
            &format!("/otp/devices/{other}/remove/"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert!(t.engine.from_persistent_id(&other).await.unwrap().is_none());
    t.security.idle().await;
    assert!(t.security_mailer.messages().is_empty());
    // The next one goes out again.
    t.security_mailer.set_failing(false);
    let r = c.post("/otp/devices/backup-codes/", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    t.security.idle().await;
    assert_eq!(t.security_mailer.messages().len(), 1);
}
