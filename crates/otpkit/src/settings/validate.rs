//! Checking [`Settings`] set in code.

use super::Settings;
use super::env;
use super::error::SettingsError;
use super::fields::NUMBERS;
use super::text::TextOrHook;

impl Settings {
    /// Checks every field: numeric ranges, a fixed `OTP_TOTP_IMAGE` is an `https://` URL, a
    /// set sender and the default sender are not blank, and at least one device kind is
    /// enabled. Call it after setting fields in code. The first problem found is returned,
    /// naming its setting.
    pub fn validate(&self) -> Result<(), SettingsError> {
        env::check_numbers(self, NUMBERS)?;
        if let Some(TextOrHook::Fixed(image)) = &self.totp.image
            && (!image.starts_with("https://") || image.len() <= "https://".len())
        {
            return Err(SettingsError::TotpImage);
        }
        if self
            .email
            .sender
            .as_ref()
            .is_some_and(|sender| sender.trim().is_empty())
        {
            return Err(SettingsError::EmptyEmailSender);
        }
        if self.device_kinds.is_empty() {
            return Err(SettingsError::NoDeviceKinds);
        }
        if self.email.default_from.trim().is_empty() {
            return Err(SettingsError::EmptyDefaultFromEmail);
        }
        Ok(())
    }
}
