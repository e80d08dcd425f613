//! otpauth URI parsing (docs/behaviour.md §5.5, REQ-07, REQ-15): never panics, and every parsed
//! value survives a build/parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otpkit::otpauth::{MAX_URI_BYTES, OtpAuth, OtpAuthKind, parse};

/// What `to_uri` writes for `c`: the issuer without `:` and only if non-empty, the image
/// only for TOTP and only if non-empty (docs/behaviour.md §5.5).
fn canonical(c: &OtpAuth) -> OtpAuth {
    let mut n = c.clone();
    n.issuer = c
        .issuer
        .as_ref()
        .map(|i| i.replace(':', ""))
        .filter(|i| !i.is_empty());
    n.image = match c.kind {
        OtpAuthKind::Totp { .. } => c.image.clone().filter(|i| !i.is_empty()),
        OtpAuthKind::Hotp { .. } => None,
    };
    n
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(c) = parse(s) else {
        return;
    };
    assert!(s.len() <= MAX_URI_BYTES);
    assert!(!c.account.is_empty(), "an empty account parsed");
    assert!(
        (16..=64).contains(&c.secret.len()),
        "secret length out of range"
    );
    let uri = c.to_uri();
    // Whatever `parse` accepts, `to_uri` writes something `parse` accepts again…
    let again = match parse(uri.expose()) {
        Ok(a) => a,
        Err(e) => panic!("the built URI of a parsed value does not parse: {e}"),
    };
    // …equal to the canonical form of the value…
    assert!(
        again == canonical(&c),
        "parse(build(parse(s))) != canonical(parse(s))"
    );
    // …and building once more is byte for byte the same URI.
    assert_eq!(again.to_uri().expose(), uri.expose());
});
