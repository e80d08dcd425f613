//! Passwordless sign-in (when [`PasskeySettings::passwordless`](crate::PasskeySettings) is
//! not `Off`): the page "Sign in with a passkey", linked from the login page, and its two
//! JSON endpoints. The started sign-in ([`PendingSignIn`]) is kept in the session store
//! under [`PENDING_SIGN_IN_KEY`] — server side, never in the cookie — and taken out by the
//! finish, whatever its result.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use otpkit_axum::extension::render_page;
use otpkit_axum::{Code, OtpState, is_safe_next};
use serde_json::json;
use tower_sessions::Session;

use super::Web;
use super::json::{Answer, Call, Refused, call};
use crate::ceremony::CeremonyOutcome;
use crate::{PasskeyError, PendingSignIn, Refusal, SignInOutcome};

/// The session key of a started passwordless sign-in.
pub const PENDING_SIGN_IN_KEY: &str = "otpkit_webauthn_sign_in";

/// `GET /passkeys/sign-in/`: "Sign in with a passkey".
pub(crate) async fn page(
    State(web): State<Web>,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let kit = &web.kit;
    let next = q
        .get("next")
        .filter(|n| is_safe_next(n))
        .cloned()
        .unwrap_or_default();
    let login = kit.web_settings().login_url();
    let other = if next.is_empty() {
        login
    } else {
        format!("{login}?next={}", otpkit_axum::encode_next(&next))
    };
    let extra = json!({
        "next": next,
        "options_url": kit.url("/passkeys/sign-in/options"),
        "finish_url": kit.url("/passkeys/sign-in/finish"),
        "other_url": other,
        "passkey_js": kit.url("/static/otpkit-webauthn.js"),
        "hint_id": "passkey-sign-in-hint",
        "button_id": "passkey-sign-in-button",
        "other_id": "passkey-sign-in-password",
    });
    let (mut parts, _) = req.into_parts();
    render_page(
        kit,
        &mut parts,
        super::VERIFY_TEMPLATE,
        "passkey-sign-in-title",
        extra,
    )
    .await
}

/// `POST /passkeys/sign-in/options`: the options for `navigator.credentials.get()`; the
/// started sign-in replaces an earlier one of the session.
pub(crate) async fn options(
    State(web): State<Web>,
    session: Session,
    state: OtpState,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let c = call(&web, &session, &state, &headers, &body).await?;
    let (options, pending) = match web.passkeys.start_passwordless().await {
        Ok(started) => started,
        Err(PasskeyError::PasswordlessOff) => return Err(c.refuse(Code::NotFound)),
        Err(e) => return Err(c.engine_failed(&e)),
    };
    session
        .insert(PENDING_SIGN_IN_KEY, &pending)
        .await
        .map_err(|_| c.internal("keeping the sign-in"))?;
    Ok(Json(json!({ "options": options })).into_response())
}

/// `POST /passkeys/sign-in/finish`: `{"credential", "next"?}` → `{"status": "verified",
/// "device", "next", "csrf_token"}`: the session is signed in and verified by the passkey.
pub(crate) async fn finish(
    State(web): State<Web>,
    session: Session,
    state: OtpState,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let c = call(&web, &session, &state, &headers, &body).await?;
    let credential = c.credential()?;
    let pending: Option<PendingSignIn> = session
        .remove(PENDING_SIGN_IN_KEY)
        .await
        .map_err(|_| c.internal("reading the sign-in"))?;
    let Some(pending) = pending else {
        return Err(refused(&c, Refusal::NoChallenge));
    };
    let binding = c.binding().await?;
    let out = match web
        .passkeys
        .finish_passwordless(pending, &credential, &binding)
        .await
    {
        Ok(out) => out,
        Err(PasskeyError::PasswordlessOff) => return Err(c.refuse(Code::NotFound)),
        Err(e) => return Err(c.engine_failed(&e)),
    };
    let (user, device) = match out {
        SignInOutcome::Accepted { user, device } => (user, device),
        SignInOutcome::NeedsFallback => return Err(needs_fallback(&c)),
        SignInOutcome::NotAllowed(n) => return Err(c.not_allowed(n)),
        SignInOutcome::Refused(r) => return Err(refused(&c, r)),
        SignInOutcome::Failed {
            user,
            device,
            refusal,
        } => {
            c.failed_on(&user, &device, refusal).await?;
            return Err(refused(&c, refusal));
        }
    };
    c.signed_in(&user, &device, "the sign-in").await
}

/// 401 `invalid_token` with `reason`.
fn refused(c: &Call<'_>, r: Refusal) -> Refused {
    c.not_accepted(CeremonyOutcome::Refused(r))
}

/// 403 `verification_not_allowed`, `reason: "needs_fallback"`: the account has only
/// passkeys, and passwordless sign-in needs another way in first.
fn needs_fallback(c: &Call<'_>) -> Refused {
    let kit = c.kit();
    let mut p = super::problem(kit, c.headers, Code::VerificationNotAllowed);
    let lang = kit.catalogue().negotiate_headers(c.headers);
    p.message = kit
        .catalogue()
        .message(&lang, "passkey-sign-in-needs-fallback", &[]);
    p.extra.insert("reason".into(), "needs_fallback".into());
    Refused::new(p.into_json())
}
