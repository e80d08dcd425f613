//! The session store conformance suite: what every store of this family must do, run by each
//! backend's tests with [`session_store_conformance_tests!`](crate::session_store_conformance_tests).
//!
//! Each case gets two handles on **one** database (two nodes, or two pools of one process)
//! built with the [`SessionConfig`] it passes, whose clock is a [`ManualClock`] the case
//! moves. The races repeat `OTPKIT_CONFORMANCE_REPETITIONS` times (default 200) and count
//! violations; the case fails unless there are none.
//!
//! This is test code compiled into the library (behind the `conformance` feature) so that
//! backends in other crates can run it: like any test, it panics on a violation.
//!
//! ```ignore
//! otpkit_sessions::session_store_conformance_tests!(|config| async move {
//!     let a = MyStore::open(&url, config.clone()).await;
//!     let b = MyStore::open(&url, config).await;
//!     Some((a, b))
//! });
//! ```

#![allow(clippy::panic)]

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use otpkit::{ManualClock, Timestamp, UserId};
use time::{Duration, OffsetDateTime};
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store;
use tower_sessions_core::{ExpiredDeletion, SessionStore};

use crate::codec::from_millis;
use crate::{AGENT_KEY, DEFAULT_USER_KEY, DEVICE_KEY, SessionConfig, SessionMeta, UserSessions};

/// What a store under test must be.
pub trait ConformanceStore: SessionStore + ExpiredDeletion + UserSessions + Clone {}
impl<S: SessionStore + ExpiredDeletion + UserSessions + Clone> ConformanceStore for S {}

/// A store under test together with what must live as long as its last handle — a
/// temporary directory, a test database dropped on exit, a key prefix to clean up: every
/// store trait forwards to `store`, and `guard` goes with the last clone.
///
/// ```
/// use std::sync::Arc;
/// use otpkit_sessions::conformance::Held;
///
/// /// Removes a test database when dropped (here: counts the drops).
/// struct TestDatabase(Arc<std::sync::atomic::AtomicUsize>);
/// impl Drop for TestDatabase {
///     fn drop(&mut self) {
///         self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
///     }
/// }
///
/// let dropped = Arc::new(std::sync::atomic::AtomicUsize::new(0));
/// let db = Arc::new(TestDatabase(dropped.clone()));
/// // Two handles on one database (in a real suite: two stores, two pools).
/// let a = Held::new("store a", db.clone());
/// let b = Held::new("store b", db);
/// drop(a);
/// assert_eq!(dropped.load(std::sync::atomic::Ordering::SeqCst), 0);
/// drop(b); // the last handle: the database goes
/// assert_eq!(dropped.load(std::sync::atomic::Ordering::SeqCst), 1);
/// ```
pub struct Held<S, G> {
    /// The store.
    pub store: S,
    guard: Arc<G>,
}

impl<S, G> Held<S, G> {
    /// `store`, keeping `guard` alive while any clone is.
    pub fn new(store: S, guard: Arc<G>) -> Self {
        Held { store, guard }
    }
}

impl<S: Clone, G> Clone for Held<S, G> {
    fn clone(&self) -> Self {
        Held {
            store: self.store.clone(),
            guard: Arc::clone(&self.guard),
        }
    }
}

impl<S: std::fmt::Debug, G> std::fmt::Debug for Held<S, G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.store.fmt(f)
    }
}

#[async_trait]
impl<S: SessionStore, G: Send + Sync + 'static> SessionStore for Held<S, G> {
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

impl<S: crate::ResurrectionSafe, G: Send + Sync + 'static> crate::ResurrectionSafe for Held<S, G> {}

#[async_trait]
impl<S: ExpiredDeletion, G: Send + Sync + 'static> ExpiredDeletion for Held<S, G> {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.store.delete_expired().await
    }
}

#[async_trait]
impl<S: UserSessions, G: Send + Sync + 'static> UserSessions for Held<S, G> {
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

/// Runs every case as a `#[tokio::test]`. `$make` is a closure (or function) from a
/// [`SessionConfig`] to a future of `Some((a, b))`, two handles on one fresh database both
/// built with that config, or `None` when the backend is unavailable and the case is to be
/// skipped (the factory says so; with `OTPKIT_REQUIRE_DB` it fails instead).
#[macro_export]
macro_rules! session_store_conformance_tests {
    ($make:expr) => {
        $crate::session_store_conformance_tests!(@cases $make;
            create_load_save_delete, create_never_reuses_an_id, expiry,
            delete_expired_removes_tombstones, user_index, user_index_follows_the_data,
            listing_reads_agent_and_device,
            resurrection_race_delete, resurrection_race_cycle, concurrent_saves);
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let (clock, config) = $crate::conformance::setup();
                // `None`: the backend is not available here and the factory said so.
                if let Some((a, b)) = ($make)(config).await {
                    $crate::conformance::$case(a, b, clock).await;
                }
            }
        )*
    };
}

/// The start of every case's clock: 2023-11-14T22:13:20Z.
pub const START: Timestamp = Timestamp::from_secs(1_700_000_000);

/// A case's clock (at [`START`]) and the config built on it.
pub fn setup() -> (Arc<ManualClock>, SessionConfig) {
    let clock = Arc::new(ManualClock::new(START));
    let config = SessionConfig::default().with_clock(clock.clone());
    (clock, config)
}

/// How many rounds the races run (`OTPKIT_CONFORMANCE_REPETITIONS`, default 200).
pub fn rounds() -> usize {
    std::env::var("OTPKIT_CONFORMANCE_REPETITIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

fn now(clock: &ManualClock) -> OffsetDateTime {
    use otpkit::Clock;
    from_millis(clock.now().as_millis())
}

/// A record of `user` (or anonymous), expiring `ttl` after the clock's now.
fn record(clock: &ManualClock, user: Option<&str>, ttl: Duration) -> Record {
    let mut data = HashMap::from([("n".to_owned(), serde_json::json!(0))]);
    if let Some(u) = user {
        data.insert(DEFAULT_USER_KEY.to_owned(), serde_json::json!(u));
    }
    Record {
        id: Id::default(),
        data,
        expiry_date: now(clock) + ttl,
    }
}

fn user(name: &str) -> UserId {
    UserId::new(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn created<S: SessionStore>(store: &S, mut r: Record) -> Record {
    store
        .create(&mut r)
        .await
        .unwrap_or_else(|e| panic!("create: {e}"));
    r
}

async fn load<S: SessionStore>(store: &S, id: &Id) -> Option<Record> {
    store.load(id).await.unwrap_or_else(|e| panic!("load: {e}"))
}

async fn save<S: SessionStore>(store: &S, r: &Record) {
    store.save(r).await.unwrap_or_else(|e| panic!("save: {e}"));
}

async fn delete<S: SessionStore>(store: &S, id: &Id) {
    store
        .delete(id)
        .await
        .unwrap_or_else(|e| panic!("delete: {e}"));
}

async fn listed<S: UserSessions>(store: &S, who: &str) -> Vec<Id> {
    let mut ids: Vec<Id> = store
        .list_sessions(&user(who))
        .await
        .unwrap_or_else(|e| panic!("list: {e}"))
        .into_iter()
        .map(|m| m.id)
        .collect();
    ids.sort_by_key(|id| id.0);
    ids
}

fn sorted(mut ids: Vec<Id>) -> Vec<Id> {
    ids.sort_by_key(|id| id.0);
    ids
}

const HOUR: Duration = Duration::hours(1);

/// create → load (from the other handle) → save → load → delete → load: each sees the last
/// write exactly; deleting twice or an unknown id is fine.
pub async fn create_load_save_delete<S: ConformanceStore>(a: S, b: S, clock: Arc<ManualClock>) {
    let mut r = created(&a, record(&clock, Some("alice"), HOUR)).await;
    assert_eq!(load(&b, &r.id).await.as_ref(), Some(&r), "created record");
    r.data.insert("n".into(), serde_json::json!(1));
    r.expiry_date += Duration::minutes(5);
    save(&b, &r).await;
    assert_eq!(load(&a, &r.id).await.as_ref(), Some(&r), "saved record");
    let fresh = record(&clock, None, HOUR);
    save(&a, &fresh).await;
    assert_eq!(
        load(&b, &fresh.id).await.as_ref(),
        Some(&fresh),
        "saved unknown id"
    );
    delete(&a, &r.id).await;
    assert_eq!(load(&b, &r.id).await, None, "deleted record");
    delete(&b, &r.id).await;
    delete(&b, &Id::default()).await;
    assert_eq!(load(&a, &Id::default()).await, None, "unknown id");
    assert!(load(&a, &fresh.id).await.is_some(), "the other record");
}

/// `create` given a live or deleted id hands out another one, and leaves the first alone.
pub async fn create_never_reuses_an_id<S: ConformanceStore>(a: S, b: S, clock: Arc<ManualClock>) {
    let live = created(&a, record(&clock, Some("alice"), HOUR)).await;
    let mut clash = record(&clock, Some("mallory"), HOUR);
    clash.id = live.id;
    let clash = created(&b, clash).await;
    assert_ne!(clash.id, live.id, "create reused a live id");
    assert_eq!(
        load(&a, &live.id).await.as_ref(),
        Some(&live),
        "overwritten by create"
    );

    let gone = created(&a, record(&clock, Some("alice"), HOUR)).await;
    delete(&a, &gone.id).await;
    let mut again = record(&clock, Some("alice"), HOUR);
    again.id = gone.id;
    let again = created(&b, again).await;
    assert_ne!(again.id, gone.id, "create re-created a deleted id");
    assert_eq!(load(&a, &gone.id).await, None, "deleted id loads");
}

/// An expired record never loads nor is listed; `delete_expired` removes it (turning the
/// clock back shows it is gone, not just hidden), and leaves live records alone.
pub async fn expiry<S: ConformanceStore>(a: S, b: S, clock: Arc<ManualClock>) {
    let short = created(&a, record(&clock, Some("alice"), Duration::minutes(10))).await;
    let long = created(&a, record(&clock, Some("alice"), HOUR)).await;
    let past = record(&clock, Some("alice"), Duration::minutes(-1));
    save(&a, &past).await;
    assert_eq!(load(&b, &past.id).await, None, "saved already expired");
    assert_eq!(listed(&b, "alice").await, sorted(vec![short.id, long.id]));

    clock.advance_secs(11 * 60);
    assert_eq!(load(&b, &short.id).await, None, "expired record loads");
    assert_eq!(
        listed(&b, "alice").await,
        vec![long.id],
        "expired record listed"
    );
    b.delete_expired()
        .await
        .unwrap_or_else(|e| panic!("delete_expired: {e}"));
    assert!(load(&a, &long.id).await.is_some(), "live record deleted");

    clock.set(START);
    assert_eq!(
        load(&a, &short.id).await,
        None,
        "delete_expired kept an expired record"
    );
    assert_eq!(
        load(&a, &past.id).await,
        None,
        "delete_expired kept an expired record"
    );
    assert!(load(&a, &long.id).await.is_some());
}

/// A tombstone lasts until the deleted record's expiry plus the grace, and `delete_expired`
/// removes it after that (not before).
pub async fn delete_expired_removes_tombstones<S: ConformanceStore>(
    a: S,
    b: S,
    clock: Arc<ManualClock>,
) {
    let grace = SessionConfig::default().tombstone_grace().whole_seconds();
    let r = created(&a, record(&clock, Some("alice"), HOUR)).await;
    delete(&a, &r.id).await;
    // Just before the tombstone ends: cleaning keeps it, a stale save is still refused.
    clock.advance_secs(3600 + grace - 1);
    b.delete_expired()
        .await
        .unwrap_or_else(|e| panic!("delete_expired: {e}"));
    clock.set(START);
    save(&b, &r).await;
    assert_eq!(load(&a, &r.id).await, None, "tombstone removed early");
    // After it: gone, so (with the clock turned back) the id is free again.
    clock.advance_secs(3600 + grace + 1);
    b.delete_expired()
        .await
        .unwrap_or_else(|e| panic!("delete_expired: {e}"));
    clock.set(START);
    save(&b, &r).await;
    assert_eq!(
        load(&a, &r.id).await.as_ref(),
        Some(&r),
        "tombstone never removed"
    );
}

/// The user index: listing with created / last seen / expiry, ending one session (only the
/// owner's), ending all but one, ending all.
pub async fn user_index<S: ConformanceStore>(a: S, b: S, clock: Arc<ManualClock>) {
    let a1 = created(&a, record(&clock, Some("alice"), HOUR)).await;
    clock.advance_secs(10);
    let mut a2 = created(&b, record(&clock, Some("alice"), HOUR)).await;
    let a3 = created(&a, record(&clock, Some("alice"), HOUR)).await;
    let b1 = created(&a, record(&clock, Some("bob"), HOUR)).await;
    let anon = created(&a, record(&clock, None, HOUR)).await;
    assert_eq!(listed(&b, "alice").await, sorted(vec![a1.id, a2.id, a3.id]));
    assert_eq!(listed(&b, "bob").await, vec![b1.id]);
    assert_eq!(listed(&b, "carol").await, vec![]);

    clock.advance_secs(10);
    a2.expiry_date += HOUR;
    save(&a, &a2).await;
    let meta = b
        .list_sessions(&user("alice"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(meta.first().map(|m| m.id), Some(a1.id), "oldest first");
    let m2 = meta
        .iter()
        .find(|m| m.id == a2.id)
        .unwrap_or_else(|| panic!("a2 listed"));
    let start = from_millis(START.as_millis());
    assert_eq!(m2.created_at, start + Duration::seconds(10), "created");
    assert_eq!(m2.last_seen_at, start + Duration::seconds(20), "last seen");
    assert_eq!(
        m2.expires_at,
        from_millis(crate::codec::millis(a2.expiry_date)),
        "expires"
    );

    let ended = |r: bool, what: &str| assert!(r, "{what}");
    let e = b
        .end_session(&user("bob"), &a1.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    ended(!e, "bob ended alice's session");
    let e = b
        .end_session(&user("alice"), &anon.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    ended(!e, "alice ended an anonymous session");
    assert!(load(&a, &a1.id).await.is_some() && load(&a, &anon.id).await.is_some());
    let e = b
        .end_session(&user("alice"), &a1.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    ended(e, "alice's session not ended");
    assert_eq!(load(&a, &a1.id).await, None, "ended session loads");
    save(&a, &a1).await;
    assert_eq!(load(&b, &a1.id).await, None, "ended session written back");
    let e = b
        .end_session(&user("alice"), &a1.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    ended(!e, "ended twice");

    let n = a
        .end_all_sessions(&user("alice"), Some(&a2.id))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n, 1, "all other sessions");
    assert_eq!(listed(&b, "alice").await, vec![a2.id]);
    save(&b, &a3).await;
    assert_eq!(load(&a, &a3.id).await, None, "ended session written back");
    let n = b
        .end_all_sessions(&user("alice"), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n, 1, "all sessions");
    assert_eq!(listed(&a, "alice").await, vec![]);
    assert_eq!(load(&a, &a2.id).await, None);
    assert!(load(&a, &b1.id).await.is_some() && load(&a, &anon.id).await.is_some());
    assert_eq!(listed(&a, "bob").await, vec![b1.id]);
}

/// A listing reads, from each session's data, the user agent recorded at sign-in and the
/// device that verified it (none when absent), as they are at the last write.
pub async fn listing_reads_agent_and_device<S: ConformanceStore>(
    a: S,
    b: S,
    clock: Arc<ManualClock>,
) {
    let firefox = "Mozilla/5.0 (X11; Linux) Firefox/1";
    let mut first = record(&clock, Some("alice"), HOUR);
    first
        .data
        .insert(AGENT_KEY.into(), serde_json::json!(firefox));
    first.data.insert(
        DEVICE_KEY.into(),
        serde_json::json!("otp_totp.totpdevice/7"),
    );
    let mut first = created(&a, first).await;
    clock.advance_secs(1);
    let plain = created(&a, record(&clock, Some("alice"), HOUR)).await;
    let meta = b
        .list_sessions(&user("alice"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let shown: Vec<_> = meta
        .iter()
        .map(|m| (m.id, m.agent.as_deref(), m.device.as_deref()))
        .collect();
    assert_eq!(
        shown,
        vec![
            (first.id, Some(firefox), Some("otp_totp.totpdevice/7")),
            (plain.id, None, None)
        ],
        "the agent and the device from the data"
    );
    first.data.remove(DEVICE_KEY);
    save(&b, &first).await;
    let meta = a
        .list_sessions(&user("alice"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        meta.first().map(|m| m.device.clone()),
        Some(None),
        "unverified"
    );
}

/// The owner is read at every write: signing in, switching user and signing out move the
/// session in the index.
pub async fn user_index_follows_the_data<S: ConformanceStore>(a: S, b: S, clock: Arc<ManualClock>) {
    let mut r = created(&a, record(&clock, None, HOUR)).await;
    assert_eq!(listed(&b, "alice").await, vec![]);
    r.data
        .insert(DEFAULT_USER_KEY.into(), serde_json::json!("alice"));
    save(&a, &r).await;
    assert_eq!(listed(&b, "alice").await, vec![r.id], "signed in");
    r.data
        .insert(DEFAULT_USER_KEY.into(), serde_json::json!("bob"));
    save(&a, &r).await;
    assert_eq!(
        (listed(&b, "alice").await, listed(&b, "bob").await),
        (vec![], vec![r.id])
    );
    r.data.remove(DEFAULT_USER_KEY);
    save(&a, &r).await;
    assert_eq!(listed(&b, "bob").await, vec![], "signed out");
    assert_eq!(load(&b, &r.id).await.as_ref(), Some(&r));
}

/// 200 rounds: a request loaded the session; concurrently the owner deletes it (logout) and
/// that request saves its stale copy. The deleted id never loads again.
pub async fn resurrection_race_delete<S: ConformanceStore>(a: S, b: S, clock: Arc<ManualClock>) {
    let mut violations = Vec::new();
    for round in 0..rounds() {
        let r = created(&a, record(&clock, Some("alice"), HOUR)).await;
        let mut stale = load(&b, &r.id)
            .await
            .unwrap_or_else(|| panic!("round {round}: not loaded"));
        stale.data.insert("n".into(), serde_json::json!(round));
        let (a2, b2, id) = (a.clone(), b.clone(), r.id);
        let del = tokio::spawn(async move { a2.delete(&id).await });
        let sav = tokio::spawn(async move { b2.save(&stale).await });
        join_ok(del.await, round, "delete");
        join_ok(sav.await, round, "save");
        let loads = load(&a, &r.id).await.is_some() || load(&b, &r.id).await.is_some();
        if loads || listed(&a, "alice").await.contains(&r.id) {
            violations.push(round);
        }
    }
    assert_eq!(
        violations,
        Vec::<usize>::new(),
        "deleted ids that loaded again"
    );
}

/// 200 rounds: a request loaded the session; concurrently the owner's login cycles the id
/// (create the new record, delete the old) and that request saves its stale copy. The old
/// id never loads again; the new one does.
pub async fn resurrection_race_cycle<S: ConformanceStore>(a: S, b: S, clock: Arc<ManualClock>) {
    let mut violations = Vec::new();
    for round in 0..rounds() {
        let r = created(&a, record(&clock, Some("alice"), HOUR)).await;
        let stale = load(&b, &r.id)
            .await
            .unwrap_or_else(|| panic!("round {round}: not loaded"));
        let (a2, b2, old) = (a.clone(), b.clone(), r.clone());
        let cycle = tokio::spawn(async move {
            let mut new = old.clone();
            new.id = Id::default();
            a2.create(&mut new).await?;
            a2.delete(&old.id).await?;
            Ok::<Id, tower_sessions_core::session_store::Error>(new.id)
        });
        let sav = tokio::spawn(async move { b2.save(&stale).await });
        let new = join_ok(cycle.await, round, "cycle");
        join_ok(sav.await, round, "save");
        if load(&a, &r.id).await.is_some() || load(&b, &r.id).await.is_some() {
            violations.push(round);
        }
        assert!(
            load(&b, &new).await.is_some(),
            "round {round}: the new id does not load"
        );
    }
    assert_eq!(
        violations,
        Vec::<usize>::new(),
        "cycled ids that loaded again"
    );
}

/// Sixteen concurrent saves of one session from both handles: what loads afterwards is
/// exactly one of the records written, and the index lists the session once.
pub async fn concurrent_saves<S: ConformanceStore>(a: S, b: S, clock: Arc<ManualClock>) {
    for round in 0..rounds().div_ceil(20) {
        let r = created(&a, record(&clock, Some("alice"), HOUR)).await;
        let versions: Vec<Record> = (0..16)
            .map(|i| {
                let mut v = r.clone();
                v.data.insert("n".into(), serde_json::json!(i));
                v.data.insert(format!("k{i}"), serde_json::json!(i));
                v.expiry_date += Duration::seconds(i);
                v
            })
            .collect();
        let tasks: Vec<_> = versions
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let (s, v) = (if i % 2 == 0 { a.clone() } else { b.clone() }, v.clone());
                tokio::spawn(async move { s.save(&v).await })
            })
            .collect();
        for t in tasks {
            join_ok(t.await, round, "save");
        }
        let now = load(&b, &r.id)
            .await
            .unwrap_or_else(|| panic!("round {round}: lost"));
        assert!(
            versions.contains(&now),
            "round {round}: a record nobody wrote: {:?}",
            now.data.keys()
        );
        assert_eq!(
            listed(&a, "alice")
                .await
                .iter()
                .filter(|id| **id == r.id)
                .count(),
            1
        );
        delete(&a, &r.id).await;
    }
}

fn join_ok<T>(
    joined: Result<Result<T, tower_sessions_core::session_store::Error>, tokio::task::JoinError>,
    round: usize,
    what: &str,
) -> T {
    match joined {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => panic!("round {round}: {what} failed: {e}"),
        Err(e) => panic!("round {round}: {what} panicked: {e}"),
    }
}
