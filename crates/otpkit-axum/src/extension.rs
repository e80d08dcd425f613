//! Extension points for a crate that adds a sign-in method with a web step of its own: a
//! kind whose "token" is not typed into the code step's field but comes from the browser
//! (a passkey's assertion, a push approval). Its routes sit beside otpkit's pieces and use
//! these [`OtpKit`] methods to follow the same rules as otpkit's own pages: the CSRF token,
//! the freshness rule of enrolment, the session's binding value for challenges, the user a
//! code step is for, and the end of a successful code step.
//!
//! ```
//! use otpkit_axum::{OtpKit, OtpState};
//! use tower_sessions::Session;
//!
//! /// The opening of a "verify with my method" handler.
//! async fn who(kit: &OtpKit, session: &Session, state: &OtpState, csrf: Option<&str>)
//!     -> Result<Option<otpkit::UserId>, otpkit::session::SessionError> {
//!     if !kit.csrf_matches(session, csrf).await? {
//!         return Ok(None); // answer 403 `csrf_failed`
//!     }
//!     kit.code_step_user(session, state).await
//! }
//! ```

use otpkit::session::{PENDING_KEY, SessionError};
use otpkit::{Device, Rejection, UserId};
use tower_sessions::Session;

pub use crate::step::{KindEnrolment, KindSignIn, KindStep, VerificationError};

use crate::kit::OtpKit;
use crate::middleware::OtpState;
use crate::session::{SessionAdapter, SessionFailure, Store};

fn session_failure(_: SessionFailure) -> SessionError {
    SessionError::Backend("session store failure".into())
}

impl OtpKit {
    /// The session's binding value (32 random bytes, created when missing, never sent to
    /// the client): bind a challenge to it, as otpkit binds email codes, so that only this
    /// session can answer it.
    pub async fn session_binding(&self, session: &Session) -> Result<Vec<u8>, SessionError> {
        Store(session).binding().await.map_err(session_failure)
    }

    /// Whether `presented` is the session's CSRF token (compared in constant time); a
    /// session without one accepts nothing. Every state-changing route checks it.
    pub async fn csrf_matches(
        &self,
        session: &Session,
        presented: Option<&str>,
    ) -> Result<bool, SessionError> {
        Store(session)
            .csrf_matches(presented)
            .await
            .map_err(session_failure)
    }

    /// The user a code step is for: the signed-in user (verified or not), else the user of
    /// the session's pending login (an expired one is removed), else none.
    pub async fn code_step_user(
        &self,
        session: &Session,
        state: &OtpState,
    ) -> Result<Option<UserId>, SessionError> {
        if let Some(u) = state.user() {
            return Ok(Some(u.clone()));
        }
        let store = Store(session);
        match store.pending().await.map_err(session_failure)? {
            Some(p) if !p.is_expired(self.engine().now()) => Ok(Some(p.user)),
            Some(_) => {
                store.remove(PENDING_KEY).await.map_err(session_failure)?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// Whether `state` (of `user`) owes a fresh verification before an enrolment or another
    /// sensitive change (docs/behaviour.md §7.6): `user` has a confirmed device and the
    /// session was not verified within `OTPKIT_REAUTH_MAX_AGE`. A user without a confirmed
    /// device (the first one) never does.
    pub async fn needs_fresh_verification(
        &self,
        state: &OtpState,
        user: &UserId,
    ) -> Result<bool, otpkit::Error> {
        if self.is_fresh(state) {
            return Ok(false);
        }
        self.engine().user_has_device(Some(user), Some(true)).await
    }

    /// Whether the session is verified, at most `OTPKIT_REAUTH_MAX_AGE` ago: the default
    /// [`step_up`](crate::step_up) rule, which otpkit's own pages apply before a change.
    pub fn is_fresh(&self, state: &OtpState) -> bool {
        crate::step_up().is_satisfied(self, state)
    }

    /// What otpkit's code step does after a device of `user` (persistent id `device`)
    /// evaluated a token and refused it for `reason`: runs the `verification_failed` hook
    /// and ends the sessions verified by the user's devices that are now locked out (where
    /// the kit has the session store's index; this session, if a locked device verified it,
    /// becomes unverified).
    pub async fn verification_failed(
        &self,
        session: &Session,
        state: &OtpState,
        user: &UserId,
        device: &str,
        reason: Rejection,
    ) -> Result<(), VerificationError> {
        self.hooks().verification_failed(user, device, reason);
        crate::your_sessions::end_for_locked(self, session, user, state.device())
            .await
            .map_err(|()| VerificationError::Session)
    }

    /// What otpkit's code step does once `device` of `user` accepted a token: consumes the
    /// pending login (single use), marks the user signed in
    /// ([`Authentication::login`](crate::Authentication::login)) if not yet, logs the device
    /// into the session (otpkit's `login()`, which rotates the session id), replaces the
    /// CSRF token, records `user_agent` for "Your sessions" and runs the
    /// `verification_succeeded` hook. Answers the new CSRF token, which the client needs for
    /// its next POST.
    pub async fn complete_verification(
        &self,
        session: &Session,
        user: &UserId,
        device: &Device,
        user_agent: Option<&str>,
    ) -> Result<String, VerificationError> {
        let store = Store(session);
        // Of two requests completing one pending login at once, the second is refused.
        if let Some(p) = store.pending().await?
            && !self.inner.claims.claim(&p, self.engine().now())
        {
            return Err(VerificationError::LoginExpired);
        }
        // Read afresh: the first factor of this very request may have changed the session.
        let current = self.auth().current_user(session).await?;
        if current.as_ref() != Some(user) {
            self.auth().login(session, user).await?;
        }
        let adapter = SessionAdapter::new(session.clone());
        match self.engine().login(&adapter, user, device).await {
            Ok(true) => {}
            Ok(false) => return Err(VerificationError::Refused),
            Err(e) => return Err(VerificationError::Login(e)),
        }
        let token = store.rotate_csrf().await?;
        crate::your_sessions::record_agent(session, user_agent)
            .await
            .map_err(|_| VerificationError::Session)?;
        self.hooks()
            .verification_succeeded(user, &device.persistent_id());
        Ok(token)
    }

    /// What otpkit's enrolment pages do once a browser confirmed a new device of `user`:
    /// the guided setup goes on. If the user has no backup codes yet, a batch is made and
    /// left (sealed, in the session) for the setup's "save your backup codes" page; the
    /// answer is where the browser goes next — that page, or the setup's "done" page.
    pub async fn enrolment_confirmed(
        &self,
        session: &Session,
        user: &UserId,
        device: &Device,
    ) -> Result<String, VerificationError> {
        use crate::pages::enrol::setup;
        let (next, make_codes) = setup::next_after_confirm(self, user)
            .await
            .map_err(|_| VerificationError::Session)?;
        setup::after_confirmed(self, session, user, device, make_codes)
            .await
            .map_err(|_| VerificationError::Session)?;
        Ok(next)
    }
}

/// Renders `template` (one of the kit's [`Templates`](crate::Templates), e.g. an override
/// a crate added) as a page of otpkit's: with the common context every otpkit template sees
/// (language, `t()`, the site's name, the URLs, the CSRF token, the level and user), the
/// title from the catalogue message `title_id`, and `extra`. A request outside the session
/// layer is answered 500, like otpkit's own pages.
pub async fn render_page(
    kit: &OtpKit,
    parts: &mut http::request::Parts,
    template: &str,
    title_id: &str,
    extra: serde_json::Value,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(page) = crate::pages::Page::of(kit, parts) else {
        return crate::pages::NoSession.into_response();
    };
    let title = page.t(title_id);
    let extra = minijinja::Value::from_serialize(&extra);
    page.render(http::StatusCode::OK, template, &title, extra)
        .await
}
