//! Settings (SPEC §6): one typed [`Settings`] value with a field per setting.
//!
//! Each setting is read from the environment variable of the same name
//! ([`Settings::from_env`], or [`Settings::from_lookup`] for any other source) unless the
//! application sets the field in code afterwards: code wins. Start-up should call
//! [`Settings::validate`] after changing fields in code; an invalid or out-of-range value is a
//! [`SettingsError`] naming the setting, and otpkit refuses to start.
//!
//! Value syntax in the environment:
//!
//! - booleans are exactly `true`, `false`, `1` or `0`;
//! - numbers are unsigned decimal integers (ASCII digits only; no sign, no `_`);
//! - surrounding ASCII whitespace is ignored for booleans, numbers, the algorithm and the kind
//!   list, but kept in free text (subjects, templates, URLs);
//! - an empty value of an *optional* setting (those that default to "unset") means unset.
//!
//! ```
//! use otpkit::Settings;
//!
//! let env = |name: &str| match name {
//!     "OTPKIT_LOCKOUT_THRESHOLD" => Some("50".to_owned()),
//!     "OTP_TOTP_ISSUER" => Some("example.com".to_owned()),
//!     _ => None,
//! };
//! let mut settings = Settings::from_lookup(env)?;
//! assert_eq!(settings.lockout_threshold, 50);
//! assert_eq!(settings.totp_step, 30); // default
//!
//! settings.totp_tolerance = 0; // code wins
//! settings.validate()?;
//!
//! let err = Settings::from_lookup(|n| (n == "OTPKIT_LOCKOUT_THRESHOLD").then(|| "10001".into()))
//!     .unwrap_err();
//! assert!(err.to_string().starts_with("OTPKIT_LOCKOUT_THRESHOLD: "));
//! # Ok::<(), otpkit::SettingsError>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use crate::seal::{KeyRing, KeyRingError};
use crate::secret::SecretString;

/// Every setting name of SPEC §6, in the order of its table.
pub const SETTING_NAMES: [&str; 46] = [
    "OTP_LOGIN_URL",
    "OTP_ADMIN_HIDE_SENSITIVE_DATA",
    "OTP_TOTP_ISSUER",
    "OTP_TOTP_IMAGE",
    "OTP_TOTP_SYNC",
    "OTP_TOTP_THROTTLE_FACTOR",
    "OTP_HOTP_ISSUER",
    "OTP_HOTP_THROTTLE_FACTOR",
    "OTP_STATIC_THROTTLE_FACTOR",
    "OTP_EMAIL_SENDER",
    "OTP_EMAIL_SUBJECT",
    "OTP_EMAIL_BODY_TEMPLATE",
    "OTP_EMAIL_BODY_TEMPLATE_PATH",
    "OTP_EMAIL_BODY_HTML_TEMPLATE",
    "OTP_EMAIL_BODY_HTML_TEMPLATE_PATH",
    "OTP_EMAIL_TOKEN_VALIDITY",
    "OTP_EMAIL_THROTTLE_FACTOR",
    "OTP_EMAIL_COOLDOWN_DURATION",
    "OTPKIT_DATABASE_URL",
    "OTPKIT_SECRET_KEYS",
    "OTPKIT_SECRET_KEYS_FILE",
    "OTPKIT_DEVICE_KINDS",
    "OTPKIT_THROTTLE_MAX_DELAY",
    "OTPKIT_LOCKOUT_THRESHOLD",
    "OTPKIT_ACCOUNT_THROTTLING",
    "OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD",
    "OTPKIT_TOTP_ALGORITHM",
    "OTPKIT_TOTP_DIGITS",
    "OTPKIT_TOTP_STEP",
    "OTPKIT_TOTP_TOLERANCE",
    "OTPKIT_HOTP_TOLERANCE",
    "OTPKIT_STATIC_BATCH_SIZE",
    "OTPKIT_EMAIL_TOKEN_LENGTH",
    "OTPKIT_EMAIL_MAX_ATTEMPTS",
    "OTPKIT_EMAIL_ACCOUNT_COOLDOWN",
    "OTPKIT_EMAIL_HOURLY_LIMIT",
    "OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT",
    "OTPKIT_DEFAULT_FROM_EMAIL",
    "OTPKIT_SMTP_URL",
    "OTPKIT_URL_PREFIX",
    "OTPKIT_LOGIN_REDIRECT_URL",
    "OTPKIT_LOGIN_OTP_OPTIONAL",
    "OTPKIT_PENDING_LOGIN_TTL",
    "OTPKIT_REAUTH_MAX_AGE",
    "OTPKIT_ENROLMENT_TTL",
    "OTPKIT_MAX_BODY_BYTES",
];

/// The TOTP algorithm names accepted by `OTPKIT_TOTP_ALGORITHM`.
pub const TOTP_ALGORITHMS: [&str; 3] = ["SHA1", "SHA256", "SHA512"];

/// The database URL schemes accepted by `OTPKIT_DATABASE_URL`.
pub const DATABASE_SCHEMES: [&str; 5] = [
    "sqlite://",
    "postgres://",
    "postgresql://",
    "mysql://",
    "mariadb://",
];

/// A setting is invalid. The message names the setting and says what is expected; it never
/// repeats the value (which might be a secret put in the wrong variable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// The setting `name` has an invalid or out-of-range value.
    #[error("{name}: {reason}")]
    Invalid {
        /// The setting's name, e.g. `OTPKIT_LOCKOUT_THRESHOLD`.
        name: &'static str,
        /// What is wrong and what is expected.
        reason: String,
    },
}

impl SettingsError {
    /// The name of the offending setting.
    pub fn name(&self) -> &'static str {
        match self {
            SettingsError::Invalid { name, .. } => name,
        }
    }

    fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        SettingsError::Invalid {
            name,
            reason: reason.into(),
        }
    }
}

/// The function form of a "string or hook" setting: given the opaque user id, it returns the
/// text, or `None` for "no value".
pub type TextHook = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// A text setting that may instead be computed per user by a hook (`OTP_TOTP_ISSUER`,
/// `OTP_HOTP_ISSUER`, `OTP_TOTP_IMAGE`). The environment can only give the fixed form.
///
/// ```
/// use otpkit::settings::TextOrHook;
/// let fixed = TextOrHook::from("example.com");
/// assert_eq!(fixed.resolve("alice").as_deref(), Some("example.com"));
/// let hook = TextOrHook::hook(|user| Some(format!("Example ({user})")));
/// assert_eq!(hook.resolve("bob").as_deref(), Some("Example (bob)"));
/// assert_eq!(format!("{hook:?}"), "Hook(..)");
/// ```
#[derive(Clone)]
pub enum TextOrHook {
    /// The same text for every user.
    Fixed(String),
    /// Computed per user id.
    Hook(TextHook),
}

/// The issuer setting's type (`OTP_TOTP_ISSUER`, `OTP_HOTP_ISSUER`).
pub type Issuer = TextOrHook;

impl TextOrHook {
    /// Wraps a hook.
    pub fn hook(f: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        TextOrHook::Hook(Arc::new(f))
    }

    /// The text for `user_id`: the fixed text, or what the hook returns.
    pub fn resolve(&self, user_id: &str) -> Option<String> {
        match self {
            TextOrHook::Fixed(s) => Some(s.clone()),
            TextOrHook::Hook(f) => f(user_id),
        }
    }
}

impl From<&str> for TextOrHook {
    fn from(s: &str) -> Self {
        TextOrHook::Fixed(s.to_owned())
    }
}

impl From<String> for TextOrHook {
    fn from(s: String) -> Self {
        TextOrHook::Fixed(s)
    }
}

impl fmt::Debug for TextOrHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextOrHook::Fixed(s) => f.debug_tuple("Fixed").field(s).finish(),
            TextOrHook::Hook(_) => f.write_str("Hook(..)"),
        }
    }
}

/// A built-in device kind, as named in `OTPKIT_DEVICE_KINDS`. Ordered as registered (§1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BuiltinKind {
    /// `totp`: TOTP (`otp_totp.totpdevice`).
    Totp,
    /// `hotp`: HOTP (`otp_hotp.hotpdevice`).
    Hotp,
    /// `email`: email (`otp_email.emaildevice`).
    Email,
    /// `static`: static backup codes (`otp_static.staticdevice`).
    Static,
}

impl BuiltinKind {
    /// All built-in kinds in registration order.
    pub const ALL: [BuiltinKind; 4] = [
        BuiltinKind::Totp,
        BuiltinKind::Hotp,
        BuiltinKind::Email,
        BuiltinKind::Static,
    ];

    /// The name used in `OTPKIT_DEVICE_KINDS`.
    pub fn name(self) -> &'static str {
        match self {
            BuiltinKind::Totp => "totp",
            BuiltinKind::Hotp => "hotp",
            BuiltinKind::Email => "email",
            BuiltinKind::Static => "static",
        }
    }

    /// The kind's model label (§1.2).
    pub fn model_label(self) -> &'static str {
        match self {
            BuiltinKind::Totp => "otp_totp.totpdevice",
            BuiltinKind::Hotp => "otp_hotp.hotpdevice",
            BuiltinKind::Email => "otp_email.emaildevice",
            BuiltinKind::Static => "otp_static.staticdevice",
        }
    }
}

impl fmt::Display for BuiltinKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BuiltinKind {
    type Err = ();

    /// Exact lower-case names: `totp`, `hotp`, `email`, `static`.
    fn from_str(s: &str) -> Result<Self, ()> {
        BuiltinKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or(())
    }
}

/// Every setting of SPEC §6. Field docs give the environment variable, default and range.
///
/// `Debug` redacts `OTPKIT_SECRET_KEYS` and any password in the database and SMTP URLs
/// (REQ-16).
#[derive(Clone)]
pub struct Settings {
    /// `OTP_LOGIN_URL`: where the guard redirects (§7.2). `None` (default) means
    /// `{url_prefix}/login/`; see [`Settings::login_url`].
    pub login_url: Option<String>,
    /// `OTP_ADMIN_HIDE_SENSITIVE_DATA`, default `false` (§7.8).
    pub admin_hide_sensitive_data: bool,
    /// `OTP_TOTP_ISSUER`, default unset: string or hook; the otpauth builder removes `:`.
    pub totp_issuer: Option<TextOrHook>,
    /// `OTP_TOTP_IMAGE`, default unset: string or hook; a fixed value must be an `https://`
    /// URL (of a square image).
    pub totp_image: Option<TextOrHook>,
    /// `OTP_TOTP_SYNC`, default `true`: persist drift on success.
    pub totp_sync: bool,
    /// `OTP_TOTP_THROTTLE_FACTOR`, default 1, 0–86400 s; 0 disables the delay.
    pub totp_throttle_factor: u32,
    /// `OTP_HOTP_ISSUER`, default unset: string or hook.
    pub hotp_issuer: Option<TextOrHook>,
    /// `OTP_HOTP_THROTTLE_FACTOR`, default 1, 0–86400 s.
    pub hotp_throttle_factor: u32,
    /// `OTP_STATIC_THROTTLE_FACTOR`, default 1, 0–86400 s.
    pub static_throttle_factor: u32,
    /// `OTP_EMAIL_SENDER`, default unset (→ `default_from_email`); see
    /// [`Settings::email_sender`].
    pub email_sender: Option<String>,
    /// `OTP_EMAIL_SUBJECT`, default `OTP token`; each `{token}` is replaced.
    pub email_subject: String,
    /// `OTP_EMAIL_BODY_TEMPLATE`, default unset: inline text template; wins over the path.
    pub email_body_template: Option<String>,
    /// `OTP_EMAIL_BODY_TEMPLATE_PATH`, default `otp/email/token.txt` (the built-in file:
    /// `Your verification code is {{ token }}.`).
    pub email_body_template_path: String,
    /// `OTP_EMAIL_BODY_HTML_TEMPLATE`, default unset: inline HTML alternative.
    pub email_body_html_template: Option<String>,
    /// `OTP_EMAIL_BODY_HTML_TEMPLATE_PATH`, default unset: HTML alternative file.
    pub email_body_html_template_path: Option<String>,
    /// `OTP_EMAIL_TOKEN_VALIDITY`, default 300, 1–600 s.
    pub email_token_validity: u32,
    /// `OTP_EMAIL_THROTTLE_FACTOR`, default 1, 0–86400 s.
    pub email_throttle_factor: u32,
    /// `OTP_EMAIL_COOLDOWN_DURATION`, default 60, 0–86400 s; 0 disables.
    pub email_cooldown_duration: u32,
    /// `OTPKIT_DATABASE_URL`, default `sqlite://otpkit.sqlite3`. Must start with `sqlite://`,
    /// `postgres://`, `postgresql://`, `mysql://` or `mariadb://`.
    pub database_url: String,
    /// `OTPKIT_SECRET_KEYS`, default unset: the key ring text (§5.7). Secret: redacted in
    /// `Debug`. Cannot be combined with `secret_keys_file`.
    pub secret_keys: Option<SecretString>,
    /// `OTPKIT_SECRET_KEYS_FILE`, default unset: a file holding the key ring text.
    pub secret_keys_file: Option<PathBuf>,
    /// `OTPKIT_DEVICE_KINDS`, default `totp,hotp,email,static`: the enabled built-in kinds
    /// (comma-separated; unknown names are an error; at least one).
    pub device_kinds: BTreeSet<BuiltinKind>,
    /// `OTPKIT_THROTTLE_MAX_DELAY`, default 3600, 1–3 153 600 000 s.
    pub throttle_max_delay: u64,
    /// `OTPKIT_LOCKOUT_THRESHOLD`, default 100, 0–10000 consecutive failures; 0 disables.
    pub lockout_threshold: u32,
    /// `OTPKIT_ACCOUNT_THROTTLING`, default `true` (new in otpkit): every attempt also applies
    /// the throttle and lock-out rules to the sum of the failure counts of all of the user's
    /// devices, so that rotating across devices multiplies no guesses (`docs/spec-additions.md`,
    /// §A). `false` restores django-otp's per-device behaviour.
    pub account_throttling: bool,
    /// `OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD`, default 200, 0–20000; 0 disables: the account is
    /// locked out when the sum of its devices' failure counts reaches it (with
    /// `account_throttling` on). Above `lockout_threshold` by default, so that one locked
    /// device leaves the owner's other devices usable (self-service unlock, SPEC §7.7).
    pub account_lockout_threshold: u32,
    /// `OTPKIT_TOTP_ALGORITHM`, default `SHA1`: exactly `SHA1`, `SHA256` or `SHA512`
    /// (upper case), the default for new TOTP devices.
    pub totp_algorithm: crate::oath::Algorithm,
    /// `OTPKIT_TOTP_DIGITS`, default 6, 6–8.
    pub totp_digits: u8,
    /// `OTPKIT_TOTP_STEP`, default 30, 1–120 s.
    pub totp_step: u32,
    /// `OTPKIT_TOTP_TOLERANCE`, default 1, 0–10 steps each side.
    pub totp_tolerance: u8,
    /// `OTPKIT_HOTP_TOLERANCE`, default 5, 0–20.
    pub hotp_tolerance: u8,
    /// `OTPKIT_STATIC_BATCH_SIZE`, default 10, 1–50 codes per batch.
    pub static_batch_size: u32,
    /// `OTPKIT_EMAIL_TOKEN_LENGTH`, default 6, 6–8 digits.
    pub email_token_length: u8,
    /// `OTPKIT_EMAIL_MAX_ATTEMPTS`, default 3, 1–10 wrong codes per token.
    pub email_max_attempts: u32,
    /// `OTPKIT_EMAIL_ACCOUNT_COOLDOWN`, default 60, 0–86400 s; 0 disables: the minimum time
    /// between two code emails to one user, whichever of their devices sends them
    /// ([`crate::send_limit`], `docs/spec-additions.md` §E). A successful verification with an
    /// interactive device restarts it, like the device's own cooldown.
    pub email_account_cooldown: u32,
    /// `OTPKIT_EMAIL_HOURLY_LIMIT`, default 10, 0–1000; 0 disables: code emails per user in
    /// any rolling hour, whichever device sends them.
    pub email_hourly_limit: u32,
    /// `OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT`, default 5, 0–1000; 0 disables: code emails to one
    /// recipient address in any rolling hour, across all users (addresses compared
    /// case-insensitively after trimming).
    pub email_address_hourly_limit: u32,
    /// `OTPKIT_DEFAULT_FROM_EMAIL`, default `webmaster@localhost`; must not be empty.
    pub default_from_email: String,
    /// `OTPKIT_SMTP_URL`, default unset (email challenges then fail with
    /// `challenge_exception`); `smtp://` or `smtps://`. A password in it is redacted in
    /// `Debug`.
    pub smtp_url: Option<String>,
    /// `OTPKIT_URL_PREFIX`, default `/otp`: mount point of otpkit's routes. Empty (the root),
    /// or starting and not ending with `/`.
    pub url_prefix: String,
    /// `OTPKIT_LOGIN_REDIRECT_URL`, default `/`: target when `next` is missing or unsafe;
    /// must not be empty.
    pub login_redirect_url: String,
    /// `OTPKIT_LOGIN_OTP_OPTIONAL`, default `true` (§7.3).
    pub login_otp_optional: bool,
    /// `OTPKIT_PENDING_LOGIN_TTL`, default 300, 60–900 s.
    pub pending_login_ttl: u32,
    /// `OTPKIT_REAUTH_MAX_AGE`, default 300, 60–3600 s.
    pub reauth_max_age: u32,
    /// `OTPKIT_ENROLMENT_TTL`, default 900, 60–86400 s.
    pub enrolment_ttl: u32,
    /// `OTPKIT_MAX_BODY_BYTES`, default 16384. SPEC §6 gives no range; otpkit accepts
    /// 1 to 1 GiB.
    pub max_body_bytes: usize,
}

impl Default for Settings {
    /// The defaults of SPEC §6.
    fn default() -> Self {
        Settings {
            login_url: None,
            admin_hide_sensitive_data: false,
            totp_issuer: None,
            totp_image: None,
            totp_sync: true,
            totp_throttle_factor: 1,
            hotp_issuer: None,
            hotp_throttle_factor: 1,
            static_throttle_factor: 1,
            email_sender: None,
            email_subject: "OTP token".to_owned(),
            email_body_template: None,
            email_body_template_path: "otp/email/token.txt".to_owned(),
            email_body_html_template: None,
            email_body_html_template_path: None,
            email_token_validity: 300,
            email_throttle_factor: 1,
            email_cooldown_duration: 60,
            database_url: "sqlite://otpkit.sqlite3".to_owned(),
            secret_keys: None,
            secret_keys_file: None,
            device_kinds: BuiltinKind::ALL.into_iter().collect(),
            throttle_max_delay: 3600,
            lockout_threshold: 100,
            account_throttling: true,
            account_lockout_threshold: 200,
            totp_algorithm: crate::oath::Algorithm::Sha1,
            totp_digits: 6,
            totp_step: 30,
            totp_tolerance: 1,
            hotp_tolerance: 5,
            static_batch_size: 10,
            email_token_length: 6,
            email_max_attempts: 3,
            email_account_cooldown: 60,
            email_hourly_limit: 10,
            email_address_hourly_limit: 5,
            default_from_email: "webmaster@localhost".to_owned(),
            smtp_url: None,
            url_prefix: "/otp".to_owned(),
            login_redirect_url: "/".to_owned(),
            login_otp_optional: true,
            pending_login_ttl: 300,
            reauth_max_age: 300,
            enrolment_ttl: 900,
            max_body_bytes: 16_384,
        }
    }
}

/// A numeric setting: name, inclusive range, and how to read and write its field.
struct NumSpec {
    name: &'static str,
    min: u64,
    max: u64,
    get: fn(&Settings) -> u64,
    set: fn(&mut Settings, u64),
}

fn to_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn to_u8(v: u64) -> u8 {
    u8::try_from(v).unwrap_or(u8::MAX)
}

/// The numeric settings of SPEC §6 with their ranges.
const NUMS: &[NumSpec] = &[
    NumSpec {
        name: "OTP_TOTP_THROTTLE_FACTOR",
        min: 0,
        max: 86_400,
        get: |s| s.totp_throttle_factor.into(),
        set: |s, v| s.totp_throttle_factor = to_u32(v),
    },
    NumSpec {
        name: "OTP_HOTP_THROTTLE_FACTOR",
        min: 0,
        max: 86_400,
        get: |s| s.hotp_throttle_factor.into(),
        set: |s, v| s.hotp_throttle_factor = to_u32(v),
    },
    NumSpec {
        name: "OTP_STATIC_THROTTLE_FACTOR",
        min: 0,
        max: 86_400,
        get: |s| s.static_throttle_factor.into(),
        set: |s, v| s.static_throttle_factor = to_u32(v),
    },
    NumSpec {
        name: "OTP_EMAIL_TOKEN_VALIDITY",
        min: 1,
        max: 600,
        get: |s| s.email_token_validity.into(),
        set: |s, v| s.email_token_validity = to_u32(v),
    },
    NumSpec {
        name: "OTP_EMAIL_THROTTLE_FACTOR",
        min: 0,
        max: 86_400,
        get: |s| s.email_throttle_factor.into(),
        set: |s, v| s.email_throttle_factor = to_u32(v),
    },
    NumSpec {
        name: "OTP_EMAIL_COOLDOWN_DURATION",
        min: 0,
        max: 86_400,
        get: |s| s.email_cooldown_duration.into(),
        set: |s, v| s.email_cooldown_duration = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_THROTTLE_MAX_DELAY",
        min: 1,
        max: 3_153_600_000,
        get: |s| s.throttle_max_delay,
        set: |s, v| s.throttle_max_delay = v,
    },
    NumSpec {
        name: "OTPKIT_LOCKOUT_THRESHOLD",
        min: 0,
        max: 10_000,
        get: |s| s.lockout_threshold.into(),
        set: |s, v| s.lockout_threshold = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD",
        min: 0,
        max: 20_000,
        get: |s| s.account_lockout_threshold.into(),
        set: |s, v| s.account_lockout_threshold = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_TOTP_DIGITS",
        min: 6,
        max: 8,
        get: |s| s.totp_digits.into(),
        set: |s, v| s.totp_digits = to_u8(v),
    },
    NumSpec {
        name: "OTPKIT_TOTP_STEP",
        min: 1,
        max: 120,
        get: |s| s.totp_step.into(),
        set: |s, v| s.totp_step = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_TOTP_TOLERANCE",
        min: 0,
        max: 10,
        get: |s| s.totp_tolerance.into(),
        set: |s, v| s.totp_tolerance = to_u8(v),
    },
    NumSpec {
        name: "OTPKIT_HOTP_TOLERANCE",
        min: 0,
        max: 20,
        get: |s| s.hotp_tolerance.into(),
        set: |s, v| s.hotp_tolerance = to_u8(v),
    },
    NumSpec {
        name: "OTPKIT_STATIC_BATCH_SIZE",
        min: 1,
        max: 50,
        get: |s| s.static_batch_size.into(),
        set: |s, v| s.static_batch_size = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_EMAIL_TOKEN_LENGTH",
        min: 6,
        max: 8,
        get: |s| s.email_token_length.into(),
        set: |s, v| s.email_token_length = to_u8(v),
    },
    NumSpec {
        name: "OTPKIT_EMAIL_MAX_ATTEMPTS",
        min: 1,
        max: 10,
        get: |s| s.email_max_attempts.into(),
        set: |s, v| s.email_max_attempts = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_EMAIL_ACCOUNT_COOLDOWN",
        min: 0,
        max: 86_400,
        get: |s| s.email_account_cooldown.into(),
        set: |s, v| s.email_account_cooldown = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_EMAIL_HOURLY_LIMIT",
        min: 0,
        max: 1000,
        get: |s| s.email_hourly_limit.into(),
        set: |s, v| s.email_hourly_limit = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT",
        min: 0,
        max: 1000,
        get: |s| s.email_address_hourly_limit.into(),
        set: |s, v| s.email_address_hourly_limit = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_PENDING_LOGIN_TTL",
        min: 60,
        max: 900,
        get: |s| s.pending_login_ttl.into(),
        set: |s, v| s.pending_login_ttl = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_REAUTH_MAX_AGE",
        min: 60,
        max: 3600,
        get: |s| s.reauth_max_age.into(),
        set: |s, v| s.reauth_max_age = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_ENROLMENT_TTL",
        min: 60,
        max: 86_400,
        get: |s| s.enrolment_ttl.into(),
        set: |s, v| s.enrolment_ttl = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_MAX_BODY_BYTES",
        min: 1,
        max: 1 << 30,
        get: |s| u64::try_from(s.max_body_bytes).unwrap_or(u64::MAX),
        set: |s, v| s.max_body_bytes = usize::try_from(v).unwrap_or(usize::MAX),
    },
];

impl NumSpec {
    fn range_reason(&self) -> String {
        format!("must be a whole number from {} to {}", self.min, self.max)
    }

    fn parse(&self, raw: &str) -> Result<u64, SettingsError> {
        let raw = raw.trim_ascii();
        if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SettingsError::invalid(
                self.name,
                format!("is not a whole number; it {}", self.range_reason()),
            ));
        }
        // Digits only, so the only parse failure is overflow: out of range.
        let v = raw.parse::<u64>().unwrap_or(u64::MAX);
        self.check(v)?;
        Ok(v)
    }

    fn check(&self, v: u64) -> Result<(), SettingsError> {
        if (self.min..=self.max).contains(&v) {
            Ok(())
        } else {
            Err(SettingsError::invalid(
                self.name,
                format!("is out of range: it {}", self.range_reason()),
            ))
        }
    }
}

/// A boolean setting and its field.
struct BoolSpec {
    name: &'static str,
    #[cfg_attr(not(test), allow(dead_code))] // read by the tests
    get: fn(&Settings) -> bool,
    set: fn(&mut Settings, bool),
}

const BOOLS: &[BoolSpec] = &[
    BoolSpec {
        name: "OTP_ADMIN_HIDE_SENSITIVE_DATA",
        get: |s| s.admin_hide_sensitive_data,
        set: |s, v| s.admin_hide_sensitive_data = v,
    },
    BoolSpec {
        name: "OTP_TOTP_SYNC",
        get: |s| s.totp_sync,
        set: |s, v| s.totp_sync = v,
    },
    BoolSpec {
        name: "OTPKIT_ACCOUNT_THROTTLING",
        get: |s| s.account_throttling,
        set: |s, v| s.account_throttling = v,
    },
    BoolSpec {
        name: "OTPKIT_LOGIN_OTP_OPTIONAL",
        get: |s| s.login_otp_optional,
        set: |s, v| s.login_otp_optional = v,
    },
];

fn parse_bool(name: &'static str, raw: &str) -> Result<bool, SettingsError> {
    match raw.trim_ascii() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(SettingsError::invalid(
            name,
            "must be `true`, `false`, `1` or `0`",
        )),
    }
}

/// `None` for an absent or empty value.
fn optional(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

fn parse_device_kinds(raw: &str) -> Result<BTreeSet<BuiltinKind>, SettingsError> {
    const NAME: &str = "OTPKIT_DEVICE_KINDS";
    let raw = raw.trim_ascii();
    if raw.is_empty() {
        return Err(SettingsError::invalid(
            NAME,
            "must name at least one of totp, hotp, email, static",
        ));
    }
    raw.split(',')
        .map(|item| {
            let item = item.trim_ascii();
            item.parse::<BuiltinKind>().map_err(|()| {
                let shown: String = item.chars().take(32).collect();
                SettingsError::invalid(
                    NAME,
                    format!(
                        "unknown device kind `{}`; expected a comma-separated list of totp, hotp, email, static",
                        shown.escape_debug()
                    ),
                )
            })
        })
        .collect()
}

/// Shows a URL with any `user:password@` part replaced by `[REDACTED]@`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rfind('@') {
        Some(at) => {
            let host = authority.get(at.saturating_add(1)..).unwrap_or("");
            format!("{scheme}://[REDACTED]@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

struct RedactedUrl<'a>(&'a str);

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact_url(self.0), f)
    }
}

impl Settings {
    /// Reads every setting from the process environment, then [`validate`](Self::validate)s.
    /// A variable that is not valid UTF-8 is an error naming it.
    pub fn from_env() -> Result<Settings, SettingsError> {
        for name in SETTING_NAMES {
            if let Some(value) = std::env::var_os(name)
                && value.to_str().is_none()
            {
                return Err(SettingsError::invalid(name, "is not valid UTF-8"));
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads every setting through `lookup` (name → value, `None` when unset), starting from
    /// the defaults, then [`validate`](Self::validate)s. Testable without touching the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let mut s = Settings::default();

        for spec in NUMS {
            if let Some(raw) = lookup(spec.name) {
                let v = spec.parse(&raw)?;
                (spec.set)(&mut s, v);
            }
        }
        for spec in BOOLS {
            if let Some(raw) = lookup(spec.name) {
                (spec.set)(&mut s, parse_bool(spec.name, &raw)?);
            }
        }

        s.login_url = optional(lookup("OTP_LOGIN_URL"));
        s.totp_issuer = optional(lookup("OTP_TOTP_ISSUER")).map(TextOrHook::Fixed);
        s.totp_image = optional(lookup("OTP_TOTP_IMAGE")).map(TextOrHook::Fixed);
        s.hotp_issuer = optional(lookup("OTP_HOTP_ISSUER")).map(TextOrHook::Fixed);
        s.email_sender = optional(lookup("OTP_EMAIL_SENDER"));
        if let Some(v) = lookup("OTP_EMAIL_SUBJECT") {
            s.email_subject = v;
        }
        s.email_body_template = optional(lookup("OTP_EMAIL_BODY_TEMPLATE"));
        if let Some(v) = lookup("OTP_EMAIL_BODY_TEMPLATE_PATH") {
            s.email_body_template_path = v;
        }
        s.email_body_html_template = optional(lookup("OTP_EMAIL_BODY_HTML_TEMPLATE"));
        s.email_body_html_template_path = optional(lookup("OTP_EMAIL_BODY_HTML_TEMPLATE_PATH"));
        if let Some(v) = lookup("OTPKIT_DATABASE_URL") {
            s.database_url = v;
        }
        s.secret_keys = optional(lookup("OTPKIT_SECRET_KEYS")).map(SecretString::new);
        s.secret_keys_file = optional(lookup("OTPKIT_SECRET_KEYS_FILE")).map(PathBuf::from);
        if let Some(v) = lookup("OTPKIT_DEVICE_KINDS") {
            s.device_kinds = parse_device_kinds(&v)?;
        }
        if let Some(v) = lookup("OTPKIT_TOTP_ALGORITHM") {
            s.totp_algorithm = v.trim_ascii().parse().map_err(|_| {
                SettingsError::invalid("OTPKIT_TOTP_ALGORITHM", "must be SHA1, SHA256 or SHA512")
            })?;
        }
        if let Some(v) = lookup("OTPKIT_DEFAULT_FROM_EMAIL") {
            s.default_from_email = v;
        }
        s.smtp_url = optional(lookup("OTPKIT_SMTP_URL"));
        if let Some(v) = lookup("OTPKIT_URL_PREFIX") {
            s.url_prefix = v;
        }
        if let Some(v) = lookup("OTPKIT_LOGIN_REDIRECT_URL") {
            s.login_redirect_url = v;
        }

        s.validate()?;
        Ok(s)
    }

    /// Checks every field: numeric ranges, the algorithm name, URL schemes, non-empty texts,
    /// the key ring text, and that at most one key ring source is set. Call it after setting
    /// fields in code. The first problem found is returned, naming its setting.
    pub fn validate(&self) -> Result<(), SettingsError> {
        for spec in NUMS {
            spec.check((spec.get)(self))?;
        }
        if let Some(url) = &self.login_url
            && url.is_empty()
        {
            return Err(SettingsError::invalid(
                "OTP_LOGIN_URL",
                "must not be empty when set",
            ));
        }
        if let Some(TextOrHook::Fixed(image)) = &self.totp_image
            && (!image.starts_with("https://") || image.len() <= "https://".len())
        {
            return Err(SettingsError::invalid(
                "OTP_TOTP_IMAGE",
                "must be an https:// URL",
            ));
        }
        if let Some(sender) = &self.email_sender
            && sender.trim().is_empty()
        {
            return Err(SettingsError::invalid(
                "OTP_EMAIL_SENDER",
                "must not be empty when set",
            ));
        }
        if self.email_body_template_path.is_empty() {
            return Err(SettingsError::invalid(
                "OTP_EMAIL_BODY_TEMPLATE_PATH",
                "must not be empty",
            ));
        }
        if !DATABASE_SCHEMES.iter().any(|scheme| {
            self.database_url
                .strip_prefix(scheme)
                .is_some_and(|rest| !rest.is_empty())
        }) {
            return Err(SettingsError::invalid(
                "OTPKIT_DATABASE_URL",
                "must be sqlite://PATH, postgres://…, postgresql://…, mysql://… or mariadb://…",
            ));
        }
        if let Some(keys) = &self.secret_keys {
            if let Err(e) = KeyRing::parse(keys.expose()) {
                return Err(SettingsError::invalid("OTPKIT_SECRET_KEYS", e.to_string()));
            }
            if self.secret_keys_file.is_some() {
                return Err(SettingsError::invalid(
                    "OTPKIT_SECRET_KEYS_FILE",
                    "cannot be combined with OTPKIT_SECRET_KEYS; set only one of them",
                ));
            }
        }
        if self
            .secret_keys_file
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(SettingsError::invalid(
                "OTPKIT_SECRET_KEYS_FILE",
                "must not be empty when set",
            ));
        }
        if self.device_kinds.is_empty() {
            return Err(SettingsError::invalid(
                "OTPKIT_DEVICE_KINDS",
                "must name at least one of totp, hotp, email, static",
            ));
        }
        if self.default_from_email.trim().is_empty() {
            return Err(SettingsError::invalid(
                "OTPKIT_DEFAULT_FROM_EMAIL",
                "must not be empty",
            ));
        }
        if let Some(url) = &self.smtp_url {
            let ok = ["smtp://", "smtps://"]
                .iter()
                .any(|p| url.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
            if !ok {
                return Err(SettingsError::invalid(
                    "OTPKIT_SMTP_URL",
                    "must be an smtp:// or smtps:// URL",
                ));
            }
        }
        let prefix = &self.url_prefix;
        if !prefix.is_empty() && (!prefix.starts_with('/') || prefix.ends_with('/')) {
            return Err(SettingsError::invalid(
                "OTPKIT_URL_PREFIX",
                "must be empty or start with `/` and not end with `/` (e.g. /otp)",
            ));
        }
        if self.login_redirect_url.is_empty() {
            return Err(SettingsError::invalid(
                "OTPKIT_LOGIN_REDIRECT_URL",
                "must not be empty",
            ));
        }
        Ok(())
    }

    /// The effective `OTP_LOGIN_URL`: the setting, or `{url_prefix}/login/`.
    ///
    /// ```
    /// let s = otpkit::Settings::default();
    /// assert_eq!(s.login_url(), "/otp/login/");
    /// ```
    pub fn login_url(&self) -> String {
        match &self.login_url {
            Some(url) => url.clone(),
            None => format!("{}/login/", self.url_prefix),
        }
    }

    /// The effective email sender: `OTP_EMAIL_SENDER`, else `OTPKIT_DEFAULT_FROM_EMAIL`.
    pub fn email_sender(&self) -> &str {
        self.email_sender
            .as_deref()
            .unwrap_or(&self.default_from_email)
    }

    /// Whether the built-in kind is enabled by `OTPKIT_DEVICE_KINDS`.
    pub fn kind_enabled(&self, kind: BuiltinKind) -> bool {
        self.device_kinds.contains(&kind)
    }

    /// The SQLite database file named by `OTPKIT_DATABASE_URL` (`sqlite://PATH`, a query such
    /// as `?mode=rwc` removed), or `None` for other backends and in-memory databases.
    ///
    /// ```
    /// let mut s = otpkit::Settings::default();
    /// assert_eq!(s.sqlite_path().unwrap().to_str(), Some("otpkit.sqlite3"));
    /// s.database_url = "sqlite:///var/lib/app/otp.db?mode=rwc".into();
    /// assert_eq!(s.sqlite_path().unwrap().to_str(), Some("/var/lib/app/otp.db"));
    /// s.database_url = "postgres://db/otp".into();
    /// assert!(s.sqlite_path().is_none());
    /// ```
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite://")?;
        let path = rest.split_once('?').map_or(rest, |(p, _)| p);
        if path.is_empty() || path == ":memory:" {
            return None;
        }
        Some(PathBuf::from(path))
    }

    /// Loads the key ring as SPEC §5.7 prescribes: from `OTPKIT_SECRET_KEYS`, else from the
    /// file `OTPKIT_SECRET_KEYS_FILE`, else — for a SQLite file database only — from
    /// `{database file}.keys`, created with mode 0600 and one fresh entry when missing.
    ///
    /// Returns the ring and, when the embedded file was just created, its path, so that the
    /// caller can announce it once on stderr. With PostgreSQL or MySQL and no ring configured,
    /// this is an error naming `OTPKIT_SECRET_KEYS`. (The CLI's `--keys-file` is applied by
    /// setting `secret_keys_file` and clearing `secret_keys` before calling this.)
    pub fn load_key_ring(&self) -> Result<(KeyRing, Option<PathBuf>), SettingsError> {
        let key_err =
            |name: &'static str, e: KeyRingError| SettingsError::invalid(name, e.to_string());
        if let Some(keys) = &self.secret_keys {
            let ring =
                KeyRing::parse(keys.expose()).map_err(|e| key_err("OTPKIT_SECRET_KEYS", e))?;
            return Ok((ring, None));
        }
        if let Some(path) = &self.secret_keys_file {
            let ring =
                KeyRing::load_file(path).map_err(|e| key_err("OTPKIT_SECRET_KEYS_FILE", e))?;
            return Ok((ring, None));
        }
        let Some(db) = self.sqlite_path() else {
            return Err(SettingsError::invalid(
                "OTPKIT_SECRET_KEYS",
                "is required unless OTPKIT_DATABASE_URL is a SQLite file \
                 (or set OTPKIT_SECRET_KEYS_FILE)",
            ));
        };
        let mut file = db.into_os_string();
        file.push(".keys");
        let path = PathBuf::from(file);
        let (ring, created) =
            KeyRing::load_or_create_file(&path).map_err(|e| key_err("OTPKIT_SECRET_KEYS", e))?;
        Ok((ring, created.then_some(path)))
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("login_url", &self.login_url)
            .field("admin_hide_sensitive_data", &self.admin_hide_sensitive_data)
            .field("totp_issuer", &self.totp_issuer)
            .field("totp_image", &self.totp_image)
            .field("totp_sync", &self.totp_sync)
            .field("totp_throttle_factor", &self.totp_throttle_factor)
            .field("hotp_issuer", &self.hotp_issuer)
            .field("hotp_throttle_factor", &self.hotp_throttle_factor)
            .field("static_throttle_factor", &self.static_throttle_factor)
            .field("email_sender", &self.email_sender)
            .field("email_subject", &self.email_subject)
            .field("email_body_template", &self.email_body_template)
            .field("email_body_template_path", &self.email_body_template_path)
            .field("email_body_html_template", &self.email_body_html_template)
            .field(
                "email_body_html_template_path",
                &self.email_body_html_template_path,
            )
            .field("email_token_validity", &self.email_token_validity)
            .field("email_throttle_factor", &self.email_throttle_factor)
            .field("email_cooldown_duration", &self.email_cooldown_duration)
            .field("database_url", &RedactedUrl(&self.database_url))
            .field("secret_keys", &self.secret_keys)
            .field("secret_keys_file", &self.secret_keys_file)
            .field("device_kinds", &self.device_kinds)
            .field("throttle_max_delay", &self.throttle_max_delay)
            .field("lockout_threshold", &self.lockout_threshold)
            .field("account_throttling", &self.account_throttling)
            .field("account_lockout_threshold", &self.account_lockout_threshold)
            .field("totp_algorithm", &self.totp_algorithm)
            .field("totp_digits", &self.totp_digits)
            .field("totp_step", &self.totp_step)
            .field("totp_tolerance", &self.totp_tolerance)
            .field("hotp_tolerance", &self.hotp_tolerance)
            .field("static_batch_size", &self.static_batch_size)
            .field("email_token_length", &self.email_token_length)
            .field("email_max_attempts", &self.email_max_attempts)
            .field("email_account_cooldown", &self.email_account_cooldown)
            .field("email_hourly_limit", &self.email_hourly_limit)
            .field(
                "email_address_hourly_limit",
                &self.email_address_hourly_limit,
            )
            .field("default_from_email", &self.default_from_email)
            .field("smtp_url", &self.smtp_url.as_deref().map(RedactedUrl))
            .field("url_prefix", &self.url_prefix)
            .field("login_redirect_url", &self.login_redirect_url)
            .field("login_otp_optional", &self.login_otp_optional)
            .field("pending_login_ttl", &self.pending_login_ttl)
            .field("reauth_max_age", &self.reauth_max_age)
            .field("enrolment_ttl", &self.enrolment_ttl)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(move |name| map.get(name).cloned())
    }

    fn one(name: &str, value: &str) -> Result<Settings, SettingsError> {
        with(&[(name, value)])
    }

    #[test]
    fn defaults_equal_spec() {
        let s = Settings::default();
        assert_eq!(s.login_url, None);
        assert_eq!(s.login_url(), "/otp/login/");
        assert!(!s.admin_hide_sensitive_data);
        assert!(s.totp_issuer.is_none());
        assert!(s.totp_image.is_none());
        assert!(s.totp_sync);
        assert_eq!(s.totp_throttle_factor, 1);
        assert!(s.hotp_issuer.is_none());
        assert_eq!(s.hotp_throttle_factor, 1);
        assert_eq!(s.static_throttle_factor, 1);
        assert_eq!(s.email_sender, None);
        assert_eq!(s.email_sender(), "webmaster@localhost");
        assert_eq!(s.email_subject, "OTP token");
        assert_eq!(s.email_body_template, None);
        assert_eq!(s.email_body_template_path, "otp/email/token.txt");
        assert_eq!(s.email_body_html_template, None);
        assert_eq!(s.email_body_html_template_path, None);
        assert_eq!(s.email_token_validity, 300);
        assert_eq!(s.email_throttle_factor, 1);
        assert_eq!(s.email_cooldown_duration, 60);
        assert_eq!(s.database_url, "sqlite://otpkit.sqlite3");
        assert!(s.secret_keys.is_none());
        assert!(s.secret_keys_file.is_none());
        assert_eq!(
            s.device_kinds.iter().map(|k| k.name()).collect::<Vec<_>>(),
            ["totp", "hotp", "email", "static"]
        );
        assert_eq!(s.throttle_max_delay, 3600);
        assert_eq!(s.lockout_threshold, 100);
        assert!(s.account_throttling);
        assert_eq!(s.account_lockout_threshold, 200);
        assert_eq!(s.totp_algorithm, crate::oath::Algorithm::Sha1);
        assert_eq!(s.totp_digits, 6);
        assert_eq!(s.totp_step, 30);
        assert_eq!(s.totp_tolerance, 1);
        assert_eq!(s.hotp_tolerance, 5);
        assert_eq!(s.static_batch_size, 10);
        assert_eq!(s.email_token_length, 6);
        assert_eq!(s.email_max_attempts, 3);
        assert_eq!(s.email_account_cooldown, 60);
        assert_eq!(s.email_hourly_limit, 10);
        assert_eq!(s.email_address_hourly_limit, 5);
        assert_eq!(s.default_from_email, "webmaster@localhost");
        assert_eq!(s.smtp_url, None);
        assert_eq!(s.url_prefix, "/otp");
        assert_eq!(s.login_redirect_url, "/");
        assert!(s.login_otp_optional);
        assert_eq!(s.pending_login_ttl, 300);
        assert_eq!(s.reauth_max_age, 300);
        assert_eq!(s.enrolment_ttl, 900);
        assert_eq!(s.max_body_bytes, 16_384);
        s.validate().unwrap();
        // Nothing set: the lookup gives the defaults.
        let e = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(format!("{e:?}"), format!("{s:?}"));
    }

    #[test]
    fn spec_ranges_are_the_table() {
        let ranges: Vec<(&str, u64, u64)> = NUMS.iter().map(|n| (n.name, n.min, n.max)).collect();
        assert_eq!(
            ranges,
            [
                ("OTP_TOTP_THROTTLE_FACTOR", 0, 86_400),
                ("OTP_HOTP_THROTTLE_FACTOR", 0, 86_400),
                ("OTP_STATIC_THROTTLE_FACTOR", 0, 86_400),
                ("OTP_EMAIL_TOKEN_VALIDITY", 1, 600),
                ("OTP_EMAIL_THROTTLE_FACTOR", 0, 86_400),
                ("OTP_EMAIL_COOLDOWN_DURATION", 0, 86_400),
                ("OTPKIT_THROTTLE_MAX_DELAY", 1, 3_153_600_000),
                ("OTPKIT_LOCKOUT_THRESHOLD", 0, 10_000),
                ("OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD", 0, 20_000),
                ("OTPKIT_TOTP_DIGITS", 6, 8),
                ("OTPKIT_TOTP_STEP", 1, 120),
                ("OTPKIT_TOTP_TOLERANCE", 0, 10),
                ("OTPKIT_HOTP_TOLERANCE", 0, 20),
                ("OTPKIT_STATIC_BATCH_SIZE", 1, 50),
                ("OTPKIT_EMAIL_TOKEN_LENGTH", 6, 8),
                ("OTPKIT_EMAIL_MAX_ATTEMPTS", 1, 10),
                ("OTPKIT_EMAIL_ACCOUNT_COOLDOWN", 0, 86_400),
                ("OTPKIT_EMAIL_HOURLY_LIMIT", 0, 1000),
                ("OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT", 0, 1000),
                ("OTPKIT_PENDING_LOGIN_TTL", 60, 900),
                ("OTPKIT_REAUTH_MAX_AGE", 60, 3600),
                ("OTPKIT_ENROLMENT_TTL", 60, 86_400),
                ("OTPKIT_MAX_BODY_BYTES", 1, 1 << 30),
            ]
        );
        // Every name in the tables is a real setting name, listed once.
        let mut seen = std::collections::HashSet::new();
        for n in SETTING_NAMES {
            assert!(seen.insert(n), "{n} twice");
        }
        for n in NUMS
            .iter()
            .map(|n| n.name)
            .chain(BOOLS.iter().map(|b| b.name))
        {
            assert!(SETTING_NAMES.contains(&n), "{n}");
        }
    }

    #[test]
    fn numeric_boundaries() {
        for spec in NUMS {
            for v in [spec.min, spec.max] {
                let s = one(spec.name, &v.to_string())
                    .unwrap_or_else(|e| panic!("{} = {v}: {e}", spec.name));
                assert_eq!((spec.get)(&s), v, "{}", spec.name);
                // Code-built settings at the bounds validate too.
                let mut c = Settings::default();
                (spec.set)(&mut c, v);
                c.validate().unwrap();
            }
            let mut outside = vec![spec.max + 1];
            if spec.min > 0 {
                outside.push(spec.min - 1);
            }
            for v in outside {
                let err = one(spec.name, &v.to_string()).unwrap_err();
                assert_eq!(err.name(), spec.name);
                assert!(
                    err.to_string()
                        .contains(&format!("from {} to {}", spec.min, spec.max)),
                    "{err}"
                );
                let mut c = Settings::default();
                (spec.set)(&mut c, v);
                assert_eq!(c.validate().unwrap_err().name(), spec.name);
            }
            for bad in [
                "", " ", "abc", "-1", "+1", "1.0", "1e3", "1_0", "0x10", "１",
            ] {
                let err = one(spec.name, bad).unwrap_err();
                assert_eq!(err.name(), spec.name, "{bad:?}");
            }
            // Overflowing u64 is out of range, not a panic.
            let err = one(spec.name, "99999999999999999999999").unwrap_err();
            assert_eq!(err.name(), spec.name);
            // Surrounding whitespace is tolerated.
            let s = one(spec.name, &format!(" {}\n", spec.max)).unwrap();
            assert_eq!((spec.get)(&s), spec.max);
        }
    }

    #[test]
    fn email_send_limits_parse_and_disable_with_zero() {
        let s = with(&[
            ("OTPKIT_EMAIL_ACCOUNT_COOLDOWN", "0"),
            ("OTPKIT_EMAIL_HOURLY_LIMIT", " 3 "),
            ("OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT", "1000"),
        ])
        .unwrap();
        assert_eq!(s.email_account_cooldown, 0);
        assert_eq!(s.email_hourly_limit, 3);
        assert_eq!(s.email_address_hourly_limit, 1000);
        for (name, bad) in [
            ("OTPKIT_EMAIL_ACCOUNT_COOLDOWN", "86401"),
            ("OTPKIT_EMAIL_HOURLY_LIMIT", "1001"),
            ("OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT", "-1"),
        ] {
            assert_eq!(one(name, bad).unwrap_err().name(), name);
        }
        let d = format!("{:?}", Settings::default());
        assert!(d.contains("email_address_hourly_limit: 5"), "{d}");
    }

    #[test]
    fn narrow_fields_hold_their_max() {
        let s = with(&[
            ("OTPKIT_THROTTLE_MAX_DELAY", "3153600000"),
            ("OTPKIT_TOTP_TOLERANCE", "10"),
            ("OTPKIT_HOTP_TOLERANCE", "20"),
            ("OTPKIT_MAX_BODY_BYTES", "1073741824"),
        ])
        .unwrap();
        assert_eq!(s.throttle_max_delay, 3_153_600_000);
        assert_eq!(s.totp_tolerance, 10);
        assert_eq!(s.hotp_tolerance, 20);
        assert_eq!(s.max_body_bytes, 1 << 30);
    }

    #[test]
    fn booleans() {
        for spec in BOOLS {
            for (raw, want) in [("true", true), ("1", true), ("false", false), ("0", false)] {
                let s = one(spec.name, raw).unwrap();
                assert_eq!((spec.get)(&s), want, "{} = {raw}", spec.name);
            }
            for bad in ["", "yes", "no", "TRUE", "False", "2", "on", "t"] {
                let err = one(spec.name, bad).unwrap_err();
                assert_eq!(err.name(), spec.name);
                assert_eq!(
                    err.to_string(),
                    format!("{}: must be `true`, `false`, `1` or `0`", spec.name)
                );
            }
        }
    }

    #[test]
    fn error_names_the_setting() {
        let err = one("OTPKIT_LOCKOUT_THRESHOLD", "10001").unwrap_err();
        assert_eq!(
            err,
            SettingsError::Invalid {
                name: "OTPKIT_LOCKOUT_THRESHOLD",
                reason: "is out of range: it must be a whole number from 0 to 10000".into()
            }
        );
        let err = one("OTPKIT_LOCKOUT_THRESHOLD", "lots").unwrap_err();
        assert_eq!(
            err.to_string(),
            "OTPKIT_LOCKOUT_THRESHOLD: is not a whole number; it must be a whole number from 0 to 10000"
        );
        // The value itself is never echoed.
        assert!(!err.to_string().contains("lots"));
    }

    #[test]
    fn text_settings() {
        let s = with(&[
            ("OTP_LOGIN_URL", "/accounts/otp/"),
            ("OTP_TOTP_ISSUER", "Very Trustworthy Source"),
            ("OTP_TOTP_IMAGE", "https://example.com/logo.png"),
            ("OTP_HOTP_ISSUER", "example.com"),
            ("OTP_EMAIL_SENDER", "otp@example.com"),
            ("OTP_EMAIL_SUBJECT", "Test Subject with token: {token}"),
            ("OTP_EMAIL_BODY_TEMPLATE", "Code: {{ token }}"),
            ("OTP_EMAIL_BODY_TEMPLATE_PATH", "mail/otp.txt"),
            ("OTP_EMAIL_BODY_HTML_TEMPLATE", "<b>{{ token }}</b>"),
            ("OTP_EMAIL_BODY_HTML_TEMPLATE_PATH", "mail/otp.html"),
            ("OTPKIT_DEFAULT_FROM_EMAIL", "noreply@example.com"),
            ("OTPKIT_SMTP_URL", "smtps://user:pw@mail.example.com:465"),
            ("OTPKIT_URL_PREFIX", "/2fa"),
            ("OTPKIT_LOGIN_REDIRECT_URL", "/home"),
            ("OTPKIT_TOTP_ALGORITHM", "SHA512"),
        ])
        .unwrap();
        assert_eq!(s.login_url(), "/accounts/otp/");
        assert_eq!(
            s.totp_issuer.as_ref().unwrap().resolve("u").as_deref(),
            Some("Very Trustworthy Source")
        );
        assert_eq!(
            s.totp_image.as_ref().unwrap().resolve("u").as_deref(),
            Some("https://example.com/logo.png")
        );
        assert_eq!(
            s.hotp_issuer.as_ref().unwrap().resolve("u").as_deref(),
            Some("example.com")
        );
        assert_eq!(s.email_sender(), "otp@example.com");
        assert_eq!(s.email_subject, "Test Subject with token: {token}");
        assert_eq!(s.email_body_template.as_deref(), Some("Code: {{ token }}"));
        assert_eq!(s.email_body_template_path, "mail/otp.txt");
        assert_eq!(
            s.email_body_html_template.as_deref(),
            Some("<b>{{ token }}</b>")
        );
        assert_eq!(
            s.email_body_html_template_path.as_deref(),
            Some("mail/otp.html")
        );
        assert_eq!(s.default_from_email, "noreply@example.com");
        assert_eq!(
            s.smtp_url.as_deref(),
            Some("smtps://user:pw@mail.example.com:465")
        );
        assert_eq!(s.url_prefix, "/2fa");
        assert_eq!(s.login_redirect_url, "/home");
        assert_eq!(s.totp_algorithm, crate::oath::Algorithm::Sha512);
        // Without OTP_LOGIN_URL the login URL follows the prefix.
        assert_eq!(
            one("OTPKIT_URL_PREFIX", "/2fa").unwrap().login_url(),
            "/2fa/login/"
        );
        assert_eq!(one("OTPKIT_URL_PREFIX", "").unwrap().login_url(), "/login/");
        // Empty optional values mean unset.
        let s = with(&[
            ("OTP_TOTP_ISSUER", ""),
            ("OTP_EMAIL_SENDER", ""),
            ("OTP_LOGIN_URL", ""),
        ])
        .unwrap();
        assert!(s.totp_issuer.is_none() && s.email_sender.is_none() && s.login_url.is_none());
    }

    #[test]
    fn text_setting_errors() {
        for (name, value) in [
            ("OTP_TOTP_IMAGE", "http://example.com/logo.png"),
            ("OTP_TOTP_IMAGE", "https://"),
            ("OTP_EMAIL_BODY_TEMPLATE_PATH", ""),
            ("OTPKIT_DEFAULT_FROM_EMAIL", ""),
            ("OTPKIT_SMTP_URL", "http://mail"),
            ("OTPKIT_SMTP_URL", "smtp://"),
            ("OTPKIT_URL_PREFIX", "otp"),
            ("OTPKIT_URL_PREFIX", "/otp/"),
            ("OTPKIT_URL_PREFIX", "/"),
            ("OTPKIT_LOGIN_REDIRECT_URL", ""),
            ("OTPKIT_TOTP_ALGORITHM", "sha1"),
            ("OTPKIT_TOTP_ALGORITHM", "MD5"),
            ("OTPKIT_TOTP_ALGORITHM", ""),
        ] {
            let err = one(name, value).unwrap_err();
            assert_eq!(err.name(), name, "{name}={value:?}");
        }
        // Algorithms: exactly the three names (whitespace trimmed).
        for a in TOTP_ALGORITHMS {
            assert_eq!(
                one("OTPKIT_TOTP_ALGORITHM", &format!(" {a} "))
                    .unwrap()
                    .totp_algorithm
                    .as_str(),
                a
            );
        }
    }

    #[test]
    fn database_urls() {
        for ok in [
            "sqlite://otpkit.sqlite3",
            "sqlite:///abs/path.db",
            "sqlite://data.db?mode=rwc",
            "postgres://u:p@localhost/otp",
            "postgresql://localhost/otp",
            "mysql://localhost/otp",
            "mariadb://localhost/otp",
        ] {
            assert_eq!(one("OTPKIT_DATABASE_URL", ok).unwrap().database_url, ok);
        }
        for bad in [
            "",
            "sqlite://",
            "sqlite:otpkit.db",
            "SQLITE://x",
            "redis://x",
            "postgres:/x",
            "otpkit.sqlite3",
        ] {
            let err = one("OTPKIT_DATABASE_URL", bad).unwrap_err();
            assert_eq!(err.name(), "OTPKIT_DATABASE_URL", "{bad:?}");
        }
    }

    #[test]
    fn device_kinds() {
        let s = one("OTPKIT_DEVICE_KINDS", "static, totp").unwrap();
        assert_eq!(
            s.device_kinds.iter().copied().collect::<Vec<_>>(),
            [BuiltinKind::Totp, BuiltinKind::Static]
        );
        assert!(s.kind_enabled(BuiltinKind::Totp) && !s.kind_enabled(BuiltinKind::Email));
        let s = one("OTPKIT_DEVICE_KINDS", "totp,totp").unwrap();
        assert_eq!(s.device_kinds.len(), 1);
        for bad in [
            "",
            " ",
            "totp,",
            "totp,sms",
            "TOTP",
            "webauthn",
            "totp;hotp",
        ] {
            let err = one("OTPKIT_DEVICE_KINDS", bad).unwrap_err();
            assert_eq!(err.name(), "OTPKIT_DEVICE_KINDS", "{bad:?}");
        }
        let err = one("OTPKIT_DEVICE_KINDS", "totp,sms").unwrap_err();
        assert!(
            err.to_string().contains("unknown device kind `sms`"),
            "{err}"
        );
        let mut c = Settings::default();
        c.device_kinds.clear();
        assert_eq!(c.validate().unwrap_err().name(), "OTPKIT_DEVICE_KINDS");
        for k in BuiltinKind::ALL {
            assert_eq!(k.name().parse::<BuiltinKind>(), Ok(k));
            assert_eq!(k.to_string(), k.name());
            assert!(k.model_label().ends_with("device"));
        }
    }

    const KEY_B64: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

    #[test]
    fn debug_redacts_secrets() {
        let mut s = with(&[
            ("OTPKIT_SECRET_KEYS", &format!("k1:{KEY_B64}")),
            (
                "OTPKIT_DATABASE_URL",
                "postgres://otp:hunter2@db.example/otp",
            ),
            ("OTPKIT_SMTP_URL", "smtp://mailer:s3cr3t@mail.example:587"),
        ])
        .unwrap();
        s.totp_issuer = Some(TextOrHook::hook(|_| Some("x".into())));
        let dbg = format!("{s:?} {s:#?}");
        assert!(!dbg.contains(KEY_B64));
        assert!(!dbg.contains(KEY_B64.trim_end_matches('=')));
        assert!(!dbg.contains("AQEBAQEB"));
        assert!(!dbg.contains("hunter2"));
        assert!(!dbg.contains("s3cr3t"));
        assert!(
            dbg.contains("secret_keys: Some(SecretString([REDACTED]))"),
            "{dbg}"
        );
        assert!(
            dbg.contains(r#"database_url: "postgres://[REDACTED]@db.example/otp""#),
            "{dbg}"
        );
        assert!(
            dbg.contains(r#"smtp_url: Some("smtp://[REDACTED]@mail.example:587")"#),
            "{dbg}"
        );
        assert!(dbg.contains("totp_issuer: Some(Hook(..))"), "{dbg}");
    }

    #[test]
    fn redact_url_forms() {
        assert_eq!(
            redact_url("sqlite://otpkit.sqlite3"),
            "sqlite://otpkit.sqlite3"
        );
        assert_eq!(
            redact_url("mysql://u:p@h/db?x=@"),
            "mysql://[REDACTED]@h/db?x=@"
        );
        assert_eq!(redact_url("mysql://u:p@w@h/db"), "mysql://[REDACTED]@h/db");
        assert_eq!(redact_url("mysql://h/db"), "mysql://h/db");
        assert_eq!(redact_url("no scheme@x"), "no scheme@x");
        assert_eq!(redact_url("smtp://u@h"), "smtp://[REDACTED]@h");
    }

    #[test]
    fn secret_keys_are_validated_without_leaking() {
        let short = "k1:AQEBAQEBAQEBAQEB";
        let err = one("OTPKIT_SECRET_KEYS", short).unwrap_err();
        assert_eq!(err.name(), "OTPKIT_SECRET_KEYS");
        assert!(!err.to_string().contains("AQEBAQEB"), "{err}");
        let ok = one("OTPKIT_SECRET_KEYS", &format!("k1:{KEY_B64}")).unwrap();
        let (ring, created) = ok.load_key_ring().unwrap();
        assert_eq!(ring.active_id(), "k1");
        assert!(created.is_none());
        // Both sources at once are ambiguous.
        let err = with(&[
            ("OTPKIT_SECRET_KEYS", &format!("k1:{KEY_B64}")),
            ("OTPKIT_SECRET_KEYS_FILE", "/etc/otpkit.keys"),
        ])
        .unwrap_err();
        assert_eq!(err.name(), "OTPKIT_SECRET_KEYS_FILE");
    }

    #[test]
    fn key_ring_sources() {
        let mut suffix = [0u8; 6];
        getrandom::fill(&mut suffix).unwrap();
        let dir = std::env::temp_dir().join(format!(
            "otpkit-settings-{}",
            suffix
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ));
        std::fs::create_dir_all(&dir).unwrap();

        // Embedded default: {database file}.keys, created once.
        let db = dir.join("app.sqlite3");
        let s = one(
            "OTPKIT_DATABASE_URL",
            &format!("sqlite://{}?mode=rwc", db.display()),
        )
        .unwrap();
        let (ring, created) = s.load_key_ring().unwrap();
        let keys = dir.join("app.sqlite3.keys");
        assert_eq!(created.as_deref(), Some(keys.as_path()));
        let sealed = ring.seal("otp_totp.totpdevice/1", b"k").unwrap();
        let (again, created) = s.load_key_ring().unwrap();
        assert!(created.is_none());
        assert!(again.open("otp_totp.totpdevice/1", &sealed).is_ok());

        // OTPKIT_SECRET_KEYS_FILE reads that file.
        let s = one("OTPKIT_SECRET_KEYS_FILE", keys.to_str().unwrap()).unwrap();
        let (from_file, created) = s.load_key_ring().unwrap();
        assert!(created.is_none());
        assert!(from_file.open("otp_totp.totpdevice/1", &sealed).is_ok());
        let s = one(
            "OTPKIT_SECRET_KEYS_FILE",
            dir.join("nope").to_str().unwrap(),
        )
        .unwrap();
        assert_eq!(
            s.load_key_ring().unwrap_err().name(),
            "OTPKIT_SECRET_KEYS_FILE"
        );

        // Server databases need a configured ring.
        for url in ["postgres://db/otp", "mysql://db/otp", "sqlite://:memory:"] {
            let s = one("OTPKIT_DATABASE_URL", url).unwrap();
            assert_eq!(s.load_key_ring().unwrap_err().name(), "OTPKIT_SECRET_KEYS");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn from_env_reads_the_process_environment() {
        // The test process sets none of these; the result is the defaults.
        if SETTING_NAMES.iter().all(|n| std::env::var_os(n).is_none()) {
            let s = Settings::from_env().unwrap();
            assert_eq!(format!("{s:?}"), format!("{:?}", Settings::default()));
        }
    }
}
