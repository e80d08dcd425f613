//! TOTP enrolment (`/devices/totp/new/`): start, show the key and its QR code, confirm with
//! the first code.

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use minijinja::context;
use otpkit::engine::TotpOptions;
use otpkit::{Device, Error as OtpError};

use super::{
    Confirmation, clear_enrolments, confirm, current_enrolment, replace_pending, start_enrolment,
};
use crate::api::{NotStarted, NotStartedStatus, StartedStatus, TotpEnrolment, TotpStarted};
use crate::error::{Code, Problem};
use crate::flash::Flash;
use crate::pages::access::{fresh_user, signed_in};
use crate::pages::context::Page;
use crate::pages::form::Form;
use crate::pages::qr::qr_response;
use crate::pages::refusal::{OrInternal, PageError};
use crate::web::{found, secure};

/// The model label of TOTP devices.
const TOTP: &str = "otp_totp.totpdevice";

/// The message of the name of a new authenticator app when the user gives none.
const DEFAULT_NAME: &str = "setup-totp-default-name";

/// Groups of four.
fn grouped(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn strip_xml_declaration(svg: &str) -> String {
    match svg.find("?>") {
        Some(i) if svg.starts_with("<?xml") => svg.get(i + 2..).unwrap_or("").trim().to_owned(),
        _ => svg.to_owned(),
    }
}

/// The enrolment page: not started, or the device's key, URI and QR code.
async fn render_totp(
    page: &Page,
    device: Option<&Device>,
    flash: Option<&Flash>,
) -> Result<Response, PageError> {
    let kit = &page.kit;
    let message = flash.and_then(|f| f.error.clone());
    let digits = kit.settings().totp.digits;
    let Some(device) = device else {
        if page.json {
            let body = TotpEnrolment::NotStarted(NotStarted {
                status: NotStartedStatus::NotStarted,
            });
            return Ok(secure(axum::Json(body).into_response()));
        }
        return Ok(page
            .render(
                StatusCode::OK,
                "otpkit/totp_new.html",
                &page.t("setup-totp-title"),
                context! {
                    started => false,
                    error => message,
                    default_name => page.t(DEFAULT_NAME),
                    step => 2,
                },
            )
            .await);
    };
    let pid = device.persistent_id();
    let a = kit.provisioning(&pid).await.or_internal()?;
    let (uri, secret) = (
        a.to_uri(),
        otpkit::encoding::encode_base32(a.secret.expose()),
    );
    if page.json {
        let body = TotpEnrolment::Started(TotpStarted {
            device: pid,
            secret,
            status: StartedStatus::EnrolmentStarted,
            uri: uri.expose().to_owned(),
        });
        return Ok(secure(axum::Json(body).into_response()));
    }
    let svg = otpkit::qr::qr_svg(uri.expose()).or_internal()?;
    Ok(page
        .render(
            StatusCode::OK,
            "otpkit/totp_new.html",
            &page.t("setup-totp-title"),
            context! {
                started => true,
                qr_svg => minijinja::Value::from_safe_string(strip_xml_declaration(&svg)),
                qr_url => kit.url("/devices/totp/new/qrcode.svg"),
                uri => uri.expose(),
                secret => grouped(&secret),
                digits => digits,
                error => message,
                step => 2,
            },
        )
        .await)
}

/// `GET /devices/totp/new/`.
#[utoipa::path(
    get,
    path = "/devices/totp/new/",
    tag = "enrolment",
    operation_id = "totp_enrolment",
    description = "This session's authenticator app enrolment.",
    responses(
        (status = 200, description = "Not started, or the key.", body = crate::api::TotpEnrolment),
        (status = 401, description = "`otp_required`: not signed in (`login_url` says where to).", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`: the verification is not fresh; `csrf_failed`.", body = crate::api::Refusal),
    )
)]
pub(crate) async fn totp_get(page: Page) -> Result<Response, PageError> {
    let here = page.kit.url("/devices/totp/new/");
    let user = fresh_user(&page, &here).await?;
    let device = current_enrolment(&page, &user, TOTP).await?;
    let flash = page.take_flash().await?;
    render_totp(&page, device.as_ref(), flash.as_ref()).await
}

/// `POST /devices/totp/new/`: start (with an optional `name`) or confirm with the first code
/// (`otp_token`).
#[utoipa::path(
    post,
    path = "/devices/totp/new/",
    tag = "enrolment",
    operation_id = "totp_enrol",
    description = "Starts an authenticator app enrolment (`name`), or confirms it with its first code (`otp_token`), which verifies the session.",
    request_body(content(
        (crate::api::TotpForm = "application/json"),
        (crate::api::TotpForm = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Started (the key), or confirmed (`verified`).", body = crate::api::TotpAnswer),
        (status = 400, description = "`token_required`, `bad_request` (a name that cannot be one).", body = crate::api::Refusal),
        (status = 401, description = "`login_expired` (no enrolment in progress), `invalid_token`, `otp_required`.", body = crate::api::Refusal),
        (status = 403, description = "`reauth_required`, `device_locked`, `verification_not_allowed`, `csrf_failed`.", body = crate::api::Refusal),
        (status = 429, description = "`n_failed_attempts` (`Retry-After`).", body = crate::api::Refusal),
    )
)]
pub(crate) async fn totp_post(page: Page, Form(fields): Form) -> Result<Response, PageError> {
    let kit = &page.kit;
    let here = kit.url("/devices/totp/new/");
    let user = fresh_user(&page, &here).await?;
    let refused = |problem: Problem| PageError::Refused {
        page: here.clone(),
        problem: Box::new(problem),
    };
    if let Some(token) = fields.get("otp_token") {
        let Some(device) = current_enrolment(&page, &user, TOTP).await? else {
            return Err(refused(page.problem(Code::LoginExpired, "", 0)));
        };
        if token.trim().is_empty() {
            return Err(refused(page.problem(Code::TokenRequired, "", 0)));
        }
        return match confirm(&page, &user, &device, token).await? {
            Confirmation::Done(resp) => Ok(resp),
            Confirmation::Refused(p) => Err(refused(p)),
        };
    }
    clear_enrolments(&page, &user).await.or_internal()?;
    let opts = TotpOptions {
        name: Some(
            fields
                .non_empty("name")
                .map_or_else(|| page.t(DEFAULT_NAME), |n| n.trim().to_owned()),
        ),
        unconfirmed: true,
        ..TotpOptions::default()
    };
    let device = match kit.engine().create_totp(&user, opts).await {
        Ok(d) => d,
        Err(OtpError::InvalidName(_)) => {
            return Err(refused(page.problem(Code::BadRequest, "", 0)));
        }
        Err(_) => return Err(PageError::Internal),
    };
    replace_pending(&page, &user, &device).await?;
    start_enrolment(&page, &device).await?;
    if page.json {
        return render_totp(&page, Some(&device), None).await;
    }
    Ok(secure(found(&here)))
}

/// `GET /devices/totp/new/qrcode.svg`: only for the session that started the enrolment.
pub(crate) async fn totp_qr(page: Page) -> Result<Response, PageError> {
    let here = page.kit.url("/devices/totp/new/");
    let (_, user) = signed_in(&page, &here).await?;
    let Some(device) = current_enrolment(&page, &user, TOTP).await? else {
        return Err(PageError::Code(Code::NotFound));
    };
    qr_response(&page, &device.persistent_id()).await
}
