//! Secret values in memory: redacted in `Debug`/`Display`, zeroed on drop (docs/behaviour.md §5.7).

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Secret bytes (an OATH key, a sealing key). `Debug` prints `SecretBytes([REDACTED; n])`.
///
/// ```
/// use otpkit::SecretBytes;
/// let k = SecretBytes::new(b"12345678901234567890".to_vec());
/// assert_eq!(format!("{k:?}"), "SecretBytes([REDACTED; 20])");
/// assert_eq!(k.expose().len(), 20);
/// ```
///
/// `==` compares in constant time (REQ-08): it takes as long whatever the contents and
/// wherever they differ (the length is not secret).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SecretBytes {}

impl SecretBytes {
    /// Wraps `bytes`; they are zeroed when the value is dropped.
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretBytes(bytes)
    }

    /// `len` bytes from the operating system's CSPRNG (REQ-01).
    pub fn random(len: usize) -> Result<Self, getrandom::Error> {
        let mut v = vec![0u8; len];
        getrandom::fill(&mut v)?;
        Ok(SecretBytes(v))
    }

    /// The secret bytes. Every use is a place to review.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([REDACTED; {}])", self.0.len())
    }
}

/// A secret string (a token, a backup code, a URI carrying a key). `Debug` and `Display`
/// print `[REDACTED]`.
///
/// ```
/// use otpkit::SecretString;
/// let t = SecretString::from("123456");
/// assert_eq!(format!("{t:?} {t}"), "SecretString([REDACTED]) [REDACTED]");
/// assert_eq!(t.expose(), "123456");
/// assert!(t == SecretString::from("123456") && t != SecretString::from("123457"));
/// ```
///
/// `==` compares in constant time (REQ-08), like [`SecretBytes`].
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretString(String);

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for SecretString {}

impl SecretString {
    /// Wraps `s`; it is zeroed when the value is dropped.
    pub fn new(s: String) -> Self {
        SecretString(s)
    }

    /// The secret text. Every use is a place to review.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        SecretString(s.to_owned())
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        SecretString(s)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([REDACTED])")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}
