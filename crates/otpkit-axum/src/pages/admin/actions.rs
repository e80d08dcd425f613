//! The admin device actions (SPEC §7.8): edit (name and configuration), confirm, reset
//! throttling, remove and "Generate backup codes", and the bulk "Reset throttling".
//!
//! Each needs CSRF, admin access and a fresh verification (REQ-13, as self-service does);
//! the device that verified the session is not reset by it (SPEC §7.7). HTML answers follow
//! Post/Redirect/Get ([`crate::flash`]): success redirects (302) to the device page or the
//! list; an error to show, or a new batch of backup codes (sealed, shown once), is left as a
//! flash for the device page, which the answer (303) leads to. JSON answers are in the
//! POST's response.

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::Device;

use super::change::Config;
use super::{admin_of, base, device_of, found_with, require_fresh};
use crate::error::Code;
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::middleware::OtpState;
use crate::web::{Ctx, Fields, found, secure};

/// The change form's fields shown again after an error (the key never is).
const KEPT: [&str; 8] = [
    "name",
    "key_format",
    "digits",
    "tolerance",
    "step",
    "t0",
    "drift",
    "counter",
];

/// What a device action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdminAction {
    Edit,
    Confirm,
    ResetThrottling,
    Remove,
    BackupCodes,
}

impl AdminAction {
    fn audit_name(self) -> &'static str {
        match self {
            AdminAction::Edit => "admin_edit",
            AdminAction::Confirm => "admin_confirm",
            AdminAction::ResetThrottling => "admin_reset_throttling",
            AdminAction::Remove => "admin_remove",
            AdminAction::BackupCodes => "admin_backup_codes",
        }
    }
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
    let page = base(&kit, &d);
    if let Err(r) = require_fresh(&ctx, &admin, &page).await {
        return r;
    }
    let pid = d.persistent_id();
    crate::web::audit(action.audit_name(), admin.user(), &pid);
    let engine = kit.engine();
    match action {
        AdminAction::Edit => edit_device(&ctx, &d, &fields, &page).await,
        AdminAction::BackupCodes => generate_codes(&ctx, &d, &page).await,
        AdminAction::ResetThrottling if verified_by(&admin, &pid) => {
            ctx.refuse(&page, ctx.problem(Code::UnlockNotAllowed, "", 0))
                .await
        }
        AdminAction::ResetThrottling => {
            done(&ctx, engine.throttle_reset(&pid).await, &pid, &page).await
        }
        AdminAction::Confirm => done(&ctx, engine.confirm(&pid).await, &pid, &page).await,
        AdminAction::Remove => {
            let list = kit.url("/admin/");
            done(&ctx, engine.remove(&pid).await, &pid, &list).await
        }
    }
}

/// A finished action: JSON `{"status": "ok", "device"}`, HTML 302 to `to`.
async fn done<T>(ctx: &Ctx, res: Result<T, otpkit::Error>, pid: &str, to: &str) -> Response {
    match res {
        Ok(_) if ctx.json => {
            secure(axum::Json(serde_json::json!({"status": "ok", "device": pid})).into_response())
        }
        Ok(_) => secure(found(to)),
        Err(otpkit::Error::NotFound) => ctx.fail_code(Code::NotFound).await,
        Err(_) => ctx.internal().await,
    }
}

/// The change form: name and configuration; nothing changes unless all of it is valid.
async fn edit_device(ctx: &Ctx, d: &Device, fields: &Fields, page: &str) -> Response {
    let config = match Config::parse(&ctx.kit, d, fields) {
        Ok(c) => c,
        Err(msg) => return bad_request(ctx, fields, page, msg).await,
    };
    let name = fields.get("name").map(|n| n.trim().to_owned());
    if let Some(Err(e)) = name.as_deref().map(otpkit::device::validate_name) {
        return bad_request(ctx, fields, page, e.to_string()).await;
    }
    let pid = d.persistent_id();
    let engine = ctx.kit.engine();
    let res = match (config.apply(engine, &pid).await, name) {
        (Ok(()), Some(name)) => engine.rename(&pid, &name).await,
        (Ok(()), None) => Ok(d.clone()),
        (Err(e), _) => Err(e),
    };
    done(ctx, res, &pid, page).await
}

/// A change form that cannot be applied: JSON 400 `bad_request` with `detail`; HTML 303
/// back to the device page with the error and the values typed.
async fn bad_request(ctx: &Ctx, fields: &Fields, page: &str, detail: String) -> Response {
    let mut p = ctx.problem(Code::BadRequest, "", 0);
    if ctx.json {
        p.extra.insert("detail".into(), detail.into());
        return secure(p.into_json());
    }
    p.message = format!("{} {detail}", p.message);
    let mut flash = Flash::problem(page, &p);
    for name in KEPT {
        if let Some(v) = fields.get(name) {
            flash = flash.field(name, v);
        }
    }
    ctx.see_other(page, flash).await
}

/// "Generate backup codes" (static devices): a new batch, replacing the previous one. JSON
/// gets the codes; HTML a 303 to the device page, whose next GET shows them once.
async fn generate_codes(ctx: &Ctx, d: &Device, page: &str) -> Response {
    if d.model_label() != "otp_static.staticdevice" {
        return ctx.fail_code(Code::NotFound).await;
    }
    let engine = ctx.kit.engine();
    let codes: Vec<String> = match engine.generate_backup_codes(d.user(), None).await {
        Ok((_, codes)) => codes.iter().map(|c| c.expose().to_owned()).collect(),
        Err(_) => return ctx.internal().await,
    };
    if ctx.json {
        return secure(axum::Json(serde_json::json!({"codes": codes})).into_response());
    }
    match Flash::to(page).seal_codes(engine.keys(), &codes) {
        Ok(flash) => ctx.see_other(page, flash).await,
        Err(_) => ctx.internal().await,
    }
}

/// The page showing a new batch of backup codes, once: the self-service template
/// (`otpkit/backup_codes.html`) and context, with `back` to the device page.
pub(super) async fn codes_page(ctx: &Ctx, codes: &[String], back: String) -> Response {
    let text = format!("{}\n", codes.join("\n"));
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        crate::web::encode_next(&text)
    );
    ctx.page(
        StatusCode::OK,
        "otpkit/backup_codes.html",
        "Backup codes | Administration",
        context! { codes => codes, download => download, back => back },
    )
    .await
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

/// Whether `pid` is the device that verified the admin's session: as in self-service
/// (SPEC §7.7), a session does not reset the throttle of its own verifying device.
fn verified_by(admin: &OtpState, pid: &str) -> bool {
    admin.device().is_some_and(|d| d.persistent_id() == pid)
}

/// `POST /admin/reset-throttling/`: the bulk action over `ids`; the device that verified
/// the session is skipped (and named in the answer: JSON `skipped`, HTML the list's flash).
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
    let list = kit.url("/admin/");
    if let Err(r) = require_fresh(&ctx, &admin, &list).await {
        return r;
    }
    let mut done = 0u64;
    let mut skipped = Vec::new();
    for pid in fields.all("ids") {
        if verified_by(&admin, pid) {
            skipped.push(pid);
            continue;
        }
        crate::web::audit("admin_reset_throttling", admin.user(), pid);
        match kit.engine().throttle_reset(pid).await {
            Ok(_) => done += 1,
            Err(otpkit::Error::NotFound) => {}
            Err(_) => return ctx.internal().await,
        }
    }
    if ctx.json {
        return secure(
            axum::Json(serde_json::json!({"status": "ok", "reset": done, "skipped": skipped}))
                .into_response(),
        );
    }
    let plural = if done == 1 { "" } else { "s" };
    let mut flash = Flash::to(&list).info(format!("Throttling reset on {done} device{plural}."));
    if !skipped.is_empty() {
        let p = ctx.problem(Code::UnlockNotAllowed, "", 0);
        flash.code = Some(p.code.as_str().to_owned());
        flash.error = Some(format!(
            "Not reset: {}, the device that verified this session.",
            skipped.join(", ")
        ));
    }
    found_with(&ctx, &list, flash).await
}
