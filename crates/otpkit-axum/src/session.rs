//! tower-sessions as an [`otpkit::session::OtpSession`], and the typed values otpkit keeps
//! in a session (docs/behaviour.md §1.7).
//!
//! The orphan rule forbids implementing otpkit's trait for `tower_sessions::Session`
//! directly, so [`SessionAdapter`] wraps it. `cycle_id` is tower-sessions' own
//! [`Session::cycle_id`]: the old id is deleted from the session store at once, so it no
//! longer loads the session.

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use otpkit::session::{self as keys, OtpSession, SessionError};
use otpkit::{Timestamp, UserId};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

/// A `tower_sessions::Session` seen through otpkit's [`OtpSession`] trait.
///
/// ```
/// use std::sync::Arc;
/// use otpkit::session::OtpSession;
/// use otpkit_axum::SessionAdapter;
/// use tower_sessions::{MemoryStore, Session};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let session = Session::new(None, Arc::new(MemoryStore::default()), None);
/// let adapter = SessionAdapter::new(session);
/// adapter.insert_value("k", serde_json::json!(1)).await.unwrap();
/// assert_eq!(adapter.get_value("k").await.unwrap(), Some(serde_json::json!(1)));
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct SessionAdapter(pub Session);

impl SessionAdapter {
    /// Wraps a session.
    pub fn new(session: Session) -> Self {
        SessionAdapter(session)
    }

    /// The wrapped session.
    pub fn session(&self) -> &Session {
        &self.0
    }
}

/// The cause of a tower-sessions failure. The store's description is kept for a backend
/// failure only: an encoding or decoding message may quote session data.
pub(crate) fn session_error(e: tower_sessions::session::Error) -> SessionError {
    use tower_sessions::session::Error;
    use tower_sessions::session_store::Error as StoreError;
    match e {
        Error::SerdeJson(_) => SessionError::Value,
        Error::Store(StoreError::Encode(_)) => SessionError::Encode,
        Error::Store(StoreError::Decode(_)) => SessionError::Decode,
        Error::Store(StoreError::Backend(detail)) => SessionError::Backend(detail),
    }
}

#[async_trait]
impl OtpSession for SessionAdapter {
    async fn get_value(&self, key: &str) -> Result<Option<serde_json::Value>, SessionError> {
        self.0.get_value(key).await.map_err(session_error)
    }
    async fn insert_value(&self, key: &str, value: serde_json::Value) -> Result<(), SessionError> {
        self.0
            .insert_value(key, value)
            .await
            .map(|_| ())
            .map_err(session_error)
    }
    async fn remove_value(&self, key: &str) -> Result<(), SessionError> {
        self.0
            .remove_value(key)
            .await
            .map(|_| ())
            .map_err(session_error)
    }
    async fn cycle_id(&self) -> Result<(), SessionError> {
        self.0.cycle_id().await.map_err(session_error)
    }
}

/// `otpkit_pending`: a login that passed the first factor and still owes the second
/// (docs/behaviour.md §1.5, §7.3). It never holds a password or a password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The user who passed the first factor.
    pub user: UserId,
    /// When the pending login stops being usable.
    pub expires_at: Timestamp,
    /// A random nonce (base64url of 32 bytes) identifying this pending login.
    pub nonce: String,
}

impl PendingLogin {
    /// Whether it has expired at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }
}

/// The pending logins this process has completed, so that two requests completing one
/// pending login at the same moment (each with its own valid code, both having loaded the
/// session before either rotated it) give one verified session, not two (docs/behaviour.md §7.3
/// step 3: single use). Entries are dropped once their pending login has expired anyway.
///
/// This holds within one process; across nodes the window is the few microseconds between
/// two completions' session writes (a store with a conditional delete closes it).
#[derive(Debug, Default)]
pub(crate) struct PendingClaims(std::sync::Mutex<std::collections::HashMap<String, Timestamp>>);

impl PendingClaims {
    /// Claims `p` at `now`: true for the first claim of its nonce, false afterwards.
    pub(crate) fn claim(&self, p: &PendingLogin, now: Timestamp) -> bool {
        let Ok(mut seen) = self.0.lock() else {
            return false; // poisoned: fail closed
        };
        seen.retain(|_, expires| *expires > now);
        if seen.contains_key(&p.nonce) {
            return false;
        }
        seen.insert(p.nonce.clone(), p.expires_at);
        true
    }
}

/// `otpkit_enrol`: an enrolment in progress (docs/behaviour.md §7.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The unconfirmed device being enrolled.
    pub persistent_id: String,
    /// When the enrolment started.
    pub started_at: Timestamp,
}

/// `n` bytes from the OS CSPRNG as unpadded base64url.
pub(crate) fn random_token(n: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(&buf))
}

/// The session operations the handlers use, with session failures as one error.
#[derive(Debug, Clone)]
pub(crate) struct Store<'a>(pub &'a Session);

/// A session or randomness failure (answered with 503 `internal_error`).
#[derive(Debug)]
pub(crate) struct SessionFailure;

impl From<tower_sessions::session::Error> for SessionFailure {
    fn from(e: tower_sessions::session::Error) -> Self {
        tracing::error!(target: "otpkit_axum", error = %e, "session store failure");
        SessionFailure
    }
}

impl From<getrandom::Error> for SessionFailure {
    fn from(_: getrandom::Error) -> Self {
        tracing::error!(target: "otpkit_axum", "the OS random number generator failed");
        SessionFailure
    }
}

impl From<SessionError> for SessionFailure {
    fn from(e: SessionError) -> Self {
        tracing::error!(target: "otpkit_axum", error = %e, "session store failure");
        SessionFailure
    }
}

impl Store<'_> {
    /// The CSRF token, created (32 CSPRNG bytes, base64url) when missing.
    pub(crate) async fn csrf_token(&self) -> Result<String, SessionFailure> {
        if let Some(serde_json::Value::String(t)) = self.0.get_value(keys::CSRF_KEY).await?
            && !t.is_empty()
        {
            return Ok(t);
        }
        self.rotate_csrf().await
    }

    /// Replaces the CSRF token (at every change of authentication level).
    pub(crate) async fn rotate_csrf(&self) -> Result<String, SessionFailure> {
        let t = random_token(32)?;
        self.0
            .insert_value(keys::CSRF_KEY, serde_json::Value::String(t.clone()))
            .await?;
        Ok(t)
    }

    /// Whether `presented` equals the session's CSRF token (constant time). A session
    /// without a token accepts nothing.
    pub(crate) async fn csrf_matches(
        &self,
        presented: Option<&str>,
    ) -> Result<bool, SessionFailure> {
        let Some(presented) = presented else {
            return Ok(false);
        };
        let Some(serde_json::Value::String(t)) = self.0.get_value(keys::CSRF_KEY).await? else {
            return Ok(false);
        };
        if t.is_empty() {
            return Ok(false);
        }
        // Lengths are not secret (every token has the same length).
        Ok(t.len() == presented.len() && bool::from(t.as_bytes().ct_eq(presented.as_bytes())))
    }

    /// The email-challenge binding (32 CSPRNG bytes), created when missing.
    pub(crate) async fn binding(&self) -> Result<Vec<u8>, SessionFailure> {
        if let Some(serde_json::Value::String(t)) = self.0.get_value(keys::BINDING_KEY).await?
            && let Ok(bytes) = URL_SAFE_NO_PAD.decode(t.as_bytes())
            && bytes.len() == 32
        {
            return Ok(bytes);
        }
        let mut bytes = vec![0u8; 32];
        getrandom::fill(&mut bytes)?;
        let t = URL_SAFE_NO_PAD.encode(&bytes);
        self.0
            .insert_value(keys::BINDING_KEY, serde_json::Value::String(t))
            .await?;
        Ok(bytes)
    }

    /// The pending login, if any (a malformed value reads as none).
    pub(crate) async fn pending(&self) -> Result<Option<PendingLogin>, SessionFailure> {
        Ok(self
            .0
            .get_value(keys::PENDING_KEY)
            .await?
            .and_then(|v| serde_json::from_value(v).ok()))
    }

    /// Stores a new pending login for `user`.
    pub(crate) async fn set_pending(
        &self,
        user: &UserId,
        expires_at: Timestamp,
    ) -> Result<(), SessionFailure> {
        let p = PendingLogin {
            user: user.clone(),
            expires_at,
            nonce: random_token(32)?,
        };
        let v = serde_json::to_value(&p).map_err(tower_sessions::session::Error::from)?;
        self.0.insert_value(keys::PENDING_KEY, v).await?;
        Ok(())
    }

    /// Removes a key.
    pub(crate) async fn remove(&self, key: &str) -> Result<(), SessionFailure> {
        self.0.remove_value(key).await?;
        Ok(())
    }

    /// The enrolment in progress, if any.
    pub(crate) async fn enrolment(&self) -> Result<Option<Enrolment>, SessionFailure> {
        Ok(self
            .0
            .get_value(keys::ENROL_KEY)
            .await?
            .and_then(|v| serde_json::from_value(v).ok()))
    }

    /// Records the enrolment in progress.
    pub(crate) async fn set_enrolment(&self, e: &Enrolment) -> Result<(), SessionFailure> {
        let v = serde_json::to_value(e).map_err(tower_sessions::session::Error::from)?;
        self.0.insert_value(keys::ENROL_KEY, v).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_sessions::session::Error;
    use tower_sessions::session_store::Error as StoreError;

    #[test]
    fn a_session_error_keeps_its_cause_and_no_session_data() {
        assert_eq!(
            session_error(Error::Store(StoreError::Backend("database down".into()))),
            SessionError::Backend("database down".into())
        );
        let e = session_error(Error::Store(StoreError::Decode(
            "invalid type: string \"k7f2q-m3xza\"".into(),
        )));
        assert_eq!(e, SessionError::Decode);
        assert!(!e.to_string().contains("k7f2q"), "{e}");
        assert_eq!(
            session_error(Error::Store(StoreError::Encode("x".into()))),
            SessionError::Encode
        );
        let json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        assert_eq!(session_error(Error::SerdeJson(json)), SessionError::Value);
    }
}
