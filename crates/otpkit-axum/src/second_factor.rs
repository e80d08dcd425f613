//! After the application's own password check (docs/behaviour.md §7.3 step 1 without
//! otpkit's password step): [`OtpKit::begin_second_factor`], and the session's CSRF token for
//! the application's own forms ([`csrf_token`]).

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use otpkit::UserId;
use otpkit::session::{
    CSRF_KEY, DEVICE_KEY, ENROL_KEY, PENDING_KEY, SessionError, VERIFIED_AT_KEY,
};
use tower_sessions::Session;

use crate::auth::AuthError;
use crate::kit::OtpKit;
use crate::session::{SessionFailure, Store, random_token, session_error};
use crate::web::{is_safe_next, redirect_url, secure};

/// Where the browser goes after [`OtpKit::begin_second_factor`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecondStep {
    /// A pending login owes the code: send the browser to `url`, otpkit's code step
    /// (`{prefix}/verify/?next=…`), which completes the login and goes on to `next`.
    Code {
        /// The code step's URL, `next` included when it is safe.
        url: String,
    },
    /// The user has no confirmed device and `OTPKIT_LOGIN_OTP_OPTIONAL` is on: the session
    /// is signed in with the password only (as otpkit's own login does); go to `url` (`next`
    /// when safe, else `OTPKIT_LOGIN_REDIRECT_URL`).
    SignedIn {
        /// Where the user goes now.
        url: String,
    },
    /// The user has no confirmed device and a second factor is required: nothing was
    /// started and the session is anonymous. Tell the user (the `no_device` message) or send
    /// them to enrol by other means.
    NoDevice,
}

impl SecondStep {
    /// Where to redirect the browser, if anywhere (`None` for [`SecondStep::NoDevice`]).
    pub fn location(&self) -> Option<&str> {
        match self {
            SecondStep::Code { url } | SecondStep::SignedIn { url } => Some(url),
            SecondStep::NoDevice => None,
        }
    }
}

/// Why [`OtpKit::begin_second_factor`] could not start the second step. Nothing it returns
/// grants anything: answer a failure like a wrong password (or with 503 for the storage
/// causes).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecondStepError {
    /// The [`otpkit::UserDirectory`] reports the user as missing or inactive (otpkit's login
    /// answers `invalid_login` here).
    #[error("the user is missing or inactive")]
    InactiveUser,
    /// The session store (or the OS random number generator) failed.
    #[error("session store failure")]
    Session,
    /// The device store failed while listing the user's devices.
    #[error("device store failure: {0}")]
    Devices(#[source] otpkit::Error),
    /// The application's [`Authentication`](crate::Authentication) failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<SessionFailure> for SecondStepError {
    fn from(_: SessionFailure) -> Self {
        SecondStepError::Session
    }
}

impl OtpKit {
    /// Starts the second factor for `user`, whose password the application has just checked
    /// itself. Call it instead of marking the session signed in: otpkit calls
    /// [`Authentication::login`](crate::Authentication::login) once the code is right.
    ///
    /// It does what otpkit's own password step does: ends any earlier sign-in of the
    /// session, rotates the session id and the CSRF token, and starts a pending login that
    /// expires after `OTPKIT_PENDING_LOGIN_TTL`. A user without a confirmed device is signed
    /// in with the password only when `OTPKIT_LOGIN_OTP_OPTIONAL` allows it, else refused
    /// ([`SecondStep::NoDevice`]). `next` is where the user goes after the code (ignored
    /// unless [`is_safe_next`]).
    ///
    /// ```no_run
    /// use axum::response::{IntoResponse, Redirect, Response};
    /// use otpkit::UserId;
    /// use otpkit_axum::{OtpKit, SecondStep};
    /// use tower_sessions::Session;
    ///
    /// async fn after_password_check(kit: OtpKit, session: Session, user: UserId) -> Response {
    ///     match kit.begin_second_factor(&session, &user, "/dashboard").await {
    ///         Ok(step) => match step.location() {
    ///             Some(url) => Redirect::to(url).into_response(),
    ///             None => "Set up an authenticator app first.".into_response(),
    ///         },
    ///         Err(_) => http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
    ///     }
    /// }
    /// ```
    pub async fn begin_second_factor(
        &self,
        session: &Session,
        user: &UserId,
        next: &str,
    ) -> Result<SecondStep, SecondStepError> {
        let active = self
            .engine()
            .users()
            .lookup(user)
            .await
            .is_some_and(|i| i.is_active);
        if !active {
            return Err(SecondStepError::InactiveUser);
        }
        start_pending(self, session, user).await?;
        let devices = self
            .engine()
            .devices_for_user(Some(user), Some(true))
            .await
            .map_err(SecondStepError::Devices)?;
        let safe = is_safe_next(next);
        if !devices.is_empty() {
            let verify = self.url("/verify/");
            let url = if safe {
                redirect_url(&verify, "next", next)
            } else {
                verify
            };
            return Ok(SecondStep::Code { url });
        }
        Store(session).remove(PENDING_KEY).await?;
        if !self.web_settings().login_otp_optional {
            return Ok(SecondStep::NoDevice);
        }
        self.auth().login(session, user).await?;
        let url = if safe {
            next.to_owned()
        } else {
            self.web_settings().login_redirect_url.clone()
        };
        Ok(SecondStep::SignedIn { url })
    }
}

/// A new login starts from a new session id and a new CSRF token; nothing of an earlier
/// login survives. Shared by otpkit's password step and [`OtpKit::begin_second_factor`].
pub(crate) async fn start_pending(
    kit: &OtpKit,
    session: &Session,
    user: &UserId,
) -> Result<(), SessionFailure> {
    let signed_in = kit
        .auth()
        .current_user(session)
        .await
        .map_err(|_| SessionFailure)?;
    if signed_in.is_some() {
        kit.auth()
            .logout(session)
            .await
            .map_err(|_| SessionFailure)?;
    }
    let store = Store(session);
    for k in [DEVICE_KEY, VERIFIED_AT_KEY, ENROL_KEY, PENDING_KEY] {
        store.remove(k).await?;
    }
    session.cycle_id().await?;
    let ttl = i64::from(kit.web_settings().pending_login_ttl);
    store
        .set_pending(user, kit.engine().now().add_secs(ttl))
        .await?;
    store.rotate_csrf().await?;
    Ok(())
}

/// The session's CSRF token, created when missing: put it in the application's own forms
/// that post to otpkit's routes (field `csrf_token`) or send it as `X-CSRF-Token`. It changes
/// whenever the authentication level changes (read it when rendering the form).
///
/// ```
/// use std::sync::Arc;
/// use tower_sessions::{MemoryStore, Session};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let session = Session::new(None, Arc::new(MemoryStore::default()), None);
/// let token = otpkit_axum::csrf_token(&session).await?;
/// assert_eq!(token.len(), 43);
/// assert_eq!(otpkit_axum::csrf_token(&session).await?, token);
/// # Ok::<(), otpkit::session::SessionError>(())
/// # }).unwrap();
/// ```
pub async fn csrf_token(session: &Session) -> Result<String, SessionError> {
    if let Some(serde_json::Value::String(t)) =
        session.get_value(CSRF_KEY).await.map_err(session_error)?
        && !t.is_empty()
    {
        return Ok(t);
    }
    let t = random_token(32)
        .map_err(|_| SessionError::Backend("the OS random number generator failed".into()))?;
    session
        .insert_value(CSRF_KEY, serde_json::Value::String(t.clone()))
        .await
        .map_err(session_error)?;
    Ok(t)
}

/// [`csrf_token`] as an extractor, for the handler that renders the application's form
/// (it needs the session layer; a session failure is answered 503).
///
/// ```
/// use otpkit_axum::CsrfToken;
///
/// async fn settings_page(CsrfToken(token): CsrfToken) -> axum::response::Html<String> {
///     axum::response::Html(format!(
///         r#"<form method="post" action="/otp/devices/backup-codes/">
///              <input type="hidden" name="csrf_token" value="{token}">
///              <button type="submit">New backup codes</button>
///            </form>"#
///     ))
/// }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

impl std::fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfToken(..)")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match csrf_token(&session).await {
            Ok(t) => Ok(CsrfToken(t)),
            Err(e) => {
                tracing::error!(target: "otpkit_axum", error = %e, "session store failure");
                Err(secure(
                    (StatusCode::SERVICE_UNAVAILABLE, "internal error").into_response(),
                ))
            }
        }
    }
}
