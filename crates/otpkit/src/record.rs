//! The stored shape of a device (docs/behaviour.md §1.2–1.6, §2.1): what every store persists.
//!
//! A device is one stored [`DeviceRecord`], owned by exactly one user. The record carries the
//! fields every kind shares — owner, name, confirmed, timestamps, throttling and cooldown
//! state — plus the kind's own state as JSON text (secrets inside it are sealed, §5.7). Its
//! behaviour comes from its kind ([`crate::kind`]), found by its model label.
//!
//! [`PersistentId`] is the `"{model_label}/{id}"` reference that sessions and forms carry;
//! parsing it never fails loudly: anything invalid is simply not found (§1.6).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::user::UserId;

/// The largest number of Unicode scalar values in a device name.
pub const MAX_NAME_CHARS: usize = 64;

/// A device's database key: a positive 64-bit integer.
pub type DeviceId = i64;

/// The throttling fields of every device (docs/behaviour.md §2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ThrottleState {
    /// Consecutive failures since the last success or reset; saturates, never wraps.
    pub failure_count: u32,
    /// When the last failure happened.
    pub failure_timestamp: Option<Timestamp>,
}

/// One stored device: the common fields and the kind's state.
///
/// This is the storage shape that every [`crate::store::DeviceStore`] persists exactly.
/// `state` is the kind's JSON state; `version` rises by one with every write, so a store can
/// compare-and-set and a test can count state writes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// The positive integer key.
    pub id: DeviceId,
    /// The owner. Never changes after insert.
    pub user: UserId,
    /// The kind's model label, lower case (`otp_totp.totpdevice`).
    pub model_label: String,
    /// Human-readable name, 0 to 64 characters.
    pub name: String,
    /// `false` while the device is still being enrolled.
    pub confirmed: bool,
    /// Set on insert, never changed.
    pub created_at: Timestamp,
    /// Set with every successful verification.
    pub last_used_at: Option<Timestamp>,
    /// Throttling state.
    pub throttle: ThrottleState,
    /// The cooldown's `last_generated_timestamp` (docs/behaviour.md §2.4).
    pub last_generated_at: Option<Timestamp>,
    /// The kind's own state, JSON. Secrets inside are sealed or hashed.
    pub state: String,
    /// Rises by one with every write of this record.
    pub version: i64,
    /// The id this device had in the system it was imported from (django-otp's primary key),
    /// which its persistent id keeps; `None` for a device created by otpkit. Set by
    /// [`DeviceStore::import`](crate::store::DeviceStore::import), never changed afterwards.
    pub imported_id: Option<DeviceId>,
}

impl DeviceRecord {
    /// The persistent id `"{model_label}/{n}"`, where `n` is the imported id of an imported
    /// device and the id otherwise.
    pub fn persistent_id(&self) -> String {
        format!("{}/{}", self.model_label, self.pid_number())
    }

    /// The number in the persistent id: the imported id, else the id.
    pub fn pid_number(&self) -> DeviceId {
        self.imported_id.unwrap_or(self.id)
    }
}

impl fmt::Debug for DeviceRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The state holds only sealed or hashed secrets, but it is still left out.
        f.debug_struct("DeviceRecord")
            .field("id", &self.id)
            .field("user", &self.user)
            .field("model_label", &self.model_label)
            .field("name", &self.name)
            .field("confirmed", &self.confirmed)
            .field("created_at", &self.created_at)
            .field("last_used_at", &self.last_used_at)
            .field("throttle", &self.throttle)
            .field("last_generated_at", &self.last_generated_at)
            .field("version", &self.version)
            .field("imported_id", &self.imported_id)
            .finish_non_exhaustive()
    }
}

/// What a new device starts with; the store assigns the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    /// The owner.
    pub user: UserId,
    /// The kind's model label.
    pub model_label: String,
    /// The validated name.
    pub name: String,
    /// Whether the device counts for login right away.
    pub confirmed: bool,
    /// `now` at insert.
    pub created_at: Timestamp,
}

/// Why a device name was refused (docs/behaviour.md §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidName {
    /// More than 64 characters.
    #[error("the device name is longer than 64 characters")]
    TooLong,
    /// A control character.
    #[error("the device name contains a control character")]
    ControlCharacter,
}

/// Checks a device name: 0 to 64 Unicode scalar values, no control characters.
///
/// ```
/// use otpkit::device::{validate_name, InvalidName};
/// assert!(validate_name(&"é".repeat(64)).is_ok());
/// assert_eq!(validate_name(&"a".repeat(65)), Err(InvalidName::TooLong));
/// assert_eq!(validate_name("a\nb"), Err(InvalidName::ControlCharacter));
/// ```
pub fn validate_name(name: &str) -> Result<(), InvalidName> {
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(InvalidName::TooLong);
    }
    if name.chars().any(char::is_control) {
        return Err(InvalidName::ControlCharacter);
    }
    Ok(())
}

/// A parsed persistent id: a model label (lower-cased) and a positive id (docs/behaviour.md §1.6).
///
/// Parsing checks the syntax only; whether the label is registered and the device exists is
/// the engine's question. Every failure is `None` — never an error, never a panic.
///
/// ```
/// use otpkit::PersistentId;
/// let pid = PersistentId::parse("otp_totp.TOTPDevice/1").unwrap();
/// assert_eq!(pid.to_string(), "otp_totp.totpdevice/1");
/// assert!(PersistentId::parse("otp_totp.totpdevice/01").is_none());
/// assert!(PersistentId::parse("otp_totp.totpdevice/9223372036854775808").is_none());
/// assert!(PersistentId::parse("nonsense").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersistentId {
    label: String,
    id: DeviceId,
}

impl PersistentId {
    /// A persistent id from its parts (the label is lower-cased).
    pub fn new(model_label: &str, id: DeviceId) -> Self {
        PersistentId {
            label: model_label.to_ascii_lowercase(),
            id,
        }
    }

    /// Parses `"{label}/{id}"`: at most 128 bytes; the id after the last `/` matches
    /// `[1-9][0-9]{0,18}` and fits in an `i64`; the label is a syntactically valid model
    /// label, compared ASCII case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() > 128 {
            return None;
        }
        let (label, id) = s.rsplit_once('/')?;
        let bytes = id.as_bytes();
        let first = *bytes.first()?;
        if !(b'1'..=b'9').contains(&first)
            || bytes.len() > 19
            || !bytes.iter().all(u8::is_ascii_digit)
        {
            return None;
        }
        let id: i64 = id.parse().ok()?;
        let label = label.to_ascii_lowercase();
        if !is_valid_label(&label) {
            return None;
        }
        Some(PersistentId { label, id })
    }

    /// Rewrites a legacy id (django-otp before 0.4.1): a label with more than one `.` becomes
    /// its third-from-last and last parts (docs/behaviour.md §1.6). Only the middleware uses this.
    ///
    /// ```
    /// use otpkit::PersistentId;
    /// let pid = PersistentId::parse_legacy(
    ///     "django_otp.plugins.otp_static.models.StaticDevice/1").unwrap();
    /// assert_eq!(pid.to_string(), "otp_static.staticdevice/1");
    /// ```
    pub fn parse_legacy(s: &str) -> Option<Self> {
        if s.len() > 128 {
            return None;
        }
        let (label, id) = s.rsplit_once('/')?;
        let parts: Vec<&str> = label.split('.').collect();
        if parts.len() <= 2 {
            return Self::parse(s);
        }
        let n = parts.len();
        let app = parts.get(n.checked_sub(3)?)?;
        let model = parts.last()?;
        Self::parse(&format!("{app}.{model}/{id}"))
    }

    /// The lower-case model label.
    pub fn model_label(&self) -> &str {
        &self.label
    }

    /// The device id.
    pub fn id(&self) -> DeviceId {
        self.id
    }
}

impl fmt::Display for PersistentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.label, self.id)
    }
}

/// Whether `label` matches `[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*` (docs/behaviour.md §1.2).
pub fn is_valid_label(label: &str) -> bool {
    fn part(p: &str) -> bool {
        let mut chars = p.chars();
        matches!(chars.next(), Some('a'..='z'))
            && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
    }
    match label.split_once('.') {
        Some((app, model)) => part(app) && part(model),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persistent_id_rules() {
        let ok = [
            ("otp_totp.totpdevice/1", "otp_totp.totpdevice", 1),
            ("otp_totp.TOTPDevice/1", "otp_totp.totpdevice", 1),
            (
                "otp_hotp.hotpdevice/9223372036854775807",
                "otp_hotp.hotpdevice",
                i64::MAX,
            ),
        ];
        for (s, label, id) in ok {
            let pid = PersistentId::parse(s).unwrap();
            assert_eq!((pid.model_label(), pid.id()), (label, id), "{s}");
        }
        let bad = [
            "",
            "/",
            "otp_totp.totpdevice/",
            "otp_totp.totpdevice/0",
            "otp_totp.totpdevice/-1",
            "otp_totp.totpdevice/+1",
            "otp_totp.totpdevice/01",
            "otp_totp.totpdevice/1a",
            "otp_totp.totpdevice/ 1",
            "otp_totp.totpdevice/9223372036854775808",
            "otp_totp.totpdevice/99999999999999999999",
            "otp_totp.totpdevice/١",
            "otp_totp/1",
            "auth.user.x/1",
            "1otp.x/1",
            "/1",
            "a.b/1/",
        ];
        for s in bad {
            assert!(PersistentId::parse(s).is_none(), "{s:?} must not parse");
        }
        let long = format!("{}.x/1", "a".repeat(125));
        assert_eq!(long.len(), 129);
        assert!(PersistentId::parse(&long).is_none());
        let just = format!("{}.x/1", "a".repeat(124));
        assert!(PersistentId::parse(&just).is_some());
    }

    #[test]
    fn legacy_ids() {
        let pid =
            PersistentId::parse_legacy("django_otp.plugins.otp_totp.models.TOTPDevice/7").unwrap();
        assert_eq!(pid.to_string(), "otp_totp.totpdevice/7");
        assert!(PersistentId::parse_legacy("a.b.c/x").is_none());
        assert_eq!(
            PersistentId::parse_legacy("otp_totp.totpdevice/3")
                .unwrap()
                .id(),
            3
        );
    }

    #[test]
    fn names() {
        assert!(validate_name("").is_ok());
        assert!(validate_name(&"x".repeat(64)).is_ok());
        assert_eq!(validate_name(&"x".repeat(65)), Err(InvalidName::TooLong));
        assert_eq!(validate_name("\u{7f}"), Err(InvalidName::ControlCharacter));
    }
}
