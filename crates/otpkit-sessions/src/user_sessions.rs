//! [`UserSessions`]: a session store's index by user.

use async_trait::async_trait;
use otpkit::UserId;
use tower_sessions_core::session::Id;
use tower_sessions_core::session_store;

use crate::meta::SessionMeta;

/// A session store that knows whose each session is: list a user's sessions, end one, end
/// all of them (but one).
///
/// The owner is read from the session data under
/// [`SessionConfig::user_key`](crate::SessionConfig::user_key) each time the session is
/// written, so signing in, switching users or signing out (the key removed) moves the
/// session in the index at its next save. Ending a session is a
/// [`SessionStore::delete`](tower_sessions_core::SessionStore::delete): it never loads
/// again, and a request that loaded it before cannot write it back.
///
/// A listing reads the user agent recorded at sign-in and the device that verified each
/// session from its data ([`SessionMeta::with_data`]).
///
/// Every method is scoped to `user`: a session id that belongs to someone else (or to
/// nobody) is not touched, so an id taken from a request cannot end another user's session.
/// Expired sessions are not listed.
///
/// A hand-written implementation over a map, in the style of tower-sessions' own examples
/// (the stores of `otpkit-sqlite` and `otpkit-sqlx` do the same in SQL):
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Arc, Mutex};
///
/// use otpkit::UserId;
/// use otpkit_sessions::{SessionConfig, SessionMeta, UserSessions, async_trait};
/// use time::OffsetDateTime;
/// use tower_sessions_core::session::{Id, Record};
/// use tower_sessions_core::session_store;
///
/// #[derive(Clone, Default)]
/// struct MyStore {
///     config: SessionConfig,
///     // id → (record, created); a real store also keeps tombstones (see the crate docs)
///     map: Arc<Mutex<HashMap<Id, (Record, OffsetDateTime)>>>,
/// }
///
/// impl MyStore {
///     fn ids_of(&self, user: &UserId) -> Vec<Id> {
///         let map = self.map.lock().unwrap();
///         let mine = |r: &Record| self.config.user_of(r).as_ref() == Some(user);
///         map.values().filter(|(r, _)| mine(r)).map(|(r, _)| r.id).collect()
///     }
/// }
///
/// #[async_trait]
/// impl UserSessions for MyStore {
///     async fn list_sessions(&self, user: &UserId) -> session_store::Result<Vec<SessionMeta>> {
///         let ids = self.ids_of(user);
///         let map = self.map.lock().unwrap();
///         let meta = |(r, created): &(Record, OffsetDateTime)| {
///             // the user agent and the verifying device, from the data
///             SessionMeta::new(r.id, *created, *created, r.expiry_date).with_data(&r.data)
///         };
///         Ok(ids.iter().filter_map(|id| map.get(id)).map(meta).collect())
///     }
///
///     async fn end_session(&self, user: &UserId, id: &Id) -> session_store::Result<bool> {
///         let ended = self.ids_of(user).contains(id);
///         if ended {
///             self.map.lock().unwrap().remove(id);
///         }
///         Ok(ended)
///     }
///
///     async fn end_all_sessions(
///         &self,
///         user: &UserId,
///         except: Option<&Id>,
///     ) -> session_store::Result<u64> {
///         let ids: Vec<Id> = self.ids_of(user).into_iter().filter(|id| Some(id) != except).collect();
///         let mut map = self.map.lock().unwrap();
///         ids.iter().for_each(|id| drop(map.remove(id)));
///         Ok(ids.len() as u64)
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MyStore::default();
/// let alice = UserId::new("alice").unwrap();
/// let record = |id| Record {
///     id: Id(id),
///     data: HashMap::from([("otpkit_auth_user".to_owned(), serde_json::json!("alice"))]),
///     expiry_date: OffsetDateTime::UNIX_EPOCH + time::Duration::days(30_000),
/// };
/// for id in [1, 2, 3] {
///     store.map.lock().unwrap().insert(Id(id), (record(id), OffsetDateTime::UNIX_EPOCH));
/// }
/// assert_eq!(store.list_sessions(&alice).await?.len(), 3);
/// assert!(!store.end_session(&UserId::new("bob").unwrap(), &Id(1)).await?);
/// assert!(store.end_session(&alice, &Id(1)).await?);
/// assert_eq!(store.end_all_sessions(&alice, Some(&Id(2))).await?, 1); // "sign out all other sessions"
/// assert_eq!(store.list_sessions(&alice).await?[0].id, Id(2));
/// # Ok::<(), session_store::Error>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait UserSessions: Send + Sync {
    /// `user`'s live sessions (not expired, not ended), oldest first.
    async fn list_sessions(&self, user: &UserId) -> session_store::Result<Vec<SessionMeta>>;

    /// Ends `user`'s session `id`; `false` (and nothing changes) when `id` is not a live
    /// session of `user`.
    async fn end_session(&self, user: &UserId, id: &Id) -> session_store::Result<bool>;

    /// Ends all of `user`'s live sessions except `except` ("sign out all other sessions"),
    /// and says how many it ended.
    async fn end_all_sessions(
        &self,
        user: &UserId,
        except: Option<&Id>,
    ) -> session_store::Result<u64>;
}
