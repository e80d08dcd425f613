//! The TLS side of the URL policy, against a loopback sink with a certificate from a CA made
//! for the test: STARTTLS and implicit TLS deliver (and authenticate) only inside TLS, and a
//! certificate that does not verify — untrusted CA, wrong host name — stops the delivery
//! before anything is said in clear.

// Test code: helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sink;

use mail_parser::MessageParser;
use otpkit::engine::{ChallengeOptions, ChallengeOutcome, VerifyOptions};
use otpkit::mailer::{EmailMessage, MailError, Mailer};
use otpkit::{Engine, KeyRing, MemoryStore, SecretString, Settings, UserId, VerifyOutcome};
use otpkit_smtp::{Security, SmtpConfig, SmtpMailer};
use sink::{Mode, Sink, test_pki};

fn message(token: &str) -> EmailMessage {
    EmailMessage {
        to: "alice@example.com".into(),
        from: "webmaster@localhost".into(),
        subject: SecretString::new(format!("Your code {token}")),
        text: SecretString::new(format!("Your verification code is {token}.")),
        html: None,
    }
}

fn trusting(url: &str, ca_pem: &str) -> SmtpMailer {
    let config = SmtpConfig::from_url(url)
        .unwrap()
        .add_root_certificate_pem(ca_pem.as_bytes())
        .unwrap();
    SmtpMailer::new(config).unwrap()
}

#[tokio::test]
async fn starttls_delivers_and_authenticates_inside_tls() {
    let pki = test_pki(&["localhost"]);
    let mut sink = Sink::start_with(Mode::StartTls(pki.acceptor)).await;
    let url = format!(
        "smtp://mailer%40example.com:p%3Ass%20w@localhost:{}?tls=required",
        sink.port
    );
    let mailer = trusting(&url, &pki.ca_pem);
    assert_eq!(mailer.config().security(), Security::StartTls);

    let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap())
        .settings(Settings::default())
        .mailer(mailer)
        .build()
        .unwrap();
    let alice = UserId::new("alice").unwrap();
    let pid = engine
        .create_email(&alice, None, Some("alice@example.com".into()), true)
        .await
        .unwrap()
        .persistent_id();
    let outcome = engine
        .generate_challenge(&alice, &pid, &ChallengeOptions::default())
        .await
        .unwrap();
    assert!(
        matches!(outcome, ChallengeOutcome::Sent { .. }),
        "{outcome:?}"
    );

    let received = sink.next().await;
    assert!(received.tls, "the message arrived in clear");
    let verbs = sink.transcript.verbs();
    let starttls = verbs
        .iter()
        .position(|v| v == "STARTTLS")
        .expect("no STARTTLS");
    for verb in ["AUTH", "MAIL", "RCPT", "DATA"] {
        let at = verbs.iter().position(|v| v == verb).unwrap();
        assert!(at > starttls, "{verb} before STARTTLS: {verbs:?}");
    }
    // Credentials arrive percent-decoded.
    assert_eq!(
        sink.transcript.auth(),
        vec![("mailer@example.com".to_owned(), "p:ss w".to_owned())]
    );

    let mail = MessageParser::default().parse(&received.data).unwrap();
    let text = mail.body_text(0).unwrap();
    let code = text
        .trim_end()
        .strip_prefix("Your verification code is ")
        .and_then(|s| s.strip_suffix('.'))
        .unwrap()
        .to_owned();
    let outcome = engine
        .verify_token_detailed(Some(&alice), &pid, &code, &VerifyOptions::default())
        .await
        .unwrap();
    assert!(matches!(outcome, VerifyOutcome::Accepted(_)), "{outcome:?}");
}

#[tokio::test]
async fn implicit_tls_delivers() {
    let pki = test_pki(&["localhost"]);
    let mut sink = Sink::start_with(Mode::Implicit(pki.acceptor)).await;
    let mailer = trusting(&format!("smtps://localhost:{}", sink.port), &pki.ca_pem);
    assert_eq!(mailer.config().security(), Security::ImplicitTls);
    mailer.send(&message("123456")).await.unwrap();
    let received = sink.next().await;
    assert!(received.tls);
    assert_eq!(received.rcpt_to, vec!["<alice@example.com>".to_owned()]);
}

#[tokio::test]
async fn an_untrusted_certificate_stops_starttls_before_anything_is_sent() {
    let pki = test_pki(&["localhost"]);
    let mut sink = Sink::start_with(Mode::StartTls(pki.acceptor)).await;
    // Only the Mozilla roots: the test CA is not trusted.
    let mailer =
        SmtpMailer::from_url(&format!("smtp://u:pw@localhost:{}?tls=required", sink.port)).unwrap();
    let err = mailer.send(&message("577215")).await.unwrap_err();
    assert!(matches!(err, MailError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    assert!(!err.to_string().contains("577215"), "{err}");
    let verbs = sink.transcript.verbs();
    assert!(verbs.contains(&"STARTTLS".to_owned()), "{verbs:?}");
    for verb in ["AUTH", "MAIL", "RCPT", "DATA"] {
        assert!(
            !verbs.contains(&verb.to_owned()),
            "{verb} was sent: {verbs:?}"
        );
    }
    assert!(sink.transcript.auth().is_empty());
    assert!(sink.try_next().is_none());
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused() {
    // The certificate names `localhost`; the URL names the address 127.0.0.1.
    let pki = test_pki(&["localhost"]);
    let mut sink = Sink::start_with(Mode::Implicit(pki.acceptor)).await;
    let mailer = trusting(&format!("smtps://127.0.0.1:{}", sink.port), &pki.ca_pem);
    let err = mailer.send(&message("141421")).await.unwrap_err();
    assert!(matches!(err, MailError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("not valid for name"), "{err}");
    assert!(!err.to_string().contains("141421"), "{err}");
    assert!(sink.transcript.verbs().is_empty());
    assert!(sink.try_next().is_none());
}
