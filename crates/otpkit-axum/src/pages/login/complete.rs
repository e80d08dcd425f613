//! The end of a login (docs/behaviour.md §7.3 step 3), also reached by a re-verification and by an
//! enrolment's first code: the session becomes verified.

use axum::response::{IntoResponse, Response};
use otpkit::{Device, UserId};

use super::view::{Flow, View, answer};
use crate::api::{LevelChanged, LevelStatus};
use crate::error::Code;
use crate::pages::context::Page;
use crate::pages::refusal::PageError;
use crate::step::VerificationError;
use crate::web::{found, secure};

/// The JSON answer of a step that changed the authentication level ([`LevelChanged`]),
/// with the session's new CSRF token, which the client needs for its next POST.
pub(crate) async fn level_changed(
    page: &Page,
    status: LevelStatus,
    device: Option<String>,
    next: Option<String>,
) -> Result<Response, PageError> {
    let body = LevelChanged {
        csrf_token: page.store().csrf_token().await?,
        device,
        next,
        status,
    };
    Ok(secure(axum::Json(body).into_response()))
}

/// Consumes the pending login, marks the user authenticated, logs the device into the
/// session (`login()`), replaces the CSRF token, records the user agent ("Your sessions")
/// and runs the `verification_succeeded` hook; then goes to `next`.
pub(crate) async fn complete(
    page: &Page,
    user: &UserId,
    device: &Device,
    next: &str,
) -> Result<Response, PageError> {
    match page
        .kit
        .complete_verification(&page.session, user, device, page.agent.as_deref())
        .await
    {
        Ok(_) => {}
        // A pending login is single use: of two requests completing it at once, the second
        // is refused (its code was consumed; REQ-14 F5: consumed, not logged in).
        Err(VerificationError::LoginExpired) => {
            let prob = page.problem(Code::LoginExpired, "", 0);
            let v = View::of(Flow::Login, "credentials", next, &[], Some(prob));
            return answer(page, v, None).await;
        }
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "session login failed");
            return Err(PageError::Internal);
        }
    }
    let pid = device.persistent_id();
    let to = page.next_or_default(Some(next));
    if page.json {
        return level_changed(page, LevelStatus::Verified, Some(pid), Some(to)).await;
    }
    Ok(secure(found(&to)))
}
