//! "Trusted browsers" on the device list (docs/behaviour.md §7.12): the user's browsers that
//! skip the code step, each with "Revoke", and "Revoke all"; and the administrator's "Revoke
//! all of this user's trusted browsers". Revoking only protects: it needs the CSRF token and
//! a signed-in user, no fresh verification.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use otpkit::UserId;
use otpkit::trust::TrustedBrowser;

use super::sessions::agent_text;
use crate::api::{RevokedStatus, TrustRevoked, TrustedBrowserInfo, TrustedBrowsers};
use crate::error::Code;
use crate::flash::Flash;
use crate::i18n::Arg;
use crate::pages::access::{self, signed_in};
use crate::pages::context::Page;
use crate::pages::form::Form;
use crate::pages::refusal::{OrInternal, PageError};
use crate::trusted::{RevokeReason, audit};
use crate::user_agent::Agent;
use crate::web::secure;

/// The section's anchor on the device list.
const ANCHOR: &str = "#trusted";

/// `user`'s records that have not expired, newest first; `None` when trusted browsers are
/// off.
async fn live(page: &Page, user: &UserId) -> Result<Option<Vec<TrustedBrowser>>, PageError> {
    let Some(store) = page.kit.trust() else {
        return Ok(None);
    };
    let now = page.kit.engine().now();
    let all = store.list_trusted(user).await.or_internal()?;
    Ok(Some(
        all.into_iter().filter(|b| b.is_live_at(now)).collect(),
    ))
}

fn info(page: &Page, b: &TrustedBrowser) -> TrustedBrowserInfo {
    TrustedBrowserInfo {
        id: b.id,
        description: agent_text(page, Agent::from_summary(&b.description)),
        created_at: b.created_at.to_rfc3339(),
        last_seen_at: b.last_seen_at.to_rfc3339(),
        expires_at: b.expires_at.to_rfc3339(),
    }
}

/// The section's rows for the device list; `None` when trusted browsers are off.
pub(crate) async fn rows(
    page: &Page,
    user: &UserId,
) -> Result<Option<Vec<minijinja::Value>>, PageError> {
    let Some(list) = live(page, user).await? else {
        return Ok(None);
    };
    let url = |id: i64| page.kit.url(&format!("/devices/trusted/{id}/revoke/"));
    Ok(Some(
        list.iter()
            .map(|b| {
                let i = info(page, b);
                minijinja::context! {
                    description => i.description,
                    created_at => i.created_at,
                    last_seen_at => i.last_seen_at,
                    expires_at => i.expires_at,
                    revoke_url => url(b.id),
                }
            })
            .collect(),
    ))
}

/// `GET /devices/trusted/`: JSON; HTML goes to the device list's section.
#[utoipa::path(
    get,
    path = "/devices/trusted/",
    tag = "devices",
    operation_id = "trusted_browsers",
    description = "The user's trusted browsers that have not expired.",
    responses(
        (status = 200, description = "The browsers.", body = crate::api::TrustedBrowsers),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: this site has no trusted browsers.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn list(page: Page) -> Result<Response, PageError> {
    let here = page.kit.url("/devices/");
    let (_, user) = signed_in(&page, &here).await?;
    let Some(list) = live(&page, &user).await? else {
        return Err(PageError::Code(Code::NotFound));
    };
    if !page.json {
        return Ok(secure(crate::web::found(&format!("{here}{ANCHOR}"))));
    }
    let browsers = list.iter().map(|b| info(&page, b)).collect();
    Ok(secure(
        axum::Json(TrustedBrowsers { browsers }).into_response(),
    ))
}

/// `POST /devices/trusted/{id}/revoke/`.
#[utoipa::path(
    post,
    path = "/devices/trusted/{id}/revoke/",
    tag = "devices",
    operation_id = "trusted_browser_revoke",
    description = "Revokes one of the user's trusted browsers: it asks for a code again.",
    params(crate::api::TrustedPath),
    request_body(content(
        (crate::api::CsrfForm = "application/json"),
        (crate::api::CsrfForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Revoked (`count` 1).", body = crate::api::TrustRevoked),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: no such record of the user's (or another user's), or this site has no trusted browsers.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn revoke(
    Path(id): Path<i64>,
    page: Page,
    _form: Form,
) -> Result<Response, PageError> {
    let here = page.kit.url("/devices/");
    let (_, user) = signed_in(&page, &here).await?;
    let store = page.kit.trust().ok_or(PageError::Code(Code::NotFound))?;
    if !store.revoke_trusted(&user, id).await.or_internal()? {
        return Err(PageError::Code(Code::NotFound));
    }
    audit(RevokeReason::User.as_str(), Some(&user), &user, 1);
    answer(&page, 1, page.t("trusted-revoked-one"), None).await
}

/// `POST /devices/trusted/revoke-all/`.
#[utoipa::path(
    post,
    path = "/devices/trusted/revoke-all/",
    tag = "devices",
    operation_id = "trusted_browsers_revoke_all",
    description = "Revokes all of the user's trusted browsers.",
    request_body(content(
        (crate::api::CsrfForm = "application/json"),
        (crate::api::CsrfForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Revoked; `count` says how many.", body = crate::api::TrustRevoked),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: this site has no trusted browsers.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn revoke_all(page: Page, _form: Form) -> Result<Response, PageError> {
    let here = page.kit.url("/devices/");
    let (_, user) = signed_in(&page, &here).await?;
    if page.kit.trust().is_none() {
        return Err(PageError::Code(Code::NotFound));
    }
    let n = page
        .kit
        .revoke_trusted_browsers(&user, RevokeReason::UserAll, Some(&user))
        .await
        .or_internal()?;
    let message = page.t_with("trusted-revoked-all", &[("n", Arg::from(n))]);
    answer(&page, n, message, None).await
}

/// `POST /admin/trusted/revoke/`: field `user`; HTML goes back to `next` (or the list).
#[utoipa::path(
    post,
    path = "/admin/trusted/revoke/",
    tag = "admin",
    operation_id = "admin_trusted_revoke",
    description = "Revokes all of a user's trusted browsers.",
    request_body(content(
        (crate::api::EndSessionsForm = "application/json"),
        (crate::api::EndSessionsForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Revoked; `count` says how many.", body = crate::api::TrustRevoked),
        (status = 400, description = "`bad_request`: no valid `user`.", body = crate::api::Refusal),
        (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: this site has no trusted browsers.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn admin_revoke(page: Page, Form(fields): Form) -> Result<Response, PageError> {
    let kit = &page.kit;
    let (admin, back) = access::admin_action(&page, &fields).await?;
    if kit.trust().is_none() {
        return Err(PageError::Code(Code::NotFound));
    }
    let user = access::user_field(&fields)?;
    let n = kit
        .revoke_trusted_browsers(&user, RevokeReason::Admin, admin.user())
        .await
        .or_internal()?;
    let message = page.t_with("trusted-revoked-all", &[("n", Arg::from(n))]);
    answer(&page, n, message, Some(back)).await
}

/// JSON `{"status": "revoked", "count": n}`; HTML 303 to `back` (default: the device list's
/// section), which says `message` once.
async fn answer(
    page: &Page,
    n: u64,
    message: String,
    back: Option<String>,
) -> Result<Response, PageError> {
    if page.json {
        let body = TrustRevoked {
            count: n,
            status: RevokedStatus::Revoked,
        };
        return Ok(secure(axum::Json(body).into_response()));
    }
    let list = page.kit.url("/devices/");
    let to = back.unwrap_or_else(|| format!("{list}{ANCHOR}"));
    let flash = Flash::to(to.split('#').next().unwrap_or(&to)).info(message);
    Ok(page.see_other(&to, flash).await?)
}
