//! Users: otpkit does not own them (docs/behaviour.md §1.1).
//!
//! A user is an opaque [`UserId`]; an optional [`UserDirectory`] tells otpkit whether a user
//! exists, its display name (the otpauth account name), its email address, and whether it is
//! active and staff.

use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// An opaque user id: a non-empty UTF-8 string of at most 255 bytes without control
/// characters (U+0000–U+001F, U+007F), compared byte for byte (docs/behaviour.md §1.1).
///
/// ```
/// use otpkit::UserId;
/// assert!(UserId::new("alice").is_ok());
/// assert!(UserId::new("").is_err());
/// assert!(UserId::new("a\u{7f}").is_err());
/// assert!(UserId::new("x".repeat(256)).is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct UserId(String);

/// Why a string is not a [`UserId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUserId {
    /// The id is empty.
    #[error("the user id is empty")]
    Empty,
    /// The id is longer than 255 bytes.
    #[error("the user id is longer than 255 bytes")]
    TooLong,
    /// The id contains a control character.
    #[error("the user id contains a control character")]
    ControlCharacter,
}

impl UserId {
    /// Validates and wraps `id`.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidUserId> {
        let id = id.into();
        if id.is_empty() {
            return Err(InvalidUserId::Empty);
        }
        if id.len() > 255 {
            return Err(InvalidUserId::TooLong);
        }
        if id.chars().any(|c| c <= '\u{1f}' || c == '\u{7f}') {
            return Err(InvalidUserId::ControlCharacter);
        }
        Ok(UserId(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        UserId::new(s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for UserId {
    type Err = InvalidUserId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UserId::new(s)
    }
}

impl TryFrom<&str> for UserId {
    type Error = InvalidUserId;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        UserId::new(s)
    }
}

/// What the application tells otpkit about one user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserInfo {
    /// The name shown in authenticator apps (the otpauth account name). Default: the user id.
    pub display_name: Option<String>,
    /// The user's email address, used by email devices without their own address.
    pub email: Option<String>,
    /// Whether the user may log in at all.
    pub is_active: bool,
    /// Whether the user may use the admin area.
    pub is_staff: bool,
}

/// The application's user directory hook (docs/behaviour.md §1.1). `resolve_username` has a
/// default, so an application implements only what it knows.
///
/// Implement it with [`#[otpkit::async_trait]`](crate::async_trait) (the engine keeps it as an
/// `Arc<dyn UserDirectory>`, see there why not native `async fn`):
///
/// ```
/// use std::collections::HashMap;
/// use otpkit::{UserDirectory, UserId, UserInfo};
///
/// /// The application's users: id → (email, staff); a real one asks its database.
/// struct Users(HashMap<String, (String, bool)>);
///
/// #[otpkit::async_trait]
/// impl UserDirectory for Users {
///     async fn lookup(&self, user: &UserId) -> Option<UserInfo> {
///         let (email, is_staff) = self.0.get(user.as_str())?;
///         Some(UserInfo {
///             display_name: Some(format!("{user} (Example)")),
///             email: Some(email.clone()),
///             is_active: true,
///             is_staff: *is_staff,
///         })
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let users = Users(HashMap::from([("alice".into(), ("alice@example.com".into(), false))]));
/// let alice = users.lookup(&UserId::new("alice").unwrap()).await.unwrap();
/// assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
/// assert!(users.lookup(&UserId::new("mallory").unwrap()).await.is_none());
/// // The default resolve_username treats the username as the id.
/// assert_eq!(users.resolve_username("alice").await, UserId::new("alice").ok());
/// // The engine takes it as its directory.
/// let engine = otpkit::Engine::builder(otpkit::MemoryStore::new(), otpkit::KeyRing::random("k1").unwrap())
///     .user_directory(users)
///     .build()
///     .unwrap();
/// # let _ = engine;
/// # });
/// ```
#[async_trait]
pub trait UserDirectory: Send + Sync + 'static {
    /// Looks a user up. `None` means the user does not exist.
    async fn lookup(&self, user: &UserId) -> Option<UserInfo>;

    /// Resolves a username typed by an operator (the CLI's `USER`) to a user id.
    /// The default treats the username as the user id.
    async fn resolve_username(&self, username: &str) -> Option<UserId> {
        UserId::new(username).ok()
    }

    /// Up to `limit` user ids in ascending order, after `after` (keyset pagination), for
    /// reports over all users such as "who has no two-step verification yet". The default
    /// answers `None`: this directory cannot list its users (the reports then say so).
    async fn list_users(&self, after: Option<&UserId>, limit: u32) -> Option<Vec<UserId>> {
        let _ = (after, limit);
        None
    }
}

/// The default directory: every user exists, is active, has no email address and is not
/// staff; the display name is the user id.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDirectory;

#[async_trait]
impl UserDirectory for NoDirectory {
    async fn lookup(&self, _user: &UserId) -> Option<UserInfo> {
        Some(UserInfo {
            is_active: true,
            ..UserInfo::default()
        })
    }
}
