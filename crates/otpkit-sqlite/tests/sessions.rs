//! The session store conformance suite (otpkit-sessions) on SQLite: on a temporary file with
//! two `SqliteStore`s (two connections, as two application instances), and in memory with
//! two handles on one connection thread. Plus what is particular to SQLite: the session
//! table lives beside (or without) the device table, and its migration is idempotent.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)] // test code

use std::sync::Arc;

use async_trait::async_trait;
use otpkit::UserId;
use otpkit_sessions::{SessionConfig, SessionMeta, UserSessions};
use otpkit_sqlite::{SqliteSessionStore, SqliteStore};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store;
use tower_sessions::{ExpiredDeletion, SessionStore};

/// A session store that keeps its temporary directory alive until the last handle is gone.
#[derive(Clone, Debug)]
struct OnTempDb {
    store: SqliteSessionStore,
    _dir: Option<Arc<tempfile::TempDir>>,
}

#[async_trait]
impl SessionStore for OnTempDb {
    async fn create(&self, r: &mut Record) -> session_store::Result<()> {
        self.store.create(r).await
    }
    async fn save(&self, r: &Record) -> session_store::Result<()> {
        self.store.save(r).await
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.store.load(id).await
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store.delete(id).await
    }
}

#[async_trait]
impl ExpiredDeletion for OnTempDb {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.store.delete_expired().await
    }
}

#[async_trait]
impl UserSessions for OnTempDb {
    async fn list_sessions(&self, u: &UserId) -> session_store::Result<Vec<SessionMeta>> {
        self.store.list_sessions(u).await
    }
    async fn end_session(&self, u: &UserId, id: &Id) -> session_store::Result<bool> {
        self.store.end_session(u, id).await
    }
    async fn end_all_sessions(&self, u: &UserId, e: Option<&Id>) -> session_store::Result<u64> {
        self.store.end_all_sessions(u, e).await
    }
}

/// Two instances (two connections) on one fresh file holding the device table too.
async fn on_file(config: SessionConfig) -> Option<(OnTempDb, OnTempDb)> {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("otp.db").display());
    let a = SqliteSessionStore::with_config(
        SqliteStore::open_and_migrate(&url).await.unwrap(),
        config.clone(),
    );
    assert_eq!(a.migrate().await.unwrap(), 1);
    let b = SqliteSessionStore::with_config(SqliteStore::open(&url).unwrap(), config);
    assert_eq!(
        b.migrate().await.unwrap(),
        0,
        "a second migration is a no-op"
    );
    let wrap = |store| OnTempDb {
        store,
        _dir: Some(dir.clone()),
    };
    Some((wrap(a), wrap(b)))
}

/// Two handles on one in-memory database without a device table.
async fn in_memory(config: SessionConfig) -> Option<(OnTempDb, OnTempDb)> {
    let store = SqliteSessionStore::with_config(SqliteStore::open(":memory:").unwrap(), config);
    store.migrate().await.unwrap();
    let wrap = |store| OnTempDb { store, _dir: None };
    Some((wrap(store.clone()), wrap(store)))
}

mod file {
    otpkit_sessions::session_store_conformance_tests!(crate::on_file);
}

mod memory {
    otpkit_sessions::session_store_conformance_tests!(crate::in_memory);
}

#[tokio::test]
async fn sessions_need_their_migration_and_never_touch_the_device_schema() {
    let devices = SqliteStore::open(":memory:").unwrap();
    let sessions = SqliteSessionStore::new(devices.clone());
    let err = sessions.load(&Id::default()).await.unwrap_err();
    assert!(matches!(err, session_store::Error::Backend(_)), "{err:?}");
    assert_eq!(sessions.migrate().await.unwrap(), 1);
    assert_eq!(sessions.load(&Id::default()).await.unwrap(), None);
    assert_eq!(
        devices.schema_version().await.unwrap(),
        0,
        "device schema touched"
    );
    assert_eq!(devices.migrate().await.unwrap(), 1);
    assert_eq!(sessions.migrate().await.unwrap(), 0);
}

#[tokio::test]
async fn debug_shows_no_session_data() {
    let sessions = SqliteSessionStore::new(SqliteStore::open(":memory:").unwrap());
    let shown = format!("{sessions:?}");
    assert!(
        shown.contains("SqliteSessionStore") && shown.contains("otpkit_auth_user"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_dead_connection_thread_fails_closed() {
    let devices = SqliteStore::open(":memory:").unwrap();
    let sessions = SqliteSessionStore::new(devices.clone());
    sessions.migrate().await.unwrap();
    devices.kill_thread().unwrap();
    let err = sessions.load(&Id::default()).await.unwrap_err();
    assert!(matches!(err, session_store::Error::Backend(_)), "{err:?}");
    let mut record = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::UNIX_EPOCH,
    };
    assert!(sessions.create(&mut record).await.is_err());
}
