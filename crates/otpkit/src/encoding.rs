//! User-typed OATH secrets: base32 and hex import, base32 output, key length rules
//! (docs/behaviour.md §5.7 "User-typed secrets", REQ-01).
//!
//! * [`decode_base32_secret`] reads what people type or paste from a provider's setup page:
//!   either case, spaces and `-` ignored, `=` padding optional (but only at the end, and
//!   only in the amount RFC 4648 requires). Anything outside the RFC 4648 alphabet (`0`, `1`,
//!   `8`, `9`, …) and non-zero trailing bits are rejected rather than guessed at. The bit
//!   decoding itself is [`data_encoding::BASE32_NOPAD`].
//! * [`decode_hex_secret`] reads django-otp's hex keys: even length, 32–128 digits.
//! * [`check_key_len`] enforces 16–64 bytes for imported keys (RFC 4226 R6 asks for at least
//!   128 bits; 64 bytes is the SHA-512 block). The `danger-short-secrets` feature lowers the
//!   minimum to 1 byte.
//!
//! No error message ever contains the secret text: errors carry positions and lengths only.
//! Intermediate buffers are zeroed.
//!
//! ```
//! use otpkit::encoding::{check_key_len, decode_base32_secret, encode_base32};
//!
//! let key = decode_base32_secret("gezd gnbv gy3t qojq-gezd gnbv gy3t qojq").unwrap();
//! assert_eq!(key.expose(), b"12345678901234567890");
//! assert!(check_key_len(key.len()).is_ok());
//! assert_eq!(encode_base32(key.expose()), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
//! ```

use data_encoding::{BASE32_NOPAD, DecodeKind, HEXLOWER_PERMISSIVE};
use zeroize::Zeroizing;

use crate::secret::SecretBytes;

/// Secret texts longer than this many bytes are rejected before they are scanned.
pub const MAX_SECRET_INPUT_BYTES: usize = 1024;

/// The RFC behind a minimum key length of 16 bytes or more (none for the shorter minimum of
/// `danger-short-secrets`, which the RFC does not allow).
fn rfc_note(min: &usize) -> &'static str {
    if *min >= 16 { " (RFC 4226 R6)" } else { "" }
}

/// The shortest imported key, in bytes: 16 (128 bits, RFC 4226 R6), or 1 with the
/// `danger-short-secrets` feature.
pub const MIN_KEY_LEN: usize = if cfg!(feature = "danger-short-secrets") {
    1
} else {
    16
};

/// The longest imported key, in bytes (the SHA-512 block and output size).
pub const MAX_KEY_LEN: usize = 64;

/// Why a secret could not be imported. Messages name positions and lengths, never the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is empty (or only spaces and hyphens).
    #[error("the secret is empty")]
    Empty,
    /// The input is longer than [`MAX_SECRET_INPUT_BYTES`].
    #[error("the secret text is longer than {max} bytes")]
    InputTooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// A character outside the base32 alphabet (RFC 4648: `A`–`Z`, `2`–`7`, in either case).
    #[error(
        "invalid character at position {position}: base32 secrets use only the letters A-Z and \
         the digits 2-7 (0, 1, 8 and 9 do not occur)"
    )]
    InvalidCharacter {
        /// The 0-based position of the character in the input, counted in characters.
        position: usize,
    },
    /// A character that is not a hex digit.
    #[error("invalid character at position {position}: hex keys use only 0-9 and a-f")]
    InvalidHexCharacter {
        /// The 0-based position of the character in the input, counted in characters.
        position: usize,
    },
    /// `=` before the end, or a padding amount that does not fit the length.
    #[error(
        "invalid '=' padding: padding is optional, but may only appear at the end and in the \
         amount the length requires"
    )]
    Padding,
    /// The number of base32 characters cannot be a whole number of bytes.
    #[error(
        "invalid base32 length: the secret appears truncated or has extra characters \
         (a group of 8 cannot end after 1, 3 or 6 characters)"
    )]
    Base32Length,
    /// The last base32 character carries non-zero unused bits: a truncated or mistyped secret.
    #[error(
        "the last base32 character has non-zero unused bits: the secret is mistyped or truncated"
    )]
    TrailingBits,
    /// A hex key with an odd number of digits.
    #[error("a hex key needs an even number of digits")]
    OddHexLength,
    /// A hex key with too few or too many digits.
    #[error("a hex key has {min} to {max} digits, this one has {digits}")]
    HexLength {
        /// Digits found.
        digits: usize,
        /// Fewest digits accepted.
        min: usize,
        /// Most digits accepted.
        max: usize,
    },
    /// The key is shorter than [`MIN_KEY_LEN`].
    #[error(
        "the key is {len} bytes long, at least {min} bytes ({bits} bits) are required{rfc}",
        bits = .min.saturating_mul(8),
        rfc = rfc_note(.min)
    )]
    SecretTooShort {
        /// The key's length in bytes.
        len: usize,
        /// The minimum in bytes.
        min: usize,
    },
    /// The key is longer than [`MAX_KEY_LEN`].
    #[error("the key is {len} bytes long, at most {max} bytes are accepted")]
    SecretTooLong {
        /// The key's length in bytes.
        len: usize,
        /// The maximum in bytes.
        max: usize,
    },
}

/// Checks the length of an imported key: [`MIN_KEY_LEN`] (16) to [`MAX_KEY_LEN`] (64) bytes.
///
/// ```
/// use otpkit::encoding::{check_key_len, SecretError};
/// assert!(check_key_len(16).is_ok());
/// assert!(check_key_len(64).is_ok());
/// assert!(matches!(check_key_len(65), Err(SecretError::SecretTooLong { len: 65, .. })));
/// # #[cfg(not(feature = "danger-short-secrets"))]
/// assert!(matches!(check_key_len(15), Err(SecretError::SecretTooShort { len: 15, .. })));
/// ```
pub fn check_key_len(len: usize) -> Result<(), SecretError> {
    if len < MIN_KEY_LEN {
        Err(SecretError::SecretTooShort {
            len,
            min: MIN_KEY_LEN,
        })
    } else if len > MAX_KEY_LEN {
        Err(SecretError::SecretTooLong {
            len,
            max: MAX_KEY_LEN,
        })
    } else {
        Ok(())
    }
}

/// RFC 4648 base32, upper case, without `=` padding (the otpauth form, docs/behaviour.md §5.5).
///
/// ```
/// use otpkit::encoding::encode_base32;
/// assert_eq!(encode_base32(&[0; 16]), "AAAAAAAAAAAAAAAAAAAAAAAAAA");
/// ```
pub fn encode_base32(bytes: &[u8]) -> String {
    BASE32_NOPAD.encode(bytes)
}

/// The number of `=` RFC 4648 requires after `rem` characters of a final 8-character
/// group, or `None` if a group cannot end there.
fn required_padding(rem: usize) -> Option<usize> {
    match rem {
        0 => Some(0),
        2 => Some(6),
        4 => Some(4),
        5 => Some(3),
        7 => Some(1),
        _ => None,
    }
}

/// Decodes a user-typed base32 secret (docs/behaviour.md §5.7). Does not check the key length: use
/// [`check_key_len`], or [`decode_base32_key`] for both.
///
/// ```
/// use otpkit::encoding::{decode_base32_secret, SecretError};
/// assert_eq!(decode_base32_secret("MFRGG===").unwrap().expose(), b"abc");
/// assert_eq!(decode_base32_secret("mfrgg").unwrap().expose(), b"abc");
/// assert_eq!(decode_base32_secret("MF=RGG"), Err(SecretError::Padding));
/// assert_eq!(decode_base32_secret("MFRGH"), Err(SecretError::TrailingBits));
/// assert_eq!(decode_base32_secret("MFRG0"),
///            Err(SecretError::InvalidCharacter { position: 4 }));
/// ```
pub fn decode_base32_secret(input: &str) -> Result<SecretBytes, SecretError> {
    if input.len() > MAX_SECRET_INPUT_BYTES {
        return Err(SecretError::InputTooLong {
            max: MAX_SECRET_INPUT_BYTES,
        });
    }
    // Capacity reserved up front: no reallocation, so no unzeroed copy.
    let mut symbols = Zeroizing::new(Vec::<u8>::with_capacity(input.len()));
    let mut padding = 0usize;
    for (position, c) in input.chars().enumerate() {
        match c {
            ' ' | '-' => {}
            '=' => padding += 1,
            'A'..='Z' | 'a'..='z' | '2'..='7' => {
                if padding > 0 {
                    return Err(SecretError::Padding);
                }
                // The match arm guarantees ASCII, so the byte is the character.
                symbols.push(c.to_ascii_uppercase() as u8);
            }
            _ => return Err(SecretError::InvalidCharacter { position }),
        }
    }
    if symbols.is_empty() {
        return Err(if padding > 0 {
            SecretError::Padding
        } else {
            SecretError::Empty
        });
    }
    let Some(required) = required_padding(symbols.len() % 8) else {
        return Err(SecretError::Base32Length);
    };
    if padding != 0 && padding != required {
        return Err(SecretError::Padding);
    }
    let len = BASE32_NOPAD
        .decode_len(symbols.len())
        .map_err(|_| SecretError::Base32Length)?;
    let mut out = Zeroizing::new(vec![0u8; len]);
    match BASE32_NOPAD.decode_mut(&symbols, &mut out) {
        Ok(written) => {
            out.truncate(written);
            Ok(SecretBytes::new(std::mem::take(&mut *out)))
        }
        Err(partial) => Err(match partial.error.kind {
            DecodeKind::Trailing => SecretError::TrailingBits,
            DecodeKind::Padding => SecretError::Padding,
            DecodeKind::Length => SecretError::Base32Length,
            // Unreachable: every symbol was checked above. Report the stripped position.
            DecodeKind::Symbol => SecretError::InvalidCharacter {
                position: partial.error.position,
            },
        }),
    }
}

/// [`decode_base32_secret`] followed by [`check_key_len`]: an importable OATH key.
///
/// ```
/// use otpkit::encoding::{decode_base32_key, SecretError};
/// assert_eq!(decode_base32_key("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap().len(), 20);
/// # #[cfg(not(feature = "danger-short-secrets"))]
/// assert!(matches!(decode_base32_key("MFRGG"), Err(SecretError::SecretTooShort { len: 3, .. })));
/// ```
pub fn decode_base32_key(input: &str) -> Result<SecretBytes, SecretError> {
    let key = decode_base32_secret(input)?;
    check_key_len(key.len())?;
    Ok(key)
}

/// Decodes a hex key (django-otp's storage format): an even number of hex digits, either
/// case, 32–128 digits (16–64 bytes; with `danger-short-secrets`, from 2 digits). No
/// whitespace or separators.
///
/// ```
/// use otpkit::encoding::{decode_hex_secret, SecretError};
/// let key = decode_hex_secret("3132333435363738393031323334353637383930").unwrap();
/// assert_eq!(key.expose(), b"12345678901234567890");
/// assert_eq!(decode_hex_secret("abc"), Err(SecretError::OddHexLength));
/// ```
pub fn decode_hex_secret(input: &str) -> Result<SecretBytes, SecretError> {
    if input.len() > MAX_SECRET_INPUT_BYTES {
        return Err(SecretError::InputTooLong {
            max: MAX_SECRET_INPUT_BYTES,
        });
    }
    if input.is_empty() {
        return Err(SecretError::Empty);
    }
    if let Some(position) = input.chars().position(|c| !c.is_ascii_hexdigit()) {
        return Err(SecretError::InvalidHexCharacter { position });
    }
    // All characters are ASCII now, so bytes = digits.
    let digits = input.len();
    if !digits.is_multiple_of(2) {
        return Err(SecretError::OddHexLength);
    }
    let (min, max) = (MIN_KEY_LEN * 2, MAX_KEY_LEN * 2);
    if !(min..=max).contains(&digits) {
        return Err(SecretError::HexLength { digits, min, max });
    }
    let len = HEXLOWER_PERMISSIVE
        .decode_len(digits)
        .map_err(|_| SecretError::OddHexLength)?;
    let mut out = Zeroizing::new(vec![0u8; len]);
    match HEXLOWER_PERMISSIVE.decode_mut(input.as_bytes(), &mut out) {
        Ok(written) => {
            out.truncate(written);
            Ok(SecretBytes::new(std::mem::take(&mut *out)))
        }
        Err(partial) => Err(SecretError::InvalidHexCharacter {
            position: partial.error.position,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b32(s: &str) -> Result<Vec<u8>, SecretError> {
        decode_base32_secret(s).map(|k| k.expose().to_vec())
    }

    #[test]
    fn base32_accepts_user_typed_forms() {
        let want = b"12345678901234567890".to_vec();
        for input in [
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ",
            "gezd-gnbv-gy3t-qojq-gezd-gnbv-gy3t-qojq",
            " GeZd gNbV-Gy3T QoJq GEZDGNBVGY3TQOJQ ",
        ] {
            assert_eq!(b32(input), Ok(want.clone()), "{input:?}");
        }
    }

    #[test]
    fn base32_padding_rules() {
        // RFC 4648 §10 vectors, with and without padding.
        for (plain, enc) in [
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ] {
            assert_eq!(b32(enc), Ok(plain.as_bytes().to_vec()), "{enc}");
            let bare = enc.trim_end_matches('=');
            assert_eq!(b32(bare), Ok(plain.as_bytes().to_vec()), "{bare}");
            assert_eq!(b32(&bare.to_lowercase()), Ok(plain.as_bytes().to_vec()));
            assert_eq!(encode_base32(plain.as_bytes()), bare);
        }
        // Spaces around padding are still ignored.
        assert_eq!(b32("MZXW 6=== "), Ok(b"foo".to_vec()));
        assert_eq!(b32("MZXW6= = ="), Ok(b"foo".to_vec()));
        // Wrong amounts or positions.
        for bad in [
            "MZXW6==",
            "MZXW6====",
            "MZXW6YTB=",
            "MZXW6YTB========",
            "=MZXW6YTB",
            "MZ=XW6YTB",
            "MY======MY======",
            "MY=====",
            "MY=======",
            "=",
            "========",
        ] {
            assert_eq!(b32(bad), Err(SecretError::Padding), "{bad}");
        }
    }

    #[test]
    fn base32_rejections() {
        assert_eq!(b32(""), Err(SecretError::Empty));
        assert_eq!(b32("  - -"), Err(SecretError::Empty));
        for (bad, pos) in [
            ("GEZ0", 3),
            ("GEZ1", 3),
            ("GEZ8", 3),
            ("9EZD", 0),
            ("GE_Z", 2),
            ("GE\tZD", 2),
            ("GE\nZD", 2),
            ("GÉZD", 1),
            ("éGEZD", 0),
            ("ＧＥＺＤ", 0),
            ("GEZD+", 4),
            ("GEZD/", 4),
            ("GE\u{0}", 2),
            ("GEZD GNBV GY3T QOJ!", 18),
        ] {
            assert_eq!(
                b32(bad),
                Err(SecretError::InvalidCharacter { position: pos }),
                "{bad:?}"
            );
        }
        // Lengths that cannot end a group: 1, 3, 6 characters.
        for bad in ["A", "AAA", "AAAAAA", "AAAAAAAAA", "MZXW6YTBA"] {
            assert_eq!(b32(bad), Err(SecretError::Base32Length), "{bad}");
        }
        // Non-zero trailing bits.
        for bad in [
            "MZ", "MB", "MZXR", "MZXW7", "MZXW6YR", "AB", "AAAB", "AAAAB",
        ] {
            assert_eq!(b32(bad), Err(SecretError::TrailingBits), "{bad}");
        }
        // Limits.
        let at = "A".repeat(1024);
        assert_eq!(b32(&at).map(|v| v.len()), Ok(640));
        let over = "A".repeat(1025);
        assert_eq!(b32(&over), Err(SecretError::InputTooLong { max: 1024 }));
        assert_eq!(
            b32(&"A".repeat(1 << 20)),
            Err(SecretError::InputTooLong { max: 1024 })
        );
    }

    #[test]
    fn hex_rules() {
        let h = |s: &str| decode_hex_secret(s).map(|k| k.expose().to_vec());
        assert_eq!(
            h("3132333435363738393031323334353637383930"),
            Ok(b"12345678901234567890".to_vec())
        );
        assert_eq!(
            h("D2E8A68036F68960B1C30532BB6C56DA5934D879").map(|v| v.len()),
            Ok(20)
        );
        assert_eq!(h(&"ab".repeat(16)).map(|v| v.len()), Ok(16));
        assert_eq!(h(&"ab".repeat(64)).map(|v| v.len()), Ok(64));
        assert_eq!(h(""), Err(SecretError::Empty));
        assert_eq!(h(&"a".repeat(33)), Err(SecretError::OddHexLength));
        assert_eq!(
            h(&"ab".repeat(65)),
            Err(SecretError::HexLength {
                digits: 130,
                min: MIN_KEY_LEN * 2,
                max: 128
            })
        );
        #[cfg(not(feature = "danger-short-secrets"))]
        assert_eq!(
            h(&"ab".repeat(15)),
            Err(SecretError::HexLength {
                digits: 30,
                min: 32,
                max: 128
            })
        );
        #[cfg(feature = "danger-short-secrets")]
        assert_eq!(h("ab"), Ok(vec![0xab]));
        assert_eq!(
            h("0x3132"),
            Err(SecretError::InvalidHexCharacter { position: 1 })
        );
        assert_eq!(
            h("31 32333435363738393031323334353637383930"),
            Err(SecretError::InvalidHexCharacter { position: 2 })
        );
        assert_eq!(
            h("g0"),
            Err(SecretError::InvalidHexCharacter { position: 0 })
        );
        assert_eq!(
            h("é0"),
            Err(SecretError::InvalidHexCharacter { position: 0 })
        );
        assert_eq!(
            h(&"a".repeat(1025)),
            Err(SecretError::InputTooLong { max: 1024 })
        );
    }

    #[test]
    fn req_01_key_lengths() {
        #[cfg(not(feature = "danger-short-secrets"))]
        {
            assert_eq!(
                check_key_len(15),
                Err(SecretError::SecretTooShort { len: 15, min: 16 })
            );
            assert_eq!(
                check_key_len(0),
                Err(SecretError::SecretTooShort { len: 0, min: 16 })
            );
            // 15 bytes of base32 decode, but are not an importable key.
            let fifteen = encode_base32(&[7u8; 15]);
            assert!(decode_base32_secret(&fifteen).is_ok());
            assert_eq!(
                decode_base32_key(&fifteen),
                Err(SecretError::SecretTooShort { len: 15, min: 16 })
            );
        }
        #[cfg(feature = "danger-short-secrets")]
        {
            assert!(check_key_len(15).is_ok());
            assert!(check_key_len(1).is_ok());
            assert_eq!(
                check_key_len(0),
                Err(SecretError::SecretTooShort { len: 0, min: 1 })
            );
        }
        assert_eq!(check_key_len(16), Ok(()));
        assert_eq!(check_key_len(20), Ok(()));
        assert_eq!(check_key_len(32), Ok(()));
        assert_eq!(check_key_len(64), Ok(()));
        assert_eq!(
            check_key_len(65),
            Err(SecretError::SecretTooLong { len: 65, max: 64 })
        );
        assert!(decode_base32_key(&encode_base32(&[1u8; 16])).is_ok());
        assert!(decode_base32_key(&encode_base32(&[1u8; 20])).is_ok());
    }

    #[test]
    fn round_trip_every_length() {
        for len in 0..=80usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let enc = encode_base32(&bytes);
            assert!(!enc.contains('='));
            assert!(
                enc.chars()
                    .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
            );
            if len == 0 {
                assert_eq!(b32(&enc), Err(SecretError::Empty));
            } else {
                assert_eq!(b32(&enc), Ok(bytes.clone()));
                assert_eq!(b32(&enc.to_lowercase()), Ok(bytes));
            }
        }
    }

    #[test]
    fn messages_never_contain_the_secret() {
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1";
        let e = decode_base32_secret(secret).unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains("GEZD"), "{msg}");
        assert!(!format!("{e:?}").contains("GEZD"));
        for e in [
            SecretError::Empty,
            SecretError::InputTooLong { max: 1024 },
            SecretError::InvalidCharacter { position: 3 },
            SecretError::InvalidHexCharacter { position: 3 },
            SecretError::Padding,
            SecretError::Base32Length,
            SecretError::TrailingBits,
            SecretError::OddHexLength,
            SecretError::HexLength {
                digits: 2,
                min: 32,
                max: 128,
            },
            SecretError::SecretTooShort { len: 15, min: 16 },
            SecretError::SecretTooLong { len: 65, max: 64 },
        ] {
            assert!(!e.to_string().is_empty());
        }
    }

    /// Issue 13 item 9: the message states the real minimum, whatever it is.
    #[test]
    fn secret_too_short_states_the_real_minimum() {
        let e = SecretError::SecretTooShort { len: 15, min: 16 };
        assert_eq!(
            e.to_string(),
            "the key is 15 bytes long, at least 16 bytes (128 bits) are required (RFC 4226 R6)"
        );
        let e = SecretError::SecretTooShort { len: 0, min: 1 };
        assert_eq!(
            e.to_string(),
            "the key is 0 bytes long, at least 1 bytes (8 bits) are required"
        );
    }
}
