//! Turning an [`EmailMessage`] into a MIME message (RFC 5322): `From`, `To`, `Subject`, a
//! `text/plain` body, or `multipart/alternative` with the HTML alternative after the text.
//!
//! Errors say what was wrong (the sender or the recipient address, the message) but never
//! carry the subject or the bodies: those hold the token, and transport errors end up in the
//! log.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use otpkit::mailer::{EmailMessage, MailError};

/// Builds the MIME message. Addresses may be bare (`a@example.com`) or with a display name
/// (`Site <a@example.com>`).
pub(crate) fn build(message: &EmailMessage) -> Result<Message, MailError> {
    let from: Mailbox = message
        .from
        .parse()
        .map_err(|e| MailError::InvalidSender(Box::new(e)))?;
    let to: Mailbox = message
        .to
        .parse()
        .map_err(|e| MailError::InvalidRecipient(Box::new(e)))?;
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(message.subject.expose());
    let text = message.text.expose().to_owned();
    let built = match &message.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            text,
            html.expose().to_owned(),
        )),
        None => builder.header(ContentType::TEXT_PLAIN).body(text),
    };
    // lettre's builder errors name a missing or inconsistent header, never the content.
    built.map_err(|e| MailError::Build(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use otpkit::SecretString;

    fn msg(to: &str, from: &str, html: Option<&str>) -> EmailMessage {
        EmailMessage {
            to: to.into(),
            from: from.into(),
            subject: SecretString::from("Code 424242"),
            text: SecretString::from("Your verification code is 424242."),
            html: html.map(SecretString::from),
        }
    }

    #[test]
    fn text_only() {
        let m = build(&msg("alice@example.com", "webmaster@localhost", None)).unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("From: webmaster@localhost\r\n"), "{raw}");
        assert!(raw.contains("To: alice@example.com\r\n"), "{raw}");
        assert!(raw.contains("Subject: Code 424242\r\n"), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(raw.contains("Your verification code is 424242."), "{raw}");
        assert!(!raw.contains("multipart"), "{raw}");
    }

    #[test]
    fn html_makes_multipart_alternative() {
        let m = build(&msg(
            "Alice <alice@example.com>",
            "Site <noreply@example.com>",
            Some("<p>424242</p>"),
        ))
        .unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/html"), "{raw}");
        assert!(raw.contains("<p>424242</p>"), "{raw}");
    }

    #[test]
    fn a_subject_cannot_add_headers() {
        let mut m = msg("alice@example.com", "webmaster@localhost", None);
        m.subject = SecretString::from("Code 1\r\nBcc: mallory@example.com");
        let raw = String::from_utf8(build(&m).unwrap().formatted()).unwrap();
        assert!(!raw.contains("\r\nBcc:"), "{raw}");
    }

    #[test]
    fn bad_addresses_do_not_leak_the_content() {
        for (to, from, which, sender) in [
            ("not an address", "webmaster@localhost", "recipient", false),
            (
                "alice@example.com\r\nBcc: x@example.com",
                "webmaster@localhost",
                "recipient",
                false,
            ),
            ("", "webmaster@localhost", "recipient", false),
            ("alice@example.com", "@@", "sender", true),
        ] {
            let err = build(&msg(to, from, Some("<p>424242</p>"))).unwrap_err();
            if sender {
                assert!(matches!(err, MailError::InvalidSender(_)), "{err:?}");
            } else {
                assert!(matches!(err, MailError::InvalidRecipient(_)), "{err:?}");
            }
            let text = err.to_string();
            assert!(text.contains(which), "{text}");
            assert!(!text.contains("424242"), "{text}");
            assert!(!format!("{err:?}").contains("424242"), "{err:?}");
        }
    }
}
