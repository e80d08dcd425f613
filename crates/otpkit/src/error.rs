//! The engine's error type: a variant per cause the caller can act on.

use crate::kind::{KindError, RegistryError};
use crate::record::InvalidName;
use crate::store::StoreError;
use crate::user::InvalidUserId;

/// Everything the engine's operations can fail with.
///
/// [`Error::is_internal`] tells the storage and crypto failures (the web layer answers 503
/// `internal_error`, the CLI exits 3) from the caller's mistakes. A verification that fails
/// with an error was **not** accepted and changed nothing (docs/behaviour.md §2.9).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store failed; nothing was committed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A kind failed (sealing, hashing, corrupt state, randomness); nothing was committed.
    #[error(transparent)]
    Kind(#[from] KindError),
    /// A device to import was refused ([`crate::import::ImportDevice::check`]).
    #[error("the device cannot be imported: {0}")]
    Import(#[from] crate::import::ImportRefusal),
    /// A device name is too long or has control characters.
    #[error(transparent)]
    InvalidName(#[from] InvalidName),
    /// A user id is empty, too long or has control characters.
    #[error(transparent)]
    InvalidUser(#[from] InvalidUserId),
    /// An option is out of range; `name` is the option or setting.
    #[error("{name}: {reason}")]
    InvalidOption {
        /// The option (`step`, `digits`, `count`, …).
        name: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A user-typed secret is invalid (base32/hex, length).
    #[error(transparent)]
    Secret(#[from] crate::encoding::SecretError),
    /// An otpauth URI is invalid.
    #[error(transparent)]
    Uri(#[from] crate::otpauth::UriError),
    /// No such device (or not this user's, or not of the expected kind).
    #[error("device not found")]
    NotFound,
    /// The static device already has this token.
    #[error("the device already has this token")]
    DuplicateToken,
    /// A static token is not 6–16 letters or digits.
    #[error("a static token must be 6 to 16 letters or digits")]
    MalformedToken,
    /// The operation needs a kind that is not registered.
    #[error("the device kind {0} is not registered")]
    UnknownKind(String),
    /// The operation does not apply to this device's kind.
    #[error("this operation does not apply to a {0}")]
    WrongKind(&'static str),
    /// A kind could not be registered.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The settings are invalid.
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    /// The send limiter's storage failed ([`LimitError::Backend`]); nothing was sent.
    ///
    /// [`LimitError::Backend`]: crate::send_limit::LimitError::Backend
    #[error("the send limiter failed: {0}")]
    SendLimiter(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The email templates are invalid.
    #[error(transparent)]
    Template(#[from] crate::mailer::TemplateError),
}

impl Error {
    /// Whether this is a storage or crypto failure (fail closed; HTTP 503, CLI exit 3).
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Error::Store(_)
                | Error::SendLimiter(_)
                | Error::Kind(
                    KindError::Seal(_)
                        | KindError::StateDecode(_)
                        | KindError::StateEncode(_)
                        | KindError::GeneratedCode
                        | KindError::Random
                )
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::{ArgumentError, ChallengeError};

    #[test]
    fn internal_means_storage_crypto_or_a_broken_kind() {
        let json = || serde_json::from_str::<u8>("x").unwrap_err();
        for e in [
            Error::Store(StoreError::Schema),
            Error::SendLimiter("down".into()),
            Error::Kind(KindError::Seal(crate::seal::SealError::Invalid)),
            Error::Kind(KindError::StateDecode(json())),
            Error::Kind(KindError::StateEncode(json())),
            Error::Kind(KindError::GeneratedCode),
            Error::Kind(KindError::Random),
        ] {
            assert!(e.is_internal(), "{e:?}");
        }
        for e in [
            Error::Kind(KindError::Challenge(ChallengeError::NoAddress)),
            Error::Kind(KindError::InvalidArgument(ArgumentError::TokenLength(5))),
            Error::NotFound,
            Error::MalformedToken,
        ] {
            assert!(!e.is_internal(), "{e:?}");
        }
    }
}
