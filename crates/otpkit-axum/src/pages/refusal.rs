//! [`PageError`]: why a page refused a request, the one error type of otpkit's handlers.
//!
//! Handlers and the helpers they call return `Result<Response, PageError>` and refuse with
//! `?`. A refusal renders itself, as axum's rejections do, in the answer of today's pages:
//! JSON `{"error", "message", …}` or the HTML message page, a redirect to the login or
//! verification page, or a flash and `303 See Other` for a refused form. Some of these read
//! or write the session (the message page shows the session's level and CSRF token), which
//! `IntoResponse` cannot wait for: so `into_response` hands the refusal on in the response's
//! extensions, and the routes' layer ([`answer`]) renders it with the request's [`Page`].

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use super::context::{NoSession, Page};
use crate::error::{Code, Problem};
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::session::SessionFailure;
use crate::web::{found, redirect_url, secure, see_other};

/// Why a page refused a request.
#[derive(Debug, Clone)]
pub(crate) enum PageError {
    /// A storage, session or crypto failure: 503 `internal_error` (fail closed).
    Internal,
    /// A refusal with the message of its code and no argument (404 `not_found`, …).
    Code(Code),
    /// A refusal with its problem (an argument, `retry_after`, extra fields). Boxed: a
    /// `Result<_, PageError>` stays small whatever the size of `serde_json::Map` (which a
    /// dependency's `preserve_order` feature turns into an `IndexMap`).
    Problem(Box<Problem>),
    /// The page needs a signed-in user: 302 to `login_url?next=…` (HTML) or 401
    /// `otp_required` with `login_url` (JSON).
    SignIn {
        /// The login page.
        login_url: String,
        /// Where to come back to.
        next: String,
    },
    /// A sensitive action needs a fresh verification: 302 to `/verify/?next=…` (HTML) or 403
    /// `reauth_required` (JSON).
    Reauth {
        /// Where to come back to.
        next: String,
    },
    /// A refused form: the problem in JSON, or a 303 to `page` showing it once
    /// (Post/Redirect/Get).
    Refused {
        /// The page (path and query) that shows the problem.
        page: String,
        /// What went wrong.
        problem: Box<Problem>,
    },
    /// A body refused before the handler uses the session (too large, malformed, wrong CSRF
    /// token): answered without creating or changing any session state.
    Stateless(Code),
    /// An HTML form with a missing or wrong CSRF token (a stale page: a refresh after
    /// logout, a second tab, Back): `303 See Other` to `page`, the form's page, which shows
    /// the form again with a fresh token and "This page expired". Like
    /// [`PageError::Stateless`], it reads and writes no session state; JSON clients get 403
    /// `csrf_failed` instead.
    Expired {
        /// The page (path and query, with the `expired` marker) that shows the form again.
        page: String,
    },
    /// No session layer around otpkit's routes: 500.
    NoSession,
}

impl From<SessionFailure> for PageError {
    fn from(_: SessionFailure) -> Self {
        PageError::Internal
    }
}

impl From<NoSession> for PageError {
    fn from(_: NoSession) -> Self {
        PageError::NoSession
    }
}

/// `.or_internal()?`: a failure whose cause the answer does not tell (storage, crypto,
/// session) refuses with 503 `internal_error`.
pub(crate) trait OrInternal<T> {
    /// `Err(_)` becomes [`PageError::Internal`].
    fn or_internal(self) -> Result<T, PageError>;
}

impl<T, E> OrInternal<T> for Result<T, E> {
    fn or_internal(self) -> Result<T, PageError> {
        self.map_err(|_| PageError::Internal)
    }
}

impl IntoResponse for PageError {
    /// A placeholder carrying the refusal, which [`answer`] renders; a bare 500 should it
    /// ever leave otpkit's routes unanswered.
    fn into_response(self) -> Response {
        let mut resp = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        resp.extensions_mut().insert(self);
        resp
    }
}

impl PageError {
    /// The answer to this refusal, for the request of `page`.
    pub(crate) async fn render(self, page: &Page) -> Response {
        match self {
            PageError::Internal => page.message(page.problem(Code::InternalError, "", 0)).await,
            PageError::Code(code) => page.message(page.problem(code, "", 0)).await,
            PageError::Problem(p) => page.message(*p).await,
            PageError::SignIn { login_url, next } => {
                let url = redirect_url(&login_url, "next", &next);
                if page.json {
                    let mut p = page.problem(Code::OtpRequired, "", 0);
                    p.extra.insert("login_url".into(), url.into());
                    return secure(p.into_json());
                }
                secure(found(&url))
            }
            PageError::Reauth { next } => {
                if page.json {
                    return page
                        .message(page.problem(Code::ReauthRequired, "", 0))
                        .await;
                }
                secure(found(&redirect_url(
                    &page.kit.url("/verify/"),
                    "next",
                    &next,
                )))
            }
            PageError::Refused { page: to, problem } => {
                if page.json {
                    return page.message(*problem).await;
                }
                match page.see_other(&to, Flash::problem(&to, &problem)).await {
                    Ok(resp) => resp,
                    Err(SessionFailure) => {
                        page.message(page.problem(Code::InternalError, "", 0)).await
                    }
                }
            }
            PageError::Stateless(code) => page.stateless(code),
            PageError::Expired { page: to } => {
                if page.json {
                    return page.stateless(Code::CsrfFailed);
                }
                secure(see_other(&to))
            }
            PageError::NoSession => NoSession.into_response(),
        }
    }
}

/// The routes' layer that answers refusals: it gives the request its [`Page`] before the
/// handler runs, and renders a [`PageError`] the handler (or an extractor) answered with.
pub(crate) async fn answer(State(kit): State<OtpKit>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let page = Page::of(&kit, &mut parts);
    let mut resp = next.run(Request::from_parts(parts, body)).await;
    let Some(refusal) = resp.extensions_mut().remove::<PageError>() else {
        return resp;
    };
    match page {
        Some(page) => refusal.render(&page).await,
        // Without a session no handler ran: only the page extractor's refusal gets here.
        None => NoSession.into_response(),
    }
}
