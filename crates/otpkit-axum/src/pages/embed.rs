//! The code step inside an application's own page, like django-otp's `OTPTokenForm`:
//! the [`CodeStep`] extractor renders the code step's forms (`otpkit/code_step_form.html`,
//! the same partial the login and verify pages include) for the application to put into its
//! own page. The forms post to otpkit's `/verify/`, which goes back to the application's
//! page when the code is right.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use minijinja::context;
use otpkit::UserId;

use super::context::Page;
use super::login::code::confirmed_devices;
use super::login::pending_user;
use super::login::view::{Flow, View, code_step_context};
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::web::{found, path_and_query, redirect_url, secure};

/// The code step of the request's session, rendered for the application's own page.
///
/// Extracting it needs [`OtpLayer`](crate::OtpLayer) and the session layer. It is there for
/// a session that owes the code — a pending login started by
/// [`OtpKit::begin_second_factor`] or a signed-in user, verified or not (a re-verification).
/// Otherwise the request is answered: an anonymous one with a 302 to `OTP_LOGIN_URL`
/// (`?next=` this page), a user without a confirmed device with a 302 to otpkit's
/// `/verify/` (which says so and links to the setup), a storage failure with 503.
///
/// [`CodeStep::html`] is the forms' HTML (escaped, with the session's CSRF token and `next`
/// set to this page's path): put it into your template unescaped (minijinja:
/// `{{ code_step|safe }}`). The forms post to `{prefix}/verify/`: a right code verifies the
/// session and goes back to this page; a wrong one shows otpkit's verify page with the
/// error. The page needs otpkit's stylesheet and script only for looks and enhancement.
///
/// ```
/// use axum::response::Html;
/// use otpkit_axum::CodeStep;
///
/// async fn confirm_page(step: CodeStep) -> Html<String> {
///     Html(format!(
///         "<!doctype html><title>Confirm</title><h1>One more step, {}</h1>{}",
///         step.user(),
///         step.html()
///     ))
/// }
/// ```
#[derive(Debug, Clone)]
pub struct CodeStep {
    user: UserId,
    action: String,
    csrf_token: String,
    html: String,
}

impl CodeStep {
    /// The user who owes the code.
    pub fn user(&self) -> &UserId {
        &self.user
    }

    /// Where the forms post: `{prefix}/verify/`.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The session's CSRF token (the forms carry it already).
    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }

    /// The rendered forms of `otpkit/code_step_form.html`, to be put into the page as is.
    pub fn html(&self) -> &str {
        &self.html
    }
}

fn unavailable() -> Response {
    secure((StatusCode::SERVICE_UNAVAILABLE, "internal error").into_response())
}

impl<S: Send + Sync> FromRequestParts<S> for CodeStep {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        let Some(kit) = parts.extensions.get::<OtpKit>().cloned() else {
            tracing::error!(target: "otpkit_axum", "CodeStep used without OtpLayer");
            return Err(unavailable());
        };
        let next = path_and_query(parts);
        let Some(page) = Page::of(&kit, parts) else {
            return Err(unavailable());
        };
        let state = page.state().await;
        if state.is_unavailable() {
            return Err(unavailable());
        }
        let user = match state.user() {
            Some(u) => u.clone(),
            None => match pending_user(&page).await {
                Ok(Some(u)) => u,
                Ok(None) => {
                    let login = kit.web_settings().login_url();
                    return Err(secure(found(&redirect_url(&login, "next", &next))));
                }
                Err(_) => return Err(unavailable()),
            },
        };
        let devices = confirmed_devices(&page, &user)
            .await
            .map_err(|_| unavailable())?;
        let action = kit.url("/verify/");
        if devices.is_empty() {
            return Err(secure(found(&redirect_url(&action, "next", &next))));
        }
        let csrf_token = page.store().csrf_token().await.map_err(|_| unavailable())?;
        let view = View::of(Flow::Verify, "token", &next, &devices, None);
        let step = code_step_context(&page, &view, &Flash::default());
        let own = context! {
            action => action.clone(),
            next => next.clone(),
            csrf_token => csrf_token.clone(),
        };
        let ctx = minijinja::value::merge_maps([own, step, page.common()]);
        let html = kit
            .templates()
            .render("otpkit/code_step_form.html", ctx)
            .map_err(|e| {
                tracing::error!(target: "otpkit_axum", error = %e, "template failed");
                unavailable()
            })?;
        Ok(CodeStep {
            user,
            action,
            csrf_token,
            html,
        })
    }
}
