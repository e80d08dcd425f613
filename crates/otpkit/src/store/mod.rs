//! Storage: the [`DeviceStore`] trait every backend implements, [`MemoryStore`], and the
//! typed transitions of [`DeviceStoreExt`].
//!
//! A store persists [`DeviceRecord`]s exactly and runs **atomic transitions**: the engine
//! hands it a [`Mutation`], a closure that decides a device's new state from its current
//! state and returns a [`Decision`]: the [`Write`] to make and a value for its caller. The
//! store runs it while holding that device's lock (a row lock, `BEGIN IMMEDIATE`, or a
//! mutex), writes what it decided in the same unit, and only after the commit returns the
//! value with the record as committed, a [`Committed`] (docs/behaviour.md §2.9).
//!
//! The contract a caller relies on:
//!
//! - **Retries run the closure again.** The closure is pure apart from the CSPRNG, so a
//!   store MAY run it again after a serialisation failure (at most 3 retries, REQ-14 F4).
//! - **Only the committed run's value is returned.** A run that was rolled back leaves
//!   nothing behind, its value included: a closure reports through its return value, never
//!   through a variable it captured.
//! - **Versions are the store's.** [`Write::Update`] raises `version` by one; the closure
//!   never sets it, and a caller that needs the new version reads it from the committed
//!   record.
//!
//! Callers use the typed form, [`DeviceStoreExt::transition`] and
//! [`DeviceStoreExt::transition_user`]: the closure returns `(Write, value)` and gets the
//! value back as its own type. [`DeviceStore`] itself carries it as a [`Value`], so that
//! the engine can hold any store as `Arc<dyn DeviceStore>`.
//!
//! # Implementing a store
//!
//! Every method maps its backend's failures into the small [`StoreError`]. A transition
//! keeps the record as it read it, runs the mutation on a copy, writes what the decision
//! says, and answers with [`Committed::new`] (or [`UserCommitted::new`]), which gives the
//! record the version the store wrote. The generic conformance suite (`conformance`
//! feature, `store_conformance_tests!`) checks a backend against the same cases as
//! [`MemoryStore`].
//!
//! A complete store, one mutex over a map, used by an engine:
//!
//! ```
//! use std::collections::BTreeMap;
//! use std::sync::{Mutex, MutexGuard};
//!
//! use otpkit::device::{DeviceId, DeviceRecord, NewDevice, ThrottleState};
//! use otpkit::engine::TotpOptions;
//! use otpkit::store::{
//!     Committed, DeviceQuery, DeviceStore, DeviceStoreExt, InitState, Mutation, StoreError,
//!     UserCommitted, UserMutation, Write,
//! };
//! use otpkit::{Engine, KeyRing, UserId};
//!
//! /// Every operation holds the one lock: that is all the atomicity the trait asks for.
//! #[derive(Default)]
//! struct TinyStore(Mutex<Rows>);
//!
//! #[derive(Default)]
//! struct Rows {
//!     last_id: DeviceId,
//!     devices: BTreeMap<DeviceId, DeviceRecord>,
//! }
//!
//! impl TinyStore {
//!     fn rows(&self) -> Result<MutexGuard<'_, Rows>, StoreError> {
//!         self.0.lock().map_err(|_| StoreError::backend(std::io::Error::other("poisoned")))
//!     }
//! }
//!
//! impl Rows {
//!     /// Stores what a transition committed.
//!     fn apply(&mut self, rec: &DeviceRecord, write: Write) {
//!         match write {
//!             Write::None => {}
//!             Write::Update => {
//!                 self.devices.insert(rec.id, rec.clone());
//!             }
//!             Write::Delete => {
//!                 self.devices.remove(&rec.id);
//!             }
//!         }
//!     }
//! }
//!
//! #[otpkit::async_trait]
//! impl DeviceStore for TinyStore {
//!     async fn insert(&self, new: NewDevice, init: InitState) -> Result<DeviceRecord, StoreError> {
//!         let mut rows = self.rows()?;
//!         let id = rows.last_id + 1;
//!         let state = init(id).map_err(StoreError::Init)?;
//!         rows.last_id = id;
//!         let rec = DeviceRecord {
//!             id,
//!             user: new.user,
//!             model_label: new.model_label,
//!             name: new.name,
//!             confirmed: new.confirmed,
//!             created_at: new.created_at,
//!             last_used_at: None,
//!             throttle: ThrottleState::default(),
//!             last_generated_at: None,
//!             state,
//!             version: 0,
//!             imported_id: None,
//!         };
//!         rows.devices.insert(id, rec.clone());
//!         Ok(rec)
//!     }
//!
//!     async fn get(&self, id: DeviceId) -> Result<Option<DeviceRecord>, StoreError> {
//!         Ok(self.rows()?.devices.get(&id).cloned())
//!     }
//!
//!     async fn list_for_user(&self, user: &UserId) -> Result<Vec<DeviceRecord>, StoreError> {
//!         let rows = self.rows()?;
//!         Ok(rows.devices.values().filter(|r| &r.user == user).cloned().collect())
//!     }
//!
//!     async fn list(&self, query: &DeviceQuery) -> Result<Vec<DeviceRecord>, StoreError> {
//!         let rows = self.rows()?;
//!         let found = rows.devices.values().filter(|r| query.matches(r)).cloned();
//!         Ok(found.take(query.limit.map_or(usize::MAX, |n| n as usize)).collect())
//!     }
//!
//!     async fn update(
//!         &self,
//!         id: DeviceId,
//!         mut mutation: Mutation,
//!     ) -> Result<Option<Committed>, StoreError> {
//!         let mut rows = self.rows()?;
//!         let Some(read) = rows.devices.get(&id).cloned() else {
//!             return Ok(None); // the mutation is not called
//!         };
//!         let mut rec = read.clone();
//!         let decision = mutation(&mut rec);
//!         let done = Committed::new(decision, read, rec); // sets the new version
//!         rows.apply(&done.record, done.write);
//!         Ok(Some(done))
//!     }
//!
//!     async fn update_user(
//!         &self,
//!         user: &UserId,
//!         mut mutation: UserMutation,
//!     ) -> Result<UserCommitted, StoreError> {
//!         let mut rows = self.rows()?;
//!         let read: Vec<DeviceRecord> =
//!             rows.devices.values().filter(|r| &r.user == user).cloned().collect();
//!         let mut recs = read.clone();
//!         let mut writes = vec![Write::None; recs.len()];
//!         let value = mutation(&mut recs, &mut writes);
//!         let done = UserCommitted::new(value, read, recs, writes);
//!         for (rec, write) in &done.records {
//!             rows.apply(rec, *write);
//!         }
//!         Ok(done)
//!     }
//!
//!     async fn delete_for_user(&self, user: &UserId) -> Result<u64, StoreError> {
//!         let mut rows = self.rows()?;
//!         let before = rows.devices.len();
//!         rows.devices.retain(|_, r| &r.user != user);
//!         Ok((before - rows.devices.len()) as u64)
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let engine = Engine::builder(TinyStore::default(), KeyRing::random("k1").unwrap())
//!     .build()
//!     .unwrap();
//! let alice = UserId::new("alice").unwrap();
//! let device = engine.create_totp(&alice, TotpOptions::default()).await.unwrap();
//! let pid = device.persistent_id();
//! let code = engine.current_totp(&pid).await.unwrap();
//! assert!(engine.verify_token(Some(&alice), &pid, code.expose()).await.unwrap().is_some());
//!
//! // A typed transition on the same store: the closure's value comes back with the record
//! // as committed, one version up.
//! let before = engine.from_persistent_id(&pid).await.unwrap().unwrap().record().version;
//! let done = engine
//!     .store()
//!     .transition(device.id(), |r| {
//!         r.name = "Work phone".into();
//!         (Write::Update, r.last_used_at.is_some())
//!     })
//!     .await
//!     .unwrap()
//!     .expect("the device exists");
//! assert!(done.value, "the verification was recorded");
//! assert_eq!(done.record.version, before + 1);
//! assert_eq!(engine.store().get(device.id()).await.unwrap(), Some(done.record));
//! # });
//! ```

use std::error::Error as StdError;

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::record::{DeviceId, DeviceRecord, NewDevice};
use crate::user::UserId;

mod import;
mod memory;
mod transition;
pub use import::{ImportedDevice, check_import};
pub use memory::MemoryStore;
pub use transition::{
    Committed, ContractViolation, Decision, DeviceStoreExt, UserCommitted, Value,
};

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

/// A decision on one device, run under its lock: it changes the record and returns what to
/// write and the value its caller gets back. See the module docs.
pub type Mutation = Box<dyn FnMut(&mut DeviceRecord) -> Decision + Send>;

/// A decision on all devices of one user (ascending id), run under all their locks.
/// The closure fills `writes` (one entry per record, initially [`Write::None`]) and returns
/// the value its caller gets back.
pub type UserMutation = Box<dyn FnMut(&mut [DeviceRecord], &mut [Write]) -> Value + Send>;

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
/// turns any of them into a fail-closed error (docs/behaviour.md §2.9).
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
    /// The store broke the transition contract (a bug in the backend, not in the data).
    #[error("the store broke the transition contract: {0}")]
    Contract(#[source] ContractViolation),
    /// An import names a persistent id that a stored device already has (imported before,
    /// or created here with that id); nothing of the import was stored.
    #[error("the persistent id {persistent_id} is already taken")]
    IdTaken {
        /// The persistent id that is taken.
        persistent_id: String,
    },
    /// An import was refused before anything was stored (see [`check_import`]).
    #[error("invalid import: {0}")]
    InvalidImport(String),
    /// This store does not implement the operation.
    #[error("this store does not support {0}")]
    Unsupported(&'static str),
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
///   mutation decided and raises `version` by one per written record; it returns the
///   mutation's value and the record as committed ([`Committed::new`]), or `Ok(None)`
///   without calling the mutation when the device does not exist.
/// - `update_user` does the same for all devices of one user at once (locks taken in
///   ascending id order) and returns every record it saw ([`UserCommitted::new`]).
/// - A transition that is run again (after a serialisation failure) returns the value of
///   the run that committed, never one of an earlier run.
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

    /// Runs `mutation` on device `id` atomically and returns its value with the record as
    /// committed; `Ok(None)` if there is no such device. [`DeviceStoreExt::transition`] is
    /// the typed form callers use.
    async fn update(
        &self,
        id: DeviceId,
        mutation: Mutation,
    ) -> Result<Option<Committed>, StoreError>;

    /// Runs `mutation` on all devices of `user` atomically (it is called with an empty slice
    /// when the user has none) and returns its value with every record as committed.
    /// [`DeviceStoreExt::transition_user`] is the typed form callers use.
    async fn update_user(
        &self,
        user: &UserId,
        mutation: UserMutation,
    ) -> Result<UserCommitted, StoreError>;

    /// Deletes every device of `user`; returns how many.
    async fn delete_for_user(&self, user: &UserId) -> Result<u64, StoreError>;

    /// The device imported as `model_label` number `imported_id` (its persistent id is
    /// `"{model_label}/{imported_id}"`), if any. Stores without [`import`](Self::import)
    /// hold no imported devices: the default answers `None`.
    async fn get_imported(
        &self,
        model_label: &str,
        imported_id: DeviceId,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        let _ = (model_label, imported_id);
        Ok(None)
    }

    /// Stores all of `user`'s imported devices at once, or none of them: each gets a new id
    /// and keeps its imported id, so its persistent id is the one it had before. Contract:
    ///
    /// - `devices` passed [`check_import`] (the store calls it first);
    /// - a persistent id already taken — by an imported device, or by a device created here
    ///   whose id is that number and whose label is that label — fails the whole call with
    ///   [`StoreError::IdTaken`], nothing stored;
    /// - afterwards every device created by [`insert`](Self::insert) gets an id above every
    ///   imported id, so that new devices never take an imported persistent id.
    ///
    /// Returns the stored records in the order given, `version = 0`. The default refuses
    /// with [`StoreError::Unsupported`].
    async fn import(
        &self,
        user: &UserId,
        devices: Vec<ImportedDevice>,
    ) -> Result<Vec<DeviceRecord>, StoreError> {
        let _ = (user, devices);
        Err(StoreError::Unsupported("importing devices"))
    }
}
