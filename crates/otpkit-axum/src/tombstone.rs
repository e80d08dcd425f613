//! Session tombstones: a session id deleted by logout or replaced by an id rotation never
//! loads again, whatever the session store (docs/behaviour.md §7.5, REQ-13).
//!
//! ## The race it closes
//!
//! tower-sessions loads a session lazily and, when the request changed anything, writes it
//! back by id at the end of the request ([`SessionStore::save`], an upsert in every store).
//! A request that loaded the session *before* another request's `Session::flush` (logout) or
//! `Session::cycle_id` (login) deleted it, and that changed anything, therefore re-creates the
//! deleted record: the logout is undone, or a pending login survives under its pre-OTP id
//! and can be completed a second time.
//!
//! ## The design
//!
//! [`TombstoneStore`] wraps any [`SessionStore`] (memory, SQL, Redis; one or many nodes
//! sharing it) and needs no compare-and-set from it:
//!
//! * **delete(id)** first writes a *tombstone* — a record holding only the marker key
//!   [`TOMBSTONE_KEY`] — under the derived id [`tombstone_id`]`(id)`, then deletes the
//!   record. A stale save from another request only ever writes `id` itself, never the
//!   derived id, so nothing can overwrite the tombstone. A failure to write the tombstone
//!   fails the delete (fail closed).
//! * **load(id)** answers `None` when the record is a tombstone (a cookie naming a derived id
//!   loads nothing) or when the tombstone of `id` exists; in that case the re-created record
//!   is deleted too.
//! * **save(record)** silently skips the write when the tombstone of its id exists: the
//!   request in flight still answers normally, its write is just dropped. A save that checked
//!   just before the tombstone landed may still write; the next load sees the tombstone and
//!   deletes that record, so it never loads.
//! * **create** passes through, and never hands out an id that is tombstoned (re-rolled; the
//!   chance is 2⁻¹²⁸ per session).
//!
//! Put it outermost, around a `CachingSessionStore` too: each node's cache then sees the
//! tombstone in the shared backend. The inner store must read its own writes (every store
//! of tower-sessions does; a Redis replica read would not).
//!
//! The price: a save and a create read one record more, a load that finds a session reads
//! one more, a delete reads and writes one more.
//!
//! ## How long a tombstone lives
//!
//! Until the deleted record could have expired: [`DEFAULT_LIFETIME`] is tower-sessions'
//! longest default record lifetime (two weeks, for `Expiry::OnSessionEnd` or no expiry) plus
//! one day for requests in flight. [`TombstoneStore::with_lifetime`] changes it; it **must be
//! at least the longest session lifetime the application configures** (`with_expiry`),
//! otherwise a re-created record could outlive its tombstone. Tombstones are ordinary records
//! with that expiry date, so the inner store expires and deletes them like any session.
//!
//! ## Example
//!
//! ```
//! use otpkit_axum::TombstoneStore;
//! use tower_sessions::{MemoryStore, SessionManagerLayer};
//!
//! let layer = SessionManagerLayer::new(TombstoneStore::new(MemoryStore::default()));
//! # let _ = layer;
//! ```
//!
//! [`session_layer`] does the same with otpkit's cookie defaults. Any inner store works,
//! here a tiny one in the style of tower-sessions' own documentation:
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::Arc;
//!
//! use otpkit_axum::async_trait; // the same attribute, for tower-sessions' trait too
//! use tokio::sync::Mutex;
//! use tower_sessions::session::{Id, Record};
//! use tower_sessions::{SessionStore, session_store};
//!
//! #[derive(Clone, Debug, Default)]
//! struct MyStore(Arc<Mutex<HashMap<Id, Record>>>);
//!
//! #[async_trait]
//! impl SessionStore for MyStore {
//!     async fn create(&self, record: &mut Record) -> session_store::Result<()> {
//!         let mut map = self.0.lock().await;
//!         while map.contains_key(&record.id) {
//!             record.id = Id::default(); // collision: roll again
//!         }
//!         map.insert(record.id, record.clone());
//!         Ok(())
//!     }
//!     async fn save(&self, record: &Record) -> session_store::Result<()> {
//!         self.0.lock().await.insert(record.id, record.clone());
//!         Ok(())
//!     }
//!     async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
//!         Ok(self.0.lock().await.get(id).cloned())
//!     }
//!     async fn delete(&self, id: &Id) -> session_store::Result<()> {
//!         self.0.lock().await.remove(id);
//!         Ok(())
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = otpkit_axum::TombstoneStore::new(MyStore::default());
//! let mut record = Record {
//!     id: Id::default(),
//!     data: HashMap::from([("user".to_owned(), serde_json::json!("alice"))]),
//!     expiry_date: time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(30_000),
//! };
//! store.create(&mut record).await?;
//! let stale = record.clone(); // another request loaded it …
//! store.delete(&record.id).await?; // … then the owner logged out …
//! store.save(&stale).await?; // … then that request ended and saved
//! assert!(store.load(&record.id).await?.is_none());
//! # Ok::<(), session_store::Error>(())
//! # }).unwrap();
//! ```

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use otpkit::{Clock, SystemClock};
use otpkit_sessions::ResurrectionSafe;
use time::{Duration, OffsetDateTime};
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::{SessionManagerLayer, SessionStore, session_store};

/// The record key that marks a tombstone. Reserved: applications must not use it.
pub const TOMBSTONE_KEY: &str = "__otpkit_tombstone";

/// How long a tombstone lives by default: tower-sessions' default record lifetime (two
/// weeks) plus one day for requests in flight.
pub const DEFAULT_LIFETIME: Duration = Duration::days(15);

/// Mixed into an id to derive the id its tombstone is stored under.
const TOMBSTONE_MASK: i128 = 0x6f74_706b_6974_2d74_6f6d_6273_746f_6e65; // "otpkit-tombstone"

/// How often [`SessionStore::create`] rolls a fresh id before giving up.
const CREATE_ATTEMPTS: usize = 8;

/// The id the tombstone of `id` is stored under.
///
/// A deterministic derivation (`id` XOR a constant), so every node finds the same tombstone
/// without coordination, and distinct from `id` itself, so a stale write of `id` never
/// touches it.
///
/// ```
/// use otpkit_axum::tombstone::tombstone_id;
/// use tower_sessions::session::Id;
///
/// let id = Id(42);
/// assert_ne!(tombstone_id(&id), id);
/// assert_eq!(tombstone_id(&id), tombstone_id(&Id(42)));
/// ```
pub fn tombstone_id(id: &Id) -> Id {
    Id(id.0 ^ TOMBSTONE_MASK)
}

/// A [`SessionStore`] wrapper under which a deleted or cycled session id never loads again
/// (see the [module documentation](self)).
///
/// `Debug` shows neither the inner store nor any session data.
pub struct TombstoneStore<S> {
    inner: S,
    lifetime: Duration,
    clock: Arc<dyn Clock>,
}

impl<S: SessionStore> TombstoneStore<S> {
    /// Wraps `inner`, with tombstones living [`DEFAULT_LIFETIME`] on the system clock.
    pub fn new(inner: S) -> Self {
        TombstoneStore {
            inner,
            lifetime: DEFAULT_LIFETIME,
            clock: Arc::new(SystemClock),
        }
    }

    /// How long a tombstone lives. It must be at least the longest session lifetime the
    /// application configures (`SessionManagerLayer::with_expiry`), plus the longest request.
    ///
    /// ```
    /// use otpkit_axum::TombstoneStore;
    /// use tower_sessions::MemoryStore;
    ///
    /// let store = TombstoneStore::new(MemoryStore::default())
    ///     .with_lifetime(time::Duration::days(31));
    /// assert_eq!(store.lifetime(), time::Duration::days(31));
    /// ```
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The clock that dates tombstones (tests move a [`otpkit::ManualClock`]).
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How long a tombstone lives.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn now(&self) -> session_store::Result<OffsetDateTime> {
        let nanos = i128::from(self.clock.now().as_millis()).saturating_mul(1_000_000);
        OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .map_err(|e| session_store::Error::Backend(format!("clock out of range: {e}")))
    }

    /// Whether `id` has a live tombstone.
    async fn is_tombstoned(&self, id: &Id) -> session_store::Result<bool> {
        let Some(stone) = self.inner.load(&tombstone_id(id)).await? else {
            return Ok(false);
        };
        let names_id = stone
            .data
            .get(TOMBSTONE_KEY)
            .and_then(serde_json::Value::as_str)
            .is_some_and(|s| s == id.to_string());
        Ok(names_id && stone.expiry_date > self.now()?)
    }
}

fn is_tombstone(record: &Record) -> bool {
    record.data.contains_key(TOMBSTONE_KEY)
}

#[async_trait]
impl<S: SessionStore> SessionStore for TombstoneStore<S> {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        for _ in 0..CREATE_ATTEMPTS {
            self.inner.create(record).await?;
            if !self.is_tombstoned(&record.id).await? {
                return Ok(());
            }
            // The record just written under a tombstoned id never loads (load deletes it).
            record.id = Id::default();
        }
        Err(session_store::Error::Backend(
            "no free session id: every one tried was tombstoned".to_owned(),
        ))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        if self.is_tombstoned(&record.id).await? {
            tracing::debug!(target: "otpkit_axum", "dropped the save of a deleted session");
            return Ok(());
        }
        self.inner.save(record).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(record) = self.inner.load(id).await? else {
            return Ok(None);
        };
        if is_tombstone(&record) {
            return Ok(None);
        }
        if self.is_tombstoned(id).await? {
            // A save that raced the delete re-created it: delete it again.
            self.inner.delete(id).await?;
            return Ok(None);
        }
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        if let Some(existing) = self.inner.load(id).await?
            && is_tombstone(&existing)
        {
            // A tombstone is never deleted through the wrapper, only expired.
            return Ok(());
        }
        let stone = Record {
            id: tombstone_id(id),
            data: [(TOMBSTONE_KEY.to_owned(), id.to_string().into())].into(),
            expiry_date: self.now()?.saturating_add(self.lifetime),
        };
        self.inner.save(&stone).await?;
        self.inner.delete(id).await
    }
}

impl<S: Clone> Clone for TombstoneStore<S> {
    fn clone(&self) -> Self {
        TombstoneStore {
            inner: self.inner.clone(),
            lifetime: self.lifetime,
            clock: Arc::clone(&self.clock),
        }
    }
}

impl<S> fmt::Debug for TombstoneStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TombstoneStore")
            .field("inner", &std::any::type_name::<S>())
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// A `SessionManagerLayer` on `store` wrapped in a [`TombstoneStore`], with otpkit's cookie
/// defaults: `HttpOnly`, `SameSite=Lax` (a link from an email or another site arrives logged
/// in; every state change needs the CSRF token anyway) and `Secure`.
///
/// For plain-HTTP development add `.with_secure(false)`; the other `with_*` methods of
/// `SessionManagerLayer` (name, expiry, domain, signed cookies) apply as usual. With an
/// expiry longer than two weeks, wrap the store yourself and set
/// [`TombstoneStore::with_lifetime`].
///
/// ```
/// use tower_sessions::MemoryStore;
///
/// let layer = otpkit_axum::session_layer(MemoryStore::default()).with_secure(false);
/// let app: axum::Router = axum::Router::new().layer(layer);
/// # let _ = app;
/// ```
///
/// Sessions that survive a restart and are shared by several processes live in a database
/// or Redis, in one of otpkit's durable stores: those are resurrection safe by themselves
/// ([`ResurrectionSafe`]) and go through [`durable_session_layer`] instead, with no
/// `TombstoneStore` (and its extra reads) around them.
pub fn session_layer<S: SessionStore>(store: S) -> SessionManagerLayer<TombstoneStore<S>> {
    with_otpkit_cookie(SessionManagerLayer::new(TombstoneStore::new(store)))
}

/// A `SessionManagerLayer` on a store that is resurrection safe by itself — otpkit-sqlite's
/// `SqliteSessionStore` (feature `sessions`), otpkit-sqlx's `PgSessionStore` /
/// `MySqlSessionStore`, otpkit-redis' `RedisSessionStore` — with otpkit's cookie defaults
/// (as [`session_layer`]) and no [`TombstoneStore`] around it: such a store keeps deleted
/// ids dead natively, so the wrapper would only add a read to each load, save and create.
///
/// ```
/// use otpkit_sqlite::{SqliteSessionStore, SqliteStore};
/// use tower_sessions::ExpiredDeletion;
///
/// # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
/// let devices = SqliteStore::open_and_migrate("sqlite::memory:").await?;
/// let sessions = SqliteSessionStore::new(devices.clone());
/// sessions.migrate().await?;
/// // Expired sessions and old tombstones go once a minute.
/// let cleanup = tokio::spawn(
///     sessions.clone().continuously_delete_expired(tokio::time::Duration::from_secs(60)),
/// );
/// let app: axum::Router = axum::Router::new().layer(otpkit_axum::durable_session_layer(sessions));
/// # let _ = app; cleanup.abort();
/// # Ok::<(), otpkit::store::StoreError>(())
/// # }).unwrap();
/// ```
pub fn durable_session_layer<S: ResurrectionSafe>(store: S) -> SessionManagerLayer<S> {
    with_otpkit_cookie(SessionManagerLayer::new(store))
}

/// otpkit's cookie defaults: `HttpOnly`, `SameSite=Lax`, `Secure`.
fn with_otpkit_cookie<S: SessionStore>(layer: SessionManagerLayer<S>) -> SessionManagerLayer<S> {
    layer
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(true)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use otpkit::ManualClock;
    use tower_sessions::MemoryStore;

    use super::*;

    fn record(user: &str) -> Record {
        Record {
            id: Id::default(),
            data: HashMap::from([("user".to_owned(), serde_json::json!(user))]),
            expiry_date: OffsetDateTime::UNIX_EPOCH + Duration::days(40_000),
        }
    }

    async fn created(store: &TombstoneStore<MemoryStore>, user: &str) -> Record {
        let mut r = record(user);
        store.create(&mut r).await.unwrap();
        r
    }

    #[tokio::test]
    async fn a_stale_save_after_a_delete_does_not_bring_the_session_back() {
        let store = TombstoneStore::new(MemoryStore::default());
        let r = created(&store, "alice").await;
        assert_eq!(store.load(&r.id).await.unwrap(), Some(r.clone()));
        store.delete(&r.id).await.unwrap();
        store.save(&r).await.unwrap();
        assert_eq!(store.load(&r.id).await.unwrap(), None);
        assert_eq!(
            store.inner().load(&r.id).await.unwrap(),
            None,
            "never written"
        );
    }

    #[tokio::test]
    async fn a_cycled_id_stays_dead_and_the_new_one_lives() {
        let store = TombstoneStore::new(MemoryStore::default());
        let old = created(&store, "alice").await;
        // Session::cycle_id: delete the old id, then create under a new one.
        let mut new = old.clone();
        new.id = Id::default();
        store.delete(&old.id).await.unwrap();
        store.create(&mut new).await.unwrap();
        store.save(&old).await.unwrap();
        assert_eq!(store.load(&old.id).await.unwrap(), None);
        assert_eq!(store.load(&new.id).await.unwrap(), Some(new));
    }

    #[tokio::test]
    async fn a_save_that_slipped_past_the_check_is_deleted_at_the_next_load() {
        let store = TombstoneStore::new(MemoryStore::default());
        let r = created(&store, "alice").await;
        store.delete(&r.id).await.unwrap();
        // The stale save checked before the tombstone landed, and wrote after the delete.
        store.inner().save(&r).await.unwrap();
        assert_eq!(store.load(&r.id).await.unwrap(), None);
        assert_eq!(
            store.inner().load(&r.id).await.unwrap(),
            None,
            "deleted again"
        );
    }

    #[tokio::test]
    async fn two_nodes_sharing_one_store_agree() {
        let shared = MemoryStore::default();
        let node1 = TombstoneStore::new(shared.clone());
        let node2 = TombstoneStore::new(shared);
        let r = created(&node1, "alice").await;
        let stale = node2.load(&r.id).await.unwrap().unwrap();
        node1.delete(&r.id).await.unwrap();
        node2.save(&stale).await.unwrap();
        assert_eq!(node2.load(&r.id).await.unwrap(), None);
        assert_eq!(node1.load(&r.id).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_tombstone_lives_its_lifetime_then_the_id_is_ordinary_again() {
        let clock = ManualClock::new(SystemClock.now());
        let store = TombstoneStore::new(MemoryStore::default())
            .with_lifetime(Duration::hours(1))
            .with_clock(clock.clone());
        let r = created(&store, "alice").await;
        store.delete(&r.id).await.unwrap();
        clock.advance_secs(3_599);
        store.save(&r).await.unwrap();
        assert_eq!(store.load(&r.id).await.unwrap(), None, "still tombstoned");
        clock.advance_secs(2);
        store.save(&r).await.unwrap();
        assert_eq!(store.load(&r.id).await.unwrap(), Some(r), "expired");
    }

    #[tokio::test]
    async fn the_default_lifetime_outlasts_the_default_session() {
        assert!(DEFAULT_LIFETIME > Duration::weeks(2));
        let clock = ManualClock::new(SystemClock.now());
        let store = TombstoneStore::new(MemoryStore::default()).with_clock(clock.clone());
        assert_eq!(store.lifetime(), DEFAULT_LIFETIME);
        let id = Id(1);
        store.delete(&id).await.unwrap();
        let stone = store
            .inner()
            .load(&tombstone_id(&id))
            .await
            .unwrap()
            .unwrap();
        let now = clock.now().as_millis();
        let expected = OffsetDateTime::from_unix_timestamp_nanos(i128::from(now) * 1_000_000)
            .unwrap()
            + DEFAULT_LIFETIME;
        assert_eq!(stone.expiry_date, expected);
    }

    #[tokio::test]
    async fn the_derived_id_loads_nothing_and_cannot_be_deleted() {
        let store = TombstoneStore::new(MemoryStore::default());
        let r = created(&store, "alice").await;
        store.delete(&r.id).await.unwrap();
        let derived = tombstone_id(&r.id);
        assert!(store.inner().load(&derived).await.unwrap().is_some());
        assert_eq!(store.load(&derived).await.unwrap(), None);
        store.delete(&derived).await.unwrap();
        assert!(
            store.inner().load(&derived).await.unwrap().is_some(),
            "kept"
        );
        store.save(&r).await.unwrap();
        assert_eq!(store.load(&r.id).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_marker_without_the_matching_id_is_no_tombstone_of_anything() {
        let store = TombstoneStore::new(MemoryStore::default());
        let r = created(&store, "alice").await;
        let mut forged = record("mallory");
        forged.id = tombstone_id(&r.id);
        forged
            .data
            .insert(TOMBSTONE_KEY.to_owned(), "someone else".into());
        store.inner().save(&forged).await.unwrap();
        assert_eq!(store.load(&r.id).await.unwrap(), Some(r));
    }

    #[tokio::test]
    async fn debug_shows_no_session_data() {
        let store = TombstoneStore::new(MemoryStore::default());
        let mut r = record("alice-secret-value");
        store.create(&mut r).await.unwrap();
        let debug = format!("{store:?}");
        assert!(debug.starts_with("TombstoneStore"), "{debug}");
        assert!(!debug.contains("alice-secret-value"), "{debug}");
    }

    /// An inner store whose writes can fail and whose first `create` picks a fixed id.
    #[derive(Debug, Clone, Default)]
    struct Rigged {
        inner: MemoryStore,
        fail_save: Arc<AtomicBool>,
        creates: Arc<AtomicUsize>,
    }

    #[async_trait]
    impl SessionStore for Rigged {
        async fn create(&self, record: &mut Record) -> session_store::Result<()> {
            if self.creates.fetch_add(1, Ordering::SeqCst) == 0 {
                record.id = Id(7);
            }
            self.inner.create(record).await
        }
        async fn save(&self, record: &Record) -> session_store::Result<()> {
            if self.fail_save.load(Ordering::SeqCst) {
                return Err(session_store::Error::Backend("down".to_owned()));
            }
            self.inner.save(record).await
        }
        async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
            self.inner.load(id).await
        }
        async fn delete(&self, id: &Id) -> session_store::Result<()> {
            self.inner.delete(id).await
        }
    }

    #[tokio::test]
    async fn a_failed_tombstone_write_fails_the_delete_and_keeps_the_session() {
        let inner = Rigged::default();
        let store = TombstoneStore::new(inner.clone());
        let mut r = record("alice");
        store.create(&mut r).await.unwrap();
        inner.fail_save.store(true, Ordering::SeqCst);
        let e = store.delete(&r.id).await.unwrap_err();
        assert!(matches!(e, session_store::Error::Backend(_)), "{e}");
        assert_eq!(store.load(&r.id).await.unwrap(), Some(r));
    }

    #[tokio::test]
    async fn create_never_hands_out_a_tombstoned_id() {
        let inner = Rigged::default();
        let store = TombstoneStore::new(inner.clone());
        store.delete(&Id(7)).await.unwrap();
        let mut r = record("alice");
        store.create(&mut r).await.unwrap();
        assert_ne!(r.id, Id(7));
        assert_eq!(inner.creates.load(Ordering::SeqCst), 2, "rolled once");
        assert_eq!(store.load(&r.id).await.unwrap(), Some(r));
        assert_eq!(store.load(&Id(7)).await.unwrap(), None);
    }
}
