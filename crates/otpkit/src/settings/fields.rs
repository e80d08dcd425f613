//! The number and boolean settings of [`Settings`], with their ranges and fields.

use super::Settings;
use super::env::{BoolField, Number, NumberField};

fn to_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn to_u8(v: u64) -> u8 {
    u8::try_from(v).unwrap_or(u8::MAX)
}

/// The number settings with their ranges.
pub(super) const NUMBERS: &[NumberField<Settings>] = &[
    NumberField {
        spec: Number::new("OTP_TOTP_THROTTLE_FACTOR", 0, 86_400),
        get: |s| s.totp.throttle_factor.into(),
        set: |s, v| s.totp.throttle_factor = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTP_HOTP_THROTTLE_FACTOR", 0, 86_400),
        get: |s| s.hotp.throttle_factor.into(),
        set: |s, v| s.hotp.throttle_factor = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTP_STATIC_THROTTLE_FACTOR", 0, 86_400),
        get: |s| s.static_codes.throttle_factor.into(),
        set: |s, v| s.static_codes.throttle_factor = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTP_EMAIL_TOKEN_VALIDITY", 1, 600),
        get: |s| s.email.token_validity.into(),
        set: |s, v| s.email.token_validity = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTP_EMAIL_THROTTLE_FACTOR", 0, 86_400),
        get: |s| s.email.throttle_factor.into(),
        set: |s, v| s.email.throttle_factor = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTP_EMAIL_COOLDOWN_DURATION", 0, 86_400),
        get: |s| s.email.cooldown_duration.into(),
        set: |s, v| s.email.cooldown_duration = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_THROTTLE_MAX_DELAY", 1, 3_153_600_000),
        get: |s| s.throttle.max_delay,
        set: |s, v| s.throttle.max_delay = v,
    },
    NumberField {
        spec: Number::new("OTPKIT_LOCKOUT_THRESHOLD", 0, 10_000),
        get: |s| s.throttle.lockout_threshold.into(),
        set: |s, v| s.throttle.lockout_threshold = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD", 0, 20_000),
        get: |s| s.throttle.account_lockout_threshold.into(),
        set: |s, v| s.throttle.account_lockout_threshold = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_TOTP_DIGITS", 6, 8),
        get: |s| s.totp.digits.into(),
        set: |s, v| s.totp.digits = to_u8(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_TOTP_STEP", 1, 120),
        get: |s| s.totp.step.into(),
        set: |s, v| s.totp.step = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_TOTP_TOLERANCE", 0, 10),
        get: |s| s.totp.tolerance.into(),
        set: |s, v| s.totp.tolerance = to_u8(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_HOTP_TOLERANCE", 0, 20),
        get: |s| s.hotp.tolerance.into(),
        set: |s, v| s.hotp.tolerance = to_u8(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_STATIC_BATCH_SIZE", 1, 50),
        get: |s| s.static_codes.batch_size.into(),
        set: |s, v| s.static_codes.batch_size = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_EMAIL_TOKEN_LENGTH", 6, 8),
        get: |s| s.email.token_length.into(),
        set: |s, v| s.email.token_length = to_u8(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_EMAIL_MAX_ATTEMPTS", 1, 10),
        get: |s| s.email.max_attempts.into(),
        set: |s, v| s.email.max_attempts = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_EMAIL_ACCOUNT_COOLDOWN", 0, 86_400),
        get: |s| s.email.account_cooldown.into(),
        set: |s, v| s.email.account_cooldown = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_EMAIL_HOURLY_LIMIT", 0, 1000),
        get: |s| s.email.hourly_limit.into(),
        set: |s, v| s.email.hourly_limit = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT", 0, 1000),
        get: |s| s.email.address_hourly_limit.into(),
        set: |s, v| s.email.address_hourly_limit = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_ENROLMENT_TTL", 60, 86_400),
        get: |s| s.enrolment.ttl.into(),
        set: |s, v| s.enrolment.ttl = to_u32(v),
    },
];

/// The boolean settings.
pub(super) const BOOLS: &[BoolField<Settings>] = &[
    BoolField {
        name: "OTP_TOTP_SYNC",
        get: |s| s.totp.sync,
        set: |s, v| s.totp.sync = v,
    },
    BoolField {
        name: "OTPKIT_ACCOUNT_THROTTLING",
        get: |s| s.throttle.account_throttling,
        set: |s, v| s.throttle.account_throttling = v,
    },
];
