//! Security emails: a ready [`Notifier`] that tells a person, by email and in their language,
//! when the sign-in methods of their account change (docs/behaviour.md §7.10).
//!
//! [`SecurityMail`] listens to the core's notifying events and mails the user when
//!
//! | event | email |
//! |---|---|
//! | `device_confirmed` | a sign-in method was added (an authenticator app, email codes, …) |
//! | `device_removed` | a sign-in method was removed |
//! | `backup_codes_generated` | new backup codes were generated (the old ones stopped working) |
//! | `device_locked` | a sign-in method was locked after too many wrong codes |
//! | `account_locked` | the account accepts no code any more (§2.5.1) |
//!
//! Each mail says what happened, when (UTC), and what to do if it was not the user. The text
//! comes from the `security-email-*` messages of the [`Catalogue`] (subject and a plain-text
//! body), in the contact's language, else the catalogue's default language. Where the mail
//! goes is the application's answer to [`UserContacts::contact`]; [`DirectoryContacts`]
//! answers with the user directory's email address.
//!
//! Sending never blocks or fails the request that caused the event: the mail is sent on a
//! task of its own, and a failure is logged (target `otpkit_axum`) with the event and the
//! cause — never the address, the subject or the body. `OTPKIT_SECURITY_EMAILS=false`
//! ([`crate::WebSettings::security_emails`]) turns it off: pass the setting to
//! [`SecurityMail::enabled`].
//!
//! ```
//! use std::sync::Arc;
//! use otpkit::mailer::MemoryMailer;
//! use otpkit::{Engine, KeyRing, MemoryStore, NoDirectory};
//! use otpkit_axum::security_mail::{DirectoryContacts, SecurityMail};
//! use otpkit_axum::WebSettings;
//!
//! let web = WebSettings::default();
//! let mailer = MemoryMailer::new();
//! let security = SecurityMail::new(Arc::new(mailer.clone()), DirectoryContacts::new(NoDirectory))
//!     .site_name("Example")
//!     .enabled(web.security_emails);
//! let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1")?)
//!     .mailer(mailer)
//!     .notifier(security.clone())
//!     .build()?;
//! // `security.idle().await` waits until every mail of the events so far was handed over.
//! # let _ = engine;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use otpkit::events::{Event, EventKind, Notifier};
use otpkit::mailer::{EmailMessage, MailError, Mailer};
use otpkit::{SecretString, Timestamp, UserDirectory, UserId};
use tokio::sync::Notify;

use crate::i18n::{Arg, Catalogue, Lang};

/// Where the security emails of one user go.
#[derive(Clone, PartialEq, Eq)]
pub struct Contact {
    /// The email address.
    pub address: String,
    /// The user's language tag (`de`, `pt-BR`, …), if the application knows it; the
    /// catalogue's best match is used, else its default language.
    pub language: Option<String>,
}

impl fmt::Debug for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An address is personal data: not in logs.
        f.debug_struct("Contact")
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

/// The application's answer to "where do the security emails of this user go?".
///
/// Implement it with [`#[otpkit_axum::async_trait]`](crate::async_trait) ([`SecurityMail`]
/// keeps it as an `Arc<dyn UserContacts>`; see there why not native `async fn`):
///
/// ```
/// use std::collections::HashMap;
/// use otpkit::UserId;
/// use otpkit_axum::security_mail::{Contact, UserContacts};
///
/// /// The application's profiles: user id → (address, preferred language).
/// struct Profiles(HashMap<&'static str, (&'static str, &'static str)>);
///
/// #[otpkit_axum::async_trait]
/// impl UserContacts for Profiles {
///     async fn contact(&self, user: &UserId) -> Option<Contact> {
///         let (address, language) = self.0.get(user.as_str())?;
///         Some(Contact {
///             address: (*address).to_owned(),
///             language: Some((*language).to_owned()),
///         })
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let profiles = Profiles(HashMap::from([("bob", ("bob@example.com", "de-DE"))]));
/// let bob = profiles.contact(&UserId::new("bob").unwrap()).await.unwrap();
/// assert_eq!((bob.address.as_str(), bob.language.as_deref()), ("bob@example.com", Some("de-DE")));
/// // No contact: no security email.
/// assert!(profiles.contact(&UserId::new("carol").unwrap()).await.is_none());
/// # });
/// ```
#[async_trait]
pub trait UserContacts: Send + Sync + 'static {
    /// The user's contact, or `None` to send nothing.
    async fn contact(&self, user: &UserId) -> Option<Contact>;
}

/// Contacts from the [`UserDirectory`]: the user's email address, no language (the
/// catalogue's default).
pub struct DirectoryContacts(Arc<dyn UserDirectory>);

impl DirectoryContacts {
    /// Reads the addresses from `directory`.
    pub fn new(directory: impl UserDirectory) -> Self {
        DirectoryContacts(Arc::new(directory))
    }

    /// Reads the addresses from a shared directory.
    pub fn shared(directory: Arc<dyn UserDirectory>) -> Self {
        DirectoryContacts(directory)
    }
}

impl fmt::Debug for DirectoryContacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DirectoryContacts").finish_non_exhaustive()
    }
}

#[async_trait]
impl UserContacts for DirectoryContacts {
    async fn contact(&self, user: &UserId) -> Option<Contact> {
        let address = self.0.lookup(user).await?.email?;
        (!address.trim().is_empty()).then_some(Contact {
            address,
            language: None,
        })
    }
}

/// What a security email is about. New kinds (a browser trusted, …) are new variants with
/// their `security-email-<id>-*` messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecurityEvent {
    /// A sign-in method was added (`device_confirmed`).
    MethodAdded,
    /// A sign-in method was removed (`device_removed`).
    MethodRemoved,
    /// New backup codes replaced the old ones (`backup_codes_generated`).
    BackupCodesGenerated,
    /// A sign-in method locked after too many wrong codes (`device_locked`).
    MethodLocked,
    /// The account accepts no code any more (`account_locked`).
    AccountLocked,
}

impl SecurityEvent {
    /// The security email an event of `kind` sends, if any.
    pub fn of(kind: EventKind) -> Option<SecurityEvent> {
        Some(match kind {
            EventKind::DeviceConfirmed => SecurityEvent::MethodAdded,
            EventKind::DeviceRemoved => SecurityEvent::MethodRemoved,
            EventKind::BackupCodesGenerated => SecurityEvent::BackupCodesGenerated,
            EventKind::DeviceLocked => SecurityEvent::MethodLocked,
            EventKind::AccountLocked => SecurityEvent::AccountLocked,
            _ => return None,
        })
    }

    /// The part of its message ids: `security-email-{id}-subject`, `…-body`.
    pub fn id(self) -> &'static str {
        match self {
            SecurityEvent::MethodAdded => "added",
            SecurityEvent::MethodRemoved => "removed",
            SecurityEvent::BackupCodesGenerated => "regenerated",
            SecurityEvent::MethodLocked => "device-locked",
            SecurityEvent::AccountLocked => "account-locked",
        }
    }

    fn is_lock(self) -> bool {
        matches!(
            self,
            SecurityEvent::MethodLocked | SecurityEvent::AccountLocked
        )
    }
}

/// The message id of the sign-in method a persistent id names, by its model label.
fn method_id(device: Option<&str>) -> &'static str {
    match device.and_then(|d| d.split('/').next()) {
        Some("otp_totp.totpdevice") => "security-email-method-totp",
        Some("otp_hotp.hotpdevice") => "security-email-method-hotp",
        Some("otp_email.emaildevice") => "security-email-method-email",
        Some("otp_static.staticdevice") => "security-email-method-static",
        _ => "security-email-method-other",
    }
}

/// `2026-01-01 10:00 UTC`.
fn utc_minute(at: Timestamp) -> String {
    let iso = at.to_rfc3339();
    let minute = iso.get(..16).unwrap_or(&iso).replacen('T', " ", 1);
    format!("{minute} UTC")
}

/// Why a mail was not delivered, named without the address or the message.
fn cause(e: &MailError) -> &'static str {
    match e {
        MailError::NotConfigured => "no email transport is configured",
        MailError::InvalidSender(_) => "invalid sender address",
        MailError::InvalidRecipient(_) => "invalid recipient address",
        MailError::Build(_) => "the message could not be built",
        MailError::Rejected { .. } => "the server refused the message",
        MailError::Unavailable { .. } => "the transport is unavailable",
        MailError::Timeout { .. } => "the transport timed out",
        MailError::Outbox { .. } => "the outbox could not take the message",
        _ => "delivery failed",
    }
}

/// The mails in flight, for [`SecurityMail::idle`].
#[derive(Default)]
struct InFlight {
    count: AtomicUsize,
    done: Notify,
}

/// One mail in flight; dropping it (sent, failed or cancelled) counts it done.
struct Ticket(Arc<InFlight>);

impl Ticket {
    fn new(f: &Arc<InFlight>) -> Ticket {
        f.count.fetch_add(1, Ordering::SeqCst);
        Ticket(f.clone())
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.done.notify_waiters();
        }
    }
}

/// The security-email [`Notifier`]: give a clone to [`otpkit::EngineBuilder::notifier`].
/// Clones share the mailer, the contacts and the mails in flight.
#[derive(Clone)]
pub struct SecurityMail {
    mailer: Arc<dyn Mailer>,
    contacts: Arc<dyn UserContacts>,
    catalogue: Catalogue,
    sender: String,
    site_name: String,
    enabled: bool,
    in_flight: Arc<InFlight>,
}

impl fmt::Debug for SecurityMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityMail")
            .field("sender", &self.sender)
            .field("site_name", &self.site_name)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl SecurityMail {
    /// Mails through `mailer` to the addresses of `contacts`, with the embedded catalogue,
    /// from `webmaster@localhost`, for the site `otpkit`; enabled.
    pub fn new(mailer: Arc<dyn Mailer>, contacts: impl UserContacts) -> Self {
        SecurityMail {
            mailer,
            contacts: Arc::new(contacts),
            catalogue: Catalogue::embedded(),
            sender: "webmaster@localhost".to_owned(),
            site_name: "otpkit".to_owned(),
            enabled: true,
            in_flight: Arc::default(),
        }
    }

    /// The texts (default: [`Catalogue::embedded`]); pass the kit's, so that an application's
    /// own messages and languages apply.
    pub fn catalogue(mut self, catalogue: Catalogue) -> Self {
        self.catalogue = catalogue;
        self
    }

    /// The sender address: the engine's `settings.email.sender()` (`OTP_EMAIL_SENDER`, else
    /// `OTPKIT_DEFAULT_FROM_EMAIL`).
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = sender.into();
        self
    }

    /// The site's name, as the mails call it.
    pub fn site_name(mut self, name: impl Into<String>) -> Self {
        self.site_name = name.into();
        self
    }

    /// Whether mails are sent at all: `OTPKIT_SECURITY_EMAILS`
    /// ([`crate::WebSettings::security_emails`]).
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Waits until every mail of the events notified so far was handed to the mailer (or
    /// failed): for tests and a graceful shutdown.
    pub async fn idle(&self) {
        loop {
            let done = self.in_flight.done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            if self.in_flight.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            done.await;
        }
    }

    /// The mail `event` sends to `contact`, if it sends one: the subject and the plain-text
    /// body in the contact's language.
    pub fn render(&self, event: &Event, contact: &Contact) -> Option<EmailMessage> {
        let what = SecurityEvent::of(event.kind)?;
        let lang = self.catalogue.negotiate(contact.language.as_deref(), None);
        let (subject, text) = self.texts(what, &lang, event);
        Some(EmailMessage {
            to: contact.address.clone(),
            from: self.sender.clone(),
            subject: SecretString::new(subject),
            text: SecretString::new(text),
            html: None,
        })
    }

    /// The subject and body of `what` in `lang`.
    fn texts(&self, what: SecurityEvent, lang: &Lang, event: &Event) -> (String, String) {
        let c = &self.catalogue;
        let site = || ("site", Arg::from(self.site_name.as_str()));
        let method = c.message(lang, method_id(event.device.as_deref()), &[]);
        let id = what.id();
        let subject = c.message(lang, &format!("security-email-{id}-subject"), &[site()]);
        let body = c.message(
            lang,
            &format!("security-email-{id}-body"),
            &[site(), ("method", Arg::from(method))],
        );
        let when = c.message(
            lang,
            "security-email-when",
            &[("when", Arg::from(utc_minute(event.at)))],
        );
        let (advice, not_you) = if what.is_lock() {
            (
                "security-email-lock-advice",
                "security-email-locked-not-you",
            )
        } else {
            ("security-email-change-advice", "security-email-not-you")
        };
        let text = [
            c.message(lang, "security-email-greeting", &[]),
            format!("{body}\n{when}"),
            c.message(lang, advice, &[]),
            c.message(lang, not_you, &[]),
            c.message(lang, "security-email-footer", &[site()]),
        ]
        .join("\n\n");
        (subject, format!("{text}\n"))
    }

    /// Looks the contact up and sends the mail; a failure is logged without the address.
    async fn deliver(&self, event: Event) {
        let Some(user) = event.user.as_ref() else {
            return;
        };
        let Some(contact) = self.contacts.contact(user).await else {
            tracing::debug!(
                target: "otpkit_axum",
                event = event.kind.name(),
                "no address for a security email"
            );
            return;
        };
        let Some(message) = self.render(&event, &contact) else {
            return;
        };
        if let Err(e) = self.mailer.send(&message).await {
            tracing::warn!(
                target: "otpkit_axum",
                event = event.kind.name(),
                cause = cause(&e),
                "security email not sent"
            );
        }
    }
}

impl Notifier for SecurityMail {
    fn notify(&self, event: &Event) {
        if !self.enabled || SecurityEvent::of(event.kind).is_none() || event.user.is_none() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                target: "otpkit_axum",
                event = event.kind.name(),
                "security email not sent: no Tokio runtime"
            );
            return;
        };
        let ticket = Ticket::new(&self.in_flight);
        let this = self.clone();
        let event = event.clone();
        runtime.spawn(async move {
            let _ticket = ticket;
            this.deliver(event).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_and_times_in_plain_words() {
        assert_eq!(
            method_id(Some("otp_totp.totpdevice/7")),
            "security-email-method-totp"
        );
        assert_eq!(method_id(Some("x.y/1")), "security-email-method-other");
        assert_eq!(method_id(None), "security-email-method-other");
        assert_eq!(
            utc_minute(Timestamp::from_secs(1_767_261_600)),
            "2026-01-01 10:00 UTC"
        );
        assert_eq!(SecurityEvent::of(EventKind::TokenReplayed), None);
        assert_eq!(
            SecurityEvent::of(EventKind::DeviceConfirmed),
            Some(SecurityEvent::MethodAdded)
        );
    }

    #[test]
    fn a_contact_debug_hides_the_address() {
        let c = Contact {
            address: "alice@example.com".into(),
            language: Some("de".into()),
        };
        assert!(!format!("{c:?}").contains("alice"));
    }
}
