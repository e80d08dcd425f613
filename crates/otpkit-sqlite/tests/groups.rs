//! Group commit, concurrency across instances, failure isolation and failing closed.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)] // test code

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::*;
use otpkit::store::{DeviceStore, StoreError, Write};
use otpkit_sqlite::{SqliteOptions, SqliteStore};

/// Increments both `throttle.failure_count` and the number held in `state`.
fn bump() -> otpkit::store::Mutation {
    Box::new(|r| {
        r.throttle.failure_count += 1;
        let n: u64 = r.state.parse().unwrap();
        r.state = (n + 1).to_string();
        Write::Update.into()
    })
}

/// Two application instances (two stores, two connections) on one file; 50 parallel
/// `update`s split between them lose nothing. Repeated 20 times.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_lose_no_update() {
    let (_dir, url) = temp_db();
    let a = SqliteStore::open_and_migrate(&url).await.unwrap();
    let b = SqliteStore::open(&url).unwrap();
    for round in 0..20 {
        let rec = insert(&a, &format!("user{round}")).await;
        let mut tasks = Vec::new();
        for i in 0..50 {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            let id = rec.id;
            tasks.push(tokio::spawn(async move { store.update(id, bump()).await }));
        }
        for t in tasks {
            assert!(t.await.unwrap().unwrap().is_some());
        }
        for store in [&a, &b] {
            let now = store.get(rec.id).await.unwrap().unwrap();
            assert_eq!(now.throttle.failure_count, 50, "round {round}");
            assert_eq!(now.state, "50", "round {round}");
            assert_eq!(now.version, 50, "round {round}");
        }
    }
    // The load really was shared and grouped.
    let (sa, sb) = (a.stats(), b.stats());
    assert!(sa.requests > 500 && sb.requests > 500, "{sa:?} {sb:?}");
    assert_eq!(sa.failed_groups + sb.failed_groups, 0);
}

/// Requests on one device inside one group see each other's writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_group_serialises_requests_on_one_device() {
    let store = SqliteStore::open_and_migrate(":memory:").await.unwrap();
    let rec = insert(&store, "alice").await;
    let before = store.stats();
    let pause = store.pause().await.unwrap();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let s = store.clone();
            tokio::spawn(async move { s.update(rec.id, bump()).await })
        })
        .collect();
    wait_queued(&tasks).await;
    drop(pause);
    for t in tasks {
        assert!(t.await.unwrap().unwrap().is_some());
    }
    let after = store.stats();
    assert_eq!(after.groups - before.groups, 1, "{after:?}");
    assert_eq!(after.largest_group, 10);
    let now = store.get(rec.id).await.unwrap().unwrap();
    assert_eq!((now.throttle.failure_count, now.version), (10, 10));
}

/// Gives spawned tasks time to send their request to the paused thread.
async fn wait_queued<T>(tasks: &[tokio::task::JoinHandle<T>]) {
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(tasks.iter().all(|t| !t.is_finished()));
}

/// In one group, an insert whose `init` fails (and one whose `init` panics, and a mutation
/// that panics) is rolled back alone; the other requests commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_request_does_not_affect_its_group() {
    let store = SqliteStore::open_and_migrate(":memory:").await.unwrap();
    let existing = insert(&store, "zed").await;
    let before = store.stats();
    let pause = store.pause().await.unwrap();

    let mut inserts = Vec::new();
    for i in 0..6 {
        let s = store.clone();
        inserts.push(tokio::spawn(async move {
            s.insert(
                new_device("alice", "otp_totp.totpdevice", &format!("d{i}")),
                Box::new(move |id| match i {
                    2 => Err("sealing failed".into()),
                    4 => panic!("init panics"),
                    _ => Ok(format!("{{\"for\":{id}}}")),
                }),
            )
            .await
        }));
    }
    let s = store.clone();
    let panicking = tokio::spawn(async move {
        s.update(
            existing.id,
            Box::new(|r| {
                r.name = "half-way".into();
                panic!("mutation panics")
            }),
        )
        .await
    });
    let s = store.clone();
    let good_update = tokio::spawn(async move { s.update(existing.id, bump()).await });
    wait_queued(&inserts).await;
    drop(pause);

    let mut results = Vec::new();
    for t in inserts {
        results.push(t.await.unwrap());
    }
    let r = panicking.await.unwrap();
    assert!(is_backend(&r), "{r:?}");
    assert!(good_update.await.unwrap().unwrap().is_some());
    let after = store.stats();
    assert_eq!(after.groups - before.groups, 1, "one group: {after:?}");
    assert_eq!(after.largest_group, 8);

    let mut ids = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        match i {
            2 => assert!(matches!(r, Err(StoreError::Init(_))), "{r:?}"),
            4 => assert!(is_backend(&r), "{r:?}"),
            _ => {
                let rec = r.unwrap();
                assert_eq!(rec.state, format!("{{\"for\":{}}}", rec.id));
                assert_eq!(store.get(rec.id).await.unwrap(), Some(rec.clone()));
                ids.push(rec.id);
            }
        }
    }
    // The tasks queued in any order; the survivors are exactly the successful inserts.
    ids.sort_unstable();
    let alice = store.list_for_user(&user("alice")).await.unwrap();
    assert_eq!(alice.iter().map(|r| r.id).collect::<Vec<_>>(), ids);
    let zed = store.get(existing.id).await.unwrap().unwrap();
    assert_eq!(zed.name, "Phone", "the panicking mutation wrote nothing");
    assert_eq!((zed.throttle.failure_count, zed.version), (1, 1));
    // The store still works.
    insert(&store, "after").await;
}

/// REQ-14 F2: when COMMIT fails, every request of the group gets an error and nothing of
/// the group is visible. A deferred foreign key, violated by a trigger, makes COMMIT fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_fails_the_whole_group_and_stores_nothing() {
    let (dir, url) = temp_db();
    let store = SqliteStore::open_and_migrate(&url).await.unwrap();
    let victim = insert(&store, "alice").await;
    let bomb = insert(&store, "bob").await;
    {
        let raw = rusqlite::Connection::open(dir.path().join("otp.db")).unwrap();
        raw.execute_batch(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE child (p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
             CREATE TRIGGER boom AFTER UPDATE ON otpkit_device WHEN NEW.name = 'boom'
             BEGIN INSERT INTO child (p) VALUES (12345); END;",
        )
        .unwrap();
    }
    let pause = store.pause().await.unwrap();
    let s = store.clone();
    let t1 = tokio::spawn(async move { s.update(victim.id, bump()).await });
    let s = store.clone();
    let t2 = tokio::spawn(async move {
        s.update(
            bomb.id,
            Box::new(|r| {
                r.name = "boom".into();
                Write::Update.into()
            }),
        )
        .await
    });
    let s = store.clone();
    let t3 = tokio::spawn(async move {
        s.insert(
            new_device("carol", "a.b", "new"),
            Box::new(|_| Ok("{}".into())),
        )
        .await
    });
    let s = store.clone();
    let vid = victim.id;
    let t4 = tokio::spawn(async move { s.get(vid).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(pause);
    assert!(is_backend(&t1.await.unwrap()));
    assert!(is_backend(&t2.await.unwrap()));
    assert!(is_backend(&t3.await.unwrap()));
    assert!(
        is_backend(&t4.await.unwrap()),
        "a read that saw uncommitted writes fails too"
    );

    assert_eq!(store.get(victim.id).await.unwrap(), Some(victim.clone()));
    assert_eq!(store.get(bomb.id).await.unwrap(), Some(bomb.clone()));
    assert!(
        store
            .list_for_user(&user("carol"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.stats().failed_groups, 1);
    // The connection is usable afterwards; a retry succeeds once.
    assert!(store.update(victim.id, bump()).await.unwrap().is_some());
    assert_eq!(store.get(victim.id).await.unwrap().unwrap().version, 1);
}

/// Another process holds the write lock: the group is retried 3 times, then fails with
/// `Conflict`, having written nothing; once the lock is gone, everything works.
#[tokio::test]
async fn a_locked_database_fails_closed_with_conflict() {
    let (dir, url) = temp_db();
    let store = SqliteStore::open_with(
        &url,
        SqliteOptions::new().busy_timeout(Duration::from_millis(50)),
    )
    .unwrap();
    store.migrate().await.unwrap();
    let rec = insert(&store, "alice").await;

    let raw = rusqlite::Connection::open(dir.path().join("otp.db")).unwrap();
    raw.execute_batch("BEGIN IMMEDIATE").unwrap();
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let r = store
        .update(
            rec.id,
            Box::new(move |r| {
                c.fetch_add(1, Ordering::SeqCst);
                r.throttle.failure_count += 1;
                Write::Update.into()
            }),
        )
        .await;
    assert!(
        matches!(r, Err(StoreError::Conflict { retries: 3 })),
        "{r:?}"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "the lock is taken before any mutation runs"
    );
    assert_eq!(store.stats().busy_retries, 3);
    // Reads still work while another process writes (WAL).
    assert_eq!(store.get(rec.id).await.unwrap(), Some(rec.clone()));
    raw.execute_batch("COMMIT").unwrap();

    assert!(store.update(rec.id, bump()).await.unwrap().is_some());
    assert_eq!(store.get(rec.id).await.unwrap().unwrap().version, 1);
}

/// A lock held a little longer than the busy timeout is ridden out by the retries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_lock_is_retried() {
    let (dir, url) = temp_db();
    let store = SqliteStore::open_with(
        &url,
        SqliteOptions::new().busy_timeout(Duration::from_millis(100)),
    )
    .unwrap();
    store.migrate().await.unwrap();
    let rec = insert(&store, "alice").await;
    let path = dir.path().join("otp.db");
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let raw = rusqlite::Connection::open(path).unwrap();
        raw.execute_batch("BEGIN IMMEDIATE").unwrap();
        locked_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(150));
        raw.execute_batch("COMMIT").unwrap();
    });
    locked_rx.recv().unwrap();
    assert!(store.update(rec.id, bump()).await.unwrap().is_some());
    holder.join().unwrap();
    assert_eq!(store.get(rec.id).await.unwrap().unwrap().version, 1);
}

/// If the connection thread dies, callers get an error, never a hang.
#[tokio::test]
async fn a_dead_thread_fails_calls_instead_of_hanging() {
    let store = SqliteStore::open_and_migrate(":memory:").await.unwrap();
    let rec = insert(&store, "alice").await;
    store.kill_thread().unwrap();
    let timeout = Duration::from_secs(5);
    let r = tokio::time::timeout(timeout, store.get(rec.id))
        .await
        .unwrap();
    assert!(is_backend(&r), "{r:?}");
    let r = tokio::time::timeout(timeout, store.update(rec.id, bump()))
        .await
        .unwrap();
    assert!(is_backend(&r), "{r:?}");
    let r = tokio::time::timeout(timeout, store.migrate())
        .await
        .unwrap();
    assert!(is_backend(&r), "{r:?}");
}

/// A request queued behind a thread that dies while it is waiting gets an error too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_requests_fail_when_the_thread_dies() {
    let store = SqliteStore::open_and_migrate(":memory:").await.unwrap();
    let rec = insert(&store, "alice").await;
    let pause = store.pause().await.unwrap();
    store.kill_thread().unwrap();
    let s = store.clone();
    let t = tokio::spawn(async move { s.update(rec.id, bump()).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(pause);
    let r = tokio::time::timeout(Duration::from_secs(5), t)
        .await
        .unwrap()
        .unwrap();
    assert!(is_backend(&r), "{r:?}");
}
