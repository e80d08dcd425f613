//! The engine and the top-level API (docs/behaviour.md §2.2, §2.9, §3).
//!
//! [`Engine`] ties the registered kinds, the policies, the key ring, the clock and a
//! [`DeviceStore`] together. Every verification is one atomic transition: the engine hands
//! the store a closure that resolves the device *inside* the store's lock (the `for_verify`
//! lookup), applies the throttle, lets the kind evaluate the token, applies the outcome's
//! policy effects, and decides the write. The outcome is reported only after the store
//! committed; any storage or crypto error is an [`Error`] — never accepted, never "wrong
//! token", and nothing was written.
//!
//! One file per use case:
//!
//! | module | what |
//! |---|---|
//! | `attempt` | the pure decision of one attempt: mode, the device's and the account's throttle, the kind's verdict and its effects, `match_token`'s candidates; the events an attempt emits |
//! | `verify` | `verify_token`, `confirm_device`, `match_token` |
//! | `challenge`, `send` | `generate_challenge`: the reservation, the send limit, delivery and its compensation |
//! | `create`, `enrol` | new devices of every kind, backup codes, static tokens, provisioning URIs; one pending enrolment per user and kind |
//! | `admin` | the committing policy operations (throttle reset, unlock, cooldown, timestamps, tokens), rename, confirm, remove, prune |
//! | `keys` | key status and rotation |
//! | `login` | `login` and `logout_otp` on a session |
//! | `outcome` | what the operations answer and take ([`VerifyOutcome`], [`TotpOptions`], …); the [`Device`] they hand out lives in [`crate::device`] |
//!
//! ```
//! use otpkit::{Engine, MemoryStore, ManualClock, Timestamp, UserId};
//! use otpkit::engine::TotpOptions;
//! use otpkit::seal::KeyRing;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let clock = ManualClock::new(Timestamp::from_secs(1_000_000));
//! let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap())
//!     .clock(clock.clone())
//!     .build()
//!     .unwrap();
//! let alice = UserId::new("alice").unwrap();
//! let device = engine.create_totp(&alice, TotpOptions::default()).await.unwrap();
//! let code = engine.current_totp(&device.persistent_id()).await.unwrap();
//! let verified = engine.verify_token(Some(&alice), &device.persistent_id(), code.expose()).await.unwrap();
//! assert!(verified.is_some());
//! // The same code again is a replay: refused.
//! let again = engine.verify_token(Some(&alice), &device.persistent_id(), code.expose()).await.unwrap();
//! assert!(again.is_none());
//! # });
//! ```

use std::fmt;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock, Timestamp};
use crate::error::Error;
use crate::events::{Event, EventKind, NoNotifier, Notifier};
use crate::kind::{DeviceKind, KindError, KindHandle, Registry};
use crate::mailer::{EmailTemplates, Mailer, NoMailer};
use crate::oath::Algorithm;
use crate::record::{DeviceId, DeviceRecord, PersistentId};
use crate::seal::KeyRing;
use crate::secret::SecretBytes;
use crate::send_limit::{MemoryLimiter, SendLimiter};
use crate::settings::Settings;
use crate::store::{DeviceQuery, DeviceStore};
use crate::user::{NoDirectory, UserDirectory, UserId};

mod admin;
mod attempt;
mod challenge;
mod create;
mod enrol;
mod import;
mod keys;
mod login;
mod outcome;
mod send;
mod verify;

pub use crate::device::Device;
pub use crate::import::{ImportDevice, ImportKind, ImportRefusal, MAX_KEY_BYTES, MIN_KEY_BYTES};
pub use outcome::*;

type RegisterFn = Box<dyn FnOnce(&mut Registry) -> Result<(), crate::kind::RegistryError>>;

/// Builds an [`Engine`].
pub struct EngineBuilder {
    store: Arc<dyn DeviceStore>,
    keys: KeyRing,
    settings: Settings,
    registry: Option<Registry>,
    extra: Vec<RegisterFn>,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    mailer_configured: bool,
    users: Arc<dyn UserDirectory>,
    notifier: Arc<dyn Notifier>,
    limiter: Arc<dyn SendLimiter>,
}

impl fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineBuilder").finish_non_exhaustive()
    }
}

impl EngineBuilder {
    /// The settings (default: [`Settings::default`]).
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }
    /// The clock (default: [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }
    /// The mailer for email challenges (default: [`NoMailer`]).
    pub fn mailer(mut self, mailer: impl Mailer) -> Self {
        self.mailer = Arc::new(mailer);
        self.mailer_configured = true;
        self
    }
    /// The mailer, shared.
    pub fn mailer_arc(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self.mailer_configured = true;
        self
    }
    /// The user directory (default: [`NoDirectory`]).
    pub fn user_directory(mut self, users: impl UserDirectory) -> Self {
        self.users = Arc::new(users);
        self
    }
    /// The user directory, shared.
    pub fn user_directory_arc(mut self, users: Arc<dyn UserDirectory>) -> Self {
        self.users = users;
        self
    }
    /// The bound on code emails per user and per address (default: a [`MemoryLimiter`],
    /// which counts in this process only).
    pub fn send_limiter(mut self, limiter: impl SendLimiter) -> Self {
        self.limiter = Arc::new(limiter);
        self
    }
    /// The send limiter, shared.
    pub fn send_limiter_arc(mut self, limiter: Arc<dyn SendLimiter>) -> Self {
        self.limiter = limiter;
        self
    }
    /// The notification hook (default: none).
    pub fn notifier(mut self, notifier: impl Notifier) -> Self {
        self.notifier = Arc::new(notifier);
        self
    }
    /// Replaces the registry (default: the built-ins of `OTPKIT_DEVICE_KINDS`).
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }
    /// Registers a third-party kind after the built-ins.
    pub fn register<K: DeviceKind>(mut self) -> Self {
        self.extra.push(Box::new(|r| r.register::<K>()));
        self
    }
    /// Validates the settings, loads the email templates and builds the engine.
    pub fn build(self) -> Result<Engine, Error> {
        self.settings.validate()?;
        let templates = EmailTemplates::from_settings(&self.settings.email)?;
        let mut registry = self
            .registry
            .unwrap_or_else(|| Registry::builtin(&self.settings));
        for f in self.extra {
            f(&mut registry)?;
        }
        Ok(Engine {
            inner: Arc::new(Inner {
                store: self.store,
                registry,
                settings: self.settings,
                keys: self.keys,
                clock: self.clock,
                mailer: self.mailer,
                mailer_configured: self.mailer_configured,
                users: self.users,
                notifier: self.notifier,
                limiter: self.limiter,
                templates,
            }),
        })
    }
}

struct Inner {
    store: Arc<dyn DeviceStore>,
    registry: Registry,
    settings: Settings,
    keys: KeyRing,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    /// Whether the builder was given a mailer ([`Engine::sends_email`]).
    mailer_configured: bool,
    users: Arc<dyn UserDirectory>,
    notifier: Arc<dyn Notifier>,
    limiter: Arc<dyn SendLimiter>,
    templates: EmailTemplates,
}

/// The otpkit engine. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("registry", &self.inner.registry)
            .field("keys", &self.inner.keys)
            .finish_non_exhaustive()
    }
}

fn option_err(name: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidOption {
        name,
        reason: reason.into(),
    }
}

impl Engine {
    /// Starts building an engine on `store` with the key ring `keys`.
    pub fn builder(store: impl DeviceStore, keys: KeyRing) -> EngineBuilder {
        Self::builder_arc(Arc::new(store), keys)
    }

    /// [`Engine::builder`] with a shared store.
    pub fn builder_arc(store: Arc<dyn DeviceStore>, keys: KeyRing) -> EngineBuilder {
        EngineBuilder {
            store,
            keys,
            settings: Settings::default(),
            registry: None,
            extra: Vec::new(),
            clock: Arc::new(SystemClock),
            mailer: Arc::new(NoMailer),
            mailer_configured: false,
            users: Arc::new(NoDirectory),
            notifier: Arc::new(NoNotifier),
            limiter: Arc::new(MemoryLimiter::new()),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }
    /// The registered kinds.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }
    /// The store.
    pub fn store(&self) -> &Arc<dyn DeviceStore> {
        &self.inner.store
    }
    /// The key ring.
    pub fn keys(&self) -> &KeyRing {
        &self.inner.keys
    }
    /// The user directory.
    pub fn users(&self) -> &Arc<dyn UserDirectory> {
        &self.inner.users
    }
    /// `now` from the injected clock.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// `devices_for_user(user, confirmed)` (§3): every registered kind's devices in
    /// registration order, then ascending id. Anonymous → empty.
    pub async fn devices_for_user(
        &self,
        user: Option<&UserId>,
        confirmed: Option<bool>,
    ) -> Result<Vec<Device>, Error> {
        let Some(user) = user else {
            return Ok(Vec::new());
        };
        let mut recs = self.inner.store.list_for_user(user).await?;
        recs.retain(|r| confirmed.is_none_or(|c| r.confirmed == c));
        let mut out: Vec<(usize, Device)> = recs
            .into_iter()
            .filter_map(|r| {
                let pos = self.inner.registry.position(&r.model_label)?;
                Some((pos, self.inner.device(r)?))
            })
            .collect();
        out.sort_by_key(|(pos, d)| (*pos, d.id()));
        Ok(out.into_iter().map(|(_, d)| d).collect())
    }

    /// `user_has_device(user, confirmed)` (§3).
    pub async fn user_has_device(
        &self,
        user: Option<&UserId>,
        confirmed: Option<bool>,
    ) -> Result<bool, Error> {
        Ok(!self.devices_for_user(user, confirmed).await?.is_empty())
    }

    /// `from_persistent_id(pid)` (§1.6): the device, or `None` under every failure.
    pub async fn from_persistent_id(&self, pid: &str) -> Result<Option<Device>, Error> {
        let Some(p) = PersistentId::parse(pid) else {
            return Ok(None);
        };
        let Some(kind) = self.inner.registry.get(p.model_label()) else {
            return Ok(None);
        };
        let Some(rec) = self.find(&p).await? else {
            return Ok(None);
        };
        if rec.model_label != kind.model_label() {
            return Ok(None);
        }
        Ok(self.inner.device(rec))
    }

    /// The stored device `p` names (§1.6): a device created here has `p`'s number as its
    /// id; an imported one keeps it as its imported id (read only when the first read found
    /// no such device).
    pub(super) async fn find(&self, p: &PersistentId) -> Result<Option<DeviceRecord>, Error> {
        if let Some(rec) = self.inner.store.get(p.id()).await?
            && names(p, &rec)
        {
            return Ok(Some(rec));
        }
        Ok(self
            .inner
            .store
            .get_imported(p.model_label(), p.id())
            .await?)
    }

    /// The store id of the device `p` names ([`Engine::find`]).
    pub(super) async fn locate(&self, p: &PersistentId) -> Result<Option<DeviceId>, Error> {
        Ok(self.find(p).await?.map(|r| r.id))
    }

    /// The kind-specific `from_persistent_id`: `None` for another kind's label.
    pub async fn from_persistent_id_of<K: DeviceKind>(
        &self,
        pid: &str,
    ) -> Result<Option<Device>, Error> {
        Ok(self
            .from_persistent_id(pid)
            .await?
            .filter(|d| d.model_label() == K::MODEL_LABEL))
    }

    /// `DeviceManager.devices_for_user(user, confirmed)` for one kind (§2.7): that kind's
    /// devices of `user`, ascending id; `None` = all.
    pub async fn devices_of_kind<K: DeviceKind>(
        &self,
        user: &UserId,
        confirmed: Option<bool>,
    ) -> Result<Vec<Device>, Error> {
        Ok(self
            .devices_for_user(Some(user), confirmed)
            .await?
            .into_iter()
            .filter(|d| d.model_label() == K::MODEL_LABEL)
            .collect())
    }

    /// Devices matching an administrative query (only registered kinds).
    pub async fn list_devices(&self, query: &DeviceQuery) -> Result<Vec<Device>, Error> {
        Ok(self
            .inner
            .store
            .list(query)
            .await?
            .into_iter()
            .filter_map(|r| self.inner.device(r))
            .collect())
    }

    fn resolve(&self, pid: &str) -> Option<(PersistentId, KindHandle)> {
        let p = PersistentId::parse(pid)?;
        let kind = self.inner.registry.get(p.model_label())?.clone();
        Some((p, kind))
    }
}

/// Whether `rec` is the device `p` names: its label and its persistent id's number.
pub(super) fn names(p: &PersistentId, rec: &DeviceRecord) -> bool {
    rec.model_label == p.model_label() && rec.pid_number() == p.id()
}

fn key_or_random(key: Option<SecretBytes>, alg: Algorithm) -> Result<SecretBytes, Error> {
    match key {
        Some(k) => {
            crate::encoding::check_key_len(k.len())?;
            Ok(k)
        }
        None => SecretBytes::random(alg.default_key_len()).map_err(|_| KindError::Random.into()),
    }
}
