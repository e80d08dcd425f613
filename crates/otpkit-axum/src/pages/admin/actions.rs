//! The admin device actions (SPEC §7.8): edit (name and configuration), confirm, reset
//! throttling, remove and "Generate backup codes", and the bulk "Reset throttling".

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};

use super::change::Config;
use super::{admin_of, base, device_of, require_fresh};
use crate::error::Code;
use crate::kit::OtpKit;
use crate::middleware::OtpState;
use crate::web::{Ctx, found, secure};

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
    let page = base(&kit, &d);
    if let Err(r) = require_fresh(&ctx, &admin, &page).await {
        return r;
    }
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
        AdminAction::ResetThrottling if verified_by(&admin, &pid) => {
            return ctx.fail_code(Code::UnlockNotAllowed).await;
        }
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
                    crate::pages::devices::codes_page(&ctx, &codes, Some(base(&kit, &d))).await
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

/// Whether `pid` is the device that verified the admin's session: as in self-service
/// (SPEC §7.7), a session does not reset the throttle of its own verifying device.
fn verified_by(admin: &OtpState, pid: &str) -> bool {
    admin.device().is_some_and(|d| d.persistent_id() == pid)
}

/// `POST /admin/reset-throttling/`: the bulk action over `ids`; the device that verified
/// the session is skipped (and named in the answer).
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
    if let Err(r) = require_fresh(&ctx, &admin, &kit.url("/admin/")).await {
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
    secure(found(&kit.url("/admin/")))
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
