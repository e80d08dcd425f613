//! Integration tests of the SQLite store: persistence, schema, and the store contract.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)] // test code

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use otpkit::device::ThrottleState;
use otpkit::store::{DeviceQuery, DeviceStore, DeviceStoreExt, StoreError, Write};
use otpkit::{DeviceRecord, Timestamp};
use otpkit_sqlite::{Location, SCHEMA_VERSION, SqliteOptions, SqliteStore};

/// Sets every mutable field of `r` to an unusual value.
fn scribble(r: &mut DeviceRecord) {
    r.name = "Téléphone 📱 \"quoted\" 'x' ".into();
    r.confirmed = false;
    r.last_used_at = Some(Timestamp::from_millis(i64::MAX));
    r.throttle = ThrottleState {
        failure_count: u32::MAX,
        failure_timestamp: Some(Timestamp::from_millis(i64::MIN)),
    };
    r.last_generated_at = Some(Timestamp::from_millis(-1));
    r.state = "{\"k\":\"\\u0000 nul and ünïcödé\",\"n\":[1,2,3]}".into();
}

#[tokio::test]
async fn every_field_round_trips() {
    let (_dir, url) = temp_db();
    let store = SqliteStore::open_and_migrate(&url).await.unwrap();
    let mut new = new_device("alice@example.com", "myapp.customdevice", "");
    new.confirmed = false;
    new.created_at = Timestamp::from_millis(-62_167_219_200_000);
    let rec = store
        .insert(new.clone(), Box::new(|id| Ok(format!("{{\"id\":{id}}}"))))
        .await
        .unwrap();
    assert!(rec.id > 0);
    assert_eq!(rec.version, 0);
    assert_eq!(rec.state, format!("{{\"id\":{}}}", rec.id));
    assert_eq!(
        (
            &rec.user,
            &rec.model_label,
            &rec.name,
            rec.confirmed,
            rec.created_at
        ),
        (
            &new.user,
            &new.model_label,
            &new.name,
            new.confirmed,
            new.created_at
        )
    );
    assert_eq!(rec.throttle, ThrottleState::default());
    assert_eq!((rec.last_used_at, rec.last_generated_at), (None, None));
    // The inserted record is exactly what is stored.
    assert_eq!(store.get(rec.id).await.unwrap().as_ref(), Some(&rec));

    let mut want = rec.clone();
    scribble(&mut want);
    want.version = 1;
    assert!(
        store
            .update(
                rec.id,
                Box::new(|r| {
                    scribble(r);
                    Write::Update.into()
                })
            )
            .await
            .unwrap()
            .is_some()
    );
    let got = store.get(rec.id).await.unwrap().unwrap();
    assert_eq!(got, want);
    assert_eq!(got.state, want.state);
    assert_eq!(
        store.list_for_user(&rec.user).await.unwrap(),
        vec![want.clone()]
    );
    assert_eq!(
        store.list(&DeviceQuery::default()).await.unwrap(),
        vec![want.clone()]
    );

    // Back to the empty options.
    assert!(
        store
            .update(
                rec.id,
                Box::new(|r| {
                    r.last_used_at = None;
                    r.throttle = ThrottleState::default();
                    r.last_generated_at = None;
                    r.confirmed = true;
                    Write::Update.into()
                })
            )
            .await
            .unwrap()
            .is_some()
    );
    let got = store.get(rec.id).await.unwrap().unwrap();
    assert_eq!(got.throttle, ThrottleState::default());
    assert_eq!(
        (got.last_used_at, got.last_generated_at, got.confirmed),
        (None, None, true)
    );
    assert_eq!(got.version, 2);
}

#[tokio::test]
async fn survives_a_restart() {
    let (dir, url) = temp_db();
    let (rec, gone) = {
        let store = SqliteStore::open_and_migrate(&url).await.unwrap();
        let rec = insert(&store, "alice").await;
        let gone = insert(&store, "bob").await;
        store
            .update(
                rec.id,
                Box::new(|r| {
                    scribble(r);
                    Write::Update.into()
                }),
            )
            .await
            .unwrap();
        assert_eq!(store.delete_for_user(&gone.user).await.unwrap(), 1);
        (store.get(rec.id).await.unwrap().unwrap(), gone)
    };
    // Reopen the same file (plain path form this time): no migration needed.
    let path = dir.path().join("otp.db");
    let store = SqliteStore::open(path.to_str().unwrap()).unwrap();
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(store.get(rec.id).await.unwrap(), Some(rec.clone()));
    assert_eq!(store.get(gone.id).await.unwrap(), None);
    // AUTOINCREMENT: the deleted (highest) id is never handed out again.
    let next = insert(&store, "carol").await;
    assert!(next.id > gone.id, "{} must be above {}", next.id, gone.id);
}

#[tokio::test]
async fn migrate_twice_is_a_no_op() {
    let (_dir, url) = temp_db();
    let store = SqliteStore::open(&url).unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 0);
    assert_eq!(store.migrate().await.unwrap(), SCHEMA_VERSION);
    let rec = insert(&store, "alice").await;
    assert_eq!(store.migrate().await.unwrap(), 0);
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    drop(store);
    let store = SqliteStore::open_and_migrate(&url).await.unwrap();
    assert_eq!(store.migrate().await.unwrap(), 0);
    assert_eq!(store.get(rec.id).await.unwrap(), Some(rec));
}

#[tokio::test]
async fn without_migration_everything_is_a_schema_error() {
    let (_dir, url) = temp_db();
    let store = SqliteStore::open(&url).unwrap();
    let u = user("alice");
    assert!(matches!(store.get(1).await, Err(StoreError::Schema)));
    assert!(matches!(
        store.list_for_user(&u).await,
        Err(StoreError::Schema)
    ));
    assert!(matches!(
        store.list(&DeviceQuery::default()).await,
        Err(StoreError::Schema)
    ));
    assert!(matches!(
        store.update(1, Box::new(|_| Write::Update.into())).await,
        Err(StoreError::Schema)
    ));
    assert!(matches!(
        store.transition_user(&u, |_, _| {}).await,
        Err(StoreError::Schema)
    ));
    assert!(matches!(
        store.delete_for_user(&u).await,
        Err(StoreError::Schema)
    ));
    let called = Arc::new(AtomicBool::new(false));
    let c = called.clone();
    let r = store
        .insert(
            new_device("alice", "a.b", "x"),
            Box::new(move |_| {
                c.store(true, Ordering::SeqCst);
                Ok(String::new())
            }),
        )
        .await;
    assert!(matches!(r, Err(StoreError::Schema)));
    assert!(!called.load(Ordering::SeqCst));
    // Another instance migrates: this one notices without being reopened.
    let other = SqliteStore::open_and_migrate(&url).await.unwrap();
    let rec = insert(&other, "alice").await;
    assert_eq!(store.get(rec.id).await.unwrap(), Some(rec));
}

#[tokio::test]
async fn update_of_a_missing_id_does_not_call_the_mutation() {
    let store = SqliteStore::open_and_migrate(":memory:").await.unwrap();
    let called = Arc::new(AtomicBool::new(false));
    let c = called.clone();
    let found = store
        .update(
            42,
            Box::new(move |_| {
                c.store(true, Ordering::SeqCst);
                Write::Update.into()
            }),
        )
        .await
        .unwrap();
    assert!(found.is_none());
    assert!(!called.load(Ordering::SeqCst));
    // Also after a delete.
    let rec = insert(&store, "alice").await;
    assert!(
        store
            .update(rec.id, Box::new(|_| Write::Delete.into()))
            .await
            .unwrap()
            .is_some()
    );
    let c = called.clone();
    let found = store
        .update(
            rec.id,
            Box::new(move |_| {
                c.store(true, Ordering::SeqCst);
                Write::None.into()
            }),
        )
        .await
        .unwrap();
    assert!(found.is_none());
    assert!(!called.load(Ordering::SeqCst));
}

#[tokio::test]
async fn write_none_leaves_the_version() {
    let store = SqliteStore::open_and_migrate("sqlite::memory:")
        .await
        .unwrap();
    let rec = insert(&store, "alice").await;
    assert!(
        store
            .update(
                rec.id,
                Box::new(|r| {
                    r.name = "not written".into();
                    Write::None.into()
                })
            )
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.get(rec.id).await.unwrap(), Some(rec));
}

#[tokio::test]
async fn user_operations() {
    let store = SqliteStore::open_and_migrate(":memory:").await.unwrap();
    let a1 = insert(&store, "alice").await;
    let b1 = insert(&store, "bob").await;
    let a2 = insert(&store, "alice").await;
    let a3 = insert(&store, "alice").await;

    // No devices: the mutation still runs, with an empty slice.
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    store
        .transition_user(&user("nobody"), move |recs, writes| {
            assert!(recs.is_empty() && writes.is_empty());
            r.store(true, Ordering::SeqCst);
        })
        .await
        .unwrap();
    assert!(ran.load(Ordering::SeqCst));

    // Ascending ids; one write each way.
    let (i1, i2, i3) = (a1.id, a2.id, a3.id);
    store
        .transition_user(&user("alice"), move |recs, writes| {
            let ids: Vec<_> = recs.iter().map(|r| r.id).collect();
            assert_eq!(ids, vec![i1, i2, i3]);
            assert!(writes.iter().all(|w| *w == Write::None));
            recs[0].name = "first".into();
            writes[0] = Write::Update;
            writes[1] = Write::Delete;
            recs[2].name = "unwritten".into();
        })
        .await
        .unwrap();
    let alice = store.list_for_user(&user("alice")).await.unwrap();
    assert_eq!(alice.len(), 2);
    assert_eq!(
        (alice[0].id, alice[0].name.as_str(), alice[0].version),
        (a1.id, "first", 1)
    );
    assert_eq!(alice[1], a3);
    assert_eq!(store.get(b1.id).await.unwrap(), Some(b1.clone()));

    assert_eq!(store.delete_for_user(&user("alice")).await.unwrap(), 2);
    assert_eq!(store.delete_for_user(&user("alice")).await.unwrap(), 0);
    assert!(
        store
            .list_for_user(&user("alice"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.list(&DeviceQuery::default()).await.unwrap(), vec![b1]);
}

#[tokio::test]
async fn list_filters_match_device_query_matches() {
    let store = SqliteStore::open_and_migrate(":memory:").await.unwrap();
    let users = ["alice", "ALICE.smith", "bob", "Malice", "carol"];
    let labels = ["otp_totp.totpdevice", "otp_static.staticdevice"];
    for i in 0..30i64 {
        let mut new = new_device(
            users[(i as usize) % users.len()],
            labels[(i as usize) % labels.len()],
            &format!("d{i}"),
        );
        new.confirmed = i % 3 != 0;
        new.created_at = Timestamp::from_secs(1000 + i);
        store
            .insert(new, Box::new(|_| Ok("{}".into())))
            .await
            .unwrap();
    }
    let all = store.list(&DeviceQuery::default()).await.unwrap();
    assert_eq!(all.len(), 30);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));

    let mut queries = Vec::new();
    for user in [None, Some(user("alice")), Some(user("nobody"))] {
        for contains in [None, Some("LIC"), Some(""), Some("zz")] {
            for label in [None, Some(labels[1])] {
                for confirmed in [None, Some(true), Some(false)] {
                    for created_before in [None, Some(Timestamp::from_secs(1015))] {
                        for after_id in [None, Some(all[7].id)] {
                            for limit in [None, Some(0), Some(3)] {
                                queries.push(DeviceQuery {
                                    user: user.clone(),
                                    user_contains: contains.map(str::to_owned),
                                    model_label: label.map(str::to_owned),
                                    confirmed,
                                    created_before,
                                    after_id,
                                    limit,
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    for q in &queries {
        let want: Vec<_> = all
            .iter()
            .filter(|r| q.matches(r))
            .take(q.limit.map_or(usize::MAX, |n| n as usize))
            .cloned()
            .collect();
        assert_eq!(store.list(q).await.unwrap(), want, "{q:?}");
    }
}

#[tokio::test]
async fn open_forms_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub-missing").join("x.db");
    // The parent directory does not exist: a clear backend error, not a panic.
    let e = SqliteStore::open(path.to_str().unwrap()).unwrap_err();
    assert!(matches!(e, StoreError::Backend(_)), "{e:?}");

    // mode=rw refuses to create the file.
    let path = dir.path().join("absent.db");
    let url = format!("sqlite://{}?mode=rw", path.display());
    assert!(SqliteStore::open(&url).is_err());
    assert!(!path.exists());
    // Without it (or with mode=rwc) the file is created.
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::open(&url).unwrap();
    assert!(path.exists());
    assert_eq!(store.path(), Some(path.as_path()));
    assert_eq!(
        store.location(),
        &Location::File {
            path: path.clone(),
            create: true
        }
    );
    drop(store);
    let store = SqliteStore::open(&format!("sqlite://{}?mode=rw", path.display())).unwrap();
    store.migrate().await.unwrap();

    assert!(SqliteStore::open("postgres://localhost/otp").is_err());
    assert!(SqliteStore::open("sqlite://x.db?journal=off").is_err());

    // In-memory stores are private.
    let a = SqliteStore::open_and_migrate("sqlite::memory:")
        .await
        .unwrap();
    let b = SqliteStore::open_and_migrate(":memory:").await.unwrap();
    let rec = insert(&a, "alice").await;
    assert_eq!(b.get(rec.id).await.unwrap(), None);
    assert_eq!(a.path(), None);

    // Options are accepted.
    let url = format!("sqlite://{}", dir.path().join("opts.db").display());
    let s = SqliteStore::open_with(
        &url,
        SqliteOptions::new()
            .synchronous(otpkit_sqlite::Synchronous::Full)
            .max_group(1)
            .busy_retries(0),
    )
    .unwrap();
    s.migrate().await.unwrap();
    insert(&s, "alice").await;
}

#[tokio::test]
async fn journal_mode_is_wal() {
    let (dir, url) = temp_db();
    let _store = SqliteStore::open_and_migrate(&url).await.unwrap();
    let raw = rusqlite::Connection::open(dir.path().join("otp.db")).unwrap();
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

/// Issue 12 item 4: a database file otpkit-sqlite creates, and the `-wal` and `-shm` files
/// SQLite creates beside it, are readable and writable by their owner only (like the key
/// ring file), whatever the process umask would give.
#[cfg(unix)]
#[tokio::test]
async fn a_new_database_file_and_its_wal_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.sqlite3");
    let store = SqliteStore::open_and_migrate(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    insert(&store, "alice").await;
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", path.display());
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{p}: {mode:o}");
    }
    drop(store);
    // An existing file keeps the mode its owner gave it.
    let kept = dir.path().join("kept.sqlite3");
    std::fs::write(&kept, b"").unwrap();
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
    let store = SqliteStore::open_and_migrate(&format!("sqlite://{}", kept.display()))
        .await
        .unwrap();
    drop(store);
    let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}
