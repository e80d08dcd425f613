//! User-typed secrets (docs/behaviour.md §5.7, REQ-01, REQ-07): base32 and hex import never panic,
//! and what they accept round-trips through the canonical encodings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otpkit::encoding::{
    MAX_KEY_LEN, MAX_SECRET_INPUT_BYTES, MIN_KEY_LEN, decode_base32_key, decode_base32_secret,
    decode_hex_secret, encode_base32,
};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(k) = decode_base32_secret(&s) {
        assert!(s.len() <= MAX_SECRET_INPUT_BYTES);
        assert!(!k.is_empty());
        // The canonical (upper case, unpadded) form decodes to the same bytes.
        let canon = encode_base32(k.expose());
        let back = decode_base32_secret(&canon).expect("canonical base32 decodes");
        assert_eq!(back.expose(), k.expose());
        // And the input, stripped of spaces, hyphens and padding, upper-cased, is that form.
        let stripped: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '='))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        assert_eq!(stripped, canon);
    }
    match decode_base32_key(&s) {
        Ok(k) => assert!((MIN_KEY_LEN..=MAX_KEY_LEN).contains(&k.len())),
        Err(_) => {}
    }
    if let Ok(k) = decode_hex_secret(&s) {
        assert!((MIN_KEY_LEN..=MAX_KEY_LEN).contains(&k.len()));
        assert_eq!(hex(k.expose()), s.to_ascii_lowercase());
    }
});
