//! Imported devices ([`DeviceStore::import`], [`DeviceStore::get_imported`]) as requests on
//! the connection thread: an import checks every persistent id, inserts every device and
//! raises `AUTOINCREMENT`'s high-water mark in one savepoint of the group's transaction.
//!
//! [`DeviceStore::import`]: otpkit::DeviceStore::import
//! [`DeviceStore::get_imported`]: otpkit::DeviceStore::get_imported

use otpkit::store::{ImportedDevice, StoreError, check_import};
use otpkit::{DeviceRecord, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use crate::schema::{self, DEVICE_SCHEMA_VERSION, RawDevice};
use crate::store::SqliteStore;

impl SqliteStore {
    /// The device imported as `label` number `imported_id`.
    pub(crate) async fn select_imported(
        &self,
        label: &str,
        imported_id: i64,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        let label = label.to_owned();
        let raw = self
            .table_op(false, DEVICE_SCHEMA_VERSION, move |c| {
                c.prepare_cached(schema::SELECT_IMPORTED)?
                    .query_row(params![&label, imported_id], RawDevice::from_row)
                    .optional()
            })
            .await?;
        raw.map(DeviceRecord::try_from)
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.0))
    }

    /// Stores all of `user`'s imported devices or none of them.
    pub(crate) async fn insert_imported(
        &self,
        user: &UserId,
        devices: Vec<ImportedDevice>,
    ) -> Result<Vec<DeviceRecord>, StoreError> {
        check_import(&devices)?;
        let owner = user.clone();
        self.table_op(true, DEVICE_SCHEMA_VERSION, move |c| {
            import_all(c, &owner, &devices)
        })
        .await?
    }
}

/// Inside the request's savepoint: refuses a taken persistent id before writing anything.
fn import_all(
    c: &Connection,
    user: &UserId,
    devices: &[ImportedDevice],
) -> rusqlite::Result<Result<Vec<DeviceRecord>, StoreError>> {
    for d in devices {
        let taken: bool = c
            .prepare_cached(schema::PID_TAKEN)?
            .query_row(params![d.model_label, d.imported_id], |r| r.get(0))?;
        if taken {
            return Ok(Err(StoreError::IdTaken {
                persistent_id: d.persistent_id(),
            }));
        }
    }
    let mut out = Vec::with_capacity(devices.len());
    let mut highest = 0;
    for d in devices {
        c.prepare_cached(schema::INSERT_IMPORTED)?.execute(params![
            user.as_str(),
            d.model_label,
            d.name,
            d.confirmed,
            d.created_at.as_millis(),
            d.last_used_at.map(|t| t.as_millis()),
            d.throttle.failure_count,
            d.throttle.failure_timestamp.map(|t| t.as_millis()),
            d.last_generated_at.map(|t| t.as_millis()),
            d.state,
            d.imported_id,
        ])?;
        highest = highest.max(d.imported_id);
        out.push(d.clone().into_record(user, c.last_insert_rowid()));
    }
    c.prepare_cached(schema::RAISE_SEQUENCE)?
        .execute([highest])?;
    Ok(Ok(out))
}
