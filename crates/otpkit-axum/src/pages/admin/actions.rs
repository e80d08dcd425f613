//! The admin device actions (docs/behaviour.md §7.8): edit (name and configuration), confirm, reset
//! throttling, remove and "Generate backup codes", and the bulk "Reset throttling".
//!
//! Each needs CSRF, admin access and a fresh verification (REQ-13, as self-service does);
//! the device that verified the session is not reset by it (docs/behaviour.md §7.7). HTML answers
//! follow Post/Redirect/Get ([`crate::flash`]): success redirects (302) to the device page or the
//! list; an error to show, or a new batch of backup codes (sealed, shown once), is left as a
//! flash for the device page, which the answer (303) leads to. JSON answers are in the
//! POST's response.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use otpkit::Device;

use super::change::Config;
use super::{INVALID_FIELD, base, device_of, found_with};
use crate::api::{AdminCodes, AdminDone, BulkReset, OkStatus};
use crate::error::Code;
use crate::flash::Flash;
use crate::i18n::Arg;
use crate::middleware::OtpState;
use crate::pages::access;
use crate::pages::context::Page;
use crate::pages::devices::actions::{checked_name, confirmed, end_sessions_of_removed};
use crate::pages::form::{Fields, Form};
use crate::pages::refusal::{OrInternal, PageError};
use crate::web::{audit, found, secure, see_other};

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
enum AdminAction {
    Edit,
    Confirm,
    ResetThrottling,
    Remove,
    BackupCodes,
}

impl AdminAction {
    /// The confirmation page (under the device's URL) an HTML form goes through first.
    fn question(self) -> Option<&'static str> {
        match self {
            AdminAction::Remove => Some("remove/"),
            AdminAction::BackupCodes => Some("backup-codes/"),
            _ => None,
        }
    }

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

/// `POST /admin/devices/{model_label}/{id}/…`: CSRF, admin access and a fresh
/// verification, then the action.
async fn action(
    page: &Page,
    action: AdminAction,
    (label, id): (String, String),
    fields: &Fields,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    let admin = access::admin(page).await?;
    let d = device_of(page, &label, &id).await?;
    let here = base(kit, &d);
    if let Some(question) = action.question()
        && !page.json
        && !confirmed(fields)
    {
        // An administrator confirms first: the POST alone changes nothing.
        return Ok(secure(see_other(&format!("{here}{question}"))));
    }
    access::admin_fresh(page, &admin, &here).await?;
    let pid = d.persistent_id();
    audit(action.audit_name(), admin.user(), &pid);
    let engine = kit.engine();
    match action {
        AdminAction::Edit => edit_device(page, &d, fields, &here).await,
        AdminAction::BackupCodes => generate_codes(page, &d, &here).await,
        AdminAction::ResetThrottling if verified_by(&admin, &pid) => Err(PageError::Refused {
            page: here,
            problem: Box::new(page.problem(Code::UnlockNotAllowed, "", 0)),
        }),
        AdminAction::ResetThrottling => done(page, engine.throttle_reset(&pid).await, &pid, &here),
        AdminAction::Confirm => done(page, engine.confirm(&pid).await, &pid, &here),
        AdminAction::Remove => {
            let res = engine.remove(&pid).await;
            if res.is_ok() {
                // §7.7.1: the sessions it verified end (the admin's own stays, unverified).
                end_sessions_of_removed(page, d.user(), &pid, admin.user()).await?;
            }
            done(page, res, &pid, &kit.url("/admin/"))
        }
    }
}

/// A finished action: JSON `{"status": "ok", "device"}`, HTML 302 to `to`.
fn done<T>(
    page: &Page,
    res: Result<T, otpkit::Error>,
    pid: &str,
    to: &str,
) -> Result<Response, PageError> {
    match res {
        Ok(_) if page.json => {
            let body = AdminDone {
                device: pid.to_owned(),
                status: OkStatus::Ok,
            };
            Ok(secure(axum::Json(body).into_response()))
        }
        Ok(_) => Ok(secure(found(to))),
        Err(otpkit::Error::NotFound) => Err(PageError::Code(Code::NotFound)),
        Err(_) => Err(PageError::Internal),
    }
}

/// The change form: name and configuration; nothing changes unless all of it is valid.
async fn edit_device(
    page: &Page,
    d: &Device,
    fields: &Fields,
    here: &str,
) -> Result<Response, PageError> {
    let config = match Config::parse(&page.kit, d, fields) {
        Ok(c) => c,
        Err(e) => return bad_request(page, fields, here, e.detail(), e.message(page)).await,
    };
    // A name is optional in a JSON change; when given (always, from the form) it must be a
    // name: not empty, not only spaces.
    let name = match fields.get("name").map(|n| checked_name(page, Some(n))) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(message)) => return name_refused(page, fields, here, message).await,
    };
    let pid = d.persistent_id();
    let engine = page.kit.engine();
    let res = match (config.apply(engine, &pid).await, name) {
        (Ok(()), Some(name)) => engine.rename(&pid, &name).await,
        (Ok(()), None) => Ok(d.clone()),
        (Err(e), _) => Err(e),
    };
    done(page, res, &pid, here)
}

/// A change form that cannot be applied: JSON 400 `bad_request` with `detail` (stable
/// English); HTML 303 back to the device page with `message` (in the page's language) and
/// the values typed.
async fn bad_request(
    page: &Page,
    fields: &Fields,
    here: &str,
    detail: String,
    message: String,
) -> Result<Response, PageError> {
    let mut p = page.problem(Code::BadRequest, "", 0);
    if page.json {
        p.extra.insert("detail".into(), detail.into());
        return Err(PageError::Problem(Box::new(p)));
    }
    p.message = message;
    let mut flash = Flash::problem(here, &p);
    for name in KEPT {
        if let Some(v) = fields.get(name) {
            flash = flash.field(name, v);
        }
    }
    Ok(page.see_other(here, flash).await?)
}

/// A refused name: JSON 400 `bad_request` with the message; HTML 303 back to the device
/// page, which shows the message next to the name field.
async fn name_refused(
    page: &Page,
    fields: &Fields,
    here: &str,
    message: String,
) -> Result<Response, PageError> {
    let mut p = page.problem(Code::BadRequest, "", 0);
    p.message = message;
    if page.json {
        return Err(PageError::Problem(Box::new(p)));
    }
    let mut flash = Flash::problem(here, &p).field(INVALID_FIELD, "name");
    for name in KEPT {
        if let Some(v) = fields.get(name) {
            flash = flash.field(name, v);
        }
    }
    Ok(page.see_other(here, flash).await?)
}

/// "Generate backup codes" (static devices): a new batch, replacing the previous one. JSON
/// gets the codes; HTML a 303 to the device page, whose next GET shows them once.
async fn generate_codes(page: &Page, d: &Device, here: &str) -> Result<Response, PageError> {
    if d.model_label() != "otp_static.staticdevice" {
        return Err(PageError::Code(Code::NotFound));
    }
    let engine = page.kit.engine();
    let (_, codes) = engine
        .generate_backup_codes(d.user(), None)
        .await
        .or_internal()?;
    let codes: Vec<String> = codes.iter().map(|c| c.expose().to_owned()).collect();
    if page.json {
        return Ok(secure(axum::Json(AdminCodes { codes }).into_response()));
    }
    let flash = Flash::to(here)
        .seal_codes(engine.keys(), &codes)
        .or_internal()?;
    Ok(page.see_other(here, flash).await?)
}

/// A device action's handler, with its doc comment and OpenAPI annotation.
macro_rules! admin_route {
    ($(#[$meta:meta])* $name:ident, $action:expr) => {
        $(#[$meta])*
        pub(crate) async fn $name(
            Path(at): Path<(String, String)>,
            page: Page,
            Form(fields): Form,
        ) -> Result<Response, PageError> {
            action(&page, $action, at, &fields).await
        }
    };
}

admin_route!(
    /// `POST /admin/devices/{model_label}/{id}/`: the change form.
    #[utoipa::path(
        post,
        path = "/admin/devices/{label}/{id}/",
        tag = "admin",
        operation_id = "admin_edit",
        description = "The change form: name and configuration (an empty field keeps its value).",
        params(crate::api::DevicePath),
        request_body(content(
            (crate::api::ChangeForm = "application/json"),
            (crate::api::ChangeForm = "application/x-www-form-urlencoded")
        )),
        responses(
            (status = 200, description = "Changed.", body = crate::api::AdminDone),
            (status = 400, description = "`bad_request`, with `detail` (configuration) or the name's message.", body = crate::api::Refusal),
            (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
            (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
            (status = 404, description = "`not_found`: no such device.", body = crate::api::Refusal),
        )
    )]
    edit,
    AdminAction::Edit
);
admin_route!(
    /// `POST /admin/devices/{model_label}/{id}/confirm/`.
    #[utoipa::path(
        post,
        path = "/admin/devices/{label}/{id}/confirm/",
        tag = "admin",
        operation_id = "admin_confirm",
        description = "Confirms a device.",
        params(crate::api::DevicePath),
        request_body(content(
            (crate::api::CsrfForm = "application/json"),
            (crate::api::CsrfForm = "application/x-www-form-urlencoded")
        )),
        responses(
            (status = 200, description = "Confirmed.", body = crate::api::AdminDone),
            (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
            (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
            (status = 404, description = "`not_found`: no such device.", body = crate::api::Refusal),
        )
    )]
    confirm,
    AdminAction::Confirm
);
admin_route!(
    /// `POST /admin/devices/{model_label}/{id}/reset-throttling/`.
    #[utoipa::path(
        post,
        path = "/admin/devices/{label}/{id}/reset-throttling/",
        tag = "admin",
        operation_id = "admin_reset_throttling",
        description = "Resets a device's throttle (not the one that verified this session).",
        params(crate::api::DevicePath),
        request_body(content(
            (crate::api::CsrfForm = "application/json"),
            (crate::api::CsrfForm = "application/x-www-form-urlencoded")
        )),
        responses(
            (status = 200, description = "Reset.", body = crate::api::AdminDone),
            (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
            (status = 403, description = "`unlock_not_allowed` (the session's own device), `reauth_required`, `csrf_failed`.", body = crate::api::Refusal),
            (status = 404, description = "`not_found`: no such device.", body = crate::api::Refusal),
        )
    )]
    reset_throttling,
    AdminAction::ResetThrottling
);
admin_route!(
    /// `POST /admin/devices/{model_label}/{id}/remove/`.
    #[utoipa::path(
        post,
        path = "/admin/devices/{label}/{id}/remove/",
        tag = "admin",
        operation_id = "admin_remove",
        description = "Deletes a device (JSON needs no `confirm`).",
        params(crate::api::DevicePath),
        request_body(content(
            (crate::api::ConfirmForm = "application/json"),
            (crate::api::ConfirmForm = "application/x-www-form-urlencoded")
        )),
        responses(
            (status = 200, description = "Deleted.", body = crate::api::AdminDone),
            (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
            (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
            (status = 404, description = "`not_found`: no such device.", body = crate::api::Refusal),
        )
    )]
    remove,
    AdminAction::Remove
);
admin_route!(
    /// `POST /admin/devices/{model_label}/{id}/backup-codes/`.
    #[utoipa::path(
        post,
        path = "/admin/devices/{label}/{id}/backup-codes/",
        tag = "admin",
        operation_id = "admin_backup_codes",
        description = "A new batch of backup codes for a backup-code device's owner (JSON needs no `confirm`).",
        params(crate::api::DevicePath),
        request_body(content(
            (crate::api::ConfirmForm = "application/json"),
            (crate::api::ConfirmForm = "application/x-www-form-urlencoded")
        )),
        responses(
            (status = 200, description = "The codes, shown this once.", body = crate::api::AdminCodes),
            (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
            (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
            (status = 404, description = "`not_found`: no such device, or not a backup-code device.", body = crate::api::Refusal),
        )
    )]
    backup_codes,
    AdminAction::BackupCodes
);

/// Whether `pid` is the device that verified the admin's session: as in self-service
/// (docs/behaviour.md §7.7), a session does not reset the throttle of its own verifying device.
fn verified_by(admin: &OtpState, pid: &str) -> bool {
    admin.device().is_some_and(|d| d.persistent_id() == pid)
}

/// `POST /admin/reset-throttling/`: the bulk action over `ids`; the device that verified
/// the session is skipped (and named in the answer: JSON `skipped`, HTML the list's flash).
#[utoipa::path(
    post,
    path = "/admin/reset-throttling/",
    tag = "admin",
    operation_id = "admin_reset_throttling_bulk",
    description = "Resets the throttle of the devices `ids` (not the one that verified this session).",
    request_body(content(
        (crate::api::BulkResetForm = "application/json"),
        (crate::api::BulkResetForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "How many were reset.", body = crate::api::BulkReset),
        (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn bulk_reset(page: Page, Form(fields): Form) -> Result<Response, PageError> {
    let kit = &page.kit;
    let admin = access::admin(&page).await?;
    let list = kit.url("/admin/");
    access::admin_fresh(&page, &admin, &list).await?;
    let mut done = 0u64;
    let mut skipped = Vec::new();
    for pid in fields.all("ids") {
        if verified_by(&admin, pid) {
            skipped.push(pid);
            continue;
        }
        audit("admin_reset_throttling", admin.user(), pid);
        match kit.engine().throttle_reset(pid).await {
            Ok(_) => done += 1,
            Err(otpkit::Error::NotFound) => {}
            Err(_) => return Err(PageError::Internal),
        }
    }
    if page.json {
        let body = BulkReset {
            reset: done,
            skipped: skipped.iter().map(|s| (*s).to_owned()).collect(),
            status: OkStatus::Ok,
        };
        return Ok(secure(axum::Json(body).into_response()));
    }
    let mut flash =
        Flash::to(&list).info(page.t_with("admin-reset-done", &[("n", Arg::from(done))]));
    if !skipped.is_empty() {
        flash.code = Some(Code::UnlockNotAllowed.as_str().to_owned());
        flash.error = Some(page.t_with(
            "admin-reset-skipped",
            &[("ids", Arg::from(skipped.join(", ")))],
        ));
    }
    found_with(&page, &list, flash).await
}
