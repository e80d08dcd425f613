//! Tuning knobs of a [`SqliteStore`](crate::SqliteStore).

use std::time::Duration;

/// SQLite's `synchronous` setting, i.e. how much durability a commit buys.
///
/// The journal is always WAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// `synchronous=NORMAL` (default). A committed transition survives a crash or kill of the
    /// **process** (the WAL is written before the reply is sent). After a power loss or an OS
    /// crash, the transactions committed since the last WAL sync (at checkpoints) may be
    /// rolled back; the database stays consistent. For OTP state this means that, after a
    /// power cut, a token consumed in the last moments may become usable once more within its
    /// validity window, and the last failures may be forgotten.
    #[default]
    Normal,
    /// `synchronous=FULL`: the WAL is synced on every commit (once per group), so committed
    /// transitions also survive power loss. Slower on slow disks.
    Full,
}

/// Options for [`SqliteStore::open_with`](crate::SqliteStore::open_with).
///
/// ```
/// use otpkit_sqlite::{SqliteOptions, Synchronous};
/// use std::time::Duration;
///
/// let opts = SqliteOptions::new()
///     .busy_timeout(Duration::from_secs(2))
///     .synchronous(Synchronous::Full);
/// assert_eq!(opts.get_busy_timeout(), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    pub(crate) busy_timeout: Duration,
    pub(crate) busy_retries: u32,
    pub(crate) max_group: usize,
    pub(crate) synchronous: Synchronous,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout: Duration::from_secs(5),
            busy_retries: 3,
            max_group: 256,
            synchronous: Synchronous::Normal,
        }
    }
}

impl SqliteOptions {
    /// The defaults: 5 s busy timeout, 3 retries, groups of at most 256 requests,
    /// `synchronous=NORMAL`.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long SQLite waits for another process's write lock before reporting it busy
    /// (`PRAGMA busy_timeout`). Default 5 s.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How many times a group that met a busy database is retried as a whole before every
    /// request in it fails with `StoreError::Conflict`. Default 3 (REQ-14 F4).
    pub fn busy_retries(mut self, retries: u32) -> Self {
        self.busy_retries = retries;
        self
    }

    /// The largest number of requests committed together in one group (at least 1).
    /// Default 256.
    pub fn max_group(mut self, n: usize) -> Self {
        self.max_group = n.max(1);
        self
    }

    /// The durability of a commit; see [`Synchronous`]. Default [`Synchronous::Normal`].
    pub fn synchronous(mut self, s: Synchronous) -> Self {
        self.synchronous = s;
        self
    }

    /// The configured busy timeout.
    pub fn get_busy_timeout(&self) -> Duration {
        self.busy_timeout
    }
}
