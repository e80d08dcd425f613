//! "Your sessions" on the device list (docs/behaviour.md §7.7.1): the user's signed-in
//! sessions, "This session", "Sign out" per other session and "Sign out all other
//! sessions", when the kit has the session store's index by user
//! ([`OtpKit::user_sessions`](crate::OtpKit::user_sessions); without one these routes answer
//! 404 `not_found` and the list shows no such section).
//!
//! A session is named by its handle ([`crate::your_sessions::handle`]), never its id. The
//! actions need a verified session (as the list does) and the CSRF token, not a fresh
//! verification: signing sessions out protects the account and gives nothing to whoever
//! holds this one, so it is not made harder than signing out here.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use otpkit::UserId;
use otpkit_sessions::SessionMeta;

use crate::api::{EndedStatus, SessionsEnded, SignedInSession, SignedInSessions};
use crate::error::Code;
use crate::flash::Flash;
use crate::i18n::Arg;
use crate::pages::access::{require_verified, signed_in};
use crate::pages::context::Page;
use crate::pages::form::Form;
use crate::pages::refusal::{OrInternal, PageError};
use crate::user_agent::describe;
use crate::web::{found, secure};
use crate::your_sessions::{audit_ended, handle};

/// The anchor of the section on the device list.
const ANCHOR: &str = "#sessions";

/// A listed session with its handle and whether it is this request's.
pub(crate) struct Listed {
    pub(crate) meta: SessionMeta,
    pub(crate) handle: String,
    pub(crate) current: bool,
}

/// `user`'s sessions, or `None` when the kit has no index.
pub(crate) async fn listed(page: &Page, user: &UserId) -> Result<Option<Vec<Listed>>, PageError> {
    let Some(index) = page.kit.user_sessions() else {
        return Ok(None);
    };
    let here = page.session.id();
    let all = index.list_sessions(user).await.or_internal()?;
    Ok(Some(
        all.into_iter()
            .map(|meta| Listed {
                handle: handle(&meta.id),
                current: Some(meta.id) == here,
                meta,
            })
            .collect(),
    ))
}

/// The browser and system of a session in words: "Firefox on Linux", "Firefox", "A browser
/// on Linux" or "Unknown browser".
pub(crate) fn description(page: &Page, agent: Option<&str>) -> String {
    agent_text(page, describe(agent.unwrap_or("")))
}

/// An [`Agent`](crate::user_agent::Agent) in words, as [`description`].
pub(crate) fn agent_text(page: &Page, a: crate::user_agent::Agent) -> String {
    match (a.browser, a.os) {
        (Some(b), Some(os)) => page.t_with(
            "sessions-agent",
            &[("browser", Arg::from(b)), ("os", Arg::from(os))],
        ),
        (Some(b), None) => b.to_owned(),
        (None, Some(os)) => page.t_with("sessions-agent-os", &[("os", Arg::from(os))]),
        (None, None) => page.t("sessions-agent-unknown"),
    }
}

/// The rows of the section on the device list; `None` without an index.
pub(crate) async fn rows(
    page: &Page,
    user: &UserId,
) -> Result<Option<Vec<minijinja::Value>>, PageError> {
    let Some(list) = listed(page, user).await? else {
        return Ok(None);
    };
    let end_url = |h: &str| page.kit.url(&format!("/devices/sessions/{h}/end/"));
    Ok(Some(
        list.iter()
            .map(|s| {
                context! {
                    description => description(page, s.meta.agent.as_deref()),
                    created_at => rfc3339(s.meta.created_at),
                    last_seen_at => rfc3339(s.meta.last_seen_at),
                    current => s.current,
                    end_url => end_url(&s.handle),
                }
            })
            .collect(),
    ))
}

/// `t` as RFC 3339 (UTC), as every other time otpkit answers.
fn rfc3339(t: time::OffsetDateTime) -> String {
    otpkit::Timestamp::from_millis(otpkit_sessions::codec::millis(t)).to_rfc3339()
}

/// The signed-in, verified user of a sessions request (the list's rule), and their sessions;
/// 404 `not_found` without an index.
async fn own_sessions(page: &Page) -> Result<(UserId, Vec<Listed>), PageError> {
    let list = page.kit.url("/devices/");
    let (state, user) = signed_in(page, &list).await?;
    require_verified(page, &state, &user, &list).await?;
    let sessions = listed(page, &user)
        .await?
        .ok_or(PageError::Code(Code::NotFound))?;
    Ok((user, sessions))
}

/// `GET /devices/sessions/`: JSON the list; HTML goes to the section of the device list.
#[utoipa::path(
    get,
    path = "/devices/sessions/",
    tag = "devices",
    operation_id = "sessions",
    description = "The signed-in user's sessions, oldest first (HTML: 302 to the device list's section).",
    responses(
        (status = 200, description = "The sessions.", body = crate::api::SignedInSessions),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the session is not verified.", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: this site does not list sessions.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn list(page: Page) -> Result<Response, PageError> {
    let (_, sessions) = own_sessions(&page).await?;
    if !page.json {
        return Ok(secure(found(&format!(
            "{}{ANCHOR}",
            page.kit.url("/devices/")
        ))));
    }
    let sessions = sessions
        .iter()
        .map(|s| SignedInSession {
            created_at: rfc3339(s.meta.created_at),
            current: s.current,
            description: description(&page, s.meta.agent.as_deref()),
            expires_at: rfc3339(s.meta.expires_at),
            handle: s.handle.clone(),
            last_seen_at: rfc3339(s.meta.last_seen_at),
        })
        .collect();
    Ok(secure(
        axum::Json(SignedInSessions { sessions }).into_response(),
    ))
}

/// `POST /devices/sessions/{handle}/end/`.
#[utoipa::path(
    post,
    path = "/devices/sessions/{handle}/end/",
    tag = "devices",
    operation_id = "session_end",
    description = "Signs out one of the user's other sessions (this one signs out at `/logout/`).",
    params(crate::api::SessionPath),
    request_body(content(
        (crate::api::CsrfForm = "application/json"),
        (crate::api::CsrfForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Signed out (`count` 1).", body = crate::api::SessionsEnded),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the session is not verified; `csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: no such session of the user's other sessions (or another user's), or this site does not list sessions.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn end(
    Path(wanted): Path<String>,
    page: Page,
    _form: Form,
) -> Result<Response, PageError> {
    let (user, sessions) = own_sessions(&page).await?;
    let found = sessions
        .iter()
        .find(|s| !s.current && s.handle == wanted)
        .ok_or(PageError::Code(Code::NotFound))?;
    let index = page
        .kit
        .user_sessions()
        .ok_or(PageError::Code(Code::NotFound))?;
    if !index
        .end_session(&user, &found.meta.id)
        .await
        .or_internal()?
    {
        // Ended or expired in the meantime.
        return Err(PageError::Code(Code::NotFound));
    }
    audit_ended("end_session", Some(&user), &user, "", 1);
    let message = page.t_with(
        "sessions-ended-one",
        &[(
            "description",
            Arg::from(description(&page, found.meta.agent.as_deref())),
        )],
    );
    answer(&page, 1, message).await
}

/// `POST /devices/sessions/end-others/`.
#[utoipa::path(
    post,
    path = "/devices/sessions/end-others/",
    tag = "devices",
    operation_id = "sessions_end_others",
    description = "Signs out all of the user's sessions but this one.",
    request_body(content(
        (crate::api::CsrfForm = "application/json"),
        (crate::api::CsrfForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Signed out; `count` says how many.", body = crate::api::SessionsEnded),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the session is not verified; `csrf_failed`.", body = crate::api::Refusal),
        (status = 404, description = "`not_found`: this site does not list sessions.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn end_others(page: Page, _form: Form) -> Result<Response, PageError> {
    let list = page.kit.url("/devices/");
    let (state, user) = signed_in(&page, &list).await?;
    require_verified(&page, &state, &user, &list).await?;
    let index = page
        .kit
        .user_sessions()
        .ok_or(PageError::Code(Code::NotFound))?;
    let here = page.session.id();
    let n = index
        .end_all_sessions(&user, here.as_ref())
        .await
        .or_internal()?;
    audit_ended("end_other_sessions", Some(&user), &user, "", n);
    let message = page.t_with("sessions-ended-others", &[("n", Arg::from(n))]);
    answer(&page, n, message).await
}

/// JSON `{"status": "ended", "count": n}`; HTML 303 to the device list's section, which
/// says `message` once.
async fn answer(page: &Page, n: u64, message: String) -> Result<Response, PageError> {
    if page.json {
        let body = SessionsEnded {
            count: n,
            status: EndedStatus::Ended,
        };
        return Ok(secure(axum::Json(body).into_response()));
    }
    let list = page.kit.url("/devices/");
    let flash = Flash::to(&list).info(message);
    Ok(page.see_other(&format!("{list}{ANCHOR}"), flash).await?)
}
