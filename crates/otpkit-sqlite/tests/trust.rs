//! Trusted browsers and grace records on SQLite: otpkit's trust store conformance suite (two
//! `SqliteStore`s, two connections, on one fresh database file per case), the upgrade of a
//! version-1 database, and what the database file holds.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

mod common;

use std::sync::Arc;

use base64::Engine as _;
use otpkit::store::StoreError;
use otpkit::trust::{NewTrustedBrowser, TrustStore, trust_token_hash, trust_token_hashes};
use otpkit::{KeyRing, Timestamp};
use otpkit_sqlite::{SCHEMA_VERSION, SqliteStore};

use common::{insert, temp_db, user};

async fn two_instances() -> Option<(Arc<dyn TrustStore>, Arc<dyn TrustStore>)> {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("otp.db").display());
    let a = SqliteStore::open_and_migrate(&url).await.unwrap();
    let b = SqliteStore::open(&url).unwrap();
    use otpkit::conformance::trust::Held;
    Some((
        Held::new(Arc::new(a), dir.clone()),
        Held::new(Arc::new(b), dir),
    ))
}

mod conformance {
    otpkit::trust_store_conformance_tests!(super::two_instances());
}

const T0: Timestamp = Timestamp::from_secs(1_700_000_000);

/// A version-1 database (devices only): requests say the schema is outdated until
/// `migrate`, which adds the trust tables and the imported id (version 3) and keeps the
/// devices.
#[tokio::test]
async fn migrate_adds_the_trust_tables_to_a_version_1_database() {
    let (dir, url) = temp_db();
    let dev = {
        let store = SqliteStore::open_and_migrate(&url).await.unwrap();
        insert(&store, "alice").await
    };
    // Back to what an older otpkit left: no trust tables, no imported id, user_version 1.
    let conn = rusqlite::Connection::open(dir.path().join("otp.db")).unwrap();
    conn.execute_batch(
        "DROP TABLE otpkit_trusted_browser; DROP TABLE otpkit_policy_grace; \
         DROP INDEX otpkit_device_imported; \
         ALTER TABLE otpkit_device DROP COLUMN imported_id; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let store = SqliteStore::open(&url).unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 1);
    use otpkit::DeviceStore;
    assert!(matches!(store.get(dev.id).await, Err(StoreError::Schema)));
    let alice = user("alice");
    assert!(matches!(
        store.grace_started(&alice, T0).await,
        Err(StoreError::Schema)
    ));
    assert!(matches!(
        store.list_trusted(&alice).await,
        Err(StoreError::Schema)
    ));
    assert_eq!(store.migrate().await.unwrap(), 2);
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(store.grace_started(&alice, T0).await.unwrap(), T0);
    assert!(store.list_trusted(&alice).await.unwrap().is_empty());
    assert_eq!(store.get(dev.id).await.unwrap(), Some(dev));
    assert_eq!(store.migrate().await.unwrap(), 0);
}

/// The database file (and its WAL) holds the token's keyed hash, never the token itself nor
/// its base64url form (what the cookie carries).
#[tokio::test]
async fn the_database_file_holds_no_cookie_token() {
    let (dir, url) = temp_db();
    let keys = KeyRing::random("k1").unwrap();
    let token = b"COOKIE-TOKEN-do-not-store-0123456789";
    let cookie = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token);
    let hash = trust_token_hash(&keys, token).unwrap();
    let alice = user("alice");
    let read_all = || {
        let mut bytes = Vec::new();
        for name in ["otp.db", "otp.db-wal"] {
            if let Ok(b) = std::fs::read(dir.path().join(name)) {
                bytes.extend(b);
            }
        }
        bytes
    };
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    {
        let store = SqliteStore::open_and_migrate(&url).await.unwrap();
        let new = NewTrustedBrowser::new(
            alice.clone(),
            &hash.parse().unwrap(),
            T0,
            T0.add_secs(86_400),
            "Firefox on Linux",
        );
        store.insert_trusted(new).await.unwrap();
        let candidates = trust_token_hashes(&keys, token).unwrap();
        assert!(
            store
                .use_trusted(&candidates, &alice, T0.add_secs(1))
                .await
                .unwrap()
                .is_some()
        );
        let live = read_all();
        assert!(!contains(&live, token), "the raw token is in the database");
        assert!(
            !contains(&live, cookie.as_bytes()),
            "the cookie value is in the database"
        );
        assert!(
            contains(&live, hash.as_bytes()),
            "the keyed hash is not where expected"
        );
    }
    // Closed (the WAL checkpointed into the file): the same.
    let closed = read_all();
    assert!(!contains(&closed, token));
    assert!(!contains(&closed, cookie.as_bytes()));
    assert!(contains(&closed, hash.as_bytes()));
}
