//! The admin area (`/admin/`, SPEC §7.8): device list with filters and search, device
//! pages and configuration (QR) views. Access: active **and** staff **and** verified;
//! anyone else is sent to `/admin/login/?next=…`.
//!
//! The forms live in submodules, one concept each: [`actions`] (the device actions and the
//! bulk "Reset throttling"), [`add`] (the add form) and [`change`] (the configuration
//! fields of the change form). Their HTML answers are redirects (Post/Redirect/Get, see
//! [`crate::flash`]); the pages here show what they left, once.

mod actions;
mod add;
mod change;

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::store::DeviceQuery;
use otpkit::{Device, Timestamp};

pub(crate) use actions::{backup_codes, bulk_reset, confirm, edit, remove, reset_throttling};
pub(crate) use add::{add_get, add_post};

use super::enrol::qr_response;
use crate::error::Code;
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::middleware::OtpState;
use crate::web::{Ctx, Fields, query_fields, secure};

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

/// The freshness rule of every state-changing admin action (SPEC §7.6, REQ-13): the admin's
/// verification is at most `OTPKIT_REAUTH_MAX_AGE` old, else `/verify/?next={page}` (HTML)
/// or 403 `reauth_required` (JSON), exactly as for self-service. `state` passed
/// [`admin_of`].
async fn require_fresh(ctx: &Ctx, state: &OtpState, page: &str) -> Result<(), Response> {
    let Some(user) = state.user() else {
        return Err(ctx.to_login(&ctx.kit.url("/admin/login/"), page).await);
    };
    super::devices::require_fresh(ctx, state, user, page).await
}

/// Leaves `flash` for the next GET of `to` and answers 302: the status of the actions that
/// redirected before they had anything to show (a browser follows it with a GET, as a 303).
async fn found_with(ctx: &Ctx, to: &str, flash: Flash) -> Response {
    let mut resp = ctx.see_other(to, flash).await;
    if resp.status() == StatusCode::SEE_OTHER {
        *resp.status_mut() = StatusCode::FOUND;
    }
    resp
}

/// The flash left for this page (none if there is none); `Err` is the 503 to answer.
async fn flash_of(ctx: &Ctx) -> Result<Flash, Response> {
    match ctx.take_flash().await {
        Ok(f) => Ok(f.unwrap_or_default()),
        Err(_) => Err(ctx.internal().await),
    }
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

/// The list's filters and search, from the query.
struct Filter<'q> {
    search: Option<String>,
    kind: Option<String>,
    confirmed: Option<bool>,
    created: Option<Timestamp>,
    used: Option<&'q str>,
    used_since: Option<Timestamp>,
}

impl<'q> Filter<'q> {
    fn of(q: &'q Fields, now: Timestamp) -> Filter<'q> {
        Filter {
            search: q.non_empty("q").map(|s| s.trim().to_lowercase()),
            kind: q.non_empty("kind").map(str::to_owned),
            confirmed: match q.get("confirmed") {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => None,
            },
            created: since(q.get("created"), now),
            used: q.get("used"),
            used_since: since(q.get("used"), now),
        }
    }

    /// Whether `d` passes the `created` and `used` filters.
    fn dates_match(&self, d: &Device) -> bool {
        if self.created.is_some_and(|c| d.created_at() < c) {
            return false;
        }
        match (self.used, self.used_since) {
            (Some("never"), _) => d.last_used_at().is_none(),
            (_, Some(s)) => d.last_used_at().is_some_and(|t| t >= s),
            _ => true,
        }
    }

    /// Whether the search (user id, display name, email) finds `d`.
    async fn search_matches(&self, kit: &OtpKit, d: &Device) -> bool {
        let Some(s) = &self.search else {
            return true;
        };
        let mut hay = d.user().as_str().to_lowercase();
        if let Some(i) = kit.engine().users().lookup(d.user()).await {
            hay.push('\n');
            hay.push_str(&i.display_name.unwrap_or_default().to_lowercase());
            hay.push('\n');
            hay.push_str(&i.email.unwrap_or_default().to_lowercase());
        }
        hay.contains(s.as_str())
    }
}

/// A row of the list (also the JSON answer's `devices` item).
fn row(kit: &OtpKit, d: &Device) -> minijinja::Value {
    let hide = kit.web_settings().admin_hide_sensitive_data;
    let oath = OATH.contains(&d.model_label());
    context! {
        id => d.persistent_id(),
        url => base(kit, d),
        qr_url => (oath && !hide).then(|| format!("{}config/", base(kit, d))),
        user => d.user().as_str(),
        name => d.name(),
        kind => d.verbose_name(),
        created_at => d.created_at().to_rfc3339(),
        last_used_at => d.last_used_at().map(|t| t.to_rfc3339()),
        confirmed => d.confirmed(),
        failure_count => d.throttle().failure_count,
        locked => locked(kit, d),
    }
}

/// The rows of the devices `f` keeps, at most 500.
async fn rows(kit: &OtpKit, f: &Filter<'_>) -> Result<Vec<minijinja::Value>, otpkit::Error> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = kit
            .engine()
            .list_devices(&DeviceQuery {
                model_label: f.kind.clone(),
                confirmed: f.confirmed,
                after_id: after,
                limit: Some(500),
                ..DeviceQuery::default()
            })
            .await?;
        let Some(last) = page.last() else {
            return Ok(rows);
        };
        after = Some(last.id());
        for d in page {
            if f.dates_match(&d) && f.search_matches(kit, &d).await {
                rows.push(row(kit, &d));
                if rows.len() >= 500 {
                    return Ok(rows);
                }
            }
        }
    }
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
    let filter = Filter::of(&q, kit.engine().now());
    let Ok(rows) = rows(&kit, &filter).await else {
        return ctx.internal().await;
    };
    if ctx.json {
        return secure(axum::Json(serde_json::json!({ "devices": rows })).into_response());
    }
    let flash = match flash_of(&ctx).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let kinds: Vec<_> = kit
        .engine()
        .registry()
        .kinds()
        .map(|k| context! { label => k.model_label(), name => k.verbose_name() })
        .collect();
    ctx.page(
        StatusCode::OK,
        "otpkit/admin_list.html",
        "Devices | Administration",
        context! {
            devices => rows,
            kinds => kinds,
            q => q.get("q").unwrap_or(""),
            kind => filter.kind,
            confirmed => q.get("confirmed").unwrap_or(""),
            created => q.get("created").unwrap_or(""),
            used => filter.used.unwrap_or(""),
            hide_sensitive => kit.web_settings().admin_hide_sensitive_data,
            error => flash.error,
            code => flash.code,
            info => flash.info,
        },
    )
    .await
}

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

/// The device page, with what the form that led here left: an error and the values typed,
/// a new device's key (shown this once), or a new batch of backup codes (shown instead of
/// the page, this once). Its owner is `owner` in the template: `user` is the signed-in user
/// of every page (`Ctx::page`, shown by `base.html`) and would win over a `user` of its own.
async fn render_device(ctx: &Ctx, d: &Device, flash: &Flash) -> Response {
    let kit = &ctx.kit;
    let keys = kit.engine().keys();
    if let Some(codes) = flash.open_codes(keys) {
        return actions::codes_page(ctx, &codes, base(kit, d)).await;
    }
    let hide = kit.web_settings().admin_hide_sensitive_data;
    let (is_locked, throttled_until) = throttle_status(kit, d);
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
            owner => d.user().as_str(),
            name => d.name(),
            name_value => flash.get("name").unwrap_or(d.name()),
            kind => d.verbose_name(),
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
            error => &flash.error,
            code => &flash.code,
            info => &flash.info,
            form => &flash.fields,
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
    match flash_of(&ctx).await {
        Ok(flash) => render_device(&ctx, &d, &flash).await,
        Err(r) => r,
    }
}

async fn oath_device(ctx: &Ctx, label: &str, id: &str) -> Result<Device, Response> {
    admin_of(ctx).await?;
    let d = device_of(ctx, label, id).await?;
    if !OATH.contains(&d.model_label()) {
        return Err(ctx.fail_code(Code::NotFound).await);
    }
    if ctx.kit.web_settings().admin_hide_sensitive_data {
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
            owner => d.user().as_str(),
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
