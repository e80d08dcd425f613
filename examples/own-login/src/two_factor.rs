//! otpkit, the second factor. Everything in this module exists only because of otpkit; so
//! do the lines marked `// otpkit` in the other modules and `{# otpkit #}` in the templates.

use otpkit::{Clock, Engine, KeyRing, UserId};
use otpkit_axum::{Authentication, OtpKit, WebSettings, auth::AuthError};
use otpkit_sqlite::SqliteStore;
use tower_sessions::Session;

use crate::login::{sign_in, sign_out, signed_in};

/// otpkit's view of the application's session: who is signed in, sign in, sign out.
/// otpkit calls `login` once the code is right (the application's login form no longer
/// does); `check_credentials` is left out: otpkit's password login is not mounted.
pub struct AppAuth;

#[otpkit_axum::async_trait]
impl Authentication for AppAuth {
    async fn current_user(&self, session: &Session) -> Result<Option<UserId>, AuthError> {
        let name = signed_in(session).await.map_err(AuthError::backend)?;
        Ok(name.and_then(|n| UserId::new(n).ok()))
    }
    async fn login(&self, session: &Session, user: &UserId) -> Result<(), AuthError> {
        let done = sign_in(session, user.as_str()).await;
        done.map_err(AuthError::backend)
    }
    async fn logout(&self, session: &Session) -> Result<(), AuthError> {
        sign_out(session).await.map_err(AuthError::backend)
    }
}

/// The kit: devices in an in-memory SQLite database sealed with a random key (both gone
/// when the process ends), codes on `clock`, otpkit's web settings from the environment
/// (`OTPKIT_*`, `OTP_*`) with the application's login page as `OTP_LOGIN_URL`.
pub async fn kit(clock: impl Clock) -> anyhow::Result<OtpKit> {
    let store = SqliteStore::open_and_migrate("sqlite::memory:").await?;
    let engine = Engine::builder(store, KeyRing::random("k1")?);
    let mut web = WebSettings::from_env()?;
    web.login_url = Some("/login".to_owned());
    let kit = OtpKit::builder(engine.clock(clock).build()?, AppAuth);
    Ok(kit.web_settings(web)?.build())
}
