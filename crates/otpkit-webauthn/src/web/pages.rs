//! The HTML pages: "Use your security key" (the code step of a passkey) and "Add a security
//! key or passkey", rendered as otpkit pages with otpkit-axum's templates machinery, and the
//! browser script.

use std::collections::HashMap;

use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::header;
use otpkit_axum::extension::render_page;
use otpkit_axum::{OtpState, encode_next as encode, is_safe_next};
use serde_json::json;
use tower_sessions::Session;

use super::Web;

/// The browser script of the pages.
pub const SCRIPT: &str = include_str!("../../static/otpkit-webauthn.js");

/// The query's `next`, when safe.
fn next_of(q: &HashMap<String, String>) -> String {
    q.get("next")
        .filter(|n| is_safe_next(n))
        .cloned()
        .unwrap_or_default()
}

/// `GET /passkeys/verify/`: the passkey step of a pending login or a signed-in user.
pub(crate) async fn verify_page(
    State(web): State<Web>,
    session: Session,
    state: OtpState,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let kit = &web.kit;
    let next = next_of(&q);
    match kit.code_step_user(&session, &state).await {
        Ok(Some(_)) => {}
        Ok(None) => return Redirect::to(&kit.web_settings().login_url()).into_response(),
        Err(_) => return http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
    let other = if next.is_empty() {
        kit.url("/verify/")
    } else {
        format!("{}?next={}", kit.url("/verify/"), encode(&next))
    };
    let extra = json!({
        "next": next,
        "options_url": kit.url("/passkeys/authenticate/options"),
        "finish_url": kit.url("/passkeys/authenticate/finish"),
        "other_url": other,
        "passkey_js": kit.url("/static/otpkit-webauthn.js"),
    });
    let (mut parts, _) = req.into_parts();
    render_page(
        kit,
        &mut parts,
        super::VERIFY_TEMPLATE,
        "passkey-verify-title",
        extra,
    )
    .await
}

/// `GET /passkeys/new/`: "Add a security key or passkey" for a signed-in user (with a fresh
/// verification once they have a device; else to the code step and back).
pub(crate) async fn new_page(State(web): State<Web>, state: OtpState, req: Request) -> Response {
    let kit = &web.kit;
    let here = kit.url("/passkeys/new/");
    let Some(user) = state.user() else {
        let login = kit.web_settings().login_url();
        return Redirect::to(&format!("{login}?next={}", encode(&here))).into_response();
    };
    match kit.needs_fresh_verification(&state, user).await {
        Ok(false) => {}
        Ok(true) => {
            let verify = kit.url("/verify/");
            return Redirect::to(&format!("{verify}?next={}", encode(&here))).into_response();
        }
        Err(_) => return http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
    let extra = json!({
        "options_url": kit.url("/passkeys/register/options"),
        "finish_url": kit.url("/passkeys/register/finish"),
        "passkey_js": kit.url("/static/otpkit-webauthn.js"),
    });
    let (mut parts, _) = req.into_parts();
    render_page(
        kit,
        &mut parts,
        super::NEW_TEMPLATE,
        "passkey-new-title",
        extra,
    )
    .await
}

/// `GET /static/otpkit-webauthn.js`.
pub(crate) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}
