//! Device management (`/devices/`, docs/behaviour.md §7.7): the user's list, rename, remove and
//! unlock. Enrolment of new devices, backup codes included, is in `enrol`.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::{Device, Error as OtpError, UserId};

use super::access::{require_fresh, require_verified, signed_in};
use super::context::Page;
use super::form::{Fields, Form};
use super::refusal::{OrInternal, PageError};
use crate::error::Code;
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::middleware::OtpState;
use crate::session::SessionAdapter;
use crate::web::{audit, found, secure};

fn status_of(kit: &OtpKit, d: &Device) -> (bool, Option<String>) {
    match kit.engine().verify_is_allowed(d) {
        Err(otpkit::policy::VerifyNotAllowed::LockedOut { .. }) => (true, None),
        Err(otpkit::policy::VerifyNotAllowed::NFailedAttempts { locked_until, .. }) => {
            (false, Some(locked_until.to_rfc3339()))
        }
        _ => (false, None),
    }
}

fn codes_left(kit: &OtpKit, d: &Device) -> Option<u64> {
    if d.model_label() != "otp_static.staticdevice" {
        return None;
    }
    kit.engine()
        .info(d)
        .ok()
        .and_then(|v| v.get("codes_left").and_then(serde_json::Value::as_u64))
}

fn device_json(kit: &OtpKit, d: &Device) -> serde_json::Value {
    let (locked, throttled_until) = status_of(kit, d);
    serde_json::json!({
        "id": d.persistent_id(),
        "model_label": d.model_label(),
        "kind": d.verbose_name(),
        "name": d.name(),
        "confirmed": d.confirmed(),
        "created_at": d.created_at().to_rfc3339(),
        "last_used_at": d.last_used_at().map(|t| t.to_rfc3339()),
        "failure_count": d.throttle().failure_count,
        "locked": locked,
        "throttled_until": throttled_until,
        "codes_left": codes_left(kit, d),
    })
}

/// `GET /devices/`.
pub(crate) async fn list(page: Page) -> Result<Response, PageError> {
    let here = page.kit.url("/devices/");
    let (state, user) = signed_in(&page, &here).await?;
    require_verified(&page, &state, &user, &here).await?;
    let flash = page.take_flash().await?.unwrap_or_default();
    render_list(&page, &state, &user, &flash).await
}

async fn render_list(
    page: &Page,
    state: &OtpState,
    user: &UserId,
    flash: &Flash,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    // Only confirmed devices: an enrolment in progress is not a device yet (§7.6.1).
    let devices = kit
        .engine()
        .devices_for_user(Some(user), Some(true))
        .await
        .or_internal()?;
    if page.json {
        let list: Vec<_> = devices.iter().map(|d| device_json(kit, d)).collect();
        return Ok(secure(
            axum::Json(serde_json::json!({ "devices": list })).into_response(),
        ));
    }
    let current = state.device().map(Device::persistent_id);
    let rows: Vec<_> = devices
        .iter()
        .map(|d| {
            let (locked, throttled_until) = status_of(kit, d);
            let pid = d.persistent_id();
            context! {
                base => kit.url(&format!("/devices/{}/{}", d.model_label(), d.id())),
                current => current.as_deref() == Some(pid.as_str()),
                id => pid,
                name => d.name(),
                kind => d.verbose_name(),
                confirmed => d.confirmed(),
                created_at => d.created_at().to_rfc3339(),
                last_used_at => d.last_used_at().map(|t| t.to_rfc3339()),
                locked => locked,
                throttled_until => throttled_until,
                codes_left => codes_left(kit, d),
            }
        })
        .collect();
    Ok(page
        .render(
            StatusCode::OK,
            "otpkit/devices.html",
            "Your devices",
            context! {
                devices => rows,
                error => flash.error.clone(),
                code => flash.code.clone(),
                info => flash.info.clone(),
            },
        )
        .await)
}

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
pub(crate) async fn rename(
    Path((label, id)): Path<(String, String)>,
    page: Page,
    form: Form,
) -> Result<Response, PageError> {
    action(&page, Action::Rename, &format!("{label}/{id}"), &form.0).await
}

/// `POST /devices/{model_label}/{id}/remove/`.
pub(crate) async fn remove(
    Path((label, id)): Path<(String, String)>,
    page: Page,
    form: Form,
) -> Result<Response, PageError> {
    action(&page, Action::Remove, &format!("{label}/{id}"), &form.0).await
}

/// `POST /devices/{model_label}/{id}/unlock/`.
pub(crate) async fn unlock(
    Path((label, id)): Path<(String, String)>,
    page: Page,
    form: Form,
) -> Result<Response, PageError> {
    action(&page, Action::Unlock, &format!("{label}/{id}"), &form.0).await
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
    let device = match kit.engine().from_persistent_id(pid).await {
        Ok(Some(d)) if d.user() == &user => d,
        Ok(_) => return Err(PageError::Code(Code::NotFound)),
        Err(_) => return Err(PageError::Internal),
    };
    require_fresh(page, &state, &user, &here).await?;
    let pid = device.persistent_id();
    audit(action.audit_name(), Some(&user), &pid);
    match run_action(page, action, &state, &pid, fields).await? {
        Ok(d) => {
            if page.json {
                let body = if action == Action::Remove {
                    serde_json::json!({"status": "removed", "device": pid})
                } else {
                    serde_json::json!({"status": "ok", "device": device_json(kit, &d)})
                };
                return Ok(secure(axum::Json(body).into_response()));
            }
            Ok(secure(found(&here)))
        }
        Err(OtpError::InvalidName(_)) => Err(PageError::Refused {
            page: here,
            problem: page.problem(Code::BadRequest, "", 0),
        }),
        Err(OtpError::NotFound) => Err(PageError::Code(Code::NotFound)),
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "device action failed");
            Err(PageError::Internal)
        }
    }
}

/// Runs a device action on `pid` (the user's own device, freshness checked): the engine's
/// answer, or a refusal of the page.
async fn run_action(
    page: &Page,
    action: Action,
    state: &OtpState,
    pid: &str,
    fields: &Fields,
) -> Result<Result<Device, OtpError>, PageError> {
    let kit = &page.kit;
    Ok(match action {
        Action::Rename => {
            let name = fields.get("name").unwrap_or("").trim().to_owned();
            kit.engine().rename(pid, &name).await
        }
        Action::Remove => {
            let r = kit.engine().remove(pid).await;
            if r.is_ok() && state.device().map(Device::persistent_id).as_deref() == Some(pid) {
                let adapter = SessionAdapter::new(page.session.clone());
                kit.engine().logout_otp(&adapter).await.or_internal()?;
            }
            r
        }
        Action::Unlock => {
            let other = state.device().is_some_and(|d| d.persistent_id() != pid);
            if !other {
                return Err(PageError::Refused {
                    page: kit.url("/devices/"),
                    problem: page.problem(Code::UnlockNotAllowed, "", 0),
                });
            }
            kit.engine().unlock(pid).await
        }
    })
}
