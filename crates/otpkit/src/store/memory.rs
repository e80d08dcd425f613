//! [`MemoryStore`]: an in-process [`DeviceStore`] with the same atomic semantics as the SQL
//! backends, for tests, examples and single-process prototypes. Nothing survives the process.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use super::{
    Committed, DeviceQuery, DeviceStore, ImportedDevice, InitState, Mutation, StoreError,
    UserCommitted, UserMutation, Write, check_import,
};
use crate::record::{DeviceId, DeviceRecord, NewDevice, ThrottleState};
use crate::user::UserId;

/// An in-memory store. Clones share the same devices (like two pools on one database).
///
/// One mutex serialises every transition, which is exactly the atomicity the trait promises.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    next_id: DeviceId,
    rows: BTreeMap<DeviceId, DeviceRecord>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the memory store's lock is poisoned")]
struct Poisoned;

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        self.inner.lock().map_err(|_| StoreError::backend(Poisoned))
    }

    /// Every stored record, ascending id (for tests that inspect the raw state).
    pub fn dump(&self) -> Result<Vec<DeviceRecord>, StoreError> {
        Ok(self.lock()?.rows.values().cloned().collect())
    }
}

/// Stores a committed record (its version already raised by [`Committed::new`]).
fn apply(rows: &mut BTreeMap<DeviceId, DeviceRecord>, rec: &DeviceRecord, w: Write) {
    match w {
        Write::None => {}
        Write::Update => {
            rows.insert(rec.id, rec.clone());
        }
        Write::Delete => {
            rows.remove(&rec.id);
        }
    }
}

#[async_trait]
impl DeviceStore for MemoryStore {
    async fn insert(&self, new: NewDevice, init: InitState) -> Result<DeviceRecord, StoreError> {
        let mut g = self.lock()?;
        let id = g.next_id.saturating_add(1);
        let state = init(id).map_err(StoreError::Init)?;
        g.next_id = id;
        let rec = DeviceRecord {
            id,
            user: new.user,
            model_label: new.model_label,
            name: new.name,
            confirmed: new.confirmed,
            created_at: new.created_at,
            last_used_at: None,
            throttle: ThrottleState::default(),
            last_generated_at: None,
            state,
            version: 0,
            imported_id: None,
        };
        g.rows.insert(id, rec.clone());
        Ok(rec)
    }

    async fn get(&self, id: DeviceId) -> Result<Option<DeviceRecord>, StoreError> {
        Ok(self.lock()?.rows.get(&id).cloned())
    }

    async fn list_for_user(&self, user: &UserId) -> Result<Vec<DeviceRecord>, StoreError> {
        Ok(self
            .lock()?
            .rows
            .values()
            .filter(|r| &r.user == user)
            .cloned()
            .collect())
    }

    async fn list(&self, query: &DeviceQuery) -> Result<Vec<DeviceRecord>, StoreError> {
        let g = self.lock()?;
        let it = g.rows.values().filter(|r| query.matches(r)).cloned();
        Ok(match query.limit {
            Some(n) => it.take(n as usize).collect(),
            None => it.collect(),
        })
    }

    async fn update(
        &self,
        id: DeviceId,
        mut mutation: Mutation,
    ) -> Result<Option<Committed>, StoreError> {
        let mut g = self.lock()?;
        let Some(read) = g.rows.get(&id).cloned() else {
            return Ok(None);
        };
        let mut rec = read.clone();
        let decision = mutation(&mut rec);
        let done = Committed::new(decision, read, rec);
        apply(&mut g.rows, &done.record, done.write);
        Ok(Some(done))
    }

    async fn update_user(
        &self,
        user: &UserId,
        mut mutation: UserMutation,
    ) -> Result<UserCommitted, StoreError> {
        let mut g = self.lock()?;
        let read: Vec<DeviceRecord> = g
            .rows
            .values()
            .filter(|r| &r.user == user)
            .cloned()
            .collect();
        let mut recs = read.clone();
        let mut writes = vec![Write::None; recs.len()];
        let value = mutation(&mut recs, &mut writes);
        let done = UserCommitted::new(value, read, recs, writes);
        for (rec, w) in &done.records {
            apply(&mut g.rows, rec, *w);
        }
        Ok(done)
    }

    async fn delete_for_user(&self, user: &UserId) -> Result<u64, StoreError> {
        let mut g = self.lock()?;
        let before = g.rows.len();
        g.rows.retain(|_, r| &r.user != user);
        Ok((before - g.rows.len()) as u64)
    }

    async fn get_imported(
        &self,
        model_label: &str,
        imported_id: DeviceId,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        let g = self.lock()?;
        let found = g
            .rows
            .values()
            .find(|r| r.model_label == model_label && r.imported_id == Some(imported_id));
        Ok(found.cloned())
    }

    async fn import(
        &self,
        user: &UserId,
        devices: Vec<ImportedDevice>,
    ) -> Result<Vec<DeviceRecord>, StoreError> {
        check_import(&devices)?;
        let mut g = self.lock()?;
        for d in &devices {
            let taken = g
                .rows
                .values()
                .any(|r| r.model_label == d.model_label && r.pid_number() == d.imported_id);
            if taken {
                return Err(StoreError::IdTaken {
                    persistent_id: d.persistent_id(),
                });
            }
        }
        let mut out = Vec::with_capacity(devices.len());
        for d in devices {
            let id = g.next_id.saturating_add(1);
            g.next_id = id.max(d.imported_id);
            let rec = d.into_record(user, id);
            g.rows.insert(id, rec.clone());
            out.push(rec);
        }
        Ok(out)
    }
}
