//! The trust store conformance suite: what every [`TrustStore`] must do (see its contract),
//! run by each backend with
//! [`trust_store_conformance_tests!`](crate::trust_store_conformance_tests).
//!
//! Each case gets two handles on **one** database (two nodes, or two pools), built by the
//! backend's factory, and spreads its concurrent calls over both. The races repeat
//! [`trust_repetitions`] times and fail on the first violation.
//!
//! ```text
//! otpkit::trust_store_conformance_tests!(async {
//!     let s = otpkit::MemoryTrustStore::new();
//!     Some((Arc::new(s.clone()) as Arc<dyn TrustStore>, Arc::new(s) as Arc<dyn TrustStore>))
//! });
//! ```

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;

use super::{TEST_KEYS, repetitions, user};
use crate::clock::Timestamp;
use crate::seal::{KeyRing, KeyedHash};
use crate::store::StoreError;
use crate::trust::{
    NewTrustedBrowser, TrustStore, TrustedBrowser, TrustedBrowserId, trust_token_hash,
    trust_token_hashes,
};
use crate::user::UserId;

/// How many times each race runs: `OTPKIT_CONFORMANCE_REPETITIONS` (default 200), at most 25.
pub fn trust_repetitions() -> usize {
    repetitions().clamp(1, 25)
}

/// The start of every case's clock: 2023-11-14T22:13:20Z.
pub const START: Timestamp = Timestamp::from_secs(1_700_000_000);

/// Thirty days, in milliseconds.
const MONTH: i64 = 30 * 86_400 * 1000;

/// A store under test together with what must live as long as it (a temporary directory, a
/// test database dropped on exit): every method forwards to the store.
pub struct Held {
    store: Arc<dyn TrustStore>,
    _guard: Arc<dyn Any + Send + Sync>,
}

impl Held {
    /// `store`, keeping `guard` alive while this handle lives.
    pub fn new(store: Arc<dyn TrustStore>, guard: Arc<dyn Any + Send + Sync>) -> Arc<Self> {
        Arc::new(Held {
            store,
            _guard: guard,
        })
    }
}

#[async_trait]
impl TrustStore for Held {
    async fn insert_trusted(&self, new: NewTrustedBrowser) -> Result<TrustedBrowser, StoreError> {
        self.store.insert_trusted(new).await
    }
    async fn use_trusted(
        &self,
        hashes: &[String],
        user: &UserId,
        now: Timestamp,
    ) -> Result<Option<TrustedBrowser>, StoreError> {
        self.store.use_trusted(hashes, user, now).await
    }
    async fn list_trusted(&self, user: &UserId) -> Result<Vec<TrustedBrowser>, StoreError> {
        self.store.list_trusted(user).await
    }
    async fn revoke_trusted(&self, u: &UserId, id: TrustedBrowserId) -> Result<bool, StoreError> {
        self.store.revoke_trusted(u, id).await
    }
    async fn revoke_all_trusted(&self, user: &UserId) -> Result<u64, StoreError> {
        self.store.revoke_all_trusted(user).await
    }
    async fn delete_expired_trusted(&self, now: Timestamp) -> Result<u64, StoreError> {
        self.store.delete_expired_trusted(now).await
    }
    async fn grace_started(&self, u: &UserId, now: Timestamp) -> Result<Timestamp, StoreError> {
        self.store.grace_started(u, now).await
    }
    async fn clear_grace(&self, user: &UserId) -> Result<bool, StoreError> {
        self.store.clear_grace(user).await
    }
}

/// Runs every case as a `#[tokio::test]`. `$make` is an expression evaluating to a future of
/// `Option<(Arc<dyn TrustStore>, Arc<dyn TrustStore>)>`: two handles on one fresh, migrated
/// database, or `None` when the backend is unavailable and the case is to be skipped (the
/// factory says so; with `OTPKIT_REQUIRE_DB` it fails instead).
#[macro_export]
macro_rules! trust_store_conformance_tests {
    ($make:expr) => {
        $crate::trust_store_conformance_tests!(@cases $make;
            trust_insert_use_list, trust_expiry_boundary, trust_revoke,
            trust_concurrent_uses, trust_uses_racing_revoke, grace_concurrent_start);
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let made: Option<(
                    ::std::sync::Arc<dyn $crate::trust::TrustStore>,
                    ::std::sync::Arc<dyn $crate::trust::TrustStore>,
                )> = $make.await;
                if let Some((a, b)) = made {
                    $crate::conformance::trust::$case(a, b).await;
                }
            }
        )*
    };
}

fn keys() -> KeyRing {
    KeyRing::parse(TEST_KEYS).expect("test ring")
}

/// A token of its own for `tag`.
fn token(tag: &str) -> Vec<u8> {
    format!("token of {tag} ------------------------").into_bytes()
}

fn hash_of(keys: &KeyRing, token: &[u8]) -> KeyedHash {
    trust_token_hash(keys, token)
        .expect("hash")
        .parse()
        .expect("keyed hash text")
}

async fn trust(
    s: &dyn TrustStore,
    who: &UserId,
    token: &[u8],
    at: Timestamp,
    until: Timestamp,
) -> TrustedBrowser {
    let new = NewTrustedBrowser::new(
        who.clone(),
        &hash_of(&keys(), token),
        at,
        until,
        "Firefox on Linux",
    );
    s.insert_trusted(new).await.expect("insert_trusted")
}

async fn use_at(
    s: &dyn TrustStore,
    token: &[u8],
    who: &UserId,
    now: Timestamp,
) -> Option<TrustedBrowser> {
    let candidates = trust_token_hashes(&keys(), token).expect("hashes");
    s.use_trusted(&candidates, who, now)
        .await
        .expect("use_trusted")
}

/// Insert, use (from the other node), list newest first; unknown tokens, another user's
/// token, empty candidates and rotated-key candidates; `Debug` without the hash.
pub async fn trust_insert_use_list(a: Arc<dyn TrustStore>, b: Arc<dyn TrustStore>) {
    let (alice, bob) = (user("alice"), user("bob"));
    let until = START.add_millis(MONTH);
    let r1 = trust(&*a, &alice, &token("a1"), START, until).await;
    let r2 = trust(&*b, &alice, &token("a2"), START.add_secs(1), until).await;
    let r3 = trust(&*a, &alice, &token("a3"), START.add_secs(1), until).await;
    let rb = trust(&*b, &bob, &token("b1"), START, until).await;
    assert!(r1.id > 0 && r2.id > r1.id && r3.id > r2.id && rb.id > r3.id);
    assert_eq!(r1.last_seen_at, START);
    assert_eq!(r1.description, "Firefox on Linux");
    assert_eq!(r1.token_hash, hash_of(&keys(), &token("a1")).to_string());
    assert!(!format!("{r1:?}").contains(&r1.token_hash));
    // Newest first: created_at, then id, descending.
    let listed = b.list_trusted(&alice).await.unwrap();
    assert_eq!(listed, vec![r3.clone(), r2.clone(), r1.clone()]);
    assert_eq!(a.list_trusted(&bob).await.unwrap(), vec![rb.clone()]);
    assert!(a.list_trusted(&user("carol")).await.unwrap().is_empty());
    // Used from the other node: last_seen_at moves, nothing else.
    let t = START.add_secs(60);
    let used = use_at(&*b, &token("a2"), &alice, t).await.expect("trusted");
    assert_eq!(
        used,
        TrustedBrowser {
            last_seen_at: t,
            ..r2.clone()
        }
    );
    assert_eq!(a.list_trusted(&alice).await.unwrap()[1], used);
    // An earlier `now` never moves last_seen_at back.
    let back = use_at(&*a, &token("a2"), &alice, START.add_secs(30)).await;
    assert_eq!(back.map(|r| r.last_seen_at), Some(t));
    // Unknown token, another user's token, no candidates: refused, nothing changes.
    assert_eq!(use_at(&*a, &token("nobody"), &alice, t).await, None);
    assert_eq!(use_at(&*a, &token("b1"), &alice, t).await, None);
    assert_eq!(use_at(&*b, &token("a1"), &bob, t).await, None);
    assert_eq!(a.use_trusted(&[], &alice, t).await.unwrap(), None);
    assert_eq!(b.list_trusted(&bob).await.unwrap(), vec![rb]);
    // After a key rotation the candidates hold one hash per key; the old one still matches.
    let rotated = KeyRing::parse(&format!(
        "new:{},{TEST_KEYS}",
        "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
    ))
    .expect("rotated ring");
    let candidates = trust_token_hashes(&rotated, &token("a1")).unwrap();
    assert_eq!(candidates.len(), 2);
    assert_ne!(candidates[0], r1.token_hash);
    let used = a.use_trusted(&candidates, &alice, t).await.unwrap();
    assert_eq!(used.map(|r| r.id), Some(r1.id));
    // A long description is stored clipped.
    let long = NewTrustedBrowser::new(
        alice.clone(),
        &hash_of(&keys(), &token("long")),
        START,
        until,
        &"é".repeat(300),
    );
    let stored = a.insert_trusted(long).await.unwrap();
    assert_eq!(stored.description.chars().count(), 128);
    let listed = b.list_trusted(&alice).await.unwrap();
    let found = listed.iter().find(|r| r.id == stored.id).expect("listed");
    assert_eq!(found.description, stored.description);
}

/// `now == expires_at` is refused, one millisecond before is accepted; expired records are
/// listed until `delete_expired_trusted`, which removes exactly those with `expires_at <= now`.
pub async fn trust_expiry_boundary(a: Arc<dyn TrustStore>, b: Arc<dyn TrustStore>) {
    let alice = user("alice");
    let end = START.add_secs(3_600);
    let r = trust(&*a, &alice, &token("e1"), START, end).await;
    let later = trust(&*a, &alice, &token("e2"), START, end.add_millis(1)).await;
    let used = use_at(&*b, &token("e1"), &alice, end.add_millis(-1)).await;
    assert_eq!(used.map(|u| u.last_seen_at), Some(end.add_millis(-1)));
    assert_eq!(use_at(&*a, &token("e1"), &alice, end).await, None);
    assert_eq!(
        use_at(&*b, &token("e1"), &alice, end.add_millis(1)).await,
        None
    );
    assert!(use_at(&*b, &token("e2"), &alice, end).await.is_some());
    // Still listed (expired), until deleted.
    assert_eq!(b.list_trusted(&alice).await.unwrap().len(), 2);
    assert_eq!(
        a.delete_expired_trusted(end.add_millis(-1)).await.unwrap(),
        0
    );
    assert_eq!(b.delete_expired_trusted(end).await.unwrap(), 1);
    let left: Vec<_> = a
        .list_trusted(&alice)
        .await
        .unwrap()
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(left, vec![later.id]);
    assert_ne!(r.id, later.id);
    assert_eq!(
        a.delete_expired_trusted(end.add_millis(1)).await.unwrap(),
        1
    );
    assert!(b.list_trusted(&alice).await.unwrap().is_empty());
}

/// Revoking one record (only the owner's), then all of a user's records.
pub async fn trust_revoke(a: Arc<dyn TrustStore>, b: Arc<dyn TrustStore>) {
    let (alice, bob) = (user("alice"), user("bob"));
    let until = START.add_millis(MONTH);
    let r1 = trust(&*a, &alice, &token("r1"), START, until).await;
    let r2 = trust(&*a, &alice, &token("r2"), START, until).await;
    let r3 = trust(&*b, &alice, &token("r3"), START, until).await;
    let rb = trust(&*b, &bob, &token("rb"), START, until).await;
    let t = START.add_secs(1);
    // Bob cannot revoke Alice's record; an unknown id is no record.
    assert!(!b.revoke_trusted(&bob, r1.id).await.unwrap());
    assert!(
        !b.revoke_trusted(&alice, rb.id.saturating_add(1000))
            .await
            .unwrap()
    );
    assert!(use_at(&*a, &token("r1"), &alice, t).await.is_some());
    assert!(b.revoke_trusted(&alice, r1.id).await.unwrap());
    assert!(!a.revoke_trusted(&alice, r1.id).await.unwrap());
    assert_eq!(use_at(&*a, &token("r1"), &alice, t).await, None);
    assert_eq!(use_at(&*b, &token("r1"), &alice, t).await, None);
    let ids: Vec<_> = a
        .list_trusted(&alice)
        .await
        .unwrap()
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(ids, vec![r3.id, r2.id]);
    // Revoke all: Alice's two records, Bob's stays.
    assert_eq!(a.revoke_all_trusted(&alice).await.unwrap(), 2);
    assert_eq!(b.revoke_all_trusted(&alice).await.unwrap(), 0);
    assert_eq!(use_at(&*b, &token("r2"), &alice, t).await, None);
    assert_eq!(use_at(&*a, &token("r3"), &alice, t).await, None);
    assert!(a.list_trusted(&alice).await.unwrap().is_empty());
    assert!(use_at(&*a, &token("rb"), &bob, t).await.is_some());
    // A new record after a revocation gets a new id.
    let again = trust(&*a, &alice, &token("r1"), t, until).await;
    assert!(again.id > rb.id);
}

/// 50 concurrent uses of one record over both nodes, each with its own `now`: all succeed,
/// and `last_seen_at` ends at the latest `now`.
pub async fn trust_concurrent_uses(a: Arc<dyn TrustStore>, b: Arc<dyn TrustStore>) {
    let alice = user("alice");
    for rep in 0..trust_repetitions() {
        let tok = token(&format!("c{rep}"));
        let base = START.add_secs(i64::try_from(rep).unwrap_or(0) * 100);
        let rec = trust(&*a, &alice, &tok, base, base.add_millis(MONTH)).await;
        let candidates = Arc::new(trust_token_hashes(&keys(), &tok).unwrap());
        let tasks: Vec<_> = (0..50i64)
            .map(|i| {
                let s = if i % 2 == 0 { a.clone() } else { b.clone() };
                let (c, u) = (candidates.clone(), alice.clone());
                // The `now`s arrive out of order: 0, 7, 14, … (mod 50) milliseconds after base.
                let now = base.add_millis(1 + (i * 7) % 50);
                tokio::spawn(async move { s.use_trusted(&c, &u, now).await })
            })
            .collect();
        for t in tasks {
            let got = t.await.expect("task").expect("use_trusted");
            assert_eq!(got.map(|r| r.id), Some(rec.id), "rep {rep}");
        }
        let listed = b.list_trusted(&alice).await.unwrap();
        let now = listed.iter().find(|r| r.id == rec.id).expect("listed");
        assert_eq!(now.last_seen_at, base.add_millis(50), "rep {rep}");
        assert_eq!(now.created_at, rec.created_at, "rep {rep}");
        assert!(a.revoke_trusted(&alice, rec.id).await.unwrap(), "rep {rep}");
    }
}

/// 50 concurrent uses racing one revocation: every use that started after the revocation
/// returned is refused, and no use succeeds afterwards.
pub async fn trust_uses_racing_revoke(a: Arc<dyn TrustStore>, b: Arc<dyn TrustStore>) {
    let alice = user("alice");
    for rep in 0..trust_repetitions() {
        let tok = token(&format!("rr{rep}"));
        let rec = trust(&*a, &alice, &tok, START, START.add_millis(MONTH)).await;
        let candidates = Arc::new(trust_token_hashes(&keys(), &tok).unwrap());
        let revoked = Arc::new(AtomicBool::new(false));
        let mut uses = Vec::new();
        let mut revoker = None;
        for i in 0..50usize {
            if i == 25 {
                let (s, u, flag) = (b.clone(), alice.clone(), revoked.clone());
                revoker = Some(tokio::spawn(async move {
                    let done = s.revoke_trusted(&u, rec.id).await;
                    flag.store(true, Ordering::SeqCst);
                    done
                }));
            }
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            let (c, u, flag) = (candidates.clone(), alice.clone(), revoked.clone());
            let now = START.add_secs(1);
            uses.push(tokio::spawn(async move {
                let after_revoke = flag.load(Ordering::SeqCst);
                let got = s.use_trusted(&c, &u, now).await;
                (after_revoke, got)
            }));
        }
        let done = revoker
            .expect("spawned")
            .await
            .expect("task")
            .expect("revoke");
        assert!(done, "rep {rep}: the revocation found the record");
        for t in uses {
            let (after_revoke, got) = t.await.expect("task");
            let got = got.expect("use_trusted");
            if after_revoke {
                assert_eq!(got, None, "rep {rep}: used after its revocation returned");
            }
        }
        assert_eq!(
            use_at(&*a, &tok, &alice, START.add_secs(2)).await,
            None,
            "rep {rep}"
        );
        assert_eq!(
            use_at(&*b, &tok, &alice, START.add_secs(2)).await,
            None,
            "rep {rep}"
        );
        assert!(
            !a.list_trusted(&alice)
                .await
                .unwrap()
                .iter()
                .any(|r| r.id == rec.id)
        );
    }
}

/// 50 concurrent `grace_started` over both nodes with different `now`s all return the same
/// instant, one of theirs; it stays; `clear_grace` ends it and the next call starts anew.
pub async fn grace_concurrent_start(a: Arc<dyn TrustStore>, b: Arc<dyn TrustStore>) {
    for rep in 0..trust_repetitions() {
        let who = user(&format!("grace{rep}"));
        let tasks: Vec<_> = (0..50i64)
            .map(|i| {
                let s = if i % 2 == 0 { a.clone() } else { b.clone() };
                let u = who.clone();
                tokio::spawn(async move { s.grace_started(&u, START.add_millis(i)).await })
            })
            .collect();
        let mut seen = Vec::new();
        for t in tasks {
            seen.push(t.await.expect("task").expect("grace_started"));
        }
        let first = seen[0];
        assert!(seen.iter().all(|t| *t == first), "rep {rep}: {seen:?}");
        assert!(first >= START && first < START.add_millis(50), "rep {rep}");
        assert_eq!(
            b.grace_started(&who, START.add_secs(99)).await.unwrap(),
            first
        );
        // Another user's grace is their own.
        let other = user(&format!("other{rep}"));
        let t2 = START.add_secs(5);
        assert_eq!(a.grace_started(&other, t2).await.unwrap(), t2);
        assert!(a.clear_grace(&who).await.unwrap(), "rep {rep}");
        assert!(!b.clear_grace(&who).await.unwrap(), "rep {rep}");
        let anew = START.add_secs(7);
        assert_eq!(b.grace_started(&who, anew).await.unwrap(), anew);
        assert_eq!(a.grace_started(&other, anew).await.unwrap(), t2);
        assert!(b.clear_grace(&other).await.unwrap());
    }
}
