//! The password step of a login (docs/behaviour.md §7.3 step 1): the application's credential
//! check, then a pending login that owes the code, or, for a user without a device, a password-only
//! sign-in when `OTPKIT_LOGIN_OTP_OPTIONAL` allows it.

use axum::response::Response;
use otpkit::UserId;
use otpkit::session::{DEVICE_KEY, ENROL_KEY, PENDING_KEY, VERIFIED_AT_KEY};

use super::code::{code_step, confirmed_devices};
use super::complete::level_changed;
use super::view::{Flow, View, answer};
use crate::error::Code;
use crate::pages::context::Page;
use crate::pages::form::Fields;
use crate::pages::refusal::PageError;
use crate::session::SessionFailure;
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
    start_pending(page, &user).await?;
    let devices = confirmed_devices(page, &user).await?;
    if devices.is_empty() {
        return without_device(page, flow, &user, next).await;
    }
    let has_token = fields.non_empty("otp_token").is_some();
    let has_challenge = fields.non_empty("otp_challenge").is_some();
    if has_token || has_challenge {
        return code_step(page, flow, &user, &devices, fields, next).await;
    }
    let problem = page.json.then(|| page.problem(Code::TokenRequired, "", 0));
    answer(page, View::of(flow, "token", next, &devices, problem), None).await
}

/// A new login starts from a new session id; nothing of an earlier login survives.
async fn start_pending(page: &Page, user: &UserId) -> Result<(), SessionFailure> {
    let kit = &page.kit;
    if page.state().await.user().is_some() {
        kit.auth()
            .logout(&page.session)
            .await
            .map_err(|_| SessionFailure)?;
    }
    for k in [DEVICE_KEY, VERIFIED_AT_KEY, ENROL_KEY, PENDING_KEY] {
        page.store().remove(k).await?;
    }
    page.session.cycle_id().await?;
    let ttl = i64::from(kit.web_settings().pending_login_ttl);
    page.store()
        .set_pending(user, kit.engine().now().add_secs(ttl))
        .await?;
    page.store().rotate_csrf().await?;
    Ok(())
}

/// The first factor passed for a user without a confirmed device: signed in unverified
/// (`OTPKIT_LOGIN_OTP_OPTIONAL`), or refused with `no_device`.
async fn without_device(
    page: &Page,
    flow: Flow,
    user: &UserId,
    next: &str,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    page.store().remove(PENDING_KEY).await?;
    if !kit.web_settings().login_otp_optional {
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
    let to = page.next_or_default(Some(next));
    if page.json {
        return level_changed(
            page,
            serde_json::json!({"status": "authenticated", "next": to}),
        )
        .await;
    }
    Ok(secure(found(&to)))
}
