//! Login (`/login/`) and the admin login (`/admin/login/`): the password step, then the
//! code step, from one form or two.
//!
//! [`view`] is what a login page shows and how a POST answers, [`password`] the first
//! factor, [`code`] the code step (shared with `/verify/`), and [`complete`] the end of a
//! login, where the session becomes verified (shared with enrolment).

pub(crate) mod code;
pub(crate) mod complete;
mod password;
pub(crate) mod view;

use axum::response::Response;
use otpkit::UserId;
use otpkit::session::PENDING_KEY;

use super::context::Page;
use super::form::{Fields, Form, Query};
use super::refusal::PageError;
use crate::error::Code;
use code::{code_step, confirmed_devices};
use view::{Flow, View, answer, render};

/// `GET /login/`.
pub(crate) async fn login_get(page: Page, Query(q): Query) -> Result<Response, PageError> {
    show(&page, Flow::Login, q.get("next").unwrap_or_default()).await
}

/// `POST /login/`.
pub(crate) async fn login_post(page: Page, Form(f): Form) -> Result<Response, PageError> {
    submit(&page, Flow::Login, &f).await
}

/// `GET /admin/login/`.
pub(crate) async fn admin_login_get(page: Page, Query(q): Query) -> Result<Response, PageError> {
    show(&page, Flow::Admin, q.get("next").unwrap_or_default()).await
}

/// `POST /admin/login/`.
pub(crate) async fn admin_login_post(page: Page, Form(f): Form) -> Result<Response, PageError> {
    submit(&page, Flow::Admin, &f).await
}

/// The page a GET shows: the code step for a signed-in, unverified user or a pending login,
/// else the password step.
async fn show(page: &Page, flow: Flow, next: &str) -> Result<Response, PageError> {
    let state = page.state().await;
    if state.is_unavailable() {
        return Err(PageError::Internal);
    }
    let flash = page.take_flash().await?;
    let show = |step, devices, problem| View {
        flash: flash.clone(),
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
async fn pending_user(page: &Page) -> Result<Option<UserId>, PageError> {
    match page.store().pending().await? {
        Some(p) if !p.is_expired(page.kit.engine().now()) => Ok(Some(p.user)),
        Some(_) => {
            page.store().remove(PENDING_KEY).await?;
            Ok(None)
        }
        None => Ok(None),
    }
}
