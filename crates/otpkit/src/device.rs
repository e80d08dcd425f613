//! [`Device`]: a device as callers see it — its stored record and its kind — and the
//! record types it is made of.
//!
//! The engine hands out [`Device`]s; stores persist [`DeviceRecord`]s (defined in
//! [`crate::record`] and re-exported here, so `otpkit::device::DeviceRecord` and
//! `otpkit::record::DeviceRecord` name the same type).

use std::fmt;

use crate::clock::Timestamp;
use crate::kind::KindHandle;
use crate::policy::throttle_reset;
use crate::user::UserId;

pub use crate::record::{
    DeviceId, DeviceRecord, InvalidName, MAX_NAME_CHARS, NewDevice, PersistentId, ThrottleState,
    is_valid_label, validate_name,
};

/// A device as callers see it: its record and its kind.
#[derive(Clone)]
pub struct Device {
    pub(crate) record: DeviceRecord,
    pub(crate) kind: KindHandle,
}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Device")
            .field("persistent_id", &self.persistent_id())
            .field("record", &self.record)
            .finish()
    }
}

/// `__str__`: `"{name} ({user})"`.
impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.record.name, self.record.user)
    }
}

impl Device {
    /// The stored record.
    pub fn record(&self) -> &DeviceRecord {
        &self.record
    }
    /// The database id.
    pub fn id(&self) -> i64 {
        self.record.id
    }
    /// The owner.
    pub fn user(&self) -> &UserId {
        &self.record.user
    }
    /// The name.
    pub fn name(&self) -> &str {
        &self.record.name
    }
    /// Whether the device counts for login.
    pub fn confirmed(&self) -> bool {
        self.record.confirmed
    }
    /// `"{model_label}/{id}"`.
    pub fn persistent_id(&self) -> String {
        self.record.persistent_id()
    }
    /// The kind's model label.
    pub fn model_label(&self) -> &'static str {
        self.kind.model_label()
    }
    /// The kind's verbose name.
    pub fn verbose_name(&self) -> &'static str {
        self.kind.verbose_name()
    }
    /// `is_interactive()`.
    pub fn is_interactive(&self) -> bool {
        self.kind.is_interactive()
    }
    /// When the device was created.
    pub fn created_at(&self) -> Timestamp {
        self.record.created_at
    }
    /// The last successful verification.
    pub fn last_used_at(&self) -> Option<Timestamp> {
        self.record.last_used_at
    }
    /// Throttling fields.
    pub fn throttle(&self) -> ThrottleState {
        self.record.throttle
    }
    /// The cooldown's last generation instant.
    pub fn last_generated_at(&self) -> Option<Timestamp> {
        self.record.last_generated_at
    }

    /// `throttle_reset(commit = false)`: clears the throttle of this in-memory copy only.
    /// [`Engine::throttle_reset`](crate::Engine::throttle_reset) is the committing form.
    pub fn throttle_reset(&mut self) {
        throttle_reset(&mut self.record.throttle);
    }
    /// `throttle_increment(commit = false)` on this in-memory copy.
    pub fn throttle_increment(&mut self, now: Timestamp) {
        self.record.throttle.failure_count = self.record.throttle.failure_count.saturating_add(1);
        self.record.throttle.failure_timestamp = Some(now);
    }
    /// `cooldown_set(commit = false)` on this in-memory copy.
    pub fn cooldown_set(&mut self, now: Timestamp) {
        crate::policy::cooldown_set(&mut self.record, now);
    }
    /// `cooldown_reset(commit = false)` on this in-memory copy.
    pub fn cooldown_reset(&mut self) {
        crate::policy::cooldown_reset(&mut self.record);
    }
    /// `set_last_used_timestamp(commit = false)` on this in-memory copy.
    pub fn set_last_used_timestamp(&mut self, now: Timestamp) {
        crate::policy::set_last_used_timestamp(&mut self.record, now);
    }
}
