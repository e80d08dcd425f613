//! What the engine's operations answer, and their options.

use crate::oath::Algorithm;
use crate::policy::{GenerateNotAllowed, VerifyNotAllowed};
use crate::secret::SecretBytes;
use crate::send_limit::SendRefused;

use super::Device;

/// Why a token was rejected (after it was evaluated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not of the kind's syntax (docs/behaviour.md §4.4, §5.3).
    Malformed,
    /// Wrong, expired, or none outstanding.
    Invalid,
    /// A TOTP token of an already used step.
    Replay,
    /// Refused for a reason of the kind's own ([`Verdict::Refused`](crate::kind::Verdict::Refused)),
    /// named by its stable code.
    Kind(&'static str),
    /// The authenticator's signature counter went back ([`Verdict::CounterRegressed`](crate::kind::Verdict::CounterRegressed)).
    CounterRegressed,
}

/// The detailed outcome of one attempt (docs/behaviour.md §3 `verify_token`, detailed form).
#[derive(Debug, Clone)]
pub enum VerifyOutcome {
    /// Accepted and committed.
    Accepted(Device),
    /// No such device for this user (or unconfirmed); nothing changed anywhere.
    NotFound,
    /// Refused before evaluation; nothing changed.
    NotAllowed(VerifyNotAllowed),
    /// Evaluated and rejected; one failure was recorded.
    Rejected(Rejection),
}

impl VerifyOutcome {
    /// The device, if accepted.
    pub fn accepted(self) -> Option<Device> {
        match self {
            VerifyOutcome::Accepted(d) => Some(d),
            _ => None,
        }
    }
}

/// Which devices [`Engine::match_token_detailed`](super::Engine::match_token_detailed) tries, and how.
#[derive(Debug, Clone, Default)]
pub struct MatchOptions {
    /// Only passive devices (TOTP, HOTP, backup codes), plus `first` whatever its kind: what
    /// a login form does with a code typed without choosing a device, or with an email
    /// device chosen (docs/behaviour.md §7.3). Default: every confirmed device.
    pub passive_only: bool,
    /// The id of a device to try before the others (the one the user pointed at).
    pub first: Option<i64>,
    /// The requester's binding (the web session's `otpkit_binding`), for email codes.
    pub binding: Option<Vec<u8>>,
}

/// The detailed outcome of [`Engine::match_token_detailed`](super::Engine::match_token_detailed).
#[derive(Debug, Clone)]
pub enum MatchOutcome {
    /// A candidate accepted; only its success was committed.
    Accepted(Device),
    /// Every candidate was evaluated and none matched; each recorded one failure. The reason
    /// is the first evaluated candidate's.
    Rejected(Rejection),
    /// Nothing matched and at least one candidate refused before evaluation (throttled,
    /// locked out): the code may have been that one's. The reason is the refusal that ends
    /// soonest. The candidates that were evaluated recorded their failures.
    NotAllowed(VerifyNotAllowed),
    /// The user has no candidate device (or no user was given); nothing changed.
    NoDevice,
}

impl MatchOutcome {
    /// The device, if accepted.
    pub fn accepted(self) -> Option<Device> {
        match self {
            MatchOutcome::Accepted(d) => Some(d),
            _ => None,
        }
    }
}

/// The outcome of a challenge request (docs/behaviour.md §2.1 `generate_challenge`, §5.4).
#[derive(Debug, Clone)]
pub enum ChallengeOutcome {
    /// Delivered; `message` is the device's text (`sent by email`).
    Sent {
        /// The user-facing message.
        message: String,
    },
    /// No such device for this user.
    NotFound,
    /// A passive device: nothing to do (`not_interactive`).
    NotInteractive,
    /// The cooldown is pending (`challenge_cooldown`).
    Cooldown(GenerateNotAllowed),
    /// The device is locked out (`device_locked`).
    Locked {
        /// The failure count.
        failure_count: u32,
    },
    /// Generation or delivery failed; `message` can be shown to the user.
    Failed {
        /// The device's user-facing error text.
        message: String,
    },
    /// The per-account or per-address bound on code emails refused the send
    /// ([`crate::send_limit`]); nothing was sent and the device's cooldown and token are as
    /// before. The web layer answers `challenge_cooldown` with `retry_after`.
    Limited(SendRefused),
}

/// Options of a verification.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The requester's binding (the web session's `otpkit_binding`), for email codes.
    pub binding: Option<Vec<u8>>,
}

/// Options of a challenge.
#[derive(Debug, Clone, Default)]
pub struct ChallengeOptions {
    /// The requester's binding.
    pub binding: Option<Vec<u8>>,
    /// Extra template context (an object).
    pub extra_context: Option<serde_json::Value>,
    /// Challenge an unconfirmed device being enrolled (the `confirm_device` path only).
    pub for_enrolment: bool,
}

/// Options for a new TOTP device; `None` takes the setting's default.
#[derive(Debug, Clone, Default)]
pub struct TotpOptions {
    /// The name (default `TOTP device`).
    pub name: Option<String>,
    /// `false` while enrolling; default true.
    pub unconfirmed: bool,
    /// An imported key (16–64 bytes); default: random of the algorithm's length.
    pub key: Option<SecretBytes>,
    /// Default `OTPKIT_TOTP_ALGORITHM`.
    pub algorithm: Option<Algorithm>,
    /// Default `OTPKIT_TOTP_DIGITS`.
    pub digits: Option<u8>,
    /// Default `OTPKIT_TOTP_STEP` (1–120).
    pub step: Option<u32>,
    /// Default 0.
    pub t0: Option<i64>,
    /// Default `OTPKIT_TOTP_TOLERANCE` (0–10).
    pub tolerance: Option<u8>,
    /// Default 0.
    pub drift: Option<i16>,
}

/// Options for a new HOTP device; `None` takes the default.
#[derive(Debug, Clone, Default)]
pub struct HotpOptions {
    /// The name (default `HOTP device`).
    pub name: Option<String>,
    /// `false` while enrolling; default true.
    pub unconfirmed: bool,
    /// An imported key (16–64 bytes); default: random.
    pub key: Option<SecretBytes>,
    /// Default SHA1.
    pub algorithm: Option<Algorithm>,
    /// Default 6.
    pub digits: Option<u8>,
    /// Default `OTPKIT_HOTP_TOLERANCE` (0–20).
    pub tolerance: Option<u8>,
    /// Default 0 (0 to 2^63−1).
    pub counter: Option<u64>,
}

/// The result of `keys rotate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RotateReport {
    /// Sealed keys moved to the active key.
    pub resealed: u64,
    /// Sealed keys already under the active key.
    pub current: u64,
    /// Devices whose keys could not be re-sealed.
    pub failed: u64,
}

/// Per key id: how many sealed keys and keyed hashes use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUsage {
    /// Sealed TOTP/HOTP keys.
    pub sealed: u64,
    /// Hashed backup and email codes.
    pub hashed: u64,
}
