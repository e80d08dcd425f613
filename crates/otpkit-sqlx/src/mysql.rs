//! The MySQL/MariaDB backend: [`MySqlStore`].
//!
//! Every transition is one InnoDB transaction at the server's isolation level (normally
//! REPEATABLE READ). The transaction opens with `SELECT … FOR UPDATE`, a *locking* read: it
//! waits for the row lock and reads the latest committed row, not the transaction's snapshot,
//! and nothing is read before it. The mutation decides, one `UPDATE`/`DELETE` writes, and
//! `COMMIT` ends it. Errors 1213 (deadlock) and 1205 (lock-wait timeout; InnoDB then rolls
//! back only the statement, so the whole transaction is rolled back here) retry (see the
//! [crate docs](crate#retries)).
//!
//! `user_id` and `model_label` are `VARBINARY` and bound as bytes: they compare byte for
//! byte, with no collation and no trailing-space padding.
//!
//! The operations are the shared ones (`store.rs`); this module holds what
//! MySQL does differently (its `Dialect`): `?` placeholders, `LAST_INSERT_ID()`, the plain
//! `BEGIN`, bytes for the two key columns, its error numbers, and a migration lock that
//! MariaDB honours.

use crate::sqlx;
use std::sync::LazyLock;

use otpkit::device::DeviceId;
use otpkit::store::StoreError;
use sqlx::error::DatabaseError;
use sqlx::migrate::Migrator;
use sqlx::mysql::{
    MySql, MySqlConnection, MySqlDatabaseError, MySqlPool, MySqlQueryResult, MySqlRow,
};
use sqlx::{Connection, Row};

use crate::dialect::{self, DbQuery, Dialect, ServerError};
use crate::migrations::Embedded;
use crate::retry::Failure;
use crate::sql::{Placeholders, Statements};

crate::store::sqlx_store! {
    /// A [`DeviceStore`](otpkit::DeviceStore) on MySQL 8 or MariaDB (InnoDB).
    ///
    /// Cheap to clone (the pool is shared). Two `MySqlStore`s on one database — in one process or
    /// many — serialise their transitions through row locks.
    ///
    /// ```no_run
    /// use otpkit_sqlx::mysql::MySqlStore;
    ///
    /// # async fn example() -> Result<(), otpkit::store::StoreError> {
    /// let store = MySqlStore::connect("mysql://otpkit@db.internal/otpkit").await?;
    /// store.migrate().await?; // creates or upgrades the schema; a no-op when current
    /// # Ok(())
    /// # }
    /// ```
    pub struct MySqlStore(My, MySqlPool);
    example_url = "mysql://user:password@host:3306/database?ssl-mode=required", pool_settings = "session variables", migrator_note = "Prefer [`MySqlStore::migrate`]: this migrator's own lock does not make concurrent runs wait on MariaDB (see there).";
}

impl MySqlStore {
    /// Applies the migrations that are not applied yet. Running it again is a no-op. (MySQL
    /// cannot roll DDL back; a migration that fails half-way is reported as dirty by the next
    /// run.)
    ///
    /// Concurrent runs (several instances starting at once) take turns on a named lock,
    /// `GET_LOCK('otpkit_migrate:<database>', 300)`, held by a separate connection for the
    /// duration. sqlx's own migration lock asks for `GET_LOCK(…, -1)`, which MariaDB answers
    /// at once with `NULL` instead of waiting (only MySQL reads −1 as "forever"), so it is
    /// switched off and replaced by this one.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        run_locked(&self.pool, Self::migrator()).await
    }
}

/// Runs `migrator` on `pool` under otpkit's named migration lock (see
/// [`MySqlStore::migrate`]); the session store's migrations take the same lock.
pub(crate) async fn run_locked(pool: &MySqlPool, mut migrator: Migrator) -> Result<(), StoreError> {
    // The lock lives on a connection of its own, outside the pool, so that it cannot go
    // back to the pool still held and a pool of one connection can still migrate.
    let options = pool.connect_options();
    let mut lock = MySqlConnection::connect_with(&options)
        .await
        .map_err(StoreError::backend)?;
    let locked: Option<i64> = sqlx::query_scalar(MIGRATE_LOCK)
        .bind(MIGRATE_LOCK_WAIT_SECS)
        .fetch_one(&mut lock)
        .await
        .map_err(StoreError::backend)?;
    if locked != Some(1) {
        return Err(StoreError::backend(MigrateLockBusy));
    }
    migrator.set_locking(false);
    let result = migrator.run(pool).await;
    // Closing the session releases the lock, whatever happened above.
    if let Err(e) = lock.close().await {
        tracing::debug!(error = %e, "otpkit-sqlx: closing the migration lock connection failed");
    }
    result.map_err(StoreError::backend)
}

/// The migration lock, named after the database (lock names are at most 64 characters).
const MIGRATE_LOCK: &str =
    "SELECT GET_LOCK(LEFT(CONCAT('otpkit_migrate:', COALESCE(DATABASE(), '')), 64), ?)";
/// How long `migrate` waits for another instance's migration, in seconds.
const MIGRATE_LOCK_WAIT_SECS: i64 = 300;

/// Another instance held the migration lock for longer than `MIGRATE_LOCK_WAIT_SECS`.
#[derive(Debug, thiserror::Error)]
#[error("another process held otpkit's migration lock for 300 s; try `otpkit migrate` again")]
struct MigrateLockBusy;

/// The server returned an id that is not a positive `i64`.
#[derive(Debug, thiserror::Error)]
#[error("the server returned an out-of-range insert id")]
struct BadInsertId;

/// MySQL's and MariaDB's [`Dialect`].
pub(crate) struct My;

impl Dialect for My {
    type Db = MySql;

    /// sqlx's plain `BEGIN`: InnoDB's locking read is what serialises, at any level.
    const BEGIN: Option<&'static str> = None;

    const MIGRATIONS: &'static [Embedded] = crate::migrations::embedded!("mysql");

    fn statements() -> &'static Statements {
        static SQL: LazyLock<Statements> =
            LazyLock::new(|| Statements::render(Placeholders::Positional, ""));
        &SQL
    }

    /// `user_id` and `model_label` are `VARBINARY`: bytes, compared byte for byte.
    fn bind_key(q: DbQuery<Self>, key: Option<&str>) -> DbQuery<Self> {
        q.bind(key.map(str::as_bytes))
    }

    /// A `VARBINARY` column's bytes as text.
    fn key(row: &MySqlRow, column: &str) -> Result<String, sqlx::Error> {
        String::from_utf8(row.try_get(column)?).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    }

    async fn insert_id(conn: &mut MySqlConnection, q: DbQuery<Self>) -> Result<DeviceId, Failure> {
        let done = q
            .execute(&mut *conn)
            .await
            .map_err(dialect::classify::<Self>)?;
        DeviceId::try_from(done.last_insert_id())
            .map_err(|_| Failure::Fatal(StoreError::backend(BadInsertId)))
    }

    /// A locking read of the last id: its next-key lock covers the gap above the largest id,
    /// where every other insert would go (two imports on an empty table may deadlock on it:
    /// error 1213, retried).
    const IMPORT_LOCK: &'static str = "SELECT MAX(id) FROM otpkit_device FOR UPDATE";

    /// InnoDB moves its counter past an id inserted explicitly, and never back when the row
    /// goes: when the new ids stayed at or below `highest`, a placeholder row with id
    /// `highest + 1` is inserted and deleted in the import's transaction (no other
    /// transaction ever sees it).
    async fn raise_ids(
        conn: &mut MySqlConnection,
        highest: DeviceId,
        max_new: DeviceId,
    ) -> Result<(), Failure> {
        if max_new > highest {
            return Ok(());
        }
        let id = highest.saturating_add(1);
        for sql in [
            "INSERT INTO otpkit_device (id, user_id, model_label, name, confirmed, created_at, \
             state) VALUES (?, '', '', '', FALSE, 0, '')",
            "DELETE FROM otpkit_device WHERE id = ?",
        ] {
            sqlx::query(sql)
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(dialect::classify::<Self>)?;
        }
        Ok(())
    }

    fn rows_affected(done: &MySqlQueryResult) -> u64 {
        done.rows_affected()
    }

    fn server_error(e: &dyn DatabaseError) -> Option<ServerError> {
        match e.try_downcast_ref::<MySqlDatabaseError>()?.number() {
            // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
            1213 | 1205 => Some(ServerError::Retry),
            // ER_NO_SUCH_TABLE, ER_BAD_FIELD_ERROR: not migrated (or by an older otpkit)
            1146 | 1054 => Some(ServerError::Schema),
            _ => None,
        }
    }
}
