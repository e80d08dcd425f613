//! OATH one-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238), docs/behaviour.md §4.1–§4.3.
//!
//! This module is pure: it never reads a clock and never stores anything. The TOTP kind
//! computes the current step with [`totp_step`] from the engine's `now` and hands it to
//! [`verify_totp`]; the HOTP kind calls [`verify_hotp`] with its stored counter.
//!
//! * An [`OathKey`] holds the **keyed HMAC state** for one [`Algorithm`] (RustCrypto's
//!   `hmac` over `sha1`/`sha2`): the key is absorbed once, and every candidate of a
//!   verification window clones that state, absorbs its 8-byte counter and finalises, so a
//!   window of `n` candidates costs `n` HMACs and never re-hashes the key.
//! * [`OathKey::hotp`] is RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic
//!   truncation ([`dynamic_truncate`]), `mod 10^digits`, written with leading zeros.
//! * [`verify_totp`] and [`verify_hotp`] compute **every** candidate of the window, compare
//!   each in constant time ([`subtle`]) and select the **highest** matching step or counter
//!   without branching on the comparison (docs/behaviour.md §4.2, §9, REQ-08).
//! * [`hmac_count`] is a per-thread counter of the HMACs computed, for tests that prove the
//!   work done does not depend on whether or where a token matched (REQ-05, REQ-08).
//!
//! ```
//! use otpkit::oath::{Algorithm, Digits, OathKey, TotpMatch, totp_step, verify_totp};
//!
//! let key = OathKey::new(Algorithm::Sha1, b"12345678901234567890");
//! assert_eq!(key.hotp(1, Digits::SIX).expose(), "287082");
//!
//! // At now_s = 30 with step 30, T = 1; the code for step 2 is accepted with tolerance 1.
//! let t = totp_step(30, 0, 30, 0);
//! assert_eq!(verify_totp(&key, "359152", Digits::SIX, t, 1, 0),
//!            TotpMatch::Accepted { step: 2, offset: 1 });
//! ```

use std::cell::Cell;
use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, HmacReset, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::secret::SecretString;

/// An error in the parameters of an OATH computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OathError {
    /// The number of digits is not 6, 7 or 8.
    #[error("invalid number of digits {digits}: OATH tokens have 6, 7 or 8 digits")]
    InvalidDigits {
        /// The rejected value.
        digits: u8,
    },
    /// The algorithm name is not `SHA1`, `SHA256` or `SHA512`.
    #[error("unknown algorithm: expected SHA1, SHA256 or SHA512")]
    UnknownAlgorithm,
}

/// The HMAC hash function of an OATH key (RFC 6238 §1.2).
///
/// Serialised, parsed and displayed as `SHA1`, `SHA256` or `SHA512` (exactly; no other
/// spelling is accepted).
///
/// ```
/// use otpkit::oath::Algorithm;
/// assert_eq!("SHA256".parse::<Algorithm>().unwrap(), Algorithm::Sha256);
/// assert!("sha256".parse::<Algorithm>().is_err());
/// assert_eq!(Algorithm::Sha512.to_string(), "SHA512");
/// assert_eq!(Algorithm::Sha1.default_key_len(), 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Algorithm {
    /// HMAC-SHA-1, the RFC 4226 default and the only one some authenticator apps support.
    #[default]
    #[serde(rename = "SHA1")]
    Sha1,
    /// HMAC-SHA-256.
    #[serde(rename = "SHA256")]
    Sha256,
    /// HMAC-SHA-512.
    #[serde(rename = "SHA512")]
    Sha512,
}

impl Algorithm {
    /// All algorithms, in the order SHA1, SHA256, SHA512.
    pub const ALL: [Algorithm; 3] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512];

    /// The canonical name: `SHA1`, `SHA256` or `SHA512`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// The length of a generated key, equal to the hash output: 20, 32 or 64 bytes (REQ-01).
    pub const fn default_key_len(self) -> usize {
        match self {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = OathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "SHA1" => Ok(Algorithm::Sha1),
            "SHA256" => Ok(Algorithm::Sha256),
            "SHA512" => Ok(Algorithm::Sha512),
            _ => Err(OathError::UnknownAlgorithm),
        }
    }
}

/// The number of decimal digits of a token: 6, 7 or 8.
///
/// Serialised as a plain integer; deserialising any other value fails.
///
/// ```
/// use otpkit::oath::Digits;
/// assert_eq!(Digits::new(8).unwrap().get(), 8);
/// assert!(Digits::new(5).is_err());
/// assert_eq!(Digits::default(), Digits::SIX);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Digits(u8);

impl Digits {
    /// Six digits, the default.
    pub const SIX: Digits = Digits(6);
    /// Seven digits.
    pub const SEVEN: Digits = Digits(7);
    /// Eight digits.
    pub const EIGHT: Digits = Digits(8);

    /// `digits` if it is 6, 7 or 8; otherwise [`OathError::InvalidDigits`].
    pub const fn new(digits: u8) -> Result<Digits, OathError> {
        match digits {
            6..=8 => Ok(Digits(digits)),
            _ => Err(OathError::InvalidDigits { digits }),
        }
    }

    /// The number of digits.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// `value mod 10^digits`. Each arm divides by a constant, which compiles to a
    /// multiplication (no data-dependent `div` timing on a secret-derived value).
    const fn reduce(self, value: u32) -> u32 {
        match self.0 {
            6 => value % 1_000_000,
            7 => value % 10_000_000,
            _ => value % 100_000_000,
        }
    }
}

impl Default for Digits {
    fn default() -> Self {
        Digits::SIX
    }
}

impl TryFrom<u8> for Digits {
    type Error = OathError;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Digits::new(value)
    }
}

impl From<Digits> for u8 {
    fn from(d: Digits) -> u8 {
        d.0
    }
}

impl fmt::Display for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

thread_local! {
    static HMAC_COUNT: Cell<u64> = const { Cell::new(0) };
}

/// The number of OATH HMACs computed so far **on the current thread** (monotonic, wrapping
/// only after 2^64).
///
/// Tests take the difference around a verification to prove how many HMACs it computed
/// (REQ-05: zero while throttled; REQ-08: `2·tolerance + 1` for TOTP, `tolerance + 1` for
/// HOTP, whether or not a candidate matched).
///
/// ```
/// use otpkit::oath::{hmac_count, hotp, Algorithm, Digits};
/// let before = hmac_count();
/// let _ = hotp(b"12345678901234567890", 0, Digits::SIX, Algorithm::Sha1);
/// assert_eq!(hmac_count() - before, 1);
/// ```
pub fn hmac_count() -> u64 {
    HMAC_COUNT.with(Cell::get)
}

fn count_hmacs(n: u64) {
    HMAC_COUNT.with(|c| c.set(c.get().wrapping_add(n)));
}

/// The keyed HMAC state of one key (RFC 2104 §2): the `hmac` crate's state after absorbing
/// the key's inner and outer pads, in its resettable form (`HmacReset`, which keeps the
/// keyed inner state to return to after each tag). As sensitive as the key.
#[derive(Clone)]
enum KeyedMac {
    Sha1(HmacReset<Sha1>),
    Sha256(HmacReset<Sha256>),
    Sha512(HmacReset<Sha512>),
}

/// Finalises `mac` and applies RFC 4226 §5.3 dynamic truncation ([`dynamic_truncate`]) to the
/// tag, whose bytes are zeroed afterwards. `None` only for a tag too short to truncate, which
/// no SHA-1, SHA-256 or SHA-512 tag is.
fn truncated_tag<M: Mac>(mac: M) -> Option<u32> {
    let mut tag = mac.finalize().into_bytes();
    let value = dynamic_truncate(&tag);
    tag.as_mut_slice().zeroize();
    value
}

/// An OATH key prepared for one [`Algorithm`]: the keyed HMAC state, computed once.
///
/// HMAC is RustCrypto's `hmac` crate over `sha1`/`sha2`. The key is absorbed once, by
/// [`OathKey::new`]. A verification window clones that keyed state once; each candidate
/// absorbs its 8-byte counter and finalises with `finalize_reset`, which returns the copy to
/// the keyed state for the next candidate — so a window of `n` candidates costs `n` HMACs
/// and never re-hashes the key. The tests compare every code with one computed by the `hmac`
/// crate directly, for every key length, and with the RFC vectors.
///
/// The raw key bytes are not kept, only the keyed state (as sensitive as the key), which
/// the `zeroize` feature of `hmac`, `sha1` and `sha2` zeroes on drop, as it does every clone
/// of it and every tag.
///
/// `Debug` prints only the algorithm.
///
/// ```
/// use otpkit::oath::{Algorithm, Digits, OathKey};
/// let key = OathKey::new(Algorithm::Sha1, b"12345678901234567890");
/// assert_eq!(key.hotp(0, Digits::SIX).expose(), "755224");
/// assert_eq!(format!("{key:?}"), "OathKey { algorithm: SHA1, key: [REDACTED] }");
/// ```
#[derive(Clone)]
pub struct OathKey {
    algorithm: Algorithm,
    /// The keyed state; `None` only if the `hmac` crate refused the key, which it never does
    /// (HMAC takes keys of any length). Such a key would match no token: it fails closed.
    mac: Option<KeyedMac>,
}

impl OathKey {
    /// Keys HMAC with `key` (any length; RFC 4226 R6 length rules are enforced at import,
    /// see [`crate::encoding::check_key_len`]).
    pub fn new(algorithm: Algorithm, key: &[u8]) -> OathKey {
        let mac = match algorithm {
            Algorithm::Sha1 => <HmacReset<Sha1> as KeyInit>::new_from_slice(key)
                .ok()
                .map(KeyedMac::Sha1),
            Algorithm::Sha256 => <HmacReset<Sha256> as KeyInit>::new_from_slice(key)
                .ok()
                .map(KeyedMac::Sha256),
            Algorithm::Sha512 => <HmacReset<Sha512> as KeyInit>::new_from_slice(key)
                .ok()
                .map(KeyedMac::Sha512),
        };
        OathKey { algorithm, mac }
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Calls `f(counter, code)` for every counter of `first..=last`, ascending (none if
    /// `first > last`), with the HOTP value as a number below `10^digits` (`None` for a key
    /// the `hmac` crate refused, see [`OathKey`]): exactly `last − first + 1` HMACs, counted
    /// for [`hmac_count`].
    fn for_each_code(
        &self,
        first: u64,
        last: u64,
        digits: Digits,
        mut f: impl FnMut(u64, Option<u32>),
    ) {
        fn each<M: Mac + Clone + hmac::digest::FixedOutputReset>(
            keyed: &M,
            first: u64,
            last: u64,
            digits: Digits,
            f: &mut impl FnMut(u64, Option<u32>),
        ) {
            // One working copy of the keyed state per window: each candidate absorbs its
            // counter and finalises, which resets the copy to the keyed state for the next.
            let mut mac = keyed.clone();
            for counter in first..=last {
                Mac::update(&mut mac, &counter.to_be_bytes());
                let mut tag = mac.finalize_reset().into_bytes();
                let value = dynamic_truncate(&tag);
                tag.as_mut_slice().zeroize();
                f(counter, value.map(|v| digits.reduce(v)));
            }
        }
        count_hmacs(last.checked_sub(first).map_or(0, |d| d.saturating_add(1)));
        match &self.mac {
            Some(KeyedMac::Sha1(keyed)) => each(keyed, first, last, digits, &mut f),
            Some(KeyedMac::Sha256(keyed)) => each(keyed, first, last, digits, &mut f),
            Some(KeyedMac::Sha512(keyed)) => each(keyed, first, last, digits, &mut f),
            None => (first..=last).for_each(|counter| f(counter, None)),
        }
    }

    /// The HOTP value of `counter` (RFC 4226 §5.3, docs/behaviour.md §4.1): exactly `digits` ASCII
    /// digits, with leading zeros. (For a key the `hmac` crate refused, which never happens,
    /// all zeros; verification with such a key accepts nothing.)
    pub fn hotp(&self, counter: u64, digits: Digits) -> OtpCode {
        let mut value = None;
        self.for_each_code(counter, counter, digits, |_, code| value = code);
        OtpCode::new(value.unwrap_or(0), digits)
    }

    /// The raw HMAC of `counter`, for tests of the intermediate values.
    #[cfg(test)]
    fn hmac_bytes(&self, counter: u64) -> Vec<u8> {
        fn tag<M: Mac + Clone>(keyed: &M, counter: u64) -> Vec<u8> {
            let mut mac = keyed.clone();
            mac.update(&counter.to_be_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        match &self.mac {
            Some(KeyedMac::Sha1(keyed)) => tag(keyed, counter),
            Some(KeyedMac::Sha256(keyed)) => tag(keyed, counter),
            Some(KeyedMac::Sha512(keyed)) => tag(keyed, counter),
            None => Vec::new(),
        }
    }
}

impl fmt::Debug for OathKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OathKey {{ algorithm: {}, key: [REDACTED] }}",
            self.algorithm()
        )
    }
}

/// A one-time password as generated: exactly 6, 7 or 8 ASCII digits, held **on the stack**.
///
/// This is what [`hotp`], [`OathKey::hotp`] and [`totp_at`] return. Generating a code
/// allocates nothing; the digits are zeroed when the value is dropped. Like
/// [`SecretString`], `Debug` and `Display` print `[REDACTED]`, [`expose`](Self::expose)
/// gives the text, and `==` compares in constant time (REQ-08). It converts into a
/// [`SecretString`] where a heap string is needed (that copy is zeroed on drop too).
///
/// As with every zeroize-on-drop type, a move may leave a copy of the bytes in a stack slot
/// the compiler no longer uses; the value has no heap allocation to leave behind.
///
/// ```
/// use otpkit::oath::{hotp, Algorithm, Digits, OtpCode};
/// use otpkit::SecretString;
/// let code: OtpCode = hotp(b"12345678901234567890", 0, Digits::SIX, Algorithm::Sha1);
/// assert_eq!(code.expose(), "755224");
/// assert_eq!(code.digits(), Digits::SIX);
/// assert_eq!(format!("{code:?} {code}"), "OtpCode([REDACTED]) [REDACTED]");
/// assert!(code == hotp(b"12345678901234567890", 0, Digits::SIX, Algorithm::Sha1));
/// assert_eq!(SecretString::from(code).expose(), "755224");
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
#[must_use]
pub struct OtpCode {
    /// ASCII digits, right-aligned: the code is the last `len` of them (the others are
    /// leading `b'0'`s).
    text: [u8; 8],
    /// 6, 7 or 8.
    len: u8,
}

impl OtpCode {
    /// `value` (below `10^digits`) written as exactly `digits` decimal digits.
    fn new(mut value: u32, digits: Digits) -> OtpCode {
        // All 8 places are written, right-aligned, whatever `digits` is: a fixed loop the
        // compiler unrolls, with divisions by a constant (multiplications), so the time
        // depends on nothing secret; the code is the last `digits` of them.
        let mut text = [b'0'; 8];
        for slot in text.iter_mut().rev() {
            // `value % 10` is below 10, so the cast cannot truncate.
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        OtpCode {
            text,
            len: digits.get(),
        }
    }

    /// The code's text. Every use is a place to review.
    pub fn expose(&self) -> &str {
        let start = self.text.len().saturating_sub(usize::from(self.len));
        let digits = self.text.get(start..).unwrap_or_default();
        // Only ASCII digits are ever written, so this is always valid UTF-8.
        std::str::from_utf8(digits).unwrap_or_default()
    }

    /// The number of digits.
    pub fn digits(&self) -> Digits {
        Digits(self.len)
    }
}

impl PartialEq for OtpCode {
    fn eq(&self, other: &Self) -> bool {
        (self.len.ct_eq(&other.len) & self.text.ct_eq(&other.text)).into()
    }
}

impl Eq for OtpCode {}

impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpCode([REDACTED])")
    }
}

impl fmt::Display for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl From<OtpCode> for SecretString {
    fn from(code: OtpCode) -> SecretString {
        // Sized once: the string never reallocates, so no unzeroed copy is left behind.
        let mut s = String::with_capacity(8);
        s.push_str(code.expose());
        SecretString::new(s)
    }
}

/// RFC 4226 §5.3 dynamic truncation: `offset = mac[last] & 0x0F`, then the 31-bit
/// big-endian value of `mac[offset..offset + 4]`.
///
/// `None` if `mac` is too short to hold those four bytes (never the case for a SHA-1,
/// SHA-256 or SHA-512 output).
///
/// ```
/// use otpkit::oath::dynamic_truncate;
/// // RFC 4226 §5.4: the HMAC-SHA-1 example.
/// let mac = [0x1f, 0x86, 0x98, 0x69, 0x0e, 0x02, 0xca, 0x16, 0x61, 0x85, 0x50, 0xef, 0x7f,
///            0x19, 0xda, 0x8e, 0x94, 0x5b, 0x55, 0x5a];
/// assert_eq!(dynamic_truncate(&mac), Some(0x50ef7f19));
/// ```
pub fn dynamic_truncate(mac: &[u8]) -> Option<u32> {
    let offset = usize::from(mac.last()? & 0x0F);
    let end = offset.checked_add(4)?;
    let bytes: [u8; 4] = mac.get(offset..end)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes) & 0x7FFF_FFFF)
}

/// HOTP (docs/behaviour.md §4.1) with a raw key: the same value as
/// `OathKey::new(algorithm, key).hotp(counter, digits)`.
///
/// One HMAC keyed, fed and finalised in place, without an [`OathKey`] (and its clone of the
/// keyed state) in between.
///
/// ```
/// use otpkit::oath::{hotp, Algorithm, Digits};
/// let key = b"12345678901234567890";
/// assert_eq!(hotp(key, 9, Digits::SIX, Algorithm::Sha1).expose(), "520489");
/// assert_eq!(hotp(key, 0, Digits::EIGHT, Algorithm::Sha1).expose(), "84755224");
/// ```
pub fn hotp(key: &[u8], counter: u64, digits: Digits, algorithm: Algorithm) -> OtpCode {
    fn one_shot<M: Mac + KeyInit>(key: &[u8], counter: u64) -> Option<u32> {
        let mut mac = <M as KeyInit>::new_from_slice(key).ok()?;
        mac.update(&counter.to_be_bytes());
        truncated_tag(mac)
    }
    count_hmacs(1);
    let value = match algorithm {
        Algorithm::Sha1 => one_shot::<Hmac<Sha1>>(key, counter),
        Algorithm::Sha256 => one_shot::<Hmac<Sha256>>(key, counter),
        Algorithm::Sha512 => one_shot::<Hmac<Sha512>>(key, counter),
    };
    // As `OathKey::hotp`: a refused key (never) gives all zeros.
    OtpCode::new(value.map_or(0, |v| digits.reduce(v)), digits)
}

/// The TOTP step `T = floor((now_s − t0) / step) + drift` (docs/behaviour.md §4.2).
///
/// The division floors toward −∞ (so `now_s < t0` gives negative steps), the arithmetic
/// saturates instead of overflowing, and steps beyond 2^32 are exact. A `step` of 0 (which
/// the TOTP kind never allows) is treated as 1.
///
/// ```
/// use otpkit::oath::totp_step;
/// assert_eq!(totp_step(59, 0, 30, 0), 1);
/// assert_eq!(totp_step(20_000_000_000, 0, 30, 0), 0x27BC86AA);
/// assert_eq!(totp_step(-1, 0, 30, 0), -1);
/// assert_eq!(totp_step(90, 0, 30, -1), 2);
/// ```
pub fn totp_step(now_s: i64, t0: i64, step: u32, drift: i16) -> i64 {
    let step = i64::from(step.max(1));
    now_s
        .saturating_sub(t0)
        .div_euclid(step)
        .saturating_add(i64::from(drift))
}

/// The TOTP value for step `t`, or `None` for a step below 0 (which has no token).
///
/// ```
/// use otpkit::oath::{totp_at, Algorithm, Digits, OathKey};
/// let key = OathKey::new(Algorithm::Sha1, b"12345678901234567890");
/// assert_eq!(totp_at(&key, 1, Digits::EIGHT).unwrap().expose(), "94287082");
/// assert!(totp_at(&key, -1, Digits::SIX).is_none());
/// ```
pub fn totp_at(key: &OathKey, t: i64, digits: Digits) -> Option<OtpCode> {
    let counter = u64::try_from(t).ok()?;
    Some(key.hotp(counter, digits))
}

/// The value of `token` if it is exactly `digits` ASCII digits, and whether it is; a token of
/// any other shape matches no code (its value is then 0 and the flag false).
///
/// Comparing this number with a code's value in constant time is the same test as comparing
/// the code's `digits`-character text with the token byte for byte, without formatting (and
/// allocating) a string per candidate. Branching here depends only on the token's syntax,
/// which the caller chose; the secret-derived codes are only compared with `ct_eq`.
fn token_value(token: &str, digits: Digits) -> (u32, Choice) {
    let bytes = token.as_bytes();
    let value = if bytes.len() == usize::from(digits.get()) {
        bytes.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    } else {
        None
    };
    (value.unwrap_or(0), Choice::from(u8::from(value.is_some())))
}

/// Whether a candidate's code equals the token's value, in constant time; a missing code
/// (a key the `hmac` crate refused, see [`OathKey`]) matches nothing.
fn code_matches(code: Option<u32>, want: u32) -> Choice {
    let computed = Choice::from(u8::from(code.is_some()));
    code.unwrap_or(0).ct_eq(&want) & computed
}

/// The outcome of [`verify_totp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpMatch {
    /// The token matched the acceptable step `step` (the highest such), which is `offset`
    /// steps from the current step: the new drift is `drift + offset`.
    Accepted {
        /// The matched step; the TOTP kind stores it as `last_t`.
        step: i64,
        /// `step − t`, in `−tolerance..=tolerance`.
        offset: i64,
    },
    /// No acceptable step matched, but a step `≥ 0` below `min_t` did (the highest such):
    /// a replayed token (docs/behaviour.md §5.1).
    Replay {
        /// The matched, already used step.
        step: i64,
    },
    /// No step of the window matched.
    NoMatch,
}

/// TOTP verification of an already normalised token (docs/behaviour.md §4.2).
///
/// The candidates are the steps `t − tolerance ..= t + tolerance`. Every candidate `≥ 0` is
/// computed — exactly `2·tolerance + 1` HMACs when `t ≥ tolerance` — and compared in
/// constant time, with no early exit. Candidates below 0 have no token and are neither
/// computed nor acceptable; candidates below `min_t` (for the TOTP kind `last_t + 1`) are not
/// acceptable. Among acceptable matches the **highest** step wins.
///
/// `tolerance` is not range-checked here (the TOTP kind allows 0–10).
///
/// ```
/// use otpkit::oath::{verify_totp, Algorithm, Digits, OathKey, TotpMatch};
/// let key = OathKey::new(Algorithm::Sha1, b"12345678901234567890");
/// // docs/behaviour.md §4.2: at T = 1 the token of step 2 needs tolerance 1 …
/// assert_eq!(verify_totp(&key, "359152", Digits::SIX, 1, 0, 0), TotpMatch::NoMatch);
/// assert_eq!(verify_totp(&key, "359152", Digits::SIX, 1, 1, 0),
///            TotpMatch::Accepted { step: 2, offset: 1 });
/// // … and with min_t = 3 it is an already used step.
/// assert_eq!(verify_totp(&key, "359152", Digits::SIX, 1, 1, 3), TotpMatch::Replay { step: 2 });
/// ```
pub fn verify_totp(
    key: &OathKey,
    token: &str,
    digits: Digits,
    t: i64,
    tolerance: u8,
    min_t: i64,
) -> TotpMatch {
    let tol = i64::from(tolerance);
    let (want, valid) = token_value(token, digits);
    let mut accepted = Choice::from(0);
    let mut accepted_step: i64 = 0;
    let mut replayed = Choice::from(0);
    let mut replayed_step: i64 = 0;
    // The candidates `t − tol ..= t + tol` that exist: a step below 0 has no token (as in
    // `totp_at`), one above i64::MAX no number. A step ≥ 0 is its own counter.
    let lo = t.saturating_sub(tol).max(0);
    let hi = t.saturating_add(tol);
    if let (Ok(first), Ok(last)) = (u64::try_from(lo), u64::try_from(hi)) {
        key.for_each_code(first, last, digits, |counter, code| {
            // `counter ≤ hi`, so it is a step.
            let Ok(candidate) = i64::try_from(counter) else {
                return;
            };
            let matched = code_matches(code, want) & valid;
            let acceptable = Choice::from(u8::from(candidate >= min_t));
            let accept = matched & acceptable;
            let replay = matched & !acceptable;
            // Candidates ascend, so the last selected one is the highest.
            accepted_step = i64::conditional_select(&accepted_step, &candidate, accept);
            accepted |= accept;
            replayed_step = i64::conditional_select(&replayed_step, &candidate, replay);
            replayed |= replay;
        });
    }
    if bool::from(accepted) {
        TotpMatch::Accepted {
            step: accepted_step,
            offset: accepted_step.saturating_sub(t),
        }
    } else if bool::from(replayed) {
        TotpMatch::Replay {
            step: replayed_step,
        }
    } else {
        TotpMatch::NoMatch
    }
}

/// HOTP verification of an already normalised token (docs/behaviour.md §5.2).
///
/// The candidates are the counters `counter ..= counter + tolerance`; those above
/// 2^63 − 1 are skipped. Every other candidate is computed — exactly `tolerance + 1` HMACs
/// — and compared in constant time, with no early exit. Returns the **highest** matching
/// counter `m` (the HOTP kind then stores `m + 1`), or `None`.
///
/// `tolerance` is not range-checked here (the HOTP kind allows 0–20).
///
/// ```
/// use otpkit::oath::{verify_hotp, Algorithm, Digits, OathKey};
/// let key = OathKey::new(Algorithm::Sha1, b"12345678901234567890");
/// assert_eq!(verify_hotp(&key, "359152", Digits::SIX, 0, 5), Some(2));
/// assert_eq!(verify_hotp(&key, "359152", Digits::SIX, 3, 5), None);
/// ```
pub fn verify_hotp(
    key: &OathKey,
    token: &str,
    digits: Digits,
    counter: u64,
    tolerance: u8,
) -> Option<u64> {
    const MAX_COUNTER: u64 = i64::MAX as u64;
    let (want, valid) = token_value(token, digits);
    let mut found = Choice::from(0);
    let mut best: u64 = 0;
    // The candidates `counter ..= counter + tolerance` up to 2^63 − 1.
    let last = counter
        .saturating_add(u64::from(tolerance))
        .min(MAX_COUNTER);
    key.for_each_code(counter, last, digits, |candidate, code| {
        let matched = code_matches(code, want) & valid;
        best = u64::conditional_select(&best, &candidate, matched);
        found |= matched;
    });
    bool::from(found).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_KEY: &[u8] = b"12345678901234567890";

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 4226 Appendix D: counter, HMAC-SHA-1, truncated hex, truncated decimal, HOTP.
    const RFC4226: [(u64, &str, u32, u32, &str); 10] = [
        (
            0,
            "cc93cf18508d94934c64b65d8ba7667fb7cde4b0",
            0x4c93cf18,
            1284755224,
            "755224",
        ),
        (
            1,
            "75a48a19d4cbe100644e8ac1397eea747a2d33ab",
            0x41397eea,
            1094287082,
            "287082",
        ),
        (
            2,
            "0bacb7fa082fef30782211938bc1c5e70416ff44",
            0x082fef30,
            137359152,
            "359152",
        ),
        (
            3,
            "66c28227d03a2d5529262ff016a1e6ef76557ece",
            0x66ef7655,
            1726969429,
            "969429",
        ),
        (
            4,
            "a904c900a64b35909874b33e61c5938a8e15ed1c",
            0x61c5938a,
            1640338314,
            "338314",
        ),
        (
            5,
            "a37e783d7b7233c083d4f62926c7a25f238d0316",
            0x33c083d4,
            868254676,
            "254676",
        ),
        (
            6,
            "bc9cd28561042c83f219324d3c607256c03272ae",
            0x7256c032,
            1918287922,
            "287922",
        ),
        (
            7,
            "a4fb960c0bc06e1eabb804e5b397cdc4b45596fa",
            0x04e5b397,
            82162583,
            "162583",
        ),
        (
            8,
            "1b3c89f65e6c9e883012052823443f048b4332db",
            0x2823443f,
            673399871,
            "399871",
        ),
        (
            9,
            "1637409809a679dc698207310c8c7fc07290d9e5",
            0x2679dc69,
            645520489,
            "520489",
        ),
    ];

    #[test]
    fn rfc4226_appendix_d_with_intermediate_values() {
        let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
        for (counter, mac_hex, trunc_hex, trunc_dec, code) in RFC4226 {
            let mac = key.hmac_bytes(counter);
            assert_eq!(hex(&mac), mac_hex, "HMAC of counter {counter}");
            let truncated = dynamic_truncate(&mac).unwrap();
            assert_eq!(truncated, trunc_hex, "truncated hex of counter {counter}");
            assert_eq!(truncated, trunc_dec, "truncated dec of counter {counter}");
            assert_eq!(key.hotp(counter, Digits::SIX).expose(), code);
            assert_eq!(
                hotp(RFC_KEY, counter, Digits::SIX, Algorithm::Sha1).expose(),
                code
            );
        }
    }

    #[test]
    fn rfc4226_eight_digits() {
        let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
        for (counter, code) in [(0, "84755224"), (1, "94287082"), (2, "37359152")] {
            assert_eq!(key.hotp(counter, Digits::EIGHT).expose(), code);
        }
        // Seven digits: the truncated value mod 10^7.
        assert_eq!(key.hotp(0, Digits::SEVEN).expose(), "4755224");
        assert_eq!(key.hotp(7, Digits::SEVEN).expose(), "2162583");
        assert_eq!(key.hotp(7, Digits::EIGHT).expose(), "82162583");
    }

    const SEED_SHA1: &[u8] = b"12345678901234567890";
    const SEED_SHA256: &[u8] = b"12345678901234567890123456789012";
    const SEED_SHA512: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    /// RFC 6238 Appendix B: time, T, SHA-1, SHA-256, SHA-512 (8 digits, step 30, T0 0).
    const RFC6238: [(i64, i64, &str, &str, &str); 6] = [
        (59, 0x1, "94287082", "46119246", "90693936"),
        (1111111109, 0x23523EC, "07081804", "68084774", "25091201"),
        (1111111111, 0x23523ED, "14050471", "67062674", "99943326"),
        (1234567890, 0x273EF07, "89005924", "91819424", "93441116"),
        (2000000000, 0x3F940AA, "69279037", "90698825", "38618901"),
        (20000000000, 0x27BC86AA, "65353130", "77737706", "47863826"),
    ];

    #[test]
    fn rfc6238_appendix_b_all_18() {
        let k1 = OathKey::new(Algorithm::Sha1, SEED_SHA1);
        let k256 = OathKey::new(Algorithm::Sha256, SEED_SHA256);
        let k512 = OathKey::new(Algorithm::Sha512, SEED_SHA512);
        let mut checked = 0;
        for (time, t_hex, c1, c256, c512) in RFC6238 {
            let t = totp_step(time, 0, 30, 0);
            assert_eq!(t, t_hex, "T at {time}");
            for (key, want) in [(&k1, c1), (&k256, c256), (&k512, c512)] {
                let got = totp_at(key, t, Digits::EIGHT).unwrap();
                assert_eq!(got.expose(), want, "{:?} at {time}", key.algorithm());
                assert_eq!(
                    verify_totp(key, want, Digits::EIGHT, t, 0, 0),
                    TotpMatch::Accepted { step: t, offset: 0 }
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 18);
        // The last row's time, 20 000 000 000 s, is beyond 2^32: no 32-bit truncation.
    }

    #[test]
    fn django_otp_regression_vectors() {
        let hkey = OathKey::new(
            Algorithm::Sha1,
            &unhex("d2e8a68036f68960b1c30532bb6c56da5934d879"),
        );
        for (c, code) in ["782373", "313268", "307722"].into_iter().enumerate() {
            assert_eq!(hkey.hotp(c as u64, Digits::SIX).expose(), code);
        }
        let tkey = OathKey::new(
            Algorithm::Sha1,
            &unhex("2a2bbba1092ffdd25a328ad1a0a5f5d61d7aacc4"),
        );
        let want = [
            "179225", "656163", "839400", "154567", "346912", "471576", "045675", "101397",
            "491039", "784503",
        ];
        for (t, code) in want.into_iter().enumerate() {
            assert_eq!(
                totp_at(&tkey, t as i64, Digits::SIX).unwrap().expose(),
                code
            );
        }
    }

    #[test]
    fn leading_zeros_are_kept() {
        let tkey = OathKey::new(
            Algorithm::Sha1,
            &unhex("2a2bbba1092ffdd25a328ad1a0a5f5d61d7aacc4"),
        );
        let code = tkey.hotp(6, Digits::SIX);
        assert_eq!(code.expose(), "045675");
        assert_eq!(code.expose().len(), 6);
    }

    /// The keyed state's HMAC equals the `hmac` crate's, keyed afresh, for every key length
    /// (shorter than, equal to and longer than the block) and counters across the range.
    #[test]
    fn hmac_bytes_match_the_hmac_crate_for_every_length() {
        fn direct<M: Mac + KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
            let mut m = <M as KeyInit>::new_from_slice(key).unwrap();
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        for alg in Algorithm::ALL {
            for len in [0usize, 1, 15, 16, 20, 32, 63, 64, 65, 127, 128, 129, 200] {
                let key: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
                let prepared = OathKey::new(alg, &key);
                for counter in [0u64, 1, 42, 0x0123_4567_89ab_cdef, u64::MAX] {
                    let ours = prepared.hmac_bytes(counter);
                    let msg = counter.to_be_bytes();
                    let theirs = match alg {
                        Algorithm::Sha1 => direct::<Hmac<Sha1>>(&key, &msg),
                        Algorithm::Sha256 => direct::<Hmac<Sha256>>(&key, &msg),
                        Algorithm::Sha512 => direct::<Hmac<Sha512>>(&key, &msg),
                    };
                    assert_eq!(ours, theirs, "{alg} key length {len} counter {counter}");
                    assert_eq!(ours.len(), alg.default_key_len());
                }
            }
        }
    }

    /// A window of `n` codes equals `n` single codes and costs exactly `n` HMACs; the
    /// one-shot `hotp` from a raw key equals the prepared key's for every key length.
    #[test]
    fn windows_and_one_shot_equal_single_codes() {
        for alg in Algorithm::ALL {
            for len in [0usize, 1, 20, 32, 64, 65, 128, 129, 200] {
                let raw: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
                let key = OathKey::new(alg, &raw);
                for first in [0u64, 7, 1_000_000, i64::MAX as u64 - 3, u64::MAX - 2] {
                    for n in 0..=5u64 {
                        // `first ..= first + n − 1`, up to u64::MAX; empty for n = 0.
                        let last = match first.checked_add(n).map(|end| end.checked_sub(1)) {
                            Some(Some(last)) => last,
                            Some(None) => continue,
                            None => u64::MAX,
                        };
                        let mut seen = Vec::new();
                        let before = hmac_count();
                        key.for_each_code(first, last, Digits::EIGHT, |c, code| {
                            seen.push((c, code));
                        });
                        let count = hmac_count() - before;
                        assert_eq!(count, seen.len() as u64, "{alg} {len} {first} {n}");
                        assert!(count <= n);
                        for (c, code) in seen {
                            let single = key.hotp(c, Digits::EIGHT);
                            assert_eq!(code.map(|v| OtpCode::new(v, Digits::EIGHT)), Some(single));
                        }
                    }
                    for digits in [Digits::SIX, Digits::SEVEN, Digits::EIGHT] {
                        let before = hmac_count();
                        let one_shot = hotp(&raw, first, digits, alg);
                        assert_eq!(hmac_count() - before, 1);
                        assert_eq!(one_shot, key.hotp(first, digits), "{alg} {len} {first}");
                    }
                }
            }
        }
    }

    /// A token of any other shape than `digits` ASCII digits matches no candidate, and the
    /// window is still computed in full (REQ-08).
    #[test]
    fn malformed_tokens_never_match_and_cost_the_full_window() {
        let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
        // "287082" is the code of counter 1; these are near misses of its shape.
        for token in [
            "",
            "28708",
            "2870822",
            " 287082",
            "287082 ",
            "28708a",
            "+28708",
            "２８７０８２",
        ] {
            for tol in [0u8, 1, 3] {
                let before = hmac_count();
                assert_eq!(
                    verify_totp(&key, token, Digits::SIX, 5, tol, 0),
                    TotpMatch::NoMatch,
                    "{token:?}"
                );
                assert_eq!(hmac_count() - before, 2 * u64::from(tol) + 1);
                let before = hmac_count();
                assert_eq!(verify_hotp(&key, token, Digits::SIX, 0, tol), None);
                assert_eq!(hmac_count() - before, u64::from(tol) + 1);
            }
        }
        assert_eq!(token_value("0012345", Digits::SEVEN).0, 12345);
        assert_eq!(token_value("99999999", Digits::EIGHT).0, 99_999_999);
        assert_eq!(
            verify_totp(&key, "287082", Digits::SIX, 1, 0, 0),
            TotpMatch::Accepted { step: 1, offset: 0 }
        );
    }

    #[test]
    fn dynamic_truncate_uses_last_byte_for_every_algorithm() {
        // Offset from the last byte: byte 19, 31 or 63.
        for len in [20usize, 32, 64] {
            let mut mac = vec![0u8; len];
            mac[len - 1] = 0x0F; // offset 15
            mac[15..19].copy_from_slice(&[0xFF, 0x01, 0x02, 0x03]);
            assert_eq!(dynamic_truncate(&mac), Some(0x7F01_0203));
        }
        assert_eq!(dynamic_truncate(&[]), None);
        assert_eq!(dynamic_truncate(&[0x0F; 10]), None);
        assert_eq!(dynamic_truncate(&[0x00, 0, 0, 0]), Some(0));
    }

    #[test]
    fn algorithm_names_and_serde() {
        for (alg, name, len) in [
            (Algorithm::Sha1, "SHA1", 20),
            (Algorithm::Sha256, "SHA256", 32),
            (Algorithm::Sha512, "SHA512", 64),
        ] {
            assert_eq!(alg.as_str(), name);
            assert_eq!(alg.to_string(), name);
            assert_eq!(name.parse::<Algorithm>().unwrap(), alg);
            assert_eq!(alg.default_key_len(), len);
            assert_eq!(serde_json::to_string(&alg).unwrap(), format!("\"{name}\""));
            assert_eq!(
                serde_json::from_str::<Algorithm>(&format!("\"{name}\"")).unwrap(),
                alg
            );
        }
        for bad in ["sha1", "SHA-1", "SHA224", "", " SHA1", "SHA1 ", "Sha1"] {
            assert_eq!(bad.parse::<Algorithm>(), Err(OathError::UnknownAlgorithm));
            assert!(serde_json::from_str::<Algorithm>(&format!("\"{bad}\"")).is_err());
        }
        assert_eq!(Algorithm::default(), Algorithm::Sha1);
    }

    #[test]
    fn digits_validation_and_serde() {
        for d in 0..=u8::MAX {
            let r = Digits::new(d);
            assert_eq!(r.is_ok(), (6..=8).contains(&d), "{d}");
            if let Ok(x) = r {
                assert_eq!(x.get(), d);
                assert_eq!(serde_json::to_string(&x).unwrap(), d.to_string());
            } else {
                assert_eq!(r, Err(OathError::InvalidDigits { digits: d }));
            }
            let parsed = serde_json::from_str::<Digits>(&d.to_string());
            assert_eq!(parsed.is_ok(), (6..=8).contains(&d));
        }
        assert!(serde_json::from_str::<Digits>("\"6\"").is_err());
        assert!(serde_json::from_str::<Digits>("-6").is_err());
        assert!(serde_json::from_str::<Digits>("256").is_err());
        assert_eq!(Digits::SIX.get(), 6);
        assert_eq!(Digits::SEVEN.get(), 7);
        assert_eq!(Digits::EIGHT.get(), 8);
    }

    #[test]
    fn totp_step_floor_and_saturation() {
        assert_eq!(totp_step(0, 0, 30, 0), 0);
        assert_eq!(totp_step(29, 0, 30, 0), 0);
        assert_eq!(totp_step(30, 0, 30, 0), 1);
        assert_eq!(totp_step(-1, 0, 30, 0), -1);
        assert_eq!(totp_step(-30, 0, 30, 0), -1);
        assert_eq!(totp_step(-31, 0, 30, 0), -2);
        assert_eq!(totp_step(100, 200, 30, 0), -4); // floor(-100/30) = -4
        assert_eq!(totp_step(30, 0, 30, 1), 2);
        assert_eq!(totp_step(30, 0, 30, -1), 0);
        assert_eq!(totp_step(30, 0, 30, i16::MIN), 1 - 32768);
        assert_eq!(totp_step(i64::MAX, i64::MIN, 1, i16::MAX), i64::MAX);
        assert_eq!(totp_step(i64::MIN, i64::MAX, 1, i16::MIN), i64::MIN);
        assert_eq!(totp_step(i64::MAX, 0, 1, 0), i64::MAX);
        assert_eq!(totp_step(i64::MIN, 0, 120, 0), i64::MIN.div_euclid(120));
        assert_eq!(totp_step(10, 0, 0, 0), 10); // step 0 treated as 1
        // docs/behaviour.md §4.2: t0 = now_s − 60 → T = 2.
        assert_eq!(totp_step(1000, 940, 30, 0), 2);
    }

    #[test]
    fn spec_4_2_examples() {
        let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
        let t = totp_step(30, 0, 30, 0);
        assert_eq!(t, 1);
        assert_eq!(totp_at(&key, t, Digits::SIX).unwrap().expose(), "287082");
        assert_eq!(
            verify_totp(&key, "359152", Digits::SIX, t, 0, 0),
            TotpMatch::NoMatch
        );
        assert_eq!(
            verify_totp(&key, "359152", Digits::SIX, t, 1, 0),
            TotpMatch::Accepted { step: 2, offset: 1 }
        );
        // drift 0, tolerance 1, min_t 3: not accepted (drift would stay 0).
        assert!(!matches!(
            verify_totp(&key, "359152", Digits::SIX, t, 1, 3),
            TotpMatch::Accepted { .. }
        ));
        // t0 = now_s − 60: T = 2 and the token is 359152.
        let t2 = totp_step(30, 30 - 60, 30, 0);
        assert_eq!(t2, 2);
        assert_eq!(totp_at(&key, t2, Digits::SIX).unwrap().expose(), "359152");
    }

    fn django_totp_key() -> OathKey {
        OathKey::new(
            Algorithm::Sha1,
            &unhex("2a2bbba1092ffdd25a328ad1a0a5f5d61d7aacc4"),
        )
    }

    const DJANGO_TOKENS: [&str; 10] = [
        "179225", "656163", "839400", "154567", "346912", "471576", "045675", "101397", "491039",
        "784503",
    ];

    /// Which of the ten django-otp tokens verify, each on a fresh device (`last_t = −1`).
    fn accepted_indexes(now_s: i64, t0: i64, drift: i16, tolerance: u8) -> Vec<usize> {
        let key = django_totp_key();
        let t = totp_step(now_s, t0, 30, drift);
        DJANGO_TOKENS
            .iter()
            .enumerate()
            .filter(|(_, tok)| {
                matches!(
                    verify_totp(&key, tok, Digits::SIX, t, tolerance, 0),
                    TotpMatch::Accepted { .. }
                )
            })
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn spec_5_1_tolerance_examples() {
        let now = 1_700_000_000;
        let t0 = now - 90; // current step 3
        assert_eq!(accepted_indexes(now, t0, 0, 0), vec![3]);
        assert_eq!(accepted_indexes(now, t0, 0, 1), vec![2, 3, 4]);
        assert_eq!(accepted_indexes(now, t0, -1, 1), vec![1, 2, 3]);
        // Tolerance 2 with sync: token 5 accepted, drift becomes 2.
        let key = django_totp_key();
        let t = totp_step(now, t0, 30, 0);
        assert_eq!(
            verify_totp(&key, DJANGO_TOKENS[5], Digits::SIX, t, 2, 0),
            TotpMatch::Accepted { step: 5, offset: 2 }
        );
        // Token 3 twice: accepted (last_t = 3), then replay with min_t = last_t + 1.
        assert_eq!(
            verify_totp(&key, DJANGO_TOKENS[3], Digits::SIX, t, 0, 0),
            TotpMatch::Accepted { step: 3, offset: 0 }
        );
        assert_eq!(
            verify_totp(&key, DJANGO_TOKENS[3], Digits::SIX, t, 0, 4),
            TotpMatch::Replay { step: 3 }
        );
    }

    #[test]
    fn spec_5_1_boundaries() {
        // step 30, tolerance 1, last_t = −1. At 59.999 s, now_s = 59 (T = 1).
        let key = django_totp_key();
        let t = totp_step(59, 0, 30, 0);
        assert_eq!(t, 1);
        for step in [0, 1, 2] {
            assert_eq!(
                verify_totp(&key, DJANGO_TOKENS[step], Digits::SIX, t, 1, 0),
                TotpMatch::Accepted {
                    step: step as i64,
                    offset: step as i64 - 1
                }
            );
        }
        let t = totp_step(60, 0, 30, 0);
        assert_eq!(t, 2);
        assert_eq!(
            verify_totp(&key, DJANGO_TOKENS[0], Digits::SIX, t, 1, 0),
            TotpMatch::NoMatch
        );
    }

    #[test]
    fn req_03_window_boundaries() {
        let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
        for k in [5i64, 1_000, 56_666_666] {
            for now in [30 * k - 1, 30 * k, 30 * k + 29] {
                let t = totp_step(now, 0, 30, 0);
                for o in -3i64..=3 {
                    let code = totp_at(&key, t + o, Digits::SIX).unwrap();
                    let r = verify_totp(&key, code.expose(), Digits::SIX, t, 1, 0);
                    if o.abs() <= 1 {
                        assert_eq!(
                            r,
                            TotpMatch::Accepted {
                                step: t + o,
                                offset: o
                            },
                            "{now} {o}"
                        );
                    } else {
                        assert_eq!(r, TotpMatch::NoMatch, "{now} {o}");
                    }
                    // Tolerance 0 accepts T only.
                    let r0 = verify_totp(&key, code.expose(), Digits::SIX, t, 0, 0);
                    assert_eq!(matches!(r0, TotpMatch::Accepted { .. }), o == 0);
                }
            }
        }
    }

    #[test]
    fn highest_matching_step_wins() {
        // With a 6-digit code, collisions across nearby steps are rare; find one by search
        // over steps for the RFC key and check that the highest matching step is reported.
        let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
        let mut seen = std::collections::HashMap::new();
        let mut pair = None;
        for t in 0..3_000_000i64 {
            let code = totp_at(&key, t, Digits::SIX).unwrap().expose().to_owned();
            if let Some(&prev) = seen.get(&code)
                && t - prev <= 20
            {
                pair = Some((prev, t, code));
                break;
            }
            seen.insert(code, t);
        }
        let (lo, hi, code) = pair.expect("a colliding pair within 20 steps");
        let mid = (lo + hi) / 2;
        let tol = u8::try_from(hi - mid)
            .unwrap()
            .max(u8::try_from(mid - lo).unwrap());
        assert_eq!(
            verify_totp(&key, &code, Digits::SIX, mid, tol, 0),
            TotpMatch::Accepted {
                step: hi,
                offset: hi - mid
            }
        );
        // With the higher one already used, the lower one is not acceptable either: replay.
        assert_eq!(
            verify_totp(&key, &code, Digits::SIX, mid, tol, hi + 1),
            TotpMatch::Replay { step: hi }
        );
        // HOTP: highest counter wins.
        let c = u64::try_from(lo).unwrap();
        let htol = u8::try_from(hi - lo).unwrap();
        assert_eq!(
            verify_hotp(&key, &code, Digits::SIX, c, htol),
            Some(u64::try_from(hi).unwrap())
        );
    }

    #[test]
    fn replay_and_negative_candidates() {
        let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
        let c0 = totp_at(&key, 0, Digits::SIX).unwrap();
        // At T = 0 the candidate −1 is neither computed nor acceptable.
        let before = hmac_count();
        assert_eq!(
            verify_totp(&key, c0.expose(), Digits::SIX, 0, 1, -5),
            TotpMatch::Accepted { step: 0, offset: 0 }
        );
        assert_eq!(hmac_count() - before, 2);
        // min_t = 1: step 0 matched but is used → replay.
        assert_eq!(
            verify_totp(&key, c0.expose(), Digits::SIX, 0, 1, 1),
            TotpMatch::Replay { step: 0 }
        );
        // Entirely negative window: nothing computed.
        let before = hmac_count();
        assert_eq!(
            verify_totp(&key, c0.expose(), Digits::SIX, -10, 3, i64::MIN),
            TotpMatch::NoMatch
        );
        assert_eq!(hmac_count() - before, 0);
        // Replay with an acceptable mismatch alongside: replay reported.
        let c5 = totp_at(&key, 5, Digits::SIX).unwrap();
        assert_eq!(
            verify_totp(&key, c5.expose(), Digits::SIX, 5, 1, 6),
            TotpMatch::Replay { step: 5 }
        );
        // A used step's code that is also... not in the window at all: NoMatch.
        assert_eq!(
            verify_totp(&key, c5.expose(), Digits::SIX, 50, 1, 0),
            TotpMatch::NoMatch
        );
    }

    #[test]
    fn req_08_totp_hmac_counts() {
        let key = OathKey::new(Algorithm::Sha256, SEED_SHA256);
        let t = 1_000;
        for tol in 0u8..=10 {
            let span = i64::from(tol);
            let mut tokens: Vec<String> = (-span..=span)
                .map(|o| {
                    totp_at(&key, t + o, Digits::SIX)
                        .unwrap()
                        .expose()
                        .to_owned()
                })
                .collect();
            tokens.push("000000".to_owned()); // (almost surely) no match
            tokens.push("abc".to_owned()); // wrong length
            tokens.push(String::new());
            for tok in &tokens {
                for min_t in [0, t, t + 100] {
                    let before = hmac_count();
                    let _ = verify_totp(&key, tok, Digits::SIX, t, tol, min_t);
                    assert_eq!(hmac_count() - before, 2 * u64::from(tol) + 1);
                }
            }
        }
    }

    #[test]
    fn req_08_hotp_hmac_counts() {
        let key = OathKey::new(Algorithm::Sha512, SEED_SHA512);
        for tol in 0u8..=20 {
            let mut tokens: Vec<String> = (0..=u64::from(tol))
                .map(|o| key.hotp(100 + o, Digits::EIGHT).expose().to_owned())
                .collect();
            tokens.push("00000000".to_owned());
            tokens.push("1".to_owned());
            for tok in &tokens {
                let before = hmac_count();
                let _ = verify_hotp(&key, tok, Digits::EIGHT, 100, tol);
                assert_eq!(hmac_count() - before, u64::from(tol) + 1);
            }
        }
    }

    #[test]
    fn hotp_window_and_spec_5_2_examples() {
        let key = OathKey::new(
            Algorithm::Sha1,
            &unhex("d2e8a68036f68960b1c30532bb6c56da5934d879"),
        );
        // Tolerance 1, starting from counter 0.
        assert_eq!(verify_hotp(&key, "782373", Digits::SIX, 0, 1), Some(0));
        assert_eq!(verify_hotp(&key, "313268", Digits::SIX, 0, 1), Some(1));
        assert_eq!(verify_hotp(&key, "307722", Digits::SIX, 0, 1), None);
        assert_eq!(verify_hotp(&key, "123456", Digits::SIX, 0, 1), None);
        // Default tolerance 5 checks 6 counters: c..=c+5.
        let k = OathKey::new(Algorithm::Sha1, RFC_KEY);
        let want = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922",
        ];
        for (i, tok) in want.iter().enumerate() {
            let r = verify_hotp(&k, tok, Digits::SIX, 0, 5);
            assert_eq!(r, (i <= 5).then_some(i as u64));
        }
        // Counters below the current one never match.
        assert_eq!(verify_hotp(&k, "755224", Digits::SIX, 1, 5), None);
    }

    #[test]
    fn hotp_counter_limits() {
        let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
        let max = i64::MAX as u64;
        let at_max = key.hotp(max, Digits::SIX);
        // Candidates above 2^63 − 1 are skipped (not computed).
        let before = hmac_count();
        assert_eq!(
            verify_hotp(&key, at_max.expose(), Digits::SIX, max - 1, 5),
            Some(max)
        );
        assert_eq!(hmac_count() - before, 2);
        let before = hmac_count();
        assert_eq!(
            verify_hotp(&key, at_max.expose(), Digits::SIX, u64::MAX, 20),
            None
        );
        assert_eq!(hmac_count() - before, 0);
        // hotp itself accepts any u64 counter.
        assert_eq!(key.hotp(u64::MAX, Digits::SIX).expose().len(), 6);
    }

    #[test]
    fn totp_extreme_steps_do_not_panic() {
        let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
        for t in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            for tol in [0u8, 1, 10, 255] {
                let _ = verify_totp(&key, "000000", Digits::SIX, t, tol, i64::MIN);
                let _ = verify_totp(&key, "000000", Digits::SIX, t, tol, i64::MAX);
            }
        }
        let code = totp_at(&key, i64::MAX, Digits::SIX).unwrap();
        assert_eq!(
            verify_totp(&key, code.expose(), Digits::SIX, i64::MAX, 1, 0),
            TotpMatch::Accepted {
                step: i64::MAX,
                offset: 0
            }
        );
    }

    #[test]
    fn hmac_count_is_thread_local() {
        let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
        let before = hmac_count();
        std::thread::spawn(move || {
            let b = hmac_count();
            let _ = key.hotp(0, Digits::SIX);
            assert_eq!(hmac_count() - b, 1);
        })
        .join()
        .unwrap();
        assert_eq!(hmac_count(), before);
    }

    #[test]
    fn debug_is_redacted() {
        let key = OathKey::new(Algorithm::Sha512, SEED_SHA512);
        let dbg = format!("{key:?}");
        assert_eq!(dbg, "OathKey { algorithm: SHA512, key: [REDACTED] }");
        assert!(!dbg.contains("1234"));
        let code = key.hotp(0, Digits::SIX);
        assert_eq!(format!("{code:?}"), "OtpCode([REDACTED])");
        assert_eq!(format!("{code}"), "[REDACTED]");
    }

    #[test]
    fn otp_codes_keep_leading_zeros_and_compare_by_value() {
        for (value, digits, text) in [
            (0, Digits::SIX, "000000"),
            (42, Digits::SEVEN, "0000042"),
            (99_999_999, Digits::EIGHT, "99999999"),
            (1_000, Digits::SIX, "001000"),
        ] {
            let code = OtpCode::new(value, digits);
            assert_eq!(code.expose(), text);
            assert_eq!(code.digits(), digits);
            assert_eq!(SecretString::from(code.clone()).expose(), text);
        }
        assert!(OtpCode::new(1, Digits::SIX) == OtpCode::new(1, Digits::SIX));
        assert!(OtpCode::new(1, Digits::SIX) != OtpCode::new(2, Digits::SIX));
        // Same padding bytes, different lengths: "000001" vs "0000001".
        assert!(OtpCode::new(1, Digits::SIX) != OtpCode::new(1, Digits::SEVEN));
    }
}
