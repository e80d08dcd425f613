//! A session store that counts the calls made to it (and fails on demand), for the tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// The session store's calls, counted where tower-sessions' layer makes them.
#[derive(Debug, Default)]
pub struct Counts {
    loads: AtomicUsize,
    saves: AtomicUsize,
    deletes: AtomicUsize,
    /// Every call fails while set.
    pub fail: AtomicBool,
}

impl Counts {
    /// (loads, saves including creates, deletes) since the last call.
    pub fn take(&self) -> (usize, usize, usize) {
        (
            self.loads.swap(0, Ordering::SeqCst),
            self.saves.swap(0, Ordering::SeqCst),
            self.deletes.swap(0, Ordering::SeqCst),
        )
    }
}

#[derive(Debug, Clone)]
pub struct Counting<S> {
    inner: S,
    counts: Arc<Counts>,
}

impl<S> Counting<S> {
    /// `inner`, counted in `counts`.
    pub fn new(inner: S, counts: &Arc<Counts>) -> Self {
        Counting {
            inner,
            counts: Arc::clone(counts),
        }
    }

    fn check(&self) -> session_store::Result<()> {
        if self.counts.fail.load(Ordering::SeqCst) {
            return Err(session_store::Error::Backend("the store is down".into()));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl<S: SessionStore + Clone> SessionStore for Counting<S> {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.counts.saves.fetch_add(1, Ordering::SeqCst);
        self.check()?;
        self.inner.create(record).await
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.counts.saves.fetch_add(1, Ordering::SeqCst);
        self.check()?;
        self.inner.save(record).await
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.counts.loads.fetch_add(1, Ordering::SeqCst);
        self.check()?;
        self.inner.load(id).await
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.counts.deletes.fetch_add(1, Ordering::SeqCst);
        self.check()?;
        self.inner.delete(id).await
    }
}
