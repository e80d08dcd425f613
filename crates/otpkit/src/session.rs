//! Logging a device into a session (docs/behaviour.md §1.7, §3 `login`/`logout_otp`).
//!
//! otpkit does not own sessions: [`OtpSession`] is the small interface a session store
//! offers (the axum integration implements it for `tower_sessions::Session`), and
//! [`MemorySession`] is a test double.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

/// `otp_device_id`: the persistent id of the device that verified the session (django-otp's
/// name).
pub const DEVICE_KEY: &str = "otp_device_id";
/// `otpkit_verified_at`: instant of the last successful OTP verification in this session.
pub const VERIFIED_AT_KEY: &str = "otpkit_verified_at";
/// `otpkit_pending`: `{user, expires_at, nonce}` of a pending login.
pub const PENDING_KEY: &str = "otpkit_pending";
/// `otpkit_csrf`: the CSRF token.
pub const CSRF_KEY: &str = "otpkit_csrf";
/// `otpkit_binding`: the nonce binding email challenges to this session.
pub const BINDING_KEY: &str = "otpkit_binding";
/// `otpkit_enrol`: `{persistent_id, started_at}` of an enrolment in progress.
pub const ENROL_KEY: &str = "otpkit_enrol";

/// Why a session operation failed. No variant carries a session value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The session store failed or could not be reached (a connection lost, an I/O error):
    /// trying again later may work. The text is the store's own description.
    #[error("session store error: {0}")]
    Backend(String),
    /// The session could not be encoded for its store.
    #[error("session error: the session could not be encoded for its store")]
    Encode,
    /// The stored session could not be decoded (corrupt, or written by another program).
    #[error("session error: the stored session could not be decoded")]
    Decode,
    /// A session value could not be converted to or from JSON.
    #[error("session error: a session value could not be converted to or from JSON")]
    Value,
    /// The session is unusable: a thread panicked while holding it (the in-memory session).
    #[error("session error: a thread panicked while holding the session")]
    Poisoned,
}

/// The operations otpkit needs from a session.
///
/// otpkit-axum implements it for tower-sessions; another framework's session is wrapped the
/// same way, with [`#[otpkit::async_trait]`](crate::async_trait) (see there why not native
/// `async fn`):
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use otpkit::session::{OtpSession, SessionError, DEVICE_KEY};
///
/// /// A framework's session: a map and an id (a real one wraps the framework's handle).
/// #[derive(Default)]
/// struct MySession(Mutex<(u32, HashMap<String, serde_json::Value>)>);
///
/// impl MySession {
///     fn lock(&self) -> Result<std::sync::MutexGuard<'_, (u32, HashMap<String, serde_json::Value>)>, SessionError> {
///         self.0.lock().map_err(|_| SessionError::Poisoned)
///     }
/// }
///
/// #[otpkit::async_trait]
/// impl OtpSession for MySession {
///     async fn get_value(&self, key: &str) -> Result<Option<serde_json::Value>, SessionError> {
///         Ok(self.lock()?.1.get(key).cloned())
///     }
///     async fn insert_value(&self, key: &str, value: serde_json::Value) -> Result<(), SessionError> {
///         self.lock()?.1.insert(key.to_owned(), value);
///         Ok(())
///     }
///     async fn remove_value(&self, key: &str) -> Result<(), SessionError> {
///         self.lock()?.1.remove(key);
///         Ok(())
///     }
///     async fn cycle_id(&self) -> Result<(), SessionError> {
///         self.lock()?.0 += 1;
///         Ok(())
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let session = MySession::default();
/// session.insert_value(DEVICE_KEY, "otp_totp.totpdevice/7".into()).await.unwrap();
/// session.cycle_id().await.unwrap();
/// assert_eq!(session.get_value(DEVICE_KEY).await.unwrap(), Some("otp_totp.totpdevice/7".into()));
/// session.remove_value(DEVICE_KEY).await.unwrap();
/// assert_eq!(session.get_value(DEVICE_KEY).await.unwrap(), None);
/// assert_eq!(session.lock().unwrap().0, 1);
/// # });
/// ```
#[async_trait]
pub trait OtpSession: Send + Sync {
    /// The value under `key`.
    async fn get_value(&self, key: &str) -> Result<Option<serde_json::Value>, SessionError>;
    /// Stores `value` under `key`.
    async fn insert_value(&self, key: &str, value: serde_json::Value) -> Result<(), SessionError>;
    /// Removes `key`.
    async fn remove_value(&self, key: &str) -> Result<(), SessionError>;
    /// Gives the session a new id; the old id no longer loads it.
    async fn cycle_id(&self) -> Result<(), SessionError>;
}

/// An in-memory session for tests: values plus an id that [`OtpSession::cycle_id`] changes.
#[derive(Debug, Clone, Default)]
pub struct MemorySession {
    inner: Arc<Mutex<(u64, HashMap<String, serde_json::Value>)>>,
}

impl MemorySession {
    /// An empty session with id 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current id (rises with each cycle).
    pub fn id(&self) -> u64 {
        self.inner.lock().map(|g| g.0).unwrap_or(0)
    }
}

fn poisoned<T>(_: T) -> SessionError {
    SessionError::Poisoned
}

#[async_trait]
impl OtpSession for MemorySession {
    async fn get_value(&self, key: &str) -> Result<Option<serde_json::Value>, SessionError> {
        Ok(self.inner.lock().map_err(poisoned)?.1.get(key).cloned())
    }
    async fn insert_value(&self, key: &str, value: serde_json::Value) -> Result<(), SessionError> {
        self.inner
            .lock()
            .map_err(poisoned)?
            .1
            .insert(key.to_owned(), value);
        Ok(())
    }
    async fn remove_value(&self, key: &str) -> Result<(), SessionError> {
        self.inner.lock().map_err(poisoned)?.1.remove(key);
        Ok(())
    }
    async fn cycle_id(&self) -> Result<(), SessionError> {
        let mut g = self.inner.lock().map_err(poisoned)?;
        g.0 = g.0.saturating_add(1);
        Ok(())
    }
}
