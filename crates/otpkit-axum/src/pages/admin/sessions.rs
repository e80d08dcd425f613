//! "Sign out all of this user's sessions" (docs/behaviour.md §7.8): an administrator ends
//! every signed-in session of a user, when the kit has the session store's index
//! ([`OtpKit::user_sessions`](crate::OtpKit::user_sessions); without one, 404 `not_found`).
//! Like every admin action it needs CSRF and a fresh verification; the administrator's own
//! session stays when the user is themself.

use axum::response::{IntoResponse, Response};

use super::found_with;
use crate::api::{EndedStatus, SessionsEnded};
use crate::error::Code;
use crate::flash::Flash;
use crate::i18n::Arg;
use crate::pages::access;
use crate::pages::context::Page;
use crate::pages::form::Form;
use crate::pages::refusal::{OrInternal, PageError};
use crate::web::secure;
use crate::your_sessions::audit_ended;

/// `POST /admin/sessions/end/`: field `user`; HTML goes back to `next` (or the list).
#[utoipa::path(
    post,
    path = "/admin/sessions/end/",
    tag = "admin",
    operation_id = "admin_sessions_end",
    description = "Signs out all of a user's sessions (but the administrator's own).",
    request_body(content(
        (crate::api::EndSessionsForm = "application/json"),
        (crate::api::EndSessionsForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Signed out; `count` says how many.", body = crate::api::SessionsEnded),
        (status = 400, description = "`bad_request`: no valid `user`.", body = crate::api::Refusal),
        (status = 401, description = "`otp_required`: not a verified staff user (`login_url` is the admin login).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: this site does not list sessions.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn end_all(page: Page, Form(fields): Form) -> Result<Response, PageError> {
    let kit = &page.kit;
    let (admin, back) = access::admin_action(&page, &fields).await?;
    let index = kit.user_sessions().ok_or(PageError::Code(Code::NotFound))?;
    let user = access::user_field(&fields)?;
    // The administrator signing themself out elsewhere keeps this session.
    let here = page.session.id().filter(|_| admin.user() == Some(&user));
    let n = index
        .end_all_sessions(&user, here.as_ref())
        .await
        .or_internal()?;
    audit_ended("admin_end_sessions", admin.user(), &user, "", n);
    if page.json {
        let body = SessionsEnded {
            count: n,
            status: EndedStatus::Ended,
        };
        return Ok(secure(axum::Json(body).into_response()));
    }
    let message = page.t_with(
        "admin-sessions-ended",
        &[("n", Arg::from(n)), ("user", Arg::from(user.as_str()))],
    );
    found_with(&page, &back, Flash::to(&back).info(message)).await
}
