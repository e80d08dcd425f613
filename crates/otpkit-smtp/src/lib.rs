#![doc = include_str!("../README.md")]

mod config;
mod console;
mod file;
mod message;
mod smtp;

use std::path::PathBuf;
use std::sync::Arc;

use otpkit::mailer::{Mailer, NoMailer};

pub use config::{Credentials, DEFAULT_TIMEOUT, Security, SmtpConfig};
pub use console::ConsoleMailer;
pub use file::FileMailer;
pub use smtp::SmtpMailer;

/// Why a mailer could not be set up. Messages never quote `OTPKIT_SMTP_URL`, which may hold a
/// password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `OTPKIT_SMTP_URL` is malformed or asks for something the TLS policy refuses; the text
    /// says what and how to fix it.
    #[error("OTPKIT_SMTP_URL: {0}")]
    InvalidUrl(String),
    /// The TLS client could not be set up.
    #[error("OTPKIT_SMTP_URL: cannot set up TLS: {0}")]
    Tls(String),
    /// The [`FileMailer`]'s directory could not be created.
    #[error("cannot create the mail directory {path:?}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The mailer for the SMTP URL `OTPKIT_SMTP_URL`: an [`SmtpMailer`] when one is given, else
/// [`NoMailer`], with which email challenges fail (`challenge_exception`). Pass it to
/// [`otpkit::EngineBuilder::mailer_arc`]. Needs no runtime: nothing connects until the first
/// message.
///
/// ```
/// use otpkit::{Engine, KeyRing, MemoryStore};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mailer = otpkit_smtp::mailer_for_url(Some("smtp://127.0.0.1:1025"))?;
/// let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1")?)
///     .mailer_arc(mailer)
///     .build()?;
/// # drop(engine);
/// # Ok(())
/// # }
/// ```
pub fn mailer_for_url(smtp_url: Option<&str>) -> Result<Arc<dyn Mailer>, Error> {
    match smtp_url {
        Some(url) => Ok(Arc::new(SmtpMailer::from_url(url)?)),
        None => Ok(Arc::new(NoMailer)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otpkit::SecretString;
    use otpkit::mailer::EmailMessage;

    #[tokio::test]
    async fn the_url_picks_the_mailer() {
        let m = mailer_for_url(None).unwrap();
        let msg = EmailMessage {
            to: "a@example.com".into(),
            from: "b@example.com".into(),
            subject: SecretString::from("s"),
            text: SecretString::from("t"),
            html: None,
        };
        let err = m.send(&msg).await.unwrap_err();
        assert!(
            matches!(err, otpkit::mailer::MailError::NotConfigured),
            "{err:?}"
        );
        assert!(err.to_string().contains("OTPKIT_SMTP_URL"), "{err}");

        assert!(mailer_for_url(Some("smtps://u:pw@mail.example.com")).is_ok());

        let err = mailer_for_url(Some("smtp://u:hunter2@mail.example.com?tls=opportunistic"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("opportunistic"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
