#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod seal;
pub mod secret;
pub mod settings;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use seal::{KeyRing, KeyRingError, KeyedHash, SealError, Sealed};
pub use secret::{SecretBytes, SecretString};
pub use settings::{Settings, SettingsError, TextOrHook};
