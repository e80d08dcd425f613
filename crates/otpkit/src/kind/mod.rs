//! Device kinds: the plugin interface (docs/behaviour.md §1.2; docs/architecture.md).
//!
//! A kind is a Rust type holding its own serialisable state and implementing [`DeviceKind`].
//! It answers only *does this token match, and how does my own state change?* — throttling,
//! cooldown, timestamps, confirmation and atomicity are the engine's job and apply to every
//! kind alike. Kinds are registered under a model label in a [`Registry`]; the built-ins come
//! first in the order TOTP, HOTP, email, static.
//!
//! # A third-party kind
//!
//! ```
//! use otpkit::kind::{Context, DeviceKind, KindError, KindRefusal, Verdict};
//! use otpkit::settings::Settings;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct CustomDevice { secret_key: String, suspended: bool }
//!
//! impl DeviceKind for CustomDevice {
//!     const MODEL_LABEL: &'static str = "myapp.customdevice";
//!     const VERBOSE_NAME: &'static str = "Custom device";
//!     fn throttle_factor(&self, _: &Settings) -> u32 { 1 } // 1 s base back-off
//!     fn verify_is_allowed(&self, _ctx: &Context<'_>) -> Result<(), KindRefusal> {
//!         // Refused before any token is looked at; the user reads the message.
//!         if self.suspended {
//!             return Err(KindRefusal::new("This device is suspended."));
//!         }
//!         Ok(())
//!     }
//!     fn verify(&mut self, token: &str, _ctx: &mut Context<'_>) -> Result<Verdict, KindError> {
//!         // A real kind compares in constant time (see `otpkit::kind::ct_eq`).
//!         Ok(if otpkit::kind::ct_eq(token.as_bytes(), self.secret_key.as_bytes()) {
//!             Verdict::Accepted
//!         } else {
//!             Verdict::Invalid
//!         })
//!     }
//! }
//!
//! let mut registry = otpkit::kind::Registry::builtin(&Settings::default());
//! registry.register::<CustomDevice>().unwrap();
//! assert!(registry.get("myapp.CustomDevice").is_some());
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock::Timestamp;
use crate::mailer::EmailMessage;
use crate::record::is_valid_label;
use crate::seal::{KeyRing, KeyedHash, SealError, Sealed};
use crate::secret::SecretBytes;
use crate::settings::Settings;
use crate::user::UserId;

pub mod email;
pub mod hotp;
pub mod side_channel;
pub mod static_token;
pub mod totp;

pub use email::EmailDevice;
pub use hotp::HotpDevice;
pub use side_channel::SideChannel;
pub use static_token::StaticDevice;
pub use totp::TotpDevice;

/// A kind's answer to one token (docs/behaviour.md §2.2 steps 3–5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The token matches; the kind has consumed it in its own state.
    Accepted,
    /// The token is well-formed but does not match.
    Invalid,
    /// The token does not have the kind's syntax.
    Malformed,
    /// The token matches an already used step (TOTP, §5.1).
    Replay,
    /// Well-formed, evaluated and refused for a reason of the kind's own, named by a stable
    /// code in `snake_case` (a passkey assertion signed for another origin:
    /// `wrong_origin`). A failure like [`Verdict::Invalid`]; the code is the
    /// `verification_failed` event's detail and the caller's
    /// [`Rejection::Kind`](crate::engine::Rejection::Kind).
    Refused(&'static str),
    /// The authenticator's signature counter did not advance past the stored one: the mark of
    /// a cloned authenticator (WebAuthn §6.1.1). A failure like [`Verdict::Invalid`] that
    /// also emits `counter_regressed` and calls the notification hook.
    CounterRegressed,
}

/// Errors a kind reports. Any of them makes the attempt fail closed (§2.9).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KindError {
    /// A sealed secret or keyed hash could not be opened or computed.
    #[error("secret protection failed: {0}")]
    Seal(#[from] SealError),
    /// The stored state does not decode as this kind (corrupt, or written by another kind).
    #[error("the device's stored state is invalid: {0}")]
    StateDecode(#[source] serde_json::Error),
    /// The kind's state could not be encoded for storage; nothing was written.
    #[error("the device's state could not be encoded: {0}")]
    StateEncode(#[source] serde_json::Error),
    /// A code the kind generated failed its own normalisation (a bug in the kind); nothing
    /// was stored.
    #[error("a generated code failed its own normalisation")]
    GeneratedCode,
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// A challenge could not be generated; the text can be shown to the user.
    #[error(transparent)]
    Challenge(#[from] ChallengeError),
    /// An argument was out of range (e.g. a side-channel token length).
    #[error("invalid argument: {0}")]
    InvalidArgument(#[from] ArgumentError),
}

/// Why a kind could not generate a challenge. The engine answers
/// [`ChallengeOutcome::Failed`](crate::engine::ChallengeOutcome::Failed) with this text, which
/// is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChallengeError {
    /// Neither the device nor the user directory knows an email address: the user (or an
    /// administrator) must give one.
    #[error("{}", email::NO_ADDRESS)]
    NoAddress,
    /// The email templates could not be rendered: an operator must fix the `OTP_EMAIL_*`
    /// templates.
    #[error("the email could not be built: {0}")]
    Render(#[from] crate::mailer::RenderError),
    /// A third-party kind's own reason, shown to the user as written.
    #[error("{0}")]
    Custom(String),
}

/// An argument out of range for a kind's operation; nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgumentError {
    /// A side-channel token length outside 6 to 8 digits.
    #[error("token length must be 6 to 8 digits, not {0}")]
    TokenLength(u8),
    /// A side-channel token validity outside 1 to 600 seconds.
    #[error("token validity must be 1 to 600 seconds, not {0}")]
    TokenValidity(u32),
}

/// A kind's refusal to evaluate any token now ([`DeviceKind::verify_is_allowed`]), with what
/// the user is told.
///
/// The engine answers it as [`VerifyNotAllowed::Kind`](crate::policy::VerifyNotAllowed::Kind)
/// (the web layer's `verification_not_allowed`), before any token is looked at; it is not a
/// failed attempt. A refusal without a message leaves the caller's standard text.
///
/// ```
/// use otpkit::kind::KindRefusal;
///
/// let r = KindRefusal::new("This device is disabled until its owner confirms it.");
/// assert_eq!(r.message(), Some("This device is disabled until its owner confirms it."));
/// assert_eq!(KindRefusal::without_message().message(), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KindRefusal {
    #[serde(rename = "error_message")]
    message: String,
}

impl KindRefusal {
    /// A refusal with the message the user is told (an empty one counts as none).
    pub fn new(message: impl Into<String>) -> Self {
        KindRefusal {
            message: message.into(),
        }
    }

    /// A refusal without a message of its own: the caller shows its standard text.
    pub fn without_message() -> Self {
        KindRefusal::default()
    }

    /// The message for the user, if the kind gave one.
    pub fn message(&self) -> Option<&str> {
        Some(self.message.as_str()).filter(|m| !m.is_empty())
    }
}

impl fmt::Display for KindRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            self.message()
                .unwrap_or("the device does not allow verification now"),
        )
    }
}

impl std::error::Error for KindRefusal {}

/// How a challenge's token reaches the user.
pub enum Delivery {
    /// Nothing to send (the kind delivered it itself).
    None,
    /// An email, sent through the engine's [`crate::mailer::Mailer`].
    Email(EmailMessage),
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delivery::None => f.write_str("None"),
            Delivery::Email(m) => f.debug_tuple("Email").field(m).finish(),
        }
    }
}

/// A generated challenge: the message for the user (`sent by email`) and the delivery.
#[derive(Debug)]
pub struct Challenge {
    /// A short message for the user.
    pub message: String,
    /// What to deliver, after the reservation committed.
    pub delivery: Delivery,
}

/// The key ids a device's state depends on, for `keys status` and rotation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyIds {
    /// One entry per sealed secret.
    pub sealed: Vec<String>,
    /// One entry per keyed hash.
    pub hashed: Vec<String>,
}

impl KeyIds {
    /// The key ids of one sealed secret (TOTP and HOTP devices).
    pub fn sealed(key: &Sealed) -> Self {
        KeyIds {
            sealed: key.key_id().map(str::to_owned).into_iter().collect(),
            hashed: Vec::new(),
        }
    }
}

/// The key of [`DeviceKind::info`] that flags a device whose key is shorter than otpkit
/// would accept today (imported from django-otp): administrators see "re-enrol recommended".
pub const LEGACY_KEY_INFO: &str = "legacy_key";

/// `info` with `"legacy_key": true` added when `legacy` (left out otherwise).
pub(crate) fn with_legacy_flag(mut info: serde_json::Value, legacy: bool) -> serde_json::Value {
    if legacy && let Some(map) = info.as_object_mut() {
        map.insert(LEGACY_KEY_INFO.into(), serde_json::Value::Bool(true));
    }
    info
}

/// Re-seals `key` in place under the active key; returns 1 if it changed, else 0. The
/// `reseal` of kinds holding one sealed secret.
pub fn reseal_in_place(key: &mut Sealed, ctx: &Context<'_>) -> Result<usize, KindError> {
    match ctx.reseal(key)? {
        Some(k) => {
            *key = k;
            Ok(1)
        }
        None => Ok(0),
    }
}

/// The otpauth data of an OATH device whose key is `key` (issuer and image are filled in
/// by the engine from the settings).
pub fn oath_provisioning(
    ctx: &Context<'_>,
    key: &Sealed,
    kind: crate::otpauth::OtpAuthKind,
    algorithm: crate::oath::Algorithm,
    digits: crate::oath::Digits,
) -> Result<Option<crate::otpauth::OtpAuth>, KindError> {
    Ok(Some(crate::otpauth::OtpAuth {
        kind,
        secret: ctx.open(key)?,
        algorithm,
        digits,
        issuer: None,
        account: ctx.user().as_str().to_owned(),
        image: None,
    }))
}

/// What a kind sees during one operation: `now`, the settings, the device's identity, and
/// the key ring through sealing and hashing helpers bound to this device.
pub struct Context<'a> {
    pub(crate) now: Timestamp,
    pub(crate) settings: &'a Settings,
    pub(crate) keys: &'a KeyRing,
    pub(crate) model_label: &'a str,
    pub(crate) persistent_id: &'a str,
    pub(crate) user: &'a UserId,
    pub(crate) binding: Option<&'a [u8]>,
    pub(crate) user_email: Option<&'a str>,
    pub(crate) extra: Option<&'a serde_json::Value>,
    pub(crate) templates: &'a crate::mailer::EmailTemplates,
}

impl fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("now", &self.now)
            .field("persistent_id", &self.persistent_id)
            .finish_non_exhaustive()
    }
}

impl<'a> Context<'a> {
    /// A context for code outside the engine (tests, tools): no binding, no user email.
    pub fn new(
        now: Timestamp,
        settings: &'a Settings,
        keys: &'a KeyRing,
        persistent_id: &'a str,
        user: &'a UserId,
        templates: &'a crate::mailer::EmailTemplates,
    ) -> Self {
        let model_label = persistent_id
            .rsplit_once('/')
            .map_or(persistent_id, |(l, _)| l);
        Context {
            now,
            settings,
            keys,
            model_label,
            persistent_id,
            user,
            binding: None,
            user_email: None,
            extra: None,
            templates,
        }
    }

    /// The instant of this operation (the injected clock's value).
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        self.settings
    }

    /// The device's persistent id.
    pub fn persistent_id(&self) -> &str {
        self.persistent_id
    }

    /// The device's owner.
    pub fn user(&self) -> &UserId {
        self.user
    }

    /// The requester's binding (the web layer's `otpkit_binding`), if any.
    pub fn binding(&self) -> Option<&[u8]> {
        self.binding
    }

    /// The owner's email address from the user directory, if known.
    pub fn user_email(&self) -> Option<&str> {
        self.user_email
    }

    /// Extra template context passed with a challenge.
    pub fn extra_context(&self) -> Option<&serde_json::Value> {
        self.extra
    }

    /// The email templates in force.
    pub fn templates(&self) -> &crate::mailer::EmailTemplates {
        self.templates
    }

    /// Seals `secret` to this device under the active key (§5.7).
    pub fn seal(&self, secret: &[u8]) -> Result<Sealed, KindError> {
        Ok(self.keys.seal(self.persistent_id, secret)?)
    }

    /// Opens a secret sealed to this device. Fails closed on any problem.
    pub fn open(&self, sealed: &Sealed) -> Result<SecretBytes, KindError> {
        Ok(self.keys.open(self.persistent_id, sealed)?)
    }

    /// Re-seals under the active key; `None` when it already is.
    pub fn reseal(&self, sealed: &Sealed) -> Result<Option<Sealed>, KindError> {
        Ok(self.keys.reseal(self.persistent_id, sealed)?)
    }

    /// The keyed hash of a normalised code for this device: HMAC-SHA-256 under the hashing
    /// key over (model label, persistent id, `parts`…).
    pub fn hash(&self, parts: &[&[u8]]) -> Result<KeyedHash, KindError> {
        let mut all: Vec<&[u8]> = vec![self.model_label.as_bytes(), self.persistent_id.as_bytes()];
        all.extend_from_slice(parts);
        Ok(self.keys.hash(&all)?)
    }

    /// Whether `hash` is the keyed hash of `parts` for this device (constant time).
    pub fn verify_hash(&self, parts: &[&[u8]], hash: &KeyedHash) -> Result<bool, KindError> {
        let mut all: Vec<&[u8]> = vec![self.model_label.as_bytes(), self.persistent_id.as_bytes()];
        all.extend_from_slice(parts);
        Ok(self.keys.verify_hash(&all, hash)?)
    }
}

/// Compares two byte strings in constant time (for their common length; lengths are not
/// secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The plugin trait: a kind's state and its token logic. See the module docs.
pub trait DeviceKind: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The unique `app.model` label, lower case (`[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*`).
    const MODEL_LABEL: &'static str;
    /// The human name of the kind (`TOTP device`); the default device name.
    const VERBOSE_NAME: &'static str;
    /// `is_interactive()`: true exactly for kinds that implement
    /// [`generate_challenge`](Self::generate_challenge).
    const INTERACTIVE: bool = false;
    /// The longest token, in bytes, the engine hands to [`verify`](Self::verify); a longer
    /// one is malformed without being copied. 64 fits every typed code; a kind whose token is
    /// a document (a passkey's assertion, JSON) raises it.
    const MAX_TOKEN_BYTES: usize = 64;
    /// Whether `match_token` tries this kind's devices with a code typed without choosing a
    /// device. `false` for kinds whose token is never typed (a passkey's assertion): a typed
    /// code would only count a failure against them.
    const MATCHABLE: bool = true;

    /// `get_throttle_factor()`: the base back-off in seconds; 0 disables the delay.
    fn throttle_factor(&self, settings: &Settings) -> u32 {
        let _ = settings;
        1
    }

    /// `get_cooldown_duration()`: seconds between challenges; 0 disables the cooldown.
    fn cooldown_duration(&self, settings: &Settings) -> u32 {
        let _ = settings;
        0
    }

    /// A kind's own refusal before any token is evaluated, with what the user is told; the
    /// engine answers it as [`VerifyNotAllowed::Kind`](crate::policy::VerifyNotAllowed::Kind).
    fn verify_is_allowed(&self, ctx: &Context<'_>) -> Result<(), KindRefusal> {
        let _ = ctx;
        Ok(())
    }

    /// Evaluates `token` (raw user input; the kind normalises it) in constant time and
    /// updates the kind's own state: consume on success, failure effects otherwise.
    fn verify(&mut self, token: &str, ctx: &mut Context<'_>) -> Result<Verdict, KindError>;

    /// Prepares and returns a challenge (interactive kinds). `Ok(None)`: not interactive.
    fn generate_challenge(
        &mut self,
        ctx: &mut Context<'_>,
    ) -> Result<Option<Challenge>, KindError> {
        let _ = ctx;
        Ok(None)
    }

    /// Undoes what the last `generate_challenge` stored, after its delivery failed (§2.9).
    fn challenge_failed(&mut self) {}

    /// The side-channel token store, for kinds built on [`SideChannel`].
    fn side_channel(&mut self) -> Option<&mut SideChannel> {
        None
    }

    /// Non-secret state for display (`device show`, the admin area).
    fn info(&self) -> serde_json::Value {
        serde_json::Value::Object(serde_json::Map::new())
    }

    /// Key ids of every sealed secret and keyed hash held (for `keys status`).
    fn key_ids(&self) -> KeyIds {
        KeyIds::default()
    }

    /// Re-seals sealed secrets under the active key; returns how many changed.
    fn reseal(&mut self, ctx: &Context<'_>) -> Result<usize, KindError> {
        let _ = ctx;
        Ok(0)
    }

    /// The otpauth provisioning data (TOTP, HOTP); `None` for other kinds.
    fn provisioning(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::otpauth::OtpAuth>, KindError> {
        let _ = ctx;
        Ok(None)
    }
}

/// A kind's behaviour with its state loaded, type-erased.
pub(crate) trait DynDevice: Send {
    fn throttle_factor(&self, settings: &Settings) -> u32;
    fn cooldown_duration(&self, settings: &Settings) -> u32;
    fn verify_is_allowed(&self, ctx: &Context<'_>) -> Result<(), KindRefusal>;
    fn verify(&mut self, token: &str, ctx: &mut Context<'_>) -> Result<Verdict, KindError>;
    fn generate_challenge(&mut self, ctx: &mut Context<'_>)
    -> Result<Option<Challenge>, KindError>;
    fn challenge_failed(&mut self);
    fn side_channel(&mut self) -> Option<&mut SideChannel>;
    fn info(&self) -> serde_json::Value;
    fn key_ids(&self) -> KeyIds;
    fn reseal(&mut self, ctx: &Context<'_>) -> Result<usize, KindError>;
    fn provisioning(&self, ctx: &Context<'_>)
    -> Result<Option<crate::otpauth::OtpAuth>, KindError>;
    fn save(&self) -> Result<String, KindError>;
}

impl<K: DeviceKind> DynDevice for K {
    fn throttle_factor(&self, s: &Settings) -> u32 {
        DeviceKind::throttle_factor(self, s)
    }
    fn cooldown_duration(&self, s: &Settings) -> u32 {
        DeviceKind::cooldown_duration(self, s)
    }
    fn verify_is_allowed(&self, ctx: &Context<'_>) -> Result<(), KindRefusal> {
        DeviceKind::verify_is_allowed(self, ctx)
    }
    fn verify(&mut self, token: &str, ctx: &mut Context<'_>) -> Result<Verdict, KindError> {
        DeviceKind::verify(self, token, ctx)
    }
    fn generate_challenge(
        &mut self,
        ctx: &mut Context<'_>,
    ) -> Result<Option<Challenge>, KindError> {
        DeviceKind::generate_challenge(self, ctx)
    }
    fn challenge_failed(&mut self) {
        DeviceKind::challenge_failed(self)
    }
    fn side_channel(&mut self) -> Option<&mut SideChannel> {
        DeviceKind::side_channel(self)
    }
    fn info(&self) -> serde_json::Value {
        DeviceKind::info(self)
    }
    fn key_ids(&self) -> KeyIds {
        DeviceKind::key_ids(self)
    }
    fn reseal(&mut self, ctx: &Context<'_>) -> Result<usize, KindError> {
        DeviceKind::reseal(self, ctx)
    }
    fn provisioning(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::otpauth::OtpAuth>, KindError> {
        DeviceKind::provisioning(self, ctx)
    }
    fn save(&self) -> Result<String, KindError> {
        serde_json::to_string(self).map_err(KindError::StateEncode)
    }
}

/// A registered kind, type-erased.
pub(crate) trait ErasedKind: Send + Sync {
    fn label(&self) -> &'static str;
    fn verbose_name(&self) -> &'static str;
    fn interactive(&self) -> bool;
    fn max_token_bytes(&self) -> usize;
    fn matchable(&self) -> bool;
    fn load(&self, state: &str) -> Result<Box<dyn DynDevice>, KindError>;
}

struct Entry<K>(PhantomData<fn() -> K>);

impl<K: DeviceKind> ErasedKind for Entry<K> {
    fn label(&self) -> &'static str {
        K::MODEL_LABEL
    }
    fn verbose_name(&self) -> &'static str {
        K::VERBOSE_NAME
    }
    fn interactive(&self) -> bool {
        K::INTERACTIVE
    }
    fn max_token_bytes(&self) -> usize {
        K::MAX_TOKEN_BYTES
    }
    fn matchable(&self) -> bool {
        K::MATCHABLE
    }
    fn load(&self, state: &str) -> Result<Box<dyn DynDevice>, KindError> {
        let k: K = serde_json::from_str(state).map_err(KindError::StateDecode)?;
        Ok(Box::new(k))
    }
}

/// A handle on one registered kind.
#[derive(Clone)]
pub struct KindHandle(pub(crate) Arc<dyn ErasedKind>);

impl KindHandle {
    /// The model label.
    pub fn model_label(&self) -> &'static str {
        self.0.label()
    }
    /// The verbose name.
    pub fn verbose_name(&self) -> &'static str {
        self.0.verbose_name()
    }
    /// `is_interactive()`.
    pub fn is_interactive(&self) -> bool {
        self.0.interactive()
    }
    /// [`DeviceKind::MAX_TOKEN_BYTES`].
    pub fn max_token_bytes(&self) -> usize {
        self.0.max_token_bytes()
    }
    /// [`DeviceKind::MATCHABLE`].
    pub fn is_matchable(&self) -> bool {
        self.0.matchable()
    }
}

impl fmt::Debug for KindHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.label())
    }
}

/// Why a kind could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The label does not match `[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*`.
    #[error("invalid model label {0:?}: expected app.model in lower case")]
    InvalidLabel(String),
    /// Another kind has this label.
    #[error("the model label {0:?} is registered twice")]
    Duplicate(String),
}

/// The registered kinds, in registration order (§1.2).
#[derive(Clone, Default)]
pub struct Registry {
    kinds: Vec<KindHandle>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.kinds).finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn empty() -> Self {
        Registry::default()
    }

    /// The built-in kinds enabled by `OTPKIT_DEVICE_KINDS`, in the order TOTP, HOTP, email,
    /// static.
    pub fn builtin(settings: &Settings) -> Self {
        let mut r = Registry::empty();
        use crate::settings::BuiltinKind;
        // The built-in labels are valid and distinct, so these cannot fail.
        if settings.kind_enabled(BuiltinKind::Totp) {
            let _ = r.register::<TotpDevice>();
        }
        if settings.kind_enabled(BuiltinKind::Hotp) {
            let _ = r.register::<HotpDevice>();
        }
        if settings.kind_enabled(BuiltinKind::Email) {
            let _ = r.register::<EmailDevice>();
        }
        if settings.kind_enabled(BuiltinKind::Static) {
            let _ = r.register::<StaticDevice>();
        }
        r
    }

    /// Registers kind `K` after the ones already registered.
    pub fn register<K: DeviceKind>(&mut self) -> Result<(), RegistryError> {
        let label = K::MODEL_LABEL;
        if !is_valid_label(label) {
            return Err(RegistryError::InvalidLabel(label.to_owned()));
        }
        if self.kinds.iter().any(|k| k.model_label() == label) {
            return Err(RegistryError::Duplicate(label.to_owned()));
        }
        self.kinds
            .push(KindHandle(Arc::new(Entry::<K>(PhantomData))));
        Ok(())
    }

    /// The kind registered under `label`, compared ASCII case-insensitively.
    pub fn get(&self, label: &str) -> Option<&KindHandle> {
        self.kinds
            .iter()
            .find(|k| k.model_label().eq_ignore_ascii_case(label))
    }

    /// The position of `label` in registration order.
    pub fn position(&self, label: &str) -> Option<usize> {
        self.kinds
            .iter()
            .position(|k| k.model_label().eq_ignore_ascii_case(label))
    }

    /// All kinds in registration order.
    pub fn kinds(&self) -> impl Iterator<Item = &KindHandle> {
        self.kinds.iter()
    }
}
