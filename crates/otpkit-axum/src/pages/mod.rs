//! The router and its handlers (SPEC §7.3–7.8).

pub(crate) mod admin;
pub(crate) mod devices;
pub(crate) mod enrol;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod pending;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::header;

use crate::error::{Code, Problem};
use crate::kit::OtpKit;
use crate::templates::STYLESHEET;
use crate::web::{secure, wants_json};
use login::Flow;

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
    secure(
        (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            STYLESHEET,
        )
            .into_response(),
    )
}

async fn login_get(State(kit): State<OtpKit>, req: Request) -> Response {
    login::get(kit, Flow::Login, req).await
}
async fn login_post(State(kit): State<OtpKit>, req: Request) -> Response {
    login::post(kit, Flow::Login, req).await
}
async fn verify_get(State(kit): State<OtpKit>, req: Request) -> Response {
    login::get(kit, Flow::Verify, req).await
}
async fn verify_post(State(kit): State<OtpKit>, req: Request) -> Response {
    login::post(kit, Flow::Verify, req).await
}
async fn admin_login_get(State(kit): State<OtpKit>, req: Request) -> Response {
    login::get(kit, Flow::Admin, req).await
}
async fn admin_login_post(State(kit): State<OtpKit>, req: Request) -> Response {
    login::post(kit, Flow::Admin, req).await
}

/// otpkit's routes, mounted under `OTPKIT_URL_PREFIX` (default `/otp`); see the crate docs
/// for the table. Wrap the application in [`crate::OtpLayer`] and a
/// `tower_sessions::SessionManagerLayer` (outermost).
pub fn routes<S>(kit: OtpKit) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let p = kit.web_settings().url_prefix.clone();
    let max = kit.web_settings().max_body_bytes;
    let r = |path: &str| format!("{p}{path}");
    Router::new()
        .route(&r("/login/"), get(login_get).post(login_post))
        .route(&r("/verify/"), get(verify_get).post(verify_post))
        .route(
            &r("/logout/"),
            get(logout::logout_get).post(logout::logout_post),
        )
        .route(&r("/session"), get(logout::session))
        .route(&r("/static/otpkit.css"), get(stylesheet))
        .route(&r("/devices/"), get(devices::list))
        .route(
            &r("/devices/totp/new/"),
            get(enrol::totp_get).post(enrol::totp_post),
        )
        .route(&r("/devices/totp/new/qrcode.svg"), get(enrol::totp_qr))
        .route(
            &r("/devices/email/new/"),
            get(enrol::email_get).post(enrol::email_post),
        )
        .route(
            &r("/devices/backup-codes/"),
            get(devices::backup_codes_get).post(devices::backup_codes),
        )
        .route(&r("/devices/{label}/{id}/rename/"), post(devices::rename))
        .route(&r("/devices/{label}/{id}/remove/"), post(devices::remove))
        .route(&r("/devices/{label}/{id}/unlock/"), post(devices::unlock))
        .route(&r("/admin/"), get(admin::list))
        .route(
            &r("/admin/login/"),
            get(admin_login_get).post(admin_login_post),
        )
        .route(&r("/admin/reset-throttling/"), post(admin::bulk_reset))
        .route(
            &r("/admin/devices/add/"),
            get(admin::add_get).post(admin::add_post),
        )
        .route(
            &r("/admin/devices/{label}/{id}/"),
            get(admin::device).post(admin::edit),
        )
        .route(
            &r("/admin/devices/{label}/{id}/confirm/"),
            post(admin::confirm),
        )
        .route(
            &r("/admin/devices/{label}/{id}/reset-throttling/"),
            post(admin::reset_throttling),
        )
        .route(
            &r("/admin/devices/{label}/{id}/remove/"),
            post(admin::remove),
        )
        .route(
            &r("/admin/devices/{label}/{id}/backup-codes/"),
            post(admin::backup_codes),
        )
        .route(
            &r("/admin/devices/{label}/{id}/config/"),
            get(admin::config),
        )
        .route(
            &r("/admin/devices/{label}/{id}/qrcode/"),
            get(admin::qrcode),
        )
        .layer(middleware::from_fn_with_state(max, body_limit))
        .layer(middleware::map_response(secure_all))
        .with_state(kit)
}
