//! Devices imported from another system with their ids and state (django-otp's, through
//! `otpkit-django`): what [`Engine::import_devices`](crate::Engine::import_devices) takes.
//!
//! The importer hands over plaintext keys and codes, as the other system stored them; the
//! engine seals every key and hashes every code to the device's persistent id on the way in,
//! and the store keeps each device's imported id, so that `otp_totp.totpdevice/7` stays
//! `otp_totp.totpdevice/7`.

use crate::clock::Timestamp;
use crate::kind::DeviceKind;
use crate::kind::email::{AddressError, EmailDevice, parse_address};
use crate::kind::hotp::{HotpDevice, MAX_COUNTER};
use crate::kind::static_token::StaticDevice;
use crate::kind::totp::TotpDevice;
use crate::oath::Digits;
use crate::record::{DeviceId, InvalidName, ThrottleState, validate_name};
use crate::secret::{SecretBytes, SecretString};

/// The shortest key otpkit generates or accepts for a new device (RFC 4226 R6); an imported
/// key below it is kept as a legacy key.
pub const MIN_KEY_BYTES: usize = 16;

/// The longest key otpkit keeps.
pub const MAX_KEY_BYTES: usize = 64;

/// One device to import: the fields every device has, and its kind's data in plaintext.
pub struct ImportDevice {
    /// The number of the persistent id it keeps (django-otp's primary key).
    pub imported_id: DeviceId,
    /// The name (0 to 64 characters).
    pub name: String,
    /// Whether it counts for login.
    pub confirmed: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last verified.
    pub last_used_at: Option<Timestamp>,
    /// Failure count and time, carried over unchanged.
    pub throttle: ThrottleState,
    /// The last challenge (cooldown), for email devices.
    pub last_generated_at: Option<Timestamp>,
    /// The kind and its data.
    pub kind: ImportKind,
}

/// The kind of an imported device and its data (SHA-1, as django-otp uses).
pub enum ImportKind {
    /// `otp_totp.totpdevice`.
    Totp {
        /// The key (1 to 64 bytes; below 16 it is a legacy key).
        key: SecretBytes,
        /// Time step, 1 to 120 seconds.
        step: u32,
        /// Unix time of step 0.
        t0: i64,
        /// 6, 7 or 8.
        digits: u8,
        /// 0 to 10 steps.
        tolerance: u8,
        /// The prover's clock offset in steps.
        drift: i16,
        /// The step of the last accepted token, −1 before the first.
        last_t: i64,
    },
    /// `otp_hotp.hotpdevice`.
    Hotp {
        /// The key (1 to 64 bytes).
        key: SecretBytes,
        /// 6, 7 or 8.
        digits: u8,
        /// 0 to 20 counters.
        tolerance: u8,
        /// The next counter expected.
        counter: u64,
    },
    /// `otp_static.staticdevice`: its codes exactly as stored.
    Static {
        /// The codes (see [`StaticDevice::import_code`]).
        codes: Vec<SecretString>,
    },
    /// `otp_email.emaildevice`.
    Email {
        /// The device's own address; `None`: the user's.
        email: Option<String>,
    },
}

/// Why a device cannot be imported; nothing of it is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportRefusal {
    /// The id is not positive.
    #[error("the id {0} is not positive")]
    Id(DeviceId),
    /// An empty key.
    #[error("the key is empty")]
    EmptyKey,
    /// A key over 64 bytes.
    #[error("the key is longer than 64 bytes")]
    KeyTooLong,
    /// A TOTP step outside 1–120 s.
    #[error("the time step {0} is outside 1 to 120 seconds")]
    Step(i64),
    /// Digits other than 6, 7 or 8.
    #[error("{0} digits: otpkit takes 6, 7 or 8")]
    Digits(i64),
    /// A tolerance beyond the kind's limit (TOTP 10 steps, HOTP 20 counters).
    #[error("the tolerance {0} is above the limit")]
    Tolerance(i64),
    /// A counter outside 0 to 2^63 − 1, or a drift outside a signed 16-bit number.
    #[error("the {0} is out of range")]
    OutOfRange(&'static str),
    /// An invalid name.
    #[error("the name: {0}")]
    Name(#[from] InvalidName),
    /// An invalid email address.
    #[error("the email address: {0}")]
    Email(#[from] AddressError),
}

impl ImportDevice {
    /// The model label of its kind.
    pub fn model_label(&self) -> &'static str {
        match self.kind {
            ImportKind::Totp { .. } => TotpDevice::MODEL_LABEL,
            ImportKind::Hotp { .. } => HotpDevice::MODEL_LABEL,
            ImportKind::Static { .. } => StaticDevice::MODEL_LABEL,
            ImportKind::Email { .. } => EmailDevice::MODEL_LABEL,
        }
    }

    /// The persistent id it keeps.
    pub fn persistent_id(&self) -> String {
        format!("{}/{}", self.model_label(), self.imported_id)
    }

    /// Whether its key is shorter than [`MIN_KEY_BYTES`]: it verifies, and is reported
    /// "re-enrol recommended".
    pub fn legacy_key(&self) -> bool {
        match &self.kind {
            ImportKind::Totp { key, .. } | ImportKind::Hotp { key, .. } => {
                key.len() < MIN_KEY_BYTES
            }
            ImportKind::Static { .. } | ImportKind::Email { .. } => false,
        }
    }

    /// Checks everything otpkit must be able to keep; [`Engine::import_devices`](crate::Engine::import_devices) runs it
    /// too, and an importer reports a refusal as a skipped device.
    pub fn check(&self) -> Result<(), ImportRefusal> {
        if self.imported_id <= 0 {
            return Err(ImportRefusal::Id(self.imported_id));
        }
        validate_name(&self.name)?;
        match &self.kind {
            ImportKind::Totp {
                key,
                step,
                digits,
                tolerance,
                ..
            } => {
                check_key(key)?;
                if !(1..=120).contains(step) {
                    return Err(ImportRefusal::Step(i64::from(*step)));
                }
                check_digits(*digits)?;
                check_tolerance(*tolerance, 10)
            }
            ImportKind::Hotp {
                key,
                digits,
                tolerance,
                counter,
            } => {
                check_key(key)?;
                check_digits(*digits)?;
                check_tolerance(*tolerance, 20)?;
                match *counter > MAX_COUNTER {
                    true => Err(ImportRefusal::OutOfRange("counter")),
                    false => Ok(()),
                }
            }
            ImportKind::Static { .. } => Ok(()),
            ImportKind::Email { email } => match email {
                Some(a) => parse_address(a).map(drop).map_err(Into::into),
                None => Ok(()),
            },
        }
    }
}

fn check_key(key: &SecretBytes) -> Result<(), ImportRefusal> {
    match key.len() {
        0 => Err(ImportRefusal::EmptyKey),
        n if n > MAX_KEY_BYTES => Err(ImportRefusal::KeyTooLong),
        _ => Ok(()),
    }
}

fn check_digits(digits: u8) -> Result<(), ImportRefusal> {
    digits_of(digits).map(drop)
}

pub(crate) fn digits_of(digits: u8) -> Result<Digits, ImportRefusal> {
    Digits::new(digits).map_err(|_| ImportRefusal::Digits(i64::from(digits)))
}

fn check_tolerance(tolerance: u8, max: u8) -> Result<(), ImportRefusal> {
    match tolerance > max {
        true => Err(ImportRefusal::Tolerance(i64::from(tolerance))),
        false => Ok(()),
    }
}
