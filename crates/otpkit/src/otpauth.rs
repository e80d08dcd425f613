//! `otpauth://` provisioning URIs (Google's Key URI format), docs/behaviour.md §5.5.
//!
//! [`OtpAuth::to_uri`] writes the one canonical form otpkit emits:
//!
//! ```text
//! otpauth://{totp|hotp}/{label}?secret={S}&algorithm={A}&digits={D}&{period|counter}={n}[&issuer={I}][&image={M}]
//! ```
//!
//! with the parameters always in this order, the key as upper-case base32 without `=`
//! padding, the issuer (every `:` removed, used only if non-empty) as a label prefix joined
//! by a **literal** colon, and every other byte outside the RFC 3986 unreserved set
//! percent-encoded.
//!
//! [`parse`] is the strict reader for the CLI and admin import: it accepts otpkit's output,
//! django-otp's (padding as `%3D`) and the common authenticator exports, and rejects
//! everything ambiguous with a [`UriError`] naming the rule. `parse(x.to_uri()) == x` for every
//! valid configuration (property-tested).
//!
//! ```
//! use otpkit::SecretBytes;
//! use otpkit::oath::{Algorithm, Digits};
//! use otpkit::otpauth::{parse, OtpAuth, OtpAuthKind};
//!
//! let config = OtpAuth {
//!     kind: OtpAuthKind::Totp { period: 30 },
//!     secret: SecretBytes::new(b"12345678901234567890".to_vec()),
//!     algorithm: Algorithm::Sha1,
//!     digits: Digits::SIX,
//!     issuer: Some("example.com".into()),
//!     account: "alice".into(),
//!     image: None,
//! };
//! let uri = config.to_uri();
//! assert_eq!(
//!     uri.expose(),
//!     "otpauth://totp/example.com:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
//!      &algorithm=SHA1&digits=6&period=30&issuer=example.com"
//! );
//! assert_eq!(parse(uri.expose()).unwrap(), config);
//! ```

use std::fmt::Write as _;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::encoding::{
    MAX_SECRET_INPUT_BYTES, SecretError, check_key_len, decode_base32_secret, encode_base32,
};
use crate::oath::{Algorithm, Digits};
use crate::secret::{SecretBytes, SecretString};

/// URIs longer than this many bytes are rejected before parsing.
pub const MAX_URI_BYTES: usize = 2048;

/// The default TOTP period in seconds.
pub const DEFAULT_PERIOD: u32 = 30;

/// The largest TOTP period [`parse`] accepts, in seconds (the TOTP kind's step range).
pub const MAX_PERIOD: u32 = 120;

/// The largest HOTP counter: 2^63 − 1.
pub const MAX_COUNTER: u64 = i64::MAX as u64;

/// TOTP or HOTP, with the parameter that only that type has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OtpAuthKind {
    /// Time-based (`otpauth://totp/`).
    Totp {
        /// The step in seconds (`period`, 1–120).
        period: u32,
    },
    /// Counter-based (`otpauth://hotp/`).
    Hotp {
        /// The next counter value (`counter`, 0 to 2^63 − 1).
        counter: u64,
    },
}

impl OtpAuthKind {
    /// `totp` or `hotp`.
    pub const fn as_str(self) -> &'static str {
        match self {
            OtpAuthKind::Totp { .. } => "totp",
            OtpAuthKind::Hotp { .. } => "hotp",
        }
    }
}

/// One provisioning configuration: everything an authenticator app needs.
///
/// `Debug` redacts the secret. Equality compares the secret in constant time.
#[derive(Debug, Clone)]
pub struct OtpAuth {
    /// TOTP with its period, or HOTP with its counter.
    pub kind: OtpAuthKind,
    /// The OATH key.
    pub secret: SecretBytes,
    /// The HMAC algorithm.
    pub algorithm: Algorithm,
    /// Digits per token.
    pub digits: Digits,
    /// The issuer (service name). `:` is removed on output; `None` or empty means none.
    pub issuer: Option<String>,
    /// The account name: the user's display name. Must be non-empty to parse back.
    pub account: String,
    /// An image URL (TOTP only; ignored for HOTP). `None` or empty means none.
    pub image: Option<String>,
}

impl PartialEq for OtpAuth {
    fn eq(&self, other: &Self) -> bool {
        let same_secret: bool = self.secret.expose().ct_eq(other.secret.expose()).into();
        same_secret
            && self.kind == other.kind
            && self.algorithm == other.algorithm
            && self.digits == other.digits
            && self.issuer == other.issuer
            && self.account == other.account
            && self.image == other.image
    }
}

impl Eq for OtpAuth {}

/// Why an otpauth URI was rejected. Messages never contain the secret (or any input text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// More than [`MAX_URI_BYTES`] bytes.
    #[error("the URI is longer than {max} bytes")]
    TooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// The URI does not start with exactly `otpauth://totp/` or `otpauth://hotp/`.
    #[error("the URI must start with otpauth://totp/ or otpauth://hotp/")]
    Prefix,
    /// The URI has a `#` fragment.
    #[error("the URI must not have a fragment (#…)")]
    Fragment,
    /// A space, control character or non-ASCII character appears literally in the URI.
    #[error("the URI contains a character that must be percent-encoded")]
    InvalidCharacter,
    /// The label has more than one literal `:`.
    #[error("the label has more than one ':' (issuer:account); encode other colons as %3A")]
    LabelColon,
    /// The label's account part is empty.
    #[error("the account name in the label is empty")]
    EmptyAccount,
    /// The label's issuer prefix or the `issuer` parameter is empty.
    #[error("the issuer is empty")]
    EmptyIssuer,
    /// A `%` not followed by two hex digits.
    #[error("invalid percent-encoding")]
    PercentEncoding,
    /// A percent-decoded part is not valid UTF-8.
    #[error("a percent-decoded part is not valid UTF-8")]
    Utf8,
    /// The decoded label or issuer contains a control character.
    #[error("the label or issuer contains a control character")]
    ControlCharacter,
    /// A known parameter appears twice.
    #[error("the parameter {name} appears more than once")]
    DuplicateParameter {
        /// The parameter's name.
        name: &'static str,
    },
    /// No `secret` parameter.
    #[error("the secret parameter is missing")]
    MissingSecret,
    /// The secret is not valid base32 or has a bad length.
    #[error("invalid secret: {0}")]
    Secret(#[source] SecretError),
    /// `algorithm` is not `SHA1`, `SHA256` or `SHA512`.
    #[error("the algorithm must be SHA1, SHA256 or SHA512")]
    Algorithm,
    /// `digits` is not `6`, `7` or `8`.
    #[error("digits must be 6, 7 or 8")]
    Digits,
    /// `period` is not a whole number of seconds in 1–120.
    #[error("period must be a whole number of seconds from 1 to {max}")]
    Period {
        /// The largest accepted period.
        max: u32,
    },
    /// An HOTP URI without `counter`.
    #[error("an HOTP URI needs a counter parameter")]
    MissingCounter,
    /// `counter` is not a whole number in 0 to 2^63 − 1.
    #[error("counter must be a whole number from 0 to 9223372036854775807")]
    Counter,
    /// The label's issuer prefix differs from the `issuer` parameter.
    #[error("the label's issuer prefix differs from the issuer parameter")]
    IssuerMismatch,
}

impl From<SecretError> for UriError {
    fn from(e: SecretError) -> Self {
        UriError::Secret(e)
    }
}

/// RFC 3986 unreserved characters: never percent-encoded.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes `s` into `out`: every byte except the unreserved set and `keep`.
fn enc_into(out: &mut String, s: &str, keep: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if is_unreserved(b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            for nibble in [b >> 4, b & 0x0F] {
                if let Some(&h) = HEX.get(usize::from(nibble)) {
                    out.push(char::from(h));
                }
            }
        }
    }
}

/// `Some(s)` if `s` is non-empty.
fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

impl OtpAuth {
    /// The issuer as written: every `:` removed; `None` if nothing is left.
    fn effective_issuer(&self) -> Option<String> {
        let issuer: String = self
            .issuer
            .as_deref()?
            .chars()
            .filter(|&c| c != ':')
            .collect();
        (!issuer.is_empty()).then_some(issuer)
    }

    /// The provisioning URI (docs/behaviour.md §5.5), byte for byte. It carries the key, hence the
    /// [`SecretString`].
    ///
    /// ```
    /// use otpkit::SecretBytes;
    /// use otpkit::oath::{Algorithm, Digits};
    /// use otpkit::otpauth::{OtpAuth, OtpAuthKind};
    ///
    /// let config = OtpAuth {
    ///     kind: OtpAuthKind::Hotp { counter: 0 },
    ///     secret: SecretBytes::new(b"12345678901234567890".to_vec()),
    ///     algorithm: Algorithm::Sha1,
    ///     digits: Digits::SIX,
    ///     issuer: None,
    ///     account: "alice@x".into(),
    ///     image: None,
    /// };
    /// assert_eq!(
    ///     config.to_uri().expose(),
    ///     "otpauth://hotp/alice%40x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
    ///      &algorithm=SHA1&digits=6&counter=0"
    /// );
    /// ```
    pub fn to_uri(&self) -> SecretString {
        let issuer = self.effective_issuer();
        let image = match self.kind {
            OtpAuthKind::Totp { .. } => non_empty(self.image.as_deref()),
            OtpAuthKind::Hotp { .. } => None,
        };
        let secret = Zeroizing::new(encode_base32(self.secret.expose()));
        // An upper bound on the length, so the buffer holding the key never reallocates.
        let issuer_len = issuer.as_ref().map_or(0, String::len);
        let capacity = 128
            + secret.len()
            + 3 * (2 * issuer_len + self.account.len() + image.map_or(0, str::len));
        let mut uri = String::with_capacity(capacity);
        uri.push_str("otpauth://");
        uri.push_str(self.kind.as_str());
        uri.push('/');
        if let Some(issuer) = &issuer {
            enc_into(&mut uri, issuer, b"");
            uri.push(':');
        }
        enc_into(&mut uri, &self.account, b"");
        uri.push_str("?secret=");
        uri.push_str(&secret);
        uri.push_str("&algorithm=");
        uri.push_str(self.algorithm.as_str());
        // Writing into a String cannot fail.
        let _ = write!(uri, "&digits={}", self.digits.get());
        let _ = match self.kind {
            OtpAuthKind::Totp { period } => write!(uri, "&period={period}"),
            OtpAuthKind::Hotp { counter } => write!(uri, "&counter={counter}"),
        };
        if let Some(issuer) = &issuer {
            uri.push_str("&issuer=");
            enc_into(&mut uri, issuer, b"");
        }
        if let Some(image) = image {
            uri.push_str("&image=");
            enc_into(&mut uri, image, b":/");
        }
        SecretString::new(uri)
    }
}

/// Value of one hex digit.
fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `s` into bytes (a `+` stays a `+`). The buffer is zeroed on drop.
fn percent_decode(s: &str) -> Result<Zeroizing<Vec<u8>>, UriError> {
    let mut out = Zeroizing::new(Vec::with_capacity(s.len()));
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hi = bytes.next().and_then(hex_val);
            let lo = bytes.next().and_then(hex_val);
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push((hi << 4) | lo),
                _ => return Err(UriError::PercentEncoding),
            }
        } else {
            out.push(b);
        }
    }
    Ok(out)
}

/// Percent-decodes `s` into UTF-8 text.
fn decode_text(s: &str) -> Result<String, UriError> {
    let mut bytes = percent_decode(s)?;
    String::from_utf8(std::mem::take(&mut *bytes)).map_err(|_| UriError::Utf8)
}

/// Decoded label or issuer text: non-empty, no control characters.
fn decode_name(s: &str, empty: UriError) -> Result<String, UriError> {
    let text = decode_text(s)?;
    if text.is_empty() {
        return Err(empty);
    }
    if text.chars().any(char::is_control) {
        return Err(UriError::ControlCharacter);
    }
    Ok(text)
}

/// A decimal number made only of ASCII digits (no sign, no spaces), at most `max`.
fn parse_decimal(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok().filter(|&n| n <= max)
}

/// The known query parameters, in the order otpkit writes them.
const KNOWN: [&str; 7] = [
    "secret",
    "algorithm",
    "digits",
    "period",
    "counter",
    "issuer",
    "image",
];

/// Parses an otpauth URI strictly (docs/behaviour.md §5.5).
///
/// The rules, each with its own [`UriError`]:
/// * at most 2048 bytes; the exact prefix `otpauth://totp/` or `otpauth://hotp/`; no `#`
///   fragment; no literal space, control or non-ASCII character;
/// * the label (the path up to `?`) is split on **literal** `:` before percent-decoding:
///   `issuer:account` or `account`; a second literal `:`, an empty part, bad
///   percent-encoding, bad UTF-8 or a decoded control character is an error, and `%3A`
///   stays inside its part;
/// * `secret` is required: percent-decoded, then base32 per
///   [`decode_base32_secret`] (so django-otp's `%3D` padding works) and 16–64 bytes;
/// * `algorithm` `SHA1`/`SHA256`/`SHA512` (default SHA1); `digits` 6/7/8 (default 6);
///   `period` 1–120 (TOTP, default 30); `counter` 0 to 2^63 − 1 (HOTP, required); the
///   other type's parameter (`counter` for TOTP, `period` for HOTP) is not validated;
/// * a known parameter (`secret`, `algorithm`, `digits`, `period`, `counter`, `issuer`,
///   `image`) may appear only once; an `issuer` parameter must equal the label's issuer
///   prefix when both are present; `image` is kept for TOTP only; unknown parameters are
///   ignored.
///
/// ```
/// use otpkit::otpauth::{parse, OtpAuthKind, UriError};
///
/// let c = parse("otpauth://hotp/ACME:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7")
///     .unwrap();
/// assert_eq!(c.kind, OtpAuthKind::Hotp { counter: 7 });
/// assert_eq!(c.issuer.as_deref(), Some("ACME"));
/// assert_eq!(c.account, "bob");
/// assert_eq!(parse("otpauth://totp/a:b:c?secret=x"), Err(UriError::LabelColon));
/// ```
pub fn parse(uri: &str) -> Result<OtpAuth, UriError> {
    let (is_totp, rest) = split_prefix(uri)?;
    let (label, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (prefix, account) = parse_label(label)?;
    let p = Params::collect(query)?;
    let secret = parse_secret(p.secret)?;
    let algorithm = parse_algorithm(p.algorithm)?;
    let digits = parse_digits(p.digits)?;
    let kind = if is_totp {
        OtpAuthKind::Totp {
            period: parse_period(p.period)?,
        }
    } else {
        OtpAuthKind::Hotp {
            counter: parse_counter(p.counter)?,
        }
    };
    let issuer = merge_issuer(prefix, p.issuer)?;
    let image = if is_totp { parse_image(p.image)? } else { None };
    let auth = OtpAuth {
        kind,
        secret,
        algorithm,
        digits,
        issuer,
        account,
        image,
    };
    // Only what round-trips: characters accepted literally (e.g. `\`) are percent-encoded by
    // `to_uri`, which can take the canonical form past the limit (found by fuzzing).
    if auth.to_uri().expose().len() > MAX_URI_BYTES {
        return Err(UriError::TooLong { max: MAX_URI_BYTES });
    }
    Ok(auth)
}

/// Checks the length, the prefix and the characters of the whole URI; returns whether it is
/// TOTP, and what follows the prefix.
fn split_prefix(uri: &str) -> Result<(bool, &str), UriError> {
    if uri.len() > MAX_URI_BYTES {
        return Err(UriError::TooLong { max: MAX_URI_BYTES });
    }
    let (is_totp, rest) = if let Some(rest) = uri.strip_prefix("otpauth://totp/") {
        (true, rest)
    } else if let Some(rest) = uri.strip_prefix("otpauth://hotp/") {
        (false, rest)
    } else {
        return Err(UriError::Prefix);
    };
    if rest.contains('#') {
        return Err(UriError::Fragment);
    }
    if rest
        .bytes()
        .any(|b| b <= b' ' || b == 0x7F || !b.is_ascii())
    {
        return Err(UriError::InvalidCharacter);
    }
    Ok((is_totp, rest))
}

/// The label, split on literal `:` before decoding: the issuer prefix, if any, and the
/// account.
fn parse_label(label: &str) -> Result<(Option<String>, String), UriError> {
    let mut parts = label.split(':');
    let first = parts.next().unwrap_or("");
    let (prefix, account) = match (parts.next(), parts.next()) {
        (None, _) => (None, first),
        (Some(account), None) => (Some(first), account),
        (Some(_), Some(_)) => return Err(UriError::LabelColon),
    };
    let prefix = prefix
        .map(|p| decode_name(p, UriError::EmptyIssuer))
        .transpose()?;
    let account = decode_name(account, UriError::EmptyAccount)?;
    Ok((prefix, account))
}

/// The raw (still percent-encoded) values of the known query parameters.
struct Params<'a> {
    secret: Option<&'a str>,
    algorithm: Option<&'a str>,
    digits: Option<&'a str>,
    period: Option<&'a str>,
    counter: Option<&'a str>,
    issuer: Option<&'a str>,
    image: Option<&'a str>,
}

impl<'a> Params<'a> {
    /// Collects the known parameters, each at most once; unknown ones are ignored.
    fn collect(query: &'a str) -> Result<Self, UriError> {
        let mut values: [Option<&str>; 7] = [None; 7];
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let Some((slot, known)) = values.iter_mut().zip(KNOWN).find(|(_, k)| *k == name) else {
                continue; // unknown parameter
            };
            if slot.is_some() {
                return Err(UriError::DuplicateParameter { name: known });
            }
            *slot = Some(value);
        }
        let [secret, algorithm, digits, period, counter, issuer, image] = values;
        Ok(Params {
            secret,
            algorithm,
            digits,
            period,
            counter,
            issuer,
            image,
        })
    }
}

/// `secret`: required, percent-decoded, then base32 and 16–64 bytes.
fn parse_secret(secret: Option<&str>) -> Result<SecretBytes, UriError> {
    let secret = secret.ok_or(UriError::MissingSecret)?;
    if secret.len() > MAX_SECRET_INPUT_BYTES {
        return Err(UriError::Secret(SecretError::InputTooLong {
            max: MAX_SECRET_INPUT_BYTES,
        }));
    }
    let secret_text = percent_decode(secret)?;
    let secret_text = std::str::from_utf8(&secret_text).map_err(|_| UriError::Utf8)?;
    let secret = decode_base32_secret(secret_text)?;
    check_key_len(secret.len())?;
    Ok(secret)
}

/// `algorithm`: `SHA1` (the default), `SHA256` or `SHA512`.
fn parse_algorithm(algorithm: Option<&str>) -> Result<Algorithm, UriError> {
    match algorithm {
        None => Ok(Algorithm::Sha1),
        Some(a) => decode_text(a)?
            .parse::<Algorithm>()
            .map_err(|_| UriError::Algorithm),
    }
}

/// `digits`: 6 (the default), 7 or 8.
fn parse_digits(digits: Option<&str>) -> Result<Digits, UriError> {
    match digits {
        None => Ok(Digits::SIX),
        Some(d) => match decode_text(d)?.as_str() {
            "6" => Ok(Digits::SIX),
            "7" => Ok(Digits::SEVEN),
            "8" => Ok(Digits::EIGHT),
            _ => Err(UriError::Digits),
        },
    }
}

/// TOTP `period`: 1 to [`MAX_PERIOD`] seconds, [`DEFAULT_PERIOD`] when absent.
fn parse_period(period: Option<&str>) -> Result<u32, UriError> {
    match period {
        None => Ok(DEFAULT_PERIOD),
        Some(p) => parse_decimal(&decode_text(p)?, u64::from(MAX_PERIOD))
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n >= 1)
            .ok_or(UriError::Period { max: MAX_PERIOD }),
    }
}

/// HOTP `counter`: required, 0 to [`MAX_COUNTER`].
fn parse_counter(counter: Option<&str>) -> Result<u64, UriError> {
    let counter = counter.ok_or(UriError::MissingCounter)?;
    parse_decimal(&decode_text(counter)?, MAX_COUNTER).ok_or(UriError::Counter)
}

/// The issuer: the `issuer` parameter and the label's prefix must agree when both are given.
fn merge_issuer(prefix: Option<String>, issuer: Option<&str>) -> Result<Option<String>, UriError> {
    let issuer = issuer
        .map(|i| decode_name(i, UriError::EmptyIssuer))
        .transpose()?;
    match (prefix, issuer) {
        (Some(p), Some(i)) if p != i => Err(UriError::IssuerMismatch),
        (p, i) => Ok(i.or(p)),
    }
}

/// TOTP `image`: decoded; an empty one counts as none.
fn parse_image(image: Option<&str>) -> Result<Option<String>, UriError> {
    Ok(image
        .map(decode_text)
        .transpose()?
        .filter(|s| !s.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RFC_KEY: &[u8] = b"12345678901234567890";
    const S: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    fn config(kind: OtpAuthKind, issuer: Option<&str>, account: &str) -> OtpAuth {
        OtpAuth {
            kind,
            secret: SecretBytes::new(RFC_KEY.to_vec()),
            algorithm: Algorithm::Sha1,
            digits: Digits::SIX,
            issuer: issuer.map(str::to_owned),
            account: account.to_owned(),
            image: None,
        }
    }

    const TOTP: OtpAuthKind = OtpAuthKind::Totp { period: 30 };
    const HOTP: OtpAuthKind = OtpAuthKind::Hotp { counter: 0 };

    #[test]
    fn spec_5_5_example_rows() {
        assert_eq!(
            config(TOTP, None, "alice@x").to_uri().expose(),
            "otpauth://totp/alice%40x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            config(HOTP, None, "alice@x").to_uri().expose(),
            "otpauth://hotp/alice%40x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&counter=0"
        );
        assert_eq!(
            config(TOTP, Some("example.com"), "alice").to_uri().expose(),
            format!(
                "otpauth://totp/example.com:alice?secret={S}&algorithm=SHA1&digits=6&period=30&issuer=example.com"
            )
        );
        assert_eq!(
            config(TOTP, Some("Very Trustworthy Source"), "alice")
                .to_uri()
                .expose(),
            format!(
                "otpauth://totp/Very%20Trustworthy%20Source:alice?secret={S}&algorithm=SHA1&digits=6&period=30&issuer=Very%20Trustworthy%20Source"
            )
        );
    }

    #[test]
    fn zero_key_has_no_padding() {
        let mut c = config(TOTP, None, "a");
        c.secret = SecretBytes::new(vec![0; 16]);
        assert_eq!(
            c.to_uri().expose(),
            "otpauth://totp/a?secret=AAAAAAAAAAAAAAAAAAAAAAAAAA&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn encoding_rules() {
        let mut c = config(TOTP, Some("a:b: c"), "x y@z/w:v~._-");
        c.algorithm = Algorithm::Sha512;
        c.digits = Digits::EIGHT;
        c.kind = OtpAuthKind::Totp { period: 60 };
        c.image = Some("https://example.com/logo 1.png?a=b&c".into());
        assert_eq!(
            c.to_uri().expose(),
            format!(
                "otpauth://totp/ab%20c:x%20y%40z%2Fw%3Av~._-?secret={S}&algorithm=SHA512&digits=8\
                 &period=60&issuer=ab%20c&image=https://example.com/logo%201.png%3Fa%3Db%26c"
            )
        );
        // Non-ASCII: every UTF-8 byte encoded, upper-case hex.
        let c = config(HOTP, Some("Ünï"), "é");
        assert_eq!(
            c.to_uri().expose(),
            format!(
                "otpauth://hotp/%C3%9Cn%C3%AF:%C3%A9?secret={S}&algorithm=SHA1&digits=6&counter=0&issuer=%C3%9Cn%C3%AF"
            )
        );
    }

    #[test]
    fn issuer_only_colons_or_empty_is_no_issuer() {
        for issuer in [Some(""), Some(":"), Some(":::"), None] {
            let uri = config(TOTP, issuer, "alice").to_uri();
            assert_eq!(
                uri.expose(),
                format!("otpauth://totp/alice?secret={S}&algorithm=SHA1&digits=6&period=30")
            );
        }
    }

    #[test]
    fn image_only_for_totp() {
        let mut c = config(HOTP, None, "a");
        c.image = Some("https://x/y.png".into());
        assert!(!c.to_uri().expose().contains("image"));
        c.kind = TOTP;
        assert!(c.to_uri().expose().ends_with("&image=https://x/y.png"));
        c.image = Some(String::new());
        assert!(!c.to_uri().expose().contains("image"));
    }

    #[test]
    fn parse_spec_examples_and_defaults() {
        let c = parse(&format!("otpauth://totp/alice%40x?secret={S}")).unwrap();
        assert_eq!(c, config(TOTP, None, "alice@x"));
        let c = parse(&format!("otpauth://hotp/alice%40x?secret={S}&counter=0")).unwrap();
        assert_eq!(c, config(HOTP, None, "alice@x"));
        let c = parse(&format!(
            "otpauth://totp/Very%20Trustworthy%20Source:alice?secret={S}&algorithm=SHA1&digits=6&period=30&issuer=Very%20Trustworthy%20Source"
        ))
        .unwrap();
        assert_eq!(c, config(TOTP, Some("Very Trustworthy Source"), "alice"));
        // Issuer from the prefix alone, or from the parameter alone.
        let c = parse(&format!("otpauth://totp/ACME:bob?secret={S}")).unwrap();
        assert_eq!(c.issuer.as_deref(), Some("ACME"));
        let c = parse(&format!("otpauth://totp/bob?secret={S}&issuer=ACME")).unwrap();
        assert_eq!(c.issuer.as_deref(), Some("ACME"));
        assert_eq!(c.account, "bob");
        // %3A stays inside its part.
        let c = parse(&format!(
            "otpauth://totp/a%3Ab:c%3Ad?secret={S}&issuer=a%3Ab"
        ))
        .unwrap();
        assert_eq!(c.issuer.as_deref(), Some("a:b"));
        assert_eq!(c.account, "c:d");
        let c = parse(&format!("otpauth://totp/a%3Ab?secret={S}")).unwrap();
        assert_eq!(c.issuer, None);
        assert_eq!(c.account, "a:b");
        // Unknown parameters ignored; lower-case secret, padding %3D (django-otp) accepted.
        let c = parse(&format!(
            "otpauth://totp/x?foo=bar&secret={}{}&x&lock=true",
            "A".repeat(26),
            "%3D".repeat(6)
        ))
        .unwrap();
        assert_eq!(c.secret.expose(), &[0u8; 16]);
        let c = parse(&format!("otpauth://totp/x?secret={}", S.to_lowercase())).unwrap();
        assert_eq!(c.secret.expose(), RFC_KEY);
        // Each algorithm, digit count and period bound.
        for (a, alg) in [
            ("SHA1", Algorithm::Sha1),
            ("SHA256", Algorithm::Sha256),
            ("SHA512", Algorithm::Sha512),
        ] {
            let c = parse(&format!("otpauth://totp/x?secret={S}&algorithm={a}")).unwrap();
            assert_eq!(c.algorithm, alg);
        }
        for (d, digits) in [
            ("6", Digits::SIX),
            ("7", Digits::SEVEN),
            ("8", Digits::EIGHT),
        ] {
            let c = parse(&format!("otpauth://totp/x?secret={S}&digits={d}")).unwrap();
            assert_eq!(c.digits, digits);
        }
        for p in [1u32, 30, 120] {
            let c = parse(&format!("otpauth://totp/x?secret={S}&period={p}")).unwrap();
            assert_eq!(c.kind, OtpAuthKind::Totp { period: p });
        }
        for n in [0u64, 1, MAX_COUNTER] {
            let c = parse(&format!("otpauth://hotp/x?secret={S}&counter={n}")).unwrap();
            assert_eq!(c.kind, OtpAuthKind::Hotp { counter: n });
        }
        // The other type's parameter is ignored (not validated).
        let c = parse(&format!(
            "otpauth://hotp/x?secret={S}&counter=1&period=999&image=https://i"
        ))
        .unwrap();
        assert_eq!(c.kind, OtpAuthKind::Hotp { counter: 1 });
        assert_eq!(c.image, None);
        let c = parse(&format!(
            "otpauth://totp/x?secret={S}&counter=abc&image=https://i/a.png"
        ))
        .unwrap();
        assert_eq!(c.kind, TOTP);
        assert_eq!(c.image.as_deref(), Some("https://i/a.png"));
        // Key lengths: 16 and 64 bytes accepted.
        for len in [16usize, 20, 32, 64] {
            let s = encode_base32(&vec![9u8; len]);
            assert_eq!(
                parse(&format!("otpauth://totp/x?secret={s}"))
                    .unwrap()
                    .secret
                    .len(),
                len
            );
        }
    }

    #[test]
    fn parse_rejections_one_per_rule() {
        use UriError::*;
        let ok = format!("otpauth://totp/x?secret={S}");
        assert!(parse(&ok).is_ok());
        let cases: Vec<(String, UriError)> = vec![
            // Length.
            (
                format!("{ok}&pad={}", "a".repeat(2048)),
                TooLong { max: 2048 },
            ),
            // Prefix.
            (format!("OTPAUTH://totp/x?secret={S}"), Prefix),
            (format!("otpauth://TOTP/x?secret={S}"), Prefix),
            (format!("otpauth://totp?secret={S}"), Prefix),
            (format!("otpauth:/totp/x?secret={S}"), Prefix),
            (format!("otpauth://steam/x?secret={S}"), Prefix),
            (format!(" otpauth://totp/x?secret={S}"), Prefix),
            (String::new(), Prefix),
            // Fragment.
            (format!("{ok}#frag"), Fragment),
            (format!("otpauth://totp/x#?secret={S}"), Fragment),
            // Literal characters that must be encoded.
            (format!("otpauth://totp/a b?secret={S}"), InvalidCharacter),
            (format!("otpauth://totp/ab?secret={S}\n"), InvalidCharacter),
            (format!("otpauth://totp/é?secret={S}"), InvalidCharacter),
            // Label.
            (format!("otpauth://totp/a:b:c?secret={S}"), LabelColon),
            (format!("otpauth://totp/a::c?secret={S}"), LabelColon),
            (format!("otpauth://totp/?secret={S}"), EmptyAccount),
            (format!("otpauth://totp/ACME:?secret={S}"), EmptyAccount),
            (format!("otpauth://totp/:bob?secret={S}"), EmptyIssuer),
            (
                format!("otpauth://totp/bob?secret={S}&issuer="),
                EmptyIssuer,
            ),
            (format!("otpauth://totp/a%2?secret={S}"), PercentEncoding),
            (format!("otpauth://totp/a%zz?secret={S}"), PercentEncoding),
            (format!("otpauth://totp/a%?secret={S}"), PercentEncoding),
            (
                format!("otpauth://totp/x?secret={S}&issuer=%G0"),
                PercentEncoding,
            ),
            (format!("otpauth://totp/%FF?secret={S}"), Utf8),
            (format!("otpauth://totp/%C3?secret={S}"), Utf8),
            (format!("otpauth://totp/a:%C3%28?secret={S}"), Utf8),
            (format!("otpauth://totp/a%00?secret={S}"), ControlCharacter),
            (
                format!("otpauth://totp/a%0Ab:c?secret={S}"),
                ControlCharacter,
            ),
            // Duplicates.
            (
                format!("{ok}&secret={S}"),
                DuplicateParameter { name: "secret" },
            ),
            (
                format!("{ok}&digits=6&digits=6"),
                DuplicateParameter { name: "digits" },
            ),
            (
                format!("{ok}&algorithm=SHA1&algorithm=SHA1"),
                DuplicateParameter { name: "algorithm" },
            ),
            (
                format!("{ok}&period=30&period=30"),
                DuplicateParameter { name: "period" },
            ),
            (
                format!("{ok}&issuer=a&issuer=a"),
                DuplicateParameter { name: "issuer" },
            ),
            (
                format!("{ok}&image=a&image=a"),
                DuplicateParameter { name: "image" },
            ),
            (
                format!("otpauth://hotp/x?secret={S}&counter=1&counter=1"),
                DuplicateParameter { name: "counter" },
            ),
            // Secret.
            ("otpauth://totp/x".to_owned(), MissingSecret),
            ("otpauth://totp/x?issuer=a".to_owned(), MissingSecret),
            (
                "otpauth://totp/x?Secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".to_owned(),
                MissingSecret,
            ),
            (
                "otpauth://totp/x?secret=".to_owned(),
                Secret(SecretError::Empty),
            ),
            (
                "otpauth://totp/x?secret".to_owned(),
                Secret(SecretError::Empty),
            ),
            (
                format!("otpauth://totp/x?secret={}1", &S[..31]),
                Secret(SecretError::InvalidCharacter { position: 31 }),
            ),
            (
                format!("otpauth://totp/x?secret={}B", "A".repeat(25)),
                Secret(SecretError::TrailingBits),
            ),
            (
                format!("otpauth://totp/x?secret={}", &S[..30]),
                Secret(SecretError::Base32Length),
            ),
            (
                format!("otpauth://totp/x?secret=%3D{S}"),
                Secret(SecretError::Padding),
            ),
            (
                format!("otpauth://totp/x?secret={}", encode_base32(&[1; 65])),
                Secret(SecretError::SecretTooLong { len: 65, max: 64 }),
            ),
            ("otpauth://totp/x?secret=%FF%FF".to_owned(), Utf8),
            // Algorithm, digits, period.
            (format!("{ok}&algorithm=sha1"), Algorithm),
            (format!("{ok}&algorithm=SHA224"), Algorithm),
            (format!("{ok}&algorithm=MD5"), Algorithm),
            (format!("{ok}&algorithm="), Algorithm),
            (format!("{ok}&digits=5"), Digits),
            (format!("{ok}&digits=9"), Digits),
            (format!("{ok}&digits=06"), Digits),
            (format!("{ok}&digits=+6"), Digits),
            (format!("{ok}&digits="), Digits),
            (format!("{ok}&period=0"), Period { max: 120 }),
            (format!("{ok}&period=121"), Period { max: 120 }),
            (format!("{ok}&period=-30"), Period { max: 120 }),
            (format!("{ok}&period=%2B30"), Period { max: 120 }),
            (format!("{ok}&period=30.0"), Period { max: 120 }),
            (format!("{ok}&period="), Period { max: 120 }),
            (
                format!("{ok}&period=99999999999999999999999"),
                Period { max: 120 },
            ),
            // Counter.
            (format!("otpauth://hotp/x?secret={S}"), MissingCounter),
            (format!("otpauth://hotp/x?secret={S}&counter="), Counter),
            (format!("otpauth://hotp/x?secret={S}&counter=-1"), Counter),
            (
                format!("otpauth://hotp/x?secret={S}&counter=9223372036854775808"),
                Counter,
            ),
            (
                format!("otpauth://hotp/x?secret={S}&counter=18446744073709551616"),
                Counter,
            ),
            (format!("otpauth://hotp/x?secret={S}&counter=1e3"), Counter),
            // Issuer mismatch.
            (
                format!("otpauth://totp/ACME:bob?secret={S}&issuer=Other"),
                IssuerMismatch,
            ),
            (
                format!("otpauth://totp/ACME:bob?secret={S}&issuer=acme"),
                IssuerMismatch,
            ),
        ];
        for (uri, want) in cases {
            assert_eq!(parse(&uri), Err(want), "{uri}");
        }
        // REQ-01: a 15-byte key is too short (unless built with danger-short-secrets).
        let short = format!("otpauth://totp/x?secret={}", encode_base32(&[1; 15]));
        #[cfg(not(feature = "danger-short-secrets"))]
        assert_eq!(
            parse(&short),
            Err(Secret(SecretError::SecretTooShort { len: 15, min: 16 }))
        );
        #[cfg(feature = "danger-short-secrets")]
        assert_eq!(parse(&short).map(|c| c.secret.len()), Ok(15));
        // Exactly 2048 bytes is fine.
        let pad = 2048 - ok.len() - "&p=".len();
        let at = format!("{ok}&p={}", "a".repeat(pad));
        assert_eq!(at.len(), 2048);
        assert!(parse(&at).is_ok());
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let big = "%".repeat(1 << 20);
        assert_eq!(parse(&big), Err(UriError::TooLong { max: 2048 }));
        for s in [
            "otpauth://totp/",
            "otpauth://totp/?",
            "otpauth://totp/%",
            "otpauth://totp/a?&&&",
            "otpauth://totp/a?=&=",
            "otpauth://totp/a?secret=%",
            "otpauth://totp/a?secret=%%%%",
            "otpauth://hotp/:",
            "otpauth://hotp/a?counter=0",
        ] {
            assert!(parse(s).is_err(), "{s}");
        }
    }

    /// A fuzzing find: a URI under the limit whose literal characters (`\\`, here) the
    /// canonical form percent-encodes to more than 2048 bytes is refused, so that every parsed
    /// value can be built and parsed again.
    #[test]
    fn canonical_form_over_the_limit_is_refused() {
        let label = "\\".repeat(700);
        let uri = format!("otpauth://totp/{label}?secret={S}");
        assert!(uri.len() <= MAX_URI_BYTES);
        assert_eq!(parse(&uri), Err(UriError::TooLong { max: MAX_URI_BYTES }));
        let label = "\\".repeat(600);
        let c = parse(&format!("otpauth://totp/{label}?secret={S}")).unwrap();
        assert_eq!(parse(c.to_uri().expose()).unwrap(), c);
    }

    #[test]
    fn error_messages_do_not_leak_the_secret() {
        let uri = format!("otpauth://totp/x?secret={}1", &S[..31]);
        let e = parse(&uri).unwrap_err();
        assert!(!e.to_string().contains("GEZD"));
        assert!(!format!("{e:?}").contains("GEZD"));
        let c = parse(&format!("otpauth://totp/x?secret={S}")).unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("GEZD") && !dbg.contains("1234"), "{dbg}");
        assert!(dbg.contains("REDACTED"));
        assert_eq!(format!("{:?}", c.to_uri()), "SecretString([REDACTED])");
    }

    fn arb_config() -> impl Strategy<Value = OtpAuth> {
        let kind = prop_oneof![
            (1u32..=120).prop_map(|period| OtpAuthKind::Totp { period }),
            (0u64..=MAX_COUNTER).prop_map(|counter| OtpAuthKind::Hotp { counter }),
            Just(OtpAuthKind::Hotp {
                counter: MAX_COUNTER
            }),
        ];
        let algorithm = prop_oneof![
            Just(Algorithm::Sha1),
            Just(Algorithm::Sha256),
            Just(Algorithm::Sha512)
        ];
        let digits = prop_oneof![Just(Digits::SIX), Just(Digits::SEVEN), Just(Digits::EIGHT)];
        // Names: any text without control characters; the issuer also without ':'.
        let name = "[^\\p{Cc}]{1,20}";
        let issuer = proptest::option::of("[^\\p{Cc}:]{1,20}");
        let image = proptest::option::of("[^\\p{Cc}]{1,30}");
        (
            kind,
            proptest::collection::vec(any::<u8>(), 16..=64),
            algorithm,
            digits,
            issuer,
            name,
            image,
        )
            .prop_map(
                |(kind, secret, algorithm, digits, issuer, account, image)| {
                    let image = match kind {
                        OtpAuthKind::Totp { .. } => image,
                        OtpAuthKind::Hotp { .. } => None,
                    };
                    OtpAuth {
                        kind,
                        secret: SecretBytes::new(secret),
                        algorithm,
                        digits,
                        issuer,
                        account,
                        image,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn parse_build_round_trip(x in arb_config()) {
            let uri = x.to_uri();
            prop_assert!(uri.expose().len() <= MAX_URI_BYTES);
            let parsed = parse(uri.expose());
            prop_assert_eq!(parsed.as_ref(), Ok(&x), "{}", uri.expose());
            // Building again gives the identical URI.
            prop_assert_eq!(parsed.map(|p| p.to_uri()), Ok(uri));
        }

        #[test]
        fn parse_never_panics(s in "otpauth://(totp|hotp)/[ -~]{0,200}") {
            let _ = parse(&s);
        }

        #[test]
        fn parse_never_panics_bytes(s in "\\PC{0,300}") {
            let _ = parse(&s);
        }
    }
}
