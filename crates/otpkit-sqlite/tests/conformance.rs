//! The core's store conformance suite on SQLite: two `SqliteStore`s (two application
//! instances, two connections) on one fresh temporary database file per case.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)] // test code

use std::sync::Arc;

use async_trait::async_trait;
use otpkit::device::{DeviceId, NewDevice};
use otpkit::store::{
    Committed, DeviceQuery, DeviceStore, InitState, Mutation, StoreError, UserCommitted,
    UserMutation,
};
use otpkit::{DeviceRecord, UserId};
use otpkit_sqlite::SqliteStore;

/// A store that keeps its temporary directory alive: the directory is removed after both
/// instances are gone (the store field drops first and closes its connection).
struct OnTempDb {
    store: SqliteStore,
    _dir: Arc<tempfile::TempDir>,
}

#[async_trait]
impl DeviceStore for OnTempDb {
    async fn insert(&self, new: NewDevice, init: InitState) -> Result<DeviceRecord, StoreError> {
        self.store.insert(new, init).await
    }
    async fn get(&self, id: DeviceId) -> Result<Option<DeviceRecord>, StoreError> {
        self.store.get(id).await
    }
    async fn list_for_user(&self, user: &UserId) -> Result<Vec<DeviceRecord>, StoreError> {
        self.store.list_for_user(user).await
    }
    async fn list(&self, query: &DeviceQuery) -> Result<Vec<DeviceRecord>, StoreError> {
        self.store.list(query).await
    }
    async fn update(
        &self,
        id: DeviceId,
        mutation: Mutation,
    ) -> Result<Option<Committed>, StoreError> {
        self.store.update(id, mutation).await
    }
    async fn update_user(
        &self,
        user: &UserId,
        mutation: UserMutation,
    ) -> Result<UserCommitted, StoreError> {
        self.store.update_user(user, mutation).await
    }
    async fn delete_for_user(&self, user: &UserId) -> Result<u64, StoreError> {
        self.store.delete_for_user(user).await
    }
    async fn get_imported(
        &self,
        label: &str,
        imported_id: DeviceId,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        self.store.get_imported(label, imported_id).await
    }
    async fn import(
        &self,
        user: &UserId,
        devices: Vec<otpkit::store::ImportedDevice>,
    ) -> Result<Vec<DeviceRecord>, StoreError> {
        self.store.import(user, devices).await
    }
}

async fn two_instances() -> (Arc<dyn DeviceStore>, Arc<dyn DeviceStore>) {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("otp.db").display());
    let a = SqliteStore::open_and_migrate(&url).await.unwrap();
    let b = SqliteStore::open(&url).unwrap();
    (
        Arc::new(OnTempDb {
            store: a,
            _dir: dir.clone(),
        }),
        Arc::new(OnTempDb {
            store: b,
            _dir: dir,
        }),
    )
}

otpkit::store_conformance_tests!(two_instances());
