//! Audit events and the notification hook (docs/behaviour.md §2.10).
//!
//! Every event is emitted as a `tracing` event at level `INFO` and target [`AUDIT_TARGET`]
//! with the fields `event` (the name below), `user`, `device` (persistent id; both empty for
//! ring-wide events), `at` (RFC 3339) and, where they apply, `failure_count`, `locked_until`
//! and `detail`. No event ever carries a token, code, secret, key or otpauth URI.
//!
//! The application's [`Notifier`] is called once for `device_locked`, `account_locked`,
//! `token_replayed`, `counter_regressed`, `device_confirmed`, `device_removed`, `device_unlocked` and
//! `backup_codes_generated`.
//!
//! The stable contract (every field with its type, every event with when it is emitted and
//! what it carries) is documented in the repository at docs/audit.md.

use std::fmt;

use crate::clock::Timestamp;
use crate::user::UserId;

/// The `tracing` target of audit events.
pub const AUDIT_TARGET: &str = "otpkit::audit";

/// The kinds of audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// A token was accepted.
    VerificationSucceeded,
    /// A wrong or malformed token on an allowed device (django-otp's
    /// `otp_verification_failed`).
    VerificationFailed,
    /// A verification was refused by the throttle or lock-out.
    VerificationThrottled,
    /// A TOTP token of an already used step was submitted.
    TokenReplayed,
    /// An authenticator's signature counter did not advance past the stored one (a passkey
    /// or security key that may have been cloned); the attempt was refused.
    CounterRegressed,
    /// The failure count reached the lock-out threshold.
    DeviceLocked,
    /// A failure brought the sum of the failure counts of all of a user's devices to
    /// `OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD` (the account throttle, `OTPKIT_ACCOUNT_THROTTLING`):
    /// every device of the user now refuses.
    AccountLocked,
    /// The owner unlocked a device from another verified device.
    DeviceUnlocked,
    /// Throttling was reset by an administrator or the library.
    ThrottleReset,
    /// A challenge was delivered.
    ChallengeSent,
    /// A challenge could not be generated or delivered.
    ChallengeFailed,
    /// A device was created.
    DeviceCreated,
    /// A device was confirmed.
    DeviceConfirmed,
    /// A device was removed.
    DeviceRemoved,
    /// A batch of backup codes replaced the previous one.
    BackupCodesGenerated,
    /// Sealed keys were re-sealed under the active key.
    KeysRotated,
}

impl EventKind {
    /// The stable event name.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::VerificationSucceeded => "verification_succeeded",
            EventKind::VerificationFailed => "verification_failed",
            EventKind::VerificationThrottled => "verification_throttled",
            EventKind::TokenReplayed => "token_replayed",
            EventKind::CounterRegressed => "counter_regressed",
            EventKind::DeviceLocked => "device_locked",
            EventKind::AccountLocked => "account_locked",
            EventKind::DeviceUnlocked => "device_unlocked",
            EventKind::ThrottleReset => "throttle_reset",
            EventKind::ChallengeSent => "challenge_sent",
            EventKind::ChallengeFailed => "challenge_failed",
            EventKind::DeviceCreated => "device_created",
            EventKind::DeviceConfirmed => "device_confirmed",
            EventKind::DeviceRemoved => "device_removed",
            EventKind::BackupCodesGenerated => "backup_codes_generated",
            EventKind::KeysRotated => "keys_rotated",
        }
    }

    /// Whether the notification hook is called for this kind of event.
    pub fn notifies(self) -> bool {
        matches!(
            self,
            EventKind::DeviceLocked
                | EventKind::AccountLocked
                | EventKind::TokenReplayed
                | EventKind::CounterRegressed
                | EventKind::DeviceConfirmed
                | EventKind::DeviceRemoved
                | EventKind::DeviceUnlocked
                | EventKind::BackupCodesGenerated
        )
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// Whose device (`None` for ring-wide events such as `keys_rotated`).
    pub user: Option<UserId>,
    /// The device's persistent id, when the event concerns one device.
    pub device: Option<String>,
    /// When.
    pub at: Timestamp,
    /// The failure count after the event, where it applies.
    pub failure_count: Option<u32>,
    /// The end of a back-off, where it applies.
    pub locked_until: Option<Timestamp>,
    /// A short outcome or reason code (`invalid`, `malformed`, `LOCKED_OUT`, a count…).
    pub detail: Option<String>,
}

impl Event {
    /// A new event without optional details.
    pub fn new(
        kind: EventKind,
        user: Option<&UserId>,
        device: Option<&str>,
        at: Timestamp,
    ) -> Self {
        Event {
            kind,
            user: user.cloned(),
            device: device.map(str::to_owned),
            at,
            failure_count: None,
            locked_until: None,
            detail: None,
        }
    }
}

/// The application's notification hook (for example, mail the user on a lock-out).
pub trait Notifier: Send + Sync + 'static {
    /// Called once per notifying event, after its state change committed.
    fn notify(&self, event: &Event);
}

/// A notifier that does nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNotifier;

impl Notifier for NoNotifier {
    fn notify(&self, _event: &Event) {}
}

/// Records notified events in memory (for tests).
#[derive(Debug, Clone, Default)]
pub struct RecordingNotifier(std::sync::Arc<std::sync::Mutex<Vec<Event>>>);

impl RecordingNotifier {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every event notified so far.
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// How many events of `kind` were notified.
    pub fn count(&self, kind: EventKind) -> usize {
        self.events().iter().filter(|e| e.kind == kind).count()
    }
}

impl Notifier for RecordingNotifier {
    fn notify(&self, event: &Event) {
        if let Ok(mut g) = self.0.lock() {
            g.push(event.clone());
        }
    }
}

/// Emits `event` to `tracing` and, for notifying kinds, to `notifier`.
///
/// The instants are formatted (RFC 3339, allocating) only when a subscriber records the audit
/// target: profiling showed that formatting them for nobody was ~7% of an in-memory
/// verification (issue 6, BENCHMARKS.md).
pub(crate) fn emit(notifier: &dyn Notifier, event: &Event) {
    if tracing::enabled!(target: AUDIT_TARGET, tracing::Level::INFO) {
        let user = event.user.as_ref().map(UserId::as_str).unwrap_or("");
        let device = event.device.as_deref().unwrap_or("");
        let at = event.at.to_rfc3339();
        let locked_until = event.locked_until.map(|t| t.to_rfc3339());
        tracing::info!(
            target: AUDIT_TARGET,
            event = event.kind.name(),
            user,
            device,
            at = at.as_str(),
            failure_count = event.failure_count,
            locked_until = locked_until.as_deref(),
            detail = event.detail.as_deref(),
            "otpkit audit event"
        );
    }
    if event.kind.notifies() {
        notifier.notify(event);
    }
}
