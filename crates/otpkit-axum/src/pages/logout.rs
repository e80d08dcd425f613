//! Logout (`/logout/`, docs/behaviour.md §3 `logout_otp`) and the session's state (`/session`,
//! §7.5).

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;

use super::context::Page;
use super::form::{Form, Query};
use super::login::complete::level_changed;
use super::refusal::PageError;
use crate::api::{LevelStatus, SessionInfo};
use crate::error::Code;
use crate::flash::Flash;
use crate::middleware::Level;
use crate::session::SessionAdapter;
use crate::web::{found, is_safe_next, secure};

/// `GET /logout/`: a confirmation form (logging out changes state, so it is a POST); a
/// session that is signed out already is told so, with the message a logout left.
pub(crate) async fn logout_get(page: Page, Query(q): Query) -> Result<Response, PageError> {
    let next = q.get("next").unwrap_or_default();
    let state = page.state().await;
    if state.is_unavailable() {
        return Err(PageError::Internal);
    }
    let flash = page.take_flash().await?.unwrap_or_default();
    let signed_out = state.level() == Level::Anonymous;
    // A stale logout form of a signed-out session has nothing left to do: no "expired".
    let error = flash.error.filter(|_| !signed_out);
    Ok(page
        .render(
            StatusCode::OK,
            "otpkit/logout.html",
            &page.t("common-sign-out"),
            context! {
                next => next,
                signed_out => signed_out,
                info => flash.info,
                error => error,
                code => flash.code,
            },
        )
        .await)
}

/// `POST /logout/`: forgets the device and logs the session out, then goes to `next`, or
/// to the login page, where "You have signed out." is shown.
#[utoipa::path(
    post,
    path = "/logout/",
    tag = "login",
    operation_id = "logout",
    description = "Signs out.",
    request_body(content(
        (crate::api::LogoutForm = "application/json"),
        (crate::api::LogoutForm = "application/x-www-form-urlencoded")
    )),
    responses((status = 200, description = "`logged_out`.", body = crate::api::LevelChanged))
)]
pub(crate) async fn logout_post(page: Page, Form(fields): Form) -> Result<Response, PageError> {
    let kit = &page.kit;
    let adapter = SessionAdapter::new(page.session.clone());
    if kit.engine().logout_otp(&adapter).await.is_err()
        || kit.auth().logout(&page.session).await.is_err()
    {
        return Err(PageError::Internal);
    }
    let next = fields.get("next").filter(|n| is_safe_next(n));
    if page.json {
        let to = page.next_or_default(next);
        return level_changed(&page, LevelStatus::LoggedOut, None, Some(to)).await;
    }
    let to = next.map_or_else(|| kit.url("/login/"), str::to_owned);
    // The message waits for the page it goes to, if that is one of otpkit's.
    if to.starts_with(&kit.web_settings().url_prefix) {
        let flash = Flash::to(&to).info(page.t("login-signed-out"));
        page.leave(&flash).await?;
    }
    Ok(secure(found(&to)))
}

/// `GET /session`: `{"state": …, "csrf_token": …}`; 503 `internal_error` in JSON whatever
/// the client accepts.
#[utoipa::path(
    get,
    path = "/session",
    tag = "session",
    operation_id = "session",
    description = "The session's level and CSRF token (JSON whatever the client accepts).",
    responses((status = 200, description = "The session.", body = crate::api::SessionInfo))
)]
pub(crate) async fn session(page: Page) -> Response {
    let unavailable = || secure(page.problem(Code::InternalError, "", 0).into_json());
    let state = page.state().await;
    if state.is_unavailable() {
        return unavailable();
    }
    let Ok(csrf) = page.store().csrf_token().await else {
        return unavailable();
    };
    let info = SessionInfo {
        csrf_token: csrf,
        state: state.level(),
    };
    secure(axum::Json(info).into_response())
}
