#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod seal;
pub mod secret;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use seal::{KeyRing, KeyRingError, KeyedHash, SealError, Sealed};
pub use secret::{SecretBytes, SecretString};
