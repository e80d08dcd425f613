//! Backup codes (`/devices/backup-codes/`): a POST makes a new batch, which the GET after it
//! shows exactly once.

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use minijinja::context;

use crate::flash::Flash;
use crate::pages::access::{fresh_user, signed_in};
use crate::pages::context::Page;
use crate::pages::devices::actions::confirmed;
use crate::pages::devices::confirm::unused_codes;
use crate::pages::form::Form;
use crate::pages::refusal::PageError;
use crate::web::{encode_next, secure, see_other};

/// `POST /devices/backup-codes/`: a new batch, shown once: as a text download (`format=text`
/// or `Accept: text/plain`), in JSON, or on the GET that follows (HTML).
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
    let (device, codes) = match kit.engine().generate_backup_codes(&user, None).await {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "backup code generation failed");
            return Err(PageError::Internal);
        }
    };
    let codes: Vec<String> = codes.iter().map(|c| c.expose().to_owned()).collect();
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
        return Ok(secure(
            axum::Json(serde_json::json!({"device": device.persistent_id(), "codes": codes}))
                .into_response(),
        ));
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
    Ok(codes_page(&page, &codes.unwrap_or_default()).await)
}

/// The page showing a new batch of backup codes once, with a text download in the same
/// response (a `data:` link: no second request can fetch them).
async fn codes_page(page: &Page, codes: &[String]) -> Response {
    let text = format!("{}\n", codes.join("\n"));
    let download = format!("data:text/plain;charset=utf-8,{}", encode_next(&text));
    let back: Option<String> = None;
    let mut resp = page
        .render(
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
