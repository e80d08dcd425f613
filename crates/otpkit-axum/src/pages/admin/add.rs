//! The admin add form (SPEC §7.8): a device of any kind for any user; TOTP/HOTP keys
//! entered as base32 or hex, or generated.

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::UserId;
use otpkit::engine::{HotpOptions, TotpOptions};

use super::{OATH, admin_of, render_device, require_fresh};
use crate::error::Code;
use crate::kit::OtpKit;
use crate::web::{Ctx, secure};

/// `GET /admin/devices/add/`.
pub(crate) async fn add_get(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = admin_of(&ctx).await {
        return r;
    }
    ctx.page(
        StatusCode::OK,
        "otpkit/admin_add.html",
        "Add device | Administration",
        context! { error => None::<String> },
    )
    .await
}

/// `POST /admin/devices/add/`: `user`, `kind` (`totp`, `hotp`, `email`, `static`),
/// `name`, `key` with `key_format` (`base32` or `hex`; empty = generated), `email`.
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
    if let Err(r) = require_fresh(&ctx, &admin, &kit.url("/admin/devices/add/")).await {
        return r;
    }
    let invalid = |msg: String| {
        let ctx = ctx.clone();
        async move {
            if ctx.json {
                let mut p = ctx.problem(Code::BadRequest, "", 0);
                p.extra.insert("detail".into(), msg.into());
                return secure(p.into_json());
            }
            ctx.page(
                StatusCode::BAD_REQUEST,
                "otpkit/admin_add.html",
                "Add device | Administration",
                context! { error => msg },
            )
            .await
        }
    };
    let Some(user) = fields
        .non_empty("user")
        .and_then(|u| UserId::new(u.trim()).ok())
    else {
        return invalid("Enter a valid user id.".into()).await;
    };
    let name = fields.non_empty("name").map(|n| n.trim().to_owned());
    let key = match fields.non_empty("key") {
        None => None,
        Some(k) => {
            let parsed = if fields.get("key_format") == Some("hex") {
                otpkit::encoding::decode_hex_secret(k.trim())
            } else {
                otpkit::encoding::decode_base32_secret(k.trim())
            };
            match parsed {
                Ok(s) => Some(s),
                Err(e) => return invalid(e.to_string()).await,
            }
        }
    };
    let engine = kit.engine();
    let created = match fields.get("kind").unwrap_or("") {
        "totp" => {
            engine
                .create_totp(
                    &user,
                    TotpOptions {
                        name,
                        key,
                        ..TotpOptions::default()
                    },
                )
                .await
        }
        "hotp" => {
            engine
                .create_hotp(
                    &user,
                    HotpOptions {
                        name,
                        key,
                        ..HotpOptions::default()
                    },
                )
                .await
        }
        "email" => {
            let email = fields.non_empty("email").map(|e| e.trim().to_owned());
            engine
                .create_email(&user, name.as_deref(), email, true)
                .await
        }
        "static" => engine.create_static(&user, name.as_deref(), true).await,
        _ => return invalid("Choose a device kind.".into()).await,
    };
    let d = match created {
        Ok(d) => {
            crate::web::audit("admin_add", admin.user(), &d.persistent_id());
            d
        }
        Err(e) if e.is_internal() => return ctx.internal().await,
        Err(e) => return invalid(e.to_string()).await,
    };
    let secret = if OATH.contains(&d.model_label()) {
        match engine.provisioning(&d.persistent_id()).await {
            Ok(a) => Some(otpkit::encoding::encode_base32(a.secret.expose())),
            Err(_) => return ctx.internal().await,
        }
    } else {
        None
    };
    if ctx.json {
        return secure(
            (
                StatusCode::CREATED,
                axum::Json(serde_json::json!({"device": d.persistent_id(), "secret": secret})),
            )
                .into_response(),
        );
    }
    render_device(&ctx, &d, secret).await
}
