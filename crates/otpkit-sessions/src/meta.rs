//! [`SessionMeta`]: what a listing of a user's sessions says about each one.

use std::collections::HashMap;
use std::fmt;

use time::OffsetDateTime;
use tower_sessions_core::session::Id;

/// The session key under which otpkit-axum keeps the `User-Agent` of the browser that signed
/// the session in (at most [`MAX_AGENT_BYTES`]), so that a listing can say "Firefox on
/// Linux".
pub const AGENT_KEY: &str = "otpkit_session_agent";

/// The most bytes of a user agent a listing carries ([`SessionMeta::agent`]); a longer value
/// is cut at a character boundary.
pub const MAX_AGENT_BYTES: usize = 256;

/// The session key holding the persistent id of the device that verified the session
/// (otpkit's [`DEVICE_KEY`](otpkit::session::DEVICE_KEY), django-otp's `otp_device_id`).
pub const DEVICE_KEY: &str = otpkit::session::DEVICE_KEY;

/// One signed-in session of a user, as [`UserSessions::list_sessions`](crate::UserSessions::list_sessions)
/// reports it.
///
/// `id` is the session id, which is also the cookie's value, a bearer credential: use it to
/// end the session or to recognise "this session", never show or log it. `Debug` leaves it
/// out.
///
/// `agent` and `device` are read from the session's data when it is listed
/// ([`with_data`](Self::with_data)): every store of this family fills them.
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
    /// The user agent recorded when the session signed in (the string under [`AGENT_KEY`],
    /// at most [`MAX_AGENT_BYTES`]), if any.
    pub agent: Option<String>,
    /// The persistent id of the device that verified the session (the string under
    /// [`DEVICE_KEY`], as stored: possibly a legacy form), if any.
    pub device: Option<String>,
}

impl SessionMeta {
    /// A listing entry (for stores outside this crate family), without agent or device.
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
            agent: None,
            device: None,
        }
    }

    /// Fills [`agent`](Self::agent) and [`device`](Self::device) from the session's data:
    /// the strings under [`AGENT_KEY`] and [`DEVICE_KEY`] (anything else counts as none).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use otpkit_sessions::{AGENT_KEY, DEVICE_KEY, SessionMeta};
    /// use time::OffsetDateTime;
    /// use tower_sessions_core::session::Id;
    ///
    /// let data = HashMap::from([
    ///     (AGENT_KEY.to_owned(), serde_json::json!("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0")),
    ///     (DEVICE_KEY.to_owned(), serde_json::json!("otp_totp.totpdevice/1")),
    /// ]);
    /// let t = OffsetDateTime::UNIX_EPOCH;
    /// let meta = SessionMeta::new(Id(1), t, t, t).with_data(&data);
    /// assert_eq!(meta.device.as_deref(), Some("otp_totp.totpdevice/1"));
    /// assert!(meta.agent.unwrap().contains("Firefox"));
    /// ```
    pub fn with_data(mut self, data: &HashMap<String, serde_json::Value>) -> Self {
        let text = |key: &str| data.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        self.agent = text(AGENT_KEY).map(|a| bounded(a, MAX_AGENT_BYTES));
        self.device = text(DEVICE_KEY);
        self
    }
}

/// `s` cut to at most `max` bytes, at a character boundary.
pub(crate) fn bounded(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

impl fmt::Debug for SessionMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMeta")
            .field("id", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("expires_at", &self.expires_at)
            .field("agent", &self.agent)
            .field("device", &self.device)
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

    #[test]
    fn the_data_gives_agent_and_device_bounded_and_only_as_strings() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let long = format!("{}é", "a".repeat(MAX_AGENT_BYTES - 1));
        let data = HashMap::from([
            (AGENT_KEY.to_owned(), serde_json::json!(long)),
            (DEVICE_KEY.to_owned(), serde_json::json!(7)),
        ]);
        let meta = SessionMeta::new(Id(1), t, t, t).with_data(&data);
        assert_eq!(
            meta.agent.as_deref(),
            Some("a".repeat(MAX_AGENT_BYTES - 1).as_str())
        );
        assert_eq!(meta.device, None);
        let none = SessionMeta::new(Id(1), t, t, t).with_data(&HashMap::new());
        assert_eq!((none.agent, none.device), (None, None));
    }
}
