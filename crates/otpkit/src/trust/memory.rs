//! [`MemoryTrustStore`]: an in-process [`TrustStore`] for tests, examples and single-process
//! prototypes. Nothing survives the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use super::{NewTrustedBrowser, TrustStore, TrustedBrowser, TrustedBrowserId};
use crate::clock::Timestamp;
use crate::store::StoreError;
use crate::user::UserId;

/// An in-memory [`TrustStore`]. Clones share the same records (like two pools on one
/// database); one mutex makes every operation atomic.
///
/// ```
/// use otpkit::trust::{MemoryTrustStore, TrustStore};
/// use otpkit::{Timestamp, UserId};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryTrustStore::new();
/// let alice = UserId::new("alice").unwrap();
/// let t = Timestamp::from_secs(1_700_000_000);
/// assert_eq!(store.grace_started(&alice, t).await.unwrap(), t);
/// assert_eq!(store.clone().grace_started(&alice, t.add_secs(1)).await.unwrap(), t);
/// # });
/// ```
#[derive(Clone, Default)]
pub struct MemoryTrustStore {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    last_id: TrustedBrowserId,
    browsers: BTreeMap<TrustedBrowserId, TrustedBrowser>,
    grace: HashMap<UserId, Timestamp>,
}

impl std::fmt::Debug for MemoryTrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTrustStore").finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the memory trust store's lock is poisoned")]
struct Poisoned;

impl MemoryTrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        self.inner.lock().map_err(|_| StoreError::backend(Poisoned))
    }

    /// Every stored trusted browser, ascending id (for tests that inspect the raw state).
    pub fn dump(&self) -> Result<Vec<TrustedBrowser>, StoreError> {
        Ok(self.lock()?.browsers.values().cloned().collect())
    }
}

/// How many records `retain` removed.
fn removed(before: usize, after: usize) -> u64 {
    u64::try_from(before.saturating_sub(after)).unwrap_or(u64::MAX)
}

#[async_trait]
impl TrustStore for MemoryTrustStore {
    async fn insert_trusted(&self, new: NewTrustedBrowser) -> Result<TrustedBrowser, StoreError> {
        let mut g = self.lock()?;
        let id = g.last_id.saturating_add(1);
        g.last_id = id;
        let rec = new.into_record(id);
        g.browsers.insert(id, rec.clone());
        Ok(rec)
    }

    async fn use_trusted(
        &self,
        token_hashes: &[String],
        user: &UserId,
        now: Timestamp,
    ) -> Result<Option<TrustedBrowser>, StoreError> {
        let mut g = self.lock()?;
        let found = g.browsers.values_mut().find(|r| {
            &r.user == user && now < r.expires_at && token_hashes.contains(&r.token_hash)
        });
        Ok(found.map(|r| {
            r.last_seen_at = r.last_seen_at.max(now);
            r.clone()
        }))
    }

    async fn list_trusted(&self, user: &UserId) -> Result<Vec<TrustedBrowser>, StoreError> {
        let g = self.lock()?;
        let mut mine: Vec<TrustedBrowser> = g
            .browsers
            .values()
            .filter(|r| &r.user == user)
            .cloned()
            .collect();
        mine.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
        Ok(mine)
    }

    async fn revoke_trusted(
        &self,
        user: &UserId,
        id: TrustedBrowserId,
    ) -> Result<bool, StoreError> {
        let mut g = self.lock()?;
        if g.browsers.get(&id).is_some_and(|r| &r.user == user) {
            return Ok(g.browsers.remove(&id).is_some());
        }
        Ok(false)
    }

    async fn revoke_all_trusted(&self, user: &UserId) -> Result<u64, StoreError> {
        let mut g = self.lock()?;
        let before = g.browsers.len();
        g.browsers.retain(|_, r| &r.user != user);
        Ok(removed(before, g.browsers.len()))
    }

    async fn delete_expired_trusted(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut g = self.lock()?;
        let before = g.browsers.len();
        g.browsers.retain(|_, r| now < r.expires_at);
        Ok(removed(before, g.browsers.len()))
    }

    async fn grace_started(&self, user: &UserId, now: Timestamp) -> Result<Timestamp, StoreError> {
        Ok(*self.lock()?.grace.entry(user.clone()).or_insert(now))
    }

    async fn clear_grace(&self, user: &UserId) -> Result<bool, StoreError> {
        Ok(self.lock()?.grace.remove(user).is_some())
    }
}
