//! Backup codes (`/devices/backup-codes/`): a POST makes a new batch, which the GET after it
//! shows exactly once.

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use minijinja::context;
use otpkit::{Device, UserId};

use crate::api::BackupCodes;
use crate::flash::Flash;
use crate::kit::OtpKit;
use crate::pages::access::{fresh_user, signed_in};
use crate::pages::context::Page;
use crate::pages::devices::actions::confirmed;
use crate::pages::devices::confirm::unused_codes;
use crate::pages::form::Form;
use crate::pages::refusal::PageError;
use crate::web::{encode_next, secure, see_other};

/// `POST /devices/backup-codes/`: a new batch, shown once: as a text download (`format=text`
/// or `Accept: text/plain`), in JSON, or on the GET that follows (HTML).
#[utoipa::path(
    post,
    path = "/devices/backup-codes/",
    tag = "enrolment",
    operation_id = "backup_codes",
    description = "A new batch of backup codes; the previous codes stop working.",
    request_body(content(
        (crate::api::BackupCodesForm = "application/json"),
        (crate::api::BackupCodesForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "The codes, shown this once (as text with `format=text` or `Accept: text/plain`).", content(
            (crate::api::BackupCodes = "application/json"),
            (String = "text/plain")
        )),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn backup_codes_post(
    page: Page,
    headers: HeaderMap,
    Form(fields): Form,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    let user = fresh_user(&page, &kit.url("/devices/")).await?;
    // A person confirms before new codes replace unused ones (docs/behaviour.md §7.7): the
    // HTML form without `confirm=yes` changes nothing and leads to the confirmation page.
    if !page.json && !confirmed(&fields) && unused_codes(&page, &user).await? > 0 {
        return Ok(secure(see_other(
            &kit.url("/devices/backup-codes/regenerate/"),
        )));
    }
    let (device, codes) = new_batch(&page.kit, &user).await?;
    let accept_text = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.starts_with("text/plain"));
    if fields.get("format") == Some("text") || accept_text {
        let text = format!("{}\n", codes.join("\n"));
        return Ok(secure(
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
        ));
    }
    if page.json {
        let body = BackupCodes {
            codes,
            device: device.persistent_id(),
        };
        return Ok(secure(axum::Json(body).into_response()));
    }
    // Post/Redirect/Get: the batch is shown once, on the GET that follows; a refresh of
    // that page shows no codes and makes none.
    let to = kit.url("/devices/backup-codes/");
    match Flash::to(&to).seal_codes(kit.engine().keys(), &codes) {
        Ok(flash) => Ok(page.see_other(&to, flash).await?),
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "sealing the new codes failed");
            Err(PageError::Internal)
        }
    }
}

/// `GET /devices/backup-codes/`: the batch the POST before made, exactly once; afterwards
/// a note that the codes were shown and a button to make new ones.
pub(crate) async fn backup_codes_get(page: Page) -> Result<Response, PageError> {
    let kit = &page.kit;
    signed_in(&page, &kit.url("/devices/backup-codes/")).await?;
    let codes = page
        .take_flash()
        .await?
        .and_then(|f| f.open_codes(kit.engine().keys()));
    Ok(codes_page(&page, &codes.unwrap_or_default(), None).await)
}

/// A new batch of backup codes for `user` ([`otpkit::Engine::generate_backup_codes`]): the
/// previous codes stop working.
pub(super) async fn new_batch(
    kit: &OtpKit,
    user: &UserId,
) -> Result<(Device, Vec<String>), PageError> {
    match kit.engine().generate_backup_codes(user, None).await {
        Ok((d, codes)) => Ok((d, codes.iter().map(|c| c.expose().to_owned()).collect())),
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "backup code generation failed");
            Err(PageError::Internal)
        }
    }
}

/// The page showing a new batch of backup codes once, with a text download in the same
/// response (a `data:` link: no second request can fetch them) and the download, print and
/// copy buttons of `otpkit.js`. `setup`: the guided setup's step (with the required "I have
/// saved these codes" confirmation; `Some(true)` when it was missing), else `None`.
pub(super) async fn codes_page(page: &Page, codes: &[String], setup: Option<bool>) -> Response {
    let kit = &page.kit;
    let text = format!("{}\n", codes.join("\n"));
    let download = format!("data:text/plain;charset=utf-8,{}", encode_next(&text));
    let (back, regenerate, step) = match setup {
        Some(_) => (
            Some(kit.url("/devices/new/")),
            Some(kit.url("/devices/new/backup-codes/")),
            Some(3),
        ),
        None => (None, None, None),
    };
    let mut resp = page
        .render(
            StatusCode::OK,
            "otpkit/backup_codes.html",
            &page.t(if setup.is_some() {
                "setup-codes-title"
            } else {
                "setup-codes-title-plain"
            }),
            context! {
                codes => codes,
                text => text,
                download => download,
                back => back,
                regenerate => regenerate,
                setup => setup.is_some(),
                unconfirmed => setup == Some(true),
                acknowledge => kit.url("/devices/new/backup-codes/"),
                step => step,
            },
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
