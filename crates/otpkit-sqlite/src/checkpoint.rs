//! The background checkpointer: a second connection, on its own thread, that copies the
//! WAL's pages into the database file so that the connection thread does not have to.
//!
//! With SQLite's automatic checkpoint the committing connection itself runs a checkpoint
//! every 1000 WAL pages: the writes into the database file and the fsyncs happen on the
//! connection thread between two groups, and every request waiting meanwhile waits for
//! them (measured, BENCHMARKS.md: HTTP p99 4.26 / 5.27 ms at 8 / 64 clients with it, 2.17 /
//! 3.40 ms with this checkpointer). Here the connection thread's automatic checkpoint only
//! steps in when the WAL has grown past [`WRITER_CHECKPOINT_PAGES`]; the regular work is a
//! `PASSIVE` checkpoint on this thread [`INTERVAL`] after the first commit that follows the
//! previous checkpoint. A passive checkpoint never blocks the writer, and the writer never
//! waits for it.
//!
//! Durability is unchanged: a commit is durable in the WAL when it is acknowledged
//! (docs/behaviour.md §2.9) whichever connection later copies it; with `synchronous=NORMAL` the WAL
//! is synced at each checkpoint, now at least every [`INTERVAL`] under load.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use crate::stats::Stats;

/// The longest a committed write waits before a background checkpoint starts.
pub(crate) const INTERVAL: Duration = Duration::from_millis(100);

/// `PRAGMA wal_autocheckpoint` of the connection thread: the WAL size (in pages) beyond
/// which the thread checkpoints itself, as a safety valve. By then the background
/// checkpointer has normally copied most frames, so that checkpoint is short, and it runs
/// between two groups, which lets the next transaction restart the WAL from its beginning
/// (a checkpoint running beside a writer that never pauses cannot).
pub(crate) const WRITER_CHECKPOINT_PAGES: u32 = 4000;

/// The handle of the checkpointer thread, owned by the connection thread. Dropping it runs
/// a last checkpoint if anything was committed since the previous one, and waits for the
/// thread to end (so the file is released with the store).
///
/// The thread sleeps until a commit wakes it (an idle store costs no wake-ups), then waits
/// [`INTERVAL`] so that the commits of that time share one checkpoint.
pub(crate) struct Checkpointer {
    /// Set by a commit, cleared by the checkpoint that covers it.
    dirty: Arc<AtomicBool>,
    /// Wakes the thread; dropping it ends the thread.
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread with `conn`, a second connection to the store's file; it counts
    /// its checkpoints in `stats`.
    pub(crate) fn start(conn: Connection, stats: Arc<Stats>) -> std::io::Result<Self> {
        let dirty = Arc::new(AtomicBool::new(false));
        let (wake, rx) = mpsc::sync_channel::<()>(1);
        let flag = dirty.clone();
        let thread = std::thread::Builder::new()
            .name("otpkit-sqlite-checkpoint".into())
            .spawn(move || run(&conn, &rx, &flag, &stats))?;
        Ok(Checkpointer {
            dirty,
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Notes that a group with writes was committed; the first commit after a checkpoint
    /// wakes the thread.
    pub(crate) fn committed(&self) {
        if !self.dirty.swap(true, Ordering::AcqRel)
            && let Some(w) = &self.wake
        {
            // A full channel means a wake-up is already pending.
            let _ = w.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.wake.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The checkpointer thread's loop; returns when the handle is dropped, after a last
/// checkpoint of whatever was committed.
fn run(conn: &Connection, rx: &Receiver<()>, dirty: &AtomicBool, stats: &Stats) {
    let checkpoint_now = || {
        if dirty.swap(false, Ordering::AcqRel) {
            if checkpoint(conn) {
                stats.checkpoints.fetch_add(1, Ordering::Relaxed);
                true
            } else {
                dirty.store(true, Ordering::Release);
                false
            }
        } else {
            true
        }
    };
    loop {
        // Sleep until a commit (or the end).
        if rx.recv().is_err() {
            checkpoint_now();
            return;
        }
        // Let the commits of the next interval join this checkpoint; retry a failed one
        // (a busy database) every interval.
        loop {
            let end = matches!(
                rx.recv_timeout(INTERVAL),
                Err(RecvTimeoutError::Disconnected)
            );
            let ok = checkpoint_now();
            if end {
                return;
            }
            if ok {
                break;
            }
        }
    }
}

/// One `PASSIVE` checkpoint; whether it ran. A busy database (the pragma's first column is
/// 1, or it fails with `SQLITE_BUSY`) or an I/O error is logged and left to the next try:
/// the WAL keeps every committed page until then.
fn checkpoint(conn: &Connection) -> bool {
    let r = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    });
    match r {
        Ok((0, wal_pages, copied)) => {
            tracing::trace!(wal_pages, copied, "otpkit-sqlite: background checkpoint");
            true
        }
        Ok(_) => {
            tracing::debug!("otpkit-sqlite: background checkpoint blocked; retrying later");
            false
        }
        Err(e) => {
            tracing::debug!(error = %e, "otpkit-sqlite: background checkpoint failed; retrying later");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A checkpoint that another connection's exclusive lock keeps from running is reported
    /// as not run (so that it is retried), not counted as done. (Here SQLite reports the lock
    /// as an error; the other form, a result row whose first column is 1, comes from a
    /// concurrent checkpoint holding SQLite's checkpointer lock, which SQL cannot hold, and
    /// is not provoked by a test.)
    #[test]
    fn a_checkpoint_that_cannot_run_is_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ckpt.db");
        let holder = Connection::open(&path).unwrap();
        holder
            .execute_batch(
                "PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);",
            )
            .unwrap();
        {
            let other = Connection::open(&path).unwrap();
            assert!(checkpoint(&other), "an unlocked database checkpoints");
        }
        // In exclusive locking mode the holder keeps the file locked after its write.
        holder
            .execute_batch("PRAGMA locking_mode=EXCLUSIVE; INSERT INTO t VALUES (2);")
            .unwrap();
        let other = Connection::open(&path).unwrap();
        other.busy_timeout(std::time::Duration::ZERO).unwrap();
        assert!(!checkpoint(&other));
    }
}
