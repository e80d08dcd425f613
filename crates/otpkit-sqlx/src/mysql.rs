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

use crate::sqlx;
use std::fmt;

use async_trait::async_trait;
use otpkit::device::{DeviceId, DeviceRecord, NewDevice, ThrottleState};
use otpkit::store::{
    DeviceQuery, DeviceStore, InitState, Mutation, StoreError, UserMutation, Write,
};
use otpkit::user::UserId;
use sqlx::migrate::Migrator;
use sqlx::mysql::{
    MySql, MySqlConnection, MySqlDatabaseError, MySqlPool, MySqlPoolOptions, MySqlRow,
};
use sqlx::{Connection, Row, Transaction};

use crate::LostRow;
use crate::migrations::{self, Embedded};
use crate::retry::{self, Failure};
use crate::row::{DeviceRow, check_fits, device_columns};

/// The embedded MySQL/MariaDB migrations (`migrations/mysql/`).
const MIGRATIONS: &[Embedded] = &[(
    1,
    "otpkit_device",
    include_str!("../migrations/mysql/0001_otpkit_device.sql"),
)];

/// The migration lock, named after the database (lock names are at most 64 characters).
const MIGRATE_LOCK: &str =
    "SELECT GET_LOCK(LEFT(CONCAT('otpkit_migrate:', COALESCE(DATABASE(), '')), 64), ?)";
/// How long `migrate` waits for another instance's migration, in seconds.
const MIGRATE_LOCK_WAIT_SECS: i64 = 300;

/// Another instance held the migration lock for longer than `MIGRATE_LOCK_WAIT_SECS`.
#[derive(Debug, thiserror::Error)]
#[error("another process held otpkit's migration lock for 300 s; try `otpkit migrate` again")]
struct MigrateLockBusy;

const SELECT_ONE: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM otpkit_device WHERE id = ?"
);
const SELECT_ONE_FOR_UPDATE: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM otpkit_device WHERE id = ? FOR UPDATE"
);
const SELECT_USER: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM otpkit_device WHERE user_id = ? ORDER BY id"
);
const SELECT_USER_FOR_UPDATE: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM otpkit_device WHERE user_id = ? ORDER BY id FOR UPDATE"
);
const SELECT_LIST: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM otpkit_device \
     WHERE (? IS NULL OR user_id = ?) \
       AND (? IS NULL OR model_label = ?) \
       AND (? IS NULL OR confirmed = ?) \
       AND (? IS NULL OR created_at < ?) \
       AND id > ? \
     ORDER BY id LIMIT ?"
);
const INSERT: &str = "INSERT INTO otpkit_device \
     (user_id, model_label, name, confirmed, created_at, last_used_at, failure_count, \
      failure_timestamp, last_generated_at, state, version) \
     VALUES (?, ?, ?, ?, ?, NULL, 0, NULL, NULL, '', 0)";
const INSERT_WITH_ID: &str = "INSERT INTO otpkit_device \
     (id, user_id, model_label, name, confirmed, created_at, last_used_at, failure_count, \
      failure_timestamp, last_generated_at, state, version) \
     VALUES (?, ?, ?, ?, ?, ?, NULL, 0, NULL, NULL, ?, 0)";
const SET_STATE: &str = "UPDATE otpkit_device SET state = ? WHERE id = ?";
const UPDATE: &str = "UPDATE otpkit_device SET \
     user_id = ?, model_label = ?, name = ?, confirmed = ?, created_at = ?, \
     last_used_at = ?, failure_count = ?, failure_timestamp = ?, last_generated_at = ?, \
     state = ?, version = version + 1 \
     WHERE id = ?";
const DELETE_ONE: &str = "DELETE FROM otpkit_device WHERE id = ?";
const DELETE_USER: &str = "DELETE FROM otpkit_device WHERE user_id = ?";

/// A [`DeviceStore`] on MySQL 8 or MariaDB (InnoDB).
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
#[derive(Clone)]
pub struct MySqlStore {
    pool: MySqlPool,
}

impl fmt::Debug for MySqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pool's options may name the server and user; keep them out of logs.
        f.debug_struct("MySqlStore")
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

impl MySqlStore {
    /// Connects a new pool (sqlx's default pool options) to `url`, e.g.
    /// `mysql://user:password@host:3306/database?ssl-mode=required`.
    ///
    /// This does not create or check the schema: call [`MySqlStore::migrate`] (or `otpkit
    /// migrate`) first; until then every operation fails with [`StoreError::Schema`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = MySqlPoolOptions::new()
            .connect(url)
            .await
            .map_err(StoreError::backend)?;
        Ok(Self::from_pool(pool))
    }

    /// Uses an existing pool (to choose its size, timeouts, session variables, TLS …).
    pub fn from_pool(pool: MySqlPool) -> Self {
        MySqlStore { pool }
    }

    /// The underlying pool.
    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// The embedded migrations, as an sqlx [`Migrator`] recording into
    /// [`MIGRATIONS_TABLE`](crate::MIGRATIONS_TABLE). Prefer [`MySqlStore::migrate`]: this
    /// migrator's own lock does not make concurrent runs wait on MariaDB (see there).
    pub fn migrator() -> Migrator {
        migrations::migrator(MIGRATIONS)
    }

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
        // The lock lives on a connection of its own, outside the pool, so that it cannot go
        // back to the pool still held and a pool of one connection can still migrate.
        let options = self.pool.connect_options();
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
        let mut migrator = Self::migrator();
        migrator.set_locking(false);
        let result = migrator.run(&self.pool).await;
        // Closing the session releases the lock, whatever happened above.
        if let Err(e) = lock.close().await {
            tracing::debug!(error = %e, "otpkit-sqlx: closing the migration lock connection failed");
        }
        result.map_err(StoreError::backend)
    }

    async fn update_once(
        &self,
        id: DeviceId,
        mut m: Mutation,
    ) -> (Mutation, Result<bool, Failure>) {
        let r = async {
            let mut tx = self.pool.begin().await.map_err(classify)?;
            let r = update_in(&mut tx, id, &mut m).await;
            finish(tx, r).await
        }
        .await;
        (m, r)
    }

    async fn update_user_once(
        &self,
        user: &UserId,
        mut m: UserMutation,
    ) -> (UserMutation, Result<(), Failure>) {
        let r = async {
            let mut tx = self.pool.begin().await.map_err(classify)?;
            let r = update_user_in(&mut tx, user, &mut m).await;
            finish(tx, r).await
        }
        .await;
        (m, r)
    }

    async fn insert_once(
        &self,
        new: &NewDevice,
        pending: Pending,
    ) -> (Pending, Result<DeviceRecord, Failure>) {
        let mut tx = match self.pool.begin().await {
            Ok(tx) => tx,
            Err(e) => return (pending, Err(classify(e))),
        };
        let (pending, r) = insert_in(&mut tx, new, pending).await;
        let r = finish(tx, r).await.map(|(id, state)| DeviceRecord {
            id,
            user: new.user.clone(),
            model_label: new.model_label.clone(),
            name: new.name.clone(),
            confirmed: new.confirmed,
            created_at: new.created_at,
            last_used_at: None,
            throttle: ThrottleState::default(),
            last_generated_at: None,
            state,
            version: 0,
        });
        (pending, r)
    }

    async fn list_batch(
        &self,
        q: &DeviceQuery,
        after: i64,
        limit: i64,
    ) -> Result<Vec<DeviceRecord>, Failure> {
        let user = q.user.as_ref().map(|u| u.as_str().as_bytes());
        let label = q.model_label.as_ref().map(String::as_bytes);
        let created_before = q.created_before.map(otpkit::Timestamp::as_millis);
        let rows = sqlx::query(SELECT_LIST)
            .bind(user)
            .bind(user)
            .bind(label)
            .bind(label)
            .bind(q.confirmed)
            .bind(q.confirmed)
            .bind(created_before)
            .bind(created_before)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        rows.iter().map(decode).collect()
    }
}

/// The state of an insert across retries: `init` is `FnOnce`, so once it has run its result
/// (bound to the id it was given) is kept and a retry inserts that id directly.
enum Pending {
    Init(InitState),
    Built { id: DeviceId, state: String },
    Spent,
}

/// Commits on success, rolls back on failure; a failed commit is a failure (fail closed).
async fn finish<T>(tx: Transaction<'static, MySql>, r: Result<T, Failure>) -> Result<T, Failure> {
    match r {
        Ok(v) => {
            tx.commit().await.map_err(classify)?;
            Ok(v)
        }
        Err(e) => {
            if let Err(rb) = tx.rollback().await {
                tracing::debug!(error = %rb, "otpkit-sqlx: rollback failed; the connection is dropped");
            }
            Err(e)
        }
    }
}

async fn update_in(
    conn: &mut MySqlConnection,
    id: DeviceId,
    m: &mut Mutation,
) -> Result<bool, Failure> {
    let Some(row) = sqlx::query(SELECT_ONE_FOR_UPDATE)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(classify)?
    else {
        return Ok(false);
    };
    let mut rec = decode(&row)?;
    let w = m(&mut rec);
    write(conn, id, &rec, w).await?;
    Ok(true)
}

async fn update_user_in(
    conn: &mut MySqlConnection,
    user: &UserId,
    m: &mut UserMutation,
) -> Result<(), Failure> {
    let rows = sqlx::query(SELECT_USER_FOR_UPDATE)
        .bind(user.as_str().as_bytes())
        .fetch_all(&mut *conn)
        .await
        .map_err(classify)?;
    let mut recs = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    let ids: Vec<DeviceId> = recs.iter().map(|r| r.id).collect();
    let mut writes = vec![Write::None; recs.len()];
    m(&mut recs, &mut writes);
    for ((id, rec), w) in ids.into_iter().zip(&recs).zip(writes) {
        write(conn, id, rec, w).await?;
    }
    Ok(())
}

/// Writes what a mutation decided for the locked row `id`.
async fn write(
    conn: &mut MySqlConnection,
    id: DeviceId,
    rec: &DeviceRecord,
    w: Write,
) -> Result<(), Failure> {
    let done = match w {
        Write::None => return Ok(()),
        Write::Update => {
            let row = DeviceRow::from_record(rec)?;
            sqlx::query(UPDATE)
                .bind(row.user_id.into_bytes())
                .bind(row.model_label.into_bytes())
                .bind(row.name)
                .bind(row.confirmed)
                .bind(row.created_at)
                .bind(row.last_used_at)
                .bind(row.failure_count)
                .bind(row.failure_timestamp)
                .bind(row.last_generated_at)
                .bind(row.state)
                .bind(id)
                .execute(&mut *conn)
                .await
        }
        Write::Delete => sqlx::query(DELETE_ONE).bind(id).execute(&mut *conn).await,
    }
    .map_err(classify)?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Failure::Fatal(StoreError::backend(LostRow(id))))
    }
}

async fn insert_in(
    conn: &mut MySqlConnection,
    new: &NewDevice,
    pending: Pending,
) -> (Pending, Result<(DeviceId, String), Failure>) {
    match pending {
        Pending::Init(init) => {
            let id = match sqlx::query(INSERT)
                .bind(new.user.as_str().as_bytes())
                .bind(new.model_label.as_bytes())
                .bind(&new.name)
                .bind(new.confirmed)
                .bind(new.created_at.as_millis())
                .execute(&mut *conn)
                .await
                .map_err(classify)
                .and_then(|done| {
                    DeviceId::try_from(done.last_insert_id())
                        .map_err(|_| Failure::Fatal(StoreError::backend(BadInsertId)))
                }) {
                Ok(id) => id,
                Err(e) => return (Pending::Init(init), Err(e)),
            };
            let state = match init(id) {
                Ok(state) => state,
                Err(e) => return (Pending::Spent, Err(Failure::Fatal(StoreError::Init(e)))),
            };
            let r = sqlx::query(SET_STATE)
                .bind(&state)
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(classify);
            let out = r.map(|_| (id, state.clone()));
            (Pending::Built { id, state }, out)
        }
        Pending::Built { id, state } => {
            let r = sqlx::query(INSERT_WITH_ID)
                .bind(id)
                .bind(new.user.as_str().as_bytes())
                .bind(new.model_label.as_bytes())
                .bind(&new.name)
                .bind(new.confirmed)
                .bind(new.created_at.as_millis())
                .bind(&state)
                .execute(&mut *conn)
                .await
                .map_err(classify);
            let out = r.map(|_| (id, state.clone()));
            (Pending::Built { id, state }, out)
        }
        Pending::Spent => (
            Pending::Spent,
            Err(Failure::Fatal(StoreError::backend(crate::InitSpent))),
        ),
    }
}

fn decode(row: &MySqlRow) -> Result<DeviceRecord, Failure> {
    let read = || -> Result<DeviceRow, sqlx::Error> {
        Ok(DeviceRow {
            id: row.try_get("id")?,
            user_id: text(row.try_get("user_id")?)?,
            model_label: text(row.try_get("model_label")?)?,
            name: row.try_get("name")?,
            confirmed: row.try_get("confirmed")?,
            created_at: row.try_get("created_at")?,
            last_used_at: row.try_get("last_used_at")?,
            failure_count: row.try_get("failure_count")?,
            failure_timestamp: row.try_get("failure_timestamp")?,
            last_generated_at: row.try_get("last_generated_at")?,
            state: row.try_get("state")?,
            version: row.try_get("version")?,
        })
    };
    let row = read().map_err(classify)?;
    Ok(DeviceRecord::try_from(row)?)
}

/// A `VARBINARY` column's bytes as text.
fn text(bytes: Vec<u8>) -> Result<String, sqlx::Error> {
    String::from_utf8(bytes).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// The server returned an id that is not a positive `i64`.
#[derive(Debug, thiserror::Error)]
#[error("the server returned an out-of-range insert id")]
struct BadInsertId;

/// Sorts a MySQL error into retry, schema, or plain backend failure.
fn classify(e: sqlx::Error) -> Failure {
    if let sqlx::Error::Database(db) = &e
        && let Some(my) = db.try_downcast_ref::<MySqlDatabaseError>()
    {
        match my.number() {
            // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
            1213 | 1205 => return Failure::Retry(e),
            // ER_NO_SUCH_TABLE, ER_BAD_FIELD_ERROR: not migrated (or by an older otpkit)
            1146 | 1054 => return Failure::Fatal(StoreError::Schema),
            _ => {}
        }
    }
    crate::classify_common(e)
}

#[async_trait]
impl DeviceStore for MySqlStore {
    async fn insert(&self, new: NewDevice, init: InitState) -> Result<DeviceRecord, StoreError> {
        check_fits(new.user.as_str(), &new.model_label, &new.name)?;
        let new = &new;
        retry::run("insert", Pending::Init(init), |p| self.insert_once(new, p)).await
    }

    async fn get(&self, id: DeviceId) -> Result<Option<DeviceRecord>, StoreError> {
        retry::run("get", (), |()| async move {
            let r = async {
                let row = sqlx::query(SELECT_ONE)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(classify)?;
                row.as_ref().map(decode).transpose()
            }
            .await;
            ((), r)
        })
        .await
    }

    async fn list_for_user(&self, user: &UserId) -> Result<Vec<DeviceRecord>, StoreError> {
        retry::run("list_for_user", (), |()| async move {
            let r = async {
                let rows = sqlx::query(SELECT_USER)
                    .bind(user.as_str().as_bytes())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(classify)?;
                rows.iter().map(decode).collect()
            }
            .await;
            ((), r)
        })
        .await
    }

    async fn list(&self, query: &DeviceQuery) -> Result<Vec<DeviceRecord>, StoreError> {
        retry::run("list", (), |()| async move {
            let r =
                crate::list_in_batches(query, |after, limit| self.list_batch(query, after, limit))
                    .await;
            ((), r)
        })
        .await
    }

    async fn update(&self, id: DeviceId, mutation: Mutation) -> Result<bool, StoreError> {
        retry::run("update", mutation, |m| self.update_once(id, m)).await
    }

    async fn update_user(&self, user: &UserId, mutation: UserMutation) -> Result<(), StoreError> {
        retry::run("update_user", mutation, |m| self.update_user_once(user, m)).await
    }

    async fn delete_for_user(&self, user: &UserId) -> Result<u64, StoreError> {
        retry::run("delete_for_user", (), |()| async move {
            let r = sqlx::query(DELETE_USER)
                .bind(user.as_str().as_bytes())
                .execute(&self.pool)
                .await
                .map(|done| done.rows_affected())
                .map_err(classify);
            ((), r)
        })
        .await
    }
}
