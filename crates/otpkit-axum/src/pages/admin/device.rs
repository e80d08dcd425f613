//! A device in the admin area: its page (with what the change form and the actions left,
//! shown once), and its configuration and QR code views (TOTP/HOTP).

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::Device;

use super::{INVALID_FIELD, OATH, base, device_of, locked};
use crate::api::AdminDevice;
use crate::error::Code;
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::pages::access;
use crate::pages::context::Page;
use crate::pages::devices::{kind_text, shown_name};
use crate::pages::qr::qr_response;
use crate::pages::refusal::{OrInternal, PageError};
use crate::web::{encode_next, secure};

/// A device's kind state (`Engine::info`) as rows of text.
fn state_rows(kit: &OtpKit, d: &Device) -> Vec<(String, String)> {
    let info = kit.engine().info(d).unwrap_or(serde_json::Value::Null);
    info.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a device is locked, or else until when it is throttled.
fn throttle_status(kit: &OtpKit, d: &Device) -> (bool, Option<String>) {
    match kit.engine().verify_is_allowed(d) {
        Err(otpkit::policy::VerifyNotAllowed::LockedOut { .. }) => (true, None),
        Err(otpkit::policy::VerifyNotAllowed::NFailedAttempts { locked_until, .. }) => {
            (false, Some(locked_until.to_rfc3339()))
        }
        _ => (false, None),
    }
}

/// The page showing a new batch of backup codes, once: the self-service template
/// (`otpkit/backup_codes.html`) and context, with `back` to the device page.
async fn codes_page(page: &Page, codes: &[String], back: String) -> Response {
    let text = format!("{}\n", codes.join("\n"));
    let download = format!("data:text/plain;charset=utf-8,{}", encode_next(&text));
    page.render(
        StatusCode::OK,
        "otpkit/backup_codes.html",
        &page.t("admin-codes-title"),
        context! { codes => codes, text => text, download => download, back => back },
    )
    .await
}

/// The device page, with what the form that led here left: an error and the values typed,
/// a new device's key (shown this once), or a new batch of backup codes (shown instead of
/// the page, this once). Its owner is `owner` in the template: `user` is the signed-in user
/// of every page (`Page::render`, shown by `base.html`) and would win over a `user` of its
/// own.
async fn render_device(page: &Page, d: &Device, flash: &Flash) -> Result<Response, PageError> {
    let kit = &page.kit;
    let keys = kit.engine().keys();
    if let Some(codes) = flash.open_codes(keys) {
        return Ok(codes_page(page, &codes, base(kit, d)).await);
    }
    let hide = kit.web_settings().admin_hide_sensitive_data;
    let (is_locked, throttled_until) = throttle_status(kit, d);
    let oath = OATH.contains(&d.model_label());
    let key = if oath && !hide {
        let a = kit
            .engine()
            .provisioning(&d.persistent_id())
            .await
            .or_internal()?;
        Some(otpkit::encoding::encode_base32(a.secret.expose()))
    } else {
        None
    };
    Ok(page
        .render(
            StatusCode::OK,
            "otpkit/admin_device.html",
            &page.t("admin-device-title"),
            context! {
                base => base(kit, d),
                id => d.persistent_id(),
                owner => d.user().as_str(),
                name => shown_name(page, d),
                name_value => flash.get("name").map_or_else(|| shown_name(page, d), str::to_owned),
                kind_text => kind_text(page, d),
                reenrolment_recommended => kit.engine().reenrolment_recommended(d),
                is_static => d.model_label() == "otp_static.staticdevice",
                confirmed => d.confirmed(),
                created_at => d.created_at().to_rfc3339(),
                last_used_at => d.last_used_at().map(|t| t.to_rfc3339()),
                failure_count => d.throttle().failure_count,
                locked => is_locked,
                throttled_until => throttled_until,
                state => state_rows(kit, d),
                config_url => (oath && !hide).then(|| format!("{}config/", base(kit, d))),
                secret => flash.open_secret(keys),
                key => key,
                oath => oath,
                totp => d.model_label() == "otp_totp.totpdevice",
                hide_sensitive => hide,
                name_error => flash.get(INVALID_FIELD) == Some("name"),
                error => &flash.error,
                code => &flash.code,
                info => &flash.info,
                form => &flash.fields,
                end_sessions_url => kit.user_sessions().is_some().then(|| kit.url("/admin/sessions/end/")),
                revoke_trusted_url => kit.trust().is_some().then(|| kit.url("/admin/trusted/revoke/")),
            },
        )
        .await)
}

/// `GET /admin/devices/{model_label}/{id}/`.
#[utoipa::path(
    get,
    path = "/admin/devices/{label}/{id}/",
    tag = "admin",
    operation_id = "admin_device",
    description = "A device, whoever owns it.",
    params(crate::api::DevicePath),
    responses(
        (status = 200, description = "The device.", body = crate::api::AdminDevice),
        (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: no such device.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn device(
    Path((label, id)): Path<(String, String)>,
    page: Page,
) -> Result<Response, PageError> {
    access::admin(&page).await?;
    let d = device_of(&page, &label, &id).await?;
    if page.json {
        let body = AdminDevice {
            confirmed: d.confirmed(),
            failure_count: d.throttle().failure_count,
            id: d.persistent_id(),
            locked: locked(&page.kit, &d),
            name: d.name().to_owned(),
            user: d.user().as_str().to_owned(),
        };
        return Ok(secure(axum::Json(body).into_response()));
    }
    let flash = page.take_flash().await?.unwrap_or_default();
    render_device(&page, &d, &flash).await
}

/// A TOTP/HOTP device whose key the admin area may show (404 for other kinds, 403
/// `forbidden` under `OTP_ADMIN_HIDE_SENSITIVE_DATA`).
async fn oath_device(page: &Page, label: &str, id: &str) -> Result<Device, PageError> {
    access::admin(page).await?;
    let d = device_of(page, label, id).await?;
    if !OATH.contains(&d.model_label()) {
        return Err(PageError::Code(Code::NotFound));
    }
    if page.kit.web_settings().admin_hide_sensitive_data {
        return Err(PageError::Code(Code::Forbidden));
    }
    Ok(d)
}

/// `GET /admin/devices/{model_label}/{id}/config/` (TOTP/HOTP).
pub(crate) async fn config(
    Path((label, id)): Path<(String, String)>,
    page: Page,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    let d = oath_device(&page, &label, &id).await?;
    let uri = kit.config_url(&d.persistent_id()).await.or_internal()?;
    Ok(page
        .render(
            StatusCode::OK,
            "otpkit/admin_config.html",
            &page.t("admin-config-title"),
            context! {
                base => base(kit, &d),
                name => shown_name(&page, &d),
                owner => d.user().as_str(),
                qr_url => format!("{}qrcode/", base(kit, &d)),
                uri => uri.expose(),
            },
        )
        .await)
}

/// `GET /admin/devices/{model_label}/{id}/qrcode/` (TOTP/HOTP, SVG).
pub(crate) async fn qrcode(
    Path((label, id)): Path<(String, String)>,
    page: Page,
) -> Result<Response, PageError> {
    let d = oath_device(&page, &label, &id).await?;
    qr_response(&page, &d.persistent_id()).await
}
