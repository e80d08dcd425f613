//! Self-service enrolment (SPEC §7.6) and device management (§7.7).

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use minijinja::context;
use otpkit::engine::{ChallengeOptions, TotpOptions, VerifyOptions};
use otpkit::session::ENROL_KEY;
use otpkit::store::Write;
use otpkit::{Device, Error as OtpError, UserId};

use super::login::{Step, complete, map_challenge, map_verify};
use super::pending;
use crate::error::{Code, Problem};
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::middleware::OtpState;
use crate::session::{Enrolment, SessionAdapter};
use crate::web::{Ctx, Fields, found, redirect_url, secure};

const TOTP: &str = "otp_totp.totpdevice";
const EMAIL: &str = "otp_email.emaildevice";

/// The authenticated user of a device-management request; anyone else goes to the login page
/// (a pending login is anonymous).
async fn user_of(ctx: &Ctx, next: &str) -> Result<(OtpState, UserId), Response> {
    let state = ctx.state().await;
    if state.is_unavailable() {
        return Err(ctx.internal().await);
    }
    match state.user() {
        Some(u) => Ok((state.clone(), u.clone())),
        None => Err(ctx.to_login(&ctx.kit.settings().login_url(), next).await),
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
    let max_ms = i64::from(ctx.kit.settings().reauth_max_age) * 1000;
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
    let res = match action {
        Action::Rename => {
            let name = fields.get("name").unwrap_or("").trim().to_owned();
            kit.engine().rename(&pid, &name).await
        }
        Action::Remove => {
            let r = kit.engine().remove(&pid).await;
            if r.is_ok() && state.device().map(Device::persistent_id) == Some(pid.clone()) {
                let adapter = SessionAdapter::new(ctx.session.clone());
                if kit.engine().logout_otp(&adapter).await.is_err() {
                    return ctx.internal().await;
                }
            }
            r
        }
        Action::Unlock => {
            let other = state.device().is_some_and(|d| d.persistent_id() != pid);
            if !other {
                let p = ctx.problem(Code::UnlockNotAllowed, "", 0);
                return refused(&ctx, &here, p).await;
            }
            kit.engine().unlock(&pid).await
        }
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
            refused(&ctx, &here, p).await
        }
        Err(OtpError::NotFound) => ctx.fail_code(Code::NotFound).await,
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "device action failed");
            ctx.internal().await
        }
    }
}

/// A refused form: the problem in JSON, or a 303 to `page` showing it (Post/Redirect/Get).
async fn refused(ctx: &Ctx, page: &str, p: Problem) -> Response {
    if ctx.json {
        return secure(p.into_json());
    }
    ctx.see_other(page, Flash::problem(page, &p)).await
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
    let (state, user) = match user_of(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = require_fresh(&ctx, &state, &user, &here).await {
        return r;
    }
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
                            Write::None
                        } else {
                            Write::Delete
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
    let (state, user) = match user_of(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = require_fresh(&ctx, &state, &user, &here).await {
        return r;
    }
    let device = match current_enrolment(&ctx, &user, TOTP).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    match ctx.take_flash().await {
        Ok(flash) => render_totp(&ctx, device.as_ref(), None, flash.as_ref()).await,
        Err(_) => ctx.internal().await,
    }
}

/// A refused TOTP enrolment form: JSON as before, HTML as a 303 back to the page, which
/// shows the error once (Post/Redirect/Get).
async fn totp_refused(ctx: &Ctx, device: Option<&Device>, p: Problem) -> Response {
    if ctx.json {
        return render_totp(ctx, device, Some(p), None).await;
    }
    let page = ctx.kit.url("/devices/totp/new/");
    ctx.see_other(&page, Flash::problem(&page, &p)).await
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
    let (state, user) = match user_of(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = require_fresh(&ctx, &state, &user, &here).await {
        return r;
    }
    if fields.get("otp_token").is_some() {
        let device = match current_enrolment(&ctx, &user, TOTP).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        let Some(device) = device else {
            let p = ctx.problem(Code::LoginExpired, "", 0);
            return totp_refused(&ctx, None, p).await;
        };
        let token = fields.get("otp_token").unwrap_or("");
        if token.trim().is_empty() {
            let p = ctx.problem(Code::TokenRequired, "", 0);
            return totp_refused(&ctx, Some(&device), p).await;
        }
        return match confirm(&ctx, &user, &device, token).await {
            Ok(r) => r,
            Err(p) => totp_refused(&ctx, Some(&device), p).await,
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
            return totp_refused(&ctx, None, p).await;
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

async fn render_email(
    ctx: &Ctx,
    user: &UserId,
    device: Option<&Device>,
    error: Option<Problem>,
    info: Option<String>,
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
            error => error.map(|p| p.message),
            info => info,
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
    let (state, user) = match user_of(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = require_fresh(&ctx, &state, &user, &here).await {
        return r;
    }
    let device = match current_enrolment(&ctx, &user, EMAIL).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    render_email(&ctx, &user, device.as_ref(), None, None).await
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
            if first && let Err(r) = pending::replace(ctx, user, device).await {
                return r;
            }
            render_email(ctx, user, Some(device), None, Some(p.message)).await
        }
        Step::Failed(p) if first => match pending::abandon(ctx, device).await {
            Ok(()) => render_email(ctx, user, None, Some(p), None).await,
            Err(r) => r,
        },
        Step::Failed(p) => render_email(ctx, user, Some(device), Some(p), None).await,
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
    let (state, user) = match user_of(&ctx, &here).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = require_fresh(&ctx, &state, &user, &here).await {
        return r;
    }
    if fields.get("otp_token").is_some() || fields.get("resend").is_some() {
        let device = match current_enrolment(&ctx, &user, EMAIL).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        let Some(device) = device else {
            let p = ctx.problem(Code::LoginExpired, "", 0);
            return render_email(&ctx, &user, None, Some(p), None).await;
        };
        if fields.get("resend").is_some() {
            return send_enrolment_challenge(&ctx, &user, &device, false).await;
        }
        let token = fields.get("otp_token").unwrap_or("");
        if token.trim().is_empty() {
            let p = ctx.problem(Code::TokenRequired, "", 0);
            return render_email(&ctx, &user, Some(&device), Some(p), None).await;
        }
        return match confirm(&ctx, &user, &device, token).await {
            Ok(r) => r,
            Err(p) => render_email(&ctx, &user, Some(&device), Some(p), None).await,
        };
    }
    if clear_enrolments(&ctx, &user).await.is_err() {
        return ctx.internal().await;
    }
    let email = fields.non_empty("email").map(|e| e.trim().to_owned());
    let device = match kit.engine().create_email(&user, None, email, false).await {
        Ok(d) => d,
        Err(OtpError::InvalidOption { .. } | OtpError::InvalidName(_)) => {
            let p = ctx.problem(Code::BadRequest, "", 0);
            return render_email(&ctx, &user, None, Some(p), None).await;
        }
        Err(_) => return ctx.internal().await,
    };
    if let Err(r) = start_enrolment(&ctx, &device).await {
        return r;
    }
    send_enrolment_challenge(&ctx, &user, &device, true).await
}
