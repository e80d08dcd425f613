//! Persistent-id parsing, canonical and legacy (docs/behaviour.md §1.6): never panics; a parsed id
//! is canonical and round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otpkit::PersistentId;
use otpkit::device::is_valid_label;

fn check(p: &PersistentId) {
    assert!(p.id() > 0, "ids are positive");
    assert!(is_valid_label(p.model_label()), "label syntax");
    assert_eq!(p.model_label(), p.model_label().to_ascii_lowercase());
    let text = p.to_string();
    assert_eq!(
        PersistentId::parse(&text).as_ref(),
        Some(p),
        "round trip of {text:?}"
    );
    assert_eq!(
        PersistentId::parse_legacy(&text).as_ref(),
        Some(p),
        "canonical ids are not rewritten"
    );
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Some(p) = PersistentId::parse(&s) {
        assert!(s.len() <= 128, "over 128 bytes parsed");
        assert!(
            s.eq_ignore_ascii_case(&p.to_string()),
            "parse changed more than the case"
        );
        check(&p);
    }
    if let Some(p) = PersistentId::parse_legacy(&s) {
        assert!(s.len() <= 128, "over 128 bytes parsed (legacy)");
        check(&p);
    }
});
