//! The admin add form (SPEC §7.8): a device of any kind for any user; TOTP/HOTP keys
//! entered as base32 or hex, or generated.
//!
//! Post/Redirect/Get ([`crate::flash`]): a device added from the HTML form is shown on its
//! own page (303), its TOTP/HOTP key once, carried there sealed; a form that cannot be used
//! goes back (303) to the form with the error and the values typed — never the key. JSON
//! clients get `201 {"device", "secret"}` or `400 bad_request` in the POST's answer.

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::engine::{HotpOptions, TotpOptions};
use otpkit::{Device, SecretBytes, UserId};

use super::{OATH, admin_of, base, require_fresh};
use crate::error::Code;
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::web::{Ctx, Fields, secure};

/// The add form's fields shown again after an error (the key never is).
const KEPT: [&str; 5] = ["user", "kind", "name", "key_format", "email"];

fn add_url(kit: &OtpKit) -> String {
    kit.url("/admin/devices/add/")
}

/// `GET /admin/devices/add/`, with the error and values a failed POST left.
pub(crate) async fn add_get(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = admin_of(&ctx).await {
        return r;
    }
    let Ok(flash) = ctx.take_flash().await else {
        return ctx.internal().await;
    };
    let flash = flash.unwrap_or_default();
    ctx.page(
        StatusCode::OK,
        "otpkit/admin_add.html",
        "Add device | Administration",
        context! { error => flash.error, code => flash.code, form => flash.fields },
    )
    .await
}

/// A form that cannot be used: JSON 400 `bad_request` with `detail`; HTML back to the form.
async fn invalid(ctx: &Ctx, fields: &Fields, detail: String) -> Response {
    let p = ctx.problem(Code::BadRequest, "", 0);
    if ctx.json {
        let mut p = p;
        p.extra.insert("detail".into(), detail.into());
        return secure(p.into_json());
    }
    let page = add_url(&ctx.kit);
    let mut flash = Flash {
        error: Some(detail),
        ..Flash::problem(&page, &p)
    };
    for name in KEPT {
        if let Some(v) = fields.get(name) {
            flash = flash.field(name, v);
        }
    }
    ctx.see_other(&page, flash).await
}

/// Why the fields do not describe a device.
enum Refused {
    /// Shown to the administrator.
    Invalid(String),
    /// A storage or crypto failure.
    Internal,
}

/// Creates the device the fields describe.
async fn create(ctx: &Ctx, fields: &Fields) -> Result<Device, Refused> {
    let Some(user) = fields
        .non_empty("user")
        .and_then(|u| UserId::new(u.trim()).ok())
    else {
        return Err(Refused::Invalid("Enter a valid user id.".into()));
    };
    let name = fields.non_empty("name").map(|n| n.trim().to_owned());
    let key = key_of(fields).map_err(Refused::Invalid)?;
    let engine = ctx.kit.engine();
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
        "email" => {
            let email = fields.non_empty("email").map(|e| e.trim().to_owned());
            engine
                .create_email(&user, name.as_deref(), email, true)
                .await
        }
        "static" => engine.create_static(&user, name.as_deref(), true).await,
        _ => return Err(Refused::Invalid("Choose a device kind.".into())),
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
pub(crate) async fn add_post(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let fields = match ctx.form(&parts.headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let admin = match admin_of(&ctx).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = require_fresh(&ctx, &admin, &add_url(&kit)).await {
        return r;
    }
    let d = match create(&ctx, &fields).await {
        Ok(d) => d,
        Err(Refused::Invalid(msg)) => return invalid(&ctx, &fields, msg).await,
        Err(Refused::Internal) => return ctx.internal().await,
    };
    crate::web::audit("admin_add", admin.user(), &d.persistent_id());
    let engine = kit.engine();
    let secret = if OATH.contains(&d.model_label()) {
        match engine.provisioning(&d.persistent_id()).await {
            Ok(a) => Some(otpkit::encoding::encode_base32(a.secret.expose())),
            Err(_) => return ctx.internal().await,
        }
    } else {
        None
    };
    if ctx.json {
        let body = serde_json::json!({"device": d.persistent_id(), "secret": secret});
        return secure((StatusCode::CREATED, axum::Json(body)).into_response());
    }
    let page = base(&kit, &d);
    let flash = match secret {
        Some(s) => Flash::to(&page).seal_secret(engine.keys(), &s),
        None => Ok(Flash::to(&page)),
    };
    match flash {
        Ok(f) => ctx.see_other(&page, f).await,
        Err(_) => ctx.internal().await,
    }
}
