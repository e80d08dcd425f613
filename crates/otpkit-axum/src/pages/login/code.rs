//! The code step of a login, an admin login or a re-verification (docs/behaviour.md §7.3 step 2,
//! with the precedence of django-otp 1.7.5): a challenge for an interactive device, or a code tried
//! against the chosen device or the user's passive devices.

use axum::response::Response;
use otpkit::engine::{ChallengeOptions, MatchOptions, VerifyOptions};
use otpkit::{Device, PersistentId, UserId};

use super::complete::complete;
use super::method;
use super::view::{Flow, View, answer, match_first};
use crate::error::Code;
use crate::pages::context::Page;
use crate::pages::form::Fields;
use crate::pages::outcome::{Step, map_challenge, map_match, map_verify};
use crate::pages::refusal::PageError;
use crate::web::secure;

/// What a code step `POST` answers besides its success — `/login/`, `/admin/login/` and
/// `/verify/` alike — as one list for the OpenAPI document (`responses(…, CodeStepAnswers)`).
#[derive(utoipa::IntoResponses)]
#[allow(
    dead_code,
    reason = "describes answers for the OpenAPI document; never built"
)]
pub(crate) enum CodeStepAnswers {
    #[response(
        status = 202,
        description = "`otp_challenge`: a code was sent to the device."
    )]
    Sent(crate::api::ChallengeSent),
    #[response(
        status = 400,
        description = "`token_required` (with `devices`: the code step), `device_required`, `not_interactive`, `bad_request`."
    )]
    BadRequest(crate::api::Refusal),
    #[response(
        status = 401,
        description = "`invalid_login`, `invalid_token`, `login_expired`, `otp_required`."
    )]
    Unauthorized(crate::api::Refusal),
    #[response(
        status = 403,
        description = "`no_device`, `device_locked`, `verification_not_allowed`, `csrf_failed`."
    )]
    Forbidden(crate::api::Refusal),
    #[response(
        status = 404,
        description = "`kind_unavailable`: a code was asked for an email device and this site cannot send email."
    )]
    KindUnavailable(crate::api::Refusal),
    #[response(
        status = 429,
        description = "`n_failed_attempts`, `challenge_cooldown` (`Retry-After`)."
    )]
    Throttled(crate::api::Refusal),
    #[response(
        status = 502,
        description = "`challenge_exception`: the code could not be sent."
    )]
    NotSent(crate::api::Refusal),
}

/// The user's confirmed devices.
pub(crate) async fn confirmed_devices(
    page: &Page,
    user: &UserId,
) -> Result<Vec<Device>, PageError> {
    match page
        .kit
        .engine()
        .devices_for_user(Some(user), Some(true))
        .await
    {
        Ok(d) => Ok(d),
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "device listing failed");
            Err(PageError::Internal)
        }
    }
}

/// The device a form chose, among the user's confirmed devices.
fn chosen<'a>(devices: &'a [Device], fields: &Fields) -> Option<&'a Device> {
    let raw = fields.non_empty("otp_device")?;
    let pid = PersistentId::parse(raw.trim())?.to_string();
    devices.iter().find(|d| d.persistent_id() == pid)
}

/// One code-step attempt.
async fn try_code(
    page: &Page,
    user: &UserId,
    devices: &[Device],
    fields: &Fields,
) -> Result<Step, PageError> {
    let engine = page.kit.engine();
    let chosen = chosen(devices, fields);
    let binding = page.store().binding().await?;
    if fields.non_empty("otp_challenge").is_some() {
        let Some(d) = chosen.filter(|d| d.is_interactive()) else {
            return Ok(Step::Failed(page.problem(Code::NotInteractive, "", 0)));
        };
        if !method::usable(d, engine.sends_email()) {
            return Ok(Step::Failed(page.problem(Code::KindUnavailable, "", 0)));
        }
        let opts = ChallengeOptions {
            binding: Some(binding),
            extra_context: Some(page.code_email()),
            ..ChallengeOptions::default()
        };
        let pid = d.persistent_id();
        let res = engine.generate_challenge(user, &pid, &opts).await;
        return map_challenge(page, &pid, res);
    }
    let Some(token) = fields.non_empty("otp_token") else {
        return Ok(Step::Failed(page.problem(Code::TokenRequired, "", 0)));
    };
    // A JSON client that names a device verifies against that device (it knows what it
    // chose). In the HTML form, where otpkit pre-selects a device for the user, the code is
    // tried against every confirmed passive device and the one selected (an email device
    // after its challenge), the selected one first: the choice is a hint ("use another
    // method"), never a trap. A code without a device is matched the same way (docs/behaviour.md
    // §7.3).
    if let Some(device) = chosen.filter(|_| page.json) {
        let pid = device.persistent_id();
        let opts = VerifyOptions {
            binding: Some(binding),
        };
        let res = engine
            .verify_token_detailed(Some(user), &pid, token, &opts)
            .await;
        return map_verify(page, user, &pid, res).await;
    }
    let hinted = chosen.or_else(|| match_first(devices));
    let opts = MatchOptions {
        passive_only: true,
        first: hinted.map(Device::id),
        binding: Some(binding),
    };
    let res = engine.match_token_detailed(Some(user), token, &opts).await;
    let pid = hinted.map(Device::persistent_id).unwrap_or_default();
    map_match(page, user, &pid, res).await
}

/// The code step of `user` with their confirmed `devices`, and its answer: the login
/// completed, a challenge sent, or the form again with the problem.
pub(crate) async fn code_step(
    page: &Page,
    flow: Flow,
    user: &UserId,
    devices: &[Device],
    fields: &Fields,
    next: &str,
) -> Result<Response, PageError> {
    let selected = chosen(devices, fields).map(Device::persistent_id);
    match try_code(page, user, devices, fields).await? {
        Step::Verified(d) => {
            let mut resp = complete(page, user, &d, next).await?;
            // "Trust this browser", ticked on the sign-in's code step.
            if flow == Flow::Login && fields.non_empty("trust_browser").is_some() {
                let cookie =
                    crate::trusted::trust(&page.kit, user, page.agent.as_deref(), page.loopback)
                        .await
                        .map_err(|()| PageError::Internal)?;
                if let Some(c) = cookie {
                    resp.headers_mut().append(http::header::SET_COOKIE, c);
                }
            }
            Ok(resp)
        }
        Step::Challenge(p, pid) => {
            if page.json {
                return Ok(secure(p.into_json()));
            }
            let v = View {
                selected: Some(pid),
                info: Some(p.message.clone()),
                ..View::of(flow, "token", next, devices, None)
            };
            answer(page, v, None).await
        }
        Step::Failed(p) => {
            let v = View {
                selected,
                ..View::of(flow, "token", next, devices, Some(p))
            };
            answer(page, v, None).await
        }
    }
}
