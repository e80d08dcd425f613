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
pub mod user;

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
pub use user::{NoDirectory, UserDirectory, UserId, UserInfo};
