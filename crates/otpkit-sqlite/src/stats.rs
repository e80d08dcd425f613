//! The connection thread's counters: shared atomics the worker and the checkpointer count
//! in ([`Stats`]), and the public snapshot ([`GroupStats`], [`crate::SqliteStore::stats`]).

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of the connection thread, for monitoring and benchmarks
/// ([`crate::SqliteStore::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GroupStats {
    /// Groups (transactions) run.
    pub groups: u64,
    /// Requests run; `requests / groups` is the mean group size.
    pub requests: u64,
    /// The largest group so far.
    pub largest_group: u64,
    /// Group retries after the database was busy (locked by another connection).
    pub busy_retries: u64,
    /// Groups that failed as a whole (commit failure, persistent lock, lost transaction).
    pub failed_groups: u64,
    /// WAL checkpoints run by the background checkpointer (file databases only).
    pub checkpoints: u64,
}

/// Counters shared with the store handles.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) groups: AtomicU64,
    pub(crate) requests: AtomicU64,
    pub(crate) largest_group: AtomicU64,
    pub(crate) busy_retries: AtomicU64,
    pub(crate) failed_groups: AtomicU64,
    /// Background checkpoints run (counted by the checkpointer thread).
    pub(crate) checkpoints: AtomicU64,
}

impl Stats {
    /// The counters now.
    pub(crate) fn snapshot(&self) -> GroupStats {
        GroupStats {
            groups: self.groups.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            largest_group: self.largest_group.load(Ordering::Relaxed),
            busy_retries: self.busy_retries.load(Ordering::Relaxed),
            failed_groups: self.failed_groups.load(Ordering::Relaxed),
            checkpoints: self.checkpoints.load(Ordering::Relaxed),
        }
    }
}
