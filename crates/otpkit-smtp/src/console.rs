//! [`ConsoleMailer`]: prints each message to standard error (development only).

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use otpkit::mailer::{EmailMessage, MailError, Mailer};

use crate::message;

type Sink = Arc<Mutex<Box<dyn Write + Send>>>;

/// Prints each message — recipient, sender, subject, text and HTML bodies, **codes
/// included** — to standard error, framed by a `DEVELOPMENT ONLY` banner, and sends nothing.
/// For the demo and for local development; never configure it in production, where anyone
/// who reads the server's output could complete a login.
///
/// Addresses are checked exactly as [`SmtpMailer`](crate::SmtpMailer) checks them, so a
/// message this mailer takes would be accepted by the SMTP path too.
///
/// ```
/// use otpkit_smtp::ConsoleMailer;
///
/// let mailer = ConsoleMailer::new();
/// # drop(mailer);
/// ```
#[derive(Clone)]
pub struct ConsoleMailer {
    out: Sink,
}

impl fmt::Debug for ConsoleMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleMailer").finish_non_exhaustive()
    }
}

impl Default for ConsoleMailer {
    fn default() -> Self {
        Self::new()
    }
}

impl ConsoleMailer {
    /// Prints to standard error.
    pub fn new() -> ConsoleMailer {
        Self::with_writer(std::io::stderr())
    }

    /// Prints to `out` instead (a log file, or a buffer in tests).
    pub fn with_writer(out: impl Write + Send + 'static) -> ConsoleMailer {
        tracing::warn!(
            target: "otpkit_smtp",
            "ConsoleMailer: email is printed, not sent (development only)"
        );
        ConsoleMailer {
            out: Arc::new(Mutex::new(Box::new(out))),
        }
    }
}

const BANNER: &str = "==== otpkit ConsoleMailer: DEVELOPMENT ONLY, this email was NOT sent ====";
const FOOTER: &str = "==== end of email ====";

fn render(m: &EmailMessage) -> String {
    let mut s = format!(
        "{BANNER}\nFrom: {}\nTo: {}\nSubject: {}\n\n{}\n",
        m.from,
        m.to,
        m.subject.expose(),
        m.text.expose()
    );
    if let Some(html) = &m.html {
        s.push_str("---- HTML alternative ----\n");
        s.push_str(html.expose());
        s.push('\n');
    }
    s.push_str(FOOTER);
    s.push('\n');
    s
}

#[async_trait]
impl Mailer for ConsoleMailer {
    async fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        message::build(message)?;
        let text = render(message);
        let console = |source| MailError::Outbox {
            outbox: "the console".into(),
            source,
        };
        let mut out = self
            .out
            .lock()
            .map_err(|_| console(std::io::Error::other("its writer's lock is poisoned")))?;
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(console)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otpkit::SecretString;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn prints_a_marked_message() {
        let buf = Buf::default();
        let mailer = ConsoleMailer::with_writer(buf.clone());
        let m = EmailMessage {
            to: "alice@example.com".into(),
            from: "webmaster@localhost".into(),
            subject: SecretString::from("OTP token"),
            text: SecretString::from("Your verification code is 123456."),
            html: Some(SecretString::from("<p>123456</p>")),
        };
        mailer.send(&m).await.unwrap();
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(out.starts_with(BANNER), "{out}");
        assert!(out.contains("DEVELOPMENT ONLY"), "{out}");
        assert!(out.contains("To: alice@example.com\n"), "{out}");
        assert!(out.contains("Your verification code is 123456."), "{out}");
        assert!(out.contains("<p>123456</p>"), "{out}");
        assert!(out.ends_with(&format!("{FOOTER}\n")), "{out}");

        let bad = EmailMessage {
            to: "nobody".into(),
            ..m
        };
        let before = buf.0.lock().unwrap().len();
        let err = mailer.send(&bad).await.unwrap_err();
        assert!(matches!(err, MailError::InvalidRecipient(_)), "{err:?}");
        assert!(err.to_string().contains("recipient"), "{err}");
        assert_eq!(buf.0.lock().unwrap().len(), before);
    }
}
