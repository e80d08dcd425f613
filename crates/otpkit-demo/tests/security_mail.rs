//! The demo wires otpkit-axum's `SecurityMail` (docs/behaviour.md §7.10): in development mode
//! the security emails of a user's changes are in the outbox, next to the code emails; with
//! `OTPKIT_SECURITY_EMAILS=false` there are none.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Demo, Http, TotpGen, enrolment_secret_and_uri, html_unescape};

/// Signs carol up and sets up an authenticator app, which goes on to a first batch of backup
/// codes; the outbox page.
fn changes_then_outbox(env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), env);
    let http = Http::new(&demo.url);
    http.sign_up("carol", "carol-password-1", Some("carol@example.com"));
    let page = http.start_totp();
    let (secret, _) = enrolment_secret_and_uri(&page.body);
    let done = http.submit(
        &page,
        "/otp/devices/totp/new/",
        &[("otp_token", &TotpGen::new(&secret).next_code())],
    );
    assert_eq!(http.level(), "verified", "{}", done.body);
    // The guided setup goes on to the first batch of backup codes.
    assert!(
        done.body
            .contains(r#"<ol class="codes" id="backup-codes">"#),
        "{}",
        done.body
    );
    // The mails are sent on tasks of their own: the outbox has them within moments.
    let mut outbox = String::new();
    for _ in 0..50 {
        outbox = html_unescape(&http.get("/outbox/").body);
        if outbox.contains("new backup codes were generated") || !env.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    demo.stop();
    outbox
}

#[test]
fn the_outbox_shows_the_security_emails() {
    let outbox = changes_then_outbox(&[]);
    assert!(
        outbox.contains("otpkit demo: a sign-in method was added to your account"),
        "{outbox}"
    );
    assert!(
        outbox.contains("This sign-in method was added to your account: authenticator app."),
        "{outbox}"
    );
    assert!(
        outbox.contains("otpkit demo: new backup codes were generated"),
        "{outbox}"
    );
    assert!(outbox.contains("carol@example.com"));
}

#[test]
fn none_when_turned_off() {
    let outbox = changes_then_outbox(&[("OTPKIT_SECURITY_EMAILS", "false")]);
    assert!(!outbox.contains("sign-in method"), "{outbox}");
    assert!(!outbox.contains("backup codes were generated"), "{outbox}");
}
