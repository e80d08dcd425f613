#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod encoding;
pub mod oath;
pub mod otpauth;
#[cfg(feature = "qr")]
#[cfg_attr(docsrs, doc(cfg(feature = "qr")))]
pub mod qr;
pub mod secret;
pub mod token;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use encoding::SecretError;
pub use oath::{Algorithm, Digits, OathError, OathKey, TotpMatch};
pub use otpauth::{OtpAuth, OtpAuthKind, UriError};
#[cfg(feature = "qr")]
pub use qr::QrError;
pub use secret::{SecretBytes, SecretString};
pub use token::Malformed;
