//! Imported devices ([`DeviceStore::import`](otpkit::DeviceStore::import),
//! [`get_imported`](otpkit::DeviceStore::get_imported)) on both servers, written once over a
//! [`Dialect`].
//!
//! An import is one transaction: the dialect's [`IMPORT_LOCK`](Dialect::IMPORT_LOCK) holds off
//! every other insert, each persistent id is checked free, the devices are inserted, and
//! [`raise_ids`](Dialect::raise_ids) moves the id counter above the largest imported id, so a
//! device created later never takes an imported persistent id. A deadlock or serialisation
//! failure runs the whole transaction again; a taken id fails it with nothing stored.

use crate::sqlx;

use otpkit::device::{DeviceId, DeviceRecord};
use otpkit::store::{ImportedDevice, StoreError, check_import};
use otpkit::user::UserId;
use sqlx::{Executor, Pool, Row};
use sqlx_core::arguments::IntoArguments;
use sqlx_core::column::ColumnIndex;
use sqlx_core::database::Database;
use sqlx_core::decode::Decode;
use sqlx_core::encode::Encode;
use sqlx_core::types::Type;

use crate::dialect::{DbConnection, Dialect, classify};
use crate::retry::{self, Failure};
use crate::row::check_fits;
use crate::store::{Arg, Ops};

impl<D: Dialect> Ops<D>
where
    for<'c> &'c mut DbConnection<D>: Executor<'c, Database = D::Db>,
    <D::Db as Database>::Arguments: IntoArguments<D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Encode<'q, D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<bool>: Encode<'q, D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<crate::dialect::DbRow<D>>,
    for<'q> String: Decode<'q, D::Db> + Type<D::Db>,
    usize: ColumnIndex<crate::dialect::DbRow<D>>,
{
    /// [`DeviceStore::get_imported`](otpkit::DeviceStore::get_imported).
    pub(crate) async fn get_imported(
        pool: &Pool<D::Db>,
        label: &str,
        imported_id: DeviceId,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        let args = [Arg::Key(Some(label)), Arg::Int(imported_id)];
        let stmt = &D::statements().select_imported;
        Self::select_optional(pool, "get_imported", stmt, &args).await
    }

    /// [`DeviceStore::import`](otpkit::DeviceStore::import).
    pub(crate) async fn import(
        pool: &Pool<D::Db>,
        user: &UserId,
        devices: Vec<ImportedDevice>,
    ) -> Result<Vec<DeviceRecord>, StoreError> {
        check_import(&devices)?;
        for d in &devices {
            check_fits(user.as_str(), &d.model_label, &d.name)?;
        }
        let devices = &devices;
        retry::run_stateless("import", || async move {
            let mut tx = Self::begin(pool).await?;
            let r = Self::import_in(&mut tx, user, devices).await;
            let r = match r {
                // A taken id: roll back (nothing was written) and report it.
                Ok(Err(e)) => return Self::finish(tx, Err(Failure::Fatal(e))).await,
                Ok(Ok(recs)) => Ok(recs),
                Err(e) => Err(e),
            };
            Self::finish(tx, r).await
        })
        .await
    }

    /// Inside the import's transaction: lock, check every id, insert, raise the counter.
    async fn import_in(
        conn: &mut DbConnection<D>,
        user: &UserId,
        devices: &[ImportedDevice],
    ) -> Result<Result<Vec<DeviceRecord>, StoreError>, Failure> {
        let s = D::statements();
        sqlx::query(D::IMPORT_LOCK)
            .execute(&mut *conn)
            .await
            .map_err(classify::<D>)?;
        for d in devices {
            let args = [Arg::Key(Some(&d.model_label)), Arg::Int(d.imported_id)];
            let taken: i64 = Self::query(&s.pid_taken, &args)?
                .fetch_one(&mut *conn)
                .await
                .and_then(|row| row.try_get(0usize))
                .map_err(classify::<D>)?;
            if taken > 0 {
                return Ok(Err(StoreError::IdTaken {
                    persistent_id: d.persistent_id(),
                }));
            }
        }
        let (mut out, mut highest, mut max_new) = (Vec::new(), 0, 0);
        for d in devices {
            let args = [
                Arg::Key(Some(user.as_str())),
                Arg::Key(Some(&d.model_label)),
                Arg::Text(&d.name),
                Arg::Bool(d.confirmed),
                Arg::Int(d.created_at.as_millis()),
                Arg::OptInt(d.last_used_at.map(otpkit::Timestamp::as_millis)),
                Arg::Int(i64::from(d.throttle.failure_count)),
                Arg::OptInt(
                    d.throttle
                        .failure_timestamp
                        .map(otpkit::Timestamp::as_millis),
                ),
                Arg::OptInt(d.last_generated_at.map(otpkit::Timestamp::as_millis)),
                Arg::Text(&d.state),
                Arg::Int(d.imported_id),
            ];
            let id = D::insert_id(conn, Self::query(&s.insert_imported, &args)?).await?;
            highest = highest.max(d.imported_id);
            max_new = max_new.max(id);
            out.push(d.clone().into_record(user, id));
        }
        D::raise_ids(conn, highest, max_new).await?;
        Ok(Ok(out))
    }
}
