//! The first factor belongs to the application (docs/behaviour.md §7.3 step 1).
//!
//! otpkit never sees how users are stored or how passwords are checked: the application
//! implements [`Authentication`] — who is authenticated in this session, check a username
//! and password, mark the session authenticated, log out. [`SessionPasswordAuth`] is a
//! ready-made implementation that keeps the authenticated user id under a session key and
//! asks a [`CredentialChecker`] (for example the application's argon2 user table) whether a
//! username and password are right.
//!
//! **No enumeration (REQ-17).** A credential check answers only "this user" or "no": unknown
//! user, wrong password and inactive user must be indistinguishable, in the answer *and* in
//! the time it takes (verify a dummy hash for unknown users). otpkit additionally refuses a
//! user whom the [`otpkit::UserDirectory`] reports as missing or inactive, with the same
//! `invalid_login` answer.

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use otpkit::UserId;
use otpkit::session::SessionError;
use tower_sessions::Session;

use crate::session::session_error;

/// Why the first factor could not be checked or recorded. otpkit answers every cause with 503
/// `internal_error` (fail closed), never with `invalid_login`; the variants tell the logs, and
/// the application, where to look.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The session store failed while reading or writing who is signed in.
    #[error("authentication session error: {0}")]
    Session(#[source] SessionError),
    /// The application's user store or password check failed (a database down, a hash that
    /// cannot be read). Its text must not carry a password.
    #[error("authentication backend error: {0}")]
    Backend(#[source] Box<dyn StdError + Send + Sync>),
}

impl AuthError {
    /// Wraps a failure of the application's user store or password check.
    ///
    /// ```
    /// use otpkit_axum::auth::AuthError;
    /// let e = AuthError::backend(std::io::Error::other("the user database is down"));
    /// assert_eq!(e.to_string(), "authentication backend error: the user database is down");
    /// ```
    pub fn backend(e: impl StdError + Send + Sync + 'static) -> Self {
        AuthError::Backend(Box::new(e))
    }
}

impl From<SessionError> for AuthError {
    fn from(e: SessionError) -> Self {
        AuthError::Session(e)
    }
}

/// The application's first factor, as otpkit's handlers and middleware need it.
///
/// Implement it with [`#[otpkit_axum::async_trait]`](crate::async_trait) (otpkit keeps it as
/// an `Arc<dyn Authentication>`; see there why not native `async fn`). A complete
/// implementation over the application's own session key and user table:
///
/// ```
/// use std::sync::Arc;
/// use otpkit::UserId;
/// use otpkit_axum::Authentication;
/// use otpkit_axum::auth::AuthError;
/// use tower_sessions::{MemoryStore, Session};
///
/// /// The application's login: its user id under its own session key.
/// struct AppAuth;
///
/// const USER_KEY: &str = "app_user";
///
/// fn session_failure(e: tower_sessions::session::Error) -> AuthError {
///     AuthError::backend(e)
/// }
///
/// #[otpkit_axum::async_trait]
/// impl Authentication for AppAuth {
///     async fn current_user(&self, session: &Session) -> Result<Option<UserId>, AuthError> {
///         let id: Option<String> = session.get(USER_KEY).await.map_err(session_failure)?;
///         Ok(id.and_then(|id| UserId::new(id).ok()))
///     }
///     async fn check_credentials(
///         &self,
///         username: &str,
///         password: &str,
///     ) -> Result<Option<UserId>, AuthError> {
///         // The application's password check (argon2 over its user table, a dummy hash
///         // for unknown users); one answer for every failure.
///         Ok((username == "alice" && password == "correct horse")
///             .then(|| UserId::new("alice"))
///             .and_then(Result::ok))
///     }
///     async fn login(&self, session: &Session, user: &UserId) -> Result<(), AuthError> {
///         session.insert(USER_KEY, user.as_str()).await.map_err(session_failure)
///     }
///     async fn logout(&self, session: &Session) -> Result<(), AuthError> {
///         session.flush().await.map_err(session_failure)
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let auth: Arc<dyn Authentication> = Arc::new(AppAuth);
/// let session = Session::new(None, Arc::new(MemoryStore::default()), None);
/// let alice = auth.check_credentials("alice", "correct horse").await.unwrap().unwrap();
/// assert_eq!(auth.check_credentials("alice", "wrong").await.unwrap(), None);
/// auth.login(&session, &alice).await.unwrap();
/// assert_eq!(auth.current_user(&session).await.unwrap(), Some(alice));
/// auth.logout(&session).await.unwrap();
/// assert_eq!(auth.current_user(&session).await.unwrap(), None);
/// # });
/// ```
#[async_trait]
pub trait Authentication: Send + Sync + 'static {
    /// The user authenticated (first factor) in this session, if any.
    async fn current_user(&self, session: &Session) -> Result<Option<UserId>, AuthError>;

    /// Checks a username and password. `Ok(None)` for every failure — unknown user, wrong
    /// password, inactive user — indistinguishably (REQ-17).
    ///
    /// Only otpkit's own password login ([`crate::router::password_login`], part of
    /// [`crate::routes`]) calls it. The default refuses every username and password
    /// (`Ok(None)`, answered `invalid_login`): an application that checks passwords itself
    /// and calls [`OtpKit::begin_second_factor`](crate::OtpKit::begin_second_factor) need
    /// not implement it.
    async fn check_credentials(
        &self,
        _username: &str,
        _password: &str,
    ) -> Result<Option<UserId>, AuthError> {
        Ok(None)
    }

    /// Marks the session as authenticated for `user` (after the second factor, or right
    /// after the first for a user without a device when `OTPKIT_LOGIN_OTP_OPTIONAL`). otpkit
    /// rotates the session id itself.
    async fn login(&self, session: &Session, user: &UserId) -> Result<(), AuthError>;

    /// Logs the session out completely (the default implementation of
    /// [`SessionPasswordAuth`] flushes the whole session).
    async fn logout(&self, session: &Session) -> Result<(), AuthError>;
}

/// A boxed future, for [`CredentialChecker`] implementations written as closures.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Checks a username and password; `None` for every kind of failure (REQ-17).
///
/// The password half of [`SessionPasswordAuth`]. Implement it with
/// [`#[otpkit_axum::async_trait]`](crate::async_trait) (see there why not native `async fn`),
/// or pass a closure to [`SessionPasswordAuth::from_fn`]:
///
/// ```
/// use std::collections::HashMap;
/// use otpkit::UserId;
/// use otpkit_axum::auth::{AuthError, CredentialChecker};
/// use otpkit_axum::{Authentication, SessionPasswordAuth};
///
/// /// The application's user table: username → password hash (plain text here, for brevity;
/// /// store argon2 hashes and verify a dummy hash for unknown users).
/// struct UserTable(HashMap<&'static str, &'static str>);
///
/// #[otpkit_axum::async_trait]
/// impl CredentialChecker for UserTable {
///     async fn check(&self, username: &str, password: &str) -> Result<Option<UserId>, AuthError> {
///         let ok = self.0.get(username).is_some_and(|hash| *hash == password);
///         Ok(ok.then(|| UserId::new(username)).and_then(Result::ok))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let auth = SessionPasswordAuth::new(UserTable(HashMap::from([("alice", "wonderland")])));
/// assert_eq!(
///     auth.check_credentials("alice", "wonderland").await.unwrap(),
///     UserId::new("alice").ok()
/// );
/// assert_eq!(auth.check_credentials("alice", "guess").await.unwrap(), None);
/// assert_eq!(auth.check_credentials("mallory", "wonderland").await.unwrap(), None);
/// # });
/// ```
#[async_trait]
pub trait CredentialChecker: Send + Sync + 'static {
    /// The user id if the credentials are right and the user may log in.
    async fn check(&self, username: &str, password: &str) -> Result<Option<UserId>, AuthError>;
}

/// A [`CredentialChecker`] from a closure (see [`SessionPasswordAuth::from_fn`]).
pub struct FnChecker<F>(F);

impl<F> std::fmt::Debug for FnChecker<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FnChecker(..)")
    }
}

#[async_trait]
impl<F> CredentialChecker for FnChecker<F>
where
    F: for<'a> Fn(&'a str, &'a str) -> BoxFuture<'a, Result<Option<UserId>, AuthError>>
        + Send
        + Sync
        + 'static,
{
    async fn check(&self, username: &str, password: &str) -> Result<Option<UserId>, AuthError> {
        (self.0)(username, password).await
    }
}

/// The session key under which [`SessionPasswordAuth`] keeps the authenticated user id.
pub const AUTH_USER_KEY: &str = "otpkit_auth_user";

/// An [`Authentication`] that keeps the authenticated user id in the session under
/// [`AUTH_USER_KEY`] (or a key of your choice) and checks passwords with a
/// [`CredentialChecker`].
///
/// ```
/// use otpkit::UserId;
/// use otpkit_axum::auth::SessionPasswordAuth;
///
/// let auth = SessionPasswordAuth::from_fn(|username, password| {
///     Box::pin(async move {
///         // Look the user up and verify the password hash here (argon2, …); verify a
///         // dummy hash for unknown users so that timing does not tell them apart.
///         Ok((username == "alice" && password == "correct horse")
///             .then(|| UserId::new("alice").unwrap()))
///     })
/// });
/// ```
#[derive(Clone)]
pub struct SessionPasswordAuth {
    checker: Arc<dyn CredentialChecker>,
    key: &'static str,
}

impl std::fmt::Debug for SessionPasswordAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionPasswordAuth")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl SessionPasswordAuth {
    /// Uses `checker` for passwords.
    pub fn new(checker: impl CredentialChecker) -> Self {
        SessionPasswordAuth {
            checker: Arc::new(checker),
            key: AUTH_USER_KEY,
        }
    }

    /// Uses a closure for passwords.
    pub fn from_fn<F>(f: F) -> Self
    where
        F: for<'a> Fn(&'a str, &'a str) -> BoxFuture<'a, Result<Option<UserId>, AuthError>>
            + Send
            + Sync
            + 'static,
    {
        Self::new(FnChecker(f))
    }

    /// Keeps the user id under `key` instead of [`AUTH_USER_KEY`].
    pub fn with_session_key(mut self, key: &'static str) -> Self {
        self.key = key;
        self
    }
}

fn backend(e: tower_sessions::session::Error) -> AuthError {
    AuthError::Session(session_error(e))
}

#[async_trait]
impl Authentication for SessionPasswordAuth {
    async fn current_user(&self, session: &Session) -> Result<Option<UserId>, AuthError> {
        Ok(session
            .get_value(self.key)
            .await
            .map_err(backend)?
            .and_then(|v| serde_json::from_value(v).ok()))
    }

    async fn check_credentials(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<UserId>, AuthError> {
        self.checker.check(username, password).await
    }

    async fn login(&self, session: &Session, user: &UserId) -> Result<(), AuthError> {
        session
            .insert_value(
                self.key,
                serde_json::Value::String(user.as_str().to_owned()),
            )
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn logout(&self, session: &Session) -> Result<(), AuthError> {
        session.flush().await.map_err(backend)
    }
}
