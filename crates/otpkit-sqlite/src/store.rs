//! [`SqliteStore`]: the async handle in front of the connection thread.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;

use async_trait::async_trait;
use otpkit::device::{DeviceId, NewDevice};
use otpkit::store::{
    Committed, DeviceQuery, DeviceStore, InitState, Mutation, StoreError, UserCommitted,
    UserMutation,
};
use otpkit::{DeviceRecord, UserId};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use crate::location::Location;
use crate::op::Op;
use crate::options::{SqliteOptions, Synchronous};
use crate::stats::{GroupStats, Stats};
use crate::worker::{self, Job, Msg, Pending, Reply};

/// The SQLite [`DeviceStore`]: one connection on a dedicated thread, with group commit.
///
/// Cheap to clone: clones share the connection thread. The thread ends (and the connection
/// closes) when the last clone is dropped; dropping waits for the thread to finish the group
/// in progress. Two `SqliteStore`s opened on the same file behave like two application
/// instances: each has its own connection, and SQLite's file locks serialise their
/// transactions.
///
/// A call whose future is dropped after it was sent may still be committed.
///
/// ```
/// use otpkit::device::NewDevice;
/// use otpkit::store::{DeviceStore, DeviceStoreExt, Write};
/// use otpkit::{Timestamp, UserId};
/// use otpkit_sqlite::SqliteStore;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// let url = format!("sqlite://{}?mode=rwc", dir.path().join("otp.db").display());
/// let store = SqliteStore::open_and_migrate(&url).await.unwrap();
/// let rec = store
///     .insert(
///         NewDevice {
///             user: UserId::new("alice").unwrap(),
///             model_label: "otp_totp.totpdevice".into(),
///             name: "Phone".into(),
///             confirmed: true,
///             created_at: Timestamp::from_secs(1_700_000_000),
///         },
///         Box::new(|id| Ok(format!("{{\"sealed_for\":{id}}}"))),
///     )
///     .await
///     .unwrap();
/// let done = store
///     .transition(rec.id, |r| {
///         r.throttle.failure_count += 1;
///         (Write::Update, r.throttle.failure_count)
///     })
///     .await
///     .unwrap()
///     .expect("the device exists");
/// assert_eq!((done.value, done.record.version), (1, 1));
/// let now = store.get(rec.id).await.unwrap().unwrap();
/// assert_eq!((now.throttle.failure_count, now.version), (1, 1));
/// # });
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    tx: Option<Sender<Msg>>,
    thread: Option<JoinHandle<()>>,
    location: Location,
    stats: Arc<Stats>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Disconnect the channel, then wait for the thread to close the connection, so that
        // the file is released when the last handle is gone. A mutation that captured the
        // last handle drops it on the thread itself: never join ourselves.
        drop(self.tx.take());
        if let Some(t) = self.thread.take()
            && t.thread().id() != std::thread::current().id()
        {
            let _ = t.join();
        }
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("location", &self.inner.location)
            .finish_non_exhaustive()
    }
}

/// The connection thread is gone (it panicked or the store is shutting down).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error(
    "the SQLite connection thread has stopped; the request was not (or not known to be) stored"
)]
pub struct ThreadGone;

/// The database file could not be opened or configured.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the SQLite database {location}: {source}")]
pub struct OpenError {
    location: String,
    #[source]
    source: rusqlite::Error,
}

/// Creates a missing database file readable and writable by its owner only (mode 0600 on
/// Unix), before SQLite opens it: the file holds sealed keys and keyed hashes, and SQLite
/// gives the `-wal` and `-shm` files it creates beside it the same mode. An existing file
/// keeps its mode.
fn create_owner_only(path: &std::path::Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

fn open_connection(location: &Location, opts: &SqliteOptions) -> Result<Connection, OpenError> {
    let wrap = |source| OpenError {
        location: location.to_string(),
        source,
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match location {
        Location::Memory => Connection::open_in_memory_with_flags(flags),
        Location::File { path, create } => {
            let flags = if *create {
                create_owner_only(path).map_err(|e| OpenError {
                    location: location.to_string(),
                    source: rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                        Some(format!("cannot create the file: {e}")),
                    ),
                })?;
                flags | OpenFlags::SQLITE_OPEN_CREATE
            } else {
                flags
            };
            Connection::open_with_flags(path, flags)
        }
    }
    .map_err(wrap)?;
    // The busy timeout first, so that switching to WAL waits for another process.
    conn.busy_timeout(opts.busy_timeout).map_err(wrap)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(wrap)?;
    if matches!(location, Location::File { .. }) && !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(%location, journal_mode = %mode, "otpkit-sqlite: WAL mode is not available; transitions stay atomic but are slower");
    }
    let sync = match opts.synchronous {
        Synchronous::Normal => "NORMAL",
        Synchronous::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync)
        .map_err(wrap)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(wrap)?;
    // One cached statement per distinct `list` filter combination, plus the fixed ones.
    conn.set_prepared_statement_cache_capacity(96);
    Ok(conn)
}

impl SqliteStore {
    /// Opens (and creates, unless the URL says `mode=rw`) the database at `url` with the
    /// default [`SqliteOptions`]. See [`Location`] for the accepted forms: `sqlite://PATH`,
    /// `sqlite://PATH?mode=rwc`, a plain path, `:memory:`, `sqlite::memory:`.
    ///
    /// The schema is not touched: call [`migrate`](Self::migrate) (or use
    /// [`open_and_migrate`](Self::open_and_migrate)); until the schema is current every
    /// operation fails with [`StoreError::Schema`].
    pub fn open(url: &str) -> Result<SqliteStore, StoreError> {
        Self::open_with(url, SqliteOptions::default())
    }

    /// [`open`](Self::open) with explicit options.
    pub fn open_with(url: &str, opts: SqliteOptions) -> Result<SqliteStore, StoreError> {
        let location = Location::parse(url).map_err(StoreError::backend)?;
        Self::open_location(location, opts)
    }

    /// Opens an already parsed [`Location`].
    pub fn open_location(
        location: Location,
        opts: SqliteOptions,
    ) -> Result<SqliteStore, StoreError> {
        let conn = open_connection(&location, &opts).map_err(StoreError::backend)?;
        // A file database gets a second connection for the background checkpointer.
        let checkpoint_conn = match location {
            Location::File { .. } => {
                Some(open_connection(&location, &opts).map_err(StoreError::backend)?)
            }
            Location::Memory => None,
        };
        let (tx, rx) = mpsc::channel();
        let stats = Arc::new(Stats::default());
        let thread_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name("otpkit-sqlite".into())
            .spawn(move || worker::run(conn, checkpoint_conn, rx, opts, thread_stats))
            .map_err(StoreError::backend)?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                tx: Some(tx),
                thread: Some(thread),
                location,
                stats,
            }),
        })
    }

    /// [`open`](Self::open), then [`migrate`](Self::migrate).
    pub async fn open_and_migrate(url: &str) -> Result<SqliteStore, StoreError> {
        let store = Self::open(url)?;
        store.migrate().await?;
        Ok(store)
    }

    /// Brings the schema to [`SCHEMA_VERSION`](crate::SCHEMA_VERSION) with the embedded
    /// migrations, in one `BEGIN IMMEDIATE` transaction (concurrent migrations from several
    /// processes are serialised). Returns how many migrations ran: 0 when the schema was
    /// already current, so running it again is a no-op.
    pub async fn migrate(&self) -> Result<u32, StoreError> {
        self.call(Msg::Migrate).await
    }

    /// The schema version stored in the database (`PRAGMA user_version`; 0 = empty).
    pub async fn schema_version(&self) -> Result<u32, StoreError> {
        self.call(Msg::SchemaVersion).await
    }

    /// Where the database lives.
    pub fn location(&self) -> &Location {
        &self.inner.location
    }

    /// The database file, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.inner.location.path()
    }

    /// The database file as an owned path (e.g. to derive `{database file}.keys`).
    pub fn path_buf(&self) -> Option<PathBuf> {
        self.path().map(Path::to_path_buf)
    }

    /// A snapshot of the connection thread's counters.
    pub fn stats(&self) -> GroupStats {
        self.inner.stats.snapshot()
    }

    fn send(&self, msg: Msg) -> Result<(), StoreError> {
        let tx = self
            .inner
            .tx
            .as_ref()
            .ok_or_else(|| StoreError::backend(ThreadGone))?;
        tx.send(msg).map_err(|_| StoreError::backend(ThreadGone))
    }

    async fn call<T>(&self, build: impl FnOnce(Reply<T>) -> Msg) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(build(tx))?;
        rx.await.map_err(|_| StoreError::backend(ThreadGone))?
    }

    pub(crate) async fn job<T>(
        &self,
        build: impl FnOnce(Pending<T>) -> Job,
    ) -> Result<T, StoreError> {
        self.call(|reply| Msg::Job(build(Pending::new(reply))))
            .await
    }

    /// Runs `run` on the connection thread as a request on another table ([`Op`]), in the
    /// next group, needing `user_version >= schema`.
    pub(crate) async fn table_op<T: Send + 'static>(
        &self,
        write: bool,
        schema: u32,
        run: impl FnMut(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.job(|p| {
            Job::Table(Box::new(Op {
                write,
                schema,
                run,
                p,
            }))
        })
        .await
    }

    /// Test hook: stops the connection thread until the returned guard is dropped, so that
    /// every request sent meanwhile lands in the same group.
    #[cfg(feature = "test-util")]
    pub async fn pause(&self) -> Result<PauseGuard, StoreError> {
        let (hold_tx, hold) = mpsc::channel();
        let (ack, acked) = oneshot::channel();
        self.send(Msg::Pause { ack, hold })?;
        acked.await.map_err(|_| StoreError::backend(ThreadGone))?;
        Ok(PauseGuard { _hold: hold_tx })
    }

    /// Test hook: makes the connection thread exit as if it had died. Every later call
    /// fails with a backend error.
    #[cfg(feature = "test-util")]
    pub fn kill_thread(&self) -> Result<(), StoreError> {
        self.send(Msg::Exit)
    }
}

/// Releases a [`SqliteStore::pause`] when dropped.
#[cfg(feature = "test-util")]
#[derive(Debug)]
pub struct PauseGuard {
    _hold: Sender<()>,
}

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn insert(&self, new: NewDevice, init: InitState) -> Result<DeviceRecord, StoreError> {
        self.job(|p| Job::Insert {
            args: Some((new, init)),
            p,
        })
        .await
    }

    async fn get(&self, id: DeviceId) -> Result<Option<DeviceRecord>, StoreError> {
        self.job(|p| Job::Get { id, p }).await
    }

    async fn list_for_user(&self, user: &UserId) -> Result<Vec<DeviceRecord>, StoreError> {
        let user = user.clone();
        self.job(|p| Job::ListForUser { user, p }).await
    }

    async fn list(&self, query: &DeviceQuery) -> Result<Vec<DeviceRecord>, StoreError> {
        let query = query.clone();
        self.job(|p| Job::List { query, p }).await
    }

    async fn update(
        &self,
        id: DeviceId,
        mutation: Mutation,
    ) -> Result<Option<Committed>, StoreError> {
        self.job(|p| Job::Update { id, mutation, p }).await
    }

    async fn update_user(
        &self,
        user: &UserId,
        mutation: UserMutation,
    ) -> Result<UserCommitted, StoreError> {
        let user = user.clone();
        self.job(|p| Job::UpdateUser { user, mutation, p }).await
    }

    async fn delete_for_user(&self, user: &UserId) -> Result<u64, StoreError> {
        let user = user.clone();
        self.job(|p| Job::DeleteForUser { user, p }).await
    }

    async fn get_imported(
        &self,
        model_label: &str,
        imported_id: DeviceId,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        self.select_imported(model_label, imported_id).await
    }

    async fn import(
        &self,
        user: &UserId,
        devices: Vec<otpkit::store::ImportedDevice>,
    ) -> Result<Vec<DeviceRecord>, StoreError> {
        self.insert_imported(user, devices).await
    }
}
