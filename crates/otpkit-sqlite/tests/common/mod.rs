#![allow(dead_code, clippy::unwrap_used)] // shared test helpers

use otpkit::device::NewDevice;
use otpkit::store::{DeviceStore, StoreError};
use otpkit::{DeviceRecord, Timestamp, UserId};
use otpkit_sqlite::SqliteStore;

/// A fresh temporary directory and the `sqlite://` URL of a database file inside it.
pub fn temp_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("otp.db").display());
    (dir, url)
}

pub fn user(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

pub fn new_device(u: &str, label: &str, name: &str) -> NewDevice {
    NewDevice {
        user: user(u),
        model_label: label.into(),
        name: name.into(),
        confirmed: true,
        created_at: Timestamp::from_millis(1_767_261_601_123),
    }
}

pub async fn insert(store: &SqliteStore, u: &str) -> DeviceRecord {
    store
        .insert(
            new_device(u, "otp_totp.totpdevice", "Phone"),
            Box::new(|_| Ok("0".to_owned())),
        )
        .await
        .unwrap()
}

pub fn is_backend(r: &Result<impl std::fmt::Debug, StoreError>) -> bool {
    matches!(r, Err(StoreError::Backend(_)))
}
