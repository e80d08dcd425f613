//! The web piece (cargo feature `axum`): passkey routes an application merges beside
//! otpkit-axum's pieces, under the kit's URL prefix (default `/otp`). They use otpkit-axum's
//! public API — the session, its CSRF token and binding value, the OTP state, the freshness
//! rule, and [`OtpKit::complete_verification`], which does what otpkit's code step does on
//! success — so a passkey signs in exactly as a code does.
//!
//! | route | method | what |
//! |---|---|---|
//! | `/passkeys/register/options` | POST | `{"name"?}` → `{"device", "options"}`: options for `navigator.credentials.create()` and the unconfirmed device; a signed-in user, with a fresh verification once they have a device (as every enrolment) |
//! | `/passkeys/register/finish` | POST | `{"device", "credential"}` → `{"status": "registered", "device", "name", "csrf_token"}`; the first device also verifies the session |
//! | `/passkeys/authenticate/options` | POST | → `{"options"}` for `navigator.credentials.get()`: the signed-in user's or the pending login's passkeys; 403 `no_device` without one |
//! | `/passkeys/authenticate/finish` | POST | `{"credential", "next"?}` → `{"status": "verified", "device", "next", "csrf_token"}`: the login (or re-verification) is complete |
//!
//! Every POST needs the session's CSRF token (`X-CSRF-Token`, or `csrf_token` in the body).
//! Refusals have otpkit-axum's shape, `{"error", "message", …}`: 401 `otp_required` (nobody
//! to enrol or sign in), 403 `reauth_required`, `csrf_failed`, `no_device`,
//! `device_locked`, 429 `n_failed_attempts`, 400 `bad_request`, 401 `invalid_token` with
//! `reason` (the [`Refusal`](crate::Refusal) code), 503 `internal_error` (fail closed).
//!
//! ```no_run
//! use otpkit_axum::OtpKit;
//! use otpkit_webauthn::{Passkeys, web};
//!
//! fn app(kit: OtpKit, passkeys: Passkeys) -> axum::Router {
//!     axum::Router::new()
//!         .merge(otpkit_axum::routes(kit.clone()))
//!         .merge(web::router(kit.clone(), passkeys))
//!         .layer(kit.layer())
//!         .layer(otpkit_axum::session_layer(tower_sessions::MemoryStore::default()))
//! }
//! ```

mod json;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::Response;
use axum::routing::post;
use http::{HeaderMap, HeaderValue, header};
use otpkit_axum::{Code, OtpKit, Problem};

use crate::Passkeys;
use crate::kind::MAX_RESPONSE_BYTES;

/// What the handlers share.
#[derive(Clone, Debug)]
pub(crate) struct Web {
    pub(crate) kit: OtpKit,
    pub(crate) passkeys: Passkeys,
}

/// The passkey routes under the kit's URL prefix (see the module docs), for an application
/// that wraps them, like otpkit's, in `kit.layer()` and a session layer.
pub fn router<S>(kit: OtpKit, passkeys: Passkeys) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let at = |path: &str| kit.url(path);
    Router::new()
        .route(
            &at("/passkeys/register/options"),
            post(json::register_options),
        )
        .route(
            &at("/passkeys/register/finish"),
            post(json::register_finish),
        )
        .route(
            &at("/passkeys/authenticate/options"),
            post(json::authenticate_options),
        )
        .route(
            &at("/passkeys/authenticate/finish"),
            post(json::authenticate_finish),
        )
        // A response plus its envelope; a larger body is refused unread (413).
        .layer(DefaultBodyLimit::max(2 * MAX_RESPONSE_BYTES))
        .layer(middleware::map_response(secure))
        .with_state(Web { kit, passkeys })
}

/// otpkit's security headers (docs/behaviour.md §7.5) on every answer.
async fn secure(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, name, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, otpkit_axum::CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::CACHE_CONTROL, "no-store");
    resp
}

/// The refusal of `code` in the request's language.
pub(crate) fn problem(kit: &OtpKit, headers: &HeaderMap, code: Code) -> Problem {
    let lang = kit.catalogue().negotiate_headers(headers);
    Problem::localised(kit.messages(), kit.catalogue(), &lang, code, "", 0)
}
