//! The QR code of a TOTP/HOTP device's otpauth URI, for its enrolment and the admin area.

use axum::response::{IntoResponse, Response};
use http::header;

use super::context::Page;
use super::refusal::{OrInternal, PageError};
use crate::web::secure;

/// An SVG QR code of device `pid`'s otpauth URI, never stored by a cache (`no-store`).
pub(crate) async fn qr_response(page: &Page, pid: &str) -> Result<Response, PageError> {
    let uri = page.kit.engine().config_url(pid).await.or_internal()?;
    let svg = otpkit::qr::qr_svg(uri.expose()).or_internal()?;
    Ok(secure(
        (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            svg,
        )
            .into_response(),
    ))
}
