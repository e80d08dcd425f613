//! Logout (`/logout/`, docs/behaviour.md §3 `logout_otp`) and the session's state (`/session`,
//! §7.5).

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;

use super::context::Page;
use super::form::{Form, Query};
use super::login::complete::level_changed;
use super::refusal::PageError;
use crate::error::Code;
use crate::session::SessionAdapter;
use crate::web::{found, secure};

/// `GET /logout/`: a confirmation form (logging out changes state, so it is a POST).
pub(crate) async fn logout_get(page: Page, Query(q): Query) -> Response {
    let next = q.get("next").unwrap_or_default();
    page.render(
        StatusCode::OK,
        "otpkit/logout.html",
        "Log out",
        context! { next => next },
    )
    .await
}

/// `POST /logout/`: forgets the device and logs the session out.
pub(crate) async fn logout_post(page: Page, Form(fields): Form) -> Result<Response, PageError> {
    let kit = &page.kit;
    let adapter = SessionAdapter::new(page.session.clone());
    if kit.engine().logout_otp(&adapter).await.is_err()
        || kit.auth().logout(&page.session).await.is_err()
    {
        return Err(PageError::Internal);
    }
    let to = page.next_or_default(fields.get("next"));
    if page.json {
        return level_changed(
            &page,
            serde_json::json!({"status": "logged_out", "next": to}),
        )
        .await;
    }
    Ok(secure(found(&to)))
}

/// `GET /session`: `{"state": …, "csrf_token": …}`; 503 `internal_error` in JSON whatever
/// the client accepts.
pub(crate) async fn session(page: Page) -> Response {
    let unavailable = || secure(page.problem(Code::InternalError, "", 0).into_json());
    let state = page.state().await;
    if state.is_unavailable() {
        return unavailable();
    }
    let Ok(csrf) = page.store().csrf_token().await else {
        return unavailable();
    };
    secure(
        axum::Json(serde_json::json!({"state": state.level().as_str(), "csrf_token": csrf}))
            .into_response(),
    )
}
