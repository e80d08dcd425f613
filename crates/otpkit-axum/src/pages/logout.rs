//! Logout (`/logout/`, SPEC §3 `logout_otp`) and the session's state (`/session`, §7.5).

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;

use super::login::level_changed;
use crate::error::Code;
use crate::kit::OtpKit;
use crate::session::SessionAdapter;
use crate::web::{Ctx, found, query_next, secure};

/// `GET /logout/`: a confirmation form (logging out changes state, so it is a POST).
pub(crate) async fn logout_get(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let next = query_next(&parts, "next").unwrap_or_default();
    ctx.page(
        StatusCode::OK,
        "otpkit/logout.html",
        "Log out",
        context! { next => next },
    )
    .await
}

/// `POST /logout/`: forgets the device and logs the session out.
pub(crate) async fn logout_post(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let fields = match ctx.form(&parts.headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let adapter = SessionAdapter::new(ctx.session.clone());
    if kit.engine().logout_otp(&adapter).await.is_err()
        || kit.auth().logout(&ctx.session).await.is_err()
    {
        return ctx.internal().await;
    }
    let to = ctx.next_or_default(fields.get("next"));
    if ctx.json {
        return level_changed(
            &ctx,
            serde_json::json!({"status": "logged_out", "next": to}),
        )
        .await;
    }
    secure(found(&to))
}

/// `GET /session`: `{"state": …, "csrf_token": …}`.
pub(crate) async fn session(State(kit): State<OtpKit>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let ctx = match Ctx::new(&kit, &parts) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let state = ctx.state().await;
    if state.is_unavailable() {
        return secure(ctx.problem(Code::InternalError, "", 0).into_json());
    }
    let Ok(csrf) = ctx.store().csrf_token().await else {
        return secure(ctx.problem(Code::InternalError, "", 0).into_json());
    };
    secure(
        axum::Json(serde_json::json!({"state": state.level().as_str(), "csrf_token": csrf}))
            .into_response(),
    )
}
