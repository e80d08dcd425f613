//! The guided setup (docs/behaviour.md §7.6.2; issue 14): choose a method (`/devices/new/`) →
//! connect it (the kind's page: `/devices/totp/new/` or `/devices/email/new/`) → save the
//! backup codes, made right after the first method is confirmed if the user has none, and
//! acknowledged before going on (`/devices/new/backup-codes/`) → done, with what to do if the
//! phone is lost (`/devices/new/done/`).
//!
//! Where the user is in the setup lives in the session under `otpkit_setup`
//! ([`Progress`]): whose setup it is, the device the setup confirmed and whether its backup
//! codes still wait for the "I have saved these codes" confirmation. The done page is
//! reached only after it.

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::backup_codes::{codes_page, new_batch};
use crate::api::{
    BackupCodes, DoneStatus, OkStatus, SetupCodesAnswer, SetupDone, SetupKind, SetupMethod,
    SetupMethods, SetupNext,
};
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::pages::access::{fresh_user, signed_in};
use crate::pages::context::Page;
use crate::pages::form::{Form, Query};
use crate::pages::refusal::{OrInternal, PageError};
use crate::web::{found, secure, see_other};

/// The session key of the setup's progress.
pub(crate) const SETUP_KEY: &str = "otpkit_setup";

/// The model labels the setup knows.
const TOTP: &str = "otp_totp.totpdevice";
const STATIC: &str = "otp_static.staticdevice";

/// Where a user is in the guided setup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Progress {
    /// The user whose setup it is: another user signing in in this session ignores it.
    pub(crate) user: otpkit::UserId,
    /// The persistent id of the device this setup confirmed.
    pub(crate) device: String,
    /// Backup codes were made for this setup and their saving is not yet confirmed.
    pub(crate) codes_pending: bool,
}

/// The setup progress of `user` in this session (a malformed value, or another user's, reads
/// as none).
async fn progress(session: &Session, user: &otpkit::UserId) -> Result<Option<Progress>, PageError> {
    let v = session.get_value(SETUP_KEY).await.or_internal()?;
    Ok(v.and_then(|v| serde_json::from_value::<Progress>(v).ok())
        .filter(|p| &p.user == user))
}

async fn set_progress(session: &Session, p: &Progress) -> Result<(), PageError> {
    let v = serde_json::to_value(p).or_internal()?;
    session.insert_value(SETUP_KEY, v).await.or_internal()?;
    Ok(())
}

/// Whether `user` has backup codes left: a confirmed backup-code device with at least one
/// unused code. Without the backup-code kind, the answer is yes (nothing to make).
async fn has_backup_codes(kit: &OtpKit, user: &otpkit::UserId) -> Result<bool, PageError> {
    let engine = kit.engine();
    if engine.registry().get(STATIC).is_none() {
        return Ok(true);
    }
    let devices = engine
        .devices_for_user(Some(user), Some(true))
        .await
        .or_internal()?;
    Ok(devices.iter().any(|d| {
        d.model_label() == STATIC
            && engine
                .info(d)
                .ok()
                .and_then(|v| v.get("codes_left").and_then(serde_json::Value::as_u64))
                .is_some_and(|n| n > 0)
    }))
}

/// The step after a method's first code: the backup codes if the user has none, else done.
/// Also says whether codes are to be made ([`after_confirmed`]).
pub(crate) async fn next_after_confirm(
    kit: &OtpKit,
    user: &otpkit::UserId,
) -> Result<(String, bool), PageError> {
    if has_backup_codes(kit, user).await? {
        Ok((kit.url("/devices/new/done/"), false))
    } else {
        Ok((kit.url("/devices/new/backup-codes/"), true))
    }
}

/// Records the setup's progress after `device` was confirmed and, when `make_codes`, makes
/// the user's backup codes and leaves them, sealed, for the codes page (a failure to make
/// them is logged: the page then offers to make them).
pub(crate) async fn after_confirmed(
    kit: &OtpKit,
    session: &Session,
    user: &otpkit::UserId,
    device: &otpkit::Device,
    make_codes: bool,
) -> Result<(), PageError> {
    set_progress(
        session,
        &Progress {
            user: user.clone(),
            device: device.persistent_id(),
            codes_pending: make_codes,
        },
    )
    .await?;
    if make_codes {
        let to = kit.url("/devices/new/backup-codes/");
        match new_batch(kit, user).await {
            Ok((_, codes)) => leave_codes(kit, session, &to, &codes).await?,
            Err(_) => {
                tracing::error!(target: "otpkit_axum", "backup codes for a new setup failed");
            }
        }
    }
    Ok(())
}

/// Leaves `codes`, sealed, in a flash for page `to`.
async fn leave_codes(
    kit: &OtpKit,
    session: &Session,
    to: &str,
    codes: &[String],
) -> Result<(), PageError> {
    let flash = Flash::to(to)
        .seal_codes(kit.engine().keys(), codes)
        .or_internal()?;
    let v = serde_json::to_value(&flash).or_internal()?;
    session
        .insert_value(crate::flash::FLASH_KEY, v)
        .await
        .or_internal()?;
    Ok(())
}

/// The methods this deployment offers: an authenticator app (if the TOTP kind is enabled)
/// and email codes (if the email kind is enabled and a mailer configured).
fn methods(page: &Page) -> Vec<SetupMethod> {
    let engine = page.kit.engine();
    let mut out = Vec::new();
    if engine.registry().get(TOTP).is_some() {
        out.push(SetupMethod {
            method: SetupKind::Totp,
            model_label: TOTP.to_owned(),
            url: page.kit.url("/devices/totp/new/"),
        });
    }
    if engine.sends_email() {
        out.push(SetupMethod {
            method: SetupKind::Email,
            model_label: "otp_email.emaildevice".to_owned(),
            url: page.kit.url("/devices/email/new/"),
        });
    }
    out
}

/// `GET /devices/new/`: choose a method.
#[utoipa::path(
    get,
    path = "/devices/new/",
    tag = "enrolment",
    operation_id = "setup_methods",
    description = "The guided setup's first step: the methods to choose from.",
    responses(
        (status = 200, description = "The methods.", body = crate::api::SetupMethods),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn choose(page: Page, Query(q): Query) -> Result<Response, PageError> {
    let here = page.kit.url("/devices/new/");
    let user = fresh_user(&page, &here).await?;
    let methods = methods(&page);
    if page.json {
        return Ok(secure(axum::Json(SetupMethods { methods }).into_response()));
    }
    let first = !page
        .kit
        .engine()
        .user_has_device(Some(&user), Some(true))
        .await
        .or_internal()?;
    let title = page.t(if first {
        "setup-choose-title-first"
    } else {
        "setup-choose-title"
    });
    // Sent here by the two-step policy: say why (and, in the grace period, until when the
    // user may go on without, with the way on).
    let required = first
        && page.kit.compliance(&user).await.or_internal()? == crate::enforce::Compliance::Required;
    let grace = match required {
        true => crate::enforce::session_grace(&page.kit, &page.session).await,
        false => None,
    };
    let later = grace.map(|until| {
        let next = q
            .get("next")
            .filter(|n| crate::web::is_safe_next(n))
            .map_or_else(
                || page.kit.web_settings().login_redirect_url.clone(),
                str::to_owned,
            );
        // The day (UTC), as the reminder says it.
        let day = until.to_rfc3339().get(..10).unwrap_or_default().to_owned();
        context! { until => day, url => next }
    });
    let required = (required && grace.is_none()).then(|| page.t("error-enrolment_required"));
    Ok(page
        .render(
            StatusCode::OK,
            "otpkit/setup_choose.html",
            &title,
            context! {
                methods => methods,
                kind_methods => kind_methods(&page),
                first => first,
                required => required,
                later => later,
                step => 1,
            },
        )
        .await)
}

/// The enrolments of the sign-in methods with a web step of their own
/// ([`crate::extension::KindStep::enrolment`]), for the template.
fn kind_methods(page: &Page) -> Vec<minijinja::Value> {
    page.kit
        .kind_steps()
        .iter()
        .filter_map(|s| s.enrolment.as_ref())
        .map(|e| {
            context! {
                url => page.kit.url(&e.path),
                title => page.t(&e.title_id),
                hint => page.t(&e.hint_id),
            }
        })
        .collect()
}

/// `GET /devices/new/backup-codes/`: the setup's backup codes, shown once, and the required
/// confirmation that they were saved.
pub(crate) async fn codes_get(page: Page) -> Result<Response, PageError> {
    let kit = &page.kit;
    let here = kit.url("/devices/new/backup-codes/");
    let (_, user) = signed_in(&page, &here).await?;
    let Some(p) = progress(&page.session, &user).await? else {
        return Ok(secure(found(&kit.url("/devices/"))));
    };
    if !p.codes_pending {
        return Ok(secure(found(&kit.url("/devices/new/done/"))));
    }
    let flash = page.take_flash().await?;
    let codes = flash
        .as_ref()
        .and_then(|f| f.open_codes(kit.engine().keys()))
        .unwrap_or_default();
    // The only refusal of this page's form: the confirmation was not ticked.
    let unconfirmed = flash.is_some_and(|f| f.code.is_some());
    Ok(codes_page(&page, &codes, Some(unconfirmed)).await)
}

/// `POST /devices/new/backup-codes/`: `saved` (the checkbox) goes on to the done page;
/// `regenerate` makes a new batch (the one shown was lost); anything else is refused with
/// the request to confirm.
#[utoipa::path(
    post,
    path = "/devices/new/backup-codes/",
    tag = "enrolment",
    operation_id = "setup_backup_codes",
    description = "The setup's backup codes: `saved` acknowledges them, `regenerate` makes a new batch.",
    request_body(content(
        (crate::api::SetupCodesForm = "application/json"),
        (crate::api::SetupCodesForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "A new batch, or on to `next`.", body = crate::api::SetupCodesAnswer),
        (status = 302, description = "No setup in progress: to the device list."),
        (status = 400, description = "`bad_request`: `saved` is missing.", body = crate::api::Refusal),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn codes_post(page: Page, Form(fields): Form) -> Result<Response, PageError> {
    let kit = &page.kit;
    let here = kit.url("/devices/new/backup-codes/");
    let done = kit.url("/devices/new/done/");
    let user = fresh_user(&page, &here).await?;
    let Some(mut p) = progress(&page.session, &user).await? else {
        return Ok(secure(found(&kit.url("/devices/"))));
    };
    if fields.get("regenerate").is_some() {
        let (_, codes) = new_batch(&page.kit, &user).await?;
        p.codes_pending = true;
        set_progress(&page.session, &p).await?;
        if page.json {
            let body = SetupCodesAnswer::Codes(BackupCodes {
                codes,
                device: p.device,
            });
            return Ok(secure(axum::Json(body).into_response()));
        }
        leave_codes(&page.kit, &page.session, &here, &codes).await?;
        return Ok(secure(see_other(&here)));
    }
    if fields.non_empty("saved").is_none() {
        let p = page.problem(crate::error::Code::BadRequest, "", 0);
        if page.json {
            return Ok(secure(p.into_json()));
        }
        return Ok(page.see_other(&here, Flash::problem(&here, &p)).await?);
    }
    p.codes_pending = false;
    set_progress(&page.session, &p).await?;
    if page.json {
        let body = SetupCodesAnswer::Next(SetupNext {
            next: done,
            status: OkStatus::Ok,
        });
        return Ok(secure(axum::Json(body).into_response()));
    }
    Ok(secure(see_other(&done)))
}

/// `GET /devices/new/done/`: the setup is complete; what to do if the phone is lost.
#[utoipa::path(
    get,
    path = "/devices/new/done/",
    tag = "enrolment",
    operation_id = "setup_done",
    description = "The setup is complete.",
    responses(
        (status = 200, description = "Done.", body = crate::api::SetupDone),
        (status = 302, description = "The backup codes still wait for `saved`."),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
    )
)]
pub(crate) async fn done(page: Page) -> Result<Response, PageError> {
    let kit = &page.kit;
    let here = kit.url("/devices/new/done/");
    let (_, user) = signed_in(&page, &here).await?;
    let p = progress(&page.session, &user).await?;
    if p.as_ref().is_some_and(|p| p.codes_pending) {
        return Ok(secure(found(&kit.url("/devices/new/backup-codes/"))));
    }
    let device = match &p {
        Some(p) => kit
            .engine()
            .from_persistent_id(&p.device)
            .await
            .or_internal()?
            .filter(|d| d.user() == &user && d.confirmed()),
        None => None,
    };
    let has_codes = has_backup_codes(&page.kit, &user).await?;
    if page.json {
        let body = SetupDone {
            backup_codes: has_codes,
            device: device.as_ref().map(otpkit::Device::persistent_id),
            status: DoneStatus::Done,
        };
        return Ok(secure(axum::Json(body).into_response()));
    }
    Ok(page
        .render(
            StatusCode::OK,
            "otpkit/setup_done.html",
            &page.t("setup-done-title"),
            context! {
                device_name => device.as_ref().map(|d| d.name().to_owned()),
                method => device.as_ref().map(|d| method_of(d.model_label())),
                has_codes => has_codes,
                step => 4,
            },
        )
        .await)
}

/// The setup's word for a kind: `totp`, `email`, or `other`.
fn method_of(label: &str) -> &'static str {
    match label {
        TOTP => "totp",
        "otp_email.emaildevice" => "email",
        _ => "other",
    }
}
