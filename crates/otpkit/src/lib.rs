#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod device;
pub mod seal;
pub mod secret;
pub mod settings;
pub mod store;
pub mod user;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use device::{DeviceId, DeviceRecord, PersistentId};
pub use seal::{KeyRing, KeyRingError, KeyedHash, SealError, Sealed};
pub use secret::{SecretBytes, SecretString};
pub use settings::{Settings, SettingsError, TextOrHook};
pub use store::{DeviceStore, MemoryStore};
pub use user::{NoDirectory, UserDirectory, UserId, UserInfo};
