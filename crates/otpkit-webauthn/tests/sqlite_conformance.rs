//! The passkey store conformance cases on SQLite: two `SqliteStore`s (two application
//! instances, two connections) on one fresh temporary database file per case.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use otpkit::store::DeviceStore;
use otpkit_sqlite::SqliteStore;

/// Two instances on a new database file, and the directory, removed when the case ends.
async fn two_instances() -> (
    Arc<dyn DeviceStore>,
    Arc<dyn DeviceStore>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("otp.db").display());
    let a = SqliteStore::open_and_migrate(&url).await.unwrap();
    let b = SqliteStore::open(&url).unwrap();
    (Arc::new(a), Arc::new(b), dir)
}

passkey_conformance_tests!(two_instances());
