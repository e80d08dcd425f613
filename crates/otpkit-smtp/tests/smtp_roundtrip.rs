//! Real SMTP round trips on the loopback interface: the engine challenges an email device,
//! the `SmtpMailer` delivers to a sink started by the test, the code is read back out of the
//! received MIME message and verified (docs/behaviour.md §5.4, §2.9).

// Test code: helpers outside `#[test]` functions may fail loudly too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod sink;

use std::time::Duration;

use tokio::time::Instant;

use mail_parser::{MessageParser, MimeHeaders};
use otpkit::engine::{ChallengeOptions, ChallengeOutcome, VerifyOptions};
use otpkit::mailer::{EmailMessage, MailError, Mailer};
use otpkit::settings::EmailSettings;
use otpkit::{
    Engine, KeyRing, MemoryStore, Rejection, SecretString, Settings, UserId, VerifyOutcome,
};
use otpkit_smtp::{SmtpConfig, SmtpMailer};
use sink::{Received, Sink};

fn engine(mailer: SmtpMailer, settings: Settings) -> Engine {
    Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap())
        .settings(settings)
        .mailer(mailer)
        .build()
        .unwrap()
}

async fn email_device(engine: &Engine, user: &UserId) -> String {
    engine
        .create_email(user, None, Some("alice@example.com".into()), true)
        .await
        .unwrap()
        .persistent_id()
}

/// The first run of exactly six ASCII digits in `text`.
fn six_digits(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let run: String = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if run.len() == 6 {
            return run;
        }
        i += run.len().max(1);
    }
    panic!("no 6-digit code in {text:?}");
}

fn parse(received: &Received) -> mail_parser::Message<'_> {
    MessageParser::default()
        .parse(&received.data)
        .expect("the sink received a parsable RFC 5322 message")
}

async fn verify(engine: &Engine, user: &UserId, pid: &str, code: &str) -> VerifyOutcome {
    engine
        .verify_token_detailed(Some(user), pid, code, &VerifyOptions::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn challenge_is_delivered_over_smtp_and_the_code_verifies_once() {
    let mut sink = Sink::start().await;
    let engine = engine(
        SmtpMailer::from_url(&sink.url()).unwrap(),
        Settings::default(),
    );
    let alice = UserId::new("alice").unwrap();
    let pid = email_device(&engine, &alice).await;

    let outcome = engine
        .generate_challenge(&alice, &pid, &ChallengeOptions::default())
        .await
        .unwrap();
    match outcome {
        ChallengeOutcome::Sent { message } => assert_eq!(message, "sent by email"),
        other => panic!("expected Sent, got {other:?}"),
    }

    let received = sink.next().await;
    assert_eq!(received.mail_from, "<webmaster@localhost>");
    assert_eq!(received.rcpt_to, vec!["<alice@example.com>".to_owned()]);
    let mail = parse(&received);
    assert_eq!(mail.subject(), Some("OTP token"));
    assert_eq!(
        mail.from()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("webmaster@localhost")
    );
    assert_eq!(
        mail.to().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("alice@example.com")
    );
    assert!(mail.is_content_type("text", "plain"));
    let text = mail.body_text(0).unwrap();
    let code = six_digits(&text);
    assert_eq!(
        text.trim_end(),
        format!("Your verification code is {code}.")
    );

    // The cooldown applies after a delivered challenge (control for the failure tests).
    let again = engine
        .generate_challenge(&alice, &pid, &ChallengeOptions::default())
        .await
        .unwrap();
    assert!(
        matches!(again, ChallengeOutcome::Cooldown(_)),
        "expected Cooldown, got {again:?}"
    );
    assert!(sink.try_next().is_none(), "a refused challenge sent mail");

    match verify(&engine, &alice, &pid, &code).await {
        VerifyOutcome::Accepted(d) => assert_eq!(d.persistent_id(), pid),
        other => panic!("expected Accepted, got {other:?}"),
    }
    match verify(&engine, &alice, &pid, &code).await {
        VerifyOutcome::Rejected(Rejection::Invalid) => {}
        other => panic!("a code used twice must be rejected, got {other:?}"),
    }
    let verbs = sink.transcript.verbs();
    assert_eq!(verbs.first().map(String::as_str), Some("EHLO"), "{verbs:?}");
    assert_eq!(verbs.last().map(String::as_str), Some("QUIT"), "{verbs:?}");
}

#[tokio::test]
async fn subject_carries_the_token_and_html_arrives_as_multipart_alternative() {
    let mut sink = Sink::start().await;
    let settings = Settings {
        email: EmailSettings {
            subject: "Test Subject with token: {token}".into(),
            sender: Some("Example Site <noreply@example.com>".into()),
            body_html_template: Some("<p>{{ site }}: your code is <b>{{ token }}</b></p>".into()),
            ..Default::default()
        },
        ..Settings::default()
    };
    let engine = engine(SmtpMailer::from_url(&sink.url()).unwrap(), settings);
    let alice = UserId::new("alice").unwrap();
    let pid = email_device(&engine, &alice).await;

    let opts = ChallengeOptions {
        extra_context: Some(serde_json_object("site", "Example & Co")),
        ..ChallengeOptions::default()
    };
    let outcome = engine
        .generate_challenge(&alice, &pid, &opts)
        .await
        .unwrap();
    assert!(
        matches!(outcome, ChallengeOutcome::Sent { .. }),
        "{outcome:?}"
    );

    let received = sink.next().await;
    assert_eq!(received.mail_from, "<noreply@example.com>");
    let mail = parse(&received);
    let subject = mail.subject().unwrap().to_owned();
    let code = six_digits(&subject);
    assert_eq!(subject, format!("Test Subject with token: {code}"));
    assert_eq!(
        mail.from().and_then(|a| a.first()).and_then(|a| a.name()),
        Some("Example Site")
    );

    assert!(
        mail.is_content_type("multipart", "alternative"),
        "{:?}",
        mail.content_type()
    );
    assert_eq!(mail.text_body_count(), 1);
    assert_eq!(mail.html_body_count(), 1);
    let text_part = mail.text_part(0).unwrap();
    assert!(text_part.is_content_type("text", "plain"));
    let html_part = mail.html_part(0).unwrap();
    assert!(html_part.is_content_type("text", "html"));
    assert_eq!(
        mail.body_text(0).unwrap().trim_end(),
        format!("Your verification code is {code}.")
    );
    assert_eq!(
        mail.body_html(0).unwrap().trim_end(),
        format!("<p>Example &amp; Co: your code is <b>{code}</b></p>")
    );

    assert!(matches!(
        verify(&engine, &alice, &pid, &code).await,
        VerifyOutcome::Accepted(_)
    ));
}

fn serde_json_object(key: &str, value: &str) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert(key.into(), serde_json::Value::String(value.into()));
    serde_json::Value::Object(m)
}

async fn assert_failed(engine: &Engine, user: &UserId, pid: &str) {
    let outcome = engine
        .generate_challenge(user, pid, &ChallengeOptions::default())
        .await
        .unwrap();
    match outcome {
        ChallengeOutcome::Failed { message } => {
            assert_eq!(message, "the email could not be sent")
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[tokio::test]
async fn refused_message_restores_the_cooldown() {
    let mut sink = Sink::start().await;
    sink.set_reject_data(true);
    let engine = engine(
        SmtpMailer::from_url(&sink.url()).unwrap(),
        Settings::default(),
    );
    let alice = UserId::new("alice").unwrap();
    let pid = email_device(&engine, &alice).await;

    assert_failed(&engine, &alice, &pid).await;
    assert!(sink.try_next().is_none());
    // §2.9: the compensating write restored the previous cooldown (none) …
    let device = engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(device.last_generated_at(), None);
    // … so an immediate retry is allowed (no `challenge_cooldown`) and delivers.
    sink.set_reject_data(false);
    let outcome = engine
        .generate_challenge(&alice, &pid, &ChallengeOptions::default())
        .await
        .unwrap();
    assert!(
        matches!(outcome, ChallengeOutcome::Sent { .. }),
        "{outcome:?}"
    );
    let code = six_digits(&parse(&sink.next().await).body_text(0).unwrap());
    assert!(matches!(
        verify(&engine, &alice, &pid, &code).await,
        VerifyOutcome::Accepted(_)
    ));
}

#[tokio::test]
async fn connection_refused_fails_and_a_retry_is_allowed() {
    let port = sink::closed_port().await;
    let engine = engine(
        SmtpMailer::from_url(&format!("smtp://127.0.0.1:{port}")).unwrap(),
        Settings::default(),
    );
    let alice = UserId::new("alice").unwrap();
    let pid = email_device(&engine, &alice).await;

    assert_failed(&engine, &alice, &pid).await;
    // Not `Cooldown`: the reservation was undone, so the second attempt tries again.
    assert_failed(&engine, &alice, &pid).await;
    let device = engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(device.last_generated_at(), None);
    // No token was left behind by the failed challenges.
    assert!(matches!(
        verify(&engine, &alice, &pid, "000000").await,
        VerifyOutcome::Rejected(Rejection::Invalid)
    ));
}

fn message(token: &str) -> EmailMessage {
    EmailMessage {
        to: "alice@example.com".into(),
        from: "webmaster@localhost".into(),
        subject: SecretString::new(format!("Your code {token}")),
        text: SecretString::new(format!("Your verification code is {token}.")),
        html: Some(SecretString::new(format!("<b>{token}</b>"))),
    }
}

#[tokio::test]
async fn transport_errors_name_the_failure_but_not_the_content() {
    let sink = Sink::start().await;
    sink.set_reject_data(true);
    let mailer = SmtpMailer::from_url(&sink.url()).unwrap();
    let err = mailer.send(&message("914377")).await.unwrap_err();
    assert!(matches!(err, MailError::Rejected { .. }), "{err:?}");
    assert!(err.to_string().contains("554"), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("127.0.0.1:{}", sink.port)),
        "{err}"
    );
    assert!(!err.to_string().contains("914377"), "{err}");

    // A recipient that tries to smuggle in a command is refused before any connection.
    let before = sink.transcript.verbs().len();
    let bad = EmailMessage {
        to: "alice@example.com>\r\nRCPT TO:<mallory@example.com".into(),
        ..message("914377")
    };
    let err = mailer.send(&bad).await.unwrap_err();
    assert!(matches!(err, MailError::InvalidRecipient(_)), "{err:?}");
    assert!(err.to_string().contains("recipient"), "{err}");
    assert!(!err.to_string().contains("914377"), "{err}");
    assert_eq!(sink.transcript.verbs().len(), before);
}

#[tokio::test]
async fn required_starttls_is_never_downgraded_to_plain_text() {
    let mut sink = Sink::start().await;
    // The sink offers no STARTTLS; with tls=required the mailer must give up after EHLO.
    let mailer = SmtpMailer::from_url(&format!("{}?tls=required", sink.url())).unwrap();
    let err = mailer.send(&message("271828")).await.unwrap_err();
    assert!(matches!(err, MailError::Unavailable { .. }), "{err:?}");
    assert!(
        err.to_string().contains("STARTTLS is not supported"),
        "{err}"
    );
    assert!(!err.to_string().contains("271828"), "{err}");
    let verbs = sink.transcript.verbs();
    assert!(verbs.contains(&"EHLO".to_owned()), "{verbs:?}");
    for verb in ["MAIL", "RCPT", "DATA", "AUTH"] {
        assert!(
            !verbs.contains(&verb.to_owned()),
            "{verb} sent in clear: {verbs:?}"
        );
    }
    assert!(sink.try_next().is_none());
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (port, task) = sink::silent_server().await;
    let config = SmtpConfig::from_url(&format!("smtp://127.0.0.1:{port}"))
        .unwrap()
        .with_timeout(Duration::from_secs(1));
    let mailer = SmtpMailer::new(config).unwrap();
    let started = Instant::now();
    let err = mailer.send(&message("161803")).await.unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}: {err}");
    assert!(!err.to_string().contains("161803"), "{err}");
    assert!(err.to_string().contains("no answer within 3 s"), "{err}");
    assert!(matches!(err, MailError::Timeout { .. }), "{err:?}");
    task.abort();
}
