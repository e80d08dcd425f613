//! The database shape of a device, kept apart from the domain type [`DeviceRecord`].
//!
//! Both backends read a row into a [`DeviceRow`] (plain column values) and convert it with
//! `TryFrom`; writing goes the other way through [`DeviceRow::from_record`], which also checks
//! that every value fits its column, so that no server can silently truncate one.

use otpkit::device::{DeviceRecord, ThrottleState};
use otpkit::store::StoreError;
use otpkit::{Timestamp, UserId};

/// The column list every `SELECT` uses, in [`DeviceRow`] order.
macro_rules! device_columns {
    () => {
        "id, user_id, model_label, name, confirmed, created_at, last_used_at, failure_count, \
         failure_timestamp, last_generated_at, state, version, imported_id"
    };
}
pub(crate) use device_columns;

/// The widest `user_id` and `model_label`, in bytes, and `name`, in characters.
pub(crate) const MAX_COLUMN: usize = 255;

/// One `otpkit_device` row as plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeviceRow {
    pub(crate) id: i64,
    pub(crate) user_id: String,
    pub(crate) model_label: String,
    pub(crate) name: String,
    pub(crate) confirmed: bool,
    pub(crate) created_at: i64,
    pub(crate) last_used_at: Option<i64>,
    pub(crate) failure_count: i64,
    pub(crate) failure_timestamp: Option<i64>,
    pub(crate) last_generated_at: Option<i64>,
    pub(crate) state: String,
    pub(crate) version: i64,
    pub(crate) imported_id: Option<i64>,
}

/// A value that does not fit its column; refused before anything is written.
#[derive(Debug, thiserror::Error)]
#[error("the device's {field} is longer than its column allows ({max} {unit})")]
pub(crate) struct TooLong {
    field: &'static str,
    max: usize,
    unit: &'static str,
}

impl DeviceRow {
    /// The column values of `rec`, or an error if one would not fit.
    pub(crate) fn from_record(rec: &DeviceRecord) -> Result<Self, StoreError> {
        check_fits(rec.user.as_str(), &rec.model_label, &rec.name)?;
        Ok(DeviceRow {
            id: rec.id,
            user_id: rec.user.as_str().to_owned(),
            model_label: rec.model_label.clone(),
            name: rec.name.clone(),
            confirmed: rec.confirmed,
            created_at: rec.created_at.as_millis(),
            last_used_at: rec.last_used_at.map(Timestamp::as_millis),
            failure_count: i64::from(rec.throttle.failure_count),
            failure_timestamp: rec.throttle.failure_timestamp.map(Timestamp::as_millis),
            last_generated_at: rec.last_generated_at.map(Timestamp::as_millis),
            state: rec.state.clone(),
            version: rec.version,
            imported_id: rec.imported_id,
        })
    }
}

/// Checks the text columns' widths: `user_id` and `model_label` in bytes, `name` in
/// characters (both servers count `VARCHAR` lengths in characters).
pub(crate) fn check_fits(user: &str, model_label: &str, name: &str) -> Result<(), StoreError> {
    let too_long = |field, unit| {
        StoreError::backend(TooLong {
            field,
            max: MAX_COLUMN,
            unit,
        })
    };
    if user.len() > MAX_COLUMN {
        return Err(too_long("user id", "bytes"));
    }
    if model_label.len() > MAX_COLUMN {
        return Err(too_long("model label", "bytes"));
    }
    if name.chars().count() > MAX_COLUMN {
        return Err(too_long("name", "characters"));
    }
    Ok(())
}

impl TryFrom<DeviceRow> for DeviceRecord {
    type Error = StoreError;

    fn try_from(row: DeviceRow) -> Result<Self, StoreError> {
        let user = UserId::new(row.user_id)
            .map_err(|e| StoreError::Corrupt(format!("device {}: invalid user id: {e}", row.id)))?;
        let failure_count = u32::try_from(row.failure_count).map_err(|_| {
            StoreError::Corrupt(format!(
                "device {}: failure_count {} is outside 0..=4294967295",
                row.id, row.failure_count
            ))
        })?;
        Ok(DeviceRecord {
            id: row.id,
            user,
            model_label: row.model_label,
            name: row.name,
            confirmed: row.confirmed,
            created_at: Timestamp::from_millis(row.created_at),
            last_used_at: row.last_used_at.map(Timestamp::from_millis),
            throttle: ThrottleState {
                failure_count,
                failure_timestamp: row.failure_timestamp.map(Timestamp::from_millis),
            },
            last_generated_at: row.last_generated_at.map(Timestamp::from_millis),
            state: row.state,
            version: row.version,
            imported_id: row.imported_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> DeviceRecord {
        DeviceRecord {
            id: 7,
            user: UserId::new("alice ").unwrap(),
            model_label: "otp_totp.totpdevice".into(),
            name: "Phone ☎".into(),
            confirmed: true,
            created_at: Timestamp::from_millis(i64::MIN),
            last_used_at: Some(Timestamp::from_millis(i64::MAX)),
            throttle: ThrottleState {
                failure_count: u32::MAX,
                failure_timestamp: Some(Timestamp::from_millis(-1)),
            },
            last_generated_at: None,
            state: r#"{ "a" : 1 }"#.into(),
            version: 42,
            imported_id: None,
        }
    }

    #[test]
    fn round_trip() {
        let rec = record();
        let row = DeviceRow::from_record(&rec).unwrap();
        assert_eq!(DeviceRecord::try_from(row).unwrap(), rec);
    }

    #[test]
    fn corrupt_rows() {
        let mut row = DeviceRow::from_record(&record()).unwrap();
        row.failure_count = -1;
        assert!(matches!(
            DeviceRecord::try_from(row.clone()),
            Err(StoreError::Corrupt(_))
        ));
        row.failure_count = 0;
        row.user_id = String::new();
        assert!(matches!(
            DeviceRecord::try_from(row),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn widths() {
        let mut rec = record();
        rec.name = "é".repeat(255);
        assert!(DeviceRow::from_record(&rec).is_ok());
        rec.name = "é".repeat(256);
        assert!(matches!(
            DeviceRow::from_record(&rec),
            Err(StoreError::Backend(_))
        ));
        rec.name = String::new();
        rec.model_label = "a".repeat(256);
        assert!(DeviceRow::from_record(&rec).is_err());
    }
}
