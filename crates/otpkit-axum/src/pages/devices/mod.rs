//! Device management (`/devices/`, docs/behaviour.md §7.7): the user's list, in plain words.
//! The actions (rename, remove, unlock) are in [`actions`], the confirmation pages shown
//! before a removal and before new backup codes replace the old ones in [`confirm`], the
//! user's signed-in sessions ("Your sessions", §7.7.1) in [`sessions`].
//! Enrolment of new devices, backup codes included, is in `enrol`.

pub(crate) mod actions;
pub(crate) mod confirm;
pub(crate) mod sessions;
pub(crate) mod trusted;

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::{Device, UserId};

use super::access::{require_verified, signed_in};
use super::context::Page;
use super::refusal::{OrInternal, PageError};
use crate::api::{DeviceInfo, DeviceList};
use crate::error::Code;
use crate::flash::Flash;
use crate::i18n::Arg;
use crate::kit::OtpKit;
use crate::middleware::OtpState;
use crate::web::secure;

/// The model label of backup codes.
pub(crate) const STATIC: &str = "otp_static.staticdevice";

/// The name of a flash field holding the persistent id whose rename failed, so that the
/// list shows the error next to that device's name field.
pub(crate) const RENAME_FIELD: &str = "rename";

pub(crate) fn status_of(kit: &OtpKit, d: &Device) -> (bool, Option<String>) {
    match kit.engine().verify_is_allowed(d) {
        Err(otpkit::policy::VerifyNotAllowed::LockedOut { .. }) => (true, None),
        Err(otpkit::policy::VerifyNotAllowed::NFailedAttempts { locked_until, .. }) => {
            (false, Some(locked_until.to_rfc3339()))
        }
        _ => (false, None),
    }
}

pub(crate) fn codes_left(kit: &OtpKit, d: &Device) -> Option<u64> {
    if d.model_label() != STATIC {
        return None;
    }
    kit.engine()
        .info(d)
        .ok()
        .and_then(|v| v.get("codes_left").and_then(serde_json::Value::as_u64))
}

/// What a person calls the kind `label`: "Authenticator app", "Email codes", "Backup
/// codes"; `None` for a third-party kind.
pub(crate) fn label_text(page: &Page, label: &str) -> Option<String> {
    let id = match label {
        "otp_totp.totpdevice" => "devices-kind-totp",
        "otp_hotp.hotpdevice" => "devices-kind-hotp",
        "otp_email.emaildevice" => "devices-kind-email",
        STATIC => "devices-kind-static",
        _ => return None,
    };
    Some(page.t(id))
}

/// What a person calls a device's kind; a third-party kind by its own verbose name.
pub(crate) fn kind_text(page: &Page, d: &Device) -> String {
    label_text(page, d.model_label()).unwrap_or_else(|| d.verbose_name().to_owned())
}

/// A device's name as a person reads it: the name they gave it, or, for a name the library
/// chose (`TOTP device`, `Backup Code`, …), its kind in plain words.
pub(crate) fn shown_name(page: &Page, d: &Device) -> String {
    let name = d.name();
    if name.trim().is_empty() || name == d.verbose_name() || name == "Backup Code" {
        kind_text(page, d)
    } else {
        name.to_owned()
    }
}

/// A device as a confirmation or a message names it: "Phone (Authenticator app)", or the
/// kind alone when the name is the library's.
pub(crate) fn titled(page: &Page, d: &Device) -> String {
    let (name, kind) = (shown_name(page, d), kind_text(page, d));
    if name == kind {
        name
    } else {
        format!("{name} ({kind})")
    }
}

/// The address an email device sends its codes to: its own, else the user's (§1.1).
async fn email_address(kit: &OtpKit, d: &Device) -> Option<String> {
    if d.model_label() != "otp_email.emaildevice" {
        return None;
    }
    let own = kit
        .engine()
        .info(d)
        .ok()
        .and_then(|v| v.get("email").and_then(|e| e.as_str().map(str::to_owned)));
    match own {
        Some(e) if !e.is_empty() => Some(e),
        _ => kit.engine().users().lookup(d.user()).await?.email,
    }
}

/// "7 of 10 left" (of the configured batch size; more than a batch shows the count alone).
fn codes_text(page: &Page, left: u64) -> String {
    let total = u64::from(page.kit.settings().static_codes.batch_size);
    if left <= total {
        page.t_with(
            "devices-codes-left-of",
            &[("left", Arg::from(left)), ("total", Arg::from(total))],
        )
    } else {
        page.t_with("devices-codes-left", &[("left", Arg::from(left))])
    }
}

/// The user's own device `label/id`, else 404 `not_found` (another user's or none).
pub(crate) async fn own_device(page: &Page, user: &UserId, pid: &str) -> Result<Device, PageError> {
    match page.kit.engine().from_persistent_id(pid).await {
        Ok(Some(d)) if d.user() == user => Ok(d),
        Ok(_) => Err(PageError::Code(Code::NotFound)),
        Err(_) => Err(PageError::Internal),
    }
}

/// The device's URL under `/devices/`, without a trailing slash.
pub(crate) fn device_url(kit: &OtpKit, d: &Device) -> String {
    kit.url(&format!(
        "/devices/{}/{}",
        d.model_label(),
        d.record().pid_number()
    ))
}

/// A device as the JSON answers show it.
pub(crate) fn device_info(kit: &OtpKit, d: &Device) -> DeviceInfo {
    let (locked, throttled_until) = status_of(kit, d);
    DeviceInfo {
        codes_left: codes_left(kit, d),
        confirmed: d.confirmed(),
        created_at: d.created_at().to_rfc3339(),
        failure_count: d.throttle().failure_count,
        id: d.persistent_id(),
        kind: d.verbose_name().to_owned(),
        last_used_at: d.last_used_at().map(|t| t.to_rfc3339()),
        locked,
        model_label: d.model_label().to_owned(),
        name: d.name().to_owned(),
        throttled_until,
    }
}

/// `GET /devices/`.
#[utoipa::path(
    get,
    path = "/devices/",
    tag = "devices",
    operation_id = "devices",
    description = "The signed-in user's confirmed devices.",
    responses(
        (status = 200, description = "The devices.", body = crate::api::DeviceList),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the session is not verified.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn list(page: Page) -> Result<Response, PageError> {
    let here = page.kit.url("/devices/");
    let (state, user) = signed_in(&page, &here).await?;
    require_verified(&page, &state, &user, &here).await?;
    let flash = page.take_flash().await?.unwrap_or_default();
    render_list(&page, &state, &user, &flash).await
}

/// One row of the list.
async fn row(page: &Page, d: &Device, current: Option<&str>, flash: &Flash) -> minijinja::Value {
    let kit = &page.kit;
    let (locked, throttled_until) = status_of(kit, d);
    let pid = d.persistent_id();
    let base = device_url(kit, d);
    let rename_error = (flash.get(RENAME_FIELD) == Some(pid.as_str()))
        .then(|| flash.error.clone())
        .flatten();
    context! {
        base => &base,
        remove_url => format!("{base}/remove/"),
        current => current == Some(pid.as_str()),
        id => pid,
        name => shown_name(page, d),
        kind => kind_text(page, d),
        is_static => d.model_label() == STATIC,
        email => email_address(kit, d).await,
        codes => codes_left(kit, d).map(|n| codes_text(page, n)),
        confirmed => d.confirmed(),
        created_at => d.created_at().to_rfc3339(),
        last_used_at => d.last_used_at().map(|t| t.to_rfc3339()),
        locked => locked,
        throttled_until => throttled_until,
        rename_error => rename_error,
    }
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
        let devices = devices.iter().map(|d| device_info(kit, d)).collect();
        return Ok(secure(axum::Json(DeviceList { devices }).into_response()));
    }
    let current = state.device().map(Device::persistent_id);
    let mut rows = Vec::with_capacity(devices.len());
    for d in &devices {
        rows.push(row(page, d, current.as_deref(), flash).await);
    }
    let sessions = sessions::rows(page, user).await?;
    let trusted = trusted::rows(page, user).await?;
    // An error of one device's name field is shown next to it, not on top of the page.
    let rename_failed = flash.get(RENAME_FIELD).is_some();
    Ok(page
        .render(
            StatusCode::OK,
            "otpkit/devices.html",
            &page.t("devices-title"),
            context! {
                devices => rows,
                error => if rename_failed { None } else { flash.error.clone() },
                code => flash.code.clone(),
                info => flash.info.clone(),
                regenerate_url => kit.url("/devices/backup-codes/regenerate/"),
                sessions => sessions,
                end_others_url => kit.url("/devices/sessions/end-others/"),
                trusted => trusted,
                revoke_all_url => kit.url("/devices/trusted/revoke-all/"),
            },
        )
        .await)
}
