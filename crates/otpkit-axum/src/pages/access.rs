//! Who may use which page: a signed-in user for device management and enrolment, a fresh
//! verification for what changes devices, a verified session for the device list, and an
//! active, staff, verified user for the admin area.

use otpkit::UserId;

use super::context::Page;
use super::refusal::PageError;
use crate::kit::OtpKit;
use crate::middleware::OtpState;

/// The authenticated user of a request; anyone else goes to the login page with `next`
/// (a pending login is anonymous).
pub(crate) async fn signed_in(page: &Page, next: &str) -> Result<(OtpState, UserId), PageError> {
    let state = page.state().await;
    if state.is_unavailable() {
        return Err(PageError::Internal);
    }
    match state.user() {
        Some(u) => Ok((state.clone(), u.clone())),
        None => Err(PageError::SignIn {
            login_url: page.kit.web_settings().login_url(),
            next: next.to_owned(),
        }),
    }
}

async fn has_confirmed(page: &Page, user: &UserId) -> Result<bool, PageError> {
    match page
        .kit
        .engine()
        .user_has_device(Some(user), Some(true))
        .await
    {
        Ok(b) => Ok(b),
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "device lookup failed");
            Err(PageError::Internal)
        }
    }
}

/// Whether the session is verified, at most `OTPKIT_REAUTH_MAX_AGE` ago.
pub(crate) fn is_fresh(page: &Page, state: &OtpState) -> bool {
    page.kit.is_fresh(state)
}

/// The freshness rule (docs/behaviour.md §7.6): a user with a confirmed device needs a verification
/// at most `OTPKIT_REAUTH_MAX_AGE` old; else `/verify/?next=…` (HTML) or 403
/// `reauth_required` (JSON). A user without one (the first device) is exempt.
pub(crate) async fn require_fresh(
    page: &Page,
    state: &OtpState,
    user: &UserId,
    next: &str,
) -> Result<(), PageError> {
    if !has_confirmed(page, user).await? {
        return Ok(());
    }
    if is_fresh(page, state) {
        return Ok(());
    }
    Err(PageError::Reauth {
        next: next.to_owned(),
    })
}

/// The authenticated user of a sensitive request, checked for freshness ([`require_fresh`]):
/// the opening of every enrolment and backup-code handler.
pub(crate) async fn fresh_user(page: &Page, here: &str) -> Result<UserId, PageError> {
    let (state, user) = signed_in(page, here).await?;
    require_fresh(page, &state, &user, here).await?;
    Ok(user)
}

/// Viewing the device list needs a verified session once the user has a device.
pub(crate) async fn require_verified(
    page: &Page,
    state: &OtpState,
    user: &UserId,
    next: &str,
) -> Result<(), PageError> {
    if state.is_verified_by_device() || !has_confirmed(page, user).await? {
        return Ok(());
    }
    Err(PageError::Reauth {
        next: next.to_owned(),
    })
}

/// Whether the state may use the admin area: verified, active and staff.
pub(crate) async fn is_admin(kit: &OtpKit, state: &OtpState) -> bool {
    state.is_verified_by_device() && state.is_staff(kit).await
}

/// The state of an admin-area request; anyone else goes to `/admin/login/?next=…`.
pub(crate) async fn admin(page: &Page) -> Result<OtpState, PageError> {
    let state = page.state().await;
    if state.is_unavailable() {
        return Err(PageError::Internal);
    }
    if is_admin(&page.kit, &state).await {
        return Ok(state);
    }
    Err(PageError::SignIn {
        login_url: page.kit.url("/admin/login/"),
        next: page.path.clone(),
    })
}

/// The freshness rule of every state-changing admin action (docs/behaviour.md §7.6, REQ-13): the
/// admin's verification is at most `OTPKIT_REAUTH_MAX_AGE` old, else `/verify/?next={at}` (HTML)
/// or 403 `reauth_required` (JSON), exactly as for self-service. `state` passed [`admin`].
pub(crate) async fn admin_fresh(page: &Page, state: &OtpState, at: &str) -> Result<(), PageError> {
    let Some(user) = state.user() else {
        return Err(PageError::SignIn {
            login_url: page.kit.url("/admin/login/"),
            next: at.to_owned(),
        });
    };
    require_fresh(page, state, user, at).await
}

/// The opening of an administrator's action on a user (a form with `user` and `next`): a
/// verified staff session with a fresh verification; answers it and where the HTML answer
/// goes back to (the form's safe `next`, else the admin list).
pub(crate) async fn admin_action(
    page: &Page,
    fields: &super::form::Fields,
) -> Result<(OtpState, String), PageError> {
    let admin = admin(page).await?;
    let back = fields
        .get("next")
        .filter(|n| crate::web::is_safe_next(n))
        .map_or_else(|| page.kit.url("/admin/"), str::to_owned);
    admin_fresh(page, &admin, &back).await?;
    Ok((admin, back))
}

/// The form's `user` as a user id; 400 `bad_request` without a valid one.
pub(crate) fn user_field(fields: &super::form::Fields) -> Result<UserId, PageError> {
    fields
        .get("user")
        .and_then(|u| UserId::new(u).ok())
        .ok_or(PageError::Code(crate::error::Code::BadRequest))
}
