//! [`AxumLoginAuth`]: otpkit's [`Authentication`] over axum-login's [`AuthSession`].

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use axum_login::{AuthManager, AuthSession, AuthUser, AuthnBackend};
use http::{Request, Response};
use otpkit::UserId;
use otpkit_axum::Authentication;
use otpkit_axum::auth::AuthError;
use tower::ServiceExt;

use crate::error::BridgeError;
use crate::view::{Session, SessionView};

/// axum-login's default data key, the session key under which it keeps the signed-in user
/// (`AuthManagerLayerBuilder::with_data_key` changes it there; [`AxumLoginAuth::with_data_key`]
/// here).
pub const DATA_KEY: &str = "axum-login.data";

/// The id of an axum-login backend's users.
pub type LoginUserId<B> = axum_login::UserId<B>;

/// otpkit's [`Authentication`] over axum-login: who is signed in is axum-login's user of
/// the session, and otpkit's `login` (once the code is right) is axum-login's own
/// [`AuthSession::login`], with the user from [`AuthnBackend::get_user`].
///
/// otpkit's user ids are the backend's user ids as text (`AuthUser::id().to_string()`), read
/// back with `FromStr` (`i64`, `String`, `uuid::Uuid` … all work).
///
/// Give it to `otpkit_axum::OtpKit::builder` and put [`AxumLoginAuth::layer`] (instead of
/// axum-login's `AuthManagerLayer`) inside otpkit's session layer; see the crate docs.
pub struct AxumLoginAuth<B> {
    backend: B,
    data_key: &'static str,
}

impl<B: Clone> Clone for AxumLoginAuth<B> {
    fn clone(&self) -> Self {
        AxumLoginAuth {
            backend: self.backend.clone(),
            data_key: self.data_key,
        }
    }
}

impl<B> fmt::Debug for AxumLoginAuth<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AxumLoginAuth")
            .field("backend", &std::any::type_name::<B>())
            .field("data_key", &self.data_key)
            .finish()
    }
}

impl<B> AxumLoginAuth<B>
where
    B: AuthnBackend + 'static,
{
    /// Over `backend`, with axum-login's default data key [`DATA_KEY`].
    pub fn new(backend: B) -> Self {
        AxumLoginAuth {
            backend,
            data_key: DATA_KEY,
        }
    }

    /// axum-login keeps its data under `key` (as `AuthManagerLayerBuilder::with_data_key`).
    pub fn with_data_key(mut self, key: &'static str) -> Self {
        self.data_key = key;
        self
    }

    /// The session key of axum-login's data.
    pub fn data_key(&self) -> &'static str {
        self.data_key
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// axum-login's [`AuthSession`] for `session` (otpkit's tower-sessions 0.15 session),
    /// built by axum-login's own `AuthManager` over a [`SessionView`]; what the handler does
    /// with it reaches `session` at [`SessionView::write_back`].
    pub async fn auth_session(
        &self,
        session: &Session,
    ) -> Result<(AuthSession<B>, SessionView), BridgeError> {
        let view = SessionView::new(session.clone(), self.data_key);
        let auth = self.auth_session_of(&view).await?;
        Ok((auth, view))
    }

    /// axum-login's [`AuthSession`] over `view`: axum-login's `AuthManager` (its public
    /// service) reads the view and its backend exactly as its own layer would, and hands the
    /// result to a service that only captures it.
    pub(crate) async fn auth_session_of(
        &self,
        view: &SessionView,
    ) -> Result<AuthSession<B>, BridgeError> {
        let mut req = Request::new(());
        req.extensions_mut().insert(view.session().clone());
        let capture = tower::service_fn(capture::<B>);
        let manager = AuthManager::new(capture, self.backend.clone(), self.data_key);
        let mut res = match manager.oneshot(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        res.extensions_mut()
            .remove::<AuthSession<B>>()
            .ok_or(BridgeError::AuthSession)
    }
}

/// The inner service of the probe: the request's `AuthSession` into the response.
async fn capture<B: AuthnBackend + 'static>(req: Request<()>) -> Result<Response<()>, Infallible> {
    let mut res = Response::new(());
    if let Some(auth) = req.extensions().get::<AuthSession<B>>() {
        res.extensions_mut().insert(auth.clone());
    }
    Ok(res)
}

/// otpkit's id of an axum-login user.
pub fn otpkit_user_id<U: AuthUser>(user: &U) -> Result<UserId, BridgeError> {
    UserId::new(user.id().to_string()).map_err(|_| BridgeError::UserId)
}

impl From<BridgeError> for AuthError {
    fn from(e: BridgeError) -> Self {
        AuthError::backend(e)
    }
}

#[otpkit_axum::async_trait]
impl<B> Authentication for AxumLoginAuth<B>
where
    B: AuthnBackend + 'static,
    LoginUserId<B>: FromStr,
{
    async fn current_user(&self, session: &Session) -> Result<Option<UserId>, AuthError> {
        let (auth, _) = self.auth_session(session).await?;
        // A user whose `session_auth_hash` changed (a new password) is `None` here: axum-login
        // flushed the view; the request's layer writes that flush back.
        Ok(auth.user.as_ref().map(otpkit_user_id).transpose()?)
    }

    async fn login(&self, session: &Session, user: &UserId) -> Result<(), AuthError> {
        let id = LoginUserId::<B>::from_str(user.as_str()).map_err(|_| BridgeError::UnknownUser)?;
        let found = self.backend.get_user(&id).await;
        let found = found.map_err(|e| BridgeError::Backend(e.to_string()))?;
        let Some(found) = found else {
            return Err(BridgeError::UnknownUser.into());
        };
        let view = SessionView::for_otpkit_login(session.clone(), self.data_key);
        let mut auth = self.auth_session_of(&view).await?;
        auth.login(&found)
            .await
            .map_err(|e| BridgeError::Login(e.to_string()))?;
        view.write_back().await?;
        Ok(())
    }

    async fn logout(&self, session: &Session) -> Result<(), AuthError> {
        // axum-login's `logout` is a flush of the whole session; otpkit's state goes with it.
        session.flush().await.map_err(BridgeError::Session)?;
        Ok(())
    }
}
