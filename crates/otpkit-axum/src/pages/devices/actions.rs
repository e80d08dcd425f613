//! The device actions of `/devices/` (docs/behaviour.md §7.7): rename, remove and unlock, each
//! on the signed-in user's own device, with the CSRF token and a fresh verification. A
//! removal also ends the other sessions the device verified (§7.7.1).
//!
//! HTML answers follow Post/Redirect/Get: success goes back (302) to the list with a message
//! saying what was done; a refused name goes back (303) with the error shown next to that
//! device's name field. A removal from the HTML form needs `confirm=yes`, which the
//! confirmation page ([`super::confirm`]) sends; without it the POST changes nothing and
//! answers 303 to that page. JSON clients act directly, as before.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use otpkit::record::InvalidName;
use otpkit::{Device, Error as OtpError};

use super::{RENAME_FIELD, device_info, device_url, own_device, shown_name, titled};
use crate::api::{DeviceChanged, DeviceRemoved, OkStatus, RemovedStatus};
use crate::error::Code;
use crate::flash::Flash;
use crate::i18n::Arg;
use crate::middleware::OtpState;
use crate::pages::access::{require_fresh, signed_in};
use crate::pages::context::Page;
use crate::pages::form::{Fields, Form};
use crate::pages::refusal::{OrInternal, PageError};
use crate::session::SessionAdapter;
use crate::trusted::RevokeReason;
use crate::web::{audit, secure};
use crate::your_sessions::{audit_ended, end_verified_by};

/// What a device action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Rename,
    Remove,
    Unlock,
}

impl Action {
    fn audit_name(self) -> &'static str {
        match self {
            Action::Rename => "rename",
            Action::Remove => "remove",
            Action::Unlock => "unlock",
        }
    }
}

/// `POST /devices/{model_label}/{id}/rename/`.
#[utoipa::path(
    post,
    path = "/devices/{label}/{id}/rename/",
    tag = "devices",
    operation_id = "device_rename",
    description = "Renames one of the user's devices.",
    params(crate::api::DevicePath),
    request_body(content(
        (crate::api::RenameForm = "application/json"),
        (crate::api::RenameForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Renamed.", body = crate::api::DeviceChanged),
        (status = 400, description = "`bad_request`: a name that cannot be one.", body = crate::api::Refusal),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: no such device (or another user's).", body = crate::api::Refusal),
    )
)]
pub(crate) async fn rename(
    Path((label, id)): Path<(String, String)>,
    page: Page,
    form: Form,
) -> Result<Response, PageError> {
    action(&page, Action::Rename, &format!("{label}/{id}"), &form.0).await
}

/// `POST /devices/{model_label}/{id}/remove/` (HTML: with `confirm=yes`).
#[utoipa::path(
    post,
    path = "/devices/{label}/{id}/remove/",
    tag = "devices",
    operation_id = "device_remove",
    description = "Removes one of the user's devices (JSON needs no `confirm`).",
    params(crate::api::DevicePath),
    request_body(content(
        (crate::api::ConfirmForm = "application/json"),
        (crate::api::ConfirmForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Removed.", body = crate::api::DeviceRemoved),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: no such device (or another user's).", body = crate::api::Refusal),
    )
)]
pub(crate) async fn remove(
    Path((label, id)): Path<(String, String)>,
    page: Page,
    form: Form,
) -> Result<Response, PageError> {
    action(&page, Action::Remove, &format!("{label}/{id}"), &form.0).await
}

/// `POST /devices/{model_label}/{id}/unlock/`.
#[utoipa::path(
    post,
    path = "/devices/{label}/{id}/unlock/",
    tag = "devices",
    operation_id = "device_unlock",
    description = "Unlocks one of the user's devices, from a session verified by another device.",
    params(crate::api::DevicePath),
    request_body(content(
        (crate::api::CsrfForm = "application/json"),
        (crate::api::CsrfForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Unlocked.", body = crate::api::DeviceChanged),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`unlock_not_allowed` (the session's own device), `reauth_required`, `csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: no such device (or another user's).", body = crate::api::Refusal),
    )
)]
pub(crate) async fn unlock(
    Path((label, id)): Path<(String, String)>,
    page: Page,
    form: Form,
) -> Result<Response, PageError> {
    action(&page, Action::Unlock, &format!("{label}/{id}"), &form.0).await
}

/// Whether a person confirmed the action on its confirmation page.
pub(crate) fn confirmed(fields: &Fields) -> bool {
    fields.get("confirm") == Some("yes")
}

/// A device name typed by a person, trimmed, or the message saying why it cannot be one
/// (empty, only spaces, too long, a control character).
pub(crate) fn checked_name(page: &Page, typed: Option<&str>) -> Result<String, String> {
    let name = typed.unwrap_or("").trim();
    if name.is_empty() {
        return Err(page.t("devices-name-required"));
    }
    match otpkit::device::validate_name(name) {
        Ok(()) => Ok(name.to_owned()),
        Err(InvalidName::TooLong) => Err(page.t_with(
            "devices-name-too-long",
            &[("max", Arg::from(otpkit::record::MAX_NAME_CHARS as u64))],
        )),
        Err(_) => Err(page.t("devices-name-invalid")),
    }
}

/// A device action on `pid`, which must be the signed-in user's own device; it needs a
/// fresh verification.
async fn action(
    page: &Page,
    action: Action,
    pid: &str,
    fields: &Fields,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    let here = kit.url("/devices/");
    let (state, user) = signed_in(page, &here).await?;
    let device = own_device(page, &user, pid).await?;
    if action == Action::Remove && !page.json && !confirmed(fields) {
        // A person confirms first: the POST alone changes nothing.
        return Ok(secure(crate::web::see_other(&format!(
            "{}/remove/",
            device_url(kit, &device)
        ))));
    }
    require_fresh(page, &state, &user, &here).await?;
    let pid = device.persistent_id();
    let name = match action {
        Action::Rename => match checked_name(page, fields.get("name")) {
            Ok(n) => Some(n),
            Err(message) => return refuse_name(page, &pid, message).await,
        },
        _ => None,
    };
    audit(action.audit_name(), Some(&user), &pid);
    let res = match action {
        Action::Rename => {
            kit.engine()
                .rename(&pid, name.as_deref().unwrap_or(""))
                .await
        }
        Action::Remove => remove_device(page, &state, &pid).await?,
        Action::Unlock => unlock_device(page, &state, &pid).await?,
    };
    match res {
        Ok(d) if page.json => Ok(json_done(page, action, &pid, &d)),
        Ok(d) => done(page, action, &state, &device, &d).await,
        Err(OtpError::NotFound) => Err(PageError::Code(Code::NotFound)),
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "device action failed");
            Err(PageError::Internal)
        }
    }
}

/// A name that cannot be used: JSON 400 `bad_request` with the message; HTML 303 to the list,
/// which shows the message next to this device's name field.
async fn refuse_name(page: &Page, pid: &str, message: String) -> Result<Response, PageError> {
    let mut p = page.problem(Code::BadRequest, "", 0);
    p.message = message;
    if page.json {
        return Err(PageError::Problem(Box::new(p)));
    }
    let to = page.kit.url("/devices/");
    let flash = Flash::problem(&to, &p).field(RENAME_FIELD, pid);
    Ok(page.see_other(&to, flash).await?)
}

async fn remove_device(
    page: &Page,
    state: &OtpState,
    pid: &str,
) -> Result<Result<Device, OtpError>, PageError> {
    let r = page.kit.engine().remove(pid).await;
    if r.is_ok() && verified_by(state, pid) {
        // §7.7: the session is no longer verified by a device that is gone.
        let adapter = SessionAdapter::new(page.session.clone());
        page.kit.engine().logout_otp(&adapter).await.or_internal()?;
    }
    if let (Ok(_), Some(user)) = (&r, state.user()) {
        // §7.7.1: the other sessions it verified end (this one is unverified, above).
        end_sessions_of_removed(page, user, pid, Some(user)).await?;
    }
    Ok(r)
}

/// After the removal of `user`'s device `pid`: ends the sessions it verified, except the
/// current one (docs/behaviour.md §7.7.1), and records how many; revokes the user's trusted
/// browsers; `actor` removed it.
pub(crate) async fn end_sessions_of_removed(
    page: &Page,
    user: &otpkit::UserId,
    pid: &str,
    actor: Option<&otpkit::UserId>,
) -> Result<(), PageError> {
    let here = page.session.id();
    let n = end_verified_by(&page.kit, user, pid, here.as_ref())
        .await
        .or_internal()?;
    if n > 0 {
        audit_ended("device_removed", actor, user, pid, n);
    }
    // Every browser the user trusted asks for a code again (docs/behaviour.md §7.12).
    page.kit
        .revoke_trusted_browsers(user, RevokeReason::DeviceRemoved, actor)
        .await
        .or_internal()?;
    Ok(())
}

async fn unlock_device(
    page: &Page,
    state: &OtpState,
    pid: &str,
) -> Result<Result<Device, OtpError>, PageError> {
    let other = state.device().is_some_and(|d| d.persistent_id() != pid);
    if !other {
        return Err(PageError::Refused {
            page: page.kit.url("/devices/"),
            problem: Box::new(page.problem(Code::UnlockNotAllowed, "", 0)),
        });
    }
    Ok(page.kit.engine().unlock(pid).await)
}

/// Whether `pid` verified this session.
pub(crate) fn verified_by(state: &OtpState, pid: &str) -> bool {
    state.device().is_some_and(|d| d.persistent_id() == pid)
}

fn json_done(page: &Page, action: Action, pid: &str, d: &Device) -> Response {
    if action == Action::Remove {
        let body = DeviceRemoved {
            device: pid.to_owned(),
            status: RemovedStatus::Removed,
        };
        return secure(axum::Json(body).into_response());
    }
    let body = DeviceChanged {
        device: device_info(&page.kit, d),
        status: OkStatus::Ok,
    };
    secure(axum::Json(body).into_response())
}

/// The HTML answer of a done action: 302 to the list with a message saying what was done.
/// Removing the device that verified this session says so, and where the person goes next:
/// the list, or, while another confirmed device is left, the verification page.
async fn done(
    page: &Page,
    action: Action,
    state: &OtpState,
    before: &Device,
    after: &Device,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    let list = kit.url("/devices/");
    let name = || ("name", Arg::from(shown_name(page, after)));
    let message = match action {
        Action::Rename => page.t_with("devices-renamed", &[name()]),
        Action::Unlock => page.t_with("devices-unlocked", &[name()]),
        Action::Remove if verified_by(state, &before.persistent_id()) => {
            return removed_own(page, before).await;
        }
        Action::Remove => page.t_with(
            "devices-removed",
            &[("name", Arg::from(titled(page, before)))],
        ),
    };
    found_with(page, &list, Flash::to(&list).info(message)).await
}

/// The device that verified this session was removed: the session is authenticated, not
/// verified (§7.7). With another confirmed device left, the person verifies with it to
/// manage devices again (the list sends them there); with none, the list is open to them.
async fn removed_own(page: &Page, d: &Device) -> Result<Response, PageError> {
    let kit = &page.kit;
    let args = [("name", Arg::from(titled(page, d)))];
    let others = kit
        .engine()
        .user_has_device(Some(d.user()), Some(true))
        .await
        .or_internal()?;
    if others {
        let verify = kit.url("/verify/");
        let to = format!(
            "{verify}?next={}",
            crate::web::encode_next(&kit.url("/devices/"))
        );
        let flash = Flash::to(&verify).info(page.t_with("devices-removed-own", &args));
        return found_with(page, &to, flash).await;
    }
    let list = kit.url("/devices/");
    let flash = Flash::to(&list).info(page.t_with("devices-removed-own-last", &args));
    found_with(page, &list, flash).await
}

/// Leaves `flash` for `to` and answers 302 (the status of a done action, as before).
async fn found_with(page: &Page, to: &str, flash: Flash) -> Result<Response, PageError> {
    let mut resp = page.see_other(to, flash).await?;
    *resp.status_mut() = StatusCode::FOUND;
    Ok(resp)
}
