//! [`SqliteSessionStore`]: a tower-sessions store in the SQLite database, on the
//! [`SqliteStore`]'s connection thread (feature `sessions`).
//!
//! Session requests are jobs like the device store's: they join the same groups, commit with
//! them, and reply only after the commit. The table and its migrations are their own
//! (`otpkit_session`, versions recorded in `otpkit_session_migrations`); the device table and
//! `PRAGMA user_version` are never touched, so a database may hold sessions only.
//!
//! ```sql
//! CREATE TABLE otpkit_session (
//!     id           BLOB    NOT NULL PRIMARY KEY, -- the session id's 16 bytes
//!     user_id      TEXT    NULL,                 -- the owner (UserId), NULL: anonymous
//!     data         TEXT    NULL,                 -- JSON; NULL: a tombstone
//!     created_at   INTEGER NOT NULL,             -- ms since the Unix epoch
//!     last_seen_at INTEGER NOT NULL,             -- ms
//!     expires_at   INTEGER NOT NULL              -- ms: the session's expiry, or the tombstone's end
//! ) STRICT, WITHOUT ROWID;
//! CREATE INDEX otpkit_session_user    ON otpkit_session (user_id);
//! CREATE INDEX otpkit_session_expires ON otpkit_session (expires_at);
//! ```
//!
//! What each operation does (tombstones, expiry, the user index) is described in
//! [`otpkit_sessions`]; here each is one statement.

use std::fmt;

use async_trait::async_trait;
use otpkit::UserId;
use otpkit::store::StoreError;
use otpkit_sessions::codec::{self, backend};
use otpkit_sessions::{SessionConfig, SessionMeta, UserSessions};
use rusqlite::{Connection, OptionalExtension, params};
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store;
use tower_sessions_core::{ExpiredDeletion, SessionStore};

use crate::store::SqliteStore;

/// The session schema version this build writes and expects.
pub const SESSION_SCHEMA_VERSION: u32 = 1;

/// The embedded session migrations; entry `i` takes the session schema to version `i + 1`.
const MIGRATIONS: &[&str] = &["CREATE TABLE otpkit_session (
        id           BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
        user_id      TEXT    NULL,
        data         TEXT    NULL,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX otpkit_session_user ON otpkit_session (user_id);
    CREATE INDEX otpkit_session_expires ON otpkit_session (expires_at);"];

const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS otpkit_session_migrations (
    version INTEGER NOT NULL PRIMARY KEY) STRICT";

// `CAST(? AS …)` on parameters compared with indexed columns: see `schema::SELECT_BY_USER`.
const CREATE: &str = "INSERT INTO otpkit_session \
    (id, user_id, data, created_at, last_seen_at, expires_at) \
    VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT (id) DO NOTHING";
const SAVE: &str = "INSERT INTO otpkit_session \
    (id, user_id, data, created_at, last_seen_at, expires_at) \
    VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT (id) DO UPDATE SET \
    user_id = excluded.user_id, data = excluded.data, last_seen_at = excluded.last_seen_at, \
    expires_at = excluded.expires_at WHERE otpkit_session.data IS NOT NULL";
const LOAD: &str = "SELECT data FROM otpkit_session \
    WHERE id = CAST(?1 AS BLOB) AND data IS NOT NULL AND expires_at > ?2";
const DELETE: &str = "INSERT INTO otpkit_session \
    (id, user_id, data, created_at, last_seen_at, expires_at) \
    VALUES (?1, NULL, NULL, ?2, ?2, ?2 + ?3) ON CONFLICT (id) DO UPDATE SET \
    data = NULL, expires_at = max(otpkit_session.expires_at, ?2) + ?3";
const DELETE_EXPIRED: &str = "DELETE FROM otpkit_session WHERE expires_at <= CAST(?1 AS INTEGER)";
const LIST: &str = "SELECT id, created_at, last_seen_at, expires_at, data FROM otpkit_session \
    WHERE user_id = CAST(?1 AS TEXT) AND data IS NOT NULL AND expires_at > ?2 \
    ORDER BY created_at, id";
const END: &str = "UPDATE otpkit_session SET data = NULL, expires_at = max(expires_at, ?3) + ?4 \
    WHERE id = CAST(?1 AS BLOB) AND user_id = CAST(?2 AS TEXT) AND data IS NOT NULL \
    AND expires_at > ?3";
const END_ALL: &str = "UPDATE otpkit_session SET data = NULL, expires_at = max(expires_at, ?2) + ?3 \
    WHERE user_id = CAST(?1 AS TEXT) AND data IS NOT NULL AND expires_at > ?2 AND id IS NOT ?4";

/// Applies the missing session migrations inside the group's transaction.
fn migrate(conn: &Connection) -> rusqlite::Result<u32> {
    conn.execute_batch(MIGRATIONS_TABLE)?;
    let current: u32 = conn.query_row(
        "SELECT coalesce(max(version), 0) FROM otpkit_session_migrations",
        [],
        |r| r.get(0),
    )?;
    let mut applied = 0;
    for (version, sql) in (1u32..).zip(MIGRATIONS.iter()) {
        if version > current {
            conn.execute_batch(sql)?;
            conn.execute(
                "INSERT INTO otpkit_session_migrations (version) VALUES (?1)",
                [version],
            )?;
            applied += 1;
        }
    }
    Ok(applied)
}

/// A [`SessionStore`] (with [`ExpiredDeletion`] and [`UserSessions`]) in the database of a
/// [`SqliteStore`], on its connection thread.
///
/// Cheap to clone. Run [`migrate`](Self::migrate) once before use; clean up expired sessions
/// and tombstones in the background with tower-sessions' `continuously_delete_expired`.
///
/// ```
/// use otpkit_sqlite::{SqliteSessionStore, SqliteStore};
/// use tower_sessions::{ExpiredDeletion, SessionManagerLayer};
///
/// # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// let url = format!("sqlite://{}?mode=rwc", dir.path().join("otp.db").display());
/// let devices = SqliteStore::open_and_migrate(&url).await?;
/// let sessions = SqliteSessionStore::new(devices.clone()); // the same connection thread
/// sessions.migrate().await?;
/// let cleanup = tokio::spawn(
///     sessions.clone().continuously_delete_expired(tokio::time::Duration::from_secs(60)),
/// );
/// // Or `otpkit_axum::durable_session_layer(sessions)`, with otpkit's cookie defaults.
/// let layer = SessionManagerLayer::new(sessions);
/// # let _ = layer; cleanup.abort();
/// # Ok::<(), otpkit::store::StoreError>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct SqliteSessionStore {
    store: SqliteStore,
    config: SessionConfig,
}

impl fmt::Debug for SqliteSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteSessionStore")
            .field("location", self.store.location())
            .field("config", &self.config)
            .finish()
    }
}

impl SqliteSessionStore {
    /// Sessions in `store`'s database, with the default [`SessionConfig`].
    pub fn new(store: SqliteStore) -> Self {
        Self::with_config(store, SessionConfig::default())
    }

    /// Sessions in `store`'s database, with `config`.
    pub fn with_config(store: SqliteStore, config: SessionConfig) -> Self {
        SqliteSessionStore { store, config }
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Creates or upgrades the session table to [`SESSION_SCHEMA_VERSION`]; returns how many
    /// migrations ran (0: already current, a no-op).
    pub async fn migrate(&self) -> Result<u32, StoreError> {
        self.op(true, migrate).await
    }

    async fn op<T: Send + 'static>(
        &self,
        write: bool,
        run: impl FnMut(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        // Schema 0: the session table has migrations of its own.
        self.store.table_op(write, 0, run).await
    }

    async fn run<T: Send + 'static>(
        &self,
        write: bool,
        run: impl FnMut(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> session_store::Result<T> {
        self.op(write, run).await.map_err(backend)
    }

    fn grace_millis(&self) -> i64 {
        self.config.tombstone_grace_millis()
    }
}

#[async_trait]
impl SessionStore for SqliteSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let enc = codec::encode(&self.config, record)?;
            let now = self.config.now_millis();
            let inserted = self
                .run(true, move |c| {
                    let n = c.prepare_cached(CREATE)?.execute(params![
                        &enc.id[..],
                        &enc.user_id,
                        &enc.data,
                        now,
                        enc.expires_at
                    ])?;
                    Ok(n == 1)
                })
                .await?;
            if inserted {
                return Ok(());
            }
            record.id = Id::default(); // taken (live or tombstone): draw another
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let enc = codec::encode(&self.config, record)?;
        let now = self.config.now_millis();
        self.run(true, move |c| {
            c.prepare_cached(SAVE)?
                .execute(params![
                    &enc.id[..],
                    &enc.user_id,
                    &enc.data,
                    now,
                    enc.expires_at
                ])
                .map(drop)
        })
        .await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let (key, now) = (codec::id_bytes(id), self.config.now_millis());
        let data: Option<String> = self
            .run(false, move |c| {
                c.prepare_cached(LOAD)?
                    .query_row(params![&key[..], now], |r| r.get(0))
                    .optional()
            })
            .await?;
        data.map(|d| codec::decode(*id, &d)).transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let (key, now, grace) = (
            codec::id_bytes(id),
            self.config.now_millis(),
            self.grace_millis(),
        );
        self.run(true, move |c| {
            c.prepare_cached(DELETE)?
                .execute(params![&key[..], now, grace])
                .map(drop)
        })
        .await
    }
}

/// Resurrection safe by itself: a deleted id becomes a tombstone row that `save` never writes
/// over, and `create` never reuses an id (the conformance suite checks both).
impl otpkit_sessions::ResurrectionSafe for SqliteSessionStore {}

#[async_trait]
impl ExpiredDeletion for SqliteSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let now = self.config.now_millis();
        self.run(true, move |c| {
            c.prepare_cached(DELETE_EXPIRED)?.execute([now]).map(drop)
        })
        .await
    }
}

#[async_trait]
impl UserSessions for SqliteSessionStore {
    async fn list_sessions(&self, user: &UserId) -> session_store::Result<Vec<SessionMeta>> {
        let (user, now) = (user.as_str().to_owned(), self.config.now_millis());
        type Row = (Vec<u8>, (i64, i64, i64), String);
        let rows: Vec<Row> = self
            .run(false, move |c| {
                let mut s = c.prepare_cached(LIST)?;
                let rows = s.query_map(params![&user, now], |r| {
                    Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?))
                })?;
                rows.collect()
            })
            .await?;
        rows.iter()
            .map(|(id, times, data)| codec::meta(id, *times, data))
            .collect()
    }

    async fn end_session(&self, user: &UserId, id: &Id) -> session_store::Result<bool> {
        let (key, user) = (codec::id_bytes(id), user.as_str().to_owned());
        let (now, grace) = (self.config.now_millis(), self.grace_millis());
        self.run(true, move |c| {
            let n = c
                .prepare_cached(END)?
                .execute(params![&key[..], &user, now, grace])?;
            Ok(n > 0)
        })
        .await
    }

    async fn end_all_sessions(
        &self,
        user: &UserId,
        except: Option<&Id>,
    ) -> session_store::Result<u64> {
        let user = user.as_str().to_owned();
        let except = except.map(codec::id_bytes);
        let (now, grace) = (self.config.now_millis(), self.grace_millis());
        self.run(true, move |c| {
            let n = c.prepare_cached(END_ALL)?.execute(params![
                &user,
                now,
                grace,
                except.as_ref().map(|k| &k[..])
            ])?;
            Ok(n as u64)
        })
        .await
    }
}
