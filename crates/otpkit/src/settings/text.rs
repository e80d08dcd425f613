//! Text settings that an application may compute per user instead: [`TextOrHook`].

use std::fmt;
use std::sync::Arc;

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
