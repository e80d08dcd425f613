//! The admin area (`/admin/`, SPEC §7.8): device list with filters and search, device
//! pages, configuration (QR) views and actions. Access: active **and** staff **and**
//! verified; anyone else is sent to `/admin/login/?next=…`.

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::engine::{HotpOptions, TotpOptions};
use otpkit::store::DeviceQuery;
use otpkit::{Device, Timestamp, UserId};

use super::devices::qr_response;
use crate::error::Code;
use crate::kit::OtpKit;
use crate::middleware::OtpState;
use crate::web::{Ctx, found, query_fields, secure};

const OATH: [&str; 2] = ["otp_totp.totpdevice", "otp_hotp.hotpdevice"];

/// Whether the state may use the admin area.
pub(crate) async fn has_access(kit: &OtpKit, state: &OtpState) -> bool {
    let Some(user) = state.user() else {
        return false;
    };
    state.is_verified()
        && kit
            .engine()
            .users()
            .lookup(user)
            .await
            .is_some_and(|i| i.is_active && i.is_staff)
}

async fn admin_of(ctx: &Ctx) -> Result<OtpState, Response> {
    let state = ctx.state().await;
    if state.is_unavailable() {
        return Err(ctx.internal().await);
    }
    if has_access(&ctx.kit, &state).await {
        return Ok(state);
    }
    Err(ctx.to_login(&ctx.kit.url("/admin/login/"), &ctx.path).await)
}

async fn device_of(ctx: &Ctx, label: &str, id: &str) -> Result<Device, Response> {
    match ctx
        .kit
        .engine()
        .from_persistent_id(&format!("{label}/{id}"))
        .await
    {
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err(ctx.fail_code(Code::NotFound).await),
        Err(_) => Err(ctx.internal().await),
    }
}

fn base(kit: &OtpKit, d: &Device) -> String {
    kit.url(&format!("/admin/devices/{}/{}/", d.model_label(), d.id()))
}

fn locked(kit: &OtpKit, d: &Device) -> bool {
    matches!(
        kit.engine().verify_is_allowed(d),
        Err(otpkit::policy::VerifyNotAllowed::LockedOut { .. })
    )
}

fn since(filter: Option<&str>, now: Timestamp) -> Option<Timestamp> {
    let days = match filter? {
        "1d" => 1,
        "7d" => 7,
        "30d" => 30,
        _ => return None,
    };
    Some(now.add_secs(-days * 86_400))
}

/// `GET /admin/`: the device list. Query: `q` (user id, display name or email), `kind`,
/// `confirmed` (`yes`/`no`), `created` and `used` (`1d`/`7d`/`30d`; `used=never`).
pub(crate) async fn list(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = admin_of(&ctx).await {
        return r;
    }
    let q = query_fields(&parts);
    let engine = kit.engine();
    let now = engine.now();
    let search = q.non_empty("q").map(|s| s.trim().to_lowercase());
    let kind = q.non_empty("kind").map(str::to_owned);
    let confirmed = match q.get("confirmed") {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    let created = since(q.get("created"), now);
    let used = q.get("used");
    let used_since = since(used, now);
    let mut rows = Vec::new();
    let mut after = None;
    let hide = kit.settings().admin_hide_sensitive_data;
    'pages: loop {
        let page = match engine
            .list_devices(&DeviceQuery {
                model_label: kind.clone(),
                confirmed,
                after_id: after,
                limit: Some(500),
                ..DeviceQuery::default()
            })
            .await
        {
            Ok(p) => p,
            Err(_) => return ctx.internal().await,
        };
        let Some(last) = page.last() else { break };
        after = Some(last.id());
        for d in page {
            if created.is_some_and(|c| d.created_at() < c) {
                continue;
            }
            match (used, used_since) {
                (Some("never"), _) if d.last_used_at().is_some() => continue,
                (_, Some(s)) if d.last_used_at().is_none_or(|t| t < s) => continue,
                _ => {}
            }
            let info = engine.users().lookup(d.user()).await;
            if let Some(s) = &search {
                let mut hay = d.user().as_str().to_lowercase();
                if let Some(i) = &info {
                    hay.push('\n');
                    hay.push_str(&i.display_name.clone().unwrap_or_default().to_lowercase());
                    hay.push('\n');
                    hay.push_str(&i.email.clone().unwrap_or_default().to_lowercase());
                }
                if !hay.contains(s.as_str()) {
                    continue;
                }
            }
            let oath = OATH.contains(&d.model_label());
            rows.push(context! {
                id => d.persistent_id(),
                url => base(&kit, &d),
                qr_url => (oath && !hide).then(|| format!("{}config/", base(&kit, &d))),
                user => d.user().as_str(),
                name => d.name(),
                kind => d.verbose_name(),
                created_at => d.created_at().to_rfc3339(),
                last_used_at => d.last_used_at().map(|t| t.to_rfc3339()),
                confirmed => d.confirmed(),
                failure_count => d.throttle().failure_count,
                locked => locked(&kit, &d),
            });
            if rows.len() >= 500 {
                break 'pages;
            }
        }
    }
    let kinds: Vec<_> = engine
        .registry()
        .kinds()
        .map(|k| context! { label => k.model_label(), name => k.verbose_name() })
        .collect();
    if ctx.json {
        return secure(axum::Json(serde_json::json!({ "devices": rows })).into_response());
    }
    ctx.page(
        StatusCode::OK,
        "otpkit/admin_list.html",
        "Devices | Administration",
        context! {
            devices => rows,
            kinds => kinds,
            q => q.get("q").unwrap_or(""),
            kind => kind,
            confirmed => q.get("confirmed").unwrap_or(""),
            created => q.get("created").unwrap_or(""),
            used => used.unwrap_or(""),
            hide_sensitive => hide,
        },
    )
    .await
}

async fn render_device(ctx: &Ctx, d: &Device, secret: Option<String>) -> Response {
    let kit = &ctx.kit;
    let hide = kit.settings().admin_hide_sensitive_data;
    let info = kit.engine().info(d).unwrap_or(serde_json::Value::Null);
    let state: Vec<(String, String)> = info
        .as_object()
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
        .unwrap_or_default();
    let (is_locked, throttled_until) = match kit.engine().verify_is_allowed(d) {
        Err(otpkit::policy::VerifyNotAllowed::LockedOut { .. }) => (true, None),
        Err(otpkit::policy::VerifyNotAllowed::NFailedAttempts { locked_until, .. }) => {
            (false, Some(locked_until.to_rfc3339()))
        }
        _ => (false, None),
    };
    let oath = OATH.contains(&d.model_label());
    let key = if oath && !hide {
        match kit.engine().provisioning(&d.persistent_id()).await {
            Ok(a) => Some(otpkit::encoding::encode_base32(a.secret.expose())),
            Err(_) => return ctx.internal().await,
        }
    } else {
        None
    };
    ctx.page(
        StatusCode::OK,
        "otpkit/admin_device.html",
        "Device | Administration",
        context! {
            base => base(kit, d),
            id => d.persistent_id(),
            user => d.user().as_str(),
            name => d.name(),
            kind => d.verbose_name(),
            is_static => d.model_label() == "otp_static.staticdevice",
            confirmed => d.confirmed(),
            created_at => d.created_at().to_rfc3339(),
            last_used_at => d.last_used_at().map(|t| t.to_rfc3339()),
            failure_count => d.throttle().failure_count,
            locked => is_locked,
            throttled_until => throttled_until,
            state => state,
            config_url => (oath && !hide).then(|| format!("{}config/", base(kit, d))),
            secret => secret,
            key => key,
            oath => oath,
            totp => d.model_label() == "otp_totp.totpdevice",
            hide_sensitive => hide,
        },
    )
    .await
}

/// `GET /admin/devices/{model_label}/{id}/`.
pub(crate) async fn device(
    State(kit): State<OtpKit>,
    Path((label, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = admin_of(&ctx).await {
        return r;
    }
    let d = match device_of(&ctx, &label, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if ctx.json {
        return secure(
            axum::Json(serde_json::json!({
                "id": d.persistent_id(),
                "user": d.user().as_str(),
                "name": d.name(),
                "confirmed": d.confirmed(),
                "failure_count": d.throttle().failure_count,
                "locked": locked(&kit, &d),
            }))
            .into_response(),
        );
    }
    render_device(&ctx, &d, None).await
}

/// What a device action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdminAction {
    Edit,
    Confirm,
    ResetThrottling,
    Remove,
    BackupCodes,
}

/// `POST /admin/devices/{model_label}/{id}/…`.
pub(crate) async fn action(
    kit: OtpKit,
    action: AdminAction,
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
    let admin = match admin_of(&ctx).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let d = match device_of(&ctx, &label, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let pid = d.persistent_id();
    let engine = kit.engine();
    crate::web::audit(
        match action {
            AdminAction::Edit => "admin_edit",
            AdminAction::Confirm => "admin_confirm",
            AdminAction::ResetThrottling => "admin_reset_throttling",
            AdminAction::Remove => "admin_remove",
            AdminAction::BackupCodes => "admin_backup_codes",
        },
        admin.user(),
        &pid,
    );
    let res = match action {
        AdminAction::Edit => {
            let config = match Config::parse(&kit, &d, &fields) {
                Ok(c) => c,
                Err(msg) => return bad_request(&ctx, msg).await,
            };
            let name = fields.get("name").map(|n| n.trim().to_owned());
            if let Some(Err(e)) = name.as_deref().map(otpkit::device::validate_name) {
                return bad_request(&ctx, e.to_string()).await;
            }
            match (config.apply(engine, &pid).await, name) {
                (Ok(()), Some(name)) => engine.rename(&pid, &name).await,
                (Ok(()), None) => Ok(d.clone()),
                (Err(e), _) => Err(e),
            }
        }
        AdminAction::Confirm => engine.confirm(&pid).await,
        AdminAction::ResetThrottling => engine.throttle_reset(&pid).await,
        AdminAction::Remove => engine.remove(&pid).await,
        AdminAction::BackupCodes => {
            if d.model_label() != "otp_static.staticdevice" {
                return ctx.fail_code(Code::NotFound).await;
            }
            return match engine.generate_backup_codes(d.user(), None).await {
                Ok((_, codes)) => {
                    let codes: Vec<String> = codes.iter().map(|c| c.expose().to_owned()).collect();
                    if ctx.json {
                        return secure(
                            axum::Json(serde_json::json!({"codes": codes})).into_response(),
                        );
                    }
                    super::devices::codes_page(&ctx, &codes, Some(base(&kit, &d))).await
                }
                Err(_) => ctx.internal().await,
            };
        }
    };
    match res {
        Ok(_) if ctx.json => {
            secure(axum::Json(serde_json::json!({"status": "ok", "device": pid})).into_response())
        }
        Ok(_) if action == AdminAction::Remove => secure(found(&kit.url("/admin/"))),
        Ok(d) => secure(found(&base(&kit, &d))),
        Err(otpkit::Error::NotFound) => ctx.fail_code(Code::NotFound).await,
        Err(_) => ctx.internal().await,
    }
}

macro_rules! admin_route {
    ($name:ident, $action:expr) => {
        /// Route adapter of an admin device action.
        pub(crate) async fn $name(
            State(kit): State<OtpKit>,
            Path((label, id)): Path<(String, String)>,
            req: Request,
        ) -> Response {
            action(kit, $action, label, id, req).await
        }
    };
}

admin_route!(edit, AdminAction::Edit);
admin_route!(confirm, AdminAction::Confirm);
admin_route!(reset_throttling, AdminAction::ResetThrottling);
admin_route!(remove, AdminAction::Remove);
admin_route!(backup_codes, AdminAction::BackupCodes);

/// `POST /admin/reset-throttling/`: the bulk action over `ids`.
pub(crate) async fn bulk_reset(State(kit): State<OtpKit>, req: Request) -> Response {
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
    let mut done = 0u64;
    for pid in fields.all("ids") {
        crate::web::audit("admin_reset_throttling", admin.user(), pid);
        match kit.engine().throttle_reset(pid).await {
            Ok(_) => done += 1,
            Err(otpkit::Error::NotFound) => {}
            Err(_) => return ctx.internal().await,
        }
    }
    if ctx.json {
        return secure(
            axum::Json(serde_json::json!({"status": "ok", "reset": done})).into_response(),
        );
    }
    secure(found(&kit.url("/admin/")))
}

async fn oath_device(ctx: &Ctx, label: &str, id: &str) -> Result<Device, Response> {
    admin_of(ctx).await?;
    let d = device_of(ctx, label, id).await?;
    if !OATH.contains(&d.model_label()) {
        return Err(ctx.fail_code(Code::NotFound).await);
    }
    if ctx.kit.settings().admin_hide_sensitive_data {
        return Err(ctx.fail_code(Code::Forbidden).await);
    }
    Ok(d)
}

/// `GET /admin/devices/{model_label}/{id}/config/` (TOTP/HOTP).
pub(crate) async fn config(
    State(kit): State<OtpKit>,
    Path((label, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let d = match oath_device(&ctx, &label, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let uri = match kit.engine().config_url(&d.persistent_id()).await {
        Ok(u) => u,
        Err(_) => return ctx.internal().await,
    };
    ctx.page(
        StatusCode::OK,
        "otpkit/admin_config.html",
        "Configuration | Administration",
        context! {
            base => base(&kit, &d),
            name => d.name(),
            user => d.user().as_str(),
            qr_url => format!("{}qrcode/", base(&kit, &d)),
            uri => uri.expose(),
        },
    )
    .await
}

/// `GET /admin/devices/{model_label}/{id}/qrcode/` (TOTP/HOTP, SVG).
pub(crate) async fn qrcode(
    State(kit): State<OtpKit>,
    Path((label, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let d = match oath_device(&ctx, &label, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    qr_response(&ctx, &d.persistent_id()).await
}

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
    if let Err(r) = admin_of(&ctx).await {
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
            crate::web::audit("admin_add", ctx.state().await.user(), &d.persistent_id());
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

async fn bad_request(ctx: &Ctx, detail: String) -> Response {
    let mut p = ctx.problem(Code::BadRequest, "", 0);
    if ctx.json {
        p.extra.insert("detail".into(), detail.into());
        return secure(p.into_json());
    }
    p.message = format!("{} {detail}", p.message);
    ctx.fail(p).await
}

/// The configuration fields of a TOTP/HOTP change form; each is optional (kept when empty).
#[derive(Debug, Default)]
struct Config {
    totp: bool,
    hotp: bool,
    key: Option<otpkit::SecretBytes>,
    digits: Option<otpkit::Digits>,
    tolerance: Option<u8>,
    step: Option<u32>,
    t0: Option<i64>,
    drift: Option<i16>,
    counter: Option<u64>,
}

fn num<T: std::str::FromStr>(
    fields: &crate::web::Fields,
    name: &str,
    ok: impl Fn(&T) -> bool,
    what: &str,
) -> Result<Option<T>, String> {
    match fields.non_empty(name) {
        None => Ok(None),
        Some(v) => match v.trim().parse::<T>() {
            Ok(n) if ok(&n) => Ok(Some(n)),
            _ => Err(format!("{name}: {what}.")),
        },
    }
}

impl Config {
    fn parse(kit: &OtpKit, d: &Device, fields: &crate::web::Fields) -> Result<Config, String> {
        let totp = d.model_label() == "otp_totp.totpdevice";
        let hotp = d.model_label() == "otp_hotp.hotpdevice";
        if !totp && !hotp {
            return Ok(Config::default());
        }
        let key = match fields.non_empty("key") {
            None => None,
            Some(_) if kit.settings().admin_hide_sensitive_data => {
                return Err("the key cannot be changed here.".into());
            }
            Some(k) => Some(
                if fields.get("key_format") == Some("hex") {
                    otpkit::encoding::decode_hex_secret(k.trim())
                } else {
                    otpkit::encoding::decode_base32_secret(k.trim())
                }
                .map_err(|e| e.to_string())?,
            ),
        };
        let digits = num::<u8>(fields, "digits", |n| (6..=8).contains(n), "6, 7 or 8")?
            .and_then(|n| otpkit::Digits::new(n).ok());
        let max_tol = if totp { 10 } else { 20 };
        Ok(Config {
            totp,
            hotp,
            key,
            digits,
            tolerance: num::<u8>(fields, "tolerance", |n| *n <= max_tol, "out of range")?,
            step: if totp {
                num::<u32>(
                    fields,
                    "step",
                    |n| (1..=120).contains(n),
                    "1 to 120 seconds",
                )?
            } else {
                None
            },
            t0: if totp {
                num::<i64>(fields, "t0", |_| true, "an integer")?
            } else {
                None
            },
            drift: if totp {
                num::<i16>(fields, "drift", |_| true, "an integer")?
            } else {
                None
            },
            counter: if hotp {
                num::<u64>(
                    fields,
                    "counter",
                    |n| *n <= otpkit::kind::hotp::MAX_COUNTER,
                    "0 to 2^63-1",
                )?
            } else {
                None
            },
        })
    }

    async fn apply(self, engine: &otpkit::Engine, pid: &str) -> Result<(), otpkit::Error> {
        use otpkit::kind::{HotpDevice, TotpDevice};
        if self.totp {
            engine
                .with_kind_state::<TotpDevice, _, _>(pid, move |k, ctx| {
                    if let Some(key) = &self.key {
                        k.key = ctx.seal(key.expose())?;
                        k.last_t = -1;
                        k.drift = 0;
                    }
                    if let Some(v) = self.digits {
                        k.digits = v;
                    }
                    if let Some(v) = self.tolerance {
                        k.tolerance = v;
                    }
                    if let Some(v) = self.step {
                        k.step = v;
                    }
                    if let Some(v) = self.t0 {
                        k.t0 = v;
                    }
                    if let Some(v) = self.drift {
                        k.drift = v;
                    }
                    Ok(())
                })
                .await
        } else if self.hotp {
            engine
                .with_kind_state::<HotpDevice, _, _>(pid, move |k, ctx| {
                    if let Some(key) = &self.key {
                        k.key = ctx.seal(key.expose())?;
                    }
                    if let Some(v) = self.digits {
                        k.digits = v;
                    }
                    if let Some(v) = self.tolerance {
                        k.tolerance = v;
                    }
                    if let Some(v) = self.counter {
                        k.counter = v;
                    }
                    Ok(())
                })
                .await
        } else {
            Ok(())
        }
    }
}
