//! Why a Django row is not imported: [`SkipReason`], with a stable code for JSON readers.

use otpkit::engine::ImportRefusal;

/// Why a device was skipped. Its text (`Display`) is what the report shows; [`code`]
/// (`SkipReason::code`) is stable for programs reading `--json`. Never holds a key or a code.
///
/// [`code`]: SkipReason::code
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SkipReason {
    /// The user mapping gave no otpkit user id for this Django user.
    #[error("the Django user {0} has no otpkit user id")]
    NoUser(i64),
    /// The user mapping gave a user id otpkit does not accept.
    #[error("the otpkit user id of the Django user {django_user_id} is invalid: {problem}")]
    InvalidUser {
        /// The Django user's primary key.
        django_user_id: i64,
        /// What is wrong with it.
        problem: String,
    },
    /// The key is not an even number of hexadecimal digits.
    #[error("the key is not hexadecimal: django-otp could not have produced it")]
    KeyNotHex,
    /// An integer column does not fit otpkit's type.
    #[error("the {field} {value} is out of range")]
    OutOfRange {
        /// Which column, in words.
        field: &'static str,
        /// Its value.
        value: i64,
    },
    /// otpkit cannot keep the device as it is ([`ImportRefusal`]).
    #[error("{0}")]
    Refused(#[from] ImportRefusal),
    /// The kind is not enabled in this otpkit (`OTPKIT_DEVICE_KINDS`).
    #[error("this kind of device is not enabled in otpkit (OTPKIT_DEVICE_KINDS)")]
    KindNotEnabled,
    /// Another device (of another user, or created in otpkit) has this persistent id.
    #[error("the persistent id is taken by another device")]
    IdTaken,
}

impl SkipReason {
    /// A stable identifier of the reason, e.g. `key_not_hex`.
    pub fn code(&self) -> &'static str {
        match self {
            SkipReason::NoUser(_) => "no_user",
            SkipReason::InvalidUser { .. } => "invalid_user",
            SkipReason::KeyNotHex => "key_not_hex",
            SkipReason::OutOfRange { .. } => "out_of_range",
            SkipReason::Refused(_) => "refused",
            SkipReason::KindNotEnabled => "kind_not_enabled",
            SkipReason::IdTaken => "id_taken",
        }
    }
}
