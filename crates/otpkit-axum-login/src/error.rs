//! What can go wrong between axum-login and otpkit. Every cause fails closed: the request
//! is answered 503 (or otpkit's `internal_error`), never treated as signed in or anonymous.

/// Why the adapter could not read or write the sign-in. The texts carry no session id, no
/// password and no session data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    /// The request has no tower-sessions 0.15 session: the adapter's layer must sit inside
    /// otpkit's session layer (`otpkit_axum::session_layer`).
    #[error(
        "no tower-sessions session in the request: is the session layer outside the adapter's layer?"
    )]
    NoSession,
    /// axum-login's session view could not be read or written back (the session store
    /// failed while loading the session, or a value did not serialize).
    #[error("axum-login's session view: {0}")]
    View(#[source] tower_sessions_014::session::Error),
    /// The 0.15 session failed while the adapter read or ended it directly.
    #[error("session: {0}")]
    Session(#[source] tower_sessions::session::Error),
    /// axum-login could not build its `AuthSession`: the session or the application's
    /// `AuthnBackend::get_user` failed (axum-login logs the cause).
    #[error("axum-login could not read the session's user (session store or backend failure)")]
    AuthSession,
    /// axum-login's `login` failed (session or backend).
    #[error("axum-login's login failed: {0}")]
    Login(String),
    /// The application's `AuthnBackend` failed while looking a user up.
    #[error("the authentication backend failed: {0}")]
    Backend(String),
    /// otpkit asked to sign in a user whom the `AuthnBackend` does not know (the user was
    /// deleted between the password and the code, or the id does not parse).
    #[error("the authentication backend does not know the user")]
    UnknownUser,
    /// A user id of the `AuthnBackend` is not a valid otpkit user id.
    #[error("the user id is not a valid otpkit user id")]
    UserId,
}
