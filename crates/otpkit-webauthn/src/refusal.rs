//! Why a ceremony's finish was refused: one reason per cause, each with a stable code.
//!
//! The kind answers the engine with [`Verdict::Refused`](otpkit::kind::Verdict::Refused)
//! and the reason's [`code`](Refusal::code); the engine counts the failure, puts the code in
//! the `verification_failed` event's `detail`, and hands it back as
//! [`Rejection::Kind`](otpkit::Rejection::Kind), which [`Refusal::from_rejection`] reads.

use otpkit::Rejection;
use webauthn_rs::prelude::WebauthnError;

/// Why a registration or authentication finish was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// The response is not a WebAuthn credential in JSON (nothing was written when no device
    /// could be named from it).
    Malformed,
    /// No ceremony is outstanding on this device: never started, or already finished (a
    /// challenge used twice).
    NoChallenge,
    /// The ceremony was started more than its validity (300 s by default) ago.
    ChallengeExpired,
    /// The finish came from another session than the start (the binding differs).
    SessionMismatch,
    /// The response was signed over another challenge than the outstanding one (a replayed
    /// assertion).
    ChallengeMismatch,
    /// The browser reported another origin than the relying party's.
    WrongOrigin,
    /// The authenticator signed for another relying-party id.
    WrongRpId,
    /// The credential is not one of this user's passkeys (nothing was written).
    UnknownCredential,
    /// The authenticator did not verify the user (PIN or biometrics), which is required.
    UserNotVerified,
    /// The signature does not verify with the stored public key.
    BadSignature,
    /// The signature counter did not advance: the authenticator may have been cloned.
    CounterRegression,
    /// The registration response was refused for another reason (unsupported algorithm,
    /// an authenticator already registered, an invalid attestation).
    RegistrationFailed,
    /// Refused for a reason webauthn-rs reports without a finer class.
    Invalid,
}

impl Refusal {
    /// Every reason, for tests and documentation.
    pub const ALL: [Refusal; 13] = [
        Refusal::Malformed,
        Refusal::NoChallenge,
        Refusal::ChallengeExpired,
        Refusal::SessionMismatch,
        Refusal::ChallengeMismatch,
        Refusal::WrongOrigin,
        Refusal::WrongRpId,
        Refusal::UnknownCredential,
        Refusal::UserNotVerified,
        Refusal::BadSignature,
        Refusal::CounterRegression,
        Refusal::RegistrationFailed,
        Refusal::Invalid,
    ];

    /// The stable code (the audit event's `detail`).
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::NoChallenge => "no_challenge",
            Refusal::ChallengeExpired => "challenge_expired",
            Refusal::SessionMismatch => "session_mismatch",
            Refusal::ChallengeMismatch => "challenge_mismatch",
            Refusal::WrongOrigin => "wrong_origin",
            Refusal::WrongRpId => "wrong_rp_id",
            Refusal::UnknownCredential => "unknown_credential",
            Refusal::UserNotVerified => "user_not_verified",
            Refusal::BadSignature => "bad_signature",
            Refusal::CounterRegression => "counter_regressed",
            Refusal::RegistrationFailed => "registration_failed",
            Refusal::Invalid => "invalid",
        }
    }

    /// The reason named by `code`, if it is one of ours.
    pub fn from_code(code: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The reason the engine reported for a rejected attempt on a passkey.
    pub fn from_rejection(r: Rejection) -> Refusal {
        match r {
            Rejection::Malformed => Refusal::Malformed,
            Rejection::Kind(code) => Refusal::from_code(code).unwrap_or(Refusal::Invalid),
            Rejection::CounterRegressed => Refusal::CounterRegression,
            _ => Refusal::Invalid,
        }
    }

    /// The class of a webauthn-rs error at a finish.
    pub(crate) fn from_webauthn(e: &WebauthnError, registering: bool) -> Refusal {
        use WebauthnError as E;
        match e {
            E::MismatchedChallenge | E::ChallengeNotFound => Refusal::ChallengeMismatch,
            E::InvalidRPOrigin => Refusal::WrongOrigin,
            E::InvalidRPIDHash => Refusal::WrongRpId,
            E::CredentialNotFound => Refusal::UnknownCredential,
            E::UserNotVerified | E::UserNotPresent => Refusal::UserNotVerified,
            E::CredentialPossibleCompromise => Refusal::CounterRegression,
            E::AuthenticationFailure => Refusal::BadSignature,
            E::InvalidClientDataType
            | E::ParseBase64Failure(_)
            | E::ParseCBORFailure(_)
            | E::ParseJSONFailure(_)
            | E::ParseNOMFailure
            | E::ParseInsufficientBytesAvailable => Refusal::Malformed,
            _ if registering => Refusal::RegistrationFailed,
            _ => Refusal::Invalid,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for r in Refusal::ALL {
            assert!(seen.insert(r.code()), "duplicate code {}", r.code());
            assert_eq!(Refusal::from_code(r.code()), Some(r));
        }
        assert_eq!(Refusal::from_code("nope"), None);
        assert_eq!(
            Refusal::from_rejection(Rejection::Kind("wrong_origin")),
            Refusal::WrongOrigin
        );
        assert_eq!(
            Refusal::from_rejection(Rejection::CounterRegressed),
            Refusal::CounterRegression
        );
    }
}
