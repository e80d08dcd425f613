//! The store's operations, written once over a [`Dialect`]: [`Ops`].
//!
//! Every transition is one transaction (see the [crate docs](crate#transactions)): begin (the
//! dialect's [`BEGIN`](Dialect::BEGIN)), `SELECT … FOR UPDATE` — the row lock, and the latest
//! committed row —, the mutation decides, one `UPDATE` / `DELETE` writes, `COMMIT`. An error
//! the dialect calls [`Retry`](crate::dialect::ServerError::Retry) — also at `COMMIT` — rolls
//! the whole transaction back and runs it again ([`retry::run`]). [`sqlx_store!`] makes each
//! backend's public store type (`PgStore`, `MySqlStore`) around a pool and [`Ops`].

use crate::sqlx;
use std::marker::PhantomData;

use otpkit::device::{DeviceId, DeviceRecord, NewDevice, ThrottleState};
use otpkit::store::{
    Committed, DeviceQuery, InitState, Mutation, StoreError, UserCommitted, UserMutation, Write,
};
use otpkit::user::UserId;
use sqlx::{Executor, Pool, Row, Transaction};
use sqlx_core::arguments::IntoArguments;
use sqlx_core::column::ColumnIndex;
use sqlx_core::database::Database;
use sqlx_core::decode::Decode;
use sqlx_core::encode::Encode;
use sqlx_core::types::Type;

use crate::dialect::{DbConnection, DbQuery, DbRow, Dialect, classify};
use crate::retry::{self, Failure};
use crate::row::{DeviceRow, check_fits};
use crate::sql::Statement;

/// A row vanished while this transaction held its lock (it cannot, short of a bug or a
/// manual change under a different isolation).
#[derive(Debug, thiserror::Error)]
#[error("device {0} changed under its row lock")]
struct LostRow(i64);

/// An insert was retried after its `init` had failed (an internal bug; never expected).
#[derive(Debug, thiserror::Error)]
#[error("the insert's init function was already used")]
struct InitSpent;

/// A statement asked for an argument its caller did not pass (an internal bug; the SQL
/// templates' tests rule it out).
#[derive(Debug, thiserror::Error)]
#[error("a statement binds argument {0}, which was not given")]
struct MissingArgument(usize);

/// One statement argument, bound in the dialect's way.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    /// A `BIGINT`.
    Int(i64),
    /// A nullable `BIGINT`.
    OptInt(Option<i64>),
    /// A `BOOLEAN`.
    Bool(bool),
    /// A nullable `BOOLEAN` (a listing filter).
    OptBool(Option<bool>),
    /// A text column (`name`, `state`).
    Text(&'a str),
    /// `user_id` or `model_label`, or a listing filter on one ([`Dialect::bind_key`]).
    Key(Option<&'a str>),
}

/// The state of an insert across retries: `init` is `FnOnce`, so once it has run its result
/// (bound to the id it was given) is kept and a retry inserts that id directly.
enum Pending {
    Init(InitState),
    Built { id: DeviceId, state: String },
    Spent,
}

/// The store's operations on dialect `D`, on a pool of its driver.
pub(crate) struct Ops<D>(PhantomData<D>);

impl<D: Dialect> Ops<D>
where
    for<'c> &'c mut DbConnection<D>: Executor<'c, Database = D::Db>,
    <D::Db as Database>::Arguments: IntoArguments<D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Encode<'q, D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<bool>: Encode<'q, D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<DbRow<D>>,
    for<'q> String: Decode<'q, D::Db> + Type<D::Db>,
{
    /// `stmt` with `args` bound in the statement's order.
    pub(crate) fn query(stmt: &'static Statement, args: &[Arg<'_>]) -> Result<DbQuery<D>, Failure> {
        let mut q = sqlx::query(stmt.text.as_str());
        for &i in &stmt.binds {
            let arg = args
                .get(i)
                .ok_or(Failure::Fatal(StoreError::backend(MissingArgument(i + 1))))?;
            q = match *arg {
                Arg::Int(v) => q.bind(v),
                Arg::OptInt(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::OptBool(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Key(v) => D::bind_key(q, v),
            };
        }
        Ok(q)
    }

    /// A transaction begun the dialect's way.
    pub(crate) async fn begin(pool: &Pool<D::Db>) -> Result<Transaction<'static, D::Db>, Failure> {
        match D::BEGIN {
            Some(sql) => pool.begin_with(sql).await,
            None => pool.begin().await,
        }
        .map_err(classify::<D>)
    }

    /// Commits on success, rolls back on failure; a failed commit is a failure (fail closed).
    pub(crate) async fn finish<T>(
        tx: Transaction<'static, D::Db>,
        r: Result<T, Failure>,
    ) -> Result<T, Failure> {
        match r {
            Ok(v) => {
                tx.commit().await.map_err(classify::<D>)?;
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

    pub(crate) fn decode(row: &DbRow<D>) -> Result<DeviceRecord, Failure> {
        let read = || -> Result<DeviceRow, sqlx::Error> {
            Ok(DeviceRow {
                id: row.try_get("id")?,
                user_id: D::key(row, "user_id")?,
                model_label: D::key(row, "model_label")?,
                name: row.try_get("name")?,
                confirmed: row.try_get("confirmed")?,
                created_at: row.try_get("created_at")?,
                last_used_at: row.try_get("last_used_at")?,
                failure_count: row.try_get("failure_count")?,
                failure_timestamp: row.try_get("failure_timestamp")?,
                last_generated_at: row.try_get("last_generated_at")?,
                state: row.try_get("state")?,
                version: row.try_get("version")?,
                imported_id: row.try_get("imported_id")?,
            })
        };
        let row = read().map_err(classify::<D>)?;
        Ok(DeviceRecord::try_from(row)?)
    }

    /// One device's transition inside the open transaction: lock and read its row, decide,
    /// write. `None` without calling the mutation when there is no such device.
    async fn update_in(
        conn: &mut DbConnection<D>,
        id: DeviceId,
        m: &mut Mutation,
    ) -> Result<Option<Committed>, Failure> {
        let Some(row) = Self::query(&D::statements().select_one_for_update, &[Arg::Int(id)])?
            .fetch_optional(&mut *conn)
            .await
            .map_err(classify::<D>)?
        else {
            return Ok(None);
        };
        let read = Self::decode(&row)?;
        let mut rec = read.clone();
        let decision = m(&mut rec);
        Self::write(conn, id, &rec, decision.write()).await?;
        Ok(Some(Committed::new(decision, read, rec)))
    }

    /// All of one user's devices' transition inside the open transaction.
    async fn update_user_in(
        conn: &mut DbConnection<D>,
        user: &UserId,
        m: &mut UserMutation,
    ) -> Result<UserCommitted, Failure> {
        let stmt = &D::statements().select_user_for_update;
        let rows = Self::query(stmt, &[Arg::Key(Some(user.as_str()))])?
            .fetch_all(&mut *conn)
            .await
            .map_err(classify::<D>)?;
        let read = rows
            .iter()
            .map(Self::decode)
            .collect::<Result<Vec<_>, _>>()?;
        let mut recs = read.clone();
        let mut writes = vec![Write::None; recs.len()];
        let value = m(&mut recs, &mut writes);
        for ((before, rec), w) in read.iter().zip(&recs).zip(&writes) {
            Self::write(conn, before.id, rec, *w).await?;
        }
        Ok(UserCommitted::new(value, read, recs, writes))
    }

    /// Writes what a mutation decided for the locked row `id`.
    async fn write(
        conn: &mut DbConnection<D>,
        id: DeviceId,
        rec: &DeviceRecord,
        w: Write,
    ) -> Result<(), Failure> {
        let q = match w {
            Write::None => return Ok(()),
            Write::Update => {
                let row = DeviceRow::from_record(rec)?;
                let args = [
                    Arg::Key(Some(&row.user_id)),
                    Arg::Key(Some(&row.model_label)),
                    Arg::Text(&row.name),
                    Arg::Bool(row.confirmed),
                    Arg::Int(row.created_at),
                    Arg::OptInt(row.last_used_at),
                    Arg::Int(row.failure_count),
                    Arg::OptInt(row.failure_timestamp),
                    Arg::OptInt(row.last_generated_at),
                    Arg::Text(&row.state),
                    Arg::Int(id),
                ];
                Self::query(&D::statements().update, &args)?
            }
            Write::Delete => Self::query(&D::statements().delete_one, &[Arg::Int(id)])?,
        };
        let done = q.execute(&mut *conn).await.map_err(classify::<D>)?;
        if D::rows_affected(&done) == 1 {
            Ok(())
        } else {
            Err(Failure::Fatal(StoreError::backend(LostRow(id))))
        }
    }

    async fn insert_in(
        conn: &mut DbConnection<D>,
        new: &NewDevice,
        pending: Pending,
    ) -> (Pending, Result<(DeviceId, String), Failure>) {
        let (user, label) = (
            Arg::Key(Some(new.user.as_str())),
            Arg::Key(Some(&new.model_label)),
        );
        let (name, confirmed) = (Arg::Text(&new.name), Arg::Bool(new.confirmed));
        let created_at = Arg::Int(new.created_at.as_millis());
        let s = D::statements();
        match pending {
            Pending::Init(init) => {
                let id = match Self::query(&s.insert, &[user, label, name, confirmed, created_at]) {
                    Ok(q) => D::insert_id(conn, q).await,
                    Err(e) => Err(e),
                };
                let id = match id {
                    Ok(id) => id,
                    Err(e) => return (Pending::Init(init), Err(e)),
                };
                let state = match init(id) {
                    Ok(state) => state,
                    Err(e) => return (Pending::Spent, Err(Failure::Fatal(StoreError::Init(e)))),
                };
                let r = Self::execute(conn, &s.set_state, &[Arg::Text(&state), Arg::Int(id)]).await;
                let out = r.map(|_| (id, state.clone()));
                (Pending::Built { id, state }, out)
            }
            Pending::Built { id, state } => {
                let args = [
                    Arg::Int(id),
                    user,
                    label,
                    name,
                    confirmed,
                    created_at,
                    Arg::Text(&state),
                ];
                let r = Self::execute(conn, &s.insert_with_id, &args).await;
                let out = r.map(|_| (id, state.clone()));
                (Pending::Built { id, state }, out)
            }
            Pending::Spent => (
                Pending::Spent,
                Err(Failure::Fatal(StoreError::backend(InitSpent))),
            ),
        }
    }

    /// Runs `stmt` for its effect.
    pub(crate) async fn execute(
        conn: &mut DbConnection<D>,
        stmt: &'static Statement,
        args: &[Arg<'_>],
    ) -> Result<(), Failure> {
        Self::query(stmt, args)?
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(classify::<D>)
    }

    /// One try at a device's transition; its answer only once it committed.
    async fn update_once(
        pool: &Pool<D::Db>,
        id: DeviceId,
        mut m: Mutation,
    ) -> (Mutation, Result<Option<Committed>, Failure>) {
        let r = async {
            let mut tx = Self::begin(pool).await?;
            let r = Self::update_in(&mut tx, id, &mut m).await;
            Self::finish(tx, r).await
        }
        .await;
        (m, r)
    }

    /// One try at a user's transition; its answer only once it committed.
    async fn update_user_once(
        pool: &Pool<D::Db>,
        user: &UserId,
        mut m: UserMutation,
    ) -> (UserMutation, Result<UserCommitted, Failure>) {
        let r = async {
            let mut tx = Self::begin(pool).await?;
            let r = Self::update_user_in(&mut tx, user, &mut m).await;
            Self::finish(tx, r).await
        }
        .await;
        (m, r)
    }

    async fn insert_once(
        pool: &Pool<D::Db>,
        new: &NewDevice,
        pending: Pending,
    ) -> (Pending, Result<DeviceRecord, Failure>) {
        let mut tx = match Self::begin(pool).await {
            Ok(tx) => tx,
            Err(e) => return (pending, Err(e)),
        };
        let (pending, r) = Self::insert_in(&mut tx, new, pending).await;
        let r = Self::finish(tx, r).await.map(|(id, state)| DeviceRecord {
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
            imported_id: None,
        });
        (pending, r)
    }

    async fn list_batch(
        pool: &Pool<D::Db>,
        q: &DeviceQuery,
        after: i64,
        limit: i64,
    ) -> Result<Vec<DeviceRecord>, Failure> {
        let args = [
            Arg::Key(q.user.as_ref().map(UserId::as_str)),
            Arg::Key(q.model_label.as_deref()),
            Arg::OptBool(q.confirmed),
            Arg::OptInt(q.created_before.map(otpkit::Timestamp::as_millis)),
            Arg::Int(after),
            Arg::Int(limit),
        ];
        let rows = Self::query(&D::statements().select_list, &args)?
            .fetch_all(pool)
            .await
            .map_err(classify::<D>)?;
        rows.iter().map(Self::decode).collect()
    }

    /// [`DeviceStore::insert`](otpkit::DeviceStore::insert).
    pub(crate) async fn insert(
        pool: &Pool<D::Db>,
        new: NewDevice,
        init: InitState,
    ) -> Result<DeviceRecord, StoreError> {
        check_fits(new.user.as_str(), &new.model_label, &new.name)?;
        let new = &new;
        retry::run("insert", Pending::Init(init), |p| {
            Self::insert_once(pool, new, p)
        })
        .await
    }

    /// [`DeviceStore::get`](otpkit::DeviceStore::get).
    pub(crate) async fn get(
        pool: &Pool<D::Db>,
        id: DeviceId,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        Self::select_optional(pool, "get", &D::statements().select_one, &[Arg::Int(id)]).await
    }

    /// The one device `stmt` selects with `args`, if any (retried like every read).
    pub(crate) async fn select_optional(
        pool: &Pool<D::Db>,
        what: &'static str,
        stmt: &'static Statement,
        args: &[Arg<'_>],
    ) -> Result<Option<DeviceRecord>, StoreError> {
        retry::run_stateless(what, || async move {
            let row = Self::query(stmt, args)?
                .fetch_optional(pool)
                .await
                .map_err(classify::<D>)?;
            row.as_ref().map(Self::decode).transpose()
        })
        .await
    }

    /// [`DeviceStore::list_for_user`](otpkit::DeviceStore::list_for_user).
    pub(crate) async fn list_for_user(
        pool: &Pool<D::Db>,
        user: &UserId,
    ) -> Result<Vec<DeviceRecord>, StoreError> {
        retry::run_stateless("list_for_user", || async move {
            let stmt = &D::statements().select_user;
            let rows = Self::query(stmt, &[Arg::Key(Some(user.as_str()))])?
                .fetch_all(pool)
                .await
                .map_err(classify::<D>)?;
            rows.iter().map(Self::decode).collect()
        })
        .await
    }

    /// [`DeviceStore::list`](otpkit::DeviceStore::list).
    pub(crate) async fn list(
        pool: &Pool<D::Db>,
        query: &DeviceQuery,
    ) -> Result<Vec<DeviceRecord>, StoreError> {
        retry::run_stateless("list", || {
            crate::list_in_batches(query, |after, limit| {
                Self::list_batch(pool, query, after, limit)
            })
        })
        .await
    }

    /// [`DeviceStore::update`](otpkit::DeviceStore::update). A retry runs the mutation
    /// again; the answer is that of the try that committed.
    pub(crate) async fn update(
        pool: &Pool<D::Db>,
        id: DeviceId,
        mutation: Mutation,
    ) -> Result<Option<Committed>, StoreError> {
        retry::run("update", mutation, |m| Self::update_once(pool, id, m)).await
    }

    /// [`DeviceStore::update_user`](otpkit::DeviceStore::update_user), retried like
    /// [`Ops::update`].
    pub(crate) async fn update_user(
        pool: &Pool<D::Db>,
        user: &UserId,
        mutation: UserMutation,
    ) -> Result<UserCommitted, StoreError> {
        retry::run("update_user", mutation, |m| {
            Self::update_user_once(pool, user, m)
        })
        .await
    }

    /// [`DeviceStore::delete_for_user`](otpkit::DeviceStore::delete_for_user).
    pub(crate) async fn delete_for_user(
        pool: &Pool<D::Db>,
        user: &UserId,
    ) -> Result<u64, StoreError> {
        retry::run_stateless("delete_for_user", || async move {
            let stmt = &D::statements().delete_user;
            let done = Self::query(stmt, &[Arg::Key(Some(user.as_str()))])?
                .execute(pool)
                .await
                .map_err(classify::<D>)?;
            Ok(D::rows_affected(&done))
        })
        .await
    }
}

/// Defines a backend's public store type: the struct around its pool, `Debug` (which keeps
/// the pool's options, and so the server and user, out of logs), `connect`, `from_pool`,
/// `pool`, `migrator`, and `DeviceStore` through [`Ops`]. Each backend adds its own
/// `migrate`. The literals fill in the methods' docs: an example URL, what an own pool lets
/// one choose, and an optional note on the migrator.
macro_rules! sqlx_store {
    (
        $(#[$doc:meta])*
        pub struct $name:ident($dialect:ty, $pool:ty);
        example_url = $url:literal, pool_settings = $settings:literal $(, migrator_note = $note:literal)?;
    ) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            pool: $pool,
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("connections", &self.pool.size())
                    .finish_non_exhaustive()
            }
        }

        impl $name {
            #[doc = concat!(
                "Connects a new pool (sqlx's default pool options) to `url`, e.g.\n`", $url,
                "`.\n\nThis does not create or check the schema: call [`", stringify!($name),
                "::migrate`] (or `otpkit\nmigrate`) first; until then every operation fails with \
                 [`StoreError::Schema`](otpkit::store::StoreError::Schema)."
            )]
            pub async fn connect(url: &str) -> Result<Self, ::otpkit::store::StoreError> {
                let pool = $crate::sqlx::pool::PoolOptions::<
                    <$dialect as $crate::dialect::Dialect>::Db,
                >::new()
                .connect(url)
                .await
                .map_err(::otpkit::store::StoreError::backend)?;
                Ok(Self::from_pool(pool))
            }

            #[doc = concat!(
                "Uses an existing pool (to choose its size, timeouts, ", $settings, ", TLS …)."
            )]
            pub fn from_pool(pool: $pool) -> Self {
                $name { pool }
            }

            /// The underlying pool.
            pub fn pool(&self) -> &$pool {
                &self.pool
            }

            #[doc = concat!(
                "The embedded migrations, as an sqlx [`Migrator`](crate::sqlx::migrate::Migrator) \
                 recording\ninto [`MIGRATIONS_TABLE`](crate::MIGRATIONS_TABLE).",
                $(" ", $note)?
            )]
            pub fn migrator() -> $crate::sqlx::migrate::Migrator {
                $crate::migrations::migrator(
                    <$dialect as $crate::dialect::Dialect>::MIGRATIONS,
                )
            }
        }

        #[::async_trait::async_trait]
        impl ::otpkit::store::DeviceStore for $name {
            async fn insert(
                &self,
                new: ::otpkit::device::NewDevice,
                init: ::otpkit::store::InitState,
            ) -> Result<::otpkit::DeviceRecord, ::otpkit::store::StoreError> {
                $crate::store::Ops::<$dialect>::insert(&self.pool, new, init).await
            }

            async fn get(
                &self,
                id: ::otpkit::DeviceId,
            ) -> Result<Option<::otpkit::DeviceRecord>, ::otpkit::store::StoreError> {
                $crate::store::Ops::<$dialect>::get(&self.pool, id).await
            }

            async fn list_for_user(
                &self,
                user: &::otpkit::UserId,
            ) -> Result<Vec<::otpkit::DeviceRecord>, ::otpkit::store::StoreError> {
                $crate::store::Ops::<$dialect>::list_for_user(&self.pool, user).await
            }

            async fn list(
                &self,
                query: &::otpkit::store::DeviceQuery,
            ) -> Result<Vec<::otpkit::DeviceRecord>, ::otpkit::store::StoreError> {
                $crate::store::Ops::<$dialect>::list(&self.pool, query).await
            }

            async fn update(
                &self,
                id: ::otpkit::DeviceId,
                mutation: ::otpkit::store::Mutation,
            ) -> Result<Option<::otpkit::store::Committed>, ::otpkit::store::StoreError> {
                $crate::store::Ops::<$dialect>::update(&self.pool, id, mutation).await
            }

            async fn update_user(
                &self,
                user: &::otpkit::UserId,
                mutation: ::otpkit::store::UserMutation,
            ) -> Result<::otpkit::store::UserCommitted, ::otpkit::store::StoreError> {
                $crate::store::Ops::<$dialect>::update_user(&self.pool, user, mutation).await
            }

            async fn delete_for_user(
                &self,
                user: &::otpkit::UserId,
            ) -> Result<u64, ::otpkit::store::StoreError> {
                $crate::store::Ops::<$dialect>::delete_for_user(&self.pool, user).await
            }

            async fn get_imported(
                &self,
                model_label: &str,
                imported_id: ::otpkit::DeviceId,
            ) -> Result<Option<::otpkit::DeviceRecord>, ::otpkit::store::StoreError> {
                $crate::store::Ops::<$dialect>::get_imported(&self.pool, model_label, imported_id)
                    .await
            }

            async fn import(
                &self,
                user: &::otpkit::UserId,
                devices: Vec<::otpkit::store::ImportedDevice>,
            ) -> Result<Vec<::otpkit::DeviceRecord>, ::otpkit::store::StoreError> {
                $crate::store::Ops::<$dialect>::import(&self.pool, user, devices).await
            }
        }
    };
}
pub(crate) use sqlx_store;
