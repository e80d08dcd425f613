//! Token normalisation (docs/behaviour.md §4.4 OATH/email, §5.3 static; REQ-07): never panics,
//! bounded work, and every accepted token is exactly in canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otpkit::oath::Digits;
use otpkit::token::{
    MAX_TOKEN_BYTES, STATIC_MAX_LEN, STATIC_MIN_LEN, normalize_oath, normalize_static,
};

fuzz_target!(|data: &[u8]| {
    // Arbitrary bytes reach the engine only as `&str` (the web layer rejects invalid UTF-8
    // bodies); lossy decoding still lets the fuzzer explore every character.
    let input = String::from_utf8_lossy(data);
    for digits in [Digits::SIX, Digits::SEVEN, Digits::EIGHT] {
        match normalize_oath(&input, digits) {
            Ok(t) => {
                let t = t.expose();
                assert!(input.len() <= MAX_TOKEN_BYTES, "a long token was accepted");
                assert_eq!(t.len(), usize::from(digits.get()));
                assert!(t.bytes().all(|b| b.is_ascii_digit()), "non-digit accepted");
                // Canonical: normalising again is the identity.
                assert_eq!(
                    normalize_oath(t, digits)
                        .map(|n| n.expose().to_owned())
                        .ok()
                        .as_deref(),
                    Some(t)
                );
                // Only ASCII digits, U+0020 inside and the trimmed ASCII whitespace outside.
                assert!(
                    input
                        .chars()
                        .all(|c| c.is_ascii_digit()
                            || matches!(c, ' ' | '\t' | '\n' | '\u{c}' | '\r'))
                );
            }
            Err(_) => {}
        }
    }
    if let Ok(t) = normalize_static(&input) {
        let t = t.expose();
        assert!(input.len() <= MAX_TOKEN_BYTES, "a long code was accepted");
        assert!((STATIC_MIN_LEN..=STATIC_MAX_LEN).contains(&t.len()));
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        assert_eq!(
            normalize_static(t)
                .map(|n| n.expose().to_owned())
                .ok()
                .as_deref(),
            Some(t)
        );
    }
});
