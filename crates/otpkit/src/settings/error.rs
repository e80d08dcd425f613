//! Why the settings are invalid: [`SettingsError`].

use super::env::EnvError;

/// A setting is invalid, one variant per cause. The message names the setting and says what
/// is expected; it never repeats the value (which might be a secret put in the wrong
/// variable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A number is not a whole number or out of its range, a boolean is not `true`, `false`,
    /// `1` or `0`, or a variable is not valid UTF-8.
    #[error(transparent)]
    Value(#[from] EnvError),
    /// `OTP_TOTP_IMAGE` is fixed text that is not an `https://` URL.
    #[error("OTP_TOTP_IMAGE: must be an https:// URL")]
    TotpImage,
    /// `OTPKIT_TOTP_ALGORITHM` is not exactly `SHA1`, `SHA256` or `SHA512`.
    #[error("OTPKIT_TOTP_ALGORITHM: must be SHA1, SHA256 or SHA512")]
    TotpAlgorithm,
    /// `OTP_EMAIL_SENDER` is set (in code) to blank text.
    #[error("OTP_EMAIL_SENDER: must not be empty when set")]
    EmptyEmailSender,
    /// `OTPKIT_DEFAULT_FROM_EMAIL` is blank.
    #[error("OTPKIT_DEFAULT_FROM_EMAIL: must not be empty")]
    EmptyDefaultFromEmail,
    /// `OTPKIT_DEVICE_KINDS` enables no kind.
    #[error("OTPKIT_DEVICE_KINDS: must name at least one of totp, hotp, email, static")]
    NoDeviceKinds,
    /// `OTPKIT_DEVICE_KINDS` names a kind that is not built in. `shown` is the name as
    /// given, at most 32 characters, escaped.
    #[error(
        "OTPKIT_DEVICE_KINDS: unknown device kind `{shown}`; expected a comma-separated list of totp, hotp, email, static"
    )]
    UnknownDeviceKind {
        /// The unknown name, shortened to 32 characters and escaped.
        shown: String,
    },
}

impl SettingsError {
    /// The name of the offending setting.
    pub fn name(&self) -> &'static str {
        match self {
            SettingsError::Value(e) => e.name(),
            SettingsError::TotpImage => "OTP_TOTP_IMAGE",
            SettingsError::TotpAlgorithm => "OTPKIT_TOTP_ALGORITHM",
            SettingsError::EmptyEmailSender => "OTP_EMAIL_SENDER",
            SettingsError::EmptyDefaultFromEmail => "OTPKIT_DEFAULT_FROM_EMAIL",
            SettingsError::NoDeviceKinds | SettingsError::UnknownDeviceKind { .. } => {
                "OTPKIT_DEVICE_KINDS"
            }
        }
    }
}
