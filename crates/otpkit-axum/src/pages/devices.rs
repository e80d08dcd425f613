//! Device management (SPEC §7.7): the list, rename, remove, unlock, and backup codes
//! (§7.6). Enrolment of the other kinds is in `enrol`.

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use minijinja::context;
use otpkit::{Device, Error as OtpError, UserId};

use crate::error::Code;
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::middleware::OtpState;
use crate::session::SessionAdapter;
use crate::web::{Ctx, found, redirect_url, secure};

pub(crate) const TOTP: &str = "otp_totp.totpdevice";
pub(crate) const EMAIL: &str = "otp_email.emaildevice";

/// The authenticated user of a device-management request; anyone else goes to the login page
/// (a pending login is anonymous).
pub(crate) async fn user_of(ctx: &Ctx, next: &str) -> Result<(OtpState, UserId), Response> {
    let state = ctx.state().await;
    if state.is_unavailable() {
        return Err(ctx.internal().await);
    }
    match state.user() {
        Some(u) => Ok((state.clone(), u.clone())),
        None => Err(ctx
            .to_login(&ctx.kit.web_settings().login_url(), next)
            .await),
    }
}

async fn has_confirmed(ctx: &Ctx, user: &UserId) -> Result<bool, Response> {
    match ctx
        .kit
        .engine()
        .user_has_device(Some(user), Some(true))
        .await
    {
        Ok(b) => Ok(b),
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "device lookup failed");
            Err(ctx.internal().await)
        }
    }
}

/// The freshness rule (SPEC §7.6): a user with a confirmed device needs a verification at
/// most `OTPKIT_REAUTH_MAX_AGE` old; else `/verify/?next=…` (HTML) or 403
/// `reauth_required` (JSON). A user without one (the first device) is exempt.
pub(crate) async fn require_fresh(
    ctx: &Ctx,
    state: &OtpState,
    user: &UserId,
    next: &str,
) -> Result<(), Response> {
    if !has_confirmed(ctx, user).await? {
        return Ok(());
    }
    let max_ms = i64::from(ctx.kit.web_settings().reauth_max_age) * 1000;
    let now = ctx.kit.engine().now();
    let fresh = state.is_verified()
        && state
            .verified_at()
            .is_some_and(|t| now.millis_since(t) <= max_ms && t <= now);
    if fresh {
        return Ok(());
    }
    if ctx.json {
        return Err(ctx.fail_code(Code::ReauthRequired).await);
    }
    Err(secure(found(&redirect_url(
        &ctx.kit.url("/verify/"),
        "next",
        next,
    ))))
}

/// The authenticated user of a sensitive request, checked for freshness ([`require_fresh`]):
/// the opening of every enrolment and backup-code handler.
pub(crate) async fn fresh_user(ctx: &Ctx, here: &str) -> Result<UserId, Response> {
    let (state, user) = user_of(ctx, here).await?;
    require_fresh(ctx, &state, &user, here).await?;
    Ok(user)
}

/// Viewing the device list needs a verified session once the user has a device.
async fn require_verified(
    ctx: &Ctx,
    state: &OtpState,
    user: &UserId,
    next: &str,
) -> Result<(), Response> {
    if state.is_verified() || !has_confirmed(ctx, user).await? {
        return Ok(());
    }
    if ctx.json {
        return Err(ctx.fail_code(Code::ReauthRequired).await);
    }
    Err(secure(found(&redirect_url(
        &ctx.kit.url("/verify/"),
        "next",
        next,
    ))))
}

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
pub(crate) async fn list(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let here = kit.url("/devices/");
    let (state, user) = match user_of(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = require_verified(&ctx, &state, &user, &here).await {
        return r;
    }
    let flash = match ctx.take_flash().await {
        Ok(f) => f.unwrap_or_default(),
        Err(_) => return ctx.internal().await,
    };
    render_list(&ctx, &state, &user, &flash).await
}

async fn render_list(ctx: &Ctx, state: &OtpState, user: &UserId, flash: &Flash) -> Response {
    let kit = &ctx.kit;
    let devices = match kit.engine().devices_for_user(Some(user), None).await {
        Ok(d) => d,
        Err(_) => return ctx.internal().await,
    };
    if ctx.json {
        let list: Vec<_> = devices.iter().map(|d| device_json(kit, d)).collect();
        return secure(axum::Json(serde_json::json!({ "devices": list })).into_response());
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
    ctx.page(
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
    .await
}

/// What a device action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Rename,
    Remove,
    Unlock,
}

/// `POST /devices/{model_label}/{id}/{rename|remove|unlock}/`.
pub(crate) async fn action(
    kit: OtpKit,
    action: Action,
    label: String,
    id: String,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let fields = match ctx.form(&parts.headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let here = kit.url("/devices/");
    let (state, user) = match user_of(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let pid = format!("{label}/{id}");
    let device = match kit.engine().from_persistent_id(&pid).await {
        Ok(Some(d)) if d.user() == &user => d,
        Ok(_) => return ctx.fail_code(Code::NotFound).await,
        Err(_) => return ctx.internal().await,
    };
    if let Err(r) = require_fresh(&ctx, &state, &user, &here).await {
        return r;
    }
    let pid = device.persistent_id();
    crate::web::audit(
        match action {
            Action::Rename => "rename",
            Action::Remove => "remove",
            Action::Unlock => "unlock",
        },
        Some(&user),
        &pid,
    );
    let res = match run_action(&ctx, action, &state, &pid, &fields).await {
        Ok(res) => res,
        Err(r) => return r,
    };
    match res {
        Ok(d) => {
            if ctx.json {
                let body = if action == Action::Remove {
                    serde_json::json!({"status": "removed", "device": pid})
                } else {
                    serde_json::json!({"status": "ok", "device": device_json(&kit, &d)})
                };
                return secure(axum::Json(body).into_response());
            }
            secure(found(&here))
        }
        Err(OtpError::InvalidName(_)) => {
            let p = ctx.problem(Code::BadRequest, "", 0);
            ctx.refuse(&here, p).await
        }
        Err(OtpError::NotFound) => ctx.fail_code(Code::NotFound).await,
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "device action failed");
            ctx.internal().await
        }
    }
}

/// Runs a device action on `pid` (the user's own device, freshness checked).
async fn run_action(
    ctx: &Ctx,
    action: Action,
    state: &OtpState,
    pid: &str,
    fields: &crate::web::Fields,
) -> Result<Result<Device, OtpError>, Response> {
    let kit = &ctx.kit;
    let here = kit.url("/devices/");
    Ok(match action {
        Action::Rename => {
            let name = fields.get("name").unwrap_or("").trim().to_owned();
            kit.engine().rename(pid, &name).await
        }
        Action::Remove => {
            let r = kit.engine().remove(pid).await;
            if r.is_ok() && state.device().map(Device::persistent_id).as_deref() == Some(pid) {
                let adapter = SessionAdapter::new(ctx.session.clone());
                if kit.engine().logout_otp(&adapter).await.is_err() {
                    return Err(ctx.internal().await);
                }
            }
            r
        }
        Action::Unlock => {
            let other = state.device().is_some_and(|d| d.persistent_id() != pid);
            if !other {
                let p = ctx.problem(Code::UnlockNotAllowed, "", 0);
                return Err(ctx.refuse(&here, p).await);
            }
            kit.engine().unlock(pid).await
        }
    })
}

/// Route adapter for the actions.
pub(crate) async fn rename(
    State(kit): State<OtpKit>,
    Path((label, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    action(kit, Action::Rename, label, id, req).await
}
/// Route adapter for the actions.
pub(crate) async fn remove(
    State(kit): State<OtpKit>,
    Path((label, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    action(kit, Action::Remove, label, id, req).await
}
/// Route adapter for the actions.
pub(crate) async fn unlock(
    State(kit): State<OtpKit>,
    Path((label, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    action(kit, Action::Unlock, label, id, req).await
}

/// `POST /devices/backup-codes/`: a new batch, shown once.
pub(crate) async fn backup_codes(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let fields = match ctx.form(&parts.headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let here = kit.url("/devices/");
    let user = match fresh_user(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (device, codes) = match kit.engine().generate_backup_codes(&user, None).await {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "backup code generation failed");
            return ctx.internal().await;
        }
    };
    let codes: Vec<String> = codes.iter().map(|c| c.expose().to_owned()).collect();
    let text = format!("{}\n", codes.join("\n"));
    let accept_text = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.starts_with("text/plain"));
    if fields.get("format") == Some("text") || accept_text {
        return secure(
            (
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"backup-codes.txt\"",
                    ),
                ],
                text,
            )
                .into_response(),
        );
    }
    if ctx.json {
        return secure(
            axum::Json(serde_json::json!({"device": device.persistent_id(), "codes": codes}))
                .into_response(),
        );
    }
    // Post/Redirect/Get: the batch is shown once, on the GET that follows; a refresh of
    // that page shows no codes and makes none.
    let page = kit.url("/devices/backup-codes/");
    match Flash::to(&page).seal_codes(kit.engine().keys(), &codes) {
        Ok(flash) => ctx.see_other(&page, flash).await,
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "sealing the new codes failed");
            ctx.internal().await
        }
    }
}

/// `GET /devices/backup-codes/`: the batch the POST before made, exactly once; afterwards
/// a note that the codes were shown and a button to make new ones.
pub(crate) async fn backup_codes_get(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let here = kit.url("/devices/backup-codes/");
    if let Err(r) = user_of(&ctx, &here).await {
        return r;
    }
    let codes = match ctx.take_flash().await {
        Ok(f) => f.and_then(|f| f.open_codes(kit.engine().keys())),
        Err(_) => return ctx.internal().await,
    };
    codes_page(&ctx, &codes.unwrap_or_default(), None).await
}

/// The page showing a new batch of backup codes once, with a text download in the same
/// response (a `data:` link: no second request can fetch them).
pub(crate) async fn codes_page(ctx: &Ctx, codes: &[String], back: Option<String>) -> Response {
    let text = format!("{}\n", codes.join("\n"));
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        crate::web::encode_next(&text)
    );
    let mut resp = ctx
        .page(
            StatusCode::OK,
            "otpkit/backup_codes.html",
            "Backup codes",
            context! { codes => codes, download => download, back => back },
        )
        .await;
    if !codes.is_empty() {
        // Never kept by a cache, never offered again by the browser's history.
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
    }
    resp
}
