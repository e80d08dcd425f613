//! The types of the extension points ([`crate::extension`]) that otpkit's own modules use
//! too, apart from the kit so that the kit and the pages can name them.

use otpkit::Device;
use otpkit::session::SessionError;

use crate::auth::AuthError;
use crate::session::SessionFailure;

/// Why [`OtpKit::complete_verification`](crate::OtpKit::complete_verification) did not
/// verify the session. Nothing was granted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerificationError {
    /// The session's pending login expired, or another request completed it first (a
    /// pending login is single use): answer `login_expired`.
    #[error("the pending login expired or was used")]
    LoginExpired,
    /// The session store (or the OS random number generator) failed: answer 503.
    #[error("session store failure")]
    Session,
    /// The application's [`Authentication::login`](crate::Authentication::login) failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The session could not be written when logging the device in.
    #[error("the device could not verify the session: {0}")]
    Login(#[source] SessionError),
    /// The engine refused to log the device into the session (not the user's, or not
    /// confirmed).
    #[error("the device may not verify this session")]
    Refused,
}

impl From<SessionFailure> for VerificationError {
    fn from(_: SessionFailure) -> Self {
        VerificationError::Session
    }
}

/// A sign-in method with a web step of its own: the code step does not offer a text field
/// for the user's devices of `model_label` (a kind that is not typed,
/// `DeviceKind::MATCHABLE = false`) but a link, labelled with the catalogue message
/// `message_id`, to `path` under the URL prefix, where the application mounted that step
/// (with `?next=…`). Register it with [`OtpKitBuilder::kind_step`](crate::OtpKitBuilder::kind_step).
///
/// ```
/// let step = otpkit_axum::extension::KindStep::new(
///     "otp_webauthn.webauthndevice",
///     "/passkeys/verify/",
///     "passkey-use",
/// )
/// .enrolment("/passkeys/new/", "passkey-new-title", "passkey-new-intro");
/// assert_eq!(step.path, "/passkeys/verify/");
/// assert!(step.enrolment.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindStep {
    /// The kind's model label.
    pub model_label: String,
    /// The step's path under `OTPKIT_URL_PREFIX` (e.g. `/passkeys/verify/`).
    pub path: String,
    /// The catalogue message of the link (e.g. "Use your security key").
    pub message_id: String,
    /// Where the guided setup's "choose a method" page offers to add such a device, if
    /// anywhere ([`KindStep::enrolment`]).
    pub enrolment: Option<KindEnrolment>,
    /// A sign-in without a password that the login page links to, if any
    /// ([`KindStep::sign_in`]).
    pub sign_in: Option<KindSignIn>,
}

/// A sign-in of a [`KindStep`]'s kind that needs no password (a passkey that signs in by
/// itself), linked from the login page's password step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSignIn {
    /// The page's path under `OTPKIT_URL_PREFIX` (e.g. `/passkeys/sign-in/`); the login
    /// page adds its `next`.
    pub path: String,
    /// The catalogue message of the link.
    pub message_id: String,
}

/// The enrolment page of a [`KindStep`]'s kind, offered on the guided setup's "choose a
/// method" page (`{prefix}/devices/new/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindEnrolment {
    /// The page's path under `OTPKIT_URL_PREFIX` (e.g. `/passkeys/new/`).
    pub path: String,
    /// The catalogue message of the method's name (the link).
    pub title_id: String,
    /// The catalogue message of the sentence under it.
    pub hint_id: String,
}

impl KindStep {
    /// A step for `model_label` at `path`, its link labelled by `message_id`.
    pub fn new(
        model_label: impl Into<String>,
        path: impl Into<String>,
        message_id: impl Into<String>,
    ) -> KindStep {
        KindStep {
            model_label: model_label.into(),
            path: path.into(),
            message_id: message_id.into(),
            enrolment: None,
            sign_in: None,
        }
    }

    /// The login page (`{prefix}/login/`) also links to `path` (under the URL prefix), a
    /// sign-in without a password, with the catalogue message `message_id`.
    pub fn sign_in(mut self, path: impl Into<String>, message_id: impl Into<String>) -> KindStep {
        self.sign_in = Some(KindSignIn {
            path: path.into(),
            message_id: message_id.into(),
        });
        self
    }

    /// The setup's "choose a method" page also offers the kind, linking to `path` (under the
    /// URL prefix) with the catalogue messages `title_id` and `hint_id`.
    pub fn enrolment(
        mut self,
        path: impl Into<String>,
        title_id: impl Into<String>,
        hint_id: impl Into<String>,
    ) -> KindStep {
        self.enrolment = Some(KindEnrolment {
            path: path.into(),
            title_id: title_id.into(),
            hint_id: hint_id.into(),
        });
        self
    }

    /// Whether `device` is of this step's kind.
    pub fn covers(&self, device: &Device) -> bool {
        device.model_label().eq_ignore_ascii_case(&self.model_label)
    }
}
