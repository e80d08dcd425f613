//! PostgreSQL and MySQL/MariaDB [`DeviceStore`]s for [otpkit], on [sqlx] 0.9.
//!
//! | backend | type | cargo feature | URL |
//! |---|---|---|---|
//! | PostgreSQL | [`postgres::PgStore`] | `postgres` (default) | `postgres://…`, `postgresql://…` |
//! | MySQL 8 / MariaDB | [`mysql::MySqlStore`] | `mysql` (default) | `mysql://…`, `mariadb://…` |
//!
//! Tested on PostgreSQL 15 and MariaDB 10.11. [`SqlxStore`] picks the backend from an
//! `OTPKIT_DATABASE_URL` (docs/behaviour.md §6). TLS to the server uses rustls (feature `rustls`,
//! default): add `?sslmode=require` (PostgreSQL) or `?ssl-mode=required` (MySQL) to the URL.
//!
//! The operations — the atomic transition with its locking read and retries included — are
//! written once (`store.rs`), over a small `Dialect` trait (`dialect.rs`); the SQL is written
//! once too (`sql.rs`) and rendered for each server's placeholders. Each backend module holds
//! only its dialect (driver, placeholders, `BEGIN`, how ids and the key columns travel, which
//! errors mean "retry") and its `migrate`. sqlx's `Any` driver is not used (placeholders,
//! types and locking differ).
//!
//! ```no_run
//! use otpkit::DeviceStore;
//! use otpkit_sqlx::SqlxStore;
//!
//! # async fn example() -> Result<(), otpkit::store::StoreError> {
//! let store = SqlxStore::connect("postgres://otpkit@db.internal/otpkit").await?;
//! store.migrate().await?;
//! let devices = store.list_for_user(&otpkit::UserId::new("alice").unwrap()).await?;
//! # let _ = devices;
//! # Ok(())
//! # }
//! ```
//!
//! An application that reads the deployment settings gives the URL once:
//! `otpkit_cli::deploy::Deployment::open` connects to `OTPKIT_DATABASE_URL`, migrates, and
//! loads the key ring (`OTPKIT_SECRET_KEYS`, which a server database needs).
//!
//! # Schema
//!
//! [`PgStore::migrate`](postgres::PgStore::migrate) and
//! [`MySqlStore::migrate`](mysql::MySqlStore::migrate) apply the migrations embedded from
//! `migrations/postgres/` and `migrations/mysql/`. They record what they applied in the table
//! [`MIGRATIONS_TABLE`] (`otpkit_migrations`, sqlx's format, kept apart from an application's
//! own `_sqlx_migrations`), hold a database lock while they run, and are idempotent: a second
//! run does nothing. Until the schema exists every operation fails with
//! [`StoreError::Schema`].
//!
//! Migration 1 creates the device table, `otpkit_device`; migrations 2 and 3 the trusted
//! browsers and the grace records of enforced two-factor sign-in ([`trust`]: `PgStore`,
//! `MySqlStore` and [`SqlxStore`] are also otpkit's
//! [`TrustStore`](otpkit::trust::TrustStore)); migration 4 adds `imported_id` (devices
//! imported from django-otp keep their persistent ids:
//! [`DeviceStore::import`], one transaction that holds off other
//! inserts and moves the id counter above every imported id). Instants are milliseconds since the Unix epoch
//! (UTC). The device table:
//!
//! | column | PostgreSQL | MySQL / MariaDB | [`DeviceRecord`] field |
//! |---|---|---|---|
//! | `id` | `BIGSERIAL PRIMARY KEY` | `BIGINT AUTO_INCREMENT PRIMARY KEY` | `id` |
//! | `user_id` | `VARCHAR(255) COLLATE "C"` | `VARBINARY(255)` | `user` |
//! | `model_label` | `VARCHAR(255) COLLATE "C"` | `VARBINARY(255)` | `model_label` |
//! | `name` | `VARCHAR(255)` | `VARCHAR(255)` utf8mb4 | `name` |
//! | `confirmed` | `BOOLEAN` | `BOOLEAN` (`TINYINT(1)`) | `confirmed` |
//! | `created_at` | `BIGINT` | `BIGINT` | `created_at` |
//! | `last_used_at` | `BIGINT NULL` | `BIGINT NULL` | `last_used_at` |
//! | `failure_count` | `BIGINT`, 0 ..= 2³²−1 | `BIGINT`, 0 ..= 2³²−1 | `throttle.failure_count` |
//! | `failure_timestamp` | `BIGINT NULL` | `BIGINT NULL` | `throttle.failure_timestamp` |
//! | `last_generated_at` | `BIGINT NULL` | `BIGINT NULL` | `last_generated_at` |
//! | `state` | `TEXT` | `LONGTEXT` utf8mb4 | `state` (the kind's JSON, kept as exact text) |
//! | `version` | `BIGINT` | `BIGINT` | `version` |
//! | `imported_id` | `BIGINT NULL` | `BIGINT NULL` | `imported_id` |
//!
//! Indexes: `otpkit_device_user_id (user_id, id)`, `otpkit_device_model_label
//! (model_label, id)` and the unique `otpkit_device_imported (model_label, imported_id)`.
//!
//! User ids compare byte for byte (docs/behaviour.md §1.1). On MySQL this rules out `VARCHAR …
//! COLLATE utf8mb4_bin`: that collation is `PAD SPACE`, so `'alice' = 'alice '` would hold and one
//! user could reach another's devices. `VARBINARY` compares bytes and nothing else. The state
//! is a text column, not `JSON`, so the exact text round-trips (MySQL's `JSON` type would
//! reorder and reformat it). A value too wide for its column is refused before anything is
//! written, whatever the server's `sql_mode`.
//!
//! # Transactions
//!
//! Each [`DeviceStore`] method that changes state is one transaction (docs/behaviour.md §2.9):
//!
//! - `update(id, m)`: `BEGIN`; `SELECT … WHERE id = ? FOR UPDATE`; run `m` on the decoded
//!   row; one `UPDATE` of every column with `version = version + 1`, a `DELETE`, or nothing;
//!   `COMMIT`; only then `Ok`, with `m`'s value and the row as committed. A missing id is
//!   `Ok(None)` and `m` is not called.
//! - `update_user(user, m)`: the same over `SELECT … WHERE user_id = ? ORDER BY id FOR
//!   UPDATE`, which takes the row locks in ascending id order.
//! - `insert(new, init)`: `INSERT` with a placeholder state, the new id (`RETURNING id` /
//!   `LAST_INSERT_ID()`), `init(id)`, `UPDATE` of the state, `COMMIT`. If `init` fails the
//!   transaction rolls back and the error is [`StoreError::Init`].
//! - `delete_for_user` is one `DELETE`; `get` and the listings are plain reads.
//!
//! The locking read is what serialises transitions: it waits for the row lock and returns the
//! latest committed row. PostgreSQL transactions are begun `ISOLATION LEVEL READ COMMITTED`
//! explicitly (at REPEATABLE READ or SERIALIZABLE a waiter would fail with 40001 instead of
//! re-reading). InnoDB transactions run at the server's level, normally REPEATABLE READ,
//! where a locking read ignores the transaction's snapshot and reads the latest committed
//! row; the same holds at READ COMMITTED and SERIALIZABLE. No plain read precedes the locking
//! read in a transaction, so every decision is made from the locked row. A failed `COMMIT` is
//! an error (fail closed, REQ-14 F2).
//!
//! # Retries
//!
//! A deadlock, serialisation failure or lock-wait timeout — PostgreSQL SQLSTATE `40001`,
//! `40P01`, `55P03`; MySQL errors 1213, 1205 — leaves nothing committed. The whole
//! transaction is then rolled back and run again from `BEGIN`, with a fresh locking read and
//! the mutation called again (mutations are `FnMut` and pure apart from the CSPRNG; the
//! value returned is that of the run that committed), after a
//! pause of 5 ms · 2ⁿ⁻¹ plus random jitter, at most [`MAX_RETRIES`] (3) times; after that the
//! error is [`StoreError::Conflict`]. An `insert` whose `init` already ran keeps its result
//! and retries with the same id, so `init` runs once. Any other error is
//! [`StoreError::Backend`] at once; a missing table or column is [`StoreError::Schema`]; a row
//! that does not decode is [`StoreError::Corrupt`].
//!
//! How long one attempt waits for a lock is the server's setting: PostgreSQL's `lock_timeout`
//! (default: forever) and InnoDB's `innodb_lock_wait_timeout` (default 50 s). Mutations are
//! quick, so the waits are short unless a connection hangs while holding a lock.
//!
//! # Sessions (feature `sessions`)
//!
//! [`PgSessionStore`](sessions::PgSessionStore) and
//! [`MySqlSessionStore`](sessions::MySqlSessionStore) keep tower-sessions sessions in the same
//! database, on a sqlx pool (the device store's [`pool`](postgres::PgStore::pool) or
//! another), in the table `otpkit_session` with migrations of their own (recorded in
//! [`SESSION_MIGRATIONS_TABLE`](sessions::SESSION_MIGRATIONS_TABLE)). They implement `SessionStore`, `ExpiredDeletion` and
//! otpkit-sessions' `UserSessions`; tombstones make them resurrection safe by themselves.
//!
//! What each operation does (tombstones, expiry, the user index) is described in
//! [`otpkit_sessions`]; here each is one statement in autocommit, so no transaction is held
//! across an await:
//!
//! | operation | PostgreSQL | MySQL / MariaDB |
//! |---|---|---|
//! | create | `INSERT … ON CONFLICT (id) DO NOTHING`; no row: new id | `INSERT`; duplicate key: new id |
//! | save | `INSERT … ON CONFLICT (id) DO UPDATE … WHERE data IS NOT NULL` | `INSERT … ON DUPLICATE KEY UPDATE col = IF(data IS NULL, col, VALUES(col))` |
//! | delete | upsert of a tombstone (`data = NULL`, `expires_at = GREATEST(expires_at, now) + grace`) | the same |
//!
//! The upserts are atomic under the row's lock at any isolation level: a save that races a
//! delete either lands before it (and is then tombstoned) or sees the tombstone and changes
//! nothing. A statement that fails with a deadlock, serialisation failure or lock-wait
//! timeout wrote nothing and runs again (at most [`MAX_RETRIES`] times,
//! as the device store's transactions); every other error is
//! `session_store::Error::Backend`.
//!
//! | column | PostgreSQL | MySQL / MariaDB |
//! |---|---|---|
//! | `id` | `BYTEA PRIMARY KEY` (16 bytes) | `BINARY(16) PRIMARY KEY` |
//! | `user_id` | `VARCHAR(255) COLLATE "C" NULL` | `VARBINARY(255) NULL` |
//! | `data` | `TEXT NULL` | `LONGTEXT` utf8mb4 `NULL` |
//! | `created_at`, `last_seen_at`, `expires_at` | `BIGINT` (ms) | `BIGINT` (ms) |
//!
//! Indexes: `otpkit_session_user (user_id)`, `otpkit_session_expires (expires_at)`.
//!
//! # Tests
//!
//! `tests/postgres.rs` and `tests/mysql.rs` (this crate's suite, written once in
//! `tests/common/suite.rs` and `cases.rs` and run per backend by `store_suite!`, plus each
//! server's own tests) and
//! `tests/postgres_conformance.rs` and `tests/mysql_conformance.rs` (otpkit's store
//! conformance suite, two pools per case) and `tests/sessions.rs` (otpkit-sessions'
//! session store conformance suite on both servers) run against the servers named by
//! `OTPKIT_TEST_POSTGRES_URL` and `OTPKIT_TEST_MYSQL_URL`; each test creates its own
//! database (`otpkit_t_<random>`) and drops it afterwards. Without a URL the tests say so and
//! pass, unless `OTPKIT_REQUIRE_DB=1`, which makes a missing URL fail; an unreachable server
//! always fails.
//!
//! ```text
//! OTPKIT_REQUIRE_DB=1 \
//! OTPKIT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//! OTPKIT_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test \
//!   cargo test -p otpkit-sqlx
//! ```
//!
//! [`DeviceRecord`]: otpkit::DeviceRecord
//! [`DeviceStore`]: otpkit::DeviceStore
//! [`StoreError::Schema`]: otpkit::store::StoreError::Schema
//! [`StoreError::Init`]: otpkit::store::StoreError::Init
//! [`StoreError::Conflict`]: otpkit::store::StoreError::Conflict
//! [`StoreError::Backend`]: otpkit::store::StoreError::Backend
//! [`StoreError::Corrupt`]: otpkit::store::StoreError::Corrupt
#![cfg_attr(docsrs, feature(doc_cfg))]
// Without a backend feature only the shared helpers remain, and nothing uses them.
#![cfg_attr(
    not(any(feature = "postgres", feature = "mysql")),
    allow(dead_code, unused_imports, unused_macros)
)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

use std::future::Future;

use async_trait::async_trait;
use otpkit::store::{
    Committed, DeviceQuery, InitState, Mutation, StoreError, UserCommitted, UserMutation,
};
use otpkit::{DeviceId, DeviceRecord, DeviceStore, UserId, device::NewDevice};

mod dialect;
mod import;
mod migrations;
mod retry;
mod row;
#[cfg(feature = "sessions")]
#[cfg_attr(docsrs, doc(cfg(feature = "sessions")))]
pub mod sessions;
mod sql;
mod store;
pub mod trust;

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;

pub use migrations::MIGRATIONS_TABLE;
pub use retry::MAX_RETRIES;

/// The parts of [sqlx](https://docs.rs/sqlx/0.9) 0.9 this crate is built on, under the names
/// the `sqlx` facade crate gives them (`sqlx::query`, `sqlx::postgres::PgPoolOptions`, …):
/// build pools for `from_pool`, or run your own queries, with the very same version.
///
/// otpkit-sqlx depends on sqlx's parts (`sqlx-core`, `sqlx-postgres`, `sqlx-mysql`) rather
/// than on the facade: the facade's optional SQLite driver enters the dependency graph even
/// when it is off, and its `libsqlite3-sys` cannot coexist with the newer one of rusqlite
/// (otpkit-sqlite) in one build.
pub mod sqlx {
    pub use sqlx_core::acquire::Acquire;
    pub use sqlx_core::connection::{ConnectOptions, Connection};
    pub use sqlx_core::decode::Decode;
    pub use sqlx_core::encode::Encode;
    pub use sqlx_core::error::{self, Error, Result};
    pub use sqlx_core::executor::{Execute, Executor};
    pub use sqlx_core::migrate;
    pub use sqlx_core::pool::{self, Pool};
    pub use sqlx_core::query::query;
    pub use sqlx_core::query_as::query_as;
    pub use sqlx_core::query_scalar::query_scalar;
    pub use sqlx_core::raw_sql::raw_sql;
    pub use sqlx_core::row::Row;
    pub use sqlx_core::sql_str::{AssertSqlSafe, SqlSafeStr, SqlStr};
    pub use sqlx_core::transaction::Transaction;
    pub use sqlx_core::types::{self, Type};
    #[cfg(feature = "mysql")]
    pub use sqlx_mysql::{self as mysql, MySql, MySqlConnection, MySqlPool};
    #[cfg(feature = "postgres")]
    pub use sqlx_postgres::{self as postgres, PgConnection, PgPool, Postgres};
}

use retry::Failure;

/// How many rows one listing query reads while a filter runs in Rust (`user_contains`).
const LIST_BATCH: i64 = 500;

/// Runs a listing: the SQL query applies every filter but `user_contains`, whose ASCII
/// case-insensitive rule ([`DeviceQuery::matches`]) is applied here, reading batches in id
/// order (keyset pagination) until `limit` rows matched or the table ends.
async fn list_in_batches<F, Fut>(
    query: &DeviceQuery,
    mut fetch: F,
) -> Result<Vec<DeviceRecord>, Failure>
where
    F: FnMut(i64, i64) -> Fut,
    Fut: Future<Output = Result<Vec<DeviceRecord>, Failure>>,
{
    let want = query
        .limit
        .map(|l| usize::try_from(l).unwrap_or(usize::MAX));
    let mut out = Vec::new();
    if want == Some(0) {
        return Ok(out);
    }
    let filter_here = query.user_contains.is_some();
    let batch = match (filter_here, query.limit) {
        (true, _) => LIST_BATCH,
        (false, Some(l)) => i64::from(l),
        (false, None) => i64::MAX,
    };
    // Ids are positive, so `i64::MIN` means "from the start".
    let mut after = query.after_id.unwrap_or(i64::MIN);
    loop {
        let rows = fetch(after, batch).await?;
        let full = i64::try_from(rows.len()).is_ok_and(|n| n >= batch);
        for rec in rows {
            after = rec.id;
            if query.matches(&rec) {
                out.push(rec);
                if want.is_some_and(|w| out.len() >= w) {
                    return Ok(out);
                }
            }
        }
        if !filter_here || !full {
            return Ok(out);
        }
    }
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
mod any_store {
    use super::*;

    /// Which server an `OTPKIT_DATABASE_URL` names.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[non_exhaustive]
    pub enum Backend {
        /// `postgres://` or `postgresql://`.
        Postgres,
        /// `mysql://` or `mariadb://`.
        MySql,
    }

    impl Backend {
        /// The backend a URL's scheme names (ASCII case-insensitive), or `None` for any other
        /// scheme (`sqlite://` belongs to otpkit-sqlite). Does not check that this build has
        /// the backend's feature.
        ///
        /// ```
        /// use otpkit_sqlx::Backend;
        /// assert_eq!(Backend::from_url("postgresql://db/otp"), Some(Backend::Postgres));
        /// assert_eq!(Backend::from_url("MySQL://root@db/otp"), Some(Backend::MySql));
        /// assert_eq!(Backend::from_url("sqlite://otpkit.sqlite3"), None);
        /// ```
        pub fn from_url(url: &str) -> Option<Self> {
            let (scheme, _) = url.split_once("://")?;
            match scheme.to_ascii_lowercase().as_str() {
                "postgres" | "postgresql" => Some(Backend::Postgres),
                "mysql" | "mariadb" => Some(Backend::MySql),
                _ => None,
            }
        }
    }

    /// A URL this build cannot connect to. The message names the scheme only, never the URL
    /// (it may hold a password).
    #[derive(Debug, thiserror::Error)]
    #[error(
        "OTPKIT_DATABASE_URL: scheme `{scheme}` is not supported by this build of otpkit-sqlx \
         (use postgres:// or mysql://, with the matching cargo feature)"
    )]
    pub struct UnsupportedUrl {
        scheme: String,
    }

    /// Either backend, chosen at run time from a URL (docs/behaviour.md §6 `OTPKIT_DATABASE_URL`).
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub enum SqlxStore {
        /// PostgreSQL.
        #[cfg(feature = "postgres")]
        Postgres(crate::postgres::PgStore),
        /// MySQL or MariaDB.
        #[cfg(feature = "mysql")]
        MySql(crate::mysql::MySqlStore),
    }

    impl SqlxStore {
        /// Connects to `url` with the backend its scheme names ([`Backend::from_url`]); any
        /// other scheme, or a backend whose feature is off, is a [`StoreError::Backend`]
        /// wrapping [`UnsupportedUrl`].
        pub async fn connect(url: &str) -> Result<Self, StoreError> {
            match Backend::from_url(url) {
                #[cfg(feature = "postgres")]
                Some(Backend::Postgres) => Ok(SqlxStore::Postgres(
                    crate::postgres::PgStore::connect(url).await?,
                )),
                #[cfg(feature = "mysql")]
                Some(Backend::MySql) => Ok(SqlxStore::MySql(
                    crate::mysql::MySqlStore::connect(url).await?,
                )),
                #[allow(unreachable_patterns)]
                _ => Err(StoreError::backend(UnsupportedUrl {
                    scheme: url
                        .split_once("://")
                        .map_or("", |(s, _)| s)
                        .chars()
                        .take(32)
                        .collect(),
                })),
            }
        }

        /// Which backend this is.
        pub fn backend(&self) -> Backend {
            match self {
                #[cfg(feature = "postgres")]
                SqlxStore::Postgres(_) => Backend::Postgres,
                #[cfg(feature = "mysql")]
                SqlxStore::MySql(_) => Backend::MySql,
            }
        }

        /// Applies the backend's pending migrations; a no-op when the schema is current.
        pub async fn migrate(&self) -> Result<(), StoreError> {
            match self {
                #[cfg(feature = "postgres")]
                SqlxStore::Postgres(s) => s.migrate().await,
                #[cfg(feature = "mysql")]
                SqlxStore::MySql(s) => s.migrate().await,
            }
        }

        fn inner(&self) -> &dyn DeviceStore {
            match self {
                #[cfg(feature = "postgres")]
                SqlxStore::Postgres(s) => s,
                #[cfg(feature = "mysql")]
                SqlxStore::MySql(s) => s,
            }
        }
    }

    #[async_trait]
    impl DeviceStore for SqlxStore {
        async fn insert(
            &self,
            new: NewDevice,
            init: InitState,
        ) -> Result<DeviceRecord, StoreError> {
            self.inner().insert(new, init).await
        }

        async fn get(&self, id: DeviceId) -> Result<Option<DeviceRecord>, StoreError> {
            self.inner().get(id).await
        }

        async fn list_for_user(&self, user: &UserId) -> Result<Vec<DeviceRecord>, StoreError> {
            self.inner().list_for_user(user).await
        }

        async fn list(&self, query: &DeviceQuery) -> Result<Vec<DeviceRecord>, StoreError> {
            self.inner().list(query).await
        }

        async fn update(
            &self,
            id: DeviceId,
            mutation: Mutation,
        ) -> Result<Option<Committed>, StoreError> {
            self.inner().update(id, mutation).await
        }

        async fn update_user(
            &self,
            user: &UserId,
            mutation: UserMutation,
        ) -> Result<UserCommitted, StoreError> {
            self.inner().update_user(user, mutation).await
        }

        async fn delete_for_user(&self, user: &UserId) -> Result<u64, StoreError> {
            self.inner().delete_for_user(user).await
        }

        async fn get_imported(
            &self,
            model_label: &str,
            imported_id: DeviceId,
        ) -> Result<Option<DeviceRecord>, StoreError> {
            self.inner().get_imported(model_label, imported_id).await
        }

        async fn import(
            &self,
            user: &UserId,
            devices: Vec<otpkit::store::ImportedDevice>,
        ) -> Result<Vec<DeviceRecord>, StoreError> {
            self.inner().import(user, devices).await
        }
    }
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
pub use any_store::{Backend, SqlxStore, UnsupportedUrl};

#[cfg(test)]
mod tests {
    use otpkit::device::ThrottleState;
    use otpkit::{Timestamp, UserId};

    use super::*;

    fn table() -> Vec<DeviceRecord> {
        (1..=1234)
            .map(|id| DeviceRecord {
                id,
                user: UserId::new(if id % 7 == 0 { "Alice" } else { "bob" }).unwrap(),
                model_label: "otp_totp.totpdevice".into(),
                name: String::new(),
                confirmed: id % 2 == 0,
                created_at: Timestamp::from_millis(id),
                last_used_at: None,
                throttle: ThrottleState::default(),
                last_generated_at: None,
                state: String::new(),
                version: 0,
                imported_id: None,
            })
            .collect()
    }

    /// Runs `list_in_batches` over `table()` with a fake "SQL" that applies every filter but
    /// `user_contains`, counting queries.
    async fn list(q: &DeviceQuery) -> (Vec<DeviceRecord>, usize) {
        let rows = table();
        let mut queries = 0;
        let out = list_in_batches(q, |after, limit| {
            queries += 1;
            let sql = DeviceQuery {
                user_contains: None,
                after_id: Some(after),
                ..q.clone()
            };
            let batch: Vec<_> = rows
                .iter()
                .filter(|r| sql.matches(r))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .cloned()
                .collect();
            async move { Ok(batch) }
        })
        .await
        .unwrap();
        (out, queries)
    }

    fn expected(q: &DeviceQuery) -> Vec<DeviceRecord> {
        table()
            .into_iter()
            .filter(|r| q.matches(r))
            .take(q.limit.map_or(usize::MAX, |l| l as usize))
            .collect()
    }

    #[tokio::test]
    async fn batches_agree_with_matches() {
        let queries = [
            DeviceQuery::default(),
            DeviceQuery {
                limit: Some(0),
                ..Default::default()
            },
            DeviceQuery {
                limit: Some(3),
                after_id: Some(1000),
                ..Default::default()
            },
            DeviceQuery {
                user_contains: Some("ALI".into()),
                ..Default::default()
            },
            DeviceQuery {
                user_contains: Some("ali".into()),
                limit: Some(100),
                confirmed: Some(true),
                ..Default::default()
            },
            DeviceQuery {
                user_contains: Some("nobody".into()),
                limit: Some(1),
                ..Default::default()
            },
        ];
        for q in &queries {
            let (got, _) = list(q).await;
            assert_eq!(got, expected(q), "{q:?}");
        }
    }

    #[tokio::test]
    async fn query_counts() {
        // Without a Rust-side filter: one query, whatever the limit.
        assert_eq!(list(&DeviceQuery::default()).await.1, 1);
        // With one: batches of LIST_BATCH until the table ends (1234 rows → 3 queries) …
        let q = DeviceQuery {
            user_contains: Some("nobody".into()),
            ..Default::default()
        };
        assert_eq!(list(&q).await.1, 3);
        // … or the limit is reached (Alice's 3rd device is id 21, in the first batch).
        let q = DeviceQuery {
            user_contains: Some("alice".into()),
            limit: Some(3),
            ..Default::default()
        };
        let (got, n) = list(&q).await;
        assert_eq!((got.len(), n), (3, 1));
        // A limit of 0 asks nothing.
        let q = DeviceQuery {
            limit: Some(0),
            ..Default::default()
        };
        assert_eq!(list(&q).await.1, 0);
    }

    #[cfg(any(feature = "postgres", feature = "mysql"))]
    #[test]
    fn backend_from_url() {
        assert_eq!(Backend::from_url("postgres://x/y"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("mariadb://x/y"), Some(Backend::MySql));
        assert_eq!(Backend::from_url("postgres:x"), None);
        assert_eq!(Backend::from_url(""), None);
    }
}
