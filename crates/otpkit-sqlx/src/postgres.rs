//! The PostgreSQL backend: [`PgStore`].
//!
//! Every transition is one transaction, begun explicitly at READ COMMITTED (whatever the
//! server's default): `SELECT … FOR UPDATE` takes the device's row lock and returns its latest
//! committed version (a waiter re-reads the row once the holder commits), the mutation
//! decides, one `UPDATE`/`DELETE` writes, and `COMMIT` ends it. Failures with SQLSTATE 40001
//! (serialisation), 40P01 (deadlock) or 55P03 (lock not available, e.g. `lock_timeout`) —
//! also at `COMMIT` — roll back and retry (see the [crate docs](crate#retries)).

use crate::sqlx;
use std::fmt;

use async_trait::async_trait;
use otpkit::device::{DeviceId, DeviceRecord, NewDevice, ThrottleState};
use otpkit::store::{
    DeviceQuery, DeviceStore, InitState, Mutation, StoreError, UserMutation, Write,
};
use otpkit::user::UserId;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};

use crate::LostRow;
use crate::migrations::{self, Embedded};
use crate::retry::{self, Failure};
use crate::row::{DeviceRow, check_fits, device_columns};

/// The embedded PostgreSQL migrations (`migrations/postgres/`).
const MIGRATIONS: &[Embedded] = &[(
    1,
    "otpkit_device",
    include_str!("../migrations/postgres/0001_otpkit_device.sql"),
)];

/// Every transition runs at READ COMMITTED, whatever `default_transaction_isolation` says:
/// there a waiting `SELECT … FOR UPDATE` re-reads the row its holder committed, while at
/// REPEATABLE READ or SERIALIZABLE it would fail with 40001 and burn a retry each time.
const BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

const SELECT_ONE: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM otpkit_device WHERE id = $1"
);
const SELECT_ONE_FOR_UPDATE: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM otpkit_device WHERE id = $1 FOR UPDATE"
);
const SELECT_USER: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM otpkit_device WHERE user_id = $1 ORDER BY id"
);
const SELECT_USER_FOR_UPDATE: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM otpkit_device WHERE user_id = $1 ORDER BY id FOR UPDATE"
);
const SELECT_LIST: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM otpkit_device \
     WHERE ($1::text IS NULL OR user_id = $1) \
       AND ($2::text IS NULL OR model_label = $2) \
       AND ($3::boolean IS NULL OR confirmed = $3) \
       AND ($4::bigint IS NULL OR created_at < $4) \
       AND id > $5 \
     ORDER BY id LIMIT $6"
);
const INSERT: &str = "INSERT INTO otpkit_device \
     (user_id, model_label, name, confirmed, created_at, last_used_at, failure_count, \
      failure_timestamp, last_generated_at, state, version) \
     VALUES ($1, $2, $3, $4, $5, NULL, 0, NULL, NULL, '', 0) RETURNING id";
const INSERT_WITH_ID: &str = "INSERT INTO otpkit_device \
     (id, user_id, model_label, name, confirmed, created_at, last_used_at, failure_count, \
      failure_timestamp, last_generated_at, state, version) \
     VALUES ($1, $2, $3, $4, $5, $6, NULL, 0, NULL, NULL, $7, 0)";
const SET_STATE: &str = "UPDATE otpkit_device SET state = $1 WHERE id = $2";
const UPDATE: &str = "UPDATE otpkit_device SET \
     user_id = $1, model_label = $2, name = $3, confirmed = $4, created_at = $5, \
     last_used_at = $6, failure_count = $7, failure_timestamp = $8, last_generated_at = $9, \
     state = $10, version = version + 1 \
     WHERE id = $11";
const DELETE_ONE: &str = "DELETE FROM otpkit_device WHERE id = $1";
const DELETE_USER: &str = "DELETE FROM otpkit_device WHERE user_id = $1";

/// A [`DeviceStore`] on PostgreSQL.
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
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pool's options may name the server and user; keep them out of logs.
        f.debug_struct("PgStore")
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects a new pool (sqlx's default pool options) to `url`, e.g.
    /// `postgres://user:password@host:5432/database?sslmode=require`.
    ///
    /// This does not create or check the schema: call [`PgStore::migrate`] (or `otpkit
    /// migrate`) first; until then every operation fails with [`StoreError::Schema`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .connect(url)
            .await
            .map_err(StoreError::backend)?;
        Ok(Self::from_pool(pool))
    }

    /// Uses an existing pool (to choose its size, timeouts, `search_path`, TLS …).
    pub fn from_pool(pool: PgPool) -> Self {
        PgStore { pool }
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The embedded migrations, as an sqlx [`Migrator`] recording into
    /// [`MIGRATIONS_TABLE`](crate::MIGRATIONS_TABLE).
    pub fn migrator() -> Migrator {
        migrations::migrator(MIGRATIONS)
    }

    /// Applies the migrations that are not applied yet (each in its own transaction, under
    /// an advisory lock). Running it again is a no-op.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Self::migrator()
            .run(&self.pool)
            .await
            .map_err(StoreError::backend)
    }

    async fn update_once(
        &self,
        id: DeviceId,
        mut m: Mutation,
    ) -> (Mutation, Result<bool, Failure>) {
        let r = async {
            let mut tx = self.pool.begin_with(BEGIN).await.map_err(classify)?;
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
            let mut tx = self.pool.begin_with(BEGIN).await.map_err(classify)?;
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
        let mut tx = match self.pool.begin_with(BEGIN).await {
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
        let rows = sqlx::query(SELECT_LIST)
            .bind(q.user.as_ref().map(UserId::as_str))
            .bind(q.model_label.as_deref())
            .bind(q.confirmed)
            .bind(q.created_before.map(otpkit::Timestamp::as_millis))
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
async fn finish<T>(
    tx: Transaction<'static, Postgres>,
    r: Result<T, Failure>,
) -> Result<T, Failure> {
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
    conn: &mut PgConnection,
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
    conn: &mut PgConnection,
    user: &UserId,
    m: &mut UserMutation,
) -> Result<(), Failure> {
    let rows = sqlx::query(SELECT_USER_FOR_UPDATE)
        .bind(user.as_str())
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
    conn: &mut PgConnection,
    id: DeviceId,
    rec: &DeviceRecord,
    w: Write,
) -> Result<(), Failure> {
    let done = match w {
        Write::None => return Ok(()),
        Write::Update => {
            let row = DeviceRow::from_record(rec)?;
            sqlx::query(UPDATE)
                .bind(row.user_id)
                .bind(row.model_label)
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
    conn: &mut PgConnection,
    new: &NewDevice,
    pending: Pending,
) -> (Pending, Result<(DeviceId, String), Failure>) {
    match pending {
        Pending::Init(init) => {
            let id = match sqlx::query(INSERT)
                .bind(new.user.as_str())
                .bind(&new.model_label)
                .bind(&new.name)
                .bind(new.confirmed)
                .bind(new.created_at.as_millis())
                .fetch_one(&mut *conn)
                .await
                .and_then(|row| row.try_get::<i64, _>(0))
            {
                Ok(id) => id,
                Err(e) => return (Pending::Init(init), Err(classify(e))),
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
                .bind(new.user.as_str())
                .bind(&new.model_label)
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

fn decode(row: &PgRow) -> Result<DeviceRecord, Failure> {
    let read = || -> Result<DeviceRow, sqlx::Error> {
        Ok(DeviceRow {
            id: row.try_get("id")?,
            user_id: row.try_get("user_id")?,
            model_label: row.try_get("model_label")?,
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

/// Sorts a PostgreSQL error into retry, schema, or plain backend failure.
fn classify(e: sqlx::Error) -> Failure {
    if let sqlx::Error::Database(db) = &e {
        match db.code().as_deref() {
            // serialization_failure, deadlock_detected, lock_not_available
            Some("40001" | "40P01" | "55P03") => return Failure::Retry(e),
            // undefined_table, undefined_column: not migrated (or migrated by an older otpkit)
            Some("42P01" | "42703") => return Failure::Fatal(StoreError::Schema),
            _ => {}
        }
    }
    crate::classify_common(e)
}

#[async_trait]
impl DeviceStore for PgStore {
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
                    .bind(user.as_str())
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
                .bind(user.as_str())
                .execute(&self.pool)
                .await
                .map(|done| done.rows_affected())
                .map_err(classify);
            ((), r)
        })
        .await
    }
}
