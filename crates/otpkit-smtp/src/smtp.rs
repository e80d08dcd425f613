//! [`SmtpMailer`]: delivery over SMTP with lettre's asynchronous tokio transport and rustls.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials as LettreCredentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use otpkit::mailer::{EmailMessage, MailError, Mailer};

use crate::config::{Security, SmtpConfig};
use crate::{Error, message};

/// Sends each message over a new SMTP connection (no pool: challenges are rare, and a fresh
/// connection never trips over one the server closed while idle).
///
/// The connection follows the [`SmtpConfig`] policy: implicit TLS or required STARTTLS with
/// certificate verification, plain text to loopback only. The connection must be up within
/// [`SmtpConfig::timeout`] (10 s by default) and the whole delivery over within three times
/// that (lettre's own timeout only covers the connect), so a server that stalls mid-session
/// cannot hold a challenge for long. Nothing of a message is logged; an error names the
/// server and the SMTP failure, never the subject or body.
///
/// ```no_run
/// use otpkit::{Engine, KeyRing, MemoryStore};
/// use otpkit_smtp::SmtpMailer;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mailer = SmtpMailer::from_url("smtps://mailer:s3cret@mail.example.com")?;
/// let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1")?)
///     .mailer(mailer)
///     .build()?;
/// # drop(engine);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SmtpMailer {
    config: SmtpConfig,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for an `OTPKIT_SMTP_URL` (see [`SmtpConfig::from_url`] for the grammar and
    /// the TLS policy).
    pub fn from_url(url: &str) -> Result<SmtpMailer, Error> {
        Self::new(SmtpConfig::from_url(url)?)
    }

    /// A mailer for a parsed configuration (e.g. one given a longer timeout). Needs no
    /// runtime: nothing connects until the first message.
    pub fn new(config: SmtpConfig) -> Result<SmtpMailer, Error> {
        let tls = match config.security() {
            Security::Plain => Tls::None,
            Security::StartTls => Tls::Required(tls_parameters(&config)?),
            Security::ImplicitTls => Tls::Wrapper(tls_parameters(&config)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host())
            .port(config.port())
            .tls(tls)
            .timeout(Some(config.timeout()));
        if let Some(c) = config.credentials() {
            builder = builder.credentials(LettreCredentials::new(
                c.username.clone(),
                c.password.expose().to_owned(),
            ));
        }
        if let Some(name) = config.hello_name() {
            builder = builder.hello_name(ClientId::Domain(name.to_owned()));
        }
        tracing::debug!(
            target: "otpkit_smtp",
            host = config.host(),
            port = config.port(),
            security = %config.security(),
            auth = config.credentials().is_some(),
            "SMTP mailer configured"
        );
        Ok(SmtpMailer {
            transport: builder.build(),
            config,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &SmtpConfig {
        &self.config
    }

    fn deadline(&self) -> Duration {
        self.config.timeout().saturating_mul(3)
    }

    /// The server as errors name it: `SMTP host:port (security)`, never the credentials.
    fn transport(&self) -> String {
        format!(
            "SMTP {}:{} ({})",
            self.config.host(),
            self.config.port(),
            self.config.security()
        )
    }

    /// A refusal for good (a `5xx` answer) is [`MailError::Rejected`]; anything else
    /// (connection, TLS, a `4xx` answer, a broken session) may pass later.
    fn failure(&self, e: lettre::transport::smtp::Error) -> MailError {
        let transport = self.transport();
        if e.is_permanent() {
            MailError::Rejected {
                transport,
                source: Box::new(e),
            }
        } else {
            MailError::Unavailable {
                transport,
                source: Box::new(e),
            }
        }
    }
}

/// rustls with the Mozilla roots, any extra roots, TLS 1.2 at least, and the certificate
/// checked against the host name of the URL.
fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, Error> {
    let mut builder = TlsParameters::builder(config.host().to_owned());
    for pem in config.extra_root_certificates() {
        let cert = Certificate::from_pem(pem)
            .map_err(|e| Error::Tls(format!("invalid root certificate: {e}")))?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| Error::Tls(e.to_string()))
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        let mime = message::build(message)?;
        match tokio::time::timeout(self.deadline(), self.transport.send(mime)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(e)) => Err(self.failure(e)),
            Err(_elapsed) => Err(MailError::Timeout {
                transport: self.transport(),
                after: self.deadline(),
            }),
        }
    }
}
