//! Email enrolment (`/devices/email/new/`): start with an address, resend, confirm with the
//! code. HTML answers are a 303 to the page with the outcome as a flash (Post/Redirect/Get:
//! a refresh never sends another email). On a site that cannot send email
//! ([`otpkit::Engine::sends_email`] false) both refuse with 404 `kind_unavailable` before
//! anything else: nothing is created, nothing sent.

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::engine::ChallengeOptions;
use otpkit::{Device, Error as OtpError, UserId};

use super::{
    Confirmation, abandon, clear_enrolments, confirm, current_enrolment, replace_pending,
    start_enrolment,
};
use crate::api::{ChallengeSentStatus, EmailStarted, NotStarted, NotStartedStatus};
use crate::error::{Code, Problem};
use crate::flash::Flash;
use crate::pages::access::fresh_user;
use crate::pages::context::Page;
use crate::pages::form::Form;
use crate::pages::outcome::{Step, map_challenge};
use crate::pages::refusal::{OrInternal, PageError};
use crate::web::secure;

/// The model label of email devices.
const EMAIL: &str = "otp_email.emaildevice";

/// What an email enrolment page shows: the device (if started), a problem, a message.
struct Outcome<'a> {
    device: Option<&'a Device>,
    error: Option<Problem>,
    info: Option<String>,
}

impl<'a> Outcome<'a> {
    fn problem(device: Option<&'a Device>, p: Problem) -> Self {
        Outcome {
            device,
            error: Some(p),
            info: None,
        }
    }
}

/// The answer of an email enrolment POST: JSON in the response; HTML as a 303 to the
/// enrolment page with the outcome as a flash.
async fn email_answer(page: &Page, user: &UserId, o: Outcome<'_>) -> Result<Response, PageError> {
    if page.json {
        return Ok(render_email(page, user, o, None).await);
    }
    let to = page.kit.url("/devices/email/new/");
    Ok(page
        .see_other(&to, Flash::outcome(&to, o.error.as_ref(), o.info))
        .await?)
}

async fn render_email(
    page: &Page,
    user: &UserId,
    o: Outcome<'_>,
    flash: Option<&Flash>,
) -> Response {
    if page.json {
        if let Some(p) = o.error {
            return secure(p.into_json());
        }
        let Some(d) = o.device else {
            let body = NotStarted {
                status: NotStartedStatus::NotStarted,
            };
            return secure(axum::Json(body).into_response());
        };
        let body = EmailStarted {
            device: d.persistent_id(),
            message: o.info,
            status: ChallengeSentStatus::ChallengeSent,
        };
        return secure((StatusCode::ACCEPTED, axum::Json(body)).into_response());
    }
    let default_email = page
        .kit
        .engine()
        .users()
        .lookup(user)
        .await
        .and_then(|i| i.email)
        .unwrap_or_default();
    page.render(
        StatusCode::OK,
        "otpkit/email_new.html",
        &page.t("setup-email-title"),
        context! {
            started => o.device.is_some(),
            email => default_email,
            error => o.error.map(|p| p.message).or_else(|| flash.and_then(|f| f.error.clone())),
            info => o.info.or_else(|| flash.and_then(|f| f.info.clone())),
            step => 2,
        },
    )
    .await
}

/// Refuses with `kind_unavailable` on a site that cannot send email: its enrolment could
/// never deliver the code that confirms it.
fn offered(page: &Page) -> Result<(), PageError> {
    if page.kit.engine().sends_email() {
        Ok(())
    } else {
        Err(PageError::Code(Code::KindUnavailable))
    }
}

/// `GET /devices/email/new/`.
#[utoipa::path(
    get,
    path = "/devices/email/new/",
    tag = "enrolment",
    operation_id = "email_enrolment",
    description = "This session's email enrolment.",
    responses(
        (status = 200, description = "Not started.", body = crate::api::NotStarted),
        (status = 202, description = "In progress: a code was sent.", body = crate::api::EmailStarted),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`kind_unavailable`: this site cannot send email, so it offers no email codes.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn email_get(page: Page) -> Result<Response, PageError> {
    offered(&page)?;
    let here = page.kit.url("/devices/email/new/");
    let user = fresh_user(&page, &here).await?;
    let device = current_enrolment(&page, &user, EMAIL).await?;
    let flash = page.take_flash().await?;
    let o = Outcome {
        device: device.as_ref(),
        error: None,
        info: None,
    };
    Ok(render_email(&page, &user, o, flash.as_ref()).await)
}

/// Sends the enrolment's code. `first`: the challenge of a new enrolment, which on success
/// replaces the user's other pending email enrolments and on failure leaves no device behind
/// (a failed resend keeps its enrolment).
async fn send_code(
    page: &Page,
    user: &UserId,
    device: &Device,
    first: bool,
) -> Result<Response, PageError> {
    let binding = page.store().binding().await?;
    match challenge(page, user, device, binding).await {
        Ok(Step::Challenge(p, _)) => {
            // Only a code that went out makes this the session's enrolment and replaces the
            // others: a refused second start (a double click inside the cooldown) leaves the
            // first one, whose code is on its way, usable.
            if first {
                clear_enrolments(page, user).await.or_internal()?;
                start_enrolment(page, device).await?;
                replace_pending(page, user, device).await?;
            }
            let o = Outcome {
                device: Some(device),
                error: None,
                info: Some(p.message),
            };
            email_answer(page, user, o).await
        }
        Ok(Step::Failed(p)) if first => {
            abandon(page, device).await?;
            email_answer(page, user, Outcome::problem(None, p)).await
        }
        Ok(Step::Failed(p)) => email_answer(page, user, Outcome::problem(Some(device), p)).await,
        Ok(Step::Verified(_)) | Err(_) => {
            if first {
                abandon(page, device).await?;
            }
            Err(PageError::Internal)
        }
    }
}

/// Generates the enrolment's challenge, bound to this session by `binding`.
async fn challenge(
    page: &Page,
    user: &UserId,
    device: &Device,
    binding: Vec<u8>,
) -> Result<Step, PageError> {
    let opts = ChallengeOptions {
        binding: Some(binding),
        for_enrolment: true,
        extra_context: Some(page.code_email()),
    };
    let pid = device.persistent_id();
    let res = page
        .kit
        .engine()
        .generate_challenge(user, &pid, &opts)
        .await;
    map_challenge(page, &pid, res)
}

/// `POST /devices/email/new/`: start with an address (`email`), resend (`resend`), or
/// confirm with the code (`otp_token`).
#[utoipa::path(
    post,
    path = "/devices/email/new/",
    tag = "enrolment",
    operation_id = "email_enrol",
    description = "Starts an email enrolment (`email`), sends the code again (`resend`), or confirms it with the code (`otp_token`), which verifies the session.",
    request_body(content(
        (crate::api::EmailForm = "application/json"),
        (crate::api::EmailForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Confirmed: `verified`.", body = crate::api::LevelChanged),
        (status = 202, description = "A code was sent.", body = crate::api::EmailStarted),
        (status = 400, description = "`bad_request` (an address that cannot be used), `token_required`, `not_interactive`.", body = crate::api::Refusal),
        (status = 401, description = "`login_expired` (no enrolment in progress), `invalid_token`, `otp_required`.", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`, `device_locked`, `verification_not_allowed`, `csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`kind_unavailable`: this site cannot send email, so it offers no email codes.", body = crate::api::Refusal),
        (status = 429, description = "`challenge_cooldown`, `n_failed_attempts` (`Retry-After`).", body = crate::api::Refusal),
        (status = 502, description = "`challenge_exception`: the email could not be sent.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn email_post(page: Page, Form(fields): Form) -> Result<Response, PageError> {
    offered(&page)?;
    let here = page.kit.url("/devices/email/new/");
    let user = fresh_user(&page, &here).await?;
    if fields.get("otp_token").is_some() || fields.get("resend").is_some() {
        let Some(device) = current_enrolment(&page, &user, EMAIL).await? else {
            let p = page.problem(Code::LoginExpired, "", 0);
            return email_answer(&page, &user, Outcome::problem(None, p)).await;
        };
        if fields.get("resend").is_some() {
            return send_code(&page, &user, &device, false).await;
        }
        let token = fields.get("otp_token").unwrap_or("");
        if token.trim().is_empty() {
            let p = page.problem(Code::TokenRequired, "", 0);
            return email_answer(&page, &user, Outcome::problem(Some(&device), p)).await;
        }
        return match confirm(&page, &user, &device, token).await? {
            Confirmation::Done(resp) => Ok(resp),
            Confirmation::Refused(p) => {
                email_answer(&page, &user, Outcome::problem(Some(&device), p)).await
            }
        };
    }
    let email = fields.non_empty("email").map(|e| e.trim().to_owned());
    let device = match page
        .kit
        .engine()
        .create_email(&user, None, email, false)
        .await
    {
        Ok(d) => d,
        Err(OtpError::InvalidOption { .. } | OtpError::InvalidName(_)) => {
            let p = page.problem(Code::BadRequest, "", 0);
            return email_answer(&page, &user, Outcome::problem(None, p)).await;
        }
        Err(_) => return Err(PageError::Internal),
    };
    send_code(&page, &user, &device, true).await
}
