//! The groups of [`Settings`](super::Settings): throttling and lock-out, enrolment, and one
//! group per built-in kind. Field docs give the environment variable, default and range.

use crate::oath::Algorithm;

use super::text::TextOrHook;

/// Throttling and lock-out, per device and per account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleSettings {
    /// `OTPKIT_THROTTLE_MAX_DELAY`, default 3600, 1–3 153 600 000 s: the longest back-off
    /// after failures.
    pub max_delay: u64,
    /// `OTPKIT_LOCKOUT_THRESHOLD`, default 100, 0–10000 consecutive failures; 0 disables.
    pub lockout_threshold: u32,
    /// `OTPKIT_ACCOUNT_THROTTLING`, default `true` (new in otpkit): every attempt also applies
    /// the throttle and lock-out rules to the sum of the failure counts of all of the user's
    /// devices, so that rotating across devices multiplies no guesses (docs/behaviour.md
    /// §2.5.1). `false` restores django-otp's per-device behaviour.
    pub account_throttling: bool,
    /// `OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD`, default 200, 0–20000; 0 disables: the account is
    /// locked out when the sum of its devices' failure counts reaches it (with
    /// `account_throttling` on). Above `lockout_threshold` by default, so that one locked
    /// device leaves the owner's other devices usable (self-service unlock, docs/behaviour.md
    /// §7.7).
    pub account_lockout_threshold: u32,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        ThrottleSettings {
            max_delay: 3600,
            lockout_threshold: 100,
            account_throttling: true,
            account_lockout_threshold: 200,
        }
    }
}

/// Enrolment: devices created unconfirmed until their first code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentSettings {
    /// `OTPKIT_ENROLMENT_TTL`, default 900, 60–86400 s: how long an unconfirmed device waits
    /// for its first code before it may be pruned.
    pub ttl: u32,
}

impl Default for EnrolmentSettings {
    fn default() -> Self {
        EnrolmentSettings { ttl: 900 }
    }
}

/// TOTP devices (`totp`).
#[derive(Debug, Clone)]
pub struct TotpSettings {
    /// `OTP_TOTP_ISSUER`, default unset: string or hook; the otpauth builder removes `:`.
    pub issuer: Option<TextOrHook>,
    /// `OTP_TOTP_IMAGE`, default unset: string or hook; a fixed value must be an `https://`
    /// URL (of a square image).
    pub image: Option<TextOrHook>,
    /// `OTP_TOTP_SYNC`, default `true`: persist drift on success.
    pub sync: bool,
    /// `OTP_TOTP_THROTTLE_FACTOR`, default 1, 0–86400 s; 0 disables the delay.
    pub throttle_factor: u32,
    /// `OTPKIT_TOTP_ALGORITHM`, default `SHA1`: exactly `SHA1`, `SHA256` or `SHA512`
    /// (upper case), the default for new TOTP devices.
    pub algorithm: Algorithm,
    /// `OTPKIT_TOTP_DIGITS`, default 6, 6–8.
    pub digits: u8,
    /// `OTPKIT_TOTP_STEP`, default 30, 1–120 s.
    pub step: u32,
    /// `OTPKIT_TOTP_TOLERANCE`, default 1, 0–10 steps each side.
    pub tolerance: u8,
}

impl Default for TotpSettings {
    fn default() -> Self {
        TotpSettings {
            issuer: None,
            image: None,
            sync: true,
            throttle_factor: 1,
            algorithm: Algorithm::Sha1,
            digits: 6,
            step: 30,
            tolerance: 1,
        }
    }
}

/// HOTP devices (`hotp`).
#[derive(Debug, Clone)]
pub struct HotpSettings {
    /// `OTP_HOTP_ISSUER`, default unset: string or hook.
    pub issuer: Option<TextOrHook>,
    /// `OTP_HOTP_THROTTLE_FACTOR`, default 1, 0–86400 s.
    pub throttle_factor: u32,
    /// `OTPKIT_HOTP_TOLERANCE`, default 5, 0–20.
    pub tolerance: u8,
}

impl Default for HotpSettings {
    fn default() -> Self {
        HotpSettings {
            issuer: None,
            throttle_factor: 1,
            tolerance: 5,
        }
    }
}

/// Static backup codes (`static`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticSettings {
    /// `OTP_STATIC_THROTTLE_FACTOR`, default 1, 0–86400 s.
    pub throttle_factor: u32,
    /// `OTPKIT_STATIC_BATCH_SIZE`, default 10, 1–50 codes per batch.
    pub batch_size: u32,
}

impl Default for StaticSettings {
    fn default() -> Self {
        StaticSettings {
            throttle_factor: 1,
            batch_size: 10,
        }
    }
}

/// Email devices (`email`): the codes, the message, and the bounds on how many are sent.
///
/// The body templates are texts here. Reading them from files
/// (`OTP_EMAIL_BODY_TEMPLATE_PATH`, `OTP_EMAIL_BODY_HTML_TEMPLATE_PATH`) is the deployment's
/// business: the command line and the demo put the files' texts in these fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSettings {
    /// `OTP_EMAIL_SENDER`, default unset (→ `default_from`); see [`EmailSettings::sender`].
    pub sender: Option<String>,
    /// `OTPKIT_DEFAULT_FROM_EMAIL`, default `webmaster@localhost`; must not be empty.
    pub default_from: String,
    /// `OTP_EMAIL_SUBJECT`, default `OTP token`; each `{token}` is replaced.
    pub subject: String,
    /// `OTP_EMAIL_BODY_TEMPLATE`, default unset: the text body template. Unset means the
    /// built-in `Your verification code is {{ token }}.`
    /// ([`DEFAULT_BODY_TEMPLATE`](crate::mailer::DEFAULT_BODY_TEMPLATE)).
    pub body_template: Option<String>,
    /// `OTP_EMAIL_BODY_HTML_TEMPLATE`, default unset: the HTML alternative's template.
    pub body_html_template: Option<String>,
    /// `OTP_EMAIL_TOKEN_VALIDITY`, default 300, 1–600 s.
    pub token_validity: u32,
    /// `OTP_EMAIL_THROTTLE_FACTOR`, default 1, 0–86400 s.
    pub throttle_factor: u32,
    /// `OTP_EMAIL_COOLDOWN_DURATION`, default 60, 0–86400 s; 0 disables.
    pub cooldown_duration: u32,
    /// `OTPKIT_EMAIL_TOKEN_LENGTH`, default 6, 6–8 digits.
    pub token_length: u8,
    /// `OTPKIT_EMAIL_MAX_ATTEMPTS`, default 3, 1–10 wrong codes per token.
    pub max_attempts: u32,
    /// `OTPKIT_EMAIL_ACCOUNT_COOLDOWN`, default 60, 0–86400 s; 0 disables: the minimum time
    /// between two code emails to one user, whichever of their devices sends them
    /// ([`crate::send_limit`], docs/behaviour.md §2.4.1). A successful verification with an
    /// interactive device restarts it, like the device's own cooldown.
    pub account_cooldown: u32,
    /// `OTPKIT_EMAIL_HOURLY_LIMIT`, default 10, 0–1000; 0 disables: code emails per user in
    /// any rolling hour, whichever device sends them.
    pub hourly_limit: u32,
    /// `OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT`, default 5, 0–1000; 0 disables: code emails to one
    /// recipient address in any rolling hour, across all users (addresses compared
    /// case-insensitively after trimming).
    pub address_hourly_limit: u32,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            sender: None,
            default_from: "webmaster@localhost".to_owned(),
            subject: "OTP token".to_owned(),
            body_template: None,
            body_html_template: None,
            token_validity: 300,
            throttle_factor: 1,
            cooldown_duration: 60,
            token_length: 6,
            max_attempts: 3,
            account_cooldown: 60,
            hourly_limit: 10,
            address_hourly_limit: 5,
        }
    }
}

impl EmailSettings {
    /// The effective sender: `OTP_EMAIL_SENDER`, else `OTPKIT_DEFAULT_FROM_EMAIL`.
    ///
    /// ```
    /// let mut email = otpkit::settings::EmailSettings::default();
    /// assert_eq!(email.sender(), "webmaster@localhost");
    /// email.sender = Some("otp@example.com".into());
    /// assert_eq!(email.sender(), "otp@example.com");
    /// ```
    pub fn sender(&self) -> &str {
        self.sender.as_deref().unwrap_or(&self.default_from)
    }
}
