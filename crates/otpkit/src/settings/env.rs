//! How a setting's value is written in the environment, shared by every layer of settings:
//! the core's [`Settings`](super::Settings), otpkit-axum's web settings and the deployment
//! settings of the command line and the demo.
//!
//! - booleans are exactly `true`, `false`, `1` or `0`;
//! - numbers are unsigned decimal integers (ASCII digits only; no sign, no `_`) within an
//!   inclusive range;
//! - surrounding ASCII whitespace is ignored for booleans and numbers;
//! - an empty value of an *optional* setting (one that defaults to "unset") means unset.
//!
//! Errors name the setting and say what is expected; they never repeat the value, which
//! might be a secret put in the wrong variable.
//!
//! A layer describes its number and boolean settings once, as tables of [`NumberField`] and
//! [`BoolField`] bound to its own struct, and reads and checks them with [`read_numbers`],
//! [`read_bools`] and [`check_numbers`]:
//!
//! ```
//! use otpkit::settings::env::{self, BoolField, EnvError, Number, NumberField};
//!
//! #[derive(Default)]
//! struct Web {
//!     ttl: u32,
//!     optional: bool,
//! }
//!
//! const NUMBERS: &[NumberField<Web>] = &[NumberField {
//!     spec: Number::new("MY_TTL", 60, 900),
//!     get: |w| w.ttl.into(),
//!     set: |w, v| w.ttl = u32::try_from(v).unwrap_or(u32::MAX),
//! }];
//! const BOOLS: &[BoolField<Web>] = &[BoolField {
//!     name: "MY_OPTIONAL",
//!     get: |w| w.optional,
//!     set: |w, v| w.optional = v,
//! }];
//!
//! let lookup = |name: &str| match name {
//!     "MY_TTL" => Some(" 300 ".to_owned()),
//!     "MY_OPTIONAL" => Some("1".to_owned()),
//!     _ => None,
//! };
//! let mut web = Web::default();
//! env::read_numbers(&mut web, NUMBERS, &lookup)?;
//! env::read_bools(&mut web, BOOLS, &lookup)?;
//! assert_eq!((web.ttl, web.optional), (300, true));
//!
//! web.ttl = 5; // set in code: checked again
//! let err = env::check_numbers(&web, NUMBERS).unwrap_err();
//! assert_eq!(err.to_string(), "MY_TTL: is out of range: it must be a whole number from 60 to 900");
//! assert_eq!(
//!     env::parse_bool("MY_OPTIONAL", "yes"),
//!     Err(EnvError::NotABoolean { name: "MY_OPTIONAL" })
//! );
//! # Ok::<(), EnvError>(())
//! ```

/// A value in the environment is not of its setting's syntax. The message names the setting
/// and says what is expected; it never repeats the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvError {
    /// A number setting holds something other than a whole number.
    #[error("{name}: is not a whole number; it must be a whole number from {min} to {max}")]
    NotANumber {
        /// The setting's name.
        name: &'static str,
        /// The smallest value allowed.
        min: u64,
        /// The largest value allowed.
        max: u64,
    },
    /// A number setting is outside its range.
    #[error("{name}: is out of range: it must be a whole number from {min} to {max}")]
    OutOfRange {
        /// The setting's name.
        name: &'static str,
        /// The smallest value allowed.
        min: u64,
        /// The largest value allowed.
        max: u64,
    },
    /// A boolean setting is not `true`, `false`, `1` or `0`.
    #[error("{name}: must be `true`, `false`, `1` or `0`")]
    NotABoolean {
        /// The setting's name.
        name: &'static str,
    },
    /// The environment variable is not valid UTF-8.
    #[error("{name}: is not valid UTF-8")]
    NotUtf8 {
        /// The setting's name.
        name: &'static str,
    },
}

impl EnvError {
    /// The name of the offending setting.
    pub fn name(&self) -> &'static str {
        match self {
            EnvError::NotANumber { name, .. }
            | EnvError::OutOfRange { name, .. }
            | EnvError::NotABoolean { name }
            | EnvError::NotUtf8 { name } => name,
        }
    }
}

/// A number setting: its name and inclusive range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Number {
    /// The setting's name, e.g. `OTPKIT_LOCKOUT_THRESHOLD`.
    pub name: &'static str,
    /// The smallest value allowed.
    pub min: u64,
    /// The largest value allowed.
    pub max: u64,
}

impl Number {
    /// The setting `name`, from `min` to `max` inclusive.
    pub const fn new(name: &'static str, min: u64, max: u64) -> Self {
        Number { name, min, max }
    }

    /// Reads a value from the environment: ASCII digits only, surrounding ASCII whitespace
    /// ignored, within the range. A number too large for `u64` is out of range.
    ///
    /// ```
    /// use otpkit::settings::env::{EnvError, Number};
    /// let n = Number::new("OTPKIT_TOTP_DIGITS", 6, 8);
    /// assert_eq!(n.parse(" 8\n"), Ok(8));
    /// assert!(matches!(n.parse("9"), Err(EnvError::OutOfRange { .. })));
    /// assert!(matches!(n.parse("-1"), Err(EnvError::NotANumber { .. })));
    /// ```
    pub fn parse(&self, raw: &str) -> Result<u64, EnvError> {
        let raw = raw.trim_ascii();
        if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(EnvError::NotANumber {
                name: self.name,
                min: self.min,
                max: self.max,
            });
        }
        // Digits only, so the only parse failure is overflow: out of range.
        let value = raw.parse::<u64>().unwrap_or(u64::MAX);
        self.check(value)?;
        Ok(value)
    }

    /// Checks that `value` is within the range.
    pub fn check(&self, value: u64) -> Result<(), EnvError> {
        if (self.min..=self.max).contains(&value) {
            Ok(())
        } else {
            Err(EnvError::OutOfRange {
                name: self.name,
                min: self.min,
                max: self.max,
            })
        }
    }
}

/// Reads a boolean: exactly `true`, `false`, `1` or `0`, surrounding ASCII whitespace
/// ignored.
///
/// ```
/// use otpkit::settings::env::parse_bool;
/// assert_eq!(parse_bool("OTP_TOTP_SYNC", " 0 "), Ok(false));
/// assert!(parse_bool("OTP_TOTP_SYNC", "TRUE").is_err());
/// ```
pub fn parse_bool(name: &'static str, raw: &str) -> Result<bool, EnvError> {
    match raw.trim_ascii() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(EnvError::NotABoolean { name }),
    }
}

/// The value of an optional setting: `None` for an absent or empty value.
///
/// ```
/// use otpkit::settings::env::optional;
/// assert_eq!(optional(Some(String::new())), None);
/// assert_eq!(optional(Some("x".into())).as_deref(), Some("x"));
/// ```
pub fn optional(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// Checks that each of `names` is unset or valid UTF-8 in the process environment: the first
/// one that is not is [`EnvError::NotUtf8`]. Call it before reading the process environment
/// with [`var`], which cannot tell an invalid value from an absent one.
pub fn check_utf8(names: &[&'static str]) -> Result<(), EnvError> {
    for &name in names {
        if let Some(value) = std::env::var_os(name)
            && value.to_str().is_none()
        {
            return Err(EnvError::NotUtf8 { name });
        }
    }
    Ok(())
}

/// The value of the environment variable `name`, or `None` when it is unset (or not valid
/// UTF-8: see [`check_utf8`]). The lookup that a layer's `from_env` passes to its
/// `from_lookup`.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// A number setting bound to a field of the settings struct `S`.
pub struct NumberField<S> {
    /// The setting's name and range.
    pub spec: Number,
    /// Reads the field.
    pub get: fn(&S) -> u64,
    /// Writes the field (with a value within the range).
    pub set: fn(&mut S, u64),
}

/// A boolean setting bound to a field of the settings struct `S`.
pub struct BoolField<S> {
    /// The setting's name.
    pub name: &'static str,
    /// Reads the field.
    pub get: fn(&S) -> bool,
    /// Writes the field.
    pub set: fn(&mut S, bool),
}

/// Reads every number setting of `fields` that `lookup` gives into `target`. The first
/// invalid value is the error.
pub fn read_numbers<S>(
    target: &mut S,
    fields: &[NumberField<S>],
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<(), EnvError> {
    for field in fields {
        if let Some(raw) = lookup(field.spec.name) {
            (field.set)(target, field.spec.parse(&raw)?);
        }
    }
    Ok(())
}

/// Reads every boolean setting of `fields` that `lookup` gives into `target`. The first
/// invalid value is the error.
pub fn read_bools<S>(
    target: &mut S,
    fields: &[BoolField<S>],
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<(), EnvError> {
    for field in fields {
        if let Some(raw) = lookup(field.name) {
            (field.set)(target, parse_bool(field.name, &raw)?);
        }
    }
    Ok(())
}

/// Checks that every number field of `target` is within its range (for values set in code).
pub fn check_numbers<S>(target: &S, fields: &[NumberField<S>]) -> Result<(), EnvError> {
    for field in fields {
        field.spec.check((field.get)(target))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let n = Number::new("N", 1, 50);
        assert_eq!(n.parse("1"), Ok(1));
        assert_eq!(n.parse(" 50\n"), Ok(50));
        for bad in [
            "", " ", "abc", "-1", "+1", "1.0", "1e3", "1_0", "0x10", "１",
        ] {
            assert_eq!(
                n.parse(bad),
                Err(EnvError::NotANumber {
                    name: "N",
                    min: 1,
                    max: 50
                }),
                "{bad:?}"
            );
        }
        for bad in ["0", "51", "99999999999999999999999"] {
            assert_eq!(
                n.parse(bad),
                Err(EnvError::OutOfRange {
                    name: "N",
                    min: 1,
                    max: 50
                }),
                "{bad:?}"
            );
        }
        assert_eq!(
            n.parse("lots").unwrap_err().to_string(),
            "N: is not a whole number; it must be a whole number from 1 to 50"
        );
    }

    #[test]
    fn booleans_and_optional_values() {
        for (raw, want) in [("true", true), ("1", true), ("false", false), ("0", false)] {
            assert_eq!(parse_bool("B", raw), Ok(want));
        }
        for bad in ["", "yes", "no", "TRUE", "False", "2", "on", "t"] {
            let err = parse_bool("B", bad).unwrap_err();
            assert_eq!(err.name(), "B");
            assert_eq!(err.to_string(), "B: must be `true`, `false`, `1` or `0`");
        }
        assert_eq!(optional(None), None);
        assert_eq!(optional(Some(String::new())), None);
        assert_eq!(optional(Some(" ".into())).as_deref(), Some(" "));
        assert_eq!(
            EnvError::NotUtf8 { name: "X" }.to_string(),
            "X: is not valid UTF-8"
        );
    }
}
