//! Delivering challenges by email: the [`Mailer`] trait, the message, and its templates
//! (docs/behaviour.md §5.4 step 3, §6 `OTP_EMAIL_*`).
//!
//! The SMTP transport lives in `otpkit-smtp`; this crate ships [`MemoryMailer`] (an outbox
//! for tests and development) and [`NoMailer`] (every send fails, as when
//! `OTPKIT_SMTP_URL` is unset).

use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::secret::SecretString;
use crate::settings::EmailSettings;

/// The built-in text body template (`otp/email/token.txt`), used when
/// `OTP_EMAIL_BODY_TEMPLATE` is unset.
pub const DEFAULT_BODY_TEMPLATE: &str = "Your verification code is {{ token }}.";

/// One email carrying a token. Subject and bodies may contain the token, so `Debug` shows
/// only the recipient and sender.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailMessage {
    /// Recipient address.
    pub to: String,
    /// Sender address.
    pub from: String,
    /// Subject (may carry the token).
    pub subject: SecretString,
    /// Plain-text body.
    pub text: SecretString,
    /// Optional HTML alternative.
    pub html: Option<SecretString>,
}

impl fmt::Debug for EmailMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailMessage")
            .field("to", &self.to)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// An error of some other library, kept as the [`source`](std::error::Error::source) of a
/// [`MailError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a message was not delivered, one variant per cause a caller can act on.
///
/// The engine writes the text to the log only; users read `the email could not be sent`.
/// No variant carries the subject or the bodies (they hold the code) or credentials: a
/// transport is named by host, port and protection only.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// No email transport is configured (`OTPKIT_SMTP_URL` is unset, [`NoMailer`]): every
    /// send fails until one is.
    #[error("no email transport is configured (OTPKIT_SMTP_URL)")]
    NotConfigured,
    /// The sender address is not a valid address: fix `OTP_EMAIL_SENDER` (every message
    /// fails the same way).
    #[error("invalid sender address (OTP_EMAIL_SENDER): {0}")]
    InvalidSender(#[source] BoxError),
    /// The recipient address is not a valid address: the device's (or the user's) address
    /// must change; sending again will not help.
    #[error("invalid recipient address: {0}")]
    InvalidRecipient(#[source] BoxError),
    /// The message could not be assembled from valid addresses (a missing or inconsistent
    /// header).
    #[error("cannot build the message: {0}")]
    Build(#[source] BoxError),
    /// The server refused the message for good (an SMTP `5xx` answer, e.g. an unknown
    /// recipient or refused credentials): the same message will be refused again.
    #[error("delivery through {transport} was refused: {source}")]
    Rejected {
        /// The transport, e.g. `SMTP mail.example.com:587 (starttls)`.
        transport: String,
        /// The transport's error.
        #[source]
        source: BoxError,
    },
    /// The transport could not be reached or the session failed (connection, TLS, a
    /// temporary `4xx` answer): a later attempt may succeed.
    #[error("delivery through {transport} failed: {source}")]
    Unavailable {
        /// The transport, e.g. `SMTP mail.example.com:587 (starttls)`.
        transport: String,
        /// The transport's error.
        #[source]
        source: BoxError,
    },
    /// The transport did not finish the delivery in time.
    #[error("delivery through {transport} failed: no answer within {} s", .after.as_secs())]
    Timeout {
        /// The transport, e.g. `SMTP mail.example.com:587 (starttls)`.
        transport: String,
        /// How long it was given.
        after: std::time::Duration,
    },
    /// A local outbox (a directory of files, the console, memory) could not take the
    /// message.
    #[error("cannot write to {outbox}: {source}")]
    Outbox {
        /// The outbox, e.g. the file's path or `the console`.
        outbox: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Sends email. Implementations must not log message bodies or subjects.
///
/// Implement it with [`#[otpkit::async_trait]`](crate::async_trait) (the engine keeps it as an
/// `Arc<dyn Mailer>`, see there why not native `async fn`). A mailer handing messages to the
/// application's own queue:
///
/// ```
/// use std::sync::Mutex;
/// use otpkit::mailer::{EmailMessage, MailError, Mailer};
///
/// /// Hands every message to a queue (here a vector; a real one posts to a mail API).
/// #[derive(Default)]
/// struct Queue(Mutex<Vec<(String, String)>>);
///
/// #[otpkit::async_trait]
/// impl Mailer for Queue {
///     async fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
///         let mut queue = self.0.lock().map_err(|_| MailError::Outbox {
///             outbox: "the queue".into(),
///             source: std::io::Error::other("its lock is poisoned"),
///         })?;
///         queue.push((message.to.clone(), message.subject.expose().to_owned()));
///         Ok(())
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let queue = Queue::default();
/// let message = EmailMessage {
///     to: "alice@example.com".into(),
///     from: "otp@example.com".into(),
///     subject: "Your code".into(),
///     text: "123456".into(),
///     html: None,
/// };
/// queue.send(&message).await.unwrap();
/// assert_eq!(queue.0.lock().unwrap()[0], ("alice@example.com".into(), "Your code".into()));
/// # });
/// ```
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Sends one message; `Ok` once the transport accepted it.
    async fn send(&self, message: &EmailMessage) -> Result<(), MailError>;
}

/// An outbox in memory: every message is kept for inspection. Clones share the outbox.
#[derive(Clone, Default)]
pub struct MemoryMailer {
    outbox: Arc<Mutex<Vec<EmailMessage>>>,
    fail: Arc<std::sync::atomic::AtomicBool>,
}

impl fmt::Debug for MemoryMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryMailer").finish_non_exhaustive()
    }
}

impl MemoryMailer {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// All messages sent so far.
    pub fn messages(&self) -> Vec<EmailMessage> {
        self.outbox.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// The most recent message.
    pub fn last(&self) -> Option<EmailMessage> {
        self.outbox.lock().ok().and_then(|g| g.last().cloned())
    }

    /// Makes every later send fail (to test the compensation of §2.9), or succeed again.
    pub fn set_failing(&self, fail: bool) {
        self.fail.store(fail, std::sync::atomic::Ordering::SeqCst);
    }
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(MailError::Unavailable {
                transport: "the memory mailer".into(),
                source: "it is set to fail".into(),
            });
        }
        self.outbox
            .lock()
            .map_err(|_| MailError::Outbox {
                outbox: "the memory outbox".into(),
                source: std::io::Error::other("its lock is poisoned"),
            })?
            .push(message.clone());
        Ok(())
    }
}

/// A mailer that refuses every message: email challenges then fail with
/// `challenge_exception` (the behaviour when `OTPKIT_SMTP_URL` is unset).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMailer;

#[async_trait]
impl Mailer for NoMailer {
    async fn send(&self, _message: &EmailMessage) -> Result<(), MailError> {
        Err(MailError::NotConfigured)
    }
}

/// Why the email templates could not be loaded: a template does not parse.
///
/// Reading templates from files (`OTP_EMAIL_BODY_TEMPLATE_PATH`,
/// `OTP_EMAIL_BODY_HTML_TEMPLATE_PATH`) is the deployment's business, not this crate's: the
/// templates arrive here as text in [`EmailSettings`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A template does not parse.
    #[error("{setting}: invalid template: {message}")]
    Syntax {
        /// The setting that holds the template.
        setting: &'static str,
        /// The parser's message.
        message: String,
    },
}

/// Why a message could not be rendered from the [`EmailTemplates`] (a template that does not
/// parse, an operation a value does not support): the template engine's message only. Its
/// full error is not kept, because its debug form can show the context, which holds the code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RenderError {
    message: String,
}

impl RenderError {
    fn new(e: &minijinja::Error) -> Self {
        RenderError {
            message: e.to_string(),
        }
    }
}

/// The email subject, sender and body templates, resolved from the settings once at start.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailTemplates {
    /// The sender (`OTP_EMAIL_SENDER`, else `OTPKIT_DEFAULT_FROM_EMAIL`).
    pub sender: String,
    /// The subject; each `{token}` is replaced.
    pub subject: String,
    /// The text body template (minijinja syntax).
    pub text: String,
    /// The optional HTML body template.
    pub html: Option<String>,
    /// Whether the subject is the built-in one, which a caller may replace with a
    /// translation (see [`LOCALISED_KEY`]); `false` when `OTP_EMAIL_SUBJECT` is configured.
    pub localise_subject: bool,
    /// Whether the text body is the built-in [`DEFAULT_BODY_TEMPLATE`], which a caller may
    /// replace with a translation; `false` when `OTP_EMAIL_BODY_TEMPLATE(_PATH)` is configured.
    pub localise_text: bool,
}

/// The key of the extra context under which a caller passes the translated subject and text
/// body of the code email: `{"otpkit_localised": {"subject": "…", "text": "… {{ token }} …"}}`.
/// They replace the built-in subject and body only ([`EmailTemplates::localise_subject`],
/// [`EmailTemplates::localise_text`]); what an operator configured always wins. The text is a
/// template like the body setting (it sees `token`); the subject's `{token}` is replaced.
/// otpkit-axum passes them in the language of the request that asked for the code.
pub const LOCALISED_KEY: &str = "otpkit_localised";

impl fmt::Debug for EmailTemplates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailTemplates")
            .field("sender", &self.sender)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl Default for EmailTemplates {
    fn default() -> Self {
        EmailTemplates {
            sender: "webmaster@localhost".into(),
            subject: "OTP token".into(),
            text: DEFAULT_BODY_TEMPLATE.into(),
            html: None,
            localise_subject: true,
            localise_text: true,
        }
    }
}

impl EmailTemplates {
    /// Resolves the email settings: the sender, the subject, and the templates, an unset
    /// text template being the built-in [`DEFAULT_BODY_TEMPLATE`]. Every template is parsed
    /// now, so that a mistake stops start-up rather than a login.
    ///
    /// ```
    /// use otpkit::mailer::{EmailTemplates, DEFAULT_BODY_TEMPLATE};
    /// use otpkit::settings::EmailSettings;
    ///
    /// let t = EmailTemplates::from_settings(&EmailSettings::default())?;
    /// assert_eq!(t.text, DEFAULT_BODY_TEMPLATE);
    /// let broken = EmailSettings {
    ///     body_template: Some("{{ token".into()),
    ///     ..EmailSettings::default()
    /// };
    /// let err = EmailTemplates::from_settings(&broken).unwrap_err();
    /// assert!(err.to_string().starts_with("OTP_EMAIL_BODY_TEMPLATE: invalid template"));
    /// # Ok::<(), otpkit::mailer::TemplateError>(())
    /// ```
    pub fn from_settings(email: &EmailSettings) -> Result<Self, TemplateError> {
        let t = EmailTemplates {
            sender: email.sender().to_owned(),
            subject: email.subject.clone(),
            text: email
                .body_template
                .clone()
                .unwrap_or_else(|| DEFAULT_BODY_TEMPLATE.to_owned()),
            html: email.body_html_template.clone(),
            localise_subject: email.subject == EmailSettings::default().subject,
            localise_text: email.body_template.is_none(),
        };
        check("OTP_EMAIL_BODY_TEMPLATE", &t.text)?;
        if let Some(h) = &t.html {
            check("OTP_EMAIL_BODY_HTML_TEMPLATE", h)?;
        }
        Ok(t)
    }

    /// Builds the message for `token` to `to`. Templates see `token` merged with `extra`
    /// (an object; other values are ignored).
    pub fn render(
        &self,
        to: &str,
        token: &SecretString,
        extra: Option<&serde_json::Value>,
    ) -> Result<EmailMessage, RenderError> {
        let mut ctx = match extra {
            Some(serde_json::Value::Object(m)) => m.clone(),
            _ => serde_json::Map::new(),
        };
        ctx.insert(
            "token".into(),
            serde_json::Value::String(token.expose().to_owned()),
        );
        let localised = ctx.get(LOCALISED_KEY).cloned();
        let translation = |key: &str| {
            localised
                .as_ref()
                .and_then(|l| l.get(key))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let subject = match translation("subject") {
            Some(s) if self.localise_subject => s,
            _ => self.subject.clone(),
        };
        let text_template = match translation("text") {
            Some(t) if self.localise_text => t,
            _ => self.text.clone(),
        };
        let ctx = serde_json::Value::Object(ctx);
        let text = render_one(&text_template, &ctx, false)?;
        let html = match &self.html {
            Some(h) => Some(SecretString::new(render_one(h, &ctx, true)?)),
            None => None,
        };
        Ok(EmailMessage {
            to: to.to_owned(),
            from: self.sender.clone(),
            subject: SecretString::new(subject.replace("{token}", token.expose())),
            text: SecretString::new(text),
            html,
        })
    }
}

fn check(setting: &'static str, source: &str) -> Result<(), TemplateError> {
    let env = minijinja::Environment::new();
    env.template_from_str(source)
        .map(|_| ())
        .map_err(|e| TemplateError::Syntax {
            setting,
            message: e.to_string(),
        })
}

fn render_one(source: &str, ctx: &serde_json::Value, html: bool) -> Result<String, RenderError> {
    let mut env = minijinja::Environment::new();
    if html {
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    }
    // Only the error's plain text is kept: its debug form can show the context (the code).
    let tmpl = env
        .template_from_str(source)
        .map_err(|e| RenderError::new(&e))?;
    tmpl.render(ctx).map_err(|e| RenderError::new(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_body_and_subject() {
        let t = EmailTemplates {
            subject: "Test Subject with token: {token}".into(),
            ..EmailTemplates::default()
        };
        let m = t
            .render("a@example.com", &SecretString::from("012345"), None)
            .unwrap();
        assert_eq!(m.subject.expose(), "Test Subject with token: 012345");
        assert_eq!(m.text.expose(), "Your verification code is 012345.");
        assert!(!format!("{m:?}").contains("012345"));
    }

    #[tokio::test]
    async fn the_built_in_mailers_name_their_cause() {
        let m = EmailTemplates::default()
            .render("a@example.com", &SecretString::from("012345"), None)
            .unwrap();
        let err = NoMailer.send(&m).await.unwrap_err();
        assert!(matches!(err, MailError::NotConfigured), "{err:?}");
        assert!(err.to_string().contains("OTPKIT_SMTP_URL"), "{err}");

        let memory = MemoryMailer::new();
        memory.set_failing(true);
        let err = memory.send(&m).await.unwrap_err();
        assert!(matches!(err, MailError::Unavailable { .. }), "{err:?}");
        assert!(!format!("{err} {err:?}").contains("012345"));
        assert!(memory.messages().is_empty());
        memory.set_failing(false);
        memory.send(&m).await.unwrap();
        assert_eq!(memory.messages().len(), 1);
    }

    #[test]
    fn a_template_that_cannot_render_is_a_render_error() {
        let t = EmailTemplates {
            text: "{{ token + 1 }}".into(),
            ..EmailTemplates::default()
        };
        let err = t
            .render("a@example.com", &SecretString::from("424242"), None)
            .unwrap_err();
        assert!(!err.to_string().is_empty());
        assert!(!format!("{err} {err:?}").contains("424242"), "{err:?}");
    }

    #[test]
    fn a_translation_replaces_only_the_built_in_texts() {
        let extra = serde_json::json!({LOCALISED_KEY: {
            "subject": "Dein Code",
            "text": "Dein Bestätigungscode ist {{ token }}.",
        }});
        let code = SecretString::from("123456");
        let built_in = EmailTemplates::from_settings(&EmailSettings::default()).unwrap();
        let m = built_in
            .render("a@example.com", &code, Some(&extra))
            .unwrap();
        assert_eq!(m.subject.expose(), "Dein Code");
        assert_eq!(m.text.expose(), "Dein Bestätigungscode ist 123456.");
        // What an operator configured wins over any translation.
        let configured = EmailTemplates::from_settings(&EmailSettings {
            subject: "Login code".into(),
            body_template: Some("Code: {{ token }}".into()),
            ..EmailSettings::default()
        })
        .unwrap();
        let m = configured
            .render("a@example.com", &code, Some(&extra))
            .unwrap();
        assert_eq!(m.subject.expose(), "Login code");
        assert_eq!(m.text.expose(), "Code: 123456");
        // Without a translation: the built-in English.
        let m = built_in.render("a@example.com", &code, None).unwrap();
        assert_eq!(m.text.expose(), "Your verification code is 123456.");
    }

    #[test]
    fn extra_context_and_html_escaping() {
        let t = EmailTemplates {
            text: "{{ greeting }} {{ token }}".into(),
            html: Some("<p>{{ greeting }}</p>".into()),
            ..EmailTemplates::default()
        };
        let extra = serde_json::json!({"greeting": "<b>Hi</b>"});
        let m = t
            .render("a@example.com", &SecretString::from("1"), Some(&extra))
            .unwrap();
        assert_eq!(m.text.expose(), "<b>Hi</b> 1");
        assert_eq!(
            m.html.unwrap().expose(),
            "<p>&lt;b&gt;Hi&lt;&#x2f;b&gt;</p>"
        );
    }
}
