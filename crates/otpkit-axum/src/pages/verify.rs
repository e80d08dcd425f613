//! The code step on its own (`/verify/`): for a signed-in user, verified or not (to make the
//! session's verification fresh), and for a pending login that an application's own password
//! check started with [`OtpKit::begin_second_factor`](crate::OtpKit::begin_second_factor).

use axum::response::Response;
use otpkit::UserId;

use super::access;
use super::context::Page;
use super::form::{Form, Query};
use super::login::code::{code_step, confirmed_devices};
use super::login::pending_user;
use super::login::view::{Flow, View, answer, render};
use super::refusal::PageError;
use crate::error::Code;
use crate::web::{found, is_safe_next, secure};

/// The signed-in user, or the user of the session's pending login; anyone else goes to the
/// login page, back here afterwards.
async fn user_of(page: &Page, user: Option<&UserId>) -> Result<UserId, PageError> {
    if let Some(u) = user {
        return Ok(u.clone());
    }
    pending_user(page).await?.ok_or_else(|| PageError::SignIn {
        login_url: page.kit.web_settings().login_url(),
        next: page.path.clone(),
    })
}

/// `GET /verify/`: the code step, or "no device" for a user without one.
#[utoipa::path(
    get,
    path = "/verify/",
    tag = "login",
    operation_id = "verify_page",
    description = "The code step of a signed-in user (verified or not) or of a pending login.",
    params(crate::api::LoginQuery),
    responses(
        (status = 200, description = "The code step (`token`), or `no_device`.", body = crate::api::LoginStep),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
    )
)]
pub(crate) async fn verify_get(page: Page, Query(q): Query) -> Result<Response, PageError> {
    let next = q.get("next").unwrap_or_default();
    let state = page.state().await;
    if state.is_unavailable() {
        return Err(PageError::Internal);
    }
    let flash = page.take_flash().await?;
    let user = user_of(&page, state.user()).await?;
    // The second click of a double submission, after the first verified the session.
    if page.came_back(flash.as_ref()) && access::is_fresh(&page, &state) && is_safe_next(next) {
        return Ok(secure(found(next)));
    }
    let mut devices = confirmed_devices(&page, &user).await?;
    // A step-up that asks for some kinds (`kinds=a,b`): only their devices are offered.
    if let Some(kinds) = q.get("kinds").filter(|k| !k.is_empty()) {
        devices.retain(|d| {
            kinds
                .split(',')
                .any(|k| d.model_label().eq_ignore_ascii_case(k.trim()))
        });
    }
    let step = if devices.is_empty() {
        "no_device"
    } else {
        "token"
    };
    let v = View {
        flash,
        selected: q.get("device").map(str::to_owned),
        ..View::of(Flow::Verify, step, next, &devices, None)
    };
    Ok(render(&page, v).await)
}

/// `POST /verify/`: the code step (a username or password in the form is ignored).
#[utoipa::path(
    post,
    path = "/verify/",
    tag = "login",
    operation_id = "verify",
    description = "The code step: verifies the session (again).",
    request_body(content(
        (crate::api::VerifyForm = "application/json"),
        (crate::api::VerifyForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "`verified`.", body = crate::api::LevelChanged),
        super::login::code::CodeStepAnswers,
    )
)]
pub(crate) async fn verify_post(page: Page, Form(fields): Form) -> Result<Response, PageError> {
    let next = fields.get("next").unwrap_or("");
    let state = page.state().await;
    if state.is_unavailable() {
        return Err(PageError::Internal);
    }
    let user = user_of(&page, state.user()).await?;
    let devices = confirmed_devices(&page, &user).await?;
    if devices.is_empty() {
        let p = page.problem(Code::NoDevice, "", 0);
        let v = View::of(Flow::Verify, "no_device", next, &[], Some(p));
        return answer(&page, v, None).await;
    }
    code_step(&page, Flow::Verify, &user, &devices, &fields, next).await
}
