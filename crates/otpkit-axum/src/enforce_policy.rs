//! The two-step policy's setting and rule ([`crate::enforce`]): whom a sign-in method is
//! mandatory for. A leaf module, so that the settings and the kit can name them.

use std::fmt;
use std::sync::Arc;

use otpkit::{UserId, UserInfo};

/// Whom two-step verification is mandatory for (`OTPKIT_ENFORCE_2FA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Enforce {
    /// Nobody: a user may go without a sign-in method (default).
    #[default]
    Off,
    /// The users the directory reports as staff.
    Staff,
    /// Every user.
    Everyone,
}

impl Enforce {
    /// `off`, `staff` or `everyone` (ASCII case-insensitive, trimmed).
    pub fn parse(s: &str) -> Option<Enforce> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Some(Enforce::Off),
            "staff" => Some(Enforce::Staff),
            "everyone" => Some(Enforce::Everyone),
            _ => None,
        }
    }

    /// The setting's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Enforce::Off => "off",
            Enforce::Staff => "staff",
            Enforce::Everyone => "everyone",
        }
    }
}

/// An application's rule: whether the policy covers a user, given what the user directory
/// knows of them (e.g. a role or a tenant). It replaces `OTPKIT_ENFORCE_2FA`.
#[derive(Clone)]
pub struct EnforceRule(pub(crate) Arc<RuleFn>);

/// The function of an [`EnforceRule`].
type RuleFn = dyn Fn(&UserId, &UserInfo) -> bool + Send + Sync;

impl fmt::Debug for EnforceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnforceRule(..)")
    }
}
