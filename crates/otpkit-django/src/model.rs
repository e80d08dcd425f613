//! django-otp's rows as read from a Django database, before anything is checked: the
//! columns of django-otp 1.x's tables (`otp_totp_totpdevice`, `otp_hotp_hotpdevice`,
//! `otp_static_staticdevice` with `otp_static_statictoken`, `otp_email_emaildevice`) and the
//! user ids that `auth_user` (or the application's query) maps them to.
//!
//! Instants are read as milliseconds since the Unix epoch (Django stores microseconds in UTC
//! with `USE_TZ = True`; the sub-millisecond part is dropped). Integers are read as `i64`
//! whatever the column's width, so that an impossible value is reported by the import rather
//! than failing the read.

use std::collections::BTreeMap;

use otpkit::Timestamp;

/// The columns every django-otp device has (`Device`, `ThrottlingMixin`, `TimestampMixin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjangoDevice {
    /// The row's primary key: the number in its persistent id (`otp_totp.totpdevice/7`).
    pub id: i64,
    /// `user_id`: the Django user's primary key.
    pub user_id: i64,
    /// `name` (at most 64 characters in django-otp).
    pub name: String,
    /// `confirmed`.
    pub confirmed: bool,
    /// `created_at` (null for rows created before django-otp 1.3's migration).
    pub created_at: Option<Timestamp>,
    /// `last_used_at`.
    pub last_used_at: Option<Timestamp>,
    /// `throttling_failure_count`.
    pub throttling_failure_count: i64,
    /// `throttling_failure_timestamp`.
    pub throttling_failure_timestamp: Option<Timestamp>,
}

/// A row of `otp_totp_totpdevice`.
#[derive(Clone, PartialEq, Eq)]
pub struct DjangoTotp {
    /// The common columns.
    pub device: DjangoDevice,
    /// `key`: the secret in hex, as django-otp stores it (plaintext).
    pub key: String,
    /// `step`.
    pub step: i64,
    /// `t0`.
    pub t0: i64,
    /// `digits`.
    pub digits: i64,
    /// `tolerance`.
    pub tolerance: i64,
    /// `drift`.
    pub drift: i64,
    /// `last_t`.
    pub last_t: i64,
}

/// A row of `otp_hotp_hotpdevice`.
#[derive(Clone, PartialEq, Eq)]
pub struct DjangoHotp {
    /// The common columns.
    pub device: DjangoDevice,
    /// `key`: the secret in hex (plaintext).
    pub key: String,
    /// `digits`.
    pub digits: i64,
    /// `tolerance`.
    pub tolerance: i64,
    /// `counter`: the next counter value expected.
    pub counter: i64,
}

/// A row of `otp_static_staticdevice` with its `otp_static_statictoken` rows.
#[derive(Clone, PartialEq, Eq)]
pub struct DjangoStatic {
    /// The common columns.
    pub device: DjangoDevice,
    /// `token` of each of its static tokens, in ascending token id (plaintext, exactly as
    /// stored).
    pub tokens: Vec<String>,
}

/// A row of `otp_email_emaildevice`. An outstanding `token` is not read: it is valid for
/// minutes, and the user asks for a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjangoEmail {
    /// The common columns.
    pub device: DjangoDevice,
    /// `email` (null or empty: the user's own address is used).
    pub email: Option<String>,
    /// `last_generated_timestamp` (the cooldown).
    pub last_generated_timestamp: Option<Timestamp>,
}

/// Everything the import reads from one Django database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DjangoData {
    /// TOTP devices, ascending id (empty when the table does not exist).
    pub totp: Vec<DjangoTotp>,
    /// HOTP devices, ascending id.
    pub hotp: Vec<DjangoHotp>,
    /// Static devices, ascending id.
    pub static_devices: Vec<DjangoStatic>,
    /// Email devices, ascending id.
    pub email: Vec<DjangoEmail>,
    /// Django user primary key → otpkit user id, for the users that own a device.
    pub users: BTreeMap<i64, String>,
}

// Keys and tokens are secrets: Debug shows their presence and size only.
impl std::fmt::Debug for DjangoTotp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DjangoTotp")
            .field("device", &self.device)
            .field("key", &format_args!("<{} hex characters>", self.key.len()))
            .field("step", &self.step)
            .field("t0", &self.t0)
            .field("digits", &self.digits)
            .field("tolerance", &self.tolerance)
            .field("drift", &self.drift)
            .field("last_t", &self.last_t)
            .finish()
    }
}

impl std::fmt::Debug for DjangoHotp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DjangoHotp")
            .field("device", &self.device)
            .field("key", &format_args!("<{} hex characters>", self.key.len()))
            .field("digits", &self.digits)
            .field("tolerance", &self.tolerance)
            .field("counter", &self.counter)
            .finish()
    }
}

impl std::fmt::Debug for DjangoStatic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DjangoStatic")
            .field("device", &self.device)
            .field("tokens", &format_args!("<{} tokens>", self.tokens.len()))
            .finish()
    }
}
