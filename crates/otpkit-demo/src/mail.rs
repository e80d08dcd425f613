//! Email in development mode: the [`Outbox`] page and the console.
//!
//! When `OTPKIT_SMTP_URL` is set the demo sends email codes with otpkit-smtp's SMTP mailer.
//! Otherwise it runs in **development mode**: [`DevMailer`] sends nothing; it prints each
//! message on the console with otpkit-smtp's [`ConsoleMailer`] (framed by a
//! `DEVELOPMENT ONLY` banner) and keeps it in an in-memory [`Outbox`] that the demo shows at
//! `/outbox/`, so that a visitor can complete an email login without a mail server. Anyone
//! who can open that page can read every code: never run development mode where others can
//! reach it.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use otpkit::mailer::{EmailMessage, MailError, Mailer};
use otpkit::{Clock, SystemClock, Timestamp};
use otpkit_smtp::ConsoleMailer;

/// How many messages the outbox keeps (the oldest go first).
pub const OUTBOX_CAPACITY: usize = 50;

/// One message in the outbox.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// When it was "sent".
    pub at: Timestamp,
    /// Recipient.
    pub to: String,
    /// Sender.
    pub from: String,
    /// Subject (may carry the code).
    pub subject: String,
    /// Text body (carries the code).
    pub text: String,
}

impl fmt::Debug for OutboxEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxEntry")
            .field("at", &self.at)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// The development outbox: the most recent [`OUTBOX_CAPACITY`] messages, newest first.
#[derive(Default)]
pub struct Outbox {
    messages: Mutex<VecDeque<OutboxEntry>>,
}

impl fmt::Debug for Outbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbox")
            .field("len", &self.messages().len())
            .finish()
    }
}

impl Outbox {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a message.
    pub fn push(&self, entry: OutboxEntry) {
        if let Ok(mut m) = self.messages.lock() {
            m.push_front(entry);
            m.truncate(OUTBOX_CAPACITY);
        }
    }

    /// The messages, newest first.
    pub fn messages(&self) -> Vec<OutboxEntry> {
        self.messages
            .lock()
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// The development-mode [`Mailer`]: prints to the console and records into the [`Outbox`].
#[derive(Clone)]
pub struct DevMailer {
    outbox: Arc<Outbox>,
    console: ConsoleMailer,
}

impl fmt::Debug for DevMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevMailer").finish_non_exhaustive()
    }
}

impl DevMailer {
    /// Records into `outbox` and prints to standard error.
    pub fn new(outbox: Arc<Outbox>) -> Self {
        DevMailer {
            outbox,
            console: ConsoleMailer::new(),
        }
    }

    /// Records into `outbox` and prints with `console`.
    pub fn with_console(outbox: Arc<Outbox>, console: ConsoleMailer) -> Self {
        DevMailer { outbox, console }
    }
}

#[async_trait]
impl Mailer for DevMailer {
    async fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        // The console mailer checks the addresses as the SMTP mailer would: a message it
        // refuses would not have been sent in production either.
        self.console.send(message).await?;
        self.outbox.push(OutboxEntry {
            at: SystemClock.now(),
            to: message.to.clone(),
            from: message.from.clone(),
            subject: message.subject.expose().to_owned(),
            text: message.text.expose().to_owned(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otpkit::SecretString;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn records_and_prints() {
        let outbox = Arc::new(Outbox::new());
        let buf = Buf::default();
        let m = DevMailer::with_console(outbox.clone(), ConsoleMailer::with_writer(buf.clone()));
        let msg = EmailMessage {
            to: "alice@example.com".into(),
            from: "webmaster@localhost".into(),
            subject: SecretString::from("OTP token"),
            text: SecretString::from("Your verification code is 123456."),
            html: None,
        };
        m.send(&msg).await.unwrap();
        let got = outbox.messages();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].text, "Your verification code is 123456.");
        let printed = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(printed.contains("DEVELOPMENT ONLY"));
        assert!(printed.contains("123456"));
        for i in 0..(OUTBOX_CAPACITY + 5) {
            outbox.push(OutboxEntry {
                text: i.to_string(),
                ..got[0].clone()
            });
        }
        let all = outbox.messages();
        assert_eq!(all.len(), OUTBOX_CAPACITY);
        assert_eq!(all[0].text, (OUTBOX_CAPACITY + 4).to_string());
    }
}
