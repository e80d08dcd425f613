//! Login (`/login/`), re-verification (`/verify/`), admin login, logout and `/session`
//! (SPEC §7.3–7.5).

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::engine::{ChallengeOptions, ChallengeOutcome, MatchOptions};
use otpkit::policy::{GenerateNotAllowed, VerifyNotAllowed};
use otpkit::session::{DEVICE_KEY, ENROL_KEY, PENDING_KEY, VERIFIED_AT_KEY};
use otpkit::{Device, MatchOutcome, PersistentId, UserId, VerifyOutcome};

use crate::error::{Code, Problem, ceil_secs};
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::session::{SessionAdapter, SessionFailure};
use crate::web::{Ctx, Fields, found, query_next, redirect_url, secure};

/// Which login page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// `/login/`.
    Login,
    /// `/verify/`: the token step for an authenticated user, verified or not.
    Verify,
    /// `/admin/login/`.
    Admin,
}

impl Flow {
    fn action(self, kit: &OtpKit) -> String {
        kit.url(match self {
            Flow::Login => "/login/",
            Flow::Verify => "/verify/",
            Flow::Admin => "/admin/login/",
        })
    }
}

/// The preferred device (SPEC §7.3): the confirmed passive device used last, or the only
/// confirmed device.
pub(crate) fn preferred(devices: &[Device]) -> Option<&Device> {
    let mut best: Option<&Device> = None;
    for d in devices.iter().filter(|d| !d.is_interactive()) {
        if let Some(t) = d.last_used_at()
            && best.and_then(Device::last_used_at).is_none_or(|b| t > b)
        {
            best = Some(d);
        }
    }
    match (best, devices) {
        (Some(b), _) => Some(b),
        (None, [only]) => Some(only),
        _ => None,
    }
}

fn devices_json(devices: &[Device]) -> serde_json::Value {
    devices
        .iter()
        .map(|d| {
            serde_json::json!({
                "id": d.persistent_id(),
                "name": d.name(),
                "interactive": d.is_interactive(),
            })
        })
        .collect()
}

/// The device a form chose, among the user's confirmed devices.
fn chosen<'a>(devices: &'a [Device], fields: &Fields) -> Option<&'a Device> {
    let raw = fields.non_empty("otp_device")?;
    let pid = PersistentId::parse(raw.trim())?.to_string();
    devices.iter().find(|d| d.persistent_id() == pid)
}

/// What the token step came to.
pub(crate) enum Step {
    Verified(Device),
    /// A challenge was sent (`challenge_message`); re-show the form with this device.
    Challenge(Problem, String),
    Failed(Problem),
    Internal,
}

/// One token-step attempt (SPEC §7.3 step 2, precedence of django-otp 1.7.5).
async fn token_step(ctx: &Ctx, user: &UserId, devices: &[Device], fields: &Fields) -> Step {
    let engine = ctx.kit.engine();
    let chosen = chosen(devices, fields);
    let binding = match ctx.store().binding().await {
        Ok(b) => b,
        Err(SessionFailure) => return Step::Internal,
    };
    if fields.non_empty("otp_challenge").is_some() {
        let Some(d) = chosen.filter(|d| d.is_interactive()) else {
            return Step::Failed(ctx.problem(Code::NotInteractive, "", 0));
        };
        let opts = ChallengeOptions {
            binding: Some(binding),
            ..ChallengeOptions::default()
        };
        let pid = d.persistent_id();
        let res = engine.generate_challenge(user, &pid, &opts).await;
        return map_challenge(ctx, &pid, res);
    }
    let Some(token) = fields.non_empty("otp_token") else {
        return Step::Failed(ctx.problem(Code::TokenRequired, "", 0));
    };
    // A JSON client that names a device verifies against that device (it knows what it
    // chose). In the HTML form, where otpkit pre-selects a device for the user, the code is
    // tried against every confirmed passive device and the one selected (an email device
    // after its challenge), the selected one first: the choice is a hint ("use another
    // method"), never a trap. A code without a device is matched the same way (SPEC §7.3).
    if let Some(device) = chosen.filter(|_| ctx.json) {
        let pid = device.persistent_id();
        let opts = otpkit::engine::VerifyOptions {
            binding: Some(binding),
        };
        let res = engine
            .verify_token_detailed(Some(user), &pid, token, &opts)
            .await;
        return map_verify(ctx, user, &pid, res);
    }
    let hinted = chosen.or_else(|| preferred(devices));
    let opts = MatchOptions {
        passive_only: true,
        first: hinted.map(Device::id),
        binding: Some(binding),
    };
    let res = engine.match_token_detailed(Some(user), token, &opts).await;
    let pid = hinted.map(Device::persistent_id).unwrap_or_default();
    map_match(ctx, user, &pid, res)
}

/// Maps a match over the passive devices to the token step's outcome; `pid` is the device
/// the user pointed at (or the preferred one), named in the `verification_failed` hook.
fn map_match(
    ctx: &Ctx,
    user: &UserId,
    pid: &str,
    res: Result<MatchOutcome, otpkit::Error>,
) -> Step {
    match res {
        Ok(MatchOutcome::Accepted(d)) => Step::Verified(d),
        Ok(MatchOutcome::Rejected(r)) => map_verify(ctx, user, pid, Ok(VerifyOutcome::Rejected(r))),
        Ok(MatchOutcome::NotAllowed(r)) => {
            map_verify(ctx, user, pid, Ok(VerifyOutcome::NotAllowed(r)))
        }
        Ok(MatchOutcome::NoDevice) => Step::Failed(ctx.problem(Code::DeviceRequired, "", 0)),
        Err(e) => map_verify(ctx, user, pid, Err(e)),
    }
}

/// Maps a challenge result to the token step's outcome (SPEC §7.4).
pub(crate) fn map_challenge(
    ctx: &Ctx,
    pid: &str,
    res: Result<ChallengeOutcome, otpkit::Error>,
) -> Step {
    let engine = ctx.kit.engine();
    let pid = pid.to_owned();
    match res {
        Ok(ChallengeOutcome::Sent { message }) => {
            Step::Challenge(ctx.problem(Code::ChallengeMessage, &message, 0), pid)
        }
        Ok(ChallengeOutcome::NotFound | ChallengeOutcome::NotInteractive) => {
            Step::Failed(ctx.problem(Code::NotInteractive, "", 0))
        }
        Ok(ChallengeOutcome::Cooldown(GenerateNotAllowed::CooldownDurationPending {
            next_generation_at,
        })) => {
            let s = ceil_secs(engine.now(), next_generation_at);
            let mut p = ctx.problem(Code::ChallengeCooldown, &s.to_string(), s);
            p.retry_after = Some(s);
            Step::Failed(p)
        }
        Ok(ChallengeOutcome::Locked { failure_count }) => {
            let mut p = ctx.problem(
                Code::DeviceLocked,
                &failure_count.to_string(),
                u64::from(failure_count),
            );
            p.failure_count = Some(failure_count);
            Step::Failed(p)
        }
        Ok(ChallengeOutcome::Failed { message }) => {
            Step::Failed(ctx.problem(Code::ChallengeException, &message, 0))
        }
        Ok(ChallengeOutcome::Limited(refused)) => {
            let s = ceil_secs(engine.now(), refused.next_allowed_at);
            let mut p = ctx.problem(Code::ChallengeCooldown, &s.to_string(), s);
            p.retry_after = Some(s);
            Step::Failed(p)
        }
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "challenge failed");
            Step::Internal
        }
    }
}

/// Maps a verification result to the token step's outcome (SPEC §7.4).
pub(crate) fn map_verify(
    ctx: &Ctx,
    user: &UserId,
    pid: &str,
    res: Result<VerifyOutcome, otpkit::Error>,
) -> Step {
    let engine = ctx.kit.engine();
    match res {
        Ok(VerifyOutcome::Accepted(d)) => Step::Verified(d),
        Ok(VerifyOutcome::Rejected(reason)) => {
            ctx.kit.inner.hooks.verification_failed(user, pid, reason);
            Step::Failed(ctx.problem(Code::InvalidToken, "", 0))
        }
        Ok(VerifyOutcome::NotFound) => Step::Failed(ctx.problem(Code::InvalidToken, "", 0)),
        Ok(VerifyOutcome::NotAllowed(VerifyNotAllowed::NFailedAttempts {
            failure_count,
            locked_until,
        })) => {
            let n = u64::from(failure_count);
            let mut p = ctx.problem(Code::NFailedAttempts, &n.to_string(), n);
            p.failure_count = Some(failure_count);
            p.locked_until = Some(locked_until);
            p.retry_after = Some(ceil_secs(engine.now(), locked_until));
            Step::Failed(p)
        }
        Ok(VerifyOutcome::NotAllowed(VerifyNotAllowed::LockedOut { failure_count })) => {
            let n = u64::from(failure_count);
            let mut p = ctx.problem(Code::DeviceLocked, &n.to_string(), n);
            p.failure_count = Some(failure_count);
            Step::Failed(p)
        }
        Ok(VerifyOutcome::NotAllowed(VerifyNotAllowed::Kind { error_message })) => {
            let mut p = ctx.problem(Code::VerificationNotAllowed, "", 0);
            if !error_message.is_empty() {
                p.message = error_message;
            }
            Step::Failed(p)
        }
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "verification failed closed");
            Step::Internal
        }
    }
}

/// Everything a login page shows.
struct View<'a> {
    flow: Flow,
    step: &'static str,
    next: &'a str,
    devices: &'a [Device],
    selected: Option<String>,
    problem: Option<Problem>,
    info: Option<String>,
    /// What the POST before this GET left (Post/Redirect/Get).
    flash: Option<Flash>,
}

impl<'a> View<'a> {
    /// A page of `step` with an optional problem, nothing else.
    fn of(
        flow: Flow,
        step: &'static str,
        next: &'a str,
        devices: &'a [Device],
        problem: Option<Problem>,
    ) -> View<'a> {
        View {
            flow,
            step,
            next,
            devices,
            selected: None,
            problem,
            info: None,
            flash: None,
        }
    }
}

/// The GET address of a login page, with its `next`.
fn page_url(kit: &OtpKit, flow: Flow, next: &str) -> String {
    let action = flow.action(kit);
    if next.is_empty() {
        action
    } else {
        redirect_url(&action, "next", next)
    }
}

/// A POST's answer: JSON in the response, HTML as a 303 to the page's GET with the outcome
/// left as a flash (Post/Redirect/Get: no "Confirm Form Resubmission" after Back).
async fn answer(ctx: &Ctx, v: View<'_>, username: Option<&str>) -> Response {
    if ctx.json {
        return render(ctx, v).await;
    }
    let url = page_url(&ctx.kit, v.flow, v.next);
    let mut flash = Flash::outcome(&url, v.problem.as_ref(), v.info);
    if let Some(selected) = v.selected {
        flash = flash.field("otp_device", selected);
    }
    if let Some(u) = username.filter(|u| !u.is_empty()) {
        flash = flash.field("username", u);
    }
    ctx.see_other(&url, flash).await
}

/// On the admin login, the name of a signed-in user who may not use the admin area.
async fn authenticated_as(ctx: &Ctx, flow: Flow) -> Option<String> {
    if flow != Flow::Admin {
        return None;
    }
    let state = ctx.state().await;
    let u = state.user()?;
    if crate::pages::admin::has_access(&ctx.kit, &state).await {
        return None;
    }
    let info = ctx.kit.engine().users().lookup(u).await;
    Some(
        info.and_then(|i| i.display_name)
            .unwrap_or_else(|| u.as_str().to_owned()),
    )
}

async fn render(ctx: &Ctx, v: View<'_>) -> Response {
    if ctx.json {
        let mut body = match &v.problem {
            Some(p) => p.body(),
            None => serde_json::json!({}),
        };
        if let Some(m) = body.as_object_mut() {
            if v.step == "token" {
                m.insert("devices".into(), devices_json(v.devices));
            }
            if v.problem.is_none() {
                m.insert("step".into(), v.step.into());
                m.insert("state".into(), ctx.state().await.level().as_str().into());
            }
            if let Ok(t) = ctx.store().csrf_token().await {
                m.insert("csrf_token".into(), t.into());
            }
        }
        let status = v.problem.as_ref().map_or(StatusCode::OK, Problem::status);
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(p) = &v.problem {
            p.add_headers(&mut resp);
        }
        return secure(resp);
    }
    let flash = v.flash.unwrap_or_default();
    let selected = v
        .selected
        .or_else(|| flash.get("otp_device").map(str::to_owned))
        .or_else(|| preferred(v.devices).map(Device::persistent_id));
    let choices: Vec<_> = v
        .devices
        .iter()
        .map(|d| {
            let id = d.persistent_id();
            context! { selected => selected.as_deref() == Some(id.as_str()), id => id, name => d.name() }
        })
        .collect();
    let authenticated_as = authenticated_as(ctx, v.flow).await;
    let title = match v.flow {
        Flow::Verify => "Verify",
        Flow::Admin => "Log in | Administration",
        Flow::Login => "Log in",
    };
    let (error, code) = match &v.problem {
        Some(p) => (Some(p.message.clone()), Some(p.code.as_str().to_owned())),
        None => (flash.error.clone(), flash.code.clone()),
    };
    let info = v.info.or_else(|| flash.info.clone());
    let mut resp = ctx
        .page(
            StatusCode::OK,
            "otpkit/login.html",
            title,
            context! {
                step => v.step,
                admin => v.flow == Flow::Admin,
                action => v.flow.action(&ctx.kit),
                next => v.next,
                devices => choices,
                error => error,
                code => code,
                info => info,
                username => flash.get("username"),
                authenticated_as => authenticated_as,
            },
        )
        .await;
    match &v.problem {
        Some(p) => p.add_headers(&mut resp),
        None => flash.add_headers(&mut resp),
    }
    resp
}

async fn confirmed_devices(ctx: &Ctx, user: &UserId) -> Result<Vec<Device>, Response> {
    match ctx
        .kit
        .engine()
        .devices_for_user(Some(user), Some(true))
        .await
    {
        Ok(d) => Ok(d),
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "device listing failed");
            Err(ctx.internal().await)
        }
    }
}

/// `GET /login/`, `/verify/`, `/admin/login/`.
pub(crate) async fn get(kit: OtpKit, flow: Flow, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let next = query_next(&parts, "next").unwrap_or_default();
    let state = ctx.state().await;
    if state.is_unavailable() {
        return ctx.internal().await;
    }
    let Ok(flash) = ctx.take_flash().await else {
        return ctx.internal().await;
    };
    let show = |step, devices, problem| View {
        flash: flash.clone(),
        ..View::of(flow, step, &next, devices, problem)
    };
    if flow == Flow::Verify {
        let Some(user) = state.user() else {
            return ctx
                .to_login(&kit.web_settings().login_url(), &ctx.path)
                .await;
        };
        let devices = match confirmed_devices(&ctx, user).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        if devices.is_empty() {
            return render(&ctx, show("no_device", &[], None)).await;
        }
        return render(&ctx, show("token", &devices, None)).await;
    }
    if let (Some(user), false) = (state.user(), state.is_verified()) {
        let devices = match confirmed_devices(&ctx, user).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        if devices.is_empty() {
            let p = ctx.problem(Code::NoDevice, "", 0);
            return render(&ctx, show("no_device", &[], Some(p))).await;
        }
        return render(&ctx, show("token", &devices, None)).await;
    }
    if state.user().is_none() {
        match ctx.store().pending().await {
            Err(SessionFailure) => return ctx.internal().await,
            Ok(Some(p)) if p.is_expired(kit.engine().now()) => {
                if ctx.store().remove(PENDING_KEY).await.is_err() {
                    return ctx.internal().await;
                }
                let prob = ctx.problem(Code::LoginExpired, "", 0);
                return render(&ctx, show("credentials", &[], Some(prob))).await;
            }
            Ok(Some(p)) => {
                let devices = match confirmed_devices(&ctx, &p.user).await {
                    Ok(d) => d,
                    Err(r) => return r,
                };
                return render(&ctx, show("token", &devices, None)).await;
            }
            Ok(None) => {}
        }
    }
    render(&ctx, show("credentials", &[], None)).await
}

/// `POST /login/`, `/verify/`, `/admin/login/`.
pub(crate) async fn post(kit: OtpKit, flow: Flow, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let fields = match ctx.form(&parts.headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let next = fields.get("next").unwrap_or("").to_owned();
    let state = ctx.state().await;
    if state.is_unavailable() {
        return ctx.internal().await;
    }
    let credentials = fields.get("username").is_some() || fields.get("password").is_some();
    if credentials && flow != Flow::Verify {
        return first_factor(&ctx, flow, &fields, &next).await;
    }
    // The token step: whose?
    let user = if flow == Flow::Verify {
        match state.user() {
            Some(u) => u.clone(),
            None => {
                return ctx
                    .to_login(&kit.web_settings().login_url(), &ctx.path)
                    .await;
            }
        }
    } else if let Some(u) = state.user() {
        u.clone()
    } else {
        match ctx.store().pending().await {
            Err(SessionFailure) => return ctx.internal().await,
            Ok(Some(p)) if !p.is_expired(kit.engine().now()) => p.user,
            Ok(p) => {
                if p.is_some() && ctx.store().remove(PENDING_KEY).await.is_err() {
                    return ctx.internal().await;
                }
                let prob = ctx.problem(Code::LoginExpired, "", 0);
                let v = View::of(flow, "credentials", &next, &[], Some(prob));
                return answer(&ctx, v, None).await;
            }
        }
    };
    let devices = match confirmed_devices(&ctx, &user).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if devices.is_empty() {
        let p = ctx.problem(Code::NoDevice, "", 0);
        return answer(&ctx, View::of(flow, "no_device", &next, &[], Some(p)), None).await;
    }
    finish_token_step(&ctx, flow, &user, &devices, &fields, &next).await
}

async fn finish_token_step(
    ctx: &Ctx,
    flow: Flow,
    user: &UserId,
    devices: &[Device],
    fields: &Fields,
    next: &str,
) -> Response {
    let selected = chosen(devices, fields).map(Device::persistent_id);
    match token_step(ctx, user, devices, fields).await {
        Step::Verified(d) => complete(ctx, user, &d, next).await,
        Step::Internal => ctx.internal().await,
        Step::Challenge(p, pid) => {
            if ctx.json {
                return secure(p.into_json());
            }
            let v = View {
                selected: Some(pid),
                info: Some(p.message.clone()),
                ..View::of(flow, "token", next, devices, None)
            };
            answer(ctx, v, None).await
        }
        Step::Failed(p) => {
            let v = View {
                selected,
                ..View::of(flow, "token", next, devices, Some(p))
            };
            answer(ctx, v, None).await
        }
    }
}

/// The JSON answer of a step that changed the authentication level: `body` plus the
/// session's new CSRF token, which the client needs for its next POST.
pub(crate) async fn level_changed(ctx: &Ctx, mut body: serde_json::Value) -> Response {
    let Ok(csrf) = ctx.store().csrf_token().await else {
        return ctx.internal().await;
    };
    if let Some(m) = body.as_object_mut() {
        m.insert("csrf_token".into(), csrf.into());
    }
    secure(axum::Json(body).into_response())
}

/// SPEC §7.3 step 1: the application's credential check, then a pending login.
async fn first_factor(ctx: &Ctx, flow: Flow, fields: &Fields, next: &str) -> Response {
    let kit = &ctx.kit;
    let username = fields.get("username").unwrap_or("");
    let password = fields.get("password").unwrap_or("");
    let checked = if username.is_empty() || password.is_empty() {
        Ok(None)
    } else {
        kit.auth().check_credentials(username, password).await
    };
    let user = match checked {
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "credential check failed");
            return ctx.internal().await;
        }
        Ok(u) => u,
    };
    let active = match &user {
        Some(u) => kit
            .engine()
            .users()
            .lookup(u)
            .await
            .is_some_and(|i| i.is_active),
        None => false,
    };
    let Some(user) = user.filter(|_| active) else {
        let p = ctx.problem(Code::InvalidLogin, "", 0);
        let v = View::of(flow, "credentials", next, &[], Some(p));
        return answer(ctx, v, Some(username)).await;
    };
    if start_pending(ctx, &user).await.is_err() {
        return ctx.internal().await;
    }
    let devices = match confirmed_devices(ctx, &user).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if devices.is_empty() {
        return without_device(ctx, flow, &user, next).await;
    }
    let has_token = fields.non_empty("otp_token").is_some();
    let has_challenge = fields.non_empty("otp_challenge").is_some();
    if has_token || has_challenge {
        return finish_token_step(ctx, flow, &user, &devices, fields, next).await;
    }
    let problem = ctx.json.then(|| ctx.problem(Code::TokenRequired, "", 0));
    answer(ctx, View::of(flow, "token", next, &devices, problem), None).await
}

/// A new login starts from a new session id; nothing of an earlier login survives.
async fn start_pending(ctx: &Ctx, user: &UserId) -> Result<(), SessionFailure> {
    let kit = &ctx.kit;
    if ctx.state().await.user().is_some() {
        kit.auth()
            .logout(&ctx.session)
            .await
            .map_err(|_| SessionFailure)?;
    }
    for k in [DEVICE_KEY, VERIFIED_AT_KEY, ENROL_KEY, PENDING_KEY] {
        ctx.store().remove(k).await?;
    }
    ctx.session.cycle_id().await?;
    let ttl = i64::from(kit.web_settings().pending_login_ttl);
    ctx.store()
        .set_pending(user, kit.engine().now().add_secs(ttl))
        .await?;
    ctx.store().rotate_csrf().await?;
    Ok(())
}

/// The first factor passed for a user without a confirmed device: signed in unverified
/// (`OTPKIT_LOGIN_OTP_OPTIONAL`), or refused with `no_device`.
async fn without_device(ctx: &Ctx, flow: Flow, user: &UserId, next: &str) -> Response {
    let kit = &ctx.kit;
    if ctx.store().remove(PENDING_KEY).await.is_err() {
        return ctx.internal().await;
    }
    if !kit.web_settings().login_otp_optional {
        let p = ctx.problem(Code::NoDevice, "", 0);
        return answer(ctx, View::of(flow, "credentials", next, &[], Some(p)), None).await;
    }
    if let Err(e) = kit.auth().login(&ctx.session, user).await {
        tracing::error!(target: "otpkit_axum", error = %e, "session login failed");
        return ctx.internal().await;
    }
    let to = ctx.next_or_default(Some(next));
    if ctx.json {
        return level_changed(
            ctx,
            serde_json::json!({"status": "authenticated", "next": to}),
        )
        .await;
    }
    secure(found(&to))
}

/// SPEC §7.3 step 3: consume the pending login, mark the user authenticated, `login()`.
pub(crate) async fn complete(ctx: &Ctx, user: &UserId, device: &Device, next: &str) -> Response {
    let kit = &ctx.kit;
    // A pending login is single use: of two requests completing it at once, the second is
    // refused (its code was consumed; REQ-14 F5: consumed, not logged in).
    match ctx.store().pending().await {
        Ok(Some(p)) if !kit.inner.claims.claim(&p, kit.engine().now()) => {
            let prob = ctx.problem(Code::LoginExpired, "", 0);
            return answer(
                ctx,
                View::of(Flow::Login, "credentials", next, &[], Some(prob)),
                None,
            )
            .await;
        }
        Ok(_) => {}
        Err(SessionFailure) => return ctx.internal().await,
    }
    // Read afresh: the first factor of this very request may have changed the session.
    let current = match kit.auth().current_user(&ctx.session).await {
        Ok(u) => u,
        Err(_) => return ctx.internal().await,
    };
    if current.as_ref() != Some(user)
        && let Err(e) = kit.auth().login(&ctx.session, user).await
    {
        tracing::error!(target: "otpkit_axum", error = %e, "session login failed");
        return ctx.internal().await;
    }
    let adapter = SessionAdapter::new(ctx.session.clone());
    match kit.engine().login(&adapter, user, device).await {
        Ok(true) => {}
        Ok(false) => return ctx.internal().await,
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "session write failed");
            return ctx.internal().await;
        }
    }
    if ctx.store().rotate_csrf().await.is_err() {
        return ctx.internal().await;
    }
    let pid = device.persistent_id();
    kit.inner.hooks.verification_succeeded(user, &pid);
    let to = ctx.next_or_default(Some(next));
    if ctx.json {
        return level_changed(
            ctx,
            serde_json::json!({"status": "verified", "device": pid, "next": to}),
        )
        .await;
    }
    secure(found(&to))
}
