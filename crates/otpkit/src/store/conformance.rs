//! The store conformance suite: one generic set of cases every [`DeviceStore`] must pass,
//! from the storage contract up to the engine's concurrency requirements (SPEC §2.9,
//! REQ-04, REQ-05). Each backend instantiates it with `store_conformance_tests!`,
//! giving a factory for **two store instances on one fresh database** (two pools, or two
//! application instances); the concurrent cases spread their tasks over both.
//!
//! The concurrency cases repeat `OTPKIT_CONFORMANCE_REPETITIONS` times (default 200, as
//! SPEC §10 asks) and fail on the first violation.
//!
//! This is test code compiled into the library (behind the `conformance` feature) so that
//! backends in other crates can run it: like any test, it panics on a violation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;

use crate::clock::{ManualClock, Timestamp};
use crate::device::{DeviceRecord, NewDevice, ThrottleState};
use crate::engine::{Engine, HotpOptions, TotpOptions, VerifyOptions, VerifyOutcome};
use crate::mailer::MemoryMailer;
use crate::oath::{Algorithm, Digits, OathKey};
use crate::policy::VerifyNotAllowed;
use crate::seal::KeyRing;
use crate::secret::SecretBytes;
use crate::settings::Settings;
use crate::settings::{
    EmailSettings, HotpSettings, StaticSettings, ThrottleSettings, TotpSettings,
};
use crate::store::{DeviceQuery, DeviceStore, DeviceStoreExt, StoreError, Write};
use crate::user::UserId;

/// A fixed test key ring (never use it for real data).
pub const TEST_KEYS: &str = "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The RFC 4226 test key.
pub const RFC_KEY: &[u8] = b"12345678901234567890";

/// How many times each concurrency case runs.
pub fn repetitions() -> usize {
    std::env::var("OTPKIT_CONFORMANCE_REPETITIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

fn user(name: &str) -> UserId {
    UserId::new(name).expect("valid user id")
}

fn new_device(u: &str, label: &str, confirmed: bool, at: i64) -> NewDevice {
    NewDevice {
        user: user(u),
        model_label: label.into(),
        name: format!("{label} of {u}"),
        confirmed,
        created_at: Timestamp::from_millis(at),
    }
}

async fn insert(
    s: &dyn DeviceStore,
    u: &str,
    label: &str,
    confirmed: bool,
    at: i64,
) -> DeviceRecord {
    s.insert(
        new_device(u, label, confirmed, at),
        Box::new(|id| Ok(format!("{{\"n\":{id}}}"))),
    )
    .await
    .expect("insert")
}

/// Two engines (one per store instance) sharing a clock, key ring, mailer and settings.
pub struct Pair {
    /// The engine on the first instance.
    pub a: Engine,
    /// The engine on the second instance.
    pub b: Engine,
    /// The shared clock.
    pub clock: ManualClock,
    /// The shared outbox.
    pub mailer: MemoryMailer,
}

/// Builds a [`Pair`] on two store instances.
pub fn engines(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>, settings: Settings) -> Pair {
    let keys = KeyRing::parse(TEST_KEYS).expect("test ring");
    let clock = ManualClock::new(Timestamp::from_secs(1_700_000_000));
    let mailer = MemoryMailer::new();
    let build = |s: Arc<dyn DeviceStore>| {
        Engine::builder_arc(s, keys.clone())
            .settings(settings.clone())
            .clock(clock.clone())
            .mailer(mailer.clone())
            .build()
            .expect("engine")
    };
    Pair {
        a: build(a),
        b: build(b),
        clock,
        mailer,
    }
}

fn no_throttle() -> Settings {
    Settings {
        totp: TotpSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        hotp: HotpSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        static_codes: StaticSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        email: EmailSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        ..Settings::default()
    }
}

// ----- the storage contract ----------------------------------------------------------------

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
    let dave: Vec<_> = a
        .list_for_user(&user("dave"))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(dave, vec![ids[0], ids[2], ids[4]]);
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

// ----- the engine on this store ------------------------------------------------------------

fn rfc_totp() -> TotpOptions {
    TotpOptions {
        key: Some(SecretBytes::new(RFC_KEY.to_vec())),
        ..TotpOptions::default()
    }
}

fn code_at(t: i64) -> String {
    let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
    crate::oath::totp_at(&key, t, Digits::SIX)
        .expect("step ≥ 0")
        .expose()
        .to_owned()
}

/// A TOTP code is accepted once; the same step again is a replay; the state survives a
/// read through the other instance.
pub async fn engine_totp(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    let alice = user("alice");
    let d = p.a.create_totp(&alice, rfc_totp()).await.unwrap();
    let pid = d.persistent_id();
    let t = otpkit_now(&p.clock).as_secs() / 30;
    let out =
        p.b.verify_token_detailed(Some(&alice), &pid, &code_at(t), &VerifyOptions::default())
            .await
            .unwrap();
    assert!(matches!(out, VerifyOutcome::Accepted(_)), "{out:?}");
    p.clock.advance_secs(1);
    let again =
        p.a.verify_token_detailed(Some(&alice), &pid, &code_at(t), &VerifyOptions::default())
            .await
            .unwrap();
    assert!(
        matches!(
            again,
            VerifyOutcome::Rejected(crate::engine::Rejection::Replay)
        ),
        "{again:?}"
    );
    let rec = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(rec.throttle().failure_count, 1);
    assert!(rec.last_used_at().is_some());
    let info = p.b.info(&rec).unwrap();
    assert_eq!(info["last_t"], serde_json::json!(t));
    // Someone else's device, an unknown id, and another kind's label are all NotFound.
    let bob = user("bob");
    for (u, id) in [
        (&bob, pid.clone()),
        (&alice, "otp_totp.totpdevice/999999".to_owned()),
        (
            &alice,
            pid.replace("otp_totp.totpdevice", "otp_hotp.hotpdevice"),
        ),
    ] {
        let o =
            p.a.verify_token_detailed(Some(u), &id, &code_at(t + 1), &VerifyOptions::default())
                .await
                .unwrap();
        assert!(matches!(o, VerifyOutcome::NotFound), "{id}: {o:?}");
    }
    assert_eq!(
        p.a.from_persistent_id(&pid)
            .await
            .unwrap()
            .unwrap()
            .record()
            .version,
        rec.record().version
    );
}

/// The exact throttle boundary on this store: refused 1 ms before `locked_until`,
/// evaluated at it.
pub async fn engine_throttle_boundary(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    let u = user("gina");
    let d = p.a.create_totp(&u, rfc_totp()).await.unwrap();
    let pid = d.persistent_id();
    let opts = VerifyOptions::default();
    for n in 1..=4u32 {
        let o =
            p.a.verify_token_detailed(Some(&u), &pid, "000000x", &opts)
                .await
                .unwrap();
        assert!(matches!(o, VerifyOutcome::Rejected(_)), "{o:?}");
        let until = otpkit_now(&p.clock).add_secs(1 << (n - 1));
        p.clock.set(until.add_millis(-1));
        let o =
            p.b.verify_token_detailed(Some(&u), &pid, "000000x", &opts)
                .await
                .unwrap();
        assert!(
            matches!(o, VerifyOutcome::NotAllowed(VerifyNotAllowed::NFailedAttempts { failure_count, locked_until }) if failure_count == n && locked_until == until),
            "n={n}: {o:?}"
        );
        p.clock.set(until);
    }
}

/// HOTP: a code in the window is accepted and the counter moves past it.
pub async fn engine_hotp(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    let u = user("hank");
    let d =
        p.a.create_hotp(
            &u,
            HotpOptions {
                key: Some(SecretBytes::new(RFC_KEY.to_vec())),
                ..HotpOptions::default()
            },
        )
        .await
        .unwrap();
    // RFC 4226 counter 3 → 969429: inside the default window of 6.
    let got =
        p.b.verify_token(Some(&u), &d.persistent_id(), "969429")
            .await
            .unwrap();
    assert!(got.is_some());
    let info =
        p.a.info(
            &p.a.from_persistent_id(&d.persistent_id())
                .await
                .unwrap()
                .unwrap(),
        )
        .unwrap();
    assert_eq!(info["counter"], serde_json::json!(4));
    assert!(
        p.a.verify_token(Some(&u), &d.persistent_id(), "969429")
            .await
            .unwrap()
            .is_none()
    );
}

// ----- concurrency (REQ-04, REQ-05) --------------------------------------------------------

async fn race<F, Fut>(n: usize, p: &Pair, f: F) -> Vec<VerifyOutcome>
where
    F: Fn(Engine, usize) -> Fut,
    Fut: std::future::Future<Output = VerifyOutcome> + Send + 'static,
{
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let e = if i % 2 == 0 { p.a.clone() } else { p.b.clone() };
        handles.push(tokio::spawn(f(e, i)));
    }
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

fn accepted(v: &[VerifyOutcome]) -> usize {
    v.iter()
        .filter(|o| matches!(o, VerifyOutcome::Accepted(_)))
        .count()
}

async fn version_of(e: &Engine, pid: &str) -> i64 {
    e.from_persistent_id(pid)
        .await
        .unwrap()
        .unwrap()
        .record()
        .version
}

/// REQ-04: 50 concurrent uses of one valid TOTP code → exactly one accepted and one write.
pub async fn concurrent_totp_single_use(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    for rep in 0..repetitions() {
        let u = user(&format!("totp{rep}"));
        let d = p.a.create_totp(&u, rfc_totp()).await.unwrap();
        let pid = d.persistent_id();
        let code = code_at(otpkit_now(&p.clock).as_secs() / 30);
        let out = race(50, &p, |e, _| {
            let (u, pid, code) = (u.clone(), pid.clone(), code.clone());
            async move {
                e.verify_token_detailed(Some(&u), &pid, &code, &VerifyOptions::default())
                    .await
                    .unwrap()
            }
        })
        .await;
        assert_eq!(accepted(&out), 1, "rep {rep}: {out:?}");
        // One write consumed the step; every other write is one recorded failure (a replay);
        // throttled attempts write nothing.
        let rejected = out
            .iter()
            .filter(|o| matches!(o, VerifyOutcome::Rejected(_)))
            .count();
        assert_eq!(
            version_of(&p.a, &pid).await,
            1 + rejected as i64,
            "rep {rep}"
        );
        let dev = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(dev.throttle().failure_count, rejected as u32, "rep {rep}");
        assert_eq!(
            p.b.info(&dev).unwrap()["last_t"],
            serde_json::json!(otpkit_now(&p.clock).as_secs() / 30)
        );
    }
}

/// REQ-04: HOTP at counter c, 50 concurrent uses of the code for c+2 → one success,
/// counter c+3.
pub async fn concurrent_hotp_single_use(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, no_throttle());
    for rep in 0..repetitions() {
        let u = user(&format!("hotp{rep}"));
        let c = (rep % 5) as u64;
        let d =
            p.a.create_hotp(
                &u,
                HotpOptions {
                    key: Some(SecretBytes::new(RFC_KEY.to_vec())),
                    counter: Some(c),
                    ..HotpOptions::default()
                },
            )
            .await
            .unwrap();
        let pid = d.persistent_id();
        let code = OathKey::new(Algorithm::Sha1, RFC_KEY)
            .hotp(c + 2, Digits::SIX)
            .expose()
            .to_owned();
        let out = race(50, &p, |e, _| {
            let (u, pid, code) = (u.clone(), pid.clone(), code.clone());
            async move {
                e.verify_token_detailed(Some(&u), &pid, &code, &VerifyOptions::default())
                    .await
                    .unwrap()
            }
        })
        .await;
        assert_eq!(accepted(&out), 1, "rep {rep}");
        let dev = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(p.b.info(&dev).unwrap()["counter"], serde_json::json!(c + 3));
    }
}

/// REQ-04: 50 concurrent uses of one backup code → one success; codes left drop by one.
pub async fn concurrent_backup_code_single_use(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, no_throttle());
    for rep in 0..repetitions() {
        let u = user(&format!("static{rep}"));
        let (d, codes) = p.a.generate_backup_codes(&u, None).await.unwrap();
        let pid = d.persistent_id();
        let code = codes[rep % codes.len()].expose().to_owned();
        let out = race(50, &p, |e, _| {
            let (u, pid, code) = (u.clone(), pid.clone(), code.clone());
            async move {
                e.verify_token_detailed(Some(&u), &pid, &code, &VerifyOptions::default())
                    .await
                    .unwrap()
            }
        })
        .await;
        assert_eq!(accepted(&out), 1, "rep {rep}");
        let dev = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(p.b.info(&dev).unwrap()["codes_left"], serde_json::json!(9));
    }
}

/// REQ-04: 50 concurrent uses of one email code → one success.
pub async fn concurrent_email_single_use(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let settings = Settings {
        email: EmailSettings {
            max_attempts: 10,
            ..Default::default()
        },
        ..no_throttle()
    };
    let p = engines(a, b, settings);
    for rep in 0..repetitions() {
        let u = user(&format!("email{rep}"));
        let d =
            p.a.create_email(&u, None, Some(format!("u{rep}@example.com")), true)
                .await
                .unwrap();
        let pid = d.persistent_id();
        let sent =
            p.b.generate_challenge(&u, &pid, &crate::engine::ChallengeOptions::default())
                .await
                .unwrap();
        assert!(
            matches!(sent, crate::engine::ChallengeOutcome::Sent { .. }),
            "{sent:?}"
        );
        let mail = p.mailer.last().unwrap();
        let code: String = mail
            .text
            .expose()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let out = race(50, &p, |e, _| {
            let (u, pid, code) = (u.clone(), pid.clone(), code.clone());
            async move {
                e.verify_token_detailed(Some(&u), &pid, &code, &VerifyOptions::default())
                    .await
                    .unwrap()
            }
        })
        .await;
        assert_eq!(accepted(&out), 1, "rep {rep}");
    }
}

/// REQ-05: 100 concurrent wrong guesses with throttling off raise the count by exactly 100.
pub async fn concurrent_failures_all_counted(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, no_throttle());
    for rep in 0..repetitions() {
        let u = user(&format!("wrong{rep}"));
        let d = p.a.create_totp(&u, rfc_totp()).await.unwrap();
        let pid = d.persistent_id();
        let out = race(100, &p, |e, _| {
            let (u, pid) = (u.clone(), pid.clone());
            async move {
                e.verify_token_detailed(Some(&u), &pid, "abcdef", &VerifyOptions::default())
                    .await
                    .unwrap()
            }
        })
        .await;
        assert!(out.iter().all(|o| matches!(o, VerifyOutcome::Rejected(_))));
        let dev = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(dev.throttle().failure_count, 100, "rep {rep}");
    }
}

/// REQ-05: with throttling on, of 100 concurrent wrong guesses at most one is evaluated.
pub async fn concurrent_failures_throttled(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    for rep in 0..repetitions() {
        let u = user(&format!("thr{rep}"));
        let d = p.a.create_totp(&u, rfc_totp()).await.unwrap();
        let pid = d.persistent_id();
        let out = race(100, &p, |e, _| {
            let (u, pid) = (u.clone(), pid.clone());
            async move {
                e.verify_token_detailed(Some(&u), &pid, "000000", &VerifyOptions::default())
                    .await
                    .unwrap()
            }
        })
        .await;
        let evaluated = out
            .iter()
            .filter(|o| !matches!(o, VerifyOutcome::NotAllowed(_)))
            .count();
        assert!(evaluated <= 1, "rep {rep}: {evaluated} evaluated");
        let dev = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(dev.throttle().failure_count, evaluated as u32);
    }
}

/// Creates two TOTP devices of a new user `name` and submits `token` 100 times concurrently,
/// 50 per device, alternating the two engines (store instances).
async fn wrong_guesses_over_two_devices(
    p: &Pair,
    name: &str,
    token: &'static str,
) -> (UserId, [String; 2], Vec<VerifyOutcome>) {
    let u = user(name);
    let d1 = p.a.create_totp(&u, rfc_totp()).await.unwrap();
    let d2 = p.a.create_totp(&u, rfc_totp()).await.unwrap();
    let pids = [d1.persistent_id(), d2.persistent_id()];
    let out = race(100, p, |e, i| {
        let (u, pid) = (u.clone(), pids[(i / 2) % 2].clone());
        async move {
            e.verify_token_detailed(Some(&u), &pid, token, &VerifyOptions::default())
                .await
                .unwrap()
        }
    })
    .await;
    (u, pids, out)
}

/// The account throttle (`OTPKIT_ACCOUNT_THROTTLING`, REQ-05): 100 concurrent wrong guesses
/// spread over two devices of one user with throttling off are all counted (the account
/// total is exactly 100, split exactly as sent), and the account is then locked out on both
/// devices (`OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD` = 100).
pub async fn concurrent_account_failures_all_counted(
    a: Arc<dyn DeviceStore>,
    b: Arc<dyn DeviceStore>,
) {
    let p = engines(
        a,
        b,
        Settings {
            throttle: ThrottleSettings {
                account_lockout_threshold: 100,
                ..Default::default()
            },
            ..no_throttle()
        },
    );
    for rep in 0..repetitions() {
        let (u, pids, out) =
            wrong_guesses_over_two_devices(&p, &format!("acct{rep}"), "abcdef").await;
        assert!(
            out.iter().all(|o| matches!(o, VerifyOutcome::Rejected(_))),
            "rep {rep}"
        );
        for pid in &pids {
            let dev = p.b.from_persistent_id(pid).await.unwrap().unwrap();
            assert_eq!(dev.throttle().failure_count, 50, "rep {rep} {pid}");
        }
        let o =
            p.b.verify_token_detailed(Some(&u), &pids[0], "abcdef", &VerifyOptions::default())
                .await
                .unwrap();
        assert!(
            matches!(
                o,
                VerifyOutcome::NotAllowed(crate::policy::VerifyNotAllowed::LockedOut {
                    failure_count: 100
                })
            ),
            "rep {rep}: {o:?}"
        );
    }
}

/// The account throttle with the default policy: of 100 concurrent wrong guesses spread over
/// two devices of one user, at most one is evaluated — the other device's rows are locked for
/// the decision, so a guess on device 2 sees device 1's fresh failure (REQ-05, §2.9).
pub async fn concurrent_account_failures_throttled(
    a: Arc<dyn DeviceStore>,
    b: Arc<dyn DeviceStore>,
) {
    let p = engines(a, b, Settings::default());
    for rep in 0..repetitions() {
        let (_, pids, out) =
            wrong_guesses_over_two_devices(&p, &format!("acthr{rep}"), "000000").await;
        let evaluated = out
            .iter()
            .filter(|o| !matches!(o, VerifyOutcome::NotAllowed(_)))
            .count();
        assert!(evaluated <= 1, "rep {rep}: {evaluated} evaluated");
        let mut total = 0;
        for pid in &pids {
            total +=
                p.b.from_persistent_id(pid)
                    .await
                    .unwrap()
                    .unwrap()
                    .throttle()
                    .failure_count;
        }
        assert_eq!(total, evaluated as u32, "rep {rep}");
    }
}

/// `match_token`: of 50 concurrent calls with one valid code, exactly one returns a device.
pub async fn concurrent_match_token(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    for rep in 0..repetitions().min(50) {
        let u = user(&format!("match{rep}"));
        p.a.create_totp(&u, rfc_totp()).await.unwrap();
        let (_, codes) = p.a.generate_backup_codes(&u, Some(3)).await.unwrap();
        let code = codes[0].expose().to_owned();
        let mut handles = Vec::new();
        for i in 0..50 {
            let e = if i % 2 == 0 { p.a.clone() } else { p.b.clone() };
            let (u, code) = (u.clone(), code.clone());
            handles.push(tokio::spawn(async move {
                e.match_token(Some(&u), &code).await.unwrap().is_some()
            }));
        }
        let mut wins = 0;
        for h in handles {
            wins += usize::from(h.await.unwrap());
        }
        assert_eq!(wins, 1, "rep {rep}");
        // The TOTP device evaluated the code in the losing calls: one failure each, and the
        // winner recorded none (§3).
        let devs = p.a.devices_for_user(Some(&u), None).await.unwrap();
        assert_eq!(
            devs[0].throttle().failure_count,
            1,
            "throttled after the first failure"
        );
    }
}

/// Instantiates the conformance suite for a backend: one `#[tokio::test]` per case.
/// `$make` is an expression evaluating to a future of two store instances on one fresh
/// database, `(Arc<dyn DeviceStore>, Arc<dyn DeviceStore>)`.
///
/// `crates/otpkit/tests/memory_conformance.rs` is a complete instantiation:
///
/// ```text
/// otpkit::store_conformance_tests!(async {
///     let s = otpkit::MemoryStore::new();
///     (Arc::new(s.clone()) as Arc<dyn otpkit::DeviceStore>, Arc::new(s) as Arc<dyn otpkit::DeviceStore>)
/// });
/// ```
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@cases $make;
            insert_and_round_trip, missing_devices, writes, init_failure_stores_nothing,
            listing, user_transitions, transition_results, user_transition_results,
            concurrent_transition_values, engine_totp, engine_throttle_boundary, engine_hotp,
            concurrent_totp_single_use, concurrent_hotp_single_use,
            concurrent_backup_code_single_use, concurrent_email_single_use,
            concurrent_failures_all_counted, concurrent_failures_throttled,
            concurrent_account_failures_all_counted, concurrent_account_failures_throttled,
            concurrent_match_token);
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let (a, b): (
                    ::std::sync::Arc<dyn $crate::store::DeviceStore>,
                    ::std::sync::Arc<dyn $crate::store::DeviceStore>,
                ) = $make.await;
                $crate::store::conformance::$case(a, b).await;
            }
        )*
    };
}

fn otpkit_now(c: &ManualClock) -> Timestamp {
    use crate::clock::Clock;
    c.now()
}
