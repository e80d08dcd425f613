//! The storage contract: inserts, reads, writes, listings, transitions and what they return.

use super::*;

/// Insert assigns positive, distinct, increasing ids and stores every field exactly.
pub async fn insert_and_round_trip(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let r1 = insert(a.as_ref(), "alice", "otp_totp.totpdevice", true, 1_000).await;
    let r2 = insert(b.as_ref(), "alice", "otp_static.staticdevice", false, 2_000).await;
    assert!(r1.id > 0 && r2.id > r1.id, "ids {} then {}", r1.id, r2.id);
    assert_eq!(r1.version, 0);
    assert_eq!(r1.state, format!("{{\"n\":{}}}", r1.id));
    assert_eq!(r1.throttle, ThrottleState::default());
    let full = DeviceRecord {
        name: "Ünïcødé name 🔑".into(),
        confirmed: false,
        last_used_at: Some(Timestamp::from_millis(-5)),
        throttle: ThrottleState {
            failure_count: u32::MAX,
            failure_timestamp: Some(Timestamp::from_millis(i64::MAX / 4)),
        },
        last_generated_at: Some(Timestamp::from_millis(123_456_789)),
        state: "{\"x\":\"a'b\\\"c;--\"}".into(),
        ..r1.clone()
    };
    let f2 = full.clone();
    assert!(
        a.transition(r1.id, move |r| {
            *r = f2.clone();
            (Write::Update, ())
        })
        .await
        .unwrap()
        .is_some()
    );
    let back = b.get(r1.id).await.unwrap().unwrap();
    assert_eq!(back, DeviceRecord { version: 1, ..full });
    assert_eq!(a.get(r2.id).await.unwrap().unwrap(), r2);
}

/// Missing ids: `get` is `None`, `update` is `Ok(None)` and does not call the mutation.
pub async fn missing_devices(a: Arc<dyn DeviceStore>, _b: Arc<dyn DeviceStore>) {
    assert!(a.get(987_654).await.unwrap().is_none());
    let called = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let c = called.clone();
    let found = a
        .transition(987_654, move |_| {
            c.store(true, std::sync::atomic::Ordering::SeqCst);
            (Write::Update, ())
        })
        .await
        .unwrap();
    assert!(found.is_none());
    assert!(!called.load(std::sync::atomic::Ordering::SeqCst));
}

/// `Write::None` writes nothing, `Write::Update` raises the version, `Write::Delete` removes.
pub async fn writes(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let r = insert(a.as_ref(), "bob", "otp_totp.totpdevice", true, 0).await;
    assert!(
        a.transition(r.id, |r| {
            r.name = "changed".into();
            (Write::None, ())
        })
        .await
        .unwrap()
        .is_some()
    );
    assert_eq!(b.get(r.id).await.unwrap().unwrap(), r);
    for v in 1..=3 {
        a.transition(r.id, |r| {
            r.throttle.failure_count += 1;
            (Write::Update, ())
        })
        .await
        .unwrap();
        let got = b.get(r.id).await.unwrap().unwrap();
        assert_eq!((got.version, got.throttle.failure_count), (v, v as u32));
    }
    // Every column a mutation changes is stored, the indexed ones too (a store may write
    // fewer columns when those are unchanged): the device moves to another owner's and
    // another kind's listings and leaves its old ones.
    let moved = |r: &mut DeviceRecord| {
        r.user = user("carol");
        r.model_label = "otp_static.staticdevice".into();
        r.name = "moved".into();
        r.confirmed = false;
        r.created_at = Timestamp::from_millis(1_000);
        r.last_used_at = Some(Timestamp::from_millis(2_000));
        r.throttle = ThrottleState {
            failure_count: 7,
            failure_timestamp: Some(Timestamp::from_millis(3_000)),
        };
        r.last_generated_at = Some(Timestamp::from_millis(4_000));
        r.state = "{\"moved\":true}".into();
    };
    a.transition(r.id, move |r| {
        moved(r);
        (Write::Update, ())
    })
    .await
    .unwrap();
    let mut want = r.clone();
    moved(&mut want);
    want.version = 4;
    assert_eq!(b.get(r.id).await.unwrap().unwrap(), want);
    let ids = |recs: Vec<DeviceRecord>| recs.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(b.list_for_user(&user("carol")).await.unwrap()), [r.id]);
    assert!(b.list_for_user(&user("bob")).await.unwrap().is_empty());
    let by_label = |label: &str| DeviceQuery {
        model_label: Some(label.into()),
        ..DeviceQuery::default()
    };
    let static_ids = ids(b.list(&by_label("otp_static.staticdevice")).await.unwrap());
    assert!(static_ids.contains(&r.id));
    let totp_ids = ids(b.list(&by_label("otp_totp.totpdevice")).await.unwrap());
    assert!(!totp_ids.contains(&r.id));
    assert!(
        b.transition(r.id, |_| (Write::Delete, ()))
            .await
            .unwrap()
            .is_some()
    );
    assert!(a.get(r.id).await.unwrap().is_none());
}

/// A failing `init` stores nothing and reports `StoreError::Init`.
pub async fn init_failure_stores_nothing(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let err = a
        .insert(
            new_device("carol", "otp_totp.totpdevice", true, 0),
            Box::new(|_| Err("refused".into())),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Init(_)), "{err:?}");
    assert!(b.list_for_user(&user("carol")).await.unwrap().is_empty());
    let ok = insert(a.as_ref(), "carol", "otp_totp.totpdevice", true, 0).await;
    assert_eq!(b.list_for_user(&user("carol")).await.unwrap(), vec![ok]);
}

/// Listing by user (ascending id, byte-exact user ids) and by query filters.
pub async fn listing(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let mut ids = Vec::new();
    for (i, (u, label, conf)) in [
        ("dave", "otp_totp.totpdevice", true),
        ("Dave", "otp_hotp.hotpdevice", true),
        ("dave", "otp_static.staticdevice", false),
        ("dave2", "otp_totp.totpdevice", true),
        ("dave", "otp_totp.totpdevice", false),
    ]
    .into_iter()
    .enumerate()
    {
        let s = if i % 2 == 0 { &a } else { &b };
        ids.push(
            insert(s.as_ref(), u, label, conf, 1_000 * i as i64)
                .await
                .id,
        );
    }
    listing_by_user(&a, &ids).await;
    listing_by_query(&b, &ids).await;
}

/// `list_for_user`: the user's devices, ascending id; user ids compare byte for byte.
async fn listing_by_user(a: &Arc<dyn DeviceStore>, ids: &[DeviceId]) {
    let dave: Vec<_> = a
        .list_for_user(&user("dave"))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(dave, vec![ids[0], ids[2], ids[4]]);
}

/// `list`: every filter of a `DeviceQuery`, and keyset pagination.
async fn listing_by_query(b: &Arc<dyn DeviceStore>, ids: &[DeviceId]) {
    let q = |q: DeviceQuery| {
        let b = b.clone();
        async move {
            b.list(&q)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(q(DeviceQuery::default()).await, ids);
    assert_eq!(
        q(DeviceQuery {
            user: Some(user("Dave")),
            ..Default::default()
        })
        .await,
        vec![ids[1]]
    );
    assert_eq!(
        q(DeviceQuery {
            user_contains: Some("AVE".into()),
            ..Default::default()
        })
        .await,
        ids
    );
    assert_eq!(
        q(DeviceQuery {
            model_label: Some("otp_totp.totpdevice".into()),
            confirmed: Some(true),
            ..Default::default()
        })
        .await,
        vec![ids[0], ids[3]]
    );
    assert_eq!(
        q(DeviceQuery {
            confirmed: Some(false),
            created_before: Some(Timestamp::from_millis(4_000)),
            ..Default::default()
        })
        .await,
        vec![ids[2]]
    );
    assert_eq!(
        q(DeviceQuery {
            after_id: Some(ids[1]),
            limit: Some(2),
            ..Default::default()
        })
        .await,
        vec![ids[2], ids[3]]
    );
}

/// `update_user` sees all of the user's rows in id order and writes per row;
/// `delete_for_user` removes exactly that user's devices.
pub async fn user_transitions(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let e1 = insert(a.as_ref(), "erin", "otp_totp.totpdevice", true, 0).await;
    let e2 = insert(a.as_ref(), "erin", "otp_static.staticdevice", true, 0).await;
    let other = insert(b.as_ref(), "frank", "otp_totp.totpdevice", true, 0).await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    b.transition_user(&user("erin"), move |recs, writes| {
        *s2.lock().unwrap() = recs.iter().map(|r| r.id).collect();
        recs[1].name = "second".into();
        writes[1] = Write::Update;
    })
    .await
    .unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![e1.id, e2.id]);
    assert_eq!(a.get(e1.id).await.unwrap().unwrap(), e1);
    let got = a.get(e2.id).await.unwrap().unwrap();
    assert_eq!((got.name.as_str(), got.version), ("second", 1));
    let empty = Arc::new(std::sync::atomic::AtomicUsize::new(99));
    let e = empty.clone();
    a.transition_user(&user("nobody"), move |recs, _| {
        e.store(recs.len(), std::sync::atomic::Ordering::SeqCst)
    })
    .await
    .unwrap();
    assert_eq!(empty.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(b.delete_for_user(&user("erin")).await.unwrap(), 2);
    assert!(a.list_for_user(&user("erin")).await.unwrap().is_empty());
    assert_eq!(a.get(other.id).await.unwrap().unwrap(), other);
}

/// A transition returns its closure's value with the record as committed: on
/// `Write::Update` the mutated record one version up (the store sets the version, whatever
/// the closure did to it), on `Write::None` the record as read (nothing the closure changed
/// was stored), on `Write::Delete` the record as it was before the delete.
pub async fn transition_results(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let r = insert(a.as_ref(), "gina", "otp_totp.totpdevice", true, 0).await;
    let done = a
        .transition(r.id, |rec| {
            rec.name = "updated".into();
            (Write::Update, rec.version)
        })
        .await
        .unwrap()
        .expect("the device exists");
    assert_eq!(done.value, 0, "the closure saw the stored record");
    assert_eq!(done.write, Write::Update);
    let updated = DeviceRecord {
        name: "updated".into(),
        version: 1,
        imported_id: None,
        ..r.clone()
    };
    assert_eq!(done.record, updated);
    assert_eq!(b.get(r.id).await.unwrap().unwrap(), updated);

    let done = b
        .transition(r.id, |rec| {
            rec.name = "never stored".into();
            rec.version = 99;
            (Write::None, "kept")
        })
        .await
        .unwrap()
        .expect("the device exists");
    assert_eq!((done.value, done.write), ("kept", Write::None));
    assert_eq!(
        done.record, updated,
        "Write::None answers the record as read"
    );
    assert_eq!(a.get(r.id).await.unwrap().unwrap(), updated);

    let done = a
        .transition(r.id, |rec| {
            rec.version = 99;
            (Write::Update, ())
        })
        .await
        .unwrap()
        .expect("the device exists");
    assert_eq!(done.record.version, 2, "the store sets the version");
    assert_eq!(b.get(r.id).await.unwrap().unwrap().version, 2);

    let last = done.record;
    let done = b
        .transition(r.id, |rec| {
            rec.name = "deleted".into();
            (Write::Delete, 7u8)
        })
        .await
        .unwrap()
        .expect("the device exists");
    assert_eq!((done.value, done.write), (7, Write::Delete));
    assert_eq!(
        done.record, last,
        "Write::Delete answers the last stored state"
    );
    assert!(a.get(r.id).await.unwrap().is_none());
}

/// A user transition returns its closure's value and every record it saw, ascending id,
/// each as committed with its write (the rules of `transition_results`); a user without
/// devices gets the value and no records.
pub async fn user_transition_results(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let h1 = insert(a.as_ref(), "hal", "otp_totp.totpdevice", true, 0).await;
    let h2 = insert(b.as_ref(), "hal", "otp_static.staticdevice", true, 0).await;
    let h3 = insert(a.as_ref(), "hal", "otp_hotp.hotpdevice", false, 0).await;
    let done = b
        .transition_user(&user("hal"), |recs, writes| {
            for r in recs.iter_mut() {
                r.name = "changed".into();
                r.version = 99;
            }
            writes[0] = Write::Update;
            writes[2] = Write::Delete;
            recs.len()
        })
        .await
        .unwrap();
    assert_eq!(done.value, 3);
    let updated = DeviceRecord {
        name: "changed".into(),
        version: 1,
        imported_id: None,
        ..h1.clone()
    };
    assert_eq!(
        done.records,
        vec![
            (updated.clone(), Write::Update),
            (h2.clone(), Write::None),
            (h3.clone(), Write::Delete),
        ]
    );
    assert_eq!(done.record(h2.id).unwrap(), (&h2, Write::None));
    assert_eq!(
        a.list_for_user(&user("hal")).await.unwrap(),
        vec![updated, h2]
    );
    let none = a
        .transition_user(&user("nobody"), |recs, _| recs.len() + 1)
        .await
        .unwrap();
    assert_eq!((none.value, none.records.len()), (1, 0));
}

/// Concurrent transitions on one device, half of them through `update_user`, spread over
/// both instances: each returns the value of the run that committed. Every closure reports
/// the version it saw, so a value left by a run that did not commit (a retried one) shows
/// as a committed version other than the one after it; the transitions commit versions
/// 1..=N, each once.
pub async fn concurrent_transition_values(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    const N: i64 = 40;
    for rep in 0..repetitions().min(10) {
        let owner = user(&format!("values{rep}"));
        let r = insert(a.as_ref(), owner.as_str(), "otp_totp.totpdevice", true, 0).await;
        let mut handles = Vec::new();
        for i in 0..N {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            let owner = owner.clone();
            handles.push(tokio::spawn(async move {
                if i % 4 < 2 {
                    let done = s
                        .transition(r.id, |rec| {
                            rec.throttle.failure_count += 1;
                            (Write::Update, rec.version)
                        })
                        .await
                        .unwrap()
                        .expect("the device exists");
                    (done.value, done.record.version)
                } else {
                    let done = s
                        .transition_user(&owner, |recs, writes| {
                            recs[0].throttle.failure_count += 1;
                            writes[0] = Write::Update;
                            recs[0].version
                        })
                        .await
                        .unwrap();
                    (done.value, done.records[0].0.version)
                }
            }));
        }
        let mut versions = Vec::new();
        for h in handles {
            let (seen, committed) = h.await.expect("task");
            assert_eq!(committed, seen + 1, "rep {rep}: a value of another run");
            versions.push(committed);
        }
        versions.sort_unstable();
        assert_eq!(versions, (1..=N).collect::<Vec<_>>(), "rep {rep}");
        let last = b.get(r.id).await.unwrap().unwrap();
        assert_eq!((last.version, last.throttle.failure_count), (N, N as u32));
    }
}
