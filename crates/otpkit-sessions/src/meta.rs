//! [`SessionMeta`]: what a listing of a user's sessions says about each one.

use std::fmt;

use time::OffsetDateTime;
use tower_sessions_core::session::Id;

/// One signed-in session of a user, as [`UserSessions::list_sessions`](crate::UserSessions::list_sessions)
/// reports it.
///
/// `id` is the session id, which is also the cookie's value, a bearer credential: use it to
/// end the session or to recognise "this session", never show or log it. `Debug` leaves it
/// out.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionMeta {
    /// The session id (a secret; see above).
    pub id: Id,
    /// When the store first wrote the session (created, or first saved).
    pub created_at: OffsetDateTime,
    /// When the store last wrote it: the last request that changed the session or, with
    /// tower-sessions' `Expiry::OnInactivity`, the last request at all.
    pub last_seen_at: OffsetDateTime,
    /// When it expires unless written again.
    pub expires_at: OffsetDateTime,
}

impl SessionMeta {
    /// A listing entry (for stores outside this crate family).
    pub fn new(
        id: Id,
        created_at: OffsetDateTime,
        last_seen_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Self {
        SessionMeta {
            id,
            created_at,
            last_seen_at,
            expires_at,
        }
    }
}

impl fmt::Debug for SessionMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMeta")
            .field("id", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_id() {
        let id = Id(0x1234_5678_9abc_def0_1234_5678_9abc_def0);
        let t = OffsetDateTime::UNIX_EPOCH;
        let shown = format!("{:?}", SessionMeta::new(id, t, t, t));
        assert!(!shown.contains(&id.to_string()), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
