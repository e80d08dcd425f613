//! Storage: the [`DeviceStore`] trait every backend implements, and [`MemoryStore`].
//!
//! A store persists [`DeviceRecord`]s exactly and runs **atomic transitions**: the engine
//! hands it a [`Mutation`], a closure that decides a device's new state from its current
//! state; the store runs it while holding that device's lock (a row lock, `BEGIN
//! IMMEDIATE`, or a mutex) and writes what it decided in the same unit, then reports success
//! only after the commit (SPEC §2.9). The closure is pure apart from the CSPRNG, so a store
//! MAY run it again after a serialisation failure (at most 3 retries, REQ-14 F4); the engine
//! only trusts what the closure left behind once `update` returned `Ok`.
//!
//! # Implementing a store
//!
//! Every method maps its backend's failures into the small [`StoreError`]. The generic
//! conformance suite (`conformance` feature, `store_conformance_tests!`) checks a
//! backend against the same cases as [`MemoryStore`].
//!
//! ```
//! use otpkit::store::{DeviceStore, MemoryStore, Write};
//! use otpkit::device::NewDevice;
//! use otpkit::{Timestamp, UserId};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = MemoryStore::new();
//! let rec = store.insert(
//!     NewDevice {
//!         user: UserId::new("alice").unwrap(),
//!         model_label: "myapp.customdevice".into(),
//!         name: "Custom".into(),
//!         confirmed: true,
//!         created_at: Timestamp::from_secs(0),
//!     },
//!     Box::new(|_id| Ok("{}".to_owned())),
//! ).await.unwrap();
//! let found = store.update(rec.id, Box::new(|r| { r.name = "Renamed".into(); Write::Update })).await.unwrap();
//! assert!(found);
//! assert_eq!(store.get(rec.id).await.unwrap().unwrap().name, "Renamed");
//! # });
//! ```

use std::error::Error as StdError;
use std::fmt;

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::device::{DeviceId, DeviceRecord, NewDevice};
use crate::user::UserId;

mod memory;
pub use memory::MemoryStore;

#[cfg(feature = "conformance")]
pub mod conformance;

/// What a mutation decided for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Leave the record as it was; nothing is written.
    None,
    /// Write the (changed) record; the store raises `version` by one.
    Update,
    /// Delete the record.
    Delete,
}

/// A decision on one device, run under its lock. See the module docs.
pub type Mutation = Box<dyn FnMut(&mut DeviceRecord) -> Write + Send>;

/// A decision on all devices of one user (ascending id), run under all their locks.
/// The closure fills `writes` (one entry per record, initially [`Write::None`]).
pub type UserMutation = Box<dyn FnMut(&mut [DeviceRecord], &mut [Write]) + Send>;

/// Builds the kind state of a device being inserted, given its new id (so that secrets can
/// be sealed to the persistent id). An error rolls the insert back.
pub type InitState = Box<dyn FnOnce(DeviceId) -> Result<String, InitError> + Send>;

/// Why an [`InitState`] refused; carried through [`StoreError::Init`].
pub type InitError = Box<dyn StdError + Send + Sync>;

/// A listing filter for administration (CLI, admin area, key rotation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceQuery {
    /// Only this user's devices.
    pub user: Option<UserId>,
    /// Only devices whose user id contains this text (ASCII case-insensitive).
    pub user_contains: Option<String>,
    /// Only this kind.
    pub model_label: Option<String>,
    /// Only confirmed (`Some(true)`) or unconfirmed (`Some(false)`) devices.
    pub confirmed: Option<bool>,
    /// Only devices created strictly before this instant.
    pub created_before: Option<Timestamp>,
    /// Keyset pagination: only ids greater than this.
    pub after_id: Option<DeviceId>,
    /// At most this many rows (ascending id).
    pub limit: Option<u32>,
}

impl DeviceQuery {
    /// Whether `r` passes every filter except `limit`. Backends that filter in memory use it;
    /// SQL backends translate the same rules.
    pub fn matches(&self, r: &DeviceRecord) -> bool {
        self.user.as_ref().is_none_or(|u| &r.user == u)
            && self.user_contains.as_ref().is_none_or(|s| {
                r.user
                    .as_str()
                    .to_ascii_lowercase()
                    .contains(&s.to_ascii_lowercase())
            })
            && self
                .model_label
                .as_ref()
                .is_none_or(|l| &r.model_label == l)
            && self.confirmed.is_none_or(|c| r.confirmed == c)
            && self.created_before.is_none_or(|t| r.created_at < t)
            && self.after_id.is_none_or(|a| r.id > a)
    }
}

/// The few ways a store can fail. Every backend maps its errors into these; the engine
/// turns any of them into a fail-closed error (SPEC §2.9).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed (connection lost, I/O, constraint, commit failure).
    #[error("storage backend error: {0}")]
    Backend(#[source] Box<dyn StdError + Send + Sync>),
    /// Lock timeouts or serialisation failures persisted through the retries.
    #[error("the device stayed locked or in conflict after {retries} retries")]
    Conflict {
        /// How many times the transition was retried.
        retries: u32,
    },
    /// A stored row could not be decoded.
    #[error("a stored device row is corrupt: {0}")]
    Corrupt(String),
    /// The insert's [`InitState`] refused; nothing was stored.
    #[error("the new device's state could not be built: {0}")]
    Init(#[source] InitError),
    /// The schema is missing or older than this version of otpkit: run `otpkit migrate`.
    #[error("the database schema is missing or outdated: run `otpkit migrate`")]
    Schema,
}

impl StoreError {
    /// Wraps a backend error.
    pub fn backend(e: impl StdError + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

/// A backend that persists devices and runs atomic transitions on them.
///
/// Contract (checked by the conformance suite):
/// - `insert` assigns a new positive id, calls `init` with it inside the same unit, and
///   stores the record with `version = 0`.
/// - `update` runs the mutation serialised against every other `update`/`update_user` that
///   touches the same device, in every process sharing the database; it writes what the
///   mutation decided and raises `version` by one per written record; it returns `Ok(false)`
///   without calling the mutation when the device does not exist.
/// - `update_user` does the same for all devices of one user at once (locks taken in
///   ascending id order).
/// - Nothing is reported before it committed; an error means nothing was written.
#[async_trait]
pub trait DeviceStore: Send + Sync + 'static {
    /// Inserts a device; see the trait docs.
    async fn insert(&self, new: NewDevice, init: InitState) -> Result<DeviceRecord, StoreError>;

    /// One device by id.
    async fn get(&self, id: DeviceId) -> Result<Option<DeviceRecord>, StoreError>;

    /// All devices of `user`, ascending id.
    async fn list_for_user(&self, user: &UserId) -> Result<Vec<DeviceRecord>, StoreError>;

    /// Devices matching `query`, ascending id, at most `query.limit`.
    async fn list(&self, query: &DeviceQuery) -> Result<Vec<DeviceRecord>, StoreError>;

    /// Runs `mutation` on device `id` atomically; `Ok(false)` if there is no such device.
    async fn update(&self, id: DeviceId, mutation: Mutation) -> Result<bool, StoreError>;

    /// Runs `mutation` on all devices of `user` atomically (it is called with an empty slice
    /// when the user has none).
    async fn update_user(&self, user: &UserId, mutation: UserMutation) -> Result<(), StoreError>;

    /// Deletes every device of `user`; returns how many.
    async fn delete_for_user(&self, user: &UserId) -> Result<u64, StoreError>;
}

/// Runs `f` with a result slot: the helper the engine uses to get a value out of a
/// [`Mutation`] once the store has committed.
pub(crate) struct Slot<T>(std::sync::Arc<std::sync::Mutex<Option<T>>>);

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Slot(self.0.clone())
    }
}

impl<T> Slot<T> {
    pub(crate) fn new() -> Self {
        Slot(std::sync::Arc::new(std::sync::Mutex::new(None)))
    }

    pub(crate) fn put(&self, v: T) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(v);
        }
    }

    pub(crate) fn take(&self) -> Option<T> {
        self.0.lock().ok().and_then(|mut g| g.take())
    }
}

impl<T> fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Slot")
    }
}
