//! Test bodies that hold for every backend; `tests/<backend>.rs` runs each on a fresh
//! database with two stores (two pools) on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use otpkit::device::{DeviceRecord, NewDevice, ThrottleState};
use otpkit::store::{DeviceQuery, DeviceStore, DeviceStoreExt, StoreError, Write};
use otpkit::{Timestamp, UserId};

pub fn user(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

pub fn new_device(u: &str, label: &str, name: &str) -> NewDevice {
    NewDevice {
        user: user(u),
        model_label: label.into(),
        name: name.into(),
        confirmed: true,
        created_at: Timestamp::from_millis(1_767_225_600_123),
    }
}

/// Inserts a device whose state records its own id.
pub async fn add<S: DeviceStore>(s: &S, u: &str, label: &str, name: &str) -> DeviceRecord {
    s.insert(
        new_device(u, label, name),
        Box::new(|id| Ok(format!(r#"{{"id":{id}}}"#))),
    )
    .await
    .unwrap()
}

/// Every field, with edge values, written by `update` and read back by every read path.
pub async fn round_trip<S: DeviceStore>(s: &S) {
    let inserted = add(s, "alice", "otp_totp.totpdevice", "Phone").await;
    assert!(inserted.id > 0);
    assert_eq!(inserted.version, 0);
    assert_eq!(inserted.state, format!(r#"{{"id":{}}}"#, inserted.id));
    assert_eq!(inserted.last_used_at, None);
    assert_eq!(inserted.throttle, ThrottleState::default());
    assert_eq!(inserted.last_generated_at, None);
    assert_eq!(s.get(inserted.id).await.unwrap().as_ref(), Some(&inserted));

    // A state whose exact text matters: spacing, key order, escapes, astral characters,
    // numbers a JSON column would rewrite.
    let state = "{ \"z\" : 1.50,\n\t\"a\":[1e3, 12345678901234567890],\"s\":\"\\u00e9 é 😀 \\\"\" ,\"n\":null }";
    let mut expected = DeviceRecord {
        id: inserted.id,
        user: user("alice"),
        model_label: "otp_totp.totpdevice".into(),
        name: format!("Ⓐ 😀 {}", "x".repeat(60)),
        confirmed: false,
        created_at: Timestamp::from_millis(i64::MIN),
        last_used_at: Some(Timestamp::from_millis(i64::MAX)),
        throttle: ThrottleState {
            failure_count: u32::MAX,
            failure_timestamp: Some(Timestamp::from_millis(-1)),
        },
        last_generated_at: Some(Timestamp::from_millis(0)),
        state: state.into(),
        version: 0,
        imported_id: None,
    };
    assert_eq!(expected.name.chars().count(), 64);
    let target = expected.clone();
    assert!(
        s.transition(inserted.id, move |r| {
            let version = r.version;
            *r = target.clone();
            r.version = version;
            (Write::Update, ())
        })
        .await
        .unwrap()
        .is_some()
    );
    expected.version = 1;
    assert_eq!(s.get(inserted.id).await.unwrap(), Some(expected.clone()));
    assert_eq!(
        s.list_for_user(&user("alice")).await.unwrap(),
        vec![expected.clone()]
    );
    assert_eq!(
        s.list(&DeviceQuery::default()).await.unwrap(),
        vec![expected.clone()]
    );

    // And the optional fields back to None, the other extremes.
    let mut back = expected.clone();
    back.confirmed = true;
    back.created_at = Timestamp::from_millis(i64::MAX);
    back.last_used_at = None;
    back.throttle = ThrottleState::default();
    back.last_generated_at = None;
    back.name = String::new();
    back.state = String::new();
    let target = back.clone();
    s.transition(inserted.id, move |r| {
        let version = r.version;
        *r = target.clone();
        r.version = version;
        (Write::Update, ())
    })
    .await
    .unwrap();
    back.version = 2;
    assert_eq!(s.get(inserted.id).await.unwrap(), Some(back));

    // Write::None writes nothing, version included.
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    s.transition(inserted.id, move |r| {
        c.fetch_add(1, Ordering::SeqCst);
        r.name = "not written".into();
        (Write::None, ())
    })
    .await
    .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let now = s.get(inserted.id).await.unwrap().unwrap();
    assert_eq!((now.name.as_str(), now.version), ("", 2));
}

/// `update` on an id that does not exist: `Ok(false)`, mutation never called.
pub async fn update_missing<S: DeviceStore>(s: &S) {
    let calls = Arc::new(AtomicU32::new(0));
    for id in [1, 42, i64::MAX] {
        let c = calls.clone();
        let found = s
            .transition(id, move |_| {
                c.fetch_add(1, Ordering::SeqCst);
                (Write::Update, ())
            })
            .await
            .unwrap();
        assert!(found.is_none());
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    // A deleted device is missing too.
    let d = add(s, "alice", "otp_totp.totpdevice", "x").await;
    assert!(
        s.transition(d.id, |_| (Write::Delete, ()))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(s.get(d.id).await.unwrap(), None);
    let c = calls.clone();
    let found = s
        .transition(d.id, move |_| {
            c.fetch_add(1, Ordering::SeqCst);
            (Write::Update, ())
        })
        .await
        .unwrap();
    assert!(found.is_none());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[derive(Debug, thiserror::Error)]
#[error("no key for this device")]
struct NoKey;

/// A failing `init` stores nothing and reports `Init`; the store keeps working.
pub async fn init_failure_rolls_back<S: DeviceStore>(s: &S) {
    let seen = Arc::new(AtomicU32::new(0));
    let c = seen.clone();
    let err = s
        .insert(
            new_device("alice", "otp_totp.totpdevice", "Phone"),
            Box::new(move |id| {
                assert!(id > 0);
                c.fetch_add(1, Ordering::SeqCst);
                Err(Box::new(NoKey))
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(seen.load(Ordering::SeqCst), 1, "init runs exactly once");
    match err {
        StoreError::Init(e) => assert_eq!(e.to_string(), "no key for this device"),
        other => panic!("expected Init, got {other:?}"),
    }
    assert!(s.list(&DeviceQuery::default()).await.unwrap().is_empty());
    assert!(s.list_for_user(&user("alice")).await.unwrap().is_empty());

    // The id handed to init is the id stored.
    let given = Arc::new(std::sync::Mutex::new(0));
    let g = given.clone();
    let rec = s
        .insert(
            new_device("alice", "otp_totp.totpdevice", "Phone"),
            Box::new(move |id| {
                *g.lock().unwrap() = id;
                Ok("{}".into())
            }),
        )
        .await
        .unwrap();
    assert_eq!(rec.id, *given.lock().unwrap());
    assert_eq!(s.list(&DeviceQuery::default()).await.unwrap(), vec![rec]);

    // A name too wide for its column is refused before anything is written.
    let mut wide = new_device("alice", "otp_totp.totpdevice", "");
    wide.name = "n".repeat(256);
    let err = s
        .insert(wide, Box::new(|_| Ok("{}".into())))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    assert_eq!(s.list(&DeviceQuery::default()).await.unwrap().len(), 1);
}

/// An insert whose state `UPDATE` fails with a retryable error after `init` ran is run again
/// with the same id: `init` runs once and the device is stored once, with its state. The
/// backend's test installs a trigger that fails the first state update of a device named
/// `retry-insert` with a deadlock / serialisation failure.
pub async fn insert_retried_after_init<S: DeviceStore>(s: &S) {
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let rec = s
        .insert(
            new_device("alice", "otp_totp.totpdevice", "retry-insert"),
            Box::new(move |id| {
                c.fetch_add(1, Ordering::SeqCst);
                Ok(format!(r#"{{"id":{id}}}"#))
            }),
        )
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "init runs exactly once");
    assert_eq!(rec.state, format!(r#"{{"id":{}}}"#, rec.id));
    assert_eq!(s.get(rec.id).await.unwrap().as_ref(), Some(&rec));
    assert_eq!(s.list_for_user(&user("alice")).await.unwrap(), vec![rec]);
    let next = add(s, "alice", "otp_totp.totpdevice", "next").await;
    assert_eq!(s.list_for_user(&user("alice")).await.unwrap().len(), 2);
    assert_eq!(next.state, format!(r#"{{"id":{}}}"#, next.id));
}

/// `update_user` sees exactly the user's rows (byte-exact ids), in id order, and writes
/// each decision.
pub async fn update_user_sees_all_rows<S: DeviceStore>(s: &S) {
    let a1 = add(s, "alice", "otp_totp.totpdevice", "a1").await;
    let b = add(s, "bob", "otp_totp.totpdevice", "b").await;
    let a2 = add(s, "alice", "otp_static.staticdevice", "a2").await;
    let near1 = add(s, "alice ", "otp_totp.totpdevice", "trailing space").await;
    let near2 = add(s, "Alice", "otp_totp.totpdevice", "capital").await;
    let a3 = add(s, "alice", "otp_hotp.hotpdevice", "a3").await;

    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sn = seen.clone();
    s.transition_user(&user("alice"), move |recs, writes| {
        assert_eq!(recs.len(), writes.len());
        assert!(writes.iter().all(|w| *w == Write::None));
        *sn.lock().unwrap() = recs.iter().map(|r| r.id).collect::<Vec<_>>();
        recs[0].name = "a1 renamed".into();
        writes[0] = Write::Update;
        writes[1] = Write::Delete;
        recs[2].name = "not written".into();
    })
    .await
    .unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![a1.id, a2.id, a3.id]);
    let alice = s.list_for_user(&user("alice")).await.unwrap();
    assert_eq!(alice.len(), 2);
    assert_eq!(
        (alice[0].id, alice[0].name.as_str(), alice[0].version),
        (a1.id, "a1 renamed", 1)
    );
    assert_eq!(
        (alice[1].id, alice[1].name.as_str(), alice[1].version),
        (a3.id, "a3", 0)
    );
    for other in [&b, &near1, &near2] {
        assert_eq!(s.get(other.id).await.unwrap().as_ref(), Some(other));
    }

    // A user without devices: called once, with empty slices.
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    s.transition_user(&user("nobody"), move |recs, writes| {
        assert!(recs.is_empty() && writes.is_empty());
        c.fetch_add(1, Ordering::SeqCst);
    })
    .await
    .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// User ids and labels compare byte for byte everywhere: listing, filtering, deleting.
pub async fn user_ids_are_byte_exact<S: DeviceStore>(s: &S) {
    let ids = [
        "alice",
        "alice ",
        "Alice",
        "ALICE",
        "alicé",
        "alice\u{301}",
        "ålice",
    ];
    for u in ids {
        add(s, u, "otp_totp.totpdevice", u).await;
    }
    for u in ids {
        let got = s.list_for_user(&user(u)).await.unwrap();
        assert_eq!(got.len(), 1, "{u:?}");
        assert_eq!(got[0].user.as_str(), u);
        let q = DeviceQuery {
            user: Some(user(u)),
            ..DeviceQuery::default()
        };
        assert_eq!(s.list(&q).await.unwrap(), got);
    }
    let q = DeviceQuery {
        model_label: Some("otp_totp.totpdevice ".into()),
        ..DeviceQuery::default()
    };
    assert!(s.list(&q).await.unwrap().is_empty());
    assert_eq!(s.delete_for_user(&user("alice")).await.unwrap(), 1);
    assert_eq!(s.delete_for_user(&user("alice")).await.unwrap(), 0);
    assert_eq!(
        s.list(&DeviceQuery::default()).await.unwrap().len(),
        ids.len() - 1
    );
}

/// Every `DeviceQuery` filter agrees with `DeviceQuery::matches` (the reference rule).
pub async fn list_filters<S: DeviceStore>(s: &S) {
    let users = [
        "alice",
        "ALICE-2",
        "bob",
        "Mallory",
        "carol@Example.org",
        "ålice",
    ];
    let labels = ["otp_totp.totpdevice", "otp_static.staticdevice"];
    let mut all = Vec::new();
    for i in 0..30u32 {
        let u = users[i as usize % users.len()];
        let mut n = new_device(u, labels[i as usize % 2], &format!("d{i}"));
        n.confirmed = i % 3 != 0;
        n.created_at = Timestamp::from_millis(1000 * i64::from(i));
        all.push(s.insert(n, Box::new(|_| Ok("{}".into()))).await.unwrap());
    }
    let mid = all[10].id;
    let queries = vec![
        DeviceQuery::default(),
        DeviceQuery {
            user: Some(user("alice")),
            ..Default::default()
        },
        DeviceQuery {
            user_contains: Some("ALI".into()),
            ..Default::default()
        },
        DeviceQuery {
            user_contains: Some("example.ORG".into()),
            limit: Some(2),
            ..Default::default()
        },
        DeviceQuery {
            user_contains: Some("Å".into()), // ASCII case-insensitive only: no match for å
            ..Default::default()
        },
        DeviceQuery {
            model_label: Some("otp_static.staticdevice".into()),
            confirmed: Some(false),
            ..Default::default()
        },
        DeviceQuery {
            confirmed: Some(true),
            created_before: Some(Timestamp::from_millis(15_000)),
            ..Default::default()
        },
        DeviceQuery {
            after_id: Some(mid),
            limit: Some(5),
            ..Default::default()
        },
        DeviceQuery {
            after_id: Some(mid),
            user_contains: Some("a".into()),
            limit: Some(3),
            ..Default::default()
        },
        DeviceQuery {
            limit: Some(0),
            ..Default::default()
        },
        DeviceQuery {
            user: Some(user("nobody")),
            ..Default::default()
        },
    ];
    for q in queries {
        let expected: Vec<_> = all
            .iter()
            .filter(|r| q.matches(r))
            .take(q.limit.map_or(usize::MAX, |l| l as usize))
            .cloned()
            .collect();
        assert_eq!(s.list(&q).await.unwrap(), expected, "{q:?}");
    }
    assert!(
        s.list(&DeviceQuery {
            user_contains: Some("Å".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty()
    );
}

/// `updates` parallel increments of `failure_count`, spread over two stores (two pools),
/// `rounds` times: the count rises by exactly `updates` each round, one version per write.
pub async fn parallel_updates<S: DeviceStore + Clone>(a: &S, b: &S, updates: u32, rounds: u32) {
    let d = add(a, "alice", "otp_totp.totpdevice", "Phone").await;
    for round in 1..=rounds {
        let mut tasks = Vec::new();
        for i in 0..updates {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                s.transition(d.id, |r| {
                    r.throttle.failure_count += 1;
                    (Write::Update, ())
                })
                .await
            }));
        }
        for t in tasks {
            assert!(t.await.unwrap().unwrap().is_some());
        }
        let now = b.get(d.id).await.unwrap().unwrap();
        assert_eq!(now.throttle.failure_count, round * updates, "round {round}");
        assert_eq!(now.version, i64::from(round * updates), "round {round}");
    }
}

/// `update_user` and `update` racing on the same rows through two pools: no lost write, no
/// deadlock that survives the retries.
pub async fn update_user_races_update<S: DeviceStore + Clone>(a: &S, b: &S) {
    let d1 = add(a, "alice", "otp_totp.totpdevice", "1").await;
    let d2 = add(a, "alice", "otp_totp.totpdevice", "2").await;
    let d3 = add(a, "alice", "otp_totp.totpdevice", "3").await;
    let n = 20u32;
    let mut tasks = Vec::new();
    for i in 0..n {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            s.transition_user(&user("alice"), |recs, writes| {
                for (r, w) in recs.iter_mut().zip(writes.iter_mut()) {
                    r.throttle.failure_count += 1;
                    *w = Write::Update;
                }
            })
            .await
            .map(|_| ())
        }));
        let s = if i % 2 == 0 { b.clone() } else { a.clone() };
        tasks.push(tokio::spawn(async move {
            s.transition(d2.id, |r| {
                r.throttle.failure_count += 1;
                (Write::Update, ())
            })
            .await
            .map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let got: Vec<u32> = a
        .list_for_user(&user("alice"))
        .await
        .unwrap()
        .iter()
        .map(|r| r.throttle.failure_count)
        .collect();
    assert_eq!(got, vec![n, 2 * n, n]);
    let _ = (d1, d3);
}

/// Parallel inserts get distinct ids and all land.
pub async fn parallel_inserts<S: DeviceStore + Clone>(a: &S, b: &S) {
    let mut tasks = Vec::new();
    for i in 0..40u32 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            add(&s, "alice", "otp_totp.totpdevice", &format!("d{i}")).await
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        let rec = t.await.unwrap();
        assert_eq!(rec.state, format!(r#"{{"id":{}}}"#, rec.id));
        ids.push(rec.id);
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    let listed: Vec<i64> = b
        .list_for_user(&user("alice"))
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, ids);
}

/// Before `migrate`, every operation is `Schema`.
pub async fn missing_schema<S: DeviceStore>(s: &S) {
    fn schema<T: std::fmt::Debug>(r: Result<T, StoreError>) {
        assert!(matches!(r, Err(StoreError::Schema)), "{r:?}");
    }
    schema(s.get(1).await);
    schema(s.list_for_user(&user("alice")).await);
    schema(s.list(&DeviceQuery::default()).await);
    schema(s.transition(1, |_| (Write::Update, ())).await);
    schema(s.transition_user(&user("alice"), |_, _| {}).await);
    schema(s.delete_for_user(&user("alice")).await);
    schema(
        s.insert(
            new_device("alice", "otp_totp.totpdevice", "x"),
            Box::new(|_| Ok("{}".into())),
        )
        .await,
    );
}
