#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod encoding;
pub mod oath;
pub mod secret;
pub mod token;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use encoding::SecretError;
pub use oath::{Algorithm, Digits, OathError, OathKey, TotpMatch};
pub use secret::{SecretBytes, SecretString};
pub use token::Malformed;
