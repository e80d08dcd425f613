//! The built-in device kinds that `OTPKIT_DEVICE_KINDS` enables: [`BuiltinKind`].

use std::fmt;
use std::str::FromStr;

/// A built-in device kind, as named in `OTPKIT_DEVICE_KINDS`. Ordered as registered
/// (docs/behaviour.md §1.2).
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

    /// The kind's model label (docs/behaviour.md §1.2).
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
