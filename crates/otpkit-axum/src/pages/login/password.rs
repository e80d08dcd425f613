//! The password step of a login (docs/behaviour.md §7.3 step 1): the application's credential
//! check, then a pending login that owes the code, or, for a user without a device, a password-only
//! sign-in when `OTPKIT_LOGIN_OTP_OPTIONAL` allows it.

use axum::response::Response;
use otpkit::UserId;
use otpkit::session::PENDING_KEY;

use super::code::{code_step, confirmed_devices};
use super::complete::level_changed;
use super::view::{Flow, View, answer};
use crate::api::LevelStatus;
use crate::enforce::Compliance;
use crate::error::Code;
use crate::pages::context::Page;
use crate::pages::form::Fields;
use crate::pages::refusal::{OrInternal, PageError};
use crate::second_factor::start_pending;
use crate::web::{found, secure};

/// Checks the username and password of the form; on success starts a pending login and
/// goes on to the code step (at once when the form carries a code).
pub(crate) async fn first_factor(
    page: &Page,
    flow: Flow,
    fields: &Fields,
    next: &str,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    let username = fields.get("username").unwrap_or("");
    let password = fields.get("password").unwrap_or("");
    let checked = if username.is_empty() || password.is_empty() {
        Ok(None)
    } else {
        kit.auth().check_credentials(username, password).await
    };
    let user = match checked {
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "credential check failed");
            return Err(PageError::Internal);
        }
        Ok(u) => u,
    };
    let active = match &user {
        Some(u) => kit
            .engine()
            .users()
            .lookup(u)
            .await
            .is_some_and(|i| i.is_active),
        None => false,
    };
    let Some(user) = user.filter(|_| active) else {
        let p = page.problem(Code::InvalidLogin, "", 0);
        let v = View::of(flow, "credentials", next, &[], Some(p));
        return answer(page, v, Some(username)).await;
    };
    start_pending(kit, &page.session, &user).await?;
    let devices = confirmed_devices(page, &user).await?;
    if devices.is_empty() {
        return without_device(page, flow, &user, next).await;
    }
    if flow == Flow::Login {
        let cookie = page.trusted_cookie.as_deref();
        let trusted = crate::trusted::used(kit, cookie, &user).await;
        if trusted.map_err(|()| PageError::Internal)?.is_some() {
            return trusted_sign_in(page, &user, &devices, next).await;
        }
    }
    let has_token = fields.non_empty("otp_token").is_some();
    let has_challenge = fields.non_empty("otp_challenge").is_some();
    if has_token || has_challenge {
        return code_step(page, flow, &user, &devices, fields, next).await;
    }
    let problem = page.json.then(|| page.problem(Code::TokenRequired, "", 0));
    answer(page, View::of(flow, "token", next, &devices, problem), None).await
}

/// The first factor passed for a user without a confirmed device: taken into the guided
/// setup when the two-step policy requires it ([`crate::enforce`]); else signed in
/// unverified (`OTPKIT_LOGIN_OTP_OPTIONAL`, or the policy's grace period), or refused with
/// `no_device`.
async fn without_device(
    page: &Page,
    flow: Flow,
    user: &UserId,
    next: &str,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    page.store().remove(PENDING_KEY).await?;
    let compliance = kit.compliance(user).await.or_internal()?;
    let mut grace = None;
    if compliance == Compliance::Required {
        grace = crate::enforce::grace_at_sign_in(kit, user)
            .await
            .or_internal()?;
        if grace.is_none() {
            return enrol_first(page, user, next).await;
        }
    }
    if !kit.web_settings().login_otp_optional && grace.is_none() {
        let p = page.problem(Code::NoDevice, "", 0);
        return answer(
            page,
            View::of(flow, "credentials", next, &[], Some(p)),
            None,
        )
        .await;
    }
    if let Err(e) = kit.auth().login(&page.session, user).await {
        tracing::error!(target: "otpkit_axum", error = %e, "session login failed");
        return Err(PageError::Internal);
    }
    crate::your_sessions::record_agent(&page.session, page.agent.as_deref())
        .await
        .or_internal()?;
    let to = page.next_or_default(Some(next));
    if let Some(until) = grace {
        // In the grace period: signed in, reminded on the setup's first page.
        let v = serde_json::to_value(until).or_internal()?;
        page.session
            .insert_value(crate::enforce::GRACE_KEY, v)
            .await
            .or_internal()?;
        if !page.json {
            let setup = kit.url("/devices/new/");
            return Ok(secure(found(&crate::web::redirect_url(
                &setup, "next", &to,
            ))));
        }
    }
    if page.json {
        return level_changed(page, LevelStatus::Authenticated, None, Some(to)).await;
    }
    Ok(secure(found(&to)))
}

/// A user the two-step policy covers, without a method and without grace: signed in,
/// unverified, and sent into the guided setup — HTML to `{prefix}/devices/new/`, JSON 403
/// `enrolment_required` with `setup_url` (the session is signed in: the client enrols
/// through the JSON enrolment endpoints).
async fn enrol_first(page: &Page, user: &UserId, next: &str) -> Result<Response, PageError> {
    let kit = &page.kit;
    if let Err(e) = kit.auth().login(&page.session, user).await {
        tracing::error!(target: "otpkit_axum", error = %e, "session login failed");
        return Err(PageError::Internal);
    }
    crate::your_sessions::record_agent(&page.session, page.agent.as_deref())
        .await
        .or_internal()?;
    crate::enforce::audit("enrolment_forced", user);
    let setup = kit.url("/devices/new/");
    if page.json {
        let mut p = page.problem(Code::EnrolmentRequired, "", 0);
        p.extra.insert("setup_url".into(), setup.into());
        if !next.is_empty() {
            p.extra.insert("next".into(), next.into());
        }
        return Ok(secure(p.into_json()));
    }
    Ok(secure(found(&setup)))
}

/// The password on a trusted browser: no code step. The session is verified by the user's
/// most recently used device and marked as trusted ([`crate::trusted`]).
async fn trusted_sign_in(
    page: &Page,
    user: &UserId,
    devices: &[otpkit::Device],
    next: &str,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    page.store().remove(PENDING_KEY).await?;
    let Some(device) = super::view::match_first(devices).or(devices.first()) else {
        return Err(PageError::Internal);
    };
    crate::trusted::sign_in(kit, &page.session, user, device)
        .await
        .map_err(|()| PageError::Internal)?;
    page.store().rotate_csrf().await?;
    crate::your_sessions::record_agent(&page.session, page.agent.as_deref())
        .await
        .or_internal()?;
    let to = page.next_or_default(Some(next));
    if page.json {
        let pid = Some(device.persistent_id());
        return level_changed(page, LevelStatus::Verified, pid, Some(to)).await;
    }
    Ok(secure(found(&to)))
}
