//! The PostgreSQL backend: [`PgStore`].
//!
//! Every transition is one transaction, begun explicitly at READ COMMITTED (whatever the
//! server's default): `SELECT … FOR UPDATE` takes the device's row lock and returns its latest
//! committed version (a waiter re-reads the row once the holder commits), the mutation
//! decides, one `UPDATE`/`DELETE` writes, and `COMMIT` ends it. Failures with SQLSTATE 40001
//! (serialisation), 40P01 (deadlock) or 55P03 (lock not available, e.g. `lock_timeout`) —
//! also at `COMMIT` — roll back and retry (see the [crate docs](crate#retries)).
//!
//! The operations are the shared ones (`store.rs`); this module holds what
//! PostgreSQL does differently (its `Dialect`): `$n` placeholders, `INSERT … RETURNING id`, the
//! `BEGIN` statement, its SQLSTATEs, and the migrations' advisory lock.

use crate::sqlx;
use std::sync::LazyLock;

use otpkit::device::DeviceId;
use otpkit::store::StoreError;
use sqlx::error::DatabaseError;
use sqlx::postgres::{PgConnection, PgPool, PgQueryResult, PgRow};
use sqlx::{Postgres, Row};

use crate::dialect::{self, DbQuery, Dialect, ServerError};
use crate::migrations::Embedded;
use crate::retry::Failure;
use crate::sql::{Placeholders, Statements};

crate::store::sqlx_store! {
    /// A [`DeviceStore`](otpkit::DeviceStore) on PostgreSQL.
    ///
    /// Cheap to clone (the pool is shared). Two `PgStore`s on one database — in one process or
    /// many — serialise their transitions through row locks.
    ///
    /// ```no_run
    /// use otpkit_sqlx::postgres::PgStore;
    ///
    /// # async fn example() -> Result<(), otpkit::store::StoreError> {
    /// let store = PgStore::connect("postgres://otpkit@db.internal/otpkit").await?;
    /// store.migrate().await?; // creates or upgrades the schema; a no-op when current
    /// # Ok(())
    /// # }
    /// ```
    pub struct PgStore(Pg, PgPool);
    example_url = "postgres://user:password@host:5432/database?sslmode=require", pool_settings = "`search_path`";
}

impl PgStore {
    /// Applies the migrations that are not applied yet (each in its own transaction, under
    /// an advisory lock). Running it again is a no-op.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Self::migrator()
            .run(&self.pool)
            .await
            .map_err(StoreError::backend)
    }
}

/// PostgreSQL's [`Dialect`].
pub(crate) struct Pg;

impl Dialect for Pg {
    type Db = Postgres;

    /// Every transition runs at READ COMMITTED, whatever `default_transaction_isolation`
    /// says: there a waiting `SELECT … FOR UPDATE` re-reads the row its holder committed,
    /// while at REPEATABLE READ or SERIALIZABLE it would fail with 40001 and burn a retry
    /// each time.
    const BEGIN: Option<&'static str> = Some("BEGIN ISOLATION LEVEL READ COMMITTED");

    const MIGRATIONS: &'static [Embedded] = crate::migrations::embedded!("postgres");

    /// `user_id` and `model_label` are `VARCHAR … COLLATE "C"`: text.
    fn bind_key(q: DbQuery<Self>, key: Option<&str>) -> DbQuery<Self> {
        q.bind(key)
    }

    fn key(row: &PgRow, column: &str) -> Result<String, sqlx::Error> {
        row.try_get(column)
    }

    fn statements() -> &'static Statements {
        static SQL: LazyLock<Statements> =
            LazyLock::new(|| Statements::render(Placeholders::Numbered, " RETURNING id"));
        &SQL
    }

    async fn insert_id(conn: &mut PgConnection, q: DbQuery<Self>) -> Result<DeviceId, Failure> {
        q.fetch_one(&mut *conn)
            .await
            .and_then(|row| row.try_get::<i64, _>(0))
            .map_err(dialect::classify::<Self>)
    }

    /// SHARE ROW EXCLUSIVE conflicts with itself and with every `INSERT`/`UPDATE`/`DELETE`'s
    /// ROW EXCLUSIVE: verifications wait for the import's (short) transaction.
    const IMPORT_LOCK: &'static str = "LOCK TABLE otpkit_device IN SHARE ROW EXCLUSIVE MODE";

    /// The sequence moves past `highest` (never back: `nextval` is at least its current
    /// value; one id is skipped, which only ever leaves a gap).
    async fn raise_ids(
        conn: &mut PgConnection,
        highest: DeviceId,
        _max_new: DeviceId,
    ) -> Result<(), Failure> {
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('otpkit_device', 'id'), \
             GREATEST(nextval(pg_get_serial_sequence('otpkit_device', 'id')), $1))",
        )
        .bind(highest)
        .execute(&mut *conn)
        .await
        .map(drop)
        .map_err(dialect::classify::<Self>)
    }

    fn rows_affected(done: &PgQueryResult) -> u64 {
        done.rows_affected()
    }

    fn server_error(e: &dyn DatabaseError) -> Option<ServerError> {
        match e.code().as_deref() {
            // serialization_failure, deadlock_detected, lock_not_available
            Some("40001" | "40P01" | "55P03") => Some(ServerError::Retry),
            // undefined_table, undefined_column: not migrated (or migrated by an older otpkit)
            Some("42P01" | "42703") => Some(ServerError::Schema),
            _ => None,
        }
    }
}
