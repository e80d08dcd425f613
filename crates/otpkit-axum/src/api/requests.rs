//! What the routes read from a request: the fields of each POST's body (a JSON object of
//! strings, or the same fields form-encoded) and the query of the pages that read one.
//!
//! Every field is optional and a string; every POST carries the session's CSRF token, as the
//! `X-CSRF-Token` header or the `csrf_token` field (which each body type has).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `POST /login/` and `POST /admin/login/`: the password step, the code step, or both at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginForm {
    /// Any value: cancels the pending login.
    pub cancel: Option<String>,
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// Where to go after the login (a relative path).
    pub next: Option<String>,
    /// Any non-empty value: send a code to `otp_device` (an interactive device).
    pub otp_challenge: Option<String>,
    /// The chosen device's persistent id.
    pub otp_device: Option<String>,
    /// The authentication code.
    pub otp_token: Option<String>,
    /// The password.
    pub password: Option<String>,
    /// The username.
    pub username: Option<String>,
}

/// `POST /verify/`: the code step of a signed-in user or a pending login.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerifyForm {
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// Where to go afterwards (a relative path).
    pub next: Option<String>,
    /// Any non-empty value: send a code to `otp_device` (an interactive device).
    pub otp_challenge: Option<String>,
    /// The chosen device's persistent id.
    pub otp_device: Option<String>,
    /// The authentication code.
    pub otp_token: Option<String>,
}

/// `POST /logout/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogoutForm {
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// Where to go afterwards (a relative path).
    pub next: Option<String>,
}

/// A POST with nothing but the CSRF token (unlock, the admin's confirm and reset).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CsrfForm {
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
}

/// A POST an HTML form sends from its confirmation page (`confirm=yes`); JSON clients act
/// without it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConfirmForm {
    /// `yes`: confirmed on the confirmation page.
    pub confirm: Option<String>,
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
}

/// `POST /devices/{label}/{id}/rename/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RenameForm {
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// The new name.
    pub name: Option<String>,
}

/// `POST /devices/new/backup-codes/`: acknowledge the setup's backup codes, or make new ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SetupCodesForm {
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// Any value: a new batch (the one shown was lost).
    pub regenerate: Option<String>,
    /// Non-empty: the codes were saved.
    pub saved: Option<String>,
}

/// `POST /devices/totp/new/`: start (with an optional `name`), or confirm with `otp_token`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TotpForm {
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// The new device's name.
    pub name: Option<String>,
    /// The app's first code: confirms the enrolment.
    pub otp_token: Option<String>,
}

/// `POST /devices/email/new/`: start with an address, resend, or confirm with the code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EmailForm {
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// The address (the user's own when empty).
    pub email: Option<String>,
    /// The code sent: confirms the enrolment.
    pub otp_token: Option<String>,
    /// Any value: send the code again.
    pub resend: Option<String>,
}

/// `POST /devices/backup-codes/`: a new batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BackupCodesForm {
    /// `yes`: confirmed on the confirmation page (HTML forms only).
    pub confirm: Option<String>,
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// `text`: the codes as a text download.
    pub format: Option<String>,
}

/// `POST /admin/reset-throttling/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BulkResetForm {
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// The devices' persistent ids.
    pub ids: Option<Vec<String>>,
}

/// `POST /admin/sessions/end/`: sign out all of a user's sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EndSessionsForm {
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// Where an HTML form goes back to (a relative path; default the admin list).
    pub next: Option<String>,
    /// The user whose sessions end.
    pub user: Option<String>,
}

/// `POST /admin/devices/add/`: a device of any kind for any user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddDeviceForm {
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// The address (email devices).
    pub email: Option<String>,
    /// The key (TOTP/HOTP; generated when empty).
    pub key: Option<String>,
    /// `base32` (the default) or `hex`.
    pub key_format: Option<String>,
    /// `totp`, `hotp`, `email` or `static`.
    pub kind: Option<String>,
    /// The device's name.
    pub name: Option<String>,
    /// The owner's user id.
    pub user: Option<String>,
}

/// `POST /admin/devices/{label}/{id}/`: the change form; an empty field keeps its value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChangeForm {
    /// HOTP: the counter.
    pub counter: Option<String>,
    /// The session's CSRF token (or the `X-CSRF-Token` header).
    pub csrf_token: Option<String>,
    /// 6 or 8.
    pub digits: Option<String>,
    /// TOTP: the clock drift, in steps.
    pub drift: Option<String>,
    /// A new key (TOTP/HOTP).
    pub key: Option<String>,
    /// `base32` (the default) or `hex`.
    pub key_format: Option<String>,
    /// The name.
    pub name: Option<String>,
    /// TOTP: the step, in seconds.
    pub step: Option<String>,
    /// TOTP: T0, Unix seconds.
    pub t0: Option<String>,
    /// Steps (TOTP) or counter values (HOTP) accepted around the expected one.
    pub tolerance: Option<String>,
}

/// The device in a route's path: `{label}/{id}`, its persistent id.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DevicePath {
    /// The kind's model label, e.g. `otp_totp.totpdevice`.
    pub label: String,
    /// The device's id within its kind.
    pub id: String,
}

/// The session in a route's path: its handle (from `GET /devices/sessions/`), never its id.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SessionPath {
    /// The session's handle.
    pub handle: String,
}

/// A trusted browser in a route's path: its record's id (from `GET /devices/trusted/`).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TrustedPath {
    /// The record's id.
    pub id: i64,
}

/// The query of a login page.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// Where to go after the login (a relative path).
    pub next: Option<String>,
    /// The device whose method the code step shows (a persistent id).
    pub device: Option<String>,
    /// `/verify/` only: offer only devices of these kinds (model labels, comma-separated),
    /// as the step-up guard sends it when it asks for some kinds.
    pub kinds: Option<String>,
}

/// The query of the admin area's list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminListQuery {
    /// Searches user ids, display names and email addresses.
    pub q: Option<String>,
    /// A kind's model label.
    pub kind: Option<String>,
    /// `yes` or `no`.
    pub confirmed: Option<String>,
    /// `1d`, `7d` or `30d`: created since.
    pub created: Option<String>,
    /// `1d`, `7d` or `30d`: used since; `never`.
    pub used: Option<String>,
}
