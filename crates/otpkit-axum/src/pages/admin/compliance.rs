//! "Users without two-step verification" (docs/behaviour.md §7.11): the users the two-step
//! policy covers who have no confirmed sign-in method yet, read through the user directory's
//! listing ([`UserDirectory::list_users`](otpkit::UserDirectory::list_users)).

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::UserId;

use crate::api::{NonCompliantUser, NonCompliantUsers};
use crate::enforce::Compliance;
use crate::pages::access;
use crate::pages::context::Page;
use crate::pages::refusal::{OrInternal, PageError};
use crate::web::secure;

/// How many users the page reads from the directory at most, and shows at most.
const SCANNED: usize = 10_000;
const SHOWN: usize = 500;
const PAGE: u32 = 500;

/// The active covered users without a method; `None` when the directory cannot list its users.
/// `complete` is false when the scan or the list stopped at its limit.
async fn non_compliant(page: &Page) -> Result<Option<(Vec<NonCompliantUser>, bool)>, PageError> {
    let kit = &page.kit;
    let users = kit.engine().users();
    let mut out = Vec::new();
    let mut after: Option<UserId> = None;
    let mut scanned = 0;
    loop {
        let Some(batch) = users.list_users(after.as_ref(), PAGE).await else {
            return Ok(after.is_some().then_some((out, false)));
        };
        let Some(last) = batch.last().cloned() else {
            return Ok(Some((out, true)));
        };
        for user in batch {
            scanned += 1;
            if kit.compliance(&user).await.or_internal()? != Compliance::Required {
                continue;
            }
            // An inactive user cannot sign in: nothing to enforce.
            let Some(info) = users.lookup(&user).await.filter(|i| i.is_active) else {
                continue;
            };
            out.push(NonCompliantUser {
                user: user.as_str().to_owned(),
                name: info
                    .display_name
                    .unwrap_or_else(|| user.as_str().to_owned()),
            });
            if out.len() >= SHOWN {
                return Ok(Some((out, false)));
            }
        }
        if scanned >= SCANNED {
            return Ok(Some((out, false)));
        }
        after = Some(last);
    }
}

/// `GET /admin/users/without-2fa/`.
#[utoipa::path(
    get,
    path = "/admin/users/without-2fa/",
    tag = "admin",
    operation_id = "admin_non_compliant_users",
    description = "The users the two-step policy covers who have no sign-in method yet (at most 500).",
    responses(
        (status = 200, description = "The users.", body = crate::api::NonCompliantUsers),
        (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: the user directory cannot list its users.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn list(page: Page) -> Result<Response, PageError> {
    access::admin(&page).await?;
    let Some((users, complete)) = non_compliant(&page).await? else {
        return Err(PageError::Code(crate::error::Code::NotFound));
    };
    let policy = page.kit.web_settings().enforce_2fa.as_str();
    if page.json {
        let body = NonCompliantUsers {
            users,
            complete,
            policy: policy.to_owned(),
        };
        return Ok(secure(axum::Json(body).into_response()));
    }
    Ok(page
        .render(
            StatusCode::OK,
            "otpkit/admin_users.html",
            &page.t("admin-users-title"),
            context! { users => users, complete => complete, policy => policy },
        )
        .await)
}
