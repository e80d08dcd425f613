//! `otpkit-sqlite`: the embedded default [`DeviceStore`](otpkit::store::DeviceStore) of
//! otpkit, on [`rusqlite`] with a bundled SQLite.
//!
//! ```no_run
//! # async fn demo() -> Result<(), otpkit::store::StoreError> {
//! use otpkit_sqlite::SqliteStore;
//!
//! // `OTPKIT_DATABASE_URL`'s default (docs/behaviour.md §6); the file is created if missing.
//! let store = SqliteStore::open_and_migrate("sqlite://otpkit.sqlite3").await?;
//! # let _ = store; Ok(()) }
//! ```
//!
//! An application that reads the deployment settings need not name the URL twice (once for
//! the store, once for the key file beside it): `otpkit_cli::deploy::Deployment::open` opens
//! the store at `OTPKIT_DATABASE_URL`, migrated, with its key ring.
//!
//! # Architecture: one connection thread, group commit
//!
//! A [`SqliteStore`] owns **one** connection, which lives on a dedicated OS thread. Async
//! callers send a request over a channel and await a oneshot reply; they never block the
//! runtime. The thread runs the requests in **groups**:
//!
//! 1. It takes the first waiting request, then everything else already waiting in the
//!    channel (at most [`SqliteOptions::max_group`], default 256).
//! 2. It opens one transaction for the group: `BEGIN IMMEDIATE` when any request writes
//!    (this takes SQLite's write lock, so the group is serialised against every other
//!    connection and process), a plain `BEGIN` for a group of reads.
//! 3. Each writing request runs inside its own `SAVEPOINT`: `update` reads the row, runs the
//!    mutation on the decoded [`DeviceRecord`](otpkit::DeviceRecord), then writes the row
//!    with `version = version + 1` (every column; or, when the mutation left `user_id`,
//!    `model_label` and `created_at` as they were, all the others, so that SQLite does not
//!    rewrite the index entries), deletes the row, or does nothing, as the mutation decided
//!    (the row written is always the row read: a changed `id` or `version` in the record is
//!    ignored); `update_user` does the same for all of a user's rows
//!    (ascending id);
//!    `insert` inserts a placeholder row, calls `init(id)`, and stores the state. A request
//!    that fails (its `init` refuses, its row is corrupt, its closure panics, a statement
//!    fails) is rolled back to its savepoint alone; the others are unaffected. Requests on
//!    the same device are serialised simply because the thread runs them one after another,
//!    each seeing the previous one's writes.
//! 4. The thread `COMMIT`s once and only **then** replies to every request of the group: a
//!    result is never reported before it is durable (docs/behaviour.md §2.9). If the commit fails,
//!    every request of the group gets [`StoreError::Backend`](otpkit::store::StoreError::Backend)
//!    and nothing of the group is visible.
//! 5. If the database is busy (another process holds the write lock beyond the busy
//!    timeout), the whole group is rolled back and retried, at most
//!    [`SqliteOptions::busy_retries`] times (default 3, REQ-14 F4), then every request gets
//!    [`StoreError::Conflict`](otpkit::store::StoreError::Conflict). Mutations are `FnMut`
//!    and may run again on a retry; an `insert` whose `init` (an `FnOnce`) already ran in the
//!    failed try gets `Conflict` instead of running twice.
//!
//! Mutations and `init` closures run on the connection thread, inside the transaction: they
//! must be quick and must not call the store themselves (that would wait for the very thread
//! running them).
//!
//! Under load the groups grow by themselves: while one group commits, the next requests
//! queue up, so the cost of a commit is shared by many attempts. If the thread dies, the
//! channel closes and every waiting or later caller gets an error, never a hang.
//!
//! # Durability
//!
//! The journal is WAL and `synchronous=NORMAL` by default: a committed transition survives a
//! crash or kill of the **process** (replies are sent after the WAL write). After a power
//! loss or OS crash, the last transactions before the most recent WAL sync may be rolled
//! back, leaving a consistent older state (for example, a just-consumed token becomes usable
//! again within its validity window). [`Synchronous::Full`] syncs the WAL at every group
//! commit for power-loss durability. Foreign keys are on; the busy timeout is 5 s by default.
//!
//! **Checkpoints** (copying the WAL into the database file, with its fsyncs) run on a
//! second connection on a background thread, at most 100 ms after a commit, as SQLite
//! `PASSIVE` checkpoints: they never block the connection thread, so requests do not wait
//! behind them (SQLite's default is a checkpoint on the committing connection every 1000
//! pages). The connection thread checkpoints itself only when the WAL passes 4000 pages,
//! which keeps the WAL bounded under writes that never pause.
//! [`GroupStats::checkpoints`] counts the background checkpoints. In-memory databases have
//! no WAL and no checkpointer.
//!
//! Statements are prepared once and cached; parameters compared with an indexed column are
//! written `CAST(? AS TEXT)`, because the bundled SQLite (built with `SQLITE_ENABLE_STAT4`)
//! would otherwise recompile such a statement every time a new value is bound.
//!
//! # Schema (version 2)
//!
//! Migrations are embedded and versioned with `PRAGMA user_version`;
//! [`SqliteStore::migrate`] applies the missing ones in one transaction and is a no-op when
//! the schema is current. Without it, every operation fails with
//! [`StoreError::Schema`](otpkit::store::StoreError::Schema). Version 1 is the device table;
//! version 2 adds the trusted-browser and grace tables (see "Trusted browsers" below);
//! version 3 adds the device's `imported_id` (the id a device imported from django-otp keeps
//! in its persistent id; unique per label). Each request needs the version that last changed
//! its table: on an older database they fail with `StoreError::Schema` until `migrate` runs.
//!
//! ```sql
//! CREATE TABLE otpkit_device (
//!     id                INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused
//!     user_id           TEXT    NOT NULL,                  -- UserId, compared bytewise
//!     model_label       TEXT    NOT NULL,                  -- e.g. otp_totp.totpdevice
//!     name              TEXT    NOT NULL,
//!     confirmed         INTEGER NOT NULL,                  -- 0 or 1
//!     created_at        INTEGER NOT NULL,                  -- ms since the Unix epoch
//!     last_used_at      INTEGER NULL,                      -- ms
//!     failure_count     INTEGER NOT NULL,                  -- throttle.failure_count (u32)
//!     failure_timestamp INTEGER NULL,                      -- throttle.failure_timestamp, ms
//!     last_generated_at INTEGER NULL,                      -- cooldown, ms
//!     state             TEXT    NOT NULL,                  -- the kind's JSON state (sealed)
//!     version           INTEGER NOT NULL,                  -- +1 per write
//!     imported_id       INTEGER NULL                       -- version 3: imported devices
//! ) STRICT;
//! CREATE INDEX otpkit_device_user        ON otpkit_device (user_id, id);
//! CREATE INDEX otpkit_device_model_label ON otpkit_device (model_label, id);
//! CREATE UNIQUE INDEX otpkit_device_imported ON otpkit_device (model_label, imported_id)
//!     WHERE imported_id IS NOT NULL;
//! ```
//!
//! The table is `STRICT` (column types are enforced) and has `CHECK` constraints on
//! `confirmed` and `failure_count`. Every field of a
//! [`DeviceRecord`](otpkit::DeviceRecord) round-trips exactly. A database with a *newer*
//! schema version is accepted (migrations only add).
//!
//! # Sessions (feature `sessions`)
//!
//! [`SqliteSessionStore`] keeps tower-sessions sessions in the same database, on the same
//! connection thread: its requests join the groups above and reply after their commit. Its
//! table (`otpkit_session`) and migrations (recorded in `otpkit_session_migrations`, not in
//! `user_version`) are its own: [`SqliteSessionStore::migrate`] never touches the device
//! table, and a database may hold sessions only. The behaviour (tombstones, expiry, the user
//! index) is [`otpkit_sessions`]'s.
//!
//! # Trusted browsers and grace records
//!
//! [`SqliteStore`] is also otpkit's [`TrustStore`](otpkit::trust::TrustStore): trusted
//! browsers (`otpkit_trusted_browser`, only a keyed hash of each cookie token) and the grace
//! records of enforced two-factor sign-in (`otpkit_policy_grace`), on the same connection
//! thread and group commit. `use_trusted` is one `UPDATE … RETURNING`, `grace_started` one
//! `INSERT … ON CONFLICT DO UPDATE … RETURNING` that keeps the stored instant.
//!
//! ```
//! use std::sync::Arc;
//! use otpkit::trust::TrustStore;
//! use otpkit_sqlite::SqliteStore;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = SqliteStore::open_and_migrate("sqlite::memory:").await?;
//! let trust: Arc<dyn TrustStore> = Arc::new(store.clone()); // the same connection thread
//! let alice = otpkit::UserId::new("alice").unwrap();
//! let t = otpkit::Timestamp::from_secs(1_700_000_000);
//! assert_eq!(trust.grace_started(&alice, t).await?, t);
//! # Ok::<(), otpkit::store::StoreError>(())
//! # }).unwrap();
//! ```
//!
//! # Features
//!
//! - `sessions`: [`SqliteSessionStore`] (depends on `otpkit-sessions` and
//!   `tower-sessions-core`).
//! - `test-util`: `SqliteStore::pause` and `SqliteStore::kill_thread`, hooks that make
//!   group boundaries and thread death reproducible in tests. Not for production.

#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod checkpoint;
mod import;
mod location;
mod op;
mod options;
mod schema;
#[cfg(feature = "sessions")]
mod sessions;
mod stats;
mod store;
mod trust;
mod worker;

pub use location::{InvalidUrl, Location};
pub use options::{SqliteOptions, Synchronous};
pub use schema::SCHEMA_VERSION;
#[cfg(feature = "sessions")]
#[cfg_attr(docsrs, doc(cfg(feature = "sessions")))]
pub use sessions::{SESSION_SCHEMA_VERSION, SqliteSessionStore};
pub use stats::GroupStats;
#[cfg(feature = "test-util")]
pub use store::PauseGuard;
pub use store::{OpenError, SqliteStore, ThreadGone};
