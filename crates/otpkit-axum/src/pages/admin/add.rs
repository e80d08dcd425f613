//! The admin add form (docs/behaviour.md §7.8): a device of any kind for any user; TOTP/HOTP keys
//! entered as base32 or hex, or generated.
//!
//! Post/Redirect/Get ([`crate::flash`]): a device added from the HTML form is shown on its
//! own page (303), its TOTP/HOTP key once, carried there sealed; a form that cannot be used
//! goes back (303) to the form with the error and the values typed — never the key. JSON
//! clients get `201 {"device", "secret"}` or `400 bad_request` in the POST's answer. Email
//! codes are offered only on a site that can send email; asked for anyway, the form refuses
//! with `kind_unavailable` (JSON 404) before anything is created.

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::engine::{HotpOptions, TotpOptions};
use otpkit::{Device, SecretBytes, UserId};

use super::{OATH, base};
use crate::api::AddedDevice;
use crate::error::{Code, Problem};
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::pages::access;
use crate::pages::context::Page;
use crate::pages::form::{Fields, Form};
use crate::pages::refusal::{OrInternal, PageError};
use crate::web::{audit, secure};

/// The add form's fields shown again after an error (the key never is).
const KEPT: [&str; 5] = ["user", "kind", "name", "key_format", "email"];

fn add_url(kit: &OtpKit) -> String {
    kit.url("/admin/devices/add/")
}

/// `GET /admin/devices/add/`, with the error and values a failed POST left.
pub(crate) async fn add_get(page: Page) -> Result<Response, PageError> {
    access::admin(&page).await?;
    let flash = page.take_flash().await?.unwrap_or_default();
    Ok(page
        .render(
            StatusCode::OK,
            "otpkit/admin_add.html",
            &page.t("admin-add-title"),
            context! {
                error => flash.error,
                code => flash.code,
                form => flash.fields,
                sends_email => page.kit.engine().sends_email(),
            },
        )
        .await)
}

/// A form that cannot be used: JSON 400 `bad_request` with `detail`; HTML back to the form.
async fn invalid(page: &Page, fields: &Fields, detail: String) -> Result<Response, PageError> {
    let mut p = page.problem(Code::BadRequest, "", 0);
    if page.json {
        p.extra.insert("detail".into(), detail.into());
        return Err(PageError::Problem(Box::new(p)));
    }
    back(page, fields, &p, detail).await
}

/// A kind this site cannot offer (email codes without a mailer): JSON 404
/// `kind_unavailable`; HTML back to the form with that sentence.
async fn unavailable(page: &Page, fields: &Fields) -> Result<Response, PageError> {
    let p = page.problem(Code::KindUnavailable, "", 0);
    if page.json {
        return Err(PageError::Problem(Box::new(p)));
    }
    let detail = p.message.clone();
    back(page, fields, &p, detail).await
}

/// Back to the form (303) with the problem `p`, shown as `detail`, and the values typed.
async fn back(
    page: &Page,
    fields: &Fields,
    p: &Problem,
    detail: String,
) -> Result<Response, PageError> {
    let to = add_url(&page.kit);
    let mut flash = Flash {
        error: Some(detail),
        ..Flash::problem(&to, p)
    };
    for name in KEPT {
        if let Some(v) = fields.get(name) {
            flash = flash.field(name, v);
        }
    }
    Ok(page.see_other(&to, flash).await?)
}

/// Why the fields do not describe a device.
enum Refused {
    /// Shown to the administrator.
    Invalid(String),
    /// A kind this site cannot offer (`kind_unavailable`).
    Unavailable,
    /// A storage or crypto failure.
    Internal,
}

/// Creates the device the fields describe.
async fn create(page: &Page, fields: &Fields) -> Result<Device, Refused> {
    let Some(user) = fields
        .non_empty("user")
        .and_then(|u| UserId::new(u.trim()).ok())
    else {
        return Err(Refused::Invalid(page.t("admin-add-user-invalid")));
    };
    let name = fields.non_empty("name").map(|n| n.trim().to_owned());
    let key = key_of(fields).map_err(Refused::Invalid)?;
    let engine = page.kit.engine();
    let created = match fields.get("kind").unwrap_or("") {
        "totp" => {
            let opts = TotpOptions {
                name,
                key,
                ..TotpOptions::default()
            };
            engine.create_totp(&user, opts).await
        }
        "hotp" => {
            let opts = HotpOptions {
                name,
                key,
                ..HotpOptions::default()
            };
            engine.create_hotp(&user, opts).await
        }
        "email" if !engine.sends_email() => return Err(Refused::Unavailable),
        "email" => {
            let email = fields.non_empty("email").map(|e| e.trim().to_owned());
            engine
                .create_email(&user, name.as_deref(), email, true)
                .await
        }
        "static" => engine.create_static(&user, name.as_deref(), true).await,
        _ => return Err(Refused::Invalid(page.t("admin-add-kind-required"))),
    };
    match created {
        Ok(d) => Ok(d),
        Err(e) if e.is_internal() => Err(Refused::Internal),
        Err(e) => Err(Refused::Invalid(e.to_string())),
    }
}

/// The typed key (`key` in `key_format`), if any.
fn key_of(fields: &Fields) -> Result<Option<SecretBytes>, String> {
    let Some(k) = fields.non_empty("key") else {
        return Ok(None);
    };
    let parsed = if fields.get("key_format") == Some("hex") {
        otpkit::encoding::decode_hex_secret(k.trim())
    } else {
        otpkit::encoding::decode_base32_secret(k.trim())
    };
    parsed.map(Some).map_err(|e| e.to_string())
}

/// `POST /admin/devices/add/`: `user`, `kind` (`totp`, `hotp`, `email`, `static`),
/// `name`, `key` with `key_format` (`base32` or `hex`; empty = generated), `email`. Needs
/// a fresh verification (REQ-13).
#[utoipa::path(
    post,
    path = "/admin/devices/add/",
    tag = "admin",
    operation_id = "admin_add",
    description = "Adds a device of any kind for any user.",
    request_body(content(
        (crate::api::AddDeviceForm = "application/json"),
        (crate::api::AddDeviceForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 201, description = "Added; a TOTP/HOTP key shown this once.", body = crate::api::AddedDevice),
        (status = 400, description = "`bad_request`, with `detail`.", body = crate::api::Refusal),
        (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`kind_unavailable`: `kind` is email and this site cannot send email.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn add_post(page: Page, Form(fields): Form) -> Result<Response, PageError> {
    let kit = &page.kit;
    let admin = access::admin(&page).await?;
    access::admin_fresh(&page, &admin, &add_url(kit)).await?;
    let d = match create(&page, &fields).await {
        Ok(d) => d,
        Err(Refused::Invalid(msg)) => return invalid(&page, &fields, msg).await,
        Err(Refused::Unavailable) => return unavailable(&page, &fields).await,
        Err(Refused::Internal) => return Err(PageError::Internal),
    };
    audit("admin_add", admin.user(), &d.persistent_id());
    let engine = kit.engine();
    let secret = if OATH.contains(&d.model_label()) {
        let a = engine
            .provisioning(&d.persistent_id())
            .await
            .or_internal()?;
        Some(otpkit::encoding::encode_base32(a.secret.expose()))
    } else {
        None
    };
    if page.json {
        let body = AddedDevice {
            device: d.persistent_id(),
            secret,
        };
        return Ok(secure(
            (StatusCode::CREATED, axum::Json(body)).into_response(),
        ));
    }
    let to = base(kit, &d);
    let flash = match secret {
        Some(s) => Flash::to(&to).seal_secret(engine.keys(), &s),
        None => Ok(Flash::to(&to)),
    };
    Ok(page.see_other(&to, flash.or_internal()?).await?)
}
