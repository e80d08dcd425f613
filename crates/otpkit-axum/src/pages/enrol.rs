//! Self-service enrolment (SPEC §7.6): an authenticator app (TOTP, with its QR code) and
//! email codes. A device is created unconfirmed, recorded in the session (`otpkit_enrol`),
//! and confirmed by its first code, which also verifies the session.

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use minijinja::context;
use otpkit::engine::{ChallengeOptions, TotpOptions, VerifyOptions};
use otpkit::session::ENROL_KEY;
use otpkit::store::Write;
use otpkit::{Device, Error as OtpError, UserId};

use super::devices::{EMAIL, TOTP, fresh_user, user_of};
use super::login::{Step, complete, map_challenge, map_verify};
use super::pending;
use crate::error::{Code, Problem};
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::session::Enrolment;
use crate::web::{Ctx, Fields, found, secure};

/// The enrolment in progress of this session for `user` and kind `label`, if still valid.
async fn current_enrolment(
    ctx: &Ctx,
    user: &UserId,
    label: &str,
) -> Result<Option<Device>, Response> {
    let e = match ctx.store().enrolment().await {
        Ok(e) => e,
        Err(_) => return Err(ctx.internal().await),
    };
    let Some(e) = e else { return Ok(None) };
    let d = match ctx.kit.engine().from_persistent_id(&e.persistent_id).await {
        Ok(d) => d,
        Err(_) => return Err(ctx.internal().await),
    };
    let ttl_ms = i64::from(ctx.kit.settings().enrolment_ttl) * 1000;
    let now = ctx.kit.engine().now();
    Ok(d.filter(|d| {
        d.user() == user
            && !d.confirmed()
            && d.model_label() == label
            && now.millis_since(d.created_at()) <= ttl_ms
    }))
}

/// Deletes this session's previous enrolment device and the user's expired unconfirmed
/// devices (no `device_removed` event: they never counted).
async fn clear_enrolments(ctx: &Ctx, user: &UserId) -> Result<(), OtpError> {
    let engine = ctx.kit.engine();
    let ttl_ms = i64::from(ctx.kit.settings().enrolment_ttl) * 1000;
    let now = engine.now();
    let previous = ctx
        .store()
        .enrolment()
        .await
        .ok()
        .flatten()
        .map(|e| e.persistent_id);
    for d in engine.devices_for_user(Some(user), Some(false)).await? {
        let pid = d.persistent_id();
        if previous.as_deref() == Some(pid.as_str()) || now.millis_since(d.created_at()) > ttl_ms {
            engine
                .store()
                .update(
                    d.id(),
                    Box::new(|r| {
                        if r.confirmed {
                            Write::None.into()
                        } else {
                            Write::Delete.into()
                        }
                    }),
                )
                .await?;
        }
    }
    Ok(())
}

async fn start_enrolment(ctx: &Ctx, d: &Device) -> Result<(), Response> {
    let e = Enrolment {
        persistent_id: d.persistent_id(),
        started_at: ctx.kit.engine().now(),
    };
    match ctx.store().set_enrolment(&e).await {
        Ok(()) => Ok(()),
        Err(_) => Err(ctx.internal().await),
    }
}

/// The enrolment-confirm path: `confirm_device`, then `login()` (SPEC §7.6).
async fn confirm(
    ctx: &Ctx,
    user: &UserId,
    device: &Device,
    token: &str,
) -> Result<Response, Problem> {
    let binding = match ctx.store().binding().await {
        Ok(b) => b,
        Err(_) => return Ok(ctx.internal().await),
    };
    let pid = device.persistent_id();
    let res = ctx
        .kit
        .engine()
        .confirm_device(
            user,
            &pid,
            token,
            &VerifyOptions {
                binding: Some(binding),
            },
        )
        .await;
    match map_verify(ctx, user, &pid, res) {
        Step::Verified(d) => {
            if ctx.store().remove(ENROL_KEY).await.is_err() {
                return Ok(ctx.internal().await);
            }
            Ok(complete(ctx, user, &d, &ctx.kit.url("/devices/")).await)
        }
        Step::Failed(p) | Step::Challenge(p, _) => Err(p),
        Step::Internal => Ok(ctx.internal().await),
    }
}

/// Groups of four.
fn grouped(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn render_totp(
    ctx: &Ctx,
    device: Option<&Device>,
    error: Option<Problem>,
    flash: Option<&Flash>,
) -> Response {
    let kit = &ctx.kit;
    let message = error
        .as_ref()
        .map(|p| p.message.clone())
        .or_else(|| flash.and_then(|f| f.error.clone()));
    let Some(device) = device else {
        if ctx.json {
            if let Some(p) = error {
                return secure(p.into_json());
            }
            return secure(
                axum::Json(serde_json::json!({"status": "not_started"})).into_response(),
            );
        }
        return ctx
            .page(
                StatusCode::OK,
                "otpkit/totp_new.html",
                "Set up an authenticator app",
                context! { started => false, error => message },
            )
            .await;
    };
    let pid = device.persistent_id();
    let (uri, secret) = match kit.engine().provisioning(&pid).await {
        Ok(a) => (
            a.to_uri(),
            otpkit::encoding::encode_base32(a.secret.expose()),
        ),
        Err(_) => return ctx.internal().await,
    };
    if ctx.json {
        if let Some(p) = error {
            return secure(p.into_json());
        }
        return secure(
            axum::Json(serde_json::json!({
                "status": "enrolment_started",
                "device": pid,
                "uri": uri.expose(),
                "secret": secret,
            }))
            .into_response(),
        );
    }
    let svg = match otpkit::qr::qr_svg(uri.expose()) {
        Ok(s) => strip_xml_declaration(&s),
        Err(_) => return ctx.internal().await,
    };
    ctx.page(
        StatusCode::OK,
        "otpkit/totp_new.html",
        "Set up an authenticator app",
        context! {
            started => true,
            qr_svg => minijinja::Value::from_safe_string(svg),
            qr_url => kit.url("/devices/totp/new/qrcode.svg"),
            uri => uri.expose(),
            secret => grouped(&secret),
            error => message,
        },
    )
    .await
}

fn strip_xml_declaration(svg: &str) -> String {
    match svg.find("?>") {
        Some(i) if svg.starts_with("<?xml") => svg.get(i + 2..).unwrap_or("").trim().to_owned(),
        _ => svg.to_owned(),
    }
}

/// `GET /devices/totp/new/`.
pub(crate) async fn totp_get(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let here = kit.url("/devices/totp/new/");
    let user = match fresh_user(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let device = match current_enrolment(&ctx, &user, TOTP).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    match ctx.take_flash().await {
        Ok(flash) => render_totp(&ctx, device.as_ref(), None, flash.as_ref()).await,
        Err(_) => ctx.internal().await,
    }
}

/// `POST /devices/totp/new/`: start (`start`) or confirm with the first code (`otp_token`).
pub(crate) async fn totp_post(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let fields = match ctx.form(&parts.headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let here = kit.url("/devices/totp/new/");
    let user = match fresh_user(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if fields.get("otp_token").is_some() {
        let device = match current_enrolment(&ctx, &user, TOTP).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        let Some(device) = device else {
            let p = ctx.problem(Code::LoginExpired, "", 0);
            return ctx.refuse(&here, p).await;
        };
        let token = fields.get("otp_token").unwrap_or("");
        if token.trim().is_empty() {
            let p = ctx.problem(Code::TokenRequired, "", 0);
            return ctx.refuse(&here, p).await;
        }
        return match confirm(&ctx, &user, &device, token).await {
            Ok(r) => r,
            Err(p) => ctx.refuse(&here, p).await,
        };
    }
    if clear_enrolments(&ctx, &user).await.is_err() {
        return ctx.internal().await;
    }
    let name = fields.non_empty("name").map(|n| n.trim().to_owned());
    let opts = TotpOptions {
        name,
        unconfirmed: true,
        ..TotpOptions::default()
    };
    let device = match kit.engine().create_totp(&user, opts).await {
        Ok(d) => d,
        Err(OtpError::InvalidName(_)) => {
            let p = ctx.problem(Code::BadRequest, "", 0);
            return ctx.refuse(&here, p).await;
        }
        Err(_) => return ctx.internal().await,
    };
    if let Err(r) = pending::replace(&ctx, &user, &device).await {
        return r;
    }
    if let Err(r) = start_enrolment(&ctx, &device).await {
        return r;
    }
    if ctx.json {
        return render_totp(&ctx, Some(&device), None, None).await;
    }
    secure(found(&here))
}

/// `GET /devices/totp/new/qrcode.svg`: only for the session that started the enrolment.
pub(crate) async fn totp_qr(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let here = kit.url("/devices/totp/new/");
    let (_, user) = match user_of(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let device = match current_enrolment(&ctx, &user, TOTP).await {
        Ok(Some(d)) => d,
        Ok(None) => return ctx.fail_code(Code::NotFound).await,
        Err(r) => return r,
    };
    qr_response(&ctx, &device.persistent_id()).await
}

/// An SVG QR code of a device's otpauth URI, `no-store`.
pub(crate) async fn qr_response(ctx: &Ctx, pid: &str) -> Response {
    let uri = match ctx.kit.engine().config_url(pid).await {
        Ok(u) => u,
        Err(_) => return ctx.internal().await,
    };
    match otpkit::qr::qr_svg(uri.expose()) {
        Ok(svg) => secure(
            (
                [
                    (header::CONTENT_TYPE, "image/svg+xml"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                svg,
            )
                .into_response(),
        ),
        Err(_) => ctx.internal().await,
    }
}

/// The answer of an email enrolment POST: JSON in the response; HTML as a 303 to the
/// enrolment page with the outcome as a flash (Post/Redirect/Get: a refresh never sends
/// another email).
async fn email_answer(
    ctx: &Ctx,
    user: &UserId,
    device: Option<&Device>,
    error: Option<Problem>,
    info: Option<String>,
) -> Response {
    if ctx.json {
        return render_email(ctx, user, device, error, info, None).await;
    }
    let page = ctx.kit.url("/devices/email/new/");
    ctx.see_other(&page, Flash::outcome(&page, error.as_ref(), info))
        .await
}

async fn render_email(
    ctx: &Ctx,
    user: &UserId,
    device: Option<&Device>,
    error: Option<Problem>,
    info: Option<String>,
    flash: Option<&Flash>,
) -> Response {
    if ctx.json {
        if let Some(p) = error {
            return secure(p.into_json());
        }
        let body = match device {
            Some(d) => serde_json::json!({
                "status": "challenge_sent",
                "device": d.persistent_id(),
                "message": info,
            }),
            None => serde_json::json!({"status": "not_started"}),
        };
        let status = if device.is_some() {
            StatusCode::ACCEPTED
        } else {
            StatusCode::OK
        };
        return secure((status, axum::Json(body)).into_response());
    }
    let default_email = ctx
        .kit
        .engine()
        .users()
        .lookup(user)
        .await
        .and_then(|i| i.email)
        .unwrap_or_default();
    ctx.page(
        StatusCode::OK,
        "otpkit/email_new.html",
        "Set up email codes",
        context! {
            started => device.is_some(),
            email => default_email,
            error => error.map(|p| p.message).or_else(|| flash.and_then(|f| f.error.clone())),
            info => info.or_else(|| flash.and_then(|f| f.info.clone())),
        },
    )
    .await
}

/// `GET /devices/email/new/`.
pub(crate) async fn email_get(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let here = kit.url("/devices/email/new/");
    let user = match fresh_user(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let device = match current_enrolment(&ctx, &user, EMAIL).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    match ctx.take_flash().await {
        Ok(flash) => render_email(&ctx, &user, device.as_ref(), None, None, flash.as_ref()).await,
        Err(_) => ctx.internal().await,
    }
}

/// Sends the enrolment's code. `first`: the challenge of a new enrolment, which on success
/// replaces the user's other pending email enrolments and on failure leaves no device behind
/// (a failed resend keeps its enrolment).
async fn send_enrolment_challenge(
    ctx: &Ctx,
    user: &UserId,
    device: &Device,
    first: bool,
) -> Response {
    let binding = match ctx.store().binding().await {
        Ok(b) => b,
        Err(_) => return ctx.internal().await,
    };
    let opts = ChallengeOptions {
        binding: Some(binding),
        for_enrolment: true,
        ..ChallengeOptions::default()
    };
    let pid = device.persistent_id();
    let res = ctx.kit.engine().generate_challenge(user, &pid, &opts).await;
    match map_challenge(ctx, &pid, res) {
        Step::Challenge(p, _) => {
            // Only a code that went out makes this the session's enrolment and replaces the
            // others: a refused second start (a double click inside the cooldown) leaves the
            // first one, whose code is on its way, usable.
            if first {
                if clear_enrolments(ctx, user).await.is_err() {
                    return ctx.internal().await;
                }
                if let Err(r) = start_enrolment(ctx, device).await {
                    return r;
                }
                if let Err(r) = pending::replace(ctx, user, device).await {
                    return r;
                }
            }
            email_answer(ctx, user, Some(device), None, Some(p.message)).await
        }
        Step::Failed(p) if first => match pending::abandon(ctx, device).await {
            Ok(()) => email_answer(ctx, user, None, Some(p), None).await,
            Err(r) => r,
        },
        Step::Failed(p) => email_answer(ctx, user, Some(device), Some(p), None).await,
        Step::Verified(_) | Step::Internal => {
            if first && let Err(r) = pending::abandon(ctx, device).await {
                return r;
            }
            ctx.internal().await
        }
    }
}

/// `POST /devices/email/new/`: start with an address (`email`), resend (`resend`), or
/// confirm with the code (`otp_token`).
pub(crate) async fn email_post(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let fields: Fields = match ctx.form(&parts.headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let here = kit.url("/devices/email/new/");
    let user = match fresh_user(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if fields.get("otp_token").is_some() || fields.get("resend").is_some() {
        let device = match current_enrolment(&ctx, &user, EMAIL).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        let Some(device) = device else {
            let p = ctx.problem(Code::LoginExpired, "", 0);
            return email_answer(&ctx, &user, None, Some(p), None).await;
        };
        if fields.get("resend").is_some() {
            return send_enrolment_challenge(&ctx, &user, &device, false).await;
        }
        let token = fields.get("otp_token").unwrap_or("");
        if token.trim().is_empty() {
            let p = ctx.problem(Code::TokenRequired, "", 0);
            return email_answer(&ctx, &user, Some(&device), Some(p), None).await;
        }
        return match confirm(&ctx, &user, &device, token).await {
            Ok(r) => r,
            Err(p) => email_answer(&ctx, &user, Some(&device), Some(p), None).await,
        };
    }
    let email = fields.non_empty("email").map(|e| e.trim().to_owned());
    let device = match kit.engine().create_email(&user, None, email, false).await {
        Ok(d) => d,
        Err(OtpError::InvalidOption { .. } | OtpError::InvalidName(_)) => {
            let p = ctx.problem(Code::BadRequest, "", 0);
            return email_answer(&ctx, &user, None, Some(p), None).await;
        }
        Err(_) => return ctx.internal().await,
    };
    send_enrolment_challenge(&ctx, &user, &device, true).await
}
