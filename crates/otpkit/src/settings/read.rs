//! Reading [`Settings`] from the environment or any other lookup.

use std::collections::BTreeSet;

use super::Settings;
use super::env::{self, optional};
use super::error::SettingsError;
use super::fields::{BOOLS, NUMBERS};
use super::kinds::BuiltinKind;
use super::text::TextOrHook;

impl Settings {
    /// Reads every setting from the process environment, then [`validate`](Self::validate)s.
    /// A variable that is not valid UTF-8 is an error naming it.
    pub fn from_env() -> Result<Settings, SettingsError> {
        env::check_utf8(&super::SETTING_NAMES)?;
        Self::from_lookup(env::var)
    }

    /// Reads every setting through `lookup` (name → value, `None` when unset), starting from
    /// the defaults, then [`validate`](Self::validate)s. Testable without touching the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let mut s = Settings::default();
        env::read_numbers(&mut s, NUMBERS, &lookup)?;
        env::read_bools(&mut s, BOOLS, &lookup)?;
        read_kinds(&mut s, &lookup)?;
        read_email(&mut s, &lookup);
        s.validate()?;
        Ok(s)
    }
}

/// The device kinds, the kinds' texts and the TOTP algorithm.
fn read_kinds(
    s: &mut Settings,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<(), SettingsError> {
    if let Some(v) = lookup("OTPKIT_DEVICE_KINDS") {
        s.device_kinds = parse_device_kinds(&v)?;
    }
    s.totp.issuer = optional(lookup("OTP_TOTP_ISSUER")).map(TextOrHook::Fixed);
    s.totp.image = optional(lookup("OTP_TOTP_IMAGE")).map(TextOrHook::Fixed);
    s.hotp.issuer = optional(lookup("OTP_HOTP_ISSUER")).map(TextOrHook::Fixed);
    if let Some(v) = lookup("OTPKIT_TOTP_ALGORITHM") {
        s.totp.algorithm = v
            .trim_ascii()
            .parse()
            .map_err(|_| SettingsError::TotpAlgorithm)?;
    }
    Ok(())
}

/// The email message's texts: sender, subject and body templates. Free text is kept as
/// given (no trimming).
fn read_email(s: &mut Settings, lookup: &impl Fn(&str) -> Option<String>) {
    s.email.sender = optional(lookup("OTP_EMAIL_SENDER"));
    if let Some(v) = lookup("OTPKIT_DEFAULT_FROM_EMAIL") {
        s.email.default_from = v;
    }
    if let Some(v) = lookup("OTP_EMAIL_SUBJECT") {
        s.email.subject = v;
    }
    s.email.body_template = optional(lookup("OTP_EMAIL_BODY_TEMPLATE"));
    s.email.body_html_template = optional(lookup("OTP_EMAIL_BODY_HTML_TEMPLATE"));
}

/// `OTPKIT_DEVICE_KINDS`: a comma-separated list of built-in kind names, at least one.
fn parse_device_kinds(raw: &str) -> Result<BTreeSet<BuiltinKind>, SettingsError> {
    let raw = raw.trim_ascii();
    if raw.is_empty() {
        return Err(SettingsError::NoDeviceKinds);
    }
    raw.split(',')
        .map(|item| {
            let item = item.trim_ascii();
            item.parse::<BuiltinKind>().map_err(|()| {
                let shown: String = item.chars().take(32).collect();
                SettingsError::UnknownDeviceKind {
                    shown: shown.escape_debug().to_string(),
                }
            })
        })
        .collect()
}
