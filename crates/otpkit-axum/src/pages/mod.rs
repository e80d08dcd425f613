//! The router and its pages (docs/behaviour.md §7.3–7.8), by use case: [`login`] (the password and
//! code steps, also of the admin login), [`verify`], [`logout`] (and `/session`), [`enrol`] (one
//! module per kind), [`devices`] and [`admin`].
//!
//! Handlers take typed arguments: the request's [`Page`](context::Page) context, its body
//! as a [`Form`](form::Form) (bounded, CSRF-checked) or its [`Query`](form::Query), and the
//! `Path`. They answer `Result<Response, PageError>` and refuse with `?`: a
//! [`PageError`](refusal::PageError) renders itself, through the [`refusal::answer`] layer.
//! What the pages share sits in modules of its own: who may use which page ([`access`]), the
//! engine's outcomes as answers ([`outcome`]) and the QR code ([`qr`]).

mod access;
mod admin;
mod context;
mod devices;
mod embed;
pub(crate) mod enrol;
mod form;
mod language;
mod login;
mod logout;
pub(crate) mod openapi;
mod outcome;
mod qr;
mod refusal;
mod verify;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::header;

pub(crate) use context::{NoSession, Page};
pub use embed::CodeStep;

use crate::error::{Code, Problem};
use crate::kit::OtpKit;
use crate::templates::{SCRIPT, STYLESHEET};
use crate::web::{secure, wants_json};

/// Refuses a body over `OTPKIT_MAX_BODY_BYTES` by its `Content-Length` with 413 before
/// anything else runs (chunked bodies are bounded again when read).
async fn body_limit(State(max): State<usize>, req: Request, next: Next) -> Response {
    let too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > max as u64);
    if too_large {
        let p = Problem::new(Code::PayloadTooLarge);
        if wants_json(req.headers()) {
            return secure(p.into_json());
        }
        return secure((p.status(), p.message).into_response());
    }
    next.run(req).await
}

/// The §7.5 headers on every response of these routes (404, 405 and 413 included).
async fn secure_all(resp: Response) -> Response {
    secure(resp)
}

async fn stylesheet() -> Response {
    language::asset("text/css; charset=utf-8", STYLESHEET)
}

async fn script() -> Response {
    language::asset("text/javascript; charset=utf-8", SCRIPT)
}

/// otpkit's routes, mounted under `OTPKIT_URL_PREFIX` (default `/otp`); see the crate docs
/// for the table. Wrap the application in [`crate::OtpLayer`] and a
/// `tower_sessions::SessionManagerLayer` (outermost).
///
/// This is every piece of [`crate::router`] at once, the password login included; an
/// application that keeps its own login merges the pieces it wants instead.
pub fn routes<S>(kit: OtpKit) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    piece(kit, every_piece)
}

/// Every piece's routes.
pub(crate) fn every_piece(router: Router<OtpKit>, at: At<'_>) -> Router<OtpKit> {
    let router = password_login(router, at);
    let router = code_step(router, at);
    let router = enrolment(router, at);
    let router = own_devices(router, at);
    admin_area(router, at)
}

/// `At`: a route's path under the prefix.
pub(crate) type At<'a> = &'a dyn Fn(&str) -> String;

/// The routes `add` adds, under the prefix, with the layers of every otpkit route: the
/// refusal answer, the body limit and the §7.5 security headers.
pub(crate) fn piece<S>(
    kit: OtpKit,
    add: impl FnOnce(Router<OtpKit>, At<'_>) -> Router<OtpKit>,
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let prefix = kit.web_settings().url_prefix.clone();
    let max = kit.web_settings().max_body_bytes;
    let at = |path: &str| format!("{prefix}{path}");
    add(Router::new(), &at)
        .layer(middleware::from_fn_with_state(kit.clone(), refusal::answer))
        .layer(middleware::from_fn_with_state(max, body_limit))
        .layer(middleware::map_response(secure_all))
        .with_state(kit)
}

/// otpkit's own password step: the login and the admin login.
pub(crate) fn password_login(router: Router<OtpKit>, at: At<'_>) -> Router<OtpKit> {
    router
        .route(
            &at("/login/"),
            get(login::login_get).post(login::login_post),
        )
        .route(
            &at("/admin/login/"),
            get(login::admin_login_get).post(login::admin_login_post),
        )
}

/// The code step (`/verify/`) and what it needs: logout, the session's state, the language
/// chooser and the static assets; and the JSON API's OpenAPI document.
pub(crate) fn code_step(router: Router<OtpKit>, at: At<'_>) -> Router<OtpKit> {
    router
        .route(
            &at("/verify/"),
            get(verify::verify_get).post(verify::verify_post),
        )
        .route(
            &at("/logout/"),
            get(logout::logout_get).post(logout::logout_post),
        )
        .route(&at("/session"), get(logout::session))
        .route(&at("/openapi.json"), get(openapi::serve))
        .route(&at("/static/otpkit.css"), get(stylesheet))
        .route(&at("/static/otpkit.js"), get(script))
        .route(&at("/language/"), get(language::choose))
}

/// Enrolment: the guided setup, each kind's enrolment and the backup codes.
pub(crate) fn enrolment(router: Router<OtpKit>, at: At<'_>) -> Router<OtpKit> {
    use enrol::{backup_codes, email, setup, totp};
    router
        .route(&at("/devices/new/"), get(setup::choose))
        .route(
            &at("/devices/new/backup-codes/"),
            get(setup::codes_get).post(setup::codes_post),
        )
        .route(&at("/devices/new/done/"), get(setup::done))
        .route(
            &at("/devices/totp/new/"),
            get(totp::totp_get).post(totp::totp_post),
        )
        .route(&at("/devices/totp/new/qrcode.svg"), get(totp::totp_qr))
        .route(
            &at("/devices/email/new/"),
            get(email::email_get).post(email::email_post),
        )
        .route(
            &at("/devices/backup-codes/"),
            get(backup_codes::backup_codes_get).post(backup_codes::backup_codes_post),
        )
        .route(
            &at("/devices/backup-codes/regenerate/"),
            get(devices::confirm::regenerate_get),
        )
}

/// The user's own devices: the list, the device actions and the user's sessions.
pub(crate) fn own_devices(router: Router<OtpKit>, at: At<'_>) -> Router<OtpKit> {
    router
        .route(&at("/devices/"), get(devices::list))
        .route(&at("/devices/sessions/"), get(devices::sessions::list))
        .route(&at("/devices/trusted/"), get(devices::trusted::list))
        .route(
            &at("/devices/trusted/{id}/revoke/"),
            post(devices::trusted::revoke),
        )
        .route(
            &at("/devices/trusted/revoke-all/"),
            post(devices::trusted::revoke_all),
        )
        .route(
            &at("/devices/sessions/{handle}/end/"),
            post(devices::sessions::end),
        )
        .route(
            &at("/devices/sessions/end-others/"),
            post(devices::sessions::end_others),
        )
        .route(
            &at("/devices/{label}/{id}/rename/"),
            post(devices::actions::rename),
        )
        .route(
            &at("/devices/{label}/{id}/remove/"),
            get(devices::confirm::remove_get).post(devices::actions::remove),
        )
        .route(
            &at("/devices/{label}/{id}/unlock/"),
            post(devices::actions::unlock),
        )
}

/// The admin area (its login is in [`password_login`]).
pub(crate) fn admin_area(router: Router<OtpKit>, at: At<'_>) -> Router<OtpKit> {
    use admin::{actions, add, confirm, device};
    let dev = |tail: &str| at(&format!("/admin/devices/{{label}}/{{id}}/{tail}"));
    router
        .route(&at("/admin/"), get(admin::list))
        .route(&at("/admin/reset-throttling/"), post(actions::bulk_reset))
        .route(&at("/admin/sessions/end/"), post(admin::sessions::end_all))
        .route(
            &at("/admin/trusted/revoke/"),
            post(devices::trusted::admin_revoke),
        )
        .route(
            &at("/admin/users/without-2fa/"),
            get(admin::compliance::list),
        )
        .route(
            &at("/admin/devices/add/"),
            get(add::add_get).post(add::add_post),
        )
        .route(&dev(""), get(device::device).post(actions::edit))
        .route(&dev("confirm/"), post(actions::confirm))
        .route(&dev("reset-throttling/"), post(actions::reset_throttling))
        .route(
            &dev("remove/"),
            get(confirm::remove_get).post(actions::remove),
        )
        .route(
            &dev("backup-codes/"),
            get(confirm::backup_codes_get).post(actions::backup_codes),
        )
        .route(&dev("config/"), get(device::config))
        .route(&dev("qrcode/"), get(device::qrcode))
}
