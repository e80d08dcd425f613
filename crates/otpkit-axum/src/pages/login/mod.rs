//! Login (`/login/`) and the admin login (`/admin/login/`): the password step, then the
//! code step, from one form or two.
//!
//! [`view`] is what a login page shows and how a POST answers, [`method`] the methods the
//! code step offers (which one first, and the others), [`password`] the first factor,
//! [`code`] the code step (shared with `/verify/`), and [`complete`] the end of a login,
//! where the session becomes verified (shared with enrolment). Cancel, which ends a pending
//! login, is here.

pub(crate) mod code;
pub(crate) mod complete;
pub(crate) mod method;
mod password;
pub(crate) mod view;

use axum::response::Response;
use otpkit::UserId;
use otpkit::session::PENDING_KEY;

use super::context::Page;
use super::form::{Fields, Form, Query};
use super::refusal::PageError;
use crate::api::LevelStatus;
use crate::error::Code;
use crate::session::SessionAdapter;
use crate::web::{found, is_safe_next, secure};
use code::{code_step, confirmed_devices};
use complete::level_changed;
use view::{Flow, View, answer, render};

/// `GET /login/`.
#[utoipa::path(
    get,
    path = "/login/",
    tag = "login",
    operation_id = "login_page",
    description = "The login page: the password step, or the code step of a pending login or a signed-in, unverified user.",
    params(crate::api::LoginQuery),
    responses(
        (status = 200, description = "The step the session is at.", body = crate::api::LoginStep),
        (status = 401, description = "`login_expired`: the pending login expired.", body = crate::api::Refusal),
        (status = 403, description = "`no_device`: signed in, without a confirmed device.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn login_get(page: Page, Query(q): Query) -> Result<Response, PageError> {
    show(&page, Flow::Login, &q).await
}

/// `POST /login/`.
#[utoipa::path(
    post,
    path = "/login/",
    tag = "login",
    operation_id = "login",
    description = "The password step, the code step, or both in one request; `cancel` ends a pending login.",
    request_body(content(
        (crate::api::LoginForm = "application/json"),
        (crate::api::LoginForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Done: `verified`, `authenticated` (no device, `OTPKIT_LOGIN_OTP_OPTIONAL`) or `cancelled`.", body = crate::api::LevelChanged),
        code::CodeStepAnswers,
    )
)]
pub(crate) async fn login_post(page: Page, Form(f): Form) -> Result<Response, PageError> {
    submit(&page, Flow::Login, &f).await
}

/// `GET /admin/login/`.
#[utoipa::path(
    get,
    path = "/admin/login/",
    tag = "login",
    operation_id = "admin_login_page",
    description = "The admin area's login page (as `/login/`).",
    params(crate::api::LoginQuery),
    responses(
        (status = 200, description = "The step the session is at.", body = crate::api::LoginStep),
        (status = 401, description = "`login_expired`: the pending login expired.", body = crate::api::Refusal),
        (status = 403, description = "`no_device`: signed in, without a confirmed device.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn admin_login_get(page: Page, Query(q): Query) -> Result<Response, PageError> {
    show(&page, Flow::Admin, &q).await
}

/// `POST /admin/login/`.
#[utoipa::path(
    post,
    path = "/admin/login/",
    tag = "login",
    operation_id = "admin_login",
    description = "The admin area's login (as `/login/`).",
    request_body(content(
        (crate::api::LoginForm = "application/json"),
        (crate::api::LoginForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Done: `verified`, `authenticated` (no device, `OTPKIT_LOGIN_OTP_OPTIONAL`) or `cancelled`.", body = crate::api::LevelChanged),
        code::CodeStepAnswers,
    )
)]
pub(crate) async fn admin_login_post(page: Page, Form(f): Form) -> Result<Response, PageError> {
    submit(&page, Flow::Admin, &f).await
}

/// The page a GET shows: the code step for a signed-in, unverified user or a pending login,
/// else the password step. `device` in the query chooses the method the code step shows.
///
/// A verified session that comes back from one of this page's own forms with nothing to
/// show (the second click of a double submission, whose session the first one replaced)
/// goes on to `next`: it is signed in already (see [`Page::came_back`]).
async fn show(page: &Page, flow: Flow, q: &Fields) -> Result<Response, PageError> {
    let next = q.get("next").unwrap_or_default();
    let state = page.state().await;
    if state.is_unavailable() {
        return Err(PageError::Internal);
    }
    let flash = page.take_flash().await?;
    if state.is_verified() && page.came_back(flash.as_ref()) && is_safe_next(next) {
        return Ok(secure(found(next)));
    }
    let show = |step, devices, problem| View {
        flash: flash.clone(),
        selected: q.get("device").map(str::to_owned),
        ..View::of(flow, step, next, devices, problem)
    };
    if let (Some(user), false) = (state.user(), state.is_verified()) {
        let devices = confirmed_devices(page, user).await?;
        if devices.is_empty() {
            let p = page.problem(Code::NoDevice, "", 0);
            return Ok(render(page, show("no_device", &[], Some(p))).await);
        }
        return Ok(render(page, show("token", &devices, None)).await);
    }
    if state.user().is_none() {
        match page.store().pending().await? {
            Some(p) if p.is_expired(page.kit.engine().now()) => {
                page.store().remove(PENDING_KEY).await?;
                let prob = page.problem(Code::LoginExpired, "", 0);
                return Ok(render(page, show("credentials", &[], Some(prob))).await);
            }
            Some(p) => {
                let devices = confirmed_devices(page, &p.user).await?;
                return Ok(render(page, show("token", &devices, None)).await);
            }
            None => {}
        }
    }
    Ok(render(page, show("credentials", &[], None)).await)
}

/// A POST: the password step when the form carries a username or password, else the code
/// step of the signed-in user or the pending login.
async fn submit(page: &Page, flow: Flow, fields: &Fields) -> Result<Response, PageError> {
    let next = fields.get("next").unwrap_or("");
    let state = page.state().await;
    if state.is_unavailable() {
        return Err(PageError::Internal);
    }
    if fields.get("cancel").is_some() {
        return cancel(page, flow, next).await;
    }
    if fields.get("username").is_some() || fields.get("password").is_some() {
        return password::first_factor(page, flow, fields, next).await;
    }
    let user = match state.user() {
        Some(u) => u.clone(),
        None => match pending_user(page).await? {
            Some(u) => u,
            None => {
                let prob = page.problem(Code::LoginExpired, "", 0);
                let v = View::of(flow, "credentials", next, &[], Some(prob));
                return answer(page, v, None).await;
            }
        },
    };
    let devices = confirmed_devices(page, &user).await?;
    if devices.is_empty() {
        let p = page.problem(Code::NoDevice, "", 0);
        return answer(page, View::of(flow, "no_device", next, &[], Some(p)), None).await;
    }
    code_step(page, flow, &user, &devices, fields, next).await
}

/// The user of the session's pending login; an expired one is removed (and none).
pub(crate) async fn pending_user(page: &Page) -> Result<Option<UserId>, PageError> {
    match page.store().pending().await? {
        Some(p) if !p.is_expired(page.kit.engine().now()) => Ok(Some(p.user)),
        Some(_) => {
            page.store().remove(PENDING_KEY).await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// "Cancel" on the code step: the pending login ends (a signed-in, unverified user is signed
/// out), and the password step is shown again.
async fn cancel(page: &Page, flow: Flow, next: &str) -> Result<Response, PageError> {
    let kit = &page.kit;
    let adapter = SessionAdapter::new(page.session.clone());
    if kit.engine().logout_otp(&adapter).await.is_err()
        || kit.auth().logout(&page.session).await.is_err()
    {
        return Err(PageError::Internal);
    }
    page.store().remove(PENDING_KEY).await?;
    if page.json {
        return level_changed(page, LevelStatus::Cancelled, None, None).await;
    }
    let info = page.t("login-cancelled");
    let v = View {
        info: Some(info),
        ..View::of(flow, "credentials", next, &[], None)
    };
    answer(page, v, None).await
}
