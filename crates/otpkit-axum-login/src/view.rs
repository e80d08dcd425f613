//! axum-login's tower-sessions 0.14 `Session` as a *view* over otpkit's tower-sessions 0.15
//! `Session` of the same request.
//!
//! axum-login 0.18 reads and writes one key of a tower-sessions **0.14** session (its data
//! key, `axum-login.data` by default) and calls `cycle_id` at login and `flush` at logout;
//! otpkit runs on tower-sessions **0.15**. Instead of a second session layer (a second
//! cookie, a second load and save per request), a [`SessionView`] is a 0.14 `Session` whose
//! store is not a store: [`ViewStore`] reads axum-login's key from the 0.15 session when the
//! view loads, and writes it back — with the 0.15 session's own `cycle_id` or `flush` where
//! axum-login cycled or flushed the view — when the view is saved. The 0.15
//! `SessionManagerLayer` stays the only one that talks to the session store.
//!
//! How a write-back tells a flush from an id cycle: both call the store's `delete`, but only
//! a flush clears the data first. The view's record carries a marker key ([`MARKER_KEY`])
//! from the moment it loads; a flush clears it with the rest, a cycle keeps it. So at the
//! write-back: marker gone → 0.15 `flush` (all of the session ends, otpkit's verification
//! too), then axum-login's key if it was set again; marker kept and a `delete` seen → 0.15
//! `cycle_id` and the key; else the key alone. The marker never reaches the 0.15 session.
//!
//! Two views differ from that plain one ([`SessionView::new`]):
//!
//! * the request's view (the adapter's layer) treats axum-login's key set to a new value as
//!   a new sign-in even where axum-login does not cycle (it cycles only at a session's first
//!   login): a new 0.15 id, and otpkit's keys of an earlier sign-in
//!   ([`OTPKIT_LOGIN_KEYS`]) removed, as otpkit's own password step does;
//! * the view of otpkit's `Authentication::login` leaves the id cycle to otpkit, which
//!   rotates the id right after (one `cycle_id`, not two).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use otpkit::session::{CSRF_KEY, DEVICE_KEY, ENROL_KEY, PENDING_KEY, VERIFIED_AT_KEY};
use serde_json::Value;
use tower_sessions_014::session::{Id, Record};
use tower_sessions_014::{SessionStore, session_store};

use crate::error::BridgeError;

/// The key that marks a view's record as not flushed (never written to the 0.15 session).
pub const MARKER_KEY: &str = "otpkit-axum-login.view";

/// The tower-sessions 0.15 session that otpkit's session layer put in the request.
pub type Session = tower_sessions::Session;

/// axum-login's tower-sessions 0.14 session type.
pub type LoginSession = tower_sessions_014::Session;

/// A tower-sessions 0.14 session ([`LoginSession`]) that is a view of one key (axum-login's
/// data key) of a tower-sessions 0.15 [`Session`]. See the [module docs](self).
///
/// ```
/// use std::sync::Arc;
/// use otpkit_axum_login::view::SessionView;
/// use tower_sessions::{MemoryStore, Session};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let session = Session::new(None, Arc::new(MemoryStore::default()), None);
/// let view = SessionView::new(session.clone(), "axum-login.data");
/// view.session().insert("axum-login.data", 42).await.unwrap();
/// assert_eq!(session.get::<i32>("axum-login.data").await.unwrap(), None);
/// view.write_back().await.unwrap();
/// assert_eq!(session.get::<i32>("axum-login.data").await.unwrap(), Some(42));
/// # });
/// ```
#[derive(Clone)]
pub struct SessionView {
    view: LoginSession,
}

impl fmt::Debug for SessionView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No session id and no session data (REQ: secrets never in Debug).
        f.debug_struct("SessionView").finish_non_exhaustive()
    }
}

impl SessionView {
    /// A view of `key` of `session`. Nothing is read until the view is used.
    pub fn new(session: Session, key: &'static str) -> Self {
        Self::build(session, key, Mode::Plain)
    }

    fn build(session: Session, key: &'static str, mode: Mode) -> Self {
        let store = ViewStore {
            session,
            key,
            deleted: Arc::new(AtomicBool::new(false)),
            mode,
        };
        // The view's own id is a placeholder: it never leaves the view (the cookie carries
        // the 0.15 session's id), so that the view loads through `ViewStore::load`.
        let view = LoginSession::new(Some(Id::default()), Arc::new(store), None);
        SessionView { view }
    }

    /// A view for a request whose handler may sign a user in with axum-login's `login`: a
    /// new sign-in there (axum-login's key set to a new value) always gets a new 0.15 session
    /// id and ends what otpkit kept of an earlier one (verified device, pending login,
    /// enrolment, CSRF token), as otpkit's own password step does. Not for otpkit's
    /// `Authentication::login`, where otpkit does that itself.
    pub(crate) fn for_request(session: Session, key: &'static str) -> Self {
        Self::build(session, key, Mode::Request)
    }

    /// A view for otpkit's `Authentication::login`: otpkit rotates the session id itself
    /// right after (and did at the password step), so axum-login's id cycle there is not
    /// repeated on the 0.15 session.
    pub(crate) fn for_otpkit_login(session: Session, key: &'static str) -> Self {
        Self::build(session, key, Mode::OtpkitLogin)
    }

    /// The tower-sessions 0.14 session that axum-login reads and writes.
    pub fn session(&self) -> &LoginSession {
        &self.view
    }

    /// Writes what axum-login changed in the view into the 0.15 session (its key, and a
    /// `cycle_id` or `flush`), if it changed anything; the 0.15 session layer then persists
    /// it with the rest of the session, in its one save of the request. Call it once the
    /// view's user (the handler, axum-login's `login`) is done.
    pub async fn write_back(&self) -> Result<(), BridgeError> {
        if !self.view.is_modified() {
            return Ok(());
        }
        self.view.save().await.map_err(BridgeError::View)
    }
}

/// The tower-sessions 0.14 store behind a [`SessionView`]: it stores nothing itself, it
/// reads from and writes to the 0.15 session. See the [module docs](self).
#[derive(Clone)]
pub struct ViewStore {
    session: Session,
    key: &'static str,
    /// The view's `delete` was called (a `cycle_id` or a `flush`) since the last write-back.
    deleted: Arc<AtomicBool>,
    mode: Mode,
}

/// What a write-back does besides axum-login's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// axum-login's id cycle and flush, as they are.
    Plain,
    /// The request's view ([`SessionView::for_request`]): also, a new sign-in (axum-login's
    /// key set to a new value) cycles the 0.15 id and removes otpkit's keys
    /// ([`OTPKIT_LOGIN_KEYS`]).
    Request,
    /// otpkit's `Authentication::login` ([`SessionView::for_otpkit_login`]): the flush as it
    /// is, the id cycle left to otpkit.
    OtpkitLogin,
}

/// The session key under which the adapter keeps the signed-in user's otpkit id (the
/// backend's id as text) beside axum-login's data: the key under which otpkit's durable
/// session stores (`SqliteSessionStore`, `PgSessionStore`, `MySqlSessionStore`,
/// `RedisSessionStore`, with their default `SessionConfig`) index sessions by user, so that
/// otpkit can list and end an axum-login user's sessions. Written and removed with
/// axum-login's key.
pub const USER_INDEX_KEY: &str = otpkit_axum::auth::AUTH_USER_KEY;

/// What otpkit keeps of a sign-in: gone when axum-login signs a user in anew.
pub const OTPKIT_LOGIN_KEYS: [&str; 5] = [
    DEVICE_KEY,
    VERIFIED_AT_KEY,
    PENDING_KEY,
    ENROL_KEY,
    CSRF_KEY,
];

impl fmt::Debug for ViewStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewStore")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

fn backend(e: tower_sessions::session::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

impl ViewStore {
    /// Writes the view's `record` into the 0.15 session (see the module docs).
    async fn write(&self, record: &Record) -> session_store::Result<()> {
        let deleted = self.deleted.swap(false, Ordering::AcqRel);
        let flushed = !record.data.contains_key(MARKER_KEY);
        let others = record
            .data
            .keys()
            .filter(|k| k.as_str() != self.key && k.as_str() != MARKER_KEY);
        if others.count() > 0 {
            tracing::warn!(
                target: "otpkit_axum_login",
                "data put in axum-login's session view under other keys is not kept: \
                 use the tower-sessions 0.15 Session for the application's own data"
            );
        }
        if flushed {
            self.session.flush().await.map_err(backend)?;
        }
        let current = self.session.get_value(self.key).await.map_err(backend)?;
        let new = record.data.get(self.key);
        // axum-login writes its key only in `login`: a changed value is a sign-in (axum-login
        // cycles the id only at a session's first one; a second user signing in over the
        // first gets a new id here too).
        let signed_in = self.mode == Mode::Request && new.is_some() && new != current.as_ref();
        let cycled = deleted && self.mode != Mode::OtpkitLogin;
        if !flushed && (cycled || signed_in) {
            self.session.cycle_id().await.map_err(backend)?;
        }
        if !flushed && signed_in {
            for k in OTPKIT_LOGIN_KEYS {
                if self.session.get_value(k).await.map_err(backend)?.is_some() {
                    self.session.remove_value(k).await.map_err(backend)?;
                }
            }
        }
        match new {
            Some(v) if current.as_ref() != Some(v) => {
                self.session
                    .insert_value(self.key, v.clone())
                    .await
                    .map_err(backend)?;
                self.index(user_id_of(v)).await?;
            }
            None if current.is_some() => {
                self.session.remove_value(self.key).await.map_err(backend)?;
                self.index(None).await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Keeps [`USER_INDEX_KEY`] in step with axum-login's user.
    async fn index(&self, user: Option<String>) -> session_store::Result<()> {
        let current = self
            .session
            .get_value(USER_INDEX_KEY)
            .await
            .map_err(backend)?;
        match user {
            Some(id) if current.as_ref().and_then(Value::as_str) != Some(id.as_str()) => {
                let id = Value::String(id);
                self.session
                    .insert_value(USER_INDEX_KEY, id)
                    .await
                    .map_err(backend)?;
            }
            None if current.is_some() => {
                self.session
                    .remove_value(USER_INDEX_KEY)
                    .await
                    .map_err(backend)?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// The signed-in user's id in axum-login 0.18's data (`{"user_id": …, "auth_hash": …}`), as
/// text: a JSON string as it is, a number in decimal (as `Display` writes an `i64`).
fn user_id_of(data: &Value) -> Option<String> {
    match data.get("user_id")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[async_trait]
impl SessionStore for ViewStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.write(record).await?;
        // The view goes on as a fresh, unflushed view of the written session.
        record.id = Id::default();
        record.data.insert(MARKER_KEY.to_owned(), Value::Bool(true));
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut data = HashMap::from([(MARKER_KEY.to_owned(), Value::Bool(true))]);
        if let Some(v) = self.session.get_value(self.key).await.map_err(backend)? {
            data.insert(self.key.to_owned(), v);
        }
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: self.session.expiry_date(),
        }))
    }

    async fn delete(&self, _id: &Id) -> session_store::Result<()> {
        self.deleted.store(true, Ordering::Release);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use tower_sessions::MemoryStore;
    use tower_sessions::SessionStore as _;

    const KEY: &str = "axum-login.data";

    /// A saved 0.15 session with axum-login's key, otpkit's device key and the
    /// application's own key; the same session as the next request loads it.
    async fn saved() -> (Session, Arc<MemoryStore>) {
        let store = Arc::new(MemoryStore::default());
        let s = Session::new(None, store.clone(), None);
        s.insert(KEY, "alice").await.unwrap();
        s.insert(DEVICE_KEY, "otp_totp.totpdevice/1").await.unwrap();
        s.insert("cart", 3).await.unwrap();
        s.save().await.unwrap();
        (Session::new(s.id(), store.clone(), None), store)
    }

    #[tokio::test]
    async fn a_cycle_of_the_view_is_a_cycle_of_the_session() {
        let (s, store) = saved().await;
        let old = s.id().unwrap();
        let view = SessionView::new(s.clone(), KEY);
        view.session().cycle_id().await.unwrap();
        view.session().insert(KEY, "alice2").await.unwrap();
        view.write_back().await.unwrap();
        s.save().await.unwrap();
        assert_ne!(s.id(), Some(old));
        assert!(
            store.load(&old).await.unwrap().is_none(),
            "the old id is gone"
        );
        let data = store.load(&s.id().unwrap()).await.unwrap().unwrap().data;
        assert_eq!(data.get(KEY), Some(&Value::from("alice2")));
        assert_eq!(
            data.get("cart"),
            Some(&Value::from(3)),
            "a cycle keeps the data"
        );
        assert!(!data.contains_key(MARKER_KEY));
    }

    #[tokio::test]
    async fn a_flush_of_the_view_is_a_flush_of_the_session() {
        let (s, store) = saved().await;
        let old = s.id().unwrap();
        let view = SessionView::new(s.clone(), KEY);
        view.session().flush().await.unwrap();
        view.write_back().await.unwrap();
        assert!(s.is_empty().await);
        assert!(store.load(&old).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn an_unchanged_view_writes_nothing() {
        let (s, _) = saved().await;
        let view = SessionView::for_request(s.clone(), KEY);
        assert_eq!(
            view.session().get::<String>(KEY).await.unwrap().as_deref(),
            Some("alice")
        );
        view.write_back().await.unwrap();
        assert!(!s.is_modified());
    }

    #[tokio::test]
    async fn otpkits_login_leaves_the_cycle_to_otpkit() {
        let (s, store) = saved().await;
        let old = s.id().unwrap();
        let view = SessionView::for_otpkit_login(s.clone(), KEY);
        view.session().cycle_id().await.unwrap();
        view.session().insert(KEY, "bob").await.unwrap();
        view.write_back().await.unwrap();
        assert_eq!(s.id(), Some(old), "not cycled here");
        assert!(store.load(&old).await.unwrap().is_some());
        assert_eq!(s.get::<String>(KEY).await.unwrap().as_deref(), Some("bob"));
        assert!(
            s.get_value(DEVICE_KEY).await.unwrap().is_some(),
            "otpkit's keys are otpkit's"
        );
    }

    #[tokio::test]
    async fn a_new_user_in_the_request_view_is_a_new_sign_in() {
        let (s, store) = saved().await;
        let old = s.id().unwrap();
        let view = SessionView::for_request(s.clone(), KEY);
        // axum-login's login over a signed-in session: no cycle of its own.
        view.session().insert(KEY, "bob").await.unwrap();
        view.write_back().await.unwrap();
        s.save().await.unwrap();
        assert_ne!(s.id(), Some(old));
        assert!(store.load(&old).await.unwrap().is_none());
        assert_eq!(s.get::<String>(KEY).await.unwrap().as_deref(), Some("bob"));
        assert!(
            s.get_value(DEVICE_KEY).await.unwrap().is_none(),
            "no earlier verification"
        );
        assert_eq!(s.get::<i32>("cart").await.unwrap(), Some(3));
    }

    #[tokio::test]
    async fn the_user_index_follows_axum_logins_user() {
        let s = Session::new(None, Arc::new(MemoryStore::default()), None);
        let view = SessionView::new(s.clone(), KEY);
        let data = serde_json::json!({"user_id": 7, "auth_hash": [1, 2]});
        view.session().insert_value(KEY, data).await.unwrap();
        view.write_back().await.unwrap();
        let index = s.get::<String>(USER_INDEX_KEY).await.unwrap();
        assert_eq!(index.as_deref(), Some("7"));
        let view = SessionView::new(s.clone(), KEY);
        view.session().flush().await.unwrap();
        view.write_back().await.unwrap();
        assert_eq!(s.get_value(USER_INDEX_KEY).await.unwrap(), None);
        assert_eq!(
            user_id_of(&serde_json::json!({"user_id": "alice"})).as_deref(),
            Some("alice")
        );
        assert_eq!(user_id_of(&serde_json::json!({"user_id": null})), None);
    }

    #[test]
    fn debug_shows_no_session() {
        let s = Session::new(
            Some(tower_sessions::session::Id(7)),
            Arc::new(MemoryStore::default()),
            None,
        );
        let view = SessionView::new(s, KEY);
        assert_eq!(format!("{view:?}"), "SessionView { .. }");
    }
}
