//! The JSON answers of otpkit's routes, one type per shape. Fields are declared in the
//! order the answers have always had on the wire (alphabetical).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::middleware::Level;

/// Declares a one-value status enum: the `status` field of an answer.
macro_rules! status {
    ($(#[$doc:meta])* $name:ident: $variant:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            /// The only value.
            $variant,
        }
    };
}

status!(
    /// `"ok"`.
    OkStatus: Ok
);
status!(
    /// `"removed"`.
    RemovedStatus: Removed
);
status!(
    /// `"done"`.
    DoneStatus: Done
);
status!(
    /// `"not_started"`.
    NotStartedStatus: NotStarted
);
status!(
    /// `"enrolment_started"`.
    StartedStatus: EnrolmentStarted
);
status!(
    /// `"challenge_sent"`: a code was sent.
    ChallengeSentStatus: ChallengeSent
);
status!(
    /// `"ended"`: sessions were signed out.
    EndedStatus: Ended
);
status!(
    /// `"revoked"`: trusted browsers were revoked.
    RevokedStatus: Revoked
);

/// `GET /session`: the session's level and CSRF token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    /// The token every state-changing request carries (`X-CSRF-Token` or `csrf_token`).
    pub csrf_token: String,
    /// The session's authentication level.
    pub state: Level,
}

/// A device the code step offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginDevice {
    /// Whether it can give a code on this site: false for an email device when the site
    /// cannot send email (no mailer); such a device cannot be used to sign in.
    pub available: bool,
    /// Its persistent id (`otp_device`), e.g. `otp_totp.totpdevice/1`.
    pub id: String,
    /// Whether it sends a code on request (`otp_challenge`), as email does.
    pub interactive: bool,
    /// The name its owner gave it.
    pub name: String,
}

/// Which step a login page is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoginStepName {
    /// Username and password.
    Credentials,
    /// The code step: an authentication code of one of `devices`.
    Token,
    /// The user has no confirmed device.
    NoDevice,
}

/// A login page (`/login/`, `/admin/login/`, `/verify/`) with nothing to refuse: its step
/// and the session's level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginStep {
    /// The session's CSRF token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    /// The user's confirmed devices (the code step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<LoginDevice>>,
    /// The session's authentication level.
    pub state: Level,
    /// The step.
    pub step: LoginStepName,
}

/// How a step changed the session's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LevelStatus {
    /// A device verified the session (a login, a re-verification, an enrolment's first code).
    Verified,
    /// Signed in without a device (`OTPKIT_LOGIN_OTP_OPTIONAL`).
    Authenticated,
    /// The pending login was cancelled.
    Cancelled,
    /// Signed out.
    LoggedOut,
}

/// A step that changed the session's level; the CSRF token was replaced, here is the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LevelChanged {
    /// The session's new CSRF token.
    pub csrf_token: String,
    /// The device that verified the session (`verified`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Where the user goes next (`verified`, `authenticated`, `logged_out`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// What happened.
    pub status: LevelStatus,
}

/// A kind of device the guided setup offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SetupKind {
    /// An authenticator app.
    Totp,
    /// Codes by email.
    Email,
}

/// A method the guided setup offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SetupMethod {
    /// Which method.
    pub method: SetupKind,
    /// Its kind's model label.
    pub model_label: String,
    /// Its enrolment route.
    pub url: String,
}

/// `GET /devices/new/`: the methods to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SetupMethods {
    /// The methods this deployment offers.
    pub methods: Vec<SetupMethod>,
}

/// A new batch of backup codes, shown this once; the previous codes stop working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BackupCodes {
    /// The codes.
    pub codes: Vec<String>,
    /// The backup-code device's persistent id.
    pub device: String,
}

/// The saved backup codes were acknowledged: go on to `next`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SetupNext {
    /// The setup's last page.
    pub next: String,
    /// `ok`.
    pub status: OkStatus,
}

/// `GET /devices/new/done/`: the guided setup is complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SetupDone {
    /// Whether the user has unused backup codes.
    pub backup_codes: bool,
    /// The device the setup confirmed, if this session's setup confirmed one.
    pub device: Option<String>,
    /// `done`.
    pub status: DoneStatus,
}

/// No enrolment of this kind is in progress in this session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NotStarted {
    /// `not_started`.
    pub status: NotStartedStatus,
}

/// An authenticator app's enrolment in progress: the key to add to the app; confirm with
/// its first code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TotpStarted {
    /// The new (unconfirmed) device.
    pub device: String,
    /// The key, base32.
    pub secret: String,
    /// `enrolment_started`.
    pub status: StartedStatus,
    /// The `otpauth://` URI (what the QR code holds).
    pub uri: String,
}

/// `/devices/totp/new/`: not started, or started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum TotpEnrolment {
    /// Nothing in progress.
    NotStarted(NotStarted),
    /// In progress.
    Started(TotpStarted),
}

/// An email enrolment in progress (202): a code was sent to the address; confirm with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EmailStarted {
    /// The new (unconfirmed) device.
    pub device: String,
    /// What was sent, when a code was sent by this request.
    pub message: Option<String>,
    /// `challenge_sent`.
    pub status: ChallengeSentStatus,
}

/// A device of the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceInfo {
    /// Unused backup codes (backup-code devices).
    pub codes_left: Option<u64>,
    /// Whether its enrolment was confirmed.
    pub confirmed: bool,
    /// When it was created, RFC 3339.
    pub created_at: String,
    /// Failed attempts in a row.
    pub failure_count: u32,
    /// Its persistent id.
    pub id: String,
    /// Its kind's name, e.g. `TOTP device`.
    pub kind: String,
    /// When it last verified a code, RFC 3339.
    pub last_used_at: Option<String>,
    /// Locked out after too many failures (an unlock is needed).
    pub locked: bool,
    /// Its kind's model label.
    pub model_label: String,
    /// The name its owner gave it.
    pub name: String,
    /// Until when it is throttled, RFC 3339.
    pub throttled_until: Option<String>,
}

/// `GET /devices/`: the user's confirmed devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceList {
    /// The devices.
    pub devices: Vec<DeviceInfo>,
}

/// A device was renamed or unlocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceChanged {
    /// The device as it is now.
    pub device: DeviceInfo,
    /// `ok`.
    pub status: OkStatus,
}

/// A device was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceRemoved {
    /// Its persistent id.
    pub device: String,
    /// `removed`.
    pub status: RemovedStatus,
}

/// One of the user's signed-in sessions. It is named by its handle: the session id (the
/// cookie's value) is never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignedInSession {
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// Whether it is the session of this request.
    pub current: bool,
    /// The browser and system it signed in with, in words ("Firefox on Linux"; "Unknown
    /// browser" when not recognised), in the answer's language.
    pub description: String,
    /// When it expires unless used again (RFC 3339).
    pub expires_at: String,
    /// The handle that names it in `POST /devices/sessions/{handle}/end/`.
    pub handle: String,
    /// When it was last seen (RFC 3339).
    pub last_seen_at: String,
}

/// `GET /devices/sessions/`: the user's signed-in sessions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignedInSessions {
    /// The sessions.
    pub sessions: Vec<SignedInSession>,
}

/// Sessions were signed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionsEnded {
    /// How many.
    pub count: u64,
    /// `ended`.
    pub status: EndedStatus,
}

/// Trusted browsers were revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrustRevoked {
    /// How many.
    pub count: u64,
    /// `revoked`.
    pub status: RevokedStatus,
}

/// A browser the user trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrustedBrowserInfo {
    /// Its record's id (for `POST /devices/trusted/{id}/revoke/`).
    pub id: i64,
    /// The browser and system in words ("Firefox on Linux"), in the request's language.
    pub description: String,
    /// When it was trusted, RFC 3339.
    pub created_at: String,
    /// When it last skipped the code step, RFC 3339.
    pub last_seen_at: String,
    /// When the trust ends, RFC 3339.
    pub expires_at: String,
}

/// `GET /devices/trusted/`: the user's trusted browsers that have not expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrustedBrowsers {
    /// Newest first.
    pub browsers: Vec<TrustedBrowserInfo>,
}

/// A device in the admin area's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminDeviceRow {
    /// Whether its enrolment was confirmed.
    pub confirmed: bool,
    /// When it was created, RFC 3339.
    pub created_at: String,
    /// Failed attempts in a row.
    pub failure_count: u32,
    /// Its persistent id.
    pub id: String,
    /// Its kind's name, e.g. `TOTP device`.
    pub kind: String,
    /// Its kind in plain words, in the request's language.
    pub kind_text: String,
    /// When it last verified a code, RFC 3339.
    pub last_used_at: Option<String>,
    /// Locked out after too many failures.
    pub locked: bool,
    /// The name its owner gave it.
    pub name: String,
    /// Its configuration page with the QR code (TOTP/HOTP, unless sensitive data is hidden).
    pub qr_url: Option<String>,
    /// Imported from django-otp with a key shorter than 16 bytes: it works, and its owner
    /// should set it up again.
    pub reenrolment_recommended: bool,
    /// Its name as a person reads it (the kind for a name the library chose).
    pub shown_name: String,
    /// Its page in the admin area.
    pub url: String,
    /// Its owner.
    pub user: String,
}

/// `GET /admin/`: the devices the filters keep (at most 500).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminDeviceList {
    /// The devices.
    pub devices: Vec<AdminDeviceRow>,
}

/// A user the two-step policy covers who has no sign-in method yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NonCompliantUser {
    /// The user id.
    pub user: String,
    /// The directory's display name (else the user id).
    pub name: String,
}

/// `GET /admin/users/without-2fa/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NonCompliantUsers {
    /// The users (at most 500).
    pub users: Vec<NonCompliantUser>,
    /// False when the list stopped at its limit (500 shown, or 10 000 users read).
    pub complete: bool,
    /// `OTPKIT_ENFORCE_2FA` (an application's own rule, when given, decides instead).
    pub policy: String,
}

/// `GET /admin/devices/{label}/{id}/`: a device, whoever owns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminDevice {
    /// Whether its enrolment was confirmed.
    pub confirmed: bool,
    /// Failed attempts in a row.
    pub failure_count: u32,
    /// Its persistent id.
    pub id: String,
    /// Locked out after too many failures.
    pub locked: bool,
    /// Its name.
    pub name: String,
    /// Its owner.
    pub user: String,
}

/// A device the admin added (201); its TOTP/HOTP key is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddedDevice {
    /// Its persistent id.
    pub device: String,
    /// The key, base32 (TOTP/HOTP).
    pub secret: Option<String>,
}

/// An admin action on a device was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminDone {
    /// The device's persistent id.
    pub device: String,
    /// `ok`.
    pub status: OkStatus,
}

/// A new batch of backup codes an admin made for a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminCodes {
    /// The codes, shown this once.
    pub codes: Vec<String>,
}

/// `POST /admin/reset-throttling/`: how many throttles were reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BulkReset {
    /// How many devices were reset.
    pub reset: u64,
    /// The devices left alone: the one that verified this session.
    pub skipped: Vec<String>,
    /// `ok`.
    pub status: OkStatus,
}

/// `POST /devices/new/backup-codes/`: a new batch (`regenerate`), or on to `next` (`saved`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum SetupCodesAnswer {
    /// A new batch.
    Codes(BackupCodes),
    /// The codes were saved.
    Next(SetupNext),
}

/// `POST /devices/totp/new/`: the enrolment started, or confirmed by its first code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum TotpAnswer {
    /// Started: the key.
    Started(TotpStarted),
    /// Confirmed: the session is verified.
    Confirmed(LevelChanged),
}
