//! The session store conformance suite (otpkit-sessions) on SQLite: on a temporary file with
//! two `SqliteStore`s (two connections, as two application instances), and in memory with
//! two handles on one connection thread. Plus what is particular to SQLite: the session
//! table lives beside (or without) the device table, and its migration is idempotent.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)] // test code

use std::sync::Arc;

use otpkit_sessions::SessionConfig;
use otpkit_sessions::conformance::Held;
use otpkit_sqlite::{SqliteSessionStore, SqliteStore};
use tower_sessions::session::{Id, Record};
use tower_sessions::{SessionStore, session_store};

/// A store on a temporary directory (none in memory), kept until the last handle is gone.
type OnTempDb = Held<SqliteSessionStore, Option<tempfile::TempDir>>;

/// Two instances (two connections) on one fresh file holding the device table too.
async fn on_file(config: SessionConfig) -> Option<(OnTempDb, OnTempDb)> {
    let dir = Arc::new(Some(tempfile::tempdir().unwrap()));
    let path = dir.as_ref().as_ref().unwrap().path().join("otp.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
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
    Some((Held::new(a, dir.clone()), Held::new(b, dir)))
}

/// Two handles on one in-memory database without a device table.
async fn in_memory(config: SessionConfig) -> Option<(OnTempDb, OnTempDb)> {
    let store = SqliteSessionStore::with_config(SqliteStore::open(":memory:").unwrap(), config);
    store.migrate().await.unwrap();
    let none = Arc::new(None);
    Some((
        Held::new(store.clone(), none.clone()),
        Held::new(store, none),
    ))
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
    assert_eq!(
        devices.migrate().await.unwrap(),
        otpkit_sqlite::SCHEMA_VERSION
    );
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
