#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
#[cfg(feature = "conformance")]
#[cfg_attr(docsrs, doc(cfg(feature = "conformance")))]
pub mod conformance;
pub mod device;
pub mod encoding;
pub mod engine;
pub mod error;
pub mod events;
pub mod import;
pub mod kind;
pub mod mailer;
pub mod oath;
pub mod otpauth;
pub mod policy;
#[cfg(feature = "qr")]
#[cfg_attr(docsrs, doc(cfg(feature = "qr")))]
pub mod qr;
pub mod record;
pub mod seal;
pub mod secret;
pub mod send_limit;
pub mod session;
pub mod settings;
pub mod store;
pub mod token;
pub mod trust;
pub mod user;

/// The attribute that the async traits an application implements need: [`DeviceStore`],
/// [`TrustStore`], [`UserDirectory`], [`Mailer`](mailer::Mailer),
/// [`SendLimiter`](send_limit::SendLimiter) and [`OtpSession`](session::OtpSession). It is re-exported so that an implementation needs
/// no `async-trait` dependency of its own: write `#[otpkit::async_trait]` above the `impl`.
///
/// Why not native `async fn` in traits: otpkit holds these as trait objects
/// (`Arc<dyn DeviceStore>`, chosen at run time from the configuration), and a trait with a
/// native `async fn` is not dyn-compatible. `#[async_trait]` turns each `async fn` into a
/// method returning `Pin<Box<dyn Future + Send>>`, which is what rustdoc shows; an
/// implementation is still written with plain `async fn` (see each trait's example).
pub use async_trait::async_trait;
pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use device::{Device, DeviceId, DeviceRecord, PersistentId};
pub use encoding::SecretError;
pub use engine::{Engine, EngineBuilder, MatchOutcome, Rejection, VerifyOutcome};
pub use error::Error;
pub use kind::{DeviceKind, Registry};
pub use oath::{Algorithm, Digits, OathError, OathKey, OtpCode, TotpMatch};
pub use otpauth::{OtpAuth, OtpAuthKind, UriError};
#[cfg(feature = "qr")]
pub use qr::QrError;
pub use seal::{KeyRing, KeyRingError, KeyedHash, SealError, Sealed};
pub use secret::{SecretBytes, SecretString};
pub use settings::{Settings, SettingsError, TextOrHook};
pub use store::{DeviceStore, MemoryStore};
pub use token::Malformed;
pub use trust::{MemoryTrustStore, TrustStore};
pub use user::{NoDirectory, UserDirectory, UserId, UserInfo};
