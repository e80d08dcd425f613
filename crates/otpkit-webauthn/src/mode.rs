//! Whether, and for which accounts, a passkey alone signs in
//! ([`PasskeySettings::passwordless`](crate::PasskeySettings::passwordless)).

use serde::{Deserialize, Serialize};

/// Whether, and for which accounts, a passkey alone signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Passwordless {
    /// Passkeys are a second factor only (the default).
    #[default]
    Off,
    /// A discoverable passkey signs in, for accounts that also have another confirmed way
    /// to sign in (an authenticator app, backup codes, email codes): losing the passkey
    /// never leaves only the password.
    WithFallback,
    /// A discoverable passkey signs in, also for accounts whose only sign-in methods are
    /// passkeys.
    PasskeyOnly,
}

impl Passwordless {
    /// `off`, `with-fallback` or `passkey-only` (the demo's `OTPKIT_WEBAUTHN_PASSWORDLESS`).
    ///
    /// ```
    /// use otpkit_webauthn::Passwordless;
    /// assert_eq!(Passwordless::parse("passkey-only"), Some(Passwordless::PasskeyOnly));
    /// assert_eq!(Passwordless::parse("on"), Some(Passwordless::WithFallback));
    /// assert_eq!(Passwordless::parse("maybe"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Passwordless> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" | "0" | "false" | "" => Some(Passwordless::Off),
            "with-fallback" | "on" | "1" | "true" => Some(Passwordless::WithFallback),
            "passkey-only" => Some(Passwordless::PasskeyOnly),
            _ => None,
        }
    }
}
