#![doc = include_str!("../README.md")]

mod config;
mod console;
mod file;
mod message;
mod smtp;

use std::path::PathBuf;
use std::sync::Arc;

use otpkit::Settings;
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

/// The mailer the settings ask for (SPEC §6): an [`SmtpMailer`] when `OTPKIT_SMTP_URL` is
/// set, else [`NoMailer`], with which email challenges fail (`challenge_exception`). Pass it
/// to [`otpkit::EngineBuilder::mailer_arc`]. Needs no runtime: nothing connects until the
/// first message.
///
/// ```
/// use otpkit::{Engine, KeyRing, MemoryStore, Settings};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let settings = Settings {
///     smtp_url: Some("smtp://127.0.0.1:1025".into()),
///     ..Settings::default()
/// };
/// let mailer = otpkit_smtp::mailer_from_settings(&settings)?;
/// let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1")?)
///     .settings(settings)
///     .mailer_arc(mailer)
///     .build()?;
/// # drop(engine);
/// # Ok(())
/// # }
/// ```
pub fn mailer_from_settings(settings: &Settings) -> Result<Arc<dyn Mailer>, Error> {
    match settings.smtp_url.as_deref() {
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
    async fn settings_pick_the_mailer() {
        let m = mailer_from_settings(&Settings::default()).unwrap();
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

        let s = Settings {
            smtp_url: Some("smtps://u:pw@mail.example.com".into()),
            ..Settings::default()
        };
        assert!(mailer_from_settings(&s).is_ok());

        let s = Settings {
            smtp_url: Some("smtp://u:hunter2@mail.example.com?tls=opportunistic".into()),
            ..Settings::default()
        };
        let err = mailer_from_settings(&s).err().unwrap().to_string();
        assert!(err.contains("opportunistic"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
