//! [`SessionConfig`]: where the user id is found in a session, how long tombstones outlive
//! the sessions they replace, and the clock the stores read.

use std::fmt;
use std::sync::Arc;

use otpkit::{Clock, SystemClock, Timestamp, UserId};
use time::Duration;
use tower_sessions_core::session::Record;

/// The session key under which otpkit-axum keeps the signed-in user's id
/// (`otpkit_axum::AUTH_USER_KEY`).
pub const DEFAULT_USER_KEY: &str = "otpkit_auth_user";

/// How long a tombstone outlives the expiry of the session it replaces, by default: one day,
/// for requests still in flight (a request that loaded the session before its expiry and
/// saves it after).
pub const DEFAULT_TOMBSTONE_GRACE: Duration = Duration::days(1);

/// The longest tombstone grace the stores apply: about 1000 years.
pub const MAX_TOMBSTONE_GRACE_MILLIS: i64 = 1000 * 366 * 24 * 3600 * 1000;

/// The configuration every store of this family shares.
///
/// ```
/// use otpkit_sessions::SessionConfig;
///
/// let config = SessionConfig::default().with_user_key("my_app_user");
/// assert_eq!(config.user_key(), "my_app_user");
/// ```
#[derive(Clone)]
pub struct SessionConfig {
    user_key: Arc<str>,
    tombstone_grace: Duration,
    clock: Arc<dyn Clock>,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            user_key: Arc::from(DEFAULT_USER_KEY),
            tombstone_grace: DEFAULT_TOMBSTONE_GRACE,
            clock: Arc::new(SystemClock),
        }
    }
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("user_key", &self.user_key)
            .field("tombstone_grace", &self.tombstone_grace)
            .finish_non_exhaustive()
    }
}

impl SessionConfig {
    /// The default: user id under [`DEFAULT_USER_KEY`], [`DEFAULT_TOMBSTONE_GRACE`], the
    /// system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the user id from the session key `key` instead of [`DEFAULT_USER_KEY`] (an
    /// application that keeps its own login under another key).
    pub fn with_user_key(mut self, key: impl Into<String>) -> Self {
        self.user_key = Arc::from(key.into());
        self
    }

    /// Keeps tombstones `grace` past the expiry of the session they replace (negative values
    /// count as zero).
    pub fn with_tombstone_grace(mut self, grace: Duration) -> Self {
        self.tombstone_grace = grace.max(Duration::ZERO);
        self
    }

    /// Reads "now" (expiry, created, last seen) from `clock` instead of the system clock
    /// (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The session key holding the user id.
    pub fn user_key(&self) -> &str {
        &self.user_key
    }

    /// How long tombstones outlive the sessions they replace.
    pub fn tombstone_grace(&self) -> Duration {
        self.tombstone_grace
    }

    /// Now, in milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> i64 {
        self.clock.now().as_millis()
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The user a session belongs to: the string under [`user_key`](Self::user_key), if it
    /// is a valid [`UserId`]. Anything else (no key, not a string, not a valid id) is an
    /// anonymous session, which no user's listing shows.
    pub fn user_of(&self, record: &Record) -> Option<UserId> {
        let value = record.data.get(self.user_key())?;
        UserId::new(value.as_str()?).ok()
    }

    /// [`tombstone_grace`](Self::tombstone_grace) in milliseconds, at most
    /// [`MAX_TOMBSTONE_GRACE_MILLIS`] (so that an expiry plus the grace always fits a
    /// 64-bit column).
    pub fn tombstone_grace_millis(&self) -> i64 {
        i64::try_from(self.tombstone_grace.whole_milliseconds())
            .unwrap_or(i64::MAX)
            .min(MAX_TOMBSTONE_GRACE_MILLIS)
    }
}
