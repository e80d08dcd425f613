//! One place for the database URL (issue 15): `Deployment::open` opens the store at
//! `OTPKIT_DATABASE_URL`, migrates it and loads the key ring that goes with it;
//! `Deployment::open_store` opens it without touching the schema.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use otpkit::engine::TotpOptions;
use otpkit::{KeyRing, SecretString, Settings, UserId};
use otpkit_cli::deploy::{DeployError, Deployment, OpenError, SQLITE_MEMORY_URL, Store};

fn alice() -> UserId {
    UserId::new("alice").unwrap()
}

fn in_memory(keys: bool) -> Deployment {
    Deployment {
        database_url: SQLITE_MEMORY_URL.to_owned(),
        secret_keys: keys.then(|| SecretString::new(KeyRing::generate_entry("k1").unwrap())),
        ..Deployment::default()
    }
}

#[tokio::test]
async fn sqlite_memory_opens_migrated_with_the_configured_key_ring() {
    let d = in_memory(true);
    let opened = d.open().await.unwrap();
    assert!(matches!(opened.store, Store::Sqlite(_)));
    assert!(
        opened.created_key_file.is_none(),
        "no file for a configured ring"
    );
    assert_eq!(opened.keys.active_id(), "k1");
    let engine = opened
        .engine_builder()
        .settings(Settings::default())
        .build()
        .unwrap();
    // Migrated: a device can be stored and read back, its key sealed with the ring.
    let d = engine
        .create_totp(&alice(), TotpOptions::default())
        .await
        .unwrap();
    assert!(engine.user_has_device(Some(&alice()), None).await.unwrap());
    engine.provisioning(&d.persistent_id()).await.unwrap();
}

#[tokio::test]
async fn sqlite_memory_without_a_key_ring_names_the_setting() {
    let err = in_memory(false).open().await.unwrap_err();
    assert!(
        matches!(err, OpenError::KeyRing(DeployError::KeysRequired)),
        "{err:?}"
    );
    assert_eq!(err.name(), "OTPKIT_SECRET_KEYS");
}

#[tokio::test]
async fn a_sqlite_file_gets_its_key_file_beside_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.sqlite3");
    let d = Deployment {
        database_url: format!("sqlite://{}", db.display()),
        ..Deployment::default()
    };
    let opened = d.open().await.unwrap();
    let keys = dir.path().join("app.sqlite3.keys");
    assert_eq!(opened.created_key_file.as_deref(), Some(keys.as_path()));
    assert!(db.exists() && keys.exists());
    let engine = opened.engine_builder().build().unwrap();
    let pid = engine
        .create_totp(&alice(), TotpOptions::default())
        .await
        .unwrap()
        .persistent_id();
    let uri = engine.provisioning(&pid).await.unwrap().to_uri();
    drop(engine);
    drop(opened);

    // Again: the same database and the same key ring, nothing created.
    let again = d.open().await.unwrap();
    assert!(again.created_key_file.is_none());
    let engine = again.engine_builder().build().unwrap();
    let reopened = engine.provisioning(&pid).await.unwrap().to_uri();
    assert_eq!(
        reopened.expose(),
        uri.expose(),
        "the key opens with the same ring"
    );
}

#[tokio::test]
async fn open_store_leaves_the_schema_to_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let d = Deployment {
        database_url: format!("sqlite://{}", dir.path().join("otp.db").display()),
        ..Deployment::default()
    };
    let store = d.open_store().await.unwrap();
    let Store::Sqlite(sqlite) = &store else {
        panic!("a SQLite URL opens the SQLite store: {store:?}");
    };
    assert_eq!(sqlite.schema_version().await.unwrap(), 0);
    store.migrate().await.unwrap();
    assert!(sqlite.schema_version().await.unwrap() > 0);
    store.migrate().await.unwrap();
    assert!(
        !dir.path().join("otp.db.keys").exists(),
        "no key ring was asked for"
    );
}

#[tokio::test]
async fn bad_urls_name_the_setting_and_never_repeat_a_password() {
    let d = Deployment {
        database_url: "redis://localhost/0".to_owned(),
        ..Deployment::default()
    };
    let err = d.open_store().await.unwrap_err();
    assert!(
        matches!(err, OpenError::Settings(DeployError::DatabaseUrl)),
        "{err:?}"
    );
    assert_eq!(err.name(), "OTPKIT_DATABASE_URL");

    // A URL sqlx cannot use (its port is not a number) fails at once, without a retry.
    let d = Deployment {
        database_url: "postgres://otp:hunter2@127.0.0.1:port/otp".to_owned(),
        secret_keys: Some(SecretString::new(KeyRing::generate_entry("k1").unwrap())),
        ..Deployment::default()
    };
    let err = d.open().await.unwrap_err();
    assert!(matches!(err, OpenError::Connect(_)), "{err:?}");
    assert_eq!(err.name(), "OTPKIT_DATABASE_URL");
    assert!(
        err.to_string()
            .starts_with("OTPKIT_DATABASE_URL: cannot connect"),
        "{err}"
    );
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
}

/// A server URL opens the sqlx store (connecting only: the shared test database is not
/// migrated here). Skipped unless `OTPKIT_TEST_POSTGRES_URL` is set.
#[tokio::test]
async fn a_postgres_url_opens_the_sqlx_store() {
    let Some(url) = std::env::var("OTPKIT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        eprintln!("SKIPPED: OTPKIT_TEST_POSTGRES_URL is not set");
        return;
    };
    let d = Deployment {
        database_url: url,
        ..Deployment::default()
    };
    let store = d.open_store().await.unwrap();
    assert!(matches!(store, Store::Sqlx(_)), "{store:?}");
    assert!(!format!("{store:?}").contains("postgres://"), "{store:?}");
}
