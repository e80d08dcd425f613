//! The background checkpointer: committed writes are checkpointed off the connection thread,
//! an idle store does not checkpoint, and the WAL stays bounded under sustained writes.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)] // test code: real time bounds the load

mod common;

use std::time::{Duration, Instant};

use common::*;
use otpkit::store::{DeviceStore, Write};
use otpkit_sqlite::SqliteStore;

/// Polls `f` every 20 ms for up to `secs` seconds.
async fn eventually(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    f()
}

#[tokio::test]
async fn committed_writes_are_checkpointed_in_the_background() {
    let (_dir, url) = temp_db();
    let store = SqliteStore::open_and_migrate(&url).await.unwrap();
    let rec = insert(&store, "alice").await;
    for _ in 0..50 {
        store
            .update(
                rec.id,
                Box::new(|r| {
                    r.throttle.failure_count += 1;
                    Write::Update.into()
                }),
            )
            .await
            .unwrap();
    }
    assert!(
        eventually(5, || store.stats().checkpoints >= 1).await,
        "{:?}",
        store.stats()
    );
    // Idle: nothing committed since, so no further checkpoint.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let settled = store.stats().checkpoints;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.stats().checkpoints, settled);
    // Reads do not make the store checkpoint either.
    store.get(rec.id).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.stats().checkpoints, settled);
    // Everything committed is there after a restart.
    drop(store);
    let store = SqliteStore::open_and_migrate(&url).await.unwrap();
    let now = store.get(rec.id).await.unwrap().unwrap();
    assert_eq!((now.throttle.failure_count, now.version), (50, 50));
}

#[tokio::test]
async fn an_in_memory_store_has_no_checkpointer() {
    let store = SqliteStore::open_and_migrate(":memory:").await.unwrap();
    let rec = insert(&store, "alice").await;
    store
        .update(rec.id, Box::new(|_| Write::Update.into()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.stats().checkpoints, 0);
}

/// A checkpoint running beside a writer that never pauses cannot restart the WAL from its
/// beginning; the connection thread's own checkpoint at 4000 pages must then keep the file
/// bounded. Without any checkpoint this load writes well over 100 MB of WAL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_bounded_under_sustained_writes() {
    let (dir, url) = temp_db();
    let store = SqliteStore::open_and_migrate(&url).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..64 {
        ids.push(insert(&store, &format!("user{i}")).await.id);
    }
    let wal = dir.path().join("otp.db-wal");
    let deadline = Instant::now() + Duration::from_secs(3);
    let tasks: Vec<_> = ids
        .iter()
        .map(|&id| {
            let s = store.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    s.update(
                        id,
                        Box::new(move |r| {
                            // A fresh ~1 KB state each time: every write dirties its page.
                            r.state = format!("{n:0>1000}");
                            Write::Update.into()
                        }),
                    )
                    .await
                    .unwrap();
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut largest = 0;
    while Instant::now() < deadline {
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut writes = 0;
    for t in tasks {
        writes += t.await.unwrap();
    }
    largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    let stats = store.stats();
    // 4000 pages of 4096 bytes (plus frame headers), and one more second of writes' worth
    // of slack: far below the unbounded growth.
    let bound = 24 * 1024 * 1024;
    assert!(
        largest < bound,
        "WAL reached {largest} bytes after {writes} writes; {stats:?}"
    );
    assert!(stats.checkpoints >= 1, "{stats:?}");
    assert!(writes > 1000, "{writes} writes: the load did not run");
}
