//! Token normalisation: one canonical form per token, bounded work (docs/behaviour.md §4.4, §5.3).
//!
//! Every submitted token goes through exactly one of these functions before a kind looks at
//! it. Input longer than [`MAX_TOKEN_BYTES`] is rejected from its length alone, before a
//! single character is examined, so a 1 MiB token costs nothing (REQ-07). Anything that is
//! not exactly the expected syntax is [`Malformed`]; unlike django-otp (which uses Python's
//! `int()`), signs, underscores, exponents and non-ASCII digits are never accepted (§9).
//!
//! ```
//! use otpkit::oath::Digits;
//! use otpkit::token::{normalize_oath, normalize_static};
//!
//! assert_eq!(normalize_oath(" 123 456\n", Digits::SIX).unwrap().expose(), "123456");
//! assert!(normalize_oath("+123456", Digits::SIX).is_err());
//! assert_eq!(normalize_static("K7F2Q M3XZA").unwrap().expose(), "k7f2qm3xza");
//! ```

use std::fmt;

use zeroize::Zeroizing;

use crate::oath::Digits;
use crate::secret::SecretString;

/// Tokens longer than this many **bytes** are malformed without being scanned.
pub const MAX_TOKEN_BYTES: usize = 64;

/// The shortest normalised static (backup) code.
pub const STATIC_MIN_LEN: usize = 6;
/// The longest normalised static (backup) code.
pub const STATIC_MAX_LEN: usize = 16;

/// A token that does not have the required syntax. Carries nothing of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Malformed;

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("malformed token")
    }
}

impl std::error::Error for Malformed {}

/// The ASCII whitespace trimmed around tokens: U+0009, U+000A, U+000C, U+000D and U+0020
/// (not U+000B, and no non-ASCII space).
fn is_trimmed_space(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{C}' | '\u{D}' | ' ')
}

/// Normalises an OATH (TOTP/HOTP) or email token (docs/behaviour.md §4.4).
///
/// In order: (1) more than 64 bytes → [`Malformed`], before anything else; (2) trim
/// surrounding ASCII whitespace; (3) remove every remaining U+0020; (4) the result must be
/// exactly `digits` characters `0`–`9`.
///
/// ```
/// use otpkit::oath::Digits;
/// use otpkit::token::{normalize_oath, Malformed};
/// assert_eq!(normalize_oath("12 34 56", Digits::SIX).unwrap().expose(), "123456");
/// assert_eq!(normalize_oath("123\t456", Digits::SIX), Err(Malformed));
/// assert_eq!(normalize_oath("１２３４５６", Digits::SIX), Err(Malformed));
/// ```
pub fn normalize_oath(input: &str, digits: Digits) -> Result<SecretString, Malformed> {
    if input.len() > MAX_TOKEN_BYTES {
        return Err(Malformed);
    }
    let want = usize::from(digits.get());
    let mut out = buffer();
    let mut len = 0usize;
    for c in input.trim_matches(is_trimmed_space).chars() {
        if c == ' ' {
            continue;
        }
        if !c.is_ascii_digit() || len >= want {
            return Err(Malformed);
        }
        len += 1;
        out.push(c);
    }
    if len == want {
        Ok(finish(out))
    } else {
        Err(Malformed)
    }
}

/// Normalises a static (backup) code (docs/behaviour.md §5.3).
///
/// In order: more than 64 bytes → [`Malformed`]; trim surrounding ASCII whitespace; remove
/// every U+0020 and `-`; ASCII-lowercase; the result must be 6–16 characters of `[a-z0-9]`.
///
/// ```
/// use otpkit::token::normalize_static;
/// for same in ["K7F2Q M3XZA", "k7f2q-m3xza", "k7f2qm3xza"] {
///     assert_eq!(normalize_static(same).unwrap().expose(), "k7f2qm3xza");
/// }
/// assert!(normalize_static("k7f2q_m3xza").is_err());
/// ```
pub fn normalize_static(input: &str) -> Result<SecretString, Malformed> {
    if input.len() > MAX_TOKEN_BYTES {
        return Err(Malformed);
    }
    let mut out = buffer();
    let mut len = 0usize;
    for c in input.trim_matches(is_trimmed_space).chars() {
        if c == ' ' || c == '-' {
            continue;
        }
        let c = c.to_ascii_lowercase();
        if !(c.is_ascii_lowercase() || c.is_ascii_digit()) || len >= STATIC_MAX_LEN {
            return Err(Malformed);
        }
        len += 1;
        out.push(c);
    }
    if len >= STATIC_MIN_LEN {
        Ok(finish(out))
    } else {
        Err(Malformed)
    }
}

/// A buffer for a normalised token: its capacity is reserved up front so it never
/// reallocates (leaving no unzeroed copy behind), and it is zeroed if dropped on an error.
fn buffer() -> Zeroizing<String> {
    Zeroizing::new(String::with_capacity(MAX_TOKEN_BYTES))
}

fn finish(mut buf: Zeroizing<String>) -> SecretString {
    SecretString::new(std::mem::take(&mut *buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oath6(s: &str) -> Result<String, Malformed> {
        normalize_oath(s, Digits::SIX).map(|t| t.expose().to_owned())
    }

    #[test]
    fn spec_4_4_accepted_rows() {
        for input in ["123456", " 123456 ", "123456\n", "123 456", "12 34 56"] {
            assert_eq!(oath6(input).as_deref(), Ok("123456"), "{input:?}");
        }
        for input in ["\t123456\r\n", "\u{C}123456", "  1 2 3 4 5 6  ", "000000"] {
            assert!(oath6(input).is_ok(), "{input:?}");
        }
        assert_eq!(oath6("045675").as_deref(), Ok("045675"));
    }

    #[test]
    fn spec_4_4_malformed_rows() {
        for input in [
            "",
            "12345",
            "1234567",
            "123\t456",
            "+123456",
            "-12345",
            "123_456",
            "1e5",
            "0x1E240",
            "１２３４５６",
            "١٢٣٤٥٦",
            "\u{0}123456",
            "123456\u{0}",
            "\u{B}123456",  // vertical tab is not trimmed
            "\u{A0}123456", // no-break space is not ASCII whitespace
            "123\u{A0}456",
            "123\n456", // only U+0020 is removed inside
            "12345a",
            "      ",
            "abcdef",
            "123456 7",
        ] {
            assert_eq!(oath6(input), Err(Malformed), "{input:?}");
        }
    }

    #[test]
    fn spec_4_4_long_inputs_rejected_without_scanning() {
        let at_limit = format!("{}123456", " ".repeat(58));
        assert_eq!(at_limit.len(), 64);
        assert_eq!(oath6(&at_limit).as_deref(), Ok("123456"));
        let over = format!("{}123456", " ".repeat(59));
        assert_eq!(over.len(), 65);
        assert_eq!(oath6(&over), Err(Malformed));
        assert_eq!(oath6(&"1".repeat(65)), Err(Malformed));
        let mib = "1".repeat(1 << 20);
        assert_eq!(oath6(&mib), Err(Malformed));
        // 65 bytes of which 64 are one multi-byte character run: still malformed by length.
        let multibyte = format!("{}1", "é".repeat(32));
        assert_eq!(multibyte.len(), 65);
        assert_eq!(oath6(&multibyte), Err(Malformed));
    }

    #[test]
    fn other_digit_counts() {
        let d7 = Digits::new(7).unwrap();
        assert_eq!(
            normalize_oath(" 1234 567 ", d7).unwrap().expose(),
            "1234567"
        );
        assert_eq!(normalize_oath("123456", d7), Err(Malformed));
        assert_eq!(
            normalize_oath("12345678", Digits::EIGHT).unwrap().expose(),
            "12345678"
        );
        assert_eq!(normalize_oath("1234 5678 9", Digits::EIGHT), Err(Malformed));
    }

    fn stat(s: &str) -> Result<String, Malformed> {
        normalize_static(s).map(|t| t.expose().to_owned())
    }

    #[test]
    fn spec_5_3_static_rows() {
        for input in [
            "K7F2Q M3XZA",
            "k7f2q-m3xza",
            "k7f2qm3xza",
            " K7F2Q-M3XZA\n",
            "k-7-f-2-q-m3xza",
        ] {
            assert_eq!(stat(input).as_deref(), Ok("k7f2qm3xza"), "{input:?}");
        }
        assert_eq!(stat("abc123").as_deref(), Ok("abc123"));
        assert_eq!(stat("abcdefghij012345").as_deref(), Ok("abcdefghij012345"));
        assert_eq!(stat("ABCDEF01").as_deref(), Ok("abcdef01")); // 8-char django-otp style
        for input in [
            "",
            "abc12",
            "abcdefghij0123456",
            "k7f2q_m3xza",
            "k7f2q.m3xza",
            "k7f2q\tm3xza",
            "ｋ７ｆ２ｑｍ３ｘｚａ",
            "١٢٣٤٥٦",
            "\u{0}abcdef",
            "abcdef\u{0}",
            "ǆabcdef",
            "straße1",
            "K\u{212A}abcdef", // Kelvin sign lowercases to 'k' in Unicode, not in ASCII
            "------",
            "  -  ",
        ] {
            assert_eq!(stat(input), Err(Malformed), "{input:?}");
        }
        let over = format!("{}abcdef", "-".repeat(59));
        assert_eq!(over.len(), 65);
        assert_eq!(stat(&over), Err(Malformed));
        let at = format!("{}abcdef", "-".repeat(58));
        assert_eq!(stat(&at).as_deref(), Ok("abcdef"));
        assert_eq!(stat(&"a".repeat(1 << 20)), Err(Malformed));
    }

    #[test]
    fn malformed_error_traits() {
        let e: Box<dyn std::error::Error> = Box::new(Malformed);
        assert_eq!(e.to_string(), "malformed token");
        assert_eq!(format!("{Malformed:?}"), "Malformed");
    }

    #[test]
    fn normalised_output_is_redacted() {
        let t = normalize_oath("123456", Digits::SIX).unwrap();
        assert_eq!(format!("{t:?}"), "SecretString([REDACTED])");
    }
}
